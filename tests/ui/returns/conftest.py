"""Fixtures for the Returns area: the app started on a set-up organisation with the area
installed, and a small world of records in last summer's quarter to make a return from."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS, wait_ready
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.engagement import EngagementDraft, ParticipantEntry, QuoteEntry
from vcsedesk.domain.returns import Cadence, Period
from vcsedesk.services import consent, contacts, engagement_lists, engagements, partnerships, people, themes
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.store.location import DataFolder
from vcsedesk.ui import app as ui_app
from vcsedesk.ui.main_window import MainWindow
from vcsedesk.ui.returns import install
from vcsedesk.ui.returns.area import ReturnsArea

StartApp = Callable[[], ui_app.App]
TODAY = date.today()


def last_quarter(today: date) -> Period:
    """The last whole quarter before the one ``today`` is in."""
    end = date(today.year, (today.month - 1) // 3 * 3 + 1, 1) - timedelta(days=1)
    return Period(date(end.year, (end.month - 1) // 3 * 3 + 1, 1), end)


QUARTER = last_quarter(TODAY)


def day_in(period: Period, offset: int) -> date:
    return date.fromordinal(period.start.toordinal() + offset)


@dataclass
class Opened:
    running: ui_app.App
    window: MainWindow
    area: ReturnsArea

    def idle(self, qtbot: QtBot) -> None:
        qtbot.waitUntil(lambda: not self.running.worker.busy, timeout=WAIT_MS)


@dataclass
class World:
    partnership: uuid.UUID
    aisha: uuid.UUID
    bea: uuid.UUID
    cal: uuid.UUID
    engagements: list[uuid.UUID]
    quote_bea: uuid.UUID
    quote_cal: uuid.UUID
    theme: uuid.UUID


def activate(qtbot: QtBot, opened: Opened) -> None:
    """Make the main window the active one (window shortcuts need it)."""
    opened.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is opened.window, timeout=WAIT_MS)


@pytest.fixture
def open_returns(qtbot: QtBot, start_app: StartApp) -> Callable[[], Opened]:
    def open_() -> Opened:
        running = start_app()
        wait_ready(qtbot, running)
        assert running.window is not None
        existing = running.window.area("returns")
        if existing is None:  # until start-up installs the area itself
            area = install(running.ctx, running.window)
            assert area is not None
        else:
            assert isinstance(existing.widget, ReturnsArea)
            area = existing.widget
        running.window.show_area("returns")
        opened = Opened(running, running.window, area)
        qtbot.waitUntil(lambda: area.list.model.has_loaded and not running.worker.busy, timeout=WAIT_MS)
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


def person(db: Database, admin: Actor, given: str, family: str) -> uuid.UUID:
    (cid,) = contacts.create_contact(db, admin, ContactDraft(given_name=given, family_name=family)).created[
        "contacts"
    ]
    return cid


def give(db: Database, admin: Actor, cid: uuid.UUID, purpose: str, on: date, status: str = "given") -> None:
    consent.record_consent(db, admin, cid, purpose=purpose, status=status, on=on, method="written")


def engagement(db: Database, admin: Actor, **values: object) -> uuid.UUID:
    (eid,) = engagements.add_engagement(db, admin, EngagementDraft(**values)).created["engagements"]  # type: ignore[arg-type]
    return eid


def partnership(db: Database, admin: Actor, name: str = "Riverside People's Partnership") -> uuid.UUID:
    (pid,) = partnerships.add_partnership(
        db,
        admin,
        partnerships.PartnershipDraft(
            name=name,
            hub="North hub",
            first_period_start=QUARTER.start,
            cadence=Cadence.QUARTERLY,
        ),
    ).created["partnerships"]
    return pid


@pytest.fixture
def world(db: Database, set_up: Actor) -> World:
    """Three people (Aisha at two engagements), three engagements in the quarter and one
    before it, two quotes that may be shared (Bea's anonymously, Cal's with his name)."""
    admin = set_up
    types = {t.name: t.id for t in engagement_lists.list_types(db)}
    theme = next(t for t in themes.list_themes(db) if t.parent_id is None)
    aisha = person(db, admin, "Aisha", "Rahman")
    bea = person(db, admin, "Bea", "Lowe")
    cal = person(db, admin, "Cal", "Okafor")
    before = date.fromordinal(QUARTER.start.toordinal() - 40)
    give(db, admin, bea, "share_anonymously", before)
    give(db, admin, cal, "share_anonymously", before)
    give(db, admin, cal, "share_with_name", before)
    first = engagement(
        db,
        admin,
        title="Library drop-in",
        type_id=types["Drop-in"],
        on_date=day_in(QUARTER, 10),
        anonymous_count=7,
        participants=(ParticipantEntry(aisha), ParticipantEntry(bea)),
        theme_ids=(theme.id,),
        quotes=(QuoteEntry("No dentist will take me on.", "anonymous", bea, (theme.id,)),),
    )
    second = engagement(
        db,
        admin,
        title="Carers' coffee morning",
        type_id=types["Event"],
        on_date=day_in(QUARTER, 40),
        anonymous_count=3,
        participants=(ParticipantEntry(aisha), ParticipantEntry(cal)),
        theme_ids=(theme.id,),
        quotes=(QuoteEntry("The bus stops too far from the surgery.", "named", cal, (theme.id,)),),
    )
    third = engagement(
        db,
        admin,
        title="Market stall",
        type_id=types["Drop-in"],
        on_date=day_in(QUARTER, 60),
        anonymous_count=12,
    )
    engagement(  # before the quarter: counts nowhere in it
        db,
        admin,
        title="Spring survey",
        type_id=types["Survey session"],
        on_date=before,
        anonymous_count=50,
    )
    pid = partnership(db, admin)
    first_quotes = engagements.get_engagement(db, first).quotes
    second_quotes = engagements.get_engagement(db, second).quotes
    return World(
        pid, aisha, bea, cal, [first, second, third], first_quotes[0].id, second_quotes[0].id, theme.id
    )
