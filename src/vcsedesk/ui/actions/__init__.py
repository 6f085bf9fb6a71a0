"""Actions: one tracker of every follow-up, from engagements and meetings.

:func:`install` adds the Actions area to the main window.  Its ``open_source(table, id)``
signal asks for the engagement or meeting an action came from to be shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vcsedesk.ui.actions.area import ActionsArea
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow

__all__ = ["install"]


def install(ctx: AppContext, window: MainWindow, position: int | None = None) -> ActionsArea:
    """Build the Actions area, add it to the window (at the end, unless told otherwise) and
    start reading the tracker.  Call once the data is open and someone is acting."""
    from PySide6.QtCore import QCoreApplication

    from vcsedesk.ui.actions.area import ActionsArea

    area = ActionsArea(ctx, window)
    window.add_area("actions", QCoreApplication.translate("app", "Actions"), area, position=position)
    area.start()
    return area
