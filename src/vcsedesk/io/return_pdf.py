"""A partnership return as an A4 PDF, from its ``ReturnContent`` alone.

Order: a cover (the organisation's logo and name, the return's title, the partnership and hub,
the period in words, the edition, whether it is the submitted version or a draft, and the
content hash: short and large, in full and small, with what it is for); a contents page (each
section with the page it starts on, filled in once the document is laid out, and a bookmark
for each section); then each section in the content's order.

* Figures are always in a table; charts (engagements by type, themes this period against the
  previous one, reimbursements by category) only repeat them, and never rely on colour: the
  two series differ in fill (solid, outlined) and every bar carries its number.
* Count tables print suppressed cells as published ("<5", "*"), with the note on suppression
  under each table that has one, and a box explaining it in the first section about people.
* Quotes are indented blocks in italics with who said them (as the content has it: "Anonymous"
  unless the speaker agreed to be named) and where.
* The actions list may run to thousands of rows: it is a :class:`pdf.LongTable` in plain mode,
  laid out a page at a time.
* Every page: the organisation and the return's title at the top, "Page n of m" and the short
  content hash at the bottom.  The same content gives the same bytes (``invariant``).
"""

from __future__ import annotations

import base64
import binascii
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from vcsedesk.domain.claims import pence_text
from vcsedesk.domain.returns import (
    ActionsSection,
    CountTable,
    DemographicsSection,
    Figure,
    NarrativeSection,
    QuotesSection,
    ReachSection,
    ReimbursementsSection,
    ReturnContent,
    Section,
    ThemesSection,
    short_hash,
)
from vcsedesk.io import pdf
from vcsedesk.io.pdf import day_text, markup
from vcsedesk.io.return_xlsx import frozen_time

LOGO_HEIGHT = 40 * mm
LOGO_WIDTH = 90 * mm
ACCENT = colors.HexColor("#1f4e79")
BOX_FILL = colors.HexColor("#eef3f8")
#: The most categories a chart shows (the table beside it has them all).
CHART_MAX = 12
TOTAL = "Total"


# -- words ------------------------------------------------------------------------------------
def iso_day(value: str) -> str:
    """An ISO date from the content as "3 Mar 2026"; "–" for none, anything else as it is."""
    if not value:
        return "–"
    try:
        return day_text(date.fromisoformat(value))
    except ValueError:
        return value


def long_day(value: str) -> str:
    """An ISO date as "3 March 2026" ("" for none; anything else as it is)."""
    if not value:
        return ""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day.day} {day:%B %Y}"


def frozen_words(content: ReturnContent) -> str:
    """ "3 October 2025 at 14:02 UTC", or "" when the content has no frozen time."""
    when = frozen_time(content)
    return "" if when is None else f"{when.day} {when:%B %Y} at {when:%H:%M} UTC"


def status_text(content: ReturnContent, frozen: bool) -> str:
    if not frozen:
        return "DRAFT — the figures will change until the return is submitted."
    on = frozen_words(content)
    return f"Submitted version — frozen on {on}." if on else "Submitted version — frozen."


def footer_text(content: ReturnContent, content_hash: str, frozen: bool) -> str:
    """ "Return for 2025-Q3 — content hash e96a 4d5a 2e57 6d37" (short: it shares the line)."""
    words = f"Return for {content.period_label} — content hash {short_hash(content_hash)}"
    return words if frozen else f"DRAFT — {words}"


def change_text(change: int | None) -> str:
    if change is None:
        return "–"
    return f"+{change:,}" if change > 0 else (f"−{-change:,}" if change < 0 else "0")


def logo_bytes(content: ReturnContent) -> bytes:
    """The logo's image bytes; b"" when there is none or it is not base64."""
    if not content.logo:
        return b""
    try:
        return base64.b64decode(content.logo, validate=True)
    except (binascii.Error, ValueError):
        return b""


def logo_image(data: bytes, *, height: float = LOGO_HEIGHT, width: float = LOGO_WIDTH) -> Image | None:
    """The logo scaled to fit ``width`` × ``height`` keeping its proportions (never stretched),
    or None if there is none or it cannot be read: a damaged logo never stops a return."""
    if not data:
        return None
    try:
        reader = ImageReader(io.BytesIO(data))
        w, h = reader.getSize()
        reader.getRGBData()  # decoded in full now: a truncated file would fail only when drawn
    except Exception:  # any image reportlab cannot decode: print without it
        return None
    if w <= 0 or h <= 0:
        return None
    scale = min(height / h, width / w)
    image = Image(io.BytesIO(data), width=w * scale, height=h * scale)
    image.hAlign = "LEFT"
    return image


# -- styles -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Look:
    st: pdf.Styles
    right: ParagraphStyle
    right_bold: ParagraphStyle
    quote: ParagraphStyle
    attribution: ParagraphStyle
    box: ParagraphStyle
    box_title: ParagraphStyle
    hash_big: ParagraphStyle
    hash_full: ParagraphStyle
    status: ParagraphStyle
    draft: ParagraphStyle
    suppression_note: str


def _look(suppression_note: str) -> _Look:
    st = pdf.styles()
    return _Look(
        st=st,
        suppression_note=suppression_note,
        right=ParagraphStyle("cell-right", parent=st.cell, alignment=TA_RIGHT),
        right_bold=ParagraphStyle("cell-right-bold", parent=st.cell_bold, alignment=TA_RIGHT),
        quote=ParagraphStyle(
            "quote",
            parent=st.body,
            fontName=pdf.FONT_ITALIC,
            fontSize=11,
            leading=16,
            leftIndent=18,
            rightIndent=18,
            spaceBefore=6,
            spaceAfter=2,
        ),
        attribution=ParagraphStyle(
            "attribution", parent=st.body, leftIndent=18, rightIndent=18, textColor=pdf.MUTED, spaceAfter=8
        ),
        box=ParagraphStyle("box", parent=st.body, spaceAfter=0),
        box_title=ParagraphStyle("box-title", parent=st.body, fontName=pdf.FONT_BOLD, spaceAfter=2),
        hash_big=ParagraphStyle(
            "hash-big", parent=st.body, fontName=pdf.FONT_BOLD, fontSize=22, leading=28, spaceAfter=2
        ),
        hash_full=ParagraphStyle("hash-full", parent=st.small, fontSize=9, leading=12, spaceAfter=6),
        status=ParagraphStyle("status", parent=st.body, fontName=pdf.FONT_BOLD, fontSize=12, leading=16),
        draft=ParagraphStyle(
            "draft",
            parent=st.body,
            fontName=pdf.FONT_BOLD,
            fontSize=28,
            leading=34,
            textColor=colors.HexColor("#a61b1b"),
            spaceBefore=6,
            spaceAfter=6,
        ),
    )


# -- contents: page numbers filled in when the document is saved ------------------------------
@dataclass
class _Toc:
    entries: list[tuple[str, str]] = field(default_factory=list)  # (key, heading)
    pages: dict[str, int] = field(default_factory=dict)


class _Anchor(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Takes no room; notes the page it falls on, and bookmarks it (for the PDF's outline and
    the contents' links) once the pages are final."""

    def __init__(self, toc: _Toc, key: str, title: str) -> None:
        super().__init__()
        self.toc, self.key, self.title = toc, key, title

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.toc.pages.setdefault(self.key, self.canv.getPageNumber())
        key, title = self.key, pdf.printable(self.title)

        def bookmark(canvas: Canvas, _total: int) -> None:
            canvas.bookmarkPage(key)
            canvas.addOutlineEntry(title, key, level=0)

        pdf.defer(self.canv, bookmark)


class _Contents(Flowable):  # type: ignore[misc]
    """The contents: each section's heading, dot leaders and the page it starts on."""

    SIZE = 12
    LEADING = 22

    def __init__(self, toc: _Toc) -> None:
        super().__init__()
        self.toc = toc

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        self.height = self.LEADING * len(self.toc.entries)
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        number_room = pdf.text_width("0000", pdf.FONT, self.SIZE) + 12
        y = self.height - self.SIZE
        for key, heading in self.toc.entries:
            text = _fit(heading, pdf.FONT, self.SIZE, self.width - number_room)
            canvas.setFont(pdf.FONT, self.SIZE)
            canvas.setFillColor(pdf.INK)
            canvas.drawString(0, y, text)
            end = pdf.text_width(text, pdf.FONT, self.SIZE)
            left, base = canvas.absolutePosition(0, y)
            pdf.defer(canvas, self._number(key, left, left + end, left + self.width, base))
            y -= self.LEADING

    def _number(self, key: str, left: float, end: float, right: float, base: float) -> pdf.LateDrawing:
        toc, size = self.toc, self.SIZE

        def draw(canvas: Canvas, _total: int) -> None:
            page = toc.pages.get(key)
            if page is None:
                return
            number = str(page)
            width = pdf.text_width(number, pdf.FONT, size)
            canvas.setFont(pdf.FONT, size)
            canvas.setFillColor(pdf.INK)
            canvas.drawRightString(right, base, number)
            dot = pdf.text_width(". ", pdf.FONT, size)
            dots = int((right - width - 8 - (end + 8)) // dot)
            if dots > 0:
                canvas.setFillColor(pdf.MUTED)
                canvas.drawRightString(right - width - 8, base, ". " * dots)
            canvas.linkRect("", key, (left, base - 4, right, base + size), relative=0, thickness=0)

        return draw


def _fit(text: str, font: str, size: float, room: float) -> str:
    text = pdf.printable(text)
    if pdf.text_width(text, font, size) <= room:
        return text
    while text and pdf.text_width(text + "…", font, size) > room:
        text = text[:-1]
    return text.rstrip() + "…"


# -- tables and charts ------------------------------------------------------------------------
def _grid_style(header_rows: int = 1, *, total_row: bool = False) -> list[tuple[Any, ...]]:
    style: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), pdf.HEADER_FILL),
        ("LINEBELOW", (0, 0), (-1, header_rows - 1), 0.8, pdf.RULE),
        ("LINEBELOW", (0, header_rows), (-1, -1), 0.3, pdf.RULE),
        ("BOX", (0, 0), (-1, -1), 0.5, pdf.RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("FONTNAME", (0, 0), (-1, -1), pdf.FONT),
        ("FONTSIZE", (0, 0), (-1, -1), pdf.CELL_SIZE),
        ("LEADING", (0, 0), (-1, -1), pdf.CELL_SIZE * 1.3),
        ("TEXTCOLOR", (0, 0), (-1, -1), pdf.INK),
    ]
    if total_row:
        style += [
            ("FONTNAME", (0, -1), (-1, -1), pdf.FONT_BOLD),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, pdf.INK),
        ]
    return style


def _table(data: list[list[Any]], widths: Sequence[float], style: list[tuple[Any, ...]]) -> Table:
    table = Table(data, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def _number_width(values: Sequence[str], header: str = "") -> float:
    widest = max((pdf.text_width(v, pdf.FONT_BOLD) for v in values), default=0.0)
    return max(widest + 14, min(pdf.text_width(header, pdf.FONT_BOLD) + 14, 90.0), 44.0)


def _figures_table(look: _Look, rows: Sequence[tuple[str, str]], header: tuple[str, str]) -> Table:
    """Labels and their numbers (already as text), numbers right-aligned."""
    frame = pdf.PageSetup("", "").frame_width
    number_w = _number_width([v for _, v in rows], header[1])
    label_w = min(frame - number_w, max(pdf.text_width(label) + 14 for label, _ in [*rows, header]) + 10)
    label_w = max(label_w, 160.0)
    data: list[list[Any]] = [
        [Paragraph(markup(header[0]), look.st.cell_bold), Paragraph(markup(header[1]), look.right_bold)]
    ]
    data += [[Paragraph(markup(label), look.st.cell), pdf.printable(value)] for label, value in rows]
    style = _grid_style()
    style.append(("ALIGN", (1, 1), (1, -1), "RIGHT"))
    return _table(data, [label_w, number_w], style)


def _count_tables(look: _Look, table: CountTable) -> list[Flowable]:
    """A published count table (in pieces of columns if it is too wide for the page), its note,
    and the note on suppression when a cell is hidden."""
    frame = pdf.PageSetup("", "").frame_width
    margin = len(table.columns) > 1  # one column: its row totals would only repeat it
    columns = [*table.columns, *([TOTAL] if margin else [])]
    label_w = min(200.0, max(130.0, *(pdf.text_width(r) + 14 for r in (*table.rows, table.row_heading))))
    number_w = 62.0
    per_piece = max(1, int((frame - label_w) // number_w))
    out: list[Flowable] = []
    for start in range(0, len(columns), per_piece):
        part = list(range(start, min(len(columns), start + per_piece)))
        header = [Paragraph(markup(table.row_heading), look.st.cell_bold)]
        header += [Paragraph(markup(columns[c]), look.right_bold) for c in part]
        data: list[list[Any]] = [header]
        for r, label in enumerate((*table.rows, TOTAL)):
            style = look.st.cell_bold if r == len(table.rows) else look.st.cell
            data.append([Paragraph(markup(label), style), *(pdf.printable(table.shown[r][c]) for c in part)])
        style_cmds = _grid_style(total_row=True)
        style_cmds.append(("ALIGN", (1, 1), (-1, -1), "RIGHT"))
        widths = (
            [label_w, *([max(number_w, (frame - label_w) / len(part))] * len(part))]
            if len(part) > 1
            else [
                label_w,
                number_w + 30,
            ]
        )
        out.append(_table(data, widths, style_cmds))
        out.append(Spacer(1, 3))
    if table.note:
        out.append(Paragraph(markup(table.note), look.st.small))
    if table.hidden_small or table.hidden_other:
        out.append(Paragraph(markup(look.suppression_note), look.st.small))
    return out


def _titled_count_table(look: _Look, table: CountTable) -> Flowable:
    """The table under its title, kept on one page with its notes (when it fits on one)."""
    return KeepTogether([Paragraph(markup(table.title), look.st.subheading), *_count_tables(look, table)])


def _legend(items: Sequence[tuple[str, Any, Any]], width: float) -> Drawing:
    """A legend of swatches (fill, stroke) and their names, in a row."""
    drawing = Drawing(width, 16)
    x = 0.0
    for name, fill, stroke in items:
        drawing.add(Rect(x, 3, 14, 9, fillColor=fill, strokeColor=stroke, strokeWidth=0.8))
        label = pdf.printable(name)
        drawing.add(String(x + 19, 4, label, fontName=pdf.FONT, fontSize=9, fillColor=pdf.INK))
        x += 19 + pdf.text_width(label, pdf.FONT, 9) + 18
    return drawing


def nice_step(top: float) -> int:
    """A round step for a value axis reaching ``top`` (1, 2, 5, 10, 20, 50, …): about five ticks."""
    raw = top / 5
    if raw <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(raw))
    return int(next(m * magnitude for m in (1, 2, 5, 10) if raw <= m * magnitude))


def bar_chart(
    labels: Sequence[str],
    series: Sequence[Sequence[int]],
    *,
    value_text: Callable[[int], str] = lambda v: f"{v:,}",
    names: Sequence[str] = (),
) -> list[Flowable]:
    """A horizontal bar chart, first category at the top, each bar labelled with its number;
    with two series the second is drawn outlined (not a colour only) and a legend says which."""
    frame = pdf.PageSetup("", "").frame_width
    size = 9
    label_room = min(190.0, max(pdf.text_width(label, pdf.FONT, size) for label in labels) + 8)
    shown = [_fit(label, pdf.FONT, size, label_room - 8) for label in labels]
    group = 15.0 if len(series) == 1 else 24.0
    height = group * len(labels) + 28
    drawing = Drawing(frame, height)
    chart = HorizontalBarChart()
    chart.x = label_room
    chart.y = 18
    chart.width = frame - label_room - 56
    chart.height = group * len(labels)
    # A group's first bar is drawn at its bottom: the series go in reversed, so the first one
    # (this period) is the top bar of each pair, as the legend lists them.
    chart.data = [list(s) for s in reversed(series)]
    chart.categoryAxis.categoryNames = shown
    chart.categoryAxis.reverseDirection = 1  # the first category at the top
    chart.categoryAxis.labels.fontName = pdf.FONT
    chart.categoryAxis.labels.fontSize = size
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.categoryAxis.strokeColor = pdf.RULE
    chart.categoryAxis.tickLeft = 0
    top = max((v for s in series for v in s), default=0)
    step = nice_step(top)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = step * max(1, math.ceil(top / step))
    chart.valueAxis.valueStep = step
    chart.valueAxis.labels.fontName = pdf.FONT
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.labels.fillColor = pdf.MUTED
    chart.valueAxis.labelTextFormat = value_text
    chart.valueAxis.strokeColor = pdf.RULE
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = colors.HexColor("#e3e7eb")
    chart.valueAxis.gridStrokeWidth = 0.5
    chart.barSpacing = 1
    chart.groupSpacing = 5
    chart.bars.strokeWidth = 0.8
    chart.bars.strokeColor = ACCENT
    for index in range(len(series)):  # the first series solid, the second outlined
        chart.bars[len(series) - 1 - index].fillColor = ACCENT if index == 0 else colors.white
    chart.barLabelFormat = value_text
    chart.barLabels.fontName = pdf.FONT
    chart.barLabels.fontSize = 8
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    chart.barLabels.fillColor = pdf.INK
    drawing.add(chart)
    out: list[Flowable] = []
    if len(series) > 1:
        out.append(_legend([(names[0], ACCENT, ACCENT), (names[1], colors.white, ACCENT)], frame))
    out.append(drawing)
    return out


# -- sections ---------------------------------------------------------------------------------
def _intro(section: Section, look: _Look) -> list[Flowable]:
    return pdf.paragraphs(section.intro, look.st.body)


def _suppression_box(content: ReturnContent, look: _Look) -> Flowable:
    frame = pdf.PageSetup("", "").frame_width
    cell = [
        Paragraph("About small numbers", look.box_title),
        Paragraph(markup(content.suppression_note), look.box),
    ]
    box = Table([[cell]], colWidths=[frame], hAlign="LEFT")
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), BOX_FILL),
                ("LINEBEFORE", (0, 0), (0, -1), 3, ACCENT),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return box


def _sub(text: str, look: _Look, room: float = 60) -> list[Flowable]:
    return pdf.heading(text, look.st.subheading, room=room)


def _counts(figures: Sequence[Figure]) -> list[tuple[str, str]]:
    return [(f.label, f"{f.value:,}") for f in figures]


def _reach(section: ReachSection, look: _Look) -> list[Flowable]:
    flow: list[Flowable] = []
    key = [
        section.engagements,
        section.named_people,
        section.headcount,
        section.people_reached,
        section.online,
    ]
    flow += _sub("Summary", look)
    flow.append(_figures_table(look, _counts(key), ("", "Count")))
    if section.by_type:
        top = section.by_type[:CHART_MAX]
        block: list[Flowable] = [Paragraph("Engagements by type", look.st.subheading)]
        block.append(_figures_table(look, _counts(section.by_type), ("Type", "Engagements")))
        block.append(Spacer(1, 6))
        block += bar_chart([f.label for f in top], [[f.value for f in top]])
        flow.append(KeepTogether(block))
    if section.by_ward:
        flow += _sub("Engagements by ward", look)
        flow.append(_figures_table(look, _counts(section.by_ward), ("Ward", "Engagements")))
    if section.headcount_groups:
        flow += _sub("Counted without names", look)
        flow.append(_figures_table(look, _counts(section.headcount_groups), ("Group", "People")))
    flow.append(_titled_count_table(look, section.people_by_ward))
    if section.seldom_heard is not None:
        flow.append(_titled_count_table(look, section.seldom_heard))
    return flow


def _demographics(section: DemographicsSection, look: _Look) -> list[Flowable]:
    flow: list[Flowable] = [
        _figures_table(look, [("Named people reached", f"{section.people:,}")], ("", "People"))
    ]
    flow += [_titled_count_table(look, table) for table in section.tables]
    return flow


def _themes(section: ThemesSection, look: _Look) -> list[Flowable]:
    if not section.themes:
        return [Paragraph("No themes were recorded in this period.", look.st.note)]
    frame = pdf.PageSetup("", "").frame_width
    compared = bool(section.previous_label)
    header: list[Any] = [Paragraph("Rank", look.st.cell_bold), Paragraph("Theme", look.st.cell_bold)]
    header.append(Paragraph("This period", look.right_bold))
    number_w = 70.0
    widths = [40.0, 0.0, number_w]
    if compared:
        header += [
            Paragraph(markup(section.previous_label), look.right_bold),
            Paragraph("Change", look.right_bold),
        ]
        widths += [number_w + 10, 56.0]
    widths[1] = frame - sum(widths)
    data: list[list[Any]] = [header]
    for rank, theme in enumerate(section.themes, 1):
        row: list[Any] = [str(rank), Paragraph(markup(theme.theme), look.st.cell), f"{theme.count:,}"]
        if compared:
            row += ["–" if theme.previous is None else f"{theme.previous:,}", change_text(theme.change)]
        data.append(row)
    style = _grid_style()
    style.append(("ALIGN", (2, 1), (-1, -1), "RIGHT"))
    flow: list[Flowable] = [_table(data, widths, style)]
    top = section.themes[:CHART_MAX]
    labels = [t.theme for t in top]
    title = (
        f"The {len(top)} themes raised most" if len(section.themes) > len(top) else "The themes in a chart"
    )
    block: list[Flowable] = [Paragraph(title, look.st.subheading)]
    if compared:
        block += bar_chart(
            labels,
            [[t.count for t in top], [t.previous or 0 for t in top]],
            names=["This period", section.previous_label],
        )
    else:
        block += bar_chart(labels, [[t.count for t in top]])
    flow.append(KeepTogether(block))
    return flow


def _quotes(section: QuotesSection, look: _Look) -> list[Flowable]:
    if not section.quotes:
        return [Paragraph("No quotes were shared in this period.", look.st.note)]
    flow: list[Flowable] = []
    for quote in section.quotes:
        who = " · ".join(markup(part) for part in (quote.attribution, quote.context) if part)
        parts: list[Flowable] = [
            Paragraph(f"“{markup(quote.text)}”", look.quote),
            Paragraph(f"— {who}" if who else "", look.attribution),
        ]
        if quote.themes:
            parts[-1] = Paragraph(
                f"— {who}<br/><font size=9>Themes: {markup('; '.join(quote.themes))}</font>", look.attribution
            )
        flow.append(KeepTogether(parts))
    return flow


def _reimbursements(section: ReimbursementsSection, look: _Look) -> list[Flowable]:
    flow: list[Flowable] = []
    rows = [
        (section.people_paid.label, f"{section.people_paid.value:,}"),
        (section.claims_paid.label, f"{section.claims_paid.value:,}"),
        (section.total.label, pence_text(section.total.pence)),
        (section.declined.label, f"{section.declined.value:,}"),
    ]
    flow.append(_figures_table(look, rows, ("", "Count or amount")))
    if section.by_category:
        top = section.by_category[:CHART_MAX]
        block: list[Flowable] = [Paragraph("By category", look.st.subheading)]
        block.append(
            _figures_table(
                look, [(m.label, pence_text(m.pence)) for m in section.by_category], ("Category", "Amount")
            )
        )
        block.append(Spacer(1, 6))
        block += bar_chart(
            [m.label for m in top],
            [[m.pence for m in top]],
            value_text=lambda p: pence_text(int(p)),
        )
        flow.append(KeepTogether(block))
    return flow


def _actions(section: ActionsSection, look: _Look) -> list[Flowable]:
    st = look.st
    flow: list[Flowable] = []
    if section.by_status:
        flow.append(_figures_table(look, _counts(section.by_status), ("Status", "Actions")))
    flow += _sub("You said, we did", look, room=100)
    if not section.responses:
        flow.append(Paragraph("No responses from the partnership have been recorded yet.", st.note))
    for response in section.responses:
        block: list[Flowable] = [Paragraph(markup(response.theme), st.label)]
        block.append(Paragraph(f"<b>You said:</b> {markup(response.you_said)}", st.bullet))
        block.append(Paragraph(f"<b>We did:</b> {markup(response.we_did)}", st.bullet))
        if response.decision:
            block.append(Paragraph(f"<b>Decision influenced:</b> {markup(response.decision)}", st.bullet))
        if response.responded_on:
            block.append(Paragraph(f"Responded on {markup(long_day(response.responded_on))}.", st.small))
        block.append(Spacer(1, 4))
        flow.append(KeepTogether(block))
    flow += _sub(f"Actions ({len(section.actions):,})", look, room=100)
    if not section.actions:
        flow.append(Paragraph("No actions in this period.", st.note))
        return flow
    frame = pdf.PageSetup("", "").frame_width
    pad = 2 * pdf.LongTable.PADDING + 2
    number_w = max(pdf.text_width("No.", pdf.FONT_BOLD), pdf.text_width(f"{len(section.actions)}")) + pad
    status_w = max(
        pdf.text_width(a) for a in ("In progress", "Cancelled", *{a.status for a in section.actions[:500]})
    )
    status_w = min(status_w + pad, 90)
    due_w = pdf.text_width("30 Sep 2026") + pad
    rest = frame - number_w - status_w - due_w
    widths = [number_w, rest * 0.58, status_w, due_w, rest * 0.42]
    rows = [
        [
            str(n),
            f"{a.title}\nFrom {a.source}" if a.source else a.title,
            a.status,
            iso_day(a.due),
            a.outcome or "–",
        ]
        for n, a in enumerate(section.actions, 1)
    ]
    flow.append(pdf.LongTable(["No.", "Action", "Status", "Due", "Outcome"], rows, widths, plain=True))
    return flow


def _narrative(section: NarrativeSection, look: _Look) -> list[Flowable]:
    flow: list[Flowable] = []
    if not section.answers:
        flow.append(Paragraph("No questions were asked in this section.", look.st.note))
    for answer in section.answers:
        flow += pdf.heading(answer.question, look.st.label, room=40)
        answer_flow = pdf.paragraphs(answer.text, look.st.body)
        flow += answer_flow or [Paragraph("No answer given.", look.st.note)]
    return flow


# -- the document -----------------------------------------------------------------------------
def _cover(content: ReturnContent, content_hash: str, frozen: bool, look: _Look) -> list[Flowable]:
    st = look.st
    flow: list[Flowable] = []
    image = logo_image(logo_bytes(content))
    if image is not None:
        flow += [image, Spacer(1, 10 * mm)]
    else:
        flow.append(Spacer(1, 20 * mm))
    flow.append(
        Paragraph(
            markup(content.organisation), ParagraphStyle("org", parent=st.kicker, fontSize=14, leading=18)
        )
    )
    flow.append(Spacer(1, 4))
    flow.append(Paragraph(markup(content.title), st.title))
    to = " — ".join(part for part in (content.partnership, content.hub) if part)
    if to:
        flow.append(Paragraph(markup(to), st.subtitle))
    period = content.period_words + (f" ({content.period_label})" if content.period_label else "")
    flow.append(Paragraph(markup(period), st.subtitle))
    if not frozen:
        flow.append(Paragraph("DRAFT", look.draft))
    flow.append(Spacer(1, 6 * mm))
    facts = [("Edition", str(content.edition))]
    if content.template_name:
        facts.append(("Template", content.template_name))
    flow.append(pdf.key_values(facts, label_width=24 * mm))
    flow.append(Spacer(1, 4))
    flow.append(Paragraph(markup(status_text(content, frozen)), look.status))
    flow.append(Spacer(1, 12 * mm))
    purpose = (
        "This code is worked out from everything this return says. Anyone can check this return was not "
        "altered after it was frozen: make the code again from the frozen return and compare."
        if frozen
        else "This code is worked out from everything this draft says, and changes whenever a figure does; "
        "once the return is submitted and frozen, anyone can check it was not altered after it was frozen."
    )
    box = Table(
        [
            [
                [
                    Paragraph("Content hash", look.box_title),
                    Paragraph(markup(short_hash(content_hash)), look.hash_big),
                    Paragraph(markup(content_hash), look.hash_full),
                    Paragraph(purpose, look.box),
                ]
            ]
        ],
        colWidths=[pdf.PageSetup("", "").frame_width],
        hAlign="LEFT",
    )
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, pdf.RULE),
                ("BACKGROUND", (0, 0), (-1, -1), BOX_FILL),
                ("LEFTPADDING", (0, 0), (-1, -1), 12),
                ("RIGHTPADDING", (0, 0), (-1, -1), 12),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    flow.append(box)
    flow.append(PageBreak())
    return flow


_SECTIONS: dict[str, Callable[[Any, _Look], list[Flowable]]] = {
    "reach": _reach,
    "demographics": _demographics,
    "themes": _themes,
    "quotes": _quotes,
    "reimbursements": _reimbursements,
    "actions": _actions,
    "narrative": _narrative,
}


def story(content: ReturnContent, *, content_hash: str, frozen: bool) -> list[Flowable]:
    look = _look(content.suppression_note)
    st = look.st
    toc = _Toc()
    flow = _cover(content, content_hash, frozen, look)
    flow.append(Paragraph("Contents", st.heading))
    flow.append(_Contents(toc))
    if content.intro:
        flow += pdf.heading("About this return", st.subheading, room=40)
        flow += pdf.paragraphs(content.intro, st.body)
    flow.append(PageBreak())
    explained = False
    for number, section in enumerate(content.sections, 1):
        key = f"section-{number}"
        toc.entries.append((key, section.heading))
        flow.append(CondPageBreak(260 if number > 1 else 0))
        flow.append(_Anchor(toc, key, section.heading))
        flow.append(
            Paragraph(
                markup(section.heading), ParagraphStyle("section", parent=st.heading, fontSize=17, leading=22)
            )
        )
        flow += _intro(section, look)
        if isinstance(section, ReachSection | DemographicsSection) and not explained:
            flow += [Spacer(1, 4), _suppression_box(content, look), Spacer(1, 4)]
            explained = True
        flow += _SECTIONS[section.kind](section, look)
        flow.append(Spacer(1, 8))
    return flow


def write_return_pdf(path: Path, content: ReturnContent, *, content_hash: str, frozen: bool) -> int:
    """Write the return to ``path`` as an A4 PDF, atomically, from ``content`` alone; the same
    content gives the same bytes.  Returns the number of pages."""
    setup = pdf.PageSetup(
        organisation=content.organisation,
        title=content.title,
        subject=f"{content.partnership} — {content.period_words}",
        footer=footer_text(content, content_hash, frozen),
        invariant=True,
        keywords=(f"content-hash:{content_hash}",),
    )
    return pdf.build(Path(path), story(content, content_hash=content_hash, frozen=frozen), setup)
