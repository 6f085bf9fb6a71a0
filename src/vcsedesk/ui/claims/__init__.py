"""Claims: reimbursement claims, the policy that prices them and the budgets they draw on.

:func:`install` adds the Claims area (tabs "Claims" — the list and one claim's page with its
form —, "Policy" and "Budgets") to the main window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vcsedesk.ui.claims.area import ClaimsArea
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow

__all__ = ["install"]


def install(ctx: AppContext, window: MainWindow, position: int | None = None) -> ClaimsArea:
    """Build the Claims area, add it to the window (at the end, unless told otherwise) and
    start reading the list.  Call once the data is open and someone is acting."""
    from PySide6.QtCore import QCoreApplication

    from vcsedesk.ui.claims.area import ClaimsArea

    area = ClaimsArea(ctx, window)
    window.add_area("claims", QCoreApplication.translate("app", "Claims"), area, position=position)
    area.start()
    return area
