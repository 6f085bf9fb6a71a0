"""A lazy, windowed table model over a service's ``count`` and ``page`` (after
:mod:`vcsedesk.ui.contacts.model`, made general so the engagement log and the quotes list
share it).

The model never holds every row: it knows how many rows the filter gives (asked on the
worker) and keeps a bounded cache of pages (``PAGE_SIZE`` rows each, at most ``MAX_PAGES``,
least recently used dropped first).  A row whose page is not cached shows a placeholder and
its page is asked for; when it arrives the rows are announced with ``dataChanged``.  At most
one page is fetched at a time; pages asked for meanwhile wait, most recent first.  A new filter
or sort starts a new *generation*: answers for older generations are dropped, and a queued job
for an older generation does not even run its query.

Subclasses give the service functions (:meth:`count_rows`, :meth:`page_rows` — plain module
functions, run on the worker), the headers and :meth:`cell`.
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
#: Pages kept in memory (least recently used dropped first).
MAX_PAGES = 20
#: Pages asked for but not yet fetched that are remembered.
MAX_WANTED = 4
#: How many of the most recently used pages a refresh (after a change) fetches again.
REFRESH_PAGES = 3

CountFn = Callable[[Any, Any], int]
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
    if not still_wanted():
        return None
    total = count_fn(db, flt)
    fetched = {}
    for number in pages:
        if number * PAGE_SIZE < total and still_wanted():
            fetched[number] = page_fn(db, flt, sort, number * PAGE_SIZE, PAGE_SIZE)
    return total, fetched


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
        raise NotImplementedError

    def is_archived(self, row: Any) -> bool:
        return bool(getattr(row, "archived", False))

    # -- asking for rows -------------------------------------------------------------------
    def set_filter(self, flt: Any) -> None:
        if flt != self.filter:
            self.filter = flt
            self.refresh(reset=True)

    def set_sort(self, key: Any) -> None:
        if key != self.sort_key:
            self.sort_key = key
            self.refresh(reset=True)

    def refresh(self, *, reset: bool = False) -> None:
        """Ask again: the count and the pages most recently used (the first page if the
        filter or sort changed).  The rows shown stay until the answer arrives."""
        if self.ctx.db is None:
            return
        self._generation += 1
        generation = self._generation
        self._refreshing = True
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

    def index_of_row(self, row: int) -> QModelIndex:
        return self.index(row, 0)
