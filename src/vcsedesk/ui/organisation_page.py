"""Organisation: the profile form, the people who use vcsedesk, and the devices it runs on.

The form checks every field as you type with the same rules the service applies
(``vcsedesk.domain.organisation.clean_profile``) and says what is wrong beside the field.
Save sends only the fields that changed, with the version that was loaded: if someone saved
in between, the service refuses, the form says who and when, and offers to reload.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.errors import ConflictError, UserError, ValidationError
from vcsedesk.domain.organisation import MAX_LOGO_BYTES, clean_profile
from vcsedesk.domain.validation import Invalid, clean_email, clean_text
from vcsedesk.ui.banner import reload_banner
from vcsedesk.ui.lists_page import ListsPanel
from vcsedesk.ui.main_window import describe_time, heading_font
from vcsedesk.ui.table_model import AnyIndex, ReadOnlyTableModel
from vcsedesk.ui.widgets import problem_label, show_problem, tidy_table

if TYPE_CHECKING:
    from vcsedesk.services.base import Changes
    from vcsedesk.services.organisation import Profile
    from vcsedesk.services.people import DeviceInfo, UserInfo
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

TEXT_FIELDS = ("name", "charity_number", "company_number", "postcode")


# -- profile ---------------------------------------------------------------------------------
class ProfileForm(QWidget):
    """The organisation profile, validated as you type."""

    #: Emitted after the form has been filled from the database.
    loaded = Signal()
    #: Emitted after a save succeeded.
    saved = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.profile: Profile | None = None
        self.logo: bytes | None = None
        self.problems: dict[str, str] = {}
        self._filling = False
        self._saving = False

        outer = QVBoxLayout(self)
        self.banner, self.banner_text, self.reload_button = reload_banner(
            accessible_name=self.tr("Message about the profile"),
            reload_name=self.tr("Reload the profile, discarding your changes"),
            on_reload=self.load,
        )
        outer.addWidget(self.banner)

        grid = QGridLayout()
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 1)
        self.fields: dict[str, QLineEdit] = {}
        self.problem_labels: dict[str, QLabel] = {}
        width = self.fontMetrics().averageCharWidth()
        specs = [
            ("name", self.tr("&Name:"), self.tr("Organisation name"), ""),
            ("charity_number", self.tr("C&harity number:"), self.tr("Charity number"), "1234567"),
            ("company_number", self.tr("Co&mpany number:"), self.tr("Company number"), "01234567"),
        ]
        row = 0
        for key, text, accessible, placeholder in specs:
            self.fields[key] = self._line_edit(grid, row, key, text, accessible, placeholder)
            row += 1

        address_label = QLabel(self.tr("&Address:"))
        self.address = QPlainTextEdit()
        self.address.setTabChangesFocus(True)
        self.address.setAccessibleName(self.tr("Address"))
        self.address.setFixedHeight(self.fontMetrics().height() * 4 + 12)
        self.address.textChanged.connect(self._edited)
        address_label.setBuddy(self.address)
        grid.addWidget(address_label, row, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.address, row, 1)
        self.problem_labels["address"] = problem_label(self.tr("Address problem"))
        grid.addWidget(self.problem_labels["address"], row, 2, Qt.AlignmentFlag.AlignTop)
        row += 1

        self.fields["postcode"] = self._line_edit(
            grid, row, "postcode", self.tr("&Postcode:"), self.tr("Postcode"), "SW1A 1AA"
        )
        self.fields["postcode"].setMaximumWidth(width * 14)
        row += 1

        retention_label = QLabel(self.tr("&Keep records for:"))
        self.retention = QSpinBox()
        self.retention.setRange(1, 100)
        self.retention.setSuffix(self.tr(" years"))
        self.retention.setAccessibleName(self.tr("Retention period in years"))
        self.retention.setToolTip(
            self.tr("Records older than this, counted from the last contact, are flagged for review.")
        )
        self.retention.valueChanged.connect(self._edited)
        retention_label.setBuddy(self.retention)
        grid.addWidget(retention_label, row, 0)
        grid.addWidget(self.retention, row, 1, Qt.AlignmentFlag.AlignLeft)
        self.problem_labels["retention_years"] = problem_label(self.tr("Retention period problem"))
        grid.addWidget(self.problem_labels["retention_years"], row, 2)
        row += 1

        logo_label = QLabel(self.tr("Logo:"))
        logo_box = QHBoxLayout()
        self.logo_preview = QLabel(self.tr("(no logo)"))
        self.logo_preview.setAccessibleName(self.tr("Logo preview"))
        self.logo_preview.setMinimumHeight(self.fontMetrics().height() * 3)
        logo_box.addWidget(self.logo_preview)
        self.choose_logo = QPushButton(self.tr("&Choose logo…"))
        self.choose_logo.setAccessibleName(self.tr("Choose a logo image"))
        self.choose_logo.clicked.connect(self._choose_logo)
        logo_box.addWidget(self.choose_logo)
        self.remove_logo = QPushButton(self.tr("Remo&ve logo"))
        self.remove_logo.setAccessibleName(self.tr("Remove the logo"))
        self.remove_logo.clicked.connect(lambda: self.set_logo(None))
        logo_box.addWidget(self.remove_logo)
        logo_box.addStretch(1)
        logo_label.setBuddy(self.choose_logo)
        grid.addWidget(logo_label, row, 0)
        grid.addLayout(logo_box, row, 1)
        self.problem_labels["logo"] = problem_label(self.tr("Logo problem"))
        grid.addWidget(self.problem_labels["logo"], row, 2)
        outer.addLayout(grid)

        buttons = QHBoxLayout()
        self.permission_note = QLabel()
        self.permission_note.setWordWrap(True)
        self.permission_note.hide()
        buttons.addWidget(self.permission_note, 1)
        buttons.addStretch(1)
        self.discard_button = QPushButton(self.tr("&Discard changes"))
        self.discard_button.setAccessibleName(self.tr("Discard changes"))
        self.discard_button.clicked.connect(self.load)
        buttons.addWidget(self.discard_button)
        self.save_button = QPushButton(self.tr("&Save"))
        self.save_button.setAccessibleName(self.tr("Save the profile"))
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)
        outer.addStretch(1)
        self._update_buttons()

    def _line_edit(
        self, grid: QGridLayout, row: int, key: str, text: str, accessible: str, placeholder: str
    ) -> QLineEdit:
        label = QLabel(text)
        edit = QLineEdit()
        edit.setAccessibleName(accessible)
        if placeholder:
            edit.setPlaceholderText(self.tr("for example {example}").format(example=placeholder))
        edit.textEdited.connect(self._edited)
        label.setBuddy(edit)
        grid.addWidget(label, row, 0)
        grid.addWidget(edit, row, 1)
        problem = problem_label(self.tr("{field} problem").format(field=accessible))
        self.problem_labels[key] = problem
        grid.addWidget(problem, row, 2)
        return edit

    # -- values ----------------------------------------------------------------------------
    def raw_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {key: edit.text() for key, edit in self.fields.items()}
        values["address"] = self.address.toPlainText()
        values["retention_years"] = self.retention.value()
        values["logo"] = self.logo
        return values

    def validate(self) -> dict[str, Any]:
        """Check each field on its own; show problems beside fields; return the clean values."""
        clean: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for key, value in self.raw_values().items():
            try:
                clean.update(clean_profile({key: value}))
            except ValidationError as exc:
                problems.update(exc.problems)
        self.problems = problems
        for key, label in self.problem_labels.items():
            show_problem(label, problems.get(key))
        return clean

    def changed_values(self, clean: dict[str, Any]) -> dict[str, Any]:
        """The fields whose clean value differs from what was loaded (raw values, to send)."""
        if self.profile is None:
            return {}
        raw = self.raw_values()
        out = {}
        for key, value in raw.items():
            if key not in clean:
                out[key] = value  # invalid: certainly different
            elif clean[key] != getattr(self.profile, key):
                out[key] = value
        return out

    @property
    def dirty(self) -> bool:
        return bool(self.changed_values(self.validate())) if self.profile is not None else False

    # -- loading ---------------------------------------------------------------------------
    @Slot()
    def load(self) -> None:
        from vcsedesk.services import organisation

        self.ctx.worker.submit(
            organisation.get_profile,
            self.ctx.database,
            on_done=self.fill,
            label=self.tr("Reading the organisation profile…"),
        )

    def fill(self, profile: Profile | None) -> None:
        self.profile = profile
        self._filling = True
        try:
            if profile is not None:
                for key, edit in self.fields.items():
                    edit.setText(getattr(profile, key) or "")
                self.address.setPlainText(profile.address or "")
                self.retention.setValue(profile.retention_years)
                self.set_logo(profile.logo)
        finally:
            self._filling = False
        self.banner.hide()
        self.validate()
        self._update_buttons()
        self.loaded.emit()

    def set_logo(self, data: bytes | None) -> None:
        self.logo = data
        pixmap = QPixmap()
        if data and pixmap.loadFromData(data):
            height = self.fontMetrics().height() * 3
            self.logo_preview.setPixmap(
                pixmap.scaledToHeight(height, Qt.TransformationMode.SmoothTransformation)
            )
        else:
            self.logo_preview.setPixmap(QPixmap())
            self.logo_preview.setText(
                self.tr("(no logo)") if not data else self.tr("(cannot show this image)")
            )
        self.remove_logo.setEnabled(bool(data))
        self._edited()

    @Slot()
    def _choose_logo(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, self.tr("Choose a logo"), "", self.tr("Images (*.png *.jpg *.jpeg)")
        )
        if not name:
            return
        path = Path(name)
        try:
            if path.stat().st_size > MAX_LOGO_BYTES * 2:
                show_problem(
                    self.problem_labels["logo"],
                    self.tr("That file is too large for a logo (at most {kb} KB).").format(
                        kb=MAX_LOGO_BYTES // 1024
                    ),
                )
                return
            data = path.read_bytes()
        except OSError as exc:
            show_problem(
                self.problem_labels["logo"],
                self.tr("{name} could not be read: {error}").format(
                    name=path.name, error=exc.strerror or exc
                ),
            )
            return
        self.set_logo(data)

    # -- saving ----------------------------------------------------------------------------
    @Slot()
    def _edited(self) -> None:
        if self._filling:
            return
        self.validate()
        self._update_buttons()

    def _may_edit(self) -> bool:
        actor = self.ctx.actor
        return actor is not None and actor.role.value == "administrator"

    def _update_buttons(self) -> None:
        dirty = self.profile is not None and self.dirty
        may = self._may_edit()
        self.save_button.setEnabled(may and dirty and not self.problems and not self._saving)
        self.discard_button.setEnabled(dirty and not self._saving)
        if not may and self.ctx.actor is not None:
            self.permission_note.setText(self.tr("Only an administrator can change the profile."))
            self.permission_note.show()
        else:
            self.permission_note.hide()

    @Slot()
    def save(self) -> None:
        from vcsedesk.services import organisation

        clean = self.validate()
        if self.problems or self.profile is None:
            self._update_buttons()
            return
        changed = self.changed_values(clean)
        if not changed:
            return
        self._saving = True
        self._update_buttons()
        call = functools.partial(
            organisation.update_profile, self.ctx.database, self.ctx.acting, self.profile.version, **changed
        )
        self.ctx.hub.perform(
            call,
            on_done=self._saved,
            on_error=self._refused,
            on_settled=self._settled,
            label=self.tr("Saving the organisation profile…"),
        )

    def _saved(self, changes: Changes) -> None:
        self.banner.hide()
        self.load()
        self.saved.emit()

    def _refused(self, exc: UserError) -> None:
        if isinstance(exc, ValidationError):
            for key, text in exc.problems.items():
                if key in self.problem_labels:
                    show_problem(self.problem_labels[key], text)
        self.banner_text.setText(str(exc))
        self.reload_button.setVisible(isinstance(exc, ConflictError))
        self.banner.show()

    def _settled(self) -> None:
        self._saving = False
        self._update_buttons()

    def on_changed(self, changes: Changes) -> None:
        """Someone changed the profile (an undo, say): show it, unless you are mid-edit."""
        if changes.touches("organisation") and not self._saving and not self.dirty:
            self.load()


# -- users -----------------------------------------------------------------------------------
class UsersModel(ReadOnlyTableModel):
    NAME, ROLE, EMAIL, STATUS = range(4)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [self.tr("Name"), self.tr("Role"), self.tr("Email"), self.tr("Status")]
        self.all_users: list[UserInfo] = []
        self.users: list[UserInfo] = []
        self.show_archived = False

    def set_users(self, users: list[UserInfo]) -> None:
        self.beginResetModel()
        self.all_users = list(users)
        self.users = [u for u in self.all_users if self.show_archived or not u.archived]
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.users)

    def set_show_archived(self, show: bool) -> None:
        self.show_archived = show
        self.set_users(self.all_users)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.users):
            return None
        user = self.users[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return {
                self.NAME: user.name,
                self.ROLE: role_label(user.role.value),
                self.EMAIL: user.email or "",
                self.STATUS: self.tr("Archived") if user.archived else self.tr("Active"),
            }.get(index.column())
        return None

    def user_at(self, row: int) -> UserInfo | None:
        return self.users[row] if 0 <= row < len(self.users) else None


def role_label(value: str) -> str:
    from PySide6.QtCore import QCoreApplication

    labels = {
        "administrator": QCoreApplication.translate("Role", "Administrator"),
        "coordinator": QCoreApplication.translate("Role", "Coordinator"),
        "staff": QCoreApplication.translate("Role", "Staff"),
        "volunteer": QCoreApplication.translate("Role", "Volunteer"),
    }
    return labels.get(value, value)


class UserDialog(QDialog):
    """Add or edit a user: name, role, email — checked as you type."""

    def __init__(self, parent: QWidget | None, user: UserInfo | None = None) -> None:
        super().__init__(parent)
        self.user = user
        self.setWindowTitle(self.tr("Edit user") if user else self.tr("Add a user"))
        self.setAccessibleName(self.windowTitle())
        grid = QGridLayout(self)
        self.name = QLineEdit(user.name if user else "")
        self.name.setAccessibleName(self.tr("Name"))
        self.role = QComboBox()
        self.role.setAccessibleName(self.tr("Role"))
        for value in ("volunteer", "staff", "coordinator", "administrator"):
            self.role.addItem(role_label(value), value)
        self.role.setCurrentIndex(self.role.findData(user.role.value if user else "volunteer"))
        self.email = QLineEdit((user.email or "") if user else "")
        self.email.setAccessibleName(self.tr("Email (optional)"))
        self.name_problem = problem_label(self.tr("Name problem"))
        self.email_problem = problem_label(self.tr("Email problem"))
        for row, (text, widget, problem) in enumerate(
            [
                (self.tr("&Name:"), self.name, self.name_problem),
                (self.tr("&Role:"), self.role, None),
                (self.tr("&Email (optional):"), self.email, self.email_problem),
            ]
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            grid.addWidget(label, row, 0)
            grid.addWidget(widget, row, 1)
            if problem is not None:
                grid.addWidget(problem, row, 2)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        grid.addWidget(self.buttons, 3, 0, 1, 3)
        grid.setColumnStretch(1, 1)
        self.name.textEdited.connect(self.validate)
        self.email.textEdited.connect(self.validate)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 70)
        self.validate()

    def validate(self) -> bool:
        problems = {}
        try:
            clean_text(self.name.text(), label=self.tr("Name"), max_length=120, required=True)
        except Invalid as exc:
            problems["name"] = str(exc)
        try:
            clean_email(self.email.text())
        except Invalid as exc:
            problems["email"] = str(exc)
        # An empty name is not an error to shout about before anything is typed.
        show_problem(self.name_problem, problems.get("name") if self.name.text() else None)
        show_problem(self.email_problem, problems.get("email"))
        ok = not problems
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        return ok

    def accept(self) -> None:
        if self.validate():
            super().accept()

    def values(self) -> dict[str, Any]:
        return {"name": self.name.text(), "role": self.role.currentData(), "email": self.email.text() or None}


class UsersPanel(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr("The people who use vcsedesk. Archived people keep their name in the history.")
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = UsersModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setAccessibleName(self.tr("Users"))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setTabKeyNavigation(False)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        tidy_table(self.view)
        width = self.fontMetrics().averageCharWidth()
        for column, chars in ((UsersModel.NAME, 28), (UsersModel.ROLE, 16), (UsersModel.EMAIL, 34)):
            self.view.horizontalHeader().resizeSection(column, width * chars)
        self.view.doubleClicked.connect(lambda _index: self.edit())
        self.view.activated.connect(lambda _index: self.edit())
        layout.addWidget(self.view, 1)

        bar = QHBoxLayout()
        self.add_button = QPushButton(self.tr("&Add…"))
        self.edit_button = QPushButton(self.tr("&Edit…"))
        self.archive_button = QPushButton(self.tr("A&rchive"))
        self.restore_button = QPushButton(self.tr("Res&tore"))
        for button, handler, name in (
            (self.add_button, self.add, self.tr("Add a user")),
            (self.edit_button, self.edit, self.tr("Edit the selected user")),
            (self.archive_button, self.archive, self.tr("Archive the selected user")),
            (self.restore_button, self.restore, self.tr("Restore the selected user")),
        ):
            button.setAccessibleName(name)
            button.clicked.connect(handler)
            bar.addWidget(button)
        bar.addStretch(1)
        self.show_archived = QCheckBox(self.tr("S&how archived users"))
        self.show_archived.toggled.connect(self._toggle_archived)
        bar.addWidget(self.show_archived)
        layout.addLayout(bar)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.model.modelReset.connect(self._update_buttons)
        self._update_buttons()

    def load(self) -> None:
        from vcsedesk.services import people

        self.ctx.worker.submit(
            functools.partial(people.list_users, self.ctx.database, include_archived=True),
            on_done=self._loaded,
            label=self.tr("Reading the users…"),
        )

    def _loaded(self, users: list[UserInfo]) -> None:
        selected = self.selected()
        self.model.set_users(users)
        if selected is not None:
            for row, user in enumerate(self.model.users):
                if user.id == selected.id:
                    self.view.selectRow(row)

    def selected(self) -> UserInfo | None:
        rows = self.view.selectionModel().selectedRows() if self.view.selectionModel() else []
        return self.model.user_at(rows[0].row()) if rows else None

    def _toggle_archived(self, checked: bool) -> None:
        self.model.set_show_archived(checked)

    def _update_buttons(self) -> None:
        may = self.ctx.actor is not None and self.ctx.actor.role.value == "administrator"
        user = self.selected()
        self.add_button.setEnabled(may)
        self.edit_button.setEnabled(may and user is not None and not user.archived)
        self.archive_button.setEnabled(may and user is not None and not user.archived)
        self.restore_button.setEnabled(may and user is not None and user.archived)

    def _perform(self, call: Callable[[], Changes], label: str) -> None:
        self.ctx.hub.perform(call, label=label)

    @Slot()
    def add(self) -> None:
        from vcsedesk.services import people

        dialog = UserDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        values = dialog.values()
        self._perform(
            functools.partial(people.add_user, self.ctx.database, self.ctx.acting, **values),
            self.tr("Adding {name}…").format(name=values["name"]),
        )

    @Slot()
    def edit(self) -> None:
        from vcsedesk.services import people

        user = self.selected()
        if user is None or user.archived or not self.edit_button.isEnabled():
            return
        dialog = UserDialog(self, user)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        values = dialog.values()
        changed = {
            k: v
            for k, v in values.items()
            if v != {"name": user.name, "role": user.role.value, "email": user.email}[k]
        }
        if not changed:
            return
        self._perform(
            functools.partial(
                people.update_user, self.ctx.database, self.ctx.acting, user.id, user.version, **changed
            ),
            self.tr("Saving {name}…").format(name=values["name"]),
        )

    @Slot()
    def archive(self) -> None:
        from vcsedesk.services import people

        user = self.selected()
        if user is None or user.archived:
            return
        self._perform(
            functools.partial(people.archive_user, self.ctx.database, self.ctx.acting, user.id, user.version),
            self.tr("Archiving {name}…").format(name=user.name),
        )

    @Slot()
    def restore(self) -> None:
        from vcsedesk.services import people

        user = self.selected()
        if user is None or not user.archived:
            return
        self._perform(
            functools.partial(people.restore_user, self.ctx.database, self.ctx.acting, user.id, user.version),
            self.tr("Restoring {name}…").format(name=user.name),
        )


# -- devices ---------------------------------------------------------------------------------
class DevicesModel(ReadOnlyTableModel):
    NAME, PLATFORM, LAST_SEEN = range(3)

    def __init__(self, this_device: object = None, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [self.tr("Name"), self.tr("System"), self.tr("Last opened vcsedesk")]
        self.devices: list[DeviceInfo] = []
        self.this_device = this_device

    def row_count(self) -> int:
        return len(self.devices)

    def set_devices(self, devices: list[DeviceInfo]) -> None:
        self.beginResetModel()
        self.devices = list(devices)
        self.endResetModel()

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.devices):
            return None
        device = self.devices[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == self.NAME:
                if device.id == self.this_device:
                    return self.tr("{name} (this computer)").format(name=device.name)
                return device.name
            if index.column() == self.PLATFORM:
                return device.platform
            if index.column() == self.LAST_SEEN:
                return describe_time(device.last_seen_at) if device.last_seen_at else self.tr("Never")
        return None


class DevicesPanel(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "The computers vcsedesk has been used on with this data. Each change "
                "in the history says which one it was made on."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = DevicesModel(ctx.folder.device_id(), self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setAccessibleName(self.tr("Devices"))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setTabKeyNavigation(False)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        tidy_table(self.view)
        width = self.fontMetrics().averageCharWidth()
        self.view.horizontalHeader().resizeSection(DevicesModel.NAME, width * 36)
        self.view.horizontalHeader().resizeSection(DevicesModel.PLATFORM, width * 28)
        layout.addWidget(self.view, 1)

    def load(self) -> None:
        from vcsedesk.services import people

        self.ctx.worker.submit(
            people.list_devices,
            self.ctx.database,
            on_done=self.model.set_devices,
            label=self.tr("Reading the devices…"),
        )


class OrganisationPage(QWidget):
    """The Organisation area: Profile, Users, Devices, and Themes and lists tabs."""

    def __init__(self, ctx: AppContext, window: MainWindow) -> None:
        super().__init__()
        self.ctx = ctx
        self.setAccessibleName(self.tr("Organisation"))
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Organisation"))
        title.setFont(heading_font(self.font()))
        layout.addWidget(title)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Organisation sections"))
        self.form = ProfileForm(ctx)
        scroll = QScrollArea()
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.tabs.addTab(scroll, self.tr("&Profile"))
        self.users = UsersPanel(ctx)
        self.tabs.addTab(self.users, self.tr("&Users"))
        self.devices = DevicesPanel(ctx)
        self.tabs.addTab(self.devices, self.tr("De&vices"))
        # "Themes and &lists": Alt+T is taken by the Users tab's "Res&tore".
        self.lists = ListsPanel(ctx)
        self.tabs.addTab(self.lists, self.tr("Themes and &lists"))
        layout.addWidget(self.tabs, 1)

        ctx.hub.changed.connect(self._on_changed)
        self.form.load()
        self.users.load()
        self.devices.load()

    def _on_changed(self, changes: Changes) -> None:
        self.form.on_changed(changes)
        if changes.touches("users"):
            self.users.load()
        if changes.touches("devices"):
            self.devices.load()
        self.lists.on_changed(changes)
