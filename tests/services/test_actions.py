"""Actions tracker: validation, completed dates, order (overdue first), filters, sources, counts."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date

import pytest
from sqlalchemy import select

from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.engagement import ActionStatus
from vcsedesk.domain.errors import ConflictError, ValidationError
from vcsedesk.services import actions, contacts, meetings, people
from vcsedesk.services.actions import ActionDraft
from vcsedesk.services.base import Actor, undo_last, unit_of_work
from vcsedesk.store.database import Database
from vcsedesk.store.models import Action, Engagement, EngagementType, JournalEntry

TODAY = date(2026, 3, 10)


def add(db: Database, actor: Actor, draft: ActionDraft, today: date = TODAY) -> uuid.UUID:
    (action_id,) = actions.add_action(db, actor, draft, today=today).created["actions"]
    return action_id


def contact(db: Database, actor: Actor, given: str, family: str = "Okafor") -> uuid.UUID:
    (cid,) = contacts.create_contact(db, actor, ContactDraft(given_name=given, family_name=family)).created[
        "contacts"
    ]
    return cid


def engagement(db: Database, actor: Actor, title: str, on: date) -> uuid.UUID:
    with unit_of_work(db, actor, "Added an engagement for the test") as uow:
        type_id = uow.session.scalars(select(EngagementType.id)).first()
        assert type_id is not None  # seeded by migration 0004
        return uow.add(Engagement(title=title, type_id=type_id, on_date=on)).id


def test_add_journals_and_lists_with_owner_name(db: Database, admin: Actor) -> None:
    aid = add(
        db, admin, ActionDraft("  Book   the hall ", owner_user_id=admin.user_id, due_on=date(2026, 4, 1))
    )
    (row,) = actions.list_actions(db, today=TODAY)
    assert (row.id, row.title, row.owner, row.due_on) == (aid, "Book the hall", "Sam Patel", date(2026, 4, 1))
    assert row.status is ActionStatus.OPEN and not row.overdue
    assert (row.source, row.source_table, row.source_id) == ("", None, None)
    with db.read() as s:
        entry = s.scalars(select(JournalEntry).where(JournalEntry.record_id == aid)).one()
    assert entry.operation == "insert" and entry.summary == "Added action “Book the hall”"
    undo_last(db, admin)
    assert actions.list_actions(db, today=TODAY) == []


def test_every_problem_is_named_against_its_field(db: Database, admin: Actor) -> None:
    cid = contact(db, admin, "Grace")
    bad = ActionDraft(
        title=" ",
        owner_user_id=admin.user_id,
        owner_contact_id=cid,
        status="finished",
        outcome="x" * (actions.MAX_OUTCOME + 1),
    )
    with pytest.raises(ValidationError) as caught:
        actions.add_action(db, admin, bad, today=TODAY)
    assert set(caught.value.problems) == {"title", "owner", "status", "outcome"}
    assert "one owner" in caught.value.problems["owner"]
    assert "open, in progress, done, cancelled" in caught.value.problems["status"]
    with pytest.raises(ValidationError) as long_title:
        actions.add_action(db, admin, ActionDraft("t" * 201), today=TODAY)
    assert "at most 200" in long_title.value.problems["title"]
    with pytest.raises(ValidationError) as gone:
        actions.add_action(db, admin, ActionDraft("Call back", owner_contact_id=uuid.uuid4()), today=TODAY)
    assert set(gone.value.problems) == {"owner_contact_id"}
    assert actions.list_actions(db, today=TODAY) == []  # nothing half-written


def test_completed_on_is_set_kept_and_cleared(db: Database, admin: Actor) -> None:
    aid = add(db, admin, ActionDraft("Write to the practice manager"))
    actions.set_status(db, admin, aid, 1, "done", "They added Saturday clinics.", today=date(2026, 3, 11))
    view = actions.get_action(db, aid)
    assert view.status is ActionStatus.DONE and view.completed_on == date(2026, 3, 11)
    assert view.outcome == "They added Saturday clinics."
    # Editing a done action a week later keeps the day it was done.
    edited = dataclasses.replace(view.as_draft(), title="Write to the PM")
    actions.update_action(db, admin, aid, view.version, edited, today=date(2026, 3, 18))
    view = actions.get_action(db, aid)
    assert (view.title, view.completed_on) == ("Write to the PM", date(2026, 3, 11))
    actions.set_status(db, admin, aid, view.version, ActionStatus.IN_PROGRESS, today=date(2026, 3, 20))
    view = actions.get_action(db, aid)
    assert view.completed_on is None and view.outcome == "They added Saturday clinics."  # outcome kept
    with pytest.raises(ConflictError) as stale:
        actions.set_status(db, admin, aid, 1, "cancelled", today=TODAY)
    assert "Sam Patel" in str(stale.value)
    with pytest.raises(ValidationError) as bad:
        actions.set_status(db, admin, aid, view.version, "sort of", today=TODAY)
    assert set(bad.value.problems) == {"status"}


def test_order_is_overdue_first_then_due_date_then_title(db: Database, admin: Actor) -> None:
    grace = contact(db, admin, "Grace")
    undated = add(db, admin, ActionDraft("Alpha, no date"))
    later = add(db, admin, ActionDraft("Later", due_on=date(2026, 5, 1), owner_contact_id=grace))
    soon_b = add(db, admin, ActionDraft("b soon", due_on=date(2026, 3, 20)))
    soon_a = add(db, admin, ActionDraft("A soon", due_on=date(2026, 3, 20)))
    late_old = add(db, admin, ActionDraft("Very late", due_on=date(2026, 1, 5)))
    late = add(db, admin, ActionDraft("Late", due_on=date(2026, 3, 9), status="in_progress"))
    done_late = add(db, admin, ActionDraft("Done late", due_on=date(2026, 1, 1), status="done"))
    cancelled = add(db, admin, ActionDraft("Dropped", due_on=date(2026, 2, 1), status="cancelled"))
    due_today = add(db, admin, ActionDraft("Due today", due_on=TODAY))
    rows = actions.list_actions(db, today=TODAY)
    assert [r.id for r in rows] == [
        late_old,
        late,
        done_late,
        cancelled,
        due_today,
        soon_a,
        soon_b,
        later,
        undated,
    ]
    assert [r.overdue for r in rows][:3] == [True, True, False]
    assert not any(r.overdue for r in rows[2:])
    assert rows[-2].owner == "Grace Okafor"
    assert actions.action_counts(db, TODAY) == (7, 2)
    assert [r.id for r in actions.list_actions(db, today=TODAY, overdue_only=True)] == [late_old, late]
    assert {r.id for r in actions.list_actions(db, today=TODAY, status={"done", "cancelled"})} == {
        done_late,
        cancelled,
    }
    assert [r.id for r in actions.list_actions(db, today=TODAY, ids=[undated, late_old, soon_b])] == [
        late_old,
        soon_b,
        undated,
    ]
    assert [r.id for r in actions.list_actions(db, today=TODAY, owner_contact_id=grace)] == [later]
    with db.read() as s:
        assert s.get(Action, done_late).completed_on == TODAY  # type: ignore[union-attr]


def test_owner_filter_and_archived_owner(db: Database, admin: Actor) -> None:
    (uid,) = people.add_user(db, admin, name="Jo Volunteer", role="volunteer").created["users"]
    jo = people.actor_for(db, uid, None)
    mine = add(db, jo, ActionDraft("Collect leaflets", owner_user_id=uid))
    add(db, admin, ActionDraft("Someone else's", owner_user_id=admin.user_id))
    assert [r.id for r in actions.list_actions(db, today=TODAY, owner_user_id=uid)] == [mine]
    people.archive_user(db, admin, uid, people.get_user(db, uid).version)
    with pytest.raises(ValidationError) as caught:
        actions.add_action(db, admin, ActionDraft("New one", owner_user_id=uid), today=TODAY)
    assert "Jo Volunteer's account is archived" in caught.value.problems["owner_user_id"]
    # An action already owned by them can still be edited.
    view = actions.get_action(db, mine)
    draft = ActionDraft("Collect the leaflets", owner_user_id=uid)
    actions.update_action(db, admin, mine, view.version, draft, today=TODAY)
    assert actions.get_action(db, mine).title == "Collect the leaflets"


def test_sources_are_named_filtered_and_kept(db: Database, admin: Actor) -> None:
    eid = engagement(db, admin, "Tuesday drop-in", date(2026, 3, 3))
    from_engagement = add(db, admin, ActionDraft("Chase the dentist list", engagement_id=eid))
    (mid,) = meetings.add_meeting(
        db,
        admin,
        meetings.MeetingDraft(
            "Carers’ forum",
            date(2026, 3, 5),
            actions=(meetings.MeetingActionEntry(ActionDraft("Invite the ICB")),),
        ),
    ).created["meetings"]
    loose = add(db, admin, ActionDraft("Renew insurance"))
    rows = {r.id: r for r in actions.list_actions(db, today=TODAY)}
    assert rows[from_engagement].source == "Engagement “Tuesday drop-in” 3 Mar 2026"
    assert rows[from_engagement].source_table == "engagements" and rows[from_engagement].source_id == eid
    (from_meeting,) = [r for r in rows.values() if r.source_table == "meetings"]
    assert from_meeting.source == "Meeting “Carers’ forum” 5 Mar 2026" and from_meeting.source_id == mid
    assert [r.id for r in actions.list_actions(db, today=TODAY, source_table="engagements")] == [
        from_engagement
    ]
    assert [r.id for r in actions.list_actions(db, today=TODAY, source_table="meetings", source_id=mid)] == [
        from_meeting.id
    ]
    assert [r.id for r in actions.list_actions(db, today=TODAY, source_id=eid)] == [from_engagement]
    # An edit whose draft names no source keeps the action where it came from.
    actions.update_action(db, admin, from_engagement, 1, ActionDraft("Chase the dentist waiting list"))
    assert actions.get_action(db, from_engagement).engagement_id == eid
    # Both kinds of source at once are refused.
    with pytest.raises(ValidationError) as both:
        actions.add_action(db, admin, ActionDraft("Both", engagement_id=eid, meeting_id=mid))
    assert set(both.value.problems) == {"source"}
    # Adding an action to a meeting bumps the meeting's version (a stale meeting form is refused).
    before = meetings.get_meeting(db, mid).version
    add(db, admin, ActionDraft("Send the minutes", meeting_id=mid))
    assert meetings.get_meeting(db, mid).version == before + 1
    # Archiving the meeting takes its actions out of the tracker; the others stay.
    meetings.archive_meeting(db, admin, mid, before + 1)
    assert {r.id for r in actions.list_actions(db, today=TODAY)} == {from_engagement, loose}
    assert actions.action_counts(db, TODAY) == (2, 0)
    with pytest.raises(ValueError, match="not 'claims'"):
        actions.list_actions(db, today=TODAY, source_table="claims")


def test_archive_action(db: Database, admin: Actor) -> None:
    aid = add(db, admin, ActionDraft("Typo"))
    with pytest.raises(ConflictError):
        actions.archive_action(db, admin, aid, 7)
    actions.archive_action(db, admin, aid, 1)
    assert actions.list_actions(db, today=TODAY) == []
    assert actions.get_action(db, aid).archived
    undo_last(db, admin)
    assert [r.id for r in actions.list_actions(db, today=TODAY)] == [aid]
