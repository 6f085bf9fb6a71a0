"""Fields of the claim form.

* :class:`ClaimantField` — one person: type part of a name, the matches appear below as you
  type (searched on the worker with ``services.contacts.search_contacts``; people only), Down
  and Up move through them, Enter chooses.  Typing again after choosing starts a new search.
* :class:`LineRow` — one line of a claim: category, description, then for involvement time the
  quantity and its unit (hours, half days, full days), for mileage the miles, for an expense
  the cost; whether there is a receipt; the amount, priced as you type by the policy in force
  on the activity's date (or why it cannot be).
"""

from __future__ import annotations

import functools
import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.claims import (
    Category,
    ClaimProblem,
    ItemEntry,
    PolicyTerms,
    PricedItem,
    Tier,
    TimeUnit,
    parse_pence,
    pence_text,
    price_item,
)
from vcsedesk.ui.claims.model import category_text, quantity_text, unit_text
from vcsedesk.ui.widgets import SEARCH_DELAY_MS, problem_label, show_problem

if TYPE_CHECKING:
    from vcsedesk.ui.context import AppContext

#: People offered under the claimant box.
SUGGESTIONS = 8
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_QUANTITY = re.compile(r"^\s*\d+(?:\.\d{1,2})?\s*$")


def parse_quantity(text: str) -> int:
    """ "2.5" → 250 (hundredths); ValueError with a sentence if it is not such a number."""
    if not _QUANTITY.match(text):
        raise ValueError("Write a number, with up to two decimal places (for example 2.5).")
    try:
        value = Decimal(text.strip())
    except InvalidOperation:  # pragma: no cover - the pattern lets only numbers through
        raise ValueError("Write a number, for example 2.5.") from None
    return int(value * 100)


def _combo(name: str) -> QComboBox:
    combo = QComboBox()
    combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # no change by scrolling past
    combo.setAccessibleName(name)
    return combo


# -- the claimant -----------------------------------------------------------------------------
class ClaimantField(QWidget):
    """Choose one person; see the module docstring for the keys."""

    changed = Signal()
    #: A search's results have been shown (tests wait for this).
    searched = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.chosen: tuple[uuid.UUID, str] | None = None
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(self.tr("Type part of their name, then Down and Enter"))
        self.edit.setAccessibleName(self.tr("Claimant"))
        self.edit.setClearButtonEnabled(True)
        self.edit.installEventFilter(self)
        self.edit.textEdited.connect(self._text_edited)
        self.setFocusProxy(self.edit)
        self.suggestions = QListWidget()
        self.suggestions.setAccessibleName(self.tr("People matching what was typed"))
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

    def name(self) -> str:
        return self.chosen[1] if self.chosen is not None else ""

    def set_value(self, contact_id: uuid.UUID | None, name: str | None) -> None:
        self.chosen = (contact_id, name or "") if contact_id is not None else None
        self.edit.setText(self.chosen[1] if self.chosen else "")
        self._show([])

    def problem(self) -> str | None:
        typed = self.edit.text().strip()
        if self.chosen is not None:
            return None
        if typed:
            return self.tr("Choose “{text}” from the people offered (Down, then Enter).").format(text=typed)
        return self.tr("Choose who is claiming: type part of their name.")

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
        from vcsedesk.ui.engagements.pickers import find_people

        text = self.edit.text().strip()
        if not text or self.ctx.db is None or self.chosen is not None:
            return
        self.ctx.worker.submit(
            find_people,
            self.ctx.database,
            text,
            SUGGESTIONS,
            True,
            on_done=functools.partial(self._found, text),
            label=self.tr("Finding people…"),
        )

    def _found(self, asked: str, found: list[object]) -> None:
        if self.edit.text().strip() != asked or self.chosen is not None:
            return
        self._show(found, asked)
        self.searched.emit()

    def _show(self, matches: list[object], asked: str = "") -> None:
        self.suggestions.clear()
        for match in matches:
            name = getattr(match, "name", "")
            detail = getattr(match, "detail", "")
            item = QListWidgetItem(f"{name} — {detail}" if detail else name)
            item.setData(Qt.ItemDataRole.UserRole, (match.id, name))  # type: ignore[attr-defined]
            self.suggestions.addItem(item)
        if matches:
            self.suggestions.setCurrentRow(0)
            self.suggestions.show()
            self.status.hide()
        else:
            self.suggestions.hide()
            self.status.setText(self.tr("Nobody found for “{text}”.").format(text=asked) if asked else "")
            self.status.setVisible(bool(asked))

    @Slot(QListWidgetItem)
    def _pick(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        contact_id, name = item.data(Qt.ItemDataRole.UserRole)
        self.set_value(contact_id, name)
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


# -- one line ---------------------------------------------------------------------------------
class LineRow(QFrame):
    """One line of the claim; ``priced`` is its pricing (or None with ``problem_text``)."""

    edited = Signal(object)
    remove_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.priced: PricedItem | None = None
        self.problem_text: str | None = None
        self.touched = False
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 4, 4, 4)
        self.category = _combo(self.tr("Category"))
        for category in Category:
            self.category.addItem(category_text(category), category.value)
        grid.addWidget(self.category, 0, 0)
        self.description = QLineEdit()
        self.description.setMaxLength(200)
        self.description.setPlaceholderText(self.tr("What it was (e.g. bus fare there and back)"))
        grid.addWidget(self.description, 0, 1)
        # How much: "2.5 [hours]", "12 miles" or "£ 4.60", in a box of one width on every line.
        self.measure = QWidget()
        measure = QHBoxLayout(self.measure)
        measure.setContentsMargins(0, 0, 0, 0)
        measure.setSpacing(4)
        chars = self.fontMetrics().averageCharWidth()
        self.quantity = QLineEdit()
        self.quantity.setFixedWidth(chars * 10)
        self.quantity.setAlignment(Qt.AlignmentFlag.AlignRight)
        measure.addWidget(self.quantity)
        self.unit = _combo(self.tr("Paid by"))
        for unit in TimeUnit:
            self.unit.addItem(unit_text(unit, plural=True), unit.value)
        measure.addWidget(self.unit)
        self.miles = QLabel(self.tr("miles"))
        measure.addWidget(self.miles)
        self.pound = QLabel("£")
        measure.addWidget(self.pound)
        self.cost = QLineEdit()
        self.cost.setFixedWidth(chars * 12)
        self.cost.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.cost.setPlaceholderText("0.00")
        self.pound.setBuddy(self.cost)
        measure.addWidget(self.cost)
        measure.addStretch(1)
        self.measure.setFixedWidth(chars * 10 + 4 + self.unit.sizeHint().width())
        grid.addWidget(self.measure, 0, 2)
        self.receipt = QCheckBox(self.tr("Receipt"))
        keep = self.receipt.sizePolicy()
        keep.setRetainSizeWhenHidden(True)  # every line keeps its place: descriptions line up
        self.receipt.setSizePolicy(keep)
        grid.addWidget(self.receipt, 0, 3)
        self.amount = QLabel()
        self.amount.setMinimumWidth(self.fontMetrics().horizontalAdvance("£1,234.56") + 8)
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.amount.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(self.amount, 0, 4)
        self.remove = QPushButton(self.tr("Remove"))
        grid.addWidget(self.remove, 0, 5)
        self.problem = problem_label("")
        grid.addWidget(self.problem, 1, 0, 1, 6)
        grid.setColumnStretch(1, 1)
        self.category.currentIndexChanged.connect(self._category_changed)
        for edit in (self.description, self.quantity, self.cost):
            edit.textEdited.connect(self._typed)
        self.unit.currentIndexChanged.connect(self._typed)
        self.receipt.toggled.connect(self._typed)
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))
        self._show_fields()

    # -- values ------------------------------------------------------------------------------
    def category_value(self) -> Category:
        return Category(str(self.category.currentData()))

    def set_entry(self, entry: ItemEntry) -> None:
        self.category.blockSignals(True)
        self.category.setCurrentIndex(max(0, self.category.findData(entry.category)))
        self.category.blockSignals(False)
        self.description.setText(entry.description)
        category = Category(entry.category)
        if category is Category.INVOLVEMENT or category is Category.MILEAGE:
            self.quantity.setText(quantity_text(entry.quantity_centi))
            self.cost.clear()
        else:
            self.quantity.setText("1")
            self.cost.setText(f"{entry.cost_pence / 100:.2f}" if entry.cost_pence is not None else "")
        if entry.unit:
            self.unit.setCurrentIndex(max(0, self.unit.findData(entry.unit)))
        self.receipt.setChecked(entry.has_receipt)
        self._show_fields()

    def entry(self) -> ItemEntry:
        """What was typed, as the service takes it (ValueError if a figure is not a figure)."""
        category = self.category_value()
        description = self.description.text().strip()
        if category is Category.INVOLVEMENT:
            return ItemEntry(
                category.value,
                description,
                parse_quantity(self.quantity.text()),
                str(self.unit.currentData()),
                None,
                self.receipt.isChecked(),
            )
        if category is Category.MILEAGE:
            return ItemEntry(
                category.value,
                description,
                parse_quantity(self.quantity.text()),
                None,
                None,
                self.receipt.isChecked(),
            )
        text = self.cost.text().strip()
        cost = parse_pence(text) if text else None
        return ItemEntry(category.value, description, 100, None, cost, self.receipt.isChecked())

    def reprice(self, policy: PolicyTerms | None, tier: Tier) -> None:
        """Price the line again (the policy or tier changed, or something was typed)."""
        self.priced = None
        self.problem_text = None
        if policy is None:
            self.amount.setText("…")
            show_problem(self.problem, None)
            return
        try:
            self.priced = price_item(self.entry(), policy, tier)
        except (ValueError, ClaimProblem) as exc:  # ClaimProblem is a ValueError too
            self.problem_text = str(exc)
        if self.priced is not None:
            self.amount.setText(pence_text(self.priced.amount_pence))
            if self.priced.needs_receipt and not self.receipt.isChecked():
                self.problem_text = self.tr(
                    "Over {limit}: a receipt is needed. Attach it on the claim's page and tick “Receipt”."
                ).format(limit=pence_text(policy.receipt_threshold))
        else:
            self.amount.setText("–")
        show_problem(self.problem, self.problem_text if (self.touched or self.priced is not None) else None)

    def blocking(self) -> bool:
        """Whether the line cannot be saved as it is (a missing receipt only warns)."""
        return self.priced is None

    def number(self, n: int) -> None:
        self.setAccessibleName(self.tr("Line {n}").format(n=n))
        self.category.setAccessibleName(self.tr("Line {n}: category").format(n=n))
        self.description.setAccessibleName(self.tr("Line {n}: description").format(n=n))
        self.quantity.setAccessibleName(self.tr("Line {n}: quantity").format(n=n))
        self.unit.setAccessibleName(self.tr("Line {n}: paid by").format(n=n))
        self.cost.setAccessibleName(self.tr("Line {n}: cost").format(n=n))
        self.receipt.setAccessibleName(self.tr("Line {n}: receipt kept").format(n=n))
        self.amount.setAccessibleName(self.tr("Line {n}: amount").format(n=n))
        self.remove.setAccessibleName(self.tr("Remove line {n}").format(n=n))
        self.problem.setAccessibleName(self.tr("Line {n} problem").format(n=n))

    # -- showing the right fields ------------------------------------------------------------
    @Slot()
    def _category_changed(self) -> None:
        self._show_fields()
        self._typed()

    def _show_fields(self) -> None:
        category = self.category_value()
        timed = category is Category.INVOLVEMENT
        mileage = category is Category.MILEAGE
        self.quantity.setVisible(timed or mileage)
        self.unit.setVisible(timed)
        self.miles.setVisible(mileage)
        self.pound.setVisible(not (timed or mileage))
        self.cost.setVisible(not (timed or mileage))
        self.receipt.setVisible(not (timed or mileage))
        if timed:
            self.quantity.setPlaceholderText(self.tr("e.g. 2.5"))
            self.description.setPlaceholderText(self.tr("What it was (e.g. the listening panel)"))
        elif mileage:
            self.quantity.setPlaceholderText(self.tr("e.g. 12"))
            self.description.setPlaceholderText(self.tr("From and to (e.g. home to the library and back)"))
        else:
            self.description.setPlaceholderText(self.tr("What it was (e.g. bus fare there and back)"))

    @Slot()
    def _typed(self) -> None:
        self.touched = True
        self.edited.emit(self)
