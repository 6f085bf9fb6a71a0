"""The claim form: every field of a :class:`~vcsedesk.services.claims.ClaimDraft`.

* Who and when: the claimant (one person, found by typing), the tier (public event: nothing
  paid; one-off involvement: expenses only; ongoing involvement: expenses and an involvement
  payment) and the activity's date — the week a payment belongs to.
* What it was for: the engagements the person took part in and the meetings they attended
  within a month either side of the date, to tick.
* Lines: category, description, and the quantity with its unit (involvement time), the miles
  (mileage) or the cost (expenses); each priced as you type with the policy in force on the
  activity's date (``domain.claims.price_item``), the total beneath.
* The claimant's choice: bank transfer, voucher or cash (as the policy allows), taking less
  than the total, declining, or donating it to a charity — beside the person's running totals
  for the week and month of the activity, a warning when a threshold would be crossed, and the
  policy's pointer to independent welfare-rights advice.  A payment belongs to the week of the
  activity: the form never offers to split one.
* Bank details (for a bank transfer): shown in full only to those who pay claims; others see
  the account masked and may type new details to replace it.
* The budget the claim draws on (those whose period includes the date), with a warning when
  the claim would overspend it; notes.

Keys: Alt+L claimant, Alt+T tier, Alt+D activity date, Alt+A adds a line, Alt+N the choice
(then the arrow keys), Alt+K take less, Alt+Y the charity, Alt+M the account's name, Alt+W the
budget, Alt+O notes, Ctrl+S saves; Tab walks every field in order.

Problems are shown beside their field or line; Save (Ctrl+S) stays off while any remain.  What
only the service can judge comes back as a ValidationError and is shown the same way; a stale
save is refused plainly, keeping what was typed, with Reload.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.claims import (
    Category,
    ItemEntry,
    PaymentChoice,
    PolicyTerms,
    Tier,
    parse_pence,
    pence_text,
    week_of,
)
from vcsedesk.domain.errors import UserError, ValidationError
from vcsedesk.ui.banner import reload_banner, show_refusal
from vcsedesk.ui.claims.fields import ClaimantField, LineRow
from vcsedesk.ui.claims.model import period_text
from vcsedesk.ui.widgets import (
    add_field,
    as_date,
    ask_discard,
    date_edit,
    day_text,
    may,
    problem_label,
    problems_text,
    push_button,
    save_record,
    show_problem,
)

if TYPE_CHECKING:
    from vcsedesk.domain.claims import RunningTotal
    from vcsedesk.services.base import Changes
    from vcsedesk.services.budgets import BudgetView
    from vcsedesk.services.claims import ClaimDraft, ClaimView
    from vcsedesk.services.policy import PolicyVersion
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext

#: How far either side of the activity's date engagements and meetings are offered.
AROUND = timedelta(days=31)
#: Wait this long after the last change before asking the service about thresholds and budgets.
CHECK_DELAY_MS = 250


# -- reading on the worker --------------------------------------------------------------------
@dataclass(frozen=True)
class Occasion:
    """An engagement or meeting a claim may be for."""

    table: str  # "engagements" or "meetings"
    id: uuid.UUID
    on_date: date
    title: str


@dataclass(frozen=True)
class Setting:
    """What the form needs for a claimant and a date: the policy, budgets and occasions."""

    on: date
    claimant_id: uuid.UUID | None
    policy: PolicyVersion | None
    policy_problem: str | None
    budgets: list[BudgetView]
    occasions: list[Occasion]


def read_setting(db: Database, claimant_id: uuid.UUID | None, on: date) -> Setting:
    """The policy in force on ``on``, the budgets running then, and what the person took part
    in around then (on the worker)."""
    from vcsedesk.services import budgets, engagement_log, meetings, policy

    try:
        in_force: PolicyVersion | None = policy.policy_in_force(db, on)
        problem = None
    except UserError as exc:
        in_force, problem = None, str(exc)
    occasions: list[Occasion] = []
    if claimant_id is not None:
        flt = engagement_log.EngagementFilter(start=on - AROUND, end=on + AROUND, participant_id=claimant_id)
        for engagement in engagement_log.page(db, flt, limit=50):
            occasions.append(Occasion("engagements", engagement.id, engagement.on_date, engagement.title))
        for row in meetings.list_meetings(db, start=on - AROUND, end=on + AROUND)[:40]:
            meeting = meetings.get_meeting(db, row.id)
            if any(a.contact_id == claimant_id for a in meeting.attendees):
                occasions.append(Occasion("meetings", row.id, row.on_date, row.title))
    occasions.sort(key=lambda o: (abs((o.on_date - on).days), o.on_date, o.title))
    return Setting(on, claimant_id, in_force, problem, budgets.list_budgets(db, on=on), occasions)


@dataclass(frozen=True)
class Checked:
    """What the service says about a draft: the threshold and budget warnings, and the
    person's running totals for the week and month of the activity."""

    threshold: str | None
    overspend: str | None
    week: RunningTotal | None
    month: RunningTotal | None
    problems: dict[str, str] = field(default_factory=dict)


def check_draft(db: Database, draft: ClaimDraft, claim_id: uuid.UUID | None, spend: int) -> Checked:
    """Ask the services about ``draft`` (on the worker)."""
    from vcsedesk.services import budgets, claims

    try:
        threshold = claims.threshold_warning(db, draft)
    except ValidationError as exc:
        return Checked(None, None, None, None, dict(exc.problems))
    except UserError as exc:
        threshold = str(exc)
    overspend = None
    if draft.budget_id is not None:
        try:
            overspend = budgets.would_overspend(db, draft.budget_id, spend, exclude_claim_id=claim_id)
        except UserError as exc:
            overspend = str(exc)
    week = month = None
    if draft.claimant_id is not None and draft.activity_date is not None:
        weekly, monthly = claims.person_totals(db, draft.claimant_id)
        start = week_of(draft.activity_date)
        week = next((t for t in weekly if t.period_start == start), None)
        month = next((t for t in monthly if t.period_start == draft.activity_date.replace(day=1)), None)
    return Checked(threshold, overspend, week, month)


def _plain(edit: QPlainTextEdit, lines: int) -> None:
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 12)


def _note(name: str) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(name)
    return label


def _warning(name: str) -> QLabel:
    """A warning: words and a sign (never colour alone), hidden until there is one."""
    label = _note(name)
    label.setFrameShape(QFrame.Shape.StyledPanel)
    label.setMargin(6)
    label.setProperty("problem", True)
    label.hide()
    return label


def _show_warning(label: QLabel, text: str | None) -> None:
    if text:
        label.setText("⚠ " + text)
        label.show()
    else:
        label.clear()
        label.hide()


# -- the form ---------------------------------------------------------------------------------
class ClaimForm(QWidget):
    #: A new claim was saved: its id.
    created = Signal(object)
    #: The claim was saved.
    saved = Signal()
    cancelled = Signal()
    dirty_changed = Signal(bool)
    #: The policy, budgets and occasions for the claimant and date have arrived.
    setting_loaded = Signal()
    #: The service's checks of the draft (thresholds, budget) have arrived.
    checked = Signal()
    #: Reload was pressed after a refused save: the page reads the claim again.
    reload_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.claim: ClaimView | None = None
        self.setting: Setting | None = None
        self.problems: dict[str, str] = {}
        self.service_problems: dict[str, str] = {}
        self.lines: list[LineRow] = []
        self._touched: set[str] = set()
        self._dirty = False
        self._filling = False
        self._saving = False
        self._wanted_links: set[uuid.UUID] = set()
        self._wanted_budget: uuid.UUID | None = None
        self._setting_generation = 0
        self._check_generation = 0
        self.setAccessibleName(self.tr("Claim form"))
        self.form_labels: list[QLabel] = []
        self.problem_labels: dict[str, QLabel] = {}

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.banner, self.banner_text, self.reload_button = reload_banner(
            accessible_name=self.tr("Why the claim was not saved"),
            reload_name=self.tr("Reload the claim as saved"),
            on_reload=self.reload,
        )
        outer.addWidget(self.banner)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        content = QVBoxLayout(inner)
        self.scroller.setWidget(inner)
        outer.addWidget(self.scroller, 1)

        # -- who and when ------------------------------------------------------------------
        about = QGroupBox(self.tr("Who and when"))
        form = QFormLayout(about)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.claimant = ClaimantField(ctx)
        self._add(form, "claimant_id", self.tr("C&laimant:"), self.claimant, "", buddy=self.claimant.edit)
        self.tier = QComboBox()
        self.tier.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        for tier in Tier:
            self.tier.addItem(self._tier_text(tier), tier.value)
        self._add(form, "tier", self.tr("&Tier:"), self.tier, self.tr("Tier"))
        when = QWidget()
        when_row = QHBoxLayout(when)
        when_row.setContentsMargins(0, 0, 0, 0)
        self.activity_date = date_edit(self.tr("Activity date"))
        when_row.addWidget(self.activity_date)
        self.week_note = _note(self.tr("The week the payment belongs to"))
        when_row.addWidget(self.week_note, 1)
        self._add(form, "activity_date", self.tr("Activity &date:"), when, "", buddy=self.activity_date)
        self.policy_note = _note(self.tr("The policy the claim is priced by"))
        self._add(form, "policy", self.tr("Policy:"), self.policy_note, "")
        content.addWidget(about)

        # -- what it was for ---------------------------------------------------------------
        occasions = QGroupBox(self.tr("What it was for"))
        occasions_layout = QVBoxLayout(occasions)
        self.occasions_note = _note(self.tr("About the engagements and meetings offered"))
        occasions_layout.addWidget(self.occasions_note)
        self.occasions = QListWidget()
        self.occasions.setAccessibleName(self.tr("Engagements and meetings the claim is for"))
        line = self.occasions.fontMetrics().height() + 6
        self.occasions.setMaximumHeight(line * 5 + 4)
        self.occasions.itemChanged.connect(lambda _item: self._edited("links"))
        occasions_layout.addWidget(self.occasions)
        content.addWidget(occasions)

        # -- lines -------------------------------------------------------------------------
        lines = QGroupBox(self.tr("Lines"))
        lines.setAccessibleName(self.tr("Lines of the claim"))
        lines_layout = QVBoxLayout(lines)
        self.no_lines = QLabel(self.tr("No lines yet. “Add a line” (Alt+A) adds one."))
        lines_layout.addWidget(self.no_lines)
        self.lines_box = QVBoxLayout()
        self.lines_box.setSpacing(4)
        lines_layout.addLayout(self.lines_box)
        self.lines_problem = problem_label(self.tr("Problem with the lines"))
        lines_layout.addWidget(self.lines_problem)
        self.problem_labels["items"] = self.lines_problem
        add_row = QHBoxLayout()
        self.add_line_button = QPushButton(self.tr("&Add a line"))
        self.add_line_button.setAccessibleName(self.tr("Add a line to the claim"))
        add_row.addWidget(self.add_line_button)
        add_row.addStretch(1)
        self.total_label = _note(self.tr("Total of the claim"))
        self.total_label.setWordWrap(False)
        font = self.total_label.font()
        font.setBold(True)
        self.total_label.setFont(font)
        add_row.addWidget(self.total_label)
        lines_layout.addLayout(add_row)
        content.addWidget(lines)

        # -- the choice --------------------------------------------------------------------
        choice = QGroupBox(self.tr("The claimant's choice"))
        choice.setAccessibleName(self.tr("The claimant's choice"))
        choice_layout = QVBoxLayout(choice)
        explain = QLabel(
            self.tr(
                "Everyone may be paid by any way the policy allows, take less than the total, decline, or "
                "have it given to a charity."
            )
        )
        explain.setWordWrap(True)
        choice_layout.addWidget(explain)
        self.choice_group = QButtonGroup(self)
        self.choice_buttons: dict[PaymentChoice, QRadioButton] = {}
        radios = QHBoxLayout()
        for option, text in (
            (PaymentChoice.BANK_TRANSFER, self.tr("Ba&nk transfer")),
            (PaymentChoice.VOUCHER, self.tr("&Voucher")),
            (PaymentChoice.CASH, self.tr("Cash")),
            (PaymentChoice.DECLINE, self.tr("Decline payment")),
            (PaymentChoice.DONATE, self.tr("Donate to a charity")),
        ):
            button = QRadioButton(text)
            button.setAccessibleName(text.replace("&", ""))
            self.choice_group.addButton(button)
            self.choice_buttons[option] = button
            radios.addWidget(button)
        radios.addStretch(1)
        choice_layout.addLayout(radios)
        less = QHBoxLayout()
        self.take_less = QCheckBox(self.tr("Ta&ke less than the total:"))
        self.take_less.setAccessibleName(self.tr("Take less than the total"))
        less.addWidget(self.take_less)
        self.take_amount = QLineEdit()
        self.take_amount.setAccessibleName(self.tr("Amount to take"))
        self.take_amount.setPlaceholderText("£0.00")
        self.take_amount.setMaximumWidth(self.fontMetrics().averageCharWidth() * 14)
        less.addWidget(self.take_amount)
        less.addStretch(1)
        choice_layout.addLayout(less)
        self.take_problem = problem_label(self.tr("Amount to take problem"))
        choice_layout.addWidget(self.take_problem)
        self.problem_labels["take_pence"] = self.take_problem
        charity = QHBoxLayout()
        self.charity_label = QLabel(self.tr("Charit&y:"))
        self.donate_to = QLineEdit()
        self.donate_to.setMaxLength(200)
        self.donate_to.setAccessibleName(self.tr("Charity to donate to"))
        self.donate_to.setPlaceholderText(self.tr("The charity's name"))
        self.charity_label.setBuddy(self.donate_to)
        charity.addWidget(self.charity_label)
        charity.addWidget(self.donate_to, 1)
        choice_layout.addLayout(charity)
        self.donate_problem = problem_label(self.tr("Charity problem"))
        choice_layout.addWidget(self.donate_problem)
        self.problem_labels["donate_to"] = self.donate_problem
        self.choice_problem = problem_label(self.tr("Choice problem"))
        choice_layout.addWidget(self.choice_problem)
        self.problem_labels["choice"] = self.choice_problem

        self.totals_note = _note(self.tr("Running totals for this person"))
        choice_layout.addWidget(self.totals_note)
        self.threshold_warning = _warning(self.tr("Threshold warning"))
        choice_layout.addWidget(self.threshold_warning)
        self.week_rule = _note(self.tr("How payments are counted"))
        self.week_rule.setText(
            self.tr(
                "A payment belongs to the week of the activity and is counted there, whole. If the claimant "
                "receives benefits, an involvement payment may count as earnings; out-of-pocket expenses "
                "repaid do not."
            )
        )
        choice_layout.addWidget(self.week_rule)
        self.advice = _note(self.tr("Independent welfare-rights advice"))
        self.advice.setFrameShape(QFrame.Shape.StyledPanel)
        self.advice.setMargin(6)
        choice_layout.addWidget(self.advice)
        content.addWidget(choice)

        # -- bank details ------------------------------------------------------------------
        self.bank_box = QGroupBox(self.tr("Bank details"))
        bank = QFormLayout(self.bank_box)
        bank.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.bank_note = _note(self.tr("About the bank details"))
        bank.addRow(self.bank_note)
        self.payee_name = QLineEdit()
        self.payee_name.setMaxLength(120)
        self._add(
            bank, "payee_name", self.tr("Account na&me:"), self.payee_name, self.tr("Name on the account")
        )
        self.sort_code = QLineEdit()
        self.sort_code.setPlaceholderText("12-34-56")
        self.sort_code.setMaximumWidth(self.fontMetrics().averageCharWidth() * 14)
        self._add(bank, "sort_code", self.tr("Sort code:"), self.sort_code, self.tr("Sort code"))
        self.account_number = QLineEdit()
        self.account_number.setPlaceholderText("12345678")
        self.account_number.setMaximumWidth(self.fontMetrics().averageCharWidth() * 14)
        self._add(
            bank,
            "account_number",
            self.tr("Account number:"),
            self.account_number,
            self.tr("Account number"),
        )
        content.addWidget(self.bank_box)

        # -- budget and notes --------------------------------------------------------------
        rest = QGroupBox(self.tr("Budget and notes"))
        rest_form = QFormLayout(rest)
        rest_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        budget = QWidget()
        budget_column = QVBoxLayout(budget)
        budget_column.setContentsMargins(0, 0, 0, 0)
        self.budget = QComboBox()
        self.budget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.budget.setAccessibleName(self.tr("Budget"))
        budget_column.addWidget(self.budget)
        self.overspend_warning = _warning(self.tr("Budget warning"))
        budget_column.addWidget(self.overspend_warning)
        self._add(rest_form, "budget_id", self.tr("Budget to dra&w on:"), budget, "", buddy=self.budget)
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText(self.tr("Anything the approver or payer should know (optional)"))
        _plain(self.notes, 3)
        self._add(rest_form, "notes", self.tr("N&otes:"), self.notes, self.tr("Notes"))
        content.addWidget(rest)
        content.addStretch(1)

        # -- buttons -----------------------------------------------------------------------
        bar = QHBoxLayout()
        self.status = QLabel()
        self.status.setAccessibleName(self.tr("Form status"))
        self.status.setWordWrap(True)
        bar.addWidget(self.status, 1)
        self.save_button = push_button(
            self.tr("&Save"), self.tr("Save the claim"), self.save, tip=self.tr("Save (Ctrl+S)"), row=bar
        )
        self.cancel_button = push_button(
            self.tr("Cancel"), self.tr("Leave without saving"), self.cancel, row=bar
        )
        outer.addLayout(bar)
        save = QAction(self.tr("Save the claim"), self)
        save.setShortcut(QKeySequence.StandardKey.Save)
        save.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        save.triggered.connect(self.save)
        self.addAction(save)
        widest = max(label.sizeHint().width() for label in self.form_labels)
        for label in self.form_labels:
            label.setMinimumWidth(widest)

        # -- reacting ----------------------------------------------------------------------
        self.setting_timer = QTimer(self)
        self.setting_timer.setSingleShot(True)
        self.setting_timer.setInterval(CHECK_DELAY_MS)
        self.setting_timer.timeout.connect(self.load_setting)
        self.check_timer = QTimer(self)
        self.check_timer.setSingleShot(True)
        self.check_timer.setInterval(CHECK_DELAY_MS)
        self.check_timer.timeout.connect(self.ask_service)
        self.claimant.changed.connect(self._claimant_changed)
        self.tier.currentIndexChanged.connect(lambda _i: self._edited("tier"))
        self.activity_date.dateChanged.connect(self._date_changed)
        self.choice_group.buttonToggled.connect(lambda _b, on: self._edited("choice") if on else None)
        self.take_less.toggled.connect(lambda _c: self._edited("take_pence"))
        self.take_amount.textEdited.connect(lambda _t: self._edited("take_pence"))
        self.donate_to.textEdited.connect(lambda _t: self._edited("donate_to"))
        self.payee_name.textEdited.connect(lambda _t: self._edited("payee_name"))
        self.sort_code.textEdited.connect(lambda _t: self._edited("sort_code"))
        self.account_number.textEdited.connect(lambda _t: self._edited("account_number"))
        self.budget.currentIndexChanged.connect(lambda _i: self._edited("budget_id"))
        self.notes.textChanged.connect(lambda: self._edited("notes"))
        self.add_line_button.clicked.connect(self.add_line)
        ctx.hub.changed.connect(self._data_changed)
        self.start_new()

    def _add(
        self,
        form: QFormLayout,
        key: str,
        text: str,
        widget: QWidget,
        accessible: str,
        *,
        buddy: QWidget | None = None,
    ) -> None:
        label, self.problem_labels[key] = add_field(form, text, widget, accessible, buddy=buddy)
        self.form_labels.append(label)

    def _tier_text(self, tier: Tier) -> str:
        return {
            Tier.PUBLIC_EVENT: self.tr("Public event (nothing paid)"),
            Tier.ONE_OFF: self.tr("One-off involvement (expenses only)"),
            Tier.ONGOING: self.tr("Ongoing involvement (expenses and an involvement payment)"),
        }[tier]

    # -- filling -----------------------------------------------------------------------------
    @property
    def is_new(self) -> bool:
        return self.claim is None

    @property
    def pays_claims(self) -> bool:
        from vcsedesk.services.base import Permission

        return may(self.ctx, Permission.PAY_CLAIMS)

    def start_new(self, claimant: tuple[uuid.UUID, str] | None = None) -> None:
        """An empty form for a new claim for an activity today (for ``claimant`` if given)."""
        self.claim = None
        self._fill(
            claimant=claimant,
            tier=Tier.ONGOING,
            on=date.today(),
            items=(),
            links=set(),
            budget_id=None,
            choice=PaymentChoice.BANK_TRANSFER,
            take_pence=None,
            donate_to=None,
            notes="",
            bank=(None, None, None),
        )

    def show_claim(self, view: ClaimView) -> None:
        """Fill the form from a saved claim."""
        self.claim = view
        draft = view.as_draft()
        self._fill(
            claimant=(view.claimant_id, view.claimant_name),
            tier=Tier(draft.tier),
            on=draft.activity_date or view.activity_date,
            items=draft.items,
            links={*draft.engagement_ids, *draft.meeting_ids},
            budget_id=draft.budget_id,
            choice=PaymentChoice(draft.choice),
            take_pence=draft.take_pence,
            donate_to=draft.donate_to,
            notes=draft.notes or "",
            bank=(view.payee_name, view.sort_code, view.account_number),
        )

    def _fill(
        self,
        *,
        claimant: tuple[uuid.UUID, str] | None,
        tier: Tier,
        on: date,
        items: tuple[ItemEntry, ...],
        links: set[uuid.UUID],
        budget_id: uuid.UUID | None,
        choice: PaymentChoice,
        take_pence: int | None,
        donate_to: str | None,
        notes: str,
        bank: tuple[str | None, str | None, str | None],
    ) -> None:
        self._filling = True
        try:
            self.claimant.set_value(*(claimant or (None, None)))
            self.tier.setCurrentIndex(max(0, self.tier.findData(tier.value)))
            self.activity_date.setDate(QDate(on.year, on.month, on.day))
            for row in list(self.lines):
                self._drop_line(row)
            for entry in items:
                self._new_line(entry)
            self._wanted_links = set(links)
            self._wanted_budget = budget_id
            self.occasions.clear()
            self.budget.clear()
            self.budget.addItem(self.tr("No budget"), "")
            self.choice_buttons[choice].setChecked(True)
            self.take_less.setChecked(take_pence is not None)
            self.take_amount.setText(f"{take_pence / 100:.2f}" if take_pence is not None else "")
            self.donate_to.setText(donate_to or "")
            self.notes.setPlainText(notes)
            payee, sort_code, account = bank
            self.payee_name.setText(payee or "")
            self.sort_code.setText(sort_code or "")
            self.account_number.setText(account or "")
            self._renumber()
        finally:
            self._filling = False
        self._touched.clear()
        self.service_problems.clear()
        self._set_dirty(False)
        self.banner.hide()
        self.setting = None
        self.scroller.verticalScrollBar().setValue(0)
        self._show_bank_note()
        self._show_week()
        self._show_choice_fields()
        self.load_setting()
        self.validate()
        self._update_buttons()

    def focus_first(self) -> None:
        target = self.claimant.edit if self.claimant.value() is None else self.tier
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def reload(self) -> None:
        """Back to the claim as saved (the page reads it again and fills the form)."""
        self.banner.hide()
        self._set_dirty(False)
        self.reload_requested.emit()

    # -- the setting: policy, budgets, occasions ----------------------------------------------
    def activity_day(self) -> date:
        return as_date(self.activity_date.date())

    @Slot()
    def load_setting(self) -> None:
        if self.ctx.db is None:
            return
        self.setting_timer.stop()
        self._setting_generation += 1
        generation = self._setting_generation
        self.ctx.worker.submit(
            read_setting,
            self.ctx.database,
            self.claimant.value(),
            self.activity_day(),
            on_done=lambda setting: self._setting_arrived(generation, setting),
            label=self.tr("Reading the policy and budgets…"),
        )

    def _setting_arrived(self, generation: int, setting: Setting) -> None:
        if generation != self._setting_generation:
            return
        self.setting = setting
        self._filling = True
        try:
            self._offer_occasions(setting)
            self._offer_budgets(setting)
            self._offer_methods(setting)
        finally:
            self._filling = False
        self._show_policy(setting)
        self._reprice()
        self.validate()
        self._update_buttons()
        self.check_timer.start()
        self.setting_loaded.emit()

    def _offer_occasions(self, setting: Setting) -> None:
        wanted = self._wanted_links | self.linked()
        self.occasions.clear()
        shown: set[uuid.UUID] = set()
        saved: list[Occasion] = []
        if self.claim is not None:
            saved = [Occasion("engagements", i, d, t) for i, d, t in self.claim.engagements]
            saved += [Occasion("meetings", i, d, t) for i, d, t in self.claim.meetings]
        for occasion in [
            *setting.occasions,
            *(o for o in saved if o.id not in {s.id for s in setting.occasions}),
        ]:
            if occasion.id in shown:
                continue
            shown.add(occasion.id)
            kind = self.tr("Engagement") if occasion.table == "engagements" else self.tr("Meeting")
            item = QListWidgetItem(f"{day_text(occasion.on_date)} — {occasion.title} ({kind})")
            item.setData(Qt.ItemDataRole.UserRole, (occasion.table, occasion.id))
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable
            )
            item.setCheckState(Qt.CheckState.Checked if occasion.id in wanted else Qt.CheckState.Unchecked)
            self.occasions.addItem(item)
        self._wanted_links = set()
        self.occasions.setVisible(self.occasions.count() > 0)
        if setting.claimant_id is None:
            self.occasions_note.setText(
                self.tr(
                    "Choose the claimant: the engagements and meetings they took part in around the date are offered here."
                )
            )
        elif not self.occasions.count():
            self.occasions_note.setText(
                self.tr(
                    "{name} is not recorded at any engagement or meeting between {start} and {end}. The claim "
                    "can still be made; say what it was for in the notes."
                ).format(
                    name=self.claimant.name(),
                    start=day_text(setting.on - AROUND),
                    end=day_text(setting.on + AROUND),
                )
            )
        else:
            self.occasions_note.setText(
                self.tr(
                    "Tick what the claim is for (Space ticks): {name}'s engagements and meetings within a month of the date."
                ).format(name=self.claimant.name())
            )

    def linked(self) -> set[uuid.UUID]:
        out = set()
        for i in range(self.occasions.count()):
            item = self.occasions.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.add(item.data(Qt.ItemDataRole.UserRole)[1])
        return out

    def _links(self, table: str) -> tuple[uuid.UUID, ...]:
        out = []
        for i in range(self.occasions.count()):
            item = self.occasions.item(i)
            kind, record_id = item.data(Qt.ItemDataRole.UserRole)
            if kind == table and item.checkState() == Qt.CheckState.Checked:
                out.append(record_id)
        return tuple(out)

    def _offer_budgets(self, setting: Setting) -> None:
        """The budgets running on the date (and the one chosen, if its period has moved)."""
        wanted = self._wanted_budget if self._wanted_budget is not None else self.budget_value()
        self._wanted_budget = None
        self.budget.clear()
        self.budget.addItem(self.tr("No budget"), "")
        offered = {b.id for b in setting.budgets}
        for budget in setting.budgets:
            text = self.tr("{name} — {remaining} left of {amount}").format(
                name=budget.name if not budget.funder else f"{budget.name} ({budget.funder})",
                remaining=pence_text(budget.remaining),
                amount=pence_text(budget.amount),
            )
            self.budget.addItem(text, str(budget.id))
        if wanted is not None and wanted not in offered:
            name = (
                self.claim.budget_name if self.claim is not None and self.claim.budget_id == wanted else None
            )
            self.budget.addItem(
                self.tr("{name} (its period does not include the date)").format(
                    name=name or self.tr("Budget")
                ),
                str(wanted),
            )
        self.budget.setCurrentIndex(max(0, self.budget.findData(str(wanted) if wanted is not None else "")))

    def budget_value(self) -> uuid.UUID | None:
        data = self.budget.currentData()
        return uuid.UUID(data) if data else None

    def _offer_methods(self, setting: Setting) -> None:
        allowed = (
            set(setting.policy.terms.payment_methods) if setting.policy is not None else set(PaymentChoice)
        )
        for option, button in self.choice_buttons.items():
            if option.pays_claimant:
                button.setEnabled(option in allowed)
                button.setToolTip(
                    ""
                    if option in allowed
                    else self.tr("The policy in force on the date does not pay this way.")
                )

    def _show_policy(self, setting: Setting) -> None:
        if setting.policy is None:
            self.policy_note.setText(
                "⚠ " + (setting.policy_problem or self.tr("No policy is in force on the date."))
            )
            self.advice.setText(self.tr("See the Policy tab for independent welfare-rights advice."))
            return
        version = setting.policy
        text = self.tr("Priced by the policy in force from {day}.").format(
            day=day_text(version.effective_from)
        )
        if version.is_default:
            text += " " + self.tr("These are the shipped default figures: change them under the Policy tab.")
        self.policy_note.setText(text)
        advice = version.terms.advice.strip() or self.tr(
            "Independent welfare-rights advice: Citizens Advice or your local welfare-rights service."
        )
        self.advice.setText("ℹ " + advice)

    # -- lines -------------------------------------------------------------------------------
    @Slot()
    def add_line(self) -> None:
        category = (
            Category.INVOLVEMENT if self.tier_value() is Tier.ONGOING and not self.lines else Category.FARES
        )
        row = self._new_line(
            ItemEntry(category.value, unit="hour" if category is Category.INVOLVEMENT else None)
        )
        row.quantity.clear()  # typed, not assumed
        row.touched = False
        self._renumber()
        self._edited("items")
        row.category.setFocus(Qt.FocusReason.OtherFocusReason)
        self.scroller.ensureWidgetVisible(row)

    def _new_line(self, entry: ItemEntry) -> LineRow:
        row = LineRow()
        row.set_entry(entry)
        row.touched = self.claim is not None
        row.edited.connect(self._line_edited)
        row.remove_requested.connect(self._remove_line)
        self.lines.append(row)
        self.lines_box.addWidget(row)
        row.setVisible(True)
        return row

    def _drop_line(self, row: LineRow) -> None:
        self.lines.remove(row)
        self.lines_box.removeWidget(row)
        row.hide()
        row.setParent(None)
        row.deleteLater()

    @Slot(object)
    def _line_edited(self, row: LineRow) -> None:
        if self._filling:
            return
        self._edited("items")

    @Slot(object)
    def _remove_line(self, row: LineRow) -> None:
        index = self.lines.index(row)
        self._drop_line(row)
        self._renumber()
        self._edited("items")
        if self.lines:
            self.lines[min(index, len(self.lines) - 1)].category.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.add_line_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _renumber(self) -> None:
        for n, row in enumerate(self.lines, start=1):
            row.number(n)
        self.no_lines.setVisible(not self.lines)
        previous: QWidget = self.tier
        previous = self.activity_date
        for row in self.lines:
            for widget in (
                row.category,
                row.description,
                row.quantity,
                row.unit,
                row.cost,
                row.receipt,
                row.remove,
            ):
                QWidget.setTabOrder(previous, widget)
                previous = widget
        QWidget.setTabOrder(previous, self.add_line_button)

    def policy_terms(self) -> PolicyTerms | None:
        setting = self.setting
        return setting.policy.terms if setting is not None and setting.policy is not None else None

    def tier_value(self) -> Tier:
        return Tier(str(self.tier.currentData()))

    def _reprice(self) -> None:
        policy = self.policy_terms()
        for row in self.lines:
            row.reprice(policy, self.tier_value())
        self._show_total()

    def total_pence(self) -> int:
        return sum(row.priced.amount_pence for row in self.lines if row.priced is not None)

    def earnings_pence(self) -> int:
        return sum(
            row.priced.amount_pence
            for row in self.lines
            if row.priced is not None and row.priced.category is Category.INVOLVEMENT
        )

    def _show_total(self) -> None:
        if self.setting is None:
            self.total_label.setText(self.tr("Total: working it out…"))
            return
        total = self.total_pence()
        earnings = self.earnings_pence()
        text = self.tr("Total {total}").format(total=pence_text(total))
        if earnings and earnings != total:
            text += " " + self.tr("(involvement {earnings}, expenses {expenses})").format(
                earnings=pence_text(earnings), expenses=pence_text(total - earnings)
            )
        if any(row.priced is None for row in self.lines):
            text += " " + self.tr("— lines with a problem are not counted")
        self.total_label.setText(text)

    # -- the choice --------------------------------------------------------------------------
    def choice_value(self) -> PaymentChoice:
        for option, button in self.choice_buttons.items():
            if button.isChecked():
                return option
        return PaymentChoice.BANK_TRANSFER

    def _show_choice_fields(self) -> None:
        choice = self.choice_value()
        pays = choice.pays_claimant
        self.take_less.setEnabled(pays)
        self.take_amount.setEnabled(pays and self.take_less.isChecked())
        donate = choice is PaymentChoice.DONATE
        self.charity_label.setVisible(donate)
        self.donate_to.setVisible(donate)
        self.bank_box.setVisible(choice is PaymentChoice.BANK_TRANSFER)

    def take_pence(self) -> int | None:
        """What the claimant chose to take (ValueError if it is not an amount)."""
        if not (self.choice_value().pays_claimant and self.take_less.isChecked()):
            return None
        return parse_pence(self.take_amount.text())

    def spend_pence(self) -> int:
        """What the claim would take out of its budget, as the budgets count it."""
        if self.choice_value() is PaymentChoice.DECLINE:
            return 0
        try:
            take = self.take_pence()
        except ValueError:
            take = None
        return take if take is not None else self.total_pence()

    def _show_bank_note(self) -> None:
        masked = self.claim.masked_account if self.claim is not None else None
        if self.pays_claims:
            self.bank_note.setText(
                self.tr("Only those who pay claims see these in full; elsewhere the account is masked.")
            )
        elif masked:
            self.bank_note.setText(
                self.tr(
                    "Saved account: {account}. Bank details are shown in full only to those who pay claims; "
                    "leave these empty to keep them, or type new ones to replace them."
                ).format(account=masked)
            )
        else:
            self.bank_note.setText(
                self.tr(
                    "Type the claimant's bank details. Once saved they are shown only masked, except to those who pay claims."
                )
            )

    def _show_week(self) -> None:
        day = self.activity_day()
        self.week_note.setText(
            self.tr("The payment belongs to the week of {monday}.").format(
                monday=day_text(week_of(day), weekday=True)
            )
        )

    # -- the draft ---------------------------------------------------------------------------
    def draft(self) -> ClaimDraft:
        """What the form says, as the service takes it (call once validate() finds nothing)."""
        from vcsedesk.services.claims import ClaimDraft

        claimant = self.claimant.value()
        assert claimant is not None
        choice = self.choice_value()
        bank = choice is PaymentChoice.BANK_TRANSFER
        return ClaimDraft(
            claimant_id=claimant,
            tier=self.tier_value().value,
            activity_date=self.activity_day(),
            items=tuple(row.entry() for row in self.lines),
            engagement_ids=self._links("engagements"),
            meeting_ids=self._links("meetings"),
            budget_id=self.budget_value(),
            choice=choice.value,
            take_pence=self.take_pence(),
            donate_to=self.donate_to.text().strip() or None if choice is PaymentChoice.DONATE else None,
            notes=self.notes.toPlainText().strip(),
            payee_name=(self.payee_name.text().strip() or None) if bank else None,
            sort_code=(self.sort_code.text().strip() or None) if bank else None,
            account_number=(self.account_number.text().strip() or None) if bank else None,
        )

    # -- checking ----------------------------------------------------------------------------
    @Slot()
    def _claimant_changed(self) -> None:
        if self._filling:
            return
        self._edited("claimant_id")
        self.setting_timer.start()

    @Slot()
    def _date_changed(self) -> None:
        self._show_week()
        if self._filling:
            return
        self._edited("activity_date")
        self.setting_timer.start()

    def _edited(self, key: str) -> None:
        if self._filling:
            return
        self._touched.add(key)
        self.service_problems.pop(key, None)
        if key == "items":
            for k in [k for k in self.service_problems if k.startswith("items")]:
                self.service_problems.pop(k)
        self._show_choice_fields()
        self._reprice()
        self._set_dirty(True)
        self.validate()
        self._update_buttons()
        self.check_timer.start()

    def validate(self) -> dict[str, str]:
        """Check every field as the form can; show each problem beside its field."""
        problems: dict[str, str] = {}
        claimant = self.claimant.problem()
        if claimant:
            problems["claimant_id"] = claimant
        for n, row in enumerate(self.lines):
            if row.blocking() and self.setting is not None:
                problems[f"items[{n}]"] = row.problem_text or self.tr("This line cannot be priced.")
        if self.choice_value().pays_claimant and self.take_less.isChecked():
            try:
                take = self.take_pence()
            except ValueError as exc:
                problems["take_pence"] = str(exc)
            else:
                if take is not None and take <= 0:
                    problems["take_pence"] = self.tr("To take nothing, choose “Decline payment” instead.")
                elif take is not None and take >= self.total_pence() and self.total_pence() > 0:
                    problems["take_pence"] = self.tr(
                        "Taking less means less than the total ({total}); untick it to take it all."
                    ).format(total=pence_text(self.total_pence()))
        if self.choice_value() is PaymentChoice.DONATE and not self.donate_to.text().strip():
            problems["donate_to"] = self.tr("Name the charity the claimant wants it given to.")
        if self.setting is not None and self.setting.policy is None:
            problems["policy"] = self.setting.policy_problem or self.tr("No policy is in force on the date.")
        for key, text in self.service_problems.items():
            problems.setdefault(key, text)
        self.problems = problems
        self._show_problems()
        return problems

    def _show_problems(self) -> None:
        everything = not self.is_new or "save" in self._touched
        for key, label in self.problem_labels.items():
            shown = everything or key in self._touched or key in self.service_problems
            show_problem(label, self.problems.get(key) if shown else None)
        # Lines show their own problems; the service's for a line go beside it too.
        for n, row in enumerate(self.lines):
            mine = {
                k: v
                for k, v in self.service_problems.items()
                if k == f"items[{n}]" or k.startswith(f"items[{n}].")
            }
            if mine:
                show_problem(row.problem, " ".join(mine.values()))
        others = [
            v
            for k, v in self.service_problems.items()
            if k not in self.problem_labels and not k.startswith("items[")
        ]
        if others:
            show_problem(self.lines_problem, " ".join(others))

    @Slot()
    def ask_service(self) -> None:
        """Ask about thresholds and the budget for what the form says now (on the worker)."""
        if self.ctx.db is None or self.setting is None or self.claimant.value() is None:
            self._show_checked(None)
            return
        try:
            draft = self.draft()
        except (ValueError, AssertionError):
            return
        self._check_generation += 1
        generation = self._check_generation
        self.ctx.worker.submit(
            check_draft,
            self.ctx.database,
            draft,
            self.claim.id if self.claim is not None else None,
            self.spend_pence(),
            on_done=lambda checked: self._checked(generation, checked),
            label=self.tr("Checking the running totals…"),
        )

    def _checked(self, generation: int, checked: Checked) -> None:
        if generation != self._check_generation:
            return
        self._show_checked(checked)
        self.checked.emit()

    def _show_checked(self, checked: Checked | None) -> None:
        if checked is None:
            self.totals_note.setText(
                self.tr(
                    "Choose the claimant to see what they have been paid in the week and month of the activity."
                )
            )
            _show_warning(self.threshold_warning, None)
            _show_warning(self.overspend_warning, None)
            return
        day = self.activity_day()
        lines = [
            self.tr("Running totals for {name} (claims submitted, approved or paid):").format(
                name=self.claimant.name()
            )
        ]
        for total, monthly, start in (
            (checked.week, False, week_of(day)),
            (checked.month, True, day.replace(day=1)),
        ):
            earnings = total.earnings_pence if total is not None else 0
            expenses = total.expenses_pence if total is not None else 0
            line = self.tr("{period}: {earnings} involvement payments, {expenses} expenses").format(
                period=period_text(start, monthly),
                earnings=pence_text(earnings),
                expenses=pence_text(expenses),
            )
            threshold = total.threshold_pence if total is not None else self._threshold(monthly)
            if threshold:
                line += " " + self.tr("(threshold {threshold})").format(threshold=pence_text(threshold))
            lines.append("• " + line)
        earnings = self.earnings_pence()
        if earnings:
            lines.append(
                self.tr("This claim's involvement payment: {amount}.").format(amount=pence_text(earnings))
            )
        self.totals_note.setText("\n".join(lines))
        _show_warning(self.threshold_warning, checked.threshold)
        _show_warning(self.overspend_warning, checked.overspend)

    def _threshold(self, monthly: bool) -> int:
        terms = self.policy_terms()
        if terms is None:
            return 0
        return terms.monthly_threshold if monthly else terms.weekly_threshold

    # -- state -------------------------------------------------------------------------------
    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)

    @property
    def dirty(self) -> bool:
        return self._dirty

    def _update_buttons(self) -> None:
        from vcsedesk.services.base import Permission

        blocking = self.problems
        ok = (
            not blocking
            and self._dirty
            and not self._saving
            and self.setting is not None
            and may(self.ctx, Permission.EDIT_RECORDS)
        )
        self.save_button.setEnabled(ok)
        if self._saving:
            self.status.setText(self.tr("Saving…"))
        elif blocking and (self._dirty or not self.is_new):
            self.status.setText(problems_text(len(blocking)))
        elif self.service_problems:
            self.status.setText(self.tr("The claim was not saved: see the messages beside the fields."))
        elif self._dirty:
            self.status.setText(self.tr("Unsaved changes."))
        else:
            self.status.setText("")

    @Slot(object)
    def _data_changed(self, changes: Changes) -> None:
        if changes.tables & {"budgets", "reimbursement_policies", "claims"} and self.isVisible():
            self.setting_timer.start()

    # -- saving ------------------------------------------------------------------------------
    @Slot()
    def save(self) -> None:
        from vcsedesk.services import claims

        if not self.isVisible():
            return
        self._touched.add("save")
        problems = self.validate()
        if problems or self._saving or not self._dirty or not self.save_button.isEnabled():
            self._update_buttons()
            if problems:
                self._focus_problem(problems)
            return
        self._saving = True
        self._update_buttons()
        saved = self.claim
        save_record(
            self.ctx,
            claims.new_claim,
            claims.update_claim,
            saved.id if saved is not None else None,
            saved.version if saved is not None else None,
            self.draft(),
            on_created=self._created,
            on_updated=self._updated,
            on_refused=self._refused,
            on_settled=self._settled,
            label=self.tr("Saving the claim…"),
        )

    def _focus_problem(self, problems: dict[str, str]) -> None:
        order: list[tuple[str, QWidget]] = [
            ("claimant_id", self.claimant.edit),
            ("tier", self.tier),
            ("activity_date", self.activity_date),
            ("items", self.add_line_button),
        ]
        order += [(f"items[{i}]", row.category) for i, row in enumerate(self.lines)]
        order += [
            ("take_pence", self.take_amount),
            ("donate_to", self.donate_to),
            ("payee_name", self.payee_name),
            ("sort_code", self.sort_code),
            ("account_number", self.account_number),
            ("budget_id", self.budget),
            ("notes", self.notes),
        ]
        for key, widget in order:
            if any(k == key or k.startswith(key + ".") or k.startswith(key + "[") for k in problems):
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
                self.scroller.ensureWidgetVisible(widget)
                return

    def _created(self, changes: Changes) -> None:
        new_id = next(iter(changes.created.get("claims", set())), None)
        self._set_dirty(False)
        self.banner.hide()
        if new_id is not None:
            self.created.emit(new_id)

    def _updated(self, _changes: Changes) -> None:
        self._set_dirty(False)
        self.banner.hide()
        self.saved.emit()

    def _refused(self, exc: UserError) -> None:
        if isinstance(exc, ValidationError):
            self.service_problems = dict(exc.problems)
            self.validate()
            self._focus_problem(exc.problems)
        show_refusal(
            self.banner,
            self.banner_text,
            self.reload_button,
            exc,
            not_saved=self.tr("The claim was not saved. Put right what is shown beside the fields."),
            conflict_advice=self.tr(
                "What you typed is still here: Reload shows the claim as saved now (your changes are lost), "
                "or copy what you need first."
            ),
        )
        self._update_buttons()

    def _settled(self) -> None:
        self._saving = False
        self._update_buttons()

    # -- leaving -----------------------------------------------------------------------------
    @Slot()
    def cancel(self) -> None:
        """Leave the form; if something typed would be lost, ask first."""
        if not self._dirty:
            self.cancelled.emit()
            return

        def discard() -> None:
            self._set_dirty(False)
            self.cancelled.emit()

        ask_discard(
            self, self.tr("Leave without saving? What you typed in this claim will be lost."), discard
        )
