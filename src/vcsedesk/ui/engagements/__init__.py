"""Engagements: the listening log, its editor, quick entry and the pickers they share.

:func:`install` adds the Engagements area (the log and the quotes over the same search and
filters; one engagement's page with its full form) to the main window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.engagements.area import EngagementsArea
    from vcsedesk.ui.main_window import MainWindow

__all__ = ["install"]


def install(ctx: AppContext, window: MainWindow, position: int | None = None) -> EngagementsArea:
    """Build the Engagements area, add it to the window (at the end, unless told otherwise)
    and start loading the log.  Call once the data is open and someone is acting."""
    from PySide6.QtCore import QCoreApplication

    from vcsedesk.ui.engagements.area import EngagementsArea

    area = EngagementsArea(ctx, window)
    window.add_area("engagements", QCoreApplication.translate("app", "Engagements"), area, position=position)
    area.start()
    return area
