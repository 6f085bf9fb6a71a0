"""Reading contacts from CSV, xlsx and vCard files into one shape, and mapping their columns.

Every reader turns a file into a :class:`Table`: the header names and the rows, each row a
tuple of strings with its number in the source (row 1 is the header row of a spreadsheet; a
vCard's rows are its cards, numbered by the line each begins on).  Rows are read lazily, so
a big file is never held twice.

The columns are mapped to contact fields by a plain ``dict`` — column header to field — which
:func:`detect_mapping` guesses from the headers (vcsedesk's own export, Google Contacts and
Outlook CSV exports, and common synonyms) and which the caller may change before the rows
are converted.  Field names a mapping may use:

* ``given_name``, ``family_name``, ``name``, ``kind`` (person or organisation),
  ``organisation`` (for a person, the organisation they belong to; for a row with no person's
  name, the organisation itself), ``role`` (their role there), ``organisation_type``,
  ``address`` (several columns are joined, one per line), ``postcode``, ``ward``,
  ``preferred_language``, ``interpreter_needed``, ``access_needs``, ``how_we_met``,
  ``notes``, ``tags`` and ``ignore``;
* ``email`` and ``phone``, optionally numbered and labelled: ``email``, ``email:work``,
  ``phone:mobile``, ``phone2``; a column holding the label of numbered value is
  ``email_type2`` / ``phone_type2`` (as in Google's "Phone 2 - Type").

Nothing here touches the database: see services/imports.py for the preview and the commit.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vcsedesk.domain.contacts import ContactDraft, ContactKind, EmailEntry, PhoneEntry
from vcsedesk.io.safety import (
    DEFAULT_LIMITS,
    OLE_HEADER,
    ZIP_HEADER,
    FileRefused,
    Limits,
    check_cell,
    check_file_size,
    check_row_count,
    check_text_sample,
    check_xlsx,
    head,
    refuse_ole,
)

SAMPLE_BYTES = 64 * 1024


# -- the uniform table ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SourceRow:
    number: int
    cells: tuple[str, ...]


@dataclass
class Table:
    """A file's header and its rows (an iterator: read once)."""

    file: str
    format: str
    headers: list[str]
    rows: Iterator[SourceRow]
    #: What a person calls one row of this file in messages: "Row 12", "Card at line 40".
    noun: str = "Row"
    #: Releases the file if the rows are not read to the end.
    closer: Callable[[], None] | None = None

    def where(self, number: int) -> str:
        return f"{self.noun} {number}"

    def close(self) -> None:
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()
        if self.closer is not None:
            self.closer()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_table(path: Path, limits: Limits = DEFAULT_LIMITS) -> Table:
    """Read any supported file, recognised by its content first and its name second."""
    path = Path(path)
    check_file_size(path, limits)
    start = head(path, 8)
    suffix = path.suffix.lower()
    if start.startswith(OLE_HEADER):
        refuse_ole(path)
    if start.startswith(ZIP_HEADER) or suffix in (".xlsx", ".xlsm", ".xltx", ".xltm"):
        if not start.startswith(ZIP_HEADER):
            raise FileRefused(
                f"{path.name} is not an Excel workbook (its content is not xlsx).", file=path.name
            )
        return read_xlsx(path, limits)
    if suffix in (".xls", ".xlsb", ".ods", ".numbers"):
        raise FileRefused(
            f"{path.name} is a kind of spreadsheet vcsedesk does not read. Save it as .xlsx or CSV "
            "and import that.",
            file=path.name,
        )
    text_start = _sample_text(path)
    if suffix in (".vcf", ".vcard") or re.match(r"\s*BEGIN:VCARD", text_start, re.IGNORECASE):
        return read_vcard(path, limits)
    return read_csv(path, limits)


# -- text files: encoding ---------------------------------------------------------------------
def _sample_text(path: Path) -> str:
    raw = head(path, 512)
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            return raw.decode(encoding, "ignore")
    return raw.decode("latin-1")


def _validates(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1024 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[str, str]:
    """(codec, description): a BOM says UTF-8 or UTF-16; otherwise strict UTF-8 if the whole file
    is valid UTF-8, else Windows-1252.  Binary data is refused."""
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        encoding, words = "utf-8-sig", "UTF-8"
    elif sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, words = "utf-16", "UTF-16"
    else:
        encoding, words = "utf-8", "UTF-8"
    if encoding == "utf-16":
        text = sample[: len(sample) // 2 * 2].decode("utf-16", "replace")
        check_text_sample(text.encode("utf-8", "replace"), path.name, limits)
        if not _validates(path, encoding):
            raise FileRefused(f"{path.name} says it is UTF-16 text but is damaged.", file=path.name)
        return encoding, words
    check_text_sample(sample, path.name, limits)
    if _validates(path, encoding):
        return encoding, words
    if _validates(path, "cp1252"):
        return "cp1252", "Windows-1252"
    raise FileRefused(
        f"{path.name} is not text in an encoding vcsedesk recognises (UTF-8, UTF-16 or "
        "Windows-1252). Save it again as “CSV UTF-8” and import that.",
        file=path.name,
    )


# -- CSV --------------------------------------------------------------------------------------
def _dialect(sample: str) -> tuple[str, str]:
    """(delimiter, description), from csv.Sniffer, or the commonest of , ; tab in the first line."""
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        counts = {d: first.count(d) for d in (",", ";", "\t")}
        delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    names = {",": "comma", ";": "semicolon", "\t": "tab"}
    return delimiter, names[delimiter]


def read_csv(path: Path, limits: Limits = DEFAULT_LIMITS) -> Table:
    encoding, words = detect_encoding(path, limits)
    fh = path.open(encoding=encoding, newline="")
    try:
        sample = fh.read(SAMPLE_BYTES)
        fh.seek(0)
        delimiter, delimiter_words = _dialect(sample)
        reader = csv.reader(fh, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
        number, header = _first_row(reader, path.name, limits)
        headers = _check_headers(header, path.name, number, limits)
    except BaseException:
        fh.close()
        raise

    def rows() -> Iterator[SourceRow]:
        with fh:
            n = number
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise _csv_refusal(exc, path.name, n + 1, limits) from None
                n += 1
                check_row_count(n - number, file=path.name, limits=limits)
                if not any(c.strip() for c in cells):
                    continue
                yield SourceRow(n, _cells(cells, headers, path.name, n, limits))

    return Table(path.name, f"CSV ({words}, {delimiter_words}-separated)", headers, rows(), closer=fh.close)


def _csv_refusal(exc: csv.Error, file: str, row: int, limits: Limits) -> FileRefused:
    if "field larger than field limit" in str(exc):
        return FileRefused(
            f"{file}: row {row} holds a cell of more than {limits.max_cell_chars:,} characters "
            "(the most, as in Excel). The file was not imported.",
            file=file,
            row=row,
        )
    return FileRefused(f"{file}: row {row} could not be read as CSV ({exc}).", file=file, row=row)


def _first_row(reader: Iterator[list[str]], file: str, limits: Limits) -> tuple[int, list[str]]:
    n = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            raise FileRefused(f"{file} has no rows in it.", file=file) from None
        except csv.Error as exc:
            raise _csv_refusal(exc, file, n + 1, limits) from None
        n += 1
        if any(c.strip() for c in cells):
            return n, cells


def _check_headers(header: list[str], file: str, row: int, limits: Limits) -> list[str]:
    names = [(h or "").replace("\ufeff", "").strip() for h in header]
    while names and not names[-1]:
        names.pop()
    if len(names) > limits.max_columns:
        raise FileRefused(
            f"{file} has {len(names):,} columns (at most {limits.max_columns:,}).", file=file, row=row
        )
    for i, name in enumerate(names):
        check_cell(name, file=file, row=row, column=_column_letter(i), limits=limits)
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if not name:
            continue
        key = name.casefold()
        if key in seen:
            raise FileRefused(
                f"{file} has two columns called “{name}” (columns {_column_letter(seen[key])} and "
                f"{_column_letter(i)}), so it is not clear which to use. Rename one and import again.",
                file=file,
                row=row,
                column=name,
            )
        seen[key] = i
    return names


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cells(
    cells: list[str], headers: list[str], file: str, row: int, limits: Limits, noun: str = "Row"
) -> tuple[str, ...]:
    width = len(headers)
    for i, value in enumerate(cells):
        if len(value) > limits.max_cell_chars:
            column = headers[i] if i < width and headers[i] else _column_letter(i)
            check_cell(value, file=file, row=row, column=column, limits=limits, noun=noun)
    if len(cells) < width:
        return (*cells, *([""] * (width - len(cells))))
    if len(cells) > width:
        extra = [c for c in cells[width:] if c.strip()]
        if extra:
            # Kept under unnamed columns: a problem only if someone maps them.
            return tuple(cells[:width]) + tuple(extra)
        return tuple(cells[:width])
    return tuple(cells)


# -- xlsx -------------------------------------------------------------------------------------
def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def read_xlsx(path: Path, limits: Limits = DEFAULT_LIMITS) -> Table:
    """The first visible sheet of an xlsx workbook, values only (no formulas run)."""
    check_xlsx(path, limits)
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    file = path.name
    fh = path.open("rb")  # a file object: openpyxl then judges the content, not the name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(fh, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:
        fh.close()
        raise FileRefused(f"{file} could not be read as an Excel workbook ({exc}).", file=file) from None
    sheet = next(
        (ws for ws in workbook.worksheets if getattr(ws, "sheet_state", "visible") == "visible"), None
    )
    if sheet is None:
        workbook.close()
        fh.close()
        raise FileRefused(f"{file} has no visible worksheet to import.", file=file)
    source = sheet.iter_rows(values_only=True)

    def raw_rows() -> Iterator[tuple[int, list[str]]]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for n, values in enumerate(source, start=1):
                yield n, [_cell_text(v) for v in values]

    stream = raw_rows()
    try:
        header_number, header = next(((n, c) for n, c in stream if any(x.strip() for x in c)), (0, []))
        if not header_number:
            raise FileRefused(f"{file} has no rows in its first sheet (“{sheet.title}”).", file=file)
        headers = _check_headers(header, file, header_number, limits)
    except BaseException:
        workbook.close()
        fh.close()
        raise

    def rows() -> Iterator[SourceRow]:
        try:
            for n, cells in stream:
                check_row_count(n - header_number, file=file, limits=limits)
                if any(c.strip() for c in cells):
                    yield SourceRow(n, _cells(cells, headers, file, n, limits))
        except FileRefused:
            raise
        except Exception as exc:
            raise FileRefused(
                f"{file} is damaged and could not be read to the end ({exc}).", file=file
            ) from None
        finally:
            workbook.close()
            fh.close()

    def close() -> None:
        workbook.close()
        fh.close()

    return Table(file, f"Excel workbook (sheet “{sheet.title}”)", headers, rows(), closer=close)


# -- vCard ------------------------------------------------------------------------------------
VCARD_MAX = 5  # emails and phones kept per card, as numbered columns
VCARD_HEADERS = [
    "Name",
    "Given Name",
    "Family Name",
    "Organization",
    "Kind",
    *(h for i in range(1, VCARD_MAX + 1) for h in (f"E-mail {i} - Value", f"E-mail {i} - Type")),
    *(h for i in range(1, VCARD_MAX + 1) for h in (f"Phone {i} - Value", f"Phone {i} - Type")),
    "Address",
    "Postcode",
    "Notes",
    "Categories",
]


@dataclass
class VCardProperty:
    name: str
    params: dict[str, list[str]]
    value: str


def _unfold(lines: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Join folded lines (a continuation starts with a space or tab) and quoted-printable
    soft line breaks (a line ending in '=' inside a QUOTED-PRINTABLE value)."""
    pending: tuple[int, str] | None = None
    for number, raw in lines:
        line = raw.rstrip("\r\n")
        if pending is not None and line[:1] in (" ", "\t"):
            pending = (pending[0], pending[1] + line[1:])
            continue
        if pending is not None and _qp_continues(pending[1]):
            pending = (pending[0], pending[1][:-1] + line)
            continue
        if pending is not None:
            yield pending
        pending = (number, line)
    if pending is not None:
        yield pending


def _qp_continues(line: str) -> bool:
    if not line.endswith("="):
        return False
    prefix = line.split(":", 1)[0].upper()
    return "QUOTED-PRINTABLE" in prefix


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts, current, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if c == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    parts.append("".join(current))
    return parts


def _unescape(text: str) -> str:
    return re.sub(r"\\([\\,;nN:])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def _parse_params(parts: list[str]) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for part in parts:
        if not part:
            continue
        if "=" in part:
            key, value = part.split("=", 1)
            values = [v.strip('"') for v in re.split(r',(?=(?:[^"]*"[^"]*")*[^"]*$)', value)]
            params.setdefault(key.strip().upper(), []).extend(v for vs in values for v in vs.split(","))
        else:  # vCard 2.1 bare parameter: TEL;HOME;VOICE
            bare = part.strip().upper()
            if bare in ("QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT"):
                params.setdefault("ENCODING", []).append(bare)
            else:
                params.setdefault("TYPE", []).append(bare)
    return params


def parse_property(line: str) -> VCardProperty | None:
    """One content line: ``[group.]NAME[;PARAM=VALUE...]:value``."""
    # The name and parameters end at the first colon outside a quoted parameter value.
    in_quotes = False
    for i, c in enumerate(line):
        if c == '"':
            in_quotes = not in_quotes
        elif c == ":" and not in_quotes:
            head_part, value = line[:i], line[i + 1 :]
            break
    else:
        return None
    pieces = head_part.split(";")
    name = pieces[0].split(".")[-1].strip().upper()
    params = _parse_params(pieces[1:])
    encoding = [e.upper() for e in params.get("ENCODING", [])]
    if "QUOTED-PRINTABLE" in encoding:
        charset = (params.get("CHARSET") or ["utf-8"])[0]
        raw = codecs.decode(value.encode("latin-1", "replace"), "quopri")
        try:
            value = raw.decode(charset)
        except (LookupError, UnicodeDecodeError):
            value = raw.decode("cp1252", "replace")
    elif "B" in encoding or "BASE64" in encoding:
        value = ""  # photos and other binary values are not imported
    return VCardProperty(name, params, value.replace("\r\n", "\n"))


def _vcard_label(params: dict[str, list[str]]) -> str:
    types = {t.strip().lower() for t in params.get("TYPE", [])}
    for wanted, label in (("cell", "mobile"), ("work", "work"), ("home", "home")):
        if wanted in types:
            return label
    return "other" if types - {"pref", "internet", "voice", "x400"} else ""


def _card_row(props: list[VCardProperty]) -> list[str]:
    values: dict[str, str] = {}
    emails: list[tuple[str, str]] = []
    phones: list[tuple[str, str]] = []
    notes: list[str] = []
    categories: list[str] = []
    kind = ""
    for prop in props:
        if prop.name == "FN":
            values["Name"] = _unescape(prop.value).strip()
        elif prop.name == "N":
            parts = [_unescape(p) for p in _split_unescaped(prop.value, ";")] + [""] * 5
            values["Family Name"] = parts[0].replace(",", " ").strip()
            values["Given Name"] = parts[1].replace(",", " ").strip()
        elif prop.name == "ORG":
            values["Organization"] = _unescape(_split_unescaped(prop.value, ";")[0]).strip()
        elif prop.name == "EMAIL":
            emails.append((_unescape(prop.value).strip(), _vcard_label(prop.params)))
        elif prop.name == "TEL":
            number = _unescape(prop.value).strip()
            if number.lower().startswith("tel:"):
                number = number[4:].split(";")[0]
            phones.append((number, _vcard_label(prop.params)))
        elif prop.name == "ADR" and "Address" not in values:
            parts = [_unescape(p).strip() for p in _split_unescaped(prop.value, ";")] + [""] * 7
            pobox, extended, street, locality, region, postcode, country = parts[:7]
            lines = [x for x in (pobox, extended, *street.split("\n"), locality, region, country) if x]
            values["Address"] = "\n".join(lines)
            values["Postcode"] = postcode
        elif prop.name == "NOTE":
            notes.append(_unescape(prop.value).strip())
        elif prop.name == "CATEGORIES":
            categories.extend(_unescape(c).strip() for c in _split_unescaped(prop.value, ","))
        elif prop.name in ("KIND", "X-ADDRESSBOOKSERVER-KIND"):
            kind = prop.value.strip().lower()
        elif prop.name == "X-ABSHOWAS" and prop.value.strip().upper() == "COMPANY":
            kind = "org"
    if kind in ("org", "organization", "group"):
        values["Kind"] = "organisation"
        if not values.get("Organization"):
            values["Organization"] = values.get("Name", "")
        values["Name"] = values["Given Name"] = values["Family Name"] = ""
    elif (
        not values.get("Given Name")
        and not values.get("Family Name")
        and values.get("Organization")
        and (not values.get("Name") or values["Name"] == values["Organization"])
    ):
        values["Kind"] = "organisation"
        values["Name"] = ""
    for i, (address, label) in enumerate(emails[:VCARD_MAX], start=1):
        values[f"E-mail {i} - Value"], values[f"E-mail {i} - Type"] = address, label
    for i, (number, label) in enumerate(phones[:VCARD_MAX], start=1):
        values[f"Phone {i} - Value"], values[f"Phone {i} - Type"] = number, label
    values["Notes"] = "\n".join(n for n in notes if n)
    values["Categories"] = " ; ".join(c for c in categories if c)
    return [values.get(h, "") for h in VCARD_HEADERS]


def read_vcard(path: Path, limits: Limits = DEFAULT_LIMITS) -> Table:
    """vCard 2.1, 3.0 and 4.0: one row per card, in the columns of :data:`VCARD_HEADERS`."""
    encoding, words = detect_encoding(path, limits)
    file = path.name
    opened: list[Any] = []

    def lines() -> Iterator[tuple[int, str]]:
        fh = path.open(encoding=encoding, newline="")
        opened.append(fh)
        for number, line in enumerate(fh, start=1):
            if len(line) > limits.max_cell_chars * 4:
                raise FileRefused(
                    f"{file}: line {number} holds {len(line):,} characters, far more than a contact "
                    "card needs. The file was not imported.",
                    file=file,
                    row=number,
                )
            yield number, line

    def rows() -> Iterator[SourceRow]:
        try:
            card: list[VCardProperty] | None = None
            start = 0
            count = 0
            for number, line in _unfold(lines()):
                if not line.strip():
                    continue
                prop = parse_property(line)
                if prop is None:
                    continue
                if prop.name == "BEGIN" and prop.value.strip().upper() == "VCARD":
                    card, start = [], number
                elif prop.name == "END" and prop.value.strip().upper() == "VCARD" and card is not None:
                    count += 1
                    check_row_count(count, file=file, limits=limits)
                    cells = _card_row(card)
                    yield SourceRow(start, _cells(cells, VCARD_HEADERS, file, start, limits, "Card at line"))
                    card = None
                elif card is not None:
                    card.append(prop)
            if card is not None:
                raise FileRefused(
                    f"{file}: the card that begins on line {start} never ends (no END:VCARD); the "
                    "file may have been cut short. It was not imported.",
                    file=file,
                    row=start,
                )
            if count == 0:
                raise FileRefused(f"{file} has no contact cards (BEGIN:VCARD … END:VCARD) in it.", file=file)
        finally:
            close()

    def close() -> None:
        for fh in opened:
            fh.close()

    return Table(file, f"vCard ({words})", list(VCARD_HEADERS), rows(), noun="Card at line", closer=close)


# -- column mapping ---------------------------------------------------------------------------
SCALAR_FIELDS = (
    "kind",
    "name",
    "given_name",
    "family_name",
    "organisation",
    "role",
    "organisation_type",
    "address",
    "postcode",
    "ward",
    "preferred_language",
    "interpreter_needed",
    "access_needs",
    "how_we_met",
    "notes",
    "tags",
)
IGNORE = "ignore"
_MULTI = re.compile(r"^(email|phone)(\d*)(?::([a-z]+))?$")
_TYPE = re.compile(r"^(email|phone)_type(\d*)$")

#: Headers vcsedesk's own contacts export writes (keep in step with services/contact_list.py).
OWN_EXPORT_HEADERS = {
    "Kind": "kind",
    "Name": "name",
    "First name": "given_name",
    "Last name": "family_name",
    "Organisation type": "organisation_type",
    "Organisations": "organisation",
    "Emails": "email",
    "Phones": "phone",
    "Address": "address",
    "Postcode": "postcode",
    "Ward": "ward",
    "Preferred language": "preferred_language",
    "Interpreter needed": "interpreter_needed",
    "Access needs": "access_needs",
    "How we met": "how_we_met",
    "Notes": "notes",
    "Tags": "tags",
}


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.casefold())


_SYNONYMS: dict[str, str] = {
    **{_key(h): f for h, f in OWN_EXPORT_HEADERS.items()},
    # names
    **dict.fromkeys(["firstname", "givenname", "forename", "forenames", "first"], "given_name"),
    **dict.fromkeys(["lastname", "familyname", "surname", "last"], "family_name"),
    **dict.fromkeys(["name", "fullname", "displayname", "contactname", "contact"], "name"),
    **dict.fromkeys(["kind", "contactkind", "contacttype", "personororganisation"], "kind"),
    **dict.fromkeys(
        [
            "organisation",
            "organization",
            "organisationname",
            "organizationname",
            "organization1name",
            "company",
            "companyname",
            "employer",
            "org",
            "group",
        ],
        "organisation",
    ),
    **dict.fromkeys(["role", "jobtitle", "organization1title", "organizationtitle", "position"], "role"),
    **dict.fromkeys(["organisationtype", "organizationtype", "typeoforganisation"], "organisation_type"),
    # emails
    **dict.fromkeys(
        [
            "email",
            "emails",
            "emailaddress",
            "email1",
            "email2",
            "email3",
            "email2address",
            "email3address",
            "mail",
        ],
        "email",
    ),
    **dict.fromkeys(["workemail", "businessemail"], "email:work"),
    **dict.fromkeys(["homeemail", "personalemail"], "email:home"),
    # phones
    **dict.fromkeys(
        ["phone", "phones", "telephone", "tel", "phonenumber", "telephonenumber", "primaryphone", "number"],
        "phone",
    ),
    **dict.fromkeys(
        ["mobile", "mobilephone", "mobilenumber", "cell", "cellphone", "mobiletelephone"], "phone:mobile"
    ),
    **dict.fromkeys(["homephone", "homephone2", "hometelephone", "landline"], "phone:home"),
    **dict.fromkeys(
        ["businessphone", "businessphone2", "workphone", "worktelephone", "companymainphone"], "phone:work"
    ),
    **dict.fromkeys(["otherphone"], "phone:other"),
    # address
    **dict.fromkeys(
        [
            "address",
            "streetaddress",
            "street",
            "addressline1",
            "addressline2",
            "addressline3",
            "address1",
            "address2",
            "town",
            "city",
            "county",
            "homestreet",
            "homestreet2",
            "homestreet3",
            "homecity",
            "homecounty",
            "homestate",
            "address1formatted",
        ],
        "address",
    ),
    **dict.fromkeys(
        ["postcode", "postalcode", "zip", "zipcode", "postcodezip", "homepostalcode", "address1postalcode"],
        "postcode",
    ),
    **dict.fromkeys(["ward", "neighbourhood", "neighborhood", "wardorneighbourhood"], "ward"),
    **dict.fromkeys(["language", "preferredlanguage", "firstlanguage"], "preferred_language"),
    **dict.fromkeys(
        ["interpreter", "interpreterneeded", "needsinterpreter", "needsaninterpreter"], "interpreter_needed"
    ),
    **dict.fromkeys(["accessneeds", "communicationneeds", "communicationandaccessneeds"], "access_needs"),
    **dict.fromkeys(["howwemet", "source", "howdidyouhearaboutus", "metat"], "how_we_met"),
    **dict.fromkeys(["notes", "note", "comments", "comment"], "notes"),
    **dict.fromkeys(["tags", "tag", "categories", "groups", "groupmembership", "labels"], "tags"),
}
# Google Contacts: "E-mail 1 - Value", "Phone 2 - Type", ...
_GOOGLE_MULTI = re.compile(r"^(e-?mail|phone) (\d+) - (value|type|label)$", re.IGNORECASE)
# Google's address parts duplicate "Address 1 - Formatted"; used only if that is missing.
_GOOGLE_ADDRESS_PART = re.compile(
    r"^address 1 - (street|city|po box|region|extended address|country)$", re.IGNORECASE
)


def detect_mapping(headers: list[str]) -> dict[str, str]:
    """The field each header most likely holds; headers not recognised are left out."""
    mapping: dict[str, str] = {}
    keys = {_key(h) for h in headers}
    for header in headers:
        if not header:
            continue
        google = _GOOGLE_MULTI.match(header)
        if google:
            kind = "email" if google.group(1).lower().replace("-", "") == "email" else "phone"
            suffix = "" if google.group(3).lower() == "value" else "_type"
            mapping[header] = f"{kind}{suffix}{google.group(2)}"
            continue
        if _GOOGLE_ADDRESS_PART.match(header):
            if "address1formatted" not in keys:
                mapping[header] = "address"
            continue
        field_name = _SYNONYMS.get(_key(header))
        if field_name:
            mapping[header] = field_name
    # Outlook and Google both have a Name column beside first and last: keep it only if typed
    # names are missing (a person's name is then made from the parts).
    return mapping


def check_field(spec: str) -> str | None:
    """None if ``spec`` is a field a mapping may use, else what is wrong with it."""
    spec = spec.strip()
    if spec in SCALAR_FIELDS or spec == IGNORE or _TYPE.match(spec):
        return None
    multi = _MULTI.match(spec)
    if multi:
        from vcsedesk.domain.contacts import EMAIL_LABELS, PHONE_LABELS

        label = multi.group(3)
        allowed = EMAIL_LABELS if multi.group(1) == "email" else PHONE_LABELS
        if label and label not in allowed:
            return f"“{label}” is not a {multi.group(1)} label; use {', '.join(allowed)}."
        return None
    return (
        f"“{spec}” is not a contact field. Use one of: {', '.join(SCALAR_FIELDS)}, email, "
        "email:work, phone, phone:mobile, phone2, phone_type2, ignore."
    )


# -- rows to drafts ---------------------------------------------------------------------------
@dataclass
class _Multi:
    column: int
    label: str | None
    type_column: int | None


@dataclass
class RowPlan:
    """A mapping compiled against a table's headers: which cell feeds which field."""

    headers: list[str]
    scalars: dict[str, list[int]] = field(default_factory=dict)
    emails: list[_Multi] = field(default_factory=list)
    phones: list[_Multi] = field(default_factory=list)


def compile_mapping(headers: list[str], mapping: Mapping[str, str], file: str) -> RowPlan:
    """Check a mapping against the file's headers and compile it.  Refuses unknown columns
    and unknown fields, naming them."""
    index = {h.casefold(): i for i, h in enumerate(headers) if h}
    plan = RowPlan(headers=headers)
    types: dict[tuple[str, str], int] = {}
    multis: list[tuple[str, str, int, str | None]] = []
    for column, spec in mapping.items():
        i = index.get(column.strip().casefold())
        if i is None:
            shown = ", ".join(f"“{h}”" for h in headers if h)
            raise FileRefused(
                f"{file} has no column called “{column}”. Its columns are: {shown}.", file=file, column=column
            )
        spec = spec.strip()
        problem = check_field(spec)
        if problem:
            raise FileRefused(f"The column “{column}” cannot be mapped: {problem}", file=file, column=column)
        if spec == IGNORE:
            continue
        if spec in SCALAR_FIELDS:
            plan.scalars.setdefault(spec, []).append(i)
            continue
        type_match = _TYPE.match(spec)
        if type_match:
            types[(type_match.group(1), type_match.group(2))] = i
            continue
        multi = _MULTI.match(spec)
        assert multi is not None
        multis.append((multi.group(1), multi.group(2), i, multi.group(3)))
    for kind, number, i, label in sorted(multis, key=lambda m: (m[0], m[2])):
        entry = _Multi(i, label, types.get((kind, number)) if number else None)
        (plan.emails if kind == "email" else plan.phones).append(entry)
    for scalar in plan.scalars.values():
        scalar.sort()
    return plan


def usable(plan: RowPlan) -> bool:
    return bool(
        plan.emails
        or plan.phones
        or {"name", "given_name", "family_name", "organisation"} & set(plan.scalars)
    )


def looks_like_data(headers: list[str]) -> bool:
    """True if a would-be header row looks like a contact (an email, a phone, a postcode)."""
    from vcsedesk.domain.validation import _POSTCODE

    for value in headers:
        text = value.strip()
        if "@" in text and "." in text.split("@")[-1]:
            return True
        digits = re.sub(r"[\s()+\-]", "", text)
        if digits.isdigit() and len(digits) >= 6:
            return True
        if _POSTCODE.match(text.replace(" ", "").upper()):
            return True
    return False


_MULTI_SPLIT = re.compile(r"\s*(?::::|;|\n|\r)\s*")
_EMAIL_SPLIT = re.compile(r"\s*(?::::|;|,|\n|\r|\s)\s*")
_TAG_SPLIT = re.compile(r"\s*(?::::|;|,|\n|\r)\s*")
_YES = {"yes", "y", "true", "1", "x", "✓", "needed", "required"}
_NO = {"no", "n", "false", "0", "", "-", "not needed", "none"}
_KINDS = {
    "person": ContactKind.PERSON.value,
    "individual": ContactKind.PERSON.value,
    "people": ContactKind.PERSON.value,
    "resident": ContactKind.PERSON.value,
    "organisation": ContactKind.ORGANISATION.value,
    "organization": ContactKind.ORGANISATION.value,
    "org": ContactKind.ORGANISATION.value,
    "company": ContactKind.ORGANISATION.value,
    "group": ContactKind.ORGANISATION.value,
}


def _label(raw: str, kind: str) -> str:
    text = raw.replace("*", "").strip().lower()
    if kind == "phone":
        if text in ("mobile", "cell", "cellular", "mob"):
            return "mobile"
        if text in ("home",):
            return "home"
        if text in ("work", "business", "office"):
            return "work"
        return "other" if text else "mobile"
    if text in ("home", "personal"):
        return "home"
    if text in ("work", "business", "office"):
        return "work"
    return "other" if text else "home"


@dataclass(slots=True)
class RowValues:
    """One row converted: the draft, its organisation and role, problems found while
    converting, and which column each draft field came from (for messages)."""

    draft: ContactDraft
    organisation: str | None
    role: str | None
    sources: dict[str, str]
    problems: dict[str, str]


def _labelled_values(
    columns: Sequence[_Multi],
    cells: Sequence[str],
    headers: Sequence[str],
    sources: dict[str, str],
    field: str,
    kind: str,
    default_label: str,
    split: re.Pattern[str],
) -> list[tuple[str, str]]:
    """(value, label) pairs from the columns mapped to emails or phones, a cell split into
    several where it holds several; ``sources`` learns which column each came from."""
    found: list[tuple[str, str]] = []
    for multi in columns:
        raw = cells[multi.column].strip() if multi.column < len(cells) else ""
        if not raw:
            continue
        label = multi.label or (
            _label(cells[multi.type_column], kind) if multi.type_column is not None else default_label
        )
        for part in split.split(raw):
            if part:
                sources[f"{field}[{len(found)}]"] = headers[multi.column]
                found.append((part, label))
    return found


def to_draft(plan: RowPlan, cells: tuple[str, ...]) -> RowValues:
    headers = plan.headers
    sources: dict[str, str] = {}
    problems: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, columns in plan.scalars.items():
        present = [(i, cells[i].strip()) for i in columns if i < len(cells) and cells[i].strip()]
        if not present:
            continue
        sources[name] = " / ".join(headers[i] for i, _ in present)
        if name in ("address", "notes"):
            values[name] = "\n".join(v for _, v in present)
        elif name in ("tags", "access_needs"):
            items: list[str] = []
            for _, v in present:
                for item in _TAG_SPLIT.split(v):
                    item = item.strip()
                    # Google marks its own system groups with a star: "* myContacts".
                    if item and not (name == "tags" and item.startswith("*")):
                        items.append(item)
            values[name] = tuple(items)
        else:
            values[name] = " ".join(v for _, v in present)
    emails = [
        EmailEntry(value, label)
        for value, label in _labelled_values(
            plan.emails, cells, headers, sources, "emails", "email", "home", _EMAIL_SPLIT
        )
    ]
    phones = [
        PhoneEntry(value, label)
        for value, label in _labelled_values(
            plan.phones, cells, headers, sources, "phones", "phone", "mobile", _MULTI_SPLIT
        )
    ]
    interpreter = False
    if "interpreter_needed" in values:
        text = values.pop("interpreter_needed").strip().lower()
        if text in _YES:
            interpreter = True
        elif text not in _NO:
            problems["interpreter_needed"] = f"“{text}” is not yes or no."
    kind_text = values.pop("kind", "").strip().lower()
    organisation = values.pop("organisation", None)
    role = values.pop("role", None)
    has_person_name = any(values.get(f) for f in ("given_name", "family_name", "name"))
    if kind_text:
        kind = _KINDS.get(kind_text, kind_text)
    elif not has_person_name and organisation:
        kind = ContactKind.ORGANISATION.value
    else:
        kind = ContactKind.PERSON.value
    if kind == ContactKind.ORGANISATION.value:
        if not values.get("name") and organisation:
            values["name"] = organisation
            if "organisation" in sources:
                sources["name"] = sources["organisation"]
        organisation = None
        role = None
        values.pop("given_name", None)
        values.pop("family_name", None)
    draft = ContactDraft(
        kind=kind,
        emails=tuple(emails),
        phones=tuple(phones),
        interpreter_needed=interpreter,
        **values,
    )
    return RowValues(draft, organisation, role, sources, problems)


def describe_mapping(mapping: Mapping[str, str]) -> list[str]:
    """Lines saying which column goes where, for a preview or the command line."""
    return [f"“{column}” → {spec}" for column, spec in mapping.items()]
