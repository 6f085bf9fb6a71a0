"""The duplicates review screen: likely pairs, a side-by-side merge through the change hub,
a stale merge refused plainly, and the window's Undo bringing both contacts back."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.ui.contacts.conftest import Opened, activate, wait_list
from tests.ui.helpers import WAIT_MS, find_visible, visible_message_boxes
from vcsedesk.domain.contacts import ContactDraft, EmailEntry
from vcsedesk.services import contact_list, contacts
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.ui.contacts.duplicates_dialog import SECOND, DuplicatesDialog, MergeDialog, PairsModel

OpenContacts = Callable[[], Opened]


def two_aishas(db: Database, actor: Actor) -> None:
    contacts.create_contact(
        db,
        actor,
        ContactDraft(
            given_name="Aisha",
            family_name="Rahman",
            emails=(EmailEntry("aisha@example.org"),),
            postcode="E1 6AN",
            notes="Met at the food bank",
        ),
    )
    contacts.create_contact(
        db,
        actor,
        ContactDraft(
            given_name="Aisha",
            family_name="Rahman",
            emails=(EmailEntry("aisha@example.org"), EmailEntry("a.rahman@example.com", "work")),
            postcode="N1 9GU",
        ),
    )
    contacts.create_contact(db, actor, ContactDraft(given_name="Ben", family_name="Smith"))


def live_names(db: Database) -> list[str]:
    return [r.name for r in contact_list.page(db)]


def open_duplicates(qtbot: QtBot, opened: Opened) -> DuplicatesDialog:
    lst = opened.area.list
    assert lst.more_button.focusPolicy() & Qt.FocusPolicy.TabFocus  # reachable by Tab
    assert [a.text() for a in lst.more_menu.actions()] == [
        "Find &duplicates…",
        "&Import contacts…",
        "&Export this list…",
    ]
    lst.duplicates_action.trigger()
    qtbot.waitUntil(lambda: len(find_visible(DuplicatesDialog)) == 1, timeout=WAIT_MS)
    dialog = find_visible(DuplicatesDialog)[0]
    assert isinstance(dialog, DuplicatesDialog)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.model.rowCount() > 0, timeout=WAIT_MS)
    return dialog


def open_merge(qtbot: QtBot, dialog: DuplicatesDialog) -> MergeDialog:
    dialog.view.setFocus()
    qtbot.keyClick(dialog.view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.merge_dialog is not None, timeout=WAIT_MS)
    merge = dialog.merge_dialog
    assert merge is not None
    qtbot.waitUntil(lambda: merge.first is not None and merge.merge_button.isEnabled(), timeout=WAIT_MS)
    return merge


def test_a_pair_sharing_an_email_is_merged_side_by_side_and_undone(
    qtbot: QtBot, qtmodeltester: ModelTester, open_contacts: OpenContacts, set_up: Actor, db: Database
) -> None:
    two_aishas(db, set_up)
    opened = open_contacts()
    dialog = open_duplicates(qtbot, opened)

    model = dialog.model
    qtmodeltester.check(model)
    assert model.rowCount() == 1
    assert model.index(0, PairsModel.FIRST_NAME).data() == "Aisha Rahman"
    assert model.index(0, PairsModel.SECOND_NAME).data() == "Aisha Rahman"
    assert "same email (aisha@example.org)" in model.index(0, PairsModel.REASONS).data()
    assert int(model.index(0, PairsModel.SCORE).data()) >= 60
    pair = model.pair_at(0)
    assert pair is not None
    older, newer = pair.first, pair.second
    assert older.postcode == "E1 6AN"

    merge = open_merge(qtbot, dialog)
    # The older contact is kept unless the person says otherwise.
    assert merge.keep_first.isChecked() and merge.keep_side == "first"
    # Only the fields that differ are offered: the names are the same.
    assert set(merge.radios) == {"postcode", "notes"}
    assert set(merge.radios["notes"]) == {"first", "second", "both"}
    assert "a.rahman@example.com" in merge.together.text()
    assert "aisha@example.org" in merge.together.text()
    # By default each field keeps the kept contact's value.
    assert merge.choices() == {"postcode": "keep", "notes": "keep"}

    # Take the dropped contact's postcode, by keyboard: Space on its radio button.
    radio = merge.radios["postcode"][SECOND]
    radio.setFocus()
    qtbot.keyClick(radio, Qt.Key.Key_Space)
    assert merge.choices() == {"postcode": "drop", "notes": "keep"}
    qtbot.mouseClick(merge.merge_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: dialog.merge_dialog is None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: live_names(db) == ["Aisha Rahman", "Ben Smith"], timeout=WAIT_MS)
    kept = contacts.get_contact(db, older.id)
    assert kept.postcode == "N1 9GU"
    assert kept.notes == "Met at the food bank"
    assert sorted(e.address for e in kept.emails) == ["a.rahman@example.com", "aisha@example.org"]
    assert contacts.get_contact(db, newer.id).archived

    # The pair list reloads (nothing left) and the contacts list refreshed through the hub.
    qtbot.waitUntil(lambda: not dialog.busy and model.rowCount() == 0, timeout=WAIT_MS)
    assert dialog.status.text() == "No likely duplicates found."
    qtmodeltester.check(model)
    wait_list(qtbot, opened)
    assert opened.area.list.model.total == 2

    # Close, then the window's Ctrl+Z brings both back as they were.
    qtbot.keyClick(dialog.view, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: find_visible(DuplicatesDialog) == [], timeout=WAIT_MS)
    activate(qtbot, opened)
    view = opened.area.list.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(live_names(db)) == 3, timeout=WAIT_MS)
    wait_list(qtbot, opened)
    first, second = contacts.get_contact(db, older.id), contacts.get_contact(db, newer.id)
    assert (first.postcode, first.archived) == ("E1 6AN", False)
    assert [e.address for e in first.emails] == ["aisha@example.org"]
    assert (second.postcode, second.archived) == ("N1 9GU", False)
    assert sorted(e.address for e in second.emails) == ["a.rahman@example.com", "aisha@example.org"]
    assert opened.area.list.model.total == 3
    assert visible_message_boxes() == []


def test_keeping_the_newer_contact_and_both_notes(
    qtbot: QtBot, open_contacts: OpenContacts, set_up: Actor, db: Database
) -> None:
    two_aishas(db, set_up)
    opened = open_contacts()
    dialog = open_duplicates(qtbot, opened)
    pair = dialog.model.pair_at(0)
    assert pair is not None
    merge = open_merge(qtbot, dialog)
    qtbot.mouseClick(merge.keep_second, Qt.MouseButton.LeftButton)
    # Untouched fields follow the kept contact; its blank notes take the other's.
    assert merge.choices() == {"postcode": "keep", "notes": "drop"}
    merge.choose("notes", "both")
    assert merge.choices() == {"postcode": "keep", "notes": "both"}
    qtbot.mouseClick(merge.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(live_names(db)) == 2, timeout=WAIT_MS)
    kept = contacts.get_contact(db, pair.second.id)
    assert (kept.postcode, kept.notes, kept.archived) == ("N1 9GU", "Met at the food bank", False)
    assert contacts.get_contact(db, pair.first.id).archived
    qtbot.waitUntil(lambda: not dialog.busy and dialog.model.rowCount() == 0, timeout=WAIT_MS)
    dialog.reject()


def test_a_stale_merge_is_refused_plainly(
    qtbot: QtBot, open_contacts: OpenContacts, set_up: Actor, db: Database
) -> None:
    two_aishas(db, set_up)
    opened = open_contacts()
    dialog = open_duplicates(qtbot, opened)
    merge = open_merge(qtbot, dialog)
    assert merge.first is not None
    # Someone else changes the older contact after the merge view was opened.
    view = contacts.get_contact(db, merge.first.id)
    draft = dataclasses.replace(view.as_draft(), notes="Changed meanwhile")
    contacts.update_contact(db, set_up, view.id, view.version, draft)
    qtbot.mouseClick(merge.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: merge.status.text().startswith("Not merged:"), timeout=WAIT_MS)
    assert "was changed by" in merge.status.text()
    assert not merge.merge_button.isEnabled()
    assert visible_message_boxes() == []
    assert len(live_names(db)) == 3  # nothing merged
    qtbot.keyClick(merge, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: dialog.merge_dialog is None, timeout=WAIT_MS)
    dialog.reject()
    wait_list(qtbot, opened)


def test_the_more_menu_opens_the_import_wizard(
    qtbot: QtBot, open_contacts: OpenContacts, set_up: Actor
) -> None:
    from vcsedesk.ui.contacts.import_wizard import ImportWizard

    opened = open_contacts()
    opened.area.list.import_action.trigger()
    qtbot.waitUntil(lambda: len(find_visible(ImportWizard)) == 1, timeout=WAIT_MS)
    wizard = find_visible(ImportWizard)[0]
    assert isinstance(wizard, ImportWizard)
    wizard.reject()
    qtbot.waitUntil(lambda: find_visible(ImportWizard) == [], timeout=WAIT_MS)
