"""Helpers for the UI tests: waiting for the app, finding dialogs."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from vcsedesk.ui import app as ui_app

#: Generous: the worker is fast, but CI machines are not.
WAIT_MS = 10_000


#: For what builds a whole organisation (the sample data): seconds on a busy machine.
SLOW_WAIT_MS = 60_000


def wait_ready(qtbot: QtBot, running: ui_app.App, timeout: int = WAIT_MS) -> None:
    """Wait until every area has loaded and the worker is idle."""

    def ready() -> bool:
        return (
            running.ready
            and running.settled
            and running.history is not None
            and running.history.model.has_loaded
            and running.organisation is not None
            and running.organisation.form.profile is not None
            and not running.worker.busy
        )

    qtbot.waitUntil(ready, timeout=timeout)


def wait_idle(qtbot: QtBot, running: ui_app.App) -> None:
    qtbot.waitUntil(lambda: not running.worker.busy, timeout=WAIT_MS)


def visible_message_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def find_visible(kind: type[QWidget]) -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
