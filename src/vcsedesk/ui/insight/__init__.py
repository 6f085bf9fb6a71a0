"""The Insight area: the dashboard of headline figures and charts for a period, every figure
opening the records behind it.

:func:`install` adds the area to the main window.  Connect
:attr:`~vcsedesk.ui.insight.page.InsightPage.open_records` to show the records somewhere else
(the engagements log); until something does, the page lists them in a dialog.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.insight.page import InsightPage
    from vcsedesk.ui.main_window import MainWindow

__all__ = ["install"]


def install(ctx: AppContext, window: MainWindow, position: int | None = None) -> InsightPage:
    """Build the Insight page, add it to the window (last, unless told otherwise) and start
    working out its figures.  Call once the data is open and someone is acting."""
    from PySide6.QtCore import QCoreApplication

    from vcsedesk.ui.insight.page import InsightPage

    page = InsightPage(ctx)
    window.add_area("insight", QCoreApplication.translate("app", "Insight"), page, position=position)
    page.start()
    return page
