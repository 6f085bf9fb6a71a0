"""Small pieces every area's pages are built from: tables of records, the search box that
searches as you type, problem labels beside fields, date presets, and the like.

One piece of code for each, so the contacts, engagements, meetings and actions pages look and
behave alike (and a meetings page need not import from the engagements log).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QDate,
    QItemSelectionModel,
    QLocale,
    QStandardPaths,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow

#: Wait this long after the last key before searching (milliseconds).
SEARCH_DELAY_MS = 150


def _tr(text: str) -> str:
    return QCoreApplication.translate("Widgets", text)


def may(ctx: AppContext, permission: object) -> bool:
    """Whether the acting person has a permission (without raising)."""
    from vcsedesk.domain.errors import PermissionDenied
    from vcsedesk.services.base import Permission, require

    actor = ctx.actor
    if actor is None or not isinstance(permission, Permission):
        return False
    try:
        require(actor, permission)
    except PermissionDenied:
        return False
    return True


# -- words -----------------------------------------------------------------------------------
def count_text(n: int, one: str, many: str) -> str:
    """ "1 engagement", "1,234 engagements" (with the locale's digit grouping)."""
    return one if n == 1 else many.format(n=QLocale().toString(n))


def day_text(day: date, *, weekday: bool = False) -> str:
    """ "3 Mar 2026" (or "Tue 3 Mar 2026") in the locale's month and day names."""
    return QLocale().toString(
        QDate(day.year, day.month, day.day), "ddd d MMM yyyy" if weekday else "d MMM yyyy"
    )


def problems_text(count: int) -> str:
    """What the status line of a form says while fields have problems."""
    if count == 1:
        return _tr("1 problem to put right before saving.")
    return _tr("{n} problems to put right before saving.").format(n=count)


# -- dates and times -------------------------------------------------------------------------
# Date presets: the dates are worked out from today when applied.
ANY_TIME, THIS_MONTH, LAST_MONTH, LAST_3_MONTHS, THIS_YEAR, LAST_12_MONTHS, CUSTOM = (
    "any",
    "this_month",
    "last_month",
    "last_3_months",
    "this_year",
    "last_12_months",
    "custom",
)


def preset_range(key: str, today: date) -> tuple[date | None, date | None]:
    """The first and last day a date preset means, as of ``today``."""
    if key == THIS_MONTH:
        return today.replace(day=1), today
    if key == LAST_MONTH:
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if key == LAST_3_MONTHS:
        month = today.month - 3
        year = today.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        day = min(today.day, 28)
        return date(year, month, day) + timedelta(days=1), today
    if key == THIS_YEAR:
        return date(today.year, 1, 1), today
    if key == LAST_12_MONTHS:
        return date(today.year - 1, today.month, min(today.day, 28)) + timedelta(days=1), today
    return None, None


def add_date_presets(combo: QComboBox) -> None:
    """Offer the date presets ("Any time", "This month"… "Between dates…") in a combo."""
    for key, label in (
        (ANY_TIME, _tr("Any time")),
        (THIS_MONTH, _tr("This month")),
        (LAST_MONTH, _tr("Last month")),
        (LAST_3_MONTHS, _tr("Last 3 months")),
        (THIS_YEAR, _tr("This year")),
        (LAST_12_MONTHS, _tr("Last 12 months")),
        (CUSTOM, _tr("Between dates…")),
    ):
        combo.addItem(label, key)


def as_date(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def chosen_range(key: str, start: QDate, end: QDate) -> tuple[date | None, date | None]:
    """The dates a date filter chooses: a preset's as of today, or the two dates given (in
    order) for "Between dates…"."""
    if key == CUSTOM:
        first, last = as_date(start), as_date(end)
        return (first, last) if first <= last else (last, first)
    return preset_range(key, date.today())


def date_edit(name: str) -> QDateEdit:
    """A date field with a calendar to pick from ("3 Mar 2026")."""
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("d MMM yyyy")
    edit.setAccessibleName(name)
    return edit


_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.h]?(\d{2}))?\s*(am|pm)?\s*$", re.IGNORECASE)


def parse_time(text: str) -> time | None:
    """ "10:30", "1030", "10.30", "9", "2pm", "2:15 pm" -> a time; "" -> None; ValueError if
    it is not a time of day."""
    if not text.strip():
        return None
    match = _TIME.match(text)
    if match is None:
        raise ValueError(text)
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = (match.group(3) or "").lower()
    if suffix:
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    return time(hour, minute)  # ValueError past 23:59


# -- tables ----------------------------------------------------------------------------------
class RecordsView(QTableView):
    """A table of records: Enter opens the current row."""

    open_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.open_requested.emit()
            return
        super().keyPressEvent(event)


View = TypeVar("View", bound=QTableView)


def tidy_table(view: QTableView) -> None:
    """Left-aligned headers and rows sized to the font."""
    view.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    view.horizontalHeader().setHighlightSections(False)
    metrics = view.fontMetrics()
    view.verticalHeader().setDefaultSectionSize(metrics.height() + metrics.height() // 2)


def set_up_table(view: QTableView, model: QAbstractItemModel, name: str, *, alternating: bool = True) -> None:
    """A read-only table of whole rows, one chosen at a time, that Tab leaves."""
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    if alternating:
        view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTabKeyNavigation(False)
    view.verticalHeader().hide()
    tidy_table(view)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)


@overload
def make_table(model: QAbstractItemModel, name: str, description: str) -> RecordsView: ...
@overload
def make_table(model: QAbstractItemModel, name: str, description: str, view_type: type[View]) -> View: ...
def make_table(
    model: QAbstractItemModel, name: str, description: str, view_type: type[QTableView] = RecordsView
) -> QTableView:
    """The main table of a list page (a :class:`RecordsView` unless told)."""
    view = view_type()
    set_up_table(view, model, name)
    view.setAccessibleDescription(description)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    return view


def size_columns(view: QTableView, samples: dict[int, str]) -> None:
    """Make each column wide enough for its sample text."""
    metrics = view.fontMetrics()
    pad = metrics.averageCharWidth() * 3
    for column, sample in samples.items():
        view.horizontalHeader().resizeSection(column, metrics.horizontalAdvance(sample) + pad)


def small_table(model: QAbstractItemModel, name: str, rows: int = 6) -> QTableView:
    """A short table on a record's page, as tall as its rows (see :func:`fit_rows`)."""
    view = QTableView()
    set_up_table(view, model, name)
    view.setProperty("max_rows", rows)
    fit_rows(view, 1)
    return view


def fit_rows(view: QTableView, count: int) -> None:
    """Make a small table as tall as its rows (up to its most), so no empty space shows."""
    line = view.verticalHeader().defaultSectionSize()
    rows = max(1, min(count, int(view.property("max_rows") or 6)))
    view.setFixedHeight(view.horizontalHeader().sizeHint().height() + line * rows + 2 * view.frameWidth() + 2)


def select_row(view: QTableView, row: int) -> None:
    """Make a row current and selected, and scroll to it (nothing if there is no such row)."""
    model = view.model()
    if not 0 <= row < model.rowCount():
        return
    index = model.index(row, 0)
    view.selectionModel().setCurrentIndex(
        index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    )
    view.scrollTo(index)


def empty_label(name: str) -> QLabel:
    """What a list shows in place of its table when there is nothing to show."""
    label = QLabel()
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setAccessibleName(name)
    label.setMargin(label.fontMetrics().height() * 2)
    return label


# -- list pages ------------------------------------------------------------------------------
class SearchBox(QLineEdit):
    """A search field that searches as you type: :attr:`search` fires ``SEARCH_DELAY_MS``
    after the last key (so the latest text wins); Enter or the Down arrow fire
    :attr:`to_list` (move into the results)."""

    #: Search now (the typing has paused).
    search = Signal()
    #: Enter or Down was pressed: move into the list.
    to_list = Signal()

    def __init__(self, name: str, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(True)
        self.setToolTip(_tr("Search as you type (Ctrl+F); Down arrow moves to the list"))
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self.search)
        self.textChanged.connect(lambda _text: self.timer.start())
        self.returnPressed.connect(self.to_list)

    def labelled(self, text: str) -> QLabel:
        """A label for the box whose mnemonic moves to it."""
        label = QLabel(text)
        label.setBuddy(self)
        return label

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.to_list.emit()
            return
        super().keyPressEvent(event)


def labelled_combo(
    grid: QGridLayout, row: int, column: int, text: str, accessible: str, *, width: int
) -> QComboBox:
    """A filter combo (``width`` characters wide at least) with its label before it."""
    label = QLabel(text)
    combo = QComboBox()
    combo.setAccessibleName(accessible)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(width)
    label.setBuddy(combo)
    grid.addWidget(label, row, column)
    grid.addWidget(combo, row, column + 1)
    return combo


def push_button(
    text: str,
    name: str,
    slot: Callable[..., Any],
    *,
    tip: str | None = None,
    row: QBoxLayout | None = None,
) -> QPushButton:
    """A button with its accessible name (and tooltip), calling ``slot``; added to ``row``."""
    button = QPushButton(text)
    button.setAccessibleName(name)
    if tip is not None:
        button.setToolTip(tip)
    button.clicked.connect(slot)
    if row is not None:
        row.addWidget(button)
    return button


def note_strip(
    name: str, *buttons: QPushButton, text_name: str | None = None, plain: bool = False
) -> tuple[QFrame, QLabel]:
    """A framed strip, hidden at first: a wrapped line of text with buttons after it.

    ``text_name``: the text's accessible name; ``plain``: the text is shown as typed (a
    message or a file name, never read as markup) and can be selected to copy.
    """
    strip = QFrame()
    strip.setFrameShape(QFrame.Shape.StyledPanel)
    strip.setAccessibleName(name)
    row = QHBoxLayout(strip)
    text = QLabel()
    text.setWordWrap(True)
    if text_name is not None:
        text.setAccessibleName(text_name)
    if plain:
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    row.addWidget(text, 1)
    for button in buttons:
        row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop if plain else Qt.AlignmentFlag(0))
    strip.hide()
    return strip, text


def add_shortcut(widget: QWidget, text: str, keys: str | QKeySequence, slot: Callable[..., Any]) -> QAction:
    """A keyboard shortcut that works only while ``widget``'s page is shown in the window."""
    action = QAction(text, widget)
    action.setShortcut(QKeySequence(keys))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(slot)
    widget.addAction(action)
    return action


def undo_button(window: MainWindow) -> QToolButton:
    """A button for the window's Undo (Ctrl+Z)."""
    button = QToolButton()
    button.setDefaultAction(window.undo_action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    button.setAccessibleName(_tr("Undo my last change"))
    return button


# -- record pages and forms ------------------------------------------------------------------
def value_label(name: str) -> QLabel:
    """A value on a record's page: plain text that can be selected and reached by keyboard."""
    label = QLabel()
    label.setWordWrap(True)
    label.setAccessibleName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return label


def status_label(name: str) -> QLabel:
    """A line saying how something went (plain text that can be selected)."""
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(name)
    return label


def problem_label(buddy_name: str) -> QLabel:
    """The message beside a field: words (with a warning sign), never colour alone."""
    label = QLabel()
    label.setWordWrap(True)
    label.setAccessibleName(buddy_name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setProperty("problem", True)
    label.hide()
    return label


def show_problem(label: QLabel, text: str | None) -> None:
    if text:
        label.setText("⚠ " + text)
        label.show()
    else:
        label.clear()
        label.hide()


def add_field(
    form: QFormLayout,
    text: str,
    widget: QWidget,
    accessible: str,
    *,
    buddy: QWidget | None = None,
    field: str | None = None,
) -> tuple[QLabel, QLabel]:
    """A labelled row of a form with the field's problem shown beneath it; returns the label
    and the problem label (named "<field> problem", the field's accessible name unless told)."""
    label = QLabel(text)
    label.setBuddy(buddy or widget)
    if accessible:
        widget.setAccessibleName(accessible)
    box = QWidget()
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(2)
    column.addWidget(widget)
    if field is None:
        field = accessible or text.replace("&", "").rstrip(":")
    problem = problem_label(_tr("{field} problem").format(field=field))
    column.addWidget(problem)
    form.addRow(label, box)
    return label, problem


def archive_question(parent: QWidget, title: str, question: str, consequence: str) -> QMessageBox:
    """ "Archive …?" with Archive and Cancel (Cancel the default), not yet opened."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        title,
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setInformativeText(consequence)
    box.button(QMessageBox.StandardButton.Yes).setText(_tr("&Archive"))
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setAccessibleName(title)
    return box


def ask_discard(parent: QWidget, question: str, discard: Callable[[], None]) -> QMessageBox:
    """Ask whether to leave a form without saving; ``discard`` is called if so.  Opened."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        _tr("Discard the changes?"),
        question,
        QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.button(QMessageBox.StandardButton.Cancel).setText(_tr("&Keep editing"))
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setAccessibleName(_tr("Discard the changes?"))

    def answered(button: Any) -> None:
        if box.standardButton(button) == QMessageBox.StandardButton.Discard:
            discard()

    box.buttonClicked.connect(answered)
    box.open()
    return box


def save_record(
    ctx: AppContext,
    add: Callable[..., Any],
    update: Callable[..., Any],
    record_id: Any | None,
    version: int | None,
    draft: Any,
    *,
    on_created: Callable[[Any], None],
    on_updated: Callable[[Any], None],
    on_refused: Callable[[Any], None],
    on_settled: Callable[[], None],
    label: str,
) -> None:
    """Save a form through the hub: ``add(db, actor, draft)`` for a new record (no
    ``record_id``), else ``update(db, actor, record_id, version, draft)``."""
    if record_id is None:
        ctx.hub.perform(
            add,
            ctx.database,
            ctx.acting,
            draft,
            on_done=on_created,
            on_error=on_refused,
            on_settled=on_settled,
            label=label,
        )
    else:
        ctx.hub.perform(
            update,
            ctx.database,
            ctx.acting,
            record_id,
            version,
            draft,
            on_done=on_updated,
            on_error=on_refused,
            on_settled=on_settled,
            label=label,
        )


# -- files -----------------------------------------------------------------------------------
def add_file_row(
    form: QFormLayout, placeholder: str, choose: Callable[[], Any]
) -> tuple[QLineEdit, QPushButton]:
    """A "File:" row of an export: the file's path, typed or picked with "Choose…"."""
    row = QHBoxLayout()
    edit = QLineEdit()
    edit.setAccessibleName(_tr("File to export to"))
    edit.setPlaceholderText(placeholder)
    row.addWidget(edit, 1)
    button = QPushButton(_tr("C&hoose…"))
    button.setAccessibleName(_tr("Choose the file to export to"))
    button.clicked.connect(choose)
    row.addWidget(button)
    label = QLabel(_tr("&File:"))
    label.setBuddy(edit)
    form.addRow(label, row)
    return edit, button


def documents_folder() -> Path:
    """Where files are offered to be saved at first: the person's documents folder."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(folder or Path.home())


def with_suffix(path: Path, suffix: str) -> Path:
    """``path``, ending in ``suffix`` (".pdf"): added if the name chosen does not end so."""
    return path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)
