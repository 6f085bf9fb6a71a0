"""Budgets service: add, edit, archive and restore with validation and permissions; committed,
pending and remaining spend against an independent sum of the claims; the overspend warning."""

from __future__ import annotations

import random
import uuid
from datetime import date

import pytest

from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from vcsedesk.services import budgets, contacts, people
from vcsedesk.services.base import Actor, unit_of_work
from vcsedesk.store.database import Database
from vcsedesk.store.models import Claim

START, END = date(2026, 4, 1), date(2027, 3, 31)


def new_budget(
    db: Database, admin: Actor, name: str = "Community Chest", amount: int = 100_000, **kw: object
) -> uuid.UUID:
    values: dict[str, object] = {"funder": "Riverside Council", "starts_on": START, "ends_on": END} | kw
    (budget_id,) = budgets.add_budget(db, admin, name=name, amount=amount, **values).created["budgets"]  # type: ignore[arg-type]
    return budget_id


class Claims:
    """Writes claims directly (the claims service is elsewhere) and keeps what they should spend."""

    def __init__(self, db: Database, admin: Actor) -> None:
        self.db = db
        self.admin = admin
        (self.claimant,) = contacts.create_contact(
            db, admin, ContactDraft(given_name="Aisha", family_name="Rahman")
        ).created["contacts"]
        self.rows: list[dict[str, object]] = []

    def add(
        self,
        budget_id: uuid.UUID | None,
        status: str,
        total: int,
        *,
        choice: str = "bank_transfer",
        take: int | None = None,
        archived: bool = False,
    ) -> uuid.UUID:
        number = f"2026-{len(self.rows) + 1:03d}"
        with unit_of_work(self.db, self.admin, "A test claim") as uow:
            row = uow.add(
                Claim(
                    number=number,
                    claimant_id=self.claimant,
                    tier="ongoing",
                    activity_date=date(2026, 5, 5),
                    status=status,
                    budget_id=budget_id,
                    choice=choice,
                    take_pence=take,
                    total_pence=total,
                )
            )
            if archived:
                uow.archive(row, None)
        self.rows.append(
            {
                "id": row.id,
                "budget": budget_id,
                "status": status,
                "total": total,
                "choice": choice,
                "take": take,
                "archived": archived,
            }
        )
        return row.id

    def expected(self, budget_id: uuid.UUID, statuses: set[str]) -> int:
        """What the claims on ``budget_id`` with one of ``statuses`` spend, summed here."""
        out = 0
        for r in self.rows:
            if r["budget"] != budget_id or r["status"] not in statuses or r["archived"]:
                continue
            if r["choice"] == "decline":
                continue
            take = r["take"]
            out += int(take) if take is not None else int(r["total"])  # type: ignore[call-overload]
        return out


def test_spend_is_committed_pending_and_remaining_against_an_independent_sum(
    db: Database, admin: Actor
) -> None:
    chest = new_budget(db, admin, amount=50_000)
    lottery = new_budget(db, admin, "Lottery: Voices", 200_000, funder=None)
    claims = Claims(db, admin)
    # The rules one by one.
    claims.add(chest, "approved", 7_500)  # committed
    claims.add(chest, "paid", 3_245, choice="cash")  # committed
    claims.add(chest, "submitted", 2_000)  # pending
    claims.add(chest, "submitted", 5_000, take=1_500)  # took less: 1,500 pending
    claims.add(chest, "approved", 9_000, choice="decline")  # declined: nothing
    claims.add(chest, "paid", 4_000, choice="donate")  # donated: still spends
    claims.add(chest, "draft", 99_999)  # drafts spend nothing
    claims.add(chest, "rejected", 99_999)  # nor rejected claims
    claims.add(chest, "approved", 99_999, archived=True)  # nor archived ones
    claims.add(None, "approved", 99_999)  # a claim on no budget
    view = budgets.spend(db, chest)
    assert (view.committed, view.pending) == (7_500 + 3_245 + 4_000, 2_000 + 1_500)
    assert view.remaining == 50_000 - 14_745 - 3_500 == 31_755
    assert not view.overspent

    # Then many, against the sum worked out here.
    rng = random.Random(20260401)
    statuses = ["draft", "submitted", "approved", "rejected", "paid"]
    choices = ["bank_transfer", "voucher", "cash", "decline", "donate"]
    for _ in range(40):
        total = rng.randint(1, 40_000)
        claims.add(
            rng.choice([chest, lottery]),
            rng.choice(statuses),
            total,
            choice=rng.choice(choices),
            take=rng.choice([None, None, rng.randint(0, total)]),
            archived=rng.random() < 0.1,
        )
    listed = {b.id: b for b in budgets.list_budgets(db)}
    assert list(listed) == [chest, lottery]  # by name
    for budget_id, amount in ((chest, 50_000), (lottery, 200_000)):
        committed = claims.expected(budget_id, {"approved", "paid"})
        pending = claims.expected(budget_id, {"submitted"})
        got = listed[budget_id]
        assert (got.amount, got.committed, got.pending) == (amount, committed, pending)
        assert got.remaining == amount - committed - pending
        assert got.overspent == (got.remaining < 0)
        assert budgets.spend(db, budget_id) == got
    assert listed[lottery].funder is None and listed[chest].funder == "Riverside Council"


def test_would_overspend_warns_in_words_past_the_amount(db: Database, admin: Actor) -> None:
    chest = new_budget(db, admin, amount=10_000)
    claims = Claims(db, admin)
    claims.add(chest, "approved", 6_000)
    waiting = claims.add(chest, "submitted", 2_500)
    # £15.00 left: a claim up to that is fine.
    assert budgets.would_overspend(db, chest, 1_500) is None
    assert budgets.would_overspend(db, chest, 0) is None
    assert budgets.would_overspend(db, chest, 1_501) == (
        "This claim (£15.01) would overspend the budget “Community Chest” by £0.01: £85.00 of its "
        "£100.00 is already committed or pending, leaving £15.00."
    )
    # Approving the submitted claim counts it once, not twice.
    assert budgets.would_overspend(db, chest, 2_500, exclude_claim_id=waiting) is None
    assert budgets.would_overspend(db, chest, 4_001, exclude_claim_id=waiting) is not None
    claims.add(chest, "paid", 3_000)
    assert budgets.spend(db, chest).remaining == -1_500
    assert budgets.spend(db, chest).overspent
    assert budgets.would_overspend(db, chest, 1_000) == (
        "This claim (£10.00) would overspend the budget “Community Chest”: £115.00 of its £100.00 is "
        "already committed or pending, so it is already overspent by £15.00. It would be £25.00 over."
    )
    with pytest.raises(NotFoundError):
        budgets.would_overspend(db, uuid.uuid4(), 100)


def test_budgets_are_validated_naming_fields(db: Database, admin: Actor) -> None:
    with pytest.raises(ValidationError) as caught:
        budgets.add_budget(db, admin, name="  ", funder="x" * 161, starts_on=END, ends_on=START, amount=0)
    problems = caught.value.problems
    assert set(problems) == {"name", "funder", "ends_on", "amount"}
    assert problems["name"] == "The name is required."
    assert problems["ends_on"] == "The budget cannot end (01 Apr 2026) before it starts (31 Mar 2027)."
    assert problems["amount"] == "The amount must be more than nothing."
    with pytest.raises(ValidationError, match=r"no more than £10,000,000\.00"):
        budgets.add_budget(db, admin, name="Huge", starts_on=START, ends_on=END, amount=1_000_000_001)
    assert budgets.list_budgets(db, include_archived=True) == []

    new_budget(db, admin)
    with pytest.raises(ValidationError) as caught:
        new_budget(db, admin, "community chest", starts_on=date(2027, 3, 1), ends_on=date(2027, 8, 31))
    assert "already a budget called “Community Chest”" in caught.value.problems["name"]
    # The same pot renewed for a period that does not overlap is fine.
    new_budget(db, admin, starts_on=date(2027, 4, 1), ends_on=date(2028, 3, 31))
    assert len(budgets.list_budgets(db)) == 2


def test_edit_archive_restore_and_the_period_filter(db: Database, admin: Actor) -> None:
    chest = new_budget(db, admin)
    old = new_budget(
        db, admin, "Winter Warmth", 20_000, starts_on=date(2025, 10, 1), ends_on=date(2026, 3, 31)
    )
    assert [b.id for b in budgets.list_budgets(db, on=date(2026, 3, 31))] == [old]
    assert [b.id for b in budgets.list_budgets(db, on=date(2026, 4, 1))] == [chest]
    view = budgets.spend(db, chest)
    changes = budgets.update_budget(
        db,
        admin,
        chest,
        view.version,
        name="Community Chest 2026",
        funder="",
        starts_on=START,
        ends_on=END,
        amount=120_050,
    )
    assert changes.touches("budgets") and changes.summary == "Changed the budget Community Chest 2026"
    edited = budgets.spend(db, chest)
    assert (edited.name, edited.funder, edited.amount, edited.remaining) == (
        "Community Chest 2026",
        None,
        120_050,
        120_050,
    )
    with pytest.raises(ConflictError):
        budgets.update_budget(
            db, admin, chest, view.version, name="Stale", starts_on=START, ends_on=END, amount=1
        )
    archived = budgets.archive_budget(db, admin, old, budgets.spend(db, old).version)
    assert archived.summary == "Archived the budget Winter Warmth"
    assert [b.id for b in budgets.list_budgets(db)] == [chest]
    with_archived = budgets.list_budgets(db, include_archived=True)
    assert [(b.id, b.archived) for b in with_archived] == [(chest, False), (old, True)]
    budgets.restore_budget(db, admin, old, budgets.spend(db, old).version)
    assert {b.id for b in budgets.list_budgets(db)} == {chest, old}


def test_only_administrators_and_coordinators_may_change_budgets(db: Database, admin: Actor) -> None:
    chest = new_budget(db, admin)
    version = budgets.spend(db, chest).version
    for role, name in (("volunteer", "Vic Volunteer"), ("staff", "Stella Staff")):
        (user_id,) = people.add_user(db, admin, name=name, role=role).created["users"]
        someone = people.actor_for(db, user_id, admin.device_id)
        with pytest.raises(PermissionDenied, match=f"{name} is a {role} and may not change the"):
            new_budget(db, someone, "Sneaky")
        with pytest.raises(PermissionDenied):
            budgets.update_budget(
                db, someone, chest, version, name="Sneaky", starts_on=START, ends_on=END, amount=1
            )
        with pytest.raises(PermissionDenied):
            budgets.archive_budget(db, someone, chest, version)
    assert [b.name for b in budgets.list_budgets(db)] == ["Community Chest"]
    (user_id,) = people.add_user(db, admin, name="Jo Coordinator", role="coordinator").created["users"]
    new_budget(db, people.actor_for(db, user_id, admin.device_id), "Lottery: Voices")
    assert len(budgets.list_budgets(db)) == 2
