"""The dashboard's charts: each a QtCharts bar chart with a "Show as table" twin.

A :class:`ChartPanel` holds a titled chart and a table of the same figures, one in front of
the other; the toggle (a check box, reached by Tab) swaps them.  Clicking a bar, or pressing
Enter (or double-clicking) on a row of the table, asks for the records behind that figure
with :attr:`ChartPanel.open_figure` ``(ref, title)`` — ``ref`` is whatever the panel's owner
gave for that figure (the dashboard's own charts give a ``FigureRef``).

The bars never carry meaning by colour alone: a chart with two series has a legend, and the
second series is hatched as well as coloured (a series may bring its own colour and pattern).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QHorizontalStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QLocale, QMargins, QModelIndex, QObject, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent, QPainter, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.table_model import AnyIndex, ReadOnlyTableModel

#: More bars than this and their values are left to the table (they would overlap).
MAX_VALUE_LABELS = 24
#: Category labels longer than this are shortened on the chart (the table has them whole).
LABEL_CHARS = 30
#: The first series' colour and the second's (hatched too): readable on light and dark.
FIRST_COLOUR = QColor("#1f6fb2")
SECOND_COLOUR = QColor("#d9822b")


def number_text(value: int) -> str:
    """``value`` with the locale's digit grouping (thousands separated even in the C locale)."""
    locale = QLocale()
    if locale.language() == QLocale.Language.C:
        return f"{value:,}"
    return locale.toString(value)


def shorten(text: str, limit: int = LABEL_CHARS) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis; a theme path too long to show
    whole keeps its last part ("… › Getting a GP appointment")."""
    if len(text) <= limit:
        return text
    if " › " in text:
        text = "… › " + text.rsplit(" › ", 1)[1]
        if len(text) <= limit:
            return text
    return text[: limit - 1] + "…"


# -- the table twin ---------------------------------------------------------------------------
@dataclass(frozen=True)
class FigureRow:
    """One row of a chart's table: what it shows, and which records each cell stands for
    (``ref``/``title`` for the row; ``cells_open`` overrides them column by column)."""

    cells: tuple[str | int, ...]
    ref: object
    title: str
    cells_open: dict[int, tuple[object, str]] = field(default_factory=dict)

    def target(self, column: int) -> tuple[object, str]:
        return self.cells_open.get(column, (self.ref, self.title))


class FigureTableModel(ReadOnlyTableModel):
    """The figures of one chart as rows; numbers (and the columns ``right_aligned``, such as
    sums of money given as text) right-aligned, numbers grouped by the locale."""

    def __init__(
        self, headers: list[str], parent: QObject | None = None, *, right_aligned: Collection[int] = ()
    ) -> None:
        super().__init__(headers, parent)
        self.rows: list[FigureRow] = []
        self.right_aligned = frozenset(right_aligned)

    def row_count(self) -> int:
        return len(self.rows)

    def set_rows(self, rows: Sequence[FigureRow], headers: list[str] | None = None) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        if headers is not None:
            self.headers = headers
        self.endResetModel()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.TextAlignmentRole
            and orientation == Qt.Orientation.Horizontal
            and section in self.right_aligned
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return super().headerData(section, orientation, role)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if not 0 <= index.column() < len(row.cells):
            return None
        value = row.cells[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return number_text(value) if isinstance(value, int) else value
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if isinstance(value, int) or index.column() in self.right_aligned:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tr("Press Enter to open the records behind “{title}”").format(
                title=row.target(index.column())[1]
            )
        if role == Qt.ItemDataRole.UserRole:
            return row.target(index.column())
        return None


class FigureTable(QTableView):
    """Enter (or a double-click) opens the records behind the current cell."""

    open_requested = Signal(QModelIndex)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            if self.currentIndex().isValid():
                self.open_requested.emit(self.currentIndex())
            return
        super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: Any) -> None:
        index = self.indexAt(event.position().toPoint())
        if index.isValid():
            self.setCurrentIndex(index)
            self.open_requested.emit(index)
            return
        super().mouseDoubleClickEvent(event)


# -- the panel --------------------------------------------------------------------------------
@dataclass
class BarSeriesSpec:
    """One series of bars: its name, a value per category, and what each bar opens; its
    colour and brush pattern if not the panel's (first series solid, others hatched)."""

    name: str
    values: list[int]
    targets: Sequence[tuple[object, str]]
    colour: QColor | None = None
    pattern: Qt.BrushStyle | None = None


class ChartPanel(QFrame):
    """A titled chart, its "Show as table" toggle and the table of the same figures."""

    open_figure = Signal(object, str)

    def __init__(
        self,
        title: str,
        accessible: str,
        headers: list[str],
        parent: QWidget | None = None,
        *,
        right_aligned: Collection[int] = (),
    ) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = title
        self.title_label = QLabel(title)
        self.title_label.setFont(heading_font(self.font(), 1.15))
        self.title_label.setAccessibleName(title)
        self.toggle = QCheckBox(self.tr("Show as table"))
        self.toggle.setAccessibleName(self.tr("Show “{title}” as a table").format(title=title))
        self.toggle.toggled.connect(self._toggled)

        self.chart_view = QChartView()
        self.chart_view.setAccessibleName(accessible)
        self.chart_view.setAccessibleDescription(
            self.tr("A bar chart. Click a bar to open the records behind it, or tick “Show as table”.")
        )
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.chart_view.setMinimumHeight(self.fontMetrics().height() * 18)
        self.chart_view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        self.model = FigureTableModel(headers, self, right_aligned=right_aligned)
        self.table = FigureTable()
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("{title}, as a table").format(title=title))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.table.open_requested.connect(self._open_index)

        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setAccessibleName(self.tr("{title}: nothing to show").format(title=title))

        self.stack = QStackedWidget()
        self.stack.addWidget(self.chart_view)
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty_label)

        top = QHBoxLayout()
        top.addWidget(self.title_label, 1)
        top.addWidget(self.toggle)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        self._empty = True
        self._category_axis: QBarCategoryAxis | None = None
        #: The category axis of a horizontal bar chart (labels stacked down the left side).
        self._side_axis: QBarCategoryAxis | None = None
        self._labels: list[str] = []
        self._show()

    # -- content -----------------------------------------------------------------------------
    def set_bars(
        self,
        categories: list[str],
        series: list[BarSeriesSpec],
        rows: Sequence[FigureRow],
        *,
        horizontal: bool = False,
        stacked: bool = False,
        empty_text: str = "",
        value_scale: int = 1,
        value_format: str = "%d",
        value_title: str = "",
        label_chars: int = LABEL_CHARS,
    ) -> None:
        """Draw ``series`` over ``categories`` (top to bottom when ``horizontal``) and put
        ``rows`` in the table.  The bars are the values divided by ``value_scale`` (pence
        drawn as pounds: 100), the value axis labelled with ``value_format`` (printf-style,
        ASCII only) and titled ``value_title``; category labels longer than ``label_chars``
        are shortened."""
        self.model.set_rows(rows)
        self._empty = not categories or not any(v for s in series for v in s.values)
        self.empty_label.setText(empty_text)
        chart = QChart()
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.setBackgroundRoundness(0)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setBackgroundBrush(self.palette().brush(QPalette.ColorRole.Base))
        chart.setTitleBrush(self.palette().brush(QPalette.ColorRole.Text))
        bars: QAbstractBarSeries
        if horizontal:
            bars = QHorizontalStackedBarSeries() if stacked else QHorizontalBarSeries()
        else:
            bars = QBarSeries()
        # A horizontal chart draws its first category at the bottom: reverse, so the first
        # (the largest) is on top, as it is in the table.
        order = list(reversed(range(len(categories)))) if horizontal else list(range(len(categories)))
        label_font = QFont(self.font())
        if len(series) > 1 and label_font.pointSizeF() > 0:
            label_font.setPointSizeF(label_font.pointSizeF() * 0.85)
        for number, spec in enumerate(series):
            bar_set = QBarSet(spec.name)
            bar_set.append([spec.values[i] / value_scale for i in order])
            colour = (
                spec.colour if spec.colour is not None else (FIRST_COLOUR if number == 0 else SECOND_COLOUR)
            )
            pattern = spec.pattern
            if pattern is None:
                pattern = Qt.BrushStyle.BDiagPattern if number else Qt.BrushStyle.SolidPattern
            bar_set.setColor(colour)
            bar_set.setBorderColor(colour.darker(130))
            if pattern != Qt.BrushStyle.SolidPattern:
                bar_set.setBrush(QBrush(colour, pattern))
            bar_set.setLabelColor(self.palette().color(QPalette.ColorRole.Text))
            bar_set.setLabelFont(label_font)
            targets = [spec.targets[i] for i in order]
            bar_set.clicked.connect(lambda index, targets=targets: self._open_bar(targets, index))
            bars.append(bar_set)
        # Values beside the bars, except on stacked bars, where small parts' labels would
        # overlap, or when there are many bars (the table has every number).
        bars.setLabelsVisible(not stacked and len(categories) * len(series) <= MAX_VALUE_LABELS)
        bars.setLabelsPosition(QAbstractBarSeries.LabelsPosition.LabelsOutsideEnd)
        bars.setLabelsFormat("@value")
        bars.setBarWidth(0.8 if len(series) > 1 else 0.6)
        chart.addSeries(bars)
        category_axis = QBarCategoryAxis()
        category_axis.append([shorten(categories[i], label_chars) for i in order] or [""])
        value_axis = QValueAxis()
        value_axis.setLabelFormat(value_format)
        if value_title:
            value_axis.setTitleText(value_title)
            value_axis.setTitleBrush(self.palette().brush(QPalette.ColorRole.Text))
            value_axis.setTitleFont(self.font())
        heights = [
            sum(s.values[i] for s in series) if stacked else max(s.values[i] for s in series)
            for i in range(len(categories))
        ]
        top = max(heights, default=0) if series else 0
        value_axis.setRange(0, max(4, top * 1.15 / value_scale))
        value_axis.applyNiceNumbers()
        value_axis.setMinorTickCount(0)
        category_axis.setTruncateLabels(False)
        for axis in (category_axis, value_axis):
            axis.setLabelsBrush(self.palette().brush(QPalette.ColorRole.Text))
            axis.setLabelsFont(self.font())
        self._category_axis = None if horizontal else category_axis
        self._side_axis = category_axis if horizontal else None
        self._labels = [shorten(categories[i], label_chars) for i in order]
        if horizontal:
            chart.addAxis(category_axis, Qt.AlignmentFlag.AlignLeft)
            chart.addAxis(value_axis, Qt.AlignmentFlag.AlignBottom)
        else:
            chart.addAxis(category_axis, Qt.AlignmentFlag.AlignBottom)
            chart.addAxis(value_axis, Qt.AlignmentFlag.AlignLeft)
        bars.attachAxis(category_axis)
        bars.attachAxis(value_axis)
        legend = chart.legend()
        legend.setVisible(len(series) > 1)
        legend.setAlignment(Qt.AlignmentFlag.AlignBottom)
        legend.setFont(self.font())
        legend.setLabelColor(self.palette().color(QPalette.ColorRole.Text))
        self.chart_view.setChart(chart)
        self._fit_labels()
        self._show()

    def _fit_side_labels(self) -> None:
        """Labels down the side of horizontal bars in a smaller type when there are more
        than fit one above the other in the normal type (QtCharts would drop every other
        one), down to three quarters of it; past that the table has them all."""
        axis = self._side_axis
        if axis is None or not self._labels:
            return
        font = self.font()
        metrics = self.fontMetrics()
        legend = metrics.height() * 5  # the value axis, the legend and the margins
        room = max(1.0, (self.chart_view.height() - legend) / len(self._labels))
        needed = metrics.height() * 1.25  # QtCharts keeps a gap between labels, or drops one
        if needed > room and font.pointSizeF() > 0:
            font.setPointSizeF(max(font.pointSizeF() * 0.7, font.pointSizeF() * room / needed))
        if axis.labelsFont() != font:
            axis.setLabelsFont(font)

    def _fit_labels(self) -> None:
        """Labels under the bars side by side when they fit; else upright, and if even then
        too many to fit, only every second (third, …) one (the table has them all)."""
        self._fit_side_labels()
        axis = self._category_axis
        if axis is None or not self._labels:
            return
        metrics = self.fontMetrics()
        room = max(1, self.chart_view.width() - metrics.averageCharWidth() * 10)
        needed = sum(
            metrics.horizontalAdvance(label) + metrics.averageCharWidth() * 2 for label in self._labels
        )
        if needed <= room:
            labels, angle = list(self._labels), 0
        else:
            step = math.ceil(len(self._labels) * (metrics.height() + 4) / room)
            # Categories must differ: the labels left out are blanks of different lengths.
            labels = [label if i % step == 0 else " " * (i + 1) for i, label in enumerate(self._labels)]
            angle = -90
        if axis.categories() != labels:
            axis.setCategories(labels)
        if axis.labelsAngle() != angle:
            axis.setLabelsAngle(angle)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_labels()

    @property
    def chart(self) -> QChart:
        return self.chart_view.chart()

    @property
    def showing_table(self) -> bool:
        return self.stack.currentWidget() is self.table

    def set_empty_text(self, text: str) -> None:
        self.empty_label.setText(text)

    # -- internals ---------------------------------------------------------------------------
    def _show(self) -> None:
        if self._empty and self.empty_label.text():
            self.stack.setCurrentWidget(self.empty_label)
        elif self.toggle.isChecked():
            self.stack.setCurrentWidget(self.table)
        else:
            self.stack.setCurrentWidget(self.chart_view)

    @Slot(bool)
    def _toggled(self, on: bool) -> None:
        self._show()
        if on and self.showing_table:
            if not self.table.currentIndex().isValid() and self.model.rowCount():
                self.table.setCurrentIndex(self.model.index(0, 0))
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _open_bar(self, targets: list[tuple[object, str]], index: int) -> None:
        if 0 <= index < len(targets):
            ref, title = targets[index]
            self.open_figure.emit(ref, title)

    @Slot(QModelIndex)
    def _open_index(self, index: QModelIndex) -> None:
        target = index.data(Qt.ItemDataRole.UserRole)
        if target is not None:
            ref, title = target
            self.open_figure.emit(ref, title)
