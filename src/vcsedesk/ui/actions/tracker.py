"""The actions tracker: every follow-up, from engagements and meetings, in one table.

Overdue actions come first and stand out without colour: "Overdue" in the Status column, a
warning icon beside it and the whole row in bold.  The filters are Open (the default: open or
in progress), Overdue, Done and All, and "Mine only" (actions the person using vcsedesk owns);
the count above the table ("12 open, 3 overdue") is of every open action.

Keys: Enter edits the current action, Ctrl+D marks it done (asking what came of it), Ctrl+G
goes to the engagement or meeting it came from, Ctrl+N adds an action on its own; Alt+S and
Alt+M reach the filters.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.engagement import ActionStatus
from vcsedesk.ui.actions.model import ActionsModel
from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.widgets import (
    add_shortcut,
    empty_label,
    make_table,
    may,
    note_strip,
    push_button,
    select_row,
    size_columns,
    undo_button,
)

if TYPE_CHECKING:
    from vcsedesk.services.actions import ActionRow
    from vcsedesk.services.base import Changes
    from vcsedesk.store.database import Database
    from vcsedesk.ui.actions.dialog import ActionDialog, DoneDialog
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow

#: Tables whose changes can alter what the tracker shows.
TRACKER_TABLES = frozenset({"actions", "meetings", "meeting_items", "engagements", "users", "contacts"})

# The "Show" filter.
OPEN, OVERDUE, DONE, ALL = "open", "overdue", "done", "all"


@dataclass(frozen=True)
class TrackerQuery:
    show: str = OPEN
    mine: uuid.UUID | None = None
    #: Only these actions (what a dashboard figure stands for), whatever the filters say.
    ids: tuple[uuid.UUID, ...] | None = None


@dataclass(frozen=True)
class TrackerRows:
    rows: list[ActionRow]
    open_count: int
    overdue_count: int
    today: date


def read_tracker(db: Database, query: TrackerQuery, today: date) -> TrackerRows:
    """The tracker's rows and its counts (on the worker)."""
    from vcsedesk.services import actions

    if query.ids is not None:
        rows = actions.list_actions(db, today=today, ids=list(query.ids))
    else:
        status: list[str] | None = None
        if query.show == OPEN:
            status = list(actions.OPEN_STATUSES)
        elif query.show == DONE:
            status = [ActionStatus.DONE.value]
        rows = actions.list_actions(
            db, today=today, status=status, overdue_only=query.show == OVERDUE, owner_user_id=query.mine
        )
    open_count, overdue_count = actions.action_counts(db, today)
    return TrackerRows(rows, open_count, overdue_count, today)


class TrackerPage(QWidget):
    """The table of actions with its filters and buttons."""

    #: Go to where an action came from: ("engagements" | "meetings", the record's id).
    source_requested = Signal(str, object)
    #: The rows have arrived and are shown.
    loaded = Signal()

    def __init__(self, ctx: AppContext, window: MainWindow | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.window_ = window
        self.query = TrackerQuery()
        self.chosen_title = ""
        self.counts: tuple[int, int] | None = None
        self.last_note = ""
        self._generation = 0
        self._selected_id: uuid.UUID | None = None
        self.dialog: ActionDialog | None = None
        self.done_dialog: DoneDialog | None = None
        self.setAccessibleName(self.tr("Actions tracker"))
        self.model = ActionsModel(self)
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        heading = QLabel(self.tr("Actions"))
        heading.setFont(heading_font(self.font()))
        heading.setAccessibleName(self.tr("Actions"))
        top.addWidget(heading)
        top.addSpacing(self.fontMetrics().averageCharWidth() * 3)
        self.count_label = QLabel(self.tr("Counting…"))
        self.count_label.setAccessibleName(self.tr("Open and overdue actions"))
        top.addWidget(self.count_label)
        top.addStretch(1)
        self.new_button = push_button(
            self.tr("&New action"),
            self.tr("New action"),
            self.new_action,
            tip=self.tr("Add an action on its own (Ctrl+N)"),
            row=top,
        )
        self.edit_button = push_button(
            self.tr("Ed&it…"),
            self.tr("Edit the selected action"),
            self.edit_selected,
            tip=self.tr("Edit the selected action (Enter)"),
            row=top,
        )
        self.done_button = push_button(
            self.tr("Mark &done…"),
            self.tr("Mark the selected action done"),
            self.mark_done,
            tip=self.tr("Mark the selected action done (Ctrl+D)"),
            row=top,
        )
        self.source_button = push_button(
            self.tr("Go to s&ource"),
            self.tr("Go to where the selected action came from"),
            self.go_to_source,
            tip=self.tr("Open the engagement or meeting the action came from (Ctrl+G)"),
            row=top,
        )
        if window is not None:
            self.undo_button = undo_button(window)
            top.addWidget(self.undo_button)
        layout.addLayout(top)

        bar = QHBoxLayout()
        show_label = QLabel(self.tr("&Show:"))
        self.show_combo = QComboBox()
        self.show_combo.setAccessibleName(self.tr("Which actions to show"))
        for key, text in (
            (OPEN, self.tr("Open (not done yet)")),
            (OVERDUE, self.tr("Overdue")),
            (DONE, self.tr("Done")),
            (ALL, self.tr("All, including cancelled")),
        ):
            self.show_combo.addItem(text, key)
        show_label.setBuddy(self.show_combo)
        bar.addWidget(show_label)
        bar.addWidget(self.show_combo)
        self.mine = QCheckBox(self.tr("&Mine only"))
        self.mine.setAccessibleName(self.tr("Only the actions I own"))
        self.mine.setEnabled(ctx.actor is not None)
        bar.addSpacing(self.fontMetrics().averageCharWidth() * 2)
        bar.addWidget(self.mine)
        bar.addStretch(1)
        self.shown_label = QLabel()
        self.shown_label.setAccessibleName(self.tr("Number of actions shown"))
        bar.addWidget(self.shown_label)
        layout.addLayout(bar)

        self.show_all_button = push_button(
            self.tr("Show &all"), self.tr("Show the whole tracker again"), self.clear_chosen
        )
        self.chosen_bar, self.chosen_label = note_strip(self.tr("Chosen actions"), self.show_all_button)
        layout.addWidget(self.chosen_bar)

        self.view = make_table(
            self.model,
            self.tr("Actions"),
            self.tr(
                "Overdue actions come first, marked “Overdue” with a warning sign. Enter edits an "
                "action, Ctrl+D marks it done, Ctrl+G goes to where it came from, Ctrl+N adds one."
            ),
        )
        size_columns(
            self.view,
            {
                ActionsModel.TITLE: "Write to the practice manager abo",
                ActionsModel.OWNER: "Beatrice Nwosu",
                ActionsModel.DUE: "30 Sep 2026, 12 days late",
                ActionsModel.STATUS: "⚠ " + self.tr("Overdue (in progress)"),
                ActionsModel.SOURCE: "Meeting “Carers' forum” 30 Sep",
            },
        )
        self.view.open_requested.connect(self.edit_selected)
        self.view.doubleClicked.connect(lambda _i: self.edit_selected())
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.empty = empty_label(self.tr("No actions to show"))
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)

        self.new_action_ = add_shortcut(self, self.tr("New action"), "Ctrl+N", self.new_action)
        self.done_action = add_shortcut(self, self.tr("Mark the action done"), "Ctrl+D", self.mark_done)
        self.source_action = add_shortcut(self, self.tr("Go to source"), "Ctrl+G", self.go_to_source)
        self.show_combo.currentIndexChanged.connect(self._filters_changed)
        self.mine.toggled.connect(self._filters_changed)
        ctx.hub.changed.connect(self.on_changed)
        self._update_buttons()

    # -- loading ---------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.ctx.db is None:
            return
        self._generation += 1
        generation = self._generation
        self.ctx.worker.submit(
            read_tracker,
            self.ctx.database,
            self.query,
            date.today(),
            on_done=lambda found: self._arrived(generation, found),
            label=self.tr("Reading the actions…"),
        )

    def _arrived(self, generation: int, found: TrackerRows) -> None:
        if generation != self._generation:
            return
        keep = self._selected_id
        had_focus = self.view.hasFocus()
        self.model.set_rows(found.rows, found.today)
        self.counts = (found.open_count, found.overdue_count)
        self.count_label.setText(
            self.tr("{open} open, {overdue} overdue").format(
                open=found.open_count, overdue=found.overdue_count
            )
        )
        shown = len(found.rows)
        self.shown_label.setText(self.tr("1 shown") if shown == 1 else self.tr("{n} shown").format(n=shown))
        row = self.model.find(keep) if keep is not None else None
        if row is None and shown:
            row = 0
        if row is not None:
            self.select_row(row)
        self._show_empty(had_focus)
        self._update_buttons()
        self.loaded.emit()

    def _show_empty(self, had_focus: bool) -> None:
        if self.model.row_count():
            self.stack.setCurrentWidget(self.view)
            if had_focus:
                self.view.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        show = self.query.show
        if self.query.ids is not None:
            text = self.tr("None of the chosen actions is left. “Show all” shows the whole tracker.")
        elif show == OVERDUE:
            text = self.tr("Nothing is overdue. Well done.")
        elif show == DONE:
            text = self.tr("No action has been marked done yet. Ctrl+D on an action marks it done.")
        elif self.counts == (0, 0) and show == OPEN and self.query.mine is None:
            text = self.tr(
                "No open actions.\nActions are agreed at meetings and after engagements, and appear "
                "here; Ctrl+N or “New action” adds one on its own."
            )
        else:
            text = self.tr("No action matches these filters. Choose “All” to see every action.")
        if self.query.mine is not None:
            text += "\n" + self.tr(
                "Only your actions are shown: untick “Mine only” (Alt+M) to see everyone's."
            )
        self.empty.setText(text)
        self.stack.setCurrentWidget(self.empty)

    def select_row(self, row: int) -> None:
        select_row(self.view, row)

    def select_action(self, action_id: uuid.UUID) -> None:
        self._selected_id = action_id
        row = self.model.find(action_id)
        if row is not None:
            self.select_row(row)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        action = self.model.row_at(current.row()) if current.isValid() else None
        if action is not None:
            self._selected_id = action.id
        self._update_buttons()

    def selected(self) -> ActionRow | None:
        index = self.view.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _update_buttons(self) -> None:
        from vcsedesk.services.base import Permission

        editable = may(self.ctx, Permission.EDIT_RECORDS)
        action = self.selected()
        self.new_button.setEnabled(editable)
        self.new_action_.setEnabled(editable)
        self.edit_button.setEnabled(editable and action is not None)
        self.done_button.setEnabled(
            editable and action is not None and action.status is not ActionStatus.DONE
        )
        self.done_action.setEnabled(editable and action is not None)
        self.source_button.setEnabled(action is not None and action.source_table is not None)
        self.source_action.setEnabled(action is not None)

    # -- filters ---------------------------------------------------------------------------
    @Slot()
    def _filters_changed(self) -> None:
        user = self.ctx.actor.user_id if self.mine.isChecked() and self.ctx.actor is not None else None
        self.query = TrackerQuery(show=str(self.show_combo.currentData()), mine=user, ids=self.query.ids)
        self.refresh()

    def set_show(self, key: str) -> None:
        self.show_combo.setCurrentIndex(max(0, self.show_combo.findData(key)))

    def show_chosen(self, ids: Sequence[uuid.UUID], title: str) -> None:
        """Show only these actions (what a dashboard figure stands for) until "Show all"."""
        self.chosen_title = title
        self.query = TrackerQuery(show=self.query.show, mine=self.query.mine, ids=tuple(dict.fromkeys(ids)))
        count = len(self.query.ids or ())
        self.chosen_label.setText(
            self.tr("Showing only the {n} actions behind “{title}”; the filters do not apply.").format(
                n=count, title=title
            )
            if count != 1
            else self.tr("Showing only the action behind “{title}”; the filters do not apply.").format(
                title=title
            )
        )
        self.chosen_bar.show()
        self.show_combo.setEnabled(False)
        self.mine.setEnabled(False)
        self.refresh()

    @Slot()
    def clear_chosen(self) -> None:
        self.chosen_bar.hide()
        self.show_combo.setEnabled(True)
        self.mine.setEnabled(self.ctx.actor is not None)
        self.query = TrackerQuery(show=self.query.show, mine=self.query.mine)
        self.refresh()
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- doing -----------------------------------------------------------------------------
    def note(self, text: str) -> None:
        self.last_note = text
        if self.window_ is not None:
            self.window_.note(text)

    @Slot()
    def new_action(self) -> None:
        self._open_dialog(None)

    @Slot()
    def edit_selected(self) -> None:
        action = self.selected()
        if action is not None:
            self._open_dialog(action.id)

    def _open_dialog(self, action_id: uuid.UUID | None) -> None:
        from vcsedesk.services.base import Permission
        from vcsedesk.ui.actions.dialog import ActionDialog

        if not may(self.ctx, Permission.EDIT_RECORDS):
            return
        dialog = ActionDialog(self.ctx, action_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._saved)
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.open()

    def _dialog_closed(self, dialog: QWidget) -> None:
        if self.dialog is dialog:
            self.dialog = None
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _saved(self, action_id: uuid.UUID | None) -> None:
        if action_id is not None:
            self._selected_id = action_id

    @Slot()
    def mark_done(self) -> None:
        from vcsedesk.services.base import Permission
        from vcsedesk.ui.actions.dialog import DoneDialog

        action = self.selected()
        if action is None or not may(self.ctx, Permission.EDIT_RECORDS):
            return
        if action.status is ActionStatus.DONE:
            self.note(self.tr("“{title}” is done already.").format(title=action.title))
            return
        dialog = DoneDialog(action, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._done(action, dialog.outcome_text()))
        dialog.finished.connect(lambda _r: self._done_closed(dialog))
        self.done_dialog = dialog
        dialog.open()

    def _done_closed(self, dialog: QWidget) -> None:
        if self.done_dialog is dialog:
            self.done_dialog = None
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _done(self, action: ActionRow, outcome: str) -> None:
        from vcsedesk.services import actions

        self.ctx.hub.perform(
            actions.set_status,
            self.ctx.database,
            self.ctx.acting,
            action.id,
            action.version,
            ActionStatus.DONE.value,
            outcome,
            label=self.tr("Marking the action done…"),
        )

    @Slot()
    def go_to_source(self) -> None:
        action = self.selected()
        if action is None:
            return
        if action.source_table is None or action.source_id is None:
            self.note(
                self.tr(
                    "“{title}” is an action on its own: it did not come from an engagement or a meeting."
                ).format(title=action.title)
            )
            return
        self.source_requested.emit(action.source_table, action.source_id)

    # -- changes ---------------------------------------------------------------------------
    def on_changed(self, changes: Changes) -> None:
        if changes.tables & TRACKER_TABLES:
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.model.has_loaded and self.model.today != date.today():
            self.refresh()  # a new day: other actions are overdue now
