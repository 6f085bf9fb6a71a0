"""Engagement types and partnership priorities: short lists, edited with history."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from vcsedesk.domain.errors import ConflictError, PermissionDenied, UserError, ValidationError
from vcsedesk.services import engagement_lists as lists
from vcsedesk.services import people, setup
from vcsedesk.services.base import Actor, undo_last, unit_of_work
from vcsedesk.store import migrate
from vcsedesk.store.database import Database, sqlite_url
from vcsedesk.store.location import DataFolder
from vcsedesk.store.models import Engagement, EngagementType, JournalEntry

SEEDED = [
    "Event",
    "Drop-in",
    "One-to-one",
    "Focus group",
    "Survey session",
    "Outreach",
    "Online session",
    "Phone call",
]


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[tuple[Database, Actor]]:
    """SQLite only: these rules do not depend on the backend (the journal and undo test runs
    on both through ``db``)."""
    folder = DataFolder(tmp_path / "lite")
    folder.create()
    db = Database(sqlite_url(folder.database))
    migrate.prepare(db, backup_folder=folder.backups)
    admin = setup.first_run(
        db,
        organisation_name="Riverside Community Voices",
        user_name="Sam Patel",
        device_id=folder.device_id(),
    )
    try:
        yield db, admin
    finally:
        db.dispose()


def names(db: Database, include_archived: bool = False) -> list[str]:
    return [t.name for t in lists.list_types(db, include_archived)]


def by_name(db: Database, name: str) -> lists.TypeInfo:
    (found,) = [t for t in lists.list_types(db, True) if t.name == name]
    return found


def priority(db: Database, name: str) -> lists.PriorityInfo:
    (found,) = [p for p in lists.list_priorities(db, True) if p.name == name]
    return found


def journal(db: Database, table: str) -> list[JournalEntry]:
    with db.read() as s:
        return list(
            s.scalars(select(JournalEntry).where(JournalEntry.table_name == table).order_by(JournalEntry.seq))
        )


# -- engagement types ----------------------------------------------------------------------------
def test_the_default_types_are_listed_in_order(lite: tuple[Database, Actor]) -> None:
    db, _ = lite
    listed = lists.list_types(db)
    assert [t.name for t in listed] == SEEDED
    assert [t.position for t in listed] == list(range(8))
    assert not any(t.archived for t in listed)


def test_adding_renaming_and_archiving_a_type_is_journalled_and_undone(db: Database, admin: Actor) -> None:
    (walk_id,) = lists.add_type(db, admin, "  Listening   walk ").created["engagement_types"]
    walk = by_name(db, "Listening walk")
    assert walk.id == walk_id and walk.position == 8 and names(db)[-1] == "Listening walk"
    lists.rename_type(db, admin, walk.id, walk.version, "Community walk")
    walk = by_name(db, "Community walk")
    lists.archive_type(db, admin, walk.id, walk.version)
    assert "Community walk" not in names(db) and by_name(db, "Community walk").archived
    entries = journal(db, "engagement_types")
    assert [(e.operation, e.summary) for e in entries] == [
        ("insert", "Added engagement type “Listening walk”"),
        ("update", "Renamed engagement type “Listening walk” to “Community walk”"),
        ("archive", "Archived engagement type “Community walk”"),
    ]
    assert entries[1].changes == {"name": ["Listening walk", "Community walk"]}
    assert {e.actor_id for e in entries} == {admin.user_id}

    undo_last(db, admin)
    assert names(db)[-1] == "Community walk"
    undo_last(db, admin)
    assert names(db)[-1] == "Listening walk"


def test_type_names_are_required_short_and_unique_ignoring_case(lite: tuple[Database, Actor]) -> None:
    db, admin = lite
    cases = {
        "   ": "Name is required",
        "x" * 81: "at most 80",
        "drop-IN": "There is already an engagement type called “Drop-in”; choose another name.",
    }
    for name, message in cases.items():
        with pytest.raises(ValidationError) as caught:
            lists.add_type(db, admin, name)
        assert set(caught.value.problems) == {"name"} and message in caught.value.problems["name"]
    event = by_name(db, "Event")
    with pytest.raises(ValidationError, match="There is already an engagement type called “Outreach”"):
        lists.rename_type(db, admin, event.id, event.version, "OUTREACH")
    lists.rename_type(db, admin, event.id, event.version, "EVENT")  # its own name, recased
    event = by_name(db, "EVENT")
    with pytest.raises(ConflictError):
        lists.rename_type(db, admin, event.id, event.version - 1, "Events")

    lists.archive_type(db, admin, event.id, event.version)
    with pytest.raises(
        ValidationError, match="An archived engagement type is called “EVENT”; restore it instead"
    ):
        lists.add_type(db, admin, "event")
    assert names(db) == SEEDED[1:]


def test_an_archived_type_stays_on_its_engagements_and_can_be_restored(lite: tuple[Database, Actor]) -> None:
    db, admin = lite
    phone = by_name(db, "Phone call")
    with unit_of_work(db, admin, "Recorded a call") as uow:
        call = uow.add(Engagement(title="Call with Aisha", type_id=phone.id, on_date=date(2026, 3, 4)))
    lists.archive_type(db, admin, phone.id, phone.version)
    with db.read() as s:
        engagement = s.get(Engagement, call.id)
        assert engagement is not None and engagement.type_id == phone.id
        kind = s.get(EngagementType, phone.id)
        assert kind is not None and kind.name == "Phone call"
    assert "Phone call" not in names(db)
    assert names(db, include_archived=True)[-1] == "Phone call"

    first = by_name(db, "Event")
    lists.move_type(db, admin, first.id, first.version, 99)  # Event goes last
    archived = by_name(db, "Phone call")
    lists.restore_type(db, admin, archived.id, archived.version)
    assert names(db) == [*SEEDED[1:7], "Event", "Phone call"]  # restored at the end
    assert [t.position for t in lists.list_types(db)] == list(range(8))


def test_the_last_type_in_use_cannot_be_archived(lite: tuple[Database, Actor]) -> None:
    db, admin = lite
    for info in lists.list_types(db)[1:]:
        lists.archive_type(db, admin, info.id, info.version)
    (last,) = lists.list_types(db)
    with pytest.raises(UserError, match="“Event” is the only engagement type in use; add another"):
        lists.archive_type(db, admin, last.id, last.version)
    assert names(db) == ["Event"]


def test_restoring_refuses_a_name_now_in_use(lite: tuple[Database, Actor]) -> None:
    db, admin = lite
    outreach = by_name(db, "Outreach")
    lists.archive_type(db, admin, outreach.id, outreach.version)
    with unit_of_work(db, admin, "A copy made elsewhere named its type so") as uow:
        # a service refuses this name while an archived type has it; another copy may not know
        event = uow.get(EngagementType, by_name(db, "Event").id)
        uow.update(event, {"name": "outreach"}, None)
    archived = by_name(db, "Outreach")
    with pytest.raises(
        UserError, match="There is already an engagement type called “outreach” in use; rename one"
    ):
        lists.restore_type(db, admin, archived.id, archived.version)
    assert by_name(db, "Outreach").archived


def test_moving_a_type_renumbers_the_list(lite: tuple[Database, Actor]) -> None:
    db, admin = lite
    phone = by_name(db, "Phone call")
    changes = lists.move_type(db, admin, phone.id, phone.version, 1)
    assert names(db) == ["Event", "Phone call", *SEEDED[1:7]]
    assert [t.position for t in lists.list_types(db)] == list(range(8))
    assert len(changes.updated["engagement_types"]) == 7  # every type from place 2 down moved
    with pytest.raises(ConflictError):
        lists.move_type(db, admin, phone.id, phone.version, 0)
    phone = by_name(db, "Phone call")
    lists.move_type(db, admin, phone.id, phone.version, -5)
    assert names(db)[:2] == ["Phone call", "Event"]
    undo_last(db, admin)
    assert names(db) == ["Event", "Phone call", *SEEDED[1:7]]
    with pytest.raises(UserError, match="no longer exists"):
        lists.move_type(db, admin, uuid.uuid4(), 1, 0)


# -- priorities ----------------------------------------------------------------------------------
def test_priorities_are_added_renamed_archived_and_restored(db: Database, admin: Actor) -> None:
    assert lists.list_priorities(db) == []
    for name in ("Tackling health inequalities", "access to primary care", "Ásthma in children"):
        lists.add_priority(db, admin, name)
    assert [p.name for p in lists.list_priorities(db)] == [
        "access to primary care",
        "Ásthma in children",
        "Tackling health inequalities",
    ]
    access = priority(db, "access to primary care")
    lists.rename_priority(db, admin, access.id, access.version, "Access to primary care")
    access = priority(db, "Access to primary care")
    lists.archive_priority(db, admin, access.id, access.version)
    assert [p.name for p in lists.list_priorities(db)] == [
        "Ásthma in children",
        "Tackling health inequalities",
    ]
    assert [p.name for p in lists.list_priorities(db, include_archived=True)][-1] == "Access to primary care"
    with pytest.raises(ValidationError, match="An archived priority is called “Access to primary care”"):
        lists.add_priority(db, admin, "ACCESS TO PRIMARY CARE")
    access = priority(db, "Access to primary care")
    lists.restore_priority(db, admin, access.id, access.version)
    assert len(lists.list_priorities(db)) == 3
    assert [e.operation for e in journal(db, "priorities")] == [
        "insert",
        "insert",
        "insert",
        "update",
        "archive",
        "restore",
    ]
    undo_last(db, admin)
    assert priority(db, "Access to primary care").archived


def test_priority_names_are_checked(lite: tuple[Database, Actor]) -> None:
    db, admin = lite
    lists.add_priority(db, admin, "Mental health")
    for name, message in {
        "": "Name is required",
        "p" * 161: "at most 160",
        "mental HEALTH": "already",
    }.items():
        with pytest.raises(ValidationError) as caught:
            lists.add_priority(db, admin, name)
        assert set(caught.value.problems) == {"name"} and message in caught.value.problems["name"]
    lists.add_priority(db, admin, "Dentistry")
    dentistry = priority(db, "Dentistry")
    with pytest.raises(ValidationError, match="There is already a priority called “Mental health”"):
        lists.rename_priority(db, admin, dentistry.id, dentistry.version, "mental health")


def test_only_coordinators_and_administrators_manage_the_lists(lite: tuple[Database, Actor]) -> None:
    db, admin = lite
    (vid,) = people.add_user(db, admin, name="Val Unteer", role="volunteer").created["users"]
    (cid,) = people.add_user(db, admin, name="Cat Ordinator", role="coordinator").created["users"]
    volunteer = people.actor_for(db, vid, admin.device_id)
    coordinator = people.actor_for(db, cid, admin.device_id)
    event = by_name(db, "Event")
    lists.add_priority(db, admin, "Housing")
    housing = priority(db, "Housing")
    calls = [
        lambda who: lists.add_type(db, who, "Walk"),
        lambda who: lists.rename_type(db, who, event.id, event.version, "Events"),
        lambda who: lists.archive_type(db, who, event.id, event.version),
        lambda who: lists.restore_type(db, who, event.id, event.version),
        lambda who: lists.move_type(db, who, event.id, event.version, 3),
        lambda who: lists.add_priority(db, who, "Transport"),
        lambda who: lists.rename_priority(db, who, housing.id, housing.version, "Homes"),
        lambda who: lists.archive_priority(db, who, housing.id, housing.version),
        lambda who: lists.restore_priority(db, who, housing.id, housing.version),
    ]
    for call in calls:
        with pytest.raises(
            PermissionDenied,
            match="Val Unteer is a volunteer and may not manage themes, engagement types and priorities",
        ):
            call(volunteer)
    assert names(db) == SEEDED and [p.name for p in lists.list_priorities(db)] == ["Housing"]
    lists.add_type(db, coordinator, "Walk")
    lists.add_priority(db, coordinator, "Transport")
    assert names(db)[-1] == "Walk" and len(lists.list_priorities(db)) == 2
