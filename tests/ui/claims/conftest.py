"""Fixtures for the Claims area: the app started on a set-up organisation with the area
installed, a few people and users, and a budget."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS, wait_ready
from vcsedesk.domain.claims import ItemEntry
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.services import budgets, claims, contacts, people
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.store.location import DataFolder
from vcsedesk.ui import app as ui_app
from vcsedesk.ui.claims import install
from vcsedesk.ui.claims.area import ClaimsArea
from vcsedesk.ui.main_window import MainWindow

StartApp = Callable[[], ui_app.App]


@dataclass
class Opened:
    running: ui_app.App
    window: MainWindow
    area: ClaimsArea


def wait_list(qtbot: QtBot, opened: Opened) -> None:
    model = opened.area.list.model
    qtbot.waitUntil(lambda: model.has_loaded and not opened.running.worker.busy, timeout=WAIT_MS)


def activate(qtbot: QtBot, opened: Opened) -> None:
    """Make the main window the active one (window shortcuts need it)."""
    opened.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is opened.window, timeout=WAIT_MS)


@pytest.fixture
def open_claims(qtbot: QtBot, start_app: StartApp) -> Callable[[], Opened]:
    def open_() -> Opened:
        running = start_app()
        wait_ready(qtbot, running)
        assert running.window is not None
        existing = running.window.area("claims")
        if existing is None:  # until start-up installs the area itself
            area = install(running.ctx, running.window)
        else:
            assert isinstance(existing.widget, ClaimsArea)
            area = existing.widget
        running.window.show_area("claims")
        opened = Opened(running, running.window, area)
        wait_list(qtbot, opened)
        activate(qtbot, opened)
        return opened

    return open_


def add_user(db: Database, folder: DataFolder, admin: Actor, name: str, role: str) -> Actor:
    """A user of the organisation, as an Actor on this installation."""
    people.add_user(db, admin, name=name, role=role)
    user = next(u for u in people.list_users(db) if u.name == name)
    return people.actor_for(db, user.id, folder.device_id())


def act_as(folder: DataFolder, actor: Actor) -> None:
    """Make ``actor`` the user this installation opens as (before the app starts)."""
    folder.save_installation(user_id=str(actor.user_id))


def person(db: Database, actor: Actor, given: str, family: str) -> uuid.UUID:
    (cid,) = contacts.create_contact(db, actor, ContactDraft(given_name=given, family_name=family)).created[
        "contacts"
    ]
    return cid


def budget(db: Database, actor: Actor, name: str, amount: int, funder: str | None = None) -> uuid.UUID:
    (bid,) = budgets.add_budget(
        db,
        actor,
        name=name,
        starts_on=date(2020, 1, 1),
        ends_on=date(2040, 12, 31),
        amount=amount,
        funder=funder,
    ).created["budgets"]
    return bid


def claim(
    db: Database,
    actor: Actor,
    claimant: uuid.UUID,
    on: date,
    *items: ItemEntry,
    **values: object,
) -> uuid.UUID:
    """A draft claim made through the service."""
    draft = claims.ClaimDraft(
        claimant_id=claimant,
        tier=str(values.pop("tier", "ongoing")),
        activity_date=on,
        items=items or (ItemEntry("involvement", "Panel meeting", 200, "hour"),),
        **values,  # type: ignore[arg-type]
    )
    (cid,) = claims.new_claim(db, actor, draft).created["claims"]
    return cid
