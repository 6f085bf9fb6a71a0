"""The Claims area: three tabs — "Claims" (the list and one claim's page, one in front of the
other), "Policy" (the reimbursement policy's versions) and "Budgets" (funding pots and their
spend).  The Policy and Budgets panels are built the first time their tab is shown.

Keys: Alt+C, Alt+P and Alt+U move between the tabs (Ctrl+1… belong to the window's areas).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from vcsedesk.ui.claims.list_page import ClaimsListPage

if TYPE_CHECKING:
    from vcsedesk.ui.claims.claim_page import ClaimPage
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow


class ClaimsArea(QWidget):
    #: Something a claim points at was opened (an engagement, a meeting): (table, id).
    open_elsewhere = Signal(str, object)

    CLAIMS, POLICY, BUDGETS = range(3)

    def __init__(self, ctx: AppContext, window: MainWindow | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.window_ = window
        self.setAccessibleName(self.tr("Claims"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Claims, policy and budgets"))
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs)

        self.claims_tab = QWidget()
        claims_layout = QVBoxLayout(self.claims_tab)
        claims_layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        claims_layout.addWidget(self.stack)
        self.list = ClaimsListPage(ctx, window)
        self.stack.addWidget(self.list)
        self._page: ClaimPage | None = None
        self.list.open_claim.connect(self.open_claim)
        self.list.new_claim.connect(self.new_claim)
        self.tabs.addTab(self.claims_tab, self.tr("&Claims"))

        # The panels are built when their tab is first shown (they read on the worker).
        self.policy_tab = QWidget()
        self.policy_layout = QVBoxLayout(self.policy_tab)
        self.policy_layout.setContentsMargins(0, 0, 0, 0)
        self.budgets_tab = QWidget()
        self.budgets_layout = QVBoxLayout(self.budgets_tab)
        self.budgets_layout.setContentsMargins(0, 0, 0, 0)
        self.tabs.addTab(self.policy_tab, self.tr("&Policy"))
        self.tabs.addTab(self.budgets_tab, self.tr("B&udgets"))
        self.policy: QWidget | None = None
        self.budgets: QWidget | None = None
        self.tabs.currentChanged.connect(self._tab_changed)

    # -- the page, built when first needed ---------------------------------------------------
    @property
    def page(self) -> ClaimPage:
        """The claim's page, built when first needed (so the list paints sooner)."""
        if self._page is None:
            from vcsedesk.ui.claims.claim_page import ClaimPage

            self._page = ClaimPage(self.ctx, self.window_)
            self.stack.addWidget(self._page)
            self._page.back.connect(self.show_list)
            self._page.touched.connect(self.list.select_claim)
            self._page.open_elsewhere.connect(self.open_elsewhere)
        return self._page

    def start(self) -> None:
        """Read the list (call once the data is open and someone is acting)."""
        self.list.refresh()

    @property
    def showing_list(self) -> bool:
        return self.tabs.currentIndex() == self.CLAIMS and self.stack.currentWidget() is self.list

    def _show_me(self) -> None:
        if self.window_ is not None and self.window_.area("claims") is not None:
            self.window_.show_area("claims")
        self.tabs.setCurrentIndex(self.CLAIMS)

    # -- the panels --------------------------------------------------------------------------
    @Slot(int)
    def _tab_changed(self, index: int) -> None:
        if index == self.POLICY:
            self.policy_panel()
        elif index == self.BUDGETS:
            self.budgets_panel()

    def policy_panel(self) -> QWidget:
        if self.policy is None:
            from vcsedesk.ui.claims.policy_page import PolicyPanel

            self.policy = PolicyPanel(self.ctx)
            self.policy_layout.addWidget(self.policy)
            self.policy.setVisible(True)  # now, not on the next turn of the event loop
        return self.policy

    def budgets_panel(self) -> QWidget:
        if self.budgets is None:
            from vcsedesk.ui.claims.budgets_page import BudgetsPanel

            self.budgets = BudgetsPanel(self.ctx)
            self.budgets_layout.addWidget(self.budgets)
            self.budgets.setVisible(True)
        return self.budgets

    def show_tab(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)

    # -- entry points ------------------------------------------------------------------------
    @Slot(object)
    def open_claim(self, claim_id: uuid.UUID) -> None:
        """Show one claim's page (from the list, a timeline, an engagement's page…)."""
        self._show_me()
        page = self.page
        page.open(claim_id)
        self.stack.setCurrentWidget(page)
        page.details_scroll.setFocus(Qt.FocusReason.OtherFocusReason)

    def open_record(self, table: str, record_id: uuid.UUID) -> None:
        """Open what a timeline item or a link points at."""
        if table == "claims":
            self.open_claim(record_id)

    @Slot()
    def new_claim(self, claimant: tuple[uuid.UUID, str] | None = None) -> None:
        """Start a claim (for ``claimant`` if given: (contact id, name))."""
        from vcsedesk.services.base import Permission
        from vcsedesk.ui.widgets import may

        if not may(self.ctx, Permission.EDIT_RECORDS):
            return
        self._show_me()
        page = self.page
        self.stack.setCurrentWidget(page)
        page.new(claimant)

    @Slot()
    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.list)
        if self._page is not None and self._page.claim_id is not None:
            self.list.select_claim(self._page.claim_id)
        if self.list.stack.currentWidget() is self.list.view:
            self.list.view.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.list.search.setFocus(Qt.FocusReason.OtherFocusReason)
