"""Writing spreadsheets (xlsx and CSV) that every export shares.

An export describes its columns once — header, kind of value, optional width — and hands over
an iterator of rows; this module writes them streaming (openpyxl's write-only mode, using lxml
when it is installed), so a 100,000-row export never holds every row in memory.

What every file gets:

* **xlsx**: a bold header row on a fill, frozen; an autofilter over the data; column widths from
  the header and the first rows (capped); dates as real dates (``dd/mm/yyyy``); money given in
  integer pence written as pounds with a ``£`` number format; yes/no as "Yes" / "No".
* **Date-times** are written in *local* time (the timezone passed in, else this computer's)
  and without a timezone, because that is how the app shows them to a person and how a
  spreadsheet can filter and sort them.  Values must be timezone-aware; a naive value is
  taken to be local already.
* **CSV**: UTF-8 with a byte-order mark (so Excel reads the accents right), CRLF line ends,
  dates as ``YYYY-MM-DD``, date-times as ``YYYY-MM-DD HH:MM``, money as ``12.34``.
* **No formulas from data**: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return gets a single quote in front (OWASP's advice against CSV/formula
  injection), and in xlsx every text cell is stored as a string, never a formula.
* **Atomic**: the file is written beside its destination under a temporary name, flushed to
  disk and moved into place in one step.  If anything goes wrong — a full disk, a bug in the
  rows — the temporary file is removed and whatever was at the destination is untouched.
  A full disk or a folder that cannot be written to becomes :class:`DiskFull` or
  :class:`ReadOnlyLocation` naming the file.
"""

from __future__ import annotations

import contextlib
import csv
import enum
import errno
import itertools
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ERROR_CODES  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from vcsedesk.domain.errors import DiskFull, EnvironmentProblem, ReadOnlyLocation, VcsedeskError

#: A text cell starting with one of these is read as a formula by some spreadsheet.
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
#: The longest text a cell can hold in Excel.
MAX_CELL_TEXT = 32_767
#: Rows looked at to choose column widths, and the widest a column is made.
WIDTH_SAMPLE = 200
MAX_WIDTH = 60
MIN_WIDTH = 6
HEADER_FILL = "DDEBF7"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
MONEY_FORMAT = '"£"#,##0.00;-"£"#,##0.00'
# Characters XML (so xlsx) cannot hold; replaced so one stray control character in a note
# does not stop an export.
_ILLEGAL_XML = re.compile(r"[\000-\010\013\014\016-\037]")


class Kind(enum.StrEnum):
    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"
    INTEGER = "integer"
    MONEY_PENCE = "money_pence"
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    #: Width in characters; None chooses one from the header and the first rows.
    width: float | None = None


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]


# -- values -----------------------------------------------------------------------------------
def neutralise(text: str) -> str:
    """``text`` made safe from being run as a formula: a quote in front if it starts with
    ``=``, ``+``, ``-``, ``@``, tab or carriage return; otherwise unchanged."""
    return "'" + text if text.startswith(DANGEROUS_START) else text


def _local(value: datetime, tz: tzinfo | None) -> datetime:
    """Local, naive, to the second (a spreadsheet keeps milliseconds only approximately)."""
    if value.tzinfo is not None:
        value = value.astimezone(tz).replace(tzinfo=None)
    return value.replace(microsecond=0)


def _pounds(pence: int) -> Decimal:
    if isinstance(pence, bool) or not isinstance(pence, int):
        raise TypeError(f"money is given in whole pence (an int), not {pence!r}")
    return Decimal(pence).scaleb(-2)


def _yes_no(value: Any) -> str:
    return "Yes" if value else "No"


def _text(value: Any) -> str:
    return neutralise(value if isinstance(value, str) else str(value))


def _display(value: Any, kind: Kind, tz: tzinfo | None) -> str:
    """A value as text: how CSV writes it, and how wide it is in xlsx."""
    if value is None:
        return ""
    if kind is Kind.DATE:
        return (value.date() if isinstance(value, datetime) else value).isoformat()
    if kind is Kind.DATETIME:
        return _local(value, tz).strftime("%Y-%m-%d %H:%M")
    if kind is Kind.MONEY_PENCE:
        return f"{_pounds(value):.2f}"
    if kind is Kind.BOOLEAN:
        return _yes_no(value)
    if kind is Kind.INTEGER:
        return str(int(value))
    return _text(value)


# -- atomic files -----------------------------------------------------------------------------
def _environment_error(exc: OSError, path: Path) -> VcsedeskError:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return DiskFull(f"The disk is full, so {path} could not be written.")
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ReadOnlyLocation(
            f"{path} could not be written: vcsedesk may not write in that folder, or the file is "
            "open in another program.",
            "Close the file if it is open (in Excel, for example), or choose another folder.",
        )
    if isinstance(exc, FileNotFoundError | NotADirectoryError):
        return EnvironmentProblem(
            f"{path} could not be written: the folder {path.parent} does not exist.",
            "Choose a folder that exists.",
        )
    return EnvironmentProblem(f"{path} could not be written ({exc.strerror or exc}).")


def write_atomically(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Call ``write`` with a binary file beside ``path``; on success the file replaces ``path``
    in one step, on any error it is removed and ``path`` is left as it was."""
    path = Path(path)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise _environment_error(exc, path) from exc
    try:
        with os.fdopen(handle, "w+b") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            Path(temporary).unlink()
        if isinstance(exc, OSError):
            raise _environment_error(exc, path) from exc
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); not possible, nor needed, on Windows."""
    if os.name != "posix":  # pragma: no cover - Windows
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- CSV --------------------------------------------------------------------------------------
def write_csv(
    path: Path,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    timezone: tzinfo | None = None,
) -> int:
    """Write a CSV file (UTF-8 with BOM, CRLF) atomically; returns the number of data rows."""
    written = 0

    def write(fh: IO[bytes]) -> None:
        nonlocal written
        import io

        text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
        try:
            out = csv.writer(text, lineterminator="\r\n")
            out.writerow([neutralise(c.header) for c in columns])
            kinds = [c.kind for c in columns]
            for row in rows:
                out.writerow([_display(v, k, timezone) for v, k in zip(row, kinds, strict=True)])
                written += 1
            text.flush()
        finally:
            text.detach()

    write_atomically(path, write)
    return written


# -- xlsx -------------------------------------------------------------------------------------
def _sheet_titles(sheets: Sequence[Sheet]) -> list[str]:
    """Titles Excel accepts: at most 31 characters, none of []:*?/\\, each different."""
    titles: list[str] = []
    for sheet in sheets:
        base = re.sub(r"[\[\]:*?/\\]", " ", sheet.title).strip().strip("'")[:31] or "Sheet"
        title, n = base, 2
        while title.casefold() in (t.casefold() for t in titles):
            suffix = f" ({n})"
            title, n = base[: 31 - len(suffix)] + suffix, n + 1
        titles.append(title)
    return titles


def _width(column: Column, sample: list[Sequence[Any]], index: int, tz: tzinfo | None) -> float:
    if column.width is not None:
        return column.width
    longest = max((len(line) for line in column.header.splitlines() or [""]), default=0) + 2  # filter button
    for row in sample:
        shown = _display(row[index], column.kind, tz)
        if column.kind is Kind.MONEY_PENCE:
            shown = "£" + shown
        longest = max(longest, *(len(line) for line in shown.splitlines() or [""]))
    return float(min(MAX_WIDTH, max(MIN_WIDTH, longest + 1)))


def write_xlsx(path: Path, sheets: Sequence[Sheet], *, timezone: tzinfo | None = None) -> list[int]:
    """Write an xlsx workbook atomically; returns the number of data rows in each sheet."""
    counts: list[int] = []
    titles = _sheet_titles(sheets)

    def write(fh: IO[bytes]) -> None:
        workbook = Workbook(write_only=True)
        workbook.properties.creator = "vcsedesk"
        try:
            for sheet, title in zip(sheets, titles, strict=True):
                counts.append(_write_sheet(workbook, sheet, title, timezone))
            workbook.save(fh)
        except BaseException:
            _discard_temporary_files(workbook)
            raise

    write_atomically(path, write)
    return counts


def _write_sheet(workbook: Any, sheet: Sheet, title: str, tz: tzinfo | None) -> int:
    ws = workbook.create_sheet(title)
    columns = list(sheet.columns)
    rows = iter(sheet.rows)
    sample = list(itertools.islice(rows, WIDTH_SAMPLE))
    for i, column in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = _width(column, sample, i - 1, tz)
    ws.freeze_panes = "A2"  # before the first row: write-only sheets write their top first

    bold = Font(bold=True)
    fill = PatternFill(fill_type="solid", start_color=HEADER_FILL, end_color=HEADER_FILL)
    border = Border(bottom=Side(style="thin", color="808080"))
    align = Alignment(vertical="top", wrap_text=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=_xlsx_text(column.header))
        cell.data_type = "s"
        cell.font, cell.fill, cell.border, cell.alignment = bold, fill, border, align
        header.append(cell)
    ws.append(header)

    convert = [_xlsx_converter(ws, column.kind, tz) for column in columns]
    count = 0
    for row in itertools.chain(sample, rows):
        if len(row) != len(columns):
            raise ValueError(f"a row of {len(row)} values for {len(columns)} columns in “{title}”")
        ws.append([None if v is None else f(v) for f, v in zip(convert, row, strict=True)])
        count += 1
    last = get_column_letter(max(1, len(columns)))
    ws.auto_filter.ref = f"A1:{last}{count + 1}"
    return count


def _xlsx_text(value: Any) -> str:
    text = _text(value)
    text = _ILLEGAL_XML.sub("\ufffd", text)
    if len(text) > MAX_CELL_TEXT:
        text = text[: MAX_CELL_TEXT - 1] + "…"
    return text


def _xlsx_converter(ws: Any, kind: Kind, tz: tzinfo | None) -> Callable[[Any], Any]:

    def styled(value: Any, number_format: str) -> Any:
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = number_format
        return cell

    if kind is Kind.DATE:
        return lambda v: styled(v.date() if isinstance(v, datetime) else v, DATE_FORMAT)
    if kind is Kind.DATETIME:
        return lambda v: styled(_local(v, tz), DATETIME_FORMAT)
    if kind is Kind.MONEY_PENCE:
        return lambda v: styled(_pounds(v), MONEY_FORMAT)
    if kind is Kind.INTEGER:
        return int
    if kind is Kind.BOOLEAN:
        return _yes_no

    def text(value: Any) -> Any:
        shown = _xlsx_text(value)
        if shown in ERROR_CODES:  # "#N/A" typed as text would otherwise become an error value
            cell = WriteOnlyCell(ws, value=shown)
            cell.data_type = "s"
            return cell
        return shown

    return text


def _discard_temporary_files(workbook: Any) -> None:
    """After a failed write, close what openpyxl's write-only sheets left open and remove the
    temporary files they stream into (openpyxl itself would only do so when the program
    exits, and its half-closed generators would complain when collected)."""
    for ws in workbook.worksheets:
        writer = getattr(ws, "_writer", None)
        for generator in (getattr(ws, "_rows", None), getattr(writer, "xf", None)):
            if generator is not None:
                with contextlib.suppress(Exception):
                    generator.close()
        out = getattr(writer, "out", None)
        if isinstance(out, str):
            with contextlib.suppress(OSError):
                Path(out).unlink()
