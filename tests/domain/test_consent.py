"""The consent rules: the current line wins; no record means no; named covers anonymous."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from vcsedesk.domain.consent import (
    ConsentLine,
    ConsentMethod,
    ConsentStatus,
    Purpose,
    current,
    decide,
    reviews_due,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def line(purpose: Purpose, status: ConsentStatus, on: date, minute: int = 0, review_on: date | None = None):
    return ConsentLine(purpose, status, on, ConsentMethod.VERBAL, T0 + timedelta(minutes=minute), review_on)


def test_no_record_means_no_with_a_reason() -> None:
    decision = decide([], Purpose.SHARE_WITH_NAME, date(2025, 5, 1))
    assert not decision.allowed
    assert "No consent recorded" in decision.reason


def test_withdrawal_after_giving_wins_from_its_date() -> None:
    lines = [
        line(Purpose.SHARE_ANONYMOUSLY, ConsentStatus.GIVEN, date(2025, 1, 10)),
        line(Purpose.SHARE_ANONYMOUSLY, ConsentStatus.WITHDRAWN, date(2025, 3, 1)),
    ]
    assert decide(lines, Purpose.SHARE_ANONYMOUSLY, date(2025, 2, 1)).allowed
    later = decide(lines, Purpose.SHARE_ANONYMOUSLY, date(2025, 3, 1))
    assert not later.allowed and "withdrawn on 01 Mar 2025" in later.reason


def test_named_sharing_covers_anonymous_unless_anonymous_was_later_refused() -> None:
    named = line(Purpose.SHARE_WITH_NAME, ConsentStatus.GIVEN, date(2025, 1, 10))
    assert decide([named], Purpose.SHARE_ANONYMOUSLY, date(2025, 2, 1)).allowed
    refused_later = line(Purpose.SHARE_ANONYMOUSLY, ConsentStatus.REFUSED, date(2025, 1, 20))
    assert not decide([named, refused_later], Purpose.SHARE_ANONYMOUSLY, date(2025, 2, 1)).allowed
    assert not decide([named], Purpose.PHOTOS, date(2025, 2, 1)).allowed


def test_same_day_lines_are_ordered_by_when_recorded() -> None:
    lines = [
        line(Purpose.PHOTOS, ConsentStatus.REFUSED, date(2025, 1, 10), minute=5),
        line(Purpose.PHOTOS, ConsentStatus.GIVEN, date(2025, 1, 10), minute=1),
    ]
    assert current(lines, Purpose.PHOTOS, date(2025, 1, 10)).status is ConsentStatus.REFUSED  # type: ignore[union-attr]


def test_reviews_due_only_for_consent_in_force() -> None:
    due = line(Purpose.CONTACT_EMAIL, ConsentStatus.GIVEN, date(2024, 1, 1), review_on=date(2025, 1, 1))
    refused = line(Purpose.PHOTOS, ConsentStatus.REFUSED, date(2024, 1, 1), review_on=date(2025, 1, 1))
    assert reviews_due([due, refused], date(2025, 6, 1)) == [due]
    assert reviews_due([due], date(2024, 6, 1)) == []


statuses = st.sampled_from(list(ConsentStatus))
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31))


@given(st.lists(st.tuples(statuses, days, st.integers(0, 1000)), max_size=12), days)
def test_decision_follows_the_latest_line_on_or_before_the_date(entries, on) -> None:
    lines = [line(Purpose.PHOTOS, s, d, m) for s, d, m in entries]
    expected = [ln for ln in lines if ln.on <= on]
    decision = decide(lines, Purpose.PHOTOS, on)
    if not expected:
        assert not decision.allowed
    else:
        latest = max(expected, key=lambda ln: (ln.on, ln.recorded_at))
        assert decision.allowed == (latest.status is ConsentStatus.GIVEN)
        assert decision.reason
