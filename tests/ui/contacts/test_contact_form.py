"""The contact form driven like a person would: typed into, checked as you type, saved,
found again by searching, consent recorded — and all of it checked against the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from tests.ui.contacts.conftest import Opened, wait_list
from tests.ui.helpers import WAIT_MS, visible_message_boxes
from vcsedesk.domain.consent import Purpose
from vcsedesk.domain.contacts import ContactDraft, EmailEntry
from vcsedesk.services import consent, contact_list, contacts
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.ui.contacts.model import ContactsModel

OpenContacts = Callable[[], Opened]


def retype(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def only_contact(db: Database, name: str) -> contacts.ContactView:
    rows = contact_list.page(db, contact_list.ContactFilter(text=name))
    assert len(rows) == 1, rows
    return contacts.get_contact(db, rows[0].id)


def test_type_fix_save_find_by_phone_record_consent_and_see_it_in_the_list(
    qtbot: QtBot, open_contacts: OpenContacts, set_up: Actor, db: Database
) -> None:
    contacts.create_contact(db, set_up, ContactDraft(given_name="Ben", family_name="Smith"))
    opened = open_contacts()
    area, model = opened.area, opened.area.list.model
    assert model.total == 1

    # Ctrl+N from the list starts a new contact.
    qtbot.keyClick(area.list.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert not area.showing_list
    editor = area.page.editor
    assert editor.is_new and area.page.tab_titles()[0] == "Details"
    qtbot.keyClicks(editor.given_name, "Aisha")
    qtbot.keyClicks(editor.family_name, "Rahman")

    # An invalid email: the problem appears beside the email field, and Save is off.
    qtbot.keyClicks(editor.emails.edit(0), "aisha@example")
    problem = editor.emails.problem(0)
    assert problem.isVisible()
    assert problem.text().startswith("⚠") and "aisha@example" in problem.text()
    assert "emails[0]" in editor.problems
    assert not editor.save_button.isEnabled()

    # Fixed: the message goes; a phone in national format; Save.
    retype(qtbot, editor.emails.edit(0), "aisha.rahman@example.org")
    assert not problem.isVisible() and not editor.problems
    qtbot.keyClicks(editor.phones.edit(0), "07700 900123")
    qtbot.keyClicks(editor.postcode, "e1 6an")
    assert editor.save_button.isEnabled()
    qtbot.keyClick(editor.postcode, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    qtbot.waitUntil(lambda: editor.contact is not None, timeout=WAIT_MS)
    saved = only_contact(db, "Aisha")
    assert saved.name == "Aisha Rahman"
    assert [e.address for e in saved.emails] == ["aisha.rahman@example.org"]
    assert [p.number for p in saved.phones] == ["+447700900123"]  # stored normalised
    assert saved.postcode == "E1 6AN"
    assert editor.contact is not None and editor.contact.id == saved.id
    assert editor.phones.edit(0).text() == "07700 900123"
    assert set(area.page.tab_titles()) >= {"Details", "Consent", "Timeline"}

    # Back to the list (Escape); the phone typed another way finds her.
    qtbot.keyClick(editor.given_name, Qt.Key.Key_Escape)
    assert area.showing_list
    qtbot.keyClick(area.list.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert area.list.search.hasFocus()
    qtbot.keyClicks(area.list.search, "+44 7700 900123")
    qtbot.waitUntil(lambda: model.filter.text == "+44 7700 900123", timeout=WAIT_MS)
    wait_list(qtbot, opened)
    assert model.total == 1
    assert model.index(0, ContactsModel.NAME).data() == "Aisha Rahman"
    assert model.index(0, ContactsModel.PHONE).data() == "07700 900123"

    # Down into the list, Enter opens her; the Consent tab records consent to email.
    qtbot.keyClick(area.list.search, Qt.Key.Key_Down)
    assert area.list.view.hasFocus()
    qtbot.keyClick(area.list.view, Qt.Key.Key_Return)
    assert not area.showing_list
    page = area.page
    qtbot.waitUntil(lambda: page.contact is not None and page.contact.id == saved.id, timeout=WAIT_MS)
    page.tabs.setCurrentWidget(page.consent)
    tab = page.consent
    qtbot.waitUntil(lambda: tab.picture is not None, timeout=WAIT_MS)
    assert tab.state_model.index(0, 1).data() == "✖ No"
    assert "No consent recorded" in tab.state_model.index(0, 3).data()
    tab.purpose.setCurrentIndex(tab.purpose.findData(Purpose.CONTACT_EMAIL.value))
    tab.status.setCurrentIndex(tab.status.findData("given"))
    tab.method.setCurrentIndex(tab.method.findData("written"))
    qtbot.keyClicks(tab.evidence, "Signed form, March drop-in")
    qtbot.mouseClick(tab.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(consent.history(db, saved.id)) == 1, timeout=WAIT_MS)
    assert consent.may_use(db, saved.id, Purpose.CONTACT_EMAIL, date.today()).allowed
    qtbot.waitUntil(lambda: tab.history_model.rowCount() == 1, timeout=WAIT_MS)
    row = next(r for r, (p, _d) in enumerate(tab.state_model.rows) if p is Purpose.CONTACT_EMAIL)
    assert tab.state_model.index(row, 1).data() == "✔ Yes"
    assert "given on" in tab.state_model.index(row, 3).data()
    assert tab.history_model.index(0, 6).data() == "Signed form, March drop-in"

    # In the list: the consent filter shows who may be emailed — her, not Ben.
    page.go_back()
    lst = area.list
    lst.search.clear()
    lst.apply_filter()
    wait_list(qtbot, opened)
    assert model.total == 2
    lst.consent_purpose.setCurrentIndex(lst.consent_purpose.findData(Purpose.CONTACT_EMAIL.value))
    assert lst.consent_state.isEnabled()
    lst.consent_state.setCurrentIndex(lst.consent_state.findData("given"))
    qtbot.waitUntil(lambda: model.filter.consent is not None, timeout=WAIT_MS)
    wait_list(qtbot, opened)
    assert model.total == 1
    assert model.index(0, ContactsModel.NAME).data() == "Aisha Rahman"
    assert model.total == contact_list.count(db, model.filter)
    lst.consent_state.setCurrentIndex(lst.consent_state.findData("none"))
    wait_list(qtbot, opened)
    assert model.total == 1 and model.index(0, ContactsModel.NAME).data() == "Ben Smith"
    assert visible_message_boxes() == []


def test_a_stale_save_is_refused_changes_nothing_and_offers_to_reload(
    qtbot: QtBot, open_contacts: OpenContacts, set_up: Actor, db: Database
) -> None:
    contacts.create_contact(
        db,
        set_up,
        ContactDraft(given_name="Chloe", family_name="Okafor", emails=(EmailEntry("c@example.org"),)),
    )
    opened = open_contacts()
    area = opened.area
    qtbot.keyClick(area.list.view, Qt.Key.Key_Return)
    page = area.page
    qtbot.waitUntil(lambda: page.editor.contact is not None, timeout=WAIT_MS)
    loaded = page.editor.contact
    assert loaded is not None

    # Someone else saves first.
    theirs = loaded.as_draft().with_changes(notes="Prefers mornings")
    contacts.update_contact(db, set_up, loaded.id, loaded.version, theirs)
    after_theirs = contacts.get_contact(db, loaded.id)

    editor = page.editor
    qtbot.keyClicks(editor.postcode, "E1 6AN")
    assert editor.save_button.isEnabled()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(editor.banner.isVisible, timeout=WAIT_MS)
    wait_list(qtbot, opened)
    assert "was changed by Sam Patel" in editor.banner_text.text()
    assert "Your changes were not saved" in editor.banner_text.text()
    assert editor.reload_button.isVisible()
    assert contacts.get_contact(db, loaded.id) == after_theirs  # nothing of ours written
    assert editor.postcode.text() == "E1 6AN"  # nothing typed lost
    assert visible_message_boxes() == []

    qtbot.mouseClick(editor.reload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.notes.toPlainText() == "Prefers mornings", timeout=WAIT_MS)
    assert editor.postcode.text() == ""
    assert not editor.banner.isVisible()
    assert not editor.dirty
