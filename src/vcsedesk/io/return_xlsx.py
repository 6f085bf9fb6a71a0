"""A partnership return as an xlsx workbook, from its ``ReturnContent`` alone.

Sheets: "Cover" (who, for whom, which period, the edition and status, the content hash, the
note on small numbers and a list of the sheets); one sheet per section in the content's order,
titled from its heading; and "Data": every figure the workbook prints, one per row, for a
machine to read (section, table, row, column, value, shown, unit, ref).

* Counts are whole numbers; a suppressed count ("<5", "*") is text, right-aligned like the
  numbers, and every table with one has the note explaining suppression beneath it.  In "Data"
  a suppressed figure has no value, only what is shown.
* Money (integer pence in the content) is written in pounds with a "£" number format.
* Every text from the content is neutralised (``io.spreadsheet.neutralise``): a quote that
  starts with "=" is never a formula.
* The whole workbook is streamed (openpyxl write-only mode); the long lists — quotes and
  actions, thousands of rows — are appended as plain values with no style of their own (the
  workbook's default cell format wraps text at the top of the cell), so writing them costs
  about what writing the bare rows does.  An action's due date is written as the return has
  it, "2025-08-01" (text that sorts), since a date cell would need a style of its own.
* The same content makes the same file: the workbook's created and modified times, and every
  part's time in the zip, are the time the return was frozen (or a fixed date for a draft).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ERROR_CODES  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side  # type: ignore[import-untyped]
from openpyxl.styles.cell_style import StyleArray  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.utils.indexed_list import IndexedList  # type: ignore[import-untyped]
from openpyxl.worksheet.cell_range import CellRange  # type: ignore[import-untyped]
from openpyxl.worksheet.hyperlink import Hyperlink  # type: ignore[import-untyped]
from openpyxl.writer.excel import ExcelWriter  # type: ignore[import-untyped]

from vcsedesk.domain.claims import pence_text
from vcsedesk.domain.returns import (
    ActionsSection,
    CountTable,
    DemographicsSection,
    Figure,
    Money,
    NarrativeSection,
    QuotesSection,
    ReachSection,
    ReimbursementsSection,
    ReturnContent,
    Section,
    ThemesSection,
)
from vcsedesk.io.spreadsheet import (
    _ILLEGAL_XML,
    DATE_FORMAT,
    HEADER_FILL,
    MAX_CELL_TEXT,
    MONEY_FORMAT,
    Sheet,
    _discard_temporary_files,
    _sheet_titles,
    neutralise,
    write_atomically,
)

COVER = "Cover"
DATA = "Data"
#: The time a draft's workbook says it was made (a draft has no frozen time; a fixed one keeps
#: the same content giving the same file).
DRAFT_EPOCH = datetime(2000, 1, 1)
COUNT_FORMAT = "#,##0"
DATA_COLUMNS = ("section", "table", "row", "column", "value", "shown", "unit", "ref")
TOTAL = "Total"
#: About how many characters of the default font fit in a column one unit wide, and the height
#: of a line of it in points: to size rows of merged, wrapped text (Excel does not).
LINE_POINTS = 15.0


# -- words ------------------------------------------------------------------------------------
def frozen_time(content: ReturnContent) -> datetime | None:
    """When the return was frozen, in UTC, or None for a draft (or an unreadable time)."""
    if not content.frozen_at:
        return None
    try:
        when = datetime.fromisoformat(content.frozen_at)
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo is not None else when.replace(tzinfo=UTC)


def status_line(content: ReturnContent, content_hash: str, frozen: bool) -> str:
    """ "Frozen on 3 October 2025 at 14:02 UTC — content hash …", or the draft's warning."""
    if not frozen:
        return "Draft — figures will change until submitted"
    when = frozen_time(content)
    on = f" on {when.day} {when:%B %Y} at {when:%H:%M} UTC" if when is not None else ""
    return f"Frozen{on} — content hash {content_hash}"


def count_value(shown: str) -> int | None:
    """A published count cell as a number, or None when it is suppressed ("<5", "*")."""
    return int(shown) if shown.isdigit() else None


def _text(value: str) -> str:
    """Text from the content as a cell holds it: neutralised, no XML-illegal characters, not
    longer than a cell takes."""
    text = neutralise(value)
    if not text.isprintable():
        text = _ILLEGAL_XML.sub("\ufffd", text)
    if len(text) > MAX_CELL_TEXT:
        text = text[: MAX_CELL_TEXT - 1] + "…"
    return text


def _iso_date(value: str) -> date | str | None:
    """An ISO date from the content as a date ("" as no value; anything else as text)."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return _text(value)


# -- figures ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Datum:
    """One figure as the Data sheet lists it."""

    section: str
    table: str
    row: str
    column: str
    value: int | None
    shown: str
    unit: str
    ref: str


def _figure(section: str, table: str, figure: Figure, column: str, unit: str) -> Datum:
    return Datum(section, table, figure.label, column, figure.value, f"{figure.value:,}", unit, figure.ref)


def _money(section: str, table: str, money: Money) -> Datum:
    return Datum(
        section, table, money.label, "Amount", money.pence, pence_text(money.pence), "pence", money.ref
    )


def _count_table(section: str, table: CountTable, unit: str = "people") -> Iterator[Datum]:
    rows = (*table.rows, TOTAL)
    columns = (*table.columns, TOTAL)
    for r, row in enumerate(rows):
        for c, column in enumerate(columns):
            shown = table.shown[r][c]
            ref = table.refs[r][c] if table.refs else ""
            yield Datum(section, table.title, row, column, count_value(shown), shown, unit, ref)


def figures(content: ReturnContent) -> list[Datum]:
    """Every figure the return prints, in the order the sheets print them."""
    out: list[Datum] = []
    for section in content.sections:
        name = section.heading
        if isinstance(section, ReachSection):
            for figure, unit in (
                (section.engagements, "engagements"),
                (section.named_people, "people"),
                (section.headcount, "people"),
                (section.people_reached, "people"),
                (section.online, "engagements"),
            ):
                out.append(_figure(name, "Summary", figure, "Count", unit))
            out += [
                _figure(name, "Engagements by type", f, "Engagements", "engagements") for f in section.by_type
            ]
            out += [
                _figure(name, "Engagements by ward", f, "Engagements", "engagements") for f in section.by_ward
            ]
            out += [
                _figure(name, "Counted without names", f, "People", "people")
                for f in section.headcount_groups
            ]
            out += _count_table(name, section.people_by_ward)
            if section.seldom_heard is not None:
                out += _count_table(name, section.seldom_heard)
        elif isinstance(section, DemographicsSection):
            people = section.people
            out.append(
                Datum(name, "Summary", "Named people reached", "People", people, f"{people:,}", "people", "")
            )
            for table in section.tables:
                out += _count_table(name, table)
        elif isinstance(section, ThemesSection):
            for rank in section.themes:
                out.append(
                    Datum(
                        name,
                        "Themes",
                        rank.theme,
                        "This period",
                        rank.count,
                        f"{rank.count:,}",
                        "mentions",
                        rank.ref,
                    )
                )
                if section.previous_label and rank.previous is not None:
                    out.append(
                        Datum(
                            name,
                            "Themes",
                            rank.theme,
                            section.previous_label,
                            rank.previous,
                            f"{rank.previous:,}",
                            "mentions",
                            "",
                        )
                    )
        elif isinstance(section, ReimbursementsSection):
            out.append(_figure(name, "Summary", section.people_paid, "Count", "people"))
            out.append(_figure(name, "Summary", section.claims_paid, "Count", "claims"))
            out.append(_money(name, "Summary", section.total))
            out.append(_figure(name, "Summary", section.declined, "Count", "claims"))
            out += [_money(name, "By category", m) for m in section.by_category]
        elif isinstance(section, ActionsSection):
            out += [_figure(name, "By status", f, "Actions", "actions") for f in section.by_status]
    return out


# -- the workbook -----------------------------------------------------------------------------
class _Styles:
    """Cell styles made once per workbook; cells share a style's array (never changed)."""

    def __init__(self, ws: Any) -> None:
        top = Alignment(vertical="top")
        wrap = Alignment(vertical="top", wrap_text=True)
        right = Alignment(horizontal="right", vertical="top")
        fill = PatternFill(fill_type="solid", start_color=HEADER_FILL, end_color=HEADER_FILL)
        rule = Border(bottom=Side(style="thin", color="808080"))
        above = Border(top=Side(style="thin", color="808080"))
        grey = "595959"

        def make(**attrs: Any) -> Any:
            cell = WriteOnlyCell(ws)
            for name, value in attrs.items():
                setattr(cell, name, value)
            return cell._style

        self.title = make(font=Font(bold=True, size=16))
        self.kicker = make(font=Font(bold=True, size=12, color=grey))
        self.heading = make(font=Font(bold=True, size=14))
        self.table_title = make(font=Font(bold=True, size=12))
        self.header = make(font=Font(bold=True), fill=fill, border=rule, alignment=wrap)
        self.header_right = make(
            font=Font(bold=True),
            fill=fill,
            border=rule,
            alignment=Alignment(horizontal="right", vertical="top", wrap_text=True),
        )
        self.label = make(font=Font(bold=True), alignment=top)
        self.top = make(alignment=top)
        self.wrap = make(alignment=wrap)
        self.note = make(font=Font(italic=True, color=grey), alignment=wrap)
        self.count = make(number_format=COUNT_FORMAT, alignment=top)
        self.change = make(number_format="+#,##0;-#,##0;0", alignment=top)
        self.suppressed = make(alignment=right)
        self.total_label = make(font=Font(bold=True), border=above, alignment=top)
        self.total_count = make(font=Font(bold=True), border=above, number_format=COUNT_FORMAT, alignment=top)
        self.total_suppressed = make(font=Font(bold=True), border=above, alignment=right)
        self.money = make(number_format=MONEY_FORMAT, alignment=top)
        self.money_total = make(font=Font(bold=True), number_format=MONEY_FORMAT, alignment=top)
        self.date = make(number_format=DATE_FORMAT, alignment=top)
        self.link = make(font=Font(color="0563C1", underline="single"), alignment=top)
        self.mono = make(font=Font(name="Consolas"), alignment=top)


class _Writer:
    """One streamed sheet: appends rows and keeps count of them."""

    def __init__(
        self, workbook: Any, title: str, widths: Sequence[float], styles: _Styles | None = None
    ) -> None:
        self.ws = workbook.create_sheet(title)
        self.st = styles or _Styles(self.ws)
        self.widths = list(widths)
        for i, width in enumerate(widths, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = width
        self.row = 0

    def cell(self, value: Any, style: Any = None) -> Any:
        cell = WriteOnlyCell(self.ws, value=value)
        if isinstance(value, str) and value in ERROR_CODES:
            cell.data_type = "s"  # "#N/A" typed as text, not an error value
        if style is not None:
            cell._style = style  # shared, never changed: a style array per cell costs time
        return cell

    def text(self, value: str, style: Any = None) -> Any:
        return self.cell(_text(value), style)

    def append(self, cells: Sequence[Any], *, height: float | None = None) -> None:
        self.row += 1
        if height is not None:
            self.ws.row_dimensions[self.row].height = height
        self.ws.append(list(cells))

    def blank(self) -> None:
        self.append([])

    def wide_text(self, value: str, style: Any, *, last: int | None = None) -> None:
        """A paragraph across the sheet's columns: merged, wrapped, its row made tall enough."""
        if not value:
            return
        last = last or len(self.widths)
        room = sum(self.widths[:last])
        lines = sum(max(1, -(-len(part) // max(1, int(room * 1.1)))) for part in value.split("\n"))
        self.append([self.text(value, style)], height=LINE_POINTS * lines + 3)
        if last > 1:
            self.ws.merged_cells.add(CellRange(min_col=1, min_row=self.row, max_col=last, max_row=self.row))

    def heading(self, section: Section) -> None:
        self.append([self.text(section.heading, self.st.heading)], height=22)
        self.wide_text(section.intro, self.st.wrap)
        self.blank()

    def table_title(self, title: str) -> None:
        self.append([self.text(title, self.st.table_title)], height=18)

    def header(self, titles: Sequence[str], *, right_from: int = 1) -> None:
        st = self.st
        self.append(
            [self.text(t, st.header if i < right_from else st.header_right) for i, t in enumerate(titles)]
        )

    def note(self, value: str) -> None:
        self.wide_text(value, self.st.note)

    def figures(self, title: str, column: str, figures: Sequence[Figure]) -> None:
        self.table_title(title)
        self.header(["", column])
        for figure in figures:
            self.append([self.text(figure.label, self.st.top), self.cell(figure.value, self.st.count)])
        self.blank()

    def count_table(self, table: CountTable, suppression_note: str) -> None:
        """A published count table: a header row, the rows and their totals, the column totals;
        suppressed cells as text; the note and the note on suppression beneath."""
        st = self.st
        margin = len(table.columns) > 1  # one column: its row totals would repeat it
        self.table_title(table.title)
        self.header([table.row_heading, *table.columns, *([TOTAL] if margin else [])])
        width = len(table.columns) + (1 if margin else 0)
        for r, label in enumerate((*table.rows, TOTAL)):
            total = r == len(table.rows)
            cells = [self.text(label, st.total_label if total else st.top)]
            for shown in table.shown[r][:width]:
                value = count_value(shown)
                if value is not None:
                    cells.append(self.cell(value, st.total_count if total else st.count))
                else:
                    cells.append(self.text(shown, st.total_suppressed if total else st.suppressed))
            self.append(cells)
        if table.note:
            self.note(table.note)
        if table.hidden_small or table.hidden_other:
            self.note(suppression_note)
        self.blank()

    def long_rows(self, rows: Iterable[Sequence[str | int]]) -> None:
        """Many rows, appended as plain values with no style of their own (the workbook's
        default style wraps text at the top of the cell): text neutralised, "" left empty."""
        plain = self.plain
        append = self.ws.append
        count = 0
        for row in rows:
            append([plain(v) if isinstance(v, str) else v for v in row])
            count += 1
        self.row += count

    def plain(self, value: str) -> Any:
        """Text for a cell without a style of its own; None for ""."""
        if not value:
            return None
        text = _text(value)
        if text[0] == "#" and text in ERROR_CODES:
            return self.cell(text)
        return text

    def date(self, value: str) -> Any:
        """An ISO date from the content as a date cell (anything else as text)."""
        parsed = _iso_date(value)
        return self.cell(parsed, self.st.date) if isinstance(parsed, date) else parsed


def _titles(content: ReturnContent) -> list[str]:
    names = [COVER, *(s.heading for s in content.sections), DATA]
    return _sheet_titles([Sheet(name, (), ()) for name in names])


def _cover(
    wb: Any, content: ReturnContent, content_hash: str, frozen: bool, titles: Sequence[str]
) -> _Styles:
    sheet = _Writer(wb, titles[0], [24, 90])
    st = sheet.st
    sheet.append([sheet.text(content.organisation, st.kicker)])
    sheet.append([sheet.text(content.title, st.title)], height=24)
    sheet.blank()
    facts = [
        ("Partnership", content.partnership),
        ("Hub", content.hub),
        ("Period", f"{content.period_words} ({content.period_label})"),
        ("Template", content.template_name),
        ("Edition", str(content.edition)),
        ("Status", status_line(content, content_hash, frozen)),
    ]
    for label, value in facts:
        if value:
            sheet.append([sheet.text(label, st.label), sheet.text(value, st.wrap)])
    sheet.append([sheet.text("Content hash", st.label), sheet.cell(content_hash, st.mono)])
    sheet.blank()
    if content.intro:
        sheet.append([sheet.text("About this return", st.label), sheet.text(content.intro, st.wrap)])
    sheet.append([sheet.text("Small numbers", st.label), sheet.text(content.suppression_note, st.wrap)])
    sheet.blank()
    sheet.append([sheet.text("Contents", st.table_title)])
    names = [s.heading for s in content.sections] + ["Data: every figure in this workbook, one per row"]
    for number, (title, name) in enumerate(zip(titles[1:], names, strict=True), 1):
        link = sheet.text(name, st.link)
        link.hyperlink = Hyperlink(ref="", location="'{}'!A1".format(title.replace("'", "''")), display=name)
        sheet.append([sheet.cell(number, st.top), link])
    return st


def _reach(sheet: _Writer, section: ReachSection, note: str) -> None:
    sheet.figures(
        "Summary",
        "Count",
        [
            section.engagements,
            section.named_people,
            section.headcount,
            section.people_reached,
            section.online,
        ],
    )
    sheet.figures("Engagements by type", "Engagements", section.by_type)
    if section.by_ward:
        sheet.figures("Engagements by ward", "Engagements", section.by_ward)
    if section.headcount_groups:
        sheet.figures("Counted without names", "People", section.headcount_groups)
    sheet.count_table(section.people_by_ward, note)
    if section.seldom_heard is not None:
        sheet.count_table(section.seldom_heard, note)


def _demographics(sheet: _Writer, section: DemographicsSection, note: str) -> None:
    st = sheet.st
    sheet.append([sheet.text("Named people reached", st.label), sheet.cell(section.people, st.count)])
    sheet.blank()
    for table in section.tables:
        sheet.count_table(table, note)


def _themes(sheet: _Writer, section: ThemesSection) -> None:
    st = sheet.st
    compared = bool(section.previous_label)
    sheet.header(
        ["Rank", "Theme", "This period", *([section.previous_label, "Change"] if compared else [])],
        right_from=2,
    )
    for rank, theme in enumerate(section.themes, 1):
        cells = [
            sheet.cell(rank, st.top),
            sheet.text(theme.theme, st.wrap),
            sheet.cell(theme.count, st.count),
        ]
        if compared:
            change = theme.change
            cells.append(sheet.cell(theme.previous, st.count) if theme.previous is not None else None)
            cells.append(sheet.cell(change, st.change) if change is not None else None)
        sheet.append(cells)


def _quotes(sheet: _Writer, section: QuotesSection) -> None:
    sheet.header(["No.", "Quote", "Said by", "Context", "Themes"])
    sheet.long_rows(
        (n, q.text, q.attribution, q.context, "; ".join(q.themes)) for n, q in enumerate(section.quotes, 1)
    )


def _reimbursements(sheet: _Writer, section: ReimbursementsSection) -> None:
    st = sheet.st
    sheet.table_title("Summary")
    sheet.header(["", "Count or amount"], right_from=1)
    for figure in (section.people_paid, section.claims_paid):
        sheet.append([sheet.text(figure.label, st.top), sheet.cell(figure.value, st.count)])
    sheet.append(
        [sheet.text(section.total.label, st.label), sheet.cell(_pounds(section.total.pence), st.money_total)]
    )
    sheet.append([sheet.text(section.declined.label, st.top), sheet.cell(section.declined.value, st.count)])
    sheet.blank()
    sheet.table_title("By category")
    sheet.header(["Category", "Amount"], right_from=1)
    for money in section.by_category:
        sheet.append([sheet.text(money.label, st.top), sheet.cell(_pounds(money.pence), st.money)])
    sheet.blank()


def _actions(sheet: _Writer, section: ActionsSection) -> None:
    st = sheet.st
    sheet.figures("By status", "Actions", section.by_status)
    if section.responses:
        sheet.table_title("You said, we did")
        sheet.header(["Theme", "You said", "We did", "Decision influenced", "Responded on"])
        for response in section.responses:
            sheet.append(
                [
                    sheet.text(response.theme, st.wrap),
                    sheet.text(response.you_said, st.wrap),
                    sheet.text(response.we_did, st.wrap),
                    sheet.text(response.decision, st.wrap) if response.decision else None,
                    sheet.date(response.responded_on),
                ]
            )
        sheet.blank()
    sheet.table_title(f"Actions ({len(section.actions):,})")
    sheet.header(["Action", "Outcome", "From", "Status", "Due"])
    if section.actions:
        first = sheet.row + 1
        # The due date as the return has it (YYYY-MM-DD, so it sorts): as text, because a date
        # cell needs a style of its own, and this list may be thousands of rows long.
        sheet.long_rows((a.title, a.outcome, a.source, a.status, a.due) for a in section.actions)
        sheet.ws.auto_filter.ref = f"A{first - 1}:E{sheet.row}"


def _narrative(sheet: _Writer, section: NarrativeSection) -> None:
    st = sheet.st
    sheet.header(["Question", "Answer"])
    for answer in section.answers:
        sheet.append(
            [
                sheet.text(answer.question, st.label),
                sheet.text(answer.text, st.wrap)
                if answer.text.strip()
                else sheet.text("No answer given.", st.note),
            ]
        )


def _pounds(pence: int) -> Decimal:
    return Decimal(pence).scaleb(-2)


_WIDTHS: dict[str, list[float]] = {
    "themes": [7, 55, 13, 18, 10],
    "quotes": [6, 80, 22, 28, 40],
    "reimbursements": [40, 18],
    "actions": [48, 48, 42, 16, 12],
    "narrative": [45, 100],
}


def _section_widths(section: Section) -> list[float]:
    if section.kind in _WIDTHS:
        return _WIDTHS[section.kind]
    tables: list[CountTable] = []
    labels: list[str] = ["Named people reached"]
    if isinstance(section, ReachSection):
        tables = [section.people_by_ward, *([section.seldom_heard] if section.seldom_heard else [])]
        labels += [f.label for f in (*section.by_type, *section.by_ward, *section.headcount_groups)]
    elif isinstance(section, DemographicsSection):
        tables = list(section.tables)
    labels += [label for t in tables for label in (*t.rows, t.row_heading)]
    columns = max((len(t.columns) + (len(t.columns) > 1) for t in tables), default=1)
    first = min(50, max(24, *(len(label) + 2 for label in labels)))
    return [first, *([14.0] * max(columns, 1))]


def _write_data(wb: Any, content: ReturnContent, title: str, styles: _Styles) -> None:
    sheet = _Writer(wb, title, [28, 28, 40, 22, 10, 12, 12, 40], styles)
    sheet.ws.freeze_panes = "A2"
    sheet.header(list(DATA_COLUMNS))
    rows = [
        [
            _text(d.section),
            _text(d.table),
            _text(d.row),
            _text(d.column),
            d.value,
            _text(d.shown),
            d.unit,
            _text(d.ref),
        ]
        for d in figures(content)
    ]
    for row in rows:
        sheet.ws.append(row)
    sheet.row += len(rows)
    sheet.ws.auto_filter.ref = f"A1:H{sheet.row}"


def _wrap_by_default(wb: Any) -> None:
    """Make the workbook's default cell format — that of every cell without one of its own —
    wrap its text at the top of the cell, so the long lists need no style per cell."""
    default = StyleArray()
    default.alignmentId = wb._alignments.add(Alignment(vertical="top", wrap_text=True))
    wb._cell_styles = IndexedList([default])


class _FixedTimeZip(ZipFile):
    """A zip whose every member carries the same time, so the same workbook makes the same bytes."""

    def __init__(self, file: IO[bytes], when: datetime) -> None:
        super().__init__(file, "w", ZIP_DEFLATED, allowZip64=True)
        self._when = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)

    def _info(self, name: str) -> ZipInfo:
        info = ZipInfo(name, self._when)
        info.compress_type = ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        with open(filename, "rb") as source, self.open(self._info(str(arcname or filename)), "w") as target:
            shutil.copyfileobj(source, target, 1 << 20)


def write_return_xlsx(path: Path, content: ReturnContent, *, content_hash: str, frozen: bool) -> None:
    """Write the return's workbook to ``path`` atomically, from ``content`` alone."""
    titles = _titles(content)
    when = frozen_time(content) if frozen else None
    stamp = when.replace(tzinfo=None) if when is not None else DRAFT_EPOCH

    def write(fh: IO[bytes]) -> None:
        wb = Workbook(write_only=True)
        _wrap_by_default(wb)
        props = wb.properties
        props.creator = "vcsedesk"
        props.lastModifiedBy = "vcsedesk"
        props.title = content.title
        props.subject = f"{content.partnership} — {content.period_words}"
        props.description = f"Content hash {content_hash}"
        props.created = props.modified = stamp
        try:
            styles = _cover(wb, content, content_hash, frozen, titles)
            note = content.suppression_note
            for section, title in zip(content.sections, titles[1:-1], strict=True):
                sheet = _Writer(wb, title, _section_widths(section), styles)
                sheet.heading(section)
                if isinstance(section, ReachSection):
                    _reach(sheet, section, note)
                elif isinstance(section, DemographicsSection):
                    _demographics(sheet, section, note)
                elif isinstance(section, ThemesSection):
                    _themes(sheet, section)
                elif isinstance(section, QuotesSection):
                    _quotes(sheet, section)
                elif isinstance(section, ReimbursementsSection):
                    _reimbursements(sheet, section)
                elif isinstance(section, ActionsSection):
                    _actions(sheet, section)
                elif isinstance(section, NarrativeSection):
                    _narrative(sheet, section)
            _write_data(wb, content, titles[-1], styles)
            archive = _FixedTimeZip(fh, stamp)
            ExcelWriter(wb, archive).save()  # not wb.save(): that stamps the time of saving
        except BaseException:
            _discard_temporary_files(wb)
            raise

    write_atomically(Path(path), write)
