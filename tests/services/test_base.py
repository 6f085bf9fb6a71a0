"""The service base: one transaction per call, journal entries, conflicts, undo."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from vcsedesk.domain.errors import ConflictError, NothingToUndo, PermissionDenied, ValidationError
from vcsedesk.services import organisation, people
from vcsedesk.services.base import Actor, undo_last
from vcsedesk.store.database import Database
from vcsedesk.store.models import JournalEntry, Organisation, User


def journal(db: Database) -> list[JournalEntry]:
    with db.read() as s:
        return list(s.scalars(select(JournalEntry).order_by(JournalEntry.seq)))


def test_first_run_journals_the_organisation_and_its_administrator(db: Database, admin: Actor) -> None:
    entries = journal(db)
    assert [(e.table_name, e.operation) for e in entries] == [("users", "insert"), ("organisation", "insert")]
    assert {e.actor_id for e in entries} == {admin.user_id}
    assert {e.device_id for e in entries} == {admin.device_id}
    assert len({e.change_set for e in entries}) == 1
    assert entries[0].changes["name"] == [None, "Sam Patel"]


def test_update_journals_only_the_fields_that_changed(db: Database, admin: Actor) -> None:
    profile = organisation.get_profile(db)
    assert profile is not None
    changes = organisation.update_profile(
        db, admin, profile.version, name="Riverside Community Voices", postcode="sw1a 1aa"
    )
    assert changes.updated == {"organisation": {profile.id}}
    last = journal(db)[-1]
    assert last.operation == "update"
    assert last.changes == {"postcode": [None, "SW1A 1AA"]}
    after = organisation.get_profile(db)
    assert after is not None and after.version == profile.version + 1


def test_stale_save_is_refused_naming_who_and_when_and_overwrites_nothing(db: Database, admin: Actor) -> None:
    people.add_user(db, admin, name="Alex Jones", role="coordinator")
    profile = organisation.get_profile(db)
    assert profile is not None
    organisation.update_profile(db, admin, profile.version, address="1 High Street")
    before = journal(db)

    with pytest.raises(ConflictError) as caught:
        organisation.update_profile(db, admin, profile.version, address="2 Low Road")

    message = str(caught.value)
    assert "Sam Patel" in message and "after you opened it" in message
    assert caught.value.changed_at is not None
    assert caught.value.changed_at.strftime("%H:%M") in message
    current = organisation.get_profile(db)
    assert current is not None and current.address == "1 High Street"
    assert journal(db) == before or len(journal(db)) == len(before)


def test_validation_names_every_bad_field_and_writes_nothing(db: Database, admin: Actor) -> None:
    profile = organisation.get_profile(db)
    assert profile is not None
    count = len(journal(db))
    with pytest.raises(ValidationError) as caught:
        organisation.update_profile(
            db, admin, profile.version, name="", postcode="NOT A CODE", charity_number="12"
        )
    assert set(caught.value.problems) == {"name", "postcode", "charity_number"}
    assert "Name is required" in str(caught.value)
    assert len(journal(db)) == count
    assert organisation.get_profile(db) == profile


def test_a_failure_part_way_leaves_neither_the_change_nor_its_journal(db: Database, admin: Actor) -> None:
    from vcsedesk.services.base import unit_of_work

    count = len(journal(db))
    with pytest.raises(RuntimeError), unit_of_work(db, admin, "half a change") as uow:
        uow.add(User(name="Half Written", role="staff"))
        raise RuntimeError("the power went")
    assert len(journal(db)) == count
    assert "Half Written" not in {u.name for u in people.list_users(db)}


def test_permission_is_checked(db: Database, admin: Actor) -> None:
    changes = people.add_user(db, admin, name="Val Unteer", role="volunteer")
    (vid,) = changes.created["users"]
    volunteer = people.actor_for(db, vid, admin.device_id)
    profile = organisation.get_profile(db)
    assert profile is not None
    with pytest.raises(
        PermissionDenied, match="Val Unteer is a volunteer and may not manage the organisation"
    ):
        organisation.update_profile(db, volunteer, profile.version, name="Taken Over")


def test_undo_reverses_the_last_change_then_the_one_before(db: Database, admin: Actor) -> None:
    profile = organisation.get_profile(db)
    assert profile is not None
    organisation.update_profile(db, admin, profile.version, address="1 High Street", retention_years=7)
    added = people.add_user(db, admin, name="Alex Jones", role="staff")

    undone = undo_last(db, admin)
    assert undone.archived == added.created
    assert "Alex Jones" not in {u.name for u in people.list_users(db)}

    undo_last(db, admin)
    restored = organisation.get_profile(db)
    assert restored is not None
    assert (restored.address, restored.retention_years) == (None, 6)

    last = journal(db)[-1]
    assert last.undoes is not None and last.summary.startswith("Undo: ")


def test_undo_is_refused_when_someone_changed_the_record_since(db: Database, admin: Actor) -> None:
    added = people.add_user(db, admin, name="Chris Admin", role="administrator")
    (cid,) = added.created["users"]
    chris = people.actor_for(db, cid, admin.device_id)
    profile = organisation.get_profile(db)
    assert profile is not None
    organisation.update_profile(db, admin, profile.version, address="1 High Street")
    organisation.update_profile(db, chris, profile.version + 1, address="9 Other Road")

    with pytest.raises(ConflictError, match="changed by Chris Admin"):
        undo_last(db, admin)
    current = organisation.get_profile(db)
    assert current is not None and current.address == "9 Other Road"


def test_setting_up_cannot_be_undone(db: Database, admin: Actor) -> None:
    with pytest.raises(NothingToUndo, match="nothing of Sam Patel's left to undo"):
        undo_last(db, admin)
    assert organisation.get_profile(db) is not None


def test_undo_of_an_undo_is_not_offered_as_another_undo(db: Database, admin: Actor) -> None:
    people.add_user(db, admin, name="Alex Jones", role="staff")
    undo_last(db, admin)
    with pytest.raises(NothingToUndo):
        undo_last(db, admin)


def test_the_journal_is_append_only(db: Database, admin: Actor) -> None:
    with pytest.raises(Exception, match="append-only"), db.write() as s:
        s.execute(text("UPDATE journal SET summary = 'rewritten'"))
    with pytest.raises(Exception, match="append-only"), db.write() as s:
        s.execute(text("DELETE FROM journal"))
    assert len(journal(db)) == 2


def test_records_are_never_hard_deleted_by_archive(db: Database, admin: Actor) -> None:
    added = people.add_user(db, admin, name="Jo Bloggs", role="staff")
    (jid,) = added.created["users"]
    info = people.get_user(db, jid)
    people.archive_user(db, admin, jid, info.version)
    with db.read() as s:
        row = s.get(User, jid)
        assert row is not None and row.deleted_at is not None
        assert s.scalar(select(Organisation.name)) == "Riverside Community Voices"
