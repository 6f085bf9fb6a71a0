"""Undo of a change set made only of inserts (an import, a create) is done a table at a time:
every row archived, one "archive" journal entry per row in the shape the record-by-record
path writes, search documents gone — or, if anything was changed since, nothing at all."""

from __future__ import annotations

import csv
import random
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from vcsedesk.domain.contacts import ContactDraft, EmailEntry, PhoneEntry
from vcsedesk.domain.errors import ConflictError, NotFoundError, NothingToUndo
from vcsedesk.services import base, contacts, imports, people
from vcsedesk.services.base import Actor, Changes, UnitOfWork, undo_last
from vcsedesk.services.derived import refresh
from vcsedesk.store.database import Database
from vcsedesk.store.journal import encode
from vcsedesk.store.models import ContactEmail, JournalEntry, SearchDocument, record_model

HEADER = ["First name", "Last name", "Email", "Mobile", "Postcode", "Tags", "Organisation", "Role"]
CONSONANTS, VOWELS = "bcdfghjklmnprstvwz", "aeiou"
OUTWARD = ["E1", "N7", "SW9", "M14", "LS6", "B12", "CF24", "G3"]
LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(syllables)).title()


def write_people(path: Path, rows: int, seed: int = 7) -> Path:
    """``rows`` distinct people with an email, a mobile, tags, and now and then an organisation.

    What each row has depends only on its number; names, tags and organisations on ``seed`` too
    (two files with different seeds share nothing, so neither import restores the other's tags).
    """
    rng = random.Random(seed)
    tags = ["Carer {}", "Drop-in {}; Carer {}", "", "Volunteer {}"]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for i in range(rows):
            postcode = f"{rng.choice(OUTWARD)} {rng.randint(1, 9)}{rng.choice(LETTERS)}{rng.choice(LETTERS)}"
            out.writerow(
                [
                    _word(rng, 3),
                    _word(rng, 4),
                    f"person{seed}.{i}@example.org",
                    f"07{400 + seed:03d} {i:06d}",
                    postcode,
                    tags[i % 4].format(seed, seed),
                    f"Group {seed}-{i % 7}" if i % 5 == 0 else "",
                    "Member" if i % 10 == 0 else "",
                ]
            )
    return path


def import_people(db: Database, admin: Actor, path: Path, rows: int) -> imports.ImportReport:
    report = imports.import_file(db, admin, path)
    assert (report.created, report.skipped, report.invalid_rows) == (rows, 0, 0)
    return report


def entries_of(db: Database, change_set: uuid.UUID | None) -> list[JournalEntry]:
    with db.read() as s:
        return list(
            s.scalars(
                select(JournalEntry).where(JournalEntry.change_set == change_set).order_by(JournalEntry.seq)
            )
        )


def undo_entries(db: Database, undone: uuid.UUID | None) -> list[JournalEntry]:
    with db.read() as s:
        return list(
            s.scalars(select(JournalEntry).where(JournalEntry.undoes == undone).order_by(JournalEntry.seq))
        )


def undo_record_by_record(db: Database, actor: Actor) -> Changes:
    """undo_last as it was before the set-based path: every entry through the ORM."""
    with db.write() as session:
        target = base.last_undoable(session, actor)
        assert target is not None
        entries = session.scalars(
            select(JournalEntry).where(JournalEntry.change_set == target).order_by(JournalEntry.seq.desc())
        ).all()
        uow = UnitOfWork(session, actor, f"Undo: {entries[-1].summary}", undoes=target)
        for entry in entries:
            base._reverse(uow, entry)
        session.flush()
        refresh(session, uow.changes)
    return uow.changes


def state(db: Database) -> dict[str, Any]:
    """Per table: rows, live rows and the sum of versions; the journal's length; search documents."""
    tables = ("contacts", "contact_emails", "contact_phones", "contact_tags", "memberships", "tags")
    out: dict[str, Any] = {}
    with db.read() as s:
        for name in tables:
            model = record_model(name)
            out[name] = s.execute(
                select(
                    func.count(),
                    func.count().filter(model.deleted_at.is_(None)),
                    func.coalesce(func.sum(model.version), 0),
                )
            ).one()
            out[name] = tuple(out[name])
        out["journal"] = s.scalar(select(func.count()).select_from(JournalEntry))
        out["search"] = s.scalar(select(func.count()).select_from(SearchDocument))
    return out


def undo_shape(db: Database, undone: uuid.UUID | None) -> list[tuple[Any, ...]]:
    """The undo's journal entries, each with its record's state after, with ids and times
    replaced by where they stand (so two undos of like change sets compare equal)."""
    inserted = entries_of(db, undone)
    position = {e.record_id: i for i, e in enumerate(inserted)}
    undo_summary = f"Undo: {inserted[0].summary}"
    found: list[tuple[Any, ...]] = []
    with db.read() as s:
        for name in {e.table_name for e in inserted}:
            table = record_model(name).__table__
            found.extend(
                tuple(row)
                for row in s.execute(
                    select(
                        JournalEntry.seq,
                        JournalEntry.change_set,
                        JournalEntry.table_name,
                        JournalEntry.record_id,
                        JournalEntry.operation,
                        JournalEntry.changes,
                        JournalEntry.actor_id,
                        JournalEntry.device_id,
                        JournalEntry.summary,
                        JournalEntry.undoable,
                        JournalEntry.at,
                        table.c.version,
                        table.c.deleted_at,
                        table.c.updated_at,
                    )
                    .join(table, table.c.id == JournalEntry.record_id)
                    .where(JournalEntry.undoes == undone, JournalEntry.table_name == name)
                )
            )
    assert len(found) == len(inserted)
    assert len({row[1] for row in found}) == 1  # one change set
    shape = []
    for _, _, table_name, record_id, operation, changes, actor, device, summary, undoable, at, version, deleted, updated in sorted(found):  # fmt: skip
        assert deleted is not None and updated == deleted
        assert changes == {"deleted_at": [None, encode(deleted)]}
        shape.append(
            (
                table_name,
                position[record_id],
                operation,
                actor,
                device,
                summary == undo_summary,
                undoable,
                version,
                at >= deleted,
            )
        )
    return shape


@pytest.fixture
def admin_two(db: Database, admin: Actor) -> Actor:
    """A second administrator, Chris, to change things after Sam's import."""
    added = people.add_user(db, admin, name="Chris Admin", role="administrator")
    (chris,) = added.created["users"]
    return people.actor_for(db, chris, admin.device_id)


def test_undo_of_a_large_import_archives_every_row_and_journals_each(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    rows = 3_000  # more than base.CHUNK, so every IN list is cut in pieces
    report = import_people(db, admin, write_people(tmp_path / "people.csv", rows), rows)
    inserted = entries_of(db, report.changes.change_set)
    assert {e.operation for e in inserted} == {"insert"}
    with db.read() as s:
        documents = s.scalar(select(func.count()).select_from(SearchDocument))
    assert documents is not None and documents > rows  # the people and their organisations

    undone = undo_last(db, admin)

    assert undone.archived == report.changes.created
    assert not (undone.created or undone.updated or undone.restored)
    shape = undo_shape(db, report.changes.change_set)
    # One archive per inserted row, newest first, by Sam on this device, undoable, version 2.
    assert [row[:2] for row in shape] == [(e.table_name, i) for i, e in reversed(list(enumerate(inserted)))]
    assert {row[2:] for row in shape} == {("archive", admin.user_id, admin.device_id, True, True, 2, True)}
    with db.read() as s:
        reversing = s.execute(
            select(JournalEntry.change_set, JournalEntry.id).where(
                JournalEntry.undoes == report.changes.change_set
            )
        ).all()
    assert {change_set for change_set, _ in reversing} == {undone.change_set}
    assert len({entry_id for _, entry_id in reversing}) == len(inserted)
    after = state(db)
    for name in ("contacts", "contact_emails", "contact_phones", "contact_tags", "memberships", "tags"):
        total, live, _ = after[name]
        assert (total, live) == (len(report.changes.created.get(name, ())), 0), name
    assert after["search"] == 0
    assert contacts.search_contacts(db, "example") == []

    with pytest.raises(NothingToUndo):
        undo_last(db, admin)


@pytest.mark.parametrize("edit", ["contact", "email"])
def test_one_record_changed_since_refuses_the_whole_undo(
    db: Database, admin: Actor, admin_two: Actor, tmp_path: Path, edit: str
) -> None:
    report = import_people(db, admin, write_people(tmp_path / "people.csv", 300), 300)
    with db.read() as s:
        victim = s.scalar(
            select(ContactEmail.contact_id).where(ContactEmail.address == "person7.123@example.org")
        )
    assert victim is not None
    view = contacts.get_contact(db, victim)
    if edit == "contact":
        draft = view.as_draft().with_changes(notes="Prefers a phone call")
    else:
        draft = view.as_draft().with_changes(emails=(EmailEntry("changed@example.org"),))
    contacts.update_contact(db, admin_two, victim, view.version, draft)
    # Sam's own later change is what undo would take first: undo the import itself.
    with db.read() as s:
        assert base.last_undoable(s, admin) == report.changes.change_set
    before = state(db)

    with pytest.raises(ConflictError) as caught:
        undo_last(db, admin)

    message = str(caught.value)
    named = f"Contact {view.name}" if edit == "contact" else "Email address person7.123@example.org"
    assert message.startswith(f"{named} was changed by Chris Admin on ")
    assert message.endswith(
        "after the change you asked to undo, so it was not undone. Edit it by hand instead."
    )
    assert state(db) == before
    assert undo_entries(db, report.changes.change_set) == []

    # The record-by-record path refuses with the same words.
    with pytest.raises(ConflictError) as by_record:
        undo_record_by_record(db, admin)
    assert str(by_record.value) == message
    assert state(db) == before


def test_of_several_changed_records_the_last_inserted_is_named(
    db: Database, admin: Actor, admin_two: Actor, tmp_path: Path
) -> None:
    import_people(db, admin, write_people(tmp_path / "people.csv", 50), 50)
    for address in ("person7.3@example.org", "person7.40@example.org", "person7.12@example.org"):
        with db.read() as s:
            cid = s.scalar(select(ContactEmail.contact_id).where(ContactEmail.address == address))
        assert cid is not None
        view = contacts.get_contact(db, cid)
        contacts.update_contact(db, admin_two, cid, view.version, view.as_draft().with_changes(notes="seen"))
    with pytest.raises(ConflictError) as set_based:
        undo_last(db, admin)
    with pytest.raises(ConflictError) as by_record:
        undo_record_by_record(db, admin)
    assert str(set_based.value) == str(by_record.value)


def test_a_record_erased_since_refuses_the_undo(db: Database, admin: Actor, tmp_path: Path) -> None:
    report = import_people(db, admin, write_people(tmp_path / "people.csv", 20), 20)
    link = next(iter(report.changes.created["contact_tags"]))
    with db.write() as s:  # erasure: the one kind of change that hard-deletes
        s.execute(delete(record_model("contact_tags")).where(record_model("contact_tags").id == link))
    before = state(db)
    with pytest.raises(NotFoundError, match="That tag on a contact no longer exists"):
        undo_last(db, admin)
    assert state(db) == before


def test_a_change_slipping_in_after_the_check_is_still_refused(
    db: Database, admin: Actor, admin_two: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL another writer can commit between the check and the UPDATE: the UPDATE
    skips the row it changed, and the count that comes up short refuses the undo."""
    import_people(db, admin, write_people(tmp_path / "people.csv", 30), 30)
    with db.read() as s:
        cid = s.scalar(select(ContactEmail.contact_id).where(ContactEmail.address == "person7.4@example.org"))
    assert cid is not None
    view = contacts.get_contact(db, cid)
    contacts.update_contact(db, admin_two, cid, view.version, view.as_draft().with_changes(notes="later"))
    before = state(db)
    monkeypatch.setattr(base, "_first_changed", lambda *args: None)  # the check saw nothing yet
    with pytest.raises(ConflictError, match=f"^Contact {view.name} was changed by Chris Admin on "):
        undo_last(db, admin)
    assert state(db) == before


AISHA = ContactDraft(
    given_name="Aisha",
    family_name="Rahman",
    emails=(EmailEntry("aisha.rahman@example.org"),),
    phones=(PhoneEntry("07700 900123"),),
    postcode="e1 6an",
    tags=("Carer", "Drop-in"),
)
BEN = ContactDraft(
    given_name="Ben",
    family_name="Okafor",
    emails=(EmailEntry("ben.okafor@example.org"),),
    phones=(PhoneEntry("07700 900124"),),
    postcode="sw1a 1aa",
    tags=("Volunteer", "Hospital visits"),  # not Aisha's: her undone tags would be restored
)


@pytest.mark.parametrize("change", ["create", "import"])
def test_set_based_undo_writes_what_the_record_by_record_undo_writes(
    db: Database, admin: Actor, tmp_path: Path, change: str
) -> None:
    """The same kind of change twice: undone record by record (as before), then set-based."""

    def make(seed: int) -> Changes:
        if change == "create":
            return contacts.create_contact(db, admin, AISHA if seed == 1 else BEN)
        # The same file name, so the two summaries match.
        path = write_people(tmp_path / str(seed) / "people.csv", 12, seed=seed)
        return import_people(db, admin, path, 12).changes

    first = make(1)
    by_record = undo_record_by_record(db, admin)
    second = make(2)
    set_based = undo_last(db, admin)

    assert by_record.archived == first.created and set_based.archived == second.created
    assert (by_record.summary, set_based.summary) == (
        f"Undo: {entries_of(db, first.change_set)[0].summary}",
        f"Undo: {entries_of(db, second.change_set)[0].summary}",
    )
    assert undo_shape(db, first.change_set) == undo_shape(db, second.change_set)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(SearchDocument)) == 0
    with pytest.raises(NothingToUndo):
        undo_last(db, admin)
