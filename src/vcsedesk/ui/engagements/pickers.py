"""Pickers the engagement forms share: people, themes, facilitators.

* :class:`ContactPicker` — type a name, the matches appear below as you type (searched on the
  worker; a result is applied only if the text is still what was searched), Down/Up move
  through them, Enter picks.  Picked people are listed as removable "chips" (each with a role
  when ``with_roles``).  Backspace in the empty search box moves to the last chip; Left/Right
  move between chips; Delete or Backspace removes the chip that has the focus.
* :class:`ThemePicker` — a filter box over the tree of themes in use (retired and merged
  themes are not offered).  Type to filter, Enter ticks the first match (and clears the
  filter for the next), Down goes into the tree, Space ticks or unticks there.
* :class:`UserPicker` — a list of the organisation's users to tick (facilitators).

Each emits ``changed()`` when what is picked changes (not while loading), and ``loaded()``
once its list has arrived from the worker.  ``set_selected`` may be called before the list
has loaded: the choice is applied when it arrives.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.engagement import ParticipantRole
from vcsedesk.ui.widgets import SEARCH_DELAY_MS

if TYPE_CHECKING:
    from vcsedesk.services.base import Changes
    from vcsedesk.services.people import UserInfo
    from vcsedesk.services.themes import ThemeInfo
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext

log = logging.getLogger(__name__)

#: Matches offered under the search box.
SUGGESTIONS = 8

IdRole = Qt.ItemDataRole.UserRole + 1
PathRole = Qt.ItemDataRole.UserRole + 2

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _rows_high(view: QAbstractItemView, rows: int) -> None:
    """Size an item view to show about ``rows`` rows of the current font."""
    line = view.fontMetrics().height() + 6
    view.setMinimumHeight(line * min(rows, 3) + 4)
    view.setMaximumHeight(line * rows + 4)


# -- people -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PersonMatch:
    """One search result: enough to tell two people of the same name apart."""

    id: uuid.UUID
    name: str
    detail: str


def find_people(db: Database, text: str, limit: int, people_only: bool) -> list[PersonMatch]:
    """The contacts matching ``text``, best first (on the worker)."""
    from vcsedesk.domain.contacts import ContactKind
    from vcsedesk.services import contacts

    ids = contacts.search_contacts(db, text, limit=limit * 2 if people_only else limit)
    out = []
    for view in contacts.ids_in_order(db, ids):
        if view.archived or (people_only and view.kind is not ContactKind.PERSON):
            continue
        detail = ", ".join(
            p for p in (view.ward or view.postcode, view.emails[0].address if view.emails else None) if p
        )
        out.append(PersonMatch(view.id, view.name, detail))
        if len(out) >= limit:
            break
    return out


class _Chip(QFrame):
    """A picked person: their name, a role (optionally) and a remove button."""

    remove_requested = Signal(object)
    move_requested = Signal(object, int)

    def __init__(self, picker: ContactPicker, contact_id: uuid.UUID, name: str, role: str) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.name = name
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setAccessibleName(picker.tr("{name}, picked; press Delete to remove").format(name=name))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 2, 2)
        self.label = QLabel(name)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        layout.addWidget(self.label, 1)
        self.role: QComboBox | None = None
        if picker.with_roles:
            self.role = QComboBox()
            self.role.setEditable(True)
            self.role.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            for each in ParticipantRole:
                self.role.addItem(picker.tr(each.label), each.value)
            index = self.role.findData(role)
            if index >= 0:
                self.role.setCurrentIndex(index)
            else:
                self.role.setEditText(role)
            self.role.setAccessibleName(picker.tr("Role of {name}").format(name=name))
            self.role.currentTextChanged.connect(lambda _text: picker.changed.emit())
            layout.addWidget(self.role)
        self.remove = QToolButton()
        self.remove.setText("✕")
        self.remove.setToolTip(picker.tr("Remove {name}").format(name=name))
        self.remove.setAccessibleName(picker.tr("Remove {name}").format(name=name))
        self.remove.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keyboard: Delete on the chip
        self.remove.setAutoRaise(True)
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))
        layout.addWidget(self.remove)

    def role_value(self) -> str:
        if self.role is None:
            return ParticipantRole.PARTICIPANT.value
        data = self.role.currentData()
        text = self.role.currentText().strip()
        if data is not None and self.role.itemText(self.role.currentIndex()) == text:
            return str(data)
        return text.lower() or ParticipantRole.PARTICIPANT.value

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.remove_requested.emit(self)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Up):
            self.move_requested.emit(self, -1)
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Escape):
            self.move_requested.emit(self, 1 if key != Qt.Key.Key_Escape else 10**6)
        else:
            super().keyPressEvent(event)

    def focusInEvent(self, event: Any) -> None:
        self.setFrameShadow(QFrame.Shadow.Sunken)
        self.setLineWidth(2)
        super().focusInEvent(event)

    def focusOutEvent(self, event: Any) -> None:
        self.setFrameShadow(QFrame.Shadow.Plain)
        self.setLineWidth(1)
        super().focusOutEvent(event)


class ContactPicker(QWidget):
    """Search contacts as you type and pick several; see the module docstring for the keys."""

    changed = Signal()
    #: A search's results have been shown (tests wait for this).
    searched = Signal()

    def __init__(
        self,
        ctx: AppContext,
        *,
        with_roles: bool = False,
        people_only: bool = True,
        accessible_name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.with_roles = with_roles
        self.people_only = people_only
        self.chips: list[_Chip] = []
        self._searching: str | None = None
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(self.tr("Type a name, then Down and Enter to add"))
        self.edit.setAccessibleName(accessible_name or self.tr("Find a person to add"))
        self.edit.setClearButtonEnabled(True)
        self.edit.installEventFilter(self)
        self.edit.textEdited.connect(self._text_edited)
        self.setFocusProxy(self.edit)
        self.suggestions = QListWidget()
        self.suggestions.setAccessibleName(self.tr("People matching what was typed"))
        self.suggestions.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay in the search box
        self.suggestions.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.suggestions.itemClicked.connect(lambda item: self._pick_item(item))
        _rows_high(self.suggestions, 5)
        self.suggestions.hide()
        self.status = QLabel()
        self.status.setAccessibleName(self.tr("Search status"))
        self.status.hide()
        self.chip_box = QVBoxLayout()
        self.chip_box.setContentsMargins(0, 0, 0, 0)
        self.chip_box.setSpacing(2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.suggestions)
        layout.addWidget(self.status)
        layout.addLayout(self.chip_box)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self._search)

    # -- public -------------------------------------------------------------------------------
    def selected(self) -> list[tuple[uuid.UUID, str, str]]:
        """The picked people in the order picked: (contact id, name, role)."""
        return [(c.contact_id, c.name, c.role_value()) for c in self.chips]

    def set_selected(self, people: Iterable[Sequence[Any]]) -> None:
        """Pick exactly ``people``: (id, name) or (id, name, role) each.  Emits ``changed``."""
        for chip in list(self.chips):
            self._drop(chip)
        for person in people:
            role = str(person[2]) if len(person) > 2 and person[2] else ParticipantRole.PARTICIPANT.value
            self._add(uuid.UUID(str(person[0])), str(person[1]), role)
        self.changed.emit()

    def add_person(
        self, contact_id: uuid.UUID, name: str, role: str = ParticipantRole.PARTICIPANT.value
    ) -> None:
        if any(c.contact_id == contact_id for c in self.chips):
            return
        self._add(contact_id, name, role)
        self.changed.emit()

    def remove_person(self, contact_id: uuid.UUID) -> None:
        for chip in self.chips:
            if chip.contact_id == contact_id:
                self._remove(chip)
                return

    def last_focus_widget(self) -> QWidget:
        """The last widget of this picker in the tab order."""
        for chip in reversed(self.chips):
            if chip.role is not None:
                return chip.role
        return self.edit

    # -- searching ----------------------------------------------------------------------------
    @Slot(str)
    def _text_edited(self, text: str) -> None:
        if text.strip():
            self.timer.start()
        else:
            self.timer.stop()
            self._show_matches([])

    @Slot()
    def _search(self) -> None:
        text = self.edit.text().strip()
        if not text or self.ctx.db is None:
            return
        self._searching = text
        self.ctx.worker.submit(
            find_people,
            self.ctx.database,
            text,
            SUGGESTIONS + len(self.chips),
            self.people_only,
            on_done=functools.partial(self._found, text),
            label=self.tr("Finding people…"),
        )

    def _found(self, asked: str, found: list[PersonMatch]) -> None:
        if self.edit.text().strip() != asked:  # typed on meanwhile: a newer search is coming
            return
        picked = {c.contact_id for c in self.chips}
        offered = [m for m in found if m.id not in picked][:SUGGESTIONS]
        self._show_matches(offered, asked, already=bool(found) and not offered)
        self.searched.emit()

    def _show_matches(self, matches: list[PersonMatch], asked: str = "", *, already: bool = False) -> None:
        self.suggestions.clear()
        for match in matches:
            text = f"{match.name} — {match.detail}" if match.detail else match.name
            item = QListWidgetItem(text)
            item.setData(IdRole, (match.id, match.name))
            self.suggestions.addItem(item)
        if matches:
            self.suggestions.setCurrentRow(0)
            self.suggestions.show()
            self.status.hide()
        else:
            self.suggestions.hide()
            if asked:
                self.status.setText(
                    self.tr("Everyone matching “{text}” is added already.").format(text=asked)
                    if already
                    else self.tr("Nobody found for “{text}”.").format(text=asked)
                )
                self.status.show()
            else:
                self.status.hide()

    def _pick_item(self, item: QListWidgetItem | None) -> bool:
        if item is None:
            return False
        contact_id, name = item.data(IdRole)
        self.edit.clear()
        self._show_matches([])
        self.add_person(contact_id, name)
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    # -- chips --------------------------------------------------------------------------------
    def _add(self, contact_id: uuid.UUID, name: str, role: str) -> None:
        chip = _Chip(self, contact_id, name, role)
        chip.remove_requested.connect(self._remove)
        chip.move_requested.connect(self._move)
        before = self.last_focus_widget()
        self.chips.append(chip)
        self.chip_box.addWidget(chip)
        chip.setVisible(True)  # now, not on the next turn of the event loop
        if chip.role is not None:
            QWidget.setTabOrder(before, chip.role)

    def _drop(self, chip: _Chip) -> None:
        self.chips.remove(chip)
        self.chip_box.removeWidget(chip)
        chip.hide()
        chip.deleteLater()

    @Slot(object)
    def _remove(self, chip: _Chip) -> None:
        if chip not in self.chips:
            return
        index = self.chips.index(chip)
        had_focus = chip.hasFocus()
        self._drop(chip)
        if had_focus:
            if self.chips:
                self.chips[min(index, len(self.chips) - 1)].setFocus(Qt.FocusReason.OtherFocusReason)
            else:
                self.edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.changed.emit()

    @Slot(object, int)
    def _move(self, chip: _Chip, step: int) -> None:
        index = self.chips.index(chip) + step
        if index < 0:
            return
        if index >= len(self.chips):
            self.edit.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.chips[index].setFocus(Qt.FocusReason.OtherFocusReason)

    # -- keys in the search box ---------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            return self._edit_key(event)
        return super().eventFilter(watched, event)

    def _edit_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        shown = self.suggestions.isVisible() and self.suggestions.count() > 0
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and shown:
            row = self.suggestions.currentRow() + (1 if key == Qt.Key.Key_Down else -1)
            self.suggestions.setCurrentRow(max(0, min(row, self.suggestions.count() - 1)))
            return True
        if key in _ENTER and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            if shown:
                self._pick_item(self.suggestions.currentItem())
            elif self.edit.text().strip():
                self.timer.stop()
                self._search()  # Enter before the results came: search now
            return True  # never the dialog's default button
        if key == Qt.Key.Key_Escape and shown:
            self._show_matches([])
            return True
        if key == Qt.Key.Key_Backspace and not self.edit.text() and self.chips:
            self.chips[-1].setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        return False


# -- themes -----------------------------------------------------------------------------------
def load_themes(db: Database) -> list[ThemeInfo]:
    from vcsedesk.services import themes

    return themes.list_themes(db)


class _ThemeFilter(QSortFilterProxyModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterRole(PathRole)


class ThemePicker(QWidget):
    """Tick themes in the tree of themes in use, finding them by typing."""

    changed = Signal()
    loaded = Signal()

    def __init__(
        self,
        ctx: AppContext,
        *,
        compact: bool = False,
        accessible_name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.has_loaded = False
        self._wanted: set[uuid.UUID] = set()
        self._paths: dict[uuid.UUID, str] = {}
        self._items: dict[uuid.UUID, QStandardItem] = {}
        self._filling = False
        what = accessible_name or self.tr("Themes")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Type to find a theme, Enter to tick it"))
        self.filter.setAccessibleName(self.tr("Find a theme ({what})").format(what=what))
        self.filter.setClearButtonEnabled(True)
        self.filter.installEventFilter(self)
        self.filter.textChanged.connect(self._filter_changed)
        self.setFocusProxy(self.filter)
        self.model = QStandardItemModel(self)
        self.model.itemChanged.connect(self._item_changed)
        self.proxy = _ThemeFilter(self)
        self.proxy.setSourceModel(self.model)
        self.tree = QTreeView()
        self.tree.setModel(self.proxy)
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName(what)
        self.tree.setUniformRowHeights(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.installEventFilter(self)
        _rows_high(self.tree, 6 if compact else 12)
        self.chosen = QLabel()
        self.chosen.setWordWrap(True)
        self.chosen.setAccessibleName(self.tr("Themes ticked"))
        self.empty = QLabel(self.tr("No theme matches; clear the box to see them all."))
        self.empty.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree)
        layout.addWidget(self.empty)
        layout.addWidget(self.chosen)
        self._show_chosen()
        ctx.hub.changed.connect(self._data_changed)
        self.reload()

    # -- public -------------------------------------------------------------------------------
    def selected_ids(self) -> list[uuid.UUID]:
        """The ticked themes, in tree order (a ticked theme no longer offered is kept)."""
        if not self.has_loaded:
            return sorted(self._wanted, key=str)
        ticked = [i for i, item in self._items.items() if item.checkState() == Qt.CheckState.Checked]
        return ticked + sorted(self._wanted - set(self._items), key=str)

    def set_selected(self, ids: Iterable[uuid.UUID]) -> None:
        self._wanted = {uuid.UUID(str(i)) for i in ids}
        self._apply()
        self.changed.emit()

    def path_of(self, theme_id: uuid.UUID) -> str:
        return self._paths.get(theme_id, "")

    def reload(self) -> None:
        if self.ctx.db is None:
            return
        self.ctx.worker.submit(
            load_themes, self.ctx.database, on_done=self._loaded, label=self.tr("Loading themes…")
        )

    # -- loading ------------------------------------------------------------------------------
    def _loaded(self, themes: list[ThemeInfo]) -> None:
        if self.has_loaded:
            self._wanted = set(self.selected_ids())
        self._filling = True
        try:
            self.model.clear()
            self._items.clear()
            self._paths = {t.id: t.path for t in themes}
            for theme in themes:
                item = QStandardItem(theme.name)
                item.setEditable(False)
                item.setCheckable(True)
                item.setData(theme.id, IdRole)
                item.setData(theme.path, PathRole)
                item.setData(theme.path, Qt.ItemDataRole.AccessibleTextRole)
                item.setToolTip(theme.path)
                parent = self._items.get(theme.parent_id) if theme.parent_id else None
                (parent or self.model.invisibleRootItem()).appendRow(item)
                self._items[theme.id] = item
            self.has_loaded = True
            self._apply()
        finally:
            self._filling = False
        self._show_chosen()
        self.loaded.emit()

    def _apply(self) -> None:
        if not self.has_loaded:
            return
        self._filling = True
        try:
            for theme_id, item in self._items.items():
                state = Qt.CheckState.Checked if theme_id in self._wanted else Qt.CheckState.Unchecked
                if item.checkState() != state:
                    item.setCheckState(state)
        finally:
            self._filling = False
        self._show_chosen()

    @Slot(object)
    def _data_changed(self, changes: Changes) -> None:
        if changes.touches("themes"):
            self.reload()

    @Slot(QStandardItem)
    def _item_changed(self, item: QStandardItem) -> None:
        if self._filling:
            return
        self._show_chosen()
        self.changed.emit()

    def _show_chosen(self) -> None:
        names = [self._paths.get(i, "") for i in self.selected_ids() if self._paths.get(i)]
        self.chosen.setText(
            self.tr("Ticked: {names}").format(names="; ".join(names))
            if names
            else self.tr("No theme ticked yet.")
        )

    # -- filtering and keys -------------------------------------------------------------------
    @Slot(str)
    def _filter_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        if text.strip():
            self.tree.expandAll()
            first = self._first_match()
            if first.isValid():
                self.tree.setCurrentIndex(first)
        self.empty.setVisible(bool(text.strip()) and self.proxy.rowCount() == 0)

    def _first_match(self) -> QModelIndex:
        """The first theme shown whose own name or path matches the filter (a child before the
        parent shown only because of it)."""
        text = self.filter.text().strip().casefold()
        stack = [self.proxy.index(r, 0) for r in range(self.proxy.rowCount())][::-1]
        while stack:
            index = stack.pop()
            if text in str(index.data(Qt.ItemDataRole.DisplayRole)).casefold():
                return index
            stack.extend(self.proxy.index(r, 0, index) for r in reversed(range(self.proxy.rowCount(index))))
        return self.proxy.index(0, 0) if self.proxy.rowCount() else QModelIndex()

    def _toggle(self, index: QModelIndex | QPersistentModelIndex) -> None:
        if not index.isValid():
            return
        item = self.model.itemFromIndex(self.proxy.mapToSource(index))
        checked = item.checkState() == Qt.CheckState.Checked
        item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress:
            return super().eventFilter(watched, event)
        assert isinstance(event, QKeyEvent)
        key = event.key()
        if watched is self.filter:
            if key == Qt.Key.Key_Down and self.proxy.rowCount():
                if not self.tree.currentIndex().isValid():
                    self.tree.setCurrentIndex(self.proxy.index(0, 0))
                self.tree.setFocus(Qt.FocusReason.OtherFocusReason)
                return True
            if key in _ENTER and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                if self.filter.text().strip():
                    current = self.tree.currentIndex()
                    if current.isValid():
                        self._toggle(current)
                        self.filter.clear()
                return True  # never the dialog's default button
        elif watched is self.tree:
            if key in _ENTER and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                current = self.tree.currentIndex()
                if current.isValid():
                    self._toggle(current)
                return True
            if key == Qt.Key.Key_Space and not event.isAutoRepeat():
                current = self.tree.currentIndex()
                if current.isValid():
                    self._toggle(current)
                return True
            if key == Qt.Key.Key_Up and self.tree.currentIndex() == self.proxy.index(0, 0):
                self.filter.setFocus(Qt.FocusReason.OtherFocusReason)
                return True
        return super().eventFilter(watched, event)


# -- users ------------------------------------------------------------------------------------
def load_users(db: Database) -> list[UserInfo]:
    from vcsedesk.services import people

    return people.list_users(db)


class UserPicker(QWidget):
    """Tick users (e.g. an engagement's facilitators): Up/Down move, Space ticks."""

    changed = Signal()
    loaded = Signal()

    def __init__(
        self,
        ctx: AppContext,
        *,
        rows: int = 5,
        accessible_name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.has_loaded = False
        self._wanted: set[uuid.UUID] = set()
        self._items: dict[uuid.UUID, QStandardItem] = {}
        self._filling = False
        self.model = QStandardItemModel(self)
        self.model.itemChanged.connect(self._item_changed)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setAccessibleName(accessible_name or self.tr("Facilitators"))
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setUniformItemSizes(True)
        _rows_high(self.view, rows)
        self.setFocusProxy(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        ctx.hub.changed.connect(self._data_changed)
        self.reload()

    def selected_ids(self) -> list[uuid.UUID]:
        if not self.has_loaded:
            return sorted(self._wanted, key=str)
        ticked = [i for i, item in self._items.items() if item.checkState() == Qt.CheckState.Checked]
        return ticked + sorted(self._wanted - set(self._items), key=str)

    def set_selected(self, ids: Iterable[uuid.UUID]) -> None:
        self._wanted = {uuid.UUID(str(i)) for i in ids}
        self._apply()
        self.changed.emit()

    def reload(self) -> None:
        if self.ctx.db is None:
            return
        self.ctx.worker.submit(
            load_users, self.ctx.database, on_done=self._loaded, label=self.tr("Loading users…")
        )

    def _loaded(self, users: list[UserInfo]) -> None:
        if self.has_loaded:
            self._wanted = set(self.selected_ids())
        self._filling = True
        try:
            self.model.clear()
            self._items.clear()
            for user in users:
                item = QStandardItem(user.name)
                item.setEditable(False)
                item.setCheckable(True)
                item.setData(user.id, IdRole)
                item.setToolTip(user.role.label)
                self.model.appendRow(item)
                self._items[user.id] = item
            self.has_loaded = True
        finally:
            self._filling = False
        self._apply()
        if self.model.rowCount() and not self.view.currentIndex().isValid():
            self.view.setCurrentIndex(self.model.index(0, 0))
        self.loaded.emit()

    def _apply(self) -> None:
        if not self.has_loaded:
            return
        self._filling = True
        try:
            for user_id, item in self._items.items():
                state = Qt.CheckState.Checked if user_id in self._wanted else Qt.CheckState.Unchecked
                if item.checkState() != state:
                    item.setCheckState(state)
        finally:
            self._filling = False

    @Slot(object)
    def _data_changed(self, changes: Changes) -> None:
        if changes.touches("users"):
            self.reload()

    @Slot(QStandardItem)
    def _item_changed(self, _item: QStandardItem) -> None:
        if not self._filling:
            self.changed.emit()
