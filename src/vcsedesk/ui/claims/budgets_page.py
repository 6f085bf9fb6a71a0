"""Claims ▸ Budgets: the funding pots claims draw on, and what is spent from each.

:class:`BudgetsPanel` is a table of budgets — name, funder, period, amount, committed (approved
and paid claims), pending (submitted claims) and remaining.  A budget past its amount says
"Overspent by …" with a warning icon, in bold: never colour alone.  Add (Insert or Ctrl+N),
edit (F2 or Enter), archive (Delete, after a question) and restore; only administrators and
coordinators (``Permission.MANAGE_POLICY``) may, everyone else sees the table read-only.

:class:`BudgetDialog` takes the amount in pounds (``domain.claims.parse_pence``) and checks
every field as it is typed with the service's own rule, saying what is wrong beside the field.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QDate, QObject, Qt, Signal, Slot
from PySide6.QtGui import QFont, QIcon, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.claims import pence_text
from vcsedesk.domain.errors import ConflictError, UserError, ValidationError
from vcsedesk.ui.claims.policy_page import money_text, read_money
from vcsedesk.ui.lists_page import fit_height
from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.table_model import ItemsTableModel
from vcsedesk.ui.widgets import (
    add_field,
    add_shortcut,
    archive_question,
    as_date,
    count_text,
    date_edit,
    day_text,
    empty_label,
    make_table,
    may,
    problem_label,
    problems_text,
    push_button,
    select_row,
    show_problem,
    size_columns,
    status_label,
)

if TYPE_CHECKING:
    from vcsedesk.services.base import Changes
    from vcsedesk.services.budgets import BudgetView
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext

#: A change to these tables may change what the panel shows.
BUDGET_TABLES = ("budgets", "claims")


def _tr(text: str) -> str:
    return QCoreApplication.translate("BudgetsPanel", text)


def period_text(starts_on: date, ends_on: date) -> str:
    return _tr("{start} to {end}").format(start=day_text(starts_on), end=day_text(ends_on))


def remaining_text(budget: BudgetView) -> str:
    """ "£120.00", or "Overspent by £15.00"."""
    if budget.remaining < 0:
        return _tr("Overspent by {amount}").format(amount=pence_text(-budget.remaining))
    return pence_text(budget.remaining)


def financial_year(today: date) -> tuple[date, date]:
    """The April-to-March year ``today`` falls in (most charities' financial year)."""
    start = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    return start, date(start.year + 1, 3, 31)


def read_budgets(db: Database, include_archived: bool) -> list[BudgetView]:
    from vcsedesk.services import budgets

    return budgets.list_budgets(db, include_archived=include_archived)


# -- the table -------------------------------------------------------------------------------
class BudgetsModel(ItemsTableModel):
    """Name, Funder, Period, Amount, Committed, Pending, Remaining."""

    NAME, FUNDER, PERIOD, AMOUNT, COMMITTED, PENDING, REMAINING = range(7)
    MONEY = (AMOUNT, COMMITTED, PENDING, REMAINING)
    ROLES = (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.UserRole,
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [
            self.tr("Name"),
            self.tr("Funder"),
            self.tr("Period"),
            self.tr("Amount"),
            self.tr("Committed"),
            self.tr("Pending"),
            self.tr("Remaining"),
        ]
        self.has_loaded = False
        self._warning: QIcon | None = None

    def set_budgets(self, budgets: list[BudgetView]) -> None:
        self.has_loaded = True
        self.set_items(budgets)

    def budget_at(self, row: int) -> BudgetView | None:
        return self.items[row] if 0 <= row < len(self.items) else None

    def row_of(self, budget_id: uuid.UUID) -> int:
        return next((row for row, b in enumerate(self.items) if b.id == budget_id), -1)

    @property
    def warning_icon(self) -> QIcon:
        if self._warning is None:
            self._warning = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        return self._warning

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.TextAlignmentRole
            and orientation == Qt.Orientation.Horizontal
            and section in self.MONEY
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return super().headerData(section, orientation, role)

    def cell(self, item: Any, column: int, role: int) -> Any:
        budget: BudgetView = item
        overspent = column == self.REMAINING and budget.overspent
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.NAME:
                return (
                    self.tr("{name} (archived)").format(name=budget.name) if budget.archived else budget.name
                )
            if column == self.FUNDER:
                return budget.funder or ""
            if column == self.PERIOD:
                return period_text(budget.starts_on, budget.ends_on)
            if column == self.AMOUNT:
                return pence_text(budget.amount)
            if column == self.COMMITTED:
                return pence_text(budget.committed)
            if column == self.PENDING:
                return pence_text(budget.pending)
            if column == self.REMAINING:
                return remaining_text(budget)
        elif role == Qt.ItemDataRole.ToolTipRole:
            if column == self.COMMITTED:
                return self.tr("Approved and paid claims drawing on this budget")
            if column == self.PENDING:
                return self.tr("Submitted claims waiting to be approved or rejected")
            if overspent:
                return self.tr(
                    "Committed and pending claims come to {spent}, more than the budget's {amount}."
                ).format(
                    spent=pence_text(budget.committed + budget.pending), amount=pence_text(budget.amount)
                )
            if column == self.REMAINING:
                return self.tr("The amount less committed and pending claims")
            return None
        elif role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column in self.MONEY else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        elif role == Qt.ItemDataRole.FontRole and (overspent or budget.archived):
            font = QFont()
            font.setBold(overspent)
            font.setItalic(budget.archived)
            return font
        elif role == Qt.ItemDataRole.DecorationRole and overspent:
            return self.warning_icon
        elif role == Qt.ItemDataRole.UserRole:
            return budget.id
        return None


# -- the dialog ------------------------------------------------------------------------------
@dataclass(frozen=True)
class BudgetValues:
    name: str
    funder: str | None
    starts_on: date
    ends_on: date
    amount: int


class BudgetDialog(QDialog):
    """A new budget (``budget`` None) or one edited.  Stays open while the change is made
    (:attr:`submitted`); the panel closes it, or shows the service's refusal beside a field."""

    submitted = Signal()

    def __init__(
        self, parent: QWidget | None, budget: BudgetView | None = None, today: date | None = None
    ) -> None:
        super().__init__(parent)
        self.budget = budget
        self.busy = False
        self.problems: dict[str, str] = {}
        self.service_problems: dict[str, str] = {}
        self.touched: set[str] = set()
        title = (
            self.tr("Add a budget")
            if budget is None
            else self.tr("Edit the budget “{name}”").format(name=budget.name)
        )
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr("A funding pot that claims draw on, for a period. The amount is in pounds.")
            if budget is None
            else self.tr("Claims that draw on this budget keep it, whatever is changed here.")
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.banner = problem_label(self.tr("Why the budget was not saved"))
        layout.addWidget(self.banner)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.labels: dict[str, QLabel] = {}
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("for example Community Chest 2026–27"))
        self._add(form, "name", self.tr("&Name:"), self.name, self.tr("Name"))
        self.funder = QLineEdit()
        self.funder.setPlaceholderText(self.tr("Who gave the money (optional)"))
        self._add(form, "funder", self.tr("&Funder:"), self.funder, self.tr("Funder"))
        self.starts_on = date_edit(self.tr("Starts on"))
        self.starts_on.setMaximumWidth(self.fontMetrics().averageCharWidth() * 24)
        self._add(form, "starts_on", self.tr("&Starts on:"), self.starts_on, "")
        self.ends_on = date_edit(self.tr("Ends on"))
        self.ends_on.setMaximumWidth(self.fontMetrics().averageCharWidth() * 24)
        self._add(form, "ends_on", self.tr("&Ends on:"), self.ends_on, "")
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(self.tr("for example 2,500.00"))
        self.amount.setMaximumWidth(self.amount.fontMetrics().averageCharWidth() * 28)
        self._add(form, "amount", self.tr("A&mount:"), self.amount, self.tr("Amount in pounds"))
        layout.addLayout(form)

        self.state = status_label(self.tr("Form status"))
        layout.addWidget(self.state)
        self.buttons = QDialogButtonBox()
        self.ok = self.buttons.addButton(
            self.tr("&Add budget") if budget is None else self.tr("Sa&ve"),
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.ok.setAccessibleName(self.tr("Save the budget"))
        self.ok.setDefault(True)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName(self.tr("Leave without saving"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        if budget is not None:
            self.name.setText(budget.name)
            self.funder.setText(budget.funder or "")
            start, end = budget.starts_on, budget.ends_on
            self.amount.setText(money_text(budget.amount))
        else:
            start, end = financial_year(today or date.today())
        self.starts_on.setDate(QDate(start.year, start.month, start.day))
        self.ends_on.setDate(QDate(end.year, end.month, end.day))
        self.name.textEdited.connect(lambda _t: self._edited("name"))
        self.funder.textEdited.connect(lambda _t: self._edited("funder"))
        self.starts_on.dateChanged.connect(lambda _d: self._edited("starts_on"))
        self.ends_on.dateChanged.connect(lambda _d: self._edited("ends_on"))
        self.amount.textEdited.connect(lambda _t: self._edited("amount"))
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 84)
        self.validate()

    def _add(self, form: QFormLayout, key: str, text: str, widget: QWidget, accessible: str) -> None:
        _label, self.labels[key] = add_field(
            form, text, widget, accessible, field=text.replace("&", "").rstrip(":")
        )

    # -- values ----------------------------------------------------------------------------
    def read(self) -> tuple[BudgetValues, dict[str, str]]:
        problems: dict[str, str] = {}
        try:
            amount = read_money(self.amount.text(), self.tr("the amount"))
        except ValueError as exc:
            problems["amount"] = str(exc)
            amount = 1
        values = BudgetValues(
            name=self.name.text(),
            funder=self.funder.text() or None,
            starts_on=as_date(self.starts_on.date()),
            ends_on=as_date(self.ends_on.date()),
            amount=amount,
        )
        return values, problems

    def values(self) -> BudgetValues:
        return self.read()[0]

    def validate(self) -> dict[str, str]:
        from vcsedesk.services.budgets import clean_budget

        values, problems = self.read()
        try:
            clean_budget(values.name, values.funder, values.starts_on, values.ends_on, values.amount)
        except ValidationError as exc:
            for key, text in exc.problems.items():
                problems.setdefault(key, text)
        self.problems = problems
        shown = {**self.service_problems, **problems}
        # A blank new form is not worth shouting about before anything is typed.
        if self.budget is None:
            for key in ("name", "amount"):
                if key not in self.touched and key not in self.service_problems:
                    shown.pop(key, None)
        for key, label in self.labels.items():
            show_problem(label, shown.get(key))
        visible = [key for key, text in shown.items() if text and key in self.labels]
        self.state.setText(problems_text(len(visible)) if visible else "")
        # Enabled while nothing is shown wrong: pressing it on a blank form says what is missing.
        self.ok.setEnabled(not visible and not self.busy)
        if self.isVisible():
            fit_height(self)
        return problems

    def _edited(self, key: str) -> None:
        self.touched.add(key)
        self.service_problems.pop(key, None)
        self.validate()

    # -- saving ----------------------------------------------------------------------------
    @Slot()
    def submit(self) -> None:
        self.touched.update(("name", "amount"))
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
        self.ok.setEnabled(not busy)

    def _focus(self, problems: dict[str, str]) -> None:
        for key, widget in (
            ("name", self.name),
            ("funder", self.funder),
            ("starts_on", self.starts_on),
            ("ends_on", self.ends_on),
            ("amount", self.amount),
        ):
            if key in problems:
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
                return

    def refuse(self, exc: UserError) -> None:
        self.set_busy(False)
        if isinstance(exc, ValidationError):
            self.service_problems = dict(exc.problems)
            self.validate()
            self._focus(self.service_problems)
            show_problem(
                self.banner, self.tr("The budget was not saved: see the messages beside the fields.")
            )
        elif isinstance(exc, ConflictError):
            show_problem(
                self.banner,
                str(exc)
                + " "
                + self.tr("Close this window and open the budget again to see it as saved now."),
            )
        else:
            show_problem(self.banner, str(exc))
        fit_height(self)


# -- the panel -------------------------------------------------------------------------------
class BudgetsPanel(QWidget):
    """Claims ▸ Budgets: the funding pots and their spend."""

    #: The budgets have been read and shown.
    loaded = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setAccessibleName(self.tr("Budgets"))
        self.dialog: BudgetDialog | None = None
        self.question: QMessageBox | None = None
        self.select_after: uuid.UUID | None = None
        self.stale = True
        self.loading = False
        layout = QVBoxLayout(self)
        heading = QLabel(self.tr("Budgets"))
        heading.setFont(heading_font(self.font(), 1.3))
        layout.addWidget(heading)
        intro = QLabel(
            self.tr(
                "The funding pots that claims draw on. Submitted claims count as pending; approved and "
                "paid claims as committed. A claim declined spends nothing; one donated to a charity "
                "still spends."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.permission_note = QLabel(
            self.tr("Only administrators and coordinators can change budgets. You can see them here.")
        )
        self.permission_note.setWordWrap(True)
        self.permission_note.setAccessibleName(self.tr("Who can change budgets"))
        layout.addWidget(self.permission_note)

        self.model = BudgetsModel(self)
        self.view = make_table(
            self.model,
            self.tr("Budgets"),
            self.tr("Insert adds a budget, F2 or Enter edits the selected one, Delete archives it."),
        )
        size_columns(
            self.view,
            {
                BudgetsModel.NAME: "Community Chest 2026–27",
                BudgetsModel.FUNDER: "Riverside Council",
                BudgetsModel.PERIOD: period_text(date(2026, 10, 1), date(2027, 9, 30)),
                BudgetsModel.AMOUNT: "£10,000.00",
                BudgetsModel.COMMITTED: "£10,000.00",
                BudgetsModel.PENDING: "£10,000.00",
                BudgetsModel.REMAINING: "⚠  " + self.tr("Overspent by {amount}").format(amount="£10,000.00"),
            },
        )
        header = self.view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(BudgetsModel.NAME, QHeaderView.ResizeMode.Stretch)
        self.view.open_requested.connect(self.edit)
        self.view.doubleClicked.connect(lambda _i: self.edit())
        self.empty = empty_label(self.tr("No budgets to show"))
        self.empty.hide()
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty, 1)

        bar = QHBoxLayout()
        self.add_button = push_button(
            self.tr("&Add budget…"),
            self.tr("Add a budget"),
            self.add,
            tip=self.tr("Add a budget (Insert or Ctrl+N)"),
            row=bar,
        )
        self.edit_button = push_button(
            self.tr("Ed&it…"),
            self.tr("Edit the selected budget"),
            self.edit,
            tip=self.tr("Edit (F2 or Enter)"),
            row=bar,
        )
        self.archive_button = push_button(
            self.tr("A&rchive…"),
            self.tr("Archive the selected budget"),
            self.archive,
            tip=self.tr("Stop offering it for new claims (Delete); claims that drew on it keep it"),
            row=bar,
        )
        self.restore_button = push_button(
            self.tr("Re&store"), self.tr("Restore the selected budget"), self.restore, row=bar
        )
        self.show_archived = QCheckBox(self.tr("Sho&w archived budgets"))
        self.show_archived.setAccessibleName(self.tr("Show archived budgets"))
        self.show_archived.toggled.connect(lambda _on: self.load())
        bar.addWidget(self.show_archived)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.totals.setAccessibleName(self.tr("Budgets in all"))
        layout.addWidget(self.totals)
        self.status = status_label(self.tr("What happened last"))
        layout.addWidget(self.status)

        self.add_action = add_shortcut(self, self.tr("Add a budget"), "Ins", self.add)
        self.add_action.setShortcuts([QKeySequence("Ins"), QKeySequence("Ctrl+N")])
        self.edit_action = add_shortcut(self, self.tr("Edit the budget"), "F2", self.edit)
        self.archive_action = add_shortcut(self, self.tr("Archive the budget"), "Del", self.archive)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.model.modelReset.connect(self._update_buttons)
        ctx.hub.changed.connect(self.on_changed)
        self._update_buttons()

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
            read_budgets,
            self.ctx.database,
            self.show_archived.isChecked(),
            on_done=self._fill,
            label=self.tr("Reading the budgets…"),
        )

    def _fill(self, budgets: list[BudgetView]) -> None:
        current = self.selected()
        keep = self.select_after or (current.id if current is not None else None)
        self.select_after = None
        self.model.set_budgets(budgets)
        if budgets:
            self.empty.hide()
            self.view.show()
            row = self.model.row_of(keep) if keep is not None else -1
            select_row(self.view, max(row, 0))
        else:
            self.view.hide()
            self.empty.setText(
                self.tr(
                    "No budgets yet.\nAdd one (Insert) for each funding pot that claims draw on: its "
                    "funder, period and amount."
                )
                if self.may_change
                else self.tr("No budgets yet. An administrator or coordinator can add them.")
            )
            self.empty.show()
        self.totals.setText(self._totals_text(budgets))
        self._update_buttons()
        self.loading = False
        self.loaded.emit()

    def _totals_text(self, budgets: list[BudgetView]) -> str:
        live = [b for b in budgets if not b.archived]
        if not live:
            return ""
        text = self.tr("{count}: {amount} in all, {committed} committed, {pending} pending.").format(
            count=count_text(len(live), self.tr("1 budget"), self.tr("{n} budgets")),
            amount=pence_text(sum(b.amount for b in live)),
            committed=pence_text(sum(b.committed for b in live)),
            pending=pence_text(sum(b.pending for b in live)),
        )
        over = [b.name for b in live if b.overspent]
        if over:
            text += " ⚠ " + self.tr("Overspent: {names}.").format(names=", ".join(over))
        return text

    def on_changed(self, changes: Changes) -> None:
        if any(changes.touches(t) for t in BUDGET_TABLES):
            self.refresh()

    # -- state -----------------------------------------------------------------------------
    def selected(self) -> BudgetView | None:
        index = self.view.currentIndex()
        return self.model.budget_at(index.row()) if index.isValid() else None

    def _update_buttons(self) -> None:
        allowed = self.may_change
        budget = self.selected()
        self.permission_note.setVisible(not allowed and self.ctx.actor is not None)
        self.add_button.setEnabled(allowed)
        self.add_action.setEnabled(allowed)
        live = budget is not None and not budget.archived
        self.edit_button.setEnabled(allowed and live)
        self.edit_action.setEnabled(allowed and live)
        self.archive_button.setEnabled(allowed and live)
        self.archive_action.setEnabled(allowed and live)
        self.restore_button.setVisible(budget is not None and budget.archived)
        self.restore_button.setEnabled(allowed and budget is not None and budget.archived)

    # -- changes ---------------------------------------------------------------------------
    @Slot()
    def add(self) -> None:
        from vcsedesk.services import budgets

        if not self.may_change or self.dialog is not None:
            return
        dialog = BudgetDialog(self)

        def submit() -> None:
            v = dialog.values()
            self._perform(
                functools.partial(
                    budgets.add_budget,
                    self.ctx.database,
                    self.ctx.acting,
                    name=v.name,
                    funder=v.funder,
                    starts_on=v.starts_on,
                    ends_on=v.ends_on,
                    amount=v.amount,
                ),
                self.tr("Adding the budget…"),
                dialog,
            )

        self._open(dialog, submit)

    @Slot()
    def edit(self) -> None:
        from vcsedesk.services import budgets

        budget = self.selected()
        if budget is None or budget.archived or not self.may_change or self.dialog is not None:
            return
        dialog = BudgetDialog(self, budget)

        def submit() -> None:
            v = dialog.values()
            self.select_after = budget.id
            self._perform(
                functools.partial(
                    budgets.update_budget,
                    self.ctx.database,
                    self.ctx.acting,
                    budget.id,
                    budget.version,
                    name=v.name,
                    funder=v.funder,
                    starts_on=v.starts_on,
                    ends_on=v.ends_on,
                    amount=v.amount,
                ),
                self.tr("Saving the budget…"),
                dialog,
            )

        self._open(dialog, submit)

    @Slot()
    def archive(self) -> None:
        from vcsedesk.services import budgets

        budget = self.selected()
        if budget is None or budget.archived or not self.may_change or self.question is not None:
            return
        box = archive_question(
            self,
            self.tr("Archive the budget?"),
            self.tr("Archive the budget “{name}”?").format(name=budget.name),
            self.tr(
                "It will no longer be offered for new claims. Claims that drew on it keep it, and "
                "it can be restored (Show archived budgets) or the archiving undone with Ctrl+Z."
            ),
        )

        def answered(result: int) -> None:
            self.question = None
            if result == QMessageBox.StandardButton.Yes:
                self.ctx.hub.perform(
                    budgets.archive_budget,
                    self.ctx.database,
                    self.ctx.acting,
                    budget.id,
                    budget.version,
                    on_done=self._done,
                    label=self.tr("Archiving the budget…"),
                )

        box.finished.connect(answered)
        self.question = box
        box.open()

    @Slot()
    def restore(self) -> None:
        from vcsedesk.services import budgets

        budget = self.selected()
        if budget is None or not budget.archived or not self.may_change:
            return
        self.select_after = budget.id
        self.ctx.hub.perform(
            budgets.restore_budget,
            self.ctx.database,
            self.ctx.acting,
            budget.id,
            budget.version,
            on_done=self._done,
            label=self.tr("Restoring the budget…"),
        )

    def _done(self, changes: Changes) -> None:
        created = changes.created.get("budgets")
        if created:
            self.select_after = next(iter(created))
        if changes.summary:
            self.status.setText(
                self.tr("{summary}. Undo with Ctrl+Z.").format(summary=changes.summary.rstrip("."))
            )

    def _open(self, dialog: BudgetDialog, on_submit: Any) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(on_submit)
        dialog.finished.connect(lambda _result: self._closed(dialog))
        self.dialog = dialog
        dialog.open()
        dialog.name.setFocus(Qt.FocusReason.OtherFocusReason)

    def _closed(self, dialog: BudgetDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _perform(self, call: Any, label: str, dialog: BudgetDialog) -> None:
        def done(changes: Changes) -> None:
            self._done(changes)
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
