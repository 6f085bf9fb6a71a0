"""Claims to spreadsheets: the payment batch for whoever pays, and the claims register.

**The payment batch** (:func:`export_batch`, for those who may record claims as paid) lists
the approved claims not yet paid whose activity falls in a period: the claim number, who is
paid (the claimant, or the charity they gave the payment to), how, the bank sort code and
account number **in full** — this is the one file that shows them — the amount, the reference
to quote (the claim number) and the budget it draws on.  A second sheet has the totals:
claimed by category, what was not taken (declined, or taking less), paid by method and by
budget, and the total to pay, which is the sum of the amounts on the first sheet; a third
lists every line of those claims, to check them against.

**The claims register** (:func:`export_register`, for those who see everyone's claims) lists
every claim with its status and who submitted, decided and paid it; bank details only masked.

Money cells are integer pence written as pounds with a ``£`` number format, and text that a
spreadsheet could take for a formula (``=``, ``+``, ``-``, ``@``…) is neutralised, both by
:mod:`vcsedesk.io.spreadsheet`, which also writes the file atomically.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from pathlib import Path
from typing import Any

from vcsedesk.domain.claims import CATEGORY_LABELS, Category, PaymentChoice, pence_text
from vcsedesk.io.claim_pdf import quantity_text, taking_less
from vcsedesk.io.spreadsheet import Column, Kind, Sheet, write_xlsx
from vcsedesk.services import claims
from vcsedesk.services.base import Actor, Permission, require
from vcsedesk.services.claims import ClaimView
from vcsedesk.services.engagements_export import OptionError, parse_day
from vcsedesk.store.database import Database

BATCH_COLUMNS: tuple[Column, ...] = (
    Column("Claim", width=10),
    Column("Payee", width=30),
    Column("Method", width=20),
    Column("Sort code", width=10),
    Column("Account number", width=15),
    Column("Amount", Kind.MONEY_PENCE, width=12),
    Column("Reference", width=12),
    Column("Budget", width=28),
    Column("Claimant", width=24),
    Column("Activity date", Kind.DATE, width=12),
    Column("Claimed", Kind.MONEY_PENCE, width=12),
)
LINE_COLUMNS: tuple[Column, ...] = (
    Column("Claim", width=10),
    Column("Claimant", width=24),
    Column("Category", width=16),
    Column("Description", width=40),
    Column("Quantity", width=14),
    Column("Rate", Kind.MONEY_PENCE, width=11),
    Column("Amount", Kind.MONEY_PENCE, width=12),
    Column("Receipt", Kind.BOOLEAN, width=9),
)
TOTAL_COLUMNS: tuple[Column, ...] = (
    Column("Total", width=22),
    Column("Of", width=40),
    Column("Amount", Kind.MONEY_PENCE, width=14),
)
REGISTER_COLUMNS: tuple[Column, ...] = (
    Column("Claim", width=10),
    Column("Status", width=11),
    Column("Claimant", width=24),
    Column("Activity date", Kind.DATE, width=12),
    Column("Involvement", width=34),
    Column("Total", Kind.MONEY_PENCE, width=12),
    Column("Payable (to claimant or charity)", Kind.MONEY_PENCE, width=14),
    Column("Choice", width=22),
    Column("Taking less", Kind.BOOLEAN, width=8),
    Column("Donated to", width=24),
    Column("Budget", width=24),
    Column("Bank account", width=13),
    Column("Submitted by", width=18),
    Column("Submitted at", Kind.DATETIME, width=17),
    Column("Decided by", width=18),
    Column("Decided at", Kind.DATETIME, width=17),
    Column("Rejected because", width=40),
    Column("Paid on", Kind.DATE, width=11),
    Column("Paid by", width=18),
    Column("Payment method", width=16),
    Column("Payment reference", width=20),
)
NO_BUDGET = "(no budget)"


@dataclass(frozen=True)
class ClaimsExportReport:
    """What was written: how many claims, and (for a batch) the total to pay."""

    count: int
    total_pence: int
    path: Path
    batch: bool

    def line(self) -> str:
        noun = "claim" if self.count == 1 else "claims"
        if self.batch:
            return f"Exported {self.count:,} {noun} to pay ({pence_text(self.total_pence)}) to {self.path}."
        return f"Exported {self.count:,} {noun} to {self.path}."


# -- what is paid, to whom --------------------------------------------------------------------
def amount_to_pay(view: ClaimView) -> int:
    """What whoever pays sends for ``view``: to the claimant (all, or the less they chose to
    take), the whole total to the charity for a claim given away, nothing for one declined."""
    return view.cost_pence


def method_label(choice: PaymentChoice) -> str:
    return {
        PaymentChoice.DONATE: "Donation to a charity",
        PaymentChoice.DECLINE: "Declined: nothing to pay",
    }.get(choice, choice.label)


def _method_text(method: str | None) -> str | None:
    """A payment method as recorded ("bank_transfer") in words; anything else as typed."""
    if not method:
        return None
    try:
        return method_label(PaymentChoice(method))
    except ValueError:
        return method


# -- the payment batch ------------------------------------------------------------------------
def _batch_row(view: ClaimView) -> list[Any]:
    bank = view.choice is PaymentChoice.BANK_TRANSFER
    return [
        view.number,
        view.payee,
        method_label(view.choice),
        view.sort_code if bank else None,
        (view.account_number or None) if bank else None,
        amount_to_pay(view),
        view.number,
        view.budget_name or NO_BUDGET,
        view.claimant_name,
        view.activity_date,
        view.total_pence,
    ]


def _line_rows(views: Sequence[ClaimView]) -> Iterable[list[Any]]:
    for view in views:
        for line in view.items:
            yield [
                view.number,
                view.claimant_name,
                line.category.label,
                line.description or None,
                quantity_text(line),
                line.rate_pence,
                line.amount_pence,
                line.has_receipt,
            ]


def batch_totals(views: Sequence[ClaimView]) -> list[list[Any]]:
    """The totals sheet: claimed by category, not taken, to pay by method and by budget, and
    the total to pay (the sum of the batch's amounts)."""
    by_category: dict[Category, int] = {}
    by_method: dict[PaymentChoice, int] = {}
    by_budget: dict[str, int] = {}
    for view in views:
        for category, pence in view.by_category.items():
            by_category[category] = by_category.get(category, 0) + pence
        pay = amount_to_pay(view)
        by_method[view.choice] = by_method.get(view.choice, 0) + pay
        budget = view.budget_name or NO_BUDGET
        by_budget[budget] = by_budget.get(budget, 0) + pay
    claimed = sum(v.total_pence for v in views)
    to_pay = sum(amount_to_pay(v) for v in views)
    rows: list[list[Any]] = [
        ["Claimed by category", CATEGORY_LABELS[c], by_category[c]] for c in Category if c in by_category
    ]
    rows.append(["Claimed", "All categories", claimed])
    rows.append(["Not taken", "Declined, or taking less", to_pay - claimed])
    rows += [["To pay by method", method_label(c), by_method[c]] for c in PaymentChoice if c in by_method]
    rows += [["To pay by budget", name, by_budget[name]] for name in sorted(by_budget, key=str.casefold)]
    rows.append(["Total to pay", f"{len(views):,} {'claim' if len(views) == 1 else 'claims'}", to_pay])
    return rows


def export_batch(
    db: Database, actor: Actor, path: Path, start: date, end: date, *, timezone: tzinfo | None = None
) -> ClaimsExportReport:
    """Write the payment batch — approved, unpaid claims with activity from ``start`` to
    ``end`` — to ``path`` (xlsx): a Payments sheet with bank details in full, and Totals."""
    require(actor, Permission.PAY_CLAIMS)
    path = Path(path)
    views = claims.batch(db, start, end)
    write_xlsx(
        path,
        [
            Sheet("Payments", BATCH_COLUMNS, (_batch_row(v) for v in views)),
            Sheet("Totals", TOTAL_COLUMNS, batch_totals(views)),
            Sheet("Lines", LINE_COLUMNS, _line_rows(views)),
        ],
        timezone=timezone,
    )
    return ClaimsExportReport(len(views), sum(amount_to_pay(v) for v in views), path, batch=True)


# -- the register -----------------------------------------------------------------------------
def _register_rows(views: Iterable[ClaimView]) -> Iterable[list[Any]]:
    for view in views:
        yield [
            view.number,
            view.status.label,
            view.claimant_name,
            view.activity_date,
            view.tier.label,
            view.total_pence,
            amount_to_pay(view),
            view.choice.label,
            taking_less(view),
            view.donate_to if view.choice is PaymentChoice.DONATE else None,
            view.budget_name,
            view.masked_account or None,  # never the number itself
            view.submitted_by,
            view.submitted_at,
            view.decided_by,
            view.decided_at,
            view.rejected_reason,
            view.paid_on,
            view.paid_by,
            _method_text(view.payment_method),
            view.payment_reference,
        ]


def export_register(
    db: Database,
    actor: Actor,
    path: Path,
    *,
    start: date | None = None,
    end: date | None = None,
    timezone: tzinfo | None = None,
) -> ClaimsExportReport:
    """Write every claim (with activity from ``start`` to ``end``, when given) to ``path``
    (xlsx), bank details masked.  Times are written in local time."""
    require(actor, Permission.SEE_ALL_CLAIMS)
    path = Path(path)
    views = claims.register(db, start=start, end=end)
    write_xlsx(path, [Sheet("Claims", REGISTER_COLUMNS, _register_rows(views))], timezone=timezone)
    return ClaimsExportReport(len(views), sum(v.total_pence for v in views), path, batch=False)


# -- the command line -------------------------------------------------------------------------
def _period(args: argparse.Namespace) -> tuple[date | None, date | None]:
    start = parse_day("--from", args.start) if getattr(args, "start", None) else None
    end = parse_day("--to", args.end) if getattr(args, "end", None) else None
    if start and end and start > end:
        raise OptionError("--from", f"{start:%d %b %Y} is after the --to date {end:%d %b %Y}.")
    return start, end


def _xlsx_path(args: argparse.Namespace) -> Path:
    path = Path(args.file).expanduser().absolute()
    if path.suffix.lower() != ".xlsx":
        raise OptionError("FILE", f"{path.name} must be an Excel workbook ending .xlsx.")
    return path


def cmd_claims_batch(args: argparse.Namespace, db: Database, actor: Actor, *, out: Any = print) -> int:
    """``vcsedesk claims batch --from DATE --to DATE FILE`` once the database is open and the
    acting user known (cli.py opens them)."""
    start, end = _period(args)
    if start is None or end is None:
        raise OptionError(
            "--from" if start is None else "--to", "the payment batch needs both --from and --to."
        )
    report = export_batch(db, actor, _xlsx_path(args), start, end)
    out(report.line())
    return 0


def cmd_claims_register(args: argparse.Namespace, db: Database, actor: Actor, *, out: Any = print) -> int:
    """``vcsedesk claims register [--from DATE] [--to DATE] FILE``."""
    start, end = _period(args)
    report = export_register(db, actor, _xlsx_path(args), start=start, end=end)
    out(report.line())
    return 0


__all__: Sequence[str] = (
    "BATCH_COLUMNS",
    "LINE_COLUMNS",
    "REGISTER_COLUMNS",
    "TOTAL_COLUMNS",
    "ClaimsExportReport",
    "OptionError",
    "amount_to_pay",
    "batch_totals",
    "cmd_claims_batch",
    "cmd_claims_register",
    "export_batch",
    "export_register",
)
