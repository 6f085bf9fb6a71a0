"""The list of meetings: search as you type, a date range, and the table (newest first).

The search covers titles, venues, notes, agenda items and decisions.  Keys: Ctrl+F searches,
Down moves from the search box into the list, Enter (or a double click) opens a meeting,
Ctrl+N records a new one.
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
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.meetings.model import MeetingsModel
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
    from vcsedesk.services.base import Changes
    from vcsedesk.services.meetings import MeetingRow
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow

#: Tables whose changes can alter the list.
LIST_TABLES = frozenset({"meetings", "meeting_items", "meeting_attendees", "actions", "contacts"})


@dataclass(frozen=True)
class MeetingQuery:
    start: date | None = None
    end: date | None = None
    text: str = ""

    def is_everything(self) -> bool:
        return self.start is None and self.end is None and not self.text


def read_meetings(db: Database, query: MeetingQuery) -> list[MeetingRow]:
    """The meetings the search and dates select, newest first (on the worker)."""
    from vcsedesk.services import meetings

    return meetings.list_meetings(db, start=query.start, end=query.end, query=query.text or None)


class MeetingsListPage(QWidget):
    open_meeting = Signal(object)
    new_meeting = Signal()
    #: The rows have arrived and are shown.
    loaded = Signal()

    def __init__(self, ctx: AppContext, window: MainWindow | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.window_ = window
        self.query = MeetingQuery()
        self._generation = 0
        self._selected_id: uuid.UUID | None = None
        self.setAccessibleName(self.tr("Meetings"))
        self.model = MeetingsModel(self)
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        heading = QLabel(self.tr("Meetings"))
        heading.setFont(heading_font(self.font()))
        heading.setAccessibleName(self.tr("Meetings"))
        top.addWidget(heading)
        top.addStretch(1)
        self.new_button = QPushButton(self.tr("&New meeting"))
        self.new_button.setAccessibleName(self.tr("New meeting"))
        self.new_button.setToolTip(
            self.tr("Record a meeting: its agenda, who came, decisions and actions (Ctrl+N)")
        )
        self.new_button.clicked.connect(self.new_meeting.emit)
        top.addWidget(self.new_button)
        self.open_button = push_button(
            self.tr("&Open"),
            self.tr("Open the selected meeting"),
            self.open_selected,
            tip=self.tr("Open the selected meeting (Enter)"),
            row=top,
        )
        if window is not None:
            self.undo_button = undo_button(window)
            top.addWidget(self.undo_button)
        layout.addLayout(top)

        bar = QHBoxLayout()
        self.search = SearchBox(
            self.tr("Search meetings"), self.tr("Words in a title, venue, notes, agenda item or decision")
        )
        self.search.search.connect(self.apply_filter)
        self.search.to_list.connect(self._focus_list)
        self.search_timer = self.search.timer
        bar.addWidget(self.search.labelled(self.tr("&Search:")))
        bar.addWidget(self.search, 3)
        when_label = QLabel(self.tr("&When:"))
        self.when = QComboBox()
        self.when.setAccessibleName(self.tr("Date filter"))
        add_date_presets(self.when)
        when_label.setBuddy(self.when)
        bar.addWidget(when_label)
        bar.addWidget(self.when)
        self.dates = QWidget()
        dates = QHBoxLayout(self.dates)
        dates.setContentsMargins(0, 0, 0, 0)
        today = date.today()
        self.start_date = self._date_edit(dates, self.tr("Fro&m:"), self.tr("From date"))
        self.start_date.setDate(QDate(today.year, today.month, 1).addMonths(-2))
        self.end_date = self._date_edit(dates, self.tr("&To:"), self.tr("To date"))
        self.end_date.setDate(QDate(today.year, today.month, today.day))
        self.dates.hide()
        bar.addWidget(self.dates)
        bar.addStretch(1)
        self.count_label = QLabel(self.tr("Counting…"))
        self.count_label.setAccessibleName(self.tr("Number of meetings"))
        bar.addWidget(self.count_label)
        layout.addLayout(bar)

        self.view = make_table(
            self.model,
            self.tr("Meetings"),
            self.tr("Enter opens a meeting, Ctrl+N records one, Ctrl+F searches."),
        )
        size_columns(
            self.view,
            {
                MeetingsModel.DATE: "28 Sep 2026  10:30",
                MeetingsModel.TITLE: "Health and wellbeing partnership board",
                MeetingsModel.VENUE: "Canal Street Library, and online",
                MeetingsModel.ATTENDEES: self.tr("{n} (apologies from {a})").format(n=12, a=3),
            },
        )
        self.view.open_requested.connect(self.open_selected)
        self.view.doubleClicked.connect(lambda _i: self.open_selected())
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.empty = empty_label(self.tr("No meetings to show"))
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)

        self.when.currentIndexChanged.connect(self._when_changed)
        self.start_date.dateChanged.connect(self.apply_filter)
        self.end_date.dateChanged.connect(self.apply_filter)
        self.find_action = add_shortcut(self, self.tr("Search meetings"), "Ctrl+F", self.focus_search)
        self.new_action = add_shortcut(self, self.tr("New meeting"), "Ctrl+N", self.new_meeting.emit)
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
    def current_query(self) -> MeetingQuery:
        key = str(self.when.currentData())
        start, end = chosen_range(key, self.start_date.date(), self.end_date.date())
        return MeetingQuery(start, end, self.search.text().strip())

    @Slot()
    def apply_filter(self) -> None:
        self.search_timer.stop()
        self.query = self.current_query()
        self.refresh()

    def refresh(self) -> None:
        if self.ctx.db is None:
            return
        self._generation += 1
        generation = self._generation
        self.ctx.worker.submit(
            read_meetings,
            self.ctx.database,
            self.query,
            on_done=lambda rows: self._arrived(generation, rows),
            label=self.tr("Reading the meetings…"),
        )

    def _arrived(self, generation: int, rows: list[MeetingRow]) -> None:
        if generation != self._generation:
            return
        had_focus = self.view.hasFocus()
        keep = self._selected_id
        self.model.set_rows(rows)
        self.count_label.setText(count_text(len(rows), self.tr("1 meeting"), self.tr("{n} meetings")))
        row = self.model.find(keep) if keep is not None else None
        if row is None and rows:
            row = 0
        if row is not None:
            self._select_row(row)
        if rows:
            self.stack.setCurrentWidget(self.view)
            if had_focus:
                self.view.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            if self.query.is_everything():
                text = self.tr(
                    "No meetings recorded yet.\nPress Ctrl+N or “New meeting” to record one: its agenda, "
                    "the voices at the meeting and who they speak for, apologies, decisions and actions."
                )
            else:
                text = self.tr(
                    "No meeting matches the search and dates.\nClear the search, or choose “Any time” (Alt+W)."
                )
            self.empty.setText(text)
            self.stack.setCurrentWidget(self.empty)
            if had_focus:
                self.search.setFocus(Qt.FocusReason.OtherFocusReason)
        self._update_buttons()
        self.loaded.emit()

    @Slot()
    def _when_changed(self) -> None:
        self.dates.setVisible(self.when.currentData() == CUSTOM)
        self.apply_filter()

    # -- selection -------------------------------------------------------------------------
    def _select_row(self, row: int) -> None:
        select_row(self.view, row)

    def select_meeting(self, meeting_id: uuid.UUID) -> None:
        self._selected_id = meeting_id
        row = self.model.find(meeting_id)
        if row is not None:
            self._select_row(row)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        meeting = self.model.row_at(current.row()) if current.isValid() else None
        if meeting is not None:
            self._selected_id = meeting.id
        self._update_buttons()

    def selected_id(self) -> uuid.UUID | None:
        index = self.view.currentIndex()
        meeting = self.model.row_at(index.row()) if index.isValid() else None
        return meeting.id if meeting is not None else None

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
                self._select_row(0)

    @Slot()
    def open_selected(self) -> None:
        meeting_id = self.selected_id()
        if meeting_id is not None:
            self.open_meeting.emit(meeting_id)

    def on_changed(self, changes: Changes) -> None:
        if changes.tables & LIST_TABLES:
            self.refresh()
