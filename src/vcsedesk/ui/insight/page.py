"""The Insight dashboard: headline figures and charts for a period, each opening its records.

Keys: Alt+P chooses the period (Alt+F / Alt+O the dates of a custom one), Tab walks the
headline figures (Enter or Space opens the records behind one) and each chart's "Show as
table" toggle; in a table, Enter opens the records behind the current cell.  F5 reloads.

The figures are worked out on the worker (``services.insight.dashboard``), again when the
period changes and, a moment after the last of a burst of changes, when engagements, actions
or themes change (only while the page is showing; otherwise when it is next shown).

Below the charts, for those who may see everyone's claims, the **budgets** whose period
overlaps the one shown: each budget's amount, committed, pending and remaining spend
(``services.budgets``, read on the worker beside the dashboard, again when budgets or claims
change).  An overspent budget says so in words, with the warning icon.

Opening a figure emits :attr:`InsightPage.open_records` ``(kind, ids, title)`` — kind is
"engagements", "quotes", "actions" or (a budget's) "claims".  When nothing is connected to it
the page lists the records itself in a :class:`~vcsedesk.ui.insight.records.RecordsDialog`
(for claims, it says how many there are and where to find them).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.claims import pence_text
from vcsedesk.ui.insight.charts import BarSeriesSpec, ChartPanel, FigureRow, number_text
from vcsedesk.ui.insight.records import RecordsDialog, day_text
from vcsedesk.ui.main_window import heading_font

if TYPE_CHECKING:
    import uuid

    from vcsedesk.domain.errors import UserError
    from vcsedesk.services.base import Actor, Changes
    from vcsedesk.services.budgets import BudgetView
    from vcsedesk.services.insight import Dashboard, FigureRef, Period, ReachFigure
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext

log = logging.getLogger(__name__)

#: Tables whose changes can alter a figure.
REFRESH_TABLES = frozenset(
    {
        "engagements",
        "engagement_participants",
        "engagement_themes",
        "headcount_groups",
        "quotes",
        "actions",
        "themes",
        "wards",
        "engagement_types",
        "meetings",
    }
)
#: Tables whose changes can alter a budget's spend.
BUDGET_TABLES = frozenset({"budgets", "claims"})
#: Wait this long after the last change (or date typed) before working the figures out again.
REFRESH_DELAY_MS = 400
#: Below this width (in average characters) the charts stack in one column.
WIDE_CHARS = 170
PERIODS = ("this_quarter", "last_quarter", "last_12_months", "this_year", "custom")
DEFAULT_PERIOD = "last_12_months"


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


#: Bars in a reach chart: more would crowd the labels down its side (the table has them all).
CHART_BARS = 10
#: The budgets chart's series beyond the panel's first two: what is left (pale, solid) and
#: what is spent over the amount (red, cross-hatched).
REMAINING_COLOUR = QColor("#8fbf9a")
OVER_COLOUR = QColor("#c0392b")
#: Budget labels on the chart are cut at this many characters (the table has them whole).
BUDGET_LABEL_CHARS = 90


@dataclass(frozen=True)
class BudgetRef:
    """What a bar or cell of the budgets panel stands for: the claims on one budget with one
    of ``statuses``."""

    budget_id: uuid.UUID
    statuses: tuple[str, ...]


def budgets_overlapping(db: Database, start: date, end: date) -> list[BudgetView]:
    """The live budgets whose period overlaps ``start``–``end``, with their spend (worker)."""
    from vcsedesk.services import budgets

    return [b for b in budgets.list_budgets(db, on=None) if b.starts_on <= end and b.ends_on >= start]


def claims_behind(db: Database, actor: Actor, ref: BudgetRef) -> list[uuid.UUID]:
    """The ids of the claims ``ref`` stands for, as the claims list orders them (worker)."""
    from vcsedesk.services import claims

    return [row.id for row in claims.list_claims(db, actor, budget_id=ref.budget_id, status=ref.statuses)]


def budget_bars(view: BudgetView) -> tuple[int, int, int, int]:
    """A budget's bar (pence): committed and pending up to its amount, what remains, and
    what is spent beyond the amount.  They add up to the amount, or to the spend if more."""
    committed = min(view.committed, view.amount)
    pending = min(view.pending, view.amount - committed)
    return committed, pending, max(view.remaining, 0), max(-view.remaining, 0)


def budget_shares(view: BudgetView) -> list[int]:
    """:func:`budget_bars` as hundredths of a percent of the budget's amount (so budgets of
    any size are drawn side by side: 10,000 is all of it)."""
    return [round(part * 10_000 / view.amount) for part in budget_bars(view)]


class FigureButton(QPushButton):
    """A headline figure: a large number over its label; Enter, Space or a click opens the
    records behind it."""

    def __init__(self, label: str, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.value: int | None = None
        self.number = QLabel("–")
        self.number.setFont(heading_font(self.font(), 2.0))
        self.icon_label = QLabel()
        self.icon_label.hide()
        self.caption = QLabel(label)
        self.caption.setWordWrap(True)
        for child in (self.number, self.icon_label, self.caption):
            child.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(self.icon_label)
        row.addWidget(self.number)
        row.addStretch(1)
        layout = self._layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.caption)
        self.setToolTip(hint)
        self.setAccessibleDescription(hint)
        self.setAccessibleName(label)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def sizeHint(self) -> QSize:
        hint = self._layout.sizeHint()
        hint.setWidth(max(hint.width(), self.fontMetrics().averageCharWidth() * 18))
        return hint

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def set_value(self, value: int, *, warn: bool = False) -> None:
        self.value = value
        self.number.setText(number_text(value))
        if warn:
            icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
            size = self.number.fontMetrics().height()
            self.icon_label.setPixmap(icon.pixmap(size, size))
            self.icon_label.show()
        else:
            self.icon_label.hide()
        self.setAccessibleName(f"{self.label}: {number_text(value)}")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.click()
            return
        super().keyPressEvent(event)


class InsightPage(QWidget):
    """Period, headline figures and four charts (over time, themes, wards, types)."""

    #: (record kind, record ids, title): show these records.
    open_records = Signal(str, list, str)
    #: A dashboard (or, just after it, the budgets) has been put on screen.
    loaded = Signal()
    #: A return due to a partnership was chosen (a services.partnerships.DueReturn).
    open_due = Signal(object)

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, today: Callable[[], date] = date.today
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.today = today
        self.board: Dashboard | None = None
        self.records_dialog: RecordsDialog | None = None
        self._generation = 0
        #: The load whose answer is on screen (``_generation`` is the latest asked for).
        self.board_generation = 0
        #: The same for the budgets: the latest asked for, and the one on screen.
        self._budgets_asked = 0
        self.budgets_generation = 0
        #: The budgets on screen (empty when there are none, or the person may not see them).
        self.budget_views: list[BudgetView] = []
        self._started = False
        #: What needs working out again: "board" (the figures and charts), "budgets".
        self._stale: set[str] = set()
        self._custom_dates_set = False
        #: Kinds of record ("engagements", "actions", …) another area shows: for those,
        #: :attr:`open_records` is emitted instead of listing them in a dialog here.
        self.shown_elsewhere: set[str] = set()
        self.setAccessibleName(self.tr("Insight"))

        # -- the period ------------------------------------------------------------------------
        heading = QLabel(self.tr("Insight"))
        heading.setFont(heading_font(self.font()))
        heading.setAccessibleName(self.tr("Insight"))
        self.period_combo = QComboBox()
        labels = {
            "this_quarter": self.tr("This quarter"),
            "last_quarter": self.tr("Last quarter"),
            "last_12_months": self.tr("Last 12 months"),
            "this_year": self.tr("This year"),
            "custom": self.tr("Custom dates"),
        }
        for key in PERIODS:
            self.period_combo.addItem(labels[key], key)
        self.period_combo.setCurrentIndex(PERIODS.index(DEFAULT_PERIOD))
        self.period_combo.setAccessibleName(self.tr("Period"))
        period_label = QLabel(self.tr("&Period:"))
        period_label.setBuddy(self.period_combo)
        self.start_edit = self._date_edit(self.tr("First day of the period"))
        self.end_edit = self._date_edit(self.tr("Last day of the period"))
        self.start_label = QLabel(self.tr("&From:"))
        self.start_label.setBuddy(self.start_edit)
        self.end_label = QLabel(self.tr("T&o:"))
        self.end_label.setBuddy(self.end_edit)
        self.roll_up = QCheckBox(self.tr("Count sub-&themes under their parent"))
        self.roll_up.setAccessibleName(self.tr("Count sub-themes under their parent theme"))
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.refresh_button.setAccessibleName(self.tr("Refresh the figures"))
        self.refresh_button.setToolTip(self.tr("Work the figures out again (F5)"))

        controls = QHBoxLayout()
        controls.addWidget(heading)
        controls.addSpacing(16)
        controls.addWidget(period_label)
        controls.addWidget(self.period_combo)
        controls.addWidget(self.start_label)
        controls.addWidget(self.start_edit)
        controls.addWidget(self.end_label)
        controls.addWidget(self.end_edit)
        controls.addSpacing(12)
        controls.addWidget(self.roll_up)
        controls.addStretch(1)
        controls.addWidget(self.refresh_button)

        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setAccessibleName(self.tr("The period shown"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.status.setAccessibleName(self.tr("Status"))

        # -- headline figures ------------------------------------------------------------------
        self.buttons: dict[str, FigureButton] = {
            "engagements": FigureButton(
                self.tr("Engagements"), self.tr("Open the engagements recorded in this period")
            ),
            "people_reached": FigureButton(
                self.tr("People reached"),
                self.tr("Named people (each counted once) plus anonymous head-counts; opens the engagements"),
            ),
            "quotes": FigureButton(self.tr("Quotes"), self.tr("Open the quotes recorded in this period")),
            "open_actions": FigureButton(
                self.tr("Open actions"), self.tr("Actions still open or in progress, whatever the period")
            ),
            "overdue_actions": FigureButton(
                self.tr("Overdue actions"), self.tr("Open actions whose due date has passed")
            ),
        }
        headline = QHBoxLayout()
        for key, button in self.buttons.items():
            button.clicked.connect(lambda _checked=False, key=key: self._open_total(key))
            headline.addWidget(button)

        # -- charts ----------------------------------------------------------------------------
        self.over_time = ChartPanel(
            self.tr("Engagements over time"),
            self.tr("Chart of engagements over time"),
            [self.tr("Month"), self.tr("Engagements")],
        )
        self.themes = ChartPanel(
            self.tr("Top themes: this period and the previous one"),
            self.tr("Chart of the top themes this period against the previous period"),
            [self.tr("Theme"), self.tr("This period"), self.tr("Previous period"), self.tr("Change")],
        )
        reach_headers = [
            self.tr("Engagements"),
            self.tr("Named participants"),
            self.tr("Anonymous"),
            self.tr("People reached"),
        ]
        self.wards = ChartPanel(
            self.tr("Reach by ward (top {n}; the table lists all)").format(n=CHART_BARS),
            self.tr("Chart of people reached by ward"),
            [self.tr("Ward"), *reach_headers],
        )
        self.types = ChartPanel(
            self.tr("Reach by type of engagement"),
            self.tr("Chart of people reached by type of engagement"),
            [self.tr("Type"), *reach_headers],
        )
        self.grid = grid = QGridLayout()
        grid.setSpacing(12)
        for panel in self.panels:
            panel.open_figure.connect(self.open_figure)
        self.columns = 0
        self._arrange(2)
        self._build_budgets_panel()
        from vcsedesk.ui.insight.returns_due import DueReturnsPanel

        self.due_returns = DueReturnsPanel(ctx, today=today)
        self.due_returns.open_due.connect(self.open_due)

        content = QWidget()
        body = QVBoxLayout(content)
        body.addLayout(controls)
        about = QHBoxLayout()
        about.addWidget(self.description, 1)
        about.addWidget(self.status, 1)
        body.addLayout(about)
        body.addLayout(headline)
        body.addWidget(self.due_returns)
        body.addLayout(grid, 1)
        body.addWidget(self.budgets)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self.setTabOrder(self.period_combo, self.start_edit)
        self.setTabOrder(self.start_edit, self.end_edit)
        self.setTabOrder(self.end_edit, self.roll_up)
        self.setTabOrder(self.roll_up, self.refresh_button)
        previous: QWidget = self.refresh_button
        for button in self.buttons.values():
            self.setTabOrder(previous, button)
            previous = button
        for panel in [*self.panels, self.budgets]:
            self.setTabOrder(previous, panel.toggle)
            self.setTabOrder(panel.toggle, panel.table)
            previous = panel.table

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)
        self._timer.timeout.connect(self._refresh)
        self.period_combo.currentIndexChanged.connect(self._period_chosen)
        self.start_edit.dateChanged.connect(self._dates_typed)
        self.end_edit.dateChanged.connect(self._dates_typed)
        self.roll_up.toggled.connect(lambda _on: self.load())
        self.refresh_button.clicked.connect(self.load)
        ctx.hub.changed.connect(self._changed)
        self._set_custom_visible(False)

    def _build_budgets_panel(self) -> None:
        """The budgets panel, full width below the charts; hidden until there is a budget to
        show to someone who may see it."""
        self.budgets = ChartPanel(
            self.tr("Budgets: spend against each budget"),
            self.tr("Chart of spend against each budget"),
            [
                self.tr("Budget"),
                self.tr("Period"),
                self.tr("Amount"),
                self.tr("Committed"),
                self.tr("Pending"),
                self.tr("Remaining"),
            ],
            right_aligned=(2, 3, 4, 5),
        )
        self.budgets.open_figure.connect(self.open_budget)
        layout = self.budgets.layout()
        assert isinstance(layout, QVBoxLayout)
        self.budgets_about = QLabel(
            self.tr(
                "The budgets whose period overlaps the one shown, with all they have spent so far: "
                "committed is approved and paid claims, pending is claims submitted and awaiting a "
                "decision. Click a bar, or press Enter on a row of the table, to find its claims."
            )
        )
        self.budgets_about.setWordWrap(True)
        self.budgets_about.setAccessibleName(self.tr("About the budgets"))
        layout.insertWidget(1, self.budgets_about)
        #: One line per overspent budget: the warning icon and the overspend in words.
        self.budget_warnings = QWidget()
        self.budget_warnings.setAccessibleName(self.tr("Overspent budgets"))
        self._warnings_layout = QVBoxLayout(self.budget_warnings)
        self._warnings_layout.setContentsMargins(0, 0, 0, 0)
        self._warnings_layout.setSpacing(2)
        layout.addWidget(self.budget_warnings)
        self.budget_message = QLabel()
        self.budget_message.setWordWrap(True)
        self.budget_message.setAccessibleName(self.tr("Claims found"))
        self.budget_message.hide()
        layout.addWidget(self.budget_message)
        self.budgets.hide()

    def _arrange(self, columns: int) -> None:
        """The charts in ``columns`` columns (two side by side when there is room)."""
        if columns == self.columns:
            return
        self.columns = columns
        for panel in self.panels:
            self.grid.removeWidget(panel)
        for n, panel in enumerate(self.panels):
            self.grid.addWidget(panel, n // columns, n % columns)
        for column in range(2):
            self.grid.setColumnStretch(column, 1 if column < columns else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        wide = self.width() >= self.fontMetrics().averageCharWidth() * WIDE_CHARS
        self._arrange(2 if wide else 1)

    @property
    def panels(self) -> list[ChartPanel]:
        return [self.over_time, self.themes, self.wards, self.types]

    def _date_edit(self, accessible: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("d MMM yyyy")
        edit.setAccessibleName(accessible)
        edit.setMinimumDate(QDate(1900, 1, 1))
        return edit

    # -- the period -----------------------------------------------------------------------------
    @property
    def period_key(self) -> str:
        return str(self.period_combo.currentData())

    def period(self) -> Period:
        """The period chosen (raises ValidationError for custom dates that make no sense)."""
        from vcsedesk.services.insight import Period

        today = self.today()
        key = self.period_key
        if key == "custom":
            return Period.custom(pydate(self.start_edit.date()), pydate(self.end_edit.date()))
        maker: Callable[[date], Period] = getattr(Period, key)
        return maker(today)

    def set_period(self, key: str, start: date | None = None, end: date | None = None) -> None:
        """Choose a period (for custom, with its dates) and load it."""
        if key == "custom" and start is not None and end is not None:
            self._set_dates(start, end)
        if self.period_key == key:
            self._period_chosen()
        else:
            self.period_combo.setCurrentIndex(PERIODS.index(key))

    def _set_custom_visible(self, on: bool) -> None:
        for widget in (self.start_label, self.start_edit, self.end_label, self.end_edit):
            widget.setVisible(on)

    @Slot()
    def _period_chosen(self) -> None:
        custom = self.period_key == "custom"
        if custom and not self._custom_dates_set:
            # Start from the period on screen (or the last year), to be adjusted.
            if self.board is not None:
                start, end = self.board.period.start, self.board.period.end
            else:
                end = self.today()
                start = end - timedelta(days=364)
            self._set_dates(start, end)
        self._set_custom_visible(custom)
        self.load()

    def _set_dates(self, start: date, end: date) -> None:
        for edit, day in ((self.start_edit, start), (self.end_edit, end)):
            edit.blockSignals(True)
            edit.setDate(qdate(day))
            edit.blockSignals(False)
        self._custom_dates_set = True

    @Slot()
    def _dates_typed(self) -> None:
        self._custom_dates_set = True
        if self.period_key == "custom":
            self._stale.add("board")
            self._timer.start()

    # -- loading --------------------------------------------------------------------------------
    def start(self) -> None:
        """Work the figures out for the first time."""
        self._started = True
        self.load()

    @Slot()
    def load(self) -> None:
        from vcsedesk.domain.errors import ValidationError
        from vcsedesk.services import insight

        self._timer.stop()
        self._started = True
        self._stale.clear()
        try:
            period = self.period()
        except ValidationError as exc:
            self.status.setText(" ".join(exc.problems.values()))
            self.status.show()
            return
        self._generation += 1
        generation = self._generation
        today = self.today()
        self.status.setText(self.tr("Working out the figures…"))
        self.status.show()
        self.ctx.worker.submit(
            functools.partial(
                insight.dashboard, self.ctx.database, period, today, roll_up=self.roll_up.isChecked()
            ),
            on_done=lambda board: self._show_board(board, generation),
            on_error=lambda exc: self._failed(exc, generation),
            label=self.tr("Working out the dashboard…"),
        )
        self.load_budgets(period.start, period.end)
        self.due_returns.load()

    def load_budgets(self, start: date, end: date) -> None:
        """Read the budgets overlapping ``start``–``end`` (for someone who may see everyone's
        claims; for anyone else the panel stays hidden)."""
        from vcsedesk.services.base import Permission
        from vcsedesk.ui.widgets import may

        self._stale.discard("budgets")
        self._budgets_asked += 1
        asked = self._budgets_asked
        actor = self.ctx.actor
        if actor is None or not may(self.ctx, Permission.SEE_ALL_CLAIMS):
            self._show_budgets([], asked)
            return
        self.ctx.worker.submit(
            functools.partial(budgets_overlapping, self.ctx.database, start, end),
            on_done=lambda views: self._show_budgets(views, asked),
            on_error=lambda exc: self._budgets_failed(exc, asked),
            label=self.tr("Reading the budgets…"),
        )

    @property
    def loading(self) -> bool:
        """Figures are on their way (or about to be asked for)."""
        return (
            self._timer.isActive()
            or self.board_generation != self._generation
            or self.budgets_generation != self._budgets_asked
        )

    def _budgets_failed(self, exc: UserError, asked: int) -> None:
        if asked == self._budgets_asked:
            self.budgets_generation = asked
            self.budget_message.setText(str(exc))
            self.budget_message.show()

    def _failed(self, exc: UserError, generation: int) -> None:
        if generation == self._generation:
            self.board_generation = generation
            self.status.setText(str(exc))
            self.status.show()

    def _show_board(self, board: Dashboard, generation: int) -> None:
        if generation != self._generation:
            return  # a newer question is on its way
        self.board = board
        self.board_generation = generation
        self.description.setText(
            self.tr("{start} to {end}, compared with {previous_start} to {previous_end}").format(
                start=day_text(board.period.start),
                end=day_text(board.period.end),
                previous_start=day_text(board.previous.start),
                previous_end=day_text(board.previous.end),
            )
        )
        if board.empty:
            self.status.setText(
                self.tr(
                    "No engagements were recorded in this period. Choose a longer period, or record "
                    "engagements in the Engagements area."
                )
            )
        else:
            self.status.setText("")
        self.status.setVisible(bool(self.status.text()))
        totals = board.totals
        self.buttons["engagements"].set_value(totals.engagements)
        self.buttons["people_reached"].set_value(totals.people_reached)
        self.buttons["quotes"].set_value(totals.quotes)
        self.buttons["open_actions"].set_value(totals.open_actions)
        self.buttons["overdue_actions"].set_value(totals.overdue_actions, warn=totals.overdue_actions > 0)
        self._draw_over_time(board)
        self._draw_themes(board)
        self._draw_reach(self.wards, board.by_ward, board, ward=True)
        self._draw_reach(self.types, board.by_type, board, ward=False)
        self.loaded.emit()

    # -- the charts -----------------------------------------------------------------------------
    def _span(self, period: Period) -> str:
        return self.tr("{start} to {end}").format(start=day_text(period.start), end=day_text(period.end))

    def _draw_over_time(self, board: Dashboard) -> None:
        weekly = board.granularity == "week"
        one_year = board.period.start.year == board.period.end.year
        labels, rows, targets = [], [], []
        for bucket in board.over_time:
            if weekly:
                label = day_text(bucket.start, "d MMM")
                title = self.tr("Engagements, {span}").format(
                    span=self._span(_period(bucket.start, bucket.end))
                )
                shown = day_text(bucket.start)
            else:
                label = day_text(bucket.start, "MMM" if one_year else "MMM yy")
                shown = day_text(bucket.start, "MMMM yyyy")
                title = self.tr("Engagements in {month}").format(month=shown)
            labels.append(label)
            targets.append((bucket.ref, title))
            rows.append(FigureRow((shown, bucket.count), bucket.ref, title))
        self.over_time.model.headers = [
            self.tr("Week starting") if weekly else self.tr("Month"),
            self.tr("Engagements"),
        ]
        self.over_time.set_bars(
            labels,
            [BarSeriesSpec(self.tr("Engagements"), [b.count for b in board.over_time], targets)],
            rows,
            empty_text=self.tr("No engagements in this period."),
        )

    def _draw_themes(self, board: Dashboard) -> None:
        span, before = self._span(board.period), self._span(board.previous)
        names, now, previous, now_targets, previous_targets, rows = [], [], [], [], [], []
        for figure in board.themes:
            this_title = self.tr("Engagements about “{theme}”, {span}").format(theme=figure.name, span=span)
            previous_title = self.tr("Engagements about “{theme}”, {span}").format(
                theme=figure.name, span=before
            )
            names.append(figure.name)
            now.append(figure.count)
            previous.append(figure.previous)
            now_targets.append((figure.ref, this_title))
            previous_targets.append((figure.previous_ref, previous_title))
            change = figure.change
            change_text = (
                f"+{change:,}" if change > 0 else (f"−{-change:,}" if change < 0 else self.tr("no change"))
            )
            rows.append(
                FigureRow(
                    (figure.name, figure.count, figure.previous, change_text),
                    figure.ref,
                    this_title,
                    {2: (figure.previous_ref, previous_title)},
                )
            )
        self.themes.set_bars(
            names,
            [
                BarSeriesSpec(self.tr("This period"), now, now_targets),
                BarSeriesSpec(self.tr("Previous period"), previous, previous_targets),
            ],
            rows,
            horizontal=True,
            empty_text=self.tr("No themes were recorded on engagements in this period."),
        )

    def ward_label(self, figure: ReachFigure) -> str:
        from vcsedesk.services.insight import NO_WARD, ONLINE

        if figure.key == ONLINE:
            return self.tr("Online")
        if figure.key == NO_WARD:
            return self.tr("No ward recorded")
        return figure.name

    def _draw_reach(
        self, panel: ChartPanel, figures: tuple[ReachFigure, ...], board: Dashboard, *, ward: bool
    ) -> None:
        span = self._span(board.period)
        names, named, anonymous, targets, rows = [], [], [], [], []
        for figure in figures:
            name = self.ward_label(figure) if ward else figure.name
            if ward:
                title = self.tr("Engagements in {ward}, {span}").format(ward=name, span=span)
            else:
                title = self.tr("Engagements of type {type}, {span}").format(type=name, span=span)
            names.append(name)
            named.append(figure.named)
            anonymous.append(figure.anonymous)
            targets.append((figure.ref, title))
            rows.append(
                FigureRow(
                    (name, figure.engagements, figure.named, figure.anonymous, figure.reach),
                    figure.ref,
                    title,
                )
            )
        # The chart shows the places (or kinds) reaching most people; the table lists all.
        shown = sorted(range(len(names)), key=lambda i: -(named[i] + anonymous[i]))[:CHART_BARS]
        shown.sort()
        panel.set_bars(
            [names[i] for i in shown],
            [
                BarSeriesSpec(
                    self.tr("Named participants"), [named[i] for i in shown], [targets[i] for i in shown]
                ),
                BarSeriesSpec(
                    self.tr("Anonymous head-count"),
                    [anonymous[i] for i in shown],
                    [targets[i] for i in shown],
                ),
            ],
            rows,
            horizontal=True,
            stacked=True,
            empty_text=self.tr("No engagements in this period."),
        )

    def budget_label(self, view: BudgetView, views: Sequence[BudgetView]) -> str:
        """A budget's name and amount on the chart (with its period when another shown has
        the same name), and "Overspent by £x" when it is."""
        label = self.tr("{name} ({amount})").format(name=view.name, amount=pence_text(view.amount))
        if sum(1 for other in views if other.name.casefold() == view.name.casefold()) > 1:
            label = self.tr("{name}, {period}").format(name=label, period=self._budget_period(view))
        if view.overspent:
            label = self.tr("{name} — ⚠ {overspent}").format(name=label, overspent=self.overspent_text(view))
        return label

    def overspent_text(self, view: BudgetView) -> str:
        return self.tr("Overspent by {amount}").format(amount=pence_text(-view.remaining))

    def _budget_period(self, view: BudgetView) -> str:
        return self.tr("{start} to {end}").format(start=day_text(view.starts_on), end=day_text(view.ends_on))

    def _show_budgets(self, views: list[BudgetView], asked: int) -> None:
        if asked != self._budgets_asked:
            return  # a newer question is on its way
        self.budgets_generation = asked
        self.budget_views = list(views)
        self.budget_message.hide()
        if not views:
            self.budgets.hide()
            self.loaded.emit()
            return
        from vcsedesk.services.budgets import COMMITTED, PENDING

        labels, rows = [], []
        parts: list[list[int]] = [[], [], [], []]
        targets: list[list[tuple[object, str]]] = [[], [], [], []]
        for view in views:
            every = (
                BudgetRef(view.id, COMMITTED + PENDING),
                self.tr("Claims on “{name}”").format(name=view.name),
            )
            committed = (
                BudgetRef(view.id, COMMITTED),
                self.tr("Approved and paid claims on “{name}”").format(name=view.name),
            )
            pending = (
                BudgetRef(view.id, PENDING),
                self.tr("Claims awaiting a decision on “{name}”").format(name=view.name),
            )
            labels.append(self.budget_label(view, views))
            for n, (value, target) in enumerate(
                zip(budget_shares(view), (committed, pending, every, every), strict=True)
            ):
                parts[n].append(value)
                targets[n].append(target)
            remaining = self.overspent_text(view) if view.overspent else pence_text(view.remaining)
            rows.append(
                FigureRow(
                    (
                        view.name,
                        self._budget_period(view),
                        pence_text(view.amount),
                        pence_text(view.committed),
                        pence_text(view.pending),
                        remaining,
                    ),
                    every[0],
                    every[1],
                    {3: committed, 4: pending},
                )
            )
        series = [
            BarSeriesSpec(self.tr("Committed (approved and paid)"), parts[0], targets[0]),
            BarSeriesSpec(self.tr("Pending (submitted)"), parts[1], targets[1]),
            BarSeriesSpec(
                self.tr("Remaining"), parts[2], targets[2], REMAINING_COLOUR, Qt.BrushStyle.SolidPattern
            ),
        ]
        if any(parts[3]):
            series.append(
                BarSeriesSpec(
                    self.tr("Over budget"), parts[3], targets[3], OVER_COLOUR, Qt.BrushStyle.DiagCrossPattern
                )
            )
        lines = self.fontMetrics().height()
        self.budgets.chart_view.setFixedHeight(int(lines * (7 + 2.2 * len(views))))
        self.budgets.set_bars(
            labels,
            series,
            rows,
            horizontal=True,
            stacked=True,
            value_scale=100,
            value_format="%d%%",
            value_title=self.tr("Share of each budget's amount"),
            label_chars=BUDGET_LABEL_CHARS,
        )
        self._show_warnings([v for v in views if v.overspent])
        self.budgets.show()
        self.loaded.emit()

    def _show_warnings(self, overspent: list[BudgetView]) -> None:
        while self._warnings_layout.count():
            item = self._warnings_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)  # out of findChildren at once, not just when deleted
                widget.deleteLater()
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        size = self.fontMetrics().height()
        for view in overspent:
            line = QWidget()
            row = QHBoxLayout(line)
            row.setContentsMargins(0, 0, 0, 0)
            picture = QLabel()
            picture.setPixmap(icon.pixmap(size, size))
            picture.setAccessibleName(self.tr("Warning"))
            text = self.tr(
                "“{name}” ({period}): {overspent} — {spent} committed or pending of {amount}."
            ).format(
                name=view.name,
                period=self._budget_period(view),
                overspent=self.overspent_text(view),
                spent=pence_text(view.committed + view.pending),
                amount=pence_text(view.amount),
            )
            words = QLabel(text)
            words.setWordWrap(True)
            words.setAccessibleName(text)
            row.addWidget(picture, 0, Qt.AlignmentFlag.AlignTop)
            row.addWidget(words, 1)
            self._warnings_layout.addWidget(line)
        self.budget_warnings.setVisible(bool(overspent))

    @property
    def warning_texts(self) -> list[str]:
        """The overspend warnings shown under the budgets chart."""
        return [label.text() for label in self.budget_warnings.findChildren(QLabel) if label.text()]

    # -- opening the records ------------------------------------------------------------------
    def _open_total(self, key: str) -> None:
        if self.board is None:
            return
        span = self._span(self.board.period)
        titles = {
            "engagements": self.tr("Engagements, {span}").format(span=span),
            "people_reached": self.tr("Engagements that reached people, {span}").format(span=span),
            "quotes": self.tr("Quotes, {span}").format(span=span),
            "open_actions": self.tr("Open actions"),
            "overdue_actions": self.tr("Overdue actions"),
        }
        self.open_figure(self.board.total_refs[key], titles[key])

    @Slot(object, str)
    def open_figure(self, ref: FigureRef, title: str) -> None:
        """Find the records behind ``ref`` (on the worker), then show them."""
        from vcsedesk.services import insight

        today = self.board.today if self.board is not None else self.today()
        self.ctx.worker.submit(
            functools.partial(insight.records_for, self.ctx.database, ref, today=today),
            on_done=lambda ids: self._records_found(ref.record_kind, ids, title, today),
            label=self.tr("Finding the records…"),
        )

    def _records_found(self, kind: str, ids: list[uuid.UUID], title: str, today: date) -> None:
        if kind in self.shown_elsewhere:
            self.open_records.emit(kind, ids, title)
            return
        if self.records_dialog is not None:
            self.records_dialog.close()
        dialog = RecordsDialog(self.ctx, kind, ids, title, today=today, parent=self)  # type: ignore[arg-type]
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _obj=None, d=dialog: self._dialog_gone(d))
        self.records_dialog = dialog
        dialog.open()

    @Slot(object, str)
    def open_budget(self, ref: BudgetRef, title: str) -> None:
        """Find the claims behind a bar or cell of the budgets panel (on the worker), then
        show them where claims are shown."""
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.worker.submit(
            functools.partial(claims_behind, self.ctx.database, actor, ref),
            on_done=lambda ids: self._claims_found(ref, ids, title),
            label=self.tr("Finding the claims…"),
        )

    def _claims_found(self, ref: BudgetRef, ids: list[uuid.UUID], title: str) -> None:
        if "claims" in self.shown_elsewhere:
            self.budget_message.hide()
            self.open_records.emit("claims", ids, title)
            return
        name = next((v.name for v in self.budget_views if v.id == ref.budget_id), "")
        self.budget_message.setText(
            self.tr(
                "{title}: %n claim(s). To list them, open Claims and choose “{name}” in its Budget filter.",
                "",
                len(ids),
            ).format(title=title, name=name)
        )
        self.budget_message.show()

    def _dialog_gone(self, dialog: RecordsDialog) -> None:
        if self.records_dialog is dialog:
            self.records_dialog = None

    # -- refreshing -----------------------------------------------------------------------------
    @Slot(object)
    def _changed(self, changes: Changes) -> None:
        if any(changes.touches(table) for table in REFRESH_TABLES):
            self._stale.add("board")
        if any(changes.touches(table) for table in BUDGET_TABLES):
            self._stale.add("budgets")
        if self._stale and self._started and self.isVisible():
            self._timer.start()

    @Slot()
    def _refresh(self) -> None:
        """Work out again what is stale: only the budgets if nothing else changed."""
        if self._stale == {"budgets"} and self.board is not None:
            self.load_budgets(self.board.period.start, self.board.period.end)
        else:
            self.load()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._started and self._stale:
            self._timer.start()


def _period(start: date, end: date) -> Period:
    from vcsedesk.services.insight import Period

    return Period(start, end)
