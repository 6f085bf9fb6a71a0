"""Meetings: agenda items, the voices at the meeting and who they speak for, apologies,
decisions and actions; the minutes as a PDF.

:func:`install` adds the Meetings area (the list, and one meeting's page with its form) to the
main window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow
    from vcsedesk.ui.meetings.area import MeetingsArea

__all__ = ["install"]


def install(ctx: AppContext, window: MainWindow, position: int | None = None) -> MeetingsArea:
    """Build the Meetings area, add it to the window (at the end, unless told otherwise) and
    start reading the list.  Call once the data is open and someone is acting."""
    from PySide6.QtCore import QCoreApplication

    from vcsedesk.ui.meetings.area import MeetingsArea

    area = MeetingsArea(ctx, window)
    window.add_area("meetings", QCoreApplication.translate("app", "Meetings"), area, position=position)
    area.start()
    return area
