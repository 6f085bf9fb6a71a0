"""Organisation ▸ Themes and lists: the theme tree, engagement types and partnership priorities.

Three sub-tabs over the services in ``services/themes.py`` and ``services/engagement_lists.py``:

* **Themes** — a tree (:class:`ThemeTreeModel`, a ``QAbstractItemModel`` of ``ThemeInfo``
  records) with how many engagements count under each theme over all time and its status
  ("Retired", "Merged into …").  Add (Insert or Ctrl+N), add a sub-theme (Ctrl+Shift+N),
  rename (F2), move, retire or reinstate, and merge into another theme (a dialog that shows
  both counts and says that nothing is deleted and Ctrl+Z undoes it).
* **Engagement types** — in the organisation's order: add, rename, archive, restore, and
  Alt+Up / Alt+Down to move one up or down.
* **Partnership priorities** — add, rename, archive, restore.

Reads run on the worker, changes through the hub; each tab reloads when a change touches what
it shows (or, while hidden, when it is next shown).  Only administrators and coordinators may
change these lists (``Permission.MANAGE_LISTS``); everyone else sees them read-only, with a
sentence saying who can.  A refusal from a service is shown beside the field in the dialog
that asked for the change, or else in a plain message.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QItemSelectionModel,
    QLocale,
    QModelIndex,
    QObject,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QFont,
    QKeyEvent,
    QKeySequence,
    QShowEvent,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.errors import UserError, ValidationError
from vcsedesk.domain.validation import Invalid, clean_text
from vcsedesk.ui.table_model import AnyIndex, ReadOnlyTableModel
from vcsedesk.ui.widgets import add_shortcut, count_text, may, problem_label, set_up_table, show_problem

if TYPE_CHECKING:
    from vcsedesk.services.base import Changes
    from vcsedesk.services.engagement_lists import PriorityInfo, TypeInfo
    from vcsedesk.services.themes import ThemeInfo
    from vcsedesk.ui.context import AppContext

#: "Over all time" for the engagement counts: every date an engagement can have.
ALL_TIME = (date(1900, 1, 1), date(9999, 12, 31))

#: The longest names the services accept (checked as you type; the services check again).
THEME_NAME_MAX = 120
TYPE_NAME_MAX = 80
PRIORITY_NAME_MAX = 160


def _tr(text: str) -> str:
    return QCoreApplication.translate("ListsPanel", text)


def engagements_text(theme: str, n: int) -> str:
    """ "“Dentistry” has 3 engagements" (the number in the locale's digit grouping)."""
    if n == 1:
        return _tr("“{theme}” has 1 engagement").format(theme=theme)
    return _tr("“{theme}” has {n} engagements").format(theme=theme, n=QLocale().toString(n))


def fit_height(dialog: QDialog) -> None:
    """Let a dialog grow to show a message that appeared in it (wrapped labels do not make a
    shown window taller by themselves)."""
    layout = dialog.layout()
    if layout is None:
        return
    layout.activate()
    width = dialog.width()
    height = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else -1
    height = max(height, layout.totalMinimumSize().height())
    if height > dialog.height():
        dialog.resize(width, height)


def refusal_text(exc: UserError) -> str:
    """A refusal as a sentence (a ValidationError's messages without the field names)."""
    if isinstance(exc, ValidationError) and exc.problems:
        return " ".join(exc.problems.values())
    return str(exc)


# -- reading (on the worker) -----------------------------------------------------------------
def load_themes(db: Any) -> tuple[list[ThemeInfo], dict[uuid.UUID, int]]:
    """Every theme (retired and merged too) and how many engagements count under each."""
    from vcsedesk.services import themes

    return themes.list_themes(db, include_retired=True), themes.count_by_theme(db, *ALL_TIME)


def load_types(db: Any) -> list[TypeInfo]:
    from vcsedesk.services import engagement_lists

    return engagement_lists.list_types(db, include_archived=True)


def load_priorities(db: Any) -> list[PriorityInfo]:
    from vcsedesk.services import engagement_lists

    return engagement_lists.list_priorities(db, include_archived=True)


# -- the theme tree --------------------------------------------------------------------------
@dataclass
class _Node:
    info: ThemeInfo
    #: Engagements counted under it; None for a merged theme (they count under its target).
    count: int | None
    parent: int  # index in ThemeTreeModel.nodes, -1 at the top level
    row: int
    children: list[int] = field(default_factory=list)


class ThemeTreeModel(QAbstractItemModel):
    """The taxonomy as a tree: Theme, Engagements (all time), Status.

    Holds every theme it was given; retired and merged ones are shown only with
    :meth:`set_show_retired`.  Each index's internal id is its node's place in
    :attr:`nodes` plus one.
    """

    THEME, ENGAGEMENTS, STATUS = range(3)
    ID_ROLE = Qt.ItemDataRole.UserRole

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.headers = [self.tr("Theme"), self.tr("Engagements"), self.tr("Status")]
        self.themes: list[ThemeInfo] = []
        self.counts: dict[uuid.UUID, int] = {}
        self.show_retired = False
        self.nodes: list[_Node] = []
        self.top: list[int] = []
        self.has_loaded = False

    # -- filling ---------------------------------------------------------------------------
    def set_themes(self, themes: list[ThemeInfo], counts: dict[uuid.UUID, int]) -> None:
        self.themes = list(themes)
        self.counts = dict(counts)
        self.has_loaded = True
        self._rebuild()

    def set_show_retired(self, show: bool) -> None:
        if show != self.show_retired:
            self.show_retired = show
            self._rebuild()

    def _rebuild(self) -> None:
        self.beginResetModel()
        self.nodes = []
        self.top = []
        place: dict[uuid.UUID, int] = {}
        for info in self.themes:  # parents come before their children
            if info.retired and not self.show_retired:
                continue
            parent = place.get(info.parent_id, -1) if info.parent_id is not None else -1
            siblings = self.top if parent < 0 else self.nodes[parent].children
            count = None if info.merged_into_id is not None else self.counts.get(info.id, 0)
            self.nodes.append(_Node(info, count, parent, len(siblings)))
            place[info.id] = len(self.nodes) - 1
            siblings.append(len(self.nodes) - 1)
        self.endResetModel()

    # -- looking up ------------------------------------------------------------------------
    def _node(self, index: AnyIndex) -> _Node | None:
        if not index.isValid():
            return None
        number = int(index.internalId()) - 1
        return self.nodes[number] if 0 <= number < len(self.nodes) else None

    def theme_at(self, index: AnyIndex) -> ThemeInfo | None:
        node = self._node(index)
        return node.info if node is not None else None

    def count_of(self, theme_id: uuid.UUID) -> int:
        return self.counts.get(theme_id, 0)

    def index_of(self, theme_id: uuid.UUID) -> QModelIndex:
        for number, node in enumerate(self.nodes):
            if node.info.id == theme_id:
                return self.createIndex(node.row, 0, number + 1)
        return QModelIndex()

    def shown(self) -> list[ThemeInfo]:
        """The themes shown, in tree order."""
        return [node.info for node in self.nodes]

    def info(self, theme_id: uuid.UUID) -> ThemeInfo | None:
        return next((t for t in self.themes if t.id == theme_id), None)

    # -- the model -------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not 0 <= column < len(self.headers):
            return QModelIndex()
        if parent.isValid():
            node = self._node(parent)
            if node is None or parent.column() != 0:
                return QModelIndex()
            children = node.children
        else:
            children = self.top
        if not 0 <= row < len(children):
            return QModelIndex()
        return self.createIndex(row, column, children[row] + 1)

    def parent(self, child: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        node = self._node(child)
        if node is None or node.parent < 0:
            return QModelIndex()
        up = self.nodes[node.parent]
        return self.createIndex(up.row, 0, node.parent + 1)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self.top)
        if parent.column() != 0:
            return 0
        node = self._node(parent)
        return len(node.children) if node is not None else 0

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(self.headers)

    def hasChildren(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return self.rowCount(parent) > 0

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.headers):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section == self.ENGAGEMENTS:
            return int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def status_text(self, info: ThemeInfo) -> str:
        if info.merged_into_id is not None:
            return self.tr("Merged into {theme}").format(theme=info.merged_into_path or "")
        if info.retired:
            return self.tr("Retired")
        return ""

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self._node(index)
        if node is None:
            return None
        info = node.info
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.THEME:
                return info.name
            if column == self.ENGAGEMENTS:
                return "" if node.count is None else count_text(node.count, "1", "{n}")
            if column == self.STATUS:
                return self.status_text(info)
        elif role == Qt.ItemDataRole.ToolTipRole:
            if column == self.ENGAGEMENTS:
                if node.count is None:
                    return self.tr("Its engagements count under “{theme}”.").format(
                        theme=info.merged_into_path or ""
                    )
                return count_text(
                    node.count,
                    self.tr("1 engagement mentions it (over all time)."),
                    self.tr("{n} engagements mention it (over all time)."),
                )
            return info.path
        elif role == Qt.ItemDataRole.TextAlignmentRole and column == self.ENGAGEMENTS:
            return int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter)
        elif role == Qt.ItemDataRole.FontRole and info.retired:
            font = QFont()
            font.setItalic(True)
            return font
        elif role == self.ID_ROLE:
            return info.id
        return None


class RoomyDelegate(QStyledItemDelegate):
    """Rows half a line taller than the text, like the app's tables (tidy_table)."""

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        size = super().sizeHint(option, index)
        line = option.fontMetrics.height()
        return QSize(size.width(), max(size.height(), line + line // 2))


# -- engagement types and priorities ---------------------------------------------------------
class EntriesModel(ReadOnlyTableModel):
    """Engagement types or priorities: Name, Status ("In use" / "Archived")."""

    NAME, STATUS = range(2)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [self.tr("Name"), self.tr("Status")]
        self.entries: list[Any] = []
        self.has_loaded = False

    def row_count(self) -> int:
        return len(self.entries)

    def set_entries(self, entries: list[Any]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.has_loaded = True
        self.endResetModel()

    def entry_at(self, row: int) -> Any | None:
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def row_of(self, entry_id: uuid.UUID) -> int:
        return next((row for row, e in enumerate(self.entries) if e.id == entry_id), -1)

    def live(self) -> list[Any]:
        return [e for e in self.entries if not e.archived]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.entries):
            return None
        entry = self.entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == self.NAME:
                return entry.name
            if index.column() == self.STATUS:
                return self.tr("Archived") if entry.archived else self.tr("In use")
        elif role == Qt.ItemDataRole.FontRole and entry.archived:
            font = QFont()
            font.setItalic(True)
            return font
        elif role == Qt.ItemDataRole.UserRole:
            return entry.id
        return None


# -- dialogs ---------------------------------------------------------------------------------
TOP_LEVEL = "top"


class EntryDialog(QDialog):
    """A name and/or a place in the theme tree, checked as you type.

    It stays open while the change is made: :attr:`submitted` asks the panel to make it; the
    panel closes the dialog when it is done, or shows the service's refusal here (beside the
    field it concerns) and lets the person put it right.
    """

    submitted = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        *,
        intro: str = "",
        name: str | None = None,
        name_label: str = "",
        max_length: int = THEME_NAME_MAX,
        places: list[tuple[str, uuid.UUID | None]] | None = None,
        place: uuid.UUID | None = None,
        place_label: str = "",
        ok_text: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.max_length = max_length
        self.busy = False
        layout = QVBoxLayout(self)
        if intro:
            label = QLabel(intro)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(label)
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        row = 0
        self.name: QLineEdit | None = None
        self.name_problem = problem_label(self.tr("Name problem"))
        if name is not None:
            text = QLabel(name_label or self.tr("&Name:"))
            self.name = QLineEdit(name)
            self.name.setAccessibleName(self.tr("Name"))
            self.name.setMaxLength(max_length + 20)  # room to see it is too long, not unlimited
            self.name.selectAll()
            self.name.textEdited.connect(lambda _text: self.validate())
            text.setBuddy(self.name)
            grid.addWidget(text, row, 0)
            grid.addWidget(self.name, row, 1)
            grid.addWidget(self.name_problem, row + 1, 1)
            row += 2
        self.place: QComboBox | None = None
        self.place_problem = problem_label(self.tr("Place problem"))
        if places is not None:
            text = QLabel(place_label or self.tr("&Under:"))
            self.place = QComboBox()
            self.place.setAccessibleName(self.tr("Parent theme"))
            self.place.addItem(self.tr("(top level: no parent)"), TOP_LEVEL)
            for path, theme_id in places:
                self.place.addItem(path, theme_id)
            self.place.setCurrentIndex(max(0, self.place.findData(place)) if place is not None else 0)
            self.place.setMaxVisibleItems(20)
            self.place.currentIndexChanged.connect(lambda _i: show_problem(self.place_problem, None))
            text.setBuddy(self.place)
            grid.addWidget(text, row, 0)
            grid.addWidget(self.place, row, 1)
            grid.addWidget(self.place_problem, row + 1, 1)
            row += 2
        layout.addLayout(grid)
        self.problem = problem_label(self.tr("Why it could not be done"))
        layout.addWidget(self.problem)
        layout.addStretch(1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok_text:
            self.ok.setText(ok_text)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 64)
        self.validate()

    def values(self) -> tuple[str, uuid.UUID | None]:
        """The name typed and the parent chosen (None: the top level)."""
        name = self.name.text() if self.name is not None else ""
        data = self.place.currentData() if self.place is not None else TOP_LEVEL
        return name, (data if isinstance(data, uuid.UUID) else None)

    def validate(self) -> bool:
        problem = None
        if self.name is not None:
            try:
                clean_text(self.name.text(), label=self.tr("Name"), max_length=self.max_length, required=True)
            except Invalid as exc:
                problem = str(exc)
            # An empty name is not worth shouting about before anything is typed.
            show_problem(self.name_problem, problem if self.name.text() else None)
        show_problem(self.problem, None)
        if self.isVisible():
            fit_height(self)
        ok = problem is None
        self.ok.setEnabled(ok and not self.busy)
        return ok

    def submit(self) -> None:
        if not self.busy and self.validate():
            self.set_busy(True)
            self.submitted.emit()

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.ok.setEnabled(not busy and (self.name is None or bool(self.name.text().strip())))

    def refuse(self, exc: UserError) -> None:
        """Show why the service refused, beside the field it concerns."""
        self.set_busy(False)
        problems = exc.problems if isinstance(exc, ValidationError) else {}
        if "name" in problems and self.name is not None:
            show_problem(self.name_problem, problems["name"])
            self.name.setFocus()
        elif "parent" in problems and self.place is not None:
            show_problem(self.place_problem, problems["parent"])
            self.place.setFocus()
        else:
            show_problem(self.problem, refusal_text(exc))
        fit_height(self)


class FilterBox(QLineEdit):
    """A filter field: Enter and the Down arrow move into the list instead of confirming."""

    to_list = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.to_list.emit()
            return
        super().keyPressEvent(event)


class MergeDialog(QDialog):
    """Merge one theme into another: choose the target (with a filter), see what will happen
    and both counts, then confirm.  Stays open while the merge is made (see EntryDialog)."""

    submitted = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        source: ThemeInfo,
        targets: list[ThemeInfo],
        counts: dict[uuid.UUID, int],
        children: list[str],
    ) -> None:
        super().__init__(parent)
        self.source = source
        self.counts = counts
        self.sub_themes = children
        self.busy = False
        title = self.tr("Merge “{theme}” into another theme").format(theme=source.name)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr("Choose the theme that “{theme}” should count under from now on.").format(
                theme=source.path
            )
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)

        row = QHBoxLayout()
        find_label = QLabel(self.tr("&Find a theme:"))
        self.filter = FilterBox()
        self.filter.setAccessibleName(self.tr("Find a theme to merge into"))
        self.filter.setPlaceholderText(self.tr("Type part of a name; Down arrow moves to the list"))
        self.filter.setClearButtonEnabled(True)
        find_label.setBuddy(self.filter)
        row.addWidget(find_label)
        row.addWidget(self.filter, 1)
        layout.addLayout(row)

        self.items = QStandardItemModel(self)
        for theme in targets:
            item = QStandardItem(theme.path)
            item.setData(theme.id, Qt.ItemDataRole.UserRole)
            item.setEditable(False)
            self.items.appendRow(item)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.items)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        list_label = QLabel(self.tr("&Merge into:"))
        self.list = QListView()
        self.list.setModel(self.proxy)
        self.list.setAccessibleName(self.tr("Themes to merge into"))
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setMinimumHeight(self.fontMetrics().height() * 10)
        list_label.setBuddy(self.list)
        layout.addWidget(list_label)
        layout.addWidget(self.list, 1)

        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.PlainText)
        self.explanation.setAccessibleName(self.tr("What the merge will do"))
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.explanation.setMinimumHeight(self.fontMetrics().height() * 5)
        self.explanation.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.explanation)
        self.problem = problem_label(self.tr("Why the merge could not be done"))
        layout.addWidget(self.problem)
        layout.addSpacing(self.fontMetrics().height() // 2)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.tr("Mer&ge"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.filter.textChanged.connect(self._filter)
        self.filter.to_list.connect(self._to_list)
        self.list.selectionModel().currentChanged.connect(lambda *_: self._explain())
        self.list.selectionModel().selectionChanged.connect(lambda *_: self._explain())
        self.list.doubleClicked.connect(lambda _index: self.submit())
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 96)
        self._explain()

    def target(self) -> tuple[uuid.UUID, str] | None:
        index = self.list.currentIndex()
        if not index.isValid() or not self.list.selectionModel().isSelected(index):
            return None
        return index.data(Qt.ItemDataRole.UserRole), index.data(Qt.ItemDataRole.DisplayRole)

    def choose(self, theme_id: uuid.UUID) -> bool:
        """Make ``theme_id`` the chosen target (False if it is not offered)."""
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(Qt.ItemDataRole.UserRole) == theme_id:
                self.list.selectionModel().setCurrentIndex(
                    index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                )
                return True
        return False

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        if self.target() is None:
            self.list.selectionModel().clearCurrentIndex()
        self._explain()

    def _to_list(self) -> None:
        if self.proxy.rowCount() == 0:
            return
        self.list.setFocus()
        if self.target() is None:
            self.list.selectionModel().setCurrentIndex(
                self.proxy.index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
            )

    def _explain(self) -> None:
        show_problem(self.problem, None)
        chosen = self.target()
        source = self.source.path
        before = engagements_text(source, self.counts.get(self.source.id, 0))
        if chosen is None:
            if self.proxy.rowCount() == 0:
                text = self.tr("No theme matches “{text}”.").format(text=self.filter.text().strip())
            else:
                text = self.tr("Choose a theme from the list. {counts}.").format(counts=before)
            self.explanation.setText(text)
            self.ok.setEnabled(False)
            return
        target_id, target = chosen
        lines = [
            self.tr(
                "Records tagged with “{source}” will count under “{target}”. Nothing is deleted; "
                "undo (Ctrl+Z) reverses the merge."
            ).format(source=source, target=target),
            self.tr("Now: {source}; {target}.").format(
                source=before,
                target=engagements_text(target, self.counts.get(target_id, 0)),
            )
            + " "
            + self.tr("An engagement tagged with both will count once."),
        ]
        if self.sub_themes:
            lines.append(
                self.tr("Its sub-themes move under “{target}”: {names}.").format(
                    target=target, names=", ".join(self.sub_themes)
                )
            )
        self.explanation.setText("\n\n".join(lines))
        self.ok.setEnabled(not self.busy)

    def submit(self) -> None:
        if not self.busy and self.target() is not None:
            self.busy = True
            self.ok.setEnabled(False)
            self.submitted.emit()

    def refuse(self, exc: UserError) -> None:
        self.busy = False
        self.ok.setEnabled(self.target() is not None)
        show_problem(self.problem, refusal_text(exc))
        fit_height(self)


# -- the sections ----------------------------------------------------------------------------
class _Section(QWidget):
    """What the three tabs share: loading when shown, a status line, making changes."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.stale = True
        self.loading = False
        self.dialog: QDialog | None = None
        self.select_after: uuid.UUID | None = None
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setAccessibleName(self.tr("What happened last"))

    @property
    def may_change(self) -> bool:
        from vcsedesk.services.base import Permission

        return may(self.ctx, Permission.MANAGE_LISTS)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.stale:
            self.load()

    def refresh(self) -> None:
        """Reload now if shown, else when next shown."""
        if self.isVisible():
            self.load()
        else:
            self.stale = True

    def load(self) -> None:
        raise NotImplementedError

    def _loaded(self) -> None:
        self.stale = False
        self.loading = False

    def perform(
        self,
        call: Callable[..., Changes],
        label: str,
        *,
        dialog: EntryDialog | MergeDialog | None = None,
    ) -> None:
        """Make a change through the hub; a dialog closes when done or shows the refusal."""

        def done(changes: Changes) -> None:
            created = [i for ids in changes.created.values() for i in ids]
            if created:
                self.select_after = created[0]
            if changes.summary:
                self.status.setText(
                    self.tr("{summary}. Undo with Ctrl+Z.").format(summary=changes.summary.rstrip("."))
                )
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.accept()
                if self.dialog is dialog:
                    self.dialog = None

        def refused(exc: UserError) -> None:
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.refuse(exc)
            else:
                self.ctx.worker.show_user_error(exc)

        self.ctx.hub.perform(
            call, on_done=done, on_error=refused if dialog is not None else None, label=label
        )

    def open_dialog(self, dialog: EntryDialog | MergeDialog, on_submit: Callable[[], None]) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(on_submit)
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.open()

    def _dialog_closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None


def _button(text: str, name: str, handler: Callable[[], None], tip: str = "") -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(name)
    if tip:
        button.setToolTip(tip)
    button.clicked.connect(handler)
    return button


class ThemesSection(_Section):
    """The theme tree and what can be done to it."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "What people talk about, as a tree of themes and sub-themes. Retiring a theme "
                "stops it being offered for new records; merging one into another makes its "
                "records count under the other. Nothing is deleted, so old records still count."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.model = ThemeTreeModel(self)
        self.view = QTreeView()
        self.view.setModel(self.model)
        self.view.setAccessibleName(self.tr("Themes"))
        self.view.setAccessibleDescription(self.tr("Insert adds a theme, F2 renames the selected one."))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAllColumnsShowFocus(True)
        self.view.setAlternatingRowColors(True)
        self.view.setUniformRowHeights(True)
        header = self.view.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        width = self.fontMetrics().averageCharWidth()
        header.resizeSection(ThemeTreeModel.THEME, width * 44)
        title = self.model.headers[ThemeTreeModel.ENGAGEMENTS]
        header.resizeSection(
            ThemeTreeModel.ENGAGEMENTS, header.fontMetrics().horizontalAdvance(title) + width * 6
        )
        self.view.setItemDelegate(RoomyDelegate(self.view))
        self.view.doubleClicked.connect(lambda _index: self.rename())
        layout.addWidget(self.view, 1)

        bar = QHBoxLayout()
        self.add_button = _button(
            self.tr("&Add theme…"),
            self.tr("Add a theme"),
            self.add,
            self.tr("Add a theme (Insert or Ctrl+N)"),
        )
        self.add_child_button = _button(
            self.tr("Add su&b-theme…"),
            self.tr("Add a sub-theme under the selected theme"),
            self.add_child,
            self.tr("Add a sub-theme under the selected theme (Ctrl+Shift+N)"),
        )
        self.rename_button = _button(
            self.tr("Re&name…"), self.tr("Rename the selected theme"), self.rename, self.tr("Rename (F2)")
        )
        self.move_button = _button(
            self.tr("&Move…"), self.tr("Move the selected theme under another"), self.move_theme
        )
        self.retire_button = _button(self.tr("Ret&ire"), self.tr("Retire the selected theme"), self.retire)
        self.merge_button = _button(
            self.tr("Merge int&o…"), self.tr("Merge the selected theme into another"), self.merge
        )
        for button in (
            self.add_button,
            self.add_child_button,
            self.rename_button,
            self.move_button,
            self.retire_button,
            self.merge_button,
        ):
            bar.addWidget(button)
        bar.addStretch(1)
        layout.addLayout(bar)

        bottom = QHBoxLayout()
        self.show_retired = QCheckBox(self.tr("Show retire&d and merged themes"))
        self.show_retired.setAccessibleName(self.tr("Show retired and merged themes"))
        self.show_retired.toggled.connect(self._toggle_retired)
        bottom.addWidget(self.show_retired)
        bottom.addStretch(1)
        self.summary = QLabel()
        self.summary.setAccessibleName(self.tr("How many themes"))
        bottom.addWidget(self.summary)
        layout.addLayout(bottom)
        layout.addWidget(self.status)

        self.add_action = add_shortcut(self, self.tr("Add a theme"), "Ins", self.add)
        self.add_action.setShortcuts([QKeySequence("Ins"), QKeySequence("Ctrl+N")])
        self.add_child_action = add_shortcut(self, self.tr("Add a sub-theme"), "Ctrl+Shift+N", self.add_child)
        self.rename_action = add_shortcut(self, self.tr("Rename the theme"), "F2", self.rename)

        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.model.modelReset.connect(self._update_buttons)
        self._update_buttons()

    # -- loading ---------------------------------------------------------------------------
    def load(self) -> None:
        self.loading = True
        self.stale = False
        self.ctx.worker.submit(
            load_themes, self.ctx.database, on_done=self._fill, label=self.tr("Reading the themes…")
        )

    def _fill(self, result: tuple[list[ThemeInfo], dict[uuid.UUID, int]]) -> None:
        current = self.selected()
        selected = self.select_after or (current.id if current is not None else None)
        self.select_after = None
        themes, counts = result
        self.model.set_themes(themes, counts)
        self._after_reset(selected)
        in_use = sum(1 for t in themes if not t.retired)
        put_by = len(themes) - in_use
        text = count_text(in_use, self.tr("1 theme in use"), self.tr("{n} themes in use"))
        if put_by:
            text += self.tr(", {n} retired or merged").format(n=put_by)
        self.summary.setText(text)
        self._loaded()

    def _after_reset(self, selected: uuid.UUID | None) -> None:
        self.view.expandAll()
        index = self.model.index_of(selected) if selected is not None else QModelIndex()
        if index.isValid():
            self.view.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.view.scrollTo(index)

    def _toggle_retired(self, checked: bool) -> None:
        selected = self.selected()
        self.model.set_show_retired(checked)
        self._after_reset(selected.id if selected else None)

    # -- state -----------------------------------------------------------------------------
    def selected(self) -> ThemeInfo | None:
        model = self.view.selectionModel()
        rows = model.selectedRows() if model is not None else []
        return self.model.theme_at(rows[0]) if rows else None

    def select(self, theme_id: uuid.UUID) -> bool:
        """Select a theme shown in the tree (False if it is not shown)."""
        index = self.model.index_of(theme_id)
        if not index.isValid():
            return False
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        return True

    def _update_buttons(self) -> None:
        allowed = self.may_change
        theme = self.selected()
        merged = theme is not None and theme.merged_into_id is not None
        self.add_button.setEnabled(allowed)
        self.add_action.setEnabled(allowed)
        self.add_child_button.setEnabled(allowed and theme is not None and not theme.retired)
        self.add_child_action.setEnabled(self.add_child_button.isEnabled())
        self.rename_button.setEnabled(allowed and theme is not None)
        self.rename_action.setEnabled(self.rename_button.isEnabled())
        self.move_button.setEnabled(allowed and theme is not None and not merged)
        self.merge_button.setEnabled(allowed and theme is not None and not merged)
        self.retire_button.setEnabled(allowed and theme is not None)
        if theme is not None and theme.retired:
            self.retire_button.setText(self.tr("Re&instate"))
            self.retire_button.setAccessibleName(self.tr("Reinstate the selected theme"))
            self.retire_button.setToolTip(
                self.tr("Offer it for new records again")
                if not merged
                else self.tr("Undo the merge: its records count under it again")
            )
        else:
            self.retire_button.setText(self.tr("Ret&ire"))
            self.retire_button.setAccessibleName(self.tr("Retire the selected theme"))
            self.retire_button.setToolTip(
                self.tr("Stop offering it for new records; what is tagged with it keeps it")
            )

    def _places(self, exclude: ThemeInfo | None = None) -> list[tuple[str, uuid.UUID | None]]:
        """Themes a theme may go under: those in use, not ``exclude`` nor anything inside it."""
        inside: set[uuid.UUID] = set()
        if exclude is not None:
            inside.add(exclude.id)
            for theme in self.model.themes:  # tree order: parents before children
                if theme.parent_id in inside:
                    inside.add(theme.id)
        return [(t.path, t.id) for t in self.model.themes if not t.retired and t.id not in inside]

    # -- changes ---------------------------------------------------------------------------
    def add(self) -> None:
        self._add(None)

    def add_child(self) -> None:
        theme = self.selected()
        if theme is None or theme.retired:
            return
        self._add(theme.id)

    def _add(self, parent_id: uuid.UUID | None) -> None:
        from vcsedesk.services import themes

        if not self.may_change or self.dialog is not None:
            return
        dialog = EntryDialog(
            self,
            self.tr("Add a sub-theme") if parent_id else self.tr("Add a theme"),
            name="",
            places=self._places(),
            place=parent_id,
            ok_text=self.tr("&Add"),
        )

        def submit() -> None:
            name, parent = dialog.values()
            self.perform(
                functools.partial(themes.add_theme, self.ctx.database, self.ctx.acting, name, parent),
                self.tr("Adding the theme “{name}”…").format(name=name.strip()),
                dialog=dialog,
            )

        self.open_dialog(dialog, submit)

    def rename(self) -> None:
        from vcsedesk.services import themes

        theme = self.selected()
        if theme is None or not self.may_change or self.dialog is not None:
            return
        dialog = EntryDialog(
            self,
            self.tr("Rename “{theme}”").format(theme=theme.name),
            intro=self.tr("Everything tagged with “{theme}” will show the new name.").format(
                theme=theme.path
            ),
            name=theme.name,
            name_label=self.tr("New &name:"),
            ok_text=self.tr("&Rename"),
        )

        def submit() -> None:
            name, _ = dialog.values()
            self.perform(
                functools.partial(
                    themes.rename_theme, self.ctx.database, self.ctx.acting, theme.id, theme.version, name
                ),
                self.tr("Renaming the theme…"),
                dialog=dialog,
            )

        self.open_dialog(dialog, submit)

    def move_theme(self) -> None:
        from vcsedesk.services import themes

        theme = self.selected()
        if (
            theme is None
            or theme.merged_into_id is not None
            or not self.may_change
            or self.dialog is not None
        ):
            return
        dialog = EntryDialog(
            self,
            self.tr("Move “{theme}”").format(theme=theme.name),
            intro=self.tr(
                "Put “{theme}” (with any sub-themes) under another theme, or at the top level."
            ).format(theme=theme.path),
            places=self._places(exclude=theme),
            place=theme.parent_id,
            place_label=self.tr("Move &to:"),
            ok_text=self.tr("&Move"),
        )

        def submit() -> None:
            _, parent = dialog.values()
            self.perform(
                functools.partial(
                    themes.move_theme, self.ctx.database, self.ctx.acting, theme.id, theme.version, parent
                ),
                self.tr("Moving the theme…"),
                dialog=dialog,
            )

        self.open_dialog(dialog, submit)

    def retire(self) -> None:
        """Retire the selected theme, or reinstate it if it is retired or merged."""
        from vcsedesk.services import themes

        theme = self.selected()
        if theme is None or not self.may_change:
            return
        if theme.retired:
            call = themes.reinstate_theme
            label = self.tr("Reinstating “{theme}”…").format(theme=theme.name)
        else:
            call = themes.retire_theme
            label = self.tr("Retiring “{theme}”…").format(theme=theme.name)
        self.select_after = theme.id
        self.perform(
            functools.partial(call, self.ctx.database, self.ctx.acting, theme.id, theme.version), label
        )

    def merge(self) -> None:
        from vcsedesk.services import themes

        source = self.selected()
        if (
            source is None
            or source.merged_into_id is not None
            or not self.may_change
            or self.dialog is not None
        ):
            return
        inside = {source.id}
        for theme in self.model.themes:
            if theme.parent_id in inside:
                inside.add(theme.id)
        targets = [t for t in self.model.themes if not t.retired and t.id not in inside]
        children = [
            t.name for t in self.model.themes if t.parent_id == source.id and t.merged_into_id is None
        ]
        dialog = MergeDialog(self, source, targets, self.model.counts, children)

        def submit() -> None:
            chosen = dialog.target()
            if chosen is None:
                return
            self.select_after = chosen[0]
            self.perform(
                functools.partial(
                    themes.merge_themes,
                    self.ctx.database,
                    self.ctx.acting,
                    source.id,
                    source.version,
                    chosen[0],
                ),
                self.tr("Merging “{source}” into “{target}”…").format(source=source.name, target=chosen[1]),
                dialog=dialog,
            )

        self.open_dialog(dialog, submit)


@dataclass(frozen=True)
class ListKind:
    """What differs between the engagement types tab and the priorities tab."""

    what: str  # "engagement type" (for labels)
    load: Callable[[Any], list[Any]]
    add: str  # names of functions in services.engagement_lists
    rename: str
    archive: str
    restore: str
    move: str | None
    max_length: int


TYPES = ListKind(
    "engagement type",
    load_types,
    "add_type",
    "rename_type",
    "archive_type",
    "restore_type",
    "move_type",
    TYPE_NAME_MAX,
)
PRIORITIES = ListKind(
    "priority",
    load_priorities,
    "add_priority",
    "rename_priority",
    "archive_priority",
    "restore_priority",
    None,
    PRIORITY_NAME_MAX,
)


class EntriesSection(_Section):
    """Engagement types (ordered) or partnership priorities (alphabetical)."""

    def __init__(self, ctx: AppContext, kind: ListKind) -> None:
        super().__init__(ctx)
        self.kind = kind
        self.is_types = kind.move is not None
        layout = QVBoxLayout(self)
        if self.is_types:
            intro_text = self.tr(
                "The kinds of engagement offered when one is recorded, in this order. Archiving a "
                "type stops it being offered; engagements of that type keep it."
            )
            view_name = self.tr("Engagement types")
            empty = self.tr("No engagement types. Press Insert to add one.")
        else:
            intro_text = self.tr(
                "The partnership priorities an engagement can serve. Archiving one stops it being "
                "offered; engagements that served it keep it."
            )
            view_name = self.tr("Partnership priorities")
            empty = self.tr(
                "No partnership priorities yet. Press Insert to add one, for example “Access to primary care”."
            )
        intro = QLabel(intro_text)
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.model = EntriesModel(self)
        self.view = QTableView()
        set_up_table(self.view, self.model, view_name)
        self.view.setAccessibleDescription(self.tr("Insert adds one, F2 renames the selected one."))
        width = self.fontMetrics().averageCharWidth()
        self.view.horizontalHeader().resizeSection(EntriesModel.NAME, width * 50)
        self.view.doubleClicked.connect(lambda _index: self.rename())
        layout.addWidget(self.view, 1)
        self.empty = QLabel(empty)
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName(self.tr("Nothing here yet"))
        self.empty.hide()
        layout.addWidget(self.empty)

        bar = QHBoxLayout()
        self.add_button = _button(
            self.tr("&Add…"),
            self.tr("Add an engagement type") if self.is_types else self.tr("Add a priority"),
            self.add,
            self.tr("Add (Insert or Ctrl+N)"),
        )
        self.rename_button = _button(
            self.tr("Re&name…"), self.tr("Rename the selected entry"), self.rename, self.tr("Rename (F2)")
        )
        self.archive_button = _button(
            self.tr("Ar&chive"),
            self.tr("Archive the selected entry"),
            self.archive,
            self.tr("Stop offering it"),
        )
        self.restore_button = _button(
            self.tr("Rest&ore"),
            self.tr("Restore the selected entry"),
            self.restore,
            self.tr("Offer it again"),
        )
        buttons = [self.add_button, self.rename_button, self.archive_button, self.restore_button]
        self.up_button: QPushButton | None = None
        self.down_button: QPushButton | None = None
        if self.is_types:
            self.up_button = _button(
                self.tr("Move up"), self.tr("Move the selected type up"), self.move_up, self.tr("Alt+Up")
            )
            self.down_button = _button(
                self.tr("Move down"),
                self.tr("Move the selected type down"),
                self.move_down,
                self.tr("Alt+Down"),
            )
            buttons += [self.up_button, self.down_button]
        for button in buttons:
            bar.addWidget(button)
        bar.addStretch(1)
        layout.addLayout(bar)
        layout.addWidget(self.status)

        self.add_action = add_shortcut(self, self.tr("Add"), "Ins", self.add)
        self.add_action.setShortcuts([QKeySequence("Ins"), QKeySequence("Ctrl+N")])
        self.rename_action = add_shortcut(self, self.tr("Rename"), "F2", self.rename)
        self.up_action: QAction | None = None
        self.down_action: QAction | None = None
        if self.is_types:
            self.up_action = add_shortcut(self, self.tr("Move up"), "Alt+Up", self.move_up)
            self.down_action = add_shortcut(self, self.tr("Move down"), "Alt+Down", self.move_down)

        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.model.modelReset.connect(self._update_buttons)
        self._update_buttons()

    def _service(self, name: str) -> Callable[..., Changes]:
        from vcsedesk.services import engagement_lists

        fn: Callable[..., Changes] = getattr(engagement_lists, name)
        return fn

    # -- loading ---------------------------------------------------------------------------
    def load(self) -> None:
        self.loading = True
        self.stale = False
        self.ctx.worker.submit(
            self.kind.load,
            self.ctx.database,
            on_done=self._fill,
            label=self.tr("Reading the engagement types…")
            if self.is_types
            else self.tr("Reading the priorities…"),
        )

    def _fill(self, entries: list[Any]) -> None:
        current = self.selected()
        selected = self.select_after or (current.id if current else None)
        self.select_after = None
        self.model.set_entries(entries)
        self.view.setVisible(bool(entries))
        self.empty.setVisible(not entries)
        row = self.model.row_of(selected) if selected is not None else -1
        if row >= 0:
            self.select_row(row)
        self._loaded()

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.view.scrollTo(index)

    # -- state -----------------------------------------------------------------------------
    def selected(self) -> Any | None:
        model = self.view.selectionModel()
        rows = model.selectedRows() if model is not None else []
        return self.model.entry_at(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        allowed = self.may_change
        entry = self.selected()
        self.add_button.setEnabled(allowed)
        self.add_action.setEnabled(allowed)
        self.rename_button.setEnabled(allowed and entry is not None)
        self.rename_action.setEnabled(self.rename_button.isEnabled())
        self.archive_button.setEnabled(allowed and entry is not None and not entry.archived)
        self.restore_button.setEnabled(allowed and entry is not None and entry.archived)
        if self.up_button is not None and self.down_button is not None:
            live = self.model.live()
            place = next((i for i, e in enumerate(live) if entry is not None and e.id == entry.id), -1)
            self.up_button.setEnabled(allowed and place > 0)
            self.down_button.setEnabled(allowed and 0 <= place < len(live) - 1)
            if self.up_action is not None and self.down_action is not None:
                self.up_action.setEnabled(self.up_button.isEnabled())
                self.down_action.setEnabled(self.down_button.isEnabled())

    # -- changes ---------------------------------------------------------------------------
    def add(self) -> None:
        if not self.may_change or self.dialog is not None:
            return
        dialog = EntryDialog(
            self,
            self.tr("Add an engagement type") if self.is_types else self.tr("Add a partnership priority"),
            name="",
            max_length=self.kind.max_length,
            ok_text=self.tr("&Add"),
        )

        def submit() -> None:
            name, _ = dialog.values()
            self.perform(
                functools.partial(self._service(self.kind.add), self.ctx.database, self.ctx.acting, name),
                self.tr("Adding “{name}”…").format(name=name.strip()),
                dialog=dialog,
            )

        self.open_dialog(dialog, submit)

    def rename(self) -> None:
        entry = self.selected()
        if entry is None or not self.may_change or self.dialog is not None:
            return
        dialog = EntryDialog(
            self,
            self.tr("Rename “{name}”").format(name=entry.name),
            intro=self.tr("Engagements that use it will show the new name."),
            name=entry.name,
            name_label=self.tr("New &name:"),
            max_length=self.kind.max_length,
            ok_text=self.tr("&Rename"),
        )

        def submit() -> None:
            name, _ = dialog.values()
            self.perform(
                functools.partial(
                    self._service(self.kind.rename),
                    self.ctx.database,
                    self.ctx.acting,
                    entry.id,
                    entry.version,
                    name,
                ),
                self.tr("Renaming “{name}”…").format(name=entry.name),
                dialog=dialog,
            )

        self.open_dialog(dialog, submit)

    def _simple(self, service: str, label: str) -> None:
        entry = self.selected()
        if entry is None or not self.may_change:
            return
        self.select_after = entry.id
        self.perform(
            functools.partial(
                self._service(service), self.ctx.database, self.ctx.acting, entry.id, entry.version
            ),
            label.format(name=entry.name),
        )

    def archive(self) -> None:
        entry = self.selected()
        if entry is not None and not entry.archived:
            self._simple(self.kind.archive, self.tr("Archiving “{name}”…"))

    def restore(self) -> None:
        entry = self.selected()
        if entry is not None and entry.archived:
            self._simple(self.kind.restore, self.tr("Restoring “{name}”…"))

    def move_up(self) -> None:
        self._move(-1)

    def move_down(self) -> None:
        self._move(+1)

    def _move(self, step: int) -> None:
        entry = self.selected()
        if self.kind.move is None or entry is None or entry.archived or not self.may_change:
            return
        live = self.model.live()
        place = next((i for i, e in enumerate(live) if e.id == entry.id), -1)
        target = place + step
        if place < 0 or not 0 <= target < len(live):
            return
        self.select_after = entry.id
        self.perform(
            functools.partial(
                self._service(self.kind.move),
                self.ctx.database,
                self.ctx.acting,
                entry.id,
                entry.version,
                target,
            ),
            self.tr("Moving “{name}”…").format(name=entry.name),
        )


# -- the panel -------------------------------------------------------------------------------
class ListsPanel(QWidget):
    """Organisation ▸ Themes and lists: Themes, Engagement types, Partnership priorities."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setAccessibleName(self.tr("Themes and lists"))
        layout = QVBoxLayout(self)
        self.permission_note = QLabel(
            self.tr(
                "Only administrators and coordinators can change themes, engagement types and "
                "priorities. You can see them here."
            )
        )
        self.permission_note.setWordWrap(True)
        self.permission_note.setAccessibleName(self.tr("Who can change these lists"))
        layout.addWidget(self.permission_note)
        self.themes = ThemesSection(ctx)
        self.types = EntriesSection(ctx, TYPES)
        self.priorities = EntriesSection(ctx, PRIORITIES)
        self.permission_note.setVisible(not self.themes.may_change)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Lists"))
        self.tabs.addTab(self.themes, self.tr("&Themes"))
        self.tabs.addTab(self.types, self.tr("Engagement t&ypes"))
        self.tabs.addTab(self.priorities, self.tr("Partner&ship priorities"))
        layout.addWidget(self.tabs, 1)

    def on_changed(self, changes: Changes) -> None:
        """Reload what a change touched (now if shown, else when next shown)."""
        if any(changes.touches(t) for t in ("themes", "engagement_themes", "engagements")):
            self.themes.refresh()
        if changes.touches("engagement_types"):
            self.types.refresh()
        if changes.touches("priorities"):
            self.priorities.refresh()

    @property
    def loading(self) -> bool:
        return any(s.loading for s in (self.themes, self.types, self.priorities))
