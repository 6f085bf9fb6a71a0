"""The shared spreadsheet writer: real workbooks and CSV files read back."""

from __future__ import annotations

import csv
import errno
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from vcsedesk.domain.errors import DiskFull, ReadOnlyLocation
from vcsedesk.io import spreadsheet
from vcsedesk.io.spreadsheet import DANGEROUS_START, Column, Kind, Sheet, neutralise, write_csv, write_xlsx

COLUMNS = [
    Column("Name"),
    Column("Born", Kind.DATE),
    Column("Seen", Kind.DATETIME),
    Column("Visits", Kind.INTEGER),
    Column("Paid", Kind.MONEY_PENCE),
    Column("Interpreter", Kind.BOOLEAN),
]
HOSTILE = [
    "=1+1",
    "+44 7700 900123",
    "-2+3",
    "@SUM(A1)",
    "\tx",
    "\rx",
    '=HYPERLINK("http://x","y")',
    "=",
    "#N/A",
]
PLUS_ONE = timezone(timedelta(hours=1))


def rows() -> list[list[Any]]:
    return [
        ["Aisha Rahman", date(1980, 5, 17), datetime(2026, 1, 2, 9, 30, tzinfo=UTC), 3, 12_345, True],
        ["Zoë O'Neill", None, None, None, -50, False],
        *([name, None, None, None, None, None] for name in HOSTILE),
    ]


def read_xlsx(path: Path) -> Any:
    return load_workbook(path)["Contacts"]


def test_xlsx_header_freeze_filter_and_types(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    assert write_xlsx(path, [Sheet("Contacts", COLUMNS, rows())], timezone=PLUS_ONE) == [len(rows())]
    ws = read_xlsx(path)
    header = ws[1]
    assert [c.value for c in header] == [c.header for c in COLUMNS]
    assert all(c.font.bold for c in header)
    assert header[0].fill.fill_type == "solid"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:F{len(rows()) + 1}"
    born, seen, visits, paid, interp = (ws.cell(2, i) for i in range(2, 7))
    assert born.is_date and born.value.date() == date(1980, 5, 17) and "yy" in born.number_format
    # Date-times are local (here UTC+1) and naive.
    assert seen.is_date and seen.value == datetime(2026, 1, 2, 10, 30) and "hh:mm" in seen.number_format
    assert visits.value == 3 and visits.data_type == "n"
    assert paid.value == pytest.approx(123.45) and "£" in paid.number_format
    assert ws.cell(3, 5).value == pytest.approx(-0.5)
    assert interp.value == "Yes" and ws.cell(3, 6).value == "No"
    assert ws.cell(3, 2).value is None  # blanks stay blank
    widths = {k: d.width for k, d in ws.column_dimensions.items()}
    assert 6 <= widths["A"] <= spreadsheet.MAX_WIDTH


def test_every_formula_like_text_is_neutralised_and_stored_as_text(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    hostile_header = [*COLUMNS[:1], Column("=cmd|' /C calc'!A0")]
    write_xlsx(path, [Sheet("Contacts", hostile_header, [[h, h] for h in HOSTILE])])
    ws = read_xlsx(path)
    assert ws.cell(1, 2).value == "'=cmd|' /C calc'!A0" and ws.cell(1, 2).data_type == "s"
    for row, text in enumerate(HOSTILE, start=2):
        for col in (1, 2):
            cell = ws.cell(row, col)
            assert cell.data_type == "s", (text, cell.data_type)
            assert not str(cell.value).startswith(DANGEROUS_START)
            # With lxml (a dependency) a carriage return is written as &#13; and reads back
            # as itself; without it XML reads it back as a line feed: harmless, still quoted.
            expected = text if text == "#N/A" else "'" + text
            assert cell.value in (expected, expected.replace("\r", "\n"))


def test_csv_has_bom_crlf_and_neutralised_text(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    assert write_csv(path, COLUMNS, rows(), timezone=PLUS_ONE) == len(rows())
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") >= len(rows()) + 1
    with path.open(encoding="utf-8-sig", newline="") as fh:
        read = list(csv.reader(fh))
    assert read[0] == [c.header for c in COLUMNS]
    assert read[1] == ["Aisha Rahman", "1980-05-17", "2026-01-02 10:30", "3", "123.45", "Yes"]
    assert read[2] == ["Zoë O'Neill", "", "", "", "-0.50", "No"]
    for line, text in zip(read[3:], HOSTILE, strict=True):
        assert not line[0].startswith(DANGEROUS_START)
        assert line[0] in (text, "'" + text)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_an_interrupted_write_leaves_no_file_and_the_old_one_intact(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"out.{kind}"
    path.write_bytes(b"the previous export")

    def broken() -> Any:
        yield from rows()
        yield from ([f"row {i}", None, None, i, None, None] for i in range(500))
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        if kind == "xlsx":
            write_xlsx(path, [Sheet("Contacts", COLUMNS, broken())])
        else:
            write_csv(path, COLUMNS, broken())
    assert path.read_bytes() == b"the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_an_interrupted_first_write_leaves_nothing(tmp_path: Path) -> None:
    def broken() -> Any:
        yield ["one", None, None, None, None, None]
        raise ValueError("bug")

    with pytest.raises(ValueError):
        write_xlsx(tmp_path / "new.xlsx", [Sheet("Contacts", COLUMNS, broken())])
    assert list(tmp_path.iterdir()) == []


def test_disk_full_and_read_only_become_plain_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "out.csv"

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(spreadsheet.os, "fsync", full)
    with pytest.raises(DiskFull, match=r"out\.csv"):
        write_csv(path, COLUMNS, rows())
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(spreadsheet.tempfile, "mkstemp", refused)
    with pytest.raises(ReadOnlyLocation, match="could not be written") as caught:
        write_xlsx(tmp_path / "out.xlsx", [Sheet("Contacts", COLUMNS, rows())])
    assert "open in another program" in str(caught.value) and caught.value.way_forward
    monkeypatch.undo()

    # A file open in Excel on Windows refuses the final move: the same plain error, old file kept.
    path.write_text("old")
    monkeypatch.setattr(spreadsheet.os, "replace", refused)
    with pytest.raises(ReadOnlyLocation):
        write_csv(path, COLUMNS, rows())
    assert path.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_several_sheets_with_awkward_titles_and_many_rows(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    many = ([f"Person {i}", None, None, i, i, i % 2 == 0] for i in range(5000))
    counts = write_xlsx(
        path,
        [
            Sheet("Contacts", COLUMNS, many),
            Sheet("Claims: 2025/26 [draft]", COLUMNS, []),
            Sheet("contacts", COLUMNS, []),
        ],
    )
    assert counts == [5000, 0, 0]
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["Contacts", "Claims  2025 26  draft", "contacts (2)"]
    assert sum(1 for _ in book["Contacts"].iter_rows()) == 5001
    book.close()


def test_money_must_be_whole_pence(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="whole pence"):
        write_xlsx(tmp_path / "x.xlsx", [Sheet("S", [Column("Paid", Kind.MONEY_PENCE)], [[Decimal("1.50")]])])
    assert list(tmp_path.iterdir()) == []


def test_control_characters_and_huge_text_do_not_stop_an_export(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    write_xlsx(path, [Sheet("S", [Column("Notes")], [["bell\x07here"], ["x" * 40_000]])])
    ws = load_workbook(path)["S"]
    assert ws.cell(2, 1).value == "bell\ufffdhere"
    assert len(ws.cell(3, 1).value) == spreadsheet.MAX_CELL_TEXT


@given(st.text())
def test_neutralise_property(text: str) -> None:
    safe = neutralise(text)
    assert not safe.startswith(DANGEROUS_START)
    assert safe in (text, "'" + text)
    assert (safe[1:] if safe != text else safe) == text
