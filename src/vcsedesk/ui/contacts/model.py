"""The contacts list: a lazy, windowed table model (after Anki's ``browser/table/model.py``).

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
"""

from __future__ import annotations

import collections
import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont

from vcsedesk.ui.table_model import AnyIndex, ReadOnlyTableModel

if TYPE_CHECKING:
    import uuid

    from vcsedesk.services.contact_list import ContactFilter, ContactRow, SortKey
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext

log = logging.getLogger(__name__)

PAGE_SIZE = 200
#: Pages kept in memory (least recently used dropped first): 4,000 rows at most.
MAX_PAGES = 20
#: Pages asked for but not yet fetched that are remembered (older requests are forgotten:
#: the view has scrolled past them and will ask again if it comes back).
MAX_WANTED = 4
#: How many of the most recently used pages a refresh (after a change) fetches again.
REFRESH_PAGES = 3


# -- work done on the worker thread ----------------------------------------------------------
def fetch_count_and_pages(
    db: Database,
    flt: ContactFilter,
    sort: SortKey,
    pages: tuple[int, ...],
    still_wanted: Callable[[], bool],
) -> tuple[int, dict[int, list[ContactRow]]] | None:
    """The number of matching contacts and the given pages; None if no longer wanted."""
    from vcsedesk.services import contact_list

    if not still_wanted():
        return None
    total = contact_list.count(db, flt)
    fetched = {}
    for number in pages:
        if number * PAGE_SIZE < total and still_wanted():
            fetched[number] = contact_list.page(db, flt, sort, number * PAGE_SIZE, PAGE_SIZE)
    return total, fetched


def fetch_count(db: Database, flt: ContactFilter, still_wanted: Callable[[], bool]) -> int | None:
    from vcsedesk.services import contact_list

    if not still_wanted():
        return None
    return contact_list.count(db, flt)


def fetch_page(
    db: Database, flt: ContactFilter, sort: SortKey, number: int, still_wanted: Callable[[], bool]
) -> list[ContactRow] | None:
    from vcsedesk.services import contact_list

    if not still_wanted():
        return None
    return contact_list.page(db, flt, sort, number * PAGE_SIZE, PAGE_SIZE)


class ContactsModel(ReadOnlyTableModel):
    """Contacts matching a filter, in a chosen order, fetched a page at a time on demand."""

    NAME, KIND, EMAIL, PHONE, POSTCODE, WARD, TAGS = range(7)
    #: The columns a click on the header sorts by (others are not sortable).
    SORTABLE = (NAME, POSTCODE, WARD)
    #: The count and first rows for the current filter and sort have arrived.
    loaded = Signal()
    #: A page of rows has arrived.
    page_loaded = Signal(int)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        from vcsedesk.services.contact_list import BY_NAME, ContactFilter

        self.headers = [
            self.tr("Name"),
            self.tr("Kind"),
            self.tr("Email"),
            self.tr("Phone"),
            self.tr("Postcode"),
            self.tr("Ward"),
            self.tr("Tags"),
        ]
        self.ctx = ctx
        self.filter: ContactFilter = ContactFilter()
        self.sort_key: SortKey = BY_NAME
        self.total = 0
        self.has_loaded = False
        self._pages: collections.OrderedDict[int, list[ContactRow]] = collections.OrderedDict()
        self._wanted: list[int] = []
        self._generation = 0
        self._refreshing = False
        self._fetching: int | None = None
        self._short_page_seen = False
        #: For tests and the benchmark: how many rows and which pages have been fetched.
        self.rows_fetched = 0
        self.pages_fetched: list[int] = []
        self._kind_labels = {"person": self.tr("Person"), "organisation": self.tr("Organisation")}
        self._loading = self.tr("Loading…")
        self._italic = QFont()
        self._italic.setItalic(True)

    # -- asking for rows -------------------------------------------------------------------
    def set_filter(self, flt: ContactFilter) -> None:
        if flt != self.filter:
            self.filter = flt
            self.refresh(reset=True)

    def set_sort(self, key: SortKey) -> None:
        if key != self.sort_key:
            self.sort_key = key
            self.refresh(reset=True)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column, asking the database again (the order spans every row)."""
        from vcsedesk.services.contact_list import SortField, SortKey

        fields = {self.NAME: SortField.NAME, self.POSTCODE: SortField.POSTCODE, self.WARD: SortField.WARD}
        if column not in fields:
            return
        self.set_sort(SortKey(fields[column], descending=order == Qt.SortOrder.DescendingOrder))

    def sort_column(self) -> tuple[int, Qt.SortOrder]:
        from vcsedesk.services.contact_list import SortField

        columns = {SortField.NAME: self.NAME, SortField.POSTCODE: self.POSTCODE, SortField.WARD: self.WARD}
        order = Qt.SortOrder.DescendingOrder if self.sort_key.descending else Qt.SortOrder.AscendingOrder
        return columns.get(self.sort_key.field, -1), order

    def refresh(self, *, reset: bool = False) -> None:
        """Ask again: the count and the pages most recently used (the first page if the
        filter or sort changed).  The rows shown stay until the answer arrives."""
        self._generation += 1
        generation = self._generation
        self._refreshing = True
        if not self.has_loaded and not self._pages:
            self._first_load(generation)
            return
        if reset:
            pages: tuple[int, ...] = (0,)
        else:
            recent = list(reversed(self._pages))[:REFRESH_PAGES]
            pages = tuple(sorted(set(recent) | {0})) if recent else (0,)
        self.ctx.worker.submit(
            fetch_count_and_pages,
            self.ctx.database,
            self.filter,
            self.sort_key,
            pages,
            functools.partial(self._is_current, generation),
            on_done=functools.partial(self._refreshed, generation, reset),
            on_settled=functools.partial(self._refresh_settled, generation),
            label=self.tr("Reading the contacts…"),
        )

    def _first_load(self, generation: int) -> None:
        """The very first load: the first page, shown at once, then the count (so the first
        screenful does not wait for every row to be counted)."""
        still_wanted = functools.partial(self._is_current, generation)
        label = self.tr("Reading the contacts…")
        self.ctx.worker.submit(
            fetch_page,
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
            self.ctx.database,
            self.filter,
            still_wanted,
            on_done=functools.partial(self._counted, generation),
            on_settled=functools.partial(self._refresh_settled, generation),
            label=label,
        )

    def _first_page_arrived(self, generation: int, rows: list[ContactRow] | None) -> None:
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
        self, generation: int, reset: bool, result: tuple[int, dict[int, list[ContactRow]]] | None
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

    def _note_fetched(self, pages: dict[int, list[ContactRow]]) -> None:
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
            # Not from inside data(): the view may be painting.
            QTimer.singleShot(0, self._fetch_next)

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
            self.ctx.database,
            self.filter,
            self.sort_key,
            number,
            functools.partial(self._is_current, generation),
            on_done=functools.partial(self._page_arrived, generation, number),
            on_settled=self._page_settled,
            label=self.tr("Reading the contacts…"),
        )

    def _page_arrived(self, generation: int, number: int, rows: list[ContactRow] | None) -> None:
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

    def row_at(self, row: int, *, want: bool = False) -> ContactRow | None:
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

    def find(self, contact_id: uuid.UUID) -> int | None:
        """The row of a contact among the cached pages, or None."""
        for number, rows in self._pages.items():
            for offset, row in enumerate(rows):
                if row.id == contact_id:
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
        ):
            return None
        row = self.row_at(index.row(), want=True)
        column = index.column()
        if role == Qt.ItemDataRole.FontRole:
            return self._italic if row is not None and row.archived else None
        if row is None:
            return self._loading if column == self.NAME and role != Qt.ItemDataRole.ToolTipRole else None
        if column == self.NAME:
            return self.tr("{name} (archived)").format(name=row.name) if row.archived else row.name
        if column == self.KIND:
            return self._kind_labels.get(row.kind.value, row.kind.value)
        if column == self.EMAIL:
            return row.email or ""
        if column == self.PHONE:
            return row.phone or ""
        if column == self.POSTCODE:
            return row.postcode or ""
        if column == self.WARD:
            return row.ward or ""
        if column == self.TAGS:
            return row.tags
        return None

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
