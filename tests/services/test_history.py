"""The history service: the journal read back newest first, in pages, with who and where."""

from __future__ import annotations

import pytest

from vcsedesk.services import history, organisation, people
from vcsedesk.services.base import Actor, undo_last
from vcsedesk.store.database import Database


def test_an_empty_journal_has_no_history(db: Database) -> None:
    assert history.count(db) == 0
    assert history.page(db, 0, 200) == []


def test_first_run_shows_who_did_it_on_which_device_newest_first(db: Database, admin: Actor) -> None:
    rows = history.page(db, 0, 200)
    assert history.count(db) == len(rows) == 2
    assert [r.table for r in rows] == ["organisation", "users"]
    assert [r.seq for r in rows] == sorted((r.seq for r in rows), reverse=True)
    newest = rows[0]
    assert newest.actor == "Sam Patel"
    assert newest.device  # this computer's name
    assert newest.operation == "insert"
    assert newest.summary == "Created the organisation profile for Riverside Community Voices"
    assert newest.at.tzinfo is not None
    assert not any(r.undone for r in rows)


def test_pages_split_the_journal_without_gaps_or_overlaps(db: Database, admin: Actor) -> None:
    for i in range(7):
        people.add_user(db, admin, name=f"Volunteer {i}", role="volunteer")
    total = history.count(db)
    assert total == 9
    seen = []
    for offset in range(0, total + 3, 3):
        seen.extend(history.page(db, offset, 3))
    assert [r.seq for r in seen] == [r.seq for r in history.page(db, 0, 100)]
    assert len({r.seq for r in seen}) == total
    assert seen[0].summary == "Added user Volunteer 6 (volunteer)"
    assert history.page(db, total, 10) == []


def test_an_undone_change_is_marked_and_the_undo_is_listed_on_top(db: Database, admin: Actor) -> None:
    profile = organisation.get_profile(db)
    assert profile is not None
    organisation.update_profile(db, admin, profile.version, postcode="SW1A 1AA")
    undo_last(db, admin)
    rows = history.page(db, 0, 10)
    undo, change = rows[0], rows[1]
    assert undo.summary == "Undo: Changed the organisation's postcode"
    assert not undo.undone
    assert change.summary == "Changed the organisation's postcode" and change.undone
    assert not any(r.undone for r in rows[2:])


def test_entries_by_unknown_people_and_devices_still_show(db: Database, admin: Actor) -> None:
    stranger = Actor(user_id=admin.user_id, name="Sam Patel", role=admin.role, device_id=None)
    people.add_user(db, stranger, name="Jo Bloggs", role="staff")
    row = history.page(db, 0, 1)[0]
    assert row.actor == "Sam Patel"
    assert row.device == history.UNKNOWN_DEVICE


def test_negative_offsets_are_refused(db: Database) -> None:
    with pytest.raises(ValueError):
        history.page(db, -1, 10)
