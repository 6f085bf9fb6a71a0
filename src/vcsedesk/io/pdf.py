"""Building blocks every PDF vcsedesk writes shares: minutes, claim forms, partnership returns.

* **Fonts**: Bitstream Vera, bundled with reportlab, registered as one family (regular, bold,
  italic, bold italic) and embedded in each file, so "£", curly quotes, accents and "›" print
  the same on every computer.  Vera covers Western European letters and some others (Polish
  "Ł", Turkish "ğ", Czech "č"); :func:`printable` puts every character it lacks into a form
  it has ("ș" → "s", "→" → "->") or, failing that, "?" — in one place.
* **Text from people is never markup**: :func:`markup` escapes it for reportlab's paragraph
  mark-up, so a note containing ``<b>`` or ``&amp;`` prints exactly as typed.
* **Pages**: A4 (portrait or landscape), the organisation's name in the header beside the
  document's title, and "Page n of m" in the footer (:class:`PageSetup`, :func:`build`).
* **Tables of any length** (:class:`LongTable`): the header row is repeated on every page and
  only one page's worth of rows is laid out at a time.  (A reportlab Table splits itself by
  copying all its remaining rows at each page break, which is quadratic in its length.)  For
  tables of thousands of rows, ``plain=True`` wraps text cells with :func:`wrap_lines` and draws
  them as plain lines: several times faster than a paragraph per cell.
* **Filled in at the end** (:func:`defer`): something a page shows that is known only once the
  whole document is laid out — the page numbers in a table of contents — is drawn when the
  document is saved, so one layout pass is enough (reportlab's multiBuild lays it all out twice).
* **Atomic**: the file is written beside its destination under a temporary name and moved
  into place in one step (io/spreadsheet.py ``write_atomically``); a failure leaves no half
  file, and a folder that cannot be written to is reported as such.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from vcsedesk.io.spreadsheet import write_atomically

FONT = "VcseSans"
FONT_BOLD = "VcseSans-Bold"
FONT_ITALIC = "VcseSans-Italic"
FONT_BOLD_ITALIC = "VcseSans-BoldItalic"
_FONT_FILES = {
    FONT: "Vera.ttf",
    FONT_BOLD: "VeraBd.ttf",
    FONT_ITALIC: "VeraIt.ttf",
    FONT_BOLD_ITALIC: "VeraBI.ttf",
}

MARGIN = 20 * mm
HEADER_SIZE = 9
BODY_SIZE = 10.5
CELL_SIZE = 10
INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#9aa5b1")
HEADER_FILL = colors.HexColor("#dde6f0")
STRIPE_FILL = colors.HexColor("#f4f6f8")

#: Characters Vera lacks that have a plain equivalent (checked against the font at start).
REPLACEMENTS = {
    "\u2192": "->",  # →
    "\u2190": "<-",  # ←
    "\u2194": "<->",  # ↔
    "\u21d2": "=>",  # ⇒
    "\u2713": "yes",  # ✓
    "\u2714": "yes",  # ✔
    "\u2717": "no",  # ✗
    "\u2718": "no",  # ✘
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "–",  # figure dash
    "\u2009": " ",  # thin space
    "\u200a": " ",  # hair space
    "\u202f": " ",  # narrow no-break space
    "\u2007": " ",  # figure space
    "\u2060": "",  # word joiner
    "\u200b": "",  # zero-width space
    "\u200c": "",  # zero-width non-joiner
    "\u200d": "",  # zero-width joiner
    "\ufeff": "",  # byte-order mark
    "\u2032": "'",  # prime
    "\u2033": '"',  # double prime
    "\u2044": "/",  # fraction slash
    "\u2116": "No.",  # numero
    "\t": "    ",
}


# -- fonts and text ---------------------------------------------------------------------------
@functools.cache
def register_fonts() -> frozenset[int]:
    """Register the Vera family with reportlab (once); the code points it can draw."""
    folder = Path(reportlab.__file__).resolve().parent / "fonts"
    for name, filename in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / filename)))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC
    )
    face = pdfmetrics.getFont(FONT).face
    return frozenset(face.charToGlyph)


def has_glyph(char: str) -> bool:
    return ord(char) in register_fonts()


@functools.lru_cache(maxsize=4096)
def _substitute(char: str) -> str:
    """What to print for one character the font lacks."""
    glyphs = register_fonts()
    if char in REPLACEMENTS and all(ord(c) in glyphs for c in REPLACEMENTS[char]):
        return REPLACEMENTS[char]
    if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
        return " " if char in "\u2028\u2029\x85" else ""
    # An accented letter the font lacks: the letter without its accent (ș → s, ą → a).
    plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if plain and all(ord(c) in glyphs for c in plain):
        return plain
    return "?"


def printable(text: str) -> str:
    """``text`` with every character the embedded font cannot draw replaced (see module
    docstring).  Newlines are kept; other control characters are dropped."""
    glyphs = register_fonts()
    if all(ord(c) in glyphs or c == "\n" for c in text):
        return text
    return "".join(c if ord(c) in glyphs or c == "\n" else _substitute(c) for c in text)


def markup(text: str | None) -> str:
    """Text typed by a person, ready for a Paragraph: printable, escaped, line breaks kept."""
    if not text:
        return ""
    lines = printable(text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    return "<br/>".join(escape(line) for line in lines)


def paragraphs(text: str | None, style: ParagraphStyle) -> list[Flowable]:
    """A person's multi-line text as paragraphs: a blank line starts a new one."""
    if not text or not text.strip():
        return []
    blocks = [b.strip("\n") for b in text.replace("\r\n", "\n").split("\n\n")]
    return [Paragraph(markup(b), style) for b in blocks if b.strip()]


def day_text(day: date) -> str:
    """ "3 Mar 2026" (no leading zero, on every platform)."""
    return f"{day.day} {day:%b %Y}"


def text_width(text: str, font: str = FONT, size: float = CELL_SIZE) -> float:
    register_fonts()
    width: float = pdfmetrics.stringWidth(printable(text), font, size)
    return width


@functools.lru_cache(maxsize=65536)
def _word_width(word: str, font: str, size: float) -> float:
    width: float = pdfmetrics.stringWidth(word, font, size)
    return width


def wrap_lines(text: str, width: float, font: str = FONT, size: float = CELL_SIZE) -> list[str]:
    """``text`` (made printable) broken into lines no wider than ``width`` points: at spaces,
    and inside a word only when the word alone is wider.  Line breaks in the text are kept;
    runs of spaces become one.  Much faster than laying out a Paragraph."""
    register_fonts()
    space = _word_width(" ", font, size)
    lines: list[str] = []
    for raw in printable(text.replace("\r\n", "\n").replace("\r", "\n")).split("\n"):
        line: list[str] = []
        used = 0.0
        for word in raw.split():
            wide = _word_width(word, font, size)
            while wide > width and len(word) > 1:  # a word wider than the column: cut it
                if line:
                    lines.append(" ".join(line))
                    line, used = [], 0.0
                cut = len(word) - 1
                while cut > 1 and _word_width(word[:cut], font, size) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                wide = _word_width(word, font, size)
            if line and used + space + wide > width:
                lines.append(" ".join(line))
                line, used = [word], wide
            else:
                used += (space if line else 0.0) + wide
                line.append(word)
        lines.append(" ".join(line))
    return lines


# -- styles -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Styles:
    kicker: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    label: ParagraphStyle
    body: ParagraphStyle
    bullet: ParagraphStyle
    note: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle


@functools.cache
def styles() -> Styles:
    register_fonts()
    body = ParagraphStyle(
        "body",
        fontName=FONT,
        fontSize=BODY_SIZE,
        leading=BODY_SIZE * 1.4,
        textColor=INK,
        alignment=TA_LEFT,
        spaceAfter=4,
        bulletFontName=FONT,
        bulletFontSize=BODY_SIZE,
    )
    cell = ParagraphStyle("cell", parent=body, fontSize=CELL_SIZE, leading=CELL_SIZE * 1.3, spaceAfter=0)
    return Styles(
        kicker=ParagraphStyle(
            "kicker", parent=body, fontName=FONT_BOLD, fontSize=12, leading=16, textColor=MUTED
        ),
        title=ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=24, leading=30, spaceAfter=2),
        subtitle=ParagraphStyle("subtitle", parent=body, fontSize=16, leading=21, spaceAfter=10),
        heading=ParagraphStyle(
            "heading",
            parent=body,
            fontName=FONT_BOLD,
            fontSize=14,
            leading=18,
            spaceBefore=14,
            spaceAfter=6,
        ),
        subheading=ParagraphStyle(
            "subheading",
            parent=body,
            fontName=FONT_BOLD,
            fontSize=12,
            leading=16,
            spaceBefore=10,
            spaceAfter=4,
        ),
        label=ParagraphStyle("label", parent=body, fontName=FONT_BOLD, spaceBefore=4, spaceAfter=2),
        body=body,
        bullet=ParagraphStyle("bullet", parent=body, leftIndent=14, bulletIndent=2, spaceAfter=2),
        note=ParagraphStyle("note", parent=body, fontName=FONT_ITALIC, textColor=MUTED),
        small=ParagraphStyle("small", parent=body, fontSize=9, leading=12, textColor=MUTED),
        cell=cell,
        cell_bold=ParagraphStyle("cell_bold", parent=cell, fontName=FONT_BOLD),
    )


def heading(text: str, style: ParagraphStyle, *, room: float = 80) -> list[Flowable]:
    """A heading (text as typed) that starts a new page unless ``room`` points are left below
    it for what follows.  (reportlab's keepWithNext would move a heading followed by a long
    table or paragraph to a new page whatever room is left.)"""
    return [CondPageBreak(room + style.leading + style.spaceBefore), Paragraph(markup(text), style)]


def bullet(text: str, style: ParagraphStyle | None = None) -> Paragraph:
    """One bulleted line of (already marked-up) text."""
    return Paragraph(text, style or styles().bullet, bulletText="•")


def key_values(pairs: Sequence[tuple[str, str]], *, label_width: float = 28 * mm) -> Table:
    """A short two-column block of labels and values ("Date: …", "Venue: …")."""
    st = styles()
    data = [[Paragraph(markup(k), st.cell_bold), Paragraph(markup(v), st.cell)] for k, v in pairs]
    table = Table(data, colWidths=[label_width, None], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


# -- tables of any length ---------------------------------------------------------------------
#: A table cell: text as typed (str), a flowable, or None for an empty cell.
Cell = object


class LongTable(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """A table with a header row repeated on every page, laid out one page at a time.

    Cells may be strings (printed as typed: escaped and wrapped) or flowables.  Only a
    window of rows a little larger than a page holds is made into a reportlab Table and
    measured at once; what is left over after a page is a new LongTable sharing the same
    rows, so the work is linear in the number of rows.

    With ``plain=True`` text cells are wrapped by :func:`wrap_lines` and drawn as plain
    lines of :data:`CELL_SIZE` type (no paragraph layout per cell): for the longest tables.
    """

    PADDING = 4  # left and right, inside each cell

    def __init__(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[Cell]],
        col_widths: Sequence[float],
        *,
        window: int = 60,
        start: int = 0,
        plain: bool = False,
        _cells: dict[int, list[object]] | None = None,
    ) -> None:
        super().__init__()
        self.header = list(header)
        self.rows = rows
        self.col_widths = list(col_widths)
        self.plain = plain
        self.window = max(window, 1)
        self.start = start
        #: Row index -> its cells as flowables, made once and shared with the remainder.
        self._cells = _cells if _cells is not None else {}
        self._measured: tuple[int, float, Table] | None = None

    def _row(self, index: int) -> list[object]:
        cells = self._cells.get(index)
        if cells is None:
            if self.plain:
                room = [width - 2 * self.PADDING for width in self.col_widths]
                cells = [
                    "\n".join(wrap_lines(value, width)) if isinstance(value, str) else self._cell(value, None)
                    for value, width in zip(self.rows[index], room, strict=True)
                ]
            else:
                style = styles().cell
                cells = [self._cell(value, style) for value in self.rows[index]]
            self._cells[index] = cells
        return cells

    @staticmethod
    def _cell(value: Cell, style: ParagraphStyle | None) -> object:
        if value is None:
            return ""
        if isinstance(value, str):
            return Paragraph(markup(value), style)
        return value

    def _table(self, stop: int, row_heights: list[float] | None = None) -> Table:
        bold = styles().cell_bold
        data = [[self._cell(h, bold) for h in self.header], *(self._row(i) for i in range(self.start, stop))]
        stripes = [colors.white, STRIPE_FILL] if self.start % 2 == 0 else [STRIPE_FILL, colors.white]
        table = Table(data, colWidths=self.col_widths, rowHeights=row_heights, repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
                    ("ROWBACKGROUNDS", (0, 1), (-1, -1), stripes),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, RULE),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
                    ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                    ("LEFTPADDING", (0, 0), (-1, -1), self.PADDING),
                    ("RIGHTPADDING", (0, 0), (-1, -1), self.PADDING),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                    # plain text cells (plain=True) in the cell style's type and colour
                    *(
                        [
                            ("FONT", (0, 1), (-1, -1), FONT, CELL_SIZE, CELL_SIZE * 1.3),
                            ("TEXTCOLOR", (0, 1), (-1, -1), INK),
                        ]
                        if self.plain
                        else []
                    ),
                ]
            )
        )
        return table

    def _measure(self, avail_width: float, avail_height: float) -> tuple[int, Table]:
        """The window's table, wrapped (reused between wrap and split of the same window)."""
        stop = min(len(self.rows), self.start + self.window)
        if self._measured is not None and self._measured[:2] == (stop, avail_width):
            return stop, self._measured[2]
        table = self._table(stop)
        table.wrap(avail_width, avail_height)
        self._measured = (stop, avail_width, table)
        return stop, table

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        stop, table = self._measure(avail_width, avail_height)
        width, height = table._width, table._height
        if stop < len(self.rows):
            # Rows beyond the window are not measured: never claim to fit, so the frame
            # asks for a split and only a page's worth is laid out.
            height = max(height, avail_height + 1)
        self.width, self.height = width, height
        return width, height

    def draw(self) -> None:
        assert self._measured is not None
        self._measured[2].drawOn(self.canv, 0, 0)

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        while True:
            stop, table = self._measure(avail_width, avail_height)
            heights: list[float] = list(table._rowHeights)  # measured by wrap
            used, fits = heights[0], 0
            for height in heights[1:]:
                if used + height > avail_height:
                    break
                used += height
                fits += 1
            if self.start + fits < stop or stop >= len(self.rows):
                break
            self.window *= 2  # the whole window fitted: measure more rows, or a header
            # row would be repeated in the middle of the page
        if fits == 0:
            return []  # not even one row here: the next frame
        end = self.start + fits
        first = self._table(end, heights[: fits + 1])  # heights as measured: not wrapped again
        for index in range(self.start, end):
            self._cells.pop(index, None)  # the first part holds them now
        if end >= len(self.rows):
            return [first]
        rest = LongTable(
            self.header,
            self.rows,
            self.col_widths,
            window=max(fits + fits // 2 + 10, 20),
            start=end,
            plain=self.plain,
            _cells=self._cells,
        )
        return [first, rest]


# -- pages ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PageSetup:
    """What every page of a document shows around its content."""

    organisation: str
    title: str  # the document's title: in the header, and the PDF's own title
    subject: str = ""
    footer: str = ""  # printed at the bottom left of every page
    landscape: bool = False
    #: Same input, same bytes (no creation time or random id in the file): for frozen returns.
    invariant: bool = False
    keywords: tuple[str, ...] = field(default=())

    @property
    def pagesize(self) -> tuple[float, float]:
        size: tuple[float, float] = landscape(A4) if self.landscape else A4
        return size

    @property
    def frame_width(self) -> float:
        width: float = self.pagesize[0] - 2 * MARGIN
        return width


#: Something to draw on a page once the document is laid out: called with the canvas (at the
#: page, untransformed) and the number of pages.
LateDrawing = Callable[[Canvas, int], None]


def defer(canvas: Canvas, draw: LateDrawing) -> None:
    """Have ``draw`` called on the canvas's current page when the whole document has been
    laid out, before the footer is drawn; for a canvas made by :func:`build` only.  Draw in
    page coordinates (``canvas.absolutePosition`` turns a flowable's into them)."""
    late: dict[int, list[LateDrawing]] = canvas._late_drawings
    late.setdefault(canvas.getPageNumber(), []).append(draw)


def _canvas_class(setup: PageSetup, pages: list[int]) -> type[Canvas]:
    """A canvas that holds its pages back until the end, so each can say "Page n of m"."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab is untyped
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []
            self._late_drawings: dict[int, list[LateDrawing]] = {}

        def showPage(self) -> None:
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for state in self._held:
                self.__dict__.update(state)
                for draw in self._late_drawings.get(self.getPageNumber(), ()):
                    self.saveState()
                    draw(self, total)
                    self.restoreState()
                _draw_footer(self, setup, total)
                super().showPage()
            pages.append(total)
            super().save()

    return NumberedCanvas


def _draw_header(canvas: Canvas, setup: PageSetup) -> None:
    width, height = setup.pagesize
    top = height - MARGIN + 8 * mm
    canvas.saveState()
    canvas.setFillColor(INK)
    canvas.setFont(FONT_BOLD, HEADER_SIZE)
    right = printable(setup.title)
    right_width = pdfmetrics.stringWidth(right, FONT, HEADER_SIZE)
    org = _fit(printable(setup.organisation), FONT_BOLD, HEADER_SIZE, width - 2 * MARGIN - right_width - 12)
    canvas.drawString(MARGIN, top, org)
    canvas.setFont(FONT, HEADER_SIZE)
    canvas.setFillColor(MUTED)
    canvas.drawRightString(width - MARGIN, top, right)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, top - 3 * mm, width - MARGIN, top - 3 * mm)
    canvas.restoreState()


def _draw_footer(canvas: Canvas, setup: PageSetup, total: int) -> None:
    width, _ = setup.pagesize
    bottom = MARGIN - 10 * mm
    number = f"Page {canvas.getPageNumber()} of {total}"
    canvas.saveState()
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, bottom + 4 * mm, width - MARGIN, bottom + 4 * mm)
    canvas.setFont(FONT, HEADER_SIZE)
    canvas.setFillColor(MUTED)
    canvas.drawRightString(width - MARGIN, bottom, number)
    if setup.footer:
        room = width - 2 * MARGIN - pdfmetrics.stringWidth(number, FONT, HEADER_SIZE) - 12
        canvas.drawString(MARGIN, bottom, _fit(printable(setup.footer), FONT, HEADER_SIZE, room))
    canvas.restoreState()


def _fit(text: str, font: str, size: float, room: float) -> str:
    """``text``, shortened with "…" to fit ``room`` points."""
    if pdfmetrics.stringWidth(text, font, size) <= room:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def build(path: Path, story: list[Flowable], setup: PageSetup) -> int:
    """Lay out ``story`` on A4 pages with the header and numbered footer, and write it to
    ``path`` atomically; the number of pages."""
    register_fonts()
    pages: list[int] = []

    def on_page(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        _draw_header(canvas, setup)

    def write(fh: IO[bytes]) -> None:
        pages.clear()
        _, height = setup.pagesize
        doc = BaseDocTemplate(
            fh,
            pagesize=setup.pagesize,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=printable(setup.title),
            author=printable(setup.organisation),
            subject=printable(setup.subject),
            creator="vcsedesk",
            keywords=list(setup.keywords),
            invariant=1 if setup.invariant else 0,
        )
        frame = Frame(
            MARGIN,
            MARGIN,
            setup.frame_width,
            height - 2 * MARGIN,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])
        doc.build(story or [Spacer(1, 1)], canvasmaker=_canvas_class(setup, pages))

    write_atomically(Path(path), write)
    return pages[-1] if pages else 0
