"""Fixtures for the Meetings area: the app started on a set-up organisation with the area
installed, and a little data (people, organisations, a second user)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS, wait_ready
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.services import contacts, people
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.ui import app as ui_app
from vcsedesk.ui.main_window import MainWindow
from vcsedesk.ui.meetings import install
from vcsedesk.ui.meetings.area import MeetingsArea

StartApp = Callable[[], ui_app.App]


@dataclass
class Opened:
    running: ui_app.App
    window: MainWindow
    area: MeetingsArea


def wait_list(qtbot: QtBot, opened: Opened) -> None:
    model = opened.area.list.model
    qtbot.waitUntil(lambda: model.has_loaded and not opened.running.worker.busy, timeout=WAIT_MS)


def activate(qtbot: QtBot, opened: Opened) -> None:
    """Make the main window the active one (window shortcuts need it)."""
    opened.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is opened.window, timeout=WAIT_MS)


@pytest.fixture
def open_meetings(qtbot: QtBot, start_app: StartApp) -> Callable[[], Opened]:
    def open_() -> Opened:
        running = start_app()
        wait_ready(qtbot, running)
        assert running.window is not None
        existing = running.window.area("meetings")
        if existing is None:  # until start-up installs the area itself
            area = install(running.ctx, running.window)
        else:
            assert isinstance(existing.widget, MeetingsArea)
            area = existing.widget
        running.window.show_area("meetings")
        opened = Opened(running, running.window, area)
        wait_list(qtbot, opened)
        activate(qtbot, opened)
        return opened

    return open_


@dataclass
class People:
    aisha: uuid.UUID
    tom: uuid.UUID
    bea: uuid.UUID
    age_uk: uuid.UUID
    carers: uuid.UUID
    priya: uuid.UUID  # a second user


def contact(db: Database, actor: Actor, **values: str) -> uuid.UUID:
    (cid,) = contacts.create_contact(db, actor, ContactDraft(**values)).created["contacts"]  # type: ignore[arg-type]
    return cid


def some_people(db: Database, actor: Actor) -> People:
    """Three people, two organisations (and a person whose name looks like one) and a user."""
    aisha = contact(db, actor, given_name="Aisha", family_name="Rahman")
    tom = contact(db, actor, given_name="Tom", family_name="Okafor")
    bea = contact(db, actor, given_name="Beatrice", family_name="Nwosu")
    contact(db, actor, given_name="Agnes", family_name="Ageley")  # a person: never "spoken for"
    age_uk = contact(db, actor, kind="organisation", name="Age UK Eastside")
    carers = contact(db, actor, kind="organisation", name="Riverside Carers Network")
    (priya,) = people.add_user(db, actor, name="Priya Shah", role="staff").created["users"]
    return People(aisha, tom, bea, age_uk, carers, priya)
