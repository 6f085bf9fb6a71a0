"""Contacts import: preview, duplicates, all-or-nothing commit, journal, search, undo — and a
clear refusal with an unchanged database for every hostile or broken file."""

from __future__ import annotations

import csv
import os
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.io.helpers import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    OLE,
    add_member,
    rewrite_member,
    with_doctype,
    write_xlsx,
    zip_bomb,
)
from vcsedesk.domain.contacts import ContactDraft, EmailEntry, PhoneEntry
from vcsedesk.domain.errors import UserError
from vcsedesk.io.safety import FileRefused, Limits
from vcsedesk.services import contacts, imports
from vcsedesk.services.base import Actor, undo_last
from vcsedesk.store.database import Database
from vcsedesk.store.location import DataFolder
from vcsedesk.store.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    JournalEntry,
    Membership,
    SearchDocument,
    Tag,
)

TABLES = (Contact, ContactEmail, ContactPhone, ContactTag, Tag, Membership, SearchDocument, JournalEntry)


def state(db: Database) -> dict[str, Any]:
    """Row counts of every table an import writes, and the last journal entry."""
    with db.read() as s:
        counts = {m.__tablename__: s.scalar(select(func.count()).select_from(m)) for m in TABLES}
        counts["last_journal"] = s.scalar(select(func.max(JournalEntry.seq)))
    return counts


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


PEOPLE = [
    ["First name", "Last name", "Email", "Mobile", "Postcode", "Tags", "Organisation", "Role"],
    ["Aisha", "Rahman", "aisha@example.org", "07700 900123", "e1 6an", "Carer; Drop-in", "Hope Street Food Bank", "Volunteer"],
    ["Ben", "Okafor", "ben@example.org", "07700 900124", "SW1A 1AA", "", "", ""],
    ["Chloe", "Nowak", "", "020 7946 0018", "", "drop-in", "Hope Street Food Bank", ""],
]  # fmt: skip


@pytest.fixture
def people_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "friends.csv", PEOPLE)


# -- the happy path --------------------------------------------------------------------------------
def test_import_creates_contacts_in_one_journalled_change_set(
    db: Database, admin: Actor, people_csv: Path, folder: DataFolder
) -> None:
    found = imports.preview(db, people_csv)
    assert found.mapping["Mobile"] == "phone:mobile" and found.mapping["Organisation"] == "organisation"
    assert [r.problems for r in found.rows] == [(), (), ()]

    report = imports.commit(db, admin, found, folder=folder)

    assert (report.created, report.merged, report.skipped, report.organisations_created) == (3, 0, 0, 1)
    ids = contacts.search_contacts(db, "07700 900123")
    assert len(ids) == 1
    aisha = contacts.get_contact(db, ids[0])
    assert aisha.name == "Aisha Rahman" and aisha.postcode == "E1 6AN"
    assert aisha.phones == (PhoneEntry("+447700900123", "mobile"),)
    assert aisha.tags == ("Carer", "Drop-in")
    assert [(m.organisation_name, m.role) for m in aisha.memberships] == [
        ("Hope Street Food Bank", "Volunteer")
    ]
    found_hope = [contacts.get_contact(db, i) for i in contacts.search_contacts(db, "hope street")]
    (org,) = [c for c in found_hope if c.kind.value == "organisation"]
    assert len(found_hope) == 3  # the organisation and its two members
    assert sorted(m.person_name for m in org.memberships) == ["Aisha Rahman", "Chloe Nowak"]
    assert aisha.id in contacts.search_contacts(db, "aisha hope")  # the person's document names the org
    with db.read() as s:
        entries = list(
            s.scalars(select(JournalEntry).where(JournalEntry.change_set == report.changes.change_set))
        )
        assert {e.summary for e in entries} == {"Imported 3 contacts from friends.csv"}
        assert s.scalar(select(func.count()).select_from(Tag)) == 2  # "drop-in" is the same tag
    assert {e.table_name for e in entries} == {
        "contacts", "contact_emails", "contact_phones", "contact_tags", "tags", "memberships",
    }  # fmt: skip
    assert len({e.actor_id for e in entries}) == 1 and entries[0].device_id == admin.device_id
    if db.path is not None:
        assert report.backup is not None and "before-import" in report.backup.name and report.backup.exists()


def test_imported_contacts_match_the_ones_the_form_makes(db: Database, admin: Actor, tmp_path: Path) -> None:
    """The bulk path writes what create_contact writes: the same view, journal shape and search body."""
    draft = ContactDraft(
        given_name="Zoë",
        family_name="O'Brien",
        emails=(EmailEntry("zoe@example.org"),),
        phones=(PhoneEntry("07700 900555"),),
        postcode="n1 9gu",
        address="1 Canal Side\nLondon",
        notes="Met at the Tuesday drop-in",
        tags=("Carer",),
    )
    (form_id,) = contacts.create_contact(db, admin, draft).created["contacts"]
    path = write_csv(
        tmp_path / "zoe.csv",
        [
            ["First name", "Last name", "Email", "Mobile", "Postcode", "Address", "Notes", "Tags"],
            ["Zoë", "O'Brien", "zoe2@example.org", "07700 900556", "N1 9GU", "1 Canal Side\nLondon",
             "Met at the Tuesday drop-in", "carer"],
        ],
    )  # fmt: skip
    report = imports.import_file(db, admin, path, duplicates="create")
    (imported_id,) = report.changes.created["contacts"]
    form, imported = contacts.get_contact(db, form_id), contacts.get_contact(db, imported_id)
    ignore = {"id", "created_at", "updated_at", "emails", "phones"}
    assert {k: v for k, v in vars(form).items() if k not in ignore} == {
        k: v for k, v in vars(imported).items() if k not in ignore
    }
    with db.write() as s:
        body = s.scalar(select(SearchDocument.body).where(SearchDocument.record_id == imported_id))
        contacts.reindex(s, imported_id)
        assert s.scalar(select(SearchDocument.body).where(SearchDocument.record_id == imported_id)) == body
    with db.read() as s:

        def entry(cid: uuid.UUID) -> JournalEntry:
            return s.scalars(
                select(JournalEntry).where(
                    JournalEntry.table_name == "contacts", JournalEntry.record_id == cid
                )
            ).one()

        a, b = entry(form_id), entry(imported_id)
    assert a.operation == b.operation == "insert"
    assert list(a.changes) == list(b.changes)
    assert a.changes["created_at"][1] is not None and b.changes["id"] == [None, str(imported_id)]


def test_undo_of_an_import_archives_what_it_created(db: Database, admin: Actor, people_csv: Path) -> None:
    report = imports.import_file(db, admin, people_csv)
    created = report.changes.created["contacts"]
    undone = undo_last(db, admin)
    assert undone.archived["contacts"] == created
    with db.read() as s:
        live = s.scalar(select(func.count()).select_from(Contact).where(Contact.deleted_at.is_(None)))
    assert live == 0


# -- problems --------------------------------------------------------------------------------------
BAD_ROWS = [
    ["Name", "E-mail 1 - Value", "Phone 1 - Value", "Postcode"],
    ["Sam Patel", "sam@example.org", "07700 900123", "E1 6AN"],
    ["Bob", "bob@", "07700 900124", ""],
    ["Cath", "cath@example.org", "12", "ZZ"],
]


def test_rows_with_problems_refuse_the_whole_import(db: Database, admin: Actor, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", BAD_ROWS)
    before = state(db)
    found = imports.preview(db, path)
    problems = found.problem_lines()
    assert problems[0].startswith("Row 3, column “E-mail 1 - Value”: “bob@” is not an email address")
    assert any(
        p.startswith("Row 4, column “Phone 1 - Value”: “12” is not a valid telephone number")
        for p in problems
    )
    assert any(p.startswith("Row 4, column “Postcode”: “ZZ” is not a UK postcode") for p in problems)
    with pytest.raises(
        imports.ImportRefused, match=r"bad\.csv was not imported: 2 row\(s\) have problems"
    ) as caught:
        imports.commit(db, admin, found)
    assert caught.value.problems == problems
    assert state(db) == before


def test_skip_invalid_imports_the_good_rows_and_lists_the_rest(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "bad.csv", BAD_ROWS)
    report = imports.import_file(db, admin, path, skip_invalid=True)
    assert (report.created, report.invalid_rows) == (1, 2)
    assert len(report.invalid) == 3
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Contact)) == 1


def test_unknown_ward_is_a_row_problem(db: Database, admin: Actor, tmp_path: Path) -> None:
    contacts.add_ward(db, admin, "Riverside")
    path = write_csv(tmp_path / "w.csv", [["Name", "Ward"], ["Sam", "riverside"], ["Asha", "Atlantis"]])
    found = imports.preview(db, path)
    assert found.rows[0].clean is not None and found.rows[0].clean.ward == "Riverside"
    (problem,) = found.rows[1].problems
    assert problem.startswith("Row 3, column “Ward”: “Atlantis” is not one of the organisation's wards")


# -- duplicates ------------------------------------------------------------------------------------
@pytest.fixture
def aisha(db: Database, admin: Actor) -> uuid.UUID:
    draft = ContactDraft(given_name="Aisha", family_name="Rahman", emails=(EmailEntry("aisha@example.org"),))
    (cid,) = contacts.create_contact(db, admin, draft).created["contacts"]
    return cid


def test_a_likely_duplicate_is_skipped_by_default(
    db: Database, admin: Actor, aisha: uuid.UUID, people_csv: Path
) -> None:
    found = imports.preview(db, people_csv)
    duplicate = found.rows[0].duplicate
    assert duplicate is not None and duplicate.contact_id == aisha
    assert "same email (aisha@example.org)" in duplicate.describe()
    report = imports.commit(db, admin, found)
    assert (report.created, report.skipped) == (2, 1)
    assert contacts.get_contact(db, aisha).phones == ()


def test_merge_fills_blanks_and_adds_details_journalled(
    db: Database, admin: Actor, aisha: uuid.UUID, people_csv: Path
) -> None:
    before = contacts.get_contact(db, aisha)
    report = imports.import_file(db, admin, people_csv, duplicates="merge")
    assert (report.created, report.merged) == (2, 1)
    after = contacts.get_contact(db, aisha)
    assert after.version > before.version
    assert after.postcode == "E1 6AN"
    assert after.phones == (PhoneEntry("+447700900123", "mobile"),)
    assert after.tags == ("Carer", "Drop-in")
    assert [m.organisation_name for m in after.memberships] == ["Hope Street Food Bank"]
    assert contacts.search_contacts(db, "07700900123") == [aisha]
    with db.read() as s:
        ops = {
            (e.table_name, e.operation)
            for e in s.scalars(
                select(JournalEntry).where(JournalEntry.change_set == report.changes.change_set)
            )
        }
    assert {("contacts", "update"), ("contact_phones", "insert"), ("contact_tags", "insert")} <= ops
    undo_last(db, admin)
    restored = contacts.get_contact(db, aisha)
    assert (restored.postcode, restored.phones, restored.tags) == (None, (), ())


def test_create_anyway_and_per_row_decisions(
    db: Database, admin: Actor, aisha: uuid.UUID, people_csv: Path
) -> None:
    found = imports.preview(db, people_csv)
    report = imports.commit(db, admin, found, decisions={2: "create", 3: "skip"})
    assert (report.created, report.skipped) == (2, 1)
    assert len(contacts.search_contacts(db, "aisha@example.org")) == 2


def test_duplicates_within_the_file(db: Database, admin: Actor, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "twice.csv",
        [
            ["Name", "Email", "Phone", "Postcode"],
            ["Sam Patel", "sam@example.org", "", "E1 6AN"],
            ["Samuel Patel", "", "07700 900123", "e16an"],
            ["Sam Patel", "sam@example.org", "", ""],
        ],
    )
    found = imports.preview(db, path)
    assert [r.duplicate.row if r.duplicate else None for r in found.rows] == [None, 2, 2]
    report = imports.commit(db, admin, found, duplicates="merge")
    assert (report.created, report.merged) == (1, 2)
    (cid,) = report.changes.created["contacts"]
    sam = contacts.get_contact(db, cid)
    assert sam.phones == (PhoneEntry("+447700900123", "mobile"),)


def test_a_contact_changed_after_the_preview_refuses_the_merge(
    db: Database, admin: Actor, aisha: uuid.UUID, people_csv: Path
) -> None:
    found = imports.preview(db, people_csv)
    view = contacts.get_contact(db, aisha)
    contacts.update_contact(db, admin, aisha, view.version, view.as_draft().with_changes(notes="Changed"))
    before = state(db)
    with pytest.raises(UserError, match="after you opened it"):
        imports.commit(db, admin, found, duplicates="merge")
    assert state(db) == before


def test_dry_run_writes_nothing(db: Database, admin: Actor, people_csv: Path, folder: DataFolder) -> None:
    before = state(db)
    report = imports.import_file(db, admin, people_csv, dry_run=True, folder=folder)
    assert report.created == 3 and "Nothing was written (dry run)." in report.lines()
    assert state(db) == before
    assert report.backup is None


# -- hostile and broken files: a clear refusal and nothing written ---------------------------------
def _xlsx(tmp: Path, name: str = "book.xlsx") -> Path:
    return write_xlsx(tmp / name, [["Name", "Email"], ["Sam Patel", "sam@example.org"]])


def _csv(tmp: Path, text: str, name: str = "x.csv") -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def _bytes(tmp: Path, data: bytes, name: str) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


HOSTILE: dict[str, tuple[Callable[[Path], Path], list[str], Limits | None]] = {
    "zip bomb": (lambda t: zip_bomb(t / "bomb.xlsx"), ["bomb.xlsx", "zip bomb", "not opened"], None),
    "unpacks too big": (
        lambda t: _xlsx(t),
        ["book.xlsx would unpack to"],
        Limits(max_uncompressed_bytes=2000),
    ),
    "too many zip members": (
        lambda t: _xlsx(t),
        ["book.xlsx has", "parts inside it"],
        Limits(max_zip_members=3),
    ),
    "xml entity expansion": (
        lambda t: rewrite_member(
            _xlsx(t), "xl/worksheets/sheet1.xml", lambda x: with_doctype(x, BILLION_LAUGHS)
        ),
        ["book.xlsx", "document type declaration", "xl/worksheets/sheet1.xml"],
        None,
    ),
    "xml external entity": (
        lambda t: rewrite_member(_xlsx(t), "xl/workbook.xml", lambda x: with_doctype(x, EXTERNAL_ENTITY)),
        ["book.xlsx", "document type declaration", "xl/workbook.xml"],
        None,
    ),
    "macro-enabled (vbaProject.bin)": (
        lambda t: add_member(_xlsx(t), "xl/vbaProject.bin", b"\x00macro"),
        ["book.xlsx is a macro-enabled workbook"],
        None,
    ),
    "macro-enabled (.xlsm)": (
        lambda t: _xlsx(t, "book.xlsm"),
        ["book.xlsm is a macro-enabled workbook"],
        None,
    ),
    "macro content type": (
        lambda t: rewrite_member(
            _xlsx(t),
            "[Content_Types].xml",
            lambda x: x.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml"),
        ),
        ["book.xlsx is a macro-enabled workbook"],
        None,
    ),
    "encrypted workbook": (
        lambda t: _bytes(t, OLE, "secret.xlsx"),
        ["secret.xlsx is password-protected"],
        None,
    ),
    "legacy xls": (
        lambda t: _bytes(t, OLE, "old.xls"),
        ["old.xls is an old-style Excel 97–2003 workbook"],
        None,
    ),
    "damaged zip": (
        lambda t: _bytes(t, b"PK\x03\x04" + os.urandom(200), "broken.xlsx"),
        ["broken.xlsx", "damaged"],
        None,
    ),
    "binary junk renamed csv": (
        lambda t: _bytes(t, bytes(range(256)) * 16, "junk.csv"),
        ["junk.csv contains binary data"],
        None,
    ),
    "control characters": (
        lambda t: _bytes(t, b"Name,Email\n" + bytes(range(1, 9)) * 200, "ctl.csv"),
        ["ctl.csv contains binary data"],
        None,
    ),
    "huge cell": (
        lambda t: _csv(t, "Name,Notes\nSam," + "x" * 40_000 + "\n"),
        ["x.csv: Row 2, column “Notes” holds 40,000 characters", "32,767"],
        None,
    ),
    "huge cell past the csv field limit": (
        lambda t: _csv(t, 'Name,Notes\nSam,"' + "x" * 200_000 + '"\n'),
        ["x.csv: row 2 holds a cell of more than 32,767 characters"],
        None,
    ),
    "huge xlsx cell": (
        lambda t: rewrite_member(
            write_xlsx(t / "big.xlsx", [["Name", "Notes"], ["Sam", "PLACEHOLDER"]]),
            "xl/worksheets/sheet1.xml",
            lambda x: x.replace(b"PLACEHOLDER", b"y" * 33_000),
        ),
        ["big.xlsx: Row 2, column “Notes” holds 33,000 characters"],
        None,
    ),
    "huge file": (
        lambda t: _csv(t, "Name\n" + "Sam\n" * 1000),
        ["x.csv is too big to import"],
        Limits(max_file_bytes=1000),
    ),
    "too many rows": (
        lambda t: _csv(t, "Name\n" + "Sam\n" * 11),
        ["x.csv has more than 10 rows"],
        Limits(max_rows=10),
    ),
    "missing header row": (
        lambda t: _csv(t, "Aisha,Rahman,aisha@example.org,07700 900123\nBen,Okafor,ben@example.org,\n"),
        ["x.csv has no header row", "looks like a contact"],
        None,
    ),
    "duplicated headers": (
        lambda t: _csv(t, "Name,Email,E-mail,email\nSam,a@example.org,,\n"),
        ["x.csv has two columns called “email” (columns B and D)"],
        None,
    ),
    "no usable columns": (
        lambda t: _csv(t, "Colour,Size\nred,big\n"),
        ["x.csv has no columns vcsedesk can use", "“Colour”, “Size”"],
        None,
    ),
    "empty file": (lambda t: _bytes(t, b"", "empty.csv"), ["empty.csv is empty"], None),
    "header only": (lambda t: _csv(t, "Name,Email\n"), ["x.csv has column names but no contacts"], None),
    "blank rows only": (lambda t: _csv(t, "\n\n,,\n"), ["x.csv has no rows"], None),
    "unfinished vcard": (
        lambda t: _bytes(t, b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Sam\r\n", "cut.vcf"),
        ["cut.vcf: the card that begins on line 1 never ends"],
        None,
    ),
    "not a known text encoding": (
        lambda t: _bytes(t, b"Name\nSam \x81\x8d\n", "odd.csv"),
        ["odd.csv is not text in an encoding vcsedesk recognises"],
        None,
    ),
    "other spreadsheet format": (
        lambda t: _bytes(t, b"whatever", "book.ods"),
        ["book.ods is a kind of spreadsheet vcsedesk does not read"],
        None,
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_or_broken_file_is_refused_and_nothing_is_written(
    db: Database, admin: Actor, tmp_path: Path, folder: DataFolder, case: str
) -> None:
    make, words, limits = HOSTILE[case]
    path = make(tmp_path)
    before = state(db)
    backups_before = sorted(folder.backups.iterdir())
    with pytest.raises(FileRefused) as caught:
        imports.import_file(db, admin, path, folder=folder, limits=limits or Limits())
    message = str(caught.value)
    for word in words:
        assert word in message, message
    assert caught.value.file == path.name
    assert state(db) == before
    assert sorted(folder.backups.iterdir()) == backups_before


def test_a_mapping_naming_a_missing_column_is_refused(db: Database, admin: Actor, people_csv: Path) -> None:
    before = state(db)
    with pytest.raises(FileRefused, match=re.escape("friends.csv has no column called “Fax”")):
        imports.import_file(db, admin, people_csv, overrides={"Fax": "phone"})
    assert state(db) == before
