"""What every read-only table model shares: headers, flags and the no-children rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

AnyIndex = QModelIndex | QPersistentModelIndex


class ReadOnlyTableModel(QAbstractTableModel):
    """A flat table of rows that can be selected but not edited; subclasses set ``headers``
    and implement :meth:`row_count` and ``data``."""

    def __init__(self, headers: list[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.headers = headers

    def row_count(self) -> int:
        raise NotImplementedError

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.row_count()

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
        return self.headers[section] if horizontal and 0 <= section < len(self.headers) else None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class ItemsTableModel(ReadOnlyTableModel):
    """A read-only table over a list of items held in memory (``items``, replaced whole by
    :meth:`set_items`); subclasses give the headers and :meth:`cell`."""

    #: The roles :meth:`cell` is asked for.
    ROLES: tuple[Qt.ItemDataRole, ...] = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)

    def __init__(self, headers: list[str], parent: QObject | None = None) -> None:
        super().__init__(headers, parent)
        self.items: list[Any] = []

    def set_items(self, items: Iterable[Any]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.items)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.items) or role not in self.ROLES:
            return None
        return self.cell(self.items[index.row()], index.column(), role)

    def cell(self, item: Any, column: int, role: int) -> Any:
        raise NotImplementedError
