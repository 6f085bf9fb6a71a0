"""Table models of the Returns area.

* :class:`ReturnsModel` — every edition of every return (partnership, period, edition, status,
  submitted on, content hash);
* :class:`DueModel` — returns due or overdue (an overdue one says "Overdue by 5 days" in words,
  with the warning icon, in bold);
* :class:`PartnershipsModel` — the partnerships with their cadence and next due date;
* :class:`ResponsesModel` — a return's "you said, we did" responses;
* :class:`TemplatesModel` — the shipped templates and the organisation's copies;
* :class:`CandidatesModel` — quotes a coordinator may choose, each with a check box;
* :class:`CellsModel` — one table of a return's preview: cells of text, each perhaps with the
  ref of the records behind it (``RefRole``);
* :class:`LinesModel` — records listed by id, title and detail (the records behind a figure).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFont

from vcsedesk.ui.returns.words import (
    cadence_text,
    due_line,
    due_text,
    hash_text,
    period_text,
    status_text,
    warning_icon,
)
from vcsedesk.ui.table_model import AnyIndex, ItemsTableModel, ReadOnlyTableModel
from vcsedesk.ui.widgets import day_text

if TYPE_CHECKING:
    from vcsedesk.services.partnerships import DueReturn, PartnershipView, TemplateInfo
    from vcsedesk.services.return_builder import QuoteCandidate
    from vcsedesk.services.returns import ResponseView, ReturnView

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_TOP_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop

#: The ref of the records behind a preview cell ("" for none).
RefRole = Qt.ItemDataRole.UserRole + 1
#: A row's record id.
IdRole = Qt.ItemDataRole.UserRole + 2

_TEXT_ROLES = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.AccessibleTextRole,
    Qt.ItemDataRole.DecorationRole,
    Qt.ItemDataRole.FontRole,
    Qt.ItemDataRole.TextAlignmentRole,
)


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


class _Items(ItemsTableModel):
    ROLES = _TEXT_ROLES

    def find(self, record_id: uuid.UUID) -> int | None:
        return next((i for i, item in enumerate(self.items) if self.id_of(item) == record_id), None)

    def id_of(self, item: Any) -> uuid.UUID | None:
        return getattr(item, "id", None)

    def item_at(self, row: int) -> Any | None:
        return self.items[row] if 0 <= row < len(self.items) else None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == IdRole:
            item = self.item_at(index.row()) if index.isValid() else None
            return self.id_of(item) if item is not None else None
        return super().data(index, role)

    def cell(self, item: Any, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(item, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tip(item, column)
        if role == Qt.ItemDataRole.DecorationRole:
            return self.icon(item, column)
        if role == Qt.ItemDataRole.FontRole:
            return _bold() if self.bold(item) else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _LEFT
        return None

    def text(self, item: Any, column: int) -> str:
        raise NotImplementedError

    def tip(self, item: Any, column: int) -> str | None:
        text = self.text(item, column)
        return text or None

    def icon(self, item: Any, column: int) -> Any:
        return None

    def bold(self, item: Any) -> bool:
        return False


# -- returns ------------------------------------------------------------------------------------
class ReturnsModel(_Items):
    PARTNERSHIP, PERIOD, EDITION, STATUS, SUBMITTED, HASH = range(6)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [
            self.tr("Partnership"),
            self.tr("Period"),
            self.tr("Edition"),
            self.tr("Status"),
            self.tr("Submitted on"),
            self.tr("Content hash"),
        ]
        self.has_loaded = False

    def set_items(self, items: Iterable[Any]) -> None:
        self.has_loaded = True
        super().set_items(items)

    def text(self, item: ReturnView, column: int) -> str:
        if column == self.PARTNERSHIP:
            return item.partnership
        if column == self.PERIOD:
            return period_text(item.period)
        if column == self.EDITION:
            return str(item.edition)
        if column == self.STATUS:
            text = status_text(item.status)
            if item.superseded:
                text = self.tr("{status} — superseded").format(status=text)
            return text
        if column == self.SUBMITTED:
            return day_text(item.submitted_on) if item.submitted_on else ""
        if column == self.HASH:
            return hash_text(item.content_hash) if item.content_hash else self.tr("Not frozen")
        return ""

    def tip(self, item: ReturnView, column: int) -> str | None:
        if column == self.HASH and item.content_hash:
            return self.tr("SHA-256 of the frozen content: {hash}").format(hash=item.content_hash)
        if column == self.STATUS and item.superseded:
            return self.tr("A newer edition of this return exists; this one is kept as it was sent.")
        return super().tip(item, column)


class DueModel(_Items):
    PARTNERSHIP, PERIOD, WHEN, RETURN = range(4)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [self.tr("Partnership"), self.tr("Period"), self.tr("When"), self.tr("Return")]
        self.today = date.today()

    def set_due(self, items: Sequence[DueReturn], today: date) -> None:
        self.today = today
        self.set_items(items)

    def id_of(self, item: DueReturn) -> uuid.UUID | None:
        return item.return_id

    def text(self, item: DueReturn, column: int) -> str:
        if column == self.PARTNERSHIP:
            return item.partnership
        if column == self.PERIOD:
            return period_text(item.period)
        if column == self.WHEN:
            return due_line(item, self.today)
        if column == self.RETURN:
            return status_text(item.status)
        return ""

    def icon(self, item: DueReturn, column: int) -> Any:
        return warning_icon() if column == self.WHEN and item.overdue(self.today) else None

    def bold(self, item: DueReturn) -> bool:
        return item.overdue(self.today)


@dataclass(frozen=True)
class PartnershipRow:
    partnership: PartnershipView
    next_due: DueReturn | None

    @property
    def id(self) -> uuid.UUID:
        return self.partnership.id


class PartnershipsModel(_Items):
    NAME, HUB, CADENCE, NEXT_DUE = range(4)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [self.tr("Name"), self.tr("Hub or group"), self.tr("Cadence"), self.tr("Next due")]
        self.today = date.today()
        self.has_loaded = False

    def set_rows(self, rows: Sequence[PartnershipRow], today: date) -> None:
        self.today = today
        self.has_loaded = True
        self.set_items(rows)

    def text(self, item: PartnershipRow, column: int) -> str:
        p = item.partnership
        if column == self.NAME:
            return p.name
        if column == self.HUB:
            return p.hub or ""
        if column == self.CADENCE:
            return cadence_text(p.cadence)
        if column == self.NEXT_DUE:
            due = item.next_due
            if due is None:
                return self.tr("Nothing due")
            text = self.tr("{day} for {period}").format(day=day_text(due.due_on), period=due.period.label)
            if due.overdue(self.today):
                text = self.tr("{text} — {late}").format(text=text, late=due_text(due.due_on, self.today))
            return text
        return ""

    def icon(self, item: PartnershipRow, column: int) -> Any:
        due = item.next_due
        return (
            warning_icon()
            if column == self.NEXT_DUE and due is not None and due.overdue(self.today)
            else None
        )

    def bold(self, item: PartnershipRow) -> bool:
        return item.next_due is not None and item.next_due.overdue(self.today)


# -- responses ----------------------------------------------------------------------------------
class ResponsesModel(_Items):
    THEME, YOU_SAID, WE_DID, DECISION, DATE = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [
            self.tr("Theme"),
            self.tr("You said"),
            self.tr("We did"),
            self.tr("Decision influenced"),
            self.tr("Date"),
        ]

    def text(self, item: ResponseView, column: int) -> str:
        if column == self.THEME:
            return item.theme
        if column == self.YOU_SAID:
            return item.you_said
        if column == self.WE_DID:
            return item.we_did
        if column == self.DECISION:
            return item.decision
        if column == self.DATE:
            return day_text(item.responded_on) if item.responded_on else ""
        return ""


# -- templates ----------------------------------------------------------------------------------
class TemplatesModel(_Items):
    NAME, KIND, BASED_ON, SECTIONS = range(4)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [self.tr("Name"), self.tr("Kind"), self.tr("Based on"), self.tr("Sections")]
        self.names: dict[str, str] = {}
        self.has_loaded = False

    def id_of(self, item: TemplateInfo) -> Any:
        return item.key

    def find_key(self, key: str) -> int | None:
        return next((i for i, t in enumerate(self.items) if t.key == key), None)

    def set_items(self, items: Iterable[Any]) -> None:
        listed = list(items)
        self.names = {t.key: t.name for t in listed}
        self.has_loaded = True
        super().set_items(listed)

    def text(self, item: TemplateInfo, column: int) -> str:
        if column == self.NAME:
            return item.name
        if column == self.KIND:
            return self.tr("Built in (read-only)") if item.shipped else self.tr("Your copy")
        if column == self.BASED_ON:
            if item.copied_from is None:
                return ""
            return self.names.get(item.copied_from, item.copied_from)
        if column == self.SECTIONS:
            return str(len(item.template.sections))
        return ""


# -- quotes to choose -----------------------------------------------------------------------------
class CandidatesModel(ReadOnlyTableModel):
    """Quotes that may be shared, each with a check box (Space toggles it)."""

    QUOTE, SPEAKER, CONTEXT, THEMES = range(4)

    #: A quote was ticked (True) or unticked: (id, on).
    toggled = Signal(object, bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [self.tr("Quote"), self.tr("Printed as"), self.tr("From"), self.tr("Themes")]
        self.items: list[QuoteCandidate] = []
        self.checked: set[uuid.UUID] = set()

    def row_count(self) -> int:
        return len(self.items)

    def set_items(self, items: Sequence[QuoteCandidate], checked: Iterable[uuid.UUID]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.checked = set(checked)
        self.endResetModel()

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == self.QUOTE:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item = self.items[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.CheckStateRole and column == self.QUOTE:
            return Qt.CheckState.Checked if item.id in self.checked else Qt.CheckState.Unchecked
        if role == IdRole:
            return item.id
        if role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.AccessibleTextRole,
        ):
            if column == self.QUOTE:
                if role == Qt.ItemDataRole.AccessibleTextRole:
                    chosen = self.tr("chosen") if item.id in self.checked else self.tr("not chosen")
                    return f"{item.text} ({chosen})"
                return item.text
            if column == self.SPEAKER:
                if role == Qt.ItemDataRole.ToolTipRole:
                    return item.reason
                return item.speaker
            if column == self.CONTEXT:
                return self.tr("{title}, {day}").format(
                    title=item.engagement_title, day=day_text(item.on_date)
                )
            if column == self.THEMES:
                return "; ".join(item.themes)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _TOP_LEFT
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole or index.column() != self.QUOTE:
            return False
        item = self.items[index.row()]
        on = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
        if on:
            self.checked.add(item.id)
        else:
            self.checked.discard(item.id)
        self.dataChanged.emit(index, index, [role])
        self.toggled.emit(item.id, on)
        return True


# -- the preview's tables -------------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    text: str
    ref: str = ""
    tip: str = ""
    right: bool = False
    bold: bool = False
    warn: bool = False
    #: What a screen reader says, if not the text ("fewer than 5" for "<5").
    spoken: str = ""


class CellsModel(ReadOnlyTableModel):
    """A grid of :class:`Cell` under ``headers``; a cell with a ref opens the records behind it."""

    def __init__(self, headers: Sequence[str], rows: Sequence[Sequence[Cell]], parent: QObject | None = None):
        super().__init__(list(headers), parent)
        self.rows = [list(r) for r in rows]

    def row_count(self) -> int:
        return len(self.rows)

    def cell_at(self, row: int, column: int) -> Cell | None:
        if 0 <= row < len(self.rows) and 0 <= column < len(self.rows[row]):
            return self.rows[row][column]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        cell = self.cell_at(index.row(), index.column())
        if cell is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return cell.text
        if role == Qt.ItemDataRole.AccessibleTextRole:
            spoken = cell.spoken or cell.text
            if cell.ref:
                spoken = self.tr("{text} (Enter lists the records)").format(text=spoken)
            return spoken
        if role == Qt.ItemDataRole.ToolTipRole:
            if cell.ref:
                hint = self.tr("Double-click or press Enter to see the records behind this.")
                return f"{cell.tip}\n{hint}" if cell.tip else hint
            return cell.tip or (cell.text if len(cell.text) > 40 else None)
        if role == RefRole:
            return cell.ref
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if cell.right else _LEFT
        if role == Qt.ItemDataRole.FontRole:
            if cell.bold or cell.ref:
                font = QFont()
                font.setBold(cell.bold)
                font.setUnderline(bool(cell.ref))
                return font
            return None
        if role == Qt.ItemDataRole.DecorationRole:
            return warning_icon() if cell.warn else None
        return None


# -- records behind a figure ----------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    id: uuid.UUID
    title: str
    detail: str


class LinesModel(_Items):
    TITLE, DETAIL = range(2)

    def __init__(self, title_header: str, parent: QObject | None = None) -> None:
        super().__init__([title_header, self.tr("Details")], parent)

    def text(self, item: Line, column: int) -> str:
        return item.title if column == self.TITLE else item.detail


__all__ = [
    "Cell",
    "CellsModel",
    "DueModel",
    "IdRole",
    "Line",
    "LinesModel",
    "PartnershipRow",
    "PartnershipsModel",
    "RefRole",
    "ResponsesModel",
    "ReturnsModel",
    "TemplatesModel",
]
