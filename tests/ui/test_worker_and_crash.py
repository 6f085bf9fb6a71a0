"""The background worker (results by signal, progress, errors by kind) and the crash dialog."""

from __future__ import annotations

import gc
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS, visible_message_boxes
from vcsedesk import __version__
from vcsedesk.domain.errors import DiskFull, NotFoundError, UserError
from vcsedesk.ui import crash
from vcsedesk.ui import worker as worker_module
from vcsedesk.ui.worker import Worker


@pytest.fixture
def worker(qtbot: QtBot) -> Iterator[Worker]:
    made = Worker()
    yield made
    made.shutdown()


def test_jobs_run_off_the_gui_thread_in_order_and_results_come_back_on_it(
    qtbot: QtBot, worker: Worker
) -> None:
    gui = QThread.currentThread()
    ran_on: list[object] = []
    results: list[tuple[int, bool]] = []

    def job(n: int) -> int:
        ran_on.append(QThread.currentThread())
        return n * 10

    for n in range(5):
        worker.submit(job, n, on_done=lambda r: results.append((r, QThread.currentThread() is gui)))
    with qtbot.waitSignal(worker.idle, timeout=WAIT_MS):
        pass
    assert results == [(0, True), (10, True), (20, True), (30, True), (40, True)]
    assert all(t is not gui for t in ran_on)
    assert len({id(t) for t in ran_on}) == 1  # one worker thread for everything


def test_a_user_error_goes_to_on_error_and_on_settled_runs_either_way(qtbot: QtBot, worker: Worker) -> None:
    seen: list[str] = []

    def refuse() -> None:
        raise NotFoundError("That user no longer exists.")

    worker.submit(
        refuse, on_error=lambda exc: seen.append(str(exc)), on_settled=lambda: seen.append("settled")
    )
    with qtbot.waitSignal(worker.idle, timeout=WAIT_MS):
        pass
    assert seen == ["That user no longer exists.", "settled"]
    assert visible_message_boxes() == []


def test_a_user_error_without_a_handler_is_shown_plainly(qtbot: QtBot, worker: Worker) -> None:
    def refuse() -> None:
        raise UserError("Claim 2025-014 was approved by Sam at 14:02; reopen it to edit.")

    worker.submit(refuse)
    qtbot.waitUntil(lambda: bool(visible_message_boxes()), timeout=WAIT_MS)
    box = visible_message_boxes()[0]
    assert box.text() == "Claim 2025-014 was approved by Sam at 14:02; reopen it to edit."
    assert box.icon() == QMessageBox.Icon.Information
    box.button(QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not visible_message_boxes(), timeout=WAIT_MS)


def test_an_environment_problem_is_a_plain_message_with_a_way_forward(qtbot: QtBot, worker: Worker) -> None:
    handled: list[object] = []

    def fill_the_disk() -> None:
        raise DiskFull("The disk is full, so the change could not be saved.")

    worker.submit(fill_the_disk, on_error=handled.append)
    qtbot.waitUntil(lambda: bool(visible_message_boxes()), timeout=WAIT_MS)
    box = visible_message_boxes()[0]
    assert box.text() == "The disk is full, so the change could not be saved."
    assert box.informativeText() == DiskFull.way_forward
    assert box.icon() == QMessageBox.Icon.Warning
    assert handled == []  # the computer's fault is never a form's business
    assert crash.handler().dialog is None
    box.button(QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: worker.messages == [], timeout=WAIT_MS)


def test_an_unexpected_exception_in_a_job_opens_the_crash_dialog_with_its_traceback(
    qtbot: QtBot, worker: Worker
) -> None:
    import logging

    from vcsedesk.logs import configure_logging

    configure_logging()
    logging.getLogger("vcsedesk.test").warning("a line that should appear in the crash details")

    def buggy_job() -> None:
        {}["no-such-key-7f3a"]

    worker.submit(buggy_job, on_error=lambda exc: pytest.fail("a bug is not a UserError"))
    qtbot.waitUntil(
        lambda: crash.handler().dialog is not None and crash.handler().dialog.isVisible(), timeout=WAIT_MS
    )  # type: ignore[union-attr]
    dialog = crash.handler().dialog
    assert dialog is not None
    details = dialog.details.toPlainText()
    assert "Traceback (most recent call last)" in details
    assert "buggy_job" in details and "KeyError: 'no-such-key-7f3a'" in details
    assert f"vcsedesk {__version__}" in details and "Python " in details and "Qt " in details
    assert "a line that should appear in the crash details" in details
    assert dialog.details.isReadOnly()

    dialog.copy_button.click()
    assert QApplication.clipboard().text() == details
    dialog.close_button.click()
    qtbot.waitUntil(lambda: crash.handler().dialog is None, timeout=WAIT_MS)


def test_the_crash_dialog_says_where_the_log_file_is(qtbot: QtBot, tmp_path: object) -> None:
    from pathlib import Path

    log_file = Path(str(tmp_path)) / "logs" / "vcsedesk.log"
    dialog = crash.CrashDialog("details", log_file)
    qtbot.addWidget(dialog)
    assert str(log_file) in dialog.log_label.text()
    no_file = crash.CrashDialog("details", None)
    qtbot.addWidget(no_file)
    assert "No log file" in no_file.log_label.text()


def test_the_global_hooks_catch_exceptions_from_the_gui_thread_and_other_threads(qtbot: QtBot) -> None:
    hook = crash.install()
    assert sys.excepthook == hook.excepthook
    try:
        raise ValueError("from the GUI thread 41c2")
    except ValueError:
        sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: hook.dialog is not None and hook.dialog.isVisible(), timeout=WAIT_MS)
    assert hook.dialog is not None
    assert "ValueError: from the GUI thread 41c2" in hook.dialog.details.toPlainText()

    def in_a_thread() -> None:
        raise RuntimeError("from another thread 9d1e")

    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join()
    # A second bug while the dialog is open is added to it, not stacked in a new dialog.
    qtbot.waitUntil(lambda: "from another thread 9d1e" in hook.dialog.details.toPlainText(), timeout=WAIT_MS)  # type: ignore[union-attr]
    hook.uninstall()
    assert sys.excepthook != hook.excepthook


def test_a_slow_job_brings_up_a_progress_dialog_that_goes_away(
    qtbot: QtBot, worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker_module, "PROGRESS_AFTER_MS", 100)
    slow = Worker()
    release = threading.Event()
    try:
        slow.submit(lambda: release.wait(WAIT_MS / 1000), label="Copying the data…")
        qtbot.waitUntil(
            lambda: slow.progress_dialog is not None and slow.progress_dialog.isVisible(), timeout=WAIT_MS
        )
        dialog = slow.progress_dialog
        assert dialog is not None
        assert dialog.labelText() == "Copying the data…"
        assert not dialog.isModal()
        release.set()
        qtbot.waitUntil(lambda: slow.progress_dialog is None, timeout=WAIT_MS)
    finally:
        release.set()
        slow.shutdown()


def test_the_progress_dialog_leaves_the_keyboard_with_the_window(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone typing while a slow save runs keeps typing into their field, and window
    shortcuts (Escape, Ctrl+S) still reach the window after the dialog goes."""
    monkeypatch.setattr(worker_module, "PROGRESS_AFTER_MS", 50)
    window = QWidget()
    qtbot.addWidget(window)
    edit = QLineEdit()
    QVBoxLayout(window).addWidget(edit)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT_MS)
    edit.setFocus()
    slow = Worker(parent_widget=lambda: window)
    release = threading.Event()
    try:
        slow.submit(lambda: release.wait(WAIT_MS / 1000), label="Saving…")
        qtbot.waitUntil(
            lambda: slow.progress_dialog is not None and slow.progress_dialog.isVisible(), timeout=WAIT_MS
        )
        qtbot.wait(50)
        assert QApplication.activeWindow() is window
        qtbot.keyClicks(QApplication.focusWidget(), "still typing")
        assert edit.text() == "still typing"
        release.set()
        qtbot.waitUntil(lambda: slow.progress_dialog is None, timeout=WAIT_MS)
        assert QApplication.activeWindow() is window
    finally:
        release.set()
        slow.shutdown()


class _Cycle:
    """Garbage only the cycle collector can free; says in which thread it was freed."""

    def __init__(self, freed_in: list[threading.Thread]) -> None:
        self.me = self
        self.freed_in = freed_in

    def __del__(self) -> None:
        self.freed_in.append(threading.current_thread())


def test_cycles_are_collected_in_the_gui_thread_however_much_a_job_allocates(
    qtbot: QtBot, worker: Worker
) -> None:
    """A collection started in the worker's thread would delete Qt objects there."""
    assert not gc.isenabled()
    freed_in: list[threading.Thread] = []
    _Cycle(freed_in)

    def churn() -> int:  # leaves thousands of cycles: well past every automatic threshold
        for _ in range(20_000):
            loop: list[object] = []
            loop.append(loop)
        return gc.get_count()[0]

    with qtbot.waitSignal(worker.idle, timeout=WAIT_MS):
        worker.submit(churn)
    assert freed_in == []  # nothing was collected in the worker's thread
    qtbot.waitUntil(lambda: bool(freed_in), timeout=WAIT_MS)  # the GUI thread's timer did it
    assert freed_in == [threading.main_thread()]


def test_automatic_collection_returns_when_the_last_worker_shuts_down(qtbot: QtBot) -> None:
    first, second = Worker(), Worker()
    assert not gc.isenabled()
    first.shutdown()
    assert not gc.isenabled()  # the second still runs jobs
    second.shutdown()
    second.shutdown()  # twice is harmless
    assert gc.isenabled()


def test_a_quick_job_shows_no_progress_dialog(qtbot: QtBot, worker: Worker) -> None:
    start = time.monotonic()
    with qtbot.waitSignal(worker.idle, timeout=WAIT_MS):
        worker.submit(lambda: None)
    assert worker.progress_dialog is None
    assert time.monotonic() - start < worker_module.PROGRESS_AFTER_MS / 1000


def test_a_shut_down_worker_takes_no_more_jobs(worker: Worker) -> None:
    worker.shutdown()
    with pytest.raises(RuntimeError):
        worker.submit(lambda: None)
