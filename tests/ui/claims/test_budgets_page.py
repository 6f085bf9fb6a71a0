"""Claims ▸ Budgets: a budget added by keyboard and read back through the service, the spend
columns against the claims (overspent said in words, with an icon), problems beside the fields,
a refusal from the service beside its field, archive and restore, read-only for staff, and the
model under the model tester."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import QApplication, QDateEdit, QMessageBox, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS, visible_message_boxes
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.services import budgets, contacts, people
from vcsedesk.services.base import Actor, Changes, unit_of_work
from vcsedesk.settings import Settings
from vcsedesk.store.database import Database
from vcsedesk.store.location import DataFolder
from vcsedesk.store.models import Claim
from vcsedesk.ui.changes import ChangeHub
from vcsedesk.ui.claims.budgets_page import BudgetDialog, BudgetsModel, BudgetsPanel
from vcsedesk.ui.context import AppContext
from vcsedesk.ui.worker import Worker

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
START, END = date(2026, 4, 1), date(2027, 3, 31)


def make_ctx(db: Database, actor: Actor, folder: DataFolder, tmp_path: Path) -> AppContext:
    worker = Worker()
    return AppContext(
        folder=folder,
        settings=Settings.load(tmp_path / "settings.json"),
        worker=worker,
        hub=ChangeHub(worker),
        db=db,
        actor=actor,
    )


@pytest.fixture
def ctx(db: Database, admin: Actor, folder: DataFolder, tmp_path: Path) -> Iterator[AppContext]:
    context = make_ctx(db, admin, folder, tmp_path)
    yield context
    context.worker.shutdown()


def activate(qtbot: QtBot, widget: QWidget) -> None:
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget, timeout=WAIT_MS)


def settle(qtbot: QtBot, panel: BudgetsPanel) -> None:
    qtbot.waitUntil(lambda: not panel.ctx.worker.busy and not panel.loading, timeout=WAIT_MS)


def open_panel(qtbot: QtBot, ctx: AppContext) -> BudgetsPanel:
    panel = BudgetsPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1100, 600)
    panel.show()
    qtbot.waitUntil(lambda: panel.model.has_loaded, timeout=WAIT_MS)
    settle(qtbot, panel)
    activate(qtbot, panel)
    return panel


def dialog_of(qtbot: QtBot, panel: BudgetsPanel) -> BudgetDialog:
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible(), timeout=WAIT_MS)
    assert panel.dialog is not None
    activate(qtbot, panel.dialog)
    return panel.dialog


def closed(qtbot: QtBot, panel: BudgetsPanel) -> None:
    qtbot.waitUntil(lambda: panel.dialog is None, timeout=WAIT_MS)
    settle(qtbot, panel)
    activate(qtbot, panel)


def type_into(qtbot: QtBot, dialog: BudgetDialog, mnemonic: Qt.Key, text: str) -> None:
    qtbot.keyClick(dialog, mnemonic, ALT)
    focused = QApplication.focusWidget()
    assert focused is not None
    if not isinstance(focused, QDateEdit):  # a date field selects its day on focus
        qtbot.keyClick(focused, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(focused, text)


def problem(dialog: BudgetDialog, key: str) -> str:
    label = dialog.labels[key]
    return label.text() if label.isVisibleTo(dialog) else ""


def row_texts(panel: BudgetsPanel, row: int) -> list[str]:
    model = panel.model
    return [str(model.index(row, c).data() or "") for c in range(model.columnCount())]


def new_budget(db: Database, admin: Actor, name: str, amount: int, funder: str | None = None) -> uuid.UUID:
    (bid,) = budgets.add_budget(
        db, admin, name=name, funder=funder, starts_on=START, ends_on=END, amount=amount
    ).created["budgets"]
    return bid


def claims_on(db: Database, admin: Actor, budget_id: uuid.UUID, *rows: tuple[str, int, str]) -> Changes:
    """Claims (status, total pence, choice) drawing on ``budget_id``, written directly."""
    (contact_id,) = contacts.create_contact(
        db, admin, ContactDraft(given_name="Aisha", family_name="Rahman")
    ).created["contacts"]
    with unit_of_work(db, admin, "Test claims") as uow:
        for status, total, choice in rows:
            uow.add(
                Claim(
                    number=f"T-{uuid.uuid4().hex[:8]}",
                    claimant_id=contact_id,
                    tier="ongoing",
                    activity_date=date(2026, 5, 5),
                    status=status,
                    budget_id=budget_id,
                    choice=choice,
                    total_pence=total,
                )
            )
    return uow.changes


def test_a_budget_is_added_by_keyboard(qtbot: QtBot, ctx: AppContext, db: Database) -> None:
    panel = open_panel(qtbot, ctx)
    assert panel.empty.isVisible() and "No budgets yet" in panel.empty.text()
    qtbot.keyClick(panel, Qt.Key.Key_Insert)
    dialog = dialog_of(qtbot, panel)
    assert QApplication.focusWidget() is dialog.name
    assert dialog.problems and problem(dialog, "name") == ""  # nothing shouted before typing
    qtbot.keyClicks(dialog.name, "Community Chest 2026-27")
    type_into(qtbot, dialog, Qt.Key.Key_F, "Riverside Council")
    type_into(qtbot, dialog, Qt.Key.Key_M, "2,500.50")
    assert dialog.problems == {}
    qtbot.keyClick(dialog.amount, Qt.Key.Key_Return)
    closed(qtbot, panel)

    (saved,) = budgets.list_budgets(db)
    assert (saved.name, saved.funder, saved.amount) == (
        "Community Chest 2026-27",
        "Riverside Council",
        250050,
    )
    assert (saved.starts_on, saved.ends_on) == (
        date(date.today().year if date.today().month >= 4 else date.today().year - 1, 4, 1),
        date(date.today().year + (1 if date.today().month >= 4 else 0), 3, 31),
    )
    assert panel.view.isVisible()
    texts = row_texts(panel, 0)
    assert texts[BudgetsModel.NAME] == "Community Chest 2026-27"
    assert texts[BudgetsModel.AMOUNT] == "£2,500.50"
    assert texts[BudgetsModel.COMMITTED] == texts[BudgetsModel.PENDING] == "£0.00"
    assert texts[BudgetsModel.REMAINING] == "£2,500.50"
    assert "Added the budget Community Chest 2026-27" in panel.status.text()


def test_the_spend_columns_follow_the_claims_and_overspent_is_said_in_words(
    qtbot: QtBot, ctx: AppContext, db: Database, admin: Actor
) -> None:
    chest = new_budget(db, admin, "Community Chest", 100_000, "Riverside Council")
    lottery = new_budget(db, admin, "Lottery: Voices", 20_000)
    claims_on(
        db,
        admin,
        chest,
        ("approved", 45_000, "bank_transfer"),
        ("paid", 5_000, "donate"),
        ("submitted", 12_050, "voucher"),
        ("approved", 9_999, "decline"),
        ("draft", 99_999, "cash"),
    )
    claims_on(db, admin, lottery, ("paid", 15_000, "cash"), ("submitted", 7_500, "bank_transfer"))
    panel = open_panel(qtbot, ctx)
    model = panel.model
    chest_row, lottery_row = model.row_of(chest), model.row_of(lottery)
    assert row_texts(panel, chest_row)[BudgetsModel.PERIOD] == "1 Apr 2026 to 31 Mar 2027"
    assert row_texts(panel, chest_row)[BudgetsModel.AMOUNT :] == [
        "£1,000.00",
        "£500.00",
        "£120.50",
        "£379.50",
    ]
    assert row_texts(panel, lottery_row)[BudgetsModel.AMOUNT :] == [
        "£200.00",
        "£150.00",
        "£75.00",
        "Overspent by £25.00",
    ]
    # The same figures as the service reports.
    view = budgets.spend(db, lottery)
    assert (view.committed, view.pending, view.remaining) == (15_000, 7_500, -2_500)
    overspent = model.index(lottery_row, BudgetsModel.REMAINING)
    assert isinstance(overspent.data(Qt.ItemDataRole.DecorationRole), QIcon)
    font = overspent.data(Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.bold()
    assert "more than the budget's £200.00" in overspent.data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(chest_row, BudgetsModel.REMAINING).data(Qt.ItemDataRole.DecorationRole) is None
    assert "Overspent: Lottery: Voices" in panel.totals.text()
    assert "£1,200.00 in all" in panel.totals.text()

    # A claim approved elsewhere is counted when the change is announced.
    ctx.hub.announce(claims_on(db, admin, chest, ("approved", 50_000, "cash")))
    settle(qtbot, panel)
    assert row_texts(panel, model.row_of(chest))[BudgetsModel.REMAINING] == "Overspent by £120.50"


def test_problems_are_shown_beside_their_fields(
    qtbot: QtBot, ctx: AppContext, db: Database, admin: Actor
) -> None:
    new_budget(db, admin, "Community Chest", 100_000)
    panel = open_panel(qtbot, ctx)
    qtbot.keyClick(panel, Qt.Key.Key_N, CTRL)
    dialog = dialog_of(qtbot, panel)
    type_into(qtbot, dialog, Qt.Key.Key_M, "lots")
    assert "“lots” is not an amount of money" in problem(dialog, "amount")
    assert not dialog.ok.isEnabled()
    type_into(qtbot, dialog, Qt.Key.Key_M, "0")
    assert problem(dialog, "amount") == "⚠ The amount must be more than nothing."
    type_into(qtbot, dialog, Qt.Key.Key_E, "1 Jan 2026")  # before it starts (1 Apr)
    assert "The budget cannot end (01 Jan 2026) before it starts" in problem(dialog, "ends_on")
    dialog.name.clear()
    type_into(qtbot, dialog, Qt.Key.Key_N, " ")
    assert problem(dialog, "name") == "⚠ The name is required."
    # Put right, but named like a budget already there for the same period: the service refuses,
    # and says so beside the name.
    type_into(qtbot, dialog, Qt.Key.Key_N, "community chest")
    type_into(qtbot, dialog, Qt.Key.Key_M, "50")
    type_into(qtbot, dialog, Qt.Key.Key_S, "1 Apr 2026")
    type_into(qtbot, dialog, Qt.Key.Key_E, "31 Mar 2027")
    assert dialog.problems == {}
    qtbot.keyClick(dialog.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.busy and bool(problem(dialog, "name")), timeout=WAIT_MS)
    assert "already a budget called “Community Chest”" in problem(dialog, "name")
    assert "see the messages beside the fields" in dialog.banner.text()
    assert dialog.isVisible() and QApplication.focusWidget() is dialog.name
    dialog.reject()
    closed(qtbot, panel)
    assert len(budgets.list_budgets(db)) == 1


def test_edit_archive_and_restore(qtbot: QtBot, ctx: AppContext, db: Database, admin: Actor) -> None:
    chest = new_budget(db, admin, "Community Chest", 100_000)
    panel = open_panel(qtbot, ctx)
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_Return)  # Enter edits, like F2
    dialog = dialog_of(qtbot, panel)
    assert dialog.amount.text() == "£1,000.00" and dialog.name.text() == "Community Chest"
    type_into(qtbot, dialog, Qt.Key.Key_M, "1,250")
    qtbot.keyClick(dialog.amount, Qt.Key.Key_Return)
    closed(qtbot, panel)
    assert budgets.spend(db, chest).amount == 125_000
    assert row_texts(panel, 0)[BudgetsModel.AMOUNT] == "£1,250.00"
    panel.view.setFocus()
    qtbot.keyClick(panel, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: len(visible_message_boxes()) == 1, timeout=WAIT_MS)
    box = visible_message_boxes()[0]
    assert "Archive the budget “Community Chest”?" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: budgets.list_budgets(db) == [], timeout=WAIT_MS)
    settle(qtbot, panel)
    assert panel.empty.isVisible()
    panel.show_archived.setChecked(True)
    settle(qtbot, panel)
    assert row_texts(panel, 0)[BudgetsModel.NAME] == "Community Chest (archived)"
    assert panel.restore_button.isVisible() and not panel.edit_button.isEnabled()
    panel.restore_button.click()
    qtbot.waitUntil(lambda: [b.id for b in budgets.list_budgets(db)] == [chest], timeout=WAIT_MS)
    settle(qtbot, panel)
    assert row_texts(panel, 0)[BudgetsModel.NAME] == "Community Chest"


def test_staff_see_budgets_read_only(
    qtbot: QtBot, db: Database, admin: Actor, folder: DataFolder, tmp_path: Path
) -> None:
    new_budget(db, admin, "Community Chest", 100_000)
    (user_id,) = people.add_user(db, admin, name="Stella Staff", role="staff").created["users"]
    context = make_ctx(db, people.actor_for(db, user_id, admin.device_id), folder, tmp_path)
    try:
        panel = open_panel(qtbot, context)
        assert panel.permission_note.isVisible()
        assert not panel.add_button.isEnabled() and not panel.edit_button.isEnabled()
        assert not panel.archive_button.isEnabled()
        qtbot.keyClick(panel, Qt.Key.Key_Insert)
        qtbot.keyClick(panel, Qt.Key.Key_F2)
        assert panel.dialog is None
        assert row_texts(panel, 0)[BudgetsModel.REMAINING] == "£1,000.00"
    finally:
        context.worker.shutdown()


def test_the_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, ctx: AppContext, db: Database, admin: Actor
) -> None:
    panel = open_panel(qtbot, ctx)
    qtmodeltester.check(panel.model)
    lottery = new_budget(db, admin, "Lottery: Voices", 20_000)
    new_budget(db, admin, "Community Chest", 100_000)
    claims_on(db, admin, lottery, ("paid", 25_000, "cash"))
    panel.load()
    settle(qtbot, panel)
    qtmodeltester.check(panel.model)
    assert panel.model.rowCount() == 2
