"""The Returns area: three tabs — "Returns" (what is due and every return, with one return's
page in front of the list when opened), "Partnerships" and "Templates".  The Partnerships and
Templates tabs read their data the first time they are shown.

Keys: Alt+R, Alt+P and Alt+T move between the tabs (Ctrl+1… belong to the window's areas).

Signals for the app to route: :attr:`ReturnsArea.open_records` ``(kind, ids, title)`` for the
engagements or actions behind a figure, :attr:`ReturnsArea.open_elsewhere` ``(table, id)`` for
one contact, quote (its engagement) or claim.  :meth:`ReturnsArea.open_record` opens a return
(``"returns"``, as a contact's timeline names it).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from vcsedesk.ui.returns.list_page import ReturnsListPage
from vcsedesk.ui.returns.partnerships_page import PartnershipsPage
from vcsedesk.ui.returns.templates_page import TemplatesPage

if TYPE_CHECKING:
    from vcsedesk.services.partnerships import DueReturn
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow
    from vcsedesk.ui.returns.return_page import ReturnPage


class ReturnsArea(QWidget):
    #: (kind, ids, title): show the engagements or actions behind a figure where they are kept.
    open_records = Signal(str, list, str)
    #: (table, id): open one record ("contacts", "quotes", "claims") where it is kept.
    open_elsewhere = Signal(str, object)

    RETURNS, PARTNERSHIPS, TEMPLATES = range(3)

    def __init__(self, ctx: AppContext, window: MainWindow | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.window_ = window
        self.setAccessibleName(self.tr("Returns"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setAccessibleName(self.tr("Returns, partnerships and templates"))
        layout.addWidget(self.tabs)

        self.returns_tab = QWidget()
        returns_layout = QVBoxLayout(self.returns_tab)
        returns_layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        returns_layout.addWidget(self.stack)
        self.list = ReturnsListPage(ctx)
        self.list.open_return.connect(self.open_return)
        self.stack.addWidget(self.list)
        self._page: ReturnPage | None = None
        self.tabs.addTab(self.returns_tab, self.tr("&Returns"))

        self.partnerships = PartnershipsPage(ctx)
        self.tabs.addTab(self.partnerships, self.tr("&Partnerships"))
        self.templates = TemplatesPage(ctx)
        if window is not None:
            self.templates.window_note = window.note
        self.tabs.addTab(self.templates, self.tr("&Templates"))
        self._read: set[int] = set()
        self.tabs.currentChanged.connect(self._tab_changed)

    @property
    def page(self) -> ReturnPage:
        """One return's page, built when first needed."""
        if self._page is None:
            from vcsedesk.ui.returns.return_page import ReturnPage

            self._page = ReturnPage(self.ctx, self.window_)
            self.stack.addWidget(self._page)
            self._page.back.connect(self.show_list)
            self._page.open_records.connect(self.open_records)
            self._page.open_record.connect(self.open_elsewhere)
            self._page.open_return.connect(self.open_return)
        return self._page

    def start(self) -> None:
        """Read the list (call once the data is open and someone is acting)."""
        self.list.refresh()

    @Slot(int)
    def _tab_changed(self, index: int) -> None:
        if index in self._read:
            return
        self._read.add(index)
        if index == self.PARTNERSHIPS:
            self.partnerships.refresh()
        elif index == self.TEMPLATES:
            self.templates.refresh()

    def show_tab(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)

    def _show_me(self) -> None:
        if self.window_ is not None and self.window_.area("returns") is not None:
            self.window_.show_area("returns")
        self.tabs.setCurrentIndex(self.RETURNS)

    @property
    def showing_list(self) -> bool:
        return self.tabs.currentIndex() == self.RETURNS and self.stack.currentWidget() is self.list

    # -- entry points ------------------------------------------------------------------------
    @Slot(object)
    def open_return(self, return_id: uuid.UUID) -> None:
        """Show one return's page (from the list, a timeline, another edition…)."""
        self._show_me()
        page = self.page
        page.open(return_id)
        self.stack.setCurrentWidget(page)
        self.list.select_return(return_id)
        page.tabs.setFocus(Qt.FocusReason.OtherFocusReason)

    def open_due(self, due: DueReturn) -> None:
        """A return due (from the dashboard): open it if it was started, else start it."""
        if due.return_id is not None:
            self.open_return(due.return_id)
            return
        self._show_me()
        self.show_list()
        self.list.start(due.partnership_id, due.period)

    def open_record(self, table: str, record_id: uuid.UUID) -> None:
        """Open what a timeline item points at (a contact's "Fed the return…")."""
        if table == "returns":
            self.open_return(record_id)

    @Slot()
    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.list)
        if self._page is not None and self._page.return_id is not None:
            self.list.select_return(self._page.return_id)
        self.list.view.setFocus(Qt.FocusReason.OtherFocusReason)
