"""Table models of the Claims area, and how a claim's money, status and choice are said.

* :class:`ClaimsModel` — the list of claims (Number, Claimant, Activity date, Total, Payable,
  Choice, Status, Budget, Account), in the order the service gives;
* :class:`ClaimItemsModel` — one claim's lines (Category, Description, Quantity, Rate, Amount,
  Receipt); a line over the receipt threshold without a receipt says "Receipt needed" in
  words and carries a warning icon;
* :class:`ReceiptsModel` — the receipts attached to a claim (File, Kind, Size, Added);
* :class:`TotalsModel` — a person's running totals by week or month against the threshold;
  a period over it says "Over the threshold" in words, with a warning icon, in bold.

Money columns are right-aligned and always written "£1,234.05": nothing is said by colour.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QFont, QIcon

from vcsedesk.domain.claims import (
    Category,
    ClaimStatus,
    PaymentChoice,
    TimeUnit,
    pence_text,
)
from vcsedesk.ui.actions.model import bold_font, warning_icon
from vcsedesk.ui.table_model import AnyIndex, ReadOnlyTableModel
from vcsedesk.ui.widgets import day_text

if TYPE_CHECKING:
    from vcsedesk.domain.claims import RunningTotal
    from vcsedesk.services.attachments import AttachmentInfo
    from vcsedesk.services.claims import ClaimRow, ItemView

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def _tr(text: str) -> str:
    return QCoreApplication.translate("Claims", text)


# -- words ------------------------------------------------------------------------------------
def status_text(status: ClaimStatus | str) -> str:
    return {
        ClaimStatus.DRAFT: _tr("Draft"),
        ClaimStatus.SUBMITTED: _tr("Submitted"),
        ClaimStatus.APPROVED: _tr("Approved"),
        ClaimStatus.REJECTED: _tr("Rejected"),
        ClaimStatus.PAID: _tr("Paid"),
    }[ClaimStatus(status)]


def category_text(category: Category | str) -> str:
    return {
        Category.INVOLVEMENT: _tr("Involvement time"),
        Category.MILEAGE: _tr("Mileage"),
        Category.FARES: _tr("Fares"),
        Category.PARKING: _tr("Parking"),
        Category.CARE_COVER: _tr("Care cover"),
        Category.SUBSISTENCE: _tr("Subsistence"),
        Category.OTHER: _tr("Other"),
    }[Category(category)]


def unit_text(unit: TimeUnit | str, plural: bool = False) -> str:
    if plural:
        return {
            TimeUnit.HOUR: _tr("hours"),
            TimeUnit.HALF_DAY: _tr("half days"),
            TimeUnit.FULL_DAY: _tr("full days"),
        }[TimeUnit(unit)]
    return {
        TimeUnit.HOUR: _tr("hour"),
        TimeUnit.HALF_DAY: _tr("half day"),
        TimeUnit.FULL_DAY: _tr("full day"),
    }[TimeUnit(unit)]


def choice_text(choice: PaymentChoice | str) -> str:
    return {
        PaymentChoice.BANK_TRANSFER: _tr("Bank transfer"),
        PaymentChoice.VOUCHER: _tr("Voucher"),
        PaymentChoice.CASH: _tr("Cash"),
        PaymentChoice.DECLINE: _tr("Declined: no payment"),
        PaymentChoice.DONATE: _tr("Donated to a charity"),
    }[PaymentChoice(choice)]


def quantity_text(quantity_centi: int) -> str:
    """250 → "2.5", 100 → "1", 1234 → "12.34"."""
    whole, rest = divmod(quantity_centi, 100)
    if not rest:
        return str(whole)
    return f"{whole}.{rest:02d}".rstrip("0")


def item_quantity_text(item: ItemView) -> str:
    """ "2.5 hours", "1 half day", "12 miles" — or "" for an expense at cost."""
    category = Category(item.category)
    amount = quantity_text(item.quantity_centi)
    if category is Category.INVOLVEMENT and item.unit is not None:
        return f"{amount} {unit_text(item.unit, plural=item.quantity_centi != 100)}"
    if category is Category.MILEAGE:
        return _tr("{n} miles").format(n=amount) if item.quantity_centi != 100 else _tr("1 mile")
    return ""


def item_rate_text(item: ItemView) -> str:
    category = Category(item.category)
    if category is Category.INVOLVEMENT and item.unit is not None:
        return _tr("{rate} a {unit}").format(rate=pence_text(item.rate_pence), unit=unit_text(item.unit))
    if category is Category.MILEAGE:
        return _tr("{rate} a mile").format(rate=pence_text(item.rate_pence))
    return _tr("at cost")


# -- the list ---------------------------------------------------------------------------------
class ClaimsModel(ReadOnlyTableModel):
    NUMBER, CLAIMANT, DATE, TOTAL, PAYABLE, CHOICE, STATUS, BUDGET, ACCOUNT = range(9)
    MONEY = (TOTAL, PAYABLE)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [
            self.tr("Number"),
            self.tr("Claimant"),
            self.tr("Activity date"),
            self.tr("Total"),
            self.tr("Payable"),
            self.tr("Choice"),
            self.tr("Status"),
            self.tr("Budget"),
            self.tr("Account"),
        ]
        self.rows: list[ClaimRow] = []
        self.has_loaded = False
        self._bold: QFont | None = None

    def set_rows(self, rows: list[ClaimRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.has_loaded = True
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.rows)

    def row_at(self, row: int) -> ClaimRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def find(self, claim_id: uuid.UUID) -> int | None:
        return next((i for i, r in enumerate(self.rows) if r.id == claim_id), None)

    def text(self, claim: ClaimRow, column: int) -> str:
        if column == self.NUMBER:
            return claim.number
        if column == self.CLAIMANT:
            return claim.claimant_name
        if column == self.DATE:
            return day_text(claim.activity_date)
        if column == self.TOTAL:
            return pence_text(claim.total_pence)
        if column == self.PAYABLE:
            return pence_text(claim.payable_pence)
        if column == self.CHOICE:
            text = choice_text(claim.choice)
            if PaymentChoice(claim.choice).pays_claimant and claim.payable_pence < claim.total_pence:
                text = self.tr("{choice}, taking less").format(choice=text)
            return text
        if column == self.STATUS:
            return status_text(claim.status)
        if column == self.BUDGET:
            return claim.budget_name or self.tr("No budget")
        if column == self.ACCOUNT:
            return claim.masked_account or ""
        return ""

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if section in self.MONEY else _LEFT
        return super().headerData(section, orientation, role)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        claim = self.row_at(index.row())
        if claim is None:
            return None
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = self.text(claim, column)
            if role == Qt.ItemDataRole.ToolTipRole and column == self.ACCOUNT and text:
                return self.tr("Bank account (masked): {account}").format(account=text)
            return text or None if role == Qt.ItemDataRole.ToolTipRole else text
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.text(claim, column) or self.tr("blank")
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column in self.MONEY else None
        if role == Qt.ItemDataRole.FontRole and ClaimStatus(claim.status) is ClaimStatus.SUBMITTED:
            # Waiting for someone: bold as well as saying "Submitted".
            if self._bold is None:
                self._bold = bold_font()
            return self._bold
        return None


# -- one claim's lines ------------------------------------------------------------------------
class ClaimItemsModel(ReadOnlyTableModel):
    CATEGORY, DESCRIPTION, QUANTITY, RATE, AMOUNT, RECEIPT = range(6)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [
            self.tr("Category"),
            self.tr("Description"),
            self.tr("Quantity"),
            self.tr("Rate"),
            self.tr("Amount"),
            self.tr("Receipt"),
        ]
        self.items: list[ItemView] = []
        self._icon: QIcon | None = None

    def set_items(self, items: list[ItemView]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.items)

    @staticmethod
    def missing_receipt(item: ItemView) -> bool:
        return item.needs_receipt and not item.has_receipt

    def text(self, item: ItemView, column: int) -> str:
        if column == self.CATEGORY:
            return category_text(item.category)
        if column == self.DESCRIPTION:
            return item.description
        if column == self.QUANTITY:
            return item_quantity_text(item)
        if column == self.RATE:
            return item_rate_text(item)
        if column == self.AMOUNT:
            return pence_text(item.amount_pence)
        if column == self.RECEIPT:
            if item.has_receipt:
                return self.tr("Yes")
            if item.needs_receipt:
                return self.tr("Receipt needed")
            return self.tr("Not needed")
        return ""

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if section == self.AMOUNT else _LEFT
        return super().headerData(section, orientation, role)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item = self.items[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(item, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.text(item, column) or None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.text(item, column) or self.tr("blank")
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column == self.AMOUNT else None
        if role == Qt.ItemDataRole.DecorationRole and column == self.RECEIPT and self.missing_receipt(item):
            if self._icon is None:
                self._icon = warning_icon()
            return self._icon
        return None


# -- receipts ---------------------------------------------------------------------------------
class ReceiptsModel(ReadOnlyTableModel):
    NAME, KIND, SIZE, ADDED = range(4)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [self.tr("File"), self.tr("Kind"), self.tr("Size"), self.tr("Added")]
        self.items: list[AttachmentInfo] = []

    def set_items(self, items: list[AttachmentInfo]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.items)

    def text(self, item: AttachmentInfo, column: int) -> str:
        from vcsedesk.ui.engagements.engagement_page import kind_text, size_text

        if column == self.NAME:
            return item.filename
        if column == self.KIND:
            return kind_text(item.media_type)
        if column == self.SIZE:
            return size_text(item.size)
        if column == self.ADDED:
            local = item.added_at.astimezone()
            return day_text(local.date()) + f"  {local:%H:%M}"
        return ""

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        text = self.text(self.items[index.row()], index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return text
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return text or self.tr("blank")
        return None


# -- running totals ---------------------------------------------------------------------------
def period_text(start: date, monthly: bool) -> str:
    from PySide6.QtCore import QDate, QLocale

    if monthly:
        return QLocale().toString(QDate(start.year, start.month, 1), "MMMM yyyy")
    return _tr("Week of {day}").format(day=day_text(start, weekday=True))


class TotalsModel(ReadOnlyTableModel):
    """Running totals for one person: a row per week or month, the latest first."""

    PERIOD, EARNINGS, EXPENSES, THRESHOLD, STANDING = range(5)
    MONEY = (EARNINGS, EXPENSES, THRESHOLD)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [
            self.tr("Period"),
            self.tr("Involvement payments"),
            self.tr("Expenses repaid"),
            self.tr("Threshold"),
            self.tr("Against the threshold"),
        ]
        #: (total, monthly, whether it is the period of the claim shown)
        self.rows: list[tuple[RunningTotal, bool, bool]] = []
        self._icon: QIcon | None = None
        self._bold: QFont | None = None

    def set_totals(self, rows: list[tuple[RunningTotal, bool, bool]]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.rows)

    def text(self, row: tuple[RunningTotal, bool, bool], column: int) -> str:
        total, monthly, _mine = row
        if column == self.PERIOD:
            return period_text(total.period_start, monthly)
        if column == self.EARNINGS:
            return pence_text(total.earnings_pence)
        if column == self.EXPENSES:
            return pence_text(total.expenses_pence)
        if column == self.THRESHOLD:
            return pence_text(total.threshold_pence) if total.threshold_pence > 0 else self.tr("None set")
        if column == self.STANDING:
            if total.threshold_pence <= 0:
                return ""
            if total.over:
                return self.tr("Over the threshold by {amount}").format(
                    amount=pence_text(total.earnings_pence - total.threshold_pence)
                )
            return self.tr("Within ({amount} left)").format(
                amount=pence_text(total.threshold_pence - total.earnings_pence)
            )
        return ""

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if section in self.MONEY else _LEFT
        return super().headerData(section, orientation, role)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.text(row, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.text(row, column) or self.tr("blank")
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column in self.MONEY else None
        over = row[0].over
        if role == Qt.ItemDataRole.DecorationRole and column == self.STANDING and over:
            if self._icon is None:
                self._icon = warning_icon()
            return self._icon
        if role == Qt.ItemDataRole.FontRole and over:
            if self._bold is None:
                self._bold = bold_font()
            return self._bold
        return None
