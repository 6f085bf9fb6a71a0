"""The Actions area: the tracker, and where "Go to source" leads.

:attr:`ActionsArea.open_source` ``(table, id)`` asks the main window to show the engagement
(``"engagements"``) or meeting (``"meetings"``) an action came from; while nothing is
connected to it, "Go to source" only says where the action came from.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QMetaMethod, Qt, Signal, Slot
from PySide6.QtWidgets import QVBoxLayout, QWidget

from vcsedesk.ui.actions.tracker import TrackerPage

if TYPE_CHECKING:
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow


class ActionsArea(QWidget):
    #: Show where an action came from: ("engagements" | "meetings", the record's id).
    open_source = Signal(str, object)

    def __init__(self, ctx: AppContext, window: MainWindow | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.window_ = window
        self.setAccessibleName(self.tr("Actions"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tracker = TrackerPage(ctx, window)
        layout.addWidget(self.tracker)
        self.tracker.source_requested.connect(self._source_requested)

    def start(self) -> None:
        """Read the tracker (call once the data is open and someone is acting)."""
        self.tracker.refresh()

    def _show_me(self) -> None:
        if self.window_ is not None and self.window_.area("actions") is not None:
            self.window_.show_area("actions")

    @Slot(str, object)
    def _source_requested(self, table: str, record_id: uuid.UUID) -> None:
        if self.isSignalConnected(QMetaMethod.fromSignal(self.open_source)):
            self.open_source.emit(table, record_id)
            return
        action = self.tracker.selected()
        where = action.source if action is not None and action.source else table
        self.tracker.note(self.tr("This action came from {source}.").format(source=where))

    # -- entry points ------------------------------------------------------------------------
    def open_records(self, ids: Sequence[uuid.UUID], title: str = "") -> None:
        """Show only these actions (what a dashboard figure stands for)."""
        self._show_me()
        self.tracker.show_chosen(ids, title or self.tr("the dashboard"))
        self.tracker.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def open_action(self, action_id: uuid.UUID) -> None:
        """Show the tracker with an action selected (from a timeline: ``"actions"``), opening
        its form."""
        self._show_me()
        self.tracker.select_action(action_id)
        self.tracker._open_dialog(action_id)

    def open_record(self, table: str, record_id: uuid.UUID) -> None:
        if table == "actions":
            self.open_action(record_id)
