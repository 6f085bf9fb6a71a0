"""Fixtures for the Contacts area: the app started on a set-up organisation, with the area
installed first in the sidebar the way start-up installs it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS, wait_ready
from vcsedesk.ui import app as ui_app
from vcsedesk.ui.contacts import install
from vcsedesk.ui.contacts.area import ContactsArea
from vcsedesk.ui.main_window import MainWindow

StartApp = Callable[[], ui_app.App]


@dataclass
class Opened:
    running: ui_app.App
    window: MainWindow
    area: ContactsArea


def wait_list(qtbot: QtBot, opened: Opened) -> None:
    """Until the list has its answer and nothing is left to fetch."""
    model = opened.area.list.model

    def settled() -> bool:
        return model.has_loaded and not model.busy and not opened.running.worker.busy

    qtbot.waitUntil(settled, timeout=WAIT_MS)


def activate(qtbot: QtBot, opened: Opened) -> None:
    """Make the main window the active one (window shortcuts such as Ctrl+Z need it; the
    offscreen platform does not give it back by itself when a message box closes)."""
    opened.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is opened.window, timeout=WAIT_MS)


@pytest.fixture
def open_contacts(qtbot: QtBot, start_app: StartApp) -> Callable[[], Opened]:
    def open_() -> Opened:
        running = start_app()
        wait_ready(qtbot, running)
        assert running.window is not None
        area = running.window.area("contacts")
        if area is None:  # until start-up installs the area itself
            contacts = install(running.ctx, running.window)
        else:
            assert isinstance(area.widget, ContactsArea)
            contacts = area.widget
        running.window.show_area("contacts")
        opened = Opened(running, running.window, contacts)
        wait_list(qtbot, opened)
        activate(qtbot, opened)
        return opened

    return open_
