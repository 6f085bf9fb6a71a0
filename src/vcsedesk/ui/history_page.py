"""History: every change to the data, newest first, and "Undo my last change".

The table model holds the rows fetched so far and fetches the next page of ~200 through the
worker when the view scrolls near the end (``canFetchMore`` / ``fetchMore``), after Anki's
``browser/table/model.py``.  Any change anywhere reloads it from the top.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QDateTime,
    QLocale,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.table_model import AnyIndex, ReadOnlyTableModel

if TYPE_CHECKING:
    from vcsedesk.services.base import Changes
    from vcsedesk.store.database import Database
    from vcsedesk.store.quickread import FirstLook, HistoryRow
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

PAGE_SIZE = 200
#: Day, month name, year and time: unambiguous in every locale (month names are localised).
WHEN_FORMAT = "d MMM yyyy  HH:mm"


def _first_page(db: Database) -> tuple[int, list[HistoryRow]]:
    from vcsedesk.services import history

    return history.count(db), history.page(db, 0, PAGE_SIZE)


def _next_page(db: Database, offset: int) -> list[HistoryRow]:
    from vcsedesk.services import history

    return history.page(db, offset, PAGE_SIZE)


class HistoryModel(ReadOnlyTableModel):
    """Journal entries, newest first, fetched a page at a time through the worker."""

    WHEN, WHO, DEVICE, WHAT = range(4)
    #: Emitted after a load or a page has arrived and been added.
    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [self.tr("When"), self.tr("Who"), self.tr("Device"), self.tr("What")]
        self.ctx = ctx
        self.rows: list[HistoryRow] = []
        self.total = 0
        self.has_loaded = False
        self._fetching = False
        self._generation = 0
        self._locale = QLocale()

    # -- loading ---------------------------------------------------------------------------
    def prime(self, total: int, rows: list[HistoryRow]) -> None:
        """Show a first page read before the database opened (see store/quickread.py)."""
        self.beginResetModel()
        self.total, self.rows = total, list(rows)
        self.has_loaded = True
        self.endResetModel()
        self.loaded.emit()

    def reload(self) -> None:
        """Start again from the newest entry (the rows shown stay until the new ones arrive)."""
        self._generation += 1
        self._fetching = True
        self.ctx.worker.submit(
            _first_page,
            self.ctx.database,
            on_done=functools.partial(self._first_arrived, self._generation),
            on_settled=functools.partial(self._settled, self._generation),
            label=self.tr("Reading the history…"),
        )

    def _settled(self, generation: int) -> None:
        if generation == self._generation:
            self._fetching = False

    def _first_arrived(self, generation: int, result: tuple[int, list[HistoryRow]]) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self.total, self.rows = result
        self.has_loaded = True
        self.endResetModel()
        self.loaded.emit()

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return (
            not parent.isValid()
            and not self._fetching
            and len(self.rows) < self.total
            and self.ctx.db is not None  # a primed first page waits for the data to open
        )

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        self.ctx.worker.submit(
            _next_page,
            self.ctx.database,
            len(self.rows),
            on_done=functools.partial(self._page_arrived, self._generation),
            on_settled=functools.partial(self._settled, self._generation),
            label=self.tr("Reading the history…"),
        )

    def _page_arrived(self, generation: int, rows: list[HistoryRow]) -> None:
        if generation != self._generation or not rows:
            return
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self.rows.extend(rows)
        self.endInsertRows()
        self.loaded.emit()

    # -- the model -------------------------------------------------------------------------
    def row_count(self) -> int:
        return len(self.rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == self.WHEN:
                moment = QDateTime.fromMSecsSinceEpoch(int(row.at.timestamp() * 1000)).toLocalTime()
                return self._locale.toString(moment, WHEN_FORMAT)
            if column == self.WHO:
                return row.actor
            if column == self.DEVICE:
                return row.device
            if column == self.WHAT:
                return (
                    self.tr("{summary} (undone)").format(summary=row.summary) if row.undone else row.summary
                )
        if role == Qt.ItemDataRole.FontRole and row.undone:
            font = QFont()
            font.setItalic(True)
            return font
        return None

    def row_at(self, row: int) -> HistoryRow:
        return self.rows[row]


class HistoryView(QTableView):
    """The history table; tells the probe when it first paints rows."""

    rows_painted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._reported = False

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if (
            not self._reported
            and isinstance(model, HistoryModel)
            and model.has_loaded
            and (model.rowCount() > 0 or model.total == 0)
        ):
            self._reported = True
            # Once this paint has reached the screen (and outside paintEvent, so a listener
            # may grab the window).
            QTimer.singleShot(0, self.rows_painted.emit)


class HistoryPage(QWidget):
    """The History area."""

    def __init__(self, ctx: AppContext, window: MainWindow, first_look: FirstLook | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.setAccessibleName(self.tr("History"))
        layout = QVBoxLayout(self)

        title = QLabel(self.tr("History"))
        title.setFont(heading_font(self.font()))
        title.setAccessibleName(self.tr("History"))
        layout.addWidget(title)
        intro = QLabel(
            self.tr(
                "Every change to the data: when, who, on which computer and what. "
                "The newest is at the top. Undo reverses your own most recent change."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        bar = QHBoxLayout()
        self.undo_button = QToolButton()
        self.undo_button.setDefaultAction(window.undo_action)
        self.undo_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.undo_button.setAccessibleName(self.tr("Undo my last change"))
        bar.addWidget(self.undo_button)
        bar.addStretch(1)
        self.count_label = QLabel()
        self.count_label.setAccessibleName(self.tr("Number of changes"))
        bar.addWidget(self.count_label)
        layout.addLayout(bar)

        self.model = HistoryModel(ctx, self)
        self.view = HistoryView()
        self.view.setModel(self.model)
        self.view.setAccessibleName(self.tr("History of changes"))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setTabKeyNavigation(False)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        metrics = self.view.fontMetrics()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.resizeSection(
            HistoryModel.WHEN,
            metrics.horizontalAdvance("28 Sep 2026  00:00") + metrics.averageCharWidth() * 3,
        )
        header.resizeSection(HistoryModel.WHO, metrics.averageCharWidth() * 22)
        header.resizeSection(HistoryModel.DEVICE, metrics.averageCharWidth() * 18)
        self.view.verticalHeader().setDefaultSectionSize(metrics.height() + metrics.height() // 2)
        layout.addWidget(self.view, 1)

        self.model.loaded.connect(self._update_count)
        ctx.hub.changed.connect(self._on_changed)
        if first_look is not None:
            self.model.prime(first_look.history_total, first_look.history_rows)
        else:
            self.model.reload()

    def _update_count(self) -> None:
        self.count_label.setText(self.tr("%n change(s)", "", self.model.total))

    def _on_changed(self, changes: Changes) -> None:
        self.model.reload()
