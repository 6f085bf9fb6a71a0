"""Likely duplicate contacts, reviewed a pair at a time, and merged side by side.

:class:`DuplicatesDialog` lists the pairs :func:`vcsedesk.services.duplicates.duplicate_pairs`
finds (read on the worker), best first: both names, how alike, and why.  "Merge…" (or Enter
on a pair) opens :class:`MergeDialog`: which contact is kept (the older, unless the person
says otherwise), and, for every field where the two differ, whose value to keep (notes and
access needs can keep both).  Emails, phones and tags are always kept together.  The merge
goes through the change hub, so every view refreshes, and the window's Undo reverses it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.ui.table_model import AnyIndex, ReadOnlyTableModel
from vcsedesk.ui.widgets import tidy_table

if TYPE_CHECKING:
    from vcsedesk.domain.errors import UserError
    from vcsedesk.services.base import Changes
    from vcsedesk.services.contacts import ContactView
    from vcsedesk.services.duplicates import DuplicatePair
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext

#: Tables whose changes can alter which pairs are likely.
PAIR_TABLES = frozenset({"contacts", "contact_emails", "contact_phones"})

#: Which side of a pair a choice points at (the left column is the pair's first, older one).
FIRST, SECOND, BOTH = "first", "second", "both"


class PairsModel(ReadOnlyTableModel):
    """The likely pairs: both names, how alike (out of 100) and why."""

    FIRST_NAME, SECOND_NAME, SCORE, REASONS = range(4)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [self.tr("Contact"), self.tr("Looks like"), self.tr("Score"), self.tr("Why")]
        self.pairs: list[DuplicatePair] = []

    def row_count(self) -> int:
        return len(self.pairs)

    def set_pairs(self, pairs: list[DuplicatePair]) -> None:
        self.beginResetModel()
        self.pairs = list(pairs)
        self.endResetModel()

    def pair_at(self, row: int) -> DuplicatePair | None:
        return self.pairs[row] if 0 <= row < len(self.pairs) else None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not self.checkIndex(index):
            return None
        pair = self.pairs[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if column == self.FIRST_NAME:
                return pair.first.name
            if column == self.SECOND_NAME:
                return pair.second.name
            if column == self.SCORE:
                return f"{pair.score:.0f}"
            if column == self.REASONS:
                return "; ".join(pair.reasons)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.REASONS:
            return "\n".join(pair.reasons)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.SCORE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class PairsView(QTableView):
    """Enter on a pair asks to merge it."""

    merge_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.merge_requested.emit()
            return
        super().keyPressEvent(event)


@dataclass(frozen=True)
class MergeField:
    """One field chosen side by side: its name in ``MERGE_FIELDS`` and how to show a value."""

    name: str
    label: str
    both: bool = False


def load_both(db: Database, first: uuid.UUID, second: uuid.UUID) -> tuple[ContactView, ContactView]:
    """Both contacts as they are now (on the worker)."""
    from vcsedesk.services.contacts import get_contact

    return get_contact(db, first), get_contact(db, second)


class MergeDialog(QDialog):
    """Two contacts side by side: which is kept, and whose value each differing field takes."""

    #: The merge was made (its changes).
    merged = Signal(object)

    def __init__(self, ctx: AppContext, pair: DuplicatePair, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pair = pair
        self.first: ContactView | None = None
        self.second: ContactView | None = None
        self.groups: dict[str, QButtonGroup] = {}
        self.radios: dict[str, dict[str, QRadioButton]] = {}
        self._touched: set[str] = set()
        self.setWindowTitle(self.tr("Merge two contacts"))
        self.setAccessibleName(self.tr("Merge two contacts"))
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 90)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Choose the contact to keep and, where the two differ, whose details to keep. "
                "Every linked record and consent line moves to the kept contact; the other is "
                "archived. Undo (Ctrl+Z in the main window) reverses the merge."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.keep_box = QGroupBox(self.tr("Contact to keep"))
        keep_layout = QVBoxLayout(self.keep_box)
        self.keep_first = QRadioButton()
        self.keep_second = QRadioButton()
        self.keep_first.setAccessibleName(self.tr("Keep the first contact"))
        self.keep_second.setAccessibleName(self.tr("Keep the second contact"))
        self.keep_group = QButtonGroup(self)
        self.keep_group.addButton(self.keep_first)
        self.keep_group.addButton(self.keep_second)
        self.keep_first.setChecked(True)  # the older record, as duplicate_pairs orders them
        keep_layout.addWidget(self.keep_first)
        keep_layout.addWidget(self.keep_second)
        self.keep_first.toggled.connect(self._keep_changed)
        layout.addWidget(self.keep_box)

        self.fields_box = QGroupBox(self.tr("Details that differ"))
        self.grid = QGridLayout(self.fields_box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.fields_box)
        scroll.setAccessibleName(self.tr("Details that differ"))
        layout.addWidget(scroll, 1)

        self.together = QLabel()
        self.together.setWordWrap(True)
        self.together.setTextFormat(Qt.TextFormat.PlainText)
        self.together.setAccessibleName(self.tr("Kept together"))
        layout.addWidget(self.together)

        self.status = QLabel(self.tr("Reading both contacts…"))
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setAccessibleName(self.tr("Merge status"))
        layout.addWidget(self.status)

        self.buttons = QDialogButtonBox()
        self.merge_button = self.buttons.addButton(self.tr("&Merge"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.merge_button.setAccessibleName(self.tr("Merge the two contacts"))
        self.merge_button.setEnabled(False)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName(self.tr("Cancel the merge"))
        self.buttons.accepted.connect(self.merge)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._busy = False
        self.closed = False

        ctx.worker.submit(
            load_both,
            ctx.database,
            pair.first.id,
            pair.second.id,
            on_done=self._loaded,
            on_error=self._load_failed,
            label=self.tr("Reading both contacts…"),
        )

    # -- the fields ------------------------------------------------------------------------
    def merge_fields(self, kind_is_person: bool) -> list[MergeField]:
        fields = [
            MergeField("given_name", self.tr("First name")),
            MergeField("family_name", self.tr("Last name")),
        ]
        if not kind_is_person:
            fields = [
                MergeField("name", self.tr("Name")),
                MergeField("organisation_type", self.tr("Organisation type")),
            ]
        fields += [
            MergeField("address", self.tr("Address")),
            MergeField("postcode", self.tr("Postcode")),
            MergeField("ward", self.tr("Ward")),
            MergeField("preferred_language", self.tr("Preferred language")),
            MergeField("interpreter_needed", self.tr("Interpreter needed")),
            MergeField("access_needs", self.tr("Access needs"), both=True),
            MergeField("how_we_met", self.tr("How we met")),
            MergeField("notes", self.tr("Notes"), both=True),
        ]
        return fields

    def _shown(self, value: Any) -> str:
        if value is None or value == "" or value == ():
            return self.tr("(blank)")
        if isinstance(value, bool):
            return self.tr("Yes") if value else self.tr("No")
        if isinstance(value, tuple):
            return ", ".join(str(v) for v in value)
        return " ".join(str(value).split())

    @staticmethod
    def _blank(value: Any) -> bool:
        return value is None or value == "" or value == () or value is False

    def _loaded(self, views: tuple[ContactView, ContactView]) -> None:
        from vcsedesk.domain.contacts import ContactKind

        if self.closed:  # closed while reading: its widgets may be gone
            return
        first, second = views
        self.first, self.second = first, second
        created = self.tr("added {date}")
        self.keep_first.setText(
            self.tr("&1  {name} ({added})").format(
                name=first.name, added=created.format(date=first.created_at.strftime("%d %b %Y"))
            )
        )
        self.keep_second.setText(
            self.tr("&2  {name} ({added})").format(
                name=second.name, added=created.format(date=second.created_at.strftime("%d %b %Y"))
            )
        )
        row = 0
        for column, text in ((1, first.name), (2, second.name)):
            heading = QLabel(text)
            heading.setTextFormat(Qt.TextFormat.PlainText)
            font = heading.font()
            font.setBold(True)
            heading.setFont(font)
            self.grid.addWidget(heading, row, column)
        row += 1
        for field in self.merge_fields(first.kind is ContactKind.PERSON):
            mine, theirs = getattr(first, field.name), getattr(second, field.name)
            if mine == theirs:
                continue
            label = QLabel(field.label)
            self.grid.addWidget(label, row, 0)
            group = QButtonGroup(self)
            radios: dict[str, QRadioButton] = {}
            for side, column, value in ((FIRST, 1, mine), (SECOND, 2, theirs)):
                radio = QRadioButton(self._shown(value))
                radio.setAccessibleName(
                    self.tr("{field}: keep “{value}”").format(field=field.label, value=self._shown(value))
                )
                group.addButton(radio)
                self.grid.addWidget(radio, row, column)
                radios[side] = radio
            if field.both:
                radio = QRadioButton(self.tr("Both"))
                radio.setAccessibleName(self.tr("{field}: keep both").format(field=field.label))
                group.addButton(radio)
                self.grid.addWidget(radio, row, 3)
                radios[BOTH] = radio
            label.setBuddy(radios[FIRST])
            group.buttonClicked.connect(lambda _button, name=field.name: self._touched.add(name))
            self.groups[field.name] = group
            self.radios[field.name] = radios
            row += 1
        if not self.groups:
            none = QLabel(self.tr("Their details are the same."))
            self.grid.addWidget(none, row, 0, 1, 3)
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(2, 1)
        self._default_choices()
        lines = []
        for title, a, b in (
            (self.tr("Emails"), first.emails, second.emails),
            (self.tr("Phones"), first.phone_display, second.phone_display),
            (self.tr("Tags"), first.tags, second.tags),
        ):
            values = list(
                dict.fromkeys([*(self._value_text(v) for v in a), *(self._value_text(v) for v in b)])
            )
            if values:
                lines.append(f"{title}: {', '.join(values)}")
        self.together.setText(
            self.tr("Kept together (from both contacts):") + "\n" + "\n".join(lines)
            if lines
            else self.tr("Neither has emails, phones or tags.")
        )
        self.status.setText(self.tr("Choose, then press Merge."))
        self.merge_button.setEnabled(True)
        self.keep_first.setFocus(Qt.FocusReason.OtherFocusReason)

    @staticmethod
    def _value_text(value: Any) -> str:
        return str(getattr(value, "address", value))

    def _load_failed(self, exc: UserError) -> None:
        if not self.closed:
            self.status.setText(str(exc))

    @property
    def keep_side(self) -> str:
        return FIRST if self.keep_first.isChecked() else SECOND

    @Slot()
    def _keep_changed(self) -> None:
        self._default_choices()

    def _default_choices(self) -> None:
        """Untouched fields take the kept contact's value, or the other's where it is blank."""
        if self.first is None or self.second is None:
            return
        keep, other = (self.first, self.second) if self.keep_side == FIRST else (self.second, self.first)
        other_side = SECOND if self.keep_side == FIRST else FIRST
        for name, radios in self.radios.items():
            if name in self._touched:
                continue
            side = (
                other_side
                if self._blank(getattr(keep, name)) and not self._blank(getattr(other, name))
                else self.keep_side
            )
            radios[side].setChecked(True)

    def choose(self, name: str, side: str) -> None:
        """Pick whose value ``name`` takes (FIRST, SECOND or BOTH), as a click would."""
        self.radios[name][side].click()

    def choices(self) -> dict[str, str]:
        """The choices as merge_contacts takes them: "keep", "drop" or "both" per field."""
        out = {}
        for name, radios in self.radios.items():
            side = next(s for s, r in radios.items() if r.isChecked())
            out[name] = "both" if side == BOTH else ("keep" if side == self.keep_side else "drop")
        return out

    # -- merging ---------------------------------------------------------------------------
    @Slot()
    def merge(self) -> None:
        from vcsedesk.services.duplicates import merge_contacts

        if self.first is None or self.second is None or self._busy:
            return
        keep, drop = (self.first, self.second) if self.keep_side == FIRST else (self.second, self.first)
        self._busy = True
        self.merge_button.setEnabled(False)
        self.status.setText(self.tr("Merging…"))
        self.ctx.hub.perform(
            merge_contacts,
            self.ctx.database,
            self.ctx.acting,
            keep.id,
            keep.version,
            drop.id,
            drop.version,
            self.choices(),
            on_done=self._merged,
            on_error=self._refused,
            label=self.tr("Merging {drop} into {keep}…").format(drop=drop.name, keep=keep.name),
        )

    def _merged(self, changes: Changes) -> None:
        self._busy = False
        if not self.closed:
            self.merged.emit(changes)
            self.accept()

    def _refused(self, exc: UserError) -> None:
        from vcsedesk.domain.errors import ConflictError

        self._busy = False
        if self.closed:
            return
        if isinstance(exc, ConflictError):
            self.status.setText(
                self.tr(
                    "Not merged: {reason}\nClose this and choose the pair again from the refreshed list."
                ).format(reason=str(exc))
            )
            return  # the versions shown are stale: merging again would be refused again
        self.status.setText(self.tr("Not merged: {reason}").format(reason=str(exc)))
        self.merge_button.setEnabled(True)

    def done(self, result: int) -> None:
        self.closed = True
        super().done(result)


class DuplicatesDialog(QDialog):
    """The likely duplicate pairs, best first; "Merge…" merges the selected pair."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.merge_dialog: MergeDialog | None = None
        self._loading = False
        self._again = False
        self.setWindowTitle(self.tr("Find duplicates"))
        self.setAccessibleName(self.tr("Find duplicate contacts"))
        self.resize(self.fontMetrics().averageCharWidth() * 110, self.fontMetrics().height() * 28)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Contacts that look like the same person or organisation: the same email or "
                "phone, or a similar name at the same postcode. Select a pair and press Merge "
                "(or Enter)."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.model = PairsModel(self)
        self.view = PairsView()
        self.view.setModel(self.model)
        self.view.setAccessibleName(self.tr("Likely duplicate pairs"))
        self.view.setAccessibleDescription(self.tr("Enter merges the selected pair."))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setTabKeyNavigation(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        tidy_table(self.view)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        width = self.fontMetrics().averageCharWidth()
        header.resizeSection(PairsModel.FIRST_NAME, width * 26)
        header.resizeSection(PairsModel.SECOND_NAME, width * 26)
        header.resizeSection(PairsModel.SCORE, width * 8)
        self.view.merge_requested.connect(self.merge_selected)
        self.view.doubleClicked.connect(lambda _index: self.merge_selected())
        layout.addWidget(self.view, 1)

        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setAccessibleName(self.tr("Number of pairs"))
        layout.addWidget(self.status)

        row = QHBoxLayout()
        self.merge_button = QPushButton(self.tr("&Merge…"))
        self.merge_button.setAccessibleName(self.tr("Merge the selected pair"))
        self.merge_button.setToolTip(self.tr("Choose side by side what to keep (Enter)"))
        self.merge_button.clicked.connect(self.merge_selected)
        row.addWidget(self.merge_button)
        self.reload_button = QPushButton(self.tr("&Look again"))
        self.reload_button.setAccessibleName(self.tr("Look for duplicates again"))
        self.reload_button.clicked.connect(self.reload)
        row.addWidget(self.reload_button)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setAccessibleName(self.tr("Close"))
        close.rejected.connect(self.reject)
        row.addWidget(close)
        layout.addLayout(row)

        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.modelReset.connect(self._update_buttons)
        ctx.hub.changed.connect(self._on_changed)
        self._listening = True
        self._update_buttons()
        self.reload()

    @property
    def busy(self) -> bool:
        return self._loading

    @Slot()
    def reload(self) -> None:
        from vcsedesk.services.duplicates import duplicate_pairs

        if self._loading:
            self._again = True
            return
        self._loading = True
        self.status.setText(self.tr("Looking for duplicates…"))
        self.ctx.worker.submit(
            duplicate_pairs,
            self.ctx.database,
            on_done=self._pairs_arrived,
            on_settled=self._settled,
            label=self.tr("Looking for duplicate contacts…"),
        )

    def _pairs_arrived(self, pairs: list[DuplicatePair]) -> None:
        if not self._listening:  # closed meanwhile: its widgets may be gone
            return
        current = self.model.pair_at(self.view.currentIndex().row())
        self.model.set_pairs(pairs)
        self.status.setText(
            self.tr("%n likely pair(s)", "", len(pairs)) if pairs else self.tr("No likely duplicates found.")
        )
        if pairs:
            row = 0
            if current is not None:
                keys = [(p.first.id, p.second.id) for p in pairs]
                wanted = (current.first.id, current.second.id)
                row = keys.index(wanted) if wanted in keys else 0
            self.view.setCurrentIndex(self.model.index(row, 0))
        self._update_buttons()

    def _settled(self) -> None:
        self._loading = False
        if self._again and self._listening:
            self._again = False
            self.reload()

    def _on_changed(self, changes: Changes) -> None:
        if changes.tables & PAIR_TABLES:
            self.reload()

    def selected_pair(self) -> DuplicatePair | None:
        index = self.view.currentIndex()
        return self.model.pair_at(index.row()) if index.isValid() else None

    def _current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.merge_button.setEnabled(self.selected_pair() is not None)

    @Slot()
    def merge_selected(self) -> None:
        pair = self.selected_pair()
        if pair is None or self.merge_dialog is not None:
            return
        dialog = MergeDialog(self.ctx, pair, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._merge_closed)
        self.merge_dialog = dialog
        dialog.open()

    def _merge_closed(self, _result: int) -> None:
        self.merge_dialog = None
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def done(self, result: int) -> None:
        if self._listening:
            self._listening = False
            self.ctx.hub.changed.disconnect(self._on_changed)
        super().done(result)
