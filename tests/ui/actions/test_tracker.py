"""The actions tracker, driven by keyboard and checked against the database: overdue actions
first, saying "Overdue" with a warning icon and in bold; the filters and the count; Ctrl+D
marks an action done with its outcome; Enter edits one; Ctrl+N adds one on its own; Ctrl+G
goes to where an action came from (or, with nothing connected, says so)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS, wait_ready
from tests.ui.meetings.conftest import contact
from vcsedesk.domain.engagement import ActionStatus
from vcsedesk.services import actions, meetings, people
from vcsedesk.services.actions import ActionDraft
from vcsedesk.services.base import Actor
from vcsedesk.services.meetings import AgendaItemEntry, MeetingActionEntry, MeetingDraft
from vcsedesk.store.database import Database
from vcsedesk.ui import app as ui_app
from vcsedesk.ui.actions import install
from vcsedesk.ui.actions.area import ActionsArea
from vcsedesk.ui.actions.dialog import ActionDialog, DoneDialog
from vcsedesk.ui.actions.model import ActionsModel
from vcsedesk.ui.main_window import MainWindow

StartApp = Callable[[], ui_app.App]
TODAY = date.today()
CTRL = Qt.KeyboardModifier.ControlModifier


@dataclass
class Opened:
    running: ui_app.App
    window: MainWindow
    area: ActionsArea


def activate(qtbot: QtBot, opened: Opened) -> None:
    """Make the main window the active one again (window shortcuts need it; the offscreen
    platform does not give it back by itself when a dialog closes)."""
    opened.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is opened.window, timeout=WAIT_MS)


def settle(qtbot: QtBot, opened: Opened) -> None:
    qtbot.waitUntil(
        lambda: opened.area.tracker.model.has_loaded and not opened.running.worker.busy, timeout=WAIT_MS
    )


@pytest.fixture
def open_actions(qtbot: QtBot, start_app: StartApp) -> Callable[[], Opened]:
    def open_() -> Opened:
        running = start_app()
        wait_ready(qtbot, running)
        assert running.window is not None
        existing = running.window.area("actions")
        if existing is None:  # until start-up installs the area itself
            area = install(running.ctx, running.window)
        else:
            assert isinstance(existing.widget, ActionsArea)
            area = existing.widget
        running.window.show_area("actions")
        opened = Opened(running, running.window, area)
        settle(qtbot, opened)
        activate(qtbot, opened)
        area.tracker.view.setFocus()
        return opened

    return open_


@dataclass
class Sample:
    late: uuid.UUID  # overdue, mine, from a meeting
    soon: uuid.UUID  # due next week, Priya's
    undated: uuid.UUID  # no due date, owned by a contact
    done: uuid.UUID
    cancelled: uuid.UUID
    meeting: uuid.UUID


def add(db: Database, actor: Actor, draft: ActionDraft) -> uuid.UUID:
    (action_id,) = actions.add_action(db, actor, draft).created["actions"]
    return action_id


def sample(db: Database, actor: Actor) -> Sample:
    (priya,) = people.add_user(db, actor, name="Priya Shah", role="staff").created["users"]
    tom = contact(db, actor, given_name="Tom", family_name="Okafor")
    draft = MeetingDraft(
        title="Carers' forum",
        on_date=TODAY - timedelta(days=20),
        items=(AgendaItemEntry("Waiting times"),),
        actions=(
            MeetingActionEntry(
                ActionDraft(
                    "Write to the practice manager",
                    owner_user_id=actor.user_id,
                    due_on=TODAY - timedelta(days=5),
                ),
                item=0,
            ),
        ),
    )
    (meeting_id,) = meetings.add_meeting(db, actor, draft).created["meetings"]
    (late,) = [a.id for a in meetings.get_meeting(db, meeting_id).actions]
    soon = add(
        db, actor, ActionDraft("Send the survey out", owner_user_id=priya, due_on=TODAY + timedelta(days=7))
    )
    undated = add(db, actor, ActionDraft("Find a bigger room", owner_contact_id=tom))
    done = add(db, actor, ActionDraft("Print the leaflets", status="done", outcome="200 printed"))
    cancelled = add(db, actor, ActionDraft("Hire a minibus", status="cancelled"))
    return Sample(late, soon, undated, done, cancelled, meeting_id)


def titles(model: ActionsModel) -> list[str]:
    return [r.title for r in model.rows]


def test_overdue_stands_out_in_words_icon_and_bold_and_the_filters(
    qtbot: QtBot, open_actions: Callable[[], Opened], set_up: Actor, db: Database, qtmodeltester: ModelTester
) -> None:
    sample(db, set_up)
    opened = open_actions()
    tracker = opened.area.tracker
    model = tracker.model
    # Open (the default): overdue first, then by due date, undated last.
    assert titles(model) == ["Write to the practice manager", "Send the survey out", "Find a bigger room"]
    assert tracker.count_label.text() == "3 open, 1 overdue"
    status = model.index(0, ActionsModel.STATUS)
    assert model.data(status) == "Overdue (open)"
    assert model.data(model.index(0, ActionsModel.DUE)).endswith("5 days late")
    icon = model.data(status, Qt.ItemDataRole.DecorationRole)
    assert isinstance(icon, QIcon) and not icon.isNull()
    for column in range(model.columnCount()):
        assert model.data(model.index(0, column), Qt.ItemDataRole.FontRole).bold()
    assert model.data(model.index(1, ActionsModel.STATUS)) == "Open"
    assert model.data(model.index(1, ActionsModel.STATUS), Qt.ItemDataRole.DecorationRole) is None
    assert model.data(model.index(1, ActionsModel.TITLE), Qt.ItemDataRole.FontRole) is None
    assert model.data(model.index(0, ActionsModel.SOURCE)).startswith("Meeting “Carers' forum”")
    assert model.data(model.index(2, ActionsModel.SOURCE)) == "On its own"
    assert model.data(model.index(2, ActionsModel.OWNER)) == "Tom Okafor"
    qtmodeltester.check(model)

    def show(key: str) -> list[str]:
        with qtbot.waitSignal(tracker.loaded, timeout=WAIT_MS):
            tracker.set_show(key)
        return titles(model)

    assert show("overdue") == ["Write to the practice manager"]
    assert show("done") == ["Print the leaflets"]
    assert model.data(model.index(0, ActionsModel.OUTCOME)) == "200 printed"
    assert len(show("all")) == 5
    qtmodeltester.check(model)
    # Mine only (Alt+M): Sam Patel owns the meeting's action.
    with qtbot.waitSignal(tracker.loaded, timeout=WAIT_MS):
        qtbot.keyClick(tracker.view, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    assert tracker.mine.isChecked()
    assert titles(model) == ["Write to the practice manager"]
    # Nothing done by me: the empty state says why.
    assert show("done") == []
    assert tracker.stack.currentWidget() is tracker.empty
    assert "Mine only" in tracker.empty.text()


def test_ctrl_d_marks_done_with_an_outcome_and_the_database_agrees(
    qtbot: QtBot, open_actions: Callable[[], Opened], set_up: Actor, db: Database
) -> None:
    s = sample(db, set_up)
    opened = open_actions()
    tracker = opened.area.tracker
    assert tracker.selected() is not None and tracker.selected().id == s.late  # type: ignore[union-attr]
    qtbot.keyClick(tracker.view, Qt.Key.Key_D, CTRL)
    qtbot.waitUntil(
        lambda: tracker.done_dialog is not None and tracker.done_dialog.isVisible(), timeout=WAIT_MS
    )
    dialog = tracker.done_dialog
    assert isinstance(dialog, DoneDialog)
    qtbot.waitUntil(dialog.outcome.hasFocus, timeout=WAIT_MS)  # once the dialog is the active window
    qtbot.keyClicks(dialog.outcome, "The practice added two phone lines.")
    with qtbot.waitSignal(tracker.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.done_button, Qt.MouseButton.LeftButton)
    settle(qtbot, opened)
    done = actions.get_action(db, s.late)
    assert (done.status, done.outcome, done.completed_on) == (
        ActionStatus.DONE,
        "The practice added two phone lines.",
        actions.get_action(db, s.late).completed_on,
    )
    assert done.completed_on is not None
    # It leaves the open list; the count follows.
    assert "Write to the practice manager" not in titles(tracker.model)
    assert tracker.count_label.text() == "2 open, 0 overdue"


def test_enter_edits_ctrl_n_adds_and_ctrl_g_goes_to_the_source(
    qtbot: QtBot, open_actions: Callable[[], Opened], set_up: Actor, db: Database
) -> None:
    s = sample(db, set_up)
    opened = open_actions()
    tracker = opened.area.tracker

    # Ctrl+G: the app shows the meeting the action came from, in the Meetings area.
    asked: list[tuple[str, uuid.UUID]] = []
    opened.area.open_source.connect(lambda table, record_id: asked.append((table, record_id)))
    qtbot.keyClick(tracker.view, Qt.Key.Key_G, CTRL)
    assert asked == [("meetings", s.meeting)]
    window = opened.running.window
    assert window is not None
    shown = window.current_area()
    assert shown is not None and shown.key == "meetings"
    page = shown.widget.page  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: page.view is not None and page.view.id == s.meeting, timeout=WAIT_MS)
    window.show_area("actions")
    tracker.view.setFocus()

    # Enter edits the second action: a new title, a due date moved, "In progress".
    qtbot.keyClick(tracker.view, Qt.Key.Key_Down)
    assert tracker.selected().id == s.soon  # type: ignore[union-attr]
    qtbot.keyClick(tracker.view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tracker.dialog is not None and tracker.dialog.has_loaded, timeout=WAIT_MS)
    dialog = tracker.dialog
    assert isinstance(dialog, ActionDialog)
    qtbot.waitUntil(dialog.title.hasFocus, timeout=WAIT_MS)
    assert dialog.owner.combo.currentText() == "Priya Shah"
    dialog.title.selectAll()
    qtbot.keyClick(dialog.title, Qt.Key.Key_Delete)
    assert "Title" in dialog.shown_problem("title") and not dialog.save_button.isEnabled()
    qtbot.keyClicks(dialog.title, "Send the survey to every member")
    qtbot.keyClick(dialog.title, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    assert dialog.status.hasFocus()
    qtbot.keyClick(dialog.status, Qt.Key.Key_Down)
    assert dialog.status.currentText() == "In progress"
    with qtbot.waitSignal(tracker.loaded, timeout=WAIT_MS):
        qtbot.keyClick(dialog.title, Qt.Key.Key_Return)  # Enter in the title saves
    saved = actions.get_action(db, s.soon)
    assert (saved.title, saved.status, saved.owner, saved.due_on) == (
        "Send the survey to every member",
        ActionStatus.IN_PROGRESS,
        "Priya Shah",
        TODAY + timedelta(days=7),
    )
    assert tracker.selected().id == s.soon  # type: ignore[union-attr]  # still selected

    # Ctrl+N: an action on its own, owned by a contact found by typing.
    contact(db, set_up, given_name="Beatrice", family_name="Nwosu")
    activate(qtbot, opened)
    qtbot.keyClick(tracker.view, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: tracker.dialog is not None and tracker.dialog.has_loaded, timeout=WAIT_MS)
    dialog = tracker.dialog
    assert dialog is not None and dialog.view is None
    qtbot.waitUntil(dialog.title.hasFocus, timeout=WAIT_MS)
    qtbot.keyClicks(dialog.title, "Ring the council about the bins")
    qtbot.keyClick(dialog.title, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    owner = dialog.owner
    assert owner.combo.hasFocus()
    while owner.combo.currentText() != "A contact…":
        qtbot.keyClick(owner.combo, Qt.Key.Key_Down)
    assert owner.picker is not None and owner.picker.isVisible()
    assert "Find the contact" in dialog.shown_problem("owner") and not dialog.save_button.isEnabled()
    owner.picker.edit.setFocus()
    with qtbot.waitSignal(owner.picker.searched, timeout=WAIT_MS):
        qtbot.keyClicks(owner.picker.edit, "Beatr")
    qtbot.keyClick(owner.picker.edit, Qt.Key.Key_Return)
    assert owner.combo.currentText() == "Beatrice Nwosu (contact)" and not owner.picker.isVisible()
    qtbot.waitUntil(owner.combo.hasFocus, timeout=WAIT_MS)
    assert dialog.shown_problem("owner") == ""
    with qtbot.waitSignal(tracker.loaded, timeout=WAIT_MS):
        qtbot.keyClick(owner.combo, Qt.Key.Key_S, CTRL)
    (added,) = [
        r for r in actions.list_actions(db, today=TODAY) if r.title == "Ring the council about the bins"
    ]
    assert (added.owner, added.source_table, added.status) == ("Beatrice Nwosu", None, ActionStatus.OPEN)
    qtbot.waitUntil(
        lambda: tracker.selected() is not None and tracker.selected().id == added.id, timeout=WAIT_MS
    )  # type: ignore[union-attr]
    # Ctrl+G on an action on its own says so.
    activate(qtbot, opened)
    qtbot.keyClick(tracker.view, Qt.Key.Key_G, CTRL)
    assert "on its own" in tracker.last_note and len(asked) == 1


def test_a_dashboard_figure_shows_only_its_actions(
    qtbot: QtBot, open_actions: Callable[[], Opened], set_up: Actor, db: Database
) -> None:
    s = sample(db, set_up)
    opened = open_actions()
    tracker = opened.area.tracker
    with qtbot.waitSignal(tracker.loaded, timeout=WAIT_MS):
        opened.area.open_records([s.late, s.done], "Overdue actions")
    assert titles(tracker.model) == ["Write to the practice manager", "Print the leaflets"]
    assert tracker.chosen_bar.isVisible() and "Overdue actions" in tracker.chosen_label.text()
    with qtbot.waitSignal(tracker.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(tracker.show_all_button, Qt.MouseButton.LeftButton)
    assert len(titles(tracker.model)) == 3 and not tracker.chosen_bar.isVisible()
