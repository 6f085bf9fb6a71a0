"""The list of claims: filters by status, claimant (or claim number), activity dates and
budget over the table (Number, Claimant, Activity date, Total, Payable, Choice, Status, Budget,
Account — bank accounts always masked here).

A volunteer sees only the claims they made or submitted (the service decides).  Keys: Ctrl+F
searches, Down moves from the search box into the list, Enter (or a double click) opens a
claim, Ctrl+N starts a new one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.claims import ClaimStatus, pence_text
from vcsedesk.ui.claims.model import ClaimsModel, status_text
from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.widgets import (
    CUSTOM,
    SearchBox,
    add_date_presets,
    add_shortcut,
    chosen_range,
    count_text,
    date_edit,
    empty_label,
    make_table,
    may,
    push_button,
    select_row,
    size_columns,
    undo_button,
)

if TYPE_CHECKING:
    from vcsedesk.services.base import Actor, Changes
    from vcsedesk.services.budgets import BudgetView
    from vcsedesk.services.claims import ClaimRow
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow

#: Tables whose changes can alter the list.
LIST_TABLES = frozenset({"claims", "claim_items", "claim_links", "budgets", "contacts"})
#: The budget filter's "any budget" and "no budget" entries.
ANY = ""
NO_BUDGET = "none"


@dataclass(frozen=True)
class ClaimQuery:
    status: ClaimStatus | None = None
    text: str = ""
    start: date | None = None
    end: date | None = None
    budget: str = ANY  # ANY, NO_BUDGET or a budget's id

    def is_everything(self) -> bool:
        return self == ClaimQuery()


@dataclass(frozen=True)
class Listed:
    rows: list[ClaimRow]
    budgets: list[BudgetView]


def matches(row: ClaimRow, text: str) -> bool:
    """Every word typed is in the claimant's name or the claim's number (any case)."""
    haystack = f"{row.claimant_name} {row.number}".casefold()
    return all(word in haystack for word in text.casefold().split())


def read_claims(db: Database, actor: Actor, query: ClaimQuery) -> Listed:
    """The claims the filters select (and the budgets to filter by), on the worker."""
    from vcsedesk.services import budgets, claims

    budget_id = uuid.UUID(query.budget) if query.budget not in (ANY, NO_BUDGET) else None
    rows = claims.list_claims(
        db, actor, status=query.status, start=query.start, end=query.end, budget_id=budget_id
    )
    if query.budget == NO_BUDGET:
        rows = [r for r in rows if not r.budget_name]
    if query.text.strip():
        rows = [r for r in rows if matches(r, query.text)]
    return Listed(rows, budgets.list_budgets(db))


class ClaimsListPage(QWidget):
    open_claim = Signal(object)
    new_claim = Signal()
    #: The rows have arrived and are shown.
    loaded = Signal()

    def __init__(self, ctx: AppContext, window: MainWindow | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.window_ = window
        self.query = ClaimQuery()
        self._generation = 0
        self._selected_id: uuid.UUID | None = None
        self.setAccessibleName(self.tr("Claims"))
        self.model = ClaimsModel(self)
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        heading = QLabel(self.tr("Reimbursement claims"))
        heading.setFont(heading_font(self.font()))
        heading.setAccessibleName(self.tr("Reimbursement claims"))
        top.addWidget(heading)
        top.addStretch(1)
        self.new_button = QPushButton(self.tr("&New claim"))
        self.new_button.setAccessibleName(self.tr("New claim"))
        self.new_button.setToolTip(self.tr("Start a claim for someone's time and costs (Ctrl+N)"))
        self.new_button.clicked.connect(self.new_claim.emit)
        top.addWidget(self.new_button)
        self.open_button = push_button(
            self.tr("&Open"),
            self.tr("Open the selected claim"),
            self.open_selected,
            tip=self.tr("Open the selected claim (Enter)"),
            row=top,
        )
        if window is not None:
            self.undo_button = undo_button(window)
            top.addWidget(self.undo_button)
        layout.addLayout(top)

        grid = QGridLayout()
        self.search = SearchBox(self.tr("Search claims"), self.tr("Claimant's name or claim number"))
        self.search.search.connect(self.apply_filter)
        self.search.to_list.connect(self._focus_list)
        self.search_timer = self.search.timer
        grid.addWidget(self.search.labelled(self.tr("&Search:")), 0, 0)
        grid.addWidget(self.search, 0, 1)

        status_label = QLabel(self.tr("St&atus:"))
        self.status = QComboBox()
        self.status.setAccessibleName(self.tr("Status filter"))
        self.status.addItem(self.tr("Any status"), None)
        for status in ClaimStatus:
            self.status.addItem(status_text(status), status.value)
        status_label.setBuddy(self.status)
        grid.addWidget(status_label, 0, 2)
        grid.addWidget(self.status, 0, 3)

        budget_label = QLabel(self.tr("Bu&dget:"))
        self.budget = QComboBox()
        self.budget.setAccessibleName(self.tr("Budget filter"))
        self.budget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.budget.setMinimumContentsLength(18)
        self.budget.addItem(self.tr("Any budget"), ANY)
        self.budget.addItem(self.tr("No budget"), NO_BUDGET)
        budget_label.setBuddy(self.budget)
        grid.addWidget(budget_label, 0, 4)
        grid.addWidget(self.budget, 0, 5)

        when_label = QLabel(self.tr("Activity &when:"))
        self.when = QComboBox()
        self.when.setAccessibleName(self.tr("Activity date filter"))
        add_date_presets(self.when)
        when_label.setBuddy(self.when)
        grid.addWidget(when_label, 1, 0)
        dates_row = QHBoxLayout()
        dates_row.addWidget(self.when)
        self.dates = QWidget()
        dates = QHBoxLayout(self.dates)
        dates.setContentsMargins(0, 0, 0, 0)
        today = date.today()
        self.start_date = self._date_edit(dates, self.tr("Fro&m:"), self.tr("From date"))
        self.start_date.setDate(QDate(today.year, today.month, 1).addMonths(-2))
        self.end_date = self._date_edit(dates, self.tr("&To:"), self.tr("To date"))
        self.end_date.setDate(QDate(today.year, today.month, today.day))
        self.dates.hide()
        dates_row.addWidget(self.dates)
        dates_row.addStretch(1)
        grid.addLayout(dates_row, 1, 1, 1, 3)
        self.count_label = QLabel(self.tr("Counting…"))
        self.count_label.setAccessibleName(self.tr("Number of claims"))
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(self.count_label, 1, 4, 1, 2)
        grid.setColumnStretch(1, 3)
        layout.addLayout(grid)

        self.view = make_table(
            self.model,
            self.tr("Claims"),
            self.tr("Enter opens a claim, Ctrl+N starts one, Ctrl+F searches."),
        )
        size_columns(
            self.view,
            {
                ClaimsModel.NUMBER: "2026-0123",
                ClaimsModel.CLAIMANT: "Beatrice Nwosu-Okafor",
                ClaimsModel.DATE: "28 Sep 2026",
                ClaimsModel.TOTAL: "£1,234.56",
                ClaimsModel.PAYABLE: "£1,234.56",
                ClaimsModel.CHOICE: "Bank transfer, taking less (bold)",
                ClaimsModel.STATUS: "Submitted",
                ClaimsModel.BUDGET: "Carers' voices 2026",
            },
        )
        self.view.open_requested.connect(self.open_selected)
        self.view.doubleClicked.connect(lambda _i: self.open_selected())
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.empty = empty_label(self.tr("No claims to show"))
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)

        self.totals_label = QLabel()
        self.totals_label.setAccessibleName(self.tr("Totals of the claims shown"))
        self.totals_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.totals_label)

        self.status.currentIndexChanged.connect(self.apply_filter)
        self.budget.currentIndexChanged.connect(self.apply_filter)
        self.when.currentIndexChanged.connect(self._when_changed)
        self.start_date.dateChanged.connect(self.apply_filter)
        self.end_date.dateChanged.connect(self.apply_filter)
        self.find_action = add_shortcut(self, self.tr("Search claims"), "Ctrl+F", self.focus_search)
        self.new_action = add_shortcut(self, self.tr("New claim"), "Ctrl+N", self.new_claim.emit)
        ctx.hub.changed.connect(self.on_changed)
        self._update_buttons()

    def _date_edit(self, row: QHBoxLayout, text: str, name: str) -> QDateEdit:
        label = QLabel(text)
        edit = date_edit(name)
        label.setBuddy(edit)
        row.addWidget(label)
        row.addWidget(edit)
        return edit

    # -- reading ---------------------------------------------------------------------------
    def current_query(self) -> ClaimQuery:
        key = str(self.when.currentData())
        start, end = chosen_range(key, self.start_date.date(), self.end_date.date())
        status = self.status.currentData()
        return ClaimQuery(
            status=ClaimStatus(status) if status else None,
            text=self.search.text().strip(),
            start=start,
            end=end,
            budget=str(self.budget.currentData() or ANY),
        )

    @Slot()
    def apply_filter(self) -> None:
        self.search_timer.stop()
        self.query = self.current_query()
        self.refresh()

    def refresh(self) -> None:
        if self.ctx.db is None or self.ctx.actor is None:
            return
        self._generation += 1
        generation = self._generation
        self.ctx.worker.submit(
            read_claims,
            self.ctx.database,
            self.ctx.acting,
            self.query,
            on_done=lambda listed: self._arrived(generation, listed),
            label=self.tr("Reading the claims…"),
        )

    def _arrived(self, generation: int, listed: Listed) -> None:
        if generation != self._generation:
            return
        self._offer_budgets(listed.budgets)
        rows = listed.rows
        had_focus = self.view.hasFocus()
        keep = self._selected_id
        self.model.set_rows(rows)
        self.count_label.setText(count_text(len(rows), self.tr("1 claim"), self.tr("{n} claims")))
        self.totals_label.setText(
            self.tr("Total claimed {total}; payable to claimants {payable}.").format(
                total=pence_text(sum(r.total_pence for r in rows)),
                payable=pence_text(sum(r.payable_pence for r in rows)),
            )
            if rows
            else ""
        )
        row = self.model.find(keep) if keep is not None else None
        if row is None and rows:
            row = 0
        if row is not None:
            select_row(self.view, row)
        if rows:
            self.stack.setCurrentWidget(self.view)
            if had_focus:
                self.view.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            if self.query.is_everything():
                text = self.tr(
                    "No claims yet.\nPress Ctrl+N or “New claim” to record what the organisation owes someone "
                    "for taking part: their time, travel, care cover and other costs."
                )
            else:
                text = self.tr(
                    "No claim matches the filters.\nClear the search, choose “Any status”, “Any budget” or "
                    "“Any time” (Alt+W)."
                )
            self.empty.setText(text)
            self.stack.setCurrentWidget(self.empty)
            if had_focus:
                self.search.setFocus(Qt.FocusReason.OtherFocusReason)
        self._update_buttons()
        self.loaded.emit()

    def _offer_budgets(self, budgets: list[BudgetView]) -> None:
        """Keep the budget filter's entries in step with the budgets there are."""
        wanted = [(b.name if not b.funder else f"{b.name} ({b.funder})", str(b.id)) for b in budgets]
        have = [(self.budget.itemText(i), self.budget.itemData(i)) for i in range(2, self.budget.count())]
        if wanted == have:
            return
        current = self.budget.currentData()
        self.budget.blockSignals(True)
        try:
            while self.budget.count() > 2:
                self.budget.removeItem(2)
            for text, key in wanted:
                self.budget.addItem(text, key)
            index = self.budget.findData(current)
            self.budget.setCurrentIndex(max(0, index))
        finally:
            self.budget.blockSignals(False)
        if self.budget.currentData() != current:  # the chosen budget has gone
            self.apply_filter()

    @Slot()
    def _when_changed(self) -> None:
        self.dates.setVisible(self.when.currentData() == CUSTOM)
        self.apply_filter()

    # -- selection -------------------------------------------------------------------------
    def select_claim(self, claim_id: uuid.UUID) -> None:
        self._selected_id = claim_id
        row = self.model.find(claim_id)
        if row is not None:
            select_row(self.view, row)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        claim = self.model.row_at(current.row()) if current.isValid() else None
        if claim is not None:
            self._selected_id = claim.id
        self._update_buttons()

    def selected_id(self) -> uuid.UUID | None:
        index = self.view.currentIndex()
        claim = self.model.row_at(index.row()) if index.isValid() else None
        return claim.id if claim is not None else None

    def _update_buttons(self) -> None:
        from vcsedesk.services.base import Permission

        self.open_button.setEnabled(self.selected_id() is not None)
        self.new_button.setEnabled(may(self.ctx, Permission.EDIT_RECORDS))
        self.new_action.setEnabled(self.new_button.isEnabled())

    # -- keys ------------------------------------------------------------------------------
    @Slot()
    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    @Slot()
    def _focus_list(self) -> None:
        if self.search_timer.isActive():
            self.apply_filter()
        if self.stack.currentWidget() is self.view:
            self.view.setFocus(Qt.FocusReason.OtherFocusReason)
            if not self.view.currentIndex().isValid() and self.model.rowCount():
                select_row(self.view, 0)

    @Slot()
    def open_selected(self) -> None:
        claim_id = self.selected_id()
        if claim_id is not None:
            self.open_claim.emit(claim_id)

    def on_changed(self, changes: Changes) -> None:
        if changes.tables & LIST_TABLES:
            self.refresh()
