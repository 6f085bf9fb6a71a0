"""The dashboard's "Returns due" panel: overdue returns first, said in words with the warning
icon; a submitted return drops off; choosing one (Enter) asks for it to be opened; hidden from
those who do not manage returns."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS
from vcsedesk.domain.returns import Cadence, parse_period
from vcsedesk.services import partnerships, people, returns
from vcsedesk.services.base import Actor, Role
from vcsedesk.settings import Settings
from vcsedesk.store.database import Database
from vcsedesk.store.location import DataFolder
from vcsedesk.ui.changes import ChangeHub
from vcsedesk.ui.context import AppContext
from vcsedesk.ui.insight.page import InsightPage
from vcsedesk.ui.worker import Worker

TODAY = date(2025, 11, 5)


@pytest.fixture
def make_page(
    qtbot: QtBot, db: Database, folder: DataFolder, tmp_path: Path
) -> Iterator[Callable[[Actor], InsightPage]]:
    workers: list[Worker] = []

    def make(actor: Actor) -> InsightPage:
        worker = Worker()
        workers.append(worker)
        ctx = AppContext(
            folder=folder,
            settings=Settings.load(tmp_path / "settings.json"),
            worker=worker,
            hub=ChangeHub(worker),
            db=db,
            actor=actor,
        )
        page = InsightPage(ctx, today=lambda: TODAY)
        qtbot.addWidget(page)
        page.resize(1360, 1000)
        page.show()
        page.start()
        qtbot.waitUntil(lambda: not page.loading and not worker.busy, timeout=WAIT_MS)
        return page

    yield make
    for worker in workers:
        worker.shutdown()


def hub(db: Database, admin: Actor) -> None:
    partnerships.add_partnership(
        db,
        admin,
        partnerships.PartnershipDraft(
            name="Riverside People's Partnership",
            first_period_start=date(2025, 4, 1),
            cadence=Cadence.QUARTERLY,
            due_days=30,
        ),
    )


def test_overdue_first_in_words_and_submitted_ones_drop_off(
    qtbot: QtBot, db: Database, admin: Actor, make_page: Callable[[Actor], InsightPage]
) -> None:
    hub(db, admin)
    page = make_page(admin)
    panel = page.due_returns
    assert panel.isVisible()
    lines = [b.text() for b in panel.buttons]
    assert lines == [
        "Overdue by 98 days (was due 30 Jul 2025) — Riverside People's Partnership: return for 2025-Q2, not started",
        "Overdue by 6 days (was due 30 Oct 2025) — Riverside People's Partnership: return for 2025-Q3, not started",
    ]
    assert not panel.buttons[0].icon().isNull()

    chosen: list[object] = []
    panel.open_due.connect(chosen.append)
    panel.buttons[1].setFocus()
    qtbot.keyClick(panel.buttons[1], Qt.Key.Key_Space)
    assert [d.period.label for d in chosen] == ["2025-Q3"]  # type: ignore[attr-defined]

    # Started and submitted elsewhere: the dashboard hears of it and the line goes.
    (pid,) = [p.id for p in partnerships.list_partnerships(db)]
    q2 = parse_period("2025-Q2")
    changes = returns.start_return(db, admin, pid, q2)
    view = returns.latest_for(db, pid, q2)
    assert view is not None
    returns.mark_ready(db, admin, view.id, view.version)
    view = returns.get_return(db, view.id)
    changes = returns.submit(db, admin, view.id, view.version, on=TODAY, today=TODAY)
    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        page.ctx.hub.changed.emit(changes)
    assert [b.text().split(": return for ")[1] for b in panel.buttons] == ["2025-Q3, not started"]

    # In the last weeks of a quarter, its return shows as coming up (no warning icon).
    (panel.today, page.today) = (lambda: date(2025, 12, 1), lambda: date(2025, 12, 1))
    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        panel.load()
    assert panel.buttons[-1].text().startswith("Due in 60 days (30 Jan 2026)")
    assert panel.buttons[-1].icon().isNull()


def test_hidden_from_a_volunteer(
    db: Database, admin: Actor, make_page: Callable[[Actor], InsightPage]
) -> None:
    hub(db, admin)
    people.add_user(db, admin, name="Val Unteer", role=Role.VOLUNTEER.value)
    info = next(u for u in people.list_users(db) if u.name == "Val Unteer")
    page = make_page(people.actor_for(db, info.id, None))
    assert not page.due_returns.isVisible() and page.due_returns.buttons == []
