"""The meeting form, driven by keyboard and checked against the database: a meeting typed
with agenda items (one moved with Alt+Up), people speaking for organisations, an apology and
an action; problems shown beside the rows they belong to; a stale save refused plainly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS
from tests.ui.meetings.conftest import Opened, some_people
from vcsedesk.domain.engagement import ActionStatus, Attendance
from vcsedesk.services import contacts, meetings
from vcsedesk.services.actions import ActionDraft
from vcsedesk.services.base import Actor
from vcsedesk.services.meetings import AgendaItemEntry, AttendeeEntry, MeetingActionEntry, MeetingDraft
from vcsedesk.store.database import Database
from vcsedesk.ui.meetings.editor import MeetingEditor, OrganisationField

OpenMeetings = Callable[[], Opened]
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def focused(qtbot: QtBot) -> QWidget:
    from PySide6.QtWidgets import QApplication

    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def add_person(qtbot: QtBot, editor: MeetingEditor, typed: str) -> None:
    """Alt+P, type part of a name, wait for the matches, Enter."""
    qtbot.keyClick(focused(qtbot), Qt.Key.Key_P, ALT)
    assert editor.finder.edit.hasFocus()
    with qtbot.waitSignal(editor.finder.searched, timeout=WAIT_MS):
        qtbot.keyClicks(editor.finder.edit, typed)
    count = len(editor.attendee_rows)
    qtbot.keyClick(editor.finder.edit, Qt.Key.Key_Return)
    assert len(editor.attendee_rows) == count + 1
    assert editor.finder.edit.hasFocus()  # ready for the next person


def speaks_for(qtbot: QtBot, field: OrganisationField, typed: str) -> None:
    assert field.edit.hasFocus()
    with qtbot.waitSignal(field.searched, timeout=WAIT_MS):
        qtbot.keyClicks(field.edit, typed)
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)


def start_new(qtbot: QtBot, opened: Opened) -> MeetingEditor:
    qtbot.keyClick(opened.area.list.view, Qt.Key.Key_N, CTRL)
    page = opened.area.page
    assert page.editing
    editor = page.editor
    qtbot.waitUntil(lambda: bool(editor.users) and not opened.running.worker.busy, timeout=WAIT_MS)
    assert editor.title.hasFocus()
    return editor


def test_a_meeting_typed_by_keyboard_and_read_back(
    qtbot: QtBot, open_meetings: OpenMeetings, set_up: Actor, db: Database
) -> None:
    p = some_people(db, set_up)
    opened = open_meetings()
    editor = start_new(qtbot, opened)
    assert editor.shown_problem("title") == ""  # nothing shouted before anything is typed

    qtbot.keyClicks(editor.title, "Carers' forum")
    qtbot.keyClick(editor.title, Qt.Key.Key_M, ALT)
    assert editor.start_time.hasFocus()
    qtbot.keyClicks(editor.start_time, "25:99")
    assert "not a time of day" in editor.shown_problem("start_time")
    editor.start_time.selectAll()
    qtbot.keyClicks(editor.start_time, "10.30")
    assert editor.shown_problem("start_time") == ""
    qtbot.keyClick(editor.start_time, Qt.Key.Key_V, ALT)
    qtbot.keyClicks(editor.venue, "Canal Street Library")

    # Voices: Aisha for Age UK, Tom for the carers' network, Beatrice sends apologies.
    add_person(qtbot, editor, "Aisha")
    qtbot.keyClick(editor.finder.edit, Qt.Key.Key_Tab)
    speaks_for(qtbot, editor.attendee_rows[0].speaks_for, "Age")
    assert editor.attendee_rows[0].speaks_for.value() == p.age_uk  # not Agnes Ageley, a person
    add_person(qtbot, editor, "Tom")
    qtbot.keyClick(editor.finder.edit, Qt.Key.Key_Tab)
    qtbot.keyClick(editor.finder.edit, Qt.Key.Key_Tab)  # past Aisha's organisation…
    qtbot.keyClick(focused(qtbot), Qt.Key.Key_Tab)  # …her attendance…
    qtbot.keyClick(focused(qtbot), Qt.Key.Key_Tab)  # …and her Remove button
    speaks_for(qtbot, editor.attendee_rows[1].speaks_for, "Riverside car")
    add_person(qtbot, editor, "Beatr")
    bea = editor.attendee_rows[2]
    bea.attendance.setFocus()
    qtbot.keyClick(bea.attendance, Qt.Key.Key_Down)
    assert bea.attendance.currentText() == "Sent apologies"

    # The chair is one of those attending.
    qtbot.keyClick(bea.attendance, Qt.Key.Key_A, ALT)
    assert editor.chair.hasFocus()
    assert [editor.chair.itemText(i) for i in range(editor.chair.count())] == [
        "Not recorded",
        "Aisha Rahman",
        "Tom Okafor",
    ]
    qtbot.keyClick(editor.chair, Qt.Key.Key_Down)

    # Agenda: two items, the second moved above the first with Alt+Up.
    qtbot.keyClick(editor.chair, Qt.Key.Key_I, ALT)
    qtbot.waitUntil(lambda: len(editor.item_rows) == 1, timeout=WAIT_MS)  # a mnemonic clicks soon after
    first = editor.item_rows[0]
    assert first.title.hasFocus()
    qtbot.keyClicks(first.title, "Waiting times at the health centre")
    qtbot.keyClick(first.title, Qt.Key.Key_Tab)
    qtbot.keyClicks(first.notes, "People wait three weeks for a call back.")
    qtbot.keyClick(first.notes, Qt.Key.Key_Tab)
    assert first.decisions.hasFocus()
    qtbot.keyClicks(first.decisions, "Write to the practice manager.")
    qtbot.keyClick(first.decisions, Qt.Key.Key_I, ALT)
    qtbot.waitUntil(lambda: len(editor.item_rows) == 2, timeout=WAIT_MS)
    second = editor.item_rows[1]
    qtbot.keyClicks(second.title, "Welcome and apologies")
    qtbot.keyClick(second.title, Qt.Key.Key_Up, ALT)
    assert editor.item_rows == [second, first] and second.title.hasFocus()
    assert second.heading.text() == "Item 1"
    # From the discussion box too: down, and back up.
    second.notes.setFocus()
    qtbot.keyClick(second.notes, Qt.Key.Key_Down, ALT)
    assert editor.item_rows == [first, second] and second.notes.hasFocus()
    qtbot.keyClick(second.notes, Qt.Key.Key_Up, ALT)
    assert editor.item_rows == [second, first]
    second.title.setFocus()

    # An action under "Waiting times", owned by Priya, due in a fortnight.
    qtbot.keyClick(second.title, Qt.Key.Key_C, ALT)
    qtbot.waitUntil(lambda: len(editor.action_rows) == 1, timeout=WAIT_MS)
    action = editor.action_rows[0]
    assert action.title.hasFocus()
    qtbot.keyClicks(action.title, "Write to the practice manager")
    qtbot.keyClick(action.title, Qt.Key.Key_Tab)
    assert action.owner.combo.hasFocus()
    while action.owner.combo.currentText() != "Priya Shah":
        qtbot.keyClick(action.owner.combo, Qt.Key.Key_Down)
    qtbot.keyClick(action.owner.combo, Qt.Key.Key_Tab)
    assert action.due.check.hasFocus()
    qtbot.keyClick(action.due.check, Qt.Key.Key_Space)
    qtbot.keyClick(action.due.check, Qt.Key.Key_Tab)
    assert action.due.date.hasFocus()
    for _section in range(3):  # Tab walks the date's day, month and year, then leaves
        qtbot.keyClick(focused(qtbot), Qt.Key.Key_Tab)
    assert action.status.hasFocus()
    qtbot.keyClick(action.status, Qt.Key.Key_Tab)
    assert action.item.hasFocus()
    qtbot.keyClick(action.item, Qt.Key.Key_Down)
    qtbot.keyClick(action.item, Qt.Key.Key_Down)
    assert action.item.currentText() == "2. Waiting times at the health centre"
    assert not editor.problems and editor.save_button.isEnabled()

    # Ctrl+S saves; the page shows the meeting as saved.
    page = opened.area.page
    qtbot.keyClick(action.item, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: not page.editing and page.view is not None, timeout=WAIT_MS)
    (row,) = meetings.list_meetings(db)
    saved = meetings.get_meeting(db, row.id)
    assert (saved.title, saved.on_date, saved.start_time, saved.venue) == (
        "Carers' forum",
        date.today(),
        time(10, 30),
        "Canal Street Library",
    )
    assert saved.chair_id == p.aisha
    assert [(a.name, a.speaks_for) for a in saved.attendees] == [
        ("Aisha Rahman", "Age UK Eastside"),
        ("Tom Okafor", "Riverside Carers Network"),
    ]
    assert [(a.name, a.attendance) for a in saved.apologies] == [("Beatrice Nwosu", Attendance.APOLOGIES)]
    assert [(i.number, i.title, i.notes, i.decisions) for i in saved.items] == [
        (1, "Welcome and apologies", "", ""),
        (
            2,
            "Waiting times at the health centre",
            "People wait three weeks for a call back.",
            "Write to the practice manager.",
        ),
    ]
    (agreed,) = saved.actions
    assert (agreed.title, agreed.owner_user_id, agreed.status, agreed.item_number) == (
        "Write to the practice manager",
        p.priya,
        ActionStatus.OPEN,
        2,
    )
    assert agreed.due_on == date.today() + timedelta(days=14)
    # The read view says the same.
    details = page.details
    assert "Aisha Rahman — Age UK Eastside" in details.voices.text()
    assert "Beatrice Nwosu" in details.apologies.text()
    assert details.actions_model.rowCount() == 1
    assert page.title.text() == "Carers' forum"


def test_problems_are_shown_beside_their_rows_and_nothing_is_saved(
    qtbot: QtBot, open_meetings: OpenMeetings, set_up: Actor, db: Database
) -> None:
    some_people(db, set_up)
    opened = open_meetings()
    editor = start_new(qtbot, opened)
    qtbot.keyClicks(editor.title, "Health board")
    add_person(qtbot, editor, "Aisha")
    qtbot.keyClick(editor.finder.edit, Qt.Key.Key_Tab)
    qtbot.keyClicks(editor.attendee_rows[0].speaks_for.edit, "Nobody by this name")  # not chosen
    qtbot.keyClick(editor.attendee_rows[0].speaks_for.edit, Qt.Key.Key_I, ALT)  # an item, left empty
    qtbot.waitUntil(lambda: len(editor.item_rows) == 1, timeout=WAIT_MS)
    qtbot.keyClick(editor.item_rows[0].title, Qt.Key.Key_C, ALT)  # an action, left empty
    qtbot.waitUntil(lambda: len(editor.action_rows) == 1, timeout=WAIT_MS)
    assert not editor.save_button.isEnabled()
    assert editor.shown_problem("items[0]") == ""  # not shouted before it is touched

    qtbot.keyClick(editor.action_rows[0].title, Qt.Key.Key_S, CTRL)
    assert "Choose “Nobody by this name”" in editor.shown_problem("attendees[0]")
    assert "title" in editor.shown_problem("items[0]").lower()
    assert "title" in editor.shown_problem("actions[0]").lower()
    assert editor.status.text() == "3 problems to put right before saving."
    assert editor.attendee_rows[0].speaks_for.edit.hasFocus()  # the first problem
    assert meetings.list_meetings(db) == []

    # Put right, one by one: each problem goes as its row is mended.
    editor.attendee_rows[0].speaks_for.edit.clear()
    qtbot.keyClicks(editor.attendee_rows[0].speaks_for.edit, "x")
    qtbot.keyClick(editor.attendee_rows[0].speaks_for.edit, Qt.Key.Key_Backspace)
    assert editor.shown_problem("attendees[0]") == ""
    qtbot.keyClicks(editor.item_rows[0].title, "Minutes of the last meeting")
    assert editor.shown_problem("items[0]") == ""
    qtbot.keyClicks(editor.action_rows[0].title, "Send the minutes round")
    assert not editor.problems and editor.save_button.isEnabled()


def test_a_stale_save_is_refused_plainly_and_offers_to_reload(
    qtbot: QtBot, open_meetings: OpenMeetings, set_up: Actor, db: Database
) -> None:
    p = some_people(db, set_up)
    draft = MeetingDraft(
        title="Carers' forum",
        on_date=date.today() - timedelta(days=7),
        items=(AgendaItemEntry("Welcome"),),
        attendees=(AttendeeEntry(p.aisha, p.age_uk),),
        actions=(MeetingActionEntry(ActionDraft("Book the hall"), item=0),),
    )
    (meeting_id,) = meetings.add_meeting(db, set_up, draft).created["meetings"]
    opened = open_meetings()
    opened.area.open_meeting(meeting_id)
    page = opened.area.page
    qtbot.waitUntil(lambda: page.view is not None and not opened.running.worker.busy, timeout=WAIT_MS)
    qtbot.keyClick(page.details_scroll, Qt.Key.Key_E, CTRL)
    editor = page.editor
    assert page.editing and editor.title.text() == "Carers' forum"
    assert editor.attendee_rows[0].speaks_for.edit.text() == "Age UK Eastside"
    assert editor.action_rows[0].item.currentText() == "1. Welcome"

    # Someone else saves first.
    view = meetings.get_meeting(db, meeting_id)
    meetings.update_meeting(
        db, set_up, meeting_id, view.version, view.as_draft().with_changes(venue="The Hub")
    )

    editor.title.setFocus()
    qtbot.keyClicks(editor.title, " (March)")
    qtbot.keyClick(editor.title, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: editor.banner.isVisible(), timeout=WAIT_MS)
    assert "Reload" in editor.banner_text.text() and editor.reload_button.isVisible()
    assert editor.title.text() == "Carers' forum (March)"  # what was typed is kept
    assert meetings.get_meeting(db, meeting_id).title == "Carers' forum"
    qtbot.mouseClick(editor.reload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.venue.text() == "The Hub", timeout=WAIT_MS)
    assert editor.title.text() == "Carers' forum" and not editor.banner.isVisible()


def test_a_problem_only_the_database_can_see_is_shown_beside_its_row(
    qtbot: QtBot, open_meetings: OpenMeetings, set_up: Actor, db: Database
) -> None:
    p = some_people(db, set_up)
    opened = open_meetings()
    editor = start_new(qtbot, opened)
    qtbot.keyClicks(editor.title, "Health board")
    add_person(qtbot, editor, "Tom")
    qtbot.keyClick(editor.finder.edit, Qt.Key.Key_Tab)
    speaks_for(qtbot, editor.attendee_rows[0].speaks_for, "Age")
    # Meanwhile someone archives the organisation.
    contacts.archive_contact(db, set_up, p.age_uk, contacts.get_contact(db, p.age_uk).version)
    qtbot.keyClick(editor.title, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: editor.banner.isVisible(), timeout=WAIT_MS)
    assert "Age UK Eastside is archived" in editor.shown_problem("attendees[0]")
    assert "not saved" in editor.banner_text.text() and not editor.reload_button.isVisible()
    assert editor.attendee_rows[0].speaks_for.edit.hasFocus()
    assert meetings.list_meetings(db) == []
    # Changing the row clears the message.
    editor.attendee_rows[0].speaks_for.edit.clear()
    qtbot.keyClicks(editor.attendee_rows[0].speaks_for.edit, "R")
    qtbot.keyClick(editor.attendee_rows[0].speaks_for.edit, Qt.Key.Key_Backspace)
    assert editor.shown_problem("attendees[0]") == ""
    assert editor.save_button.isEnabled()
