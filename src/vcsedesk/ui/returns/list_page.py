"""The Returns tab's list: what is due (overdue first, "Overdue by 5 days" in words with the
warning icon), and every edition of every return.

Keys: Ctrl+N asks for a new return; Alt+D moves to the due list, where Enter starts (or opens)
the return; in the list of returns Enter opens one.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.returns.models import DueModel, ReturnsModel
from vcsedesk.ui.widgets import (
    RecordsView,
    add_shortcut,
    count_text,
    empty_label,
    fit_rows,
    make_table,
    push_button,
    select_row,
    set_up_table,
    size_columns,
)

if TYPE_CHECKING:
    from vcsedesk.domain.errors import UserError
    from vcsedesk.domain.returns import Period
    from vcsedesk.services.base import Changes
    from vcsedesk.services.partnerships import DueReturn, PartnershipView
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.returns.dialogs import NewReturnDialog
    from vcsedesk.ui.returns.reads import Listed

#: Tables whose changes alter the lists.
LIST_TABLES = frozenset({"returns", "partnerships", "return_templates"})


class ReturnsListPage(QWidget):
    open_return = Signal(object)
    #: The lists have arrived and are shown.
    loaded = Signal()
    #: A start was refused: the service's sentence (tests listen).
    refused = Signal(str)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.today = date.today
        self.listed: Listed | None = None
        self.partnerships: list[PartnershipView] = []
        self.dialog: NewReturnDialog | None = None
        self._generation = 0
        self._selected: uuid.UUID | None = None
        self._busy = False
        self.setAccessibleName(self.tr("Returns"))
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        heading = QLabel(self.tr("Returns to partnerships"))
        heading.setFont(heading_font(self.font()))
        top.addWidget(heading)
        top.addStretch(1)
        self.new_button = push_button(
            self.tr("&New return…"),
            self.tr("Start a new return"),
            self.new_return,
            tip=self.tr("Start a return for a partnership and a period (Ctrl+N)"),
            row=top,
        )
        self.open_button = push_button(
            self.tr("&Open"),
            self.tr("Open the selected return"),
            self.open_selected,
            tip=self.tr("Enter"),
            row=top,
        )
        layout.addLayout(top)

        self.due_box = QGroupBox(self.tr("&Due"))
        self.due_box.setAccessibleName(self.tr("Returns due"))
        due = QVBoxLayout(self.due_box)
        self.due_model = DueModel(self)
        self.due_view = RecordsView()
        set_up_table(self.due_view, self.due_model, self.tr("Returns due, overdue first"))
        self.due_view.setProperty("max_rows", 6)
        fit_rows(self.due_view, 1)
        self.due_view.setAccessibleDescription(self.tr("Enter starts the return, or opens it if started"))
        size_columns(
            self.due_view,
            {
                DueModel.PARTNERSHIP: "Riverside People's Partnership hub",
                DueModel.PERIOD: "October to December 2025 (2025-Q4)",
                DueModel.WHEN: "Overdue by 120 days (due 30 Oct 2025)",
            },
        )
        self.due_view.open_requested.connect(self.start_due)
        self.due_view.doubleClicked.connect(lambda _i: self.start_due())
        due.addWidget(self.due_view)
        self.no_due = QLabel(self.tr("Nothing is due in the next 45 days."))
        self.no_due.setWordWrap(True)
        due.addWidget(self.no_due)
        due_buttons = QHBoxLayout()
        self.start_button = push_button(
            self.tr("&Start return"),
            self.tr("Start the selected due return"),
            self.start_due,
            tip=self.tr("Start the return chosen in the Due list, or open it if it is started (Enter)"),
            row=due_buttons,
        )
        due_buttons.addStretch(1)
        due.addLayout(due_buttons)
        self.due_box.setFocusProxy(self.due_view)
        layout.addWidget(self.due_box)

        caption = QLabel(self.tr("A&ll returns and editions:"))
        layout.addWidget(caption)
        self.model = ReturnsModel(self)
        self.view = make_table(
            self.model, self.tr("Returns"), self.tr("Enter opens a return, Ctrl+N starts one.")
        )
        size_columns(
            self.view,
            {
                ReturnsModel.PARTNERSHIP: "Riverside People's Partnership hub",
                ReturnsModel.PERIOD: "October to December 2025 (2025-Q4)",
                ReturnsModel.EDITION: "Edition",
                ReturnsModel.STATUS: "Response received — superseded",
                ReturnsModel.SUBMITTED: "28 Sep 2026",
            },
        )
        caption.setBuddy(self.view)
        self.view.open_requested.connect(self.open_selected)
        self.view.doubleClicked.connect(lambda _i: self.open_selected())
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.empty = empty_label(self.tr("No returns"))
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self.count_label = QLabel()
        self.count_label.setAccessibleName(self.tr("Number of returns"))
        layout.addWidget(self.count_label)

        self.new_action = add_shortcut(self, self.tr("New return"), "Ctrl+N", self.new_return)
        self.due_view.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        ctx.hub.changed.connect(self.on_changed)
        self._update_buttons()

    # -- reading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        from vcsedesk.ui.returns.reads import read_list

        if self.ctx.db is None:
            return
        self._generation += 1
        generation = self._generation
        self.ctx.worker.submit(
            read_list,
            self.ctx.database,
            self.today(),
            on_done=lambda listed: self._arrived(generation, listed),
            label=self.tr("Reading the returns…"),
        )

    def _arrived(self, generation: int, listed: Listed) -> None:
        if generation != self._generation:
            return
        self.listed = listed
        self.partnerships = listed.partnerships
        due_current = self.selected_due()
        self.due_model.set_due(listed.due, listed.today)
        fit_rows(self.due_view, len(listed.due))
        self.due_view.setVisible(bool(listed.due))
        self.no_due.setVisible(not listed.due)
        if not listed.partnerships:
            self.no_due.setText(
                self.tr("Nothing is due: there are no partnerships yet (add one on the Partnerships tab).")
            )
        else:
            self.no_due.setText(self.tr("Nothing is due in the next 45 days."))
        if listed.due:
            keep = 0
            if due_current is not None:
                keep = next(
                    (
                        i
                        for i, d in enumerate(listed.due)
                        if d.partnership_id == due_current.partnership_id and d.period == due_current.period
                    ),
                    0,
                )
            select_row(self.due_view, keep)

        had_focus = self.view.hasFocus()
        rows = listed.returns
        self.model.set_items(rows)
        self.count_label.setText(count_text(len(rows), self.tr("1 return"), self.tr("{n} returns")))
        row = self.model.find(self._selected) if self._selected is not None else None
        if row is None and rows:
            row = 0
        if row is not None:
            select_row(self.view, row)
        if rows:
            self.stack.setCurrentWidget(self.view)
            if had_focus:
                self.view.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.empty.setText(
                self.tr(
                    "No returns yet.\nStart one from the Due list above (Enter), or with “New return…” (Ctrl+N). "
                    "A return's figures are worked out from the records; you add the narrative and choose the quotes."
                )
            )
            self.stack.setCurrentWidget(self.empty)
        self._update_buttons()
        self.loaded.emit()

    # -- selection --------------------------------------------------------------------------
    def selected_due(self) -> DueReturn | None:
        index = self.due_view.currentIndex()
        return self.due_model.item_at(index.row()) if index.isValid() else None

    def selected_id(self) -> uuid.UUID | None:
        index = self.view.currentIndex()
        item = self.model.item_at(index.row()) if index.isValid() else None
        return item.id if item is not None else None

    def select_return(self, return_id: uuid.UUID) -> None:
        self._selected = return_id
        row = self.model.find(return_id)
        if row is not None:
            select_row(self.view, row)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item = self.model.item_at(current.row()) if current.isValid() else None
        if item is not None:
            self._selected = item.id
        self._update_buttons()

    def _update_buttons(self) -> None:
        due = self.selected_due()
        self.open_button.setEnabled(self.selected_id() is not None)
        self.start_button.setEnabled(due is not None and not self._busy)
        self.start_button.setText(
            self.tr("Op&en return")
            if due is not None and due.return_id is not None
            else self.tr("&Start return")
        )
        self.new_button.setEnabled(not self._busy)

    # -- actions -------------------------------------------------------------------------------
    @Slot()
    def open_selected(self) -> None:
        return_id = self.selected_id()
        if return_id is not None:
            self.open_return.emit(return_id)

    @Slot()
    def start_due(self) -> None:
        due = self.selected_due()
        if due is None:
            return
        if due.return_id is not None:
            self.open_return.emit(due.return_id)
            return
        self.start(due.partnership_id, due.period)

    def start(self, partnership_id: uuid.UUID, period: Period, dialog: NewReturnDialog | None = None) -> None:
        from vcsedesk.services import returns

        if self._busy:
            return
        self._busy = True
        self._update_buttons()

        def done(changes: Changes) -> None:
            if dialog is not None:
                dialog.finish()
            created = sorted(changes.created.get("returns", ()))
            if created:
                self._selected = created[0]
                self.open_return.emit(created[0])

        def refused(exc: UserError) -> None:
            if dialog is not None and dialog.isVisible():
                dialog.refuse(exc)
            else:
                self.ctx.worker.show_user_error(exc)
            self.refused.emit(str(exc))

        def settled() -> None:
            self._busy = False
            self._update_buttons()

        self.ctx.hub.perform(
            returns.start_return,
            self.ctx.database,
            self.ctx.acting,
            partnership_id,
            period,
            on_done=done,
            on_error=refused,
            on_settled=settled,
            label=self.tr("Starting the return…"),
        )

    @Slot()
    def new_return(self) -> None:
        from vcsedesk.ui.returns.dialogs import NewReturnDialog

        if self._busy or self.dialog is not None:
            return
        due = self.selected_due()
        dialog = NewReturnDialog(
            self.partnerships, self.today(), self, chosen=due.partnership_id if due is not None else None
        )
        self.dialog = dialog
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))

        def answered() -> None:
            p, period = dialog.chosen_partnership(), dialog.chosen_period()
            if p is None or period is None:
                dialog.busy = False
                dialog._enable(True)
                return
            self.start(p.id, period, dialog)

        dialog.answered.connect(answered)
        dialog.open()

    def on_changed(self, changes: Changes) -> None:
        if changes.tables & LIST_TABLES:
            self.refresh()
