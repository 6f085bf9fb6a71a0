"""The History area: the journal newest first, fetched lazily, and Undo by keyboard."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS, wait_idle, wait_ready
from vcsedesk.services import history, organisation, people
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.ui import app as ui_app
from vcsedesk.ui.history_page import PAGE_SIZE, HistoryModel

StartApp = Callable[[], ui_app.App]


def postcode(db: Database) -> str | None:
    profile = organisation.get_profile(db)
    assert profile is not None
    return profile.postcode


def test_history_shows_the_changes_and_ctrl_z_undoes_the_last_one(
    qtbot: QtBot, start_app: StartApp, set_up: Actor, db: Database
) -> None:
    profile = organisation.get_profile(db)
    assert profile is not None
    organisation.update_profile(db, set_up, profile.version, postcode="M1 1AE")
    running = start_app()
    wait_ready(qtbot, running)
    window, page = running.window, running.history
    assert window is not None and page is not None
    assert window.stack.currentWidget() is page

    model = page.model
    assert model.rowCount() == 3 == history.count(db)
    assert model.index(0, HistoryModel.WHAT).data() == "Changed the organisation's postcode"
    assert model.index(0, HistoryModel.WHO).data() == "Sam Patel"
    assert model.index(2, HistoryModel.WHAT).data() == "Added user Sam Patel (administrator)"
    assert page.count_label.text() == "3 change(s)"

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT_MS)
    qtbot.keyClick(page.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: postcode(db) is None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: model.rowCount() == 4, timeout=WAIT_MS)
    wait_idle(qtbot, running)
    assert model.index(0, HistoryModel.WHAT).data() == "Undo: Changed the organisation's postcode"
    assert model.index(1, HistoryModel.WHAT).data() == "Changed the organisation's postcode (undone)"
    assert model.index(1, 0).data(Qt.ItemDataRole.FontRole).italic()
    assert window.statusBar().currentMessage() == "Undo: Changed the organisation's postcode"

    # Setting vcsedesk up cannot be undone: a second Ctrl+Z says so, in the status bar.
    qtbot.keyClick(page.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: "nothing of Sam Patel's left to undo" in window.statusBar().currentMessage(), timeout=WAIT_MS
    )
    assert history.count(db) == 4


def test_undo_reaches_the_organisation_form(
    qtbot: QtBot, start_app: StartApp, set_up: Actor, db: Database
) -> None:
    running = start_app()
    wait_ready(qtbot, running)
    assert running.organisation is not None and running.window is not None
    form = running.organisation.form
    form.fields["postcode"].setText("LS1 4AP")
    form._edited()
    form.save()
    qtbot.waitUntil(lambda: postcode(db) == "LS1 4AP", timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: form.fields["postcode"].text() == "LS1 4AP" and not running.worker.busy, timeout=WAIT_MS
    )
    running.window.undo_action.trigger()
    qtbot.waitUntil(lambda: postcode(db) is None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: form.fields["postcode"].text() == "", timeout=WAIT_MS)


def test_the_model_fetches_pages_as_the_view_needs_them(
    qtbot: QtBot, qtmodeltester: ModelTester, start_app: StartApp, set_up: Actor, db: Database
) -> None:
    for i in range(PAGE_SIZE + 30):
        people.add_user(db, set_up, name=f"Volunteer {i:03}", role="volunteer")
    total = history.count(db)
    running = start_app()
    wait_ready(qtbot, running)
    assert running.history is not None

    # A model of its own, not shown: it holds one page until asked for more.
    model = HistoryModel(running.ctx)
    qtmodeltester.check(model)
    model.reload()
    qtbot.waitUntil(lambda: model.has_loaded, timeout=WAIT_MS)
    assert model.rowCount() == PAGE_SIZE and model.total == total
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert not model.canFetchMore(QModelIndex())  # one fetch at a time
    qtbot.waitUntil(lambda: model.rowCount() == total, timeout=WAIT_MS)
    assert not model.canFetchMore(QModelIndex())
    seqs = [row.seq for row in model.rows]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == total
    assert model.index(total - 1, HistoryModel.WHAT).data() == "Added user Sam Patel (administrator)"

    # The page's view asks for the next page itself when scrolled to the end.
    shown = running.history.model
    qtmodeltester.check(shown)
    running.history.view.scrollToBottom()
    qtbot.waitUntil(lambda: shown.rowCount() == total, timeout=WAIT_MS)


def test_an_empty_history_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, start_app: StartApp, set_up: Actor
) -> None:
    running = start_app()
    wait_ready(qtbot, running)
    model = HistoryModel(running.ctx)
    qtmodeltester.check(model)
    assert model.rowCount() == 0 and not model.canFetchMore(QModelIndex())
    model.reload()
    qtbot.waitUntil(lambda: model.has_loaded, timeout=WAIT_MS)
    assert model.rowCount() == 2
    assert model.headerData(0, Qt.Orientation.Horizontal) == "When"
