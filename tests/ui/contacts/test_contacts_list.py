"""The contacts list: a lazy windowed model, sorting by the database, filters, search that
keeps up with typing, and archive / restore / undo from the keyboard."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.benchmarks.contacts_data import fill
from tests.ui.contacts.conftest import Opened, activate, wait_list
from tests.ui.helpers import WAIT_MS, visible_message_boxes
from vcsedesk.domain.contacts import ContactDraft, ContactKind, EmailEntry
from vcsedesk.services import contact_list, contacts
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.ui.contacts.model import ContactsModel
from vcsedesk.ui.lazy_model import MAX_PAGES, PAGE_SIZE

OpenContacts = Callable[[], Opened]


def add(db: Database, actor: Actor, given: str, family: str, **values: object) -> None:
    contacts.create_contact(db, actor, ContactDraft(given_name=given, family_name=family, **values))  # type: ignore[arg-type]


def names(model: ContactsModel) -> list[str]:
    return [model.index(r, ContactsModel.NAME).data() for r in range(model.rowCount())]


def answer(qtbot: QtBot, button: QMessageBox.StandardButton) -> None:
    qtbot.waitUntil(lambda: len(visible_message_boxes()) == 1, timeout=WAIT_MS)
    box = visible_message_boxes()[0]
    qtbot.mouseClick(box.button(button), Qt.MouseButton.LeftButton)


def archived(db: Database, name: str) -> bool:
    rows = contact_list.page(db, contact_list.ContactFilter(include_archived=True))
    found = [r for r in rows if r.name.startswith(name)]
    assert len(found) == 1
    return found[0].archived


def test_the_model_fetches_only_the_pages_the_view_shows(
    qtbot: QtBot, qtmodeltester: ModelTester, open_contacts: OpenContacts, set_up: Actor, db: Database
) -> None:
    fill(db, 5000)
    live = contact_list.count(db)
    opened = open_contacts()
    model, view = opened.area.list.model, opened.area.list.view
    assert model.rowCount() == live > 4000
    # The first screenful needed one page: 200 rows read of 4,848.
    assert model.pages_fetched == [0]
    assert model.rows_fetched == PAGE_SIZE
    assert model.index(0, ContactsModel.NAME).data() == contact_list.page(db, limit=1)[0].name
    assert opened.area.list.count_label.text() == f"{live} contact(s)"

    # Jump to the end: only the last page is read.
    view.scrollToBottom()
    last = (live - 1) // PAGE_SIZE
    qtbot.waitUntil(lambda: last in model.cached_pages, timeout=WAIT_MS)
    wait_list(qtbot, opened)
    assert sorted(set(model.pages_fetched)) == [0, last]
    assert model.rows_fetched == PAGE_SIZE + (live - last * PAGE_SIZE)
    tail = contact_list.page(db, offset=live - 1, limit=1)[0]
    assert model.index(live - 1, ContactsModel.NAME).data() == tail.name

    # A row not yet read shows a placeholder, then its row.
    middle = live // 2
    assert model.index(middle, ContactsModel.NAME).data() == "Loading…"
    assert model.index(middle, ContactsModel.EMAIL).data() is None
    qtbot.waitUntil(lambda: middle // PAGE_SIZE in model.cached_pages, timeout=WAIT_MS)
    expected = contact_list.page(db, offset=middle, limit=1)[0]
    assert model.index(middle, ContactsModel.EMAIL).data() == expected.email

    # The cache is bounded: walking every page keeps at most MAX_PAGES of them.
    for number in range(last + 1):
        model.row_at(number * PAGE_SIZE, want=True)
        qtbot.waitUntil(lambda n=number: n in model.cached_pages, timeout=WAIT_MS)
    assert len(model.cached_pages) == MAX_PAGES
    assert model.rows_held <= MAX_PAGES * PAGE_SIZE

    started = time.monotonic()
    qtmodeltester.check(model)
    assert time.monotonic() - started < 20


def test_an_empty_list_and_a_fresh_model_pass_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, open_contacts: OpenContacts, set_up: Actor
) -> None:
    opened = open_contacts()
    model = opened.area.list.model
    assert model.rowCount() == 0 and model.has_loaded
    assert opened.area.list.count_label.text() == "0 contact(s)"
    qtmodeltester.check(model)
    fresh = ContactsModel(opened.running.ctx)
    qtmodeltester.check(fresh)
    assert fresh.headerData(0, Qt.Orientation.Horizontal) == "Name"
    assert [fresh.headerData(c, Qt.Orientation.Horizontal) for c in range(7)] == [
        "Name",
        "Kind",
        "Email",
        "Phone",
        "Postcode",
        "Ward",
        "Tags",
    ]


def test_clicking_a_header_sorts_by_asking_the_database_again(
    qtbot: QtBot, open_contacts: OpenContacts, set_up: Actor, db: Database
) -> None:
    add(db, set_up, "Ama", "Zed", postcode="N1 9GU")
    add(db, set_up, "Bea", "Young", postcode="E1 6AN")
    add(db, set_up, "Cal", "Xu", postcode="SE1 7PB")
    opened = open_contacts()
    lst = opened.area.list
    model, header = lst.model, lst.view.horizontalHeader()
    assert names(model) == ["Ama Zed", "Bea Young", "Cal Xu"]

    def click(column: int) -> None:
        x = header.sectionViewportPosition(column) + 5
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))

    fetched = len(model.pages_fetched)
    click(ContactsModel.POSTCODE)
    wait_list(qtbot, opened)
    assert model.sort_key == contact_list.SortKey(contact_list.SortField.POSTCODE)
    assert names(model) == ["Bea Young", "Ama Zed", "Cal Xu"]
    assert len(model.pages_fetched) == fetched + 1  # asked again, not sorted in memory
    click(ContactsModel.POSTCODE)
    wait_list(qtbot, opened)
    assert names(model) == ["Cal Xu", "Ama Zed", "Bea Young"]
    assert model.sort_key.descending
    # Kind is not sortable: the indicator stays on Postcode and the order does not change.
    click(ContactsModel.KIND)
    wait_list(qtbot, opened)
    assert header.sortIndicatorSection() == ContactsModel.POSTCODE
    assert model.sort_key == contact_list.SortKey(contact_list.SortField.POSTCODE, descending=True)
    click(ContactsModel.NAME)
    wait_list(qtbot, opened)
    assert names(model) == ["Ama Zed", "Bea Young", "Cal Xu"]


def test_filters_and_search_as_you_type(
    qtbot: QtBot, open_contacts: OpenContacts, set_up: Actor, db: Database
) -> None:
    contacts.add_ward(db, set_up, "Bow East")
    contacts.create_contact(db, set_up, ContactDraft(kind="organisation", name="Canal Tenants"))
    add(
        db, set_up, "Aisha", "Rahman", tags=("Carer",), ward="Bow East", emails=(EmailEntry("a@example.org"),)
    )
    add(db, set_up, "Aidan", "Rowe", tags=("Youth",))
    add(db, set_up, "Bo", "Li", notes="Met at the canal clean-up")
    org = contact_list.page(db, contact_list.ContactFilter(kind=ContactKind.ORGANISATION))[0]
    bo = contact_list.page(db, contact_list.ContactFilter(text="Bo Li"))[0]
    contacts.add_membership(db, set_up, bo.id, org.id, "Chair")
    opened = open_contacts()
    lst, model = opened.area.list, opened.area.list.model
    qtbot.waitUntil(lambda: lst.tag.count() == 3 and lst.ward.count() == 2, timeout=WAIT_MS)
    assert model.total == 4

    def choose(combo: object, data: object) -> None:
        from PySide6.QtWidgets import QComboBox

        assert isinstance(combo, QComboBox)
        combo.setCurrentIndex(combo.findData(data))
        wait_list(qtbot, opened)

    choose(lst.kind, "organisation")
    assert names(model) == ["Canal Tenants"]
    choose(lst.kind, "person")
    assert model.total == 3
    choose(lst.tag, "Carer")
    assert names(model) == ["Aisha Rahman"]
    assert model.index(0, ContactsModel.TAGS).data() == "Carer"
    assert model.index(0, ContactsModel.WARD).data() == "Bow East"
    choose(lst.tag, None)
    choose(lst.ward, "Bow East")
    assert names(model) == ["Aisha Rahman"]
    choose(lst.ward, None)
    choose(lst.organisation, str(org.id))
    assert names(model) == ["Bo Li"]
    qtbot.mouseClick(lst.clear_button, Qt.MouseButton.LeftButton)
    wait_list(qtbot, opened)
    assert model.total == 4 and lst.kind.currentIndex() == 0

    # Typing fast: only the last query's answer is shown, found by any word's start.
    lst.search.setFocus()
    qtbot.keyClicks(lst.search, "ai")
    qtbot.keyClicks(lst.search, "sha")
    qtbot.waitUntil(lambda: model.filter.text == "aisha", timeout=WAIT_MS)
    wait_list(qtbot, opened)
    assert names(model) == ["Aisha Rahman"]
    # Two queries sent back to back: the first one's answer is dropped.
    from vcsedesk.services.contact_list import ContactFilter

    model.set_filter(ContactFilter(text="rowe"))
    model.set_filter(ContactFilter(text="canal"))
    wait_list(qtbot, opened)
    assert sorted(names(model)) == ["Bo Li", "Canal Tenants"]  # notes and the organisation's name


def test_archive_restore_and_undo_from_the_keyboard(
    qtbot: QtBot, open_contacts: OpenContacts, set_up: Actor, db: Database
) -> None:
    add(db, set_up, "Aisha", "Rahman")
    add(db, set_up, "Ben", "Smith")
    opened = open_contacts()
    lst, model, view = opened.area.list, opened.area.list.model, opened.area.list.view
    view.setFocus()
    assert view.currentIndex().row() == 0
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert lst.selected_row() is not None and lst.selected_row().name == "Ben Smith"  # type: ignore[union-attr]
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert lst.selected_row().name == "Aisha Rahman"  # type: ignore[union-attr]

    # Delete asks first; Cancel changes nothing.
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    answer(qtbot, QMessageBox.StandardButton.Cancel)
    wait_list(qtbot, opened)
    assert not archived(db, "Aisha") and model.total == 2

    # Delete, confirmed: archived, and gone from the list.
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    answer(qtbot, QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: archived(db, "Aisha"), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: model.total == 1, timeout=WAIT_MS)
    wait_list(qtbot, opened)
    assert names(model) == ["Ben Smith"]

    # Ctrl+Z: the window's Undo brings her back.
    activate(qtbot, opened)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not archived(db, "Aisha"), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: model.total == 2, timeout=WAIT_MS)
    wait_list(qtbot, opened)
    assert names(model) == ["Aisha Rahman", "Ben Smith"]

    # Archive again, show archived, and restore with Ctrl+R.
    lst.select_contact(next(r.id for r in contact_list.page(db) if r.name == "Aisha Rahman"))
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    answer(qtbot, QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: archived(db, "Aisha"), timeout=WAIT_MS)
    wait_list(qtbot, opened)
    lst.show_archived.setChecked(True)
    wait_list(qtbot, opened)
    assert names(model) == ["Aisha Rahman (archived)", "Ben Smith"]
    assert model.index(0, 0).data(Qt.ItemDataRole.FontRole).italic()
    lst.select_contact(
        next(
            r.id
            for r in contact_list.page(db, contact_list.ContactFilter(include_archived=True))
            if r.archived
        )
    )
    assert lst.archive_button.text() == "&Restore"
    activate(qtbot, opened)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not archived(db, "Aisha"), timeout=WAIT_MS)
    wait_list(qtbot, opened)
    assert names(model) == ["Aisha Rahman", "Ben Smith"]
    assert visible_message_boxes() == []
