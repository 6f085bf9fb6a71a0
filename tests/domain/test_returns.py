"""Reporting periods (parsed, labelled, the one before, a cadence's run) and the return's
content: canonical JSON that reads back equal, with a hash that follows the content."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vcsedesk.domain.returns import (
    NEXT_STATUS,
    Answer,
    Cadence,
    CountTable,
    DemographicsSection,
    Figure,
    NarrativeSection,
    Period,
    QuoteItem,
    QuotesSection,
    ReturnContent,
    ReturnStatus,
    ThemeRank,
    ThemesSection,
    due_on,
    parse_period,
    periods,
    short_hash,
)


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2025-Q3", date(2025, 7, 1), date(2025, 9, 30), "2025-Q3"),
        ("2025q1", date(2025, 1, 1), date(2025, 3, 31), "2025-Q1"),
        ("2024-H2", date(2024, 7, 1), date(2024, 12, 31), "2024-H2"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "2024-02"),
        ("2025", date(2025, 1, 1), date(2025, 12, 31), "2025"),
        ("2025-04-01..2025-06-30", date(2025, 4, 1), date(2025, 6, 30), "2025-Q2"),
        ("2025-04-06..2026-04-05", date(2025, 4, 6), date(2026, 4, 5), "6 Apr 2025 – 5 Apr 2026"),
    ],
)
def test_periods_parse_and_label(text: str, start: date, end: date, label: str) -> None:
    period = parse_period(text)
    assert (period.start, period.end, period.label) == (start, end, label)


@pytest.mark.parametrize("text", ["2025-Q5", "Q3", "2025-13", "2025-06-30..2025-04-01", "next quarter"])
def test_a_malformed_period_says_what_to_write(text: str) -> None:
    with pytest.raises(ValueError, match="is not a period: write a quarter"):
        parse_period(text)


def test_the_period_before_has_the_same_shape() -> None:
    assert parse_period("2025-Q1").previous() == parse_period("2024-Q4")
    assert parse_period("2025-03").previous() == parse_period("2025-02")
    assert parse_period("2025-H1").previous() == parse_period("2024-H2")
    odd = Period(date(2025, 4, 6), date(2025, 4, 15))
    assert odd.previous() == Period(date(2025, 3, 27), date(2025, 4, 5))
    assert parse_period("2025-Q3").words == "July to September 2025"


def test_a_cadence_runs_from_its_first_period_and_due_dates_follow() -> None:
    run = list(periods(Cadence.QUARTERLY, date(2024, 4, 1), date(2025, 1, 10)))
    assert [p.label for p in run] == ["2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1"]
    assert due_on(run[0], 30) == date(2024, 7, 30)
    year = list(periods(Cadence.YEARLY, date(2024, 4, 1), date(2025, 5, 1)))
    assert [(p.start, p.end) for p in year] == [
        (date(2024, 4, 1), date(2025, 3, 31)),
        (date(2025, 4, 1), date(2026, 3, 31)),
    ]


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), st.sampled_from(list(Cadence)))
@settings(max_examples=60, deadline=None)
def test_cadence_periods_tile_without_gaps(first: date, cadence: Cadence) -> None:
    run = list(periods(cadence, first, first.replace(year=first.year + 3)))
    assert run[0].start == first
    for a, b in itertools.pairwise(run):
        assert (b.start - a.end).days == 1


def test_statuses_go_forward_only() -> None:
    assert NEXT_STATUS[ReturnStatus.DRAFT] == (ReturnStatus.READY,)
    assert ReturnStatus.SUBMITTED in NEXT_STATUS[ReturnStatus.READY]
    assert not ReturnStatus.READY.frozen and ReturnStatus.SUBMITTED.frozen
    assert NEXT_STATUS[ReturnStatus.RESPONSE_RECEIVED] == ()


def sample() -> ReturnContent:
    table = CountTable(
        "Age",
        "Age band",
        ("18–24", "25–34"),
        ("Female", "Male"),
        (("6", "<5", "*"), ("7", "*", "12"), ("13", "*", "20")),
    )
    return ReturnContent(
        organisation="Riverside Community Voices",
        logo="",
        partnership="Riverside People's Partnership",
        hub="Canal Side hub",
        period_label="2025-Q3",
        period_words="July to September 2025",
        period_start="2025-07-01",
        period_end="2025-09-30",
        template_key="peoples-partnership-quarterly",
        template_name="Quarterly",
        title="Quarterly engagement return",
        intro="",
        threshold=5,
        edition=1,
        frozen_at="",
        sections=(
            DemographicsSection("Who took part", "", 20, (table,)),
            ThemesSection("Themes", "", "2025-Q2", (ThemeRank("Dentistry", 9, 4, "themes:x"),)),
            QuotesSection(
                "Quotes", "", (QuoteItem("“No dentist” — =1+1", "Anonymous", "Drop-in, Aug 2025"),)
            ),
            NarrativeSection("In our words", "", (Answer("highlights", "What went well?", "Carers came."),)),
        ),
    )


def test_content_reads_back_equal_and_its_hash_follows_it() -> None:
    content = sample()
    text = content.to_json()
    assert ReturnContent.from_json(text) == content
    assert text == ReturnContent.from_json(text).to_json()  # canonical: the same bytes
    frozen = content.frozen(datetime(2025, 10, 15, 16, 0, 5, 123, tzinfo=UTC))
    assert frozen.frozen_at == "2025-10-15T16:00:05+00:00"
    assert frozen.content_hash != content.content_hash
    changed = dataclasses.replace(content, threshold=10)
    assert changed.content_hash != content.content_hash
    assert len(content.content_hash) == 64 and short_hash(content.content_hash).count(" ") == 3
    table = content.sections[0].tables[0]  # type: ignore[union-attr]
    assert (table.hidden_small, table.hidden_other) == (1, 3)
    assert content.section("themes").themes[0].change == 5  # type: ignore[union-attr]
    assert "from 1 to 4" in content.suppression_note and Figure("x", 1).ref == ""


def test_a_snapshot_in_another_format_is_refused() -> None:
    text = sample().to_json().replace('"format":1', '"format":99')
    with pytest.raises(ValueError, match="format 99"):
        ReturnContent.from_json(text)
