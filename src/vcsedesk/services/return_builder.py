"""Computing a partnership return from the records: every figure, table, quote and action.

:func:`build` reads the records of a :class:`~vcsedesk.domain.returns.Period` and fills a
:class:`~vcsedesk.domain.returns.ReturnContent` in the shape a return template gives (its
sections, in its order, with its headings and intros).  It only reads; the caller freezes the
content when the return is submitted.  Every count is an aggregate worked out by the database
(``GROUP BY``, ``COUNT(DISTINCT …)``); nothing is loaded record by record, so a quarter of a
large organisation's records builds in a few seconds.

What counts (only live records: archived engagements, participants, quotes, claims, actions,
contacts and answers count nowhere):

* **Reach.**  Engagements dated in the period, by type and by where they were held (the ward,
  else "Online", else "No ward recorded", as the dashboard places them).  *Named people* are
  the people (contacts of kind person) who took part as a participant or a carer, each once
  however many engagements they came to; interpreters, advocates, supporters and partner
  officers are not counted as people reached.  *People reached* is the named people plus the
  anonymous head-counts.  Named people by the ward they live in, and by seldom-heard group,
  are tables of counts of people, small numbers suppressed with the partnership's threshold.
* **Demographics.**  Each table the template asks for counts the named people by their
  equality monitoring answers ("Not recorded" when there is no answer); every table adds up
  to the named people, and small numbers are suppressed.
* **Themes.**  The themes most engagements in the period were tagged with, counted as the
  dashboard counts them (:func:`vcsedesk.services.themes.engagement_counts`: merged themes
  under the theme they were merged into), with the count in the previous period.
* **Quotes.**  Chosen by the coordinator (``quote_ids``) or automatically: quotes from the
  period's engagements whose speaker's consent allows sharing on ``today``
  (:func:`vcsedesk.services.engagements_export.sharing_decisions`), newest engagement first, at
  most ``per_theme`` for each of the ranked themes (a quote's own themes) and ``limit`` in all.
  A name is printed only where named sharing still holds.
* **Reimbursements.**  Claims recorded as paid with a payment date in the period.  "Paid"
  means the claimant received money: the total, or the less they chose to take.  Claims the
  claimant declined or gave to a charity are counted apart (``declined``).  By category, a
  claim taken in part is reduced in its involvement payment first (as the benefit rules read
  it), then its expenses from the last category back.
* **Actions.**  Actions from engagements or meetings held in the period, as they stand now.

**Refs.**  Every figure carries a ``ref`` that :func:`records_behind` resolves, for the same
period, to the records behind it.  A ref names no person and no contact::

    engagements:                        every engagement in the period
    engagements:type=<type id>          of one type
    engagements:ward=<ward id>|online|none   held in a ward / online / nowhere recorded
    engagements:online                  held online
    engagements:headcount               with an anonymous head-count
    engagements:group=<label>           with a head-count group (label percent-encoded)
    people:                             the named people reached
    people:ward=<ward id>|none          … living in a ward / with no ward recorded
    people:eq:<field>=<answer>[;<field>=<answer>]   … by equality answers ("∅": not recorded)
    people:seldom=<group id>|any        … in a seldom-heard group / in any
    themes:<theme id>                   engagements counted under a theme
    quotes:                             every live quote of the period's engagements
    quotes:<quote id>                   one quote
    claims:paid | claims:declined | claims:category=<category>
    actions: | actions:status=<status> | actions:id=<action id>
"""

from __future__ import annotations

import base64
import math
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote as percent_encode
from urllib.parse import unquote

from sqlalchemy import ColumnElement, Executable, Select, and_, distinct, exists, false, func, or_, select
from sqlalchemy.orm import Session

from vcsedesk.domain import return_templates as rt
from vcsedesk.domain.claims import CATEGORY_LABELS, Category, PaymentChoice
from vcsedesk.domain.consent import Purpose
from vcsedesk.domain.contacts import ContactKind
from vcsedesk.domain.engagement import ActionStatus, ParticipantRole, Sharing
from vcsedesk.domain.equality import QUESTION_BY_FIELD, Question
from vcsedesk.domain.errors import NotFoundError, UserError
from vcsedesk.domain.returns import (
    PRIMARY_MARK,
    SECONDARY_MARK,
    ActionItem,
    ActionsSection,
    Answer,
    CountTable,
    DemographicsSection,
    Figure,
    Money,
    NarrativeSection,
    Period,
    QuoteItem,
    QuotesSection,
    ReachSection,
    ReimbursementsSection,
    ResponseItem,
    ReturnContent,
    Section,
    ThemeRank,
    ThemesSection,
)
from vcsedesk.domain.suppression import Suppressed, suppress
from vcsedesk.services import consent, engagements, themes
from vcsedesk.services.base import Actor, Permission, chunked, require
from vcsedesk.services.claims import payable_pence
from vcsedesk.services.engagement_log import QuoteRow, speaker_text
from vcsedesk.services.engagements_export import ANONYMOUS, sharing_decisions
from vcsedesk.store.database import Database
from vcsedesk.store.models import (
    Action,
    Claim,
    ClaimItem,
    ConsentRecord,
    Contact,
    Engagement,
    EngagementParticipant,
    EngagementTheme,
    EngagementType,
    EqualityProfile,
    HeadcountGroup,
    Meeting,
    Organisation,
    Partnership,
    PartnershipReturn,
    Quote,
    QuoteTheme,
    ReturnResponse,
    SeldomHeardGroup,
    SeldomHeardMembership,
    Ward,
)

#: The roles in which a named person counts as reached.
COUNTED_ROLES = (ParticipantRole.PARTICIPANT.value, ParticipantRole.CARER.value)
NOT_RECORDED = "Not recorded"
#: In a ref, an equality question not answered.
NONE_MARK = "∅"
ONLINE = "online"
NO_WARD = "none"
EXCERPT = 60
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
#: Quotes judged (consent read) together while choosing.
BATCH = 500

#: Short names of the equality questions, for table titles (the question itself goes in the note).
SHORT_TITLES = {
    "age_band": "Age",
    "sex": "Sex",
    "gender_identity": "Gender identity",
    "ethnicity": "Ethnic group",
    "religion": "Religion or belief",
    "sexual_orientation": "Sexual orientation",
    "disability": "Disability",
    "carer": "Unpaid carers",
}

REACH_NOTE = (
    "Named people are counted once each, however many engagements they came to, and only when "
    "they took part as a participant or a carer: interpreters, advocates, supporters and partner "
    "officers are not counted as people reached. People reached are the named people plus those "
    "counted anonymously."
)
SELDOM_NOTE = (
    "Named people reached who belong to each seldom-heard group. A person may be in more than one "
    "group, so the total is the number of people in any group, not the sum of the rows."
)


# -- what build returns -------------------------------------------------------------------------
@dataclass(frozen=True)
class LeftOut:
    """A quote not printed as chosen, and why (for the coordinator; never exported)."""

    quote_id: uuid.UUID
    excerpt: str  # its first ~60 characters
    reason: str  # whose consent, what changed, when


@dataclass(frozen=True)
class Built:
    content: ReturnContent  # frozen_at="" (the caller freezes)
    left_out: tuple[LeftOut, ...]  # chosen quotes left out (consent withdrawn / internal / gone)
    shown_anonymously: tuple[LeftOut, ...]  # named quotes shown without the name, and why
    contributors: dict[uuid.UUID, int]  # contact id -> engagements in the period (named people)


@dataclass(frozen=True)
class RecordsBehind:
    kind: str  # "engagements" | "contacts" | "quotes" | "claims" | "actions"
    ids: list[uuid.UUID]
    title: str  # "Drop-in engagements, 2025-Q3"


@dataclass(frozen=True)
class QuoteCandidate:
    """A quote the coordinator may choose for the return, as the picker lists it."""

    id: uuid.UUID
    text: str
    speaker: str  # as the return would print it: "Anonymous" or the name
    engagement_title: str
    on_date: date
    context: str  # "Drop-in, May 2025"
    themes: tuple[str, ...]
    sharing: Sharing
    reason: str  # why it may be shared (the consent it rests on)


# -- shared pieces ------------------------------------------------------------------------------
def _today() -> date:
    return datetime.now(UTC).date()


def _live_in(period: Period) -> tuple[ColumnElement[bool], ...]:
    return (
        Engagement.deleted_at.is_(None),
        Engagement.on_date >= period.start,
        Engagement.on_date <= period.end,
    )


def _counted_links(period: Period) -> Select[uuid.UUID, uuid.UUID]:
    """(contact, engagement) of every named person counted as reached in the period."""
    return (
        select(EngagementParticipant.contact_id, EngagementParticipant.engagement_id)
        .join(Engagement, Engagement.id == EngagementParticipant.engagement_id)
        .join(Contact, Contact.id == EngagementParticipant.contact_id)
        .where(
            EngagementParticipant.deleted_at.is_(None),
            EngagementParticipant.role.in_(COUNTED_ROLES),
            Contact.deleted_at.is_(None),
            # Not "kind = 'person'": without statistics SQLite would start from the index on
            # kind and read every person; this way it starts from the period's engagements.
            Contact.kind != ContactKind.ORGANISATION.value,
            *_live_in(period),
        )
    )


def _people(period: Period) -> Any:
    """The named people reached in the period, each once: a subquery of ``contact_id``."""
    links = _counted_links(period).subquery()
    return select(links.c.contact_id.label("contact_id")).distinct().subquery("people")


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…"


def _day(day: date) -> str:
    """ "3 May 2025", in English whatever the machine's locale (the content is frozen)."""
    return f"{day.day} {MONTHS[day.month - 1][:3]} {day.year}"


def _small(n: int, threshold: int) -> str:
    return f"{PRIMARY_MARK}{threshold}" if 1 <= n < threshold else str(n)


def _suppress(cells: Sequence[Sequence[int]], threshold: int, *, total_known: bool) -> Suppressed:
    """:func:`~vcsedesk.domain.suppression.suppress`, knowing the grand total may be public.

    A table of the named people adds up to the number of named people, which the return
    prints as a figure of its own: hiding the table's grand total would protect nothing and
    would let whoever adds the two together work hidden counts back out.  So when the plain
    suppression hides that total (and it is not itself a small number), the table is
    suppressed again with the total — and the entries equal to it by a line of two entries
    (the column total of a one-column table, the row total of a one-row table) — kept shown.
    """
    plain = suppress(cells, threshold)
    last_r, last_c = plain.rows, plain.cols
    total = plain.counts[last_r][last_c]
    if not total_known or total < threshold or not plain.hidden(last_r, last_c):
        return plain
    keep = {(last_r, last_c)}
    if last_c == 1:
        keep.add((last_r, 0))
    if last_r == 1:
        keep.add((0, last_c))
    return suppress(cells, threshold, keep=keep)


EXPOSED_NOTE = (
    "In this table every hidden count is shown as “*”, because showing some as small numbers "
    "would have let them be worked out."
)


def _count_table(
    *,
    title: str,
    row_heading: str,
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Sequence[Sequence[int]],
    refs: Sequence[Sequence[str]],
    threshold: int,
    note: str = "",
    total_known: bool = True,
    total: int | None = None,
) -> CountTable:
    """A published table: ``cells`` (no margins) suppressed; ``refs`` has the margins.
    ``total_known``: the grand total is printed elsewhere too (see :func:`_suppress`).
    ``total``: for a one-column table, the total to print instead of the column's sum (the
    people in any seldom-heard group); it is suppressed as if the sum were printed, which it
    equals when nobody is counted in two rows."""
    if total is not None and len(columns) != 1:
        raise ValueError("Only a one-column table can print a total other than its sum.")
    exposed = False
    if not rows:
        shown: tuple[tuple[str, ...], ...] = (tuple("0" for _ in range(len(columns) + 1)),)
    else:
        done = _suppress([list(r) for r in cells], threshold, total_known=total_known)
        shown = done.table()
        exposed = bool(done.exposed)
    if total is not None:
        printed = _small(total, threshold)
        shown = (*shown[:-1], (printed, printed))
    if exposed:
        # Some "<t" would give themselves away through the ranges alone (e.g. two "<3"
        # adding up to a "<3"): say no more than "*" for any hidden count in this table,
        # its total included.
        shown = tuple(tuple(SECONDARY_MARK if c.startswith(PRIMARY_MARK) else c for c in r) for r in shown)
        note = (note + " " if note else "") + EXPOSED_NOTE
    return CountTable(
        title=title,
        row_heading=row_heading,
        rows=tuple(rows),
        columns=tuple(columns),
        shown=shown,
        refs=tuple(tuple(r) for r in refs),
        note=note,
    )


def _ordered_by_count(items: Iterable[tuple[str, int, str]]) -> tuple[Figure, ...]:
    """Figures with a count, most first, then by label."""
    kept = [i for i in items if i[1] > 0]
    kept.sort(key=lambda i: (-i[1], i[0].casefold(), i[0]))
    return tuple(Figure(label, n, ref) for label, n, ref in kept)


# -- the build ----------------------------------------------------------------------------------
@dataclass
class _Context:
    session: Session
    period: Period
    threshold: int
    template: rt.Template
    today: date
    contributors: dict[uuid.UUID, int]  # the named people reached -> engagements
    partnership_id: uuid.UUID | None = None
    _ranking: list[uuid.UUID] | None = None
    _paths: dict[uuid.UUID, str] | None = None
    _canonical: dict[uuid.UUID, uuid.UUID] | None = None
    _theme_counts: dict[uuid.UUID, int] | None = None

    @property
    def paths(self) -> dict[uuid.UUID, str]:
        if self._paths is None:
            self._paths = engagements.theme_paths(self.session)
        return self._paths

    def per_person(self, query: Callable[[Sequence[uuid.UUID]], Executable]) -> Iterator[Any]:
        """The rows of ``query`` for each slice of the named people reached: aggregates over
        slices that never share a person, so their sums are the whole period's."""
        for chunk in chunked(sorted(self.contributors)):
            yield from self.session.execute(query(chunk))

    @property
    def theme_counts(self) -> dict[uuid.UUID, int]:
        """Engagements in the period per theme, as the dashboard counts them."""
        if self._theme_counts is None:
            self._theme_counts = themes.engagement_counts(self.session, self.period.start, self.period.end)
        return self._theme_counts

    @property
    def canonical(self) -> dict[uuid.UUID, uuid.UUID]:
        if self._canonical is None:
            self._canonical = themes.canonical_ids(self.session)
        return self._canonical


def build(
    db: Database,
    actor: Actor,
    *,
    partnership_id: uuid.UUID,
    period: Period,
    template: rt.Template,
    narrative: Mapping[str, str] | None = None,
    quote_ids: Sequence[uuid.UUID] | None = None,
    edition: int = 1,
    return_id: uuid.UUID | None = None,
    today: date | None = None,
) -> Built:
    """The content of the return to ``partnership_id`` for ``period`` in ``template``'s shape.

    ``narrative`` holds the coordinator's answers by question key; ``quote_ids`` the quotes
    they chose, in order (None: chosen automatically); ``return_id`` the return whose
    partnership responses are printed ("you said, we did").  Consent is judged on ``today``.
    Reads only.
    """
    require(actor, Permission.MANAGE_RETURNS)
    day = today or _today()
    answers = dict(narrative or {})
    with db.read() as session:
        partnership = session.get(Partnership, partnership_id)
        if partnership is None or partnership.deleted_at is not None:
            raise NotFoundError("That partnership no longer exists.")
        organisation = session.scalar(
            select(Organisation).where(Organisation.deleted_at.is_(None)).order_by(Organisation.created_at)
        )
        links = _counted_links(period).subquery("links")
        contributors = {
            contact_id: int(n)
            for contact_id, n in session.execute(
                select(links.c.contact_id, func.count(distinct(links.c.engagement_id))).group_by(
                    links.c.contact_id
                )
            )
        }
        ctx = _Context(
            session=session,
            period=period,
            threshold=partnership.suppression_threshold,
            template=template,
            today=day,
            contributors=contributors,
            partnership_id=partnership_id,
        )
        left_out: list[LeftOut] = []
        anonymous: list[LeftOut] = []
        sections: list[Section] = []
        for spec in template.sections:
            if spec.kind == "reach":
                sections.append(_reach(ctx, spec))
            elif spec.kind == "demographics":
                sections.append(_demographics(ctx, spec))
            elif spec.kind == "themes":
                sections.append(_themes(ctx, spec))
            elif spec.kind == "quotes":
                sections.append(_quotes(ctx, spec, quote_ids, left_out, anonymous))
            elif spec.kind == "reimbursements":
                sections.append(_reimbursements(ctx, spec))
            elif spec.kind == "actions":
                sections.append(_actions(ctx, spec, return_id))
            elif spec.kind == "narrative":
                sections.append(
                    NarrativeSection(
                        heading=spec.heading,
                        intro=spec.intro,
                        answers=tuple(Answer(q.key, q.text, answers.get(q.key, "")) for q in spec.questions),
                    )
                )
            else:  # pragma: no cover - the template parser allows no other kind
                raise UserError(f"A return has no section of kind “{spec.kind}”.")
        content = ReturnContent(
            organisation=organisation.name if organisation else "",
            logo=base64.b64encode(organisation.logo).decode("ascii")
            if organisation is not None and organisation.logo
            else "",
            partnership=partnership.name,
            hub=partnership.hub or "",
            period_label=period.label,
            period_words=period.words,
            period_start=period.start.isoformat(),
            period_end=period.end.isoformat(),
            template_key=template.key,
            template_name=template.name,
            title=template.title,
            intro=template.intro,
            threshold=partnership.suppression_threshold,
            edition=edition,
            frozen_at="",
            sections=tuple(sections),
        )
    return Built(
        content=content,
        left_out=tuple(left_out),
        shown_anonymously=tuple(anonymous),
        contributors=contributors,
    )


# -- reach --------------------------------------------------------------------------------------
def _place(ward_id: uuid.UUID | None, online: bool) -> uuid.UUID | str:
    return ward_id if ward_id is not None else (ONLINE if online else NO_WARD)


def _place_name(key: uuid.UUID | str, wards: Mapping[uuid.UUID, str]) -> str:
    if key == ONLINE:
        return "Online"
    if key == NO_WARD:
        return "No ward recorded"
    assert isinstance(key, uuid.UUID)
    return wards.get(key, "Unknown ward")


def _ward_names(session: Session) -> dict[uuid.UUID, str]:
    return {i: n for i, n in session.execute(select(Ward.id, Ward.name))}


def _reach(ctx: _Context, spec: rt.Section) -> ReachSection:
    s, live = ctx.session, _live_in(ctx.period)
    type_names = {i: n for i, n in s.execute(select(EngagementType.id, EngagementType.name))}
    wards = _ward_names(s)
    by_type = _ordered_by_count(
        (type_names.get(type_id, "Unknown type"), int(n), f"engagements:type={type_id}")
        for type_id, n in s.execute(
            select(Engagement.type_id, func.count()).where(*live).group_by(Engagement.type_id)
        )
    )
    places: dict[uuid.UUID | str, int] = defaultdict(int)
    total = headcount = online = 0
    for ward_id, is_online, n, anonymous in s.execute(
        select(
            Engagement.ward_id,
            Engagement.online,
            func.count(),
            func.coalesce(func.sum(Engagement.anonymous_count), 0),
        )
        .where(*live)
        .group_by(Engagement.ward_id, Engagement.online)
    ):
        places[_place(ward_id, bool(is_online))] += int(n)
        total += int(n)
        headcount += int(anonymous)
        online += int(n) if is_online else 0
    by_ward = _ordered_by_count(
        (_place_name(k, wards), n, f"engagements:ward={k}") for k, n in places.items()
    )
    groups = _ordered_by_count(
        (str(label), int(n), "engagements:group=" + percent_encode(str(key), safe=""))
        for key, label, n in s.execute(
            select(
                func.lower(HeadcountGroup.label),
                func.min(HeadcountGroup.label),
                func.sum(HeadcountGroup.count),
            )
            .join(Engagement, Engagement.id == HeadcountGroup.engagement_id)
            .where(HeadcountGroup.deleted_at.is_(None), *live)
            .group_by(func.lower(HeadcountGroup.label))
        )
    )
    named = len(ctx.contributors)
    seldom_asked = any(section.seldom_heard for section in ctx.template.sections)
    return ReachSection(
        heading=spec.heading,
        intro="\n\n".join(p for p in (spec.intro, REACH_NOTE) if p),
        engagements=Figure("Engagements", total, "engagements:"),
        by_type=by_type,
        named_people=Figure("Named people", named, "people:"),
        headcount=Figure("Counted anonymously", headcount, "engagements:headcount"),
        people_reached=Figure("People reached", named + headcount, "engagements:"),
        online=Figure("Online engagements", online, "engagements:online"),
        by_ward=by_ward,
        headcount_groups=groups,
        people_by_ward=_people_by_ward(ctx, wards),
        seldom_heard=_seldom_heard(ctx) if seldom_asked else None,
    )


def _people_by_ward(ctx: _Context, wards: Mapping[uuid.UUID, str]) -> CountTable:
    counts: dict[uuid.UUID | None, int] = defaultdict(int)
    for ward_id, n in ctx.per_person(
        lambda ids: select(Contact.ward_id, func.count()).where(Contact.id.in_(ids)).group_by(Contact.ward_id)
    ):
        counts[ward_id] += int(n)
    placed = sorted((k for k in counts if k is not None), key=lambda k: (wards.get(k, "").casefold(), str(k)))
    keys: list[uuid.UUID | None] = [*placed, *([None] if None in counts else [])]
    rows = [wards.get(k, "Unknown ward") if k is not None else NOT_RECORDED for k in keys]
    row_refs = [f"people:ward={k if k is not None else NO_WARD}" for k in keys]
    return _count_table(
        title="Named people by the ward they live in",
        row_heading="Ward",
        rows=rows,
        columns=("People",),
        cells=[[counts[k]] for k in keys],
        refs=[*([r, r] for r in row_refs), ["people:", "people:"]],
        threshold=ctx.threshold,
    )


def _seldom_heard(ctx: _Context) -> CountTable:
    s = ctx.session
    live = SeldomHeardMembership.deleted_at.is_(None)
    member = SeldomHeardMembership.contact_id
    counts: dict[uuid.UUID, int] = defaultdict(int)
    for group_id, n in ctx.per_person(
        lambda ids: (
            select(SeldomHeardMembership.group_id, func.count(distinct(member)))
            .where(live, member.in_(ids))
            .group_by(SeldomHeardMembership.group_id)
        )
    ):
        counts[group_id] += int(n)
    anyone = sum(
        int(n)
        for (n,) in ctx.per_person(
            lambda ids: select(func.count(distinct(member))).where(live, member.in_(ids))
        )
    )
    groups = [
        (gid, name)
        for gid, name, deleted_at in s.execute(
            select(SeldomHeardGroup.id, SeldomHeardGroup.name, SeldomHeardGroup.deleted_at)
        )
        if deleted_at is None or counts.get(gid, 0) > 0
    ]
    groups.sort(key=lambda g: (g[1].casefold(), str(g[0])))
    any_ref = "people:seldom=any"
    return _count_table(
        title="Named people reached in seldom-heard groups",
        row_heading="Group",
        rows=[name for _, name in groups],
        columns=("People",),
        cells=[[counts.get(gid, 0)] for gid, _ in groups],
        refs=[*([f"people:seldom={gid}"] * 2 for gid, _ in groups), [any_ref, any_ref]],
        threshold=ctx.threshold,
        note=SELDOM_NOTE,
        # The sum of the rows would count a person in two groups twice: print the people in any.
        total=anyone,
    )


# -- demographics -------------------------------------------------------------------------------
def _eq_ref(parts: Sequence[tuple[str, str]]) -> str:
    if not parts:
        return "people:"
    return "people:eq:" + ";".join(f"{f}={NONE_MARK if v == NOT_RECORDED else v}" for f, v in parts)


def _title(field: str) -> str:
    return SHORT_TITLES.get(field, QUESTION_BY_FIELD[field].label)


def _answer(question: Question, value: str | None) -> str:
    return value if value is not None and value in question.answers else NOT_RECORDED


def _demographic_table(ctx: _Context, table: rt.DemographicTable) -> CountTable:
    row_q = QUESTION_BY_FIELD[table.rows]
    col_q = QUESTION_BY_FIELD[table.columns] if table.columns else None
    grouped: list[Any] = [getattr(EqualityProfile, table.rows)]
    if col_q is not None:
        grouped.append(getattr(EqualityProfile, col_q.field))
    row_labels = [*row_q.answers, NOT_RECORDED]
    col_labels = [*col_q.answers, NOT_RECORDED] if col_q is not None else ["People"]
    grid = [[0] * len(col_labels) for _ in row_labels]
    answered = and_(EqualityProfile.contact_id == Contact.id, EqualityProfile.deleted_at.is_(None))
    for *values, n in ctx.per_person(
        lambda ids: (
            select(*grouped, func.count())
            .select_from(Contact)
            .outerjoin(EqualityProfile, answered)
            .where(Contact.id.in_(ids))
            .group_by(*grouped)
        )
    ):
        r = row_labels.index(_answer(row_q, values[0]))
        c = col_labels.index(_answer(col_q, values[1])) if col_q is not None else 0
        grid[r][c] += int(n)
    kept = [i for i, row in enumerate(grid) if any(row)]
    rows = [row_labels[i] for i in kept]
    cells = [grid[i] for i in kept]
    refs: list[list[str]] = []
    for label in [*rows, None]:
        line = []
        mine = [(row_q.field, label)] if label is not None else []
        for col in [*(col_labels if col_q is not None else []), None]:
            theirs = [(col_q.field, col)] if col_q is not None and col is not None else []
            line.append(_eq_ref([*mine, *theirs]))
        if col_q is None:
            line = [_eq_ref(mine)] * 2
        refs.append(line)
    title = _title(row_q.field) + (f" by {_title(col_q.field).lower()}" if col_q is not None else "")
    note = f"Asked: “{row_q.label}”" + (f" and “{col_q.label}”" if col_q is not None else "") + "."
    return _count_table(
        title=title,
        row_heading=_title(row_q.field),
        rows=rows,
        columns=[*col_labels] if col_q is not None else ["People"],
        cells=cells,
        refs=refs,
        threshold=ctx.threshold,
        note=note,
    )


def _demographics(ctx: _Context, spec: rt.Section) -> DemographicsSection:
    return DemographicsSection(
        heading=spec.heading,
        intro=spec.intro,
        people=len(ctx.contributors),
        tables=tuple(_demographic_table(ctx, t) for t in spec.tables),
    )


# -- themes -------------------------------------------------------------------------------------
def _ranked(ctx: _Context, counts: Mapping[uuid.UUID, int], limit: int | None) -> list[uuid.UUID]:
    """Themes by count, most first, ties by path; the first ``limit`` (None: all)."""
    paths = ctx.paths
    ranked = sorted(counts, key=lambda t: (-counts[t], paths.get(t, "").casefold(), str(t)))
    return ranked if limit is None else ranked[:limit]


def _themes(ctx: _Context, spec: rt.Section) -> ThemesSection:
    period = ctx.period
    now = ctx.theme_counts
    top = _ranked(ctx, now, spec.limit)
    before: Mapping[uuid.UUID, int] = {}
    previous_label = ""
    if spec.compare_previous:
        earlier = period.previous()
        before = themes.engagement_counts(ctx.session, earlier.start, earlier.end)
        previous_label = earlier.label
    return ThemesSection(
        heading=spec.heading,
        intro=spec.intro,
        previous_label=previous_label,
        themes=tuple(
            ThemeRank(
                theme=ctx.paths.get(t, "Unknown theme"),
                count=now[t],
                previous=before.get(t, 0) if spec.compare_previous else None,
                ref=f"themes:{t}",
            )
            for t in top
        ),
    )


def _theme_ranking(ctx: _Context) -> list[uuid.UUID]:
    """The ranked themes the automatic choice of quotes spreads over (as the themes section)."""
    if ctx._ranking is None:
        spec = ctx.template.section("themes")
        ctx._ranking = _ranked(ctx, ctx.theme_counts, spec.limit if spec is not None else None)
    return ctx._ranking


# -- quotes -------------------------------------------------------------------------------------
_QUOTE_COLUMNS: tuple[Any, ...] = (
    Quote.id,
    Quote.version,
    Quote.engagement_id,
    Quote.text,
    Quote.sharing,
    Quote.speaker_id,
    Contact.name,
    Engagement.on_date,
    Engagement.title,
    EngagementType.name,
)
_NEWEST_FIRST = (Engagement.on_date.desc(), Engagement.id.desc(), Quote.created_at.asc(), Quote.id.asc())


@dataclass(frozen=True)
class _Quote:
    row: QuoteRow
    type_name: str

    @property
    def context(self) -> str:
        day = self.row.on_date
        return f"{self.type_name}, {MONTHS[day.month - 1]} {day.year}"


def _quote_select(*where: ColumnElement[bool]) -> Select[Any]:
    return (
        select(*_QUOTE_COLUMNS)
        .join(Engagement, Engagement.id == Quote.engagement_id)
        .join(EngagementType, EngagementType.id == Engagement.type_id)
        .outerjoin(Contact, Contact.id == Quote.speaker_id)
        .where(*where)
    )


def _as_quote(r: Any, deleted: bool = False) -> _Quote:
    qid, version, eid, text, sharing, speaker_id, name, on_date, title, type_name = r[:10]
    level = Sharing(sharing)
    row = QuoteRow(
        id=qid,
        version=version,
        engagement_id=eid,
        on_date=on_date,
        engagement_title=title,
        text=text,
        sharing=level,
        speaker_id=speaker_id,
        speaker=speaker_text(name, level),
        themes="",
        archived=deleted,
    )
    return _Quote(row, type_name)


def _may_be_shared() -> ColumnElement[bool]:
    """What SQL can say of consent: not internal, and either no speaker recorded or some
    sharing consent given at some time (the consent service decides the rest)."""
    given = exists().where(
        ConsentRecord.contact_id == Quote.speaker_id,
        ConsentRecord.deleted_at.is_(None),
        ConsentRecord.status == "given",
        ConsentRecord.purpose.in_((Purpose.SHARE_ANONYMOUSLY.value, Purpose.SHARE_WITH_NAME.value)),
    )
    return and_(Quote.sharing != Sharing.INTERNAL.value, or_(Quote.speaker_id.is_(None), given))


def _stream(session: Session, query: Select[Any]) -> Iterator[list[_Quote]]:
    """``query``'s quotes a batch at a time, streamed."""
    result = session.execute(query.execution_options(yield_per=BATCH))
    try:
        for part in result.partitions(BATCH):
            yield [_as_quote(r) for r in part]
    finally:
        result.close()


def _quote_themes(
    session: Session, ids: Sequence[uuid.UUID], canonical: Mapping[uuid.UUID, uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Each quote's own themes, as counted today (merges resolved), each once."""
    out: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for chunk in chunked(list(ids)):
        for qid, theme_id in session.execute(
            select(QuoteTheme.quote_id, QuoteTheme.theme_id).where(
                QuoteTheme.quote_id.in_(chunk), QuoteTheme.deleted_at.is_(None)
            )
        ):
            counted = canonical.get(theme_id, theme_id)
            if counted not in out[qid]:
                out[qid].append(counted)
    return out


def _theme_paths(ctx_paths: Mapping[uuid.UUID, str], ids: Iterable[uuid.UUID]) -> tuple[str, ...]:
    shown = {ctx_paths.get(t, "") for t in ids} - {""}
    return tuple(sorted(shown, key=lambda p: (p.casefold(), p)))


def _item(
    q: _Quote, speaker: str, theme_ids: Iterable[uuid.UUID], paths: Mapping[uuid.UUID, str]
) -> QuoteItem:
    return QuoteItem(
        text=q.row.text,
        attribution=speaker,
        context=q.context,
        themes=_theme_paths(paths, theme_ids),
        quote_id=str(q.row.id),
    )


def _anonymised(q: _Quote, reason: str) -> LeftOut:
    return LeftOut(
        q.row.id,
        _excerpt(q.row.text),
        f"Shown as “{ANONYMOUS}”, not as {q.row.speaker}: {reason}",
    )


def _quotes(
    ctx: _Context,
    spec: rt.Section,
    quote_ids: Sequence[uuid.UUID] | None,
    left_out: list[LeftOut],
    anonymous: list[LeftOut],
) -> QuotesSection:
    if quote_ids is None:
        items = _choose_quotes(ctx, spec, anonymous)
    else:
        items = _chosen_quotes(ctx, quote_ids, left_out, anonymous)
    return QuotesSection(heading=spec.heading, intro=spec.intro, quotes=tuple(items))


def _choose_quotes(ctx: _Context, spec: rt.Section, anonymous: list[LeftOut]) -> list[QuoteItem]:
    """Shareable quotes, newest engagement first, at most ``per_theme`` for each ranked theme."""
    limit, per_theme = spec.limit, spec.per_theme
    ranking = _theme_ranking(ctx)
    if limit == 0 or not ranking:
        return []
    s = ctx.session
    ranked = set(ranking)
    tagged_with = [t for t, end in ctx.canonical.items() if end in ranked]
    has_theme = exists().where(
        QuoteTheme.quote_id == Quote.id, QuoteTheme.deleted_at.is_(None), QuoteTheme.theme_id.in_(tagged_with)
    )
    query = _quote_select(
        Quote.deleted_at.is_(None), *_live_in(ctx.period), _may_be_shared(), has_theme
    ).order_by(*_NEWEST_FIRST)
    room: dict[uuid.UUID, float] = dict.fromkeys(ranking, per_theme if per_theme is not None else math.inf)
    chosen: list[QuoteItem] = []
    said: set[str] = set()  # the same words twice (said again, or recorded twice) print once
    for batch in _stream(s, query):
        quote_themes = _quote_themes(s, [q.row.id for q in batch], ctx.canonical)
        decisions = sharing_decisions(s, [q.row for q in batch], ctx.today)
        for q in batch:
            how = decisions[q.row.id]
            if not how.may_share:
                continue
            mine = quote_themes.get(q.row.id, [])
            slot = next((t for t in ranking if t in mine and room[t] > 0), None)
            words = " ".join(q.row.text.casefold().split())
            if slot is None or words in said:
                continue
            said.add(words)
            room[slot] -= 1
            chosen.append(_item(q, how.speaker, mine, ctx.paths))
            if q.row.sharing is Sharing.NAMED and how.speaker == ANONYMOUS:
                anonymous.append(_anonymised(q, how.reason))
            if (limit is not None and len(chosen) >= limit) or not any(room.values()):
                return chosen
    return chosen


def _chosen_quotes(
    ctx: _Context, quote_ids: Sequence[uuid.UUID], left_out: list[LeftOut], anonymous: list[LeftOut]
) -> list[QuoteItem]:
    """The coordinator's quotes in their order, less any that may not be shared now."""
    s, period = ctx.session, ctx.period
    wanted = list(dict.fromkeys(quote_ids))
    found: dict[uuid.UUID, tuple[_Quote, bool, bool]] = {}
    for chunk in chunked(wanted):
        for r in s.execute(
            _quote_select(Quote.id.in_(chunk)).add_columns(Quote.deleted_at, Engagement.deleted_at)
        ):
            found[r[0]] = (_as_quote(r), r[10] is not None, r[11] is not None)
    usable = [q for q, gone, engagement_gone in found.values() if not gone and not engagement_gone]
    decisions = sharing_decisions(s, [q.row for q in usable], ctx.today)
    quote_themes = _quote_themes(s, [q.row.id for q in usable], ctx.canonical)
    out: list[QuoteItem] = []
    for qid in wanted:
        if qid not in found:
            left_out.append(LeftOut(qid, "", "This quote has been deleted: it is no longer in the records."))
            continue
        q, gone, engagement_gone = found[qid]
        row, excerpt = q.row, _excerpt(q.row.text)
        if gone:
            left_out.append(
                LeftOut(qid, excerpt, "This quote has been deleted from its engagement since it was chosen.")
            )
            continue
        if engagement_gone:
            left_out.append(
                LeftOut(
                    qid,
                    excerpt,
                    f"Its engagement “{row.engagement_title}” ({_day(row.on_date)}) has been deleted "
                    "since the quote was chosen.",
                )
            )
            continue
        if row.on_date not in period:
            left_out.append(
                LeftOut(
                    qid,
                    excerpt,
                    f"It is not from this period: it was said at “{row.engagement_title}” on "
                    f"{_day(row.on_date)}, outside {period.words}.",
                )
            )
            continue
        how = decisions[qid]
        if row.sharing is Sharing.INTERNAL:
            left_out.append(
                LeftOut(
                    qid, excerpt, "It is marked internal only: not to be shared outside the organisation."
                )
            )
            continue
        if not how.may_share:
            left_out.append(LeftOut(qid, excerpt, _refusal(s, q, ctx.today)))
            continue
        out.append(_item(q, how.speaker, quote_themes.get(qid, []), ctx.paths))
        if row.sharing is Sharing.NAMED and how.speaker == ANONYMOUS:
            anonymous.append(_anonymised(q, how.reason))
    return out


def _refusal(session: Session, q: _Quote, today: date) -> str:
    """Why ``q``'s speaker's consent no longer lets it be shared, naming the speaker."""
    row = q.row
    assert row.speaker_id is not None  # a quote with no speaker may always be shared anonymously
    reasons = []
    if row.sharing is Sharing.NAMED:
        reasons.append(
            consent.decisions(session, [row.speaker_id], Purpose.SHARE_WITH_NAME, today)[
                row.speaker_id
            ].reason
        )
    anonymous = consent.decisions(session, [row.speaker_id], Purpose.SHARE_ANONYMOUSLY, today)[
        row.speaker_id
    ].reason
    if anonymous not in reasons:
        reasons.append(anonymous)
    return f"{row.speaker}'s consent no longer allows this quote to be shared: {' '.join(reasons)}"


def quote_candidates(
    db: Database, actor: Actor, period: Period, *, today: date | None = None
) -> list[QuoteCandidate]:
    """Every quote from the period's engagements that may be shared on ``today``, newest first:
    what the coordinator picks from, with the speaker as the return would print them."""
    require(actor, Permission.MANAGE_RETURNS)
    day = today or _today()
    out: list[QuoteCandidate] = []
    with db.read() as s:
        paths = engagements.theme_paths(s)
        canonical = themes.canonical_ids(s)
        query = _quote_select(Quote.deleted_at.is_(None), *_live_in(period), _may_be_shared()).order_by(
            *_NEWEST_FIRST
        )
        for batch in _stream(s, query):
            decisions = sharing_decisions(s, [q.row for q in batch], day)
            quote_themes = _quote_themes(s, [q.row.id for q in batch], canonical)
            for q in batch:
                how = decisions[q.row.id]
                if not how.may_share:
                    continue
                out.append(
                    QuoteCandidate(
                        id=q.row.id,
                        text=q.row.text,
                        speaker=how.speaker,
                        engagement_title=q.row.engagement_title,
                        on_date=q.row.on_date,
                        context=q.context,
                        themes=_theme_paths(paths, quote_themes.get(q.row.id, [])),
                        sharing=q.row.sharing,
                        reason=how.reason,
                    )
                )
    return out


# -- reimbursements -----------------------------------------------------------------------------
#: Taking less reduces the involvement payment first, then the expenses from the last back.
_REDUCED_FIRST = (Category.INVOLVEMENT, *reversed([c for c in Category if c is not Category.INVOLVEMENT]))


def _paid_in(period: Period) -> tuple[ColumnElement[bool], ...]:
    return (
        Claim.deleted_at.is_(None),
        Claim.status == "paid",
        Claim.paid_on >= period.start,
        Claim.paid_on <= period.end,
    )


def _received(choice: str, total: int, take: int | None) -> int:
    try:
        how = PaymentChoice(choice)
    except ValueError:
        how = PaymentChoice.BANK_TRANSFER
    return payable_pence(how, total, take)


def _paid_claims(
    session: Session, period: Period
) -> tuple[list[tuple[uuid.UUID, uuid.UUID, int]], list[uuid.UUID]]:
    """(claim, claimant, pence received) of the claims that paid their claimant, and the ids of
    those declined or donated (nothing received)."""
    paid: list[tuple[uuid.UUID, uuid.UUID, int]] = []
    declined: list[uuid.UUID] = []
    for claim_id, claimant_id, choice, total, take in session.execute(
        select(Claim.id, Claim.claimant_id, Claim.choice, Claim.total_pence, Claim.take_pence)
        .where(*_paid_in(period))
        .order_by(Claim.number)
    ):
        received = _received(choice, int(total), take)
        if received > 0:
            paid.append((claim_id, claimant_id, received))
        else:
            declined.append(claim_id)
    return paid, declined


def _split(lines: Mapping[Category, int], received: int) -> dict[Category, int]:
    """What of ``received`` falls to each category."""
    out = dict(lines)
    short = sum(out.values()) - received
    for category in _REDUCED_FIRST:
        if short <= 0:
            break
        cut = min(out.get(category, 0), short)
        if cut:
            out[category] -= cut
            short -= cut
    if short < 0:  # lines add up to less than was paid (never, unless edited by hand)
        out[Category.OTHER] = out.get(Category.OTHER, 0) - short
    return out


def _category(value: str) -> Category:
    try:
        return Category(value)
    except ValueError:
        return Category.OTHER


def _reimbursements(ctx: _Context, spec: rt.Section) -> ReimbursementsSection:
    s = ctx.session
    paid, declined = _paid_claims(s, ctx.period)
    received = {claim_id: pence for claim_id, _, pence in paid}
    lines: dict[uuid.UUID, dict[Category, int]] = defaultdict(dict)
    for claim_id, category, amount in s.execute(
        select(ClaimItem.claim_id, ClaimItem.category, func.sum(ClaimItem.amount_pence))
        .join(Claim, Claim.id == ClaimItem.claim_id)
        .where(ClaimItem.deleted_at.is_(None), *_paid_in(ctx.period))
        .group_by(ClaimItem.claim_id, ClaimItem.category)
    ):
        if claim_id in received:
            c = _category(category)
            lines[claim_id][c] = lines[claim_id].get(c, 0) + int(amount or 0)
    by_category: dict[Category, int] = defaultdict(int)
    for claim_id, pence in received.items():
        for c, amount in _split(lines.get(claim_id, {}), pence).items():
            by_category[c] += amount
    total = sum(received.values())
    return ReimbursementsSection(
        heading=spec.heading,
        intro=spec.intro,
        people_paid=Figure("People paid", len({claimant for _, claimant, _ in paid}), "claims:paid"),
        claims_paid=Figure("Claims paid", len(paid), "claims:paid"),
        total=Money("Paid to people", total, "claims:paid"),
        by_category=tuple(
            Money(CATEGORY_LABELS[c], by_category[c], f"claims:category={c.value}")
            for c in Category
            if by_category.get(c, 0) > 0
        ),
        declined=Figure("Claims declined or donated", len(declined), "claims:declined"),
    )


# -- actions ------------------------------------------------------------------------------------
def _actions_in(period: Period) -> Select[Any]:
    """Live actions from engagements or meetings held in the period (hidden with their source)."""
    in_engagement = and_(
        Action.engagement_id.is_not(None),
        Engagement.on_date >= period.start,
        Engagement.on_date <= period.end,
    )
    in_meeting = and_(
        Action.meeting_id.is_not(None), Meeting.on_date >= period.start, Meeting.on_date <= period.end
    )
    return (
        select()
        .select_from(Action)
        .outerjoin(Engagement, Engagement.id == Action.engagement_id)
        .outerjoin(Meeting, Meeting.id == Action.meeting_id)
        .where(
            Action.deleted_at.is_(None),
            or_(Action.engagement_id.is_(None), Engagement.deleted_at.is_(None)),
            or_(Action.meeting_id.is_(None), Meeting.deleted_at.is_(None)),
            or_(in_engagement, in_meeting),
        )
    )


_ACTION_ORDER = (Action.due_on.is_(None), Action.due_on, func.lower(Action.title), Action.id)


def _status(value: str) -> ActionStatus:
    try:
        return ActionStatus(value)
    except ValueError:
        return ActionStatus.OPEN


def _actions(ctx: _Context, spec: rt.Section, return_id: uuid.UUID | None) -> ActionsSection:
    s = ctx.session
    counts: dict[ActionStatus, int] = defaultdict(int)
    items = []
    for aid, title, status, due, outcome, etitle, edate, mtitle, mdate in s.execute(
        _actions_in(ctx.period)
        .add_columns(
            Action.id,
            Action.title,
            Action.status,
            Action.due_on,
            Action.outcome,
            Engagement.title,
            Engagement.on_date,
            Meeting.title,
            Meeting.on_date,
        )
        .order_by(*_ACTION_ORDER)
    ):
        state = _status(status)
        counts[state] += 1
        if etitle is not None:
            source = f"Engagement “{etitle}” ({_day(edate)})"
        elif mtitle is not None:
            source = f"Meeting “{mtitle}” ({_day(mdate)})"
        else:
            source = ""
        items.append(
            ActionItem(
                title=title,
                status=state.label,
                due=due.isoformat() if due else "",
                outcome=outcome or "",
                source=source,
                ref=f"actions:id={aid}",
            )
        )
    responses: tuple[ResponseItem, ...] = ()
    if spec.include_responses:
        # "You said, we did": responses to this return, and those the partnership gave in
        # this period to what its earlier returns raised.
        mine = ReturnResponse.return_id == return_id if return_id is not None else false()
        earlier = ReturnResponse.return_id.in_(
            select(PartnershipReturn.id).where(
                PartnershipReturn.partnership_id == ctx.partnership_id,
                PartnershipReturn.period_start < ctx.period.start,
            )
        )
        in_period = ReturnResponse.responded_on.between(ctx.period.start, ctx.period.end)
        paths = ctx.paths
        responses = tuple(
            ResponseItem(
                theme=paths.get(theme_id, "") if theme_id is not None else "",
                you_said=you_said,
                we_did=we_did or "",
                decision=decision or "",
                responded_on=on.isoformat() if on else "",
            )
            for theme_id, you_said, we_did, decision, on in s.execute(
                select(
                    ReturnResponse.theme_id,
                    ReturnResponse.you_said,
                    ReturnResponse.we_did,
                    ReturnResponse.decision,
                    ReturnResponse.responded_on,
                )
                .where(or_(mine, and_(earlier, in_period)), ReturnResponse.deleted_at.is_(None))
                .order_by(
                    ReturnResponse.responded_on.is_(None),
                    ReturnResponse.responded_on,
                    ReturnResponse.created_at,
                    ReturnResponse.id,
                )
            )
        )
    return ActionsSection(
        heading=spec.heading,
        intro=spec.intro,
        by_status=tuple(
            Figure(st.label, counts.get(st, 0), f"actions:status={st.value}") for st in ActionStatus
        ),
        actions=tuple(items),
        responses=responses,
    )


# -- the records behind a figure ----------------------------------------------------------------
def _bad_ref(ref: str) -> UserError:
    return UserError(f"“{ref}” does not name a figure of a return; rebuild the return and try again.")


def _uuid(text: str, ref: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise _bad_ref(ref) from None


def _engagement_ids(session: Session, *where: ColumnElement[bool]) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(Engagement.id).where(*where).order_by(Engagement.on_date, Engagement.title, Engagement.id)
        )
    )


def _engagements_behind(s: Session, period: Period, key: str, ref: str) -> tuple[list[uuid.UUID], str]:
    live = _live_in(period)
    if key == "":
        return _engagement_ids(s, *live), "Engagements"
    if key == "online":
        return _engagement_ids(s, *live, Engagement.online.is_(True)), "Online engagements"
    if key == "headcount":
        return _engagement_ids(
            s, *live, Engagement.anonymous_count > 0
        ), "Engagements with people counted anonymously"
    name, _, value = key.partition("=")
    if name == "type":
        type_id = _uuid(value, ref)
        type_name = (
            s.scalar(select(EngagementType.name).where(EngagementType.id == type_id)) or "Unknown type"
        )
        return _engagement_ids(s, *live, Engagement.type_id == type_id), f"{type_name} engagements"
    if name == "ward":
        if value == ONLINE:
            where = and_(Engagement.ward_id.is_(None), Engagement.online.is_(True))
            return _engagement_ids(s, *live, where), "Engagements held online"
        if value == NO_WARD:
            where = and_(Engagement.ward_id.is_(None), Engagement.online.is_(False))
            return _engagement_ids(s, *live, where), "Engagements with no ward recorded"
        ward_id = _uuid(value, ref)
        ward = _ward_names(s).get(ward_id, "an unknown ward")
        return _engagement_ids(s, *live, Engagement.ward_id == ward_id), f"Engagements in {ward}"
    if name == "group":
        label = unquote(value)
        grouped = select(HeadcountGroup.engagement_id).where(
            HeadcountGroup.deleted_at.is_(None), func.lower(HeadcountGroup.label) == label
        )
        return _engagement_ids(
            s, *live, Engagement.id.in_(grouped)
        ), f"Engagements with head-count group “{label}”"
    raise _bad_ref(ref)


def _contact_ids(
    s: Session, people: Any, *where: ColumnElement[bool], outer: bool = False
) -> list[uuid.UUID]:
    query = select(Contact.id).select_from(people).join(Contact, Contact.id == people.c.contact_id)
    if outer:
        query = query.outerjoin(
            EqualityProfile,
            and_(EqualityProfile.contact_id == Contact.id, EqualityProfile.deleted_at.is_(None)),
        )
    return list(s.scalars(query.where(*where).order_by(Contact.name, Contact.id)))


def _people_behind(s: Session, period: Period, key: str, ref: str) -> tuple[list[uuid.UUID], str]:
    people = _people(period)
    if key == "":
        return _contact_ids(s, people), "Named people reached"
    if key.startswith("eq:"):
        where, words = [], []
        for part in key[3:].split(";"):
            field, eq, value = part.partition("=")
            question = QUESTION_BY_FIELD.get(field)
            if question is None or not eq:
                raise _bad_ref(ref)
            column = getattr(EqualityProfile, field)
            if value == NONE_MARK:
                where.append(or_(column.is_(None), column.not_in(question.answers)))
                words.append(f"{_title(field)} not recorded")
            elif value in question.answers:
                where.append(column == value)
                words.append(f"{_title(field)}: {value}")
            else:
                raise _bad_ref(ref)
        return _contact_ids(s, people, *where, outer=True), "Named people reached, " + ", ".join(words)
    name, _, value = key.partition("=")
    if name == "ward":
        if value == NO_WARD:
            return _contact_ids(s, people, Contact.ward_id.is_(None)), "Named people with no ward recorded"
        ward_id = _uuid(value, ref)
        ward = _ward_names(s).get(ward_id, "an unknown ward")
        return _contact_ids(s, people, Contact.ward_id == ward_id), f"Named people living in {ward}"
    if name == "seldom":
        members = select(SeldomHeardMembership.contact_id).where(SeldomHeardMembership.deleted_at.is_(None))
        if value == "any":
            return _contact_ids(s, people, Contact.id.in_(members)), "Named people in any seldom-heard group"
        group_id = _uuid(value, ref)
        group = (
            s.scalar(select(SeldomHeardGroup.name).where(SeldomHeardGroup.id == group_id))
            or "an unknown group"
        )
        in_group = members.where(SeldomHeardMembership.group_id == group_id)
        return _contact_ids(s, people, Contact.id.in_(in_group)), f"Named people in “{group}”"
    raise _bad_ref(ref)


def _claims_behind(s: Session, period: Period, key: str, ref: str) -> tuple[list[uuid.UUID], str]:
    paid, declined = _paid_claims(s, period)
    if key == "paid":
        return [claim_id for claim_id, _, _ in paid], "Claims paid"
    if key == "declined":
        return declined, "Claims declined or donated"
    name, _, value = key.partition("=")
    if name == "category":
        try:
            category = Category(value)
        except ValueError:
            raise _bad_ref(ref) from None
        with_line = set(
            s.scalars(
                select(ClaimItem.claim_id)
                .join(Claim, Claim.id == ClaimItem.claim_id)
                .where(
                    ClaimItem.deleted_at.is_(None), ClaimItem.category == category.value, *_paid_in(period)
                )
            )
        )
        return [c for c, _, _ in paid if c in with_line], f"Claims paid with {category.label.lower()}"
    raise _bad_ref(ref)


def _actions_behind(s: Session, period: Period, key: str, ref: str) -> tuple[list[uuid.UUID], str]:
    query = _actions_in(period).add_columns(Action.id).order_by(*_ACTION_ORDER)
    if key == "":
        return list(s.scalars(query)), "Actions"
    name, _, value = key.partition("=")
    if name == "status":
        try:
            status = ActionStatus(value)
        except ValueError:
            raise _bad_ref(ref) from None
        return list(s.scalars(query.where(Action.status == status.value))), f"{status.label} actions"
    if name == "id":
        action_id = _uuid(value, ref)
        return list(s.scalars(query.where(Action.id == action_id))), "Action"
    raise _bad_ref(ref)


def records_behind(db: Database, actor: Actor, period: Period, ref: str) -> RecordsBehind:
    """The records behind a figure's ``ref`` (see the module's notes) for ``period``."""
    require(actor, Permission.MANAGE_RETURNS)
    area, colon, key = ref.partition(":")
    if not colon:
        raise _bad_ref(ref)
    with db.read() as s:
        if area == "engagements":
            kind = "engagements"
            ids, what = _engagements_behind(s, period, key, ref)
        elif area == "people":
            kind = "contacts"
            ids, what = _people_behind(s, period, key, ref)
        elif area == "themes":
            kind = "engagements"
            theme_id = _uuid(key, ref)
            counted = themes.counted_under(s, theme_id)
            tagged = select(EngagementTheme.engagement_id).where(
                EngagementTheme.deleted_at.is_(None), EngagementTheme.theme_id.in_(counted)
            )
            ids = _engagement_ids(s, *_live_in(period), Engagement.id.in_(tagged))
            what = f"Engagements about “{engagements.theme_paths(s).get(theme_id, 'an unknown theme')}”"
        elif area == "quotes":
            kind = "quotes"
            query = (
                select(Quote.id)
                .join(Engagement, Engagement.id == Quote.engagement_id)
                .where(Quote.deleted_at.is_(None), *_live_in(period))
                .order_by(*_NEWEST_FIRST)
            )
            if key:
                query = query.where(Quote.id == _uuid(key, ref))
            ids, what = list(s.scalars(query)), "Quotes" if not key else "Quote"
        elif area == "claims":
            kind = "claims"
            ids, what = _claims_behind(s, period, key, ref)
        elif area == "actions":
            kind = "actions"
            ids, what = _actions_behind(s, period, key, ref)
        else:
            raise _bad_ref(ref)
    return RecordsBehind(kind=kind, ids=ids, title=f"{what}, {period.label}")
