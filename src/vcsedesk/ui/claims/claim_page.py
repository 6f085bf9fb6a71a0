"""One claim: read in full, edited with the claim form, moved through its workflow, exported.

The page has a header (Back, the claim's number and claimant, Edit, the claim form and
remittance PDFs, Archive), a workflow strip (the status in words — who submitted, approved,
rejected or paid it and when — and the buttons the status allows: Submit, Approve, Reject…,
Mark paid…, Reopen…), and two faces: the read view (:class:`ClaimDetails`) and the form
(:class:`~vcsedesk.ui.claims.claim_form.ClaimForm`).

An approved or paid claim is locked: the page says so in the service's words ("Claim 2026-014
was approved by Sam Patel at 14:02 on 3 Mar 2026; reopen it to edit."), Edit is off and
receipts cannot be added or removed until someone reopens it, giving a reason.  A refusal (for
example approving a claim you submitted) is shown plainly on the page, in the service's words.

Keys: Escape or Alt+Left goes back (from the form: back to the read view, asking first if
something typed would be lost), Ctrl+E edits, Ctrl+S saves in the form, Ctrl+P exports the
claim form.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.claims import Category, ClaimStatus, PaymentChoice, pence_text
from vcsedesk.domain.errors import UserError, ValidationError
from vcsedesk.ui.claims.model import (
    ClaimItemsModel,
    ReceiptsModel,
    TotalsModel,
    category_text,
    choice_text,
    period_text,
    status_text,
)
from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.widgets import (
    add_shortcut,
    archive_question,
    day_text,
    documents_folder,
    fit_rows,
    may,
    note_strip,
    push_button,
    size_columns,
    small_table,
    value_label,
    with_suffix,
)

if TYPE_CHECKING:
    from datetime import datetime

    from vcsedesk.domain.claims import RunningTotal
    from vcsedesk.services.attachments import AttachmentInfo
    from vcsedesk.services.base import Actor, Changes
    from vcsedesk.services.claims import ClaimView
    from vcsedesk.store.database import Database
    from vcsedesk.ui.claims.claim_form import ClaimForm
    from vcsedesk.ui.claims.dialogs import PaidDialog, ReasonDialog
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

#: Tables whose changes can alter what a claim's page shows.
PAGE_TABLES = frozenset(
    {
        "claims",
        "claim_items",
        "claim_links",
        "attachments",
        "budgets",
        "contacts",
        "users",
        "reimbursement_policies",
        "engagements",
        "meetings",
    }
)


# -- reading and writing on the worker ---------------------------------------------------------
@dataclass(frozen=True)
class Loaded:
    view: ClaimView
    week: RunningTotal | None
    month: RunningTotal | None
    threshold: str | None
    overspend: str | None
    other_totals: list[tuple[RunningTotal, bool]] = field(default_factory=list)


def read_claim(db: Database, actor: Actor, claim_id: uuid.UUID) -> Loaded:
    """The claim, the claimant's running totals for its week and month, and the warnings."""
    from vcsedesk.services import claims

    view = claims.get_claim(db, claim_id, actor)
    weekly, monthly = claims.person_totals(db, view.claimant_id)
    week = next((t for t in weekly if t.period_start == view.week_start), None)
    month_start = view.activity_date.replace(day=1)
    month = next((t for t in monthly if t.period_start == month_start), None)
    threshold = claims.threshold_warning(db, view.as_draft(), claim_id=view.id)
    overspend = claims.overspend_warning(db, view.id) if view.budget_id is not None else None
    return Loaded(view, week, month, threshold, overspend)


def export_pdf(db: Database, actor: Actor, claim_id: uuid.UUID, path: Path, remittance: bool) -> Path:
    """Read the claim as saved now and write its claim form (or remittance advice) to ``path``."""
    from vcsedesk.io.claim_pdf import write_claim_form, write_remittance
    from vcsedesk.services import claims, organisation

    view = claims.get_claim(db, claim_id, actor)
    profile = organisation.get_profile(db)
    logo = profile.logo if profile is not None else None
    (write_remittance if remittance else write_claim_form)(view, path, logo=logo)
    return path


def read_receipt(db: Database, attachment_id: uuid.UUID) -> tuple[str, bytes]:
    from vcsedesk.services import attachments

    return attachments.content(db, attachment_id)


def save_receipt_copy(db: Database, attachment_id: uuid.UUID, path: Path) -> Path:
    from vcsedesk.services import attachments

    name, data = attachments.content(db, attachment_id)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UserError(f"Could not save a copy of “{name}” as {path}: {exc.strerror or exc}.") from exc
    return path


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def pdf_file_name(view: ClaimView, what: str) -> str:
    """ "Claim 2026-014 Aisha Rahman claim form.pdf" (nothing a file system refuses)."""
    name = " ".join(_UNSAFE.sub(" ", view.claimant_name).split()).strip(" .") or "claimant"
    return f"Claim {view.number} {name[:60]} {what}.pdf"


def _day(day: date) -> str:
    """ "3 Mar 2026", as the service writes dates in its sentences."""
    return f"{day.day} {day:%b %Y}"


def _when(moment: datetime) -> str:
    local = moment.astimezone()
    return f"{local:%H:%M} on {_day(local.date())}"


def lock_sentence(view: ClaimView) -> str | None:
    """Why a locked claim cannot be edited, in the words the service refuses an edit with."""
    if view.status is ClaimStatus.PAID:
        on = f" on {_day(view.paid_on)}" if view.paid_on else ""
        return f"Claim {view.number} was paid by {view.paid_by or 'someone'}{on}; reopen it to edit."
    if view.status is ClaimStatus.APPROVED:
        at = f" at {_when(view.decided_at)}" if view.decided_at else ""
        return f"Claim {view.number} was approved by {view.decided_by or 'someone'}{at}; reopen it to edit."
    return None


# -- the read view ----------------------------------------------------------------------------
class ClaimDetails(QWidget):
    """Everything about one claim, to read."""

    #: An engagement or meeting the claim is for was opened: (table, id).
    open_occasion = Signal(str, object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view: ClaimView | None = None
        self.setAccessibleName(self.tr("Claim details"))
        outer = QVBoxLayout(self)

        about = QGroupBox(self.tr("About"))
        form = QFormLayout(about)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.fields: dict[str, QLabel] = {}
        for key, text in (
            ("claimant", self.tr("Claimant")),
            ("tier", self.tr("Tier")),
            ("when", self.tr("Activity date")),
            ("budget", self.tr("Budget")),
            ("policy", self.tr("Priced by")),
            ("history", self.tr("History")),
        ):
            label = value_label(text)
            self.fields[key] = label
            form.addRow(QLabel(text + ":"), label)
        self.occasions = QListWidget()
        self.occasions.setAccessibleName(self.tr("What the claim is for (Enter opens one)"))
        line = self.occasions.fontMetrics().height() + 6
        self.occasions.setMaximumHeight(line * 4 + 4)
        self.occasions.itemActivated.connect(self._open_occasion)
        self.no_occasions = value_label(self.tr("What the claim is for"))
        self.no_occasions.setText(self.tr("No engagement or meeting named."))
        for_box = QWidget()
        for_column = QVBoxLayout(for_box)
        for_column.setContentsMargins(0, 0, 0, 0)
        for_column.addWidget(self.occasions)
        for_column.addWidget(self.no_occasions)
        form.insertRow(3, QLabel(self.tr("For") + ":"), for_box)
        self.overspend = value_label(self.tr("Budget warning"))
        self.overspend.setFrameShape(QFrame.Shape.StyledPanel)
        self.overspend.setMargin(6)
        self.overspend.hide()
        form.addRow(self.overspend)
        outer.addWidget(about)

        lines_box = QGroupBox(self.tr("Lines"))
        lines_layout = QVBoxLayout(lines_box)
        self.items_model = ClaimItemsModel(self)
        self.items_table = small_table(self.items_model, self.tr("Lines of the claim"), rows=12)
        metrics = self.fontMetrics()
        size_columns(
            self.items_table,
            {
                ClaimItemsModel.CATEGORY: self.tr("Involvement time"),
                ClaimItemsModel.DESCRIPTION: "Home to the library and back again",
                ClaimItemsModel.QUANTITY: self.tr("2.5 half days"),
                ClaimItemsModel.RATE: self.tr("£150.00 a full day"),
                ClaimItemsModel.AMOUNT: "£1,234.50",
            },
        )
        lines_layout.addWidget(self.items_table)
        self.no_items = QLabel(self.tr("No lines yet. Edit the claim (Ctrl+E) to add what is claimed."))
        self.no_items.setWordWrap(True)
        lines_layout.addWidget(self.no_items)
        self.totals = value_label(self.tr("Totals of the claim"))
        lines_layout.addWidget(self.totals)
        outer.addWidget(lines_box)

        choice_box = QGroupBox(self.tr("The claimant's choice and running totals"))
        choice_layout = QVBoxLayout(choice_box)
        self.choice = value_label(self.tr("The claimant's choice"))
        font = self.choice.font()
        font.setBold(True)
        self.choice.setFont(font)
        choice_layout.addWidget(self.choice)
        self.threshold = value_label(self.tr("Threshold warning"))
        self.threshold.setFrameShape(QFrame.Shape.StyledPanel)
        self.threshold.setMargin(6)
        self.threshold.hide()
        choice_layout.addWidget(self.threshold)
        self.totals_model = TotalsModel(self)
        self.totals_table = small_table(
            self.totals_model, self.tr("Running totals for the claimant by week and month"), rows=4
        )
        size_columns(
            self.totals_table,
            {
                TotalsModel.PERIOD: self.tr("Week of Wed 28 Sep 2026"),
                TotalsModel.EARNINGS: self.tr("Involvement payments"),
                TotalsModel.EXPENSES: self.tr("Expenses repaid"),
                TotalsModel.THRESHOLD: "£1,234.50",
            },
        )
        choice_layout.addWidget(self.totals_table)
        self.totals_note = value_label(self.tr("What the running totals count"))
        choice_layout.addWidget(self.totals_note)
        self.advice = value_label(self.tr("Independent welfare-rights advice"))
        self.advice.setFrameShape(QFrame.Shape.StyledPanel)
        self.advice.setMargin(6)
        choice_layout.addWidget(self.advice)
        outer.addWidget(choice_box)

        self.bank_box = QGroupBox(self.tr("Bank details"))
        bank = QFormLayout(self.bank_box)
        self.bank_fields: dict[str, QLabel] = {}
        for key, text in (
            ("payee", self.tr("Account name")),
            ("sort_code", self.tr("Sort code")),
            ("account", self.tr("Account number")),
        ):
            label = value_label(text)
            self.bank_fields[key] = label
            bank.addRow(QLabel(text + ":"), label)
        self.bank_note = value_label(self.tr("About the bank details"))
        bank.addRow(self.bank_note)
        outer.addWidget(self.bank_box)

        receipts_box = QGroupBox(self.tr("Receipts"))
        receipts_layout = QVBoxLayout(receipts_box)
        self.receipts_model = ReceiptsModel(self)
        self.receipts = small_table(self.receipts_model, self.tr("Receipts"))
        self.receipts.horizontalHeader().resizeSection(ReceiptsModel.NAME, metrics.averageCharWidth() * 40)
        self.receipts.horizontalHeader().resizeSection(ReceiptsModel.KIND, metrics.averageCharWidth() * 16)
        self.receipts.horizontalHeader().resizeSection(ReceiptsModel.SIZE, metrics.averageCharWidth() * 10)
        receipts_layout.addWidget(self.receipts)
        self.no_receipts = QLabel(
            self.tr(
                "No receipts attached. “Add receipt…” attaches a photo (PNG or JPEG) or a PDF, up to 20 MB."
            )
        )
        self.no_receipts.setWordWrap(True)
        receipts_layout.addWidget(self.no_receipts)
        buttons = QHBoxLayout()
        self.add_receipt_button = QPushButton(self.tr("A&dd receipt…"))
        self.add_receipt_button.setAccessibleName(self.tr("Attach a receipt"))
        self.view_receipt_button = QPushButton(self.tr("Vie&w receipt"))
        self.view_receipt_button.setAccessibleName(self.tr("View the selected receipt"))
        self.save_receipt_button = QPushButton(self.tr("Save a cop&y…"))
        self.save_receipt_button.setAccessibleName(self.tr("Save a copy of the selected receipt"))
        self.remove_receipt_button = QPushButton(self.tr("Remove receip&t"))
        self.remove_receipt_button.setAccessibleName(self.tr("Remove the selected receipt"))
        for button in (
            self.add_receipt_button,
            self.view_receipt_button,
            self.save_receipt_button,
            self.remove_receipt_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        receipts_layout.addLayout(buttons)
        outer.addWidget(receipts_box)

        self.notes_box = QGroupBox(self.tr("Notes"))
        notes = QVBoxLayout(self.notes_box)
        self.notes = value_label(self.tr("Notes"))
        notes.addWidget(self.notes)
        outer.addWidget(self.notes_box)
        outer.addStretch(1)
        self.receipts.selectionModel().selectionChanged.connect(lambda *_: self.update_buttons())
        self.receipts.doubleClicked.connect(lambda _i: self.view_receipt_button.click())

    # -- receipts ------------------------------------------------------------------------------
    def selected_receipt(self) -> AttachmentInfo | None:
        index = self.receipts.currentIndex()
        if not index.isValid() or not 0 <= index.row() < len(self.receipts_model.items):
            return None
        return self.receipts_model.items[index.row()]

    def update_buttons(self) -> None:
        from vcsedesk.services.base import Permission

        view = self.view
        editable = view is not None and not view.locked and may(self.ctx, Permission.EDIT_RECORDS)
        chosen = self.selected_receipt() is not None
        self.add_receipt_button.setEnabled(editable)
        self.remove_receipt_button.setEnabled(editable and chosen)
        self.view_receipt_button.setEnabled(chosen)
        self.save_receipt_button.setEnabled(chosen)
        tip = lock_sentence(view) if view is not None and view.locked else ""
        self.add_receipt_button.setToolTip(tip or "")
        self.remove_receipt_button.setToolTip(tip or "")

    # -- showing -------------------------------------------------------------------------------
    def show_claim(self, loaded: Loaded, pays_claims: bool) -> None:
        view = loaded.view
        self.view = view
        self.fields["claimant"].setText(
            view.claimant_name + (f"\n{view.claimant_address}" if view.claimant_address else "")
        )
        self.fields["tier"].setText(self._tier_text(view))
        self.fields["when"].setText(
            self.tr("{day} (the payment belongs to the week of {monday})").format(
                day=day_text(view.activity_date, weekday=True), monday=day_text(view.week_start, weekday=True)
            )
        )
        self.fields["budget"].setText(view.budget_name or self.tr("No budget chosen"))
        if view.status is ClaimStatus.DRAFT:
            policy = self.tr("The policy in force from {day} (fixed when the claim is submitted)")
        else:
            policy = self.tr("The policy in force from {day}")
        self.fields["policy"].setText(policy.format(day=day_text(view.policy_effective_from)))
        self.fields["history"].setText("\n".join(self._history(view)))
        self._show_occasions(view)
        if loaded.overspend:
            self.overspend.setText("⚠ " + loaded.overspend)
        self.overspend.setVisible(bool(loaded.overspend))

        self.items_model.set_items(list(view.items))
        fit_rows(self.items_table, len(view.items))
        self.items_table.setVisible(bool(view.items))
        self.no_items.setVisible(not view.items)
        self.totals.setText(self._totals_text(view))

        self.choice.setText(self._choice_text(view))
        if loaded.threshold:
            self.threshold.setText("⚠ " + loaded.threshold)
        self.threshold.setVisible(bool(loaded.threshold))
        rows: list[tuple[RunningTotal, bool, bool]] = []
        if loaded.week is not None:
            rows.append((loaded.week, False, True))
        if loaded.month is not None:
            rows.append((loaded.month, True, True))
        self.totals_model.set_totals(rows)
        fit_rows(self.totals_table, len(rows))
        self.totals_table.setVisible(bool(rows))
        counted = view.status in (ClaimStatus.SUBMITTED, ClaimStatus.APPROVED, ClaimStatus.PAID)
        if counted:
            note = self.tr(
                "{name}'s claims submitted, approved or paid for the week and month of this activity, this one "
                "included. Involvement payments may count as earnings for benefits; expenses repaid do not."
            )
        else:
            note = self.tr(
                "{name}'s claims submitted, approved or paid for the week and month of this activity; this claim "
                "counts once it is submitted. Involvement payments may count as earnings for benefits; expenses "
                "repaid do not."
            )
            if not rows:
                note = (
                    self.tr(
                        "Nothing else is claimed for {name} in the week ({week}) or month ({month}) of this activity."
                    ).format(
                        name="{name}",
                        week=period_text(view.week_start, False),
                        month=period_text(view.activity_date.replace(day=1), True),
                    )
                    + " "
                    + self.tr("This claim counts once it is submitted.")
                )
        self.totals_note.setText(note.format(name=view.claimant_name))
        self.advice.setText(
            "ℹ " + (view.advice or self.tr("Independent welfare-rights advice is available."))
        )

        self.bank_box.setVisible(view.choice is PaymentChoice.BANK_TRANSFER)
        self.bank_fields["payee"].setText(view.payee_name or view.claimant_name)
        if pays_claims and (view.sort_code or view.account_number):
            self.bank_fields["sort_code"].setText(view.sort_code or self.tr("Not given"))
            self.bank_fields["account"].setText(view.account_number or self.tr("Not given"))
            self.bank_note.setText(
                self.tr("Shown in full because you record payments; masked everywhere else.")
            )
        else:
            self.bank_fields["sort_code"].setText(
                self.tr("Hidden") if view.masked_account else self.tr("Not given")
            )
            self.bank_fields["account"].setText(view.masked_account or self.tr("Not given"))
            self.bank_note.setText(
                self.tr("Bank details are shown in full only to those who record payments.")
                if view.masked_account
                else self.tr("No bank details saved yet: edit the claim to add them.")
            )

        self.receipts_model.set_items(list(view.receipts))
        if view.receipts:
            self.receipts.setCurrentIndex(self.receipts_model.index(0, 0))
        fit_rows(self.receipts, len(view.receipts))
        self.receipts.setVisible(bool(view.receipts))
        self.no_receipts.setVisible(not view.receipts)
        self.notes.setText(view.notes)
        self.notes_box.setVisible(bool(view.notes))
        self.update_buttons()

    def _tier_text(self, view: ClaimView) -> str:
        from vcsedesk.domain.claims import Tier

        return {
            Tier.PUBLIC_EVENT: self.tr("Public event (nothing paid)"),
            Tier.ONE_OFF: self.tr("One-off involvement (expenses only)"),
            Tier.ONGOING: self.tr("Ongoing involvement (expenses and an involvement payment)"),
        }[view.tier]

    def _history(self, view: ClaimView) -> list[str]:
        lines = []
        if view.created_by:
            made = self.tr("Made by {who}").format(who=view.created_by)
            if view.created_at is not None:
                made += " " + self.tr("on {day}").format(day=day_text(view.created_at.astimezone().date()))
            lines.append(made)
        if view.submitted_by and view.submitted_at is not None:
            lines.append(
                self.tr("Submitted by {who} at {when}").format(
                    who=view.submitted_by, when=_when(view.submitted_at)
                )
            )
        if view.decided_by and view.decided_at is not None:
            if view.status is ClaimStatus.REJECTED:
                lines.append(
                    self.tr("Rejected by {who} at {when}: {reason}").format(
                        who=view.decided_by, when=_when(view.decided_at), reason=view.rejected_reason or ""
                    )
                )
            else:
                lines.append(
                    self.tr("Approved by {who} at {when}").format(
                        who=view.decided_by, when=_when(view.decided_at)
                    )
                )
        if view.paid_on is not None:
            method = view.payment_method or ""
            if method in {c.value for c in PaymentChoice}:
                method = choice_text(method).lower()
            paid = self.tr("Paid on {day} by {who}").format(
                day=day_text(view.paid_on), who=view.paid_by or ""
            )
            bits = [m for m in (method,) if m]
            if view.payment_reference:
                bits.append(self.tr("reference {ref}").format(ref=view.payment_reference))
            lines.append(paid + (f" ({', '.join(bits)})" if bits else ""))
        return lines or [self.tr("Not submitted yet")]

    def _show_occasions(self, view: ClaimView) -> None:
        self.occasions.clear()
        for table, rows in (("engagements", view.engagements), ("meetings", view.meetings)):
            kind = self.tr("Engagement") if table == "engagements" else self.tr("Meeting")
            for record_id, on, title in rows:
                item = QListWidgetItem(f"{day_text(on)} — {title} ({kind})")
                item.setData(Qt.ItemDataRole.UserRole, (table, record_id))
                item.setToolTip(self.tr("Enter or double click opens it"))
                self.occasions.addItem(item)
        has = self.occasions.count() > 0
        self.occasions.setVisible(has)
        self.no_occasions.setVisible(not has)

    @Slot(QListWidgetItem)
    def _open_occasion(self, item: QListWidgetItem) -> None:
        table, record_id = item.data(Qt.ItemDataRole.UserRole)
        self.open_occasion.emit(table, record_id)

    def _totals_text(self, view: ClaimView) -> str:
        parts = [
            f"{category_text(c)} {pence_text(view.by_category[c])}" for c in Category if c in view.by_category
        ]
        text = self.tr("Total {total}").format(total=pence_text(view.total_pence))
        if len(parts) > 1:
            text += " (" + "; ".join(parts) + ")"
        return text

    def _choice_text(self, view: ClaimView) -> str:
        if view.choice is PaymentChoice.DECLINE:
            return self.tr("Declined: nothing is paid to {name}.").format(name=view.claimant_name)
        if view.choice is PaymentChoice.DONATE:
            return self.tr("Donated: {amount} is given to {charity}; nothing is paid to {name}.").format(
                amount=pence_text(view.total_pence),
                charity=view.donate_to or self.tr("a charity"),
                name=view.claimant_name,
            )
        how = choice_text(view.choice)
        if view.take_pence is not None and view.payable_pence < view.total_pence:
            return self.tr("{how}: {name} chose to take {amount} of the {total}.").format(
                how=how,
                name=view.claimant_name,
                amount=pence_text(view.payable_pence),
                total=pence_text(view.total_pence),
            )
        return self.tr("{how}: {amount} to {name}.").format(
            how=how, amount=pence_text(view.payable_pence), name=view.claimant_name
        )


# -- the page ---------------------------------------------------------------------------------
class ClaimPage(QWidget):
    back = Signal()
    #: A claim was saved, moved on or archived here (its id): the list selects it.
    touched = Signal(object)
    #: The claim has been read and shown.
    loaded = Signal()
    #: A PDF was written (its path).
    exported = Signal(object)
    #: An engagement or meeting the claim is for was opened: (table, id).
    open_elsewhere = Signal(str, object)
    #: A workflow step was refused: the service's sentence (tests listen).
    refused = Signal(str)
    #: Where PDFs were last saved in this session (suggested for the next ones).
    last_folder: Path | None = None

    def __init__(self, ctx: AppContext, window: MainWindow | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.window_ = window
        self.view: ClaimView | None = None
        self.claim_id: uuid.UUID | None = None
        self.exported_path: Path | None = None
        self.dialog: ReasonDialog | PaidDialog | None = None
        self._generation = 0
        self._exporting = False
        self._busy = False
        #: How exported PDFs and receipts are opened (tests replace it).
        self.open_url = QDesktopServices.openUrl
        self.setAccessibleName(self.tr("Claim"))
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        self.back_button = push_button(
            self.tr("← &Back"),
            self.tr("Back"),
            self.go_back,
            tip=self.tr("Back (Escape or Alt+Left)"),
            row=top,
        )
        self.title = QLabel()
        self.title.setFont(heading_font(self.font()))
        self.title.setAccessibleName(self.tr("Claim"))
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.title, 1)
        self.edit_button = push_button(
            self.tr("Ed&it"),
            self.tr("Edit this claim"),
            self.edit,
            tip=self.tr("Edit this claim (Ctrl+E)"),
            row=top,
        )
        self.form_pdf_button = push_button(
            self.tr("Claim for&m (PDF)…"),
            self.tr("Export the claim form for signature as a PDF"),
            self.export_form,
            tip=self.tr("The claim form for the claimant to sign (Ctrl+P)"),
            row=top,
        )
        self.remittance_button = push_button(
            self.tr("Remitta&nce (PDF)…"),
            self.tr("Export the remittance advice as a PDF"),
            self.export_remittance,
            tip=self.tr("The remittance advice for the claimant, once the claim is paid"),
            row=top,
        )
        self.archive_button = push_button(
            self.tr("&Archive"), self.tr("Archive this draft claim"), self.archive, row=top
        )
        layout.addLayout(top)

        # -- the workflow strip -------------------------------------------------------------
        self.workflow = QFrame()
        self.workflow.setFrameShape(QFrame.Shape.StyledPanel)
        self.workflow.setAccessibleName(self.tr("Where the claim is"))
        flow = QVBoxLayout(self.workflow)
        flow_row = QHBoxLayout()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setAccessibleName(self.tr("Status"))
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        flow_row.addWidget(self.status_label, 1)
        self.submit_button = push_button(
            self.tr("&Submit"), self.tr("Submit the claim for approval"), self.submit, row=flow_row
        )
        self.approve_button = push_button(
            self.tr("Appro&ve"), self.tr("Approve the claim"), self.approve, row=flow_row
        )
        self.reject_button = push_button(
            self.tr("Re&ject…"), self.tr("Reject the claim"), self.reject, row=flow_row
        )
        self.paid_button = push_button(
            self.tr("Mar&k paid…"), self.tr("Record the claim as paid"), self.mark_paid, row=flow_row
        )
        self.reopen_button = push_button(
            self.tr("Re&open…"), self.tr("Reopen the claim to change it"), self.reopen, row=flow_row
        )
        flow.addLayout(flow_row)
        self.lock_label = QLabel()
        self.lock_label.setWordWrap(True)
        self.lock_label.setTextFormat(Qt.TextFormat.PlainText)
        self.lock_label.setAccessibleName(self.tr("Why the claim cannot be edited"))
        self.lock_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bold = self.lock_label.font()
        bold.setBold(True)
        self.lock_label.setFont(bold)
        self.lock_label.hide()
        flow.addWidget(self.lock_label)
        layout.addWidget(self.workflow)

        self.dismiss_problem = push_button(
            self.tr("Dismiss"), self.tr("Dismiss the problem"), lambda: self.problem_bar.hide()
        )
        self.problem_bar, self.problem = note_strip(
            self.tr("What could not be done"), self.dismiss_problem, text_name=self.tr("Problem"), plain=True
        )
        layout.addWidget(self.problem_bar)
        self.open_pdf_button = push_button(self.tr("Open"), self.tr("Open the PDF"), self.open_exported)
        self.dismiss_button = push_button(
            self.tr("Dismiss"), self.tr("Dismiss the note"), lambda: self.exported_bar.hide()
        )
        self.exported_bar, self.exported_label = note_strip(
            self.tr("PDF exported"),
            self.open_pdf_button,
            self.dismiss_button,
            text_name=self.tr("Where the PDF was saved"),
            plain=True,
        )
        layout.addWidget(self.exported_bar)

        self.faces = QStackedWidget()
        self.details = ClaimDetails(ctx)
        self.details.open_occasion.connect(self.open_elsewhere)
        self.details.add_receipt_button.clicked.connect(self.add_receipt)
        self.details.view_receipt_button.clicked.connect(self.view_receipt)
        self.details.save_receipt_button.clicked.connect(self.save_receipt)
        self.details.remove_receipt_button.clicked.connect(self.remove_receipt)
        self.details_scroll = QScrollArea()
        self.details_scroll.setWidgetResizable(True)
        self.details_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.details_scroll.setWidget(self.details)
        self.details_scroll.setAccessibleName(self.tr("Claim details"))
        self.faces.addWidget(self.details_scroll)
        self._form: ClaimForm | None = None
        layout.addWidget(self.faces, 1)

        self.back_action = add_shortcut(
            self, self.tr("Back"), QKeySequence(QKeySequence.StandardKey.Back), self.go_back
        )
        self.escape_action = add_shortcut(
            self, self.tr("Back to the list"), QKeySequence(Qt.Key.Key_Escape), self.go_back
        )
        self.edit_action = add_shortcut(self, self.tr("Edit this claim"), QKeySequence("Ctrl+E"), self.edit)
        self.export_action = add_shortcut(
            self, self.tr("Export the claim form"), QKeySequence("Ctrl+P"), self.export_form
        )
        ctx.hub.changed.connect(self.on_changed)
        self._show_header()

    # -- the form, built when first needed ---------------------------------------------------
    @property
    def form(self) -> ClaimForm:
        if self._form is None:
            from vcsedesk.ui.claims.claim_form import ClaimForm

            self._form = ClaimForm(self.ctx)
            self.faces.addWidget(self._form)
            self._form.created.connect(self._created)
            self._form.saved.connect(self._saved)
            self._form.cancelled.connect(self._form_cancelled)
            self._form.reload_requested.connect(lambda: self._fetch(self.claim_id, force=True))
        return self._form

    @property
    def editing(self) -> bool:
        return self._form is not None and self.faces.currentWidget() is self._form

    @property
    def pays_claims(self) -> bool:
        from vcsedesk.services.base import Permission

        return may(self.ctx, Permission.PAY_CLAIMS)

    # -- opening -----------------------------------------------------------------------------
    def open(self, claim_id: uuid.UUID) -> None:
        """Show a claim's read view."""
        if self.claim_id != claim_id:
            self.view = None
            self.details.view = None
            self.exported_bar.hide()
        self.claim_id = claim_id
        self.problem_bar.hide()
        self.faces.setCurrentWidget(self.details_scroll)
        self._show_header()
        self._fetch(claim_id)

    def new(self, claimant: tuple[uuid.UUID, str] | None = None) -> None:
        """An empty form for a new claim."""
        self.claim_id = None
        self.view = None
        self.problem_bar.hide()
        self.exported_bar.hide()
        form = self.form
        form.start_new(claimant)
        self.faces.setCurrentWidget(form)
        self._show_header()
        form.focus_first()

    def reload(self) -> None:
        if self.claim_id is not None:
            self._fetch(self.claim_id, force=True)

    def _fetch(self, claim_id: uuid.UUID | None, *, force: bool = False) -> None:
        if claim_id is None or self.ctx.db is None or self.ctx.actor is None:
            return
        self._generation += 1
        generation = self._generation
        self.ctx.worker.submit(
            read_claim,
            self.ctx.database,
            self.ctx.acting,
            claim_id,
            on_done=lambda loaded: self._arrived(generation, loaded, force),
            on_error=self._refused,
            label=self.tr("Reading the claim…"),
        )

    def _arrived(self, generation: int, loaded: Loaded, force: bool) -> None:
        view = loaded.view
        if generation != self._generation or view.id != self.claim_id:
            return
        self.view = view
        self.details.show_claim(loaded, self.pays_claims)
        if self.editing:
            form = self.form
            if force or not form.dirty or form.claim is None or form.claim.id != view.id:
                if view.locked:  # someone approved it meanwhile: back to reading
                    self.faces.setCurrentWidget(self.details_scroll)
                else:
                    form.show_claim(view)
        self._show_header()
        self.loaded.emit()

    # -- saying what went wrong --------------------------------------------------------------
    def _refused(self, exc: UserError) -> None:
        text = str(exc)
        if isinstance(exc, ValidationError):
            text = " ".join(exc.problems.values()) or text
        self.problem.setText("⚠ " + text)
        self.problem_bar.show()
        self.refused.emit(text)

    # -- the header and the workflow strip ---------------------------------------------------
    def _show_header(self) -> None:
        from vcsedesk.services.base import Permission

        view = self.view
        editing = self.editing
        self.escape_action.setEnabled(not editing)
        self.edit_action.setEnabled(not editing)
        self.export_action.setEnabled(not editing and view is not None)
        header = (self.edit_button, self.form_pdf_button, self.remittance_button, self.archive_button)
        flow = (
            self.submit_button,
            self.approve_button,
            self.reject_button,
            self.paid_button,
            self.reopen_button,
        )
        if editing:
            if self.claim_id is None:
                self.title.setText(self.tr("New claim"))
            else:
                self.title.setText(
                    self.tr("Editing claim {number}").format(number=view.number if view else "")
                )
            for button in header:
                button.hide()
            self.workflow.setVisible(view is not None and view.status is not ClaimStatus.DRAFT)
            for button in flow:
                button.hide()
            self.lock_label.hide()
            if view is not None and view.status is not ClaimStatus.DRAFT:
                self.status_label.setText(
                    self.tr("Saving a change puts the claim back to draft: submit it again afterwards.")
                )
            return
        if view is None:
            self.title.setText(self.tr("Reading the claim…"))
            for button in (*header, *flow):
                button.hide()
            self.workflow.hide()
            return
        self.workflow.show()
        self.title.setText(
            self.tr("Claim {number} — {name}").format(number=view.number, name=view.claimant_name)
        )
        for button in header:
            button.show()
        edits = may(self.ctx, Permission.EDIT_RECORDS)
        approves = may(self.ctx, Permission.APPROVE_CLAIMS)
        pays = may(self.ctx, Permission.PAY_CLAIMS)
        status = view.status
        lock = lock_sentence(view)
        self.edit_button.setEnabled(edits and not view.locked and not self._busy)
        self.edit_button.setToolTip(lock or self.tr("Edit this claim (Ctrl+E)"))
        self.archive_button.setVisible(status is ClaimStatus.DRAFT)
        self.archive_button.setEnabled(edits and not self._busy)
        self.form_pdf_button.setEnabled(not self._exporting)
        self.remittance_button.setEnabled(status is ClaimStatus.PAID and not self._exporting)
        self.remittance_button.setToolTip(
            self.tr("The remittance advice for the claimant")
            if status is ClaimStatus.PAID
            else self.tr("Only a paid claim has a remittance advice.")
        )
        self.submit_button.setVisible(status in (ClaimStatus.DRAFT, ClaimStatus.REJECTED))
        self.submit_button.setEnabled(edits and not self._busy)
        for button in (self.approve_button, self.reject_button):
            button.setVisible(status is ClaimStatus.SUBMITTED)
            button.setEnabled(approves and not self._busy)
            button.setToolTip(
                "" if approves else self.tr("Only a coordinator or administrator approves or rejects claims.")
            )
        self.paid_button.setVisible(status is ClaimStatus.APPROVED)
        self.paid_button.setEnabled(pays and not self._busy)
        self.paid_button.setToolTip("" if pays else self.tr("Only those who pay claims record them as paid."))
        self.reopen_button.setVisible(status is not ClaimStatus.DRAFT)
        may_reopen = edits and (approves or not view.locked)
        self.reopen_button.setEnabled(may_reopen and not self._busy)
        self.reopen_button.setToolTip(
            ""
            if may_reopen
            else self.tr("Only a coordinator or administrator reopens an approved or paid claim.")
        )
        self.status_label.setText(self._status_text(view))
        self.lock_label.setText(self.tr("Locked: {sentence}").format(sentence=lock) if lock else "")
        self.lock_label.setVisible(bool(lock))

    def _status_text(self, view: ClaimView) -> str:
        status = view.status
        head = self.tr("Status: {status}.").format(status=status_text(status))
        if status is ClaimStatus.DRAFT:
            return head + " " + self.tr("Check the lines and receipts, then submit it for approval.")
        if status is ClaimStatus.SUBMITTED:
            who = view.submitted_by or self.tr("someone")
            when = _when(view.submitted_at) if view.submitted_at else ""
            return (
                head
                + " "
                + self.tr(
                    "Submitted by {who} at {when}; waiting for someone else to approve or reject it."
                ).format(who=who, when=when)
            )
        if status is ClaimStatus.REJECTED:
            return (
                head
                + " "
                + self.tr(
                    "Rejected by {who}: {reason} Edit it and submit it again, if it should be paid."
                ).format(
                    who=view.decided_by or self.tr("someone"),
                    reason=(view.rejected_reason or "").rstrip(".") + ".",
                )
            )
        if status is ClaimStatus.APPROVED:
            return (
                head
                + " "
                + self.tr("Waiting to be paid: {amount}.").format(amount=pence_text(view.cost_pence))
            )
        paid_on = day_text(view.paid_on) if view.paid_on else ""
        return head + " " + self.tr("Paid on {day}.").format(day=paid_on)

    # -- editing -----------------------------------------------------------------------------
    @Slot()
    def edit(self) -> None:
        from vcsedesk.services.base import Permission

        view = self.view
        if self.editing or view is None or not may(self.ctx, Permission.EDIT_RECORDS):
            return
        lock = lock_sentence(view)
        if lock is not None:  # Ctrl+E on a locked claim: say why, plainly
            self._refused(UserError(lock))
            return
        form = self.form
        form.show_claim(view)
        self.faces.setCurrentWidget(form)
        self.problem_bar.hide()
        self._show_header()
        form.focus_first()

    def _created(self, claim_id: uuid.UUID) -> None:
        self.faces.setCurrentWidget(self.details_scroll)
        self.open(claim_id)
        self.touched.emit(claim_id)
        self.details_scroll.setFocus(Qt.FocusReason.OtherFocusReason)

    def _saved(self) -> None:
        self.faces.setCurrentWidget(self.details_scroll)
        self._show_header()
        self.reload()
        self.touched.emit(self.claim_id)
        self.edit_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _form_cancelled(self) -> None:
        if self.claim_id is None:
            self.back.emit()
            return
        self.faces.setCurrentWidget(self.details_scroll)
        self._show_header()
        self.edit_button.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def go_back(self) -> None:
        if self.editing:
            self.form.cancel()
            return
        self.back.emit()

    # -- the workflow ------------------------------------------------------------------------
    def _perform(
        self, fn: object, *args: object, label: str, dialog: ReasonDialog | PaidDialog | None = None
    ) -> None:
        view = self.view
        if view is None or self._busy:
            return
        self._busy = True
        self.problem_bar.hide()
        self._show_header()

        def done(_changes: Changes) -> None:
            if dialog is not None:
                dialog.finish()
            self.touched.emit(view.id)

        def refused(exc: UserError) -> None:
            if dialog is not None and dialog.isVisible():
                text = str(exc)
                if isinstance(exc, ValidationError):
                    text = " ".join(exc.problems.values()) or text
                dialog.refuse(text)
                self.refused.emit(text)
            else:
                self._refused(exc)

        def settled() -> None:
            self._busy = False
            self._show_header()

        self.ctx.hub.perform(
            fn,  # type: ignore[arg-type]
            self.ctx.database,
            self.ctx.acting,
            view.id,
            view.version,
            *args,
            on_done=done,
            on_error=refused,
            on_settled=settled,
            label=label,
        )

    @Slot()
    def submit(self) -> None:
        from vcsedesk.services import claims

        self._perform(claims.submit_claim, label=self.tr("Submitting the claim…"))

    @Slot()
    def approve(self) -> None:
        from vcsedesk.services import claims

        self._perform(claims.approve_claim, label=self.tr("Approving the claim…"))

    @Slot()
    def reject(self) -> None:
        from vcsedesk.services import claims
        from vcsedesk.ui.claims.dialogs import ReasonDialog

        view = self.view
        if view is None or self._busy:
            return
        dialog = ReasonDialog(
            self.tr("Reject claim {number}").format(number=view.number),
            self.tr(
                "Why is claim {number} rejected? Whoever made it will see this, and can change it and submit it again."
            ).format(number=view.number),
            self.tr("&Reject the claim"),
            self,
            placeholder=self.tr("for example The bus fare needs a receipt"),
        )
        dialog.answered.connect(
            lambda: self._perform(
                claims.reject_claim, dialog.reason(), label=self.tr("Rejecting the claim…"), dialog=dialog
            )
        )
        self._open_dialog(dialog)

    @Slot()
    def mark_paid(self) -> None:
        from vcsedesk.services import claims
        from vcsedesk.ui.claims.dialogs import PaidDialog

        view = self.view
        if view is None or self._busy:
            return
        dialog = PaidDialog(view.number, view.choice, date.today(), self)

        def answered() -> None:
            paid_on, method, reference = dialog.values()
            self._perform(
                claims.mark_paid,
                paid_on,
                method,
                reference,
                label=self.tr("Recording the payment…"),
                dialog=dialog,
            )

        dialog.answered.connect(answered)
        self._open_dialog(dialog)

    @Slot()
    def reopen(self) -> None:
        from vcsedesk.services import claims
        from vcsedesk.ui.claims.dialogs import ReasonDialog

        view = self.view
        if view is None or self._busy:
            return
        dialog = ReasonDialog(
            self.tr("Reopen claim {number}").format(number=view.number),
            self.tr(
                "Why is claim {number} reopened? It goes back to draft so it can be changed, and must be submitted "
                "and approved again. The reason is kept in the claim's history."
            ).format(number=view.number),
            self.tr("Re&open the claim"),
            self,
            placeholder=self.tr("for example The mileage was entered as 120 instead of 12"),
        )
        dialog.answered.connect(
            lambda: self._perform(
                claims.reopen_claim, dialog.reason(), label=self.tr("Reopening the claim…"), dialog=dialog
            )
        )
        self._open_dialog(dialog)

    def _open_dialog(self, dialog: ReasonDialog | PaidDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None) if self.dialog is dialog else None)
        dialog.open()

    # -- archiving ---------------------------------------------------------------------------
    @Slot()
    def archive(self) -> None:
        from vcsedesk.services import claims

        view = self.view
        if view is None or view.status is not ClaimStatus.DRAFT or self.editing:
            return
        box = archive_question(
            self,
            self.tr("Archive the claim"),
            self.tr("Archive draft claim {number} for {name}?").format(
                number=view.number, name=view.claimant_name
            ),
            self.tr("It leaves the list. Nothing is lost: undo with Ctrl+Z."),
        )

        def archive_it() -> None:
            self.ctx.hub.perform(
                claims.archive_claim,
                self.ctx.database,
                self.ctx.acting,
                view.id,
                view.version,
                on_done=lambda _c: self._archived(view),
                on_error=self._refused,
                label=self.tr("Archiving the claim…"),
            )

        box.accepted.connect(archive_it)
        box.open()

    def _archived(self, view: ClaimView) -> None:
        if self.claim_id == view.id:
            self.claim_id = None
            self.view = None
            self.back.emit()

    # -- receipts ----------------------------------------------------------------------------
    @Slot()
    def add_receipt(self) -> None:
        view = self.view
        if view is None or view.locked:
            return
        chosen, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Attach a receipt"),
            str(documents_folder()),
            self.tr("Receipts (*.pdf *.png *.jpg *.jpeg);;All files (*)"),
        )
        if chosen:
            self.attach_receipt(Path(chosen))

    def attach_receipt(self, path: Path) -> None:
        from vcsedesk.services import attachments

        view = self.view
        if view is None:
            return
        self.ctx.hub.perform(
            attachments.attach_file,
            self.ctx.database,
            self.ctx.acting,
            "claims",
            view.id,
            path,
            on_error=self._refused,
            label=self.tr("Attaching the receipt…"),
        )

    @Slot()
    def view_receipt(self) -> None:
        receipt = self.details.selected_receipt()
        if receipt is None:
            return
        media_type = receipt.media_type
        self.ctx.worker.submit(
            read_receipt,
            self.ctx.database,
            receipt.id,
            on_done=lambda result: self._show_receipt(result[0], media_type, result[1]),
            on_error=self._refused,
            label=self.tr("Reading the receipt…"),
        )

    def _show_receipt(self, name: str, media_type: str, data: bytes) -> None:
        from vcsedesk.ui.claims.dialogs import ReceiptViewer

        self.viewer = ReceiptViewer(name, media_type, data, self)
        self.viewer.open()

    @Slot()
    def save_receipt(self) -> None:
        receipt = self.details.selected_receipt()
        if receipt is None:
            return
        chosen, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Save a copy of the receipt"), str(documents_folder() / receipt.filename)
        )
        if not chosen:
            return
        self.ctx.worker.submit(
            save_receipt_copy,
            self.ctx.database,
            receipt.id,
            Path(chosen),
            on_done=lambda path: self._note(
                self.tr("A copy of the receipt was saved as {path}").format(path=path)
            ),
            on_error=self._refused,
            label=self.tr("Saving a copy of the receipt…"),
        )

    @Slot()
    def remove_receipt(self) -> None:
        from vcsedesk.services import attachments

        receipt = self.details.selected_receipt()
        view = self.view
        if receipt is None or view is None or view.locked:
            return
        self.ctx.hub.perform(
            attachments.remove_attachment,
            self.ctx.database,
            self.ctx.acting,
            receipt.id,
            receipt.version,
            on_error=self._refused,
            label=self.tr("Removing the receipt…"),
        )

    def _note(self, text: str) -> None:
        if self.window_ is not None:
            self.window_.note(text)

    # -- PDFs --------------------------------------------------------------------------------
    def _default_path(self, view: ClaimView, what: str) -> str:
        last = ClaimPage.last_folder
        base = last if last is not None and last.is_dir() else documents_folder()
        return str(base / pdf_file_name(view, what))

    @Slot()
    def export_form(self) -> None:
        self._export(remittance=False)

    @Slot()
    def export_remittance(self) -> None:
        self._export(remittance=True)

    def _export(self, *, remittance: bool) -> None:
        view = self.view
        if view is None or self.editing or self._exporting:
            return
        if remittance and view.status is not ClaimStatus.PAID:
            return
        what = "remittance" if remittance else "claim form"
        chosen, _filter = QFileDialog.getSaveFileName(
            self,
            self.tr("Save the remittance advice as") if remittance else self.tr("Save the claim form as"),
            self._default_path(view, what),
            self.tr("PDF document (*.pdf)"),
        )
        if not chosen:
            return
        path = with_suffix(Path(chosen), ".pdf")
        self._exporting = True
        self._show_header()
        self.ctx.worker.submit(
            export_pdf,
            self.ctx.database,
            self.ctx.acting,
            view.id,
            path,
            remittance,
            on_done=lambda p: self._exported(p, remittance),
            on_error=self._refused,
            on_settled=self._export_settled,
            label=self.tr("Writing the PDF…"),
        )

    def _exported(self, path: Path, remittance: bool) -> None:
        self.exported_path = path
        text = (
            self.tr("Remittance advice saved to {path}")
            if remittance
            else self.tr("Claim form saved to {path}")
        ).format(path=path)
        self.exported_label.setText(text)
        self.exported_bar.show()
        self.open_pdf_button.setFocus(Qt.FocusReason.OtherFocusReason)
        ClaimPage.last_folder = path.parent
        self._note(text)
        self.exported.emit(path)

    def _export_settled(self) -> None:
        self._exporting = False
        self._show_header()

    @Slot()
    def open_exported(self) -> None:
        path = self.exported_path
        if path is None:
            return
        if not self.open_url(QUrl.fromLocalFile(str(path))):
            self._refused(
                UserError(f"No program on this computer opens PDF files. The PDF is saved as {path}.")
            )

    # -- changes -----------------------------------------------------------------------------
    def on_changed(self, changes: Changes) -> None:
        if self.claim_id is not None and changes.tables & PAGE_TABLES:
            self._fetch(self.claim_id)
