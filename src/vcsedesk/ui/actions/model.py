"""The actions tracker's table model, and how an action's status and due date are said.

An overdue action never stands out by colour alone: its Status text begins "Overdue", the
Status cell carries a warning icon, and the whole row is bold.  The same words and icon are
used wherever actions are listed (the tracker, a meeting's page).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from vcsedesk.domain.engagement import ActionStatus
from vcsedesk.ui.table_model import AnyIndex, ReadOnlyTableModel
from vcsedesk.ui.widgets import day_text

if TYPE_CHECKING:
    from vcsedesk.services.actions import ActionRow


def _tr(text: str) -> str:
    return QCoreApplication.translate("Actions", text)


def status_label(status: ActionStatus) -> str:
    return {
        ActionStatus.OPEN: _tr("Open"),
        ActionStatus.IN_PROGRESS: _tr("In progress"),
        ActionStatus.DONE: _tr("Done"),
        ActionStatus.CANCELLED: _tr("Cancelled"),
    }[status]


def status_text(status: ActionStatus, overdue: bool) -> str:
    """ "Overdue (open)", "In progress", "Done"… — an overdue action says so in words."""
    if overdue:
        return _tr("Overdue ({status})").format(status=status_label(status).lower())
    return status_label(status)


def due_text(due_on: date | None, overdue: bool, today: date) -> str:
    """ "3 Mar 2026", with how late it is when overdue ("3 Mar 2026, 5 days late")."""
    if due_on is None:
        return ""
    text = day_text(due_on)
    if overdue:
        late = (today - due_on).days
        text += ", " + (_tr("1 day late") if late == 1 else _tr("{n} days late").format(n=late))
    return text


def warning_icon() -> QIcon:
    style = QApplication.style()
    return style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)


def bold_font(base: QFont | None = None) -> QFont:
    font = QFont(base) if base is not None else QFont(QApplication.font())
    font.setBold(True)
    return font


class ActionsModel(ReadOnlyTableModel):
    """The tracker: one row per action, in the order the service gives (overdue first)."""

    TITLE, OWNER, DUE, STATUS, SOURCE, OUTCOME = range(6)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [
            self.tr("Title"),
            self.tr("Owner"),
            self.tr("Due"),
            self.tr("Status"),
            self.tr("From"),
            self.tr("Outcome"),
        ]
        self.rows: list[ActionRow] = []
        self.today = date.today()
        self.has_loaded = False
        self._icon: QIcon | None = None
        self._bold: QFont | None = None

    # -- filling ---------------------------------------------------------------------------
    def set_rows(self, rows: list[ActionRow], today: date) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.today = today
        self.has_loaded = True
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.rows)

    def row_at(self, row: int) -> ActionRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def find(self, action_id: uuid.UUID) -> int | None:
        return next((i for i, r in enumerate(self.rows) if r.id == action_id), None)

    # -- showing ---------------------------------------------------------------------------
    def text(self, action: ActionRow, column: int) -> str:
        if column == self.TITLE:
            return action.title
        if column == self.OWNER:
            return action.owner or self.tr("Nobody yet")
        if column == self.DUE:
            return due_text(action.due_on, action.overdue, self.today)
        if column == self.STATUS:
            return status_text(action.status, action.overdue)
        if column == self.SOURCE:
            return action.source or self.tr("On its own")
        if column == self.OUTCOME:
            return " ".join(action.outcome.split())
        return ""

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        action = self.row_at(index.row())
        if action is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(action, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.OUTCOME and action.outcome:
                return action.outcome
            if column == self.STATUS and action.overdue:
                return self.tr("Overdue: due {day} and not done yet").format(day=day_text(action.due_on))  # type: ignore[arg-type]
            return self.text(action, column) or None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.text(action, column) or self.tr("blank")
        if role == Qt.ItemDataRole.DecorationRole and column == self.STATUS and action.overdue:
            if self._icon is None:
                self._icon = warning_icon()
            return self._icon
        if role == Qt.ItemDataRole.FontRole and action.overdue:
            if self._bold is None:
                self._bold = bold_font()
            return self._bold
        return None
