"""A claim through its whole workflow, driven through the Claims area as three different users.

Made and submitted through the form by one coordinator; her own approval refused with the
service's reason on the page; approved by a second coordinator; recorded as paid by a member
of staff (who may pay claims); then locked — Edit off and refused with the service's own
sentence — until the second coordinator reopens it with a reason, which the journal keeps.

The submitter is a coordinator, not a member of staff: staff may not approve any claim, so
only someone who may approve can show that nobody approves a claim they submitted.  The app
is used by one person at a time on a computer; "acting as another user" here sets who is
acting (``ctx.actor``) and reads the claim again, as the next person to sit down would see it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from tests.ui.claims.conftest import Opened, act_as, activate, add_user, budget, person
from tests.ui.helpers import WAIT_MS
from vcsedesk.domain.claims import ClaimStatus, PaymentChoice
from vcsedesk.domain.errors import UserError
from vcsedesk.services import claims
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.store.location import DataFolder
from vcsedesk.store.models import JournalEntry
from vcsedesk.ui.claims.claim_page import ClaimPage
from vcsedesk.ui.claims.dialogs import PaidDialog, ReasonDialog

OpenClaims = Callable[[], Opened]


def idle(qtbot: QtBot, opened: Opened) -> None:
    qtbot.waitUntil(lambda: not opened.running.worker.busy, timeout=WAIT_MS)


def become(qtbot: QtBot, opened: Opened, actor: Actor, page: ClaimPage) -> None:
    """The next person acts: the page is read again as they may see it."""
    opened.running.ctx.actor = actor
    version = page.view.version if page.view is not None else None
    page.view = None
    page.reload()
    qtbot.waitUntil(lambda: page.view is not None, timeout=WAIT_MS)
    idle(qtbot, opened)
    assert page.view is not None and page.view.version == version


def status(db: Database, actor: Actor, claim_id: uuid.UUID) -> ClaimStatus:
    return claims.get_claim(db, claim_id, actor).status


def click(qtbot: QtBot, button: object) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # type: ignore[arg-type]


def test_submitted_refused_to_its_submitter_approved_paid_locked_and_reopened(
    qtbot: QtBot, open_claims: OpenClaims, set_up: Actor, db: Database, folder: DataFolder
) -> None:
    aisha = person(db, set_up, "Aisha", "Rahman")
    pot = budget(db, set_up, "Carers' voices", 50_000, "Lottery")
    cora = add_user(db, folder, set_up, "Cora Lane", "coordinator")
    dev = add_user(db, folder, set_up, "Dev Mistry", "coordinator")
    sid = add_user(db, folder, set_up, "Sid Taff", "staff")
    act_as(folder, cora)
    opened = open_claims()
    assert opened.running.ctx.acting.name == "Cora Lane"
    area = opened.area

    # -- Cora makes the claim through the form (Ctrl+N) -----------------------------------------
    area.list.view.setFocus()
    qtbot.keyClick(area.list.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    page = area.page
    form = page.form
    assert page.editing and page.title.text() == "New claim"
    qtbot.waitUntil(lambda: form.setting is not None, timeout=WAIT_MS)
    assert not form.save_button.isEnabled()
    with qtbot.waitSignal(form.claimant.searched, timeout=WAIT_MS):
        qtbot.keyClicks(form.claimant.edit, "Aish")
    assert form.claimant.suggestions.item(0).text().startswith("Aisha Rahman")
    qtbot.keyClick(form.claimant.edit, Qt.Key.Key_Return)
    assert form.claimant.value() == aisha
    day = date.today() - timedelta(days=2)
    form.activity_date.setDate(QDate(day.year, day.month, day.day))
    qtbot.waitUntil(lambda: form.setting is not None and form.setting.on == day, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: form.budget.findData(str(pot)) > 0, timeout=WAIT_MS)

    form.add_line_button.click()  # the first line of ongoing involvement: time
    time_line = form.lines[0]
    assert time_line.category_value().value == "involvement"
    qtbot.keyClicks(time_line.description, "Listening panel")
    qtbot.keyClicks(time_line.quantity, "2.5")
    assert time_line.amount.text() == "£62.50"  # priced as typed: 2.5 hours at £25.00
    form.add_line_button.click()
    fare = form.lines[1]
    assert fare.category_value().value == "fares"
    qtbot.keyClicks(fare.description, "Bus there and back")
    qtbot.keyClicks(fare.cost, "4.60")
    assert fare.amount.text() == "£4.60"
    assert form.total_label.text().startswith("Total £67.10")
    form.budget.setCurrentIndex(form.budget.findData(str(pot)))
    qtbot.waitUntil(lambda: "Running totals for Aisha Rahman" in form.totals_note.text(), timeout=WAIT_MS)
    assert "Citizens Advice" in form.advice.text()  # the pointer to welfare-rights advice
    assert form.save_button.isEnabled()
    qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.view is not None and not page.editing, timeout=WAIT_MS)
    idle(qtbot, opened)
    view = page.view
    assert view is not None and view.number.endswith("-001")
    saved = claims.get_claim(db, view.id, set_up)
    assert saved.status is ClaimStatus.DRAFT and saved.claimant_id == aisha
    assert saved.total_pence == 6710 and saved.budget_id == pot
    assert saved.choice is PaymentChoice.BANK_TRANSFER and saved.activity_date == day
    assert page.title.text() == f"Claim {view.number} — Aisha Rahman"

    # -- she submits it, then tries to approve it herself ---------------------------------------
    assert page.submit_button.isVisible() and not page.approve_button.isVisible()
    click(qtbot, page.submit_button)
    qtbot.waitUntil(
        lambda: page.view is not None and page.view.status is ClaimStatus.SUBMITTED, timeout=WAIT_MS
    )
    idle(qtbot, opened)
    assert status(db, set_up, view.id) is ClaimStatus.SUBMITTED
    assert "Submitted by Cora Lane" in page.status_label.text()
    assert page.approve_button.isVisible() and page.approve_button.isEnabled()
    with qtbot.waitSignal(page.refused, timeout=WAIT_MS) as refused:
        click(qtbot, page.approve_button)
    reason = f"You submitted claim {view.number}, so someone else must approve it."
    assert refused.args == [reason]
    assert page.problem_bar.isVisible() and page.problem.text() == "⚠ " + reason
    idle(qtbot, opened)
    assert status(db, set_up, view.id) is ClaimStatus.SUBMITTED  # nothing changed

    # -- Dev, another coordinator, approves it ----------------------------------------------
    become(qtbot, opened, dev, page)
    click(qtbot, page.approve_button)
    qtbot.waitUntil(
        lambda: page.view is not None and page.view.status is ClaimStatus.APPROVED, timeout=WAIT_MS
    )
    idle(qtbot, opened)
    approved = claims.get_claim(db, view.id, set_up)
    assert approved.status is ClaimStatus.APPROVED and approved.decided_by == "Dev Mistry"
    assert not page.problem_bar.isVisible()

    # -- Sid, staff who may pay claims, records it paid --------------------------------------
    become(qtbot, opened, sid, page)
    assert not page.approve_button.isVisible()
    assert page.paid_button.isVisible() and page.paid_button.isEnabled()
    click(qtbot, page.paid_button)
    dialog = page.dialog
    assert isinstance(dialog, PaidDialog) and dialog.isVisible()
    assert dialog.method.currentData() == PaymentChoice.BANK_TRANSFER.value
    qtbot.keyClicks(dialog.reference, "BACS 0042")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: page.view is not None and page.view.status is ClaimStatus.PAID, timeout=WAIT_MS)
    idle(qtbot, opened)
    assert page.dialog is None  # closed once the service agreed
    paid = claims.get_claim(db, view.id, set_up)
    assert paid.paid_by == "Sid Taff" and paid.payment_reference == "BACS 0042"
    assert paid.paid_on == date.today() and paid.payment_method == "bank_transfer"
    assert page.remittance_button.isEnabled()

    # -- a later edit is refused, in the service's words -----------------------------------------
    with pytest.raises(UserError) as service_says:
        claims.update_claim(db, sid, view.id, paid.version, paid.as_draft())
    sentence = str(service_says.value)
    assert (
        sentence
        == f"Claim {view.number} was paid by Sid Taff on {date.today().day} {date.today():%b %Y}; reopen it to edit."
    )
    assert not page.edit_button.isEnabled()
    assert page.edit_button.toolTip() == sentence
    assert page.lock_label.isVisible() and page.lock_label.text() == "Locked: " + sentence
    assert not page.details.add_receipt_button.isEnabled()
    activate(qtbot, opened)
    page.details_scroll.setFocus()
    qtbot.keyClick(page.details_scroll, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # Ctrl+E
    assert not page.editing
    assert page.problem.text() == "⚠ " + sentence
    # Staff may pay but not reopen a paid claim.
    assert page.reopen_button.isVisible() and not page.reopen_button.isEnabled()

    # -- Dev reopens it, saying why; the journal keeps the reason ------------------------------
    become(qtbot, opened, dev, page)
    assert page.reopen_button.isEnabled()
    click(qtbot, page.reopen_button)
    reopen = page.dialog
    assert isinstance(reopen, ReasonDialog) and reopen.isVisible()
    assert not reopen.ok_button.isEnabled()  # a reason is required
    why = "The fare was £4.06, not £4.60"
    qtbot.keyClicks(reopen.text, why)
    assert reopen.ok_button.isEnabled()
    click(qtbot, reopen.ok_button)
    qtbot.waitUntil(lambda: page.view is not None and page.view.status is ClaimStatus.DRAFT, timeout=WAIT_MS)
    idle(qtbot, opened)
    assert status(db, set_up, view.id) is ClaimStatus.DRAFT
    with db.read() as session:
        summaries = session.scalars(
            select(JournalEntry.summary).where(
                JournalEntry.table_name == "claims",
                JournalEntry.record_id == view.id,
                JournalEntry.actor_id == dev.user_id,
            )
        ).all()
    assert f"Reopened claim {view.number}: {why}" in summaries
    assert page.edit_button.isEnabled() and not page.lock_label.isVisible()
    click(qtbot, page.edit_button)
    assert page.editing and page.form.claim is not None and page.form.claim.id == view.id
    assert QApplication.activeModalWidget() is None
