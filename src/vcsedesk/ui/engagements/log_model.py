"""The table models of the engagement log and the quotes list: lazy and windowed (see
:mod:`vcsedesk.ui.lazy_model`) over :mod:`vcsedesk.services.engagement_log`.

* :class:`EngagementsModel` — the log, filtered by an ``EngagementFilter``, sorted by the
  database (Date, Title, Type and Reach sort; the other columns do not);
* :class:`ChosenEngagementsModel` — the same columns over a fixed list of engagement ids (what
  a dashboard figure stands for), in the order given;
* :class:`QuotesModel` — quotes, filtered by a ``QuoteFilter``, newest engagement first; the
  sharing level is shown in words.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt

from vcsedesk.ui.lazy_model import CountFn, LazyRowsModel, PageFn
from vcsedesk.ui.widgets import day_text

if TYPE_CHECKING:
    from vcsedesk.services.engagement_log import EngagementRow, QuoteRow
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext


# -- worker functions (plain: they run on the worker thread) ---------------------------------
def count_engagements(db: Database, flt: Any) -> int:
    from vcsedesk.services import engagement_log

    return engagement_log.count(db, flt)


def page_engagements(db: Database, flt: Any, sort: Any, offset: int, limit: int) -> list[EngagementRow]:
    from vcsedesk.services import engagement_log

    return engagement_log.page(db, flt, sort, offset, limit)


def count_chosen(db: Database, ids: tuple[uuid.UUID, ...]) -> int:
    return len(ids)


def page_chosen(
    db: Database, ids: tuple[uuid.UUID, ...], sort: Any, offset: int, limit: int
) -> list[EngagementRow]:
    """The rows of ``ids[offset:offset + limit]`` in the order given (archived ones too; ids
    that no longer exist are shown as gone, so rows never shift)."""
    from vcsedesk.services import engagement_log

    wanted = list(ids[offset : offset + limit])
    with db.read() as session:
        rows = {r.id: r for r in engagement_log.rows_by_id(session, wanted)}
    return [rows.get(i) or _gone(i) for i in wanted]


def _gone(engagement_id: uuid.UUID) -> EngagementRow:
    from vcsedesk.services.engagement_log import EngagementRow

    return EngagementRow(
        id=engagement_id,
        version=0,
        on_date=date.min,
        title="",
        type_name="",
        place="",
        ward=None,
        reach=0,
        participants=0,
        anonymous_count=0,
        quotes=0,
        themes="",
        facilitators="",
        priority=None,
        summary_start="",
        archived=True,
    )


def count_quotes(db: Database, flt: Any) -> int:
    from vcsedesk.services import engagement_log

    return engagement_log.count_quotes(db, flt)


def page_quotes(db: Database, flt: Any, _sort: Any, offset: int, limit: int) -> list[QuoteRow]:
    from vcsedesk.services import engagement_log

    return engagement_log.page_quotes(db, flt, offset, limit)


# -- the log ---------------------------------------------------------------------------------
class EngagementsModel(LazyRowsModel):
    """Engagements matching a filter, in a chosen order, fetched a page at a time."""

    DATE, TITLE, TYPE, PLACE, REACH, QUOTES, THEMES = range(7)
    SORTABLE: tuple[int, ...] = (DATE, TITLE, TYPE, REACH)
    FIRST_TEXT_COLUMN = TITLE

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        from vcsedesk.services.engagement_log import EVERYTHING, NEWEST_FIRST

        super().__init__(ctx, EVERYTHING, NEWEST_FIRST, parent)
        self.headers = [
            self.tr("Date"),
            self.tr("Title"),
            self.tr("Type"),
            self.tr("Place"),
            self.tr("Reach"),
            self.tr("Quotes"),
            self.tr("Themes"),
        ]

    def count_fn(self) -> CountFn:
        return count_engagements

    def page_fn(self) -> PageFn:
        return page_engagements

    def reading_label(self) -> str:
        return self.tr("Reading the engagement log…")

    def sort_fields(self) -> dict[int, Any]:
        from vcsedesk.services.engagement_log import SortField

        return {
            self.DATE: SortField.DATE,
            self.TITLE: SortField.TITLE,
            self.TYPE: SortField.TYPE,
            self.REACH: SortField.REACH,
        }

    def sort_key_for(self, field: Any, descending: bool) -> Any:
        from vcsedesk.services.engagement_log import SortKey

        return SortKey(field, descending=descending)

    def cell(self, row: EngagementRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column in (self.REACH, self.QUOTES):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if not row.title and row.on_date == date.min:  # an id that no longer exists
            return self.tr("(deleted)") if column == self.TITLE else ""
        if column == self.DATE:
            return day_text(row.on_date)
        if column == self.TITLE:
            if role == Qt.ItemDataRole.ToolTipRole:
                return row.summary_start or row.title
            return self.tr("{title} (archived)").format(title=row.title) if row.archived else row.title
        if column == self.TYPE:
            return row.type_name
        if column == self.PLACE:
            return row.place
        if column == self.REACH:
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.tr("{named} named, {anonymous} counted anonymously").format(
                    named=row.participants, anonymous=row.anonymous_count
                )
            return str(row.reach)
        if column == self.QUOTES:
            return str(row.quotes) if row.quotes else ""
        if column == self.THEMES:
            return row.themes
        return None


class ChosenEngagementsModel(EngagementsModel):
    """The log's columns over a fixed list of engagements, in the order given."""

    SORTABLE = ()

    def __init__(self, ctx: AppContext, ids: Sequence[uuid.UUID], parent: QObject | None = None) -> None:
        super().__init__(ctx, parent)
        self.filter = tuple(ids)

    def count_fn(self) -> CountFn:
        return count_chosen

    def page_fn(self) -> PageFn:
        return page_chosen

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        return None


# -- the quotes ------------------------------------------------------------------------------
class QuotesModel(LazyRowsModel):
    """Quotes matching a filter, newest engagement first, fetched a page at a time."""

    DATE, ENGAGEMENT, QUOTE, SPEAKER, SHARING, THEMES = range(6)
    FIRST_TEXT_COLUMN = QUOTE

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        from vcsedesk.services.engagement_log import ALL_QUOTES

        super().__init__(ctx, ALL_QUOTES, None, parent)
        self.headers = [
            self.tr("Date"),
            self.tr("Engagement"),
            self.tr("Quote"),
            self.tr("Speaker"),
            self.tr("Sharing"),
            self.tr("Themes"),
        ]

    def count_fn(self) -> CountFn:
        return count_quotes

    def page_fn(self) -> PageFn:
        return page_quotes

    def reading_label(self) -> str:
        return self.tr("Reading the quotes…")

    def cell(self, row: QuoteRow, column: int, role: int) -> Any:
        from vcsedesk.services.engagement_log import ANONYMOUS, NOT_NAMED
        from vcsedesk.ui.engagements.engagement_page import sharing_text

        if role == Qt.ItemDataRole.TextAlignmentRole:
            return None
        if column == self.DATE:
            return day_text(row.on_date)
        if column == self.ENGAGEMENT:
            title = row.engagement_title
            return self.tr("{title} (archived)").format(title=title) if row.archived else title
        if column == self.QUOTE:
            if role == Qt.ItemDataRole.ToolTipRole:
                return row.text
            return " ".join(row.text.split())
        if column == self.SPEAKER:
            return {ANONYMOUS: self.tr("Anonymous"), NOT_NAMED: self.tr("Not named")}.get(
                row.speaker, row.speaker
            )
        if column == self.SHARING:
            return sharing_text(row.sharing)
        if column == self.THEMES:
            return row.themes
        return None
