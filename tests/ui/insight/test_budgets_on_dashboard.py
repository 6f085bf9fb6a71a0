"""The Insight page's budgets panel: each budget overlapping the period with its committed,
pending and remaining spend as ``services.budgets`` gives them, an overspend said in words,
the claims behind a row found, refreshed when claims change, and hidden from volunteers."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCharts import QAbstractBarSeries
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS
from vcsedesk.domain.claims import ItemEntry, pence_text
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.services import budgets, claims, contacts, people
from vcsedesk.services.base import Actor, Changes, Role
from vcsedesk.settings import Settings
from vcsedesk.store.database import Database
from vcsedesk.store.location import DataFolder
from vcsedesk.ui.changes import ChangeHub
from vcsedesk.ui.context import AppContext
from vcsedesk.ui.insight.page import InsightPage, budget_shares
from vcsedesk.ui.worker import Worker

TODAY = date(2026, 6, 15)  # the last 12 months: 1 Jul 2025 to 15 Jun 2026
ACTIVITY = date(2026, 5, 12)


def user(db: Database, admin: Actor, name: str, role: Role) -> Actor:
    people.add_user(db, admin, name=name, role=role.value)
    info = next(u for u in people.list_users(db) if u.name == name)
    return people.actor_for(db, info.id, None)


def new_budget(db: Database, admin: Actor, name: str, amount: int, starts: date, ends: date) -> uuid.UUID:
    (bid,) = budgets.add_budget(db, admin, name=name, starts_on=starts, ends_on=ends, amount=amount).created[
        "budgets"
    ]
    return bid


def add_arts_fund(db: Database, admin: Actor) -> Changes:
    return budgets.add_budget(
        db, admin, name="Arts Fund", starts_on=date(2025, 9, 1), ends_on=date(2026, 8, 31), amount=30_000
    )


class Money:
    """Budgets, and claims on them made, submitted, approved and paid by different people."""

    def __init__(self, db: Database, admin: Actor) -> None:
        self.db, self.admin = db, admin
        self.coordinator = user(db, admin, "Cora Ode", Role.COORDINATOR)
        (self.claimant,) = contacts.create_contact(
            db, admin, ContactDraft(given_name="Aisha", family_name="Rahman")
        ).created["contacts"]
        self.chest = new_budget(db, admin, "Community Chest", 10_000, date(2026, 4, 1), date(2027, 3, 31))
        self.lottery = new_budget(db, admin, "Lottery: Voices", 2_000, date(2026, 1, 1), date(2026, 12, 31))
        self.old = new_budget(db, admin, "Old pot", 50_000, date(2023, 1, 1), date(2023, 12, 31))
        gone = new_budget(db, admin, "Withdrawn grant", 9_000, date(2026, 1, 1), date(2026, 12, 31))
        budgets.archive_budget(db, admin, gone, 1)

    def claim(self, budget_id: uuid.UUID, *costs: int, status: str = "draft") -> uuid.UUID:
        """A claim for bus fares of ``costs`` (each no more than £10, so no receipt is needed)."""
        draft = claims.ClaimDraft(
            claimant_id=self.claimant,
            tier="ongoing",
            activity_date=ACTIVITY,
            items=tuple(ItemEntry("fares", "Bus", cost_pence=c) for c in costs),
            budget_id=budget_id,
        )
        (cid,) = claims.new_claim(self.db, self.admin, draft, today=TODAY).created["claims"]
        if status in ("submitted", "approved", "paid"):
            claims.submit_claim(self.db, self.admin, cid, self.version(cid), today=TODAY)
        if status in ("approved", "paid"):
            self.approve(cid)
        if status == "paid":
            # Paid today (it was approved today, whatever the dashboard's day).
            claims.mark_paid(
                self.db, self.admin, cid, self.version(cid), date.today(), "bank_transfer", "BACS 1"
            )
        return cid

    def approve(self, cid: uuid.UUID) -> None:
        claims.approve_claim(self.db, self.coordinator, cid, self.version(cid))

    def version(self, cid: uuid.UUID) -> int:
        return claims.get_claim(self.db, cid, self.admin).version


@pytest.fixture
def money(db: Database, admin: Actor) -> Money:
    return Money(db, admin)


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
        wait_loaded(qtbot, page)
        return page

    yield make
    for worker in workers:
        worker.shutdown()


def wait_loaded(qtbot: QtBot, page: InsightPage) -> None:
    qtbot.waitUntil(lambda: not page.loading and not page.ctx.worker.busy, timeout=WAIT_MS)


def table(page: InsightPage) -> list[tuple[str, ...]]:
    model = page.budgets.model
    return [
        tuple(model.index(r, c).data() for c in range(model.columnCount())) for r in range(model.rowCount())
    ]


def expected_row(page: InsightPage, db: Database, budget_id: uuid.UUID) -> tuple[str, ...]:
    view = budgets.spend(db, budget_id)
    remaining = (
        f"Overspent by {pence_text(-view.remaining)}" if view.overspent else pence_text(view.remaining)
    )
    return (
        view.name,
        f"{view.starts_on.day} {view.starts_on:%b %Y} to {view.ends_on.day} {view.ends_on:%b %Y}",
        pence_text(view.amount),
        pence_text(view.committed),
        pence_text(view.pending),
        remaining,
    )


# -- tests ------------------------------------------------------------------------------------------
def test_the_panel_shows_each_budgets_spend_and_says_when_one_is_overspent(
    qtbot: QtBot,
    make_page: Callable[[Actor], InsightPage],
    money: Money,
    db: Database,
    admin: Actor,
    qtmodeltester: object,
) -> None:
    money.claim(money.chest, 1_000, 250, 900, status="approved")  # committed
    money.claim(money.chest, 750, 750, status="paid")  # committed
    money.claim(money.chest, 600, status="submitted")  # pending
    money.claim(money.chest, 1_000, 900)  # a draft spends nothing
    money.claim(money.lottery, 1_000, 800, status="approved")
    money.claim(money.lottery, 700, status="submitted")  # 2,500 of 2,000: overspent by £5
    page = make_page(admin)

    panel = page.budgets
    assert panel.isVisible() and not panel.showing_table
    # Below the four charts, across the page.
    assert panel.geometry().top() >= max(p.geometry().bottom() for p in page.panels)
    assert panel.width() >= page.over_time.width() + page.themes.width()
    # The old budget (another period) and the archived one are left out.
    assert table(page) == [expected_row(page, db, money.chest), expected_row(page, db, money.lottery)]
    chest, lottery = budgets.spend(db, money.chest), budgets.spend(db, money.lottery)
    assert (chest.committed, chest.pending, chest.remaining) == (3_650, 600, 5_750)
    assert lottery.overspent and table(page)[1][5] == "Overspent by £5.00"
    qtmodeltester.check(panel.model)  # type: ignore[attr-defined]

    # The chart: committed, pending, remaining and over budget, top to bottom as in the table.
    (series,) = panel.chart.series()
    assert isinstance(series, QAbstractBarSeries)
    assert [s.label() for s in series.barSets()] == [
        "Committed (approved and paid)",
        "Pending (submitted)",
        "Remaining",
        "Over budget",
    ]
    drawn = [[s.at(i) for s in series.barSets()] for i in reversed(range(2))]
    # As shares of each budget's amount (hundredths of a percent, drawn as percent).
    assert drawn == [[v / 100 for v in budget_shares(view)] for view in (chest, lottery)]
    assert drawn == [[36.5, 6.0, 57.5, 0.0], [90.0, 10.0, 0.0, 25.0]]
    # The overspend in words (on the chart and beside the warning icon), not by colour alone.
    labels = panel._side_axis.categories()  # type: ignore[union-attr]
    assert labels == ["Lottery: Voices (£20.00) — ⚠ Overspent by £5.00", "Community Chest (£100.00)"]
    assert page.budget_warnings.isVisible()
    assert page.warning_texts == [
        "“Lottery: Voices” (1 Jan 2026 to 31 Dec 2026): Overspent by £5.00 — £25.00 committed or "
        "pending of £20.00."
    ]
    icons = [label for label in page.budget_warnings.findChildren(QLabel) if label.pixmap()]
    assert len(icons) == 1 and not icons[0].pixmap().isNull()

    # Show as table, by keyboard.
    panel.toggle.setFocus()
    qtbot.keyClick(panel.toggle, Qt.Key.Key_Space)
    assert panel.showing_table and panel.table.hasFocus()

    # A period with only the old budget; then one with none: the panel goes.
    page.set_period("custom", date(2023, 3, 1), date(2023, 5, 31))
    wait_loaded(qtbot, page)
    assert [row[0] for row in table(page)] == ["Old pot"] and panel.isVisible()
    assert not page.budget_warnings.isVisible()
    page.set_period("custom", date(2024, 1, 1), date(2024, 12, 31))
    wait_loaded(qtbot, page)
    assert not panel.isVisible()


def test_a_row_finds_its_claims_and_claim_changes_refresh_only_the_budgets(
    qtbot: QtBot, make_page: Callable[[Actor], InsightPage], money: Money, db: Database, admin: Actor
) -> None:
    approved = money.claim(money.chest, 1_000, 250, status="approved")
    paid = money.claim(money.chest, 800, status="paid")
    waiting = money.claim(money.chest, 600, status="submitted")
    money.claim(money.chest, 1_000, 900)  # a draft: not behind any figure
    page = make_page(admin)
    panel = page.budgets
    panel.toggle.setChecked(True)

    # Nothing shows claims yet: the page says how many and where to find them.
    panel.table.setCurrentIndex(panel.model.index(0, 0))
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.budget_message.isVisible(), timeout=WAIT_MS)
    assert page.budget_message.text() == (
        "Claims on “Community Chest”: 3 claim(s). To list them, open Claims and choose "
        "“Community Chest” in its Budget filter."
    )

    # Once the claims area takes them, the ids go there: the committed cell, the pending cell.
    got: list[tuple[str, list[uuid.UUID], str]] = []
    page.open_records.connect(lambda kind, ids, title: got.append((kind, ids, title)))
    page.shown_elsewhere = {"claims"}
    panel.table.setCurrentIndex(panel.model.index(0, 3))
    qtbot.keyClick(panel.table, Qt.Key.Key_Enter)
    qtbot.waitUntil(lambda: len(got) == 1, timeout=WAIT_MS)
    kind, ids, title = got[0]
    assert (kind, set(ids), title) == (
        "claims",
        {approved, paid},
        "Approved and paid claims on “Community Chest”",
    )
    panel.table.setCurrentIndex(panel.model.index(0, 4))
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(got) == 2, timeout=WAIT_MS)
    assert got[1] == ("claims", [waiting], "Claims awaiting a decision on “Community Chest”")
    assert not page.budget_message.isVisible()

    # Approving the waiting claim (through the hub) moves it from pending to committed,
    # without working the rest of the dashboard out again.
    board = page.board
    ctx = page.ctx
    ctx.hub.perform(claims.approve_claim, db, money.coordinator, waiting, money.version(waiting))
    qtbot.waitUntil(lambda: table(page)[0][4] == "£0.00", timeout=WAIT_MS)
    wait_loaded(qtbot, page)
    assert table(page)[0] == expected_row(page, db, money.chest)
    assert table(page)[0][3] == "£26.50"
    assert page.board is board

    # A new budget appears.
    ctx.hub.perform(add_arts_fund, db, admin)
    qtbot.waitUntil(lambda: len(table(page)) == 3, timeout=WAIT_MS)
    assert [row[0] for row in table(page)] == ["Arts Fund", "Community Chest", "Lottery: Voices"]


def test_a_volunteer_does_not_see_the_budgets(
    qtbot: QtBot, make_page: Callable[[Actor], InsightPage], money: Money, db: Database, admin: Actor
) -> None:
    money.claim(money.chest, 1_000, 250, status="approved")
    volunteer = user(db, admin, "Val Unteer", Role.VOLUNTEER)
    page = make_page(volunteer)
    assert page.board is not None  # the rest of the dashboard is there
    assert not page.budgets.isVisible() and page.budget_views == []
    assert page.budgets.model.rowCount() == 0
    # A change to the budgets does not bring it back.
    page.ctx.hub.perform(add_arts_fund, db, admin)
    qtbot.waitUntil(lambda: page.budgets_generation > 1, timeout=WAIT_MS)
    wait_loaded(qtbot, page)
    assert not page.budgets.isVisible() and page.budget_views == []
    # Someone who may see everyone's claims (staff) does.
    staff = user(db, admin, "Sam Staff", Role.STAFF)
    assert make_page(staff).budgets.isVisible()
