"""Reimbursement claims: the policy, the money and the rules, exactly.

Money is integer pence throughout, never a float.  Quantities that can be fractional (hours,
miles) are integer hundredths (``quantity_centi``: 250 is 2.5), and a line's amount is
``quantity × rate`` rounded half up to the penny once, at the line — so a claim's total is the
plain sum of its lines, whatever the mix.

A claim is computed with the policy in force on the **activity's** date (:func:`policy_for`),
and a payment belongs to the week (Monday to Sunday) and the month of the activity
(:func:`week_of`), never split across them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal


class Tier(enum.StrEnum):
    """What NHS commissioners pay for, by kind of involvement."""

    PUBLIC_EVENT = "public_event"  # nothing paid
    ONE_OFF = "one_off"  # expenses only
    ONGOING = "ongoing"  # expenses plus an involvement payment

    @property
    def label(self) -> str:
        return {
            Tier.PUBLIC_EVENT: "Public event (nothing paid)",
            Tier.ONE_OFF: "One-off involvement (expenses only)",
            Tier.ONGOING: "Ongoing involvement (expenses and an involvement payment)",
        }[self]


class Category(enum.StrEnum):
    INVOLVEMENT = "involvement"
    MILEAGE = "mileage"
    FARES = "fares"
    PARKING = "parking"
    CARE_COVER = "care_cover"
    SUBSISTENCE = "subsistence"
    OTHER = "other"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]

    @property
    def is_expense(self) -> bool:
        """Out-of-pocket expenses repaid do not count as earnings; involvement payments may."""
        return self is not Category.INVOLVEMENT


CATEGORY_LABELS = {
    Category.INVOLVEMENT: "Involvement time",
    Category.MILEAGE: "Mileage",
    Category.FARES: "Fares",
    Category.PARKING: "Parking",
    Category.CARE_COVER: "Care cover",
    Category.SUBSISTENCE: "Subsistence",
    Category.OTHER: "Other",
}


class TimeUnit(enum.StrEnum):
    """How involvement time is paid: by the hour, the half day or the full day."""

    HOUR = "hour"
    HALF_DAY = "half_day"
    FULL_DAY = "full_day"


class PaymentChoice(enum.StrEnum):
    """What the claimant chose — everyone may decline, take less or give it away."""

    BANK_TRANSFER = "bank_transfer"
    VOUCHER = "voucher"
    CASH = "cash"
    DECLINE = "decline"
    DONATE = "donate"

    @property
    def label(self) -> str:
        return {
            PaymentChoice.BANK_TRANSFER: "Bank transfer",
            PaymentChoice.VOUCHER: "Voucher",
            PaymentChoice.CASH: "Cash",
            PaymentChoice.DECLINE: "Declined: no payment",
            PaymentChoice.DONATE: "Donated to a charity",
        }[self]

    @property
    def pays_claimant(self) -> bool:
        return self in (PaymentChoice.BANK_TRANSFER, PaymentChoice.VOUCHER, PaymentChoice.CASH)


class ClaimStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def locked(self) -> bool:
        """Approved and paid claims are locked: changing one means reopening it."""
        return self in (ClaimStatus.APPROVED, ClaimStatus.PAID)


# -- money ------------------------------------------------------------------------------------
def pence_text(pence: int) -> str:
    """£1,234.05 (and −£3.00)."""
    sign = "−" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"


def parse_pence(text: str) -> int:
    """ "£12.5" / "12.50" / "1,234" → pence; ValueError with a sentence if it is not money."""
    cleaned = text.strip().replace("£", "").replace(",", "")
    try:
        value = Decimal(cleaned)
    except ArithmeticError:
        raise ValueError(f"“{text}” is not an amount of money (for example 12.50).") from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise ValueError(f"“{text}” is not an amount in pounds and pence (for example 12.50).")
    return int(value * 100)


def line_amount(quantity_centi: int, rate_pence: int) -> int:
    """``quantity × rate`` in pence, rounded half up once (quantity in hundredths)."""
    exact = Decimal(quantity_centi) * Decimal(rate_pence) / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# -- the policy -------------------------------------------------------------------------------
@dataclass(frozen=True)
class PolicyTerms:
    """Every figure of a reimbursement policy (pence, or pence a mile)."""

    effective_from: date
    hourly_rate: int
    half_day_rate: int
    full_day_rate: int
    mileage_rate: int
    subsistence_cap: int
    receipt_threshold: int
    payment_methods: tuple[PaymentChoice, ...]
    weekly_threshold: int
    monthly_threshold: int
    advice: str = ""

    def rate_for(self, unit: TimeUnit) -> int:
        return {
            TimeUnit.HOUR: self.hourly_rate,
            TimeUnit.HALF_DAY: self.half_day_rate,
            TimeUnit.FULL_DAY: self.full_day_rate,
        }[unit]


#: Shipped defaults — typical public-sector figures, plainly marked as editable in the app.
DEFAULT_POLICY = PolicyTerms(
    effective_from=date(2000, 1, 1),
    hourly_rate=2500,
    half_day_rate=7500,
    full_day_rate=15000,
    mileage_rate=45,  # HMRC approved rate for the first 10,000 miles
    subsistence_cap=1000,
    receipt_threshold=1000,
    payment_methods=(PaymentChoice.BANK_TRANSFER, PaymentChoice.VOUCHER, PaymentChoice.CASH),
    weekly_threshold=18350,  # e.g. a permitted-earnings weekly limit: check the current figure
    monthly_threshold=79500,
    advice="Independent welfare-rights advice: Citizens Advice (0800 144 8848) or your local "
    "welfare-rights service, before accepting a payment if you receive benefits.",
)


def policy_for(policies: Iterable[PolicyTerms], on: date) -> PolicyTerms | None:
    """The policy in force on ``on``: the latest effective on or before it."""
    in_force = [p for p in policies if p.effective_from <= on]
    return max(in_force, key=lambda p: p.effective_from, default=None)


# -- lines ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemEntry:
    """One line of a claim as typed."""

    category: str
    description: str = ""
    #: Hundredths: hours / half days / full days for involvement, miles for mileage; 100 for
    #: an expense at cost.
    quantity_centi: int = 100
    #: For involvement: "hour", "half_day" or "full_day".
    unit: str | None = None
    #: For expenses at cost (fares, parking, care cover, subsistence, other): what was spent.
    cost_pence: int | None = None
    has_receipt: bool = False


@dataclass(frozen=True)
class PricedItem:
    category: Category
    description: str
    quantity_centi: int
    unit: TimeUnit | None
    rate_pence: int
    amount_pence: int
    needs_receipt: bool


class ClaimProblem(ValueError):
    """One line of a claim cannot be priced; the message says why."""


def price_item(entry: ItemEntry, policy: PolicyTerms, tier: Tier) -> PricedItem:
    """A line priced by ``policy`` for a claim of ``tier``; ClaimProblem if it may not be claimed."""
    try:
        category = Category(entry.category)
    except ValueError:
        raise ClaimProblem(f"“{entry.category}” is not a kind of claim line.") from None
    if tier is Tier.PUBLIC_EVENT:
        raise ClaimProblem("Nothing is paid for a public event.")
    if entry.quantity_centi <= 0:
        raise ClaimProblem("The quantity must be more than nothing.")
    if category is Category.INVOLVEMENT:
        if tier is not Tier.ONGOING:
            raise ClaimProblem(
                "Involvement time is paid only for ongoing involvement; this claim is for expenses."
            )
        try:
            unit = TimeUnit(entry.unit or "")
        except ValueError:
            raise ClaimProblem("Say whether the time is paid by the hour, half day or full day.") from None
        rate = policy.rate_for(unit)
        amount = line_amount(entry.quantity_centi, rate)
        return PricedItem(category, entry.description, entry.quantity_centi, unit, rate, amount, False)
    if category is Category.MILEAGE:
        amount = line_amount(entry.quantity_centi, policy.mileage_rate)
        return PricedItem(
            category, entry.description, entry.quantity_centi, None, policy.mileage_rate, amount, False
        )
    if entry.cost_pence is None or entry.cost_pence <= 0:
        raise ClaimProblem(f"Say how much the {category.label.lower()} cost.")
    cost = entry.cost_pence
    if category is Category.SUBSISTENCE and cost > policy.subsistence_cap:
        raise ClaimProblem(
            f"Subsistence is paid up to {pence_text(policy.subsistence_cap)}; {pence_text(cost)} was entered."
        )
    needs_receipt = cost > policy.receipt_threshold
    return PricedItem(category, entry.description, 100, None, cost, cost, needs_receipt)


def total(items: Sequence[PricedItem]) -> int:
    return sum(item.amount_pence for item in items)


def by_category(items: Iterable[PricedItem]) -> dict[Category, int]:
    out: dict[Category, int] = {}
    for item in items:
        out[item.category] = out.get(item.category, 0) + item.amount_pence
    return out


# -- weeks and months -------------------------------------------------------------------------
def week_of(day: date) -> date:
    """The Monday of the week ``day`` falls in: the week a payment belongs to."""
    return day - timedelta(days=day.weekday())


def month_of(day: date) -> date:
    return day.replace(day=1)


@dataclass(frozen=True)
class RunningTotal:
    """What one person was paid (involvement payments, which may count as earnings) in one
    week or month, against the policy's threshold."""

    period_start: date
    earnings_pence: int
    expenses_pence: int
    threshold_pence: int

    @property
    def over(self) -> bool:
        return self.threshold_pence > 0 and self.earnings_pence > self.threshold_pence


@dataclass(frozen=True)
class Payment:
    """One claim's money, as the running totals see it."""

    activity_date: date
    earnings_pence: int
    expenses_pence: int


def running_totals(payments: Iterable[Payment], *, monthly: bool, threshold: int) -> list[RunningTotal]:
    """Totals per week (Monday) or calendar month of the activity, earliest first."""
    sums: dict[date, list[int]] = {}
    for payment in payments:
        key = month_of(payment.activity_date) if monthly else week_of(payment.activity_date)
        pair = sums.setdefault(key, [0, 0])
        pair[0] += payment.earnings_pence
        pair[1] += payment.expenses_pence
    return [RunningTotal(k, v[0], v[1], threshold) for k, v in sorted(sums.items())]


@dataclass(frozen=True)
class ClaimNumber:
    year: int
    sequence: int = field(default=1)

    def __str__(self) -> str:
        return f"{self.year}-{self.sequence:03d}"
