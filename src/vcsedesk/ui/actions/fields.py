"""Fields an action's form needs, shared by the tracker's dialog and the meeting editor.

* :class:`OwnerField` — who owns an action: nobody yet, one of the organisation's users (a
  list to choose from) or a contact ("A contact…" opens a search below the list: type a name,
  Down and Enter pick them).
* :class:`DueField` — an optional due date: a tick box ("Due by") and the date.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QVBoxLayout, QWidget

from vcsedesk.domain.engagement import ActionStatus
from vcsedesk.ui.actions.model import status_label

if TYPE_CHECKING:
    from vcsedesk.services.people import UserInfo
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.engagements.pickers import ContactPicker

NOBODY = "nobody"
USER = "user"
CONTACT = "contact"
#: The "A contact…" entry: choosing it opens the contact search.
FIND_CONTACT = "find"


def load_users(db: object) -> list[UserInfo]:
    """The organisation's users (on the worker)."""
    from vcsedesk.services import people

    return people.list_users(db)  # type: ignore[arg-type]


class OwnerField(QWidget):
    """Nobody, a user or a contact; emits ``changed`` when the choice changes."""

    changed = Signal()

    def __init__(self, ctx: AppContext, *, accessible_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.users: list[UserInfo] = []
        self._user: uuid.UUID | None = None
        self._user_name = ""
        self._contact: tuple[uuid.UUID, str] | None = None
        #: Which of nobody, the user or the contact is chosen (the others are remembered).
        self._kind = NOBODY
        self._filling = False
        self._moving = False
        self.picker: ContactPicker | None = None
        self.combo = QComboBox()
        self.combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # no change by scrolling past
        self.combo.setMinimumContentsLength(18)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setAccessibleName(accessible_name or self.tr("Owner"))
        self.combo.setToolTip(self.tr("A user, or “A contact…” to find someone among the contacts"))
        self.setFocusProxy(self.combo)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self._layout.addWidget(self.combo)
        self._refill()
        self.combo.currentIndexChanged.connect(self._chosen)

    # -- public -----------------------------------------------------------------------------
    def set_users(self, users: Sequence[UserInfo]) -> None:
        self.users = [u for u in users if not u.archived]
        self._refill()

    def set_owner(self, user_id: uuid.UUID | None, contact_id: uuid.UUID | None, name: str = "") -> None:
        self._user = user_id
        self._user_name = name if user_id is not None else ""
        self._contact = (contact_id, name) if contact_id is not None else None
        self._kind = CONTACT if contact_id is not None else USER if user_id is not None else NOBODY
        self._refill()
        self._close_picker()

    def owner(self) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        """(user id, contact id): at most one of them."""
        kind, value = self._current()
        if kind == USER:
            return uuid.UUID(value), None
        if kind == CONTACT:
            return None, uuid.UUID(value)
        return None, None

    def _current(self) -> tuple[str, str]:
        data = str(self.combo.currentData() or NOBODY)
        kind, _, value = data.partition(":")
        return kind, value

    def owner_name(self) -> str:
        kind, _value = self._current()
        if kind == USER:
            return self._user_name or self.combo.currentText()
        if kind == CONTACT and self._contact is not None:
            return self._contact[1]
        return ""

    def problem(self) -> str | None:
        """Why the owner cannot be taken as it stands (a contact to find, not yet found)."""
        kind, _value = self._current()
        if kind == FIND_CONTACT:
            return self.tr(
                "Find the contact who owns this action (type a name, then Down and Enter), "
                "or choose a user or “Nobody yet”."
            )
        return None

    def focus_widgets(self) -> list[QWidget]:
        """The field's widgets in tab order."""
        widgets: list[QWidget] = [self.combo]
        if self.picker is not None and self.picker.isVisibleTo(self):
            widgets.append(self.picker.edit)
        return widgets

    # -- the list ---------------------------------------------------------------------------
    def _refill(self) -> None:
        self._filling = True
        try:
            self.combo.clear()
            self.combo.addItem(self.tr("Nobody yet"), NOBODY)
            for user in self.users:
                self.combo.addItem(user.name, f"{USER}:{user.id}")
            if self._user is not None and self.combo.findData(f"{USER}:{self._user}") < 0:
                # Not among the live users (archived since, or the list not read yet).
                label = self._user_name or self.tr("A user")
                if self.users:
                    label = self.tr("{name} (no longer a user)").format(name=label)
                self.combo.addItem(label, f"{USER}:{self._user}")
            if self._contact is not None:
                self.combo.addItem(
                    self.tr("{name} (contact)").format(name=self._contact[1]), f"{CONTACT}:{self._contact[0]}"
                )
            self.combo.addItem(self.tr("A contact…"), FIND_CONTACT)
            if self._kind == CONTACT and self._contact is not None:
                wanted = f"{CONTACT}:{self._contact[0]}"
            elif self._kind == USER and self._user is not None:
                wanted = f"{USER}:{self._user}"
            else:
                wanted = NOBODY
            self.combo.setCurrentIndex(max(0, self.combo.findData(wanted)))
        finally:
            self._filling = False

    @Slot(int)
    def _chosen(self, _index: int) -> None:
        if self._filling:
            return
        kind, value = self._current()
        if kind == FIND_CONTACT:
            self._open_picker()
        else:
            self._close_picker()
            if kind == USER:
                self._user, self._user_name = uuid.UUID(value), self.combo.currentText()
            self._kind = kind  # a contact found earlier stays offered until another is found
        self.changed.emit()

    # -- finding a contact ------------------------------------------------------------------
    def _open_picker(self) -> None:
        from vcsedesk.ui.engagements.pickers import ContactPicker

        if self.picker is None:
            self.picker = ContactPicker(
                self.ctx,
                people_only=False,
                accessible_name=self.tr("Find the contact who owns the action"),
            )
            self.picker.edit.setPlaceholderText(self.tr("Type a name, then Down and Enter to choose"))
            self.picker.changed.connect(self._picked)
            self._layout.addWidget(self.picker)
            QWidget.setTabOrder(self.combo, self.picker.edit)
        self.picker.show()

    def _close_picker(self) -> None:
        if self.picker is not None:
            self.picker.hide()

    @Slot()
    def _picked(self) -> None:
        if self._moving or self.picker is None:
            return
        picked = self.picker.selected()
        if not picked:
            return
        contact_id, name, _role = picked[-1]
        self._moving = True
        try:
            self.picker.set_selected([])
        finally:
            self._moving = False
        self._contact = (contact_id, name)
        self._kind = CONTACT
        self._refill()
        self.combo.setFocus(Qt.FocusReason.OtherFocusReason)
        self._close_picker()
        # The picker puts the focus back in its search box after this returns: take it back.
        QTimer.singleShot(0, self.combo, lambda: self.combo.setFocus(Qt.FocusReason.OtherFocusReason))
        self.changed.emit()


class DueField(QWidget):
    """An optional date: "Due by" ticked, and the day."""

    changed = Signal()

    def __init__(self, *, accessible_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        what = accessible_name or self.tr("Due date")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.check = QCheckBox(self.tr("Due by"))
        self.check.setAccessibleName(self.tr("{what}: has a due date").format(what=what))
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("d MMM yyyy")
        self.date.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.date.setAccessibleName(what)
        self.date.setEnabled(False)
        self._set(date.today() + timedelta(days=14))
        layout.addWidget(self.check)
        layout.addWidget(self.date)
        layout.addStretch(1)
        self.setFocusProxy(self.check)
        self.check.toggled.connect(self._toggled)
        self.date.dateChanged.connect(lambda _d: self.changed.emit())

    def _set(self, day: date) -> None:
        self.date.setDate(QDate(day.year, day.month, day.day))

    def value(self) -> date | None:
        if not self.check.isChecked():
            return None
        day = self.date.date()
        return date(day.year(), day.month(), day.day())

    def set_value(self, day: date | None) -> None:
        self.date.blockSignals(True)
        self.check.blockSignals(True)
        try:
            self.check.setChecked(day is not None)
            self.date.setEnabled(day is not None)
            if day is not None:
                self._set(day)
        finally:
            self.date.blockSignals(False)
            self.check.blockSignals(False)

    @Slot(bool)
    def _toggled(self, checked: bool) -> None:
        self.date.setEnabled(checked)
        self.changed.emit()


def status_combo(accessible_name: str) -> QComboBox:
    combo = QComboBox()
    combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    combo.setAccessibleName(accessible_name)
    for status in ActionStatus:
        combo.addItem(status_label(status), status.value)
    return combo
