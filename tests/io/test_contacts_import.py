"""Readers (CSV in its encodings and delimiters, xlsx, vCard 2.1/3.0/4.0) and column mapping."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from tests.io.helpers import write_xlsx
from vcsedesk.domain.contacts import EmailEntry, PhoneEntry
from vcsedesk.io.contacts_import import (
    VCARD_HEADERS,
    check_field,
    compile_mapping,
    detect_mapping,
    read_table,
    to_draft,
)
from vcsedesk.io.safety import FileRefused

HEADER = "First name,Last name,Email,Phone,Postcode\r\n"
ROW = "Zoë,O'Brien,zoe@example.org,07700 900123,e1 6an\r\n"


def rows_of(path: Path) -> tuple[list[str], list[tuple[int, tuple[str, ...]]]]:
    with read_table(path) as table:
        return table.headers, [(r.number, r.cells) for r in table.rows]


def drafts_of(path: Path, overrides: dict[str, str] | None = None):
    with read_table(path) as table:
        mapping = detect_mapping(table.headers) | (overrides or {})
        plan = compile_mapping(table.headers, mapping, table.file)
        return [to_draft(plan, r.cells) for r in table.rows]


# -- CSV encodings and delimiters -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [
        ("utf-8", b"", "UTF-8"),
        ("utf-8", codecs.BOM_UTF8, "UTF-8"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "UTF-16"),
        ("cp1252", b"", "Windows-1252"),
    ],
)
def test_csv_encodings(tmp_path: Path, encoding: str, bom: bytes, expected: str) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(bom + (HEADER + ROW).encode(encoding))
    with read_table(path) as table:
        assert expected in table.format
        assert table.headers == ["First name", "Last name", "Email", "Phone", "Postcode"]
        (row,) = list(table.rows)
        assert row.number == 2
        assert row.cells[0] == "Zoë" and row.cells[1] == "O'Brien"


@pytest.mark.parametrize(("delimiter", "word"), [(",", "comma"), (";", "semicolon"), ("\t", "tab")])
def test_csv_delimiters(tmp_path: Path, delimiter: str, word: str) -> None:
    path = tmp_path / "people.csv"
    text = (HEADER + ROW).replace(",", delimiter)
    path.write_text(text, encoding="utf-8")
    with read_table(path) as table:
        assert word in table.format
        assert [r.cells[2] for r in table.rows] == ["zoe@example.org"]


def test_csv_semicolon_with_commas_inside_cells(tmp_path: Path) -> None:
    path = tmp_path / "excel-fr.csv"
    path.write_text('Name;Notes\r\nSam Patel;"Likes tea, not coffee"\r\n', encoding="cp1252")
    _, rows = rows_of(path)
    assert rows == [(2, ("Sam Patel", "Likes tea, not coffee"))]


def test_csv_quoted_newlines_blank_lines_and_short_rows(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('Name,Address,Postcode\n\nSam,"1 High St\nLondon"\n\nAsha\n', encoding="utf-8")
    headers, rows = rows_of(path)
    assert headers == ["Name", "Address", "Postcode"]
    assert rows == [(3, ("Sam", "1 High St\nLondon", "")), (5, ("Asha", "", ""))]


# -- xlsx -----------------------------------------------------------------------------------------
def test_xlsx_first_visible_sheet_values_only(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "book.xlsx",
        [
            ["Name", "Phone", "Joined", "Count"],
            ["Sam Patel", 7700900123, None, 3.0],
            [None, None, None, None],
        ],
        hidden_first=[["Secret"], ["do not read"]],
    )
    with read_table(path) as table:
        assert "Contacts" in table.format
        assert table.headers == ["Name", "Phone", "Joined", "Count"]
        assert [(r.number, r.cells) for r in table.rows] == [(2, ("Sam Patel", "7700900123", "", "3"))]


def test_xlsx_formula_cells_are_not_run(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "f.xlsx", [["Name", "Notes"], ["Sam", "=1+1"]])
    with read_table(path) as table:
        (row,) = list(table.rows)
    assert row.cells[1] in ("", "=1+1")  # values only: never a computed 2


def test_xlsx_content_is_judged_not_its_name(tmp_path: Path) -> None:
    real = write_xlsx(tmp_path / "book.xlsx", [["Name"], ["Sam"]])
    renamed = tmp_path / "book.csv"
    renamed.write_bytes(real.read_bytes())
    with read_table(renamed) as table:
        assert "Excel" in table.format


# -- vCard ----------------------------------------------------------------------------------------
VCARD_21 = (
    "BEGIN:VCARD\r\n"
    "VERSION:2.1\r\n"
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:O=E2=80=99Brien;Zo=C3=AB;;;\r\n"
    "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Zo=C3=AB O=E2=80=99Brien\r\n"
    "TEL;CELL;VOICE:07700 900123\r\n"
    "TEL;HOME:020 7946 0018\r\n"
    "EMAIL;INTERNET;HOME:zoe@example.org\r\n"
    "NOTE;ENCODING=QUOTED-PRINTABLE:Met at the drop-in.=0D=0A=\r\n"
    "Needs large print.\r\n"
    "END:VCARD\r\n"
)
VCARD_30 = (
    "BEGIN:VCARD\n"
    "VERSION:3.0\n"
    "N:Rahman;Aisha;;;\n"
    "FN:Aisha Rahman\n"
    "ORG:Hope Street Food Bank;Volunteers\n"
    "EMAIL;TYPE=INTERNET,WORK:aisha@hope.example.org\n"
    "TEL;TYPE=work,voice:+44 20 7946 0999\n"
    "ADR;TYPE=home:;Flat 2;12 Canal Side\\, Old Wharf;London;;e1 6an;UK\n"
    "NOTE:Prefers email\\; no calls after 6\\, please.\\nSpeaks Bengali.\n"
    "CATEGORIES:Carer,Volunteer\n"
    "item1.X-ABLabel:ignored\n"
    "END:VCARD\n"
)
VCARD_40 = (
    "BEGIN:VCARD\r\n"
    "VERSION:4.0\r\n"
    "KIND:org\r\n"
    "FN:Northfield Carers\r\n"
    "  Together\r\n"
    'TEL;VALUE=uri;TYPE="work,voice";PREF=1:tel:+44-113-496-0123\r\n'
    "EMAIL;TYPE=work:info@northfield.example.org\r\n"
    "END:VCARD\r\n"
)


def test_vcard_21_quoted_printable_charset_and_bare_types(tmp_path: Path) -> None:
    path = tmp_path / "phone.vcf"
    path.write_bytes(VCARD_21.encode("ascii"))
    (values,) = drafts_of(path)
    draft = values.draft
    assert (draft.given_name, draft.family_name) == ("Zoë", "O’Brien")
    assert draft.phones == (PhoneEntry("07700 900123", "mobile"), PhoneEntry("020 7946 0018", "home"))
    assert draft.emails == (EmailEntry("zoe@example.org", "home"),)
    assert draft.notes == "Met at the drop-in.\nNeeds large print."


def test_vcard_30_type_params_escapes_address_and_organisation(tmp_path: Path) -> None:
    path = tmp_path / "contacts.vcf"
    path.write_text(VCARD_30 + VCARD_21.replace("\r\n", "\n"), encoding="utf-8")
    with read_table(path) as table:
        assert table.headers == VCARD_HEADERS
        first, second = drafts_of(path)
        draft = first.draft
        assert draft.name == "Aisha Rahman" and draft.kind == "person"
        assert first.organisation == "Hope Street Food Bank"
        assert draft.emails == (EmailEntry("aisha@hope.example.org", "work"),)
        assert draft.phones == (PhoneEntry("+44 20 7946 0999", "work"),)
        assert draft.address == "Flat 2\n12 Canal Side, Old Wharf\nLondon\nUK"
        assert draft.postcode == "e1 6an"
        assert draft.notes == "Prefers email; no calls after 6, please.\nSpeaks Bengali."
        assert draft.tags == ("Carer", "Volunteer")
        assert second.draft.given_name == "Zoë"


def test_vcard_40_kind_org_folded_lines_and_tel_uri(tmp_path: Path) -> None:
    path = tmp_path / "org.vcf"
    path.write_text(VCARD_40, encoding="utf-8")
    with read_table(path) as table:
        (row,) = list(table.rows)
        assert row.number == 1 and table.noun == "Card at line"
        (values,) = drafts_of(path)
        assert values.draft.kind == "organisation"
        assert values.draft.name == "Northfield Carers Together"
        assert values.draft.phones == (PhoneEntry("+44-113-496-0123", "work"),)


# -- mapping --------------------------------------------------------------------------------------
GOOGLE = [
    "Name", "Given Name", "Additional Name", "Family Name", "Nickname", "Birthday", "Notes",
    "Group Membership", "E-mail 1 - Type", "E-mail 1 - Value", "E-mail 2 - Type", "E-mail 2 - Value",
    "Phone 1 - Type", "Phone 1 - Value", "Address 1 - Type", "Address 1 - Formatted",
    "Address 1 - Street", "Address 1 - City", "Address 1 - Postal Code", "Organization 1 - Name",
    "Organization 1 - Title",
]  # fmt: skip
OUTLOOK = [
    "Title", "First Name", "Middle Name", "Last Name", "Company", "Job Title", "Home Street",
    "Home City", "Home Postal Code", "Business Phone", "Home Phone", "Mobile Phone",
    "E-mail Address", "E-mail 2 Address", "Notes", "Categories",
]  # fmt: skip


def test_google_contacts_headers_are_recognised() -> None:
    mapping = detect_mapping(GOOGLE)
    assert mapping == {
        "Name": "name",
        "Given Name": "given_name",
        "Family Name": "family_name",
        "Notes": "notes",
        "Group Membership": "tags",
        "E-mail 1 - Type": "email_type1",
        "E-mail 1 - Value": "email1",
        "E-mail 2 - Type": "email_type2",
        "E-mail 2 - Value": "email2",
        "Phone 1 - Type": "phone_type1",
        "Phone 1 - Value": "phone1",
        "Address 1 - Formatted": "address",
        "Address 1 - Postal Code": "postcode",
        "Organization 1 - Name": "organisation",
        "Organization 1 - Title": "role",
    }


def test_outlook_headers_are_recognised() -> None:
    mapping = detect_mapping(OUTLOOK)
    assert mapping == {
        "First Name": "given_name",
        "Last Name": "family_name",
        "Company": "organisation",
        "Job Title": "role",
        "Home Street": "address",
        "Home City": "address",
        "Home Postal Code": "postcode",
        "Business Phone": "phone:work",
        "Home Phone": "phone:home",
        "Mobile Phone": "phone:mobile",
        "E-mail Address": "email",
        "E-mail 2 Address": "email",
        "Notes": "notes",
        "Categories": "tags",
    }


def test_google_row_to_draft(tmp_path: Path) -> None:
    path = tmp_path / "google.csv"
    values = {h: "" for h in GOOGLE}
    values |= {
        "Name": "Aisha Rahman",
        "Given Name": "Aisha",
        "Family Name": "Rahman",
        "Group Membership": "* myContacts ::: Carers ::: Drop-in",
        "E-mail 1 - Type": "* Home",
        "E-mail 1 - Value": "aisha@example.org ::: a.rahman@example.org",
        "E-mail 2 - Type": "Work",
        "E-mail 2 - Value": "aisha@work.example.org",
        "Phone 1 - Type": "Mobile",
        "Phone 1 - Value": "07700 900123",
        "Address 1 - Formatted": "12 Canal Side\nLondon",
        "Address 1 - Street": "12 Canal Side",
        "Address 1 - Postal Code": "E1 6AN",
        "Organization 1 - Name": "Hope Street Food Bank",
        "Organization 1 - Title": "Volunteer",
    }
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, GOOGLE)
        writer.writeheader()
        writer.writerow(values)
    (row,) = drafts_of(path)
    draft = row.draft
    assert draft.emails == (
        EmailEntry("aisha@example.org", "home"),
        EmailEntry("a.rahman@example.org", "home"),
        EmailEntry("aisha@work.example.org", "work"),
    )
    assert draft.phones == (PhoneEntry("07700 900123", "mobile"),)
    assert draft.tags == ("Carers", "Drop-in")
    assert draft.address == "12 Canal Side\nLondon"
    assert (row.organisation, row.role) == ("Hope Street Food Bank", "Volunteer")
    assert row.sources["emails[2]"] == "E-mail 2 - Value"


def test_a_row_with_only_an_organisation_is_an_organisation(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text(
        "First Name,Last Name,Company,E-mail Address\n,,Hope Street Food Bank,info@hope.example.org\n"
    )
    (row,) = drafts_of(path)
    assert row.draft.kind == "organisation" and row.draft.name == "Hope Street Food Bank"
    assert row.organisation is None


def test_mapping_can_be_changed(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Who,Mob,Fax\nSam Patel,07700 900123,020 7946 0000\n")
    assert detect_mapping(["Who", "Mob", "Fax"]) == {}
    (row,) = drafts_of(path, {"Who": "name", "Mob": "phone:mobile", "Fax": "ignore"})
    assert row.draft.name == "Sam Patel"
    assert row.draft.phones == (PhoneEntry("07700 900123", "mobile"),)


def test_interpreter_and_kind_values(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        "Kind,Name,Interpreter needed\nPerson,Sam,yes\nOrganisation,Hope,no\nperson,Asha,perhaps\n"
    )
    first, second, third = drafts_of(path)
    assert first.draft.interpreter_needed is True and first.draft.kind == "person"
    assert second.draft.kind == "organisation" and second.draft.name == "Hope"
    assert "interpreter_needed" in third.problems


def test_unknown_column_or_field_in_a_mapping_is_refused() -> None:
    with pytest.raises(FileRefused, match="no column called “Mobile”"):
        compile_mapping(["Name"], {"Mobile": "phone"}, "x.csv")
    with pytest.raises(FileRefused, match="“favourite_colour” is not a contact field"):
        compile_mapping(["Name"], {"Name": "favourite_colour"}, "x.csv")
    assert check_field("phone:fax") is not None
    assert check_field("phone2") is None and check_field("email_type2") is None
