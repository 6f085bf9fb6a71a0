"""The engagement log and the quotes list: filter, sort, count and fetch one window at a time.

This is what the engagement log (a lazy, windowed table), the quotes list and their exports
call, in the manner of :mod:`vcsedesk.services.contact_list`:

* :func:`count` says how many engagements a filter gives;
* :func:`page` fetches rows ``offset`` to ``offset + limit`` in the chosen order with one
  statement — the page's type, place, priority, the counts of named participants and quotes,
  the themes and the facilitators are read by correlated subqueries for the page's rows only
  (themes and facilitators through ``group_concat`` / ``string_agg``).  Theme ids are turned
  into their paths from the theme taxonomy, read whole (it is small) in the same session;
* :func:`ids` streams every matching id in order (for an export or a bulk action), and
  :func:`position` gives an engagement's row number (to select it again after an edit).

Every order is total, so rows never swap places between two pages: the date sort is by date
then id; the others go on, within equal values, newest first and then by id.  Going down is
the exact reverse of going up (so one index serves both ways).  Titles, types and wards sort
without regard to letter case; no ward sorts first going up, last going down.  Sorted by type
or by ward, a page is read a group at a time (a grouped count, then the page's slice of each
group it spans, in date order), as contact_list does for wards: sorting every engagement by a
name held in another table cannot be read from an index.  Sorting by reach has to count every
engagement's participants: it is the slow order (seconds at 200,000 engagements).

Deep pages of the date, title, type and ward orders are read from an index given partial
indexes over live engagements on ``(on_date, id)``, ``(title NOCASE / lower(title), on_date
DESC, id DESC)``, ``(type_id, on_date, id)`` and ``(ward_id, on_date, id)``; without them a
page 100,000 rows down is sorted afresh (about half a second at 200,000 engagements).

**Themes.**  A theme filter takes in the theme's sub-themes (and theirs) and every theme
merged into any of them, exactly as counts by theme do (:func:`themes.counted_under`); a
filter naming a merged theme means the theme it was merged into.  The themes column shows
each linked theme under the theme it counts under today (so a merged theme shows as the
theme it was merged into), each once.

**Text.**  What is typed has the search-as-you-type meaning of
:func:`vcsedesk.store.search.search`: an engagement matches if its own search document
(title, type, place, priority, themes, summary) or any of its live quotes matches.  The
search index holds live engagements only, so when archived engagements are included they are
matched, more simply, by every word appearing in the title, the summary or one of the quotes.

The quotes list (:func:`count_quotes`, :func:`page_quotes`, :func:`quote_ids`) takes a
:class:`QuoteFilter`: the same fields, applied to the quote's engagement, plus the sharing
levels wanted and the quote's speaker; its text filter matches the quote's own words.  Quotes
come newest engagement first, then in the order they were recorded.

Equality monitoring is never read here.
"""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Uuid,
    and_,
    bindparam,
    cast,
    false,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from vcsedesk.domain.engagement import Sharing
from vcsedesk.services import themes as theme_service
from vcsedesk.services.engagements import QUOTE_KIND, SEARCH_KIND, place_text
from vcsedesk.store import search
from vcsedesk.store.database import Database
from vcsedesk.store.models import (
    Contact,
    Engagement,
    EngagementFacilitator,
    EngagementParticipant,
    EngagementTheme,
    EngagementType,
    Priority,
    Quote,
    QuoteTheme,
    SearchDocument,
    Theme,
    User,
    Ward,
)

#: Rows fetched per round trip when streaming ids.
STREAM_CHUNK = 2000
#: The most rows one page may ask for (a screenful is ~50; an export pages by a few hundred).
MAX_PAGE = 5000
#: How much of the summary a row carries.
SUMMARY_START = 200
#: Between the themes of a row, and between its facilitators.
THEME_SEPARATOR = "; "
FACILITATOR_SEPARATOR = ", "
_SEPARATOR = "\x1f"  # joins values inside SQL; never part of a name (validation strips it)
_WORDS = re.compile(r"\w+")


# -- the filters ------------------------------------------------------------------------------
@dataclass(frozen=True)
class EngagementFilter:
    """What the log shows.  Every part is optional; the parts combine with AND.

    ``start`` and ``end`` are inclusive.  ``type_ids`` and ``ward_ids`` keep engagements of any
    of those types or in any of those wards.  ``theme_id`` keeps engagements with that theme,
    one of its sub-themes or a theme merged into either.  ``facilitator_id`` is a user,
    ``participant_id`` a contact who took part, ``priority_id`` a partnership priority.
    """

    start: date | None = None
    end: date | None = None
    type_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    ward_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    theme_id: uuid.UUID | None = None
    facilitator_id: uuid.UUID | None = None
    priority_id: uuid.UUID | None = None
    participant_id: uuid.UUID | None = None
    text: str | None = None
    include_archived: bool = False

    def is_everything(self) -> bool:
        """True when the filter keeps every live engagement (blank text is no filter)."""
        return replace(self, text=(self.text or "").strip() or None) == EVERYTHING


@dataclass(frozen=True)
class QuoteFilter:
    """What the quotes list shows.  The engagement fields apply to the quote's engagement
    (as in :class:`EngagementFilter`); ``text`` matches the quote's own words; ``sharing``
    keeps quotes at those levels; ``speaker_id`` quotes by that contact.

    ``log``, when given, keeps only quotes from the engagements that filter gives (its text
    matching an engagement or any of its quotes): the quotes of an exported log.
    """

    start: date | None = None
    end: date | None = None
    type_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    ward_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    theme_id: uuid.UUID | None = None
    facilitator_id: uuid.UUID | None = None
    priority_id: uuid.UUID | None = None
    participant_id: uuid.UUID | None = None
    text: str | None = None
    include_archived: bool = False
    sharing: frozenset[Sharing] | None = None
    speaker_id: uuid.UUID | None = None
    log: EngagementFilter | None = None

    @classmethod
    def of_log(cls, flt: EngagementFilter, sharing: frozenset[Sharing] | None = None) -> QuoteFilter:
        """The quotes of the engagements ``flt`` gives (optionally only at some levels)."""
        return cls(include_archived=flt.include_archived, sharing=sharing, log=flt)


class SortField(enum.StrEnum):
    DATE = "date"
    TITLE = "title"
    TYPE = "type"
    WARD = "ward"
    REACH = "reach"


@dataclass(frozen=True)
class SortKey:
    field: SortField = SortField.DATE
    descending: bool = False


#: The log's usual order: the most recent engagement first.
NEWEST_FIRST = SortKey(SortField.DATE, descending=True)
#: The default filter: every live engagement.
EVERYTHING = EngagementFilter()
ALL_QUOTES = QuoteFilter()


# -- the rows ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class EngagementRow:
    """One line of the engagement log."""

    id: uuid.UUID
    version: int
    on_date: date
    title: str
    type_name: str
    place: str  # "Canal Street Library, Mile End" / "Online"
    ward: str | None
    reach: int  # named participants plus the anonymous head-count
    participants: int  # named participants
    anonymous_count: int
    quotes: int
    themes: str  # paths in alphabetical order, joined with "; "
    facilitators: str  # names in alphabetical order, joined with ", "
    priority: str | None
    summary_start: str  # the summary's first ~200 characters on one line, "…" if cut
    archived: bool


@dataclass(frozen=True)
class QuoteRow:
    """One line of the quotes list (for people inside the organisation: names are shown)."""

    id: uuid.UUID
    version: int
    engagement_id: uuid.UUID
    on_date: date
    engagement_title: str
    text: str
    sharing: Sharing
    speaker_id: uuid.UUID | None
    speaker: str  # the speaker's name; "Anonymous" or "Not named" when none was recorded
    themes: str  # the quote's own themes, as EngagementRow.themes
    archived: bool  # the quote's engagement is archived

    @property
    def sharing_label(self) -> str:
        return self.sharing.label


NOT_NAMED = "Not named"
ANONYMOUS = "Anonymous"


# -- the theme taxonomy -----------------------------------------------------------------------
@dataclass(frozen=True)
class ThemeNames:
    """Every theme's path and the theme it counts under, from one read of the (small) table."""

    paths: Mapping[uuid.UUID, str]
    canonical: Mapping[uuid.UUID, uuid.UUID]

    @classmethod
    def load(cls, session: Session) -> ThemeNames:
        rows = session.execute(select(Theme.id, Theme.name, Theme.parent_id, Theme.merged_into_id)).all()
        nodes = {r.id: r for r in rows}
        paths: dict[uuid.UUID, str] = {}
        canonical: dict[uuid.UUID, uuid.UUID] = {}
        for theme_id in nodes:
            parts, seen, current = [], set(), theme_id
            while current is not None and current in nodes and current not in seen:
                seen.add(current)
                parts.append(nodes[current].name)
                current = nodes[current].parent_id
            paths[theme_id] = theme_service.SEPARATOR.join(reversed(parts))
            chain, target = [theme_id], nodes[theme_id].merged_into_id
            while target is not None and target in nodes and target not in chain:
                chain.append(target)
                target = nodes[target].merged_into_id
            canonical[theme_id] = chain[-1]
        return cls(paths, canonical)

    def joined(self, aggregated: str | None) -> str:
        """Aggregated theme ids to their paths (as counted today), each once, alphabetically."""
        if not aggregated:
            return ""
        shown = set()
        for raw in aggregated.split(_SEPARATOR):
            theme_id = uuid.UUID(raw)
            shown.add(self.paths.get(self.canonical.get(theme_id, theme_id), ""))
        return THEME_SEPARATOR.join(sorted((p for p in shown if p), key=str.casefold))


# -- building the conditions ------------------------------------------------------------------
def _live(model: Any) -> ColumnElement[bool]:
    return model.deleted_at.is_(None)  # type: ignore[no-any-return]


def _documents(session: Session, kind: str, typed: str) -> Any | None:
    """A selectable of the record ids of ``kind`` whose search document matches ``typed``;
    None when nothing typed can match."""
    if session.get_bind().dialect.name == "sqlite":
        expression = search.fts5_expression(typed)
        if expression is None:
            return None
        # CROSS JOIN keeps this order in SQLite: the MATCH runs once and drives the lookups
        # (see contact_list: left alone the planner runs the MATCH once per document).
        # Unique parameters: one statement may hold several of these.
        return (
            text(
                "SELECT d.record_id FROM search_fts CROSS JOIN search_documents d "
                "ON d.doc = search_fts.rowid WHERE search_fts MATCH :q AND d.kind = :kind"
            )
            .bindparams(bindparam("q", expression, unique=True), bindparam("kind", kind, unique=True))
            .columns(record_id=Uuid())
        )
    expression = search.tsquery_expression(typed)
    if expression is None:
        return None
    vector = func.to_tsvector("simple", SearchDocument.body)
    return select(SearchDocument.record_id).where(
        SearchDocument.kind == kind, vector.op("@@")(func.to_tsquery("simple", expression))
    )


def _words(typed: str) -> list[str]:
    return _WORDS.findall(search.fold(typed))


def _engagement_text(session: Session, typed: str | None, include_archived: bool) -> Any:
    """Engagements whose document or any live quote matches ``typed`` (None: no condition)."""
    if not typed or not typed.strip():
        return None
    documents = _documents(session, SEARCH_KIND, typed)
    quote_documents = _documents(session, QUOTE_KIND, typed)
    if documents is None or quote_documents is None:
        return false()
    # Not correlated: inside a query over quotes, "any of its quotes" means any, not this one.
    quoted = select(Quote.engagement_id).where(Quote.id.in_(quote_documents), _live(Quote)).correlate(None)
    found = or_(Engagement.id.in_(documents), Engagement.id.in_(quoted))
    words = _words(typed)
    if not include_archived or not words:
        return found
    # Archived engagements are out of the search index: every word in the title, the summary
    # or one of the quotes.
    per_word = [
        or_(
            func.lower(Engagement.title).contains(word, autoescape=True),
            func.lower(Engagement.summary).contains(word, autoescape=True),
            Engagement.id.in_(
                select(Quote.engagement_id)
                .where(_live(Quote), func.lower(Quote.text).contains(word, autoescape=True))
                .correlate(None)
            ),
        )
        for word in words
    ]
    return or_(found, and_(Engagement.deleted_at.is_not(None), *per_word))


def _theme_ids(session: Session, theme_id: uuid.UUID) -> list[uuid.UUID]:
    """Every theme whose records count under ``theme_id`` (a merged theme: its successor)."""
    target = theme_service.canonical_ids(session).get(theme_id, theme_id)
    return sorted(theme_service.counted_under(session, target, include_children=True))


def _shared_conditions(session: Session, flt: EngagementFilter | QuoteFilter) -> list[ColumnElement[bool]]:
    """Conditions on ``engagements`` from the fields both filters share (not the text)."""
    where: list[ColumnElement[bool]] = []
    if not flt.include_archived:
        where.append(_live(Engagement))
    if flt.start is not None:
        where.append(Engagement.on_date >= flt.start)
    if flt.end is not None:
        where.append(Engagement.on_date <= flt.end)
    if flt.type_ids:
        where.append(Engagement.type_id.in_(sorted(flt.type_ids)))
    if flt.ward_ids:
        where.append(Engagement.ward_id.in_(sorted(flt.ward_ids)))
    if flt.priority_id is not None:
        where.append(Engagement.priority_id == flt.priority_id)
    if flt.theme_id is not None:
        tagged = select(EngagementTheme.engagement_id).where(
            EngagementTheme.theme_id.in_(_theme_ids(session, flt.theme_id)), _live(EngagementTheme)
        )
        where.append(Engagement.id.in_(tagged))
    if flt.facilitator_id is not None:
        facilitated = select(EngagementFacilitator.engagement_id).where(
            EngagementFacilitator.user_id == flt.facilitator_id, _live(EngagementFacilitator)
        )
        where.append(Engagement.id.in_(facilitated))
    if flt.participant_id is not None:
        took_part = select(EngagementParticipant.engagement_id).where(
            EngagementParticipant.contact_id == flt.participant_id, _live(EngagementParticipant)
        )
        where.append(Engagement.id.in_(took_part))
    return where


def conditions(session: Session, flt: EngagementFilter) -> list[ColumnElement[bool]]:
    """The WHERE conditions on ``engagements`` for ``flt`` (for other areas that list them)."""
    where = _shared_conditions(session, flt)
    typed = _engagement_text(session, flt.text, flt.include_archived)
    if typed is not None:
        where.append(typed)
    return where


def quote_conditions(session: Session, flt: QuoteFilter) -> list[ColumnElement[bool]]:
    """The WHERE conditions for ``flt`` over ``quotes`` joined to their ``engagements``."""
    where: list[ColumnElement[bool]] = [_live(Quote), *_shared_conditions(session, flt)]
    if flt.sharing is not None:
        where.append(Quote.sharing.in_(sorted(Sharing(s).value for s in flt.sharing)))
    if flt.speaker_id is not None:
        where.append(Quote.speaker_id == flt.speaker_id)
    if flt.text and flt.text.strip():
        documents = _documents(session, QUOTE_KIND, flt.text)
        if documents is None:
            where.append(false())
        else:
            found: ColumnElement[bool] = Quote.id.in_(documents)
            words = _words(flt.text)
            if flt.include_archived and words:  # quotes of archived engagements are not indexed
                found = or_(
                    found,
                    and_(
                        Engagement.deleted_at.is_not(None),
                        *(func.lower(Quote.text).contains(w, autoescape=True) for w in words),
                    ),
                )
            where.append(found)
    if flt.log is not None:  # the quote's own engagement (joined) is in the log
        where.extend(conditions(session, flt.log))
    return where


# -- sorting ----------------------------------------------------------------------------------
#: Sorts by a short list's name (types, wards) go a group at a time: see :func:`_segments`.
_SEGMENTED: dict[SortField, Any] = {SortField.TYPE: Engagement.type_id, SortField.WARD: Engagement.ward_id}


def _nocase(dialect: str, value: Any) -> ColumnElement[Any]:
    if dialect == "sqlite":
        return value.collate("NOCASE")  # type: ignore[no-any-return]
    return func.lower(value)


def _participants_count() -> Any:
    return (
        select(func.count())
        .select_from(EngagementParticipant)
        .where(EngagementParticipant.engagement_id == Engagement.id, _live(EngagementParticipant))
        .scalar_subquery()
    )


def _terms(dialect: str, sort: SortKey) -> list[tuple[Any, bool]]:
    """The order as (expression, descending) pairs, most significant first, ending with the id.

    Going down is the exact reverse of going up, so one index serves both.  The date sort
    is by date then id; the others go on newest first (then by id) within equal values, and
    within a type or ward (see :func:`_segments`).
    """
    down = sort.descending
    if sort.field is SortField.DATE:
        return [(Engagement.on_date, down), (Engagement.id, down)]
    within = [(Engagement.on_date, not down), (Engagement.id, not down)]
    if sort.field is SortField.TITLE:
        return [(_nocase(dialect, Engagement.title), down), *within]
    if sort.field is SortField.REACH:
        return [(Engagement.anonymous_count + _participants_count(), down), *within]
    return within  # inside one type or ward


def _order_by(pairs: list[tuple[Any, bool]]) -> list[Any]:
    return [value.desc() if down else value.asc() for value, down in pairs]


def _before(pairs: list[tuple[Any, bool]], values: list[Any]) -> ColumnElement[bool]:
    """Rows that come before the row whose sort values are ``values``."""
    alternatives = []
    for k, (value, down) in enumerate(pairs):
        same = [pairs[j][0] == values[j] for j in range(k)]
        alternatives.append(and_(*same, value > values[k] if down else value < values[k]))
    return or_(*alternatives)


def _ordered_ids(session: Session, flt: EngagementFilter, sort: SortKey) -> Select[Any]:
    """SELECT engagements.id, sort values … WHERE <filter> ORDER BY <sort> (not by type or
    ward: those go through :func:`_segments`)."""
    pairs = _terms(session.get_bind().dialect.name, sort)
    values = [value.label(f"sort_{i}") for i, (value, _) in enumerate(pairs[:-1])]
    query = select(Engagement.id.label("id"), *values).where(*conditions(session, flt))
    return query.order_by(*_order_by(pairs))


def _segments(
    session: Session, where: list[ColumnElement[bool]], sort: SortKey
) -> list[tuple[uuid.UUID | None, int]]:
    """The types (or wards) the filtered engagements fall in, in list order, with how many
    engagements each holds: one grouped count and one read of the names.

    Sorting every engagement by the name of its type or ward cannot be read from an index
    (the name lives in another table); a page instead takes its slice of each group it
    spans, each group read in date order.  No ward comes first going up (last going down);
    names compare without regard to letter case.
    """
    column = _SEGMENTED[sort.field]
    per_group: dict[uuid.UUID | None, int] = {
        k: int(n) for k, n in session.execute(select(column, func.count()).where(*where).group_by(column))
    }
    model: Any = EngagementType if sort.field is SortField.TYPE else Ward
    known = [k for k in per_group if k is not None]
    names: dict[uuid.UUID, str] = (
        {k: n for k, n in session.execute(select(model.id, model.name).where(model.id.in_(known)))}
        if known
        else {}
    )
    order = sorted(
        per_group, key=lambda k: (k is not None, (names.get(k) or "").casefold() if k else "", str(k))
    )
    if sort.descending:
        order.reverse()
    return [(k, int(per_group[k])) for k in order]


def _in_segment(sort: SortKey, key: uuid.UUID | None) -> ColumnElement[bool]:
    column = _SEGMENTED[sort.field]
    return column.is_(None) if key is None else column == key  # type: ignore[no-any-return]


def _segment_ids(
    session: Session, where: list[ColumnElement[bool]], sort: SortKey, key: uuid.UUID | None
) -> Select[Any]:
    pairs = _terms(session.get_bind().dialect.name, sort)
    return select(Engagement.id).where(*where, _in_segment(sort, key)).order_by(*_order_by(pairs))


def _segmented_window(
    session: Session, flt: EngagementFilter, sort: SortKey, offset: int, limit: int
) -> list[uuid.UUID]:
    where = conditions(session, flt)
    wanted: list[uuid.UUID] = []
    start = 0
    for key, size in _segments(session, where, sort):
        end = start + size
        if end > offset and start < offset + limit:
            skip = max(0, offset - start)
            take = min(size - skip, offset + limit - max(offset, start))
            wanted += session.scalars(_segment_ids(session, where, sort, key).offset(skip).limit(take)).all()
        start = end
        if start >= offset + limit:
            break
    return wanted


# -- reading the log --------------------------------------------------------------------------
def count(db: Database, flt: EngagementFilter = EVERYTHING) -> int:
    """How many engagements the filter gives."""
    with db.read() as session:
        return count_in(session, flt)


def count_in(session: Session, flt: EngagementFilter = EVERYTHING) -> int:
    """:func:`count` inside a session the caller already has."""
    query = select(func.count()).select_from(Engagement).where(*conditions(session, flt))
    return int(session.scalar(query) or 0)


def _aggregate(value: Any) -> Any:
    return func.aggregate_strings(cast(value, String), _SEPARATOR)


def _row_columns() -> list[Any]:
    """What a row shows; counts, themes and facilitators are read for the page's rows only."""
    quotes = (
        select(func.count())
        .select_from(Quote)
        .where(Quote.engagement_id == Engagement.id, _live(Quote))
        .scalar_subquery()
    )
    themes = (
        select(_aggregate(EngagementTheme.theme_id))
        .where(EngagementTheme.engagement_id == Engagement.id, _live(EngagementTheme))
        .scalar_subquery()
    )
    # The facilitator links drive (a user's name looked up for each): left to choose, SQLite
    # walked every user for every row.
    facilitator = select(User.name).where(User.id == EngagementFacilitator.user_id).scalar_subquery()
    facilitators = (
        select(func.aggregate_strings(facilitator, _SEPARATOR))
        .where(EngagementFacilitator.engagement_id == Engagement.id, _live(EngagementFacilitator))
        .scalar_subquery()
    )
    return [
        Engagement.id,
        Engagement.version,
        Engagement.on_date,
        Engagement.title,
        EngagementType.name,
        Engagement.venue,
        Engagement.online,
        Ward.name,
        Engagement.anonymous_count,
        _participants_count(),
        quotes,
        themes,
        facilitators,
        Priority.name,
        func.substr(Engagement.summary, 1, SUMMARY_START + 1),
        Engagement.deleted_at,
    ]


def _with_lookups(query: Select[Any]) -> Select[Any]:
    return (
        query.join(EngagementType, EngagementType.id == Engagement.type_id)
        .outerjoin(Ward, Ward.id == Engagement.ward_id)
        .outerjoin(Priority, Priority.id == Engagement.priority_id)
    )


def page_query(
    session: Session, flt: EngagementFilter, sort: SortKey, offset: int, limit: int
) -> Select[Any]:
    """The one statement behind :func:`page` for the date, title and reach sorts (exposed for
    EXPLAIN)."""
    window = _ordered_ids(session, flt, sort).offset(offset).limit(limit).subquery("page")
    values = [c for c in window.c if c.key.startswith("sort_")]
    pairs = list(zip([*values, window.c.id], [down for _, down in _terms("", sort)], strict=True))
    query = select(*_row_columns()).select_from(window).join(Engagement, Engagement.id == window.c.id)
    return _with_lookups(query).order_by(*_order_by(pairs))


def _summary_start(start: str | None) -> str:
    if not start:
        return ""
    if len(start) > SUMMARY_START:
        return " ".join(start[:SUMMARY_START].split()) + "…"
    return " ".join(start.split())


def _row(r: Any, taxonomy: ThemeNames) -> EngagementRow:
    (
        eid,
        version,
        on_date,
        title,
        type_name,
        venue,
        online,
        ward,
        anonymous,
        participants,
        quotes,
        themes,
        facilitators,
        priority,
        summary,
        deleted_at,
    ) = r
    named = int(participants or 0)
    return EngagementRow(
        id=eid,
        version=version,
        on_date=on_date,
        title=title,
        type_name=type_name or "",
        place=place_text(venue, ward, bool(online)),
        ward=ward,
        reach=named + int(anonymous or 0),
        participants=named,
        anonymous_count=int(anonymous or 0),
        quotes=int(quotes or 0),
        themes=taxonomy.joined(themes),
        facilitators=FACILITATOR_SEPARATOR.join(sorted(facilitators.split(_SEPARATOR), key=str.casefold))
        if facilitators
        else "",
        priority=priority,
        summary_start=_summary_start(summary),
        archived=deleted_at is not None,
    )


def _check_window(offset: int, limit: int) -> int:
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must not be negative")
    return min(limit, MAX_PAGE)


def page(
    db: Database,
    flt: EngagementFilter = EVERYTHING,
    sort: SortKey = NEWEST_FIRST,
    offset: int = 0,
    limit: int = 100,
) -> list[EngagementRow]:
    """Rows ``offset`` to ``offset + limit`` of the filtered, sorted log.

    One statement for the rows, and one read of the theme taxonomy when a row has themes.
    Sorted by type or ward: a grouped count, one query per group the page spans, then the
    rows by id in one statement.
    """
    limit = _check_window(offset, limit)
    if limit == 0:
        return []
    with db.read() as session:
        if sort.field in _SEGMENTED:
            return rows_by_id(session, _segmented_window(session, flt, sort, offset, limit))
        rows = session.execute(page_query(session, flt, sort, offset, limit)).all()
        taxonomy = ThemeNames.load(session) if any(r[11] for r in rows) else ThemeNames({}, {})
    return [_row(r, taxonomy) for r in rows]


def rows_by_id(
    session: Session, wanted: list[uuid.UUID], names: ThemeNames | None = None
) -> list[EngagementRow]:
    """The rows of ``wanted`` (a batch of ids), in that order: one statement (and one read of
    the theme taxonomy unless ``names`` is given)."""
    if not wanted:
        return []
    found = session.execute(_with_lookups(select(*_row_columns()).where(Engagement.id.in_(wanted)))).all()
    taxonomy = names if names is not None else ThemeNames.load(session)
    by_id = {r[0]: r for r in found}
    return [_row(by_id[i], taxonomy) for i in wanted if i in by_id]


def _stream(session: Session, query: Select[Any], chunk: int) -> Iterator[uuid.UUID]:
    result = session.execute(query.execution_options(yield_per=chunk))
    try:
        for row in result:
            yield row[0]
    finally:
        result.close()


def iter_ids(
    session: Session, flt: EngagementFilter, sort: SortKey = NEWEST_FIRST, *, chunk: int = STREAM_CHUNK
) -> Iterator[uuid.UUID]:
    """Every matching id in log order, streamed from the database inside ``session``."""
    if sort.field not in _SEGMENTED:
        yield from _stream(session, _ordered_ids(session, flt, sort), chunk)
        return
    where = conditions(session, flt)
    for key, _ in _segments(session, where, sort):
        yield from _stream(session, _segment_ids(session, where, sort, key), chunk)


def ids(
    db: Database, flt: EngagementFilter = EVERYTHING, sort: SortKey = NEWEST_FIRST
) -> Iterator[uuid.UUID]:
    """Every matching id in log order, streamed (the read session stays open until the
    generator is used up or closed)."""
    with db.read() as session:
        yield from iter_ids(session, flt, sort)


def position(
    db: Database,
    flt: EngagementFilter,
    sort: SortKey,
    engagement_id: uuid.UUID,
) -> int | None:
    """The row number of ``engagement_id`` in the log (to select it after a change), or None
    if the filter does not give it: how many rows come before it (two statements; by type or
    ward, also the grouped count)."""
    with db.read() as session:
        where = conditions(session, flt)
        pairs = _terms(session.get_bind().dialect.name, sort)
        grouped = sort.field in _SEGMENTED
        key_column = [_SEGMENTED[sort.field]] if grouped else []
        found = session.execute(
            select(*key_column, *(value for value, _ in pairs)).where(*where, Engagement.id == engagement_id)
        ).first()
        if found is None:
            return None
        values = list(found)
        before = 0
        if grouped:
            key = values.pop(0)
            for segment, size in _segments(session, where, sort):
                if segment == key:
                    break
                before += size
            where = [*where, _in_segment(sort, key)]
        counted = select(func.count()).select_from(Engagement).where(*where, _before(pairs, values))
        return before + int(session.scalar(counted) or 0)


# -- reading the quotes -----------------------------------------------------------------------
def _quote_order() -> list[Any]:
    return [Engagement.on_date.desc(), Engagement.id.desc(), Quote.created_at.asc(), Quote.id.asc()]


def _quote_select(session: Session, flt: QuoteFilter, *columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .select_from(Quote)
        .join(Engagement, Engagement.id == Quote.engagement_id)
        .where(*quote_conditions(session, flt))
    )


def count_quotes(db: Database, flt: QuoteFilter = ALL_QUOTES) -> int:
    """How many quotes the filter gives."""
    with db.read() as session:
        return int(session.scalar(_quote_select(session, flt, func.count())) or 0)


def _quote_columns() -> list[Any]:
    themes = (
        select(_aggregate(QuoteTheme.theme_id))
        .where(QuoteTheme.quote_id == Quote.id, _live(QuoteTheme))
        .scalar_subquery()
    )
    return [
        Quote.id,
        Quote.version,
        Quote.engagement_id,
        Engagement.on_date,
        Engagement.title,
        Quote.text,
        Quote.sharing,
        Quote.speaker_id,
        Contact.name,
        themes,
        Engagement.deleted_at,
    ]


def speaker_text(name: str | None, sharing: Sharing) -> str:
    """The speaker as a list shows them: the name, else "Anonymous" for a quote shared
    anonymously without a named speaker, else "Not named"."""
    if name:
        return name
    return ANONYMOUS if sharing is Sharing.ANONYMOUS else NOT_NAMED


def _quote_row(r: Any, taxonomy: ThemeNames) -> QuoteRow:
    (qid, version, eid, on_date, title, words, sharing, speaker_id, speaker, themes, deleted_at) = r
    level = Sharing(sharing)
    return QuoteRow(
        id=qid,
        version=version,
        engagement_id=eid,
        on_date=on_date,
        engagement_title=title,
        text=words,
        sharing=level,
        speaker_id=speaker_id,
        speaker=speaker_text(speaker, level),
        themes=taxonomy.joined(themes),
        archived=deleted_at is not None,
    )


def page_quotes(
    db: Database, flt: QuoteFilter = ALL_QUOTES, offset: int = 0, limit: int = 100
) -> list[QuoteRow]:
    """Quotes ``offset`` to ``offset + limit`` of the filtered list: one statement."""
    limit = _check_window(offset, limit)
    if limit == 0:
        return []
    with db.read() as session:
        window = (
            _quote_select(session, flt, Quote.id.label("id"))
            .order_by(*_quote_order())
            .offset(offset)
            .limit(limit)
            .subquery("page")
        )
        query = (
            select(*_quote_columns())
            .select_from(window)
            .join(Quote, Quote.id == window.c.id)
            .join(Engagement, Engagement.id == Quote.engagement_id)
            .outerjoin(Contact, Contact.id == Quote.speaker_id)
            .order_by(*_quote_order())
        )
        rows = session.execute(query).all()
        taxonomy = ThemeNames.load(session) if any(r[9] for r in rows) else ThemeNames({}, {})
    return [_quote_row(r, taxonomy) for r in rows]


def iter_quote_rows(
    session: Session, flt: QuoteFilter = ALL_QUOTES, *, chunk: int = STREAM_CHUNK
) -> Iterator[QuoteRow]:
    """Every matching quote's row in list order, streamed inside ``session`` (for exports:
    one statement, read ``chunk`` rows at a time)."""
    taxonomy = ThemeNames.load(session)
    query = (
        _quote_select(session, flt, *_quote_columns())
        .outerjoin(Contact, Contact.id == Quote.speaker_id)
        .order_by(*_quote_order())
    )
    result = session.execute(query.execution_options(yield_per=chunk))
    try:
        for r in result:
            yield _quote_row(r, taxonomy)
    finally:
        result.close()


def quote_ids(db: Database, flt: QuoteFilter = ALL_QUOTES) -> Iterator[uuid.UUID]:
    """Every matching quote's id in list order, streamed."""
    with db.read() as session:
        query = _quote_select(session, flt, Quote.id).order_by(*_quote_order())
        result = session.execute(query.execution_options(yield_per=STREAM_CHUNK))
        try:
            for row in result:
                yield row[0]
        finally:
            result.close()


def quote_position(db: Database, flt: QuoteFilter, quote_id: uuid.UUID) -> int | None:
    """The row number of ``quote_id`` in the quotes list, or None."""
    with db.read() as session:
        numbered = _quote_select(
            session, flt, Quote.id.label("id"), func.row_number().over(order_by=_quote_order()).label("n")
        ).subquery("numbered")
        found = session.scalar(select(numbered.c.n).where(numbered.c.id == quote_id))
        return None if found is None else int(found) - 1
