"""Engagements: the listening log — what people said, where, to whom, about what.

An engagement is saved whole: its own fields, facilitators, named participants with their
roles, the anonymous head-count and its groups, themes and quotes, in one journalled change.
Children are records in their own right, so an edit journals exactly which came and went
(:meth:`UnitOfWork.sync`) and undo puts them back.

A quote's sharing level is checked against its speaker's consent as it is saved: "share
with name" needs consent to be quoted with their name, "share anonymously" consent to be
quoted anonymously (which named consent covers).  A level the consent does not allow is
refused with the consent service's reason, beside the quote.  A quote shared anonymously
may have no named speaker: the facilitator records that the person agreed.

Engagements and quotes are searchable through the same search layer as contacts (kinds
``engagement`` and ``quote``), and appear on each participant's and speaker's timeline.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from vcsedesk.domain.consent import Purpose
from vcsedesk.domain.engagement import (
    CleanEngagement,
    EngagementDraft,
    HeadcountEntry,
    ParticipantEntry,
    QuoteEntry,
    Sharing,
    clean_engagement,
    sharing_purpose,
)
from vcsedesk.domain.errors import NotFoundError, ValidationError
from vcsedesk.services import consent, timeline
from vcsedesk.services.attachments import AttachmentInfo, attachments_of
from vcsedesk.services.base import Actor, Changes, Permission, UnitOfWork, require, unit_of_work
from vcsedesk.store import search
from vcsedesk.store.database import Database
from vcsedesk.store.models import (
    Contact,
    Engagement,
    EngagementFacilitator,
    EngagementParticipant,
    EngagementTheme,
    EngagementType,
    HeadcountGroup,
    Priority,
    Quote,
    QuoteTheme,
    SearchDocument,
    Theme,
    User,
    Ward,
)

SEARCH_KIND = "engagement"
QUOTE_KIND = "quote"
RECORD = "The engagement"


# -- reading ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParticipantView:
    contact_id: uuid.UUID
    name: str
    role: str


@dataclass(frozen=True)
class QuoteView:
    id: uuid.UUID
    version: int
    text: str
    sharing: Sharing
    speaker_id: uuid.UUID | None
    speaker_name: str | None
    theme_ids: tuple[uuid.UUID, ...]

    def as_entry(self) -> QuoteEntry:
        return QuoteEntry(self.text, self.sharing.value, self.speaker_id, self.theme_ids, self.id)


@dataclass(frozen=True)
class EngagementView:
    """Everything the engagement page shows."""

    id: uuid.UUID
    version: int
    title: str
    type_id: uuid.UUID
    type_name: str
    on_date: date
    start_time: time | None
    duration_minutes: int | None
    venue: str | None
    ward: str | None
    online: bool
    priority_id: uuid.UUID | None
    priority_name: str | None
    summary: str
    anonymous_count: int
    headcount_groups: tuple[HeadcountEntry, ...]
    facilitators: tuple[tuple[uuid.UUID, str], ...]
    participants: tuple[ParticipantView, ...]
    themes: tuple[tuple[uuid.UUID, str], ...]
    quotes: tuple[QuoteView, ...]
    attachments: tuple[AttachmentInfo, ...]
    archived: bool
    created_at: datetime
    updated_at: datetime
    recorded_by: str = ""
    action_ids: tuple[uuid.UUID, ...] = field(default=())

    @property
    def place(self) -> str:
        return place_text(self.venue, self.ward, self.online)

    @property
    def reach(self) -> int:
        """People who took part: named participants plus the anonymous head-count."""
        return len(self.participants) + self.anonymous_count

    def as_draft(self) -> EngagementDraft:
        return EngagementDraft(
            title=self.title,
            type_id=self.type_id,
            on_date=self.on_date,
            start_time=self.start_time,
            duration_minutes=self.duration_minutes,
            venue=self.venue,
            ward=self.ward,
            online=self.online,
            priority_id=self.priority_id,
            summary=self.summary,
            anonymous_count=self.anonymous_count,
            headcount_groups=self.headcount_groups,
            facilitator_ids=tuple(i for i, _ in self.facilitators),
            participants=tuple(ParticipantEntry(p.contact_id, p.role) for p in self.participants),
            theme_ids=tuple(i for i, _ in self.themes),
            quotes=tuple(q.as_entry() for q in self.quotes),
        )


def place_text(venue: str | None, ward: str | None, online: bool) -> str:
    parts = [p for p in (venue, ward) if p]
    if online:
        parts.append("Online")
    return ", ".join(parts)


def theme_paths(session: Session) -> dict[uuid.UUID, str]:
    """Every theme's full name ("Primary care › Getting a GP appointment")."""
    rows = session.execute(select(Theme.id, Theme.name, Theme.parent_id)).all()
    names = {r.id: (r.name, r.parent_id) for r in rows}
    out: dict[uuid.UUID, str] = {}
    for theme_id in names:
        parts, seen, current = [], set(), theme_id
        while current is not None and current not in seen:
            seen.add(current)
            name, parent = names[current]
            parts.append(name)
            current = parent
        out[theme_id] = " › ".join(reversed(parts))
    return out


def _live(model: Any, engagement_id: uuid.UUID) -> Any:
    return select(model).where(model.engagement_id == engagement_id, model.deleted_at.is_(None))


def load_view(session: Session, engagement_id: uuid.UUID) -> EngagementView:
    from vcsedesk.store.models import Action, JournalEntry

    engagement = session.get(Engagement, engagement_id)
    if engagement is None:
        raise NotFoundError("That engagement no longer exists.")
    type_name = session.scalar(select(EngagementType.name).where(EngagementType.id == engagement.type_id))
    ward = (
        session.scalar(select(Ward.name).where(Ward.id == engagement.ward_id)) if engagement.ward_id else None
    )
    priority = (
        session.scalar(select(Priority.name).where(Priority.id == engagement.priority_id))
        if engagement.priority_id
        else None
    )
    paths = theme_paths(session)
    facilitators = session.execute(
        select(User.id, User.name)
        .join(EngagementFacilitator, EngagementFacilitator.user_id == User.id)
        .where(
            EngagementFacilitator.engagement_id == engagement_id, EngagementFacilitator.deleted_at.is_(None)
        )
        .order_by(User.name)
    ).all()
    participants = session.execute(
        select(EngagementParticipant.contact_id, Contact.name, EngagementParticipant.role)
        .join(Contact, Contact.id == EngagementParticipant.contact_id)
        .where(
            EngagementParticipant.engagement_id == engagement_id, EngagementParticipant.deleted_at.is_(None)
        )
        .order_by(Contact.name)
    ).all()
    groups = session.scalars(_live(HeadcountGroup, engagement_id).order_by(HeadcountGroup.label)).all()
    themes = session.scalars(
        select(EngagementTheme.theme_id).where(
            EngagementTheme.engagement_id == engagement_id, EngagementTheme.deleted_at.is_(None)
        )
    ).all()
    quotes = session.execute(
        select(Quote, Contact.name)
        .outerjoin(Contact, Contact.id == Quote.speaker_id)
        .where(Quote.engagement_id == engagement_id, Quote.deleted_at.is_(None))
        .order_by(Quote.created_at, Quote.id)
    ).all()
    quote_themes: dict[uuid.UUID, list[uuid.UUID]] = {}
    if quotes:
        for quote_id, theme_id in session.execute(
            select(QuoteTheme.quote_id, QuoteTheme.theme_id).where(
                QuoteTheme.quote_id.in_([q.id for q, _ in quotes]), QuoteTheme.deleted_at.is_(None)
            )
        ):
            quote_themes.setdefault(quote_id, []).append(theme_id)
    recorder = session.scalar(
        select(User.name)
        .join(JournalEntry, JournalEntry.actor_id == User.id)
        .where(JournalEntry.record_id == engagement_id, JournalEntry.operation == "insert")
        .limit(1)
    )
    action_ids = session.scalars(
        select(Action.id)
        .where(Action.engagement_id == engagement_id, Action.deleted_at.is_(None))
        .order_by(Action.created_at)
    ).all()
    return EngagementView(
        id=engagement.id,
        version=engagement.version,
        title=engagement.title,
        type_id=engagement.type_id,
        type_name=type_name or "",
        on_date=engagement.on_date,
        start_time=engagement.start_time,
        duration_minutes=engagement.duration_minutes,
        venue=engagement.venue,
        ward=ward,
        online=engagement.online,
        priority_id=engagement.priority_id,
        priority_name=priority,
        summary=engagement.summary,
        anonymous_count=engagement.anonymous_count,
        headcount_groups=tuple(HeadcountEntry(g.label, g.count) for g in groups),
        facilitators=tuple((r.id, r.name) for r in facilitators),
        participants=tuple(ParticipantView(r.contact_id, r.name, r.role) for r in participants),
        themes=tuple(sorted(((t, paths.get(t, "")) for t in themes), key=lambda t: t[1].casefold())),
        quotes=tuple(
            QuoteView(
                q.id,
                q.version,
                q.text,
                Sharing(q.sharing),
                q.speaker_id,
                name,
                tuple(sorted(quote_themes.get(q.id, []), key=lambda t: paths.get(t, ""))),
            )
            for q, name in quotes
        ),
        attachments=tuple(attachments_of(session, Engagement.__tablename__, engagement_id)),
        archived=engagement.deleted_at is not None,
        created_at=engagement.created_at,
        updated_at=engagement.updated_at,
        recorded_by=recorder or "",
        action_ids=tuple(action_ids),
    )


def get_engagement(db: Database, engagement_id: uuid.UUID) -> EngagementView:
    with db.read() as session:
        return load_view(session, engagement_id)


# -- writing ----------------------------------------------------------------------------------
def add_engagement(
    db: Database, actor: Actor, draft: EngagementDraft, *, today: date | None = None
) -> Changes:
    """Record a new engagement with everything in it, as one change."""
    require(actor, Permission.EDIT_RECORDS)
    today = today or date.today()
    clean = clean_engagement(draft, today=today)
    with unit_of_work(db, actor, f"Recorded engagement “{clean.title}”") as uow:
        engagement = new_engagement(uow, clean, today=today)
    uow.changes.created.setdefault("engagements", set()).add(engagement.id)
    return uow.changes


def new_engagement(uow: UnitOfWork, clean: CleanEngagement, *, today: date) -> Engagement:
    """Write a validated engagement and its children inside ``uow`` (quick entry uses this
    with the claims it creates in the same change)."""
    _check_references(uow, clean, current=None, today=today)
    engagement = uow.add(Engagement(**clean.record_values(), ward_id=_ward_id(uow, clean.ward)))
    _sync_children(uow, engagement, clean, today=today)
    reindex(uow.session, engagement.id)
    return engagement


def update_engagement(
    db: Database,
    actor: Actor,
    engagement_id: uuid.UUID,
    expected_version: int,
    draft: EngagementDraft,
    *,
    today: date | None = None,
) -> Changes:
    """Save an edited engagement.  Refused, changing nothing, if someone saved it first."""
    require(actor, Permission.EDIT_RECORDS)
    today = today or date.today()
    clean = clean_engagement(draft, today=today)
    with unit_of_work(db, actor, f"Changed engagement “{clean.title}”") as uow:
        engagement = uow.get(Engagement, engagement_id)
        uow.check_version(engagement, expected_version)
        _check_references(uow, clean, current=engagement, today=today)
        uow.update(
            engagement, clean.record_values() | {"ward_id": _ward_id(uow, clean.ward)}, expected_version
        )
        if _sync_children(uow, engagement, clean, today=today):
            uow.touch(engagement)
        reindex(uow.session, engagement.id)
    return uow.changes


def archive_engagement(
    db: Database, actor: Actor, engagement_id: uuid.UUID, expected_version: int
) -> Changes:
    """Archive an engagement: gone from the log, counts and searches; nothing lost; restorable."""
    require(actor, Permission.EDIT_RECORDS)
    with unit_of_work(db, actor, "Archived an engagement") as uow:
        engagement = uow.get(Engagement, engagement_id)
        uow.summary = f"Archived engagement “{engagement.title}”"
        uow.archive(engagement, expected_version, summary=uow.summary)
        reindex(uow.session, engagement.id)
    return uow.changes


def restore_engagement(
    db: Database, actor: Actor, engagement_id: uuid.UUID, expected_version: int
) -> Changes:
    require(actor, Permission.EDIT_RECORDS)
    with unit_of_work(db, actor, "Restored an engagement") as uow:
        engagement = uow.get(Engagement, engagement_id, include_archived=True)
        uow.summary = f"Restored engagement “{engagement.title}”"
        uow.restore(engagement, expected_version, summary=uow.summary)
        reindex(uow.session, engagement.id)
    return uow.changes


def _ward_id(uow: UnitOfWork, name: str | None) -> uuid.UUID | None:
    if not name:
        return None
    ward = uow.session.scalar(select(Ward).where(func.lower(Ward.name) == name.casefold()))
    if ward is None or ward.deleted_at is not None:
        known = uow.session.scalars(
            select(Ward.name).where(Ward.deleted_at.is_(None)).order_by(Ward.name)
        ).all()
        hint = f" Known wards: {', '.join(known[:12])}{'…' if len(known) > 12 else ''}." if known else ""
        raise ValidationError(
            {"ward": f"“{name}” is not one of the organisation's wards.{hint}"}, record=RECORD
        )
    return ward.id


def _check_references(
    uow: UnitOfWork, clean: CleanEngagement, *, current: Engagement | None, today: date
) -> None:
    """Everything the engagement points at exists and may be chosen (a retired type or theme
    may stay on an engagement that already had it, not be newly chosen)."""
    s = uow.session
    problems: dict[str, str] = {}
    kind = s.get(EngagementType, clean.type_id)
    if kind is None or (kind.deleted_at is not None and (current is None or current.type_id != kind.id)):
        problems["type_id"] = "That type of engagement is no longer in the list; choose another."
    if clean.priority_id is not None:
        priority = s.get(Priority, clean.priority_id)
        if priority is None or (
            priority.deleted_at is not None and (current is None or current.priority_id != priority.id)
        ):
            problems["priority_id"] = "That partnership priority is no longer in the list; choose another."
    if clean.facilitator_ids:
        live = set(
            s.scalars(select(User.id).where(User.id.in_(clean.facilitator_ids), User.deleted_at.is_(None)))
        )
        if set(clean.facilitator_ids) - live:
            problems["facilitator_ids"] = "A facilitator chosen is no longer a user here; choose again."
    people = {p.contact_id for p in clean.participants} | {q.speaker_id for q in clean.quotes if q.speaker_id}
    if people:
        known = {
            r.id: r
            for r in s.execute(
                select(Contact.id, Contact.name, Contact.kind, Contact.deleted_at).where(
                    Contact.id.in_(people)
                )
            )
        }
        for person in people:
            row = known.get(person)
            if row is None or row.deleted_at is not None:
                problems["participants"] = "A participant chosen has been archived or merged; choose again."
            elif row.kind != "person":
                problems["participants"] = f"{row.name} is an organisation; participants are people."
    themes = set(clean.theme_ids) | {t for q in clean.quotes for t in q.theme_ids}
    if themes:
        already: set[uuid.UUID] = set()
        if current is not None:
            already = set(
                s.scalars(select(EngagementTheme.theme_id).where(EngagementTheme.engagement_id == current.id))
            ) | set(
                s.scalars(
                    select(QuoteTheme.theme_id)
                    .join(Quote, Quote.id == QuoteTheme.quote_id)
                    .where(Quote.engagement_id == current.id)
                )
            )
        for theme in s.scalars(select(Theme).where(Theme.id.in_(themes))):
            if (theme.retired or theme.merged_into_id or theme.deleted_at) and theme.id not in already:
                problems["theme_ids"] = (
                    f"The theme “{theme.name}” has been retired or merged; choose another."
                )
        if len(list(s.scalars(select(Theme.id).where(Theme.id.in_(themes))))) != len(themes):
            problems["theme_ids"] = "A theme chosen no longer exists; choose again."
    problems.update(_quote_consent_problems(s, clean, current=current, on=today))
    if problems:
        raise ValidationError(problems, record=RECORD)


def _quote_consent_problems(
    session: Session, clean: CleanEngagement, *, current: Engagement | None, on: date
) -> dict[str, str]:
    """Quotes whose sharing level their speaker's consent does not allow, with the reason.

    Checked as of ``on`` (today) for quotes that are new or whose level or speaker changed.
    A stored quote left as it was is not re-judged here — a withdrawal after the fact must not
    stop anyone correcting a typing slip elsewhere; returns leave such quotes out at export.
    """
    problems: dict[str, str] = {}
    stored: dict[uuid.UUID, tuple[str, uuid.UUID | None]] = {}
    if current is not None:
        stored = {q.id: (q.sharing, q.speaker_id) for q in session.scalars(_live(Quote, current.id))}
    by_purpose: dict[Purpose, list[int]] = {}
    for i, quote in enumerate(clean.quotes):
        purpose = sharing_purpose(Sharing(quote.sharing))
        unchanged = quote.id is not None and stored.get(quote.id) == (quote.sharing, quote.speaker_id)
        if purpose is not None and quote.speaker_id is not None and not unchanged:
            by_purpose.setdefault(purpose, []).append(i)
    names: dict[uuid.UUID, str] = {}
    for purpose, indexes in by_purpose.items():
        speakers = [clean.quotes[i].speaker_id for i in indexes]
        decided = consent.decisions(session, [s for s in speakers if s], purpose, on)
        for i in indexes:
            quote = clean.quotes[i]
            assert quote.speaker_id is not None
            decision = decided[quote.speaker_id]
            if decision.allowed:
                continue
            if not names:
                names = {
                    r.id: r.name
                    for r in session.execute(select(Contact.id, Contact.name).where(Contact.id.in_(speakers)))
                }
            level = Sharing(quote.sharing).label.lower()
            problems[f"quotes[{i}]"] = (
                f"This quote cannot be marked “{level}”: {decision.reason} "
                f"Record {names.get(quote.speaker_id, 'the speaker')}'s consent first, or choose a "
                "lower sharing level."
            )
    return problems


def _sync_children(uow: UnitOfWork, engagement: Engagement, clean: CleanEngagement, *, today: date) -> bool:
    s = uow.session
    eid = engagement.id
    changed = uow.sync(
        {r.user_id: r for r in s.scalars(_live(EngagementFacilitator, eid))},
        {user_id: {} for user_id in clean.facilitator_ids},
        lambda user_id, _: EngagementFacilitator(engagement_id=eid, user_id=user_id),
    )
    participants = {p.contact_id: {"role": p.role} for p in clean.participants}
    for quote in clean.quotes:  # a speaker took part: named on the engagement too
        if quote.speaker_id is not None:
            participants.setdefault(quote.speaker_id, {"role": "participant"})
    changed |= uow.sync(
        {r.contact_id: r for r in s.scalars(_live(EngagementParticipant, eid))},
        participants,
        lambda contact_id, v: EngagementParticipant(engagement_id=eid, contact_id=contact_id, role=v["role"]),
    )
    changed |= uow.sync(
        {r.label.casefold(): r for r in s.scalars(_live(HeadcountGroup, eid))},
        {g.label.casefold(): {"label": g.label, "count": g.count} for g in clean.headcount_groups},
        lambda _, v: HeadcountGroup(engagement_id=eid, label=v["label"], count=v["count"]),
    )
    changed |= uow.sync(
        {r.theme_id: r for r in s.scalars(_live(EngagementTheme, eid))},
        {t: {} for t in clean.theme_ids},
        lambda theme_id, _: EngagementTheme(engagement_id=eid, theme_id=theme_id),
    )
    changed |= _sync_quotes(uow, engagement, clean.quotes)
    return changed


def _sync_quotes(uow: UnitOfWork, engagement: Engagement, quotes: Sequence[QuoteEntry]) -> bool:
    s = uow.session
    existing = {q.id: q for q in s.scalars(_live(Quote, engagement.id))}
    wanted: dict[uuid.UUID, QuoteEntry] = {}
    for entry in quotes:
        key = entry.id if entry.id is not None and entry.id in existing else uuid.uuid4()
        wanted[key] = entry
    changed = uow.sync(
        existing,
        {k: {"text": e.text, "sharing": e.sharing, "speaker_id": e.speaker_id} for k, e in wanted.items()},
        lambda key, v: Quote(id=key, engagement_id=engagement.id, **v),
    )
    for key, entry in wanted.items():
        changed |= uow.sync(
            {
                r.theme_id: r
                for r in s.scalars(
                    select(QuoteTheme).where(QuoteTheme.quote_id == key, QuoteTheme.deleted_at.is_(None))
                )
            },
            {t: {} for t in entry.theme_ids},
            lambda theme_id, _, quote_id=key: QuoteTheme(quote_id=quote_id, theme_id=theme_id),  # type: ignore[misc]
        )
    for key in existing.keys() - wanted.keys():
        search.remove(s, QUOTE_KIND, key)
    return changed


def reindex(session: Session, engagement_id: uuid.UUID) -> None:
    """Rewrite the search documents of the engagement and its quotes from what is stored."""
    session.flush()
    view = load_view(session, engagement_id)
    if view.archived:
        search.remove(session, SEARCH_KIND, engagement_id)
        for quote in view.quotes:
            search.remove(session, QUOTE_KIND, quote.id)
        return
    theme_names = [path for _, path in view.themes]
    search.put(
        session,
        SEARCH_KIND,
        engagement_id,
        [view.title, view.type_name, view.venue, view.ward, view.priority_name, *theme_names, view.summary],
    )
    paths = theme_paths(session)
    for quote in view.quotes:
        search.put(session, QUOTE_KIND, quote.id, [quote.text, *(paths.get(t) for t in quote.theme_ids)])
    archived_quotes = select(Quote.id).where(
        Quote.engagement_id == engagement_id, Quote.deleted_at.is_not(None)
    )
    session.execute(
        delete(SearchDocument).where(
            SearchDocument.kind == QUOTE_KIND, SearchDocument.record_id.in_(archived_quotes)
        )
    )


# -- the timeline -----------------------------------------------------------------------------
def _timeline_items(session: Session, contact_id: uuid.UUID) -> list[timeline.TimelineItem]:
    """Engagements the person took part in, and their quotes."""
    rows = session.execute(
        select(Engagement, EngagementParticipant.role, EngagementParticipant.created_at, EngagementType.name)
        .join(EngagementParticipant, EngagementParticipant.engagement_id == Engagement.id)
        .join(EngagementType, EngagementType.id == Engagement.type_id)
        .where(
            EngagementParticipant.contact_id == contact_id,
            EngagementParticipant.deleted_at.is_(None),
            Engagement.deleted_at.is_(None),
        )
    ).all()
    items = [
        timeline.TimelineItem(
            at=timeline.moment(engagement.on_date, recorded),
            kind="engagement",
            title=f"{type_name}: {engagement.title}",
            detail=f"Took part as {role}"
            + (f" — {place}" if (place := place_text(engagement.venue, None, engagement.online)) else ""),
            record_table="engagements",
            record_id=engagement.id,
        )
        for engagement, role, recorded, type_name in rows
    ]
    quotes = session.execute(
        select(Quote, Engagement.on_date, Engagement.title)
        .join(Engagement, Engagement.id == Quote.engagement_id)
        .where(Quote.speaker_id == contact_id, Quote.deleted_at.is_(None), Engagement.deleted_at.is_(None))
    ).all()
    for quote, on_date, title in quotes:
        words = quote.text if len(quote.text) <= 120 else quote.text[:119] + "…"
        items.append(
            timeline.TimelineItem(
                at=timeline.moment(on_date, quote.created_at),
                kind="quote",
                title=f"Quoted at “{title}” ({Sharing(quote.sharing).label.lower()})",
                detail=f"“{words}”",
                record_table="quotes",
                record_id=quote.id,
            )
        )
    return items


if _timeline_items not in timeline.PROVIDERS:
    timeline.PROVIDERS.append(_timeline_items)


# -- search -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SearchHit:
    kind: str  # "engagement" | "quote" | "meeting"
    record_id: uuid.UUID
    engagement_id: uuid.UUID | None
    on_date: date
    title: str
    text: str


def find(db: Database, query: str, *, limit: int = 100) -> list[SearchHit]:
    """Engagements (title, summary, place, themes) and quotes matching what was typed, best
    first within each kind; engagements first."""
    with db.read() as session:
        engagement_ids = search.search(session, SEARCH_KIND, query, limit=limit)
        quote_ids = search.search(session, QUOTE_KIND, query, limit=limit)
        hits: list[SearchHit] = []
        if engagement_ids:
            found = {
                e.id: e
                for e in session.scalars(
                    select(Engagement).where(
                        Engagement.id.in_(engagement_ids), Engagement.deleted_at.is_(None)
                    )
                )
            }
            hits.extend(
                SearchHit("engagement", e.id, e.id, e.on_date, e.title, e.summary)
                for i in engagement_ids
                if (e := found.get(i)) is not None
            )
        if quote_ids:
            quoted: Mapping[uuid.UUID, Any] = {
                r.Quote.id: r
                for r in session.execute(
                    select(Quote, Engagement.on_date, Engagement.title)
                    .join(Engagement, Engagement.id == Quote.engagement_id)
                    .where(
                        Quote.id.in_(quote_ids), Quote.deleted_at.is_(None), Engagement.deleted_at.is_(None)
                    )
                )
            }
            hits.extend(
                SearchHit("quote", r.Quote.id, r.Quote.engagement_id, r.on_date, r.title, r.Quote.text)
                for i in quote_ids
                if (r := quoted.get(i)) is not None
            )
    return hits
