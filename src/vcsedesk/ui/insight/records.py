"""The records behind a dashboard figure, listed in a dialog.

The dashboard shows this when nothing else has taken its ``open_records`` signal (the
engagements area will, to show them in the log).  The lines are read on the worker.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QLocale, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.ui.table_model import AnyIndex, ReadOnlyTableModel

if TYPE_CHECKING:
    from vcsedesk.services.insight import RecordKind, RecordLine
    from vcsedesk.ui.context import AppContext


def day_text(day: date | None, fmt: str = "d MMM yyyy") -> str:
    if day is None:
        return ""
    return QLocale().toString(QDate(day.year, day.month, day.day), fmt)


class RecordsModel(ReadOnlyTableModel):
    DATE, TITLE, DETAIL = range(3)

    def __init__(self, kind: RecordKind, parent: QObject | None = None) -> None:
        date_header = self.tr("Due") if kind == "actions" else self.tr("Date")
        title_header = {"actions": self.tr("Action"), "quotes": self.tr("Quote")}.get(kind, self.tr("Title"))
        super().__init__([date_header, title_header, self.tr("Details")], parent)
        self.lines: list[RecordLine] = []

    def row_count(self) -> int:
        return len(self.lines)

    def set_lines(self, lines: Sequence[RecordLine]) -> None:
        self.beginResetModel()
        self.lines = list(lines)
        self.endResetModel()

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.lines):
            return None
        line = self.lines[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            column = index.column()
            if column == self.DATE:
                if line.on_date is None and role == Qt.ItemDataRole.AccessibleTextRole:
                    return self.tr("No date")
                return day_text(line.on_date)
            if column == self.TITLE:
                return line.title
            if column == self.DETAIL:
                return line.detail
        if role == Qt.ItemDataRole.UserRole:
            return line.id
        return None


class RecordsDialog(QDialog):
    """A list of the records behind one figure: date, title, details."""

    def __init__(
        self,
        ctx: AppContext,
        kind: RecordKind,
        ids: Sequence[uuid.UUID],
        title: str,
        *,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.kind = kind
        self.ids = list(ids)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.loaded = False
        noun = {
            "engagements": self.tr("%n engagement(s)", "", len(self.ids)),
            "quotes": self.tr("%n quote(s)", "", len(self.ids)),
            "actions": self.tr("%n action(s)", "", len(self.ids)),
        }[kind]
        self.heading = QLabel(f"{title} — {noun}")
        self.heading.setWordWrap(True)
        self.heading.setAccessibleName(self.tr("What is listed"))
        self.model = RecordsModel(kind, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setAccessibleName(self.tr("Records"))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setTabKeyNavigation(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.status = QLabel(
            self.tr("Loading…") if self.ids else self.tr("There are no records behind this figure.")
        )
        self.status.setAccessibleName(self.tr("Status"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName(self.tr("Close"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 110, metrics.height() * 26)
        if self.ids:
            from vcsedesk.services import insight

            ctx.worker.submit(
                functools.partial(insight.record_lines, ctx.database, kind, self.ids, today=today),
                on_done=self._loaded,
                label=self.tr("Reading the records…"),
            )
        else:
            self.loaded = True

    def _loaded(self, lines: list[RecordLine]) -> None:
        self.model.set_lines(lines)
        self.loaded = True
        if len(lines) < len(self.ids):
            self.status.setText(self.tr("Some of these records have been archived since."))
        else:
            self.status.setText("")
            self.status.hide()
        metrics = self.view.fontMetrics()
        self.view.setColumnWidth(RecordsModel.DATE, metrics.horizontalAdvance("00 Mmm 0000") + 24)
        self.view.setColumnWidth(RecordsModel.TITLE, metrics.averageCharWidth() * 50)
        if lines:
            self.view.setCurrentIndex(self.model.index(0, 0))
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
