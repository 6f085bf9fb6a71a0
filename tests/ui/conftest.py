"""UI test fixtures: real widgets on Qt's offscreen platform, over a real SQLite file.

``start_app`` starts vcsedesk the way ``run_app`` does (lock, window, worker, data opened on
the worker) and shuts it down after the test; ``set_up`` makes the data folder hold an
organisation whose administrator, Sam Patel, is the user saved for this installation.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

import gc
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from vcsedesk import settings
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.store.location import DataFolder
from vcsedesk.ui import app as ui_app
from vcsedesk.ui import crash
from vcsedesk.ui.context import ENV_STARTUP_PROBE

#: Qt messages that say nothing about vcsedesk: the offscreen platform plugin warns that it
#: cannot pass window size hints on to a window manager it does not have.
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(HERE):
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(autouse=True)
def _isolated_ui(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(settings.ENV_CONFIG_DIR, str(tmp_path / "config"))
    monkeypatch.delenv(ENV_STARTUP_PROBE, raising=False)
    hooks = (sys.excepthook, threading.excepthook)
    handlers = list(logging.getLogger().handlers)
    yield
    sys.excepthook, threading.excepthook = hooks
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    hook = crash.handler()
    if hook.dialog is not None:
        hook.dialog.close()
        hook.dialog = None
    hook.parent_widget = lambda: None
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.isVisible():
            widget.close()
    if not gc.isenabled():  # a worker left running keeps automatic collection off
        gc.enable()
        pytest.fail("a Worker was not shut down: shut down every worker a test makes")


@pytest.fixture
def set_up(db: Database, admin: Actor, folder: DataFolder) -> Actor:
    """An organisation in the data folder, with Sam Patel saved as this installation's user."""
    folder.save_installation(user_id=str(admin.user_id))
    return admin


@pytest.fixture
def start_app(qtbot: QtBot, folder: DataFolder) -> Iterator[Callable[[], ui_app.App]]:
    started: list[ui_app.App] = []

    def start() -> ui_app.App:
        result = ui_app.start(str(folder.root), None)
        assert isinstance(result, ui_app.App)
        started.append(result)
        return result

    yield start
    for running in started:
        running.shutdown()
        if running.window is not None:
            running.window.deleteLater()
    qtbot.wait(1)
