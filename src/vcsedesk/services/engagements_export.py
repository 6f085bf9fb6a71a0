"""Export the engagement log, its quotes and the actions tracker to xlsx or CSV.

Each export streams: the ids (or quote rows) come from :mod:`engagement_log` a chunk at a
time and the details of a few hundred are read together, so half a million notes and quotes
export without all of them in memory.  Files are written atomically by
:mod:`vcsedesk.io.spreadsheet` (a bold, frozen header row, dates as dates, formula-like text
neutralised).  :func:`export_log_workbook` writes the three lists as three sheets of one
workbook: the engagements a filter gives, their quotes and the actions that came from them.

**Quotes and consent.**  Internal-only quotes go only to people allowed to edit records (so,
today, everyone who can use the app: a volunteer's own laptop holds them already).  A
speaker's name is written only for a quote marked "share with name" whose speaker's consent
to be quoted with their name still holds on the day of the export; every other quote's
speaker is "Anonymous".  The "Consent checked" column says why, in the consent service's
words, and "May be shared" whether the quote may leave the organisation at all.

Never exported here: equality monitoring (special-category data, reported only in
aggregate), consent evidence, and who the named participants were (the log carries counts).
"""

from __future__ import annotations

import argparse
import itertools
import re
import uuid
from collections import defaultdict
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from vcsedesk.domain.consent import Purpose
from vcsedesk.domain.engagement import ActionStatus, Sharing
from vcsedesk.domain.errors import PermissionDenied, UserError
from vcsedesk.io.spreadsheet import Column, Kind, Sheet, write_csv, write_xlsx
from vcsedesk.services import actions as action_service
from vcsedesk.services import consent, engagement_log, themes
from vcsedesk.services.base import Actor, Permission, require
from vcsedesk.services.contacts_export import ExportFormat
from vcsedesk.services.engagement_log import (
    EVERYTHING,
    NEWEST_FIRST,
    EngagementFilter,
    QuoteFilter,
    QuoteRow,
    SortKey,
)
from vcsedesk.store.database import Database
from vcsedesk.store.models import Action, Engagement, EngagementType, HeadcountGroup, Meeting, Ward

#: Engagements (or quotes, or actions) whose details are read together.
BATCH = 500
ANONYMOUS = "Anonymous"

ENGAGEMENT_COLUMNS: tuple[Column, ...] = (
    Column("Date", Kind.DATE, width=11),
    Column("Start time", width=10),
    Column("Duration (minutes)", Kind.INTEGER, width=11),
    Column("Title", width=40),
    Column("Type", width=16),
    Column("Venue", width=30),
    Column("Ward", width=18),
    Column("Online", Kind.BOOLEAN, width=8),
    Column("Named participants", Kind.INTEGER, width=13),
    Column("Anonymous head-count", Kind.INTEGER, width=13),
    Column("Head-count groups", width=30),
    Column("Reach", Kind.INTEGER, width=8),
    Column("Quotes", Kind.INTEGER, width=8),
    Column("Themes", width=45),
    Column("Priority", width=30),
    Column("Facilitators", width=25),
    Column("Summary", width=60),
    Column("Archived", Kind.BOOLEAN, width=9),
    Column("Created", Kind.DATETIME, width=17),
    Column("Updated", Kind.DATETIME, width=17),
)
QUOTE_COLUMNS: tuple[Column, ...] = (
    Column("Date", Kind.DATE, width=11),
    Column("Engagement", width=35),
    Column("Quote", width=60),
    Column("Themes", width=40),
    Column("Sharing", width=18),
    Column("Speaker", width=22),
    Column("May be shared", Kind.BOOLEAN, width=9),
    Column("Consent checked", width=60),
)
ACTION_COLUMNS: tuple[Column, ...] = (
    Column("Action", width=45),
    Column("Status", width=12),
    Column("Overdue", Kind.BOOLEAN, width=9),
    Column("Due", Kind.DATE, width=11),
    Column("Owner", width=22),
    Column("From", width=45),
    Column("Outcome", width=50),
)
SHEET_TITLES = {"engagements": "Engagements", "quotes": "Quotes", "actions": "Actions"}
_NOUNS = {
    "engagements": ("engagement", "engagements"),
    "quotes": ("quote", "quotes"),
    "actions": ("action", "actions"),
}


@dataclass(frozen=True)
class ExportReport:
    """What was written: rows per list ("engagements", "quotes", "actions"), in sheet order."""

    counts: dict[str, int]
    path: Path
    format: ExportFormat

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        parts = []
        for what, n in self.counts.items():
            one, many = _NOUNS[what]
            parts.append(f"{n:,} {one if n == 1 else many}")
        listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        return f"Exported {listed} to {self.path}."


def _batched(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while batch := list(itertools.islice(items, size)):
        yield batch


def _today() -> date:
    return datetime.now(UTC).date()


def _may(actor: Actor, permission: Permission) -> bool:
    try:
        require(actor, permission)
    except PermissionDenied:
        return False
    return True


# -- engagements ------------------------------------------------------------------------------
def _engagement_rows(
    session: Session, batch: list[uuid.UUID], names: engagement_log.ThemeNames
) -> list[list[Any]]:
    """The export rows of ``batch``, in its order: three statements for the whole batch."""
    listed = engagement_log.rows_by_id(session, batch, names)
    extra = {
        r.id: r
        for r in session.execute(
            select(
                Engagement.id,
                Engagement.start_time,
                Engagement.duration_minutes,
                Engagement.venue,
                Engagement.online,
                Engagement.summary,
                Engagement.created_at,
                Engagement.updated_at,
            ).where(Engagement.id.in_(batch))
        )
    }
    groups: dict[uuid.UUID, list[str]] = defaultdict(list)
    for eid, label, n in session.execute(
        select(HeadcountGroup.engagement_id, HeadcountGroup.label, HeadcountGroup.count)
        .where(HeadcountGroup.engagement_id.in_(batch), HeadcountGroup.deleted_at.is_(None))
        .order_by(func.lower(HeadcountGroup.label))
    ):
        groups[eid].append(f"{label}: {n}")
    out = []
    for row in listed:
        e = extra[row.id]
        out.append(
            [
                row.on_date,
                e.start_time.strftime("%H:%M") if e.start_time else None,
                e.duration_minutes,
                row.title,
                row.type_name,
                e.venue,
                row.ward,
                bool(e.online),
                row.participants,
                row.anonymous_count,
                "; ".join(groups[row.id]) or None,
                row.reach,
                row.quotes,
                row.themes or None,
                row.priority,
                row.facilitators or None,
                e.summary or None,
                row.archived,
                e.created_at,
                e.updated_at,
            ]
        )
    return out


def _engagements(db: Database, flt: EngagementFilter, sort: SortKey) -> Generator[list[Any], None, None]:
    with db.read() as session:
        names = engagement_log.ThemeNames.load(session)
        for batch in _batched(engagement_log.iter_ids(session, flt, sort), BATCH):
            yield from _engagement_rows(session, batch, names)


# -- quotes -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SharedQuote:
    """How a quote may go out: the speaker as written, whether it may leave the
    organisation at all, and why."""

    speaker: str
    may_share: bool
    reason: str


INTERNAL_REASON = "Internal only: not to be shared outside the organisation."
NO_SPEAKER_REASON = (
    "No speaker recorded: the facilitator recorded that the person agreed to be quoted anonymously."
)


def sharing_decisions(
    session: Session, quotes: Sequence[QuoteRow], today: date
) -> dict[uuid.UUID, SharedQuote]:
    """For each quote, what an export may show, judged by the speaker's consent on ``today``."""
    named_speakers = sorted({q.speaker_id for q in quotes if q.sharing is Sharing.NAMED and q.speaker_id})
    anonymous_speakers = sorted(
        {q.speaker_id for q in quotes if q.sharing is not Sharing.INTERNAL and q.speaker_id}
    )
    named = (
        consent.decisions(session, named_speakers, Purpose.SHARE_WITH_NAME, today) if named_speakers else {}
    )
    anonymous = (
        consent.decisions(session, anonymous_speakers, Purpose.SHARE_ANONYMOUSLY, today)
        if anonymous_speakers
        else {}
    )
    out = {}
    for q in quotes:
        if q.sharing is Sharing.INTERNAL:
            out[q.id] = SharedQuote(ANONYMOUS, False, INTERNAL_REASON)
        elif q.speaker_id is None:
            out[q.id] = SharedQuote(ANONYMOUS, True, NO_SPEAKER_REASON)
        elif q.sharing is Sharing.NAMED and named[q.speaker_id].allowed:
            out[q.id] = SharedQuote(q.speaker, True, named[q.speaker_id].reason)
        else:
            fallback = anonymous[q.speaker_id]
            reason = fallback.reason
            if q.sharing is Sharing.NAMED:
                reason = f"{named[q.speaker_id].reason} So the name is left out. {fallback.reason}"
            out[q.id] = SharedQuote(ANONYMOUS, fallback.allowed, reason)
    return out


def _quote_filter(actor: Actor, flt: QuoteFilter) -> QuoteFilter:
    """Internal-only quotes only for those allowed to edit records."""
    if _may(actor, Permission.EDIT_RECORDS):
        return flt
    levels = set(flt.sharing) if flt.sharing is not None else set(Sharing)
    return replace(flt, sharing=frozenset(levels - {Sharing.INTERNAL}))


def _quotes(db: Database, flt: QuoteFilter, today: date) -> Generator[list[Any], None, None]:
    with db.read() as session:
        for batch in _batched(engagement_log.iter_quote_rows(session, flt), BATCH):
            shared = sharing_decisions(session, batch, today)
            for q in batch:
                how = shared[q.id]
                yield [
                    q.on_date,
                    q.engagement_title,
                    q.text,
                    q.themes or None,
                    q.sharing.label,
                    how.speaker,
                    how.may_share,
                    how.reason,
                ]


# -- actions ----------------------------------------------------------------------------------
def _action_ids(
    session: Session,
    today: date,
    status: Iterable[str | ActionStatus] | None,
    flt: EngagementFilter | None,
) -> Select[Any]:
    """Action ids in the tracker's order (overdue first, then by due date, undated last, then
    by title): every live action, or those from the engagements ``flt`` gives."""
    overdue = (
        Action.status.in_(action_service.OPEN_STATUSES) & Action.due_on.is_not(None) & (Action.due_on < today)
    )
    query = (
        select(Action.id)
        .outerjoin(Engagement, Engagement.id == Action.engagement_id)
        .outerjoin(Meeting, Meeting.id == Action.meeting_id)
        .where(
            Action.deleted_at.is_(None),
            or_(Action.engagement_id.is_(None), Engagement.deleted_at.is_(None)),
            or_(Action.meeting_id.is_(None), Meeting.deleted_at.is_(None)),
        )
    )
    if status is not None:
        query = query.where(Action.status.in_([action_service.clean_status(s).value for s in status]))
    if flt is not None:
        query = query.where(Action.engagement_id.is_not(None), *engagement_log.conditions(session, flt))
    return query.order_by(
        case((overdue, 0), else_=1),
        Action.due_on.is_(None),
        Action.due_on,
        func.lower(Action.title),
        Action.id,
    )


def _actions(
    db: Database,
    today: date,
    status: Iterable[str | ActionStatus] | None,
    flt: EngagementFilter | None,
) -> Generator[list[Any], None, None]:
    with db.read() as session:
        result = session.execute(
            _action_ids(session, today, status, flt).execution_options(yield_per=engagement_log.STREAM_CHUNK)
        )
        try:
            for batch in _batched((r[0] for r in result), BATCH):
                rows = {r.id: r for r in action_service.list_actions(db, today=today, ids=batch)}
                for action_id in batch:
                    a = rows.get(action_id)
                    if a is None:  # archived between the id and its details
                        continue
                    yield [
                        a.title,
                        a.status.label,
                        a.overdue,
                        a.due_on,
                        a.owner or None,
                        a.source or None,
                        a.outcome or None,
                    ]
        finally:
            result.close()


# -- writing ----------------------------------------------------------------------------------
def _write(
    path: Path,
    sheets: Sequence[tuple[str, Sequence[Column], Generator[list[Any], None, None]]],
    format: ExportFormat | str | None,
    timezone: tzinfo | None,
) -> ExportReport:
    chosen = ExportFormat(format) if format else ExportFormat.for_path(path)
    try:
        if chosen is ExportFormat.CSV:
            if len(sheets) != 1:
                raise UserError(
                    "A workbook with the engagements, quotes and actions needs an Excel file (.xlsx); "
                    "a CSV file holds one list."
                )
            _, columns, rows = sheets[0]
            counts = [write_csv(path, columns, rows, timezone=timezone)]
        else:
            counts = write_xlsx(
                path,
                [Sheet(SHEET_TITLES[what], columns, rows) for what, columns, rows in sheets],
                timezone=timezone,
            )
    finally:
        for _, _, rows in sheets:
            rows.close()
    return ExportReport(
        counts={what: n for (what, _, _), n in zip(sheets, counts, strict=True)}, path=path, format=chosen
    )


def export_engagements(
    db: Database,
    actor: Actor,
    path: Path,
    flt: EngagementFilter = EVERYTHING,
    sort: SortKey = NEWEST_FIRST,
    format: ExportFormat | str | None = None,
    *,
    timezone: tzinfo | None = None,
) -> ExportReport:
    """Write the engagements ``flt`` gives, in ``sort`` order, to ``path`` (xlsx, or CSV for a
    ``.csv`` file unless ``format`` says).  Times are written in local time."""
    require(actor, Permission.EDIT_RECORDS)
    path = Path(path)
    return _write(path, [("engagements", ENGAGEMENT_COLUMNS, _engagements(db, flt, sort))], format, timezone)


def export_quotes(
    db: Database,
    actor: Actor,
    path: Path,
    flt: QuoteFilter = engagement_log.ALL_QUOTES,
    format: ExportFormat | str | None = None,
    *,
    today: date | None = None,
    timezone: tzinfo | None = None,
) -> ExportReport:
    """Write the quotes ``flt`` gives to ``path``, each with its sharing level and what the
    speaker's consent on ``today`` allows (a name only where named sharing still holds)."""
    require(actor, Permission.EDIT_RECORDS)
    path = Path(path)
    rows = _quotes(db, _quote_filter(actor, flt), today or _today())
    return _write(path, [("quotes", QUOTE_COLUMNS, rows)], format, timezone)


def export_actions(
    db: Database,
    actor: Actor,
    path: Path,
    today: date | None = None,
    status: Iterable[str | ActionStatus] | None = None,
    format: ExportFormat | str | None = None,
    *,
    flt: EngagementFilter | None = None,
    timezone: tzinfo | None = None,
) -> ExportReport:
    """Write the actions tracker to ``path`` in its order (overdue first): every live action,
    from engagements and meetings, or with ``flt`` only those from the engagements it gives;
    ``status`` keeps only those statuses."""
    require(actor, Permission.EDIT_RECORDS)
    path = Path(path)
    rows = _actions(db, today or _today(), status, flt)
    return _write(path, [("actions", ACTION_COLUMNS, rows)], format, timezone)


def export_log_workbook(
    db: Database,
    actor: Actor,
    path: Path,
    flt: EngagementFilter = EVERYTHING,
    sort: SortKey = NEWEST_FIRST,
    *,
    today: date | None = None,
    timezone: tzinfo | None = None,
) -> ExportReport:
    """One workbook with three sheets: the engagements ``flt`` gives, their quotes, and the
    actions that came from them (the whole tracker, meetings' actions too, when ``flt`` keeps
    every engagement)."""
    require(actor, Permission.EDIT_RECORDS)
    path = Path(path)
    day = today or _today()
    sheets = [
        ("engagements", ENGAGEMENT_COLUMNS, _engagements(db, flt, sort)),
        ("quotes", QUOTE_COLUMNS, _quotes(db, _quote_filter(actor, QuoteFilter.of_log(flt)), day)),
        ("actions", ACTION_COLUMNS, _actions(db, day, None, None if flt.is_everything() else flt)),
    ]
    return _write(path, sheets, None, timezone)


# -- the command line -------------------------------------------------------------------------
class OptionError(UserError):
    """A command-line option names something that does not exist or is malformed: wrong
    usage (exit code 2), not a refusal."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option = option


WHAT = ("log", "quotes", "actions", "all")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


def parse_day(option: str, value: str) -> date:
    """A date as typed after ``--from`` / ``--to``: 2026-03-31 or 31/03/2026."""
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    raise OptionError(option, f"“{value}” is not a date; write it as YYYY-MM-DD, for example 2026-03-31.")


def _listing(names: Iterable[str]) -> str:
    shown = sorted(names, key=str.casefold)
    return ", ".join(shown[:15]) + ("…" if len(shown) > 15 else "") if shown else "(none)"


def _by_name(
    session: Session, model: Any, option: str, noun: str, given: Iterable[str]
) -> frozenset[uuid.UUID]:
    known = {
        name.casefold(): (row_id, name) for row_id, name in session.execute(select(model.id, model.name))
    }
    found = set()
    for name in given:
        hit = known.get(name.strip().casefold())
        if hit is None:
            live = session.scalars(select(model.name).where(model.deleted_at.is_(None)))
            raise OptionError(option, f"there is no {noun} called “{name.strip()}”. Known: {_listing(live)}.")
        found.add(hit[0])
    return frozenset(found)


def _theme_id(session: Session, given: str) -> uuid.UUID:
    """A theme by its name, or by the end of its path ("Primary care › Pharmacy", or with
    ">"), any letter case; a theme still in use is preferred to one merged away."""
    wanted = [part.casefold() for part in re.split(r"\s*[›>]\s*", given.strip()) if part]
    names = engagement_log.ThemeNames.load(session)
    steps = {t: [p.casefold() for p in path.split(themes.SEPARATOR)] for t, path in names.paths.items()}
    matches = [t for t, parts in steps.items() if wanted and parts[-len(wanted) :] == wanted]
    kept = [t for t in matches if names.canonical.get(t, t) == t]
    if len(kept) == 1:
        return kept[0]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        top = [p for t, p in names.paths.items() if len(steps[t]) == 1 and names.canonical.get(t, t) == t]
        raise OptionError(
            "--theme", f"there is no theme called “{given}”. Top-level themes: {_listing(top)}."
        )
    full = "; ".join(sorted((names.paths[t] for t in kept or matches), key=str.casefold))
    raise OptionError("--theme", f"more than one theme is called “{given}”: {full}. Give the whole path.")


def filter_from_args(db: Database, args: argparse.Namespace) -> EngagementFilter:
    """The filter the ``engagements export`` options describe (names looked up, any letter
    case); a malformed date or an unknown name is an :class:`OptionError` naming the option."""
    start = parse_day("--from", args.start) if getattr(args, "start", None) else None
    end = parse_day("--to", args.end) if getattr(args, "end", None) else None
    if start and end and start > end:
        raise OptionError("--from", f"{start:%d %b %Y} is after the --to date {end:%d %b %Y}.")
    with db.read() as session:
        type_ids = _by_name(
            session, EngagementType, "--type", "engagement type", getattr(args, "type", None) or []
        )
        ward_ids = _by_name(session, Ward, "--ward", "ward", getattr(args, "ward", None) or [])
        theme_id = _theme_id(session, args.theme) if getattr(args, "theme", None) else None
    return EngagementFilter(
        start=start,
        end=end,
        type_ids=type_ids,
        ward_ids=ward_ids,
        theme_id=theme_id,
        text=getattr(args, "search", None) or None,
        include_archived=bool(getattr(args, "include_archived", False)),
    )


def cmd_engagements_export(args: argparse.Namespace, db: Database, actor: Actor, *, out: Any = print) -> int:
    """``vcsedesk engagements export FILE [options]`` once the database is open and the acting
    user known (cli.py opens them)."""
    path = Path(args.file).expanduser().absolute()
    what = getattr(args, "what", None) or "log"
    if what not in WHAT:
        raise OptionError("--what", f"choose one of {', '.join(WHAT)}, not “{what}”.")
    if what == "all" and path.suffix.lower() == ".csv":
        raise OptionError("--what", "all writes three sheets, which needs an .xlsx file, not a .csv file.")
    flt = filter_from_args(db, args)
    if what == "log":
        report = export_engagements(db, actor, path, flt)
    elif what == "quotes":
        report = export_quotes(db, actor, path, QuoteFilter.of_log(flt))
    elif what == "actions":
        report = export_actions(db, actor, path, flt=None if flt.is_everything() else flt)
    else:
        report = export_log_workbook(db, actor, path, flt)
    out(report.line())
    return 0


__all__: Sequence[str] = (
    "ACTION_COLUMNS",
    "ENGAGEMENT_COLUMNS",
    "QUOTE_COLUMNS",
    "ExportReport",
    "OptionError",
    "cmd_engagements_export",
    "export_actions",
    "export_engagements",
    "export_log_workbook",
    "export_quotes",
    "filter_from_args",
    "sharing_decisions",
)
