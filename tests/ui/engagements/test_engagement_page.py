"""One engagement's page and its full form, driven like a person would and checked against
the database: edited by keyboard (title, a participant, a quote) and saved, a new one
recorded, a stale save refused plainly with a reload, a named quote refused for consent with
the reason beside the quote (and nothing saved), attachments added, opened and removed,
archive and restore."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QFileDialog, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from tests.ui.engagements import test_log_page as log_tests
from tests.ui.engagements.test_log_page import (
    Opened,
    activate,
    kinds,
    person,
    sample,
    titles,
    wait_log,
)
from tests.ui.helpers import WAIT_MS, find_visible, visible_message_boxes
from vcsedesk.domain.engagement import Sharing
from vcsedesk.services import actions, engagement_log, engagements
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.store.drafts import DraftStore
from vcsedesk.store.location import DataFolder
from vcsedesk.ui.engagements.engagement_form import draft_kind
from vcsedesk.ui.engagements.engagement_page import EngagementPage

OpenLog = Callable[[], Opened]
open_log = log_tests.open_log  # the fixture: the app started with the Engagements area shown


def open_page(qtbot: QtBot, opened: Opened, engagement_id: uuid.UUID) -> EngagementPage:
    opened.area.open_engagement(engagement_id)
    page = opened.area.page
    qtbot.waitUntil(lambda: page.view is not None and page.view.id == engagement_id, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not opened.running.worker.busy, timeout=WAIT_MS)
    return page


def start_editing(qtbot: QtBot, opened: Opened, page: EngagementPage) -> None:
    qtbot.keyClick(page.details_scroll, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert page.editing
    form = page.form
    qtbot.waitUntil(
        lambda: form.themes.has_loaded and form.facilitators.has_loaded and not opened.running.worker.busy,
        timeout=WAIT_MS,
    )
    assert form.title.hasFocus()


def retype(qtbot: QtBot, widget: object, text: str) -> None:
    widget.setFocus()  # type: ignore[attr-defined]
    widget.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClick(widget, Qt.Key.Key_Delete)  # type: ignore[arg-type]
    qtbot.keyClicks(widget, text)  # type: ignore[arg-type]


def answer(qtbot: QtBot, button: QMessageBox.StandardButton) -> None:
    qtbot.waitUntil(lambda: len(visible_message_boxes()) == 1, timeout=WAIT_MS)
    box = visible_message_boxes()[0]
    qtbot.mouseClick(box.button(button), Qt.MouseButton.LeftButton)


def test_edit_by_keyboard_title_participant_and_quote(
    qtbot: QtBot, open_log: OpenLog, set_up: Actor, db: Database
) -> None:
    s = sample(db, set_up)
    bea = person(db, set_up, "Beatrice", "Nwosu")
    opened = open_log()
    page = open_page(qtbot, opened, s.library)
    start_editing(qtbot, opened, page)
    form = page.form
    assert not form.save_button.isEnabled()  # nothing changed yet

    # The title, retyped.
    form.title.selectAll()
    qtbot.keyClicks(form.title, "Dentistry drop-in at the library")
    assert form.save_button.isEnabled() and form.status.text() == "Unsaved changes."

    # Alt+P goes to the participants' search; type, the match comes, Enter adds her.
    qtbot.keyClick(form.title, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    assert form.participants.edit.hasFocus()
    with qtbot.waitSignal(form.participants.searched, timeout=WAIT_MS):
        qtbot.keyClicks(form.participants.edit, "Beatr")
    qtbot.keyClick(form.participants.edit, Qt.Key.Key_Return)
    assert [name for _id, name, _role in form.participants.selected()][-1] == "Beatrice Nwosu"

    # Alt+Q adds a quote and puts the cursor in it; Tab to "said by", Down picks a speaker.
    qtbot.keyClick(form.participants.edit, Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: len(form.quote_rows) == 2, timeout=WAIT_MS)  # a mnemonic clicks soon after
    quote = form.quote_rows[1]
    assert quote.text.hasFocus()
    qtbot.keyClicks(quote.text, "The waiting list is two years long.")
    qtbot.keyClick(quote.text, Qt.Key.Key_Tab)
    assert quote.speaker.hasFocus()
    while quote.speaker.currentText() != "Beatrice Nwosu":
        qtbot.keyClick(quote.speaker, Qt.Key.Key_Down)
    assert quote.sharing.currentText() == "Internal only"
    assert not form.problems

    # Ctrl+S saves; the page shows the engagement as saved.
    qtbot.keyClick(quote.speaker, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not page.editing, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: page.view is not None and page.view.title.startswith("Dentistry"), timeout=WAIT_MS
    )
    saved = engagements.get_engagement(db, s.library)
    assert saved.title == "Dentistry drop-in at the library"
    assert {p.name: p.role for p in saved.participants} == {
        "Aisha Rahman": "participant",
        "Tom Okafor": "carer",
        "Beatrice Nwosu": "participant",
    }
    said = {q.text: (q.speaker_id, q.sharing) for q in saved.quotes}
    assert said["The waiting list is two years long."] == (bea, Sharing.INTERNAL)
    assert said["I rang forty dentists and not one would take me on."] == (s.aisha, Sharing.ANONYMOUS)
    assert page.title.text() == "Dentistry drop-in at the library"
    assert len(page.details.quote_labels) == 2
    assert "Sharing: Internal only" in page.details.quote_labels[1].text()
    assert "Beatrice Nwosu" in page.details.quote_labels[1].text()

    # Back in the log, the new title is there.
    qtbot.keyClick(page.details_scroll, Qt.Key.Key_Escape)
    wait_log(qtbot, opened)
    assert "Dentistry drop-in at the library" in titles(opened.area.log.model)


def test_a_new_engagement_typed_checked_and_saved(
    qtbot: QtBot, open_log: OpenLog, set_up: Actor, db: Database
) -> None:
    opened = open_log()
    log = opened.area.log
    qtbot.keyClick(log.search, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    page = opened.area.page
    form = page.form
    qtbot.waitUntil(lambda: form.type.count() > 3 and not opened.running.worker.busy, timeout=WAIT_MS)
    assert form.is_new and form.title.hasFocus()
    assert form.facilitators.selected_ids() == [set_up.user_id]  # whoever records it
    assert form.shown_problem("title") == ""  # nothing shouted before anything is typed

    # Saving too soon: the problems appear beside their fields, and the cursor goes to the first.
    qtbot.keyClick(form.title, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "Title" in form.shown_problem("title") and "Who took part" in form.shown_problem("participants")
    assert form.title.hasFocus()
    qtbot.keyClicks(form.title, "Coffee morning")
    assert form.shown_problem("title") == ""
    form.type.setFocus()
    while form.type.currentText() != "Drop-in":
        qtbot.keyClick(form.type, Qt.Key.Key_Down)
    # A time that is not a time, then a right one.
    qtbot.keyClicks(form.start_time, "25:99")
    assert "not a time of day" in form.shown_problem("start_time")
    retype(qtbot, form.start_time, "10.30")
    assert form.shown_problem("start_time") == ""
    # A head-count with a group larger than it.
    form.anonymous_count.setFocus()
    form.anonymous_count.selectAll()
    qtbot.keyClicks(form.anonymous_count, "6")
    qtbot.keyClick(form.anonymous_count, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: len(form.group_rows) == 1, timeout=WAIT_MS)
    group = form.group_rows[0]
    assert group.label.hasFocus()
    qtbot.keyClicks(group.label, "Under 25")
    qtbot.keyClick(group.label, Qt.Key.Key_Tab)
    group.count.selectAll()
    qtbot.keyClicks(group.count, "9")
    assert "no more than the 6" in form.shown_problem("headcount_groups[0]")
    assert not form.save_button.isEnabled()
    group.count.selectAll()
    qtbot.keyClicks(group.count, "4")
    # A theme, by typing its name and Enter.
    form.themes.filter.setFocus()
    qtbot.keyClicks(form.themes.filter, "Social isol")
    qtbot.keyClick(form.themes.filter, Qt.Key.Key_Return)
    qtbot.keyClicks(form.summary, "Lonely since the day centre closed.")
    assert not form.problems and form.save_button.isEnabled()
    qtbot.keyClick(form.summary, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    qtbot.waitUntil(lambda: page.view is not None and not page.editing, timeout=WAIT_MS)
    rows = engagement_log.page(db)
    assert [r.title for r in rows] == ["Coffee morning"]
    saved = engagements.get_engagement(db, rows[0].id)
    assert saved.type_id == kinds(db)["Drop-in"] and saved.on_date == date.today()
    assert f"{saved.start_time:%H:%M}" == "10:30"
    assert (saved.anonymous_count, [(g.label, g.count) for g in saved.headcount_groups]) == (
        6,
        [("Under 25", 4)],
    )
    assert [path for _id, path in saved.themes] == ["Social isolation"]
    assert saved.facilitators == ((set_up.user_id, "Sam Patel"),)


def test_a_stale_save_is_refused_plainly_and_offers_to_reload(
    qtbot: QtBot, open_log: OpenLog, set_up: Actor, db: Database
) -> None:
    s = sample(db, set_up)
    opened = open_log()
    page = open_page(qtbot, opened, s.surgery)
    start_editing(qtbot, opened, page)
    form = page.form
    form.title.selectAll()
    qtbot.keyClicks(form.title, "My title")

    # Meanwhile someone else saves the same engagement.
    view = engagements.get_engagement(db, s.surgery)
    draft = view.as_draft()
    from dataclasses import replace

    engagements.update_engagement(
        db, set_up, s.surgery, view.version, replace(draft, summary="Their summary.")
    )

    qtbot.keyClick(form.title, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(form.banner.isVisible, timeout=WAIT_MS)
    assert form.banner_text.text().startswith("⚠ ")
    assert "changed" in form.banner_text.text().lower() or "saved" in form.banner_text.text().lower()
    assert form.reload_button.isVisible()
    assert form.title.text() == "My title" and page.editing  # what was typed is kept
    stored = engagements.get_engagement(db, s.surgery)
    assert (stored.title, stored.summary) == ("Focus group at Mile End surgery", "Their summary.")

    qtbot.mouseClick(form.reload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.summary.toPlainText() == "Their summary.", timeout=WAIT_MS)
    assert form.title.text() == "Focus group at Mile End surgery"
    assert not form.dirty and not form.banner.isVisible()


def test_a_named_quote_for_an_anonymous_only_speaker_is_refused_with_the_reason(
    qtbot: QtBot, open_log: OpenLog, set_up: Actor, db: Database
) -> None:
    s = sample(db, set_up)  # Aisha agreed to be quoted anonymously, not by name
    before = engagements.get_engagement(db, s.library)
    opened = open_log()
    page = open_page(qtbot, opened, s.library)
    start_editing(qtbot, opened, page)
    form = page.form
    quote = form.quote_rows[0]
    assert quote.speaker.currentText() == "Aisha Rahman"
    quote.sharing.setFocus()
    while quote.sharing.currentText() != "Share with name":
        qtbot.keyClick(quote.sharing, Qt.Key.Key_Down)
    assert not form.problems  # only the service can judge consent
    qtbot.keyClick(quote.sharing, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    qtbot.waitUntil(lambda: form.shown_problem("quotes[0]") != "", timeout=WAIT_MS)
    message = form.shown_problem("quotes[0]")
    assert message.startswith("⚠ This quote cannot be marked “share with name”")
    assert "Aisha Rahman" in message and "consent" in message
    assert quote.problem.isVisible() and form.banner.isVisible()
    assert page.editing and quote.text.hasFocus()
    after = engagements.get_engagement(db, s.library)
    assert after.version == before.version and after.quotes == before.quotes

    # An unrelated edit keeps the reason beside the quote; lowering the level clears it.
    qtbot.keyClicks(form.summary, " More.")
    assert form.shown_problem("quotes[0]") == message
    quote.sharing.setFocus()
    qtbot.keyClick(quote.sharing, Qt.Key.Key_Up)
    assert quote.sharing.currentText() == "Share anonymously"
    assert form.shown_problem("quotes[0]") == ""


# The file name box's completer pops up as the name is typed: the offscreen platform says it
# cannot raise or grab for it.
@pytest.mark.qt_log_ignore(
    r"This plugin does not support (raise\(\)|grabbing the keyboard|propagateSizeHints\(\))"
)
def test_attach_open_and_remove_a_file(
    qtbot: QtBot, open_log: OpenLog, set_up: Actor, db: Database, tmp_path: Path
) -> None:
    s = sample(db, set_up)
    notes = tmp_path / "flipchart notes.txt"
    notes.write_text("Dentists: 40 rang, 0 taking patients.\n", encoding="utf-8")
    opened = open_log()
    page = open_page(qtbot, opened, s.library)
    details = page.details
    assert details.no_attachments.isVisible() and not details.open_file_button.isEnabled()

    # Alt+D: the file dialog; it is answered with the file.
    qtbot.keyClick(page.details_scroll, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: len(find_visible(QFileDialog)) == 1, timeout=WAIT_MS)
    dialog = find_visible(QFileDialog)[0]
    assert isinstance(dialog, QFileDialog)
    dialog.setDirectory(str(tmp_path))
    name = dialog.findChild(QLineEdit, "fileNameEdit")
    assert isinstance(name, QLineEdit)
    name.setFocus()
    qtbot.keyClicks(name, notes.name)
    qtbot.waitUntil(lambda: dialog.selectedFiles() == [str(notes)], timeout=WAIT_MS)
    qtbot.keyClick(name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: details.attachments_model.rowCount() == 1, timeout=WAIT_MS)
    assert details.attachments_model.index(0, 0).data() == "flipchart notes.txt"
    assert details.attachments_model.index(0, 1).data() == "Text"
    stored = engagements.get_engagement(db, s.library).attachments
    assert [(a.filename, a.size) for a in stored] == [("flipchart notes.txt", notes.stat().st_size)]

    # Open: a copy goes to a private folder and the computer's program is asked to open it.
    opened_urls: list[QUrl] = []
    page.open_url = lambda url: opened_urls.append(url) or True  # type: ignore[assignment,func-returns-value]
    details.attachments.selectRow(0)
    assert details.open_file_button.isEnabled()
    qtbot.mouseClick(details.open_file_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(opened_urls) == 1, timeout=WAIT_MS)
    copy = Path(opened_urls[0].toLocalFile())
    assert copy.name == "flipchart notes.txt" and copy.read_bytes() == notes.read_bytes()

    # A file of a kind not kept is refused, plainly.
    bad = tmp_path / "program.exe"
    bad.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00")
    page.attach_path(bad)
    qtbot.waitUntil(page.problem.isVisible, timeout=WAIT_MS)
    assert "not a kind of file vcsedesk keeps" in page.problem.text()

    # Remove.
    details.attachments.selectRow(0)
    qtbot.mouseClick(details.remove_file_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: details.attachments_model.rowCount() == 0, timeout=WAIT_MS)
    assert engagements.get_engagement(db, s.library).attachments == ()


def test_archive_and_restore_and_the_actions_raised(
    qtbot: QtBot, open_log: OpenLog, set_up: Actor, db: Database
) -> None:
    s = sample(db, set_up)
    actions.add_action(
        db,
        set_up,
        actions.ActionDraft(
            title="Ask the ICB about dental access",
            owner_user_id=set_up.user_id,
            due_on=date.today() - timedelta(days=1),
            engagement_id=s.library,
        ),
    )
    opened = open_log()
    page = open_page(qtbot, opened, s.library)
    text = page.details.actions_label.text()
    assert "Ask the ICB about dental access" in text and "⚠ Overdue" in text and "Sam Patel" in text

    qtbot.mouseClick(page.archive_button, Qt.MouseButton.LeftButton)
    answer(qtbot, QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: page.view is not None and page.view.archived, timeout=WAIT_MS)
    assert engagements.get_engagement(db, s.library).archived
    assert page.archived_note.isVisible() and page.archive_button.text() == "Re&store"
    assert not page.edit_button.isEnabled() and not page.details.add_file_button.isEnabled()
    activate(qtbot, opened)
    qtbot.keyClick(page.details_scroll, Qt.Key.Key_Escape)
    wait_log(qtbot, opened)
    assert "Tuesday drop-in at Canal Street Library" not in titles(opened.area.log.model)

    # Shown again with "Show archived", opened, restored.
    opened.area.log.show_archived.setChecked(True)
    wait_log(qtbot, opened)
    assert "Tuesday drop-in at Canal Street Library (archived)" in titles(opened.area.log.model)
    page = open_page(qtbot, opened, s.library)
    qtbot.mouseClick(page.archive_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.view is not None and not page.view.archived, timeout=WAIT_MS)
    assert not engagements.get_engagement(db, s.library).archived
    assert page.edit_button.isEnabled() and not page.archived_note.isVisible()


def test_a_follow_up_action_is_raised_from_the_page(
    qtbot: QtBot, open_log: OpenLog, set_up: Actor, db: Database
) -> None:
    s = sample(db, set_up)
    opened = open_log()
    page = open_page(qtbot, opened, s.library)
    assert "No follow-up actions" in page.details.actions_label.text()
    qtbot.mouseClick(page.details.add_action_button, Qt.MouseButton.LeftButton)
    dialog = page.action_dialog
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.has_loaded, timeout=WAIT_MS)
    assert "Tuesday drop-in at Canal Street Library" in dialog.source.text()
    dialog.title.setFocus()
    qtbot.keyClicks(dialog.title, "Ask the ICB about dental access")
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.keyClick(dialog.title, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    (row,) = actions.list_actions(db, today=date.today(), source_table="engagements", source_id=s.library)
    assert row.title == "Ask the ICB about dental access" and row.source_id == s.library
    qtbot.waitUntil(
        lambda: "Ask the ICB about dental access" in page.details.actions_label.text(), timeout=WAIT_MS
    )


def test_changes_not_saved_when_vcsedesk_closes_are_offered_back(
    qtbot: QtBot, open_log: OpenLog, set_up: Actor, db: Database, folder: DataFolder
) -> None:
    s = sample(db, set_up)
    opened = open_log()
    page = open_page(qtbot, opened, s.surgery)
    start_editing(qtbot, opened, page)
    form = page.form
    form.title.selectAll()
    qtbot.keyClicks(form.title, "Focus group: the 8am queue")
    form.summary.setFocus()
    qtbot.keyClick(form.summary, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(form.summary, " Two people had given up altogether.")
    store = DraftStore(folder.drafts)
    kind = draft_kind(s.surgery)
    qtbot.waitUntil(lambda: store.load(kind, set_up.user_id) is not None, timeout=WAIT_MS)
    kept = store.load(kind, set_up.user_id)
    assert kept is not None and kept.values["title"] == "Focus group: the 8am queue"

    # vcsedesk goes away with the changes unsaved (a crash keeps the same file).
    opened.running.shutdown()
    assert engagements.get_engagement(db, s.surgery).title == "Focus group at Mile End surgery"

    again = open_log()
    log = again.area.log
    assert log.drafts_note.isVisible()
    assert "Focus group: the 8am queue" in log.drafts_text.text()
    qtbot.mouseClick(log.resume_button, Qt.MouseButton.LeftButton)
    page = again.area.page
    qtbot.waitUntil(lambda: page.editing and page.form.dirty, timeout=WAIT_MS)
    form = page.form
    assert form.title.text() == "Focus group: the 8am queue"
    assert form.summary.toPlainText().endswith("Two people had given up altogether.")
    qtbot.keyClick(form.title, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not page.editing, timeout=WAIT_MS)
    saved = engagements.get_engagement(db, s.surgery)
    assert saved.title == "Focus group: the 8am queue"
    assert store.load(kind, set_up.user_id) is None  # saved: the draft is gone
