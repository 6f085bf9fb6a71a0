"""The money rules of claims, checked against independent arithmetic (Fraction, plain dicts)
for many generated cases."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vcsedesk.domain.claims import (
    DEFAULT_POLICY,
    Category,
    ClaimNumber,
    ClaimProblem,
    ItemEntry,
    Payment,
    PolicyTerms,
    Tier,
    TimeUnit,
    by_category,
    line_amount,
    month_of,
    parse_pence,
    pence_text,
    policy_for,
    price_item,
    running_totals,
    total,
    week_of,
)

AT_COST = ("fares", "parking", "care_cover", "subsistence", "other")


def half_up(value: Fraction) -> int:
    """Round a non-negative fraction to the nearest whole number, halves up."""
    return math.floor(value + Fraction(1, 2))


policies = st.builds(
    lambda h, hd, fd, m, cap, receipt: replace(
        DEFAULT_POLICY,
        hourly_rate=h,
        half_day_rate=hd,
        full_day_rate=fd,
        mileage_rate=m,
        subsistence_cap=cap,
        receipt_threshold=receipt,
    ),
    st.integers(0, 100_000),
    st.integers(0, 100_000),
    st.integers(0, 100_000),
    st.integers(0, 1_000),
    st.integers(1_000, 5_000),
    st.integers(0, 5_000),
)

entries = st.one_of(
    st.builds(
        lambda q, unit: ItemEntry("involvement", quantity_centi=q, unit=unit),
        st.integers(1, 100_000),
        st.sampled_from([u.value for u in TimeUnit]),
    ),
    st.builds(lambda q: ItemEntry("mileage", quantity_centi=q), st.integers(1, 1_000_000)),
    st.builds(
        lambda category, cost: ItemEntry(category, cost_pence=cost),
        st.sampled_from(AT_COST),
        st.integers(1, 1_000),  # within any generated subsistence cap
    ),
)


def expected_amount(entry: ItemEntry, policy: PolicyTerms) -> int:
    """The line's amount worked out independently: exact fractions, rounded half up once."""
    if entry.category == "involvement":
        rate = {
            "hour": policy.hourly_rate,
            "half_day": policy.half_day_rate,
            "full_day": policy.full_day_rate,
        }[entry.unit or ""]
        return half_up(Fraction(entry.quantity_centi, 100) * rate)
    if entry.category == "mileage":
        return half_up(Fraction(entry.quantity_centi, 100) * policy.mileage_rate)
    assert entry.cost_pence is not None
    return entry.cost_pence


@given(policies, st.lists(entries, max_size=12))
def test_totals_are_exact_to_the_penny_for_any_mix_of_items_and_rates(
    policy: PolicyTerms, items: list[ItemEntry]
) -> None:
    priced = [price_item(entry, policy, Tier.ONGOING) for entry in items]
    expected = [expected_amount(entry, policy) for entry in items]
    assert [p.amount_pence for p in priced] == expected
    assert all(isinstance(p.amount_pence, int) for p in priced)
    assert total(priced) == sum(expected)
    assert sum(by_category(priced).values()) == sum(expected)
    for p, entry in zip(priced, items, strict=True):
        at_cost = entry.category in AT_COST
        assert p.needs_receipt == (at_cost and p.amount_pence > policy.receipt_threshold)


@given(st.integers(0, 10**9), st.integers(0, 10**6))
def test_a_line_rounds_half_up_once(quantity_centi: int, rate: int) -> None:
    assert line_amount(quantity_centi, rate) == half_up(Fraction(quantity_centi * rate, 100))


@given(policies, st.lists(entries, min_size=1, max_size=4))
def test_nothing_is_paid_for_a_public_event(policy: PolicyTerms, items: list[ItemEntry]) -> None:
    for entry in items:
        with pytest.raises(ClaimProblem, match="Nothing is paid for a public event"):
            price_item(entry, policy, Tier.PUBLIC_EVENT)


def test_one_off_involvement_pays_expenses_only_and_subsistence_is_capped() -> None:
    with pytest.raises(ClaimProblem, match="ongoing involvement"):
        price_item(ItemEntry("involvement", quantity_centi=100, unit="hour"), DEFAULT_POLICY, Tier.ONE_OFF)
    assert (
        price_item(ItemEntry("mileage", quantity_centi=1000), DEFAULT_POLICY, Tier.ONE_OFF).amount_pence
        == 450
    )
    with pytest.raises(ClaimProblem, match=r"up to £10\.00; £10\.01 was entered"):
        price_item(ItemEntry("subsistence", cost_pence=1001), DEFAULT_POLICY, Tier.ONE_OFF)
    assert Category.MILEAGE.is_expense and not Category.INVOLVEMENT.is_expense


days = st.dates(date(2024, 1, 1), date(2027, 12, 31))
payments = st.lists(st.builds(Payment, days, st.integers(0, 100_000), st.integers(0, 100_000)), max_size=40)


@given(payments)
def test_weekly_and_monthly_running_totals_equal_an_independent_sum(items: list[Payment]) -> None:
    weeks: dict[date, list[int]] = {}
    months: dict[date, list[int]] = {}
    for p in items:
        monday = p.activity_date - timedelta(days=p.activity_date.weekday())
        first = date(p.activity_date.year, p.activity_date.month, 1)
        for sums, key in ((weeks, monday), (months, first)):
            pair = sums.setdefault(key, [0, 0])
            pair[0] += p.earnings_pence
            pair[1] += p.expenses_pence
    weekly = running_totals(items, monthly=False, threshold=18_350)
    monthly = running_totals(items, monthly=True, threshold=79_500)
    assert [(t.period_start, t.earnings_pence, t.expenses_pence) for t in weekly] == [
        (k, v[0], v[1]) for k, v in sorted(weeks.items())
    ]
    assert [(t.period_start, t.earnings_pence, t.expenses_pence) for t in monthly] == [
        (k, v[0], v[1]) for k, v in sorted(months.items())
    ]
    assert all(t.over == (t.earnings_pence > 18_350) for t in weekly)
    # A payment is never split: every payment lands in exactly one week and one month.
    assert sum(t.earnings_pence for t in weekly) == sum(p.earnings_pence for p in items)
    assert sum(t.earnings_pence for t in monthly) == sum(p.earnings_pence for p in items)


@given(days)
def test_a_day_belongs_to_the_week_starting_on_its_monday(day: date) -> None:
    monday = week_of(day)
    assert monday.weekday() == 0 and 0 <= (day - monday).days <= 6
    assert month_of(day) == date(day.year, day.month, 1)


@given(st.lists(days, min_size=0, max_size=8, unique=True), days)
def test_the_policy_in_force_is_the_latest_on_or_before_the_day(starts: list[date], on: date) -> None:
    versions = [replace(DEFAULT_POLICY, effective_from=d) for d in starts]
    found = policy_for(versions, on)
    earlier = [d for d in starts if d <= on]
    assert (found.effective_from if found else None) == (max(earlier) if earlier else None)


@given(st.integers(-(10**9), 10**9))
def test_pence_are_written_and_read_back_exactly(pence: int) -> None:
    text = pence_text(pence)
    assert text.count(".") == 1 and len(text.rsplit(".", 1)[1]) == 2
    if pence >= 0:
        assert parse_pence(text) == pence


def test_money_that_is_not_pounds_and_pence_is_refused() -> None:
    assert parse_pence("£12.5") == 1250 and parse_pence("1,234") == 123_400
    for bad in ("12.345", "twelve", "nan", ""):
        with pytest.raises(ValueError, match="amount"):
            parse_pence(bad)
    assert str(ClaimNumber(2026, 14)) == "2026-014" and str(ClaimNumber(2026, 1234)) == "2026-1234"
