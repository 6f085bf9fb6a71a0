"""The contacts list: a lazy, windowed table model (see :mod:`vcsedesk.ui.lazy_model`) over
:mod:`vcsedesk.services.contact_list`.  The very first load shows the first page at once and
counts after it, so the first screenful does not wait for every contact to be counted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt

from vcsedesk.ui.lazy_model import CountFn, LazyRowsModel, PageFn

if TYPE_CHECKING:
    from vcsedesk.services.contact_list import ContactFilter, ContactRow, SortField, SortKey
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext


# -- worker functions (plain: they run on the worker thread) ---------------------------------
def count_contacts(db: Database, flt: ContactFilter) -> int:
    from vcsedesk.services import contact_list

    return contact_list.count(db, flt)


def page_contacts(
    db: Database, flt: ContactFilter, sort: SortKey, offset: int, limit: int
) -> list[ContactRow]:
    from vcsedesk.services import contact_list

    return contact_list.page(db, flt, sort, offset, limit)


class ContactsModel(LazyRowsModel):
    """Contacts matching a filter, in a chosen order, fetched a page at a time on demand."""

    NAME, KIND, EMAIL, PHONE, POSTCODE, WARD, TAGS = range(7)
    SORTABLE = (NAME, POSTCODE, WARD)
    FIRST_TEXT_COLUMN = NAME
    FIRST_PAGE_BEFORE_COUNT = True

    filter: ContactFilter
    sort_key: SortKey

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        from vcsedesk.services.contact_list import BY_NAME, ContactFilter

        super().__init__(ctx, ContactFilter(), BY_NAME, parent)
        self.headers = [
            self.tr("Name"),
            self.tr("Kind"),
            self.tr("Email"),
            self.tr("Phone"),
            self.tr("Postcode"),
            self.tr("Ward"),
            self.tr("Tags"),
        ]
        self._kind_labels = {"person": self.tr("Person"), "organisation": self.tr("Organisation")}

    def count_fn(self) -> CountFn:
        return count_contacts

    def page_fn(self) -> PageFn:
        return page_contacts

    def reading_label(self) -> str:
        return self.tr("Reading the contacts…")

    def sort_fields(self) -> dict[int, Any]:
        from vcsedesk.services.contact_list import SortField

        return {self.NAME: SortField.NAME, self.POSTCODE: SortField.POSTCODE, self.WARD: SortField.WARD}

    def sort_key_for(self, field: SortField, descending: bool) -> SortKey:
        from vcsedesk.services.contact_list import SortKey

        return SortKey(field, descending=descending)

    def cell(self, row: ContactRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return None
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
