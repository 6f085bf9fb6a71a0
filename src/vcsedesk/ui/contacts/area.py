"""The Contacts area: the list and one contact's page, one in front of the other."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from vcsedesk.ui.contacts.list_page import ContactListPage

if TYPE_CHECKING:
    from vcsedesk.ui.contacts.contact_page import ContactPage
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow


class ContactsArea(QWidget):
    #: A record shown on a contact's timeline was opened: (table, id), for another area.
    open_record = Signal(str, object)

    def __init__(self, ctx: AppContext, window: MainWindow | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.setAccessibleName(self.tr("Contacts"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack)
        self.list = ContactListPage(ctx, window)
        self.stack.addWidget(self.list)
        self._page: ContactPage | None = None
        self.list.open_contact.connect(self.open_contact)
        self.list.new_contact.connect(self.new_contact)

    @property
    def page(self) -> ContactPage:
        """The contact's page, built when first needed (so the list paints sooner)."""
        if self._page is None:
            from vcsedesk.ui.contacts.contact_page import ContactPage

            self._page = ContactPage(self.ctx)
            self.stack.addWidget(self._page)
            self._page.back.connect(self.show_list)
            self._page.touched.connect(self._touched)
            self._page.open_record.connect(self.open_record)
        return self._page

    def start(self) -> None:
        self.list.start()

    @property
    def showing_list(self) -> bool:
        return self.stack.currentWidget() is self.list

    @Slot(object)
    def open_contact(self, contact_id: uuid.UUID) -> None:
        self.page.open(contact_id)
        self.stack.setCurrentWidget(self.page)
        self.page.tabs.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def new_contact(self) -> None:
        self.stack.setCurrentWidget(self.page)
        self.page.new()

    @Slot()
    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.list)
        if self._page is not None and self._page.contact_id is not None:
            self.list.select_contact(self._page.contact_id)
        self.list.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _touched(self, contact_id: uuid.UUID) -> None:
        self.list._selected_id = contact_id
