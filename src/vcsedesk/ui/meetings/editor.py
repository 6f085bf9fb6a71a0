"""The meeting form: every field of a :class:`~vcsedesk.services.meetings.MeetingDraft`.

* The meeting: title, date, start time, venue, online, chair (one of the people attending),
  notes.
* Voices at the meeting: find a person (type, Down, Enter) to add them; each has the
  organisation they speak for (type part of its name, Down, Enter — organisations only; empty
  when they speak for themselves) and whether they attended or sent apologies.
* Agenda: items in order, each with a title, the discussion and the decisions; Alt+Up and
  Alt+Down move the item being typed in.
* Actions: title, owner (a user, or a contact), due date, status and the agenda item it was
  agreed under.

Every change is checked with the rule the service applies (``clean_meeting``); each problem
is shown beside its field or row (``items[2].title`` beside item 3) and Save stays off while
any remain.  What only the database can judge comes back as a ValidationError and is shown
the same way; a stale save is refused plainly, keeping what was typed, with Reload.

Keys: Alt+T title, Alt+D date, Alt+M start time, Alt+V venue, Alt+N online, Alt+A chair,
Alt+O notes, Alt+P find a person to add, Alt+I add an agenda item, Alt+C add an action,
Ctrl+S saves; Tab walks every field in order.
"""

from __future__ import annotations

import functools
import itertools
import logging
import uuid
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.engagement import ActionStatus, Attendance
from vcsedesk.domain.errors import UserError, ValidationError
from vcsedesk.ui.actions.fields import DueField, OwnerField, load_users, status_combo
from vcsedesk.ui.banner import reload_banner, show_refusal
from vcsedesk.ui.engagements.pickers import ContactPicker
from vcsedesk.ui.widgets import (
    SEARCH_DELAY_MS,
    add_field,
    as_date,
    ask_discard,
    may,
    parse_time,
    problem_label,
    problems_text,
    push_button,
    save_record,
    show_problem,
)

if TYPE_CHECKING:
    from vcsedesk.services.base import Changes
    from vcsedesk.services.meetings import MeetingActionView, MeetingDraft, MeetingView
    from vcsedesk.services.people import UserInfo
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext

log = logging.getLogger(__name__)

#: Organisations offered under the "speaks for" box.
SUGGESTIONS = 8
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _plain(edit: QPlainTextEdit, lines: int) -> None:
    """A multi-line box ``lines`` high (it scrolls beyond); Tab leaves it."""
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 12)


def _beside(label: QLabel, field: QWidget) -> None:
    """Line a label's text up with the first line of a field that may grow downwards."""
    label.setMinimumHeight(field.sizeHint().height())
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def _combo(name: str) -> QComboBox:
    combo = QComboBox()
    combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # no change by scrolling past
    combo.setAccessibleName(name)
    return combo


def _drop(widget: QWidget) -> None:
    widget.hide()
    widget.setParent(None)
    widget.deleteLater()


# -- the organisation someone speaks for -------------------------------------------------------
@dataclass(frozen=True)
class OrganisationMatch:
    id: uuid.UUID
    name: str
    detail: str


def find_organisations(db: Database, text: str, limit: int) -> list[OrganisationMatch]:
    """Organisations (contacts of that kind) matching what was typed, by name (on the worker)."""
    from vcsedesk.domain.contacts import ContactKind
    from vcsedesk.services import contact_list

    rows = contact_list.page(
        db, contact_list.ContactFilter(text=text, kind=ContactKind.ORGANISATION), limit=limit
    )
    return [OrganisationMatch(r.id, r.name, r.ward or r.postcode or r.email or "") for r in rows]


class OrganisationField(QWidget):
    """Type part of an organisation's name; the matches appear below, Down/Up move through
    them, Enter chooses.  Empty means "speaks for themselves"."""

    changed = Signal()
    #: A search's results have been shown (tests wait for this).
    searched = Signal()

    def __init__(self, ctx: AppContext, *, accessible_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.chosen: tuple[uuid.UUID, str] | None = None
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(self.tr("Organisation they speak for (optional)"))
        self.edit.setAccessibleName(accessible_name or self.tr("Speaks for"))
        self.edit.setClearButtonEnabled(True)
        self.edit.installEventFilter(self)
        self.edit.textEdited.connect(self._text_edited)
        self.setFocusProxy(self.edit)
        self.suggestions = QListWidget()
        self.suggestions.setAccessibleName(self.tr("Organisations matching what was typed"))
        self.suggestions.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay in the box
        self.suggestions.itemClicked.connect(self._pick)
        line = self.suggestions.fontMetrics().height() + 6
        self.suggestions.setMaximumHeight(line * 5 + 4)
        self.suggestions.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Search status"))
        self.status.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.suggestions)
        layout.addWidget(self.status)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self._search)

    def value(self) -> uuid.UUID | None:
        return self.chosen[0] if self.chosen is not None else None

    def set_value(self, organisation_id: uuid.UUID | None, name: str | None) -> None:
        self.chosen = (organisation_id, name or "") if organisation_id is not None else None
        self.edit.setText(self.chosen[1] if self.chosen else "")
        self._show([])

    def problem(self) -> str | None:
        typed = self.edit.text().strip()
        if typed and self.chosen is None:
            return self.tr(
                "Choose “{text}” from the organisations offered (Down, then Enter), or clear the box if "
                "they speak for themselves."
            ).format(text=typed)
        return None

    @Slot(str)
    def _text_edited(self, text: str) -> None:
        if self.chosen is not None and text != self.chosen[1]:
            self.chosen = None
            self.changed.emit()
        elif not text.strip():
            self.changed.emit()
        if text.strip():
            self.timer.start()
        else:
            self.timer.stop()
            self._show([])

    @Slot()
    def _search(self) -> None:
        text = self.edit.text().strip()
        if not text or self.ctx.db is None or self.chosen is not None:
            return
        self.ctx.worker.submit(
            find_organisations,
            self.ctx.database,
            text,
            SUGGESTIONS,
            on_done=functools.partial(self._found, text),
            label=self.tr("Finding organisations…"),
        )

    def _found(self, asked: str, found: list[OrganisationMatch]) -> None:
        if self.edit.text().strip() != asked or self.chosen is not None:
            return
        self._show(found, asked)
        self.searched.emit()

    def _show(self, matches: list[OrganisationMatch], asked: str = "") -> None:
        self.suggestions.clear()
        for match in matches:
            item = QListWidgetItem(f"{match.name} — {match.detail}" if match.detail else match.name)
            item.setData(Qt.ItemDataRole.UserRole, (match.id, match.name))
            self.suggestions.addItem(item)
        if matches:
            self.suggestions.setCurrentRow(0)
            self.suggestions.show()
            self.status.hide()
        else:
            self.suggestions.hide()
            self.status.setText(
                self.tr("No organisation found for “{text}”.").format(text=asked) if asked else ""
            )
            self.status.setVisible(bool(asked))

    @Slot(QListWidgetItem)
    def _pick(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        organisation_id, name = item.data(Qt.ItemDataRole.UserRole)
        self.set_value(organisation_id, name)
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.changed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            shown = self.suggestions.isVisible() and self.suggestions.count() > 0
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and shown and not event.modifiers():
                step = 1 if key == Qt.Key.Key_Down else -1
                row = max(0, min(self.suggestions.currentRow() + step, self.suggestions.count() - 1))
                self.suggestions.setCurrentRow(row)
                return True
            if key in _ENTER and not event.modifiers():
                if shown:
                    self._pick(self.suggestions.currentItem())
                    return True
                if self.edit.text().strip() and self.chosen is None:
                    self.timer.stop()
                    self._search()
                    return True
            if key == Qt.Key.Key_Escape and shown:
                self._show([])
                return True
        return super().eventFilter(watched, event)


# -- rows ------------------------------------------------------------------------------------
class AttendeeRow(QFrame):
    """One voice at the meeting: the person, who they speak for, attended or apologies."""

    edited = Signal(object)
    remove_requested = Signal(object)

    def __init__(
        self,
        form: MeetingEditor,
        contact_id: uuid.UUID,
        name: str,
        *,
        speaks_for: tuple[uuid.UUID, str] | None = None,
        attendance: str = Attendance.ATTENDED.value,
        attendee_id: uuid.UUID | None = None,
    ) -> None:
        super().__init__()
        self.form = form
        self.contact_id = contact_id
        self.name = name
        self.attendee_id = attendee_id
        self.touched = attendee_id is not None
        self.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 4, 4, 4)
        self.name_label = QLabel(name)
        self.name_label.setTextFormat(Qt.TextFormat.PlainText)
        self.name_label.setWordWrap(True)
        font = self.name_label.font()
        font.setBold(True)
        self.name_label.setFont(font)
        self.speaks_for = OrganisationField(form.ctx)
        _beside(self.name_label, self.speaks_for.edit)
        grid.addWidget(self.name_label, 0, 0, Qt.AlignmentFlag.AlignTop)
        if speaks_for is not None:
            self.speaks_for.set_value(*speaks_for)
        grid.addWidget(self.speaks_for, 0, 1, Qt.AlignmentFlag.AlignTop)
        self.attendance = _combo("")
        self.attendance.addItem(form.tr("Attended"), Attendance.ATTENDED.value)
        self.attendance.addItem(form.tr("Sent apologies"), Attendance.APOLOGIES.value)
        self.attendance.setCurrentIndex(max(0, self.attendance.findData(attendance)))
        grid.addWidget(self.attendance, 0, 2, Qt.AlignmentFlag.AlignTop)
        self.remove = QPushButton(form.tr("Remove"))
        grid.addWidget(self.remove, 0, 3, Qt.AlignmentFlag.AlignTop)
        self.problem = problem_label("")
        grid.addWidget(self.problem, 1, 0, 1, 4)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)
        self.speaks_for.changed.connect(lambda: self.edited.emit(self))
        self.attendance.currentIndexChanged.connect(lambda _i: self.edited.emit(self))
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))

    def number(self, n: int) -> None:
        tr = self.form.tr
        self.setAccessibleName(tr("Attendee {n}: {name}").format(n=n, name=self.name))
        self.speaks_for.edit.setAccessibleName(tr("Organisation {name} speaks for").format(name=self.name))
        self.attendance.setAccessibleName(tr("Attendance of {name}").format(name=self.name))
        self.remove.setAccessibleName(tr("Remove {name}").format(name=self.name))
        self.problem.setAccessibleName(tr("Problem with attendee {n}").format(n=n))

    def attendance_value(self) -> str:
        return str(self.attendance.currentData())

    def focus_widgets(self) -> list[QWidget]:
        return [self.speaks_for.edit, self.attendance, self.remove]


class ItemRow(QFrame):
    """One agenda item: its title, what was discussed and what was decided."""

    edited = Signal(object)
    remove_requested = Signal(object)
    move_requested = Signal(object, int)

    _keys = itertools.count(1)

    def __init__(
        self,
        form: MeetingEditor,
        title: str = "",
        notes: str = "",
        decisions: str = "",
        item_id: uuid.UUID | None = None,
    ) -> None:
        super().__init__()
        self.form = form
        self.key = next(self._keys)
        self.item_id = item_id
        self.touched = item_id is not None
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        self.heading = QLabel()
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        head.addWidget(self.heading, 1)
        self.up = QPushButton(form.tr("Move up"))
        self.up.setToolTip(form.tr("Move this item up (Alt+Up)"))
        self.up.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keyboard: Alt+Up in the item
        self.down = QPushButton(form.tr("Move down"))
        self.down.setToolTip(form.tr("Move this item down (Alt+Down)"))
        self.down.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.remove = QPushButton(form.tr("Remove item"))
        for button in (self.up, self.down, self.remove):
            head.addWidget(button)
        layout.addLayout(head)
        fields = QFormLayout()
        fields.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.title = QLineEdit(title)
        self.title.setPlaceholderText(form.tr("for example Waiting times at the health centre"))
        self.notes = QPlainTextEdit(notes)
        self.notes.setPlaceholderText(form.tr("What was said"))
        _plain(self.notes, 4)
        self.decisions = QPlainTextEdit(decisions)
        self.decisions.setPlaceholderText(form.tr("What was agreed (optional)"))
        _plain(self.decisions, 2)
        self.labels: list[QLabel] = []
        for text, widget in (
            (form.tr("Title:"), self.title),
            (form.tr("Discussion:"), self.notes),
            (form.tr("Decisions:"), self.decisions),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            self.labels.append(label)
            fields.addRow(label, widget)
        layout.addLayout(fields)
        self.problem = problem_label("")
        layout.addWidget(self.problem)
        for keys, step in (("Alt+Up", -1), ("Alt+Down", 1)):
            move = QAction(self)
            move.setShortcut(QKeySequence(keys))
            move.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            move.triggered.connect(functools.partial(self.move_requested.emit, self, step))
            self.addAction(move)
        self.up.clicked.connect(lambda: self.move_requested.emit(self, -1))
        self.down.clicked.connect(lambda: self.move_requested.emit(self, 1))
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))
        self.title.textEdited.connect(lambda _t: self.edited.emit(self))
        self.notes.textChanged.connect(lambda: self.edited.emit(self))
        self.decisions.textChanged.connect(lambda: self.edited.emit(self))

    def number(self, n: int, count: int) -> None:
        tr = self.form.tr
        self.heading.setText(tr("Item {n}").format(n=n))
        self.setAccessibleName(tr("Agenda item {n}").format(n=n))
        self.title.setAccessibleName(tr("Item {n}: title").format(n=n))
        self.notes.setAccessibleName(tr("Item {n}: discussion").format(n=n))
        self.decisions.setAccessibleName(tr("Item {n}: decisions").format(n=n))
        self.up.setAccessibleName(tr("Move item {n} up").format(n=n))
        self.down.setAccessibleName(tr("Move item {n} down").format(n=n))
        self.remove.setAccessibleName(tr("Remove item {n}").format(n=n))
        self.problem.setAccessibleName(tr("Problem with item {n}").format(n=n))
        self.up.setEnabled(n > 1)
        self.down.setEnabled(n < count)

    def choice_text(self, n: int) -> str:
        title = self.title.text().strip()
        return f"{n}. {title}" if title else self.form.tr("{n}. (no title yet)").format(n=n)

    def focus_widgets(self) -> list[QWidget]:
        return [self.title, self.notes, self.decisions, self.remove]


class ActionRow(QFrame):
    """One action agreed at the meeting."""

    edited = Signal(object)
    remove_requested = Signal(object)

    def __init__(
        self, form: MeetingEditor, view: MeetingActionView | None = None, item_key: int | None = None
    ) -> None:
        super().__init__()
        self.form = form
        self.action_id = view.id if view is not None else None
        self.version = view.version if view is not None else None
        self.detail = view.detail if view is not None else ""
        self.outcome = view.outcome if view is not None else ""
        self.item_key = item_key
        self.touched = view is not None
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        self.heading = QLabel()
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        head.addWidget(self.heading, 1)
        self.remove = QPushButton(form.tr("Remove action"))
        head.addWidget(self.remove)
        layout.addLayout(head)
        grid = QGridLayout()
        self.title = QLineEdit(view.title if view is not None else "")
        self.title.setPlaceholderText(form.tr("for example Write to the practice manager"))
        self.owner = OwnerField(form.ctx)
        self.owner.set_users(form.users)
        if view is not None:
            self.owner.set_owner(view.owner_user_id, view.owner_contact_id, view.owner)
        self.due = DueField()
        if view is not None:
            self.due.set_value(view.due_on)
        self.status = status_combo("")
        self.status.setCurrentIndex(
            max(0, self.status.findData((view.status if view is not None else ActionStatus.OPEN).value))
        )
        self.item = _combo("")
        self.labels: list[QLabel] = []
        for row, column, text, widget, span in (
            (0, 0, form.tr("Action:"), self.title, 3),
            (1, 0, form.tr("Owner:"), self.owner, 1),
            (1, 2, form.tr("Due:"), self.due, 1),
            (2, 0, form.tr("Status:"), self.status, 1),
            (2, 2, form.tr("Under item:"), self.item, 1),
        ):
            label = QLabel(text)
            label.setBuddy(widget.focusProxy() or widget)
            _beside(label, self.status)
            self.labels.append(label)
            grid.addWidget(label, row, column, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(widget, row, column + 1, 1, span, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        layout.addLayout(grid)
        self.kept = QLabel()
        self.kept.setWordWrap(True)
        if self.detail or self.outcome:
            self.kept.setText(
                form.tr("Its detail and outcome are kept as they are; change them in the Actions tracker.")
            )
        else:
            self.kept.hide()
        layout.addWidget(self.kept)
        self.problem = problem_label("")
        layout.addWidget(self.problem)
        self.title.textEdited.connect(lambda _t: self.edited.emit(self))
        self.owner.changed.connect(lambda: self.edited.emit(self))
        self.due.changed.connect(lambda: self.edited.emit(self))
        self.status.currentIndexChanged.connect(lambda _i: self.edited.emit(self))
        self.item.currentIndexChanged.connect(self._item_chosen)
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))

    def number(self, n: int) -> None:
        tr = self.form.tr
        self.heading.setText(tr("Action {n}").format(n=n))
        self.setAccessibleName(tr("Action {n}").format(n=n))
        self.title.setAccessibleName(tr("Action {n}: what is to be done").format(n=n))
        self.owner.combo.setAccessibleName(tr("Action {n}: owner").format(n=n))
        self.due.check.setAccessibleName(tr("Action {n}: has a due date").format(n=n))
        self.due.date.setAccessibleName(tr("Action {n}: due date").format(n=n))
        self.status.setAccessibleName(tr("Action {n}: status").format(n=n))
        self.item.setAccessibleName(tr("Action {n}: agreed under agenda item").format(n=n))
        self.remove.setAccessibleName(tr("Remove action {n}").format(n=n))
        self.problem.setAccessibleName(tr("Problem with action {n}").format(n=n))

    def set_items(self, items: list[tuple[int, str]]) -> None:
        """Offer the agenda items ((key, "2. Title") each), keeping the choice while it lasts."""
        self.item.blockSignals(True)
        try:
            self.item.clear()
            self.item.addItem(self.form.tr("No particular item"), 0)
            for key, text in items:
                self.item.addItem(text, key)
            index = self.item.findData(self.item_key) if self.item_key is not None else 0
            if index < 0:
                self.item_key = None
            self.item.setCurrentIndex(max(index, 0))
        finally:
            self.item.blockSignals(False)

    @Slot(int)
    def _item_chosen(self, _index: int) -> None:
        key = self.item.currentData()
        self.item_key = int(key) if key else None
        self.edited.emit(self)

    def focus_widgets(self) -> list[QWidget]:
        return [
            self.title,
            *self.owner.focus_widgets(),
            self.due.check,
            self.due.date,
            self.status,
            self.item,
            self.remove,
        ]


# -- the form --------------------------------------------------------------------------------
class MeetingEditor(QWidget):
    """Record or change a meeting."""

    #: A new meeting was saved (its id).
    created = Signal(object)
    #: The meeting being edited was saved.
    saved = Signal()
    #: Left without saving.
    cancelled = Signal()
    #: Read the meeting again from the database (after a conflict).
    reload_requested = Signal()
    dirty_changed = Signal(bool)
    #: The users (who may own actions) have been read.
    users_loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.meeting: MeetingView | None = None
        self.users: list[UserInfo] = []
        self.problems: dict[str, str] = {}
        #: Problems the service found, shown until their field or row is changed.
        self.service_problems: dict[str, str] = {}
        self._touched: set[str] = set()
        self._dirty = False
        self._saving = False
        self._filling = False
        self._moving = False
        self._extra_chair: tuple[uuid.UUID, str] | None = None
        self.problem_labels: dict[str, QLabel] = {}
        self.form_labels: list[QLabel] = []
        self.attendee_rows: list[AttendeeRow] = []
        self.item_rows: list[ItemRow] = []
        self.action_rows: list[ActionRow] = []
        self.setAccessibleName(self.tr("Meeting form"))

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.banner, self.banner_text, self.reload_button = reload_banner(
            accessible_name=self.tr("Problem saving the meeting"),
            reload_name=self.tr("Reload the meeting as saved"),
            on_reload=self.reload_requested.emit,
        )
        outer.addWidget(self.banner)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        self.scroller.setWidget(body)
        content = QVBoxLayout(body)
        outer.addWidget(self.scroller, 1)

        # -- the meeting -------------------------------------------------------------------
        about = QGroupBox(self.tr("The meeting"))
        form = QFormLayout(about)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.title = QLineEdit()
        self.title.setPlaceholderText(self.tr("for example Health and wellbeing partnership board"))
        self._add(form, "title", self.tr("&Title:"), self.title, self.tr("Title"))
        when = QWidget()
        when_row = QHBoxLayout(when)
        when_row.setContentsMargins(0, 0, 0, 0)
        self.on_date = QDateEdit()
        self.on_date.setCalendarPopup(True)
        self.on_date.setDisplayFormat("ddd d MMM yyyy")
        self.on_date.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.on_date.setAccessibleName(self.tr("Date"))
        self.start_time = QLineEdit()
        self.start_time.setPlaceholderText(self.tr("10:30"))
        self.start_time.setAccessibleName(self.tr("Start time"))
        self.start_time.setMaximumWidth(self.fontMetrics().averageCharWidth() * 12)
        time_label = QLabel(self.tr("Start ti&me:"))
        time_label.setBuddy(self.start_time)
        when_row.addWidget(self.on_date)
        when_row.addSpacing(self.fontMetrics().averageCharWidth() * 2)
        when_row.addWidget(time_label)
        when_row.addWidget(self.start_time)
        when_row.addStretch(1)
        self._add(form, "on_date", self.tr("&Date:"), when, "", buddy=self.on_date)
        self.problem_labels["start_time"] = self.problem_labels["on_date"]
        where = QWidget()
        where_row = QHBoxLayout(where)
        where_row.setContentsMargins(0, 0, 0, 0)
        self.venue = QLineEdit()
        self.venue.setPlaceholderText(self.tr("for example Canal Street Library"))
        self.venue.setAccessibleName(self.tr("Venue"))
        self.online = QCheckBox(self.tr("O&nline (or partly online)"))
        self.online.setAccessibleName(self.tr("Online"))
        where_row.addWidget(self.venue, 1)
        where_row.addWidget(self.online)
        self._add(form, "venue", self.tr("&Venue:"), where, "", buddy=self.venue)
        self.chair = _combo(self.tr("Chair"))
        self.chair.setToolTip(self.tr("Chosen from the people who attended"))
        self._add(form, "chair_id", self.tr("Ch&air:"), self.chair, "")
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText(self.tr("Anything about the meeting as a whole (optional)"))
        _plain(self.notes, 3)
        self._add(form, "notes", self.tr("N&otes:"), self.notes, self.tr("Notes"))
        content.addWidget(about)

        # -- voices ------------------------------------------------------------------------
        voices = QGroupBox(self.tr("Voices at the meeting"))
        voices.setAccessibleName(self.tr("Voices at the meeting"))
        voices_layout = QVBoxLayout(voices)
        explain = QLabel(
            self.tr(
                "Everyone who came or sent apologies. For each, the organisation they speak for, if "
                "they speak for one."
            )
        )
        explain.setWordWrap(True)
        voices_layout.addWidget(explain)
        find_row = QHBoxLayout()
        find_label = QLabel(self.tr("Add a &person:"))
        self.finder = ContactPicker(
            ctx, people_only=True, accessible_name=self.tr("Find a person to add to the meeting")
        )
        find_label.setBuddy(self.finder.edit)
        _beside(find_label, self.finder.edit)
        find_row.addWidget(find_label, 0, Qt.AlignmentFlag.AlignTop)
        find_row.addWidget(self.finder, 1)
        voices_layout.addLayout(find_row)
        self.no_attendees = QLabel(self.tr("No one listed yet."))
        voices_layout.addWidget(self.no_attendees)
        self.attendees_box = QVBoxLayout()
        self.attendees_box.setSpacing(4)
        voices_layout.addLayout(self.attendees_box)
        self.attendees_problem = problem_label(self.tr("Problem with the attendees"))
        voices_layout.addWidget(self.attendees_problem)
        self.problem_labels["attendees"] = self.attendees_problem
        content.addWidget(voices)

        # -- agenda ------------------------------------------------------------------------
        agenda = QGroupBox(self.tr("Agenda"))
        agenda.setAccessibleName(self.tr("Agenda"))
        agenda_layout = QVBoxLayout(agenda)
        self.no_items = QLabel(self.tr("No agenda items yet. “Add agenda item” (Alt+I) adds one."))
        self.no_items.setWordWrap(True)
        agenda_layout.addWidget(self.no_items)
        self.items_box = QVBoxLayout()
        agenda_layout.addLayout(self.items_box)
        self.items_problem = problem_label(self.tr("Problem with the agenda"))
        agenda_layout.addWidget(self.items_problem)
        self.problem_labels["items"] = self.items_problem
        add_row = QHBoxLayout()
        self.add_item_button = QPushButton(self.tr("Add agenda &item"))
        self.add_item_button.setAccessibleName(self.tr("Add an agenda item"))
        self.add_item_button.setToolTip(
            self.tr("Add an agenda item (Alt+I); Alt+Up and Alt+Down move the item you are in")
        )
        add_row.addWidget(self.add_item_button)
        add_row.addStretch(1)
        agenda_layout.addLayout(add_row)
        content.addWidget(agenda)

        # -- actions -----------------------------------------------------------------------
        actions = QGroupBox(self.tr("Actions"))
        actions.setAccessibleName(self.tr("Actions"))
        actions_layout = QVBoxLayout(actions)
        self.no_actions = QLabel(self.tr("No actions agreed yet. “Add action” (Alt+C) adds one."))
        self.no_actions.setWordWrap(True)
        actions_layout.addWidget(self.no_actions)
        self.actions_box = QVBoxLayout()
        actions_layout.addLayout(self.actions_box)
        self.actions_problem = problem_label(self.tr("Problem with the actions"))
        actions_layout.addWidget(self.actions_problem)
        self.problem_labels["actions"] = self.actions_problem
        add_row = QHBoxLayout()
        self.add_action_button = QPushButton(self.tr("Add a&ction"))
        self.add_action_button.setAccessibleName(self.tr("Add an action"))
        self.add_action_button.setToolTip(self.tr("Add an action agreed at the meeting (Alt+C)"))
        add_row.addWidget(self.add_action_button)
        add_row.addStretch(1)
        actions_layout.addLayout(add_row)
        content.addWidget(actions)
        content.addStretch(1)

        # -- buttons -----------------------------------------------------------------------
        bar = QHBoxLayout()
        self.status = QLabel()
        self.status.setAccessibleName(self.tr("Form status"))
        self.status.setWordWrap(True)
        bar.addWidget(self.status, 1)
        self.save_button = push_button(
            self.tr("&Save"), self.tr("Save the meeting"), self.save, tip=self.tr("Save (Ctrl+S)"), row=bar
        )
        self.cancel_button = push_button(
            self.tr("Cancel"), self.tr("Leave without saving"), self.cancel, row=bar
        )
        outer.addLayout(bar)
        save = QAction(self.tr("Save the meeting"), self)
        save.setShortcut(QKeySequence.StandardKey.Save)
        save.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        save.triggered.connect(self.save)
        self.addAction(save)
        widest = max(label.sizeHint().width() for label in self.form_labels)
        for label in self.form_labels:
            label.setMinimumWidth(widest)

        # -- reacting ----------------------------------------------------------------------
        self.title.textEdited.connect(lambda _t: self._edited("title"))
        self.on_date.dateChanged.connect(lambda _d: self._edited("on_date"))
        self.start_time.textEdited.connect(lambda _t: self._edited("start_time"))
        self.venue.textEdited.connect(lambda _t: self._edited("venue"))
        self.online.toggled.connect(lambda _c: self._edited("online"))
        self.chair.currentIndexChanged.connect(lambda _i: self._edited("chair_id"))
        self.notes.textChanged.connect(lambda: self._edited("notes"))
        self.finder.changed.connect(self._people_picked)
        self.add_item_button.clicked.connect(self.add_item)
        self.add_action_button.clicked.connect(self.add_action)
        ctx.hub.changed.connect(self._data_changed)
        self.load_users()
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
        """A labelled field with its problem shown beneath it."""
        label, self.problem_labels[key] = add_field(form, text, widget, accessible, buddy=buddy)
        self.form_labels.append(label)

    # -- users -----------------------------------------------------------------------------
    def load_users(self) -> None:
        if self.ctx.db is None:
            return
        self.ctx.worker.submit(
            load_users, self.ctx.database, on_done=self._users_arrived, label=self.tr("Loading users…")
        )

    def _users_arrived(self, users: list[UserInfo]) -> None:
        self.users = [u for u in users if not u.archived]
        was_filling = self._filling
        self._filling = True
        try:
            for row in self.action_rows:
                row.owner.set_users(self.users)
        finally:
            self._filling = was_filling
        self.users_loaded.emit()

    @Slot(object)
    def _data_changed(self, changes: Changes) -> None:
        if changes.touches("users"):
            self.load_users()

    # -- filling ---------------------------------------------------------------------------
    @property
    def is_new(self) -> bool:
        return self.meeting is None

    def start_new(self) -> None:
        """An empty form for a new meeting, today."""
        from vcsedesk.services.meetings import MeetingDraft

        self.meeting = None
        self._extra_chair = None
        self._fill(MeetingDraft(title="", on_date=date.today()), None)

    def show_meeting(self, view: MeetingView) -> None:
        """Fill the form from a saved meeting."""
        self.meeting = view
        self._extra_chair = (view.chair_id, view.chair or "") if view.chair_id is not None else None
        self._fill(view.as_draft(), view)

    def _fill(self, draft: MeetingDraft, view: MeetingView | None) -> None:
        self._filling = True
        try:
            self.title.setText(draft.title or "")
            day = draft.on_date or date.today()
            self.on_date.setDate(QDate(day.year, day.month, day.day))
            self.start_time.setText(f"{draft.start_time:%H:%M}" if draft.start_time else "")
            self.venue.setText(draft.venue or "")
            self.online.setChecked(draft.online)
            self.notes.setPlainText(draft.notes or "")
            for attendee in list(self.attendee_rows):
                self._drop_attendee(attendee)
            for item in list(self.item_rows):
                self._drop_item(item)
            for action in list(self.action_rows):
                self._drop_action(action)
            if view is not None:
                for person in sorted(
                    (*view.attendees, *view.apologies), key=lambda a: (a.name.casefold(), str(a.id))
                ):
                    speaks_for = (
                        (person.speaks_for_id, person.speaks_for or "") if person.speaks_for_id else None
                    )
                    self._new_attendee(
                        person.contact_id,
                        person.name,
                        speaks_for=speaks_for,
                        attendance=person.attendance.value,
                        attendee_id=person.id,
                    )
                keys: dict[uuid.UUID, int] = {}
                for saved_item in view.items:
                    item_row = self._new_item(
                        saved_item.title, saved_item.notes, saved_item.decisions, saved_item.id
                    )
                    keys[saved_item.id] = item_row.key
                for saved_action in view.actions:
                    self._new_action(
                        saved_action, keys.get(saved_action.item_id) if saved_action.item_id else None
                    )
            self._refresh_chairs(draft.chair_id)
            self._renumber()
        finally:
            self._filling = False
        self._touched.clear()
        self.service_problems.clear()
        self._set_dirty(False)
        self.banner.hide()
        self.finder.edit.clear()
        self.scroller.verticalScrollBar().setValue(0)
        self._retab()
        self.validate()
        self._update_buttons()

    def focus_first(self) -> None:
        self.title.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- chair -----------------------------------------------------------------------------
    def _refresh_chairs(self, wanted: uuid.UUID | None = None) -> None:
        """Offer the people attending (and the chair as saved, if not among them)."""
        if wanted is None:
            current = self.chair.currentData()
            wanted = uuid.UUID(current) if current else None
        self.chair.blockSignals(True)
        try:
            self.chair.clear()
            self.chair.addItem(self.tr("Not recorded"), "")
            for row in self.attendee_rows:
                if row.attendance_value() == Attendance.ATTENDED.value:
                    self.chair.addItem(row.name, str(row.contact_id))
            extra = self._extra_chair
            if extra is not None and self.chair.findData(str(extra[0])) < 0:
                self.chair.addItem(
                    self.tr("{name} (not listed as attending)").format(name=extra[1]), str(extra[0])
                )
            index = self.chair.findData(str(wanted)) if wanted is not None else 0
            self.chair.setCurrentIndex(max(index, 0))
        finally:
            self.chair.blockSignals(False)

    def chair_id(self) -> uuid.UUID | None:
        data = self.chair.currentData()
        return uuid.UUID(data) if data else None

    # -- attendees -------------------------------------------------------------------------
    @Slot()
    def _people_picked(self) -> None:
        """The finder picked someone: they become a row of their own."""
        if self._moving:
            return
        picked = self.finder.selected()
        if not picked:
            return
        self._moving = True
        try:
            self.finder.set_selected([])
        finally:
            self._moving = False
        for contact_id, name, _role in picked:
            existing = next((r for r in self.attendee_rows if r.contact_id == contact_id), None)
            if existing is not None:
                self.status.setText(self.tr("{name} is listed already.").format(name=name))
                continue
            row = self._new_attendee(contact_id, name)
            row.touched = True
            row.show()
        self._renumber()
        self._refresh_chairs()
        self._retab()
        self._edited("attendees")
        self.finder.edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _new_attendee(self, contact_id: uuid.UUID, name: str, **values: Any) -> AttendeeRow:
        row = AttendeeRow(self, contact_id, name, **values)
        row.edited.connect(self._attendee_edited)
        row.remove_requested.connect(self._remove_attendee)
        self.attendee_rows.append(row)
        self.attendees_box.addWidget(row)
        return row

    def _drop_attendee(self, row: AttendeeRow) -> None:
        self.attendee_rows.remove(row)
        self.attendees_box.removeWidget(row)
        _drop(row)

    def _attendee_edited(self, row: AttendeeRow) -> None:
        if self._filling:
            return
        row.touched = True
        if row in self.attendee_rows:
            self._clear_service_problems(f"attendees[{self.attendee_rows.index(row)}]")
        self._refresh_chairs()
        self._edited("attendees")

    def _remove_attendee(self, row: AttendeeRow) -> None:
        index = self.attendee_rows.index(row)
        self._drop_attendee(row)
        self._clear_service_problems("attendees[")
        self._renumber()
        self._refresh_chairs()
        self._retab()
        if self.attendee_rows:
            self.attendee_rows[min(index, len(self.attendee_rows) - 1)].speaks_for.edit.setFocus(
                Qt.FocusReason.OtherFocusReason
            )
        else:
            self.finder.edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self._edited("attendees")

    # -- agenda items ----------------------------------------------------------------------
    def _new_item(
        self, title: str = "", notes: str = "", decisions: str = "", item_id: uuid.UUID | None = None
    ) -> ItemRow:
        row = ItemRow(self, title, notes, decisions, item_id)
        row.edited.connect(self._item_edited)
        row.remove_requested.connect(self._remove_item)
        row.move_requested.connect(self.move_item)
        self.item_rows.append(row)
        self.items_box.addWidget(row)
        return row

    def _drop_item(self, row: ItemRow) -> None:
        self.item_rows.remove(row)
        self.items_box.removeWidget(row)
        _drop(row)

    @Slot()
    def add_item(self) -> ItemRow:
        row = self._new_item()
        row.show()
        self._renumber()
        self._retab()
        row.title.setFocus(Qt.FocusReason.OtherFocusReason)
        QTimer.singleShot(0, row, lambda: self.scroller.ensureWidgetVisible(row))
        self._edited("items")
        return row

    def _item_edited(self, row: ItemRow) -> None:
        if self._filling:
            return
        row.touched = True
        if row in self.item_rows:
            self._clear_service_problems(f"items[{self.item_rows.index(row)}]")
        self._refresh_item_choices()
        self._edited("items")

    def _remove_item(self, row: ItemRow) -> None:
        index = self.item_rows.index(row)
        self._drop_item(row)
        self._clear_service_problems("items[")
        self._clear_service_problems("actions[")
        self._renumber()
        self._retab()
        if self.item_rows:
            self.item_rows[min(index, len(self.item_rows) - 1)].title.setFocus(
                Qt.FocusReason.OtherFocusReason
            )
        else:
            self.add_item_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self._edited("items")

    @Slot(object, int)
    def move_item(self, row: ItemRow, step: int) -> None:
        """Move an agenda item up (-1) or down (+1); the focus stays where it was."""
        index = self.item_rows.index(row)
        target = index + step
        if not 0 <= target < len(self.item_rows):
            return
        focused = self.focusWidget()
        self.item_rows.insert(target, self.item_rows.pop(index))
        self.items_box.removeWidget(row)
        self.items_box.insertWidget(target, row)
        self._clear_service_problems("items[")
        self._clear_service_problems("actions[")
        self._renumber()
        self._retab()
        if focused is not None and row.isAncestorOf(focused):
            focused.setFocus(Qt.FocusReason.OtherFocusReason)
        QTimer.singleShot(0, row, lambda: self.scroller.ensureWidgetVisible(row))
        self._edited("items")

    def _refresh_item_choices(self) -> None:
        choices = [(row.key, row.choice_text(n)) for n, row in enumerate(self.item_rows, start=1)]
        for action in self.action_rows:
            action.set_items(choices)

    # -- actions ---------------------------------------------------------------------------
    def _new_action(self, view: MeetingActionView | None = None, item_key: int | None = None) -> ActionRow:
        row = ActionRow(self, view, item_key)
        row.edited.connect(self._action_edited)
        row.remove_requested.connect(self._remove_action)
        self.action_rows.append(row)
        self.actions_box.addWidget(row)
        return row

    def _drop_action(self, row: ActionRow) -> None:
        self.action_rows.remove(row)
        self.actions_box.removeWidget(row)
        _drop(row)

    @Slot()
    def add_action(self) -> ActionRow:
        row = self._new_action()
        row.show()
        self._renumber()
        self._retab()
        row.title.setFocus(Qt.FocusReason.OtherFocusReason)
        QTimer.singleShot(0, row, lambda: self.scroller.ensureWidgetVisible(row))
        self._edited("actions")
        return row

    def _action_edited(self, row: ActionRow) -> None:
        if self._filling:
            return
        row.touched = True
        if row in self.action_rows:
            self._clear_service_problems(f"actions[{self.action_rows.index(row)}]")
        self._retab()  # the owner's contact search may have opened
        self._edited("actions")

    def _remove_action(self, row: ActionRow) -> None:
        index = self.action_rows.index(row)
        self._drop_action(row)
        self._clear_service_problems("actions[")
        self._renumber()
        self._retab()
        if self.action_rows:
            self.action_rows[min(index, len(self.action_rows) - 1)].title.setFocus(
                Qt.FocusReason.OtherFocusReason
            )
        else:
            self.add_action_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self._edited("actions")

    # -- order -----------------------------------------------------------------------------
    def _renumber(self) -> None:
        for n, attendee in enumerate(self.attendee_rows, start=1):
            attendee.number(n)
        for n, item in enumerate(self.item_rows, start=1):
            item.number(n, len(self.item_rows))
        for n, action in enumerate(self.action_rows, start=1):
            action.number(n)
        self.no_attendees.setVisible(not self.attendee_rows)
        self.no_items.setVisible(not self.item_rows)
        self.no_actions.setVisible(not self.action_rows)
        self._refresh_item_choices()

    def tab_chain(self) -> list[QWidget]:
        """Every field in the order Tab visits them."""
        chain: list[QWidget] = [
            self.title,
            self.on_date,
            self.start_time,
            self.venue,
            self.online,
            self.chair,
            self.notes,
            self.finder.edit,
        ]
        for attendee in self.attendee_rows:
            chain += attendee.focus_widgets()
        for item in self.item_rows:
            chain += item.focus_widgets()
        chain.append(self.add_item_button)
        for action in self.action_rows:
            chain += action.focus_widgets()
        chain += [self.add_action_button, self.save_button, self.cancel_button]
        return chain

    def _retab(self) -> None:
        chain = self.tab_chain()
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    # -- values ----------------------------------------------------------------------------
    def draft(self) -> MeetingDraft:
        from vcsedesk.services.actions import ActionDraft
        from vcsedesk.services.meetings import (
            AgendaItemEntry,
            AttendeeEntry,
            MeetingActionEntry,
            MeetingDraft,
        )

        try:
            start = parse_time(self.start_time.text())
        except ValueError:
            start = None
        index = {row.key: i for i, row in enumerate(self.item_rows)}
        actions = []
        for row in self.action_rows:
            user_id, contact_id = row.owner.owner()
            actions.append(
                MeetingActionEntry(
                    ActionDraft(
                        title=row.title.text(),
                        detail=row.detail,
                        owner_user_id=user_id,
                        owner_contact_id=contact_id,
                        due_on=row.due.value(),
                        status=str(row.status.currentData()),
                        outcome=row.outcome,
                    ),
                    item=index.get(row.item_key) if row.item_key is not None else None,
                    id=row.action_id,
                    version=row.version,
                )
            )
        return MeetingDraft(
            title=self.title.text(),
            on_date=as_date(self.on_date.date()),
            start_time=start,
            venue=self.venue.text(),
            online=self.online.isChecked(),
            chair_id=self.chair_id(),
            notes=self.notes.toPlainText(),
            items=tuple(
                AgendaItemEntry(r.title.text(), r.notes.toPlainText(), r.decisions.toPlainText(), r.item_id)
                for r in self.item_rows
            ),
            attendees=tuple(
                AttendeeEntry(r.contact_id, r.speaks_for.value(), r.attendance_value(), r.attendee_id)
                for r in self.attendee_rows
            ),
            actions=tuple(actions),
        )

    def validate(self) -> dict[str, str]:
        """Check the whole draft; show each problem beside its field or row; return them."""
        from vcsedesk.services.meetings import clean_meeting

        problems: dict[str, str] = {}
        try:
            clean_meeting(self.draft())
        except ValidationError as exc:
            problems = dict(exc.problems)
        try:
            parse_time(self.start_time.text())
        except ValueError:
            problems["start_time"] = self.tr(
                "“{text}” is not a time of day; type it like 10:30 or 2pm, or leave it blank."
            ).format(text=self.start_time.text().strip())
        for i, attendee in enumerate(self.attendee_rows):
            trouble = attendee.speaks_for.problem()
            if trouble:
                problems[f"attendees[{i}].speaks_for_id"] = trouble
        for i, action in enumerate(self.action_rows):
            trouble = action.owner.problem()
            if trouble:
                problems[f"actions[{i}].owner"] = trouble
        self.problems = problems
        shown = {**self.service_problems, **problems}
        saving = "save" in self._touched
        if self.is_new and not self._touched & {"title", "save"}:
            shown.pop("title", None)  # not worth shouting about before anything is typed
        for key, label in self.problem_labels.items():
            if key == "on_date":
                show_problem(label, shown.get("on_date") or shown.get("start_time"))
            elif key != "start_time":
                show_problem(label, shown.get(key))
        for kind, rows in (
            ("attendees", self.attendee_rows),
            ("items", self.item_rows),
            ("actions", self.action_rows),
        ):
            for i, row in enumerate(rows):
                assert isinstance(row, AttendeeRow | ItemRow | ActionRow)
                prefix = f"{kind}[{i}]"
                texts = [v for k, v in shown.items() if k == prefix or k.startswith(prefix + ".")]
                visible = row.touched or saving or k_from_service(self.service_problems, prefix)
                show_problem(row.problem, "\n⚠ ".join(dict.fromkeys(texts)) if texts and visible else None)
        return problems

    def shown_problem(self, key: str) -> str:
        """The problem shown beside a field or a row ("" if none): for tests and screen readers."""
        for kind, rows in (
            ("attendees", self.attendee_rows),
            ("items", self.item_rows),
            ("actions", self.action_rows),
        ):
            if key.startswith(kind + "["):
                row = rows[int(key[len(kind) + 1 : key.index("]")])]
                return row.problem.text() if not row.problem.isHidden() else ""
        label = self.problem_labels["on_date" if key == "start_time" else key]
        return label.text() if not label.isHidden() else ""

    def _clear_service_problems(self, prefix: str) -> None:
        for key in [k for k in self.service_problems if k.startswith(prefix)]:
            del self.service_problems[key]

    # -- editing ---------------------------------------------------------------------------
    def _edited(self, key: str) -> None:
        if self._filling:
            return
        self._touched.add(key)
        self.service_problems.pop(key, None)
        self._set_dirty(True)
        self.validate()
        self._update_buttons()

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)

    @property
    def dirty(self) -> bool:
        return self._dirty

    def _update_buttons(self) -> None:
        from vcsedesk.services.base import Permission

        ok = not self.problems and self._dirty and not self._saving and may(self.ctx, Permission.EDIT_RECORDS)
        self.save_button.setEnabled(ok)
        if self._saving:
            self.status.setText(self.tr("Saving…"))
        elif self.problems and (self._dirty or not self.is_new):
            self.status.setText(problems_text(len(self.problems)))
        elif self.service_problems:
            self.status.setText(self.tr("The meeting was not saved: see the messages beside the fields."))
        elif self._dirty:
            self.status.setText(self.tr("Unsaved changes."))
        else:
            self.status.setText("")

    # -- saving ----------------------------------------------------------------------------
    @Slot()
    def save(self) -> None:
        from vcsedesk.services import meetings

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
        saved = self.meeting
        save_record(
            self.ctx,
            meetings.add_meeting,
            meetings.update_meeting,
            saved.id if saved is not None else None,
            saved.version if saved is not None else None,
            self.draft(),
            on_created=self._created,
            on_updated=self._updated,
            on_refused=self._refused,
            on_settled=self._settled,
            label=self.tr("Saving the meeting…"),
        )

    def _focus_problem(self, problems: dict[str, str]) -> None:
        """Move to the first field with a problem, so the keyboard is where the fix is."""
        order: list[tuple[str, QWidget]] = [
            ("title", self.title),
            ("on_date", self.on_date),
            ("start_time", self.start_time),
            ("venue", self.venue),
            ("chair_id", self.chair),
            ("notes", self.notes),
            ("attendees", self.finder.edit),
        ]
        order += [(f"attendees[{i}]", r.speaks_for.edit) for i, r in enumerate(self.attendee_rows)]
        order.append(("items", self.add_item_button))
        for i, item in enumerate(self.item_rows):
            order += [
                (f"items[{i}].notes", item.notes),
                (f"items[{i}].decisions", item.decisions),
                (f"items[{i}]", item.title),
            ]
        order.append(("actions", self.add_action_button))
        for i, action in enumerate(self.action_rows):
            order += [(f"actions[{i}].owner", action.owner.combo), (f"actions[{i}]", action.title)]
        for key, widget in order:
            if any(
                k == key or k.startswith(key + ".") or (key.endswith("]") and k.startswith(key))
                for k in problems
            ):
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
                self.scroller.ensureWidgetVisible(widget)
                return

    def _created(self, changes: Changes) -> None:
        new_id = next(iter(changes.created.get("meetings", set())), None)
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
            not_saved=self.tr("The meeting was not saved. Put right what is shown beside the fields."),
            conflict_advice=self.tr(
                "What you typed is still here: Reload shows the meeting as saved now (your changes "
                "are lost), or copy what you need first."
            ),
        )
        self._update_buttons()

    def _settled(self) -> None:
        self._saving = False
        self._update_buttons()

    # -- leaving ---------------------------------------------------------------------------
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
            self, self.tr("Leave without saving? What you typed in this meeting will be lost."), discard
        )


def k_from_service(service_problems: dict[str, str], prefix: str) -> bool:
    """Whether the service named a problem in this row (shown even before it is touched)."""
    return any(k == prefix or k.startswith(prefix + ".") for k in service_problems)
