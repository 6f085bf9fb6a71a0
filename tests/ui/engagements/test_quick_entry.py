"""Quick entry, driven by keyboard alone: typed, crashed mid-draft, put back on the next
start, saved with Ctrl+Enter — and checked against the database."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from tests.ui.helpers import WAIT_MS, visible_message_boxes, wait_idle, wait_ready
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.engagement import HeadcountEntry, Sharing
from vcsedesk.services import claims, consent, contacts, engagements
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.store.location import DataFolder
from vcsedesk.store.models import Engagement, Theme
from vcsedesk.ui import app as ui_app
from vcsedesk.ui.engagements.quick_entry import (
    DRAFT_KIND,
    QuickEntryDialog,
    QuickEntryLauncher,
    install_quick_entry,
)

StartApp = Callable[[], ui_app.App]
Ctrl = Qt.KeyboardModifier.ControlModifier
Shift = Qt.KeyboardModifier.ShiftModifier


def person(db: Database, admin: Actor, given: str, family: str) -> uuid.UUID:
    (cid,) = contacts.create_contact(db, admin, ContactDraft(given_name=given, family_name=family)).created[
        "contacts"
    ]
    return cid


class Keyboard:
    """Keys sent where the focus is, as a person types them; counts every key."""

    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot = qtbot
        self.count = 0

    def focus(self) -> QWidget:
        # A list of matches popping up can hold the focus for a moment (longer on a busy
        # machine): keys go where the focus is once it has settled, as a person's would.
        self.qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=WAIT_MS)
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has the keyboard focus"
        return widget

    def type(self, text: str) -> None:
        self.qtbot.keyClicks(self.focus(), text)
        self.count += len(text)

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        self.qtbot.keyClick(self.focus(), key, modifier)
        self.count += 1

    def tab(self, times: int = 1) -> None:
        for _ in range(times):
            self.press(Qt.Key.Key_Tab)


def start(qtbot: QtBot, start_app: StartApp) -> tuple[ui_app.App, QuickEntryLauncher]:
    running = start_app()
    wait_ready(qtbot, running)
    assert running.window is not None
    launcher = getattr(running, "quick_entry", None) or install_quick_entry(running.ctx, running.window)
    assert isinstance(launcher, QuickEntryLauncher)
    return running, launcher


def activate(qtbot: QtBot, window: QWidget) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT_MS)


def open_by_shortcut(qtbot: QtBot, running: ui_app.App, launcher: QuickEntryLauncher) -> QuickEntryDialog:
    assert running.window is not None
    activate(qtbot, running.window)
    qtbot.keyClick(running.window, Qt.Key.Key_E, Ctrl | Shift)
    qtbot.waitUntil(lambda: launcher.dialog is not None and launcher.dialog.is_ready, timeout=WAIT_MS)
    dialog = launcher.dialog
    assert dialog is not None
    activate(qtbot, dialog)
    assert QApplication.focusWidget() is dialog.on_date  # the first field: the date
    return dialog


def on_disk(folder: DataFolder, owner: uuid.UUID) -> dict[str, object] | None:
    path = folder.drafts / f"{DRAFT_KIND}--{owner}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))["values"]  # type: ignore[no-any-return]
    except (FileNotFoundError, ValueError):
        return None


def test_quick_entry_by_keyboard_alone_survives_a_crash_and_is_saved(
    qtbot: QtBot, start_app: StartApp, set_up: Actor, db: Database, folder: DataFolder, tmp_path: Path
) -> None:
    """Keystrokes, all of them (counted by the test and checked at the end):

    Ctrl+Shift+E opens the form on the date (today: kept)       1
    Tab, "Dr" (type: Drop-in), Tab                              4
    Tab past the title (made for us: "Drop-in at …")            1
    "Canal Street Library" (20), Tab, Tab (ward), Tab (online)  23
    "Ben" Enter, "Aisha" Enter, Tab                             11
    "12" Tab "4" Tab "under 25" Tab                             14
    "dentist" Enter (ticks Dentistry), Tab, Tab                 10
    summary "No NHS dentist takes new patients." (34), Tab      35
    quote "I rang thirty dentists." (23), Tab                   24
    "A" (speaker: Aisha), Tab, Down (Share anonymously), Tab    4
    Space (Ben needs reimbursing)                               1
    — crash — then on the next start Enter ("Open"), Ctrl+Enter 2
                                                         total 130

    130 keys, 98 of them the words themselves: about 40 seconds at a volunteer's 200 keys a
    minute, so "under a minute by keyboard alone" holds with room to spare.
    """
    ben = person(db, set_up, "Ben", "Smith")
    aisha = person(db, set_up, "Aisha", "Rahman")
    consent.record_consent(
        db, set_up, aisha, purpose="share_anonymously", status="given", on=date.today(), method="verbal"
    )
    with db.read() as session:
        dentistry = session.scalar(select(Theme.id).where(Theme.name == "Dentistry"))
    keys = Keyboard(qtbot)

    running, launcher = start(qtbot, start_app)
    assert visible_message_boxes() == []  # no draft: nothing to offer
    open_by_shortcut(qtbot, running, launcher)
    keys.count += 1  # Ctrl+Shift+E
    dialog = launcher.dialog
    assert dialog is not None

    keys.tab()
    assert keys.focus() is dialog.kind
    keys.type("Dr")
    assert dialog.kind.currentText() == "Drop-in"
    keys.tab(2)  # the title is left blank: it is made for us
    assert keys.focus() is dialog.venue
    keys.type("Canal Street Library")
    assert dialog.title.placeholderText() == "Leave blank for “Drop-in at Canal Street Library”"
    keys.tab(3)  # ward, online
    assert keys.focus() is dialog.people.edit
    for name in ("Ben", "Aisha"):
        with qtbot.waitSignal(dialog.people.searched, timeout=WAIT_MS):
            keys.type(name)
        keys.press(Qt.Key.Key_Return)
    assert [n for _, n, _ in dialog.people.selected()] == ["Ben Smith", "Aisha Rahman"]
    keys.tab()
    assert keys.focus() is dialog.anonymous
    keys.type("12")
    keys.tab()
    keys.type("4")
    keys.tab()
    keys.type("under 25")
    keys.tab()
    assert keys.focus() is dialog.themes.filter
    keys.type("dentist")
    keys.press(Qt.Key.Key_Return)
    assert dialog.themes.selected_ids() == [dentistry]
    keys.tab(2)  # through the tree of themes to the summary
    assert keys.focus() is dialog.summary
    keys.type("No NHS dentist takes new patients.")
    keys.tab()
    assert keys.focus() is dialog.quote  # Tab left the summary; it did not type a tab
    assert dialog.summary.toPlainText() == "No NHS dentist takes new patients."
    keys.type("I rang thirty dentists.")
    keys.tab()
    keys.type("A")
    assert dialog.speaker.currentText() == "Aisha Rahman"
    keys.tab()
    with qtbot.waitSignal(dialog.consent_checked, timeout=WAIT_MS):
        keys.press(Qt.Key.Key_Down)
    assert dialog.sharing.currentData() == Sharing.ANONYMOUS.value
    assert not dialog.problem_labels["quotes"].isVisible()  # her consent allows it
    keys.tab()
    assert keys.focus() is dialog.reimburse
    keys.press(Qt.Key.Key_Space)
    assert dialog.reimburse_ids() == [ben]

    # The draft on disk already holds every field (saved as typed, without closing anything).
    expected = {
        "type_name": "Drop-in",
        "title": "",
        "venue": "Canal Street Library",
        "participants": [[str(ben), "Ben Smith", "participant"], [str(aisha), "Aisha Rahman", "participant"]],
        "anonymous_count": 12,
        "group_count": 4,
        "group_label": "under 25",
        "theme_ids": [str(dentistry)],
        "summary": "No NHS dentist takes new patients.",
        "quote": "I rang thirty dentists.",
        "speaker_id": str(aisha),
        "sharing": "anonymous",
        "reimburse": [str(ben)],
        "on_date": date.today().isoformat(),
    }

    def draft_holds_everything() -> bool:
        values = on_disk(folder, set_up.user_id)
        return values is not None and all(values.get(k) == v for k, v in expected.items())

    qtbot.waitUntil(draft_holds_everything, timeout=WAIT_MS)

    # The crash: what a SIGKILL leaves is what is on disk now.  The app is stopped without
    # the form being closed or saved, and the drafts folder is put back exactly as it was at
    # the moment of the crash, whatever stopping may have written.
    crash_copy = tmp_path / "drafts-at-crash"
    shutil.copytree(folder.drafts, crash_copy)
    running.shutdown()
    shutil.rmtree(folder.drafts)
    shutil.copytree(crash_copy, folder.drafts)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Engagement)) == 0

    # The next start offers the draft back.
    running, launcher = start(qtbot, start_app)
    qtbot.waitUntil(lambda: len(visible_message_boxes()) == 1, timeout=WAIT_MS)
    (question,) = visible_message_boxes()
    assert "You have an unsaved quick entry from" in question.text() and question.text().endswith("Open it?")
    assert [b.text() for b in question.buttons()].count("&Open") == 1
    assert question.defaultButton().text() == "&Open"
    qtbot.keyClick(question, Qt.Key.Key_Return)
    keys.count += 1
    qtbot.waitUntil(lambda: launcher.dialog is not None and launcher.dialog.is_ready, timeout=WAIT_MS)
    dialog = launcher.dialog
    assert dialog is not None and dialog.restored_row.isVisible()
    activate(qtbot, dialog)

    # Every field came back.
    assert dialog.on_date.date().toString("yyyy-MM-dd") == date.today().isoformat()
    assert dialog.kind.currentText() == "Drop-in"
    assert dialog.title.text() == "" and dialog.venue.text() == "Canal Street Library"
    assert dialog.ward.currentData() is None and not dialog.online.isChecked()
    assert [(i, n) for i, n, _ in dialog.people.selected()] == [(ben, "Ben Smith"), (aisha, "Aisha Rahman")]
    assert (dialog.anonymous.value(), dialog.group_count.value(), dialog.group_label.text()) == (
        12,
        4,
        "under 25",
    )
    assert dialog.themes.selected_ids() == [dentistry]
    assert dialog.summary.toPlainText() == "No NHS dentist takes new patients."
    assert dialog.quote.toPlainText() == "I rang thirty dentists."
    assert dialog.speaker.currentText() == "Aisha Rahman"
    assert dialog.sharing.currentData() == "anonymous"
    assert dialog.reimburse_ids() == [ben]

    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS) as saved:
        keys.press(Qt.Key.Key_Return, Ctrl)
    assert keys.count == 130

    engagement_id = saved.args[0]
    view = engagements.get_engagement(db, engagement_id)
    assert view.title == "Drop-in at Canal Street Library"
    assert view.type_name == "Drop-in" and view.on_date == date.today()
    assert view.venue == "Canal Street Library"
    assert sorted((p.name, p.role) for p in view.participants) == [
        ("Aisha Rahman", "participant"),
        ("Ben Smith", "participant"),
    ]
    assert view.anonymous_count == 12
    assert view.headcount_groups == (HeadcountEntry("under 25", 4),)
    assert [t for t, _ in view.themes] == [dentistry]
    (quote,) = view.quotes
    assert quote.text == "I rang thirty dentists."
    assert quote.sharing is Sharing.ANONYMOUS and quote.speaker_id == aisha
    assert [name for _, name in view.facilitators] == ["Sam Patel"]
    (claim,) = claims.claims_for(db, engagement_id=engagement_id)
    assert (claim.claimant_name, claim.status.value, claim.tier.value) == ("Ben Smith", "draft", "one_off")
    assert claim.activity_date == date.today() and claim.total_pence == 0
    # The draft was discarded, and the form has gone.
    assert on_disk(folder, set_up.user_id) is None
    assert not (folder.drafts / f"{DRAFT_KIND}--{set_up.user_id}.json").exists()
    qtbot.waitUntil(lambda: launcher.dialog is None, timeout=WAIT_MS)


def test_named_sharing_refused_by_consent_says_why_beside_the_quote_and_saves_nothing(
    qtbot: QtBot, start_app: StartApp, set_up: Actor, db: Database, folder: DataFolder
) -> None:
    aisha = person(db, set_up, "Aisha", "Rahman")
    consent.record_consent(
        db, set_up, aisha, purpose="share_anonymously", status="given", on=date.today(), method="verbal"
    )
    running, launcher = start(qtbot, start_app)
    dialog = open_by_shortcut(qtbot, running, launcher)
    keys = Keyboard(qtbot)
    keys.tab()
    keys.type("Ou")  # Outreach
    keys.tab(5)
    assert keys.focus() is dialog.people.edit
    with qtbot.waitSignal(dialog.people.searched, timeout=WAIT_MS):
        keys.type("Aisha")
    keys.press(Qt.Key.Key_Return)
    keys.tab(7)
    assert keys.focus() is dialog.quote
    keys.type("Put my name to it.")
    keys.tab()
    keys.type("A")
    keys.tab()
    with qtbot.waitSignal(dialog.consent_checked, timeout=WAIT_MS):
        keys.press(Qt.Key.Key_Down)  # share anonymously: allowed
    assert not dialog.problem_labels["quotes"].isVisible()
    with qtbot.waitSignal(dialog.consent_checked, timeout=WAIT_MS):
        keys.press(Qt.Key.Key_Down)  # share with name: not allowed
    assert dialog.sharing.currentData() == Sharing.NAMED.value
    problem = dialog.problem_labels["quotes"]
    assert problem.isVisible() and problem.text().startswith("⚠")
    assert "Aisha Rahman's consent does not allow “share with name”" in problem.text()
    assert "No consent recorded for “share their story or quotes with their name”" in problem.text()

    # Saving anyway is refused by the service, with its reason beside the quote.
    keys.press(Qt.Key.Key_Return, Ctrl)
    wait_idle(qtbot, running)
    assert dialog.isVisible()
    assert "cannot be marked “share with name”" in problem.text()
    assert "Record Aisha Rahman's consent first" in problem.text()
    assert QApplication.focusWidget() is dialog.quote  # the first problem's field
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Engagement)) == 0
    # The draft is still kept: nothing typed is lost.
    assert (on_disk(folder, set_up.user_id) or {}).get("sharing") == "named"


def test_escape_asks_whether_to_keep_the_draft(
    qtbot: QtBot, start_app: StartApp, set_up: Actor, folder: DataFolder
) -> None:
    running, launcher = start(qtbot, start_app)
    dialog = open_by_shortcut(qtbot, running, launcher)
    keys = Keyboard(qtbot)
    keys.tab(3)
    keys.type("Town hall")
    keys.press(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: len(visible_message_boxes()) == 1, timeout=WAIT_MS)
    (box,) = visible_message_boxes()
    assert box.text() == "Keep what you typed as a draft to finish later?"
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Keep (the default)
    qtbot.waitUntil(lambda: launcher.dialog is None, timeout=WAIT_MS)
    assert (on_disk(folder, set_up.user_id) or {}).get("venue") == "Town hall"

    # The shortcut puts the kept draft back; Esc then Discard forgets it.
    dialog = open_by_shortcut(qtbot, running, launcher)
    assert dialog.venue.text() == "Town hall" and dialog.restored_row.isVisible()
    keys.press(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: len(visible_message_boxes()) == 1, timeout=WAIT_MS)
    (box,) = visible_message_boxes()
    discard = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole)
    assert discard.text() == "&Discard it"
    activate(qtbot, box)
    qtbot.keyClick(box, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: launcher.dialog is None, timeout=WAIT_MS)
    assert on_disk(folder, set_up.user_id) is None


def test_pickers_by_keyboard(qtbot: QtBot, start_app: StartApp, set_up: Actor, db: Database) -> None:
    """The pickers the engagement forms share: chips removed with Delete, themes ticked with
    Space, facilitators ticked with Space; choices made before the lists arrive are kept."""
    from vcsedesk.services import people
    from vcsedesk.ui.engagements.pickers import ContactPicker, ThemePicker, UserPicker

    ben = person(db, set_up, "Ben", "Smith")
    aisha = person(db, set_up, "Aisha", "Rahman")
    people.add_user(db, set_up, name="Jo Volunteer", role="volunteer")
    with db.read() as session:
        themes = {r.name: r.id for r in session.execute(select(Theme.name, Theme.id))}
    running, _launcher = start(qtbot, start_app)
    host = QWidget()
    qtbot.addWidget(host)
    contacts_picker = ContactPicker(running.ctx, with_roles=True, parent=host)
    theme_picker = ThemePicker(running.ctx, parent=host)
    theme_picker.set_selected([themes["Housing"]])  # before the tree has loaded
    user_picker = UserPicker(running.ctx, parent=host)
    layout = QVBoxLayout(host)
    for widget in (contacts_picker, theme_picker, user_picker):
        layout.addWidget(widget)
    host.show()
    activate(qtbot, host)
    qtbot.waitUntil(lambda: theme_picker.has_loaded and user_picker.has_loaded, timeout=WAIT_MS)
    assert theme_picker.selected_ids() == [themes["Housing"]]

    contacts_picker.set_selected([(ben, "Ben Smith", "carer"), (aisha, "Aisha Rahman")])
    assert contacts_picker.selected() == [(ben, "Ben Smith", "carer"), (aisha, "Aisha Rahman", "participant")]
    contacts_picker.edit.setFocus()
    with qtbot.waitSignal(contacts_picker.changed, timeout=WAIT_MS):
        qtbot.keyClick(contacts_picker.edit, Qt.Key.Key_Backspace)  # to the last chip
        assert QApplication.focusWidget() is contacts_picker.chips[-1]
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Delete)  # removes it
    assert [n for _, n, _ in contacts_picker.selected()] == ["Ben Smith"]

    theme_picker.filter.setFocus()
    qtbot.keyClicks(theme_picker.filter, "transport")
    qtbot.keyClick(theme_picker.filter, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is theme_picker.tree
    with qtbot.waitSignal(theme_picker.changed, timeout=WAIT_MS):
        qtbot.keyClick(theme_picker.tree, Qt.Key.Key_Space)
    assert set(theme_picker.selected_ids()) == {themes["Housing"], themes["Transport"]}
    assert "Transport" in theme_picker.chosen.text()

    user_picker.view.setFocus()
    qtbot.keyClick(user_picker.view, Qt.Key.Key_Down)  # from Jo Volunteer to Sam Patel
    names = [user_picker.model.item(r).text() for r in range(user_picker.model.rowCount())]
    assert names == ["Jo Volunteer", "Sam Patel"]
    with qtbot.waitSignal(user_picker.changed, timeout=WAIT_MS):
        qtbot.keyClick(user_picker.view, Qt.Key.Key_Space)
    assert user_picker.selected_ids() == [set_up.user_id]
