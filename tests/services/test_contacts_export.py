"""Exporting the contacts list: the file read back equals the database, on both backends."""

from __future__ import annotations

import argparse
import csv
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from vcsedesk.domain.contacts import ContactDraft, EmailEntry, PhoneEntry
from vcsedesk.domain.errors import UserError
from vcsedesk.io.spreadsheet import DANGEROUS_START
from vcsedesk.services import contacts, contacts_export
from vcsedesk.services.base import Actor, unit_of_work
from vcsedesk.services.contact_list import ContactFilter
from vcsedesk.services.contacts_export import COLUMNS, ExportFormat, export_contacts
from vcsedesk.store.database import Database
from vcsedesk.store.models import EqualityProfile

HEADERS = [c.header for c in COLUMNS]
LONDON_WINTER = timezone(timedelta(0))


def add(db: Database, actor: Actor, draft: ContactDraft) -> uuid.UUID:
    (cid,) = contacts.create_contact(db, actor, draft).created["contacts"]
    return cid


@pytest.fixture
def book(db: Database, admin: Actor) -> dict[str, uuid.UUID]:
    contacts.add_ward(db, admin, "Mile End")
    made = {
        "aisha": add(
            db,
            admin,
            ContactDraft(
                given_name="Aisha",
                family_name="Rahman",
                postcode="e1 6an",
                ward="Mile End",
                address="Flat 2\n14 Canal Road\nLondon",
                preferred_language="Bengali",
                interpreter_needed=True,
                access_needs=("Large print", "Easy read"),
                how_we_met="Tuesday drop-in",
                notes="Line one\nLine two",
                emails=(EmailEntry("aisha@example.org"), EmailEntry("a.rahman@work.example", "work")),
                phones=(PhoneEntry("07700 900123"), PhoneEntry("+33 1 42 68 53 00", "work")),
                tags=("Drop-in", "carer"),
            ),
        ),
        "org": add(
            db,
            admin,
            ContactDraft(
                kind="organisation", name="Canal Side Tenants", organisation_type="Tenants' association"
            ),
        ),
        "hostile": add(
            db,
            admin,
            ContactDraft(
                kind="organisation",
                name='=HYPERLINK("http://evil.example","click")',
                notes="+1 call me",
                how_we_met="@everyone",
                tags=("-minus",),
            ),
        ),
    }
    contacts.add_membership(db, admin, made["aisha"], made["org"], "Chair")
    with unit_of_work(db, admin, "equality") as uow:
        uow.add(
            EqualityProfile(
                contact_id=made["aisha"],
                age_band="35–44",
                ethnicity="Asian: Bangladeshi",
                religion="Muslim",
                sexual_orientation="Bisexual",
                disability="Yes",
            )
        )
    return made


def xlsx_rows(path: Path) -> list[list[Any]]:
    with path.open("rb") as fh:
        ws = load_workbook(fh)["Contacts"]
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_xlsx_read_back_equals_the_database(
    db: Database, admin: Actor, book: dict[str, uuid.UUID], tmp_path: Path
) -> None:
    path = tmp_path / "contacts.xlsx"
    report = export_contacts(db, admin, path, timezone=LONDON_WINTER)
    assert (report.count, report.path, report.format) == (3, path, ExportFormat.XLSX)
    rows = xlsx_rows(path)
    assert rows[0] == HEADERS
    by_name = {r[0]: dict(zip(HEADERS, r, strict=True)) for r in rows[1:]}
    aisha = by_name["Aisha Rahman"]
    view = contacts.get_contact(db, book["aisha"])
    assert aisha == {
        "Name": "Aisha Rahman",
        "Kind": "Person",
        "First name": "Aisha",
        "Last name": "Rahman",
        "Organisation type": None,
        "Emails": "aisha@example.org; a.rahman@work.example",
        "Phones": "07700 900123; +33 1 42 68 53 00",
        "Address": "Flat 2, 14 Canal Road, London",
        "Postcode": "E1 6AN",
        "Ward": "Mile End",
        "Preferred language": "Bengali",
        "Interpreter needed": "Yes",
        "Access needs": "Large print; Easy read",
        "Tags": "carer, Drop-in",
        "Organisations": "Canal Side Tenants (Chair)",
        "How we met": "Tuesday drop-in",
        "Notes": "Line one\nLine two",
        "Created": view.created_at.astimezone(LONDON_WINTER).replace(tzinfo=None, microsecond=0),
        "Updated": aisha["Updated"],
    }
    assert abs(aisha["Updated"] - view.updated_at.replace(tzinfo=None)) < timedelta(seconds=1)
    assert by_name["Canal Side Tenants"]["Kind"] == "Organisation"
    assert by_name["Canal Side Tenants"]["Organisation type"] == "Tenants' association"
    assert by_name["Canal Side Tenants"]["Interpreter needed"] == "No"
    ws = load_workbook(path)["Contacts"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:S4"
    assert ws.cell(2, HEADERS.index("Created") + 1).is_date


def test_formula_like_text_is_neutralised(
    db: Database, admin: Actor, book: dict[str, uuid.UUID], tmp_path: Path
) -> None:
    path = tmp_path / "contacts.xlsx"
    export_contacts(db, admin, path)
    ws = load_workbook(path)["Contacts"]
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                assert cell.data_type == "s" and not cell.value.startswith(DANGEROUS_START)
    hostile = next(r for r in xlsx_rows(path) if "HYPERLINK" in str(r[0]))
    assert hostile[0] == '\'=HYPERLINK("http://evil.example","click")'
    assert hostile[HEADERS.index("Notes")] == "'+1 call me"
    assert hostile[HEADERS.index("How we met")] == "'@everyone"
    assert hostile[HEADERS.index("Tags")] == "'-minus"


def test_equality_data_and_consent_evidence_never_appear(
    db: Database, admin: Actor, book: dict[str, uuid.UUID], tmp_path: Path
) -> None:
    from vcsedesk.services import consent

    consent.record_consent(
        db,
        admin,
        book["aisha"],
        purpose="contact_email",
        status="given",
        on=datetime.now(UTC).date(),
        method="written",
        evidence="Signed form in the blue folder",
    )
    for fmt in ("xlsx", "csv"):
        path = tmp_path / f"contacts.{fmt}"
        export_contacts(db, admin, path)
        text = repr(xlsx_rows(path)) if fmt == "xlsx" else path.read_text(encoding="utf-8-sig")
        for secret in ("Bangladeshi", "Muslim", "Bisexual", "35–44", "blue folder"):
            assert secret not in text, (fmt, secret)
        assert "Aisha Rahman" in text


def test_csv_and_filters(db: Database, admin: Actor, book: dict[str, uuid.UUID], tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    report = export_contacts(db, admin, path, ContactFilter(tag="carer"))
    assert report.format is ExportFormat.CSV and report.count == 1
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == HEADERS
    assert [r[0] for r in rows[1:]] == ["Aisha Rahman"]
    assert rows[1][HEADERS.index("Interpreter needed")] == "Yes"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    # The format can be forced, and an empty result is still a file with its header.
    forced = tmp_path / "organisations.dat"
    assert export_contacts(db, admin, forced, ContactFilter(text="no such person"), format="xlsx").count == 0
    assert xlsx_rows(forced) == [HEADERS]


def test_streams_in_batches_and_keeps_the_list_order(
    db: Database, admin: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(contacts_export, "BATCH", 2)
    for i in range(7):
        add(db, admin, ContactDraft(given_name=f"Person{i:02d}", family_name="Same", postcode="E1 6AN"))
    path = tmp_path / "all.xlsx"
    assert export_contacts(db, admin, path).count == 7
    assert [r[0] for r in xlsx_rows(path)[1:]] == [f"Person{i:02d} Same" for i in range(7)]


def test_command_line_handler(db: Database, admin: Actor, book: dict[str, uuid.UUID], tmp_path: Path) -> None:
    said: list[str] = []
    args = argparse.Namespace(
        file=tmp_path / "out.csv",
        format=None,
        search=None,
        kind="person",
        tag=None,
        ward="mile end",
        organisation="Canal Side Tenants",
        consent=None,
        include_archived=False,
    )
    assert contacts_export.cmd_contacts_export(args, db, admin, out=said.append) == 0
    assert said == [f"Exported 1 contact to {tmp_path / 'out.csv'}."]
    args.organisation = "Nobody's Group"
    with pytest.raises(UserError, match="no organisation called"):
        contacts_export.cmd_contacts_export(args, db, admin, out=said.append)
    args.organisation, args.consent = None, "contact_email=none"
    args.format, args.file = "xlsx", tmp_path / "out.xlsx"
    contacts_export.cmd_contacts_export(args, db, admin, out=said.append)
    assert [r[0] for r in xlsx_rows(tmp_path / "out.xlsx")[1:]] == ["Aisha Rahman"]
