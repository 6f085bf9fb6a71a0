"""Claims ▸ Policy: the versions listed newest first and marked, a new version added by keyboard
and read back through the service, a bad figure shown beside its field, Edit only where the
service allows, read-only for a volunteer, and the model under the model tester."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS
from vcsedesk.domain.claims import DEFAULT_POLICY, PaymentChoice
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.services import contacts, people, policy
from vcsedesk.services.base import Actor, unit_of_work
from vcsedesk.settings import Settings
from vcsedesk.store.database import Database
from vcsedesk.store.location import DataFolder
from vcsedesk.store.models import Claim
from vcsedesk.ui.changes import ChangeHub
from vcsedesk.ui.claims.policy_page import PolicyDialog, PolicyModel, PolicyPanel
from vcsedesk.ui.context import AppContext
from vcsedesk.ui.worker import Worker

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


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
    """Window shortcuts need the window active (offscreen does not give it back by itself)."""
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget, timeout=WAIT_MS)


def settle(qtbot: QtBot, panel: PolicyPanel) -> None:
    qtbot.waitUntil(lambda: not panel.ctx.worker.busy and not panel.loading, timeout=WAIT_MS)


def open_panel(qtbot: QtBot, ctx: AppContext) -> PolicyPanel:
    panel = PolicyPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    panel.show()
    qtbot.waitUntil(lambda: panel.model.has_loaded, timeout=WAIT_MS)
    settle(qtbot, panel)
    activate(qtbot, panel)
    return panel


def dialog_of(qtbot: QtBot, panel: PolicyPanel) -> PolicyDialog:
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible(), timeout=WAIT_MS)
    assert panel.dialog is not None
    activate(qtbot, panel.dialog)
    return panel.dialog


def retype(qtbot: QtBot, dialog: PolicyDialog, mnemonic: Qt.Key, text: str) -> None:
    """Alt+<mnemonic> to the field, select what is there, type ``text``."""
    qtbot.keyClick(dialog, mnemonic, ALT)
    focused = QApplication.focusWidget()
    assert focused is not None
    qtbot.keyClick(focused, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(focused, text)


def problem(dialog: PolicyDialog, key: str) -> str:
    label = dialog.labels[key]
    return label.text() if label.isVisibleTo(dialog) else ""


def column(panel: PolicyPanel, col: int) -> list[str]:
    model = panel.model
    return [str(model.index(row, col).data()) for row in range(model.rowCount())]


def test_versions_are_listed_newest_first_and_marked(
    qtbot: QtBot, ctx: AppContext, db: Database, admin: Actor
) -> None:
    today = date.today()
    policy.add_policy(
        db, admin, replace(DEFAULT_POLICY, effective_from=today - timedelta(days=30), hourly_rate=2000)
    )
    policy.add_policy(
        db, admin, replace(DEFAULT_POLICY, effective_from=today + timedelta(days=30), hourly_rate=3000)
    )
    panel = open_panel(qtbot, ctx)
    assert panel.model.rowCount() == 3
    assert column(panel, PolicyModel.FROM)[2] == "1 Jan 2000"
    assert column(panel, PolicyModel.HOURLY) == ["£30.00", "£20.00", "£25.00"]
    status = column(panel, PolicyModel.STATUS)
    assert status[0] == "Not yet in force"
    assert status[1] == "In force"
    assert status[2].startswith("Replaced from ") and status[2].endswith(
        "Shipped default — edit to your policy"
    )
    # The one in force is selected at first and its figures shown in full.
    assert panel.selected() is not None and panel.selected().terms.hourly_rate == 2000  # type: ignore[union-attr]
    assert "In force" in panel.details.title()
    assert panel.values["mileage_rate"].text() == "45p a mile"
    assert panel.values["weekly_threshold"].text() == "£183.50"
    assert panel.default_note.isHidden()  # the default is not in force


def test_the_shipped_default_in_force_is_plainly_marked(qtbot: QtBot, ctx: AppContext) -> None:
    panel = open_panel(qtbot, ctx)
    assert column(panel, PolicyModel.STATUS) == ["In force · Shipped default — edit to your policy"]
    assert panel.default_note.isVisible()
    assert panel.edit_button.isEnabled() and panel.new_button.isEnabled()


def test_a_new_version_is_added_by_keyboard(qtbot: QtBot, ctx: AppContext, db: Database) -> None:
    panel = open_panel(qtbot, ctx)
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_Insert)
    dialog = dialog_of(qtbot, panel)
    # Pre-filled with the figures in force, in pounds.
    assert dialog.edits["hourly_rate"].text() == "£25.00"
    assert dialog.edits["full_day_rate"].text() == "£150.00"
    assert dialog.mileage.text() == "45"
    assert all(check.isChecked() for check in dialog.methods.values())
    assert "Citizens Advice" in dialog.advice.toPlainText()
    # The date first: it has focus, its day selected.
    assert QApplication.focusWidget() is dialog.effective_from
    qtbot.keyClicks(dialog.effective_from, "1 Apr 2031")
    assert dialog.effective_from.date() == QDate(2031, 4, 1)
    retype(qtbot, dialog, Qt.Key.Key_H, "30")
    retype(qtbot, dialog, Qt.Key.Key_L, "£90")
    retype(qtbot, dialog, Qt.Key.Key_U, "1,80.5")  # the comma is dropped: £180.50
    retype(qtbot, dialog, Qt.Key.Key_I, "50p")
    retype(qtbot, dialog, Qt.Key.Key_W, "195")
    qtbot.keyClick(dialog, Qt.Key.Key_C, ALT)  # Cash: not offered any more
    qtbot.waitUntil(lambda: not dialog.methods[PaymentChoice.CASH].isChecked(), timeout=WAIT_MS)
    qtbot.keyClick(dialog, Qt.Key.Key_N, ALT)
    qtbot.keyClicks(QApplication.focusWidget(), "Board, March 2031")
    assert dialog.problems == {}
    qtbot.keyClick(dialog.edits["weekly_threshold"], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.dialog is None, timeout=WAIT_MS)
    settle(qtbot, panel)

    added = policy.policy_in_force(db, date(2031, 4, 1))
    assert added.effective_from == date(2031, 4, 1) and not added.is_default
    terms = added.terms
    assert (terms.hourly_rate, terms.half_day_rate, terms.full_day_rate) == (3000, 9000, 18050)
    assert (terms.mileage_rate, terms.weekly_threshold, terms.monthly_threshold) == (50, 19500, 79500)
    assert terms.payment_methods == (PaymentChoice.BANK_TRANSFER, PaymentChoice.VOUCHER)
    assert terms.advice == DEFAULT_POLICY.advice and added.notes == "Board, March 2031"
    # Listed first, selected, and the panel says what was done.
    assert column(panel, PolicyModel.FROM)[0] == "1 Apr 2031"
    assert panel.selected() is not None and panel.selected().id == added.id  # type: ignore[union-attr]
    assert "from 01 Apr 2031" in panel.status.text() and "Ctrl+Z" in panel.status.text()


def test_a_bad_figure_is_shown_beside_its_field(qtbot: QtBot, ctx: AppContext, db: Database) -> None:
    panel = open_panel(qtbot, ctx)
    qtbot.keyClick(panel, Qt.Key.Key_N, CTRL)
    dialog = dialog_of(qtbot, panel)
    retype(qtbot, dialog, Qt.Key.Key_L, "12.345")
    assert "is not an amount in pounds and pence" in problem(dialog, "half_day_rate")
    assert not dialog.ok.isEnabled()
    retype(qtbot, dialog, Qt.Key.Key_L, "-5")
    assert problem(dialog, "half_day_rate") == "⚠ The half-day rate cannot be negative."
    retype(qtbot, dialog, Qt.Key.Key_I, "forty")
    assert "is not a number of pence a mile" in problem(dialog, "mileage_rate")
    for check in dialog.methods.values():
        check.setChecked(False)
    assert "Choose at least one way of paying people" in problem(dialog, "payment_methods")
    assert problem(dialog, "hourly_rate") == ""
    assert dialog.state.text() == "3 problems to put right before saving."
    # Enter does not save.
    qtbot.keyClick(dialog.edits["hourly_rate"], Qt.Key.Key_Return)
    assert dialog.isVisible() and not dialog.busy
    # A date another version already has is refused before it is sent.
    dialog.effective_from.setDate(QDate(2000, 1, 1))
    assert "already a version of the policy from 1 Jan 2000" in problem(dialog, "effective_from")
    dialog.reject()
    qtbot.waitUntil(lambda: panel.dialog is None, timeout=WAIT_MS)
    assert len(policy.list_policies(db)) == 1


def test_edit_is_offered_only_where_the_service_allows(
    qtbot: QtBot, ctx: AppContext, db: Database, admin: Actor
) -> None:
    panel = open_panel(qtbot, ctx)
    # The default may still be corrected: F2 edits it in place.
    qtbot.keyClick(panel, Qt.Key.Key_F2)
    dialog = dialog_of(qtbot, panel)
    assert dialog.editing is not None and dialog.ok.text() == "&Save"
    retype(qtbot, dialog, Qt.Key.Key_B, "12.50")
    qtbot.keyClick(dialog.edits["subsistence_cap"], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.dialog is None, timeout=WAIT_MS)
    settle(qtbot, panel)
    edited = policy.list_policies(db)[0]
    assert edited.terms.subsistence_cap == 1250 and not edited.is_default
    assert "Shipped default" not in column(panel, PolicyModel.STATUS)[0]

    # Once a submitted claim was priced by it, it is not offered for editing, and says why.
    (contact_id,) = contacts.create_contact(
        db, admin, ContactDraft(given_name="Aisha", family_name="Rahman")
    ).created["contacts"]
    with unit_of_work(db, admin, "A submitted claim") as uow:
        uow.add(
            Claim(
                number="2026-014",
                claimant_id=contact_id,
                tier="ongoing",
                activity_date=date(2026, 3, 3),
                status="submitted",
                policy_id=edited.id,
                total_pence=5000,
            )
        )
    panel.load()
    settle(qtbot, panel)
    assert not panel.edit_button.isEnabled() and not panel.edit_action.isEnabled()
    assert "used by submitted claim 2026-014" in panel.edit_button.toolTip()
    assert "add a new version from a later date" in panel.values["locked"].text()
    qtbot.keyClick(panel, Qt.Key.Key_F2)
    assert panel.dialog is None
    assert panel.new_button.isEnabled()


def test_a_volunteer_sees_the_policy_read_only(
    qtbot: QtBot, db: Database, admin: Actor, folder: DataFolder, tmp_path: Path
) -> None:
    (user_id,) = people.add_user(db, admin, name="Vic Volunteer", role="volunteer").created["users"]
    volunteer = people.actor_for(db, user_id, admin.device_id)
    context = make_ctx(db, volunteer, folder, tmp_path)
    try:
        panel = open_panel(qtbot, context)
        assert panel.permission_note.isVisible()
        assert not panel.new_button.isEnabled() and not panel.edit_button.isEnabled()
        qtbot.keyClick(panel, Qt.Key.Key_Insert)
        assert panel.dialog is None
        assert panel.values["hourly_rate"].text() == "£25.00"
    finally:
        context.worker.shutdown()


def test_the_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, ctx: AppContext, db: Database, admin: Actor
) -> None:
    panel = open_panel(qtbot, ctx)
    qtmodeltester.check(panel.model)
    policy.add_policy(db, admin, replace(DEFAULT_POLICY, effective_from=date(2026, 4, 1)))
    panel.load()
    settle(qtbot, panel)
    qtmodeltester.check(panel.model)
    assert panel.model.rowCount() == 2
