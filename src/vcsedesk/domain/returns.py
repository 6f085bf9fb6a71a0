"""Partnership returns: reporting periods, the return's status, and its content.

The content of a return (``ReturnContent``) is plain data: everything the xlsx and PDF print,
and nothing they do not.  A draft's content is computed from the records each time; submitting
freezes it as canonical JSON with a SHA-256 (``content_hash``), and the files are made again from
that JSON alone — so a frozen return always reproduces the same content, whatever has been added
to the records since.

Figures carry a ``ref``: a short query ("engagements:type=…") that the coordinator's app resolves
to the records behind the figure for the return's period.  Refs name no person.
"""

from __future__ import annotations

import calendar
import dataclasses
import enum
import hashlib
import json
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Literal, TypeVar, Union

# -- periods -----------------------------------------------------------------------------------


class Cadence(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"

    @property
    def months(self) -> int:
        return {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}[self.value]

    @property
    def label(self) -> str:
        return {
            "monthly": "Monthly",
            "quarterly": "Quarterly",
            "half_yearly": "Every six months",
            "yearly": "Yearly",
        }[self.value]


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period, both ends included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"A period cannot end ({self.end}) before it starts ({self.start}).")

    @property
    def label(self) -> str:
        """ "2025-Q3", "2025-H1", "2025-07", "2025", else "1 Apr 2025 – 30 Jun 2025"."""
        s, e = self.start, self.end
        whole = s.day == 1 and (e + timedelta(days=1)).day == 1
        if whole:
            months = (e.year * 12 + e.month) - (s.year * 12 + s.month) + 1
            if months == 12 and s.month == 1:
                return f"{s.year}"
            if months == 6 and s.month in (1, 7):
                return f"{s.year}-H{1 if s.month == 1 else 2}"
            if months == 3 and s.month in (1, 4, 7, 10):
                return f"{s.year}-Q{(s.month - 1) // 3 + 1}"
            if months == 1:
                return f"{s.year}-{s.month:02d}"
        return f"{s.day} {s:%b %Y} – {e.day} {e:%b %Y}"

    @property
    def words(self) -> str:
        """For people: "July to September 2025", "1 Apr 2025 to 30 Jun 2025"."""
        s, e = self.start, self.end
        if s.day == 1 and (e + timedelta(days=1)).day == 1:
            if (s.year, s.month) == (e.year, e.month):
                return f"{s:%B %Y}"
            if s.year == e.year:
                return f"{s:%B} to {e:%B %Y}"
            return f"{s:%B %Y} to {e:%B %Y}"
        return f"{s.day} {s:%b %Y} to {e.day} {e:%b %Y}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same shape just before this one (for "change since last time")."""
        s, e = self.start, self.end
        if s.day == 1 and (e + timedelta(days=1)).day == 1:
            months = (e.year * 12 + e.month) - (s.year * 12 + s.month) + 1
            start = _add_months(s, -months)
            return Period(start, s - timedelta(days=1))
        return Period(s - timedelta(days=self.days), s - timedelta(days=1))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


_PERIOD_FORMS = (
    (re.compile(r"^(\d{4})-?Q([1-4])$", re.I), "quarter"),
    (re.compile(r"^(\d{4})-?H([12])$", re.I), "half"),
    (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:\.\.|to)\s*(\d{4}-\d{2}-\d{2})$"), "range"),
)


def parse_period(text: str) -> Period:
    """ "2025-Q3" (July–September), "2025-H1", "2025-07", "2025", or "2025-04-01..2025-06-30"."""
    cleaned = text.strip()
    for pattern, form in _PERIOD_FORMS:
        match = pattern.match(cleaned)
        if match is None:
            continue
        if form == "range":
            start, end = (date.fromisoformat(match.group(i)) for i in (1, 2))
            if end < start:
                break
            return Period(start, end)
        year = int(match.group(1))
        if form == "year":
            return Period(date(year, 1, 1), date(year, 12, 31))
        number = int(match.group(2))
        months, first = {
            "quarter": (3, (number - 1) * 3 + 1),
            "half": (6, (number - 1) * 6 + 1),
            "month": (1, number),
        }[form]
        if not 1 <= first <= 12:
            break
        start = date(year, first, 1)
        return Period(start, _add_months(start, months) - timedelta(days=1))
    raise ValueError(
        f"“{text}” is not a period: write a quarter (2025-Q3), a half year (2025-H1), a month "
        "(2025-07), a year (2025) or two dates (2025-04-01..2025-06-30)."
    )


def periods(cadence: Cadence, first_start: date, until: date) -> Iterator[Period]:
    """The reporting periods from ``first_start`` on, every ``cadence``, while they start by ``until``."""
    n = 0
    while True:
        start = _add_months(first_start, cadence.months * n)
        if start > until:
            return
        yield Period(start, _add_months(first_start, cadence.months * (n + 1)) - timedelta(days=1))
        n += 1


def due_on(period: Period, due_days: int) -> date:
    return period.end + timedelta(days=due_days)


# -- status ------------------------------------------------------------------------------------


class ReturnStatus(enum.StrEnum):
    DRAFT = "draft"
    READY = "ready"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    RESPONSE_RECEIVED = "response_received"

    @property
    def label(self) -> str:
        return {
            "draft": "Draft",
            "ready": "Ready to submit",
            "submitted": "Submitted",
            "acknowledged": "Acknowledged",
            "response_received": "Response received",
        }[self.value]

    @property
    def frozen(self) -> bool:
        return self not in (ReturnStatus.DRAFT, ReturnStatus.READY)


#: The steps a return may take; anything else is refused with the reason.
NEXT_STATUS: dict[ReturnStatus, tuple[ReturnStatus, ...]] = {
    ReturnStatus.DRAFT: (ReturnStatus.READY,),
    ReturnStatus.READY: (ReturnStatus.DRAFT, ReturnStatus.SUBMITTED),
    ReturnStatus.SUBMITTED: (ReturnStatus.ACKNOWLEDGED, ReturnStatus.RESPONSE_RECEIVED),
    ReturnStatus.ACKNOWLEDGED: (ReturnStatus.RESPONSE_RECEIVED,),
    ReturnStatus.RESPONSE_RECEIVED: (),
}


# -- content -----------------------------------------------------------------------------------

PRIMARY_MARK = "<"  # a shown cell starting with this is a small number, e.g. "<5"
SECONDARY_MARK = "*"


@dataclass(frozen=True)
class Figure:
    """One number with its label, e.g. ("Drop-in", 14)."""

    label: str
    value: int
    ref: str = ""


@dataclass(frozen=True)
class CountTable:
    """A table of counts of people, as published: small numbers suppressed.

    ``shown`` is the grid WITH margins — (len(rows) + 1) × (len(columns) + 1) — the last row
    being column totals and the last column row totals; cells read "12", "0", "<5" or "*".
    ``refs`` has the same shape (for the coordinator's drill-down; "" where none).
    """

    title: str
    row_heading: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    shown: tuple[tuple[str, ...], ...]
    refs: tuple[tuple[str, ...], ...] = ()
    note: str = ""

    @property
    def hidden_small(self) -> int:
        return sum(cell.startswith(PRIMARY_MARK) for row in self.shown for cell in row)

    @property
    def hidden_other(self) -> int:
        return sum(cell == SECONDARY_MARK for row in self.shown for cell in row)


@dataclass(frozen=True)
class ThemeRank:
    theme: str  # the path, "Primary care › Getting a GP appointment"
    count: int
    previous: int | None  # None when the template does not compare
    ref: str = ""

    @property
    def change(self) -> int | None:
        return None if self.previous is None else self.count - self.previous


@dataclass(frozen=True)
class QuoteItem:
    text: str
    attribution: str  # "Anonymous" or the speaker's name (only with named-sharing consent)
    context: str  # "Drop-in, May 2025"
    themes: tuple[str, ...] = ()
    quote_id: str = ""


@dataclass(frozen=True)
class Money:
    label: str
    pence: int
    ref: str = ""


@dataclass(frozen=True)
class ActionItem:
    title: str
    status: str  # as people read it: "Open", "Done", …
    due: str  # ISO date or ""
    outcome: str
    source: str  # "Engagement “Coffee morning” (3 May 2025)"
    ref: str = ""


@dataclass(frozen=True)
class ResponseItem:
    theme: str
    you_said: str
    we_did: str
    decision: str
    responded_on: str  # ISO date or ""


@dataclass(frozen=True)
class Answer:
    key: str
    question: str
    text: str


@dataclass(frozen=True)
class ReachSection:
    kind: ClassVar[str] = "reach"
    heading: str
    intro: str
    engagements: Figure
    by_type: tuple[Figure, ...]
    named_people: Figure
    headcount: Figure
    people_reached: Figure
    online: Figure
    by_ward: tuple[Figure, ...]  # engagements held in each ward (activity, not people)
    headcount_groups: tuple[Figure, ...]
    people_by_ward: CountTable
    seldom_heard: CountTable | None


@dataclass(frozen=True)
class DemographicsSection:
    kind: ClassVar[str] = "demographics"
    heading: str
    intro: str
    people: int  # named people reached, the total every table adds up to
    tables: tuple[CountTable, ...]


@dataclass(frozen=True)
class ThemesSection:
    kind: ClassVar[str] = "themes"
    heading: str
    intro: str
    previous_label: str  # "" when not compared
    themes: tuple[ThemeRank, ...]


@dataclass(frozen=True)
class QuotesSection:
    kind: ClassVar[str] = "quotes"
    heading: str
    intro: str
    quotes: tuple[QuoteItem, ...]


@dataclass(frozen=True)
class ReimbursementsSection:
    kind: ClassVar[str] = "reimbursements"
    heading: str
    intro: str
    people_paid: Figure
    claims_paid: Figure
    total: Money
    by_category: tuple[Money, ...]
    declined: Figure  # claims the claimant declined or donated


@dataclass(frozen=True)
class ActionsSection:
    kind: ClassVar[str] = "actions"
    heading: str
    intro: str
    by_status: tuple[Figure, ...]
    actions: tuple[ActionItem, ...]
    responses: tuple[ResponseItem, ...]


@dataclass(frozen=True)
class NarrativeSection:
    kind: ClassVar[str] = "narrative"
    heading: str
    intro: str
    answers: tuple[Answer, ...]


Section = Union[  # noqa: UP007 - the union is read at run time by _load
    ReachSection,
    DemographicsSection,
    ThemesSection,
    QuotesSection,
    ReimbursementsSection,
    ActionsSection,
    NarrativeSection,
]
SECTION_TYPES: dict[str, type[Any]] = {
    t.kind: t
    for t in (
        ReachSection,
        DemographicsSection,
        ThemesSection,
        QuotesSection,
        ReimbursementsSection,
        ActionsSection,
        NarrativeSection,
    )
}


@dataclass(frozen=True)
class ReturnContent:
    """Everything a return prints.  Frozen as canonical JSON; ``content_hash`` is its SHA-256."""

    organisation: str
    logo: str  # base64 of the organisation's logo image, "" for none
    partnership: str
    hub: str
    period_label: str
    period_words: str
    period_start: str  # ISO dates
    period_end: str
    template_key: str
    template_name: str
    title: str
    intro: str
    threshold: int
    edition: int
    frozen_at: str  # ISO timestamp (UTC) once frozen, "" for a draft
    sections: tuple[Section, ...] = field(default=())

    FORMAT: ClassVar[int] = 1

    def section(self, kind: str) -> Section | None:
        return next((s for s in self.sections if s.kind == kind), None)

    @property
    def suppression_note(self) -> str:
        t = self.threshold
        return (
            f"To protect people's privacy, counts from 1 to {t - 1} are shown as “<{t}”, and a "
            f"second count is hidden (“*”) wherever a total would let a hidden one be worked out."
        )

    # -- freezing ---------------------------------------------------------------------------
    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no spaces, UTF-8 text; the same content, the same bytes."""
        return json.dumps(_dump(self), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()

    @classmethod
    def from_json(cls, text: str) -> ReturnContent:
        data = json.loads(text)
        if data.get("format") != cls.FORMAT:
            raise ValueError(f"This return was frozen in format {data.get('format')}, not {cls.FORMAT}.")
        return _load(cls, data)

    def frozen(self, at: datetime) -> ReturnContent:
        return dataclasses.replace(self, frozen_at=at.isoformat(timespec="seconds"))


def short_hash(content_hash: str) -> str:
    """The first 16 hex digits in groups of four, as printed on the return."""
    return " ".join(content_hash[i : i + 4] for i in range(0, 16, 4))


# -- (de)serialisation of the content dataclasses ----------------------------------------------

T = TypeVar("T")


def _dump(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
        kind = getattr(type(value), "kind", None)
        if isinstance(kind, str):
            out["kind"] = kind
        if isinstance(value, ReturnContent):
            out["format"] = ReturnContent.FORMAT
        return out
    if isinstance(value, tuple | list):
        return [_dump(v) for v in value]
    return value


def _load(cls: type[T], data: Any) -> T:
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in data:
            values[f.name] = _load_value(hints[f.name], data[f.name])
    return cls(**values)


def _load_value(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Section or (origin in (Union, types.UnionType) and set(args) == set(typing.get_args(Section))):
        return _load(SECTION_TYPES[value["kind"]], value)
    if origin in (Union, types.UnionType):
        if value is None:
            return None
        inner = [a for a in args if a is not type(None)]
        return _load_value(inner[0], value)
    if origin is tuple:
        item = args[0]
        return tuple(_load_value(item, v) for v in value)
    if origin is Literal:
        return value
    if dataclasses.is_dataclass(hint):
        return _load(hint, value)  # type: ignore[arg-type]
    return value
