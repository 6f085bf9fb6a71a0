"""Claims ▸ Policy: the reimbursement policy's versions, and a new version from a date.

:class:`PolicyPanel` lists every version of the policy, the newest effective date first, and
marks the one in force today ("In force") and the shipped default ("Shipped default — edit to
your policy").  The selected version's figures are shown in full beneath the list.

"New version from…" (Insert or Ctrl+N) opens :class:`PolicyDialog` pre-filled with the figures
of the selected version (the one in force, at first), in pounds: a new version applies to
claims for activities on or after its date.  "Edit…" (F2) corrects a version, allowed only
where the service allows it: a version that priced a claim past draft is never edited, and the
reason is shown instead.  Only administrators and coordinators (``Permission.MANAGE_POLICY``)
may change the policy; everyone else sees it read-only.

The dialog checks every figure as it is typed (amounts with ``domain.claims.parse_pence``, then
the service's own :func:`~vcsedesk.services.policy.validate_terms`) and says what is wrong
beside the field.  Reads run on the worker, changes through the hub.
"""

from __future__ import annotations

import functools
import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QDate, QObject, Qt, Signal, Slot
from PySide6.QtGui import QFont, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.claims import PaymentChoice, PolicyTerms, parse_pence, pence_text
from vcsedesk.domain.errors import ConflictError, UserError, ValidationError
from vcsedesk.ui.lists_page import fit_height
from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.table_model import ItemsTableModel
from vcsedesk.ui.widgets import (
    add_field,
    add_shortcut,
    as_date,
    count_text,
    date_edit,
    day_text,
    empty_label,
    fit_rows,
    make_table,
    may,
    note_strip,
    problem_label,
    problems_text,
    push_button,
    select_row,
    show_problem,
    size_columns,
    status_label,
    value_label,
)

if TYPE_CHECKING:
    from vcsedesk.services.base import Changes
    from vcsedesk.services.policy import PolicyVersion
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext

#: The tables a change must touch for the panel to read the policy again (a claim submitted
#: fixes the version it was priced by, which may then no longer be edited).
POLICY_TABLES = ("reimbursement_policies", "claims")

#: The ways of paying a claimant a policy may allow, in the order they are offered.
METHODS = (PaymentChoice.BANK_TRANSFER, PaymentChoice.VOUCHER, PaymentChoice.CASH)

#: The fields typed in pounds, in the order of the form.
MONEY_FIELDS = (
    "hourly_rate",
    "half_day_rate",
    "full_day_rate",
    "subsistence_cap",
    "receipt_threshold",
    "weekly_threshold",
    "monthly_threshold",
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("PolicyPanel", text)


# -- money as typed --------------------------------------------------------------------------
def money_text(pence: int) -> str:
    """An amount as it is pre-filled in a field: "£25.00"."""
    return pence_text(pence)


def read_money(text: str, what: str) -> int:
    """Pence from what was typed in pounds ("25", "£25.00", "1,250.5"); ValueError with a
    sentence if it is blank or not money."""
    if not text.strip():
        raise ValueError(_tr("Type {what} in pounds (0 if none).").format(what=what))
    return parse_pence(text)


_PENCE = re.compile(r"^\s*(\d{1,9})\s*p?\s*$", re.IGNORECASE)


def read_pence_a_mile(text: str) -> int:
    """Pence a mile as typed: "45" or "45p" (or "£0.45")."""
    if not text.strip():
        raise ValueError(_tr("Type the pence paid a mile (for example 45)."))
    match = _PENCE.match(text)
    if match is not None:
        return int(match.group(1))
    if "£" in text:
        return parse_pence(text)
    raise ValueError(
        _tr("“{text}” is not a number of pence a mile (for example 45).").format(text=text.strip())
    )


def mileage_text(pence: int) -> str:
    return _tr("{pence}p a mile").format(pence=pence)


def methods_text(methods: tuple[PaymentChoice, ...]) -> str:
    """ "Bank transfer, voucher, cash"."""
    words = [m.label.lower() for m in methods]
    text = ", ".join(words)
    return text[:1].upper() + text[1:]


def threshold_text(pence: int) -> str:
    return pence_text(pence) if pence else _tr("None set")


# -- reading (on the worker) -----------------------------------------------------------------
@dataclass(frozen=True)
class PolicyData:
    versions: list[PolicyVersion]
    #: Versions that may not be edited, each with the service's reason.
    refusals: dict[uuid.UUID, str]
    today: date


def read_policies(db: Database) -> PolicyData:
    from vcsedesk.services import policy

    return PolicyData(policy.list_policies(db), policy.edit_refusals(db), date.today())


def in_force_id(versions: list[PolicyVersion], today: date) -> uuid.UUID | None:
    """The version in force on ``today`` (versions are newest first)."""
    return next((v.id for v in versions if v.effective_from <= today), None)


# -- the list --------------------------------------------------------------------------------
class PolicyModel(ItemsTableModel):
    """The versions, newest first: From, Hourly, Half day, Full day, Mileage, Status (the rest
    of each version's figures are shown beneath the list)."""

    FROM, HOURLY, HALF_DAY, FULL_DAY, MILEAGE, STATUS = range(6)
    ROLES = (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.UserRole,
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [
            self.tr("From"),
            self.tr("Hourly"),
            self.tr("Half day"),
            self.tr("Full day"),
            self.tr("Mileage"),
            self.tr("Status"),
        ]
        self.current: uuid.UUID | None = None
        self.today = date.today()
        self.has_loaded = False

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.TextAlignmentRole
            and orientation == Qt.Orientation.Horizontal
            and section in (self.HOURLY, self.HALF_DAY, self.FULL_DAY, self.MILEAGE)
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return super().headerData(section, orientation, role)

    def set_versions(self, versions: list[PolicyVersion], today: date) -> None:
        self.today = today
        self.current = in_force_id(versions, today)
        self.has_loaded = True
        self.set_items(versions)

    def version_at(self, row: int) -> PolicyVersion | None:
        return self.items[row] if 0 <= row < len(self.items) else None

    def row_of(self, version_id: uuid.UUID) -> int:
        return next((row for row, v in enumerate(self.items) if v.id == version_id), -1)

    def status_text(self, row: int) -> str:
        version: PolicyVersion = self.items[row]
        parts = []
        if version.id == self.current:
            parts.append(self.tr("In force"))
        elif version.effective_from > self.today:
            parts.append(self.tr("Not yet in force"))
        elif row > 0:
            replaced = self.items[row - 1].effective_from
            parts.append(self.tr("Replaced from {date}").format(date=day_text(replaced)))
        if version.is_default:
            parts.append(self.tr("Shipped default — edit to your policy"))
        return " · ".join(parts)

    def cell(self, item: Any, column: int, role: int) -> Any:
        version: PolicyVersion = item
        terms = version.terms
        money = column in (self.HOURLY, self.HALF_DAY, self.FULL_DAY, self.MILEAGE)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.FROM:
                return day_text(version.effective_from)
            if column == self.STATUS:
                return self.status_text(self.items.index(version))
            if column == self.HOURLY:
                return pence_text(terms.hourly_rate)
            if column == self.HALF_DAY:
                return pence_text(terms.half_day_rate)
            if column == self.FULL_DAY:
                return pence_text(terms.full_day_rate)
            if column == self.MILEAGE:
                return mileage_text(terms.mileage_rate)
        elif role == Qt.ItemDataRole.ToolTipRole:
            if column == self.STATUS and version.is_default:
                return self.tr(
                    "These are the figures vcsedesk comes with. Make them your organisation's own: "
                    "add a new version from the date your policy applies, or edit this one."
                )
            return version.notes or None
        elif role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if money else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        elif role == Qt.ItemDataRole.FontRole and version.id == self.current:
            font = QFont()
            font.setBold(True)
            return font
        elif role == Qt.ItemDataRole.UserRole:
            return version.id
        return None


# -- the dialog ------------------------------------------------------------------------------
class PolicyDialog(QDialog):
    """A new version of the policy (``editing`` None), or a version corrected.

    It stays open while the change is made: :attr:`submitted` asks the panel to make it; the
    panel closes the dialog when it is done, or shows the service's refusal here, beside the
    field it concerns.
    """

    submitted = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        start: PolicyVersion,
        *,
        editing: PolicyVersion | None = None,
        taken: set[date] | None = None,
        on: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.editing = editing
        #: Dates other versions are effective from (a second version for one is refused).
        self.taken = set(taken or ())
        self.busy = False
        self.problems: dict[str, str] = {}
        self.service_problems: dict[str, str] = {}
        if editing is None:
            title = self.tr("New version of the reimbursement policy")
        else:
            title = self.tr("Edit the policy from {date}").format(date=day_text(editing.effective_from))
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Claims for activities on or after the date below are priced by this version; "
                "earlier claims keep the version they were priced by. Amounts are in pounds."
            )
            if editing is None
            else self.tr(
                "No submitted claim was priced by this version, so it can still be corrected. "
                "The history keeps what it said before."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.banner = problem_label(self.tr("Why the policy was not saved"))
        layout.addWidget(self.banner)

        self.labels: dict[str, QLabel] = {}
        self.edits: dict[str, QLineEdit] = {}
        grid = QGridLayout()
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

        when, when_form = self._group(self.tr("When it applies"))
        self.effective_from = date_edit(self.tr("Applies from"))
        self.effective_from.setMaximumWidth(self.fontMetrics().averageCharWidth() * 24)
        self._add(when_form, "effective_from", self.tr("Applies fro&m:"), self.effective_from, "")
        grid.addWidget(when, 0, 0)

        paid, paid_form = self._group(self.tr("How people are paid"))
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.methods: dict[PaymentChoice, QCheckBox] = {}
        for method, text in zip(
            METHODS, (self.tr("Bank &transfer"), self.tr("&Voucher"), self.tr("&Cash")), strict=True
        ):
            check = QCheckBox(text)
            check.setAccessibleName(method.label)
            check.toggled.connect(lambda _on, key="payment_methods": self._edited(key))
            self.methods[method] = check
            row.addWidget(check)
        row.addStretch(1)
        self._add(
            paid_form,
            "payment_methods",
            self.tr("Methods:"),
            box,
            self.tr("Payment methods"),
            buddy=self.methods[METHODS[0]],
        )
        grid.addWidget(paid, 0, 1)

        involvement, inv_form = self._group(self.tr("Involvement payments (ongoing involvement)"))
        self._money(inv_form, "hourly_rate", self.tr("&Hourly rate:"), self.tr("Hourly rate"))
        self._money(inv_form, "half_day_rate", self.tr("Ha&lf-day rate:"), self.tr("Half-day rate"))
        self._money(inv_form, "full_day_rate", self.tr("F&ull-day rate:"), self.tr("Full-day rate"))
        grid.addWidget(involvement, 1, 0)

        expenses, exp_form = self._group(self.tr("Expenses"))
        self.mileage = self._line(
            exp_form,
            "mileage_rate",
            self.tr("M&ileage, pence a mile:"),
            self.tr("Mileage rate in pence a mile"),
        )
        self.mileage.setPlaceholderText(self.tr("for example 45"))
        self._money(exp_form, "subsistence_cap", self.tr("Su&bsistence cap:"), self.tr("Subsistence cap"))
        self._money(
            exp_form,
            "receipt_threshold",
            self.tr("&Receipt needed above:"),
            self.tr("Receipt needed above this amount"),
        )
        grid.addWidget(expenses, 1, 1)

        benefits, ben_form = self._group(self.tr("Benefits: warn when involvement payments pass a limit"))
        self._money(ben_form, "weekly_threshold", self.tr("&Weekly threshold:"), self.tr("Weekly threshold"))
        self._money(
            ben_form, "monthly_threshold", self.tr("M&onthly threshold:"), self.tr("Monthly threshold")
        )
        hint = QLabel(
            self.tr(
                "For example a permitted-earnings limit (0 for none). Claimants are pointed to the "
                "advice below on every claim."
            )
        )
        hint.setWordWrap(True)
        ben_form.addRow(hint)
        self.advice = self._text(
            ben_form, "advice", self.tr("Welfare-rights a&dvice:"), self.tr("Welfare-rights advice"), 3
        )
        grid.addWidget(benefits, 2, 0, 1, 2)

        words, words_form = self._group(self.tr("About this version"))
        self.notes = self._text(words_form, "notes", self.tr("&Notes:"), self.tr("Notes"), 2)
        self.notes.setPlaceholderText(self.tr("Why this version, who agreed it (optional)"))
        grid.addWidget(words, 3, 0, 1, 2)
        layout.addLayout(grid)

        self.state = status_label(self.tr("Form status"))
        layout.addWidget(self.state)
        self.buttons = QDialogButtonBox()
        self.ok = self.buttons.addButton(
            self.tr("&Add version") if editing is None else self.tr("&Save"),
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.ok.setAccessibleName(self.tr("Save the policy"))
        self.ok.setDefault(True)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(self.tr("Cancel"))  # Escape; Alt+C is Cash
        cancel.setAccessibleName(self.tr("Leave without saving"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.fill(start, on or (editing.effective_from if editing else date.today()))
        self.effective_from.dateChanged.connect(lambda _d: self._edited("effective_from"))
        metrics = self.fontMetrics()
        self.setMinimumWidth(metrics.averageCharWidth() * 130)

    # -- building --------------------------------------------------------------------------
    def _group(self, title: str) -> tuple[QGroupBox, QFormLayout]:
        group = QGroupBox(title)
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        return group, form

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
        _label, self.labels[key] = add_field(
            form, text, widget, accessible, buddy=buddy, field=text.replace("&", "").rstrip(":")
        )

    def _line(self, form: QFormLayout, key: str, text: str, accessible: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setMaximumWidth(edit.fontMetrics().averageCharWidth() * 18)
        edit.textEdited.connect(lambda _t: self._edited(key))
        self.edits[key] = edit
        self._add(form, key, text, edit, accessible)
        return edit

    def _money(self, form: QFormLayout, key: str, text: str, accessible: str) -> QLineEdit:
        edit = self._line(form, key, text, accessible)
        edit.setPlaceholderText(self.tr("for example 25.00"))
        return edit

    def _text(self, form: QFormLayout, key: str, text: str, accessible: str, lines: int) -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 14)
        edit.textChanged.connect(lambda: self._edited(key))
        self._add(form, key, text, edit, accessible)
        return edit

    # -- values ----------------------------------------------------------------------------
    def fill(self, version: PolicyVersion, on: date) -> None:
        terms = version.terms
        for key in MONEY_FIELDS:
            self.edits[key].setText(money_text(getattr(terms, key)))
        self.mileage.setText(str(terms.mileage_rate))
        for method, check in self.methods.items():
            check.blockSignals(True)
            check.setChecked(method in terms.payment_methods)
            check.blockSignals(False)
        self.advice.blockSignals(True)
        self.advice.setPlainText(terms.advice)
        self.advice.blockSignals(False)
        self.notes.blockSignals(True)
        self.notes.setPlainText(self.editing.notes if self.editing is not None else "")
        self.notes.blockSignals(False)
        self.effective_from.setDate(QDate(on.year, on.month, on.day))
        self.validate()

    def read(self) -> tuple[PolicyTerms, str, dict[str, str]]:
        """The terms as typed (0 where a figure cannot be read), the notes, and the problems
        reading them."""
        problems: dict[str, str] = {}
        figures: dict[str, int] = {}
        for key in MONEY_FIELDS:
            what = self.labels[key].accessibleName().removesuffix(" problem").lower()
            try:
                figures[key] = read_money(self.edits[key].text(), self.tr("the {what}").format(what=what))
            except ValueError as exc:
                problems[key] = str(exc)
                figures[key] = 0
        try:
            figures["mileage_rate"] = read_pence_a_mile(self.mileage.text())
        except ValueError as exc:
            problems["mileage_rate"] = str(exc)
            figures["mileage_rate"] = 0
        terms = PolicyTerms(
            effective_from=as_date(self.effective_from.date()),
            payment_methods=tuple(m for m, check in self.methods.items() if check.isChecked()),
            advice=self.advice.toPlainText(),
            **figures,
        )
        return terms, self.notes.toPlainText(), problems

    def values(self) -> tuple[PolicyTerms, str]:
        """The terms and notes to save (call when :meth:`validate` found nothing wrong)."""
        from vcsedesk.services.policy import validate_terms

        terms, notes, _ = self.read()
        return validate_terms(terms, notes)

    def validate(self) -> dict[str, str]:
        from vcsedesk.services.policy import validate_terms

        terms, notes, problems = self.read()
        try:
            validate_terms(terms, notes)
        except ValidationError as exc:
            for key, text in exc.problems.items():
                problems.setdefault(key, text)
        if terms.effective_from in self.taken:
            problems.setdefault(
                "effective_from",
                self.tr(
                    "There is already a version of the policy from {date}; edit that one or choose another date."
                ).format(date=day_text(terms.effective_from)),
            )
        self.problems = problems
        shown = {**self.service_problems, **problems}
        for key, label in self.labels.items():
            show_problem(label, shown.get(key))
        self.state.setText(problems_text(len(problems)) if problems else "")
        self.ok.setEnabled(not problems and not self.busy)
        if self.isVisible():
            fit_height(self)
        return problems

    def _edited(self, key: str) -> None:
        self.service_problems.pop(key, None)
        self.validate()

    # -- saving ----------------------------------------------------------------------------
    @Slot()
    def submit(self) -> None:
        problems = self.validate()
        if problems:
            self._focus(problems)
            return
        if not self.busy:
            self.set_busy(True)
            self.submitted.emit()

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.state.setText(self.tr("Saving…") if busy else "")
        self.ok.setEnabled(not busy and not self.problems)

    def _focus(self, problems: dict[str, str]) -> None:
        order: list[tuple[str, QWidget]] = [
            ("effective_from", self.effective_from),
            ("payment_methods", self.methods[METHODS[0]]),
            *((key, self.edits[key]) for key in ("hourly_rate", "half_day_rate", "full_day_rate")),
            ("mileage_rate", self.mileage),
            *((key, self.edits[key]) for key in MONEY_FIELDS[3:]),
            ("advice", self.advice),
            ("notes", self.notes),
        ]
        for key, widget in order:
            if key in problems:
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
                return

    def refuse(self, exc: UserError) -> None:
        """Show why the service refused: beside the fields, or above them."""
        self.set_busy(False)
        if isinstance(exc, ValidationError):
            self.service_problems = dict(exc.problems)
            self.validate()
            self._focus(self.service_problems)
            show_problem(
                self.banner, self.tr("The policy was not saved: see the messages beside the fields.")
            )
        elif isinstance(exc, ConflictError):
            show_problem(
                self.banner,
                str(exc)
                + " "
                + self.tr("Close this window and open the version again to see it as saved now."),
            )
        else:
            show_problem(self.banner, str(exc))
        fit_height(self)


# -- the panel -------------------------------------------------------------------------------
class PolicyPanel(QWidget):
    """Claims ▸ Policy: the versions of the reimbursement policy and their figures."""

    #: The versions have been read and shown.
    loaded = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setAccessibleName(self.tr("Reimbursement policy"))
        self.refusals: dict[uuid.UUID, str] = {}
        self.dialog: PolicyDialog | None = None
        self.select_after: uuid.UUID | None = None
        self.stale = True
        self.loading = False
        layout = QVBoxLayout(self)

        heading = QLabel(self.tr("Reimbursement policy"))
        heading.setFont(heading_font(self.font(), 1.3))
        layout.addWidget(heading)
        intro = QLabel(
            self.tr(
                "What is paid for taking part, version by version. A claim is priced by the version "
                "in force on the day of its activity, and keeps it once submitted: to change the "
                "figures, add a new version from the date the change applies."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.permission_note = QLabel(
            self.tr("Only administrators and coordinators can change the policy. You can see it here.")
        )
        self.permission_note.setWordWrap(True)
        self.permission_note.setAccessibleName(self.tr("Who can change the policy"))
        layout.addWidget(self.permission_note)
        self.default_note, note_text = note_strip(self.tr("The shipped default policy is in force"))
        note_text.setText(
            self.tr(
                "Shipped default in force: these are typical public-sector figures. Make them your "
                "organisation's own — add a new version from the date your policy applies (Insert), "
                "or edit the default (F2)."
            )
        )
        layout.addWidget(self.default_note)

        self.model = PolicyModel(self)
        self.view = make_table(
            self.model,
            self.tr("Versions of the policy"),
            self.tr("Newest first. Insert adds a new version; F2 edits the selected one."),
        )
        size_columns(
            self.view,
            {
                PolicyModel.FROM: "28 Sep 2026",
                PolicyModel.STATUS: self.tr("In force · Shipped default — edit to your policy"),
                PolicyModel.HOURLY: "£1,000.00",
                PolicyModel.HALF_DAY: "£1,000.00",
                PolicyModel.FULL_DAY: "£1,000.00",
                PolicyModel.MILEAGE: self.tr("{pence}p a mile").format(pence=450),
            },
        )
        self.view.setProperty("max_rows", 10)
        fit_rows(self.view, 3)
        self.view.open_requested.connect(self.edit)
        self.view.doubleClicked.connect(lambda _i: self.edit())
        self.empty = empty_label(self.tr("No versions of the policy"))
        self.empty.hide()
        layout.addWidget(self.view)
        layout.addWidget(self.empty)

        bar = QHBoxLayout()
        self.new_button = push_button(
            self.tr("&New version from…"),
            self.tr("Add a new version of the policy from a date"),
            self.new_version,
            tip=self.tr("A new version from a date, starting from the selected figures (Insert or Ctrl+N)"),
            row=bar,
        )
        self.edit_button = push_button(
            self.tr("Ed&it…"),
            self.tr("Edit the selected version"),
            self.edit,
            tip=self.tr("Edit (F2)"),
            row=bar,
        )
        bar.addStretch(1)
        self.count_label = QLabel()
        self.count_label.setAccessibleName(self.tr("How many versions"))
        bar.addWidget(self.count_label)
        layout.addLayout(bar)

        self.details = QGroupBox()
        self.details.setAccessibleName(self.tr("The selected version"))
        details = QGridLayout(self.details)
        details.setColumnStretch(1, 1)
        details.setColumnStretch(3, 1)
        self.values: dict[str, QLabel] = {}
        specs = [
            ("hourly_rate", self.tr("Hourly rate:")),
            ("mileage_rate", self.tr("Mileage:")),
            ("half_day_rate", self.tr("Half-day rate:")),
            ("subsistence_cap", self.tr("Subsistence cap:")),
            ("full_day_rate", self.tr("Full-day rate:")),
            ("receipt_threshold", self.tr("Receipt needed above:")),
            ("weekly_threshold", self.tr("Weekly threshold:")),
            ("payment_methods", self.tr("Paid by:")),
            ("monthly_threshold", self.tr("Monthly threshold:")),
            ("notes", self.tr("Notes:")),
        ]
        for n, (key, text) in enumerate(specs):
            self._value(details, n // 2, (n % 2) * 2, key, text)
        self._value(details, len(specs) // 2, 0, "advice", self.tr("Welfare-rights advice:"), span=3)
        self._value(details, len(specs) // 2 + 1, 0, "locked", self.tr("Editing:"), span=3)
        layout.addWidget(self.details)
        self.status = status_label(self.tr("What happened last"))
        layout.addWidget(self.status)
        layout.addStretch(1)

        self.new_action = add_shortcut(self, self.tr("New version of the policy"), "Ins", self.new_version)
        self.new_action.setShortcuts([QKeySequence("Ins"), QKeySequence("Ctrl+N")])
        self.edit_action = add_shortcut(self, self.tr("Edit the version"), "F2", self.edit)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._selection_changed())
        self.model.modelReset.connect(self._selection_changed)
        ctx.hub.changed.connect(self.on_changed)
        self._selection_changed()

    def _value(self, grid: QGridLayout, row: int, column: int, key: str, text: str, span: int = 1) -> None:
        label = QLabel(text)
        value = value_label(text.rstrip(":"))
        label.setBuddy(value)
        grid.addWidget(label, row, column, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(value, row, column + 1, 1, span, Qt.AlignmentFlag.AlignTop)
        self.values[key] = value

    @property
    def may_change(self) -> bool:
        from vcsedesk.services.base import Permission

        return may(self.ctx, Permission.MANAGE_POLICY)

    # -- loading ---------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.stale and not self.loading:
            self.load()

    def refresh(self) -> None:
        """Read again now if shown, else when next shown."""
        if self.isVisible():
            self.load()
        else:
            self.stale = True

    def load(self) -> None:
        if self.ctx.db is None:
            return
        self.loading = True
        self.stale = False
        self.ctx.worker.submit(
            read_policies, self.ctx.database, on_done=self._fill, label=self.tr("Reading the policy…")
        )

    def _fill(self, data: PolicyData) -> None:
        current = self.selected()
        keep = self.select_after or (current.id if current is not None else None)
        self.select_after = None
        self.refusals = data.refusals
        self.model.set_versions(data.versions, data.today)
        fit_rows(self.view, max(3, len(data.versions)))
        in_force = (
            self.model.version_at(self.model.row_of(self.model.current)) if self.model.current else None
        )
        self.default_note.setVisible(in_force is not None and in_force.is_default)
        self.count_label.setText(
            count_text(len(data.versions), self.tr("1 version"), self.tr("{n} versions"))
        )
        if data.versions:
            self.empty.hide()
            self.view.show()
            row = self.model.row_of(keep) if keep is not None else -1
            if row < 0 and self.model.current is not None:
                row = self.model.row_of(self.model.current)
            select_row(self.view, max(row, 0))
        else:
            self.empty.setText(
                self.tr("No version of the policy yet. Add one (Insert) from the date it applies.")
            )
            self.view.hide()
            self.empty.show()
        self._selection_changed()
        self.loading = False
        self.loaded.emit()

    def on_changed(self, changes: Changes) -> None:
        if any(changes.touches(t) for t in POLICY_TABLES):
            self.refresh()

    # -- state -----------------------------------------------------------------------------
    def selected(self) -> PolicyVersion | None:
        index = self.view.currentIndex()
        return self.model.version_at(index.row()) if index.isValid() else None

    def _selection_changed(self) -> None:
        version = self.selected()
        allowed = self.may_change
        self.permission_note.setVisible(not allowed and self.ctx.actor is not None)
        self.new_button.setEnabled(allowed and self.model.has_loaded)
        self.new_action.setEnabled(self.new_button.isEnabled())
        refusal = self.refusals.get(version.id) if version is not None else None
        self.edit_button.setEnabled(allowed and version is not None and refusal is None)
        self.edit_action.setEnabled(self.edit_button.isEnabled())
        self.edit_button.setToolTip(refusal or self.tr("Edit (F2)"))
        self._show_details(version, refusal)

    def _show_details(self, version: PolicyVersion | None, refusal: str | None) -> None:
        if version is None:
            self.details.setTitle(self.tr("Choose a version to see its figures"))
            for value in self.values.values():
                value.clear()
            return
        terms = version.terms
        title = self.tr("The version from {date}").format(date=day_text(version.effective_from))
        status = self.model.status_text(self.model.row_of(version.id))
        self.details.setTitle(f"{title} — {status}" if status else title)
        for key in ("hourly_rate", "half_day_rate", "full_day_rate", "subsistence_cap", "receipt_threshold"):
            self.values[key].setText(pence_text(getattr(terms, key)))
        self.values["mileage_rate"].setText(mileage_text(terms.mileage_rate))
        self.values["weekly_threshold"].setText(threshold_text(terms.weekly_threshold))
        self.values["monthly_threshold"].setText(threshold_text(terms.monthly_threshold))
        self.values["payment_methods"].setText(
            methods_text(terms.payment_methods) + self.tr("; anyone may decline, take less or donate")
        )
        self.values["notes"].setText(version.notes or self.tr("None"))
        self.values["advice"].setText(terms.advice)
        if not self.may_change:
            locked = self.tr("Only administrators and coordinators can change the policy.")
        elif refusal is not None:
            locked = refusal
        else:
            locked = self.tr("No submitted claim was priced by it yet, so it can still be edited (F2).")
        self.values["locked"].setText(locked)

    # -- changes ---------------------------------------------------------------------------
    def _start_from(self) -> PolicyVersion | None:
        """The figures a new version starts from: the selected version, else the one in force."""
        version = self.selected()
        if version is None and self.model.current is not None:
            version = self.model.version_at(self.model.row_of(self.model.current))
        return version

    def _free_date(self) -> date:
        """Today, or the first day after today that no version is effective from."""
        taken = {v.effective_from for v in self.model.items}
        day = self.model.today
        while day in taken:
            day += timedelta(days=1)
        return day

    @Slot()
    def new_version(self) -> None:
        from vcsedesk.services import policy

        start = self._start_from()
        if start is None or not self.may_change or self.dialog is not None:
            return
        dialog = PolicyDialog(
            self, start, taken={v.effective_from for v in self.model.items}, on=self._free_date()
        )

        def submit() -> None:
            terms, notes = dialog.values()
            self._perform(
                functools.partial(policy.add_policy, self.ctx.database, self.ctx.acting, terms, notes),
                self.tr("Adding a version of the policy…"),
                dialog,
            )

        self._open(dialog, submit)

    @Slot()
    def edit(self) -> None:
        from vcsedesk.services import policy

        version = self.selected()
        if version is None or not self.may_change or version.id in self.refusals or self.dialog is not None:
            return
        dialog = PolicyDialog(
            self,
            version,
            editing=version,
            taken={v.effective_from for v in self.model.items if v.id != version.id},
        )

        def submit() -> None:
            terms, notes = dialog.values()
            self.select_after = version.id
            self._perform(
                functools.partial(
                    policy.update_policy,
                    self.ctx.database,
                    self.ctx.acting,
                    version.id,
                    version.version,
                    terms,
                    notes,
                ),
                self.tr("Saving the policy…"),
                dialog,
            )

        self._open(dialog, submit)

    def _open(self, dialog: PolicyDialog, on_submit: Any) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(on_submit)
        dialog.finished.connect(lambda _result: self._closed(dialog))
        self.dialog = dialog
        dialog.open()
        first = dialog.effective_from if dialog.editing is None else dialog.edits["hourly_rate"]
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    def _closed(self, dialog: PolicyDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _perform(self, call: Any, label: str, dialog: PolicyDialog) -> None:
        def done(changes: Changes) -> None:
            created = changes.created.get("reimbursement_policies")
            if created:
                self.select_after = next(iter(created))
            if changes.summary:
                self.status.setText(
                    self.tr("{summary}. Undo with Ctrl+Z.").format(summary=changes.summary.rstrip("."))
                )
            if shiboken6.isValid(dialog):
                dialog.accept()

        def refused(exc: UserError) -> None:
            if shiboken6.isValid(dialog):
                dialog.refuse(exc)
            else:
                self.ctx.worker.show_user_error(exc)

        def settled() -> None:
            if shiboken6.isValid(dialog) and dialog.busy:
                dialog.set_busy(False)

        self.ctx.hub.perform(call, on_done=done, on_error=refused, on_settled=settled, label=label)
