"""Meetings: saved whole, children diffed and journalled, stale saves refused, search, timeline."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, time

import pytest
from sqlalchemy import func, select

from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.engagement import ActionStatus, Attendance
from vcsedesk.domain.errors import ConflictError, ValidationError
from vcsedesk.services import actions, contacts, meetings, timeline
from vcsedesk.services.actions import ActionDraft
from vcsedesk.services.base import Actor, undo_last
from vcsedesk.services.meetings import AgendaItemEntry, AttendeeEntry, MeetingActionEntry, MeetingDraft
from vcsedesk.store.database import Database
from vcsedesk.store.models import Action, JournalEntry, MeetingAttendee, MeetingItem

TODAY = date(2026, 3, 10)


@dataclass(frozen=True)
class People:
    aisha: uuid.UUID
    ben: uuid.UUID
    chloe: uuid.UUID
    dev: uuid.UUID
    tenants: uuid.UUID
    carers: uuid.UUID


def person(db: Database, actor: Actor, given: str, family: str) -> uuid.UUID:
    (cid,) = contacts.create_contact(db, actor, ContactDraft(given_name=given, family_name=family)).created[
        "contacts"
    ]
    return cid


def organisation(db: Database, actor: Actor, name: str) -> uuid.UUID:
    (cid,) = contacts.create_contact(db, actor, ContactDraft(kind="organisation", name=name)).created[
        "contacts"
    ]
    return cid


def cast(db: Database, actor: Actor) -> People:
    return People(
        aisha=person(db, actor, "Aisha", "Rahman"),
        ben=person(db, actor, "Ben", "Okafor"),
        chloe=person(db, actor, "Chloe", "Zhang"),
        dev=person(db, actor, "Dev", "Patel"),
        tenants=organisation(db, actor, "Riverside Tenants’ Association"),
        carers=organisation(db, actor, "Carers Hub"),
    )


def forum(p: People) -> MeetingDraft:
    return MeetingDraft(
        title="Carers’ partnership forum",
        on_date=date(2026, 3, 3),
        start_time=time(18, 30),
        venue="St Mary’s church hall",
        online=True,
        chair_id=p.aisha,
        notes="Quorate.",
        items=(
            AgendaItemEntry("Welcome"),
            AgendaItemEntry(
                "GP access", "Long waits for appointments at Riverside surgery.", "Write to the ICB."
            ),
            AgendaItemEntry("Respite care", "Few places over the summer.", ""),
        ),
        attendees=(
            AttendeeEntry(p.aisha),
            AttendeeEntry(p.ben, speaks_for_id=p.tenants),
            AttendeeEntry(p.chloe, speaks_for_id=p.carers, attendance="apologies"),
        ),
        actions=(
            MeetingActionEntry(
                ActionDraft("Write to the ICB", owner_contact_id=p.ben, due_on=date(2026, 3, 31)), 1
            ),
            MeetingActionEntry(ActionDraft("Map respite providers", due_on=date(2026, 3, 1)), 2),
            MeetingActionEntry(ActionDraft("Book the next venue")),
        ),
    )


def add(db: Database, actor: Actor, draft: MeetingDraft) -> uuid.UUID:
    (mid,) = meetings.add_meeting(db, actor, draft, today=TODAY).created["meetings"]
    return mid


def test_add_and_view_everything_the_minutes_need(db: Database, admin: Actor) -> None:
    p = cast(db, admin)
    view = meetings.get_meeting(db, add(db, admin, forum(p)))
    assert view.organisation == "Riverside Community Voices"
    assert (view.title, view.on_date, view.start_time) == (
        "Carers’ partnership forum",
        date(2026, 3, 3),
        time(18, 30),
    )
    assert (view.venue, view.online, view.chair, view.notes) == (
        "St Mary’s church hall",
        True,
        "Aisha Rahman",
        "Quorate.",
    )
    assert [(a.name, a.speaks_for) for a in view.attendees] == [
        ("Aisha Rahman", None),
        ("Ben Okafor", "Riverside Tenants’ Association"),
    ]
    assert [(a.name, a.speaks_for, a.attendance) for a in view.apologies] == [
        ("Chloe Zhang", "Carers Hub", Attendance.APOLOGIES)
    ]
    assert [(i.number, i.title) for i in view.items] == [
        (1, "Welcome"),
        (2, "GP access"),
        (3, "Respite care"),
    ]
    assert view.items[1].decisions == "Write to the ICB."
    assert [a.title for a in view.items[1].actions] == ["Write to the ICB"]
    assert view.items[1].actions[0].owner == "Ben Okafor"
    assert [(a.title, a.item_number) for a in view.actions] == [
        ("Write to the ICB", 2),
        ("Map respite providers", 3),
        ("Book the next venue", None),
    ]
    rows = actions.list_actions(db, today=TODAY, source_id=view.id)
    assert [r.title for r in rows] == ["Map respite providers", "Write to the ICB", "Book the next venue"]
    assert rows[0].overdue
    (row,) = meetings.list_meetings(db)
    assert (row.attended, row.apologies, row.items, row.open_actions, row.chair) == (
        2,
        1,
        3,
        3,
        "Aisha Rahman",
    )
    for typed in ("respite", "riverside surgery", "ICB", "church hall", "quorate", "partnership"):
        assert meetings.search_meetings(db, typed) == [view.id], typed
        assert [m.id for m in meetings.list_meetings(db, query=typed)] == [view.id]
    assert meetings.list_meetings(db, query="dentistry") == []
    # Undo takes the whole meeting away in one step.
    undo_last(db, admin)
    assert meetings.list_meetings(db) == []
    assert actions.list_actions(db, today=TODAY) == []


def test_problems_are_named_by_field_and_position(db: Database, admin: Actor) -> None:
    p = cast(db, admin)
    bad = MeetingDraft(
        title="",
        on_date=None,
        items=(AgendaItemEntry("Welcome"), AgendaItemEntry("Minutes"), AgendaItemEntry("  ")),
        attendees=(
            AttendeeEntry(p.aisha),
            AttendeeEntry(p.aisha, attendance="apologies"),
            AttendeeEntry(p.ben, attendance="maybe"),
            AttendeeEntry(p.tenants, speaks_for_id=p.tenants),
        ),
        actions=(
            MeetingActionEntry(ActionDraft("Fine"), 0),
            MeetingActionEntry(ActionDraft("", owner_user_id=admin.user_id, owner_contact_id=p.ben), 5),
        ),
    )
    with pytest.raises(ValidationError) as caught:
        meetings.add_meeting(db, admin, bad)
    assert set(caught.value.problems) == {
        "title",
        "on_date",
        "items[2].title",
        "attendees[1]",
        "attendees[2].attendance",
        "attendees[3].speaks_for_id",
        "actions[1].title",
        "actions[1].owner",
        "actions[1].item",
    }
    assert "listed twice" in caught.value.problems["attendees[1]"]
    assert "3 items" in caught.value.problems["actions[1].item"]
    # What only the database can say: speaks for a person, people who do not exist.
    wrong = MeetingDraft(
        "Forum",
        TODAY,
        chair_id=uuid.uuid4(),
        attendees=(AttendeeEntry(p.ben, speaks_for_id=p.aisha), AttendeeEntry(uuid.uuid4())),
        actions=(MeetingActionEntry(ActionDraft("Call", owner_contact_id=uuid.uuid4())),),
    )
    with pytest.raises(ValidationError) as refs:
        meetings.add_meeting(db, admin, wrong)
    assert set(refs.value.problems) == {
        "chair_id",
        "attendees[0].speaks_for_id",
        "attendees[1].contact_id",
        "actions[0].owner_contact_id",
    }
    assert refs.value.problems["attendees[0].speaks_for_id"] == (
        "Aisha Rahman is a person; choose the organisation this attendee speaks for."
    )
    assert meetings.list_meetings(db) == []
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Action)) == 0


def test_edit_diffs_children_in_place_and_journals_each(db: Database, admin: Actor) -> None:
    p = cast(db, admin)
    mid = add(db, admin, forum(p))
    view = meetings.get_meeting(db, mid)
    draft = view.as_draft()
    # Saving the draft unchanged changes nothing at all.
    assert not meetings.update_meeting(db, admin, mid, view.version, draft, today=TODAY)
    assert meetings.get_meeting(db, mid).version == view.version
    welcome, gp, respite = draft.items
    aisha, ben, chloe = sorted(draft.attendees, key=lambda a: a.contact_id != p.aisha)
    icb, respite_action, venue = draft.actions
    edited = draft.with_changes(
        items=(
            AgendaItemEntry("GP access and dentistry", gp.notes, gp.decisions, gp.id),
            welcome,
            AgendaItemEntry("Any other business", "Summer fete.", ""),
        ),  # respite removed; GP moved first
        attendees=(
            aisha,
            AttendeeEntry(p.chloe, p.carers, "attended"),  # no id: matched by the person
            AttendeeEntry(p.dev, p.tenants),
        ),  # Ben removed, Dev added
        actions=(
            MeetingActionEntry(
                ActionDraft(
                    "Write to the ICB", owner_contact_id=p.ben, due_on=date(2026, 3, 31), status="done"
                ),
                0,
                icb.id,
                icb.version,
            ),
            MeetingActionEntry(ActionDraft("Ask about the fete"), 2),
        ),  # respite action and venue action removed
    )
    changes = meetings.update_meeting(db, admin, mid, view.version, edited, today=TODAY)
    after = meetings.get_meeting(db, mid)
    assert after.version == view.version + 1
    assert [(i.number, i.title) for i in after.items] == [
        (1, "GP access and dentistry"),
        (2, "Welcome"),
        (3, "Any other business"),
    ]
    assert after.items[0].id == gp.id and after.items[1].id == welcome.id  # changed in place
    assert [(a.name, a.speaks_for) for a in after.attendees] == [
        ("Aisha Rahman", None),
        ("Chloe Zhang", "Carers Hub"),
        ("Dev Patel", "Riverside Tenants’ Association"),
    ]
    assert after.apologies == ()
    chloe_view = next(a for a in after.attendees if a.contact_id == p.chloe)
    assert chloe_view.id == chloe.id  # the same row, now attended
    assert [(a.title, a.item_number, a.status) for a in after.actions] == [
        ("Write to the ICB", 1, ActionStatus.DONE),
        ("Ask about the fete", 3, ActionStatus.OPEN),
    ]
    assert after.actions[0].id == icb.id and after.actions[0].completed_on == TODAY
    assert changes.archived == {
        "meeting_items": {respite.id},
        "meeting_attendees": {ben.id},
        "actions": {respite_action.id, venue.id},
    }
    with db.read() as s:
        ops = {
            (e.table_name, e.operation)
            for e in s.scalars(select(JournalEntry).where(JournalEntry.change_set == changes.change_set))
        }
        archived_items = s.scalar(
            select(func.count()).select_from(MeetingItem).where(MeetingItem.deleted_at.is_not(None))
        )
    assert ops == {
        ("meeting_items", "update"),
        ("meeting_items", "insert"),
        ("meeting_items", "archive"),
        ("meeting_attendees", "update"),
        ("meeting_attendees", "insert"),
        ("meeting_attendees", "archive"),
        ("actions", "update"),
        ("actions", "insert"),
        ("actions", "archive"),
    }
    assert archived_items == 1
    assert meetings.search_meetings(db, "dentistry") == [mid]
    assert meetings.search_meetings(db, "respite") == []
    # Undo puts every child back as it was.
    undo_last(db, admin)
    restored = meetings.get_meeting(db, mid)
    assert [i.title for i in restored.items] == ["Welcome", "GP access", "Respite care"]
    assert [a.name for a in restored.apologies] == ["Chloe Zhang"]
    assert [a.title for a in restored.actions] == [
        "Write to the ICB",
        "Map respite providers",
        "Book the next venue",
    ]


def test_stale_saves_are_refused(db: Database, admin: Actor) -> None:
    p = cast(db, admin)
    mid = add(db, admin, forum(p))
    view = meetings.get_meeting(db, mid)
    first = view.as_draft()
    # Someone else adds an agenda item: the first form is now stale.
    meetings.update_meeting(
        db,
        admin,
        mid,
        view.version,
        first.with_changes(items=(*first.items, AgendaItemEntry("AOB"))),
        today=TODAY,
    )
    with pytest.raises(ConflictError) as stale:
        meetings.update_meeting(
            db, admin, mid, view.version, first.with_changes(title="Renamed"), today=TODAY
        )
    assert "Sam Patel" in str(stale.value)
    # An action moved on in the tracker is not undone by a meeting form that saw it earlier.
    fresh = meetings.get_meeting(db, mid)
    icb = fresh.actions[0]
    actions.set_status(db, admin, icb.id, icb.version, "done", today=TODAY)
    with pytest.raises(ConflictError):
        meetings.update_meeting(db, admin, mid, fresh.version, fresh.as_draft(), today=TODAY)
    assert actions.get_action(db, icb.id).status is ActionStatus.DONE
    # An entry naming a row that is not the meeting's is refused by position.
    current = meetings.get_meeting(db, mid)
    foreign = current.as_draft().with_changes(items=(AgendaItemEntry("Stray", id=uuid.uuid4()),), actions=())
    with pytest.raises(ValidationError) as caught:
        meetings.update_meeting(db, admin, mid, current.version, foreign, today=TODAY)
    assert set(caught.value.problems) == {"items[0]"}


def test_archive_meeting_takes_its_children_and_undo_restores(db: Database, admin: Actor) -> None:
    p = cast(db, admin)
    mid = add(db, admin, forum(p))
    other = add(db, admin, MeetingDraft("Hub meeting", date(2026, 2, 1), venue="Library"))
    meetings.archive_meeting(db, admin, mid, 1)
    assert [m.id for m in meetings.list_meetings(db)] == [other]
    assert meetings.search_meetings(db, "respite") == []
    assert actions.list_actions(db, today=TODAY) == []
    assert meetings.get_meeting(db, mid).archived
    with db.read() as s:
        live = s.scalar(
            select(func.count()).select_from(MeetingAttendee).where(MeetingAttendee.deleted_at.is_(None))
        )
    assert live == 0
    undo_last(db, admin)
    assert {m.id for m in meetings.list_meetings(db)} == {mid, other}
    assert len(actions.list_actions(db, today=TODAY)) == 3


def test_list_filters_by_dates_newest_first(db: Database, admin: Actor) -> None:
    jan = add(db, admin, MeetingDraft("January hub", date(2026, 1, 14)))
    feb_late = add(db, admin, MeetingDraft("February evening", date(2026, 2, 11), start_time=time(19, 0)))
    feb_early = add(db, admin, MeetingDraft("February morning", date(2026, 2, 11), start_time=time(9, 30)))
    feb_untimed = add(db, admin, MeetingDraft("February notes", date(2026, 2, 11)))
    assert [m.id for m in meetings.list_meetings(db)] == [feb_late, feb_early, feb_untimed, jan]
    assert [m.id for m in meetings.list_meetings(db, start=date(2026, 2, 1), end=date(2026, 2, 28))] == [
        feb_late,
        feb_early,
        feb_untimed,
    ]
    assert [m.id for m in meetings.list_meetings(db, end=date(2026, 1, 31))] == [jan]
    assert [m.id for m in meetings.list_meetings(db, query="february")] == [feb_late, feb_early, feb_untimed]


def test_timeline_shows_meetings_and_actions(db: Database, admin: Actor) -> None:
    p = cast(db, admin)
    add(db, admin, forum(p))
    assert timeline.PROVIDERS.count(meetings._timeline_items) == 1
    titles = {i.title: i for i in timeline.timeline(db, p.ben)}
    attended = titles["Attended meeting “Carers’ partnership forum”"]
    assert attended.detail == "Speaking for Riverside Tenants’ Association" and attended.kind == "meeting"
    owned = titles["Action: Write to the ICB"]
    assert owned.detail == "Open, due 31 Mar 2026, from meeting “Carers’ partnership forum”"
    assert "Sent apologies to meeting “Carers’ partnership forum”" in {
        i.title for i in timeline.timeline(db, p.chloe)
    }
    assert "Chaired meeting “Carers’ partnership forum”" in {i.title for i in timeline.timeline(db, p.aisha)}
    carers = {i.title for i in timeline.timeline(db, p.carers)}
    assert "At meeting “Carers’ partnership forum”, Chloe Zhang sent apologies" in carers
