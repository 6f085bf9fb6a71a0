"""The payment batch and the claims register, from claims made, approved and paid through the
service, read back with openpyxl and checked against the database to the penny."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import case, func, select

from vcsedesk.domain.claims import CATEGORY_LABELS, Category, ItemEntry
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.errors import PermissionDenied
from vcsedesk.io.spreadsheet import MONEY_FORMAT
from vcsedesk.services import budgets, claims, claims_export, contacts, people
from vcsedesk.services.base import Actor
from vcsedesk.services.claims import ClaimDraft
from vcsedesk.store.database import Database
from vcsedesk.store.models import Claim, ClaimItem

START, END = date(2026, 3, 1), date(2026, 3, 31)
HOSTILE_NAME = '=HYPERLINK("http://evil.example") Jones'
HOSTILE_CHARITY = "@Mile End Food Bank"
HOSTILE_DESCRIPTIONS = ("-Taxi home", "+Sandwich", "@home printing", "=1+2")
SORT_CODE, ACCOUNT = "01-02-03", "00123456"  # leading zeros must survive as text


@dataclass
class World:
    admin: Actor
    approver: Actor
    payer: Actor
    volunteer: Actor
    numbers: dict[str, str]  # letter -> claim number


def make(db: Database, w: World, draft: ClaimDraft, until: str) -> str:
    """``draft`` taken as far as ``until``: made and submitted by the administrator, approved by
    a coordinator, paid by a member of staff."""
    (claim_id,) = claims.new_claim(db, w.admin, draft).created["claims"]
    steps = ["draft", "submitted", "approved", "paid"]
    view = claims.get_claim(db, claim_id, w.admin)
    if steps.index(until) >= 1:
        claims.submit_claim(db, w.admin, claim_id, view.version)
    if steps.index(until) >= 2:
        claims.approve_claim(db, w.approver, claim_id, claims.get_claim(db, claim_id, w.approver).version)
    if steps.index(until) >= 3:
        view = claims.get_claim(db, claim_id, w.payer)
        claims.mark_paid(db, w.payer, claim_id, view.version, date.today(), "bank_transfer", "BACS 1")
    return claims.get_claim(db, claim_id, w.admin).number


@pytest.fixture
def world(db: Database, admin: Actor) -> World:
    for name, role in (("Priya Shah", "coordinator"), ("Tom Reed", "staff"), ("Vic Lowe", "volunteer")):
        people.add_user(db, admin, name=name, role=role)
    ids = {u.name: u.id for u in people.list_users(db)}
    w = World(
        admin,
        people.actor_for(db, ids["Priya Shah"], admin.device_id),
        people.actor_for(db, ids["Tom Reed"], admin.device_id),
        people.actor_for(db, ids["Vic Lowe"], admin.device_id),
        {},
    )
    budgets.add_budget(
        db, admin, name="Carers fund", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31), amount=500_000
    )
    budgets.add_budget(
        db, admin, name="+Health fund", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31), amount=100_000
    )
    budget = {b.name: b.id for b in budgets.list_budgets(db)}

    def person(given: str, family: str) -> uuid.UUID:
        (cid,) = contacts.create_contact(
            db, admin, ContactDraft(given_name=given, family_name=family)
        ).created["contacts"]
        return cid

    hostile, aisha, ben, dev = (
        person('=HYPERLINK("http://evil.example")', "Jones"),
        person("Aisha", "Rahman"),
        person("Ben", "Okafor"),
        person("Dev", "Patel"),
    )
    plan: dict[str, tuple[ClaimDraft, str]] = {
        "A": (
            ClaimDraft(
                hostile,
                "ongoing",
                date(2026, 3, 3),
                (
                    ItemEntry("involvement", "Panel", 200, "hour"),
                    ItemEntry("mileage", "There and back", 730),  # 7.3 × 45p = 328.5p → 329p
                    ItemEntry("fares", HOSTILE_DESCRIPTIONS[0], cost_pence=1250, has_receipt=True),
                ),
                budget_id=budget["Carers fund"],
                choice="bank_transfer",
                sort_code=SORT_CODE,
                account_number=ACCOUNT,
            ),
            "approved",
        ),
        "B": (
            ClaimDraft(
                aisha,
                "ongoing",
                date(2026, 3, 10),
                (
                    ItemEntry("involvement", "Workshop", 100, "half_day"),
                    ItemEntry("subsistence", HOSTILE_DESCRIPTIONS[1], cost_pence=650),
                ),
                choice="voucher",
                take_pence=2000,
            ),
            "approved",
        ),
        "C": (
            ClaimDraft(
                ben,
                "one_off",
                END,
                (
                    ItemEntry("parking", "", cost_pence=400),
                    ItemEntry("other", HOSTILE_DESCRIPTIONS[2], cost_pence=275),
                    ItemEntry("other", HOSTILE_DESCRIPTIONS[3], cost_pence=125),
                ),
                budget_id=budget["+Health fund"],
                choice="donate",
                donate_to=HOSTILE_CHARITY,
            ),
            "approved",
        ),
        "D": (
            ClaimDraft(dev, "one_off", START, (ItemEntry("fares", "Bus", cost_pence=300),), choice="decline"),
            "approved",
        ),
        "E": (
            ClaimDraft(
                aisha,
                "one_off",
                date(2026, 4, 1),
                (ItemEntry("fares", "Bus", cost_pence=500),),
                choice="cash",
            ),
            "approved",
        ),
        "F": (
            ClaimDraft(
                ben,
                "one_off",
                date(2026, 3, 15),
                (ItemEntry("fares", "Train", cost_pence=900),),
                sort_code="20-00-00",
                account_number="55554444",
            ),
            "paid",
        ),
        "G": (
            ClaimDraft(aisha, "one_off", date(2026, 3, 20), (ItemEntry("fares", "Bus", cost_pence=220),)),
            "submitted",
        ),
        "H": (
            ClaimDraft(
                aisha, "one_off", date(2026, 3, 21), (ItemEntry("parking", "Car park", cost_pence=300),)
            ),
            "draft",
        ),
    }
    for letter, (draft, until) in plan.items():
        w.numbers[letter] = make(db, w, draft, until)
    return w


def read(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's cells (the openpyxl cell objects, to see types and formats)."""
    book = load_workbook(path)
    return {ws.title: [list(row) for row in ws.iter_rows()] for ws in book.worksheets}


def values(rows: list[list[Any]]) -> list[tuple[Any, ...]]:
    return [tuple(c.value for c in row) for row in rows]


def pence(cell: Any) -> int:
    """A money cell back in pence, exactly (it must hold whole pence and the £ format)."""
    assert cell.number_format == MONEY_FORMAT
    amount = Decimal(str(cell.value)).scaleb(2)
    assert amount == amount.to_integral_value(), cell.value
    return int(amount)


def no_formulas(sheets: dict[str, list[list[Any]]]) -> None:
    for title, rows in sheets.items():
        for row in rows:
            for cell in row:
                assert cell.data_type != "f", (title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@")), (
                        title,
                        cell.coordinate,
                        cell.value,
                    )


def batch_in_db(db: Database) -> dict[str, dict[str, Any]]:
    """The batch as the database has it, summed here with SQL: per claim the sum of its live
    lines, the stored total and what is to be paid (nothing if declined, what was taken, or
    the total)."""
    lines = (
        select(ClaimItem.claim_id, func.sum(ClaimItem.amount_pence).label("lines"))
        .where(ClaimItem.deleted_at.is_(None))
        .group_by(ClaimItem.claim_id)
        .subquery()
    )
    to_pay = case((Claim.choice == "decline", 0), else_=func.coalesce(Claim.take_pence, Claim.total_pence))
    query = (
        select(Claim.number, Claim.total_pence, lines.c.lines, to_pay, Claim.sort_code, Claim.account_number)
        .join(lines, lines.c.claim_id == Claim.id)
        .where(
            Claim.deleted_at.is_(None),
            Claim.status == "approved",
            Claim.paid_on.is_(None),
            Claim.activity_date.between(START, END),
        )
    )
    with db.read() as session:
        return {
            number: {"total": total, "lines": summed, "to_pay": pay, "sort_code": sc, "account": acct}
            for number, total, summed, pay, sc, acct in session.execute(query)
        }


def category_sums(db: Database, numbers: list[str]) -> dict[str, int]:
    with db.read() as session:
        rows = session.execute(
            select(ClaimItem.category, func.sum(ClaimItem.amount_pence))
            .join(Claim, Claim.id == ClaimItem.claim_id)
            .where(ClaimItem.deleted_at.is_(None), Claim.number.in_(numbers))
            .group_by(ClaimItem.category)
        )
        return {CATEGORY_LABELS[Category(category)]: int(total) for category, total in rows}


def test_the_payment_batch_matches_the_database_to_the_penny(
    db: Database, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "batch.xlsx"
    report = claims_export.export_batch(db, world.payer, path, START, END)
    expected = batch_in_db(db)
    n = world.numbers
    assert set(expected) == {n["A"], n["B"], n["C"], n["D"]}  # not April, not paid, not submitted or draft
    assert all(e["total"] == e["lines"] for e in expected.values())
    assert expected[n["A"]]["total"] == 5000 + 329 + 1250 and expected[n["B"]]["to_pay"] == 2000
    assert expected[n["D"]]["to_pay"] == 0 and expected[n["C"]]["to_pay"] == 800

    sheets = read(path)
    assert list(sheets) == ["Payments", "Totals", "Lines"]
    no_formulas(sheets)
    payments = sheets["Payments"]
    assert values(payments[:1])[0] == tuple(c.header for c in claims_export.BATCH_COLUMNS)
    by_number = {row[0].value: row for row in payments[1:]}
    assert set(by_number) == set(expected)
    headers = [c.header for c in claims_export.BATCH_COLUMNS]
    col = {h: headers.index(h) for h in headers}
    for number, row in by_number.items():
        assert pence(row[col["Amount"]]) == expected[number]["to_pay"], number
        assert pence(row[col["Claimed"]]) == expected[number]["total"], number
        assert row[col["Reference"]].value == number
    a, b, c, d = (by_number[n[k]] for k in "ABCD")
    # The claimant's name and the charity as typed, neutralised; bank details in full, as text.
    assert a[col["Payee"]].value == "'" + HOSTILE_NAME and a[col["Claimant"]].value == "'" + HOSTILE_NAME
    assert (a[col["Sort code"]].value, a[col["Account number"]].value) == (SORT_CODE, ACCOUNT)
    assert a[col["Method"]].value == "Bank transfer" and a[col["Budget"]].value == "Carers fund"
    assert (b[col["Payee"]].value, b[col["Method"]].value, b[col["Sort code"]].value) == (
        "Aisha Rahman",
        "Voucher",
        None,
    )
    assert b[col["Budget"]].value == "(no budget)"
    assert c[col["Payee"]].value == "'" + HOSTILE_CHARITY and c[col["Budget"]].value == "'+Health fund"
    assert c[col["Method"]].value == "Donation to a charity" and c[col["Claimant"]].value == "Ben Okafor"
    assert d[col["Method"]].value == "Declined: nothing to pay"

    # Totals: claimed by category summed by SQL, and the total to pay is the sum of the amounts.
    totals = {(row[0].value, row[1].value): row[2] for row in sheets["Totals"][1:]}
    categories = category_sums(db, list(expected))
    assert {k[1]: pence(v) for k, v in totals.items() if k[0] == "Claimed by category"} == categories
    claimed = sum(e["total"] for e in expected.values())
    to_pay = sum(e["to_pay"] for e in expected.values())
    assert pence(totals["Claimed", "All categories"]) == claimed == sum(categories.values())
    assert pence(totals["Not taken", "Declined, or taking less"]) == to_pay - claimed
    assert (
        pence(totals["Total to pay", "4 claims"])
        == to_pay
        == sum(pence(r[col["Amount"]]) for r in payments[1:])
    )
    assert {k[1]: pence(v) for k, v in totals.items() if k[0] == "To pay by budget"} == {
        "Carers fund": expected[n["A"]]["to_pay"],
        "'+Health fund": 800,
        "(no budget)": 2000,
    }
    assert {k[1]: pence(v) for k, v in totals.items() if k[0] == "To pay by method"} == {
        "Bank transfer": expected[n["A"]]["to_pay"],
        "Voucher": 2000,
        "Donation to a charity": 800,
        "Declined: nothing to pay": 0,
    }
    assert (report.count, report.total_pence) == (4, to_pay)
    assert report.line() == f"Exported 4 claims to pay (£{Decimal(to_pay).scaleb(-2)}) to {path}."

    # Every line, with the descriptions as typed but neutralised.
    lines = sheets["Lines"][1:]
    assert len(lines) == 3 + 2 + 3 + 1
    assert sum(pence(r[6]) for r in lines) == claimed
    described = {r[3].value for r in lines}
    assert {"'" + d for d in HOSTILE_DESCRIPTIONS} <= described
    assert "7.3 miles" in {r[4].value for r in lines}

    # Nothing to pay in a period: the file still says so.
    none = tmp_path / "none.xlsx"
    report = claims_export.export_batch(db, world.payer, none, date(2025, 1, 1), date(2025, 12, 31))
    sheets = read(none)
    assert len(sheets["Payments"]) == 1 and report.count == 0
    assert values(sheets["Totals"][-1:])[0][:2] == ("Total to pay", "0 claims")
    assert pence(sheets["Totals"][-1][2]) == 0

    # A volunteer may not see the bank details.
    refused = tmp_path / "never.xlsx"
    with pytest.raises(PermissionDenied, match="Vic Lowe is a volunteer and may not record claims as paid"):
        claims_export.export_batch(db, world.volunteer, refused, START, END)
    assert not refused.exists()


def test_the_register_lists_every_claim_with_bank_details_masked(
    db: Database, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "register.xlsx"
    report = claims_export.export_register(db, world.approver, path)
    sheets = read(path)
    no_formulas(sheets)
    rows = sheets["Claims"]
    headers = [c.value for c in rows[0]]
    assert headers == [c.header for c in claims_export.REGISTER_COLUMNS]
    col = {h: headers.index(h) for h in headers}
    by_number = {r[0].value: r for r in rows[1:]}
    assert set(by_number) == set(world.numbers.values()) and report.count == 8
    with db.read() as session:
        stored = {
            number: (status, total, pay)
            for number, status, total, pay in session.execute(
                select(
                    Claim.number,
                    Claim.status,
                    Claim.total_pence,
                    case(
                        (Claim.choice == "decline", 0),
                        else_=func.coalesce(Claim.take_pence, Claim.total_pence),
                    ),
                )
            )
        }
    for number, row in by_number.items():
        status, total, pay = stored[number]
        assert row[col["Status"]].value == status.capitalize()
        assert (
            pence(row[col["Total"]]) == total and pence(row[col["Payable (to claimant or charity)"]]) == pay
        )
    n = world.numbers
    assert by_number[n["A"]][col["Bank account"]].value == "****3456"
    assert by_number[n["F"]][col["Bank account"]].value == "****4444"
    assert by_number[n["F"]][col["Paid by"]].value == "Tom Reed"
    assert by_number[n["F"]][col["Payment method"]].value == "Bank transfer"
    assert by_number[n["A"]][col["Decided by"]].value == "Priya Shah"
    assert by_number[n["A"]][col["Submitted by"]].value == "Sam Patel"
    assert by_number[n["B"]][col["Taking less"]].value == "Yes"
    assert by_number[n["C"]][col["Donated to"]].value == "'" + HOSTILE_CHARITY
    assert by_number[n["H"]][col["Submitted at"]].value is None
    every = " ".join(str(c.value) for row in rows for c in row)
    for secret in (ACCOUNT, SORT_CODE, "55554444", "20-00-00", "010203", "200000"):
        assert secret not in every

    march = tmp_path / "march.xlsx"
    report = claims_export.export_register(db, world.payer, march, start=START, end=END)
    got = {r[0].value for r in read(march)["Claims"][1:]}
    assert got == {n[k] for k in "ABCDFGH"} and report.count == 7

    refused = tmp_path / "never.xlsx"
    with pytest.raises(PermissionDenied, match="Vic Lowe is a volunteer and may not see everyone's claims"):
        claims_export.export_register(db, world.volunteer, refused)
    assert not refused.exists()
