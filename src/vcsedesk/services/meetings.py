"""Meetings: agenda items, voices at the meeting, apologies, decisions and actions.

A meeting is saved as a whole from a :class:`MeetingDraft`.  Its agenda items, attendees and
actions are records in their own right, so an edit journals exactly which were added,
changed or removed (as services/contacts.py does for emails and phones), and undo puts them
back.  Any change to them also bumps the meeting's own version, so a second person saving
a form opened earlier is refused rather than undoing the first person's work.

:func:`get_meeting` returns everything the minutes need (io/minutes_pdf.py writes them).
Each meeting has a search document (title, venue, notes, agenda items, decisions), and the
people at a meeting see it on their timeline.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import partial
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from vcsedesk.domain.contacts import ContactKind
from vcsedesk.domain.engagement import ActionStatus, Attendance
from vcsedesk.domain.errors import NotFoundError
from vcsedesk.domain.validation import Invalid, Problems, clean_multiline, clean_text
from vcsedesk.services import actions as action_service
from vcsedesk.services import timeline
from vcsedesk.services.actions import ActionDraft, day_text
from vcsedesk.services.base import Actor, Changes, Permission, UnitOfWork, chunked, require, unit_of_work
from vcsedesk.services.timeline import TimelineItem
from vcsedesk.store import search
from vcsedesk.store.database import Database
from vcsedesk.store.models import Action, Contact, Meeting, MeetingAttendee, MeetingItem, Organisation, User

SEARCH_KIND = "meeting"
MAX_TITLE = 200
MAX_TEXT = 20_000
#: Far above any real meeting; low enough to stop a runaway import or paste.
MAX_ITEMS = 500
MAX_ATTENDEES = 1000
MAX_ACTIONS = 1000


# -- drafts: what a form hands the service ----------------------------------------------------
@dataclass(frozen=True)
class AgendaItemEntry:
    title: str | None
    notes: str | None = ""
    decisions: str | None = ""
    #: The stored item this entry edits (None: a new item).
    id: uuid.UUID | None = None


@dataclass(frozen=True)
class AttendeeEntry:
    contact_id: uuid.UUID
    #: The organisation (a contact of kind "organisation") this person speaks for.
    speaks_for_id: uuid.UUID | None = None
    attendance: str = Attendance.ATTENDED.value
    id: uuid.UUID | None = None


@dataclass(frozen=True)
class MeetingActionEntry:
    """An action agreed at the meeting, under agenda item ``item`` (its index in
    ``MeetingDraft.items``, counted from 0) or under none."""

    action: ActionDraft
    item: int | None = None
    #: The stored action this entry edits (None: a new action) and the version the form saw.
    id: uuid.UUID | None = None
    version: int | None = None


@dataclass(frozen=True)
class MeetingDraft:
    title: str | None
    on_date: date | None
    start_time: time | None = None
    venue: str | None = None
    online: bool = False
    chair_id: uuid.UUID | None = None
    notes: str | None = ""
    items: tuple[AgendaItemEntry, ...] = ()
    attendees: tuple[AttendeeEntry, ...] = ()
    actions: tuple[MeetingActionEntry, ...] = ()

    def with_changes(self, **values: Any) -> MeetingDraft:
        return dataclasses.replace(self, **values)


@dataclass(frozen=True)
class CleanMeeting:
    title: str
    on_date: date
    start_time: time | None
    venue: str | None
    online: bool
    chair_id: uuid.UUID | None
    notes: str
    items: tuple[AgendaItemEntry, ...]
    attendees: tuple[AttendeeEntry, ...]
    actions: tuple[MeetingActionEntry, ...]

    def record_values(self) -> dict[str, object]:
        return {
            "title": self.title,
            "on_date": self.on_date,
            "start_time": self.start_time,
            "venue": self.venue,
            "online": self.online,
            "chair_id": self.chair_id,
            "notes": self.notes,
        }


def clean_meeting(draft: MeetingDraft) -> CleanMeeting:
    """Check a meeting's own fields as a whole; every problem is reported beside its field.

    Problems in a list are named by position, counted from 0: ``items[2].title``,
    ``attendees[1]``, ``actions[0].owner``.  Whether the people named exist is checked by
    the service against the database.
    """
    problems = Problems("The meeting")
    title = problems.check(
        "title", lambda: clean_text(draft.title, label="Title", max_length=MAX_TITLE, required=True)
    )
    if draft.on_date is None:
        problems.by_field["on_date"] = "The date is required."
    venue = problems.check("venue", lambda: clean_text(draft.venue, label="Venue", max_length=200))
    notes = problems.check("notes", lambda: clean_multiline(draft.notes, label="Notes", max_length=MAX_TEXT))
    for field, entries, limit, noun in (
        ("items", draft.items, MAX_ITEMS, "agenda items"),
        ("attendees", draft.attendees, MAX_ATTENDEES, "attendees"),
        ("actions", draft.actions, MAX_ACTIONS, "actions"),
    ):
        if len(entries) > limit:
            problems.by_field[field] = (
                f"A meeting can have at most {limit:,} {noun} ({len(entries):,} given)."
            )
    items = []
    seen_item_ids: set[uuid.UUID] = set()
    for i, entry in enumerate(draft.items):
        name = f"items[{i}]"
        item_title = problems.check(
            f"{name}.title",
            partial(
                clean_text, entry.title, label="The agenda item's title", max_length=MAX_TITLE, required=True
            ),
        )
        item_notes = problems.check(
            f"{name}.notes", partial(clean_multiline, entry.notes, label="Notes", max_length=MAX_TEXT)
        )
        decisions = problems.check(
            f"{name}.decisions",
            partial(clean_multiline, entry.decisions, label="Decisions", max_length=MAX_TEXT),
        )
        if entry.id is not None:
            if entry.id in seen_item_ids:
                problems.by_field[name] = "This agenda item is listed twice."
            seen_item_ids.add(entry.id)
        items.append(AgendaItemEntry(item_title or "", item_notes or "", decisions or "", entry.id))
    attendees = []
    seen_contacts: dict[uuid.UUID, int] = {}
    for i, attendee in enumerate(draft.attendees):
        name = f"attendees[{i}]"
        attendance = problems.check(f"{name}.attendance", partial(_attendance, attendee.attendance))
        if attendee.contact_id in seen_contacts:
            problems.by_field[name] = (
                f"This person is listed twice (also as attendee {seen_contacts[attendee.contact_id] + 1}); "
                "list each person once, as attending or sending apologies."
            )
        else:
            seen_contacts[attendee.contact_id] = i
        if attendee.speaks_for_id is not None and attendee.speaks_for_id == attendee.contact_id:
            problems.by_field[f"{name}.speaks_for_id"] = (
                "An organisation does not speak for itself: leave “speaks for” empty."
            )
        attendees.append(
            AttendeeEntry(
                attendee.contact_id,
                attendee.speaks_for_id,
                attendance.value if attendance else Attendance.ATTENDED.value,
                attendee.id,
            )
        )
    meeting_actions = []
    for i, act in enumerate(draft.actions):
        name = f"actions[{i}]"
        # The meeting says where its actions come from; whatever the draft says is ignored.
        action = dataclasses.replace(act.action, engagement_id=None, meeting_id=None, meeting_item_id=None)
        action_service.check_action(action, problems, prefix=f"{name}.")
        if act.item is not None and not 0 <= act.item < len(draft.items):
            problems.by_field[f"{name}.item"] = (
                f"The action is under agenda item {act.item + 1}, but the meeting has "
                f"{len(draft.items)} item{'s' if len(draft.items) != 1 else ''}."
            )
        meeting_actions.append(dataclasses.replace(act, action=action))
    problems.raise_if_any()
    assert title is not None and draft.on_date is not None
    return CleanMeeting(
        title=title,
        on_date=draft.on_date,
        start_time=draft.start_time,
        venue=venue,
        online=draft.online,
        chair_id=draft.chair_id,
        notes=notes or "",
        items=tuple(items),
        attendees=tuple(attendees),
        actions=tuple(meeting_actions),
    )


def _attendance(value: object) -> Attendance:
    try:
        return Attendance(str(value).strip().lower())
    except ValueError:
        raise Invalid(f"“{value}” is not a kind of attendance; choose attended or apologies.") from None


# -- reading ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class AttendeeView:
    id: uuid.UUID
    version: int
    contact_id: uuid.UUID
    name: str
    speaks_for_id: uuid.UUID | None
    speaks_for: str | None  # the organisation's name
    attendance: Attendance


@dataclass(frozen=True)
class MeetingActionView:
    id: uuid.UUID
    version: int
    title: str
    detail: str
    owner_user_id: uuid.UUID | None
    owner_contact_id: uuid.UUID | None
    owner: str  # "" when nobody owns it yet
    due_on: date | None
    status: ActionStatus
    completed_on: date | None
    outcome: str
    item_id: uuid.UUID | None
    item_number: int | None  # the agenda item's number as the minutes show it (from 1)

    def as_draft(self) -> ActionDraft:
        return ActionDraft(
            title=self.title,
            detail=self.detail,
            owner_user_id=self.owner_user_id,
            owner_contact_id=self.owner_contact_id,
            due_on=self.due_on,
            status=self.status.value,
            outcome=self.outcome,
        )


@dataclass(frozen=True)
class ItemView:
    id: uuid.UUID
    version: int
    number: int  # from 1, as the minutes show it
    title: str
    notes: str
    decisions: str
    actions: tuple[MeetingActionView, ...]


@dataclass(frozen=True)
class MeetingView:
    """Everything the meeting page and the minutes show."""

    id: uuid.UUID
    version: int
    organisation: str
    title: str
    on_date: date
    start_time: time | None
    venue: str | None
    online: bool
    chair_id: uuid.UUID | None
    chair: str | None
    notes: str
    attendees: tuple[AttendeeView, ...]  # those who attended ("voices at the meeting"), by name
    apologies: tuple[AttendeeView, ...]
    items: tuple[ItemView, ...]
    actions: tuple[MeetingActionView, ...]  # every action, in agenda order, then the others
    archived: bool
    created_at: datetime
    updated_at: datetime

    def as_draft(self) -> MeetingDraft:
        """The meeting as an editable draft: every entry carries its id (and each action the
        version seen), so saving it changes the stored rows in place."""
        index = {item.id: i for i, item in enumerate(self.items)}
        return MeetingDraft(
            title=self.title,
            on_date=self.on_date,
            start_time=self.start_time,
            venue=self.venue,
            online=self.online,
            chair_id=self.chair_id,
            notes=self.notes,
            items=tuple(AgendaItemEntry(i.title, i.notes, i.decisions, i.id) for i in self.items),
            attendees=tuple(
                AttendeeEntry(a.contact_id, a.speaks_for_id, a.attendance.value, a.id)
                for a in (*self.attendees, *self.apologies)
            ),
            actions=tuple(
                MeetingActionEntry(a.as_draft(), index.get(a.item_id) if a.item_id else None, a.id, a.version)
                for a in self.actions
            ),
        )


@dataclass(frozen=True)
class MeetingRow:
    """One line of the meetings list."""

    id: uuid.UUID
    version: int
    title: str
    on_date: date
    start_time: time | None
    venue: str | None
    online: bool
    chair: str | None
    attended: int
    apologies: int
    items: int
    open_actions: int


def _names(session: Session, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = list({i for i in ids if i is not None})
    out: dict[uuid.UUID, str] = {}
    for chunk in chunked(wanted):
        for contact_id, name in session.execute(
            select(Contact.id, Contact.name).where(Contact.id.in_(chunk))
        ):
            out[contact_id] = name
    return out


def load_view(session: Session, meeting_id: uuid.UUID) -> MeetingView:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFoundError("That meeting no longer exists.")
    items = session.scalars(
        select(MeetingItem)
        .where(MeetingItem.meeting_id == meeting_id, MeetingItem.deleted_at.is_(None))
        .order_by(MeetingItem.position, MeetingItem.created_at)
    ).all()
    attendees = session.scalars(
        select(MeetingAttendee).where(
            MeetingAttendee.meeting_id == meeting_id, MeetingAttendee.deleted_at.is_(None)
        )
    ).all()
    rows = session.execute(
        select(Action, User.name)
        .outerjoin(User, User.id == Action.owner_user_id)
        .where(Action.meeting_id == meeting_id, Action.deleted_at.is_(None))
        .order_by(Action.created_at, Action.id)
    ).all()
    names = _names(
        session,
        [
            meeting.chair_id,
            *(a.contact_id for a in attendees),
            *(a.speaks_for_id for a in attendees),
            *(action.owner_contact_id for action, _ in rows),
        ],
    )
    numbers = {item.id: n for n, item in enumerate(items, start=1)}
    action_views = [
        MeetingActionView(
            id=action.id,
            version=action.version,
            title=action.title,
            detail=action.detail or "",
            owner_user_id=action.owner_user_id,
            owner_contact_id=action.owner_contact_id,
            owner=user_name or (names.get(action.owner_contact_id, "") if action.owner_contact_id else ""),
            due_on=action.due_on,
            status=ActionStatus(action.status),
            completed_on=action.completed_on,
            outcome=action.outcome or "",
            item_id=action.meeting_item_id if action.meeting_item_id in numbers else None,
            item_number=numbers.get(action.meeting_item_id) if action.meeting_item_id else None,
        )
        for action, user_name in rows
    ]
    # In agenda order (actions under no item last), then in the order they were recorded.
    action_views.sort(key=lambda a: a.item_number if a.item_number is not None else len(numbers) + 1)
    people = sorted(
        (
            AttendeeView(
                id=a.id,
                version=a.version,
                contact_id=a.contact_id,
                name=names.get(a.contact_id, ""),
                speaks_for_id=a.speaks_for_id,
                speaks_for=names.get(a.speaks_for_id) if a.speaks_for_id else None,
                attendance=Attendance(a.attendance),
            )
            for a in attendees
        ),
        key=lambda a: (a.name.casefold(), str(a.id)),
    )
    organisation = session.scalar(
        select(Organisation.name)
        .where(Organisation.deleted_at.is_(None))
        .order_by(Organisation.created_at)
        .limit(1)
    )
    return MeetingView(
        id=meeting.id,
        version=meeting.version,
        organisation=organisation or "",
        title=meeting.title,
        on_date=meeting.on_date,
        start_time=meeting.start_time,
        venue=meeting.venue,
        online=meeting.online,
        chair_id=meeting.chair_id,
        chair=names.get(meeting.chair_id) if meeting.chair_id else None,
        notes=meeting.notes or "",
        attendees=tuple(a for a in people if a.attendance is Attendance.ATTENDED),
        apologies=tuple(a for a in people if a.attendance is Attendance.APOLOGIES),
        items=tuple(
            ItemView(
                id=item.id,
                version=item.version,
                number=numbers[item.id],
                title=item.title,
                notes=item.notes or "",
                decisions=item.decisions or "",
                actions=tuple(a for a in action_views if a.item_id == item.id),
            )
            for item in items
        ),
        actions=tuple(action_views),
        archived=meeting.deleted_at is not None,
        created_at=meeting.created_at,
        updated_at=meeting.updated_at,
    )


def get_meeting(db: Database, meeting_id: uuid.UUID) -> MeetingView:
    with db.read() as session:
        return load_view(session, meeting_id)


def list_meetings(
    db: Database, *, start: date | None = None, end: date | None = None, query: str | None = None
) -> list[MeetingRow]:
    """Meetings from ``start`` to ``end`` (inclusive) matching what was typed, newest first."""
    with db.read() as session:
        statement = (
            select(Meeting, Contact.name)
            .outerjoin(Contact, Contact.id == Meeting.chair_id)
            .where(Meeting.deleted_at.is_(None))
            .order_by(
                Meeting.on_date.desc(),
                Meeting.start_time.desc().nulls_last(),
                func.lower(Meeting.title),
                Meeting.id,
            )
        )
        if start is not None:
            statement = statement.where(Meeting.on_date >= start)
        if end is not None:
            statement = statement.where(Meeting.on_date <= end)
        if query is not None and query.strip():
            found = search.search(session, SEARCH_KIND, query, limit=10_000)
            if not found:
                return []
            rows = [
                r for chunk in chunked(found) for r in session.execute(statement.where(Meeting.id.in_(chunk)))
            ]
            rows.sort(key=lambda r: _newest_first(r[0]))
        else:
            rows = list(session.execute(statement))
        ids = [meeting.id for meeting, _ in rows]
        attended: dict[tuple[uuid.UUID, str], int] = {}
        item_counts: dict[uuid.UUID, int] = {}
        open_actions: dict[uuid.UUID | None, int] = {}
        for chunk in chunked(ids):
            for mid, attendance, count in session.execute(
                select(MeetingAttendee.meeting_id, MeetingAttendee.attendance, func.count())
                .where(MeetingAttendee.meeting_id.in_(chunk), MeetingAttendee.deleted_at.is_(None))
                .group_by(MeetingAttendee.meeting_id, MeetingAttendee.attendance)
            ):
                attended[(mid, attendance)] = count
            for mid, count in session.execute(
                select(MeetingItem.meeting_id, func.count())
                .where(MeetingItem.meeting_id.in_(chunk), MeetingItem.deleted_at.is_(None))
                .group_by(MeetingItem.meeting_id)
            ):
                item_counts[mid] = count
            for action_meeting, count in session.execute(
                select(Action.meeting_id, func.count())
                .where(
                    Action.meeting_id.in_(chunk),
                    Action.deleted_at.is_(None),
                    Action.status.in_(action_service.OPEN_STATUSES),
                )
                .group_by(Action.meeting_id)
            ):
                open_actions[action_meeting] = count
    return [
        MeetingRow(
            id=m.id,
            version=m.version,
            title=m.title,
            on_date=m.on_date,
            start_time=m.start_time,
            venue=m.venue,
            online=m.online,
            chair=chair,
            attended=attended.get((m.id, Attendance.ATTENDED.value), 0),
            apologies=attended.get((m.id, Attendance.APOLOGIES.value), 0),
            items=item_counts.get(m.id, 0),
            open_actions=open_actions.get(m.id, 0),
        )
        for m, chair in rows
    ]


def _newest_first(meeting: Meeting) -> tuple[int, bool, int, str]:
    start = meeting.start_time
    seconds = start.hour * 3600 + start.minute * 60 + start.second if start else 0
    return (-meeting.on_date.toordinal(), start is None, -seconds, meeting.title.casefold())


# -- writing ----------------------------------------------------------------------------------
def add_meeting(db: Database, actor: Actor, draft: MeetingDraft, *, today: date | None = None) -> Changes:
    """Record a meeting with its agenda, attendees and actions (new id in ``created['meetings']``)."""
    require(actor, Permission.EDIT_RECORDS)
    clean = clean_meeting(draft)
    with unit_of_work(db, actor, f"Added meeting “{clean.title}”") as uow:
        _check_references(uow.session, clean, None)
        meeting = uow.add(Meeting(**clean.record_values()))
        _sync_children(uow, meeting, clean, today=today)
        reindex(uow.session, meeting.id)
    return uow.changes


def update_meeting(
    db: Database,
    actor: Actor,
    meeting_id: uuid.UUID,
    expected_version: int,
    draft: MeetingDraft,
    *,
    today: date | None = None,
) -> Changes:
    """Save an edited meeting: items, attendees and actions are changed in place, added or
    removed, each journalled.  Refused, changing nothing, if someone saved it first."""
    require(actor, Permission.EDIT_RECORDS)
    clean = clean_meeting(draft)
    with unit_of_work(db, actor, f"Changed meeting “{clean.title}”") as uow:
        meeting = uow.get(Meeting, meeting_id)
        uow.check_version(meeting, expected_version)
        _check_references(uow.session, clean, meeting)
        uow.update(meeting, clean.record_values(), expected_version)
        if _sync_children(uow, meeting, clean, today=today) and meeting.id not in uow.changes.updated.get(
            "meetings", set()
        ):
            uow.touch(meeting)
        reindex(uow.session, meeting.id)
    return uow.changes


def archive_meeting(db: Database, actor: Actor, meeting_id: uuid.UUID, expected_version: int) -> Changes:
    """Archive a meeting with its agenda, attendees and actions: gone from lists, searches
    and the tracker, nothing lost; undo brings it all back."""
    require(actor, Permission.EDIT_RECORDS)
    with unit_of_work(db, actor, "Archived a meeting") as uow:
        meeting = uow.get(Meeting, meeting_id)
        uow.check_version(meeting, expected_version)
        uow.summary = f"Archived meeting “{meeting.title}”"
        for model in (MeetingItem, MeetingAttendee, Action):
            for row in uow.session.scalars(
                select(model).where(model.meeting_id == meeting_id, model.deleted_at.is_(None))
            ):
                uow.archive(row, None, summary=uow.summary)
        uow.archive(meeting, expected_version, summary=uow.summary)
        search.remove(uow.session, SEARCH_KIND, meeting.id)
    return uow.changes


# -- internals --------------------------------------------------------------------------------
def _check_references(session: Session, clean: CleanMeeting, meeting: Meeting | None) -> None:
    """Every contact, organisation, owner and stored row the draft names exists and fits.

    What the meeting already holds is accepted as it is (a chair or attendee archived since
    the meeting does not stop its minutes being corrected)."""
    problems = Problems("The meeting")
    stored_attendees: list[MeetingAttendee] = []
    stored_items: dict[uuid.UUID, MeetingItem] = {}
    stored_actions: dict[uuid.UUID, Action] = {}
    if meeting is not None:
        stored_attendees = list(
            session.scalars(
                select(MeetingAttendee).where(
                    MeetingAttendee.meeting_id == meeting.id, MeetingAttendee.deleted_at.is_(None)
                )
            )
        )
        stored_items = {
            i.id: i
            for i in session.scalars(
                select(MeetingItem).where(
                    MeetingItem.meeting_id == meeting.id, MeetingItem.deleted_at.is_(None)
                )
            )
        }
        stored_actions = {
            a.id: a for a in session.scalars(select(Action).where(Action.meeting_id == meeting.id))
        }
    known_people = {a.contact_id for a in stored_attendees} | ({meeting.chair_id} if meeting else set())
    known_orgs = {a.speaks_for_id for a in stored_attendees}
    wanted = {
        clean.chair_id,
        *(a.contact_id for a in clean.attendees),
        *(a.speaks_for_id for a in clean.attendees),
    } - {None}
    contacts: dict[uuid.UUID, Contact] = {}
    for chunk in chunked(list(wanted)):
        contacts.update((c.id, c) for c in session.scalars(select(Contact).where(Contact.id.in_(chunk))))

    def live(contact_id: uuid.UUID, known: set[Any]) -> Contact | str:
        contact = contacts.get(contact_id)
        if contact is None:
            return "That contact no longer exists."
        if contact.deleted_at is not None and contact_id not in known:
            return f"{contact.name} is archived; restore them first or choose someone else."
        return contact

    if clean.chair_id is not None:
        chair = live(clean.chair_id, known_people)
        if isinstance(chair, str):
            problems.by_field["chair_id"] = chair
    for i, attendee in enumerate(clean.attendees):
        name = f"attendees[{i}]"
        person = live(attendee.contact_id, known_people)
        if isinstance(person, str):
            problems.by_field[f"{name}.contact_id"] = person
        if attendee.id is not None and attendee.id not in {a.id for a in stored_attendees}:
            problems.by_field[name] = _gone("attendee")
        if attendee.speaks_for_id is not None:
            org = live(attendee.speaks_for_id, known_orgs)
            if isinstance(org, str):
                problems.by_field[f"{name}.speaks_for_id"] = org
            elif org.kind != ContactKind.ORGANISATION.value:
                problems.by_field[f"{name}.speaks_for_id"] = (
                    f"{org.name} is a person; choose the organisation this attendee speaks for."
                )
    for i, item in enumerate(clean.items):
        if item.id is not None and item.id not in stored_items:
            problems.by_field[f"items[{i}]"] = _gone("agenda item")
    for i, entry in enumerate(clean.actions):
        prefix = f"actions[{i}]."
        current = None
        if entry.id is not None:
            current = stored_actions.get(entry.id)
            if current is None or current.deleted_at is not None:
                problems.by_field[f"actions[{i}]"] = _gone("action")
                continue
        values = action_service.check_action(entry.action, Problems(), prefix)
        assert values is not None  # checked by clean_meeting
        action_service.check_references(session, values, problems, prefix, current)
    problems.raise_if_any()


def _gone(noun: str) -> str:
    return (
        f"This {noun} is no longer part of the meeting (someone else may have removed it); "
        "reload the meeting and make your changes again."
    )


def _sync_children(uow: UnitOfWork, meeting: Meeting, clean: CleanMeeting, *, today: date | None) -> bool:
    """Make the meeting's items, attendees and actions what ``clean`` says; True if any changed."""
    s = uow.session
    where = meeting.describe()
    changed = False
    # Agenda items, matched by id; their position is their place in the draft.
    stored_items = {
        i.id: i
        for i in s.scalars(
            select(MeetingItem).where(MeetingItem.meeting_id == meeting.id, MeetingItem.deleted_at.is_(None))
        )
    }
    item_ids: list[uuid.UUID] = []
    for position, entry in enumerate(clean.items):
        values = {
            "position": position,
            "title": entry.title,
            "notes": entry.notes,
            "decisions": entry.decisions,
        }
        item_row = stored_items.pop(entry.id, None) if entry.id is not None else None
        if item_row is None:
            item_row = uow.add(
                MeetingItem(meeting_id=meeting.id, **values),
                summary=f"Added agenda item “{entry.title}” to {where}",
            )
            changed = True
        elif uow.update(item_row, values, None, summary=f"Changed agenda item “{entry.title}” of {where}"):
            changed = True
        item_ids.append(item_row.id)
    # Attendees, matched by id, else by the person.
    stored_attendees = list(
        s.scalars(
            select(MeetingAttendee).where(
                MeetingAttendee.meeting_id == meeting.id, MeetingAttendee.deleted_at.is_(None)
            )
        )
    )
    by_id = {a.id: a for a in stored_attendees}
    by_contact = {a.contact_id: a for a in stored_attendees}
    names = _names(s, [a.contact_id for a in clean.attendees])
    for attendee in clean.attendees:
        row = by_id.get(attendee.id) if attendee.id is not None else by_contact.get(attendee.contact_id)
        if row is not None and row.id not in by_id:
            row = None  # already matched to an earlier entry
        attendee_values: dict[str, Any] = {
            "contact_id": attendee.contact_id,
            "speaks_for_id": attendee.speaks_for_id,
            "attendance": attendee.attendance,
        }
        who = names.get(attendee.contact_id, "someone")
        if row is None:
            verb = "Apologies from" if attendee.attendance == Attendance.APOLOGIES.value else "Added"
            suffix = "" if verb == "Apologies from" else " as an attendee"
            uow.add(
                MeetingAttendee(meeting_id=meeting.id, **attendee_values),
                summary=f"{verb} {who}{suffix} ({where})",
            )
            changed = True
        else:
            del by_id[row.id]
            if uow.update(row, attendee_values, None, summary=f"Changed attendance of {who} ({where})"):
                changed = True
    for gone in by_id.values():
        uow.archive(gone, None, summary=f"Removed an attendee from {where}")
        changed = True
    for removed in stored_items.values():
        uow.archive(removed, None, summary=f"Removed agenda item “{removed.title}” from {where}")
        changed = True
    # Actions, matched by id; each carries the version the form saw.
    stored_actions = {
        a.id: a
        for a in s.scalars(select(Action).where(Action.meeting_id == meeting.id, Action.deleted_at.is_(None)))
    }
    for act in clean.actions:
        draft = dataclasses.replace(
            act.action,
            meeting_id=meeting.id,
            meeting_item_id=item_ids[act.item] if act.item is not None else None,
        )
        current = stored_actions.pop(act.id, None) if act.id is not None else None
        if current is None:
            action_service.new_action(uow, draft, today=today)
            changed = True
        elif action_service.change_action(uow, current, draft, act.version, today=today):
            changed = True
    for dropped in stored_actions.values():
        uow.archive(dropped, None, summary=f"Removed action “{dropped.title}” from {where}")
        changed = True
    return changed


def reindex(session: Session, meeting_id: uuid.UUID) -> None:
    """Rewrite the meeting's search document from what is stored now."""
    session.flush()
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.deleted_at is not None:
        search.remove(session, SEARCH_KIND, meeting_id)
        return
    items = session.scalars(
        select(MeetingItem)
        .where(MeetingItem.meeting_id == meeting_id, MeetingItem.deleted_at.is_(None))
        .order_by(MeetingItem.position)
    ).all()
    search.put(
        session,
        SEARCH_KIND,
        meeting_id,
        [
            meeting.title,
            meeting.venue,
            meeting.notes,
            *(part for item in items for part in (item.title, item.notes, item.decisions)),
        ],
    )


def meetings_touched(session: Session, changes: Changes) -> set[uuid.UUID]:
    """Meetings whose searchable text ``changes`` may have changed (for derived.refresh)."""
    touched: set[uuid.UUID] = set()
    for kind in (changes.created, changes.updated, changes.archived, changes.restored):
        touched |= kind.get("meetings", set())
        item_ids = list(kind.get("meeting_items", set()))
        for chunk in chunked(item_ids):
            touched.update(session.scalars(select(MeetingItem.meeting_id).where(MeetingItem.id.in_(chunk))))
    return touched


def refresh_search(session: Session, changes: Changes) -> None:
    """Rebuild the search documents of the meetings ``changes`` touched (after an undo)."""
    for meeting_id in meetings_touched(session, changes):
        reindex(session, meeting_id)


def search_meetings(db: Database, query: str, *, limit: int = 200) -> list[uuid.UUID]:
    """Meetings whose title, venue, notes, agenda items or decisions match, best first."""
    with db.read() as session:
        found = search.search(session, SEARCH_KIND, query, limit=limit)
        live: set[uuid.UUID] = set()
        for chunk in chunked(found):
            live.update(
                session.scalars(select(Meeting.id).where(Meeting.id.in_(chunk), Meeting.deleted_at.is_(None)))
            )
    return [meeting_id for meeting_id in found if meeting_id in live]


# -- timeline ---------------------------------------------------------------------------------
def _at(day: date, recorded_at: datetime, start: time | None = None) -> datetime:
    """When a dated event happened: its date and start time, else the time it was recorded
    if that was the same day, else midday."""
    if start is not None:
        return datetime.combine(day, start, tzinfo=UTC)
    if recorded_at.date() == day:
        return recorded_at
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


def _timeline_items(session: Session, contact_id: uuid.UUID) -> list[TimelineItem]:
    """Meetings the contact attended, sent apologies to, chaired or was spoken for at, and
    the actions they own."""
    items: list[TimelineItem] = []
    rows = session.execute(
        select(MeetingAttendee, Meeting)
        .join(Meeting, Meeting.id == MeetingAttendee.meeting_id)
        .where(
            or_(MeetingAttendee.contact_id == contact_id, MeetingAttendee.speaks_for_id == contact_id),
            MeetingAttendee.deleted_at.is_(None),
            Meeting.deleted_at.is_(None),
        )
    ).all()
    names = _names(session, [a.speaks_for_id for a, _ in rows] + [a.contact_id for a, _ in rows])
    seen: set[uuid.UUID] = set()
    for attendee, meeting in rows:
        at = _at(meeting.on_date, meeting.created_at, meeting.start_time)
        if attendee.contact_id == contact_id:
            seen.add(meeting.id)
            if attendee.attendance == Attendance.APOLOGIES.value:
                title = f"Sent apologies to meeting “{meeting.title}”"
            elif meeting.chair_id == contact_id:
                title = f"Chaired meeting “{meeting.title}”"
            else:
                title = f"Attended meeting “{meeting.title}”"
            org = names.get(attendee.speaks_for_id) if attendee.speaks_for_id else None
            detail = f"Speaking for {org}" if org else ""
        else:
            verb = "sent apologies" if attendee.attendance == Attendance.APOLOGIES.value else "spoke for them"
            title = f"At meeting “{meeting.title}”, {names.get(attendee.contact_id, 'someone')} {verb}"
            detail = ""
        items.append(
            TimelineItem(
                at=at,
                kind="meeting",
                title=title,
                detail=detail,
                record_table="meetings",
                record_id=meeting.id,
            )
        )
    for meeting in session.scalars(
        select(Meeting).where(Meeting.chair_id == contact_id, Meeting.deleted_at.is_(None))
    ):
        if meeting.id not in seen:
            items.append(
                TimelineItem(
                    at=_at(meeting.on_date, meeting.created_at, meeting.start_time),
                    kind="meeting",
                    title=f"Chaired meeting “{meeting.title}”",
                    record_table="meetings",
                    record_id=meeting.id,
                )
            )
    for action, meeting_title in session.execute(
        select(Action, Meeting.title)
        .outerjoin(Meeting, Meeting.id == Action.meeting_id)
        .where(
            Action.owner_contact_id == contact_id,
            Action.deleted_at.is_(None),
            or_(Action.meeting_id.is_(None), Meeting.deleted_at.is_(None)),
        )
    ):
        status = ActionStatus(action.status)
        parts = [status.label]
        if action.due_on:
            parts.append(f"due {day_text(action.due_on)}")
        if meeting_title:
            parts.append(f"from meeting “{meeting_title}”")
        items.append(
            TimelineItem(
                at=action.created_at,
                kind="action",
                title=f"Action: {action.title}",
                detail=", ".join(parts),
                record_table="actions",
                record_id=action.id,
            )
        )
    return items


if not any(
    getattr(p, "__module__", None) == __name__ and getattr(p, "__name__", None) == "_timeline_items"
    for p in timeline.PROVIDERS
):
    timeline.PROVIDERS.append(_timeline_items)
