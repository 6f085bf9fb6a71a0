"""Insight: the dashboard's figures, and the records behind each one.

:func:`dashboard` answers, for a :class:`Period`, everything the dashboard page draws:
engagements over time (per week for a period of up to three months, per month otherwise,
zero-filled), the top themes against the previous period of the same length (merged themes
counted under the theme they were merged into, parents optionally rolled up), reach by ward
and by engagement type, and the headline totals.  Every figure is an aggregate computed in
the database (``GROUP BY``); no engagement is loaded row by row, so it stays quick at
hundreds of thousands of engagements and quotes.

"Reach" is the named participants (each person once per engagement) plus the anonymous
head-count; "people reached" over a period counts each named person once across the whole
period, plus the head-counts.  Archived engagements count nowhere.  Open and overdue actions
are as they stand today, whatever the period.

Every figure can be opened: :func:`records_for` takes a :class:`FigureRef` naming what was
clicked and returns the ids of the records behind it (engagements, quotes or actions, as
:attr:`FigureRef.record_kind` says); :func:`record_lines` describes them for a list.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, distinct, func, select
from sqlalchemy.orm import Session

from vcsedesk.domain.errors import ValidationError
from vcsedesk.services import actions, engagements, themes
from vcsedesk.services.base import chunked
from vcsedesk.store.database import Database
from vcsedesk.store.models import (
    Engagement,
    EngagementParticipant,
    EngagementTheme,
    EngagementType,
    Quote,
    Ward,
)

#: A period this long (in days) or shorter is drawn week by week; longer, month by month.
WEEKLY_UP_TO_DAYS = 92
#: Custom periods longer than this are refused (a slip of the keyboard: 2206 for 2026).
MAX_PERIOD_YEARS = 30
TOP_THEMES = 10

Granularity = Literal["week", "month"]
#: Where an engagement with no ward was held: online, or nowhere recorded.
ONLINE = "online"
NO_WARD = "none"

FigureKind = Literal[
    "month",
    "week",
    "theme",
    "ward",
    "type",
    "total_engagements",
    "people_reached",
    "quotes",
    "open_actions",
    "overdue_actions",
]
RecordKind = Literal["engagements", "quotes", "actions"]


# -- periods ----------------------------------------------------------------------------------
def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    """The first of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


@dataclass(frozen=True)
class Period:
    """The days ``start`` to ``end``, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValidationError(
                {"end": f"The period ends ({self.end:%d %b %Y}) before it starts ({self.start:%d %b %Y})."},
                record="The period",
            )

    # -- the usual ones ----------------------------------------------------------------------
    @classmethod
    def this_quarter(cls, today: date) -> Period:
        """The calendar quarter so far (1 Apr to today)."""
        return cls(_quarter_start(today), today)

    @classmethod
    def last_quarter(cls, today: date) -> Period:
        """The whole calendar quarter before this one."""
        start = _add_months(_quarter_start(today), -3)
        return cls(start, _add_months(start, 3) - timedelta(days=1))

    @classmethod
    def last_12_months(cls, today: date) -> Period:
        """Twelve calendar months: the eleven before this one, and this one so far."""
        return cls(_add_months(today, -11), today)

    @classmethod
    def this_year(cls, today: date) -> Period:
        """The calendar year so far."""
        return cls(date(today.year, 1, 1), today)

    @classmethod
    def custom(cls, start: date | None, end: date | None) -> Period:
        """A period a person chose; refused, naming the date, if it makes no sense."""
        problems: dict[str, str] = {}
        if start is None:
            problems["start"] = "Choose the first day of the period."
        if end is None:
            problems["end"] = "Choose the last day of the period."
        if start is not None and end is not None:
            if start > end:
                problems["end"] = (
                    f"The period ends ({end:%d %b %Y}) before it starts ({start:%d %b %Y}); swap the dates."
                )
            elif (end - start).days > MAX_PERIOD_YEARS * 366:
                problems["start"] = (
                    f"A period of more than {MAX_PERIOD_YEARS} years is too long to chart; check the years."
                )
        if problems:
            raise ValidationError(problems, record="The period")
        assert start is not None and end is not None
        return cls(start, end)

    # -- derived ---------------------------------------------------------------------------
    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def whole_months(self) -> int | None:
        """How many calendar months the period covers exactly (1 Jan–31 Mar: 3), or None if it
        does not start on the 1st and end on the last day of a month."""
        if self.start.day != 1 or self.end != _month_end(self.end):
            return None
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def previous(self) -> Period:
        """The period of the same length immediately before: the same number of calendar
        months for a period of whole months (last quarter before this one), else of days."""
        months = self.whole_months
        if months is not None:
            start = _add_months(self.start, -months)
            return Period(start, self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    @property
    def granularity(self) -> Granularity:
        return "week" if self.days <= WEEKLY_UP_TO_DAYS else "month"

    def buckets(self) -> list[tuple[date, date]]:
        """(first, last) day of each week (Monday to Sunday) or month the period touches,
        clipped to the period."""
        out: list[tuple[date, date]] = []
        if self.granularity == "week":
            first = self.start - timedelta(days=self.start.weekday())
            while first <= self.end:
                last = first + timedelta(days=6)
                out.append((max(first, self.start), min(last, self.end)))
                first = last + timedelta(days=1)
        else:
            first = _month_start(self.start)
            while first <= self.end:
                out.append((max(first, self.start), min(_month_end(first), self.end)))
                first = _add_months(first, 1)
        return out

    def bucket_of(self, day: date) -> tuple[date, date]:
        """The (clipped) bucket holding ``day``."""
        if self.granularity == "week":
            first = day - timedelta(days=day.weekday())
            last = first + timedelta(days=6)
        else:
            first, last = _month_start(day), _month_end(day)
        return max(first, self.start), min(last, self.end)


# -- what the dashboard shows -----------------------------------------------------------------
@dataclass(frozen=True)
class FigureRef:
    """What was clicked: enough to find the records behind one number or bar.

    ``key`` is the bucket's first day (``month``/``week``), a theme id (``theme``), a ward
    id or :data:`ONLINE` / :data:`NO_WARD` (``ward``), an engagement type id (``type``), or
    None for the totals.  ``period`` is the period the figure counts (for a theme's previous
    count, the previous period).
    """

    kind: FigureKind
    key: date | uuid.UUID | str | None
    period: Period
    roll_up: bool = False

    @property
    def record_kind(self) -> RecordKind:
        if self.kind in ("open_actions", "overdue_actions"):
            return "actions"
        if self.kind == "quotes":
            return "quotes"
        return "engagements"


@dataclass(frozen=True)
class Bucket:
    """Engagements in one week or month (``start``–``end``, clipped to the period)."""

    start: date
    end: date
    count: int
    ref: FigureRef


@dataclass(frozen=True)
class ThemeFigure:
    theme_id: uuid.UUID
    name: str  # the full path, "Primary care › Getting a GP appointment"
    count: int
    previous: int
    ref: FigureRef
    previous_ref: FigureRef

    @property
    def change(self) -> int:
        return self.count - self.previous


@dataclass(frozen=True)
class ReachFigure:
    """Reach of the engagements in one ward (or of one type)."""

    key: uuid.UUID | str
    name: str
    engagements: int
    named: int  # named participants, each once per engagement
    anonymous: int
    ref: FigureRef

    @property
    def reach(self) -> int:
        return self.named + self.anonymous


@dataclass(frozen=True)
class Totals:
    engagements: int
    people_reached: int  # unique named people over the period + anonymous head-counts
    named_people: int
    anonymous: int
    quotes: int
    open_actions: int
    overdue_actions: int


@dataclass(frozen=True)
class Dashboard:
    period: Period
    previous: Period
    today: date
    granularity: Granularity
    over_time: tuple[Bucket, ...]
    themes: tuple[ThemeFigure, ...]
    by_ward: tuple[ReachFigure, ...]
    by_type: tuple[ReachFigure, ...]
    totals: Totals
    roll_up: bool = False
    #: The references behind the headline figures, by :class:`Totals` field name.
    total_refs: dict[str, FigureRef] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.totals.engagements == 0


def _live_in(period: Period) -> tuple[ColumnElement[bool], ...]:
    return (
        Engagement.deleted_at.is_(None),
        Engagement.on_date >= period.start,
        Engagement.on_date <= period.end,
    )


def ward_name(key: uuid.UUID | str, names: dict[uuid.UUID, str]) -> str:
    if key == ONLINE:
        return "Online"
    if key == NO_WARD:
        return "No ward recorded"
    assert isinstance(key, uuid.UUID)
    return names.get(key, "Unknown ward")


def type_name(key: uuid.UUID | str, names: dict[uuid.UUID, str]) -> str:
    return names.get(key, "Unknown type") if isinstance(key, uuid.UUID) else "Unknown type"


def dashboard(
    db: Database, period: Period, today: date, *, roll_up: bool = False, top: int = TOP_THEMES
) -> Dashboard:
    """Every figure of the dashboard for ``period``; actions as they stand on ``today``."""
    previous = period.previous()
    live = _live_in(period)
    with db.read() as session:
        per_day: dict[date, int] = {
            day: int(n)
            for day, n in session.execute(
                select(Engagement.on_date, func.count()).where(*live).group_by(Engagement.on_date)
            )
        }
        place = (Engagement.ward_id, Engagement.online, Engagement.type_id)
        quotes_of = (
            select(func.count(Quote.id))
            .where(Quote.engagement_id == Engagement.id, Quote.deleted_at.is_(None))
            .correlate(Engagement)
            .scalar_subquery()
        )
        named_of = (
            select(func.count(distinct(EngagementParticipant.contact_id)))
            .where(
                EngagementParticipant.engagement_id == Engagement.id,
                EngagementParticipant.deleted_at.is_(None),
            )
            .correlate(Engagement)
            .scalar_subquery()
        )
        # Per ward (or online, or neither) and type: engagements, head-counts, quotes, and
        # named participants (each person once per engagement).
        cells = {
            (ward_id, online, type_id): (int(n), int(anonymous), int(quoted), int(named))
            for ward_id, online, type_id, n, anonymous, quoted, named in session.execute(
                select(
                    *place,
                    func.count(),
                    func.coalesce(func.sum(Engagement.anonymous_count), 0),
                    func.coalesce(func.sum(quotes_of), 0),
                    func.coalesce(func.sum(named_of), 0),
                )
                .where(*live)
                .group_by(*place)
            )
        }
        # Each named person once over the whole period.
        unique_people = int(
            session.scalar(
                select(func.count(distinct(EngagementParticipant.contact_id)))
                .join(Engagement, Engagement.id == EngagementParticipant.engagement_id)
                .where(EngagementParticipant.deleted_at.is_(None), *live)
            )
            or 0
        )
        now_counts = themes.engagement_counts(session, period.start, period.end, include_children=roll_up)
        before_counts = themes.engagement_counts(
            session, previous.start, previous.end, include_children=roll_up
        )
        type_names = {i: n for i, n in session.execute(select(EngagementType.id, EngagementType.name))}
        ward_names = {i: n for i, n in session.execute(select(Ward.id, Ward.name))}
        paths = engagements.theme_paths(session)
    open_actions, overdue_actions = actions.action_counts(db, today)

    by_bucket: dict[date, int] = {}
    for day, n in per_day.items():
        first = period.bucket_of(day)[0]
        by_bucket[first] = by_bucket.get(first, 0) + n
    over_time = [
        Bucket(start, end, by_bucket.get(start, 0), FigureRef(period.granularity, start, period))
        for start, end in period.buckets()
    ]

    top_ids = sorted(now_counts, key=lambda t: (-now_counts[t], paths.get(t, "").casefold(), str(t)))[:top]
    theme_figures = tuple(
        ThemeFigure(
            theme_id=t,
            name=paths.get(t, "Unknown theme"),
            count=now_counts[t],
            previous=before_counts.get(t, 0),
            ref=FigureRef("theme", t, period, roll_up),
            previous_ref=FigureRef("theme", t, previous, roll_up),
        )
        for t in top_ids
    )

    wards: dict[uuid.UUID | str, list[int]] = {}
    types: dict[uuid.UUID | str, list[int]] = {}
    for (ward_id, online, type_id), (count, anonymous, _quoted, named_count) in cells.items():
        where: uuid.UUID | str = ward_id if ward_id is not None else (ONLINE if online else NO_WARD)
        for bucket, key in ((wards, where), (types, type_id)):
            sums = bucket.setdefault(key, [0, 0, 0])
            sums[0] += count
            sums[1] += named_count
            sums[2] += anonymous

    def reach(
        kind: Literal["ward", "type"], sums: dict[uuid.UUID | str, list[int]]
    ) -> tuple[ReachFigure, ...]:
        figures = [
            ReachFigure(
                key=key,
                name=ward_name(key, ward_names) if kind == "ward" else type_name(key, type_names),
                engagements=n,
                named=named_n,
                anonymous=anonymous_n,
                ref=FigureRef(kind, key, period),
            )
            for key, (n, named_n, anonymous_n) in sums.items()
        ]
        return tuple(sorted(figures, key=lambda f: (-f.reach, -f.engagements, f.name.casefold())))

    total_engagements = sum(per_day.values())
    anonymous_total = sum(cell[1] for cell in cells.values())
    totals = Totals(
        engagements=total_engagements,
        people_reached=unique_people + anonymous_total,
        named_people=unique_people,
        anonymous=anonymous_total,
        quotes=sum(cell[2] for cell in cells.values()),
        open_actions=open_actions,
        overdue_actions=overdue_actions,
    )
    refs: dict[str, FigureRef] = {
        "engagements": FigureRef("total_engagements", None, period),
        "people_reached": FigureRef("people_reached", None, period),
        "quotes": FigureRef("quotes", None, period),
        "open_actions": FigureRef("open_actions", None, period),
        "overdue_actions": FigureRef("overdue_actions", None, period),
    }
    return Dashboard(
        period=period,
        previous=previous,
        today=today,
        granularity=period.granularity,
        over_time=tuple(over_time),
        themes=theme_figures,
        by_ward=reach("ward", wards),
        by_type=reach("type", types),
        totals=totals,
        roll_up=roll_up,
        total_refs=refs,
    )


# -- the records behind a figure --------------------------------------------------------------
def _engagement_ids(session: Session, query: Select[Any]) -> list[uuid.UUID]:
    return list(session.scalars(query.order_by(Engagement.on_date, Engagement.title, Engagement.id)))


def records_for(db: Database, figure: FigureRef, *, today: date | None = None) -> list[uuid.UUID]:
    """The ids of the records behind ``figure``: engagements (by date), quotes (by their
    engagement's date) or actions (the tracker's order), as ``figure.record_kind`` says.
    ``today`` is the day actions are judged overdue on (default: today)."""
    if figure.record_kind == "actions":
        day = today or date.today()
        rows = actions.list_actions(
            db,
            today=day,
            status=actions.OPEN_STATUSES,
            overdue_only=figure.kind == "overdue_actions",
        )
        return [r.id for r in rows]
    period = figure.period
    live = _live_in(period)
    with db.read() as session:
        if figure.record_kind == "quotes":
            return list(
                session.scalars(
                    select(Quote.id)
                    .join(Engagement, Engagement.id == Quote.engagement_id)
                    .where(Quote.deleted_at.is_(None), *live)
                    .order_by(Engagement.on_date, Engagement.title, Quote.created_at, Quote.id)
                )
            )
        query = select(Engagement.id).where(*live)
        if figure.kind in ("month", "week"):
            if not isinstance(figure.key, date):
                raise ValueError(f"a {figure.kind} figure is keyed by its first day, not {figure.key!r}")
            start, end = period.bucket_of(figure.key)
            query = query.where(Engagement.on_date >= start, Engagement.on_date <= end)
        elif figure.kind == "theme":
            if not isinstance(figure.key, uuid.UUID):
                raise ValueError(f"a theme figure is keyed by a theme id, not {figure.key!r}")
            counted = themes.counted_under(session, figure.key, include_children=figure.roll_up)
            tagged = select(EngagementTheme.engagement_id).where(
                EngagementTheme.deleted_at.is_(None), EngagementTheme.theme_id.in_(counted)
            )
            query = query.where(Engagement.id.in_(tagged))
        elif figure.kind == "ward":
            if figure.key == ONLINE:
                query = query.where(Engagement.ward_id.is_(None), Engagement.online.is_(True))
            elif figure.key == NO_WARD:
                query = query.where(Engagement.ward_id.is_(None), Engagement.online.is_(False))
            else:
                query = query.where(Engagement.ward_id == figure.key)
        elif figure.kind == "type":
            query = query.where(Engagement.type_id == figure.key)
        elif figure.kind not in ("total_engagements", "people_reached"):
            raise ValueError(f"no records behind a figure of kind {figure.kind!r}")
        return _engagement_ids(session, query)


@dataclass(frozen=True)
class RecordLine:
    """One record behind a figure, as a list shows it."""

    id: uuid.UUID
    on_date: date | None  # the engagement's date (a quote's engagement's); an action's due date
    title: str
    detail: str


def record_lines(
    db: Database, kind: RecordKind, ids: Sequence[uuid.UUID], *, today: date | None = None
) -> list[RecordLine]:
    """The records ``ids`` of ``kind`` described for a list, in the order given (records
    archived since are left out)."""
    if kind == "actions":
        rows = {r.id: r for r in actions.list_actions(db, today=today or date.today(), ids=list(ids))}
        out = []
        for action_id in ids:
            row = rows.get(action_id)
            if row is None:
                continue
            status = "Overdue" if row.overdue else row.status.label
            parts = [status, *(p for p in (row.owner, row.source) if p)]
            out.append(RecordLine(row.id, row.due_on, row.title, " · ".join(parts)))
        return out
    found: dict[uuid.UUID, RecordLine] = {}
    with db.read() as session:
        for chunk in chunked(list(ids)):
            if kind == "quotes":
                for qid, on_date, text, title in session.execute(
                    select(Quote.id, Engagement.on_date, Quote.text, Engagement.title)
                    .join(Engagement, Engagement.id == Quote.engagement_id)
                    .where(Quote.id.in_(chunk), Quote.deleted_at.is_(None), Engagement.deleted_at.is_(None))
                ):
                    words = text if len(text) <= 160 else text[:159] + "…"
                    found[qid] = RecordLine(qid, on_date, f"“{words}”", f"From “{title}”")
            else:
                for eid, on_date, title, type_name, ward, venue, online in session.execute(
                    select(
                        Engagement.id,
                        Engagement.on_date,
                        Engagement.title,
                        EngagementType.name,
                        Ward.name,
                        Engagement.venue,
                        Engagement.online,
                    )
                    .join(EngagementType, EngagementType.id == Engagement.type_id)
                    .outerjoin(Ward, Ward.id == Engagement.ward_id)
                    .where(Engagement.id.in_(chunk), Engagement.deleted_at.is_(None))
                ):
                    place = engagements.place_text(venue, ward, online)
                    found[eid] = RecordLine(
                        eid, on_date, title, " · ".join(p for p in (type_name, place) if p)
                    )
    return [found[i] for i in ids if i in found]
