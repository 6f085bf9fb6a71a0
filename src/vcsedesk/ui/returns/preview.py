"""A return's content on screen, section by section in the template's order.

Every number is in a table, and every cell with a ``ref`` is underlined and opens the records
behind it: Enter on the focused cell, or a double-click (``ref_activated``).  A quote opens
the engagement it was said at (``quote_activated``).  Suppressed cells read as printed ("<5",
"*"), with the suppression note under the section; theme changes say "▲ 3 more" / "▼ 2 fewer"
in words; money is in pounds.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QLocale, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.claims import pence_text
from vcsedesk.domain.returns import (
    PRIMARY_MARK,
    SECONDARY_MARK,
    ActionsSection,
    CountTable,
    DemographicsSection,
    Figure,
    NarrativeSection,
    QuotesSection,
    ReachSection,
    ReimbursementsSection,
    ThemesSection,
)
from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.returns.models import Cell, CellsModel, RefRole
from vcsedesk.ui.widgets import tidy_table

if TYPE_CHECKING:
    from vcsedesk.domain.returns import ReturnContent, Section

#: A preview table shows at most this many rows before it scrolls.
MAX_ROWS = 14
#: Tables longer than this are not word-wrapped (each row one line; the tooltip has it all).
WRAP_ROWS = 300


def number(n: int) -> str:
    return QLocale().toString(n)


class RefTable(QTableView):
    """A table of a preview: cell by cell (arrows move, Tab leaves); Enter or a double-click on a
    cell with a ref emits ``ref_activated``; on a quote, ``quote_activated``."""

    ref_activated = Signal(str)
    quote_activated = Signal(object)

    def __init__(self, model: CellsModel, name: str, *, wrap: bool = False, compact: bool = True) -> None:
        super().__init__()
        self.compact = compact
        self.setModel(model)
        self.setAccessibleName(name)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.setWordWrap(wrap)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        tidy_table(self)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(not compact)
        self.quote_ids: dict[int, uuid.UUID] = {}
        self.doubleClicked.connect(self.activate)
        if model.rowCount():  # where the keyboard starts, without a highlight until then
            self.selectionModel().setCurrentIndex(
                model.index(0, 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.activate(self.currentIndex())
            return
        super().keyPressEvent(event)

    def activate(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        ref = index.data(RefRole)
        if ref:
            self.ref_activated.emit(str(ref))
            return
        quote = self.quote_ids.get(index.row())
        if quote is not None:
            self.quote_activated.emit(quote)

    def fit(self) -> None:
        """As tall as its rows (up to :data:`MAX_ROWS` lines), so no empty space shows; a
        compact table is as wide as its columns."""
        rows = self.model().rowCount()
        chars = self.fontMetrics().averageCharWidth()
        if self.compact:
            self.resizeColumnsToContents()
            if self.columnWidth(0) > chars * 48:
                self.setColumnWidth(0, chars * 48)
            for column in range(1, self.model().columnCount()):
                self.setColumnWidth(column, max(self.columnWidth(column), chars * 10))
        if self.wordWrap():
            if rows > WRAP_ROWS:  # sizing thousands of wrapped rows would stall the window
                self.setWordWrap(False)
            else:
                self.resizeRowsToContents()
        line = self.verticalHeader().defaultSectionSize()
        heights = [self.rowHeight(r) for r in range(rows)]
        body = min(sum(heights) if heights else line, line * MAX_ROWS)
        scrolls = sum(heights) > body
        self.setFixedHeight(self.horizontalHeader().sizeHint().height() + body + 2 * self.frameWidth() + 2)
        if self.compact:
            bar = self.verticalScrollBar().sizeHint().width() if scrolls else 0
            self.setFixedWidth(self.horizontalHeader().length() + 2 * self.frameWidth() + 2 + bar)


class ReturnPreview(QWidget):
    """The sections of a :class:`ReturnContent`, rebuilt by :meth:`show_content`."""

    ref_activated = Signal(str)
    quote_activated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Preview of the return"))
        self.outer = QVBoxLayout(self)
        self.body: QWidget | None = None
        #: The tables shown, by a name such as "reach", "reach.by_type", "themes" (tests use it).
        self.tables: dict[str, RefTable] = {}
        self.content: ReturnContent | None = None
        self.frozen = False

    # -- building ------------------------------------------------------------------------------
    def clear(self) -> None:
        if self.body is not None:
            self.outer.removeWidget(self.body)
            self.body.hide()
            self.body.deleteLater()
            self.body = None
        self.tables = {}

    def show_content(self, content: ReturnContent, *, frozen: bool = False) -> None:
        self.clear()
        self.content = content
        self.frozen = frozen
        body = QWidget()
        self.layout_ = QVBoxLayout(body)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        cover = QLabel(content.title)
        cover.setFont(heading_font(self.font(), 1.3))
        cover.setWordWrap(True)
        cover.setAccessibleName(self.tr("Title of the return"))
        self.layout_.addWidget(cover)
        if content.intro:
            self._text(content.intro, self.tr("Introduction"))
        for position, section in enumerate(content.sections):
            self._section(position, section)
        if not content.sections:
            self._text(self.tr("The template of this return has no sections."), self.tr("No sections"))
        self.layout_.addStretch(1)
        self.body = body
        self.outer.addWidget(body)
        for table in self.tables.values():
            table.fit()

    def _section(self, position: int, section: Section) -> None:
        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Sunken)
        self.layout_.addWidget(rule)
        heading = QLabel(section.heading)
        heading.setFont(heading_font(self.font(), 1.15))
        heading.setWordWrap(True)
        heading.setAccessibleName(self.tr("Section: {heading}").format(heading=section.heading))
        self.layout_.addWidget(heading)
        if section.intro:
            self._text(section.intro, self.tr("About this section"))
        if isinstance(section, ReachSection):
            self._reach(section)
        elif isinstance(section, DemographicsSection):
            self._demographics(section)
        elif isinstance(section, ThemesSection):
            self._themes(section)
        elif isinstance(section, QuotesSection):
            self._quotes(section)
        elif isinstance(section, ReimbursementsSection):
            self._reimbursements(section)
        elif isinstance(section, ActionsSection):
            self._actions(section, position)
        elif isinstance(section, NarrativeSection):
            self._narrative(section, position)

    def _text(self, text: str, name: str, *, italic: bool = False, bold: bool = False) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setAccessibleName(name)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if italic or bold:
            font = label.font()
            font.setItalic(italic)
            font.setBold(bold)
            label.setFont(font)
        self.layout_.addWidget(label)
        return label

    def _caption(self, text: str) -> QLabel:
        label = self._text(text, text, bold=True)
        return label

    def _table(
        self,
        key: str,
        caption: str,
        headers: Sequence[str],
        rows: Sequence[Sequence[Cell]],
        *,
        empty: str = "",
        wrap: bool = False,
        widths: Sequence[int] = (),
        compact: bool = True,
    ) -> RefTable | None:
        if caption:
            self._caption(caption)
        if not rows:
            self._text(
                empty or self.tr("Nothing to show."),
                self.tr("{what}: nothing to show").format(what=caption or key),
                italic=True,
            )
            return None
        model = CellsModel(headers, rows)
        table = RefTable(model, caption or key, wrap=wrap, compact=compact)
        model.setParent(table)
        chars = table.fontMetrics().averageCharWidth()
        for column, width in enumerate(widths):
            if width:
                table.setColumnWidth(column, chars * width)
        table.ref_activated.connect(self.ref_activated)
        table.quote_activated.connect(self.quote_activated)
        self.layout_.addWidget(table)
        self.tables[key] = table
        return table

    # -- cells ---------------------------------------------------------------------------------
    def _figure(self, figure: Figure, label: str | None = None) -> list[Cell]:
        return [Cell(label or figure.label), Cell(number(figure.value), figure.ref, right=True)]

    def _shown(self, text: str, ref: str, total: bool) -> Cell:
        if text.startswith(PRIMARY_MARK):
            return Cell(
                text,
                ref,
                tip=self.tr("A small number, hidden to protect privacy"),
                right=True,
                bold=total,
                spoken=self.tr("fewer than {n}").format(n=text[len(PRIMARY_MARK) :]),
            )
        if text == SECONDARY_MARK:
            return Cell(
                text,
                ref,
                tip=self.tr("Hidden so that a small number cannot be worked out from the totals"),
                right=True,
                bold=total,
                spoken=self.tr("hidden"),
            )
        return Cell(text, ref, right=True, bold=total)

    def _count_table(self, key: str, table: CountTable) -> None:
        # A table of one column has row totals equal to it: they are not repeated.
        single = len(table.columns) <= 1
        if single:
            headers = [table.row_heading, table.columns[0] if table.columns else self.tr("People")]
        else:
            headers = [table.row_heading, *table.columns, self.tr("Total")]
        labels = [*table.rows, self.tr("Total")]
        shown_rows = list(table.shown)
        refs_rows = list(table.refs) if len(table.refs) == len(table.shown) else []
        if len(shown_rows) < len(labels):  # an empty table: its total row alone
            labels = labels[-len(shown_rows) :] if shown_rows else []
        rows: list[list[Cell]] = []
        for r, label in enumerate(labels):
            total_row = r == len(labels) - 1
            shown = shown_rows[r][:1] if single else shown_rows[r]
            refs = refs_rows[r] if r < len(refs_rows) else ()
            cells = [Cell(label, bold=total_row)]
            for c, text in enumerate(shown):
                total = total_row or (not single and c == len(shown) - 1)
                cells.append(self._shown(text, refs[c] if c < len(refs) else "", total))
            rows.append(cells)
        self._table(key, table.title, headers, rows)
        if table.note:
            self._text(table.note, self.tr("Note on {title}").format(title=table.title), italic=True)

    # -- sections ------------------------------------------------------------------------------
    def _reach(self, s: ReachSection) -> None:
        rows = [
            self._figure(s.engagements, self.tr("Engagements")),
            self._figure(s.people_reached, self.tr("People reached")),
            self._figure(s.named_people, self.tr("Named people taking part")),
            self._figure(s.headcount, self.tr("Counted without names (head-count)")),
            self._figure(s.online, self.tr("Engagements held online")),
        ]
        self._table("reach", self.tr("In figures"), [self.tr("Figure"), self.tr("Number")], rows)
        self._table(
            "reach.by_type",
            self.tr("Engagements by type"),
            [self.tr("Type"), self.tr("Engagements")],
            [self._figure(f) for f in s.by_type],
            empty=self.tr("No engagements in this period."),
        )
        self._table(
            "reach.by_ward",
            self.tr("Where engagements were held"),
            [self.tr("Ward"), self.tr("Engagements")],
            [self._figure(f) for f in s.by_ward],
            empty=self.tr("No engagements in this period."),
        )
        if s.headcount_groups:
            self._table(
                "reach.groups",
                self.tr("Head-counts by group"),
                [self.tr("Group"), self.tr("People")],
                [self._figure(f) for f in s.headcount_groups],
            )
        self._count_table("reach.people_by_ward", s.people_by_ward)
        if s.seldom_heard is not None:
            self._count_table("reach.seldom_heard", s.seldom_heard)
        if self._suppressed(s.people_by_ward, s.seldom_heard):
            self._suppression_note()

    def _suppressed(self, *tables: CountTable | None) -> bool:
        return any(t is not None and (t.hidden_small or t.hidden_other) for t in tables)

    def _suppression_note(self) -> None:
        if self.content is not None:
            self._text(self.content.suppression_note, self.tr("About hidden numbers"), italic=True)

    def _demographics(self, s: DemographicsSection) -> None:
        self._text(
            self.tr("Every table counts the {n} named people reached.").format(n=number(s.people)),
            self.tr("Who the tables count"),
        )
        for i, table in enumerate(s.tables):
            self._count_table(f"demographics.{i}", table)
        if not s.tables:
            self._text(self.tr("The template asks for no tables."), self.tr("No tables"), italic=True)
        if self._suppressed(*s.tables):
            self._suppression_note()

    def _change(self, change: int | None, previous: int | None) -> Cell:
        if change is None:
            return Cell("")
        if previous == 0 and change > 0:
            return Cell(self.tr("▲ new ({n} more)").format(n=number(change)))
        if change > 0:
            return Cell(self.tr("▲ {n} more").format(n=number(change)))
        if change < 0:
            return Cell(self.tr("▼ {n} fewer").format(n=number(-change)))
        return Cell(self.tr("= no change"))

    def _themes(self, s: ThemesSection) -> None:
        compared = bool(s.previous_label)
        headers = [self.tr("Theme"), self.tr("Engagements")]
        if compared:
            headers += [s.previous_label, self.tr("Change")]
        rows = []
        for rank in s.themes:
            row = [Cell(rank.theme), Cell(number(rank.count), rank.ref, right=True)]
            if compared:
                previous = "" if rank.previous is None else number(rank.previous)
                row += [Cell(previous, right=True), self._change(rank.change, rank.previous)]
            rows.append(row)
        self._table(
            "themes",
            "",
            headers,
            rows,
            empty=self.tr("No themes were recorded in this period."),
        )

    def _quotes(self, s: QuotesSection) -> None:
        rows = [
            [Cell(f"“{q.text}”"), Cell(q.attribution), Cell(q.context), Cell("; ".join(q.themes))]
            for q in s.quotes
        ]
        table = self._table(
            "quotes",
            "",
            [self.tr("Quote"), self.tr("Said by"), self.tr("Context"), self.tr("Themes")],
            rows,
            empty=self.tr("No quotes to print: none that may be shared, or none chosen."),
            wrap=True,
            widths=(60, 16, 22),
            compact=False,
        )
        if table is not None:
            for row, q in enumerate(s.quotes):
                if q.quote_id:
                    try:
                        table.quote_ids[row] = uuid.UUID(q.quote_id)
                    except ValueError:
                        continue
            table.setToolTip(self.tr("Enter or a double-click opens the engagement a quote was said at."))

    def _money(self, label: str, pence: int, ref: str) -> list[Cell]:
        return [Cell(label), Cell(pence_text(pence), ref, right=True)]

    def _reimbursements(self, s: ReimbursementsSection) -> None:
        rows = [
            self._figure(s.people_paid, self.tr("People paid")),
            self._figure(s.claims_paid, self.tr("Claims paid")),
            self._money(self.tr("Total paid"), s.total.pence, s.total.ref),
            *(self._money(m.label, m.pence, m.ref) for m in s.by_category),
            self._figure(s.declined, self.tr("Claims declined or donated")),
        ]
        self._table("reimbursements", "", [self.tr("What"), self.tr("Amount")], rows)

    def _actions(self, s: ActionsSection, position: int) -> None:
        self._table(
            "actions.by_status",
            self.tr("Actions by status"),
            [self.tr("Status"), self.tr("Actions")],
            [self._figure(f) for f in s.by_status],
            empty=self.tr("No actions came from this period's engagements or meetings."),
        )
        if s.actions:
            self._table(
                "actions",
                self.tr("The actions"),
                [self.tr("Action"), self.tr("Status"), self.tr("Due"), self.tr("Outcome"), self.tr("From")],
                [
                    [Cell(a.title, a.ref), Cell(a.status), Cell(a.due), Cell(a.outcome), Cell(a.source)]
                    for a in s.actions
                ],
                wrap=True,
                widths=(36, 12, 12, 30),
                compact=False,
            )
        if s.responses:
            self._table(
                "actions.responses",
                self.tr("You said, we did"),
                [
                    self.tr("Theme"),
                    self.tr("You said"),
                    self.tr("We did"),
                    self.tr("Decision"),
                    self.tr("Date"),
                ],
                [
                    [Cell(r.theme), Cell(r.you_said), Cell(r.we_did), Cell(r.decision), Cell(r.responded_on)]
                    for r in s.responses
                ],
                wrap=True,
                widths=(24, 30, 30, 20),
                compact=False,
            )

    def _narrative(self, s: NarrativeSection, position: int) -> None:
        for answer in s.answers:
            self._text(answer.question, self.tr("Question"), bold=True)
            if answer.text:
                self._text(answer.text, self.tr("Answer to “{question}”").format(question=answer.question))
            else:
                self._text(
                    self.tr("Not answered.")
                    if self.frozen
                    else self.tr("Not answered yet: write the answer on the Answers tab."),
                    self.tr("Answer to “{question}”").format(question=answer.question),
                    italic=True,
                )
