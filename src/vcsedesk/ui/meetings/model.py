"""Table models of the Meetings area.

* :class:`MeetingsModel` — the list of meetings (Date, Title, Venue, Attendees, Actions open),
  newest first, as ``services.meetings.list_meetings`` returns them;
* :class:`MeetingActionsModel` — one meeting's actions (Action, Item, Owner, Due, Status); an
  overdue action says "Overdue", has a warning icon and is bold, as in the tracker.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFont, QIcon

from vcsedesk.domain.engagement import is_overdue
from vcsedesk.ui.actions.model import bold_font, due_text, status_text, warning_icon
from vcsedesk.ui.table_model import AnyIndex, ReadOnlyTableModel
from vcsedesk.ui.widgets import day_text

if TYPE_CHECKING:
    from vcsedesk.services.meetings import MeetingActionView, MeetingRow


def where_text(venue: str | None, online: bool) -> str:
    from PySide6.QtCore import QCoreApplication

    if venue and online:
        return QCoreApplication.translate("Meetings", "{venue}, and online").format(venue=venue)
    if online:
        return QCoreApplication.translate("Meetings", "Online")
    return venue or ""


class MeetingsModel(ReadOnlyTableModel):
    DATE, TITLE, VENUE, ATTENDEES, ACTIONS = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [
            self.tr("Date"),
            self.tr("Title"),
            self.tr("Venue"),
            self.tr("Attendees"),
            self.tr("Actions open"),
        ]
        self.rows: list[MeetingRow] = []
        self.has_loaded = False

    def set_rows(self, rows: list[MeetingRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.has_loaded = True
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.rows)

    def row_at(self, row: int) -> MeetingRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def find(self, meeting_id: uuid.UUID) -> int | None:
        return next((i for i, r in enumerate(self.rows) if r.id == meeting_id), None)

    def text(self, meeting: MeetingRow, column: int) -> str:
        if column == self.DATE:
            text = day_text(meeting.on_date)
            return text + (f"  {meeting.start_time:%H:%M}" if meeting.start_time else "")
        if column == self.TITLE:
            return meeting.title
        if column == self.VENUE:
            return where_text(meeting.venue, meeting.online)
        if column == self.ATTENDEES:
            if meeting.apologies:
                return self.tr("{n} (apologies from {a})").format(n=meeting.attended, a=meeting.apologies)
            return str(meeting.attended)
        if column == self.ACTIONS:
            return str(meeting.open_actions)
        return ""

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        meeting = self.row_at(index.row())
        if meeting is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.text(meeting, index.column())
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.text(meeting, index.column()) or self.tr("blank")
        return None


class MeetingActionsModel(ReadOnlyTableModel):
    TITLE, ITEM, OWNER, DUE, STATUS = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [
            self.tr("Action"),
            self.tr("Item"),
            self.tr("Owner"),
            self.tr("Due"),
            self.tr("Status"),
        ]
        self.rows: list[MeetingActionView] = []
        self.today = date.today()
        self._icon: QIcon | None = None
        self._bold: QFont | None = None

    def set_rows(self, rows: list[MeetingActionView], today: date) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.today = today
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.rows)

    def overdue(self, action: MeetingActionView) -> bool:
        return is_overdue(action.status, action.due_on, self.today)

    def text(self, action: MeetingActionView, column: int) -> str:
        overdue = self.overdue(action)
        if column == self.TITLE:
            return action.title
        if column == self.ITEM:
            return str(action.item_number) if action.item_number is not None else "–"
        if column == self.OWNER:
            return action.owner or self.tr("Nobody yet")
        if column == self.DUE:
            return due_text(action.due_on, overdue, self.today)
        if column == self.STATUS:
            return status_text(action.status, overdue)
        return ""

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        action = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(action, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.ITEM and action.item_number is not None:
                return self.tr("Agreed under agenda item {n}").format(n=action.item_number)
            if column == self.TITLE and action.detail:
                return action.detail
            return self.text(action, column) or None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.text(action, column) or self.tr("blank")
        if role == Qt.ItemDataRole.DecorationRole and column == self.STATUS and self.overdue(action):
            if self._icon is None:
                self._icon = warning_icon()
            return self._icon
        if role == Qt.ItemDataRole.FontRole and self.overdue(action):
            if self._bold is None:
                self._bold = bold_font()
            return self._bold
        return None
