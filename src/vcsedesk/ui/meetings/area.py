"""The Meetings area: the list of meetings and one meeting's page, one in front of the other."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from vcsedesk.ui.meetings.list_page import MeetingsListPage

if TYPE_CHECKING:
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow
    from vcsedesk.ui.meetings.meeting_page import MeetingPage


class MeetingsArea(QWidget):
    def __init__(self, ctx: AppContext, window: MainWindow | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.window_ = window
        self.setAccessibleName(self.tr("Meetings"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack)
        self.list = MeetingsListPage(ctx, window)
        self.stack.addWidget(self.list)
        self._page: MeetingPage | None = None
        self.list.open_meeting.connect(self.open_meeting)
        self.list.new_meeting.connect(self.new_meeting)

    @property
    def page(self) -> MeetingPage:
        """The meeting's page, built when first needed (so the list paints sooner)."""
        if self._page is None:
            from vcsedesk.ui.meetings.meeting_page import MeetingPage

            self._page = MeetingPage(self.ctx, self.window_)
            self.stack.addWidget(self._page)
            self._page.back.connect(self.show_list)
            self._page.touched.connect(self.list.select_meeting)
        return self._page

    def start(self) -> None:
        """Read the list (call once the data is open and someone is acting)."""
        self.list.refresh()

    @property
    def showing_list(self) -> bool:
        return self.stack.currentWidget() is self.list

    def _show_me(self) -> None:
        if self.window_ is not None and self.window_.area("meetings") is not None:
            self.window_.show_area("meetings")

    # -- entry points ------------------------------------------------------------------------
    @Slot(object)
    def open_meeting(self, meeting_id: uuid.UUID) -> None:
        """Show one meeting's page (from the list, a timeline, the actions tracker…)."""
        self._show_me()
        page = self.page
        page.open(meeting_id)
        self.stack.setCurrentWidget(page)
        page.details_scroll.setFocus(Qt.FocusReason.OtherFocusReason)

    def open_record(self, table: str, record_id: uuid.UUID) -> None:
        """Open what a timeline item or an action's "Go to source" points at."""
        if table == "meetings":
            self.open_meeting(record_id)

    @Slot()
    def new_meeting(self) -> None:
        from vcsedesk.services.base import Permission
        from vcsedesk.ui.widgets import may

        if not may(self.ctx, Permission.EDIT_RECORDS):
            return
        self._show_me()
        page = self.page
        self.stack.setCurrentWidget(page)
        page.new()

    @Slot()
    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.list)
        if self._page is not None and self._page.meeting_id is not None:
            self.list.select_meeting(self._page.meeting_id)
        if self.list.stack.currentWidget() is self.list.view:
            self.list.view.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.list.search.setFocus(Qt.FocusReason.OtherFocusReason)
