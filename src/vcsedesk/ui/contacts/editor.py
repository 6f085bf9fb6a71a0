"""The contact's details: a form for a new or a saved person or organisation.

Every keystroke rebuilds a :class:`~vcsedesk.domain.contacts.ContactDraft` and checks it with
the rule the service applies (``clean_contact``); each problem is shown beside its field
(problems are keyed ``postcode``, ``emails[1]`` and so on) and Save stays disabled while any
remain.  A stale save is refused by the service: the form says who changed the contact,
keeps what was typed, and offers to reload.  While a *new* contact is typed, saved contacts
that look like it (same email, same phone, similar name at the same postcode) are shown with
the reasons and a button to open that one instead.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.contacts import (
    ACCESS_NEEDS,
    EMAIL_LABELS,
    MAX_EMAILS,
    MAX_PHONES,
    PHONE_LABELS,
    ContactDraft,
    ContactKind,
    EmailEntry,
    PhoneEntry,
    clean_contact,
)
from vcsedesk.domain.errors import ConflictError, UserError, ValidationError
from vcsedesk.ui.banner import reload_banner
from vcsedesk.ui.table_model import ItemsTableModel
from vcsedesk.ui.widgets import may, problem_label, push_button, save_record, show_problem, tidy_table

if TYPE_CHECKING:
    from vcsedesk.services.base import Changes
    from vcsedesk.services.contacts import ContactView, MembershipView
    from vcsedesk.services.duplicates import DuplicateHint
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext

log = logging.getLogger(__name__)

#: Wait this long after the last key before looking for likely duplicates (milliseconds).
DUPLICATE_DELAY_MS = 300


def label_text(value: str) -> str:
    from PySide6.QtCore import QCoreApplication

    names = {
        "home": QCoreApplication.translate("ContactLabel", "Home"),
        "work": QCoreApplication.translate("ContactLabel", "Work"),
        "other": QCoreApplication.translate("ContactLabel", "Other"),
        "mobile": QCoreApplication.translate("ContactLabel", "Mobile"),
    }
    return names.get(value, value)


def split_list(text: str) -> tuple[str, ...]:
    """Split comma-separated text: "Carer, Drop-in ,, Youth" -> ("Carer", "Drop-in", "Youth")."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def find_duplicates(
    db: Database, draft: ContactDraft, still_wanted: Callable[[], bool]
) -> list[DuplicateHint] | None:
    from vcsedesk.services.duplicates import likely_duplicates

    if not still_wanted():
        return None
    return likely_duplicates(db, draft)


# -- emails and phones -------------------------------------------------------------------------
class EntryRows(QWidget):
    """Several labelled values (emails or phones): add and remove rows, each with its
    problem shown beside it."""

    edited = Signal()

    def __init__(
        self,
        what: str,
        labels: tuple[str, ...],
        maximum: int,
        placeholder: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.what = what
        self.labels = labels
        self.maximum = maximum
        self.placeholder = placeholder
        self.rows: list[tuple[QComboBox, QLineEdit, QPushButton, QLabel, QWidget]] = []
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(0, 0, 0, 0)
        self.list_layout = QVBoxLayout()
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.outer.addLayout(self.list_layout)
        self.add_button = QPushButton()
        self.add_button.clicked.connect(self._add_clicked)
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_button)
        add_row.addStretch(1)
        self.outer.addLayout(add_row)
        self.overall = problem_label(self.tr("{what} problem").format(what=what))
        self.outer.addWidget(self.overall)

    def set_add_text(self, text: str, accessible: str) -> None:
        self.add_button.setText(text)
        self.add_button.setAccessibleName(accessible)

    def add_row(self, value: str = "", label: str | None = None) -> QLineEdit:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        number = len(self.rows) + 1
        combo = QComboBox()
        for choice in self.labels:
            combo.addItem(label_text(choice), choice)
        combo.setCurrentIndex(max(0, combo.findData(label or self.labels[0])))
        combo.setAccessibleName(self.tr("{what} {n} label").format(what=self.what, n=number))
        edit = QLineEdit(value)
        edit.setAccessibleName(self.tr("{what} {n}").format(what=self.what, n=number))
        edit.setPlaceholderText(self.placeholder)
        remove = QPushButton(self.tr("Remove"))
        remove.setAccessibleName(self.tr("Remove {what} {n}").format(what=self.what.lower(), n=number))
        problem = problem_label(self.tr("{what} {n} problem").format(what=self.what, n=number))
        policy = problem.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # the field keeps its width when a message comes
        problem.setSizePolicy(policy)
        layout.addWidget(combo)
        layout.addWidget(edit, 3)
        layout.addWidget(remove)
        layout.addWidget(problem, 3)
        combo.currentIndexChanged.connect(lambda _i: self.edited.emit())
        edit.textEdited.connect(lambda _t: self.edited.emit())
        remove.clicked.connect(lambda _checked=False, w=row: self._remove(w))
        self.rows.append((combo, edit, remove, problem, row))
        self.list_layout.addWidget(row)
        row.show()  # at once, not when the layout gets round to it
        self.add_button.setEnabled(len(self.rows) < self.maximum)
        return edit

    def _add_clicked(self) -> None:
        edit = self.add_row()
        edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.edited.emit()

    def _remove(self, widget: QWidget) -> None:
        index = next((i for i, r in enumerate(self.rows) if r[4] is widget), None)
        if index is None:
            return
        *_widgets, row = self.rows.pop(index)
        row.hide()
        row.deleteLater()
        self._renumber()
        self.add_button.setEnabled(len(self.rows) < self.maximum)
        if self.rows:
            self.rows[min(index, len(self.rows) - 1)][1].setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.add_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self.edited.emit()

    def _renumber(self) -> None:
        for i, (combo, edit, remove, problem, _row) in enumerate(self.rows, start=1):
            combo.setAccessibleName(self.tr("{what} {n} label").format(what=self.what, n=i))
            edit.setAccessibleName(self.tr("{what} {n}").format(what=self.what, n=i))
            remove.setAccessibleName(self.tr("Remove {what} {n}").format(what=self.what.lower(), n=i))
            problem.setAccessibleName(self.tr("{what} {n} problem").format(what=self.what, n=i))

    def set_values(self, values: list[tuple[str, str]]) -> None:
        for *_widgets, row in self.rows:
            row.hide()
            row.deleteLater()
        self.rows.clear()
        for value, label in values:
            self.add_row(value, label)
        self.add_button.setEnabled(len(self.rows) < self.maximum)

    def values(self) -> list[tuple[str, str]]:
        return [(edit.text(), combo.currentData()) for combo, edit, _remove, _problem, _row in self.rows]

    def edit(self, i: int) -> QLineEdit:
        return self.rows[i][1]

    def problem(self, i: int) -> QLabel:
        return self.rows[i][3]

    def show_problems(self, key: str, problems: dict[str, str]) -> None:
        for i, (*_widgets, problem, _row) in enumerate(self.rows):
            show_problem(problem, problems.get(f"{key}[{i}]"))
        show_problem(self.overall, problems.get(key))


# -- memberships -----------------------------------------------------------------------------
class MembershipsModel(ItemsTableModel):
    NAME, ROLE = range(2)
    ROLES = (Qt.ItemDataRole.DisplayRole,)
    items: list[MembershipView]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [self.tr("Organisation"), self.tr("Role")]
        self.of_person = True

    def set_items(self, items: Iterable[MembershipView], of_person: bool = True) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.of_person = of_person
        self.headers = [self.tr("Organisation") if of_person else self.tr("Member"), self.tr("Role")]
        self.endResetModel()

    def cell(self, item: MembershipView, column: int, role: int) -> Any:
        if column == self.NAME:
            return item.organisation_name if self.of_person else item.person_name
        return item.role or ""


def organisations(db: Database) -> list[tuple[uuid.UUID, str]]:
    from vcsedesk.domain.contacts import ContactKind
    from vcsedesk.services import contact_list

    rows = contact_list.page(db, contact_list.ContactFilter(kind=ContactKind.ORGANISATION), limit=2000)
    return [(row.id, row.name) for row in rows]


class MembershipsPanel(QGroupBox):
    """Which organisations a person belongs to (with their role), or an organisation's members."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.contact: ContactView | None = None
        self.setTitle(self.tr("Memberships"))
        self.setAccessibleName(self.tr("Memberships"))
        layout = QVBoxLayout(self)
        self.model = MembershipsModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setAccessibleName(self.tr("Memberships"))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setTabKeyNavigation(False)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        tidy_table(self.view)
        self.view.setMaximumHeight(self.fontMetrics().height() * 9)
        layout.addWidget(self.view)

        self.add_row = QWidget()
        add = QHBoxLayout(self.add_row)
        add.setContentsMargins(0, 0, 0, 0)
        org_label = QLabel(self.tr("Or&ganisation:"))
        self.organisation = QComboBox()
        self.organisation.setAccessibleName(self.tr("Organisation to join"))
        self.organisation.setMinimumContentsLength(20)
        org_label.setBuddy(self.organisation)
        role_label = QLabel(self.tr("Ro&le:"))
        self.role = QLineEdit()
        self.role.setAccessibleName(self.tr("Role in the organisation"))
        self.role.setPlaceholderText(self.tr("for example Chair, Member, Volunteer"))
        role_label.setBuddy(self.role)
        self.add_button = push_button(
            self.tr("Add &membership"), self.tr("Add the membership"), self.add_membership
        )
        add.addWidget(org_label)
        add.addWidget(self.organisation, 2)
        add.addWidget(role_label)
        add.addWidget(self.role, 1)
        add.addWidget(self.add_button)
        layout.addWidget(self.add_row)
        buttons = QHBoxLayout()
        self.end_button = push_button(
            self.tr("&End membership"),
            self.tr("End the selected membership"),
            self.end_membership,
            row=buttons,
        )
        buttons.addStretch(1)
        self.problem = problem_label(self.tr("Membership problem"))
        buttons.addWidget(self.problem, 2)
        layout.addLayout(buttons)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    def show_contact(self, contact: ContactView) -> None:
        self.contact = contact
        of_person = contact.kind is ContactKind.PERSON
        self.model.set_items(list(contact.memberships), of_person)
        self.add_row.setVisible(of_person and not contact.archived)
        show_problem(self.problem, None)
        if of_person:
            self.ctx.worker.submit(
                organisations,
                self.ctx.database,
                on_done=self._fill_organisations,
                label=self.tr("Reading organisations…"),
            )
        self._update_buttons()

    def _fill_organisations(self, items: list[tuple[uuid.UUID, str]]) -> None:
        current = self.organisation.currentData()
        self.organisation.clear()
        for oid, name in items:
            self.organisation.addItem(name, str(oid))
        if current is not None:
            self.organisation.setCurrentIndex(max(0, self.organisation.findData(current)))
        self._update_buttons()

    def _selected(self) -> MembershipView | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.items[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        self.add_button.setEnabled(self.contact is not None and self.organisation.count() > 0)
        self.end_button.setEnabled(self._selected() is not None)

    @Slot()
    def add_membership(self) -> None:
        from vcsedesk.services import contacts

        org_text = self.organisation.currentData()
        if self.contact is None or org_text is None:
            return
        org = uuid.UUID(org_text)
        self.ctx.hub.perform(
            contacts.add_membership,
            self.ctx.database,
            self.ctx.acting,
            self.contact.id,
            org,
            self.role.text().strip() or None,
            on_done=lambda _c: self.role.clear(),
            on_error=self._refused,
            label=self.tr("Adding the membership…"),
        )

    @Slot()
    def end_membership(self) -> None:
        from vcsedesk.services import contacts

        item = self._selected()
        if item is None:
            return
        self.ctx.hub.perform(
            contacts.end_membership,
            self.ctx.database,
            self.ctx.acting,
            item.id,
            item.version,
            on_error=self._refused,
            label=self.tr("Ending the membership…"),
        )

    def _refused(self, exc: UserError) -> None:
        show_problem(self.problem, str(exc))


# -- the form --------------------------------------------------------------------------------
class ContactEditor(QWidget):
    """Details of one contact (new or saved), validated as you type."""

    #: A new contact was saved (its id).
    created = Signal(object)
    #: A saved contact was saved again.
    saved = Signal()
    #: Open this other contact instead (a likely duplicate).
    open_other = Signal(object)
    #: The form has been filled from the database.
    loaded = Signal()
    #: Whether there are unsaved changes.
    dirty_changed = Signal(bool)
    #: Likely duplicates were looked for and shown.
    duplicates_checked = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.contact: ContactView | None = None
        self.problems: dict[str, str] = {}
        self.duplicates: list[DuplicateHint] = []
        self._filling = False
        self._saving = False
        self._dirty = False
        self._touched: set[str] = set()
        self._person_name: str | None = None
        self._duplicate_generation = 0
        self.setAccessibleName(self.tr("Contact details"))

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.banner, self.banner_text, self.reload_button = reload_banner(
            accessible_name=self.tr("Message about this contact"),
            reload_name=self.tr("Reload the contact, discarding your changes"),
            on_reload=self.reload,
        )
        outer.addWidget(self.banner)

        self.duplicate_box = QFrame()
        self.duplicate_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.duplicate_box.setAccessibleName(self.tr("Possible duplicate"))
        dup_layout = QHBoxLayout(self.duplicate_box)
        self.duplicate_text = QLabel()
        self.duplicate_text.setWordWrap(True)
        self.duplicate_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.duplicate_text.setAccessibleName(self.tr("Possible duplicate"))
        dup_layout.addWidget(self.duplicate_text, 1)
        self.open_duplicate = QPushButton()
        self.open_duplicate.clicked.connect(self._open_duplicate)
        dup_layout.addWidget(self.open_duplicate, 0, Qt.AlignmentFlag.AlignTop)
        self.duplicate_box.hide()
        outer.addWidget(self.duplicate_box)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        form = QVBoxLayout(body)
        grid = QGridLayout()
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 2)
        form.addLayout(grid)
        self.grid = grid
        self.labels: dict[str, QLabel] = {}
        self.problem_labels: dict[str, QLabel] = {}
        self._row = 0

        self.kind = QComboBox()
        self.kind.addItem(self.tr("Person"), ContactKind.PERSON.value)
        self.kind.addItem(self.tr("Organisation"), ContactKind.ORGANISATION.value)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._add("kind", self.tr("&Kind:"), self.kind, self.tr("Kind of contact"))

        self.given_name = self._line("given_name", self.tr("&First name:"), self.tr("First name"))
        self.family_name = self._line("family_name", self.tr("Last na&me:"), self.tr("Last name"))
        self.name = self._line("name", self.tr("Organisation &name:"), self.tr("Organisation name"))
        self.organisation_type = self._line(
            "organisation_type", self.tr("T&ype of organisation:"), self.tr("Type of organisation")
        )
        self.organisation_type.setPlaceholderText(self.tr("for example GP practice, tenants' association"))

        self.emails = EntryRows(self.tr("Email"), EMAIL_LABELS, MAX_EMAILS, self.tr("name@example.org"))
        self.emails.set_add_text(self.tr("Add &email"), self.tr("Add an email address"))
        self.emails.edited.connect(lambda: self._edited("emails"))
        self._add("emails", self.tr("Emails:"), self.emails, self.tr("Email addresses"), problem=False)
        self.phones = EntryRows(self.tr("Phone"), PHONE_LABELS, MAX_PHONES, self.tr("07700 900123"))
        self.phones.set_add_text(self.tr("Add &phone"), self.tr("Add a telephone number"))
        self.phones.edited.connect(lambda: self._edited("phones"))
        self._add("phones", self.tr("Phones:"), self.phones, self.tr("Telephone numbers"), problem=False)

        self.address = QPlainTextEdit()
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(self.fontMetrics().height() * 4 + 12)
        self.address.textChanged.connect(lambda: self._edited("address"))
        self._add("address", self.tr("A&ddress:"), self.address, self.tr("Address"))
        self.postcode = self._line("postcode", self.tr("Post&code:"), self.tr("Postcode"))
        self.postcode.setPlaceholderText(self.tr("for example E1 6AN"))
        self.postcode.setMaximumWidth(self.fontMetrics().averageCharWidth() * 14)
        self.ward = QComboBox()
        self.ward.addItem(self.tr("(no ward)"), None)
        self.ward.currentIndexChanged.connect(lambda: self._edited("ward"))
        self._add("ward", self.tr("&Ward:"), self.ward, self.tr("Ward"))
        self.preferred_language = self._line(
            "preferred_language", self.tr("Preferred lan&guage:"), self.tr("Preferred language")
        )
        self.preferred_language.setPlaceholderText(self.tr("for example English, Bengali, BSL"))
        self.interpreter_needed = QCheckBox(self.tr("&Interpreter needed"))
        self.interpreter_needed.setAccessibleName(self.tr("Interpreter needed"))
        self.interpreter_needed.toggled.connect(lambda: self._edited("interpreter_needed"))
        self._add(
            "interpreter_needed", "", self.interpreter_needed, self.tr("Interpreter needed"), problem=False
        )

        needs = QWidget()
        needs_layout = QGridLayout(needs)
        needs_layout.setContentsMargins(0, 0, 0, 0)
        self.access_checks: dict[str, QCheckBox] = {}
        for i, need in enumerate(ACCESS_NEEDS):
            box = QCheckBox(self.tr(need))
            box.setAccessibleName(self.tr("Access need: {need}").format(need=self.tr(need)))
            box.toggled.connect(lambda _on: self._edited("access_needs"))
            self.access_checks[need] = box
            needs_layout.addWidget(box, i // 2, i % 2)
        other_label = QLabel(self.tr("O&ther needs:"))
        self.other_needs = QLineEdit()
        self.other_needs.setAccessibleName(self.tr("Other access needs"))
        self.other_needs.setPlaceholderText(self.tr("separate several with commas"))
        self.other_needs.textEdited.connect(lambda: self._edited("access_needs"))
        other_label.setBuddy(self.other_needs)
        row = (len(ACCESS_NEEDS) + 1) // 2
        needs_layout.addWidget(other_label, row, 0)
        needs_layout.addWidget(self.other_needs, row + 1, 0, 1, 2)
        self._add("access_needs", self.tr("Access needs:"), needs, self.tr("Communication and access needs"))

        self.tags = self._line("tags", self.tr("T&ags:"), self.tr("Tags"))
        self.tags.setPlaceholderText(self.tr("separate several with commas, for example Carer, Drop-in"))
        self.how_we_met = self._line("how_we_met", self.tr("&How we met:"), self.tr("How we met"))
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(self.fontMetrics().height() * 5 + 12)
        self.notes.textChanged.connect(lambda: self._edited("notes"))
        self._add("notes", self.tr("N&otes:"), self.notes, self.tr("Notes"))

        self.memberships = MembershipsPanel(ctx)
        self.memberships.hide()
        form.addWidget(self.memberships)
        form.addStretch(1)

        buttons = QHBoxLayout()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Form status"))
        buttons.addWidget(self.status, 1)
        self.discard_button = push_button(
            self.tr("&Discard changes"), self.tr("Discard changes"), self.discard, row=buttons
        )
        self.save_button = QPushButton(self.tr("&Save"))
        self.save_button.setAccessibleName(self.tr("Save the contact"))
        self.save_button.setToolTip(self.tr("Save (Ctrl+S)"))
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)
        save_action = QAction(self.tr("Save the contact"), self)
        save_action.setShortcut(QKeySequence.StandardKey.Save)
        save_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        save_action.triggered.connect(self.save)
        self.addAction(save_action)

        self.duplicate_timer = QTimer(self)
        self.duplicate_timer.setSingleShot(True)
        self.duplicate_timer.setInterval(DUPLICATE_DELAY_MS)
        self.duplicate_timer.timeout.connect(self.check_duplicates)
        self.start_new()

    # -- building --------------------------------------------------------------------------
    def _add(self, key: str, text: str, widget: QWidget, accessible: str, *, problem: bool = True) -> None:
        label = QLabel(text)
        widget.setAccessibleName(accessible)
        if text:
            label.setBuddy(widget)
        self.labels[key] = label
        simple = isinstance(widget, (QLineEdit, QComboBox, QCheckBox))
        align = Qt.AlignmentFlag.AlignVCenter if simple else Qt.AlignmentFlag.AlignTop
        self.grid.addWidget(label, self._row, 0, align)
        if problem:
            self.grid.addWidget(widget, self._row, 1)
            self.problem_labels[key] = problem_label(self.tr("{field} problem").format(field=accessible))
            self.grid.addWidget(self.problem_labels[key], self._row, 2, Qt.AlignmentFlag.AlignTop)
        else:
            self.grid.addWidget(widget, self._row, 1, 1, 2)
        self._row += 1

    def _line(self, key: str, text: str, accessible: str) -> QLineEdit:
        edit = QLineEdit()
        edit.textEdited.connect(lambda _t: self._edited(key))
        self._add(key, text, edit, accessible)
        return edit

    def _set_row_visible(self, key: str, visible: bool) -> None:
        self.labels[key].setVisible(visible)
        buddy = self.labels[key].buddy()
        if buddy is not None:
            buddy.setVisible(visible)
        if not visible and key in self.problem_labels:
            show_problem(self.problem_labels[key], None)

    # -- filling ---------------------------------------------------------------------------
    @property
    def is_new(self) -> bool:
        return self.contact is None

    @property
    def kind_value(self) -> ContactKind:
        return ContactKind(self.kind.currentData())

    def set_wards(self, wards: list[str]) -> None:
        current = self.ward.currentData()
        self.ward.blockSignals(True)
        while self.ward.count() > 1:
            self.ward.removeItem(1)
        for name in wards:
            self.ward.addItem(name, name)
        if current is not None and self.ward.findData(current) < 0:
            self.ward.addItem(current, current)  # a retired ward stays shown for this contact
        self.ward.setCurrentIndex(max(0, self.ward.findData(current)) if current is not None else 0)
        self.ward.blockSignals(False)

    def start_new(self, kind: ContactKind = ContactKind.PERSON) -> None:
        """An empty form for a new contact."""
        self.contact = None
        self._person_name = None
        self._fill_values(
            kind=kind,
            given="",
            family="",
            name="",
            org_type="",
            emails=[("", EMAIL_LABELS[0])],
            phones=[("", PHONE_LABELS[0])],
            address="",
            postcode="",
            ward=None,
            language="",
            interpreter=False,
            needs=(),
            tags=(),
            how="",
            notes="",
        )
        self.kind.setEnabled(True)
        self.memberships.hide()
        self._after_fill()

    def show_contact(self, contact: ContactView) -> None:
        """Fill the form from a saved contact."""
        self.contact = contact
        person = contact.kind is ContactKind.PERSON
        self._person_name = (
            contact.name if person and not (contact.given_name or contact.family_name) else None
        )
        self._fill_values(
            kind=contact.kind,
            given=contact.given_name or "",
            family=contact.family_name or "",
            name=contact.name if not person else "",
            org_type=contact.organisation_type or "",
            emails=[(e.address, e.label) for e in contact.emails],
            phones=[(p.number and _display(p.number), p.label) for p in contact.phones],
            address=contact.address or "",
            postcode=contact.postcode or "",
            ward=contact.ward,
            language=contact.preferred_language or "",
            interpreter=contact.interpreter_needed,
            needs=contact.access_needs,
            tags=contact.tags,
            how=contact.how_we_met or "",
            notes=contact.notes or "",
        )
        self.kind.setEnabled(False)  # memberships and consent depend on it
        self.memberships.show()
        self.memberships.setTitle(self.tr("Memberships") if person else self.tr("Members"))
        self.memberships.show_contact(contact)
        self._after_fill()

    def _fill_values(self, **v: Any) -> None:
        self._filling = True
        try:
            self.kind.setCurrentIndex(self.kind.findData(v["kind"].value))
            self.given_name.setText(v["given"])
            self.family_name.setText(v["family"])
            self.name.setText(v["name"])
            self.organisation_type.setText(v["org_type"])
            self.emails.set_values(v["emails"])
            self.phones.set_values(v["phones"])
            self.address.setPlainText(v["address"])
            self.postcode.setText(v["postcode"])
            ward = v["ward"]
            if ward is not None and self.ward.findData(ward) < 0:
                self.ward.addItem(ward, ward)
            self.ward.setCurrentIndex(self.ward.findData(ward) if ward is not None else 0)
            self.preferred_language.setText(v["language"])
            self.interpreter_needed.setChecked(v["interpreter"])
            others = []
            for need, box in self.access_checks.items():
                box.setChecked(need in v["needs"])
            others = [n for n in v["needs"] if n not in self.access_checks]
            self.other_needs.setText(", ".join(others))
            self.tags.setText(", ".join(v["tags"]))
            self.how_we_met.setText(v["how"])
            self.notes.setPlainText(v["notes"])
        finally:
            self._filling = False
        self._kind_changed()

    def _after_fill(self) -> None:
        self._touched.clear()
        self._set_dirty(False)
        self.banner.hide()
        self.duplicates = []
        self.duplicate_box.hide()
        self.duplicate_timer.stop()
        self._duplicate_generation += 1
        self.validate()
        self._update_buttons()
        self.loaded.emit()

    # -- values ----------------------------------------------------------------------------
    def draft(self) -> ContactDraft:
        kind = self.kind_value
        person = kind is ContactKind.PERSON
        needs = [need for need, box in self.access_checks.items() if box.isChecked()]
        needs += list(split_list(self.other_needs.text()))
        return ContactDraft(
            kind=kind.value,
            given_name=self.given_name.text() if person else None,
            family_name=self.family_name.text() if person else None,
            name=self.name.text() if not person else self._person_name,
            organisation_type=self.organisation_type.text() if not person else None,
            emails=tuple(EmailEntry(value, label) for value, label in self.emails.values()),
            phones=tuple(PhoneEntry(value, label) for value, label in self.phones.values()),
            address=self.address.toPlainText(),
            postcode=self.postcode.text(),
            ward=self.ward.currentData(),
            preferred_language=self.preferred_language.text(),
            interpreter_needed=self.interpreter_needed.isChecked(),
            access_needs=tuple(needs),
            how_we_met=self.how_we_met.text(),
            notes=self.notes.toPlainText(),
            tags=split_list(self.tags.text()),
        )

    def validate(self) -> dict[str, str]:
        """Check the whole draft; show each problem beside its field; return the problems."""
        try:
            clean_contact(self.draft())
        except ValidationError as exc:
            problems = dict(exc.problems)
        else:
            problems = {}
        self.problems = problems
        shown = dict(problems)
        names_blank = not (self.given_name.text() or self.family_name.text() or self.name.text())
        if self.is_new and names_blank and not self._touched & {"given_name", "family_name", "name", "save"}:
            # A missing name is not worth shouting about before anything is typed.
            shown.pop("given_name", None)
            shown.pop("name", None)
        for key, label in self.problem_labels.items():
            show_problem(label, shown.get(key))
        self.emails.show_problems("emails", shown)
        self.phones.show_problems("phones", shown)
        return problems

    # -- editing ---------------------------------------------------------------------------
    def _kind_changed(self) -> None:
        person = self.kind_value is ContactKind.PERSON
        for key in ("given_name", "family_name"):
            self._set_row_visible(key, person)
        for key in ("name", "organisation_type"):
            self._set_row_visible(key, not person)
        self.labels["interpreter_needed"].setVisible(person)
        self.interpreter_needed.setVisible(person)
        if not self._filling:
            self._edited("kind")

    def _edited(self, key: str = "") -> None:
        if self._filling:
            return
        if key:
            self._touched.add(key)
        self._set_dirty(True)
        self.validate()
        self._update_buttons()
        if self.is_new:
            self.duplicate_timer.start()

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)

    @property
    def dirty(self) -> bool:
        return self._dirty

    def _may_edit(self) -> bool:
        from vcsedesk.services.base import Permission

        return may(self.ctx, Permission.EDIT_RECORDS)

    def _update_buttons(self) -> None:
        archived = self.contact is not None and self.contact.archived
        ok = not self.problems and self._dirty and not self._saving and self._may_edit() and not archived
        self.save_button.setEnabled(ok)
        self.discard_button.setEnabled(self._dirty and not self._saving)
        if archived:
            self.status.setText(self.tr("This contact is archived: restore it to make changes."))
        elif self.problems and self._dirty:
            self.status.setText(self.tr("%n problem(s) to put right before saving.", "", len(self.problems)))
        elif self._dirty:
            self.status.setText(self.tr("Unsaved changes."))
        else:
            self.status.setText("")
        for widget in self._inputs():
            widget.setEnabled(not archived)

    def _inputs(self) -> list[QWidget]:
        return [
            self.given_name,
            self.family_name,
            self.name,
            self.organisation_type,
            self.emails,
            self.phones,
            self.address,
            self.postcode,
            self.ward,
            self.preferred_language,
            self.interpreter_needed,
            *self.access_checks.values(),
            self.other_needs,
            self.tags,
            self.how_we_met,
            self.notes,
        ]

    # -- duplicates ------------------------------------------------------------------------
    @Slot()
    def check_duplicates(self) -> None:
        if not self.is_new or self.ctx.db is None:
            return
        self._duplicate_generation += 1
        generation = self._duplicate_generation
        self.ctx.worker.submit(
            find_duplicates,
            self.ctx.database,
            self.draft(),
            lambda: generation == self._duplicate_generation,
            on_done=functools.partial(self._duplicates_found, generation),
            label=self.tr("Looking for the same person…"),
        )

    def _duplicates_found(self, generation: int, hints: list[DuplicateHint] | None) -> None:
        if generation != self._duplicate_generation or hints is None or not self.is_new:
            return
        self.duplicates = hints
        if not hints:
            self.duplicate_box.hide()
        else:
            best = hints[0]
            where = f" ({best.postcode})" if best.postcode else ""
            text = self.tr("This may be someone already saved: {name}{where} — {reasons}.").format(
                name=best.name, where=where, reasons="; ".join(best.reasons)
            )
            if len(hints) > 1:
                text += " " + self.tr("%n other possible match(es).", "", len(hints) - 1)
            self.duplicate_text.setText("⚠ " + text)
            self.open_duplicate.setText(self.tr("Open {name} &instead").format(name=best.name))
            self.open_duplicate.setAccessibleName(self.tr("Open {name} instead").format(name=best.name))
            self.duplicate_box.show()
        self.duplicates_checked.emit()

    def _open_duplicate(self) -> None:
        if self.duplicates:
            self.open_other.emit(self.duplicates[0].contact_id)

    # -- saving ----------------------------------------------------------------------------
    @Slot()
    def save(self) -> None:
        from vcsedesk.services import contacts

        self._touched.add("save")
        problems = self.validate()
        if problems or self._saving or not self._dirty or not self.save_button.isEnabled():
            self._update_buttons()
            return
        self._saving = True
        self._update_buttons()
        saved = self.contact
        save_record(
            self.ctx,
            contacts.create_contact,
            contacts.update_contact,
            saved.id if saved is not None else None,
            saved.version if saved is not None else None,
            self.draft(),
            on_created=self._created,
            on_updated=self._updated,
            on_refused=self._refused,
            on_settled=self._settled,
            label=self.tr("Saving the contact…"),
        )

    def _created(self, changes: Changes) -> None:
        new_id = next(iter(changes.created.get("contacts", set())), None)
        self._set_dirty(False)
        self.banner.hide()
        self.duplicate_box.hide()
        if new_id is not None:
            self.created.emit(new_id)

    def _updated(self, changes: Changes) -> None:
        self._set_dirty(False)
        self.banner.hide()
        self.saved.emit()

    def _refused(self, exc: UserError) -> None:
        if isinstance(exc, ValidationError):
            for key, text in exc.problems.items():
                if key in self.problem_labels:
                    show_problem(self.problem_labels[key], text)
            self.emails.show_problems("emails", exc.problems)
            self.phones.show_problems("phones", exc.problems)
        self.banner_text.setText("⚠ " + str(exc))
        self.reload_button.setVisible(isinstance(exc, ConflictError))
        self.banner.show()

    def _settled(self) -> None:
        self._saving = False
        self._update_buttons()

    #: Set by the contact page: reload the contact from the database.
    reload_requested: Callable[[], None] | None = None

    @Slot()
    def reload(self) -> None:
        if self.reload_requested is not None:
            self.reload_requested()

    @Slot()
    def discard(self) -> None:
        if self.contact is None:
            self.start_new(self.kind_value)
        else:
            self.reload()


def _display(e164: str) -> str:
    from vcsedesk.domain.phones import display_phone

    try:
        return display_phone(e164)
    except Exception:  # a number stored before the rules changed: show it as it is
        return e164
