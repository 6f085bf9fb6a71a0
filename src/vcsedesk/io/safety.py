"""Checks that keep hostile or broken files out, shared by every reader.

Each check refuses with :class:`FileRefused`, a message a person can act on that names the
file (and the row and column where there is one).  Nothing here touches the database, so a
refusal can never leave half an import behind.

What is checked, before any parser sees the file:

* size: the file on disk (``Limits.max_file_bytes``);
* what the file really is, by its first bytes, whatever its name says: an OLE compound file
  (``D0 CF 11 E0``) is either a legacy ``.xls`` workbook or a password-protected ``.xlsx``
  (Excel wraps encrypted workbooks that way); a zip must be an xlsx workbook;
* xlsx: member count, total uncompressed size and compression ratio from the zip directory
  (a zip bomb is refused before openpyxl opens it; Python's zipfile never inflates a member
  past its declared size, so a lying directory cannot hide one), macros (``vbaProject.bin``
  or a macro-enabled content type), and a DOCTYPE in any XML part (which is how entity
  expansion and external entities arrive) — found with defusedxml's parser, which reads each
  part only up to its first element, where a DOCTYPE would have to be;
* text: NUL bytes or many control characters (binary data renamed ``.csv``);
* while reading: row count (``max_rows``) and cell size (``max_cell_chars``, Excel's own
  limit of 32,767 characters).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import DefusedXMLParser  # type: ignore[import-untyped]

from vcsedesk.domain.errors import UserError

OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_HEADER = b"PK\x03\x04"
MACRO_CONTENT_TYPES = ("macroenabled", "vbaproject", "ms-office.vbaproject")


class FileRefused(UserError):
    """A file cannot be imported; the message names it and what is wrong."""

    def __init__(self, message: str, *, file: str, row: int | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.file = file
        self.row = row
        self.column = column


@dataclass(frozen=True)
class Limits:
    """How big a file may be.  Generous for a real address book, small for an attack."""

    max_file_bytes: int = 200 * 1024 * 1024
    max_rows: int = 1_000_000
    max_columns: int = 500
    max_cell_chars: int = 32_767  # Excel's own limit for one cell
    # xlsx (a zip of XML parts)
    max_zip_members: int = 10_000
    max_uncompressed_bytes: int = 1024 * 1024 * 1024
    max_compression_ratio: float = 100.0
    #: The ratio is only judged for members at least this big (tiny parts compress oddly).
    ratio_applies_from_bytes: int = 1024 * 1024
    #: Control characters (other than tab, CR, LF) tolerated in a text file's sample.
    max_control_ratio: float = 0.01


DEFAULT_LIMITS = Limits()


def size_words(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):,.0f} MB"
    if count >= 1024:
        return f"{count / 1024:,.0f} KB"
    return f"{count} bytes"


def check_file_size(path: Path, limits: Limits) -> int:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise FileRefused(f"{path.name} does not exist.", file=path.name) from None
    except OSError as exc:
        raise FileRefused(f"{path.name} could not be read: {exc.strerror}.", file=path.name) from None
    if not path.is_file():
        raise FileRefused(f"{path.name} is not a file.", file=path.name)
    if size == 0:
        raise FileRefused(f"{path.name} is empty.", file=path.name)
    if size > limits.max_file_bytes:
        raise FileRefused(
            f"{path.name} is too big to import ({size_words(size)}; at most "
            f"{size_words(limits.max_file_bytes)}). Split it into smaller files.",
            file=path.name,
        )
    return size


def head(path: Path, count: int = 8) -> bytes:
    with path.open("rb") as fh:
        return fh.read(count)


def refuse_ole(path: Path) -> None:
    """An OLE compound file: a legacy .xls workbook, or an encrypted (password-protected) one."""
    if path.suffix.lower() == ".xls":
        raise FileRefused(
            f"{path.name} is an old-style Excel 97–2003 workbook (.xls), which vcsedesk does not "
            "read. Open it in Excel or LibreOffice and save it as .xlsx or CSV, then import that.",
            file=path.name,
        )
    raise FileRefused(
        f"{path.name} is password-protected (encrypted) or is an old-style .xls workbook, so it "
        "cannot be read. Open it, remove the password (or save it as .xlsx or CSV), then import that.",
        file=path.name,
    )


# -- xlsx -------------------------------------------------------------------------------------
class _FirstElement:
    """A parser target that only notes that the root element has started."""

    def __init__(self) -> None:
        self.started = False

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.started = True

    def end(self, tag: str) -> None:
        pass

    def data(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


def check_xml_prolog(archive: zipfile.ZipFile, member: zipfile.ZipInfo, file: str) -> None:
    """Refuse an XML part with a DOCTYPE, entity declarations or external references.

    A DOCTYPE can only come before the root element, so the part is read (with defusedxml's
    parser, which raises on any of those) only until the root element starts.
    """
    target = _FirstElement()
    parser: Any = DefusedXMLParser(target=target, forbid_dtd=True)
    try:
        with archive.open(member) as fh:
            while not target.started:
                chunk = fh.read(64 * 1024)
                if not chunk:
                    break
                parser.feed(chunk)
    except DefusedXmlException:
        raise FileRefused(
            f"{file} contains XML with a document type declaration in {member.filename} (a way of "
            "hiding entity-expansion or external-file attacks in a workbook), so it was not opened.",
            file=file,
        ) from None
    except Exception as exc:  # a malformed part; the zip module or expat says why
        raise FileRefused(
            f"{file} is damaged: its part {member.filename} could not be read ({exc}).", file=file
        ) from None


def check_xlsx(path: Path, limits: Limits) -> None:
    """Refuse zip bombs, macro-enabled workbooks and XML with DTDs before openpyxl opens it."""
    file = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileRefused(
            f"{file} is not a readable xlsx workbook: the zip is damaged ({exc}).", file=file
        ) from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_zip_members:
            raise FileRefused(
                f"{file} has {len(members):,} parts inside it (at most {limits.max_zip_members:,}); "
                "it is not an ordinary workbook, so it was not opened.",
                file=file,
            )
        total = 0
        for member in members:
            total += member.file_size
            if member.flag_bits & 0x1:
                raise FileRefused(f"{file} has encrypted parts, so it cannot be read.", file=file)
            compressed = max(member.compress_size, 1)
            if (
                member.file_size >= limits.ratio_applies_from_bytes
                and member.file_size / compressed > limits.max_compression_ratio
            ):
                raise FileRefused(
                    f"{file} looks like a zip bomb: its part {member.filename} would grow "
                    f"{member.file_size / compressed:,.0f} times when unpacked (to "
                    f"{size_words(member.file_size)}), so it was not opened.",
                    file=file,
                )
        if total > limits.max_uncompressed_bytes:
            raise FileRefused(
                f"{file} would unpack to {size_words(total)} (at most "
                f"{size_words(limits.max_uncompressed_bytes)}), so it was not opened.",
                file=file,
            )
        names = {m.filename.lower() for m in members}
        if "[content_types].xml" not in names:
            raise FileRefused(f"{file} is a zip file, not an Excel workbook.", file=file)
        if any(n.endswith("vbaproject.bin") for n in names) or path.suffix.lower() in (".xlsm", ".xltm"):
            _refuse_macros(file)
        for member in members:
            if member.filename.lower().endswith((".xml", ".rels", ".vml")):
                check_xml_prolog(archive, member, file)
        content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace").lower()
        if any(marker in content_types for marker in MACRO_CONTENT_TYPES):
            _refuse_macros(file)
        if "spreadsheetml" not in content_types:
            raise FileRefused(f"{file} is an Office file but not an Excel workbook.", file=file)


def _refuse_macros(file: str) -> None:
    raise FileRefused(
        f"{file} is a macro-enabled workbook. vcsedesk does not open files with macros in them: "
        "save it as an ordinary .xlsx workbook (or CSV) and import that.",
        file=file,
    )


# -- text -------------------------------------------------------------------------------------
def check_text_sample(sample: bytes, file: str, limits: Limits, *, wide: bool = False) -> None:
    """Refuse binary data dressed as text: NUL bytes, or many control characters."""
    if not wide and b"\x00" in sample:
        raise FileRefused(
            f"{file} contains binary data (NUL bytes), so it is not a CSV or text file. "
            "Check that you chose the right file.",
            file=file,
        )
    if wide:
        return
    controls = sum(1 for b in sample if (b < 0x20 and b not in (0x09, 0x0A, 0x0D)) or b == 0x7F)
    if sample and controls / len(sample) > limits.max_control_ratio:
        raise FileRefused(
            f"{file} contains binary data (many control characters), so it is not a CSV or text "
            "file. Check that you chose the right file.",
            file=file,
        )


def check_cell(value: str, *, file: str, row: int, column: str, limits: Limits, noun: str = "Row") -> None:
    if len(value) > limits.max_cell_chars:
        raise FileRefused(
            f"{file}: {noun} {row}, column “{column}” holds {len(value):,} characters (at most "
            f"{limits.max_cell_chars:,}, as in Excel). The file was not imported.",
            file=file,
            row=row,
            column=column,
        )


def check_row_count(count: int, *, file: str, limits: Limits) -> None:
    if count > limits.max_rows:
        raise FileRefused(
            f"{file} has more than {limits.max_rows:,} rows, more than vcsedesk imports at once. "
            "Split it into smaller files.",
            file=file,
        )
