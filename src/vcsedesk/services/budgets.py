"""Budgets: the funding pots claims draw on, each for a period, and what is spent from them.

A claim draws on one budget (``claims.budget_id``).  What it spends is its **payable** amount:
what the claimant chose to take (``take_pence``) if they took less, else the claim's total;
nothing if they declined; a donation to a charity still spends the budget (the organisation
pays it, to the charity).  Spend is counted by the claim's status:

* **committed** — approved and paid claims;
* **pending** — submitted claims, not yet decided;
* **remaining** — the amount less both (negative when the budget is overspent).

Drafts and rejected claims spend nothing, nor do archived claims.  The figures are summed by
the database in one statement, whatever the number of claims.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from vcsedesk.domain.claims import ClaimStatus, PaymentChoice, pence_text
from vcsedesk.domain.errors import NotFoundError, ValidationError
from vcsedesk.domain.validation import Problems, clean_text
from vcsedesk.services.base import Actor, Changes, Permission, require, unit_of_work
from vcsedesk.store.database import Database
from vcsedesk.store.models import Budget, Claim
from vcsedesk.store.search import fold

MAX_NAME = 160
MAX_FUNDER = 160
#: The largest budget (£10,000,000.00): inside the 32-bit integer column with room to spare.
MAX_AMOUNT = 1_000_000_000

COMMITTED = (ClaimStatus.APPROVED.value, ClaimStatus.PAID.value)
PENDING = (ClaimStatus.SUBMITTED.value,)


@dataclass(frozen=True)
class BudgetView:
    """A budget and its spend (pence)."""

    id: uuid.UUID
    version: int
    name: str
    funder: str | None
    starts_on: date
    ends_on: date
    amount: int
    #: Approved and paid claims' payable amounts.
    committed: int
    #: Submitted claims' payable amounts.
    pending: int
    #: ``amount - committed - pending``; negative when overspent.
    remaining: int
    archived: bool = False

    @property
    def overspent(self) -> bool:
        return self.remaining < 0

    @property
    def period_text(self) -> str:
        return f"{self.starts_on:%d %b %Y} to {self.ends_on:%d %b %Y}"


def payable(claim: type[Claim] = Claim) -> ColumnElement[int]:
    """A claim's payable pence as SQL: nothing if declined, else what was taken or the total."""
    return case(
        (claim.choice == PaymentChoice.DECLINE.value, 0),
        else_=func.coalesce(claim.take_pence, claim.total_pence),
    )


def _spend(
    session: Session, budget_ids: Iterable[uuid.UUID], exclude_claim: uuid.UUID | None = None
) -> dict[uuid.UUID, tuple[int, int]]:
    """(committed, pending) pence per budget."""
    ids = list(budget_ids)
    if not ids:
        return {}
    committed = func.sum(case((Claim.status.in_(COMMITTED), payable()), else_=0))
    pending = func.sum(case((Claim.status.in_(PENDING), payable()), else_=0))
    query = (
        select(Claim.budget_id, committed, pending)
        .where(
            Claim.budget_id.in_(ids),
            Claim.deleted_at.is_(None),
            Claim.status.in_(COMMITTED + PENDING),
        )
        .group_by(Claim.budget_id)
    )
    if exclude_claim is not None:
        query = query.where(Claim.id != exclude_claim)
    out = {budget_id: (0, 0) for budget_id in ids}
    for budget_id, done, waiting in session.execute(query):
        out[budget_id] = (int(done or 0), int(waiting or 0))
    return out


def _view(row: Budget, committed: int, pending: int) -> BudgetView:
    return BudgetView(
        id=row.id,
        version=row.version,
        name=row.name,
        funder=row.funder,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        amount=row.amount,
        committed=committed,
        pending=pending,
        remaining=row.amount - committed - pending,
        archived=row.deleted_at is not None,
    )


# -- reading ---------------------------------------------------------------------------------
def list_budgets(db: Database, *, on: date | None = None, include_archived: bool = False) -> list[BudgetView]:
    """Budgets (by name, then the latest period first) with their spend; only those whose
    period includes ``on`` if it is given."""
    with db.read() as session:
        query = select(Budget)
        if not include_archived:
            query = query.where(Budget.deleted_at.is_(None))
        if on is not None:
            query = query.where(Budget.starts_on <= on, Budget.ends_on >= on)
        rows = session.scalars(query).all()
        spent = _spend(session, [row.id for row in rows])
    rows = sorted(rows, key=lambda r: (fold(r.name), -r.starts_on.toordinal(), r.id))
    return [_view(row, *spent[row.id]) for row in rows]


def spend(db: Database, budget_id: uuid.UUID) -> BudgetView:
    """One budget (archived too) and its spend."""
    with db.read() as session:
        row = session.get(Budget, budget_id)
        if row is None:
            raise NotFoundError("That budget no longer exists.")
        return _view(row, *_spend(session, [row.id])[row.id])


def would_overspend(
    db: Database, budget_id: uuid.UUID, extra_pence: int, *, exclude_claim_id: uuid.UUID | None = None
) -> str | None:
    """A warning sentence if spending ``extra_pence`` more (on top of what is committed and
    pending) would take the budget past its amount, else None.

    ``exclude_claim_id``: a claim already counted as pending or committed whose amount is
    ``extra_pence`` (approving a submitted claim), so it is not counted twice.
    """
    with db.read() as session:
        row = session.get(Budget, budget_id)
        if row is None:
            raise NotFoundError("That budget no longer exists.")
        committed, pending = _spend(session, [row.id], exclude_claim_id)[row.id]
    left = row.amount - committed - pending
    if extra_pence <= 0 or extra_pence <= left:
        return None
    over = extra_pence - left
    spoken = committed + pending
    if left <= 0:
        state = f"it is already overspent by {pence_text(-left)}" if left < 0 else "nothing of it is left"
        return (
            f"This claim ({pence_text(extra_pence)}) would overspend the budget “{row.name}”: "
            f"{pence_text(spoken)} of its {pence_text(row.amount)} is already committed or pending, "
            f"so {state}. It would be {pence_text(over)} over."
        )
    return (
        f"This claim ({pence_text(extra_pence)}) would overspend the budget “{row.name}” by "
        f"{pence_text(over)}: {pence_text(spoken)} of its {pence_text(row.amount)} is already "
        f"committed or pending, leaving {pence_text(left)}."
    )


# -- changing --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Clean:
    name: str
    funder: str | None
    starts_on: date
    ends_on: date
    amount: int


def clean_budget(name: str, funder: str | None, starts_on: date, ends_on: date, amount: int) -> _Clean:
    """The budget's values tidied, or ValidationError naming each field wrong (``name``,
    ``funder``, ``starts_on``, ``ends_on``, ``amount``)."""
    p = Problems("The budget")
    clean_name = p.check(
        "name", lambda: clean_text(name, label="The name", max_length=MAX_NAME, required=True)
    )
    clean_funder = p.check("funder", lambda: clean_text(funder, label="The funder", max_length=MAX_FUNDER))
    if ends_on < starts_on:
        p.by_field["ends_on"] = (
            f"The budget cannot end ({ends_on:%d %b %Y}) before it starts ({starts_on:%d %b %Y})."
        )
    if isinstance(amount, bool) or not isinstance(amount, int):
        p.by_field["amount"] = "The amount must be a whole number of pence."
    elif amount <= 0:
        p.by_field["amount"] = "The amount must be more than nothing."
    elif amount > MAX_AMOUNT:
        p.by_field["amount"] = f"The amount must be no more than {pence_text(MAX_AMOUNT)}."
    p.raise_if_any()
    assert clean_name is not None
    return _Clean(clean_name, clean_funder, starts_on, ends_on, amount)


def _refuse_same(session: Session, clean: _Clean, exclude: uuid.UUID | None) -> None:
    """Refuse a second live budget of the same name (ignoring case) for an overlapping period."""
    query = select(Budget).where(
        Budget.deleted_at.is_(None), Budget.starts_on <= clean.ends_on, Budget.ends_on >= clean.starts_on
    )
    if exclude is not None:
        query = query.where(Budget.id != exclude)
    key = fold(clean.name)
    for other in session.scalars(query):
        if fold(other.name) == key:
            raise ValidationError(
                {
                    "name": f"There is already a budget called “{other.name}” for "
                    f"{other.starts_on:%d %b %Y} to {other.ends_on:%d %b %Y}; give this one "
                    "another name or a period that does not overlap."
                },
                record="The budget",
            )


def _values(clean: _Clean) -> dict[str, object]:
    return {
        "name": clean.name,
        "funder": clean.funder,
        "starts_on": clean.starts_on,
        "ends_on": clean.ends_on,
        "amount": clean.amount,
    }


def add_budget(
    db: Database,
    actor: Actor,
    *,
    name: str,
    starts_on: date,
    ends_on: date,
    amount: int,
    funder: str | None = None,
) -> Changes:
    """A new budget of ``amount`` pence for ``starts_on`` to ``ends_on`` (inclusive)."""
    require(actor, Permission.MANAGE_POLICY)
    clean = clean_budget(name, funder, starts_on, ends_on, amount)
    with unit_of_work(db, actor, f"Added the budget {clean.name} ({pence_text(clean.amount)})") as uow:
        _refuse_same(uow.session, clean, None)
        uow.add(Budget(**_values(clean)))
    return uow.changes


def update_budget(
    db: Database,
    actor: Actor,
    budget_id: uuid.UUID,
    expected_version: int,
    *,
    name: str,
    starts_on: date,
    ends_on: date,
    amount: int,
    funder: str | None = None,
) -> Changes:
    """Change a budget's name, funder, period or amount (claims drawing on it keep it)."""
    require(actor, Permission.MANAGE_POLICY)
    clean = clean_budget(name, funder, starts_on, ends_on, amount)
    with unit_of_work(db, actor, f"Changed the budget {clean.name}") as uow:
        row = uow.get(Budget, budget_id)
        uow.check_version(row, expected_version)
        _refuse_same(uow.session, clean, row.id)
        uow.update(row, _values(clean), expected_version)
    return uow.changes


def archive_budget(db: Database, actor: Actor, budget_id: uuid.UUID, expected_version: int) -> Changes:
    """Stop offering a budget for new claims; the claims that drew on it keep it."""
    require(actor, Permission.MANAGE_POLICY)
    with unit_of_work(db, actor, "Archived a budget") as uow:
        row = uow.get(Budget, budget_id)
        uow.summary = uow.changes.summary = f"Archived the budget {row.name}"
        uow.archive(row, expected_version, summary=uow.summary)
    return uow.changes


def restore_budget(db: Database, actor: Actor, budget_id: uuid.UUID, expected_version: int) -> Changes:
    """Offer an archived budget again."""
    require(actor, Permission.MANAGE_POLICY)
    with unit_of_work(db, actor, "Restored a budget") as uow:
        row = uow.get(Budget, budget_id, include_archived=True)
        uow.summary = uow.changes.summary = f"Restored the budget {row.name}"
        uow.restore(row, expected_version, summary=uow.summary)
    return uow.changes
