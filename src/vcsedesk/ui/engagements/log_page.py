"""The listening log: search as you type, filters, and two lazy tables — the engagements and
their quotes — over the same search and filters.

Typing in the search box waits ~150 ms after the last key, then the models ask the worker
again (the latest query wins).  The search covers titles, summaries, places, themes and the
words of quotes (an engagement is found by its quotes' words too).  The filters are the date
(presets such as "Last 3 months", or a custom range), the type, the ward and the theme (a
theme takes in its sub-themes and the themes merged into it); archived engagements are shown
only when asked.

Keys: Ctrl+F search, Down from the search box into the list, arrows move, Enter (or a double
click) opens, Ctrl+N records a new engagement, Alt+A / Alt+Q switch between the engagements
and the quotes, Alt+X exports.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QDate,
    QModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.ui.engagements.choices import Choices, read_choices
from vcsedesk.ui.engagements.log_model import EngagementsModel, QuotesModel
from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.widgets import (
    CUSTOM,
    RecordsView,
    SearchBox,
    add_date_presets,
    add_shortcut,
    chosen_range,
    count_text,
    date_edit,
    empty_label,
    labelled_combo,
    make_table,
    may,
    note_strip,
    push_button,
    select_row,
    size_columns,
    undo_button,
)

if TYPE_CHECKING:
    from vcsedesk.services.base import Changes
    from vcsedesk.services.engagement_log import EngagementFilter, QuoteFilter
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.lazy_model import LazyRowsModel
    from vcsedesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

#: Tables whose changes can alter what the log or the quotes list shows.
LOG_TABLES = frozenset(
    {
        "engagements",
        "engagement_facilitators",
        "engagement_participants",
        "headcount_groups",
        "engagement_themes",
        "quotes",
        "quote_themes",
        "themes",
        "engagement_types",
        "priorities",
        "wards",
        "contacts",
        "users",
    }
)
#: Tables whose changes alter what the filters offer.
CHOICE_TABLES = frozenset({"themes", "engagement_types", "wards", "priorities"})


class LogPage(QWidget):
    """Search, filters, and the engagements and quotes tables."""

    #: Open this engagement (its id).
    open_engagement = Signal(object)
    #: Record a new engagement.
    new_engagement = Signal()
    #: Carry on with a draft kept when vcsedesk closed (its kind).
    resume_draft = Signal(str)

    def __init__(self, ctx: AppContext, window: MainWindow | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.window_ = window
        self.choices = Choices()
        self.setAccessibleName(self.tr("Engagement log"))
        self._selected_id: uuid.UUID | None = None
        # The models ask for their first rows before the widgets are built.
        self.model = EngagementsModel(ctx, self)
        self.quotes_model = QuotesModel(ctx, self)
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        title = QLabel(self.tr("Engagements"))
        title.setFont(heading_font(self.font()))
        title.setAccessibleName(self.tr("Engagements"))
        top.addWidget(title)
        top.addStretch(1)
        self.new_button = push_button(
            self.tr("&New engagement"),
            self.tr("New engagement"),
            self.new_engagement.emit,
            tip=self.tr("Record an engagement (Ctrl+N)"),
            row=top,
        )
        self.open_button = push_button(
            self.tr("&Open"),
            self.tr("Open the selected engagement"),
            self.open_selected,
            tip=self.tr("Open the selected engagement (Enter)"),
            row=top,
        )
        self.export_button = QPushButton(self.tr("E&xport…"))
        self.export_button.setAccessibleName(self.tr("Export the log"))
        self.export_button.setToolTip(
            self.tr("Export the log as filtered, its quotes, or everything, to xlsx")
        )
        self.export_button.clicked.connect(self.export)
        top.addWidget(self.export_button)
        if window is not None:
            self.undo_button = undo_button(window)
            top.addWidget(self.undo_button)
        layout.addLayout(top)

        # A draft kept when vcsedesk closed before an engagement was saved.
        self.resume_button = push_button(
            self.tr("Carry on &typing it"),
            self.tr("Open the engagement that was not saved"),
            lambda: self.resume_draft.emit(self._draft_kinds[0]),
        )
        self.drafts_note, self.drafts_text = note_strip(self.tr("Engagements not saved"), self.resume_button)
        self._draft_kinds: list[str] = []
        layout.addWidget(self.drafts_note)

        # -- search and filters ------------------------------------------------------------
        bar = QGridLayout()
        self.search = SearchBox(
            self.tr("Search engagements and quotes"),
            self.tr("Words in a title, summary, place, theme or quote"),
        )
        self.search.search.connect(self.apply_filter)
        self.search.to_list.connect(self._focus_list)
        self.search_timer = self.search.timer
        bar.addWidget(self.search.labelled(self.tr("&Search:")), 0, 0)
        bar.addWidget(self.search, 0, 1, 1, 5)
        self.show_archived = QCheckBox(self.tr("Show archi&ved"))
        self.show_archived.setAccessibleName(self.tr("Show archived engagements"))
        self.show_archived.toggled.connect(self.apply_filter)
        bar.addWidget(self.show_archived, 0, 6)
        self.count_label = QLabel()
        self.count_label.setAccessibleName(self.tr("Number of engagements"))
        bar.addWidget(self.count_label, 0, 7, Qt.AlignmentFlag.AlignRight)

        self.when = labelled_combo(bar, 1, 0, self.tr("&When:"), self.tr("Date filter"), width=14)
        add_date_presets(self.when)
        dates = QHBoxLayout()
        self.from_label = QLabel(self.tr("From:"))
        self.start_date = date_edit(self.tr("From date"))
        self.from_label.setBuddy(self.start_date)
        self.to_label = QLabel(self.tr("To:"))
        self.end_date = date_edit(self.tr("To date"))
        self.to_label.setBuddy(self.end_date)
        today = date.today()
        self.end_date.setDate(QDate(today.year, today.month, today.day))
        self.start_date.setDate(QDate(today.year, today.month, 1).addMonths(-2))
        for widget in (self.from_label, self.start_date, self.to_label, self.end_date):
            dates.addWidget(widget)
        dates.addStretch(1)
        self.dates = QWidget()
        self.dates.setLayout(dates)
        dates.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.dates, 1, 2, 1, 4)
        self.dates.hide()
        self.start_date.dateChanged.connect(self.apply_filter)
        self.end_date.dateChanged.connect(self.apply_filter)

        self.type = labelled_combo(
            bar, 2, 0, self.tr("T&ype:"), self.tr("Type of engagement filter"), width=14
        )
        self.ward = labelled_combo(bar, 2, 2, self.tr("War&d:"), self.tr("Ward filter"), width=14)
        self.theme = labelled_combo(bar, 2, 4, self.tr("The&me:"), self.tr("Theme filter"), width=14)
        self.theme.setMinimumContentsLength(22)
        self._reset_choices()
        self.clear_button = push_button(
            self.tr("C&lear filters"), self.tr("Clear the search and filters"), self.clear_filters
        )
        bar.addWidget(self.clear_button, 2, 6)
        bar.setColumnStretch(1, 1)
        bar.setColumnStretch(3, 1)
        bar.setColumnStretch(5, 2)
        layout.addLayout(bar)
        self.when.currentIndexChanged.connect(self._when_changed)
        for combo in (self.type, self.ward, self.theme):
            combo.currentIndexChanged.connect(self.apply_filter)

        # -- the tables --------------------------------------------------------------------
        self.view = make_table(
            self.model,
            self.tr("Engagements"),
            self.tr("Enter opens an engagement, Ctrl+N records one, Ctrl+F searches."),
        )
        header = self.view.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(EngagementsModel.DATE, Qt.SortOrder.DescendingOrder)
        header.sortIndicatorChanged.connect(self._sort_changed)
        size_columns(
            self.view,
            {
                EngagementsModel.DATE: "28 Sep 2026",
                EngagementsModel.TITLE: "Tuesday drop-in at Canal Street Library",
                EngagementsModel.TYPE: "Survey session",
                EngagementsModel.PLACE: "Canal Street Library, Mile End",
                EngagementsModel.REACH: self.tr("Reach") + "00",
                EngagementsModel.QUOTES: self.tr("Quotes") + "0",
            },
        )
        self.quotes_view = make_table(
            self.quotes_model,
            self.tr("Quotes"),
            self.tr("Enter opens the engagement a quote belongs to."),
        )
        size_columns(
            self.quotes_view,
            {
                QuotesModel.DATE: "28 Sep 2026",
                QuotesModel.ENGAGEMENT: "Tuesday drop-in at the library",
                QuotesModel.QUOTE: "I rang forty dentists and not one would take me on as an NHS",
                QuotesModel.SPEAKER: "Abigail Thompson",
                QuotesModel.SHARING: self.tr("Share anonymously"),
            },
        )
        self.empty = empty_label(self.tr("Nothing to show"))
        self.quotes_empty = empty_label(self.tr("No quotes to show"))
        self.log_stack = QStackedWidget()
        self.log_stack.addWidget(self.view)
        self.log_stack.addWidget(self.empty)
        self.quotes_stack = QStackedWidget()
        self.quotes_stack.addWidget(self.quotes_view)
        self.quotes_stack.addWidget(self.quotes_empty)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Engagements or quotes"))
        self.tabs.addTab(self.log_stack, self.tr("Eng&agements"))
        self.tabs.addTab(self.quotes_stack, self.tr("&Quotes"))
        self.tabs.currentChanged.connect(self._tab_changed)
        layout.addWidget(self.tabs, 1)

        for view in (self.view, self.quotes_view):
            view.open_requested.connect(self.open_selected)
            view.doubleClicked.connect(lambda _index: self.open_selected())
            view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.loaded.connect(self._loaded)
        self.quotes_model.loaded.connect(self._quotes_loaded)
        for model in (self.model, self.quotes_model):
            model.modelReset.connect(self._update_buttons)
            model.page_loaded.connect(lambda _n: self._update_buttons())

        # -- keyboard ----------------------------------------------------------------------
        self.find_action = add_shortcut(self, self.tr("Search engagements"), "Ctrl+F", self.focus_search)
        # Ctrl+N belongs to the area (it works from an engagement's page too).

        ctx.hub.changed.connect(self.on_changed)
        self._show_counts()
        self._update_buttons()

    def _reset_choices(self) -> None:
        for combo, everything in (
            (self.type, self.tr("Any type")),
            (self.ward, self.tr("Any ward")),
            (self.theme, self.tr("Any theme")),
        ):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, None)
            combo.blockSignals(False)

    def load_choices(self) -> None:
        if self.ctx.db is None:
            return
        self.ctx.worker.submit(
            read_choices, self.ctx.database, on_done=self._fill_choices, label=self.tr("Reading the filters…")
        )

    def _fill_choices(self, choices: Choices) -> None:
        self.choices = choices
        changed = False
        for combo, items in (
            (self.type, [(t.name, str(t.id)) for t in choices.types]),
            (self.ward, [(w.name, str(w.id)) for w in choices.wards]),
            (self.theme, [("    " * t.depth + t.name, str(t.id)) for t in choices.themes]),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for text, data in items:
                combo.addItem(text, data)
            found = combo.findData(current) if current is not None else 0
            combo.setCurrentIndex(max(found, 0))
            combo.blockSignals(False)
            changed |= current is not None and found < 0
        for index, theme in enumerate(choices.themes, start=1):
            self.theme.setItemData(index, theme.path, Qt.ItemDataRole.ToolTipRole)
            self.theme.setItemData(index, theme.path, Qt.ItemDataRole.AccessibleTextRole)
        if changed:
            self.apply_filter()  # the chosen type, ward or theme has gone

    # -- filtering -------------------------------------------------------------------------
    def date_range(self) -> tuple[date | None, date | None]:
        return chosen_range(self.when.currentData(), self.start_date.date(), self.end_date.date())

    def current_filter(self) -> EngagementFilter:
        from vcsedesk.services.engagement_log import EngagementFilter

        start, end = self.date_range()
        kind, ward, theme = self.type.currentData(), self.ward.currentData(), self.theme.currentData()
        return EngagementFilter(
            start=start,
            end=end,
            type_ids=frozenset({uuid.UUID(kind)}) if kind else frozenset(),
            ward_ids=frozenset({uuid.UUID(ward)}) if ward else frozenset(),
            theme_id=uuid.UUID(theme) if theme else None,
            text=self.search.text().strip() or None,
            include_archived=self.show_archived.isChecked(),
        )

    def quote_filter(self, flt: EngagementFilter) -> QuoteFilter:
        from vcsedesk.services.engagement_log import QuoteFilter

        return QuoteFilter(
            start=flt.start,
            end=flt.end,
            type_ids=flt.type_ids,
            ward_ids=flt.ward_ids,
            theme_id=flt.theme_id,
            text=flt.text,
            include_archived=flt.include_archived,
        )

    @Slot()
    def _when_changed(self) -> None:
        self.dates.setVisible(self.when.currentData() == CUSTOM)
        self.apply_filter()

    @Slot()
    def apply_filter(self) -> None:
        self.search_timer.stop()
        if self.ctx.db is None:
            return
        flt = self.current_filter()
        self.model.set_filter(flt)
        self.quotes_model.set_filter(self.quote_filter(flt))

    @Slot()
    def clear_filters(self) -> None:
        for combo in (self.when, self.type, self.ward, self.theme):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.dates.hide()
        self.show_archived.blockSignals(True)
        self.show_archived.setChecked(False)
        self.show_archived.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.apply_filter()

    @property
    def filtered(self) -> bool:
        return not self.model.filter.is_everything()

    def show_drafts(self) -> None:
        """Say if an engagement being typed was not saved when vcsedesk closed."""
        from vcsedesk.store.drafts import DraftStore
        from vcsedesk.ui.engagements.engagement_form import DRAFT_PREFIX

        actor = self.ctx.actor
        if actor is None:
            return
        kept = [
            d
            for d in DraftStore(self.ctx.folder.drafts).pending(actor.user_id)
            if d.kind.startswith(DRAFT_PREFIX)
        ]
        self._draft_kinds = [d.kind for d in kept]
        if not kept:
            self.drafts_note.hide()
            return
        title = str(kept[0].values.get("title") or "").strip() or self.tr("an untitled engagement")
        when = kept[0].saved_at.astimezone()
        text = self.tr("“{title}” was being typed on {day} at {time} and was not saved.").format(
            title=title, day=f"{when:%d %b %Y}", time=f"{when:%H:%M}"
        )
        if len(kept) > 1:
            text += " " + self.tr("{n} other engagements were not saved either.").format(n=len(kept) - 1)
        self.drafts_text.setText("⚠ " + text)
        self.drafts_note.show()

    def start(self) -> None:
        """Load the log and the quotes (if built before the data was open), and the filters."""
        if self.model._generation == 0:
            self.model.refresh(reset=True)
        if self.quotes_model._generation == 0:
            self.quotes_model.refresh(reset=True)
        self.load_choices()
        self.show_drafts()

    @Slot(int, Qt.SortOrder)
    def _sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        if column in EngagementsModel.SORTABLE:
            self.model.sort(column, order)
            return
        current, current_order = self.model.sort_column()
        header = self.view.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(current, current_order)
        header.blockSignals(False)
        if self.window_ is not None:
            self.window_.note(
                self.tr("The log can be sorted by date, title, type or reach."), timeout_ms=4000
            )

    # -- tabs, selection -------------------------------------------------------------------
    @property
    def showing_quotes(self) -> bool:
        return self.tabs.currentWidget() is self.quotes_stack

    def current_view(self) -> RecordsView:
        return self.quotes_view if self.showing_quotes else self.view

    def show_quotes(self, quotes: bool = True) -> None:
        self.tabs.setCurrentWidget(self.quotes_stack if quotes else self.log_stack)

    @Slot(int)
    def _tab_changed(self, _index: int) -> None:
        self._show_counts()
        self._update_buttons()

    def selected_engagement_id(self) -> uuid.UUID | None:
        view = self.current_view()
        index = view.currentIndex()
        if not index.isValid():
            return None
        if self.showing_quotes:
            quote = self.quotes_model.row_at(index.row())
            return quote.engagement_id if quote is not None else None
        row = self.model.row_at(index.row())
        return row.id if row is not None and row.title else None

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self.showing_quotes and current.isValid():
            row = self.model.row_at(current.row())
            if row is not None:
                self._selected_id = row.id
        self._update_buttons()

    def select_engagement(self, engagement_id: uuid.UUID) -> bool:
        """Select an engagement in the log: at once if its row is held, else after asking
        the database where it is."""
        self._selected_id = engagement_id
        row = self.model.find(engagement_id)
        if row is not None:
            select_row(self.view, row)
            return True
        if self.ctx.db is not None and self.model.has_loaded:
            from vcsedesk.services import engagement_log

            self.ctx.worker.submit(
                engagement_log.position,
                self.ctx.database,
                self.model.filter,
                self.model.sort_key,
                engagement_id,
                on_done=lambda found: select_row(self.view, found) if found is not None else None,
                label=self.tr("Finding the engagement in the log…"),
            )
        return False

    @Slot()
    def _loaded(self) -> None:
        reselected = self._selected_id is not None and self.model.find(self._selected_id) is not None
        if reselected:
            assert self._selected_id is not None
            select_row(self.view, self.model.find(self._selected_id) or 0)
        elif self.model.total and not self.view.currentIndex().isValid():
            select_row(self.view, 0)
        self._show_counts()
        self._update_buttons()

    @Slot()
    def _quotes_loaded(self) -> None:
        if self.quotes_model.total and not self.quotes_view.currentIndex().isValid():
            select_row(self.quotes_view, 0)
        self._show_counts()
        self._update_buttons()

    def _show_counts(self) -> None:
        if self.showing_quotes:
            model: LazyRowsModel = self.quotes_model
            text = count_text(model.total, self.tr("1 quote"), self.tr("{n} quotes"))
            self.count_label.setAccessibleName(self.tr("Number of quotes"))
        else:
            model = self.model
            text = count_text(model.total, self.tr("1 engagement"), self.tr("{n} engagements"))
            self.count_label.setAccessibleName(self.tr("Number of engagements"))
        self.count_label.setText(text if model.has_loaded else self.tr("Counting…"))
        # The empty states say what to do.
        filtered = self.filtered
        if filtered:
            self.empty.setText(
                self.tr(
                    "No engagement matches the search and filters.\n"
                    "Change them, or Clear filters (Alt+L) to see the whole log."
                )
            )
            self.quotes_empty.setText(
                self.tr(
                    "No quote matches the search and filters.\n"
                    "Change them, or Clear filters (Alt+L) to see every quote."
                )
            )
        else:
            self.empty.setText(
                self.tr(
                    "No engagements recorded yet.\n"
                    "Press Ctrl+N or “New engagement” to record a drop-in, an event, a one-to-one "
                    "or any other time you listened to people."
                )
            )
            self.quotes_empty.setText(
                self.tr(
                    "No quotes recorded yet.\n"
                    "Quotes are added to an engagement: open one (or record a new one with Ctrl+N) "
                    "and edit it to add what people said in their own words."
                )
            )
        for stack, table, label, each in (
            (self.log_stack, self.view, self.empty, self.model),
            (self.quotes_stack, self.quotes_view, self.quotes_empty, self.quotes_model),
        ):
            empty = each.has_loaded and each.total == 0
            had_focus = table.hasFocus()
            stack.setCurrentWidget(label if empty else table)
            if had_focus and empty:
                self.search.setFocus(Qt.FocusReason.OtherFocusReason)

    def _update_buttons(self) -> None:
        from vcsedesk.services.base import Permission

        self.open_button.setEnabled(self.selected_engagement_id() is not None)
        self.new_button.setEnabled(may(self.ctx, Permission.EDIT_RECORDS))
        self.open_button.setAccessibleName(
            self.tr("Open the engagement of the selected quote")
            if self.showing_quotes
            else self.tr("Open the selected engagement")
        )

    # -- actions ---------------------------------------------------------------------------
    @Slot()
    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    @Slot()
    def _focus_list(self) -> None:
        self.search_timer.stop()
        self.apply_filter()
        view = self.current_view()
        if view.isVisible():
            view.setFocus(Qt.FocusReason.OtherFocusReason)
            if not view.currentIndex().isValid() and view.model().rowCount():
                select_row(view, 0)

    @Slot()
    def open_selected(self) -> None:
        engagement_id = self.selected_engagement_id()
        if engagement_id is not None:
            self.open_engagement.emit(engagement_id)

    @Slot()
    def export(self) -> None:
        from vcsedesk.ui.engagements.export_dialog import ExportDialog

        self.search_timer.stop()
        self.apply_filter()  # what was typed, even within the delay
        dialog = ExportDialog(
            self.ctx, self.model.filter, self.model.sort_key, self, quotes=self.showing_quotes
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.export_dialog = dialog
        dialog.open()

    # -- changes ---------------------------------------------------------------------------
    def on_changed(self, changes: Changes) -> None:
        if self.ctx.db is None or not (changes.tables & LOG_TABLES):
            return
        self.model.refresh()
        self.quotes_model.refresh()
        if changes.tables & CHOICE_TABLES:
            self.load_choices()
