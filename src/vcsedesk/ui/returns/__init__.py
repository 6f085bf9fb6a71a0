"""Returns: the returns the organisation sends its partnerships, the partnerships themselves,
and the templates that give returns their shape.

:func:`install` adds the Returns area (tabs "Returns" — what is due, the list, and one
return's page —, "Partnerships" and "Templates") to the main window, for those who may manage
returns; for anyone else it adds nothing and returns None.

Connect :attr:`~vcsedesk.ui.returns.area.ReturnsArea.open_records` ``(kind, ids, title)`` to
show engagements or actions behind a figure where they are kept, and
:attr:`~vcsedesk.ui.returns.area.ReturnsArea.open_record` ``(table, id)`` to open one contact,
quote or claim.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow
    from vcsedesk.ui.returns.area import ReturnsArea

__all__ = ["install"]


def install(ctx: AppContext, window: MainWindow, position: int | None = None) -> ReturnsArea | None:
    """Build the Returns area, add it to the window (at the end, unless told otherwise) and
    start reading.  Nothing is added (None) unless the acting person may manage returns."""
    from PySide6.QtCore import QCoreApplication

    from vcsedesk.services.base import Permission
    from vcsedesk.ui.returns.area import ReturnsArea
    from vcsedesk.ui.widgets import may

    if not may(ctx, Permission.MANAGE_RETURNS):
        return None
    area = ReturnsArea(ctx, window)
    window.add_area("returns", QCoreApplication.translate("app", "Returns"), area, position=position)
    area.start()
    return area
