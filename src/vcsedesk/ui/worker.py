"""One background worker for all database work, so the window never freezes.

After Anki's ``aqt/taskman.py`` and ``aqt/progress.py``.  Jobs run one at a time, in the order
they were submitted, on a single thread (a one-thread :class:`QThreadPool`); results and errors
come back to the GUI thread by a queued signal.  A job still running after about half a second
brings up a progress dialog (not modal: the window stays usable) that goes away when the
queue is empty.

Errors are sorted by whose fault they are (``vcsedesk.domain.errors``):

* :class:`UserError` — the request cannot be done as asked: given to the job's ``on_error``
  if it has one (a form may show it beside a field), else shown plainly in a message box;
* :class:`EnvironmentProblem` — the computer is in the way: a plain message and its way
  forward, always;
* anything else is a bug: the crash dialog.

While a worker exists, Python's cycle collector runs only in the GUI thread (see
:class:`MainThreadCollector`).
"""

from __future__ import annotations

import gc
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QWidget

from vcsedesk.domain.errors import EnvironmentProblem, UserError
from vcsedesk.ui import crash

log = logging.getLogger(__name__)

#: A job running longer than this (milliseconds) shows the progress dialog.
PROGRESS_AFTER_MS = 500


#: How often (milliseconds) the GUI thread looks whether a collection is due.
COLLECT_EVERY_MS = 1000


class MainThreadCollector(QObject):
    """Python's cycle collector, run from the GUI thread only.

    CPython collects in whichever thread happens to allocate past a threshold.  When that is
    the worker's thread, the cycles it frees can hold Qt objects that belong to the GUI
    thread (a page's widgets, a model, a lambda connected to them), and deleting those from
    the wrong thread takes Qt's locks from under the GUI thread: seen as a test run that
    hung for good, the GUI thread building a page while the worker's thread waited on the
    interpreter's lock.  So, as Anki does (``aqt/main.py``,
    ``disable_automatic_garbage_collection``), automatic collection is off while any worker
    exists, and a timer in the GUI thread collects the generations whose thresholds have
    been passed.  Automatic collection comes back when the last worker shuts down.
    """

    _holders = 0
    _was_enabled = True

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if MainThreadCollector._holders == 0:
            MainThreadCollector._was_enabled = gc.isenabled()
            gc.disable()
        MainThreadCollector._holders += 1
        self._holding = True
        self._timer = QTimer(self)
        self._timer.setInterval(COLLECT_EVERY_MS)
        self._timer.timeout.connect(self.collect_if_due)
        self._timer.start()

    @Slot()
    def collect_if_due(self) -> int:
        """Collect the oldest generation whose threshold has been passed; the number of
        unreachable objects found (0 when nothing was due)."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        due = [generation for generation in range(3) if counts[generation] > thresholds[generation]]
        return gc.collect(due[-1]) if due else 0

    def release(self) -> None:
        """Stop collecting here; the last one released turns automatic collection back on."""
        if not self._holding:
            return
        self._holding = False
        self._timer.stop()
        MainThreadCollector._holders -= 1
        if MainThreadCollector._holders == 0:
            gc.collect()  # while still in the GUI thread, with the worker's thread idle
            if MainThreadCollector._was_enabled:
                gc.enable()


@dataclass
class Job:
    id: int
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    label: str
    on_done: Callable[[Any], None] | None
    on_error: Callable[[UserError], None] | None
    on_settled: Callable[[], None] | None
    submitted: float = field(default_factory=time.monotonic)


class _Runnable(QRunnable):
    def __init__(self, worker: Worker, job: Job) -> None:
        super().__init__()
        self.worker = worker
        self.job = job
        self.setAutoDelete(True)

    def run(self) -> None:
        # Qt objects are let go of in the GUI thread only: the job (and its callbacks) stays
        # in the worker's table until the GUI thread has had the answer, and this thread lets
        # go of the function and its arguments before giving it.
        job_id, fn, args = self.job.id, self.job.fn, self.job.args
        del self.job
        self.worker._started.emit(job_id)
        ok, payload = True, None
        try:
            payload = fn(*args)
        except BaseException as exc:  # every failure goes back to the GUI thread
            ok, payload = False, exc
        del fn, args
        self.worker._finished.emit(job_id, ok, payload)


class Worker(QObject):
    """Runs database work off the GUI thread, one job at a time."""

    #: A job finished (successfully or not); tests and the progress logic listen to this.
    job_finished = Signal(int)
    #: The queue is empty again.
    idle = Signal()

    _started = Signal(int)
    _finished = Signal(int, bool, object)

    def __init__(self, parent_widget: Callable[[], QWidget | None] | None = None) -> None:
        super().__init__()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._pool.setExpiryTimeout(-1)  # keep the one thread for the whole session
        self._ids = itertools.count(1)
        self._jobs: dict[int, Job] = {}
        self._running: int | None = None
        self._parent_widget = parent_widget or (lambda: None)
        self._progress: QProgressDialog | None = None
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(PROGRESS_AFTER_MS)
        self._progress_timer.timeout.connect(self._show_progress)
        self._started.connect(self._on_started, Qt.ConnectionType.QueuedConnection)
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._closed = False
        self.messages: list[QMessageBox] = []
        self.collector = MainThreadCollector(self)

    # -- submitting ------------------------------------------------------------------------
    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[UserError], None] | None = None,
        on_settled: Callable[[], None] | None = None,
        label: str = "",
    ) -> int:
        """Queue ``fn(*args)``; ``on_done(result)`` runs in the GUI thread when it returns.

        ``on_error`` receives a :class:`UserError` the job raised (other failures are shown
        by the worker itself); ``on_settled`` runs after either.  Returns the job's id.
        """
        if self._closed:
            raise RuntimeError("the worker has been shut down")
        job = Job(next(self._ids), fn, args, label or self.tr("Working…"), on_done, on_error, on_settled)
        self._jobs[job.id] = job
        log.debug("Job %d queued: %s", job.id, job.label)
        self._pool.start(_Runnable(self, job))
        return job.id

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the thread has run every queued job (results are still delivered later,
        by the event loop).  For shutdown and tests only."""
        return self._pool.waitForDone(timeout_ms)

    def shutdown(self) -> None:
        """Refuse new jobs, let queued ones finish, and drop the progress dialog."""
        self._closed = True
        self._pool.waitForDone()
        self._progress_timer.stop()
        self._hide_progress()
        self.collector.release()

    # -- results (GUI thread) --------------------------------------------------------------
    @Slot(int)
    def _on_started(self, job_id: int) -> None:
        self._running = job_id
        if self._jobs and not self._progress_timer.isActive() and self._progress is None:
            self._progress_timer.start()
        if self._progress is not None and job_id in self._jobs:
            self._progress.setLabelText(self._jobs[job_id].label)

    @Slot(int, bool, object)
    def _on_finished(self, job_id: int, ok: bool, payload: object) -> None:
        job = self._jobs.pop(job_id, None)
        if self._running == job_id:
            self._running = None
        if not self._jobs:
            self._progress_timer.stop()
            self._hide_progress()
        if job is None:  # pragma: no cover - cannot happen: every job is registered first
            return
        log.debug(
            "Job %d (%s) %s after %.3f s",
            job_id,
            job.label,
            "done" if ok else "failed",
            time.monotonic() - job.submitted,
        )
        try:
            if ok:
                if job.on_done is not None:
                    job.on_done(payload)
            else:
                assert isinstance(payload, BaseException)
                self._handle_error(job, payload)
        finally:
            try:
                if job.on_settled is not None:
                    job.on_settled()
            finally:
                self.job_finished.emit(job_id)
                if not self._jobs:
                    self.idle.emit()

    def _handle_error(self, job: Job, exc: BaseException) -> None:
        if isinstance(exc, UserError):
            log.info("Job %s refused: %s", job.label, exc)
            if job.on_error is not None:
                job.on_error(exc)
            else:
                self.show_user_error(exc)
        elif isinstance(exc, EnvironmentProblem):
            log.warning("Job %s failed: %s", job.label, exc)
            self.show_environment_problem(exc)
        else:
            crash.handler().report_exception(exc)

    # -- messages --------------------------------------------------------------------------
    def _message(self, icon: QMessageBox.Icon, title: str, text: str, informative: str = "") -> QMessageBox:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self._parent_widget())
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setTextFormat(Qt.TextFormat.PlainText)
        if informative:
            box.setInformativeText(informative)
        box.setAccessibleName(title)
        self.messages.append(box)
        box.finished.connect(lambda _result: self.messages.remove(box) if box in self.messages else None)
        box.open()  # window-modal and non-blocking: results keep arriving meanwhile
        return box

    def show_user_error(self, exc: UserError) -> QMessageBox:
        return self._message(QMessageBox.Icon.Information, self.tr("That could not be done"), str(exc))

    def show_environment_problem(self, exc: EnvironmentProblem) -> QMessageBox:
        return self._message(
            QMessageBox.Icon.Warning, self.tr("vcsedesk cannot go on with that"), str(exc), exc.way_forward
        )

    # -- progress --------------------------------------------------------------------------
    @Slot()
    def _show_progress(self) -> None:
        if not self._jobs or self._progress is not None:
            return
        current = self._jobs.get(self._running) if self._running is not None else None
        label = (current or next(iter(self._jobs.values()))).label
        dialog = QProgressDialog(label, "", 0, 0, self._parent_widget())
        dialog.setCancelButton(None)
        dialog.setWindowTitle(self.tr("vcsedesk is working"))
        dialog.setAccessibleName(self.tr("Progress"))
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        # A notice, not a question: it must not take the keyboard from whoever is typing.
        dialog.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self._progress = dialog
        typing_in = QApplication.activeWindow()
        dialog.show()
        if typing_in is not None and typing_in is not dialog:  # platforms that ignore the attribute
            typing_in.activateWindow()

    def _hide_progress(self) -> None:
        if self._progress is not None:
            had_keyboard = self._progress.isActiveWindow()
            self._progress.hide()
            self._progress.deleteLater()
            self._progress = None
            parent = self._parent_widget()
            if had_keyboard and parent is not None:  # give the keyboard back to the window
                parent.activateWindow()

    @property
    def progress_dialog(self) -> QProgressDialog | None:
        return self._progress
