"""The Contacts area: the list (search, filters, a lazy windowed table) and a contact's page
(Details, Consent, Equality monitoring, Timeline).

:func:`install` adds the area to the main window, first in the sidebar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vcsedesk.ui.contacts.area import ContactsArea
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow

__all__ = ["install"]


def install(ctx: AppContext, window: MainWindow, *, position: int | None = 0) -> ContactsArea:
    """Build the Contacts area, add it to the window (first, unless told otherwise) and start
    loading the list.  Call once the data is open and someone is acting."""
    from PySide6.QtCore import QCoreApplication

    from vcsedesk.ui.contacts.area import ContactsArea

    area = ContactsArea(ctx, window)
    window.add_area("contacts", QCoreApplication.translate("app", "Contacts"), area, position=position)
    area.start()
    return area
