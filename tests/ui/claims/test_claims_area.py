"""The Claims area: the list and its filters, a claim's page (bank details masked unless you
pay claims, receipts attached and viewed in the app, the claim form and remittance PDFs through
the save dialog, read back), the form's live pricing and its warnings (a threshold crossed, a
budget overspent, the welfare-rights advice), the Policy and Budgets tabs, opening a claim from
elsewhere, and every table model under qtmodeltester."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QFileDialog, QLabel
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from tests.ui.claims.conftest import Opened, act_as, add_user, budget, claim, person, wait_list
from tests.ui.helpers import WAIT_MS
from vcsedesk.domain.claims import ClaimStatus, ItemEntry
from vcsedesk.domain.engagement import EngagementDraft, ParticipantEntry
from vcsedesk.services import claims, engagements
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.store.location import DataFolder
from vcsedesk.store.models import EngagementType
from vcsedesk.ui.claims.claim_page import ClaimPage
from vcsedesk.ui.claims.dialogs import ReceiptViewer
from vcsedesk.ui.claims.links import ClaimsForRecord
from vcsedesk.ui.claims.model import ClaimItemsModel, ClaimsModel, ReceiptsModel, TotalsModel
from vcsedesk.ui.widgets import CUSTOM

OpenClaims = Callable[[], Opened]
TODAY = date.today()


def idle(qtbot: QtBot, opened: Opened) -> None:
    qtbot.waitUntil(lambda: not opened.running.worker.busy, timeout=WAIT_MS)


def numbers(opened: Opened) -> list[str]:
    return [row.number for row in opened.area.list.model.rows]


def filtered(qtbot: QtBot, opened: Opened, change: Callable[[], None]) -> list[str]:
    with qtbot.waitSignal(opened.area.list.loaded, timeout=WAIT_MS):
        change()
    idle(qtbot, opened)
    return numbers(opened)


def open_page(qtbot: QtBot, opened: Opened, claim_id: uuid.UUID) -> ClaimPage:
    opened.area.open_record("claims", claim_id)
    page = opened.area.page
    qtbot.waitUntil(lambda: page.view is not None and page.view.id == claim_id, timeout=WAIT_MS)
    idle(qtbot, opened)
    return page


def test_the_list_and_its_filters(
    qtbot: QtBot, open_claims: OpenClaims, set_up: Actor, db: Database, qtmodeltester: ModelTester
) -> None:
    aisha = person(db, set_up, "Aisha", "Rahman")
    tom = person(db, set_up, "Tom", "Okafor")
    pot = budget(db, set_up, "Carers' voices", 100_000)
    first = claim(
        db,
        set_up,
        aisha,
        TODAY - timedelta(days=40),
        budget_id=pot,
        payee_name="A Rahman",
        sort_code="12-34-56",
        account_number="12345678",
    )
    claims.submit_claim(db, set_up, first, 1)
    claim(
        db,
        set_up,
        tom,
        TODAY - timedelta(days=5),
        ItemEntry("fares", "Train", cost_pence=1250),
        tier="one_off",
    )
    claim(db, set_up, tom, TODAY - timedelta(days=2), choice="voucher", take_pence=2000)
    opened = open_claims()
    area, model = opened.area, opened.area.list.model
    assert numbers(opened) == [f"{TODAY.year}-003", f"{TODAY.year}-002", f"{TODAY.year}-001"]  # newest first
    assert area.list.count_label.text() == "3 claims"
    assert area.list.totals_label.text() == "Total claimed £112.50; payable to claimants £82.50."
    qtmodeltester.check(model)
    row = model.find(first)
    assert row is not None
    cell = model.index(row, ClaimsModel.ACCOUNT)
    assert model.data(cell) == "****5678"  # masked in the list, even for an administrator
    assert model.data(model.index(row, ClaimsModel.STATUS)) == "Submitted"
    assert model.data(model.index(row, ClaimsModel.STATUS), Qt.ItemDataRole.FontRole).bold()
    assert model.data(model.index(row, ClaimsModel.TOTAL)) == "£50.00"
    voucher = model.find(model.rows[0].id)
    assert model.data(model.index(voucher or 0, ClaimsModel.CHOICE)) == "Voucher, taking less"
    assert model.data(model.index(voucher or 0, ClaimsModel.PAYABLE)) == "£20.00"
    assert model.data(model.index(0, ClaimsModel.BUDGET)) == "No budget"

    lst = area.list
    lst.status.setCurrentIndex(lst.status.findData(ClaimStatus.SUBMITTED.value))
    qtbot.waitUntil(lambda: numbers(opened) == [f"{TODAY.year}-001"], timeout=WAIT_MS)
    lst.status.setCurrentIndex(lst.status.findData(ClaimStatus.DRAFT.value))
    qtbot.waitUntil(lambda: len(numbers(opened)) == 2, timeout=WAIT_MS)
    lst.status.setCurrentIndex(0)
    qtbot.waitUntil(lambda: len(numbers(opened)) == 3, timeout=WAIT_MS)

    # The claimant search, as you type (Ctrl+F goes there).
    lst.focus_search()
    with qtbot.waitSignal(lst.loaded, timeout=WAIT_MS):
        qtbot.keyClicks(lst.search, "okaf")
    assert numbers(opened) == [f"{TODAY.year}-003", f"{TODAY.year}-002"]
    lst.search.clear()
    qtbot.waitUntil(lambda: len(numbers(opened)) == 3, timeout=WAIT_MS)

    # The budget filter offers the budgets there are, and "No budget".
    qtbot.waitUntil(lambda: lst.budget.findData(str(pot)) > 1, timeout=WAIT_MS)
    assert filtered(qtbot, opened, lambda: lst.budget.setCurrentIndex(lst.budget.findData(str(pot)))) == [
        f"{TODAY.year}-001"
    ]
    assert len(filtered(qtbot, opened, lambda: lst.budget.setCurrentIndex(1))) == 2  # no budget
    lst.budget.setCurrentIndex(0)
    qtbot.waitUntil(lambda: len(numbers(opened)) == 3, timeout=WAIT_MS)

    # Activity dates between two days.
    lst.start_date.setDate(QDate.fromString((TODAY - timedelta(days=10)).isoformat(), Qt.DateFormat.ISODate))
    lst.end_date.setDate(QDate.fromString((TODAY - timedelta(days=3)).isoformat(), Qt.DateFormat.ISODate))
    assert filtered(qtbot, opened, lambda: lst.when.setCurrentIndex(lst.when.findData(CUSTOM))) == [
        f"{TODAY.year}-002"
    ]
    assert lst.dates.isVisible()
    # Nothing matches: the list says so, and how to widen it.
    lst.status.setCurrentIndex(lst.status.findData(ClaimStatus.PAID.value))
    qtbot.waitUntil(lambda: model.rowCount() == 0, timeout=WAIT_MS)
    idle(qtbot, opened)
    assert lst.stack.currentWidget() is lst.empty
    assert "No claim matches the filters" in lst.empty.text()
    qtmodeltester.check(model)


def test_a_claim_page_with_receipts_masked_bank_details_and_pdfs(
    qtbot: QtBot,
    open_claims: OpenClaims,
    set_up: Actor,
    db: Database,
    folder: DataFolder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    qtmodeltester: ModelTester,
) -> None:
    aisha = person(db, set_up, "Aisha", "Rahman")
    val = add_user(db, folder, set_up, "Val Unteer", "volunteer")
    claim_id = claim(
        db,
        val,
        aisha,
        TODAY - timedelta(days=1),
        ItemEntry("involvement", "Panel", 300, "hour"),
        ItemEntry("care_cover", "Sitter", cost_pence=2400, has_receipt=True),
        payee_name="A Rahman",
        sort_code="12-34-56",
        account_number="12345678",
    )
    act_as(folder, val)
    opened = open_claims()
    page = open_page(qtbot, opened, claim_id)
    details = page.details
    # A volunteer made it, sees it, and sees the account only masked.
    assert details.bank_fields["account"].text() == "****5678"
    assert details.bank_fields["sort_code"].text() == "Hidden"
    shown = [label.text() for label in page.findChildren(QLabel)]
    assert not any("12345678" in text or "12-34-56" in text for text in shown)  # nothing in full
    assert details.items_model.rowCount() == 2
    qtmodeltester.check(details.items_model)
    assert details.items_model.data(details.items_model.index(0, ClaimItemsModel.QUANTITY)) == "3 hours"
    assert details.items_model.data(details.items_model.index(1, ClaimItemsModel.RECEIPT)) == "Yes"
    assert details.totals.text().startswith("Total £99.00")
    assert "Citizens Advice" in details.advice.text()
    assert "Independent welfare-rights advice" in details.advice.text()
    assert not page.approve_button.isVisible() and page.submit_button.isVisible()

    # A receipt attached (a PNG), then shown in the app.
    picture = tmp_path / "sitter receipt.png"
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    assert image.save(str(picture))
    page.attach_receipt(picture)
    qtbot.waitUntil(lambda: details.receipts_model.rowCount() == 1, timeout=WAIT_MS)
    idle(qtbot, opened)
    qtmodeltester.check(details.receipts_model)
    assert (
        details.receipts_model.data(details.receipts_model.index(0, ReceiptsModel.NAME))
        == "sitter receipt.png"
    )
    assert details.receipts_model.data(details.receipts_model.index(0, ReceiptsModel.KIND)) == "PNG image"
    details.receipts.setCurrentIndex(details.receipts_model.index(0, 0))
    assert details.view_receipt_button.isEnabled() and details.remove_receipt_button.isEnabled()
    page.view_receipt()
    qtbot.waitUntil(lambda: getattr(page, "viewer", None) is not None, timeout=WAIT_MS)
    viewer = page.viewer
    assert isinstance(viewer, ReceiptViewer) and viewer.shown and viewer.isVisible()
    viewer.close()

    # The claim form, through the save dialog, read back.
    target = tmp_path / "claim form.pdf"
    asked: list[str] = []

    def answer(_parent: object, _caption: str, suggested: str, _filter: str) -> tuple[str, str]:
        asked.append(suggested)
        return str(target), "PDF document (*.pdf)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
    assert not page.remittance_button.isEnabled()  # not paid yet
    with qtbot.waitSignal(page.exported, timeout=WAIT_MS):
        page.form_pdf_button.click()
    number = page.view.number if page.view else ""
    assert Path(asked[0]).name == f"Claim {number} Aisha Rahman claim form.pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(target).pages)
    assert number in text and "Aisha Rahman" in text and "£99.00" in text
    assert "12345678" not in text  # the volunteer's copy: the account masked
    assert page.exported_bar.isVisible() and str(target) in page.exported_label.text()


def test_the_form_prices_as_you_type_and_warns(
    qtbot: QtBot, open_claims: OpenClaims, set_up: Actor, db: Database
) -> None:
    aisha = person(db, set_up, "Aisha", "Rahman")
    small = budget(db, set_up, "Small pot", 10_000)
    day = TODAY - timedelta(days=1)
    earlier = claim(db, set_up, aisha, day, ItemEntry("involvement", "Earlier panel", 600, "hour"))
    claims.submit_claim(db, set_up, earlier, 1)  # £150 already this week
    opened = open_claims()
    area = opened.area
    area.new_claim((aisha, "Aisha Rahman"))
    form = area.page.form
    form.activity_date.setDate(QDate(day.year, day.month, day.day))
    qtbot.waitUntil(lambda: form.setting is not None and form.setting.on == day, timeout=WAIT_MS)
    idle(qtbot, opened)
    assert "Aisha Rahman is not recorded at any engagement" in form.occasions_note.text()
    form.add_line_button.click()
    line = form.lines[0]
    qtbot.keyClicks(line.quantity, "2")
    assert line.amount.text() == "£50.00"
    line.unit.setCurrentIndex(line.unit.findData("half_day"))
    assert line.amount.text() == "£150.00"  # two half days at £75.00
    qtbot.waitUntil(lambda: form.threshold_warning.isVisible(), timeout=WAIT_MS)
    warning = form.threshold_warning.text()
    assert warning.startswith("⚠ With this claim, Aisha Rahman's involvement payments would come to £300.00")
    assert "never split" in warning
    assert "£150.00 involvement payments" in form.totals_note.text()  # what is already counted this week
    form.budget.setCurrentIndex(form.budget.findData(str(small)))
    qtbot.waitUntil(lambda: form.overspend_warning.isVisible(), timeout=WAIT_MS)
    assert "would overspend the budget “Small pot”" in form.overspend_warning.text()

    # Taking less, declining, donating: checked as typed.
    form.take_less.setChecked(True)
    qtbot.keyClicks(form.take_amount, "500")
    assert "less than the total" in form.problems["take_pence"]
    assert not form.save_button.isEnabled()
    form.take_amount.clear()
    qtbot.keyClicks(form.take_amount, "90")
    qtbot.waitUntil(lambda: not form.overspend_warning.isVisible(), timeout=WAIT_MS)  # £90 fits the £100 pot
    assert "take_pence" not in form.problems and form.save_button.isEnabled()
    form.choice_buttons[claims.PaymentChoice.DONATE].setChecked(True)
    # Given away, it is nobody's earnings: the threshold warning goes.
    qtbot.waitUntil(lambda: not form.threshold_warning.isVisible(), timeout=WAIT_MS)
    assert not form.take_amount.isEnabled() and form.donate_to.isVisible()
    assert "Name the charity" in form.problems["donate_to"]
    qtbot.keyClicks(form.donate_to, "Riverside Food Bank")
    assert "donate_to" not in form.problems
    # A line that cannot be priced says why, beside it.
    form.tier.setCurrentIndex(form.tier.findData("one_off"))
    assert "Involvement time is paid only for ongoing involvement" in line.problem.text()
    assert not form.save_button.isEnabled()
    form.tier.setCurrentIndex(form.tier.findData("ongoing"))
    qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    page = area.page
    qtbot.waitUntil(lambda: page.view is not None and not page.editing, timeout=WAIT_MS)
    idle(qtbot, opened)
    assert page.view is not None
    saved = claims.get_claim(db, page.view.id, set_up)
    assert saved.choice is claims.PaymentChoice.DONATE and saved.donate_to == "Riverside Food Bank"
    assert saved.total_pence == 15_000 and saved.payable_pence == 0 and saved.take_pence is None
    assert saved.budget_id == small
    # The read view: what is already counted for the week and month, against the thresholds.
    details = page.details
    assert not details.threshold.isVisible()  # donated: no earnings
    assert "Donated: £150.00 is given to Riverside Food Bank" in details.choice.text()
    model = details.totals_model
    assert model.rowCount() == 2
    assert model.data(model.index(0, TotalsModel.EARNINGS)) == "£150.00"  # this draft not counted yet
    assert model.data(model.index(0, TotalsModel.THRESHOLD)) == "£183.50"
    assert model.data(model.index(0, TotalsModel.STANDING)) == "Within (£33.50 left)"


def test_policy_and_budgets_tabs_and_models(
    qtbot: QtBot, open_claims: OpenClaims, set_up: Actor, db: Database, qtmodeltester: ModelTester
) -> None:
    opened = open_claims()
    area = opened.area
    assert [area.tabs.tabText(i) for i in range(3)] == ["&Claims", "&Policy", "B&udgets"]
    assert area.list.stack.currentWidget() is area.list.empty
    assert "No claims yet" in area.list.empty.text()
    area.show_tab(area.POLICY)
    assert area.policy is not None and area.policy.isVisible()
    area.show_tab(area.BUDGETS)
    assert area.budgets is not None and area.budgets.isVisible()
    idle(qtbot, opened)
    area.show_tab(area.CLAIMS)
    wait_list(qtbot, opened)
    assert area.showing_list
    for model in (ClaimItemsModel(), ReceiptsModel(), TotalsModel(), ClaimsModel()):
        qtmodeltester.check(model)


def test_what_it_was_for_and_the_claims_on_an_engagement(
    qtbot: QtBot, open_claims: OpenClaims, set_up: Actor, db: Database, qtmodeltester: ModelTester
) -> None:
    aisha = person(db, set_up, "Aisha", "Rahman")
    with db.read() as session:
        drop_in = session.scalar(select(EngagementType.id).where(EngagementType.name == "Drop-in"))
    day = TODAY - timedelta(days=3)
    (cafe,) = engagements.add_engagement(
        db,
        set_up,
        EngagementDraft(
            title="Memory café", type_id=drop_in, on_date=day, participants=(ParticipantEntry(aisha),)
        ),
    ).created["engagements"]
    # Two claims this week, both submitted: £225 of involvement against a £183.50 threshold.
    earlier = claim(
        db, set_up, aisha, day - timedelta(days=1), ItemEntry("involvement", "Panel", 300, "hour")
    )
    claims.submit_claim(db, set_up, earlier, 1)
    opened = open_claims()
    area = opened.area
    area.new_claim((aisha, "Aisha Rahman"))
    form = area.page.form
    form.activity_date.setDate(QDate(day.year, day.month, day.day))
    qtbot.waitUntil(lambda: form.occasions.count() == 1, timeout=WAIT_MS)
    item = form.occasions.item(0)
    assert "Memory café (Engagement)" in item.text() and item.checkState() == Qt.CheckState.Unchecked
    item.setCheckState(Qt.CheckState.Checked)
    form.add_line_button.click()
    qtbot.keyClicks(form.lines[0].quantity, "6")
    qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    page = area.page
    qtbot.waitUntil(lambda: page.view is not None and not page.editing, timeout=WAIT_MS)
    idle(qtbot, opened)
    assert page.view is not None
    claim_id = page.view.id
    assert [title for _, _, title in page.view.engagements] == ["Memory café"]
    assert page.details.occasions.count() == 1
    with qtbot.waitSignal(page.open_elsewhere, timeout=WAIT_MS) as opening:
        page.details.occasions.itemActivated.emit(page.details.occasions.item(0))
    assert opening.args == ["engagements", cafe]
    # The app shows the engagement in its own area; come back to the claim.
    window = opened.running.window
    assert window is not None and window.current_area() is window.area("engagements")
    window.show_area("claims")
    page.submit_button.click()
    qtbot.waitUntil(
        lambda: page.view is not None and page.view.status is ClaimStatus.SUBMITTED, timeout=WAIT_MS
    )
    idle(qtbot, opened)
    details = page.details
    assert details.threshold.isVisible()
    assert "£225.00 for the week starting" in details.threshold.text()
    model = details.totals_model
    qtmodeltester.check(model)
    assert model.data(model.index(0, TotalsModel.STANDING)) == "Over the threshold by £41.50"
    assert model.data(model.index(0, TotalsModel.STANDING), Qt.ItemDataRole.DecorationRole) is not None
    assert model.data(model.index(0, TotalsModel.PERIOD)).startswith("Week of ")
    assert model.data(model.index(0, TotalsModel.STANDING), Qt.ItemDataRole.FontRole).bold()

    # The engagement's page shows the claims for it; Enter opens one in the Claims area.
    box = ClaimsForRecord(opened.running.ctx, "engagements", parent=opened.window)
    with qtbot.waitSignal(box.loaded, timeout=WAIT_MS):
        box.show_for(cafe)
    assert [r.id for r in box.model.rows] == [claim_id] and box.title() == "Claims (1)"
    qtmodeltester.check(box.model)
    area.show_list()
    assert area.showing_list
    box.view.setCurrentIndex(box.model.index(0, 0))
    box._open_current()
    assert not area.showing_list and page.claim_id == claim_id
