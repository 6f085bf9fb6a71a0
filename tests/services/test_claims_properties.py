"""Property tests of the claims service against a real (SQLite) database, each property with
a database of its own made once for the module: totals stored exact to the penny, a policy
change never altering a submitted claim, running totals equal to an independent sum."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from vcsedesk.domain.claims import ItemEntry, PaymentChoice
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.services import claims, contacts, setup
from vcsedesk.services.base import Actor, unit_of_work
from vcsedesk.services.claims import ClaimDraft
from vcsedesk.store import migrate
from vcsedesk.store.database import Database, sqlite_url
from vcsedesk.store.location import DataFolder
from vcsedesk.store.models import Claim, ClaimItem, ReimbursementPolicy

TODAY = date(2026, 6, 1)
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class World:
    db: Database
    admin: Actor

    def person(self) -> uuid.UUID:
        (cid,) = contacts.create_contact(
            self.db, self.admin, ContactDraft(given_name="Resident", family_name=uuid.uuid4().hex[:8])
        ).created["contacts"]
        return cid

    def claim(self, draft: ClaimDraft) -> uuid.UUID:
        (cid,) = claims.new_claim(self.db, self.admin, draft, today=TODAY).created["claims"]
        return cid

    def submit(self, claim_id: uuid.UUID) -> None:
        version = claims.get_claim(self.db, claim_id, self.admin).version
        claims.submit_claim(self.db, self.admin, claim_id, version, today=TODAY)

    def stored(self, claim_id: uuid.UUID) -> tuple[int, list[tuple[str, int, int, int]]]:
        """The claim's stored total and lines (category, quantity, rate, amount), read directly."""
        with self.db.read() as session:
            total = session.scalar(select(Claim.total_pence).where(Claim.id == claim_id))
            lines = session.execute(
                select(
                    ClaimItem.category, ClaimItem.quantity_centi, ClaimItem.rate_pence, ClaimItem.amount_pence
                )
                .where(ClaimItem.claim_id == claim_id, ClaimItem.deleted_at.is_(None))
                .order_by(ClaimItem.position)
            ).all()
        assert total is not None
        return total, [tuple(line) for line in lines]  # type: ignore[misc]


def make_world(root: Path) -> Iterator[World]:
    folder = DataFolder(root / "data")
    folder.create()
    db = Database(sqlite_url(folder.database))
    migrate.prepare(db, backup_folder=folder.backups)
    admin = setup.first_run(
        db, organisation_name="Riverside", user_name="Sam Patel", device_id=folder.device_id()
    )
    try:
        yield World(db, admin)
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def pricing_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from make_world(tmp_path_factory.mktemp("claims-pricing"))


@pytest.fixture(scope="module")
def policy_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from make_world(tmp_path_factory.mktemp("claims-policy"))


@pytest.fixture(scope="module")
def totals_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from make_world(tmp_path_factory.mktemp("claims-totals"))


# -- strategies -------------------------------------------------------------------------------
AT_COST = ("fares", "parking", "care_cover", "subsistence", "other")
rates = st.fixed_dictionaries(
    {
        "hourly_rate": st.integers(0, 50_000),
        "half_day_rate": st.integers(0, 50_000),
        "full_day_rate": st.integers(0, 50_000),
        "mileage_rate": st.integers(0, 50_000),
    }
)
entries = st.one_of(
    st.builds(
        lambda q, unit: ItemEntry("involvement", "Time", quantity_centi=q, unit=unit, has_receipt=True),
        st.integers(1, 20_000),
        st.sampled_from(["hour", "half_day", "full_day"]),
    ),
    st.builds(
        lambda q: ItemEntry("mileage", "Miles", quantity_centi=q, has_receipt=True), st.integers(1, 20_000)
    ),
    st.builds(
        lambda category, cost: ItemEntry(category, "Spent", cost_pence=cost, has_receipt=True),
        st.sampled_from(AT_COST),
        st.integers(1, 1_000),  # within the subsistence cap
    ),
)
items_lists = st.lists(entries, min_size=1, max_size=8)
activity_dates = st.dates(date(2010, 1, 1), date(2025, 12, 31))


def expected_amount(entry: ItemEntry, policy: dict[str, int]) -> int:
    """quantity × rate as an exact fraction, rounded half up once; an expense at its cost."""
    if entry.category == "involvement":
        rate = policy[
            {"hour": "hourly_rate", "half_day": "half_day_rate", "full_day": "full_day_rate"}[
                entry.unit or ""
            ]
        ]
    elif entry.category == "mileage":
        rate = policy["mileage_rate"]
    else:
        assert entry.cost_pence is not None
        return entry.cost_pence
    return math.floor(Fraction(entry.quantity_centi * rate, 100) + Fraction(1, 2))


def set_rates(world: World, values: dict[str, int]) -> None:
    """Make the shipped policy (the only version here) use ``values``."""
    with unit_of_work(world.db, world.admin, "Changed the policy's rates") as uow:
        policy = uow.session.scalars(select(ReimbursementPolicy)).one()
        uow.update(policy, values, None)


# -- 1. totals --------------------------------------------------------------------------------
@EXAMPLES
@given(rates, items_lists, activity_dates)
def test_stored_totals_are_exact_to_the_penny_for_any_mix_of_items_and_rates(
    pricing_world: World, policy: dict[str, int], items: list[ItemEntry], day: date
) -> None:
    world = pricing_world
    set_rates(world, policy)
    claimant = world.person()
    claim_id = world.claim(ClaimDraft(claimant, "ongoing", day, tuple(items)))
    world.submit(claim_id)
    stored_total, lines = world.stored(claim_id)
    expected = [expected_amount(entry, policy) for entry in items]
    assert [amount for *_, amount in lines] == expected
    assert stored_total == sum(amount for *_, amount in lines) == sum(expected)
    view = claims.get_claim(world.db, claim_id, world.admin)
    assert view.total_pence == stored_total == view.payable_pence
    assert sum(view.by_category.values()) == stored_total
    assert [(i.quantity_centi, i.rate_pence, i.amount_pence) for i in view.items] == [
        line[1:] for line in lines
    ]


# -- 2. a policy change never alters a submitted claim ----------------------------------------
@EXAMPLES
@given(items_lists, activity_dates, st.integers(0, 3_000), rates)
def test_a_policy_change_never_alters_a_claim_already_submitted(
    policy_world: World, items: list[ItemEntry], day: date, days_before: int, new_rates: dict[str, int]
) -> None:
    world = policy_world
    claimant = world.person()
    claim_id = world.claim(ClaimDraft(claimant, "ongoing", day, tuple(items)))
    world.submit(claim_id)
    before = claims.get_claim(world.db, claim_id, world.admin)
    stored_before = world.stored(claim_id)

    effective = max(day - timedelta(days=days_before), date(2000, 1, 2))
    with world.db.read() as session:
        taken = session.scalar(
            select(ReimbursementPolicy.id).where(ReimbursementPolicy.effective_from == effective)
        )
    assume(taken is None)
    with unit_of_work(world.db, world.admin, "Added a policy version") as uow:
        uow.add(
            ReimbursementPolicy(
                effective_from=effective,
                subsistence_cap=5_000,
                receipt_threshold=0,
                payment_methods=["bank_transfer"],
                weekly_threshold=1,
                monthly_threshold=1,
                **new_rates,
            )
        )

    after = claims.get_claim(world.db, claim_id, world.admin)
    assert world.stored(claim_id) == stored_before
    assert after.total_pence == before.total_pence
    assert after.items == before.items
    assert after.policy_effective_from == before.policy_effective_from
    assert after.policy_id == before.policy_id is not None
    # The new version is in force for the date: a claim drafted now is priced by it.
    fresh = world.claim(ClaimDraft(claimant, "ongoing", day, tuple(items)))
    fresh_view = claims.get_claim(world.db, fresh, world.admin)
    if fresh_view.policy_effective_from == effective:
        assert fresh_view.total_pence == sum(expected_amount(e, new_rates) for e in items)


# -- 3. running totals ------------------------------------------------------------------------
one_claim = st.tuples(
    st.dates(date(2026, 1, 1), date(2026, 5, 31)),
    st.integers(0, 3),  # half days of involvement
    st.integers(0, 2_000),  # fares
    st.sampled_from(["bank_transfer", "voucher", "decline", "donate", "take_less"]),
    st.integers(1, 10_000),  # how much, if taking less (capped at the total)
    st.booleans(),  # submitted (True) or left as a draft (False)
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(one_claim, min_size=1, max_size=5))
def test_weekly_and_monthly_running_totals_equal_an_independent_sum(
    totals_world: World, plan: list[tuple[date, int, int, str, int, bool]]
) -> None:
    world = totals_world
    claimant = world.person()
    weeks: dict[date, list[int]] = {}
    months: dict[date, list[int]] = {}
    for day, half_days, fares, choice, take, submit in plan:
        lines = []
        if half_days:
            lines.append(ItemEntry("involvement", quantity_centi=half_days * 100, unit="half_day"))
        if fares:
            lines.append(ItemEntry("fares", cost_pence=fares, has_receipt=True))
        earnings, expenses = half_days * 7_500, fares
        claimed = earnings + expenses
        if not claimed:
            continue
        take_pence = min(take, claimed) if choice == "take_less" else None
        paid_by = PaymentChoice.BANK_TRANSFER.value if choice == "take_less" else choice
        claim_id = world.claim(
            ClaimDraft(
                claimant,
                "ongoing",
                day,
                tuple(lines),
                choice=paid_by,
                take_pence=take_pence,
                donate_to="Food bank" if choice == "donate" else None,
            )
        )
        if not submit:
            continue
        world.submit(claim_id)
        # What reached the claimant: nothing if declined or donated, else the total or what
        # they chose to take; taking less reduces the involvement payment first.
        received = (
            0 if choice in ("decline", "donate") else (take_pence if take_pence is not None else claimed)
        )
        expenses_received = min(expenses, received)
        earned = received - expenses_received
        for sums, key in ((weeks, day - timedelta(days=day.weekday())), (months, day.replace(day=1))):
            pair = sums.setdefault(key, [0, 0])
            pair[0] += earned
            pair[1] += expenses_received
    weekly, monthly = claims.person_totals(world.db, claimant)
    assert [(t.period_start, t.earnings_pence, t.expenses_pence) for t in weekly] == [
        (k, v[0], v[1]) for k, v in sorted(weeks.items())
    ]
    assert [(t.period_start, t.earnings_pence, t.expenses_pence) for t in monthly] == [
        (k, v[0], v[1]) for k, v in sorted(months.items())
    ]
    assert all(t.threshold_pence == 18_350 for t in weekly)
    assert all(t.threshold_pence == 79_500 for t in monthly)
