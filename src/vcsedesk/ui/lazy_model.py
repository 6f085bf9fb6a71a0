"""A lazy, windowed table model over a service's ``count`` and ``page`` (after Anki's
``browser/table/model.py``), shared by the contacts list, the engagement log and the quotes.

The model never holds every row.  It knows how many rows the filter gives (``count``, asked
on the worker) and keeps a bounded cache of *pages* of rows (``PAGE_SIZE`` rows each, at most
``MAX_PAGES`` of them, least recently used dropped first).  When the view asks for a row whose
page is not cached, ``data`` returns a placeholder and asks the worker for that page; when it
arrives the rows are announced with ``dataChanged`` and the view paints them.

* At most one page is fetched at a time.  Pages the view asked for meanwhile wait in a short
  list, the most recently asked first, so scrolling fast through 100,000 rows fetches the
  pages you stop at, not every page you passed.
* Changing the filter or the sort starts a new *generation*: the old rows stay on screen until
  the new count and first page arrive; anything still arriving for an older generation is
  dropped, and a queued job for an older generation does not even run its query.
* Sorting re-queries the database (``sort`` is never done in memory).

Subclasses give the service functions (:meth:`count_fn`, :meth:`page_fn` — plain module
functions, run on the worker), the headers, :meth:`cell` and, for sortable columns,
:meth:`sort_fields` and :meth:`sort_key_for`.
"""

from __future__ import annotations

import collections
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont

from vcsedesk.ui.table_model import AnyIndex, ReadOnlyTableModel

if TYPE_CHECKING:
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext

PAGE_SIZE = 200
#: Pages kept in memory (least recently used dropped first): 4,000 rows at most.
MAX_PAGES = 20
#: Pages asked for but not yet fetched that are remembered (older requests are forgotten:
#: the view has scrolled past them and will ask again if it comes back).
MAX_WANTED = 4
#: How many of the most recently used pages a refresh (after a change) fetches again.
REFRESH_PAGES = 3

#: ``count(db, filter)``
CountFn = Callable[[Any, Any], int]
#: ``page(db, filter, sort, offset, limit)``
PageFn = Callable[[Any, Any, Any, int, int], list[Any]]


# -- work done on the worker thread ----------------------------------------------------------
def fetch_count_and_pages(
    count_fn: CountFn,
    page_fn: PageFn,
    db: Database,
    flt: Any,
    sort: Any,
    pages: tuple[int, ...],
    still_wanted: Callable[[], bool],
) -> tuple[int, dict[int, list[Any]]] | None:
    """The number of matching rows and the given pages; None if no longer wanted."""
    if not still_wanted():
        return None
    total = count_fn(db, flt)
    fetched = {}
    for number in pages:
        if number * PAGE_SIZE < total and still_wanted():
            fetched[number] = page_fn(db, flt, sort, number * PAGE_SIZE, PAGE_SIZE)
    return total, fetched


def fetch_count(count_fn: CountFn, db: Database, flt: Any, still_wanted: Callable[[], bool]) -> int | None:
    if not still_wanted():
        return None
    return count_fn(db, flt)


def fetch_page(
    page_fn: PageFn, db: Database, flt: Any, sort: Any, number: int, still_wanted: Callable[[], bool]
) -> list[Any] | None:
    if not still_wanted():
        return None
    return page_fn(db, flt, sort, number * PAGE_SIZE, PAGE_SIZE)


class LazyRowsModel(ReadOnlyTableModel):
    """Rows matching a filter, in a chosen order, fetched a page at a time on demand."""

    #: The count and first rows for the current filter and sort have arrived.
    loaded = Signal()
    #: A page of rows has arrived.
    page_loaded = Signal(int)

    #: The column whose placeholder says "Loading…".
    FIRST_TEXT_COLUMN = 0
    #: The columns a click on the header sorts by (others are not sortable).
    SORTABLE: tuple[int, ...] = ()
    #: The very first load asks for the first page and shows it at once, then counts (so the
    #: first screenful does not wait for every row to be counted); otherwise both in one job.
    FIRST_PAGE_BEFORE_COUNT = False

    def __init__(self, ctx: AppContext, flt: Any, sort: Any, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.ctx = ctx
        self.filter = flt
        self.sort_key = sort
        self.total = 0
        self.has_loaded = False
        self._pages: collections.OrderedDict[int, list[Any]] = collections.OrderedDict()
        self._wanted: list[int] = []
        self._generation = 0
        self._refreshing = False
        self._fetching: int | None = None
        self._short_page_seen = False
        #: For tests and the benchmark: how many rows and which pages have been fetched.
        self.rows_fetched = 0
        self.pages_fetched: list[int] = []
        self._loading = self.tr("Loading…")
        self._italic = QFont()
        self._italic.setItalic(True)

    # -- what subclasses give --------------------------------------------------------------
    def count_fn(self) -> CountFn:
        raise NotImplementedError

    def page_fn(self) -> PageFn:
        raise NotImplementedError

    def reading_label(self) -> str:
        return self.tr("Reading…")

    def cell(self, row: Any, column: int, role: int) -> Any:
        """What a cached row shows in a column for Display, ToolTip, AccessibleText and
        TextAlignment roles."""
        raise NotImplementedError

    def is_archived(self, row: Any) -> bool:
        return bool(getattr(row, "archived", False))

    def sort_fields(self) -> dict[int, Any]:
        """The service's sort field for each sortable column."""
        return {}

    def sort_key_for(self, field: Any, descending: bool) -> Any:
        """The service's sort key for a field."""
        raise NotImplementedError

    # -- asking for rows -------------------------------------------------------------------
    def set_filter(self, flt: Any) -> None:
        if flt != self.filter:
            self.filter = flt
            self.refresh(reset=True)

    def set_sort(self, key: Any) -> None:
        if key != self.sort_key:
            self.sort_key = key
            self.refresh(reset=True)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column, asking the database again (the order spans every row)."""
        fields = self.sort_fields()
        if column not in fields:
            return
        self.set_sort(self.sort_key_for(fields[column], order == Qt.SortOrder.DescendingOrder))

    def sort_column(self) -> tuple[int, Qt.SortOrder]:
        """The column and order the rows are sorted by (-1 if not by a column)."""
        columns = {field: column for column, field in self.sort_fields().items()}
        order = Qt.SortOrder.DescendingOrder if self.sort_key.descending else Qt.SortOrder.AscendingOrder
        return columns.get(self.sort_key.field, -1), order

    def refresh(self, *, reset: bool = False) -> None:
        """Ask again: the count and the pages most recently used (the first page if the
        filter or sort changed).  The rows shown stay until the answer arrives."""
        if self.ctx.db is None:
            return
        self._generation += 1
        generation = self._generation
        self._refreshing = True
        if self.FIRST_PAGE_BEFORE_COUNT and not self.has_loaded and not self._pages:
            self._first_load(generation)
            return
        if reset or not self._pages:
            pages: tuple[int, ...] = (0,)
        else:
            recent = list(reversed(self._pages))[:REFRESH_PAGES]
            pages = tuple(sorted(set(recent) | {0}))
        self.ctx.worker.submit(
            fetch_count_and_pages,
            self.count_fn(),
            self.page_fn(),
            self.ctx.database,
            self.filter,
            self.sort_key,
            pages,
            functools.partial(self._is_current, generation),
            on_done=functools.partial(self._refreshed, generation, reset),
            on_settled=functools.partial(self._refresh_settled, generation),
            label=self.reading_label(),
        )

    def _first_load(self, generation: int) -> None:
        """The very first load: the first page, shown at once, then the count."""
        still_wanted = functools.partial(self._is_current, generation)
        label = self.reading_label()
        self.ctx.worker.submit(
            fetch_page,
            self.page_fn(),
            self.ctx.database,
            self.filter,
            self.sort_key,
            0,
            still_wanted,
            on_done=functools.partial(self._first_page_arrived, generation),
            label=label,
        )
        self.ctx.worker.submit(
            fetch_count,
            self.count_fn(),
            self.ctx.database,
            self.filter,
            still_wanted,
            on_done=functools.partial(self._counted, generation),
            on_settled=functools.partial(self._refresh_settled, generation),
            label=label,
        )

    def _first_page_arrived(self, generation: int, rows: list[Any] | None) -> None:
        if generation != self._generation or rows is None:
            return
        self._note_fetched({0: rows})
        self.beginResetModel()
        self.total = len(rows)  # for now: the count follows
        self._pages = collections.OrderedDict({0: rows})
        self._wanted.clear()
        self.endResetModel()

    def _counted(self, generation: int, total: int | None) -> None:
        if generation != self._generation or total is None:
            return
        if total > self.total:
            self.beginInsertRows(QModelIndex(), self.total, total - 1)
            self.total = total
            self.endInsertRows()
        elif total < self.total:
            self.beginRemoveRows(QModelIndex(), total, self.total - 1)
            self.total = total
            self.endRemoveRows()
        self.has_loaded = True
        self.loaded.emit()

    def _is_current(self, generation: int) -> bool:
        # Read from the worker thread: a plain int comparison, safe under the GIL.
        return generation == self._generation

    def _refreshed(
        self, generation: int, reset: bool, result: tuple[int, dict[int, list[Any]]] | None
    ) -> None:
        if generation != self._generation or result is None:
            return
        total, pages = result
        self._note_fetched(pages)
        self._short_page_seen = False
        if reset or total != self.total or not self.has_loaded:
            self.beginResetModel()
            self.total = total
            self._pages = collections.OrderedDict(sorted(pages.items()))
            self._wanted.clear()
            self.has_loaded = True
            self.endResetModel()
        else:
            self._pages = collections.OrderedDict(sorted(pages.items()))
            if total:
                self.dataChanged.emit(self.index(0, 0), self.index(total - 1, len(self.headers) - 1))
        self.loaded.emit()

    def _refresh_settled(self, generation: int) -> None:
        if generation == self._generation:
            self._refreshing = False
            self._fetch_next()

    def _note_fetched(self, pages: dict[int, list[Any]]) -> None:
        for number, rows in pages.items():
            self.pages_fetched.append(number)
            self.rows_fetched += len(rows)

    def _want(self, number: int) -> None:
        if number in self._wanted:
            if self._wanted[0] == number:
                return
            self._wanted.remove(number)
        self._wanted.insert(0, number)
        del self._wanted[MAX_WANTED:]
        if self._fetching is None and not self._refreshing:
            QTimer.singleShot(0, self._fetch_next)  # not from inside data(): the view may paint

    def _fetch_next(self) -> None:
        if self._fetching is not None or self._refreshing or self.ctx.db is None:
            return
        while self._wanted:
            number = self._wanted.pop(0)
            if number not in self._pages and number * PAGE_SIZE < self.total:
                break
        else:
            return
        generation = self._generation
        self._fetching = number
        self.ctx.worker.submit(
            fetch_page,
            self.page_fn(),
            self.ctx.database,
            self.filter,
            self.sort_key,
            number,
            functools.partial(self._is_current, generation),
            on_done=functools.partial(self._page_arrived, generation, number),
            on_settled=self._page_settled,
            label=self.reading_label(),
        )

    def _page_arrived(self, generation: int, number: int, rows: list[Any] | None) -> None:
        if generation != self._generation or rows is None:
            return
        self._note_fetched({number: rows})
        self._pages[number] = rows
        self._pages.move_to_end(number)
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        first = number * PAGE_SIZE
        last = min(first + PAGE_SIZE, self.total) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.headers) - 1))
        self.page_loaded.emit(number)

    def _page_settled(self) -> None:
        self._fetching = None
        self._fetch_next()

    # -- what is held ----------------------------------------------------------------------
    @property
    def cached_pages(self) -> list[int]:
        return sorted(self._pages)

    @property
    def rows_held(self) -> int:
        return sum(len(rows) for rows in self._pages.values())

    @property
    def busy(self) -> bool:
        return self._refreshing or self._fetching is not None or bool(self._wanted)

    def row_at(self, row: int, *, want: bool = False) -> Any | None:
        """The row if its page is cached (asking for the page if ``want``)."""
        if not 0 <= row < self.total:
            return None
        number, offset = divmod(row, PAGE_SIZE)
        rows = self._pages.get(number)
        if rows is None:
            if want:
                self._want(number)
            return None
        self._pages.move_to_end(number)
        if offset >= len(rows):
            # The data changed between the count and this page: count again, once.
            if not self._short_page_seen and not self._refreshing:
                self._short_page_seen = True
                QTimer.singleShot(0, self.refresh)
            return None
        return rows[offset]

    def find(self, record_id: Any) -> int | None:
        """The row of a record among the cached pages, or None."""
        for number, rows in self._pages.items():
            for offset, row in enumerate(rows):
                if row.id == record_id:
                    return number * PAGE_SIZE + offset
        return None

    # -- the model -------------------------------------------------------------------------
    def row_count(self) -> int:
        return self.total

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.FontRole,
            Qt.ItemDataRole.AccessibleTextRole,
            Qt.ItemDataRole.TextAlignmentRole,
        ):
            return None
        row = self.row_at(index.row(), want=True)
        if role == Qt.ItemDataRole.FontRole:
            return self._italic if row is not None and self.is_archived(row) else None
        if row is None:
            if index.column() == self.FIRST_TEXT_COLUMN and role in (
                Qt.ItemDataRole.DisplayRole,
                Qt.ItemDataRole.AccessibleTextRole,
            ):
                return self._loading
            return None
        return self.cell(row, index.column(), role)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.ToolTipRole
            and 0 <= section < len(self.headers)
        ):
            if section in self.SORTABLE:
                return self.tr("Click to sort by {column}").format(column=self.headers[section])
            return None
        return super().headerData(section, orientation, role)

    def index_of_row(self, row: int) -> QModelIndex:
        return self.index(row, 0)
