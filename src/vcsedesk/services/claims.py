"""Reimbursement claims: what the organisation owes a person for taking part.

A claim is for one person (a contact) and one activity date, drawn on one budget, for the
engagements or meetings it names.  Its lines are priced by the policy in force on the
**activity's** date (:func:`vcsedesk.domain.claims.price_item`): while it is a draft with the
policy in force now, and from submission on with the policy that was in force when it was
submitted — its id is fixed on the claim (``policy_id``), so a later version of the policy,
even one dated before the activity, never alters a claim already submitted.  Only a change of
the activity date (after reopening) prices it again by the policy of the new date.

The workflow: draft → submitted → approved or rejected (with a reason) → paid (date, method,
reference).  Nobody approves or rejects a claim they made or submitted, and nobody records as
paid a claim they approved.  Approved and paid claims are locked: changing one means
reopening it (:func:`reopen_claim`), with a reason that is journalled.  Editing a submitted
or rejected claim puts it back to draft: someone submits it again.

What the claimant receives (``payable_pence``): the total, or less if they chose to take less;
nothing if they declined or had it donated (the charity named is then paid the total, which
is what the organisation spends: :func:`cost_pence`).

Who sees what: a person without :attr:`Permission.SEE_ALL_CLAIMS` (a volunteer) sees only the
claims they made or submitted; bank details are shown in full only to those who may record
payments (:attr:`Permission.PAY_CLAIMS`) and in the payment batch, masked ("****5678")
everywhere else.

Running totals per person, per week (Monday to Sunday) and per calendar month of the activity,
count involvement payments received as earnings and expenses separately, against the
thresholds of the policy in force on the first day of each period (:func:`person_totals`).
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from vcsedesk.domain.claims import (
    DEFAULT_POLICY,
    Category,
    ClaimNumber,
    ClaimProblem,
    ClaimStatus,
    ItemEntry,
    Payment,
    PaymentChoice,
    PolicyTerms,
    PricedItem,
    RunningTotal,
    Tier,
    TimeUnit,
    month_of,
    pence_text,
    policy_for,
    price_item,
    running_totals,
    week_of,
)
from vcsedesk.domain.errors import NotFoundError, PermissionDenied, UserError
from vcsedesk.domain.validation import Problems, clean_multiline, clean_text
from vcsedesk.services import timeline
from vcsedesk.services.attachments import AttachmentInfo, attachments_of
from vcsedesk.services.base import (
    Actor,
    Changes,
    Permission,
    UnitOfWork,
    require,
    unit_of_work,
    utcnow,
)
from vcsedesk.store.database import Database
from vcsedesk.store.models import (
    Budget,
    Claim,
    ClaimItem,
    ClaimLink,
    Contact,
    Engagement,
    JournalEntry,
    Meeting,
    Organisation,
    ReimbursementPolicy,
    User,
)

TABLE = Claim.__tablename__  # "claims": the owner table of receipts (attachments)
RECORD = "The claim"
#: Statuses whose money counts: in running totals and against budgets.
COUNTED = (ClaimStatus.SUBMITTED.value, ClaimStatus.APPROVED.value, ClaimStatus.PAID.value)

MAX_ITEMS = 50
MAX_DESCRIPTION = 200
MAX_NOTES = 5000
MAX_REASON = 2000
MAX_REFERENCE = 80
MAX_PAYEE = 120
MAX_CHARITY = 200
#: 10,000 hours, days or miles: far beyond any claim, far inside the database's integers.
MAX_QUANTITY_CENTI = 1_000_000
#: £100,000 a line and £1,000,000 a claim: mistakes, not claims (and within 32-bit columns).
MAX_LINE_PENCE = 10_000_000
MAX_TOTAL_PENCE = 100_000_000

#: Categories paid at cost (the amount spent), not by quantity × a policy rate.
AT_COST = frozenset(c for c in Category if c not in (Category.INVOLVEMENT, Category.MILEAGE))


# -- what forms hold and pages show -----------------------------------------------------------
@dataclass(frozen=True)
class ClaimDraft:
    """A claim as a form holds it (not yet validated)."""

    claimant_id: uuid.UUID | None
    tier: str
    activity_date: date | None
    items: tuple[ItemEntry, ...] = ()
    engagement_ids: tuple[uuid.UUID, ...] = ()
    meeting_ids: tuple[uuid.UUID, ...] = ()
    budget_id: uuid.UUID | None = None
    choice: str = PaymentChoice.BANK_TRANSFER.value
    take_pence: int | None = None
    donate_to: str | None = None
    notes: str = ""
    payee_name: str | None = None
    sort_code: str | None = None
    account_number: str | None = None

    def with_changes(self, **values: Any) -> ClaimDraft:
        return dataclasses.replace(self, **values)


@dataclass(frozen=True)
class ItemView:
    id: uuid.UUID
    position: int
    category: Category
    description: str
    quantity_centi: int
    unit: TimeUnit | None
    rate_pence: int
    amount_pence: int
    has_receipt: bool
    needs_receipt: bool

    def as_entry(self) -> ItemEntry:
        return ItemEntry(
            category=self.category.value,
            description=self.description,
            quantity_centi=self.quantity_centi,
            unit=self.unit.value if self.unit else None,
            cost_pence=self.rate_pence if self.category in AT_COST else None,
            has_receipt=self.has_receipt,
        )


@dataclass(frozen=True)
class ClaimView:
    """One claim in full: its page, its form, the claim form and remittance PDFs."""

    id: uuid.UUID
    version: int
    number: str
    status: ClaimStatus
    claimant_id: uuid.UUID
    claimant_name: str
    claimant_address: str | None
    tier: Tier
    activity_date: date
    week_start: date
    items: tuple[ItemView, ...]
    total_pence: int
    #: What the claimant receives: the total, or what they chose to take; 0 if declined or donated.
    payable_pence: int
    by_category: dict[Category, int]
    choice: PaymentChoice
    take_pence: int | None
    donate_to: str | None
    notes: str
    budget_id: uuid.UUID | None
    budget_name: str | None
    #: The policy the claim is priced by (fixed from submission; for a draft, the one in force).
    policy_effective_from: date
    engagements: tuple[tuple[uuid.UUID, date, str], ...]
    meetings: tuple[tuple[uuid.UUID, date, str], ...]
    payee_name: str | None
    #: In full only for those who may record payments (and in the batch); None otherwise.
    sort_code: str | None
    account_number: str | None
    masked_account: str
    submitted_by: str | None
    submitted_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    rejected_reason: str | None
    paid_on: date | None
    paid_by: str | None
    payment_method: str | None
    payment_reference: str | None
    receipts: tuple[AttachmentInfo, ...]
    organisation: str
    advice: str
    # -- beyond the agreed fields (all with defaults) -------------------------------------------
    archived: bool = False
    created_by: str = ""
    created_by_id: uuid.UUID | None = None
    submitted_by_id: uuid.UUID | None = None
    decided_by_id: uuid.UUID | None = None
    paid_by_id: uuid.UUID | None = None
    policy_id: uuid.UUID | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    #: The policy's amount above which an expense needs a receipt.
    receipt_threshold: int = 0

    @property
    def locked(self) -> bool:
        return self.status.locked

    @property
    def donated_pence(self) -> int:
        """What goes to the charity named (the total when the claimant chose to donate)."""
        return self.total_pence if self.choice is PaymentChoice.DONATE else 0

    @property
    def cost_pence(self) -> int:
        """What the organisation pays out for the claim: to the claimant or to the charity."""
        return cost_pence(self.choice, self.total_pence, self.take_pence)

    @property
    def payee(self) -> str:
        """Who is paid: the charity for a donation, else the payee named or the claimant."""
        if self.choice is PaymentChoice.DONATE:
            return self.donate_to or ""
        return self.payee_name or self.claimant_name

    @property
    def earnings_pence(self) -> int:
        """Involvement payments on the claim (which may count as earnings for benefits)."""
        return self.by_category.get(Category.INVOLVEMENT, 0)

    @property
    def expenses_pence(self) -> int:
        return self.total_pence - self.earnings_pence

    def as_draft(self) -> ClaimDraft:
        return ClaimDraft(
            claimant_id=self.claimant_id,
            tier=self.tier.value,
            activity_date=self.activity_date,
            items=tuple(i.as_entry() for i in self.items),
            engagement_ids=tuple(i for i, _, _ in self.engagements),
            meeting_ids=tuple(i for i, _, _ in self.meetings),
            budget_id=self.budget_id,
            choice=self.choice.value,
            take_pence=self.take_pence,
            donate_to=self.donate_to,
            notes=self.notes,
            payee_name=self.payee_name,
            sort_code=self.sort_code,
            account_number=self.account_number,
        )


@dataclass(frozen=True)
class ClaimRow:
    """One line of a list of claims."""

    id: uuid.UUID
    version: int
    number: str
    status: ClaimStatus
    claimant_name: str
    activity_date: date
    total_pence: int
    payable_pence: int
    choice: PaymentChoice
    budget_name: str | None
    masked_account: str
    # -- beyond the agreed fields ----------------------------------------------------------------
    claimant_id: uuid.UUID | None = None
    tier: Tier | None = None


# -- money ------------------------------------------------------------------------------------
def payable_pence(choice: PaymentChoice, total: int, take: int | None) -> int:
    """What the claimant receives: the total or what they chose to take; 0 if declined or donated."""
    if not choice.pays_claimant:
        return 0
    return total if take is None else take


def cost_pence(choice: PaymentChoice, total: int, take: int | None) -> int:
    """What the organisation pays out: to the claimant, or the whole total to the charity named."""
    if choice is PaymentChoice.DONATE:
        return total
    return payable_pence(choice, total, take)


def payment(activity_date: date, earnings: int, expenses: int, received: int) -> Payment:
    """One claim's money as the claimant receives it.  Taking less reduces the involvement
    payment first: expenses repaid do not affect benefits, earnings may."""
    expenses_received = min(expenses, received)
    return Payment(activity_date, received - expenses_received, expenses_received)


def mask(account_number: str | None) -> str:
    """ "****5678" for an account number; "" for none."""
    return f"****{account_number[-4:]}" if account_number else ""


# -- the policy in force ----------------------------------------------------------------------
@dataclass(frozen=True)
class _Policy:
    id: uuid.UUID
    terms: PolicyTerms


def _terms(row: ReimbursementPolicy) -> PolicyTerms:
    methods = []
    for value in row.payment_methods or ():
        try:
            methods.append(PaymentChoice(value))
        except ValueError:
            continue
    return PolicyTerms(
        effective_from=row.effective_from,
        hourly_rate=row.hourly_rate,
        half_day_rate=row.half_day_rate,
        full_day_rate=row.full_day_rate,
        mileage_rate=row.mileage_rate,
        subsistence_cap=row.subsistence_cap,
        receipt_threshold=row.receipt_threshold,
        payment_methods=tuple(methods),
        weekly_threshold=row.weekly_threshold,
        monthly_threshold=row.monthly_threshold,
        advice=row.advice or "",
    )


def _policy_on(session: Session, on: date) -> _Policy | None:
    """The policy version in force on ``on``: the latest effective on or before it, not archived."""
    row = session.scalars(
        select(ReimbursementPolicy)
        .where(ReimbursementPolicy.effective_from <= on, ReimbursementPolicy.deleted_at.is_(None))
        .order_by(ReimbursementPolicy.effective_from.desc())
        .limit(1)
    ).first()
    return None if row is None else _Policy(row.id, _terms(row))


def _policy_by_id(session: Session, policy_id: uuid.UUID) -> _Policy | None:
    row = session.get(ReimbursementPolicy, policy_id)
    return None if row is None else _Policy(row.id, _terms(row))


def _all_policies(session: Session) -> list[PolicyTerms]:
    rows = session.scalars(select(ReimbursementPolicy).where(ReimbursementPolicy.deleted_at.is_(None)))
    return [_terms(r) for r in rows]


def _pricing_policy(session: Session, claim: Claim | None, activity_date: date) -> _Policy | None:
    """The policy a claim is priced by: the one fixed on it while its activity date stays the
    same, else the one in force on the activity date."""
    if claim is not None and claim.policy_id is not None and claim.activity_date == activity_date:
        fixed = _policy_by_id(session, claim.policy_id)
        if fixed is not None:
            return fixed
    return _policy_on(session, activity_date)


# -- permission -------------------------------------------------------------------------------
def _may(actor: Actor, permission: Permission) -> bool:
    try:
        require(actor, permission)
    except PermissionDenied:
        return False
    return True


def _made_by(claim_id: uuid.UUID) -> Select[uuid.UUID | None]:
    return select(JournalEntry.actor_id).where(
        JournalEntry.table_name == TABLE,
        JournalEntry.record_id == claim_id,
        JournalEntry.operation == "insert",
    )


def _creator_id(session: Session, claim_id: uuid.UUID) -> uuid.UUID | None:
    return session.scalar(_made_by(claim_id).order_by(JournalEntry.seq).limit(1))


def _visible_to(actor: Actor) -> Any:
    """A condition on Claim keeping the claims ``actor`` may see (None: all of them)."""
    if _may(actor, Permission.SEE_ALL_CLAIMS):
        return None
    made = select(JournalEntry.record_id).where(
        JournalEntry.table_name == TABLE,
        JournalEntry.operation == "insert",
        JournalEntry.actor_id == actor.user_id,
    )
    return or_(Claim.id.in_(made), Claim.submitted_by_id == actor.user_id)


def _check_visible(session: Session, actor: Actor, claim: Claim) -> None:
    if _may(actor, Permission.SEE_ALL_CLAIMS) or claim.submitted_by_id == actor.user_id:
        return
    if _creator_id(session, claim.id) == actor.user_id:
        return
    raise PermissionDenied(
        f"Claim {claim.number} is not one you made or submitted, and {actor.name} is a "
        f"{actor.role.label.lower()}, who sees only their own claims. Ask a coordinator."
    )


# -- validation -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Clean:
    claimant_id: uuid.UUID
    claimant_name: str
    tier: Tier
    activity_date: date
    items: tuple[PricedItem, ...]
    receipts: tuple[bool, ...]
    engagement_ids: tuple[uuid.UUID, ...]
    meeting_ids: tuple[uuid.UUID, ...]
    budget_id: uuid.UUID | None
    choice: PaymentChoice
    take_pence: int | None
    donate_to: str | None
    notes: str
    payee_name: str | None
    sort_code: str | None
    account_number: str | None
    policy: _Policy

    @property
    def total(self) -> int:
        return sum(i.amount_pence for i in self.items)

    def values(self) -> dict[str, Any]:
        return {
            "claimant_id": self.claimant_id,
            "tier": self.tier.value,
            "activity_date": self.activity_date,
            "budget_id": self.budget_id,
            "choice": self.choice.value,
            "take_pence": self.take_pence,
            "donate_to": self.donate_to,
            "total_pence": self.total,
            "notes": self.notes,
            "payee_name": self.payee_name,
            "sort_code": self.sort_code,
            "account_number": self.account_number,
        }


def _day(day: date) -> str:
    """ "3 Mar 2026" (no leading zero, on every platform)."""
    return f"{day.day} {day:%b %Y}"


def _when(moment: datetime) -> str:
    """ "14:02 on 3 Mar 2026" in this computer's time zone."""
    local = moment.astimezone()
    return f"{local:%H:%M} on {_day(local.date())}"


def clean_sort_code(value: str | None) -> str | None:
    """A UK sort code as 12-34-56 (typed with or without hyphens or spaces), or None if blank."""
    compact = re.sub(r"[\s-]", "", value or "")
    if not compact:
        return None
    if not re.fullmatch(r"\d{6}", compact):
        raise ValueError(f"“{value}” is not a sort code: it has 6 digits, like 12-34-56.")
    return f"{compact[:2]}-{compact[2:4]}-{compact[4:]}"


def clean_account_number(value: str | None) -> str | None:
    """A UK bank account number: 8 digits, or None if blank."""
    compact = re.sub(r"[\s-]", "", value or "")
    if not compact:
        return None
    if not re.fullmatch(r"\d{8}", compact):
        raise ValueError(f"“{value}” is not an account number: it has 8 digits, like 12345678.")
    return compact


def _check(problems: Problems, name: str, clean: Any) -> Any:
    """``clean()``, or None with its message noted under ``name`` (ValueError included)."""
    try:
        return clean()
    except ValueError as exc:  # Invalid is a ValueError too
        problems.by_field[name] = str(exc)
        return None


def _clean(
    session: Session,
    draft: ClaimDraft,
    *,
    today: date,
    current: Claim | None = None,
) -> _Clean:
    """The validated claim, its lines priced; ValidationError naming every problem at once."""
    problems = Problems(RECORD)
    # Who.
    claimant_name = ""
    if draft.claimant_id is None:
        problems.by_field["claimant_id"] = "Choose the person the claim is for."
    else:
        person = session.get(Contact, draft.claimant_id)
        kept = current is not None and current.claimant_id == draft.claimant_id
        if person is None or (person.deleted_at is not None and not kept):
            problems.by_field["claimant_id"] = (
                "That person has been archived or merged; choose them again from the contacts."
            )
        elif person.kind != "person":
            problems.by_field["claimant_id"] = f"{person.name} is an organisation; a claim is for a person."
        else:
            claimant_name = person.name
    # What kind of involvement.
    tier: Tier | None = None
    try:
        tier = Tier(str(draft.tier).strip().lower())
    except ValueError:
        options = "; ".join(t.label.lower() for t in Tier)
        problems.by_field["tier"] = f"“{draft.tier}” is not a kind of involvement; choose {options}."
    # When, and so by which policy.
    policy: _Policy | None = None
    if draft.activity_date is None:
        problems.by_field["activity_date"] = "Give the date of the activity the claim is for."
    elif draft.activity_date > today:
        problems.by_field["activity_date"] = (
            f"The activity date {_day(draft.activity_date)} is in the future; "
            "a claim is made once the activity has happened."
        )
    else:
        policy = _pricing_policy(session, current, draft.activity_date)
        if policy is None:
            problems.by_field["activity_date"] = (
                f"No reimbursement policy is in force on {_day(draft.activity_date)}; "
                "add a policy version from that date or earlier first."
            )
    # The lines.
    priced: list[PricedItem] = []
    receipts: list[bool] = []
    if len(draft.items) > MAX_ITEMS:
        problems.by_field["items"] = f"A claim can have at most {MAX_ITEMS} lines; split it in two."
    elif tier is not None and policy is not None:
        for i, entry in enumerate(draft.items):
            item = _price(problems, f"items[{i}]", entry, policy.terms, tier)
            if item is not None:
                priced.append(item)
                receipts.append(bool(entry.has_receipt))
    total = sum(i.amount_pence for i in priced)
    if total > MAX_TOTAL_PENCE:
        problems.by_field["items"] = (
            f"The claim comes to {pence_text(total)}; a claim can be at most {pence_text(MAX_TOTAL_PENCE)}."
        )
    # What the claimant chose.
    choice: PaymentChoice | None = None
    try:
        choice = PaymentChoice(str(draft.choice).strip().lower())
    except ValueError:
        options = ", ".join(c.label.lower() for c in PaymentChoice)
        problems.by_field["choice"] = f"“{draft.choice}” is not a choice of payment; choose {options}."
    if choice is not None and choice.pays_claimant and policy is not None:
        allowed = policy.terms.payment_methods
        if choice not in allowed:
            ways = ", ".join(c.label.lower() for c in allowed) or "none"
            problems.by_field["choice"] = (
                f"The policy in force on {_day(policy.terms.effective_from)} and after does not pay by "
                f"{choice.label.lower()}; it pays by {ways}. The claimant may also decline or donate."
            )
    take = draft.take_pence
    if take is not None:
        if choice is not None and not choice.pays_claimant:
            problems.by_field["take_pence"] = (
                "Taking less applies to a payment to the claimant; clear it to decline or donate."
            )
        elif not priced or total <= 0:
            problems.by_field["take_pence"] = "There is nothing on the claim yet to take less of."
        elif not 1 <= take <= total:
            problems.by_field["take_pence"] = (
                f"Taking less must be between £0.01 and the claim's total of {pence_text(total)}."
            )
    donate_to = None
    if choice is PaymentChoice.DONATE:
        donate_to = _check(
            problems,
            "donate_to",
            lambda: clean_text(draft.donate_to, label="The charity", max_length=MAX_CHARITY, required=True),
        )
        if donate_to is None and "donate_to" not in problems.by_field:
            problems.by_field["donate_to"] = "Name the charity the claimant wants the money donated to."
    notes = _check(
        problems, "notes", lambda: clean_multiline(draft.notes, label="Notes", max_length=MAX_NOTES)
    )
    payee = _check(
        problems, "payee_name", lambda: clean_text(draft.payee_name, label="Payee", max_length=MAX_PAYEE)
    )
    sort_code = _check(problems, "sort_code", lambda: clean_sort_code(draft.sort_code))
    account = _check(problems, "account_number", lambda: clean_account_number(draft.account_number))
    if sort_code and not account and "account_number" not in problems.by_field:
        problems.by_field["account_number"] = "Give the account number with the sort code."
    if account and not sort_code and "sort_code" not in problems.by_field:
        problems.by_field["sort_code"] = "Give the sort code with the account number."
    # What the claim is for, and the budget it draws on.
    engagement_ids = tuple(dict.fromkeys(draft.engagement_ids))
    meeting_ids = tuple(dict.fromkeys(draft.meeting_ids))
    linked: set[uuid.UUID | None] = set()
    if current is not None:
        linked = set(
            session.scalars(select(ClaimLink.engagement_id).where(ClaimLink.claim_id == current.id))
        ) | set(session.scalars(select(ClaimLink.meeting_id).where(ClaimLink.claim_id == current.id)))
    for name, model, ids, noun in (
        ("engagement_ids", Engagement, engagement_ids, "An engagement"),
        ("meeting_ids", Meeting, meeting_ids, "A meeting"),
    ):
        if ids:
            live = set(session.scalars(select(model.id).where(model.id.in_(ids), model.deleted_at.is_(None))))
            if set(ids) - live - linked:
                problems.by_field[name] = f"{noun} chosen has been archived; choose again."
    if draft.budget_id is not None:
        budget = session.get(Budget, draft.budget_id)
        kept = current is not None and current.budget_id == draft.budget_id
        if budget is None or (budget.deleted_at is not None and not kept):
            problems.by_field["budget_id"] = "That budget has been archived; choose another."
        elif (
            draft.activity_date is not None and not budget.starts_on <= draft.activity_date <= budget.ends_on
        ):
            problems.by_field["budget_id"] = (
                f"The budget “{budget.name}” runs from {_day(budget.starts_on)} to {_day(budget.ends_on)}; "
                f"the activity on {_day(draft.activity_date)} is outside it. Choose another budget."
            )
    problems.raise_if_any()
    assert draft.claimant_id is not None and tier is not None and draft.activity_date is not None
    assert policy is not None and choice is not None
    return _Clean(
        claimant_id=draft.claimant_id,
        claimant_name=claimant_name,
        tier=tier,
        activity_date=draft.activity_date,
        items=tuple(priced),
        receipts=tuple(receipts),
        engagement_ids=engagement_ids,
        meeting_ids=meeting_ids,
        budget_id=draft.budget_id,
        choice=choice,
        take_pence=take,
        donate_to=donate_to,
        notes=notes or "",
        payee_name=payee,
        sort_code=sort_code,
        account_number=account,
        policy=policy,
    )


def _price(
    problems: Problems, name: str, entry: ItemEntry, policy: PolicyTerms, tier: Tier
) -> PricedItem | None:
    """One line priced, or None with its problem noted (a public event's under ``tier``)."""
    description = _check(
        problems,
        name,
        lambda: clean_text(entry.description, label="The description", max_length=MAX_DESCRIPTION),
    )
    if name in problems.by_field:
        return None
    if entry.quantity_centi > MAX_QUANTITY_CENTI and entry.category not in AT_COST:
        problems.by_field[name] = f"The quantity can be at most {MAX_QUANTITY_CENTI // 100:,}."
        return None
    if entry.cost_pence is not None and entry.cost_pence > MAX_LINE_PENCE:
        problems.by_field[name] = f"A line can be at most {pence_text(MAX_LINE_PENCE)}."
        return None
    try:
        item = price_item(dataclasses.replace(entry, description=description or ""), policy, tier)
    except ClaimProblem as exc:
        known = entry.category in {c.value for c in Category}
        if tier is Tier.PUBLIC_EVENT and known:
            problems.by_field.setdefault(
                "tier", f"{exc} Remove the claim's lines, or choose one-off or ongoing involvement."
            )
        else:
            problems.by_field[name] = str(exc)
        return None
    if item.amount_pence > MAX_LINE_PENCE:
        problems.by_field[name] = (
            f"This line comes to {pence_text(item.amount_pence)}; a line can be at most "
            f"{pence_text(MAX_LINE_PENCE)}."
        )
        return None
    return item


# -- writing ----------------------------------------------------------------------------------
def _next_number(session: Session, year: int) -> str:
    """The next claim number of ``year`` ("2026-015"), counting archived claims too."""
    if session.get_bind().dialect.name != "sqlite":
        # Serialise numbering between writers on PostgreSQL (SQLite has one writer).
        session.execute(select(Organisation.id).with_for_update())
    numbers = session.scalars(select(Claim.number).where(Claim.number.like(f"{year}-%")))
    sequences = [int(tail) for n in numbers if (tail := n.partition("-")[2]).isdigit()]
    return str(ClaimNumber(year, max(sequences, default=0) + 1))


def _live_items(session: Session, claim_id: uuid.UUID) -> list[ClaimItem]:
    return list(
        session.scalars(
            select(ClaimItem)
            .where(ClaimItem.claim_id == claim_id, ClaimItem.deleted_at.is_(None))
            .order_by(ClaimItem.position)
        )
    )


def _sync_children(uow: UnitOfWork, claim: Claim, clean: _Clean) -> bool:
    """The claim's lines (by position) and links made what ``clean`` says; True if any changed."""
    session = uow.session
    cid = claim.id
    changed = uow.sync(
        {row.position: row for row in _live_items(session, cid)},
        {
            position: {
                "category": item.category.value,
                "description": item.description,
                "quantity_centi": item.quantity_centi,
                "unit": item.unit.value if item.unit else None,
                "rate_pence": item.rate_pence,
                "amount_pence": item.amount_pence,
                "has_receipt": receipt,
            }
            for position, (item, receipt) in enumerate(zip(clean.items, clean.receipts, strict=True), 1)
        },
        lambda position, v: ClaimItem(claim_id=cid, position=position, **v),
    )
    links = session.scalars(
        select(ClaimLink).where(ClaimLink.claim_id == cid, ClaimLink.deleted_at.is_(None))
    )
    existing: dict[tuple[str, uuid.UUID], ClaimLink] = {}
    for link in links:
        if link.engagement_id is not None:
            existing[("e", link.engagement_id)] = link
        elif link.meeting_id is not None:
            existing[("m", link.meeting_id)] = link
    wanted: dict[tuple[str, uuid.UUID], dict[str, Any]] = {("e", e): {} for e in clean.engagement_ids}
    wanted |= {("m", m): {} for m in clean.meeting_ids}
    changed |= uow.sync(
        existing,
        wanted,
        lambda key, _: ClaimLink(
            claim_id=cid,
            engagement_id=key[1] if key[0] == "e" else None,
            meeting_id=key[1] if key[0] == "m" else None,
        ),
    )
    return changed


def new_draft_claim(uow: UnitOfWork, draft: ClaimDraft, *, today: date | None = None) -> Claim:
    """Validate and add a draft claim inside an open unit of work (quick entry makes its claims
    with this, in the same change as the engagement).  Raises ValidationError, and the whole
    transaction is rolled back, if anything is wrong.  The caller checks permission."""
    today = today or date.today()
    clean = _clean(uow.session, draft, today=today)
    number = _next_number(uow.session, today.year)
    claim = uow.add(
        Claim(number=number, status=ClaimStatus.DRAFT.value, **clean.values()),
        summary=f"Added claim {number} for {clean.claimant_name}",
    )
    _sync_children(uow, claim, clean)
    return claim


def new_claim(db: Database, actor: Actor, draft: ClaimDraft, *, today: date | None = None) -> Changes:
    """Add a draft claim (the new id in ``created['claims']``), numbered "YYYY-NNN" by the year
    it is made in."""
    require(actor, Permission.EDIT_RECORDS)
    today = today or date.today()
    with unit_of_work(db, actor, "Added a claim") as uow:
        # The number it will get, so every journal entry of the change names it.
        _summarise(uow, f"Added claim {_next_number(uow.session, today.year)}")
        new_draft_claim(uow, draft, today=today)
    return uow.changes


def _summarise(uow: UnitOfWork, summary: str) -> None:
    uow.summary = summary
    uow.changes.summary = summary


def _locked_message(session: Session, claim: Claim, what: str = "edit") -> str:
    if claim.status == ClaimStatus.PAID.value:
        by = _user_name(session, claim.paid_by_id)
        on = f" on {_day(claim.paid_on)}" if claim.paid_on else ""
        return f"Claim {claim.number} was paid by {by}{on}; reopen it to {what}."
    by = _user_name(session, claim.decided_by_id)
    at = f" at {_when(claim.decided_at)}" if claim.decided_at else ""
    return f"Claim {claim.number} was approved by {by}{at}; reopen it to {what}."


def _user_name(session: Session, user_id: uuid.UUID | None) -> str:
    if user_id is None:
        return "someone"
    return session.scalar(select(User.name).where(User.id == user_id)) or "someone"


def _keep_hidden_bank_details(actor: Actor, claim: Claim, draft: ClaimDraft) -> ClaimDraft:
    """Someone who sees bank details masked edits a claim without them: None keeps the stored
    details ("" clears them)."""
    if _may(actor, Permission.PAY_CLAIMS):
        return draft
    if draft.sort_code is None and draft.account_number is None:
        return dataclasses.replace(draft, sort_code=claim.sort_code, account_number=claim.account_number)
    return draft


_BACK_TO_DRAFT = {
    "status": ClaimStatus.DRAFT.value,
    "submitted_by_id": None,
    "submitted_at": None,
}


def update_claim(
    db: Database,
    actor: Actor,
    claim_id: uuid.UUID,
    expected_version: int,
    draft: ClaimDraft,
    *,
    today: date | None = None,
) -> Changes:
    """Save an edited claim.  Refused, changing nothing, if it is approved or paid (reopen it
    first) or someone saved it first.  A submitted or rejected claim goes back to draft.

    Bank details: for someone who sees them masked (without PAY_CLAIMS), a draft whose
    ``sort_code`` and ``account_number`` are both None keeps the stored ones.
    """
    require(actor, Permission.EDIT_RECORDS)
    today = today or date.today()
    with unit_of_work(db, actor, "Changed a claim") as uow:
        claim = uow.get(Claim, claim_id)
        _check_visible(uow.session, actor, claim)
        uow.check_version(claim, expected_version)
        if ClaimStatus(claim.status).locked:
            raise UserError(_locked_message(uow.session, claim))
        clean = _clean(
            uow.session, _keep_hidden_bank_details(actor, claim, draft), today=today, current=claim
        )
        values = clean.values()
        summary = f"Changed claim {claim.number}"
        if claim.status != ClaimStatus.DRAFT.value:
            values |= _BACK_TO_DRAFT
            summary += " (back to draft: submit it again)"
        if claim.policy_id is not None and claim.activity_date != clean.activity_date:
            values["policy_id"] = None  # priced again by the policy of the new date at submission
        _summarise(uow, summary)
        uow.update(claim, values, expected_version)
        if _sync_children(uow, claim, clean):
            uow.touch(claim)
    return uow.changes


def _claim_draft(session: Session, claim: Claim) -> ClaimDraft:
    """The stored claim as a draft (lines, links and bank details in full)."""
    links = session.execute(
        select(ClaimLink.engagement_id, ClaimLink.meeting_id)
        .where(ClaimLink.claim_id == claim.id, ClaimLink.deleted_at.is_(None))
        .order_by(ClaimLink.created_at, ClaimLink.id)
    ).all()
    return ClaimDraft(
        claimant_id=claim.claimant_id,
        tier=claim.tier,
        activity_date=claim.activity_date,
        items=tuple(
            ItemEntry(
                category=row.category,
                description=row.description,
                quantity_centi=row.quantity_centi,
                unit=row.unit,
                cost_pence=row.rate_pence if row.category in AT_COST else None,
                has_receipt=row.has_receipt,
            )
            for row in _live_items(session, claim.id)
        ),
        engagement_ids=tuple(e for e, _ in links if e is not None),
        meeting_ids=tuple(m for _, m in links if m is not None),
        budget_id=claim.budget_id,
        choice=claim.choice,
        take_pence=claim.take_pence,
        donate_to=claim.donate_to,
        notes=claim.notes,
        payee_name=claim.payee_name,
        sort_code=claim.sort_code,
        account_number=claim.account_number,
    )


def submit_claim(
    db: Database, actor: Actor, claim_id: uuid.UUID, expected_version: int, *, today: date | None = None
) -> Changes:
    """Submit a draft (or rejected) claim for approval: its lines are priced by the policy in
    force on the activity date (or the one already fixed on it) and that policy is fixed.

    Refused if it has no lines or a line needing a receipt has none.  If it would overspend
    its budget it is still submitted; ``changes.summary`` then ends with the warning.
    """
    require(actor, Permission.EDIT_RECORDS)
    today = today or date.today()
    with unit_of_work(db, actor, "Submitted a claim") as uow:
        session = uow.session
        claim = uow.get(Claim, claim_id)
        _check_visible(session, actor, claim)
        uow.check_version(claim, expected_version)
        status = ClaimStatus(claim.status)
        if status not in (ClaimStatus.DRAFT, ClaimStatus.REJECTED):
            if status.locked:
                raise UserError(_locked_message(session, claim, "submit it again"))
            raise UserError(f"Claim {claim.number} is already submitted and waiting for approval.")
        clean = _clean(session, _claim_draft(session, claim), today=today, current=claim)
        problems = Problems(f"Claim {claim.number}")
        if not clean.items:
            problems.by_field["items"] = (
                "Nothing is paid for a public event, so there is nothing to submit."
                if clean.tier is Tier.PUBLIC_EVENT
                else "The claim has no lines; add what is claimed before submitting it."
            )
        for i, (item, receipt) in enumerate(zip(clean.items, clean.receipts, strict=True)):
            if item.needs_receipt and not receipt:
                problems.by_field[f"items[{i}]"] = (
                    f"A receipt is needed for {item.category.label.lower()} over "
                    f"{pence_text(clean.policy.terms.receipt_threshold)}; attach it and tick “receipt”."
                )
        problems.raise_if_any()
        _summarise(uow, f"Submitted claim {claim.number} ({pence_text(clean.total)})")
        uow.update(
            claim,
            clean.values()
            | {
                "status": ClaimStatus.SUBMITTED.value,
                "policy_id": clean.policy.id,
                "submitted_by_id": actor.user_id,
                "submitted_at": utcnow(),
                "decided_by_id": None,
                "decided_at": None,
                "rejected_reason": None,
            },
            expected_version,
        )
        if _sync_children(uow, claim, clean):
            uow.touch(claim)
        warning = _overspend(session, claim)
    if warning:
        uow.changes.summary += f". Warning: {warning}"
    return uow.changes


def _decide_check(session: Session, actor: Actor, claim: Claim, verb: str) -> None:
    status = ClaimStatus(claim.status)
    if status is not ClaimStatus.SUBMITTED:
        if status.locked:
            raise UserError(_locked_message(session, claim, f"{verb} it"))
        state = "a draft" if status is ClaimStatus.DRAFT else "rejected"
        raise UserError(f"Claim {claim.number} is {state}; only a submitted claim can be {verb}d.")
    if claim.submitted_by_id == actor.user_id:
        raise UserError(f"You submitted claim {claim.number}, so someone else must {verb} it.")
    if _creator_id(session, claim.id) == actor.user_id:
        raise UserError(f"You made claim {claim.number}, so someone else must {verb} it.")


def approve_claim(db: Database, actor: Actor, claim_id: uuid.UUID, expected_version: int) -> Changes:
    """Approve a submitted claim (not one the actor made or submitted).  It is locked from now
    on.  If it would overspend its budget it is still approved; ``changes.summary`` then ends
    with the warning."""
    require(actor, Permission.APPROVE_CLAIMS)
    with unit_of_work(db, actor, "Approved a claim") as uow:
        claim = uow.get(Claim, claim_id)
        uow.check_version(claim, expected_version)
        _decide_check(uow.session, actor, claim, "approve")
        _summarise(uow, f"Approved claim {claim.number} ({pence_text(claim.total_pence)})")
        uow.update(
            claim,
            {"status": ClaimStatus.APPROVED.value, "decided_by_id": actor.user_id, "decided_at": utcnow()},
            expected_version,
        )
        warning = _overspend(uow.session, claim)
    if warning:
        uow.changes.summary += f". Warning: {warning}"
    return uow.changes


def _reason(reason: str | None, what: str) -> str:
    problems = Problems(RECORD)
    text = _check(
        problems, "reason", lambda: clean_multiline(reason, label="The reason", max_length=MAX_REASON)
    )
    if not text and "reason" not in problems.by_field:
        problems.by_field["reason"] = f"Say why the claim is {what}."
    problems.raise_if_any()
    assert text is not None
    return str(text)


def reject_claim(
    db: Database, actor: Actor, claim_id: uuid.UUID, expected_version: int, reason: str
) -> Changes:
    """Reject a submitted claim, saying why (not one the actor made or submitted)."""
    require(actor, Permission.APPROVE_CLAIMS)
    text = _reason(reason, "rejected")
    with unit_of_work(db, actor, "Rejected a claim") as uow:
        claim = uow.get(Claim, claim_id)
        uow.check_version(claim, expected_version)
        _decide_check(uow.session, actor, claim, "reject")
        _summarise(uow, f"Rejected claim {claim.number}: {text}")
        uow.update(
            claim,
            {
                "status": ClaimStatus.REJECTED.value,
                "decided_by_id": actor.user_id,
                "decided_at": utcnow(),
                "rejected_reason": text,
            },
            expected_version,
        )
    return uow.changes


#: How money may be recorded as paid.
PAYMENT_METHODS = tuple(c for c in PaymentChoice if c.pays_claimant)


def mark_paid(
    db: Database,
    actor: Actor,
    claim_id: uuid.UUID,
    expected_version: int,
    paid_on: date | None,
    method: str | None,
    reference: str | None,
    *,
    today: date | None = None,
) -> Changes:
    """Record an approved claim as paid: the date, how (bank transfer, voucher or cash) and a
    reference.  Not by the person who approved it.  For a declined claim nothing is paid:
    the method may be left blank (it is recorded as "decline")."""
    require(actor, Permission.PAY_CLAIMS)
    today = today or date.today()
    with unit_of_work(db, actor, "Recorded a claim as paid") as uow:
        claim = uow.get(Claim, claim_id)
        uow.check_version(claim, expected_version)
        status = ClaimStatus(claim.status)
        if status is ClaimStatus.PAID:
            raise UserError(_locked_message(uow.session, claim, "record it again"))
        if status is not ClaimStatus.APPROVED:
            raise UserError(
                f"Claim {claim.number} is {status.label.lower()}; only an approved claim can be paid."
            )
        if claim.decided_by_id == actor.user_id:
            raise UserError(f"You approved claim {claim.number}, so someone else must record it as paid.")
        problems = Problems(f"Claim {claim.number}")
        if paid_on is None:
            problems.by_field["paid_on"] = "Give the date it was paid."
        elif paid_on > today:
            problems.by_field["paid_on"] = f"The date {_day(paid_on)} is in the future."
        elif claim.decided_at is not None and paid_on < claim.decided_at.astimezone().date():
            problems.by_field["paid_on"] = (
                f"The claim was approved on {_day(claim.decided_at.astimezone().date())}; "
                "it cannot have been paid before that."
            )
        how = str(method or "").strip().lower()
        if claim.choice == PaymentChoice.DECLINE.value and how in ("", PaymentChoice.DECLINE.value):
            how = PaymentChoice.DECLINE.value
        elif how not in {c.value for c in PAYMENT_METHODS}:
            options = ", ".join(c.label.lower() for c in PAYMENT_METHODS)
            problems.by_field["method"] = f"Say how it was paid: {options}."
        ref = _check(
            problems,
            "reference",
            lambda: clean_text(reference, label="The reference", max_length=MAX_REFERENCE),
        )
        problems.raise_if_any()
        _summarise(uow, f"Recorded claim {claim.number} as paid")
        uow.update(
            claim,
            {
                "status": ClaimStatus.PAID.value,
                "paid_on": paid_on,
                "paid_by_id": actor.user_id,
                "payment_method": how,
                "payment_reference": ref,
            },
            expected_version,
        )
    return uow.changes


def reopen_claim(
    db: Database, actor: Actor, claim_id: uuid.UUID, expected_version: int, reason: str
) -> Changes:
    """Put a claim back to draft so it can be changed, saying why; journalled as "Reopened
    claim 2026-014: <reason>".  An approved or paid claim needs APPROVE_CLAIMS to reopen.
    The policy fixed on it stays while its activity date does."""
    require(actor, Permission.EDIT_RECORDS)
    text = _reason(reason, "reopened")
    with unit_of_work(db, actor, "Reopened a claim") as uow:
        claim = uow.get(Claim, claim_id)
        _check_visible(uow.session, actor, claim)
        uow.check_version(claim, expected_version)
        status = ClaimStatus(claim.status)
        if status is ClaimStatus.DRAFT:
            raise UserError(f"Claim {claim.number} is a draft already; edit it.")
        if status.locked:
            require(actor, Permission.APPROVE_CLAIMS)
        _summarise(uow, f"Reopened claim {claim.number}: {text}")
        uow.update(
            claim,
            _BACK_TO_DRAFT
            | {
                "decided_by_id": None,
                "decided_at": None,
                "rejected_reason": None,
                "paid_on": None,
                "paid_by_id": None,
                "payment_method": None,
                "payment_reference": None,
            },
            expected_version,
        )
    return uow.changes


def archive_claim(db: Database, actor: Actor, claim_id: uuid.UUID, expected_version: int) -> Changes:
    """Archive a draft claim made by mistake (undo brings it back)."""
    require(actor, Permission.EDIT_RECORDS)
    with unit_of_work(db, actor, "Archived a claim") as uow:
        claim = uow.get(Claim, claim_id)
        _check_visible(uow.session, actor, claim)
        uow.check_version(claim, expected_version)
        status = ClaimStatus(claim.status)
        if status is not ClaimStatus.DRAFT:
            raise UserError(
                f"Claim {claim.number} is {status.label.lower()}; only a draft can be archived. "
                "Reopen it first."
            )
        _summarise(uow, f"Archived claim {claim.number}")
        uow.archive(claim, expected_version)
    return uow.changes


# -- budgets ----------------------------------------------------------------------------------
def _overspend(session: Session, claim: Claim) -> str | None:
    if claim.budget_id is None:
        return None
    budget = session.get(Budget, claim.budget_id)
    if budget is None:
        return None
    others = session.execute(
        select(Claim.choice, Claim.total_pence, Claim.take_pence).where(
            Claim.budget_id == budget.id,
            Claim.id != claim.id,
            Claim.deleted_at.is_(None),
            Claim.status.in_(COUNTED),
        )
    ).all()
    spent = sum(cost_pence(PaymentChoice(c), t, take) for c, t, take in others)
    this = cost_pence(PaymentChoice(claim.choice), claim.total_pence, claim.take_pence)
    if spent + this <= budget.amount:
        return None
    left = max(budget.amount - spent, 0)
    return (
        f"claim {claim.number} ({pence_text(this)}) would overspend the budget “{budget.name}” by "
        f"{pence_text(spent + this - budget.amount)}: {pence_text(spent)} of its "
        f"{pence_text(budget.amount)} is already approved, paid or awaiting approval, leaving "
        f"{pence_text(left)}."
    )


def overspend_warning(db: Database, claim_id: uuid.UUID) -> str | None:
    """A sentence if the claim, with everything else submitted, approved or paid against its
    budget, would spend more than the budget holds; None otherwise (or with no budget)."""
    with db.read() as session:
        claim = session.get(Claim, claim_id)
        if claim is None:
            raise NotFoundError("That claim no longer exists.")
        warning = _overspend(session, claim)
    return warning[0].upper() + warning[1:] if warning else None


# -- reading ----------------------------------------------------------------------------------
def _links(session: Session, claim_id: uuid.UUID) -> tuple[Sequence[Any], Sequence[Any]]:
    engagements = session.execute(
        select(Engagement.id, Engagement.on_date, Engagement.title)
        .join(ClaimLink, ClaimLink.engagement_id == Engagement.id)
        .where(ClaimLink.claim_id == claim_id, ClaimLink.deleted_at.is_(None))
        .order_by(Engagement.on_date, Engagement.title)
    ).all()
    meetings = session.execute(
        select(Meeting.id, Meeting.on_date, Meeting.title)
        .join(ClaimLink, ClaimLink.meeting_id == Meeting.id)
        .where(ClaimLink.claim_id == claim_id, ClaimLink.deleted_at.is_(None))
        .order_by(Meeting.on_date, Meeting.title)
    ).all()
    return engagements, meetings


def _address(contact: Contact | None) -> str | None:
    if contact is None:
        return None
    parts = [p for p in (contact.address, contact.postcode) if p]
    return "\n".join(parts) or None


def _load_view(session: Session, claim: Claim, *, full_bank: bool) -> ClaimView:
    policy = _pricing_policy(session, claim, claim.activity_date)
    terms = policy.terms if policy is not None else DEFAULT_POLICY
    contact = session.get(Contact, claim.claimant_id)
    items = tuple(
        ItemView(
            id=row.id,
            position=row.position,
            category=Category(row.category),
            description=row.description,
            quantity_centi=row.quantity_centi,
            unit=TimeUnit(row.unit) if row.unit else None,
            rate_pence=row.rate_pence,
            amount_pence=row.amount_pence,
            has_receipt=row.has_receipt,
            needs_receipt=row.category in AT_COST and row.amount_pence > terms.receipt_threshold,
        )
        for row in _live_items(session, claim.id)
    )
    by_category: dict[Category, int] = {}
    for item in items:
        by_category[item.category] = by_category.get(item.category, 0) + item.amount_pence
    engagements, meetings = _links(session, claim.id)
    budget = session.get(Budget, claim.budget_id) if claim.budget_id else None
    organisation = session.scalar(select(Organisation.name).where(Organisation.deleted_at.is_(None)))
    creator = _creator_id(session, claim.id)
    choice = PaymentChoice(claim.choice)
    return ClaimView(
        id=claim.id,
        version=claim.version,
        number=claim.number,
        status=ClaimStatus(claim.status),
        claimant_id=claim.claimant_id,
        claimant_name=contact.name if contact else "",
        claimant_address=_address(contact),
        tier=Tier(claim.tier),
        activity_date=claim.activity_date,
        week_start=week_of(claim.activity_date),
        items=items,
        total_pence=claim.total_pence,
        payable_pence=payable_pence(choice, claim.total_pence, claim.take_pence),
        by_category=by_category,
        choice=choice,
        take_pence=claim.take_pence,
        donate_to=claim.donate_to,
        notes=claim.notes or "",
        budget_id=claim.budget_id,
        budget_name=budget.name if budget else None,
        policy_effective_from=terms.effective_from,
        engagements=tuple((r.id, r.on_date, r.title) for r in engagements),
        meetings=tuple((r.id, r.on_date, r.title) for r in meetings),
        payee_name=claim.payee_name,
        sort_code=claim.sort_code if full_bank else None,
        account_number=claim.account_number if full_bank else None,
        masked_account=mask(claim.account_number),
        submitted_by=_user_name(session, claim.submitted_by_id) if claim.submitted_by_id else None,
        submitted_at=claim.submitted_at,
        decided_by=_user_name(session, claim.decided_by_id) if claim.decided_by_id else None,
        decided_at=claim.decided_at,
        rejected_reason=claim.rejected_reason,
        paid_on=claim.paid_on,
        paid_by=_user_name(session, claim.paid_by_id) if claim.paid_by_id else None,
        payment_method=claim.payment_method,
        payment_reference=claim.payment_reference,
        receipts=tuple(attachments_of(session, TABLE, claim.id)),
        organisation=organisation or "",
        advice=terms.advice,
        archived=claim.deleted_at is not None,
        created_by=_user_name(session, creator) if creator else "",
        created_by_id=creator,
        submitted_by_id=claim.submitted_by_id,
        decided_by_id=claim.decided_by_id,
        paid_by_id=claim.paid_by_id,
        policy_id=claim.policy_id,
        created_at=claim.created_at,
        updated_at=claim.updated_at,
        receipt_threshold=terms.receipt_threshold,
    )


def get_claim(db: Database, claim_id: uuid.UUID, actor: Actor) -> ClaimView:
    """One claim in full, for someone who may see it (PermissionDenied otherwise); bank details
    in full only for those who may record payments."""
    with db.read() as session:
        claim = session.get(Claim, claim_id)
        if claim is None:
            raise NotFoundError("That claim no longer exists.")
        _check_visible(session, actor, claim)
        return _load_view(session, claim, full_bank=_may(actor, Permission.PAY_CLAIMS))


def _row_select() -> Any:
    return (
        select(Claim, Contact.name, Budget.name)
        .join(Contact, Contact.id == Claim.claimant_id)
        .outerjoin(Budget, Budget.id == Claim.budget_id)
        .where(Claim.deleted_at.is_(None))
    )


def _row(claim: Claim, claimant: str, budget: str | None) -> ClaimRow:
    choice = PaymentChoice(claim.choice)
    return ClaimRow(
        id=claim.id,
        version=claim.version,
        number=claim.number,
        status=ClaimStatus(claim.status),
        claimant_name=claimant,
        activity_date=claim.activity_date,
        total_pence=claim.total_pence,
        payable_pence=payable_pence(choice, claim.total_pence, claim.take_pence),
        choice=choice,
        budget_name=budget,
        masked_account=mask(claim.account_number),
        claimant_id=claim.claimant_id,
        tier=Tier(claim.tier),
    )


def _statuses(status: str | ClaimStatus | Iterable[str | ClaimStatus]) -> list[str]:
    values = [status] if isinstance(status, str | ClaimStatus) else list(status)
    return [ClaimStatus(str(s)).value for s in values]


def list_claims(
    db: Database,
    actor: Actor,
    *,
    status: str | ClaimStatus | Iterable[str | ClaimStatus] | None = None,
    claimant_id: uuid.UUID | None = None,
    start: date | None = None,
    end: date | None = None,
    budget_id: uuid.UUID | None = None,
) -> list[ClaimRow]:
    """The claims ``actor`` may see (a volunteer: those they made or submitted), newest activity
    first; ``start``/``end`` bound the activity date (inclusive)."""
    query = _row_select()
    visible = _visible_to(actor)
    if visible is not None:
        query = query.where(visible)
    if status is not None:
        query = query.where(Claim.status.in_(_statuses(status)))
    if claimant_id is not None:
        query = query.where(Claim.claimant_id == claimant_id)
    if start is not None:
        query = query.where(Claim.activity_date >= start)
    if end is not None:
        query = query.where(Claim.activity_date <= end)
    if budget_id is not None:
        query = query.where(Claim.budget_id == budget_id)
    query = query.order_by(Claim.activity_date.desc(), Claim.number.desc())
    with db.read() as session:
        return [_row(*r) for r in session.execute(query)]


def claims_for(
    db: Database,
    *,
    engagement_id: uuid.UUID | None = None,
    meeting_id: uuid.UUID | None = None,
    actor: Actor | None = None,
) -> list[ClaimRow]:
    """The claims made for an engagement or a meeting, by number.  With ``actor``, only those
    they may see."""
    if (engagement_id is None) == (meeting_id is None):
        raise ValueError("name either an engagement or a meeting")
    link = (
        ClaimLink.engagement_id == engagement_id
        if engagement_id is not None
        else ClaimLink.meeting_id == meeting_id
    )
    linked = select(ClaimLink.claim_id).where(link, ClaimLink.deleted_at.is_(None))
    query = _row_select().where(Claim.id.in_(linked)).order_by(Claim.number)
    if actor is not None and (visible := _visible_to(actor)) is not None:
        query = query.where(visible)
    with db.read() as session:
        return [_row(*r) for r in session.execute(query)]


def batch(db: Database, start: date, end: date) -> list[ClaimView]:
    """The payment batch: approved, unpaid claims with activity in [start, end], by number,
    with bank details in full (for whoever pays)."""
    with db.read() as session:
        rows = session.scalars(
            select(Claim)
            .where(
                Claim.deleted_at.is_(None),
                Claim.status == ClaimStatus.APPROVED.value,
                Claim.activity_date >= start,
                Claim.activity_date <= end,
            )
            .order_by(Claim.number)
        ).all()
        return [_load_view(session, claim, full_bank=True) for claim in rows]


def register(db: Database, *, start: date | None = None, end: date | None = None) -> list[ClaimView]:
    """Every claim (not archived), by activity date then number, bank details masked;
    ``start``/``end`` bound the activity date (inclusive)."""
    query = select(Claim).where(Claim.deleted_at.is_(None))
    if start is not None:
        query = query.where(Claim.activity_date >= start)
    if end is not None:
        query = query.where(Claim.activity_date <= end)
    with db.read() as session:
        rows = session.scalars(query.order_by(Claim.activity_date, Claim.number)).all()
        return [_load_view(session, claim, full_bank=False) for claim in rows]


# -- running totals and benefit thresholds ----------------------------------------------------
def _payments(session: Session, claimant_id: uuid.UUID, *, exclude: uuid.UUID | None = None) -> list[Payment]:
    """The person's submitted, approved and paid claims as money received."""
    query = (
        select(
            Claim.id,
            Claim.activity_date,
            Claim.choice,
            Claim.take_pence,
            ClaimItem.category,
            func.sum(ClaimItem.amount_pence),
        )
        .join(ClaimItem, ClaimItem.claim_id == Claim.id)
        .where(
            Claim.claimant_id == claimant_id,
            Claim.deleted_at.is_(None),
            Claim.status.in_(COUNTED),
            ClaimItem.deleted_at.is_(None),
        )
        .group_by(Claim.id, Claim.activity_date, Claim.choice, Claim.take_pence, ClaimItem.category)
    )
    if exclude is not None:
        query = query.where(Claim.id != exclude)
    sums: dict[uuid.UUID, list[Any]] = {}
    for claim_id, day, choice, take, category, amount in session.execute(query):
        entry = sums.setdefault(claim_id, [day, choice, take, 0, 0])
        entry[3 if category == Category.INVOLVEMENT.value else 4] += int(amount or 0)
    return [
        payment(day, earnings, expenses, payable_pence(PaymentChoice(choice), earnings + expenses, take))
        for day, choice, take, earnings, expenses in sums.values()
    ]


def _with_thresholds(
    totals: list[RunningTotal], policies: Sequence[PolicyTerms], *, monthly: bool
) -> list[RunningTotal]:
    out = []
    for t in totals:
        terms = policy_for(policies, t.period_start) or DEFAULT_POLICY
        limit = terms.monthly_threshold if monthly else terms.weekly_threshold
        out.append(dataclasses.replace(t, threshold_pence=limit))
    return out


def person_totals(db: Database, claimant_id: uuid.UUID) -> tuple[list[RunningTotal], list[RunningTotal]]:
    """(weekly, monthly) running totals of what one person received — involvement payments as
    earnings, expenses apart — over their submitted, approved and paid claims, earliest first,
    each against the threshold of the policy in force on the period's first day."""
    with db.read() as session:
        payments = _payments(session, claimant_id)
        policies = _all_policies(session)
    weekly = running_totals(payments, monthly=False, threshold=0)
    monthly = running_totals(payments, monthly=True, threshold=0)
    return (
        _with_thresholds(weekly, policies, monthly=False),
        _with_thresholds(monthly, policies, monthly=True),
    )


def threshold_warning(db: Database, draft: ClaimDraft, *, claim_id: uuid.UUID | None = None) -> str | None:
    """For the form: a warning if this claim's involvement payment would take the person's
    earnings for the week or month of the activity over the policy's threshold, with the pointer
    to welfare-rights advice; None otherwise.  ``claim_id`` is the claim being edited (left out
    of what is already counted).  Lines that cannot be priced are left out."""
    if draft.claimant_id is None or draft.activity_date is None:
        return None
    try:
        tier = Tier(draft.tier)
        choice = PaymentChoice(draft.choice)
    except ValueError:
        return None
    with db.read() as session:
        policy = _policy_on(session, draft.activity_date)
        if claim_id is not None and (current := session.get(Claim, claim_id)) is not None:
            policy = _pricing_policy(session, current, draft.activity_date)
        if policy is None:
            return None
        earnings = expenses = 0
        for entry in draft.items:
            try:
                item = price_item(entry, policy.terms, tier)
            except ClaimProblem:
                continue
            if item.category is Category.INVOLVEMENT:
                earnings += item.amount_pence
            else:
                expenses += item.amount_pence
        take = draft.take_pence
        if take is not None and not 0 < take <= earnings + expenses:
            take = None
        this = payment(
            draft.activity_date, earnings, expenses, payable_pence(choice, earnings + expenses, take)
        )
        if this.earnings_pence <= 0:
            return None
        before = _payments(session, draft.claimant_id, exclude=claim_id)
        name = session.scalar(select(Contact.name).where(Contact.id == draft.claimant_id)) or "This person"
    week, month = week_of(draft.activity_date), month_of(draft.activity_date)
    in_week = this.earnings_pence + sum(p.earnings_pence for p in before if week_of(p.activity_date) == week)
    in_month = this.earnings_pence + sum(
        p.earnings_pence for p in before if month_of(p.activity_date) == month
    )
    terms = policy.terms
    over = []
    if terms.weekly_threshold > 0 and in_week > terms.weekly_threshold:
        over.append(
            f"{pence_text(in_week)} for the week starting {_day(week)} (the weekly threshold is "
            f"{pence_text(terms.weekly_threshold)})"
        )
    if terms.monthly_threshold > 0 and in_month > terms.monthly_threshold:
        over.append(
            f"{pence_text(in_month)} for {month:%B %Y} (the monthly threshold is "
            f"{pence_text(terms.monthly_threshold)})"
        )
    if not over:
        return None
    advice = f" {terms.advice}" if terms.advice else ""
    return (
        f"With this claim, {name}'s involvement payments would come to {' and '.join(over)}. "
        "Involvement payments may count as earnings for benefits: they may decline, take less, take "
        "a voucher or have it donated. A payment belongs to the week of the activity and is never "
        f"split.{advice}"
    )


# -- the timeline -----------------------------------------------------------------------------
def _timeline_items(session: Session, contact_id: uuid.UUID) -> list[timeline.TimelineItem]:
    """The person's claims, at their activity dates."""
    rows = session.scalars(
        select(Claim).where(Claim.claimant_id == contact_id, Claim.deleted_at.is_(None))
    ).all()
    items = []
    for claim in rows:
        choice = PaymentChoice(claim.choice)
        detail = f"{Tier(claim.tier).label}; {choice.label.lower()}"
        if choice is PaymentChoice.DONATE and claim.donate_to:
            detail += f" ({claim.donate_to})"
        items.append(
            timeline.TimelineItem(
                at=timeline.moment(claim.activity_date, claim.created_at),
                kind="claim",
                title=f"Claim {claim.number} ({ClaimStatus(claim.status).label.lower()}): "
                f"{pence_text(claim.total_pence)}",
                detail=detail,
                record_table=TABLE,
                record_id=claim.id,
            )
        )
    return items


if not any(
    getattr(p, "__module__", None) == __name__ and getattr(p, "__name__", None) == "_timeline_items"
    for p in timeline.PROVIDERS
):
    timeline.PROVIDERS.append(_timeline_items)


__all__ = [
    "AT_COST",
    "PAYMENT_METHODS",
    "ClaimDraft",
    "ClaimRow",
    "ClaimView",
    "ItemView",
    "approve_claim",
    "archive_claim",
    "batch",
    "claims_for",
    "clean_account_number",
    "clean_sort_code",
    "cost_pence",
    "get_claim",
    "list_claims",
    "mark_paid",
    "mask",
    "new_claim",
    "new_draft_claim",
    "overspend_warning",
    "payable_pence",
    "payment",
    "person_totals",
    "register",
    "reject_claim",
    "reopen_claim",
    "submit_claim",
    "threshold_warning",
    "update_claim",
]
