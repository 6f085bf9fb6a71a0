"""The reimbursement policy: versions by effective date, the one in force on a day.

A claim is priced by the policy in force on its activity's date (the latest version effective
on or before it) and, once submitted, keeps the version it was priced by (``claims.policy_id``).
So a version that priced a claim past draft is never edited: the organisation adds a new
version from a later date instead.  A version no claim has used may be corrected; the journal
keeps what it said before.

Migration 0006 ships a default version (effective 1 January 2000, typical public-sector
figures) with a fixed id, :data:`DEFAULT_POLICY_ID`; :attr:`PolicyVersion.is_default` says a
version is that row with the shipped figures still unchanged, so the app can mark it as
"edit to your policy".

Every figure is integer pence (mileage in pence a mile); 0 is allowed ("nothing") and, for
the weekly and monthly thresholds, means no threshold is set.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vcsedesk.domain.claims import DEFAULT_POLICY, ClaimStatus, PaymentChoice, PolicyTerms, pence_text
from vcsedesk.domain.errors import NotFoundError, UserError, ValidationError
from vcsedesk.domain.validation import Invalid, Problems, clean_multiline
from vcsedesk.services.base import Actor, Changes, Permission, require, unit_of_work
from vcsedesk.store.database import Database
from vcsedesk.store.models import Claim, ReimbursementPolicy

#: The id migration 0006 gives the shipped default policy.
DEFAULT_POLICY_ID = uuid.uuid5(uuid.UUID("5b0f7a52-3c1e-4d8e-9b0a-6a2f1d7c9e40"), "policy:default")

#: The most any one figure may be (£1,000,000.00): far above any real rate, well inside the
#: 32-bit integer columns, and enough to catch a slip of the keyboard.
MAX_FIGURE = 100_000_000
MAX_ADVICE = 2000
MAX_NOTES = 2000

#: What a person calls each figure, by its field name, for messages.
FIGURE_LABELS = {
    "hourly_rate": "The hourly rate",
    "half_day_rate": "The half-day rate",
    "full_day_rate": "The full-day rate",
    "mileage_rate": "The mileage rate",
    "subsistence_cap": "The subsistence cap",
    "receipt_threshold": "The receipt threshold",
    "weekly_threshold": "The weekly threshold",
    "monthly_threshold": "The monthly threshold",
}

#: The ways of paying a claimant a policy may allow (declining and donating are always offered).
PAYMENT_METHODS = tuple(c for c in PaymentChoice if c.pays_claimant)


@dataclass(frozen=True)
class PolicyVersion:
    """One version of the policy, from ``terms.effective_from`` until the next."""

    id: uuid.UUID
    version: int
    terms: PolicyTerms
    notes: str
    #: The shipped default, its figures not yet changed: the organisation should edit it.
    is_default: bool

    @property
    def effective_from(self) -> date:
        return self.terms.effective_from


def _terms(row: ReimbursementPolicy) -> PolicyTerms:
    return PolicyTerms(
        effective_from=row.effective_from,
        hourly_rate=row.hourly_rate,
        half_day_rate=row.half_day_rate,
        full_day_rate=row.full_day_rate,
        mileage_rate=row.mileage_rate,
        subsistence_cap=row.subsistence_cap,
        receipt_threshold=row.receipt_threshold,
        payment_methods=tuple(PaymentChoice(m) for m in row.payment_methods),
        weekly_threshold=row.weekly_threshold,
        monthly_threshold=row.monthly_threshold,
        advice=row.advice or "",
    )


def _version(row: ReimbursementPolicy) -> PolicyVersion:
    terms = _terms(row)
    return PolicyVersion(
        id=row.id,
        version=row.version,
        terms=terms,
        notes=row.notes or "",
        is_default=row.id == DEFAULT_POLICY_ID and terms == DEFAULT_POLICY,
    )


# -- reading ---------------------------------------------------------------------------------
def list_policies(db: Database) -> list[PolicyVersion]:
    """Every version, the newest effective date first."""
    with db.read() as session:
        rows = session.scalars(
            select(ReimbursementPolicy)
            .where(ReimbursementPolicy.deleted_at.is_(None))
            .order_by(ReimbursementPolicy.effective_from.desc())
        ).all()
        return [_version(row) for row in rows]


def in_force(session: Session, on: date) -> PolicyVersion:
    """:func:`policy_in_force` inside a session already open (a service's unit of work)."""
    row = session.scalars(
        select(ReimbursementPolicy)
        .where(ReimbursementPolicy.effective_from <= on, ReimbursementPolicy.deleted_at.is_(None))
        .order_by(ReimbursementPolicy.effective_from.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFoundError(
            f"No reimbursement policy was in force on {on:%d %b %Y}. Add a version of the policy "
            "effective from that date or earlier."
        )
    return _version(row)


def policy_in_force(db: Database, on: date) -> PolicyVersion:
    """The version in force on ``on``: the latest effective on or before it."""
    with db.read() as session:
        return in_force(session, on)


def get_policy(db: Database, policy_id: uuid.UUID) -> PolicyVersion:
    with db.read() as session:
        row = session.get(ReimbursementPolicy, policy_id)
        if row is None or row.deleted_at is not None:
            raise NotFoundError("That version of the reimbursement policy no longer exists.")
        return _version(row)


# -- checking --------------------------------------------------------------------------------
def _figure(field: str, value: object) -> int:
    label = FIGURE_LABELS[field]
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{label} must be a whole number of pence.")
    if value < 0:
        raise Invalid(f"{label} cannot be negative.")
    if value > MAX_FIGURE:
        raise Invalid(f"{label} must be no more than {pence_text(MAX_FIGURE)}.")
    return value


def _methods(values: object) -> tuple[PaymentChoice, ...]:
    if isinstance(values, str) or not hasattr(values, "__iter__"):
        raise Invalid("Choose at least one way of paying people: bank transfer, voucher or cash.")
    chosen: list[PaymentChoice] = []
    for value in values:
        try:
            method = PaymentChoice(str(value).strip().lower())
        except ValueError:
            raise Invalid(
                f"“{value}” is not a way of paying people; choose bank transfer, voucher or cash."
            ) from None
        if not method.pays_claimant:
            raise Invalid(
                f"“{method.label}” is always offered to everyone; the payment methods are how people "
                "are paid: bank transfer, voucher or cash."
            )
        if method not in chosen:
            chosen.append(method)
    if not chosen:
        raise Invalid("Choose at least one way of paying people: bank transfer, voucher or cash.")
    return tuple(sorted(chosen, key=PAYMENT_METHODS.index))


def validate_terms(terms: PolicyTerms, notes: str | None = "") -> tuple[PolicyTerms, str]:
    """The terms and notes tidied, or ValidationError naming every field that is wrong
    (``effective_from``, ``hourly_rate``, …, ``payment_methods``, ``advice``, ``notes``).

    Pure: a form may call it as the person types.
    """
    p = Problems("The reimbursement policy")
    figures: dict[str, Any] = {}
    for field in FIGURE_LABELS:
        value = p.check(field, functools.partial(_figure, field, getattr(terms, field)))
        if value is not None:
            figures[field] = value
    methods = p.check("payment_methods", lambda: _methods(terms.payment_methods))
    advice = p.check(
        "advice", lambda: clean_multiline(terms.advice, label="The advice", max_length=MAX_ADVICE)
    )
    cleaned_notes = p.check("notes", lambda: clean_multiline(notes, label="Notes", max_length=MAX_NOTES))
    if not advice and "advice" not in p.by_field:
        p.by_field["advice"] = (
            "Say where people can get independent welfare-rights advice (for example Citizens Advice)."
        )
    p.raise_if_any()
    assert methods is not None
    tidy = replace(
        terms,
        **figures,
        payment_methods=methods,
        advice=advice or "",
    )
    return tidy, cleaned_notes or ""


def _refuse_taken(session: Session, on: date, exclude: uuid.UUID | None) -> None:
    query = select(ReimbursementPolicy.id).where(ReimbursementPolicy.effective_from == on)
    if exclude is not None:
        query = query.where(ReimbursementPolicy.id != exclude)
    if session.scalar(query.limit(1)) is not None:
        raise _taken(on)


def _taken(on: date) -> ValidationError:
    return ValidationError(
        {
            "effective_from": f"There is already a version of the policy from {on:%d %b %Y}; "
            "edit that one or choose another date."
        },
        record="The reimbursement policy",
    )


def _values(terms: PolicyTerms, notes: str) -> dict[str, object]:
    return {
        "effective_from": terms.effective_from,
        "hourly_rate": terms.hourly_rate,
        "half_day_rate": terms.half_day_rate,
        "full_day_rate": terms.full_day_rate,
        "mileage_rate": terms.mileage_rate,
        "subsistence_cap": terms.subsistence_cap,
        "receipt_threshold": terms.receipt_threshold,
        "payment_methods": [m.value for m in terms.payment_methods],
        "weekly_threshold": terms.weekly_threshold,
        "monthly_threshold": terms.monthly_threshold,
        "advice": terms.advice,
        "notes": notes,
    }


# -- changing --------------------------------------------------------------------------------
def add_policy(db: Database, actor: Actor, terms: PolicyTerms, notes: str = "") -> Changes:
    """A new version of the policy, in force from ``terms.effective_from`` until the next."""
    require(actor, Permission.MANAGE_POLICY)
    tidy, notes = validate_terms(terms, notes)
    on = tidy.effective_from
    try:
        with unit_of_work(
            db, actor, f"Added a version of the reimbursement policy from {on:%d %b %Y}"
        ) as uow:
            _refuse_taken(uow.session, on, None)
            uow.add(ReimbursementPolicy(**_values(tidy, notes)))
    except IntegrityError:  # another copy added one for that date between our check and write
        raise _taken(on) from None
    return uow.changes


def update_policy(
    db: Database,
    actor: Actor,
    policy_id: uuid.UUID,
    expected_version: int,
    terms: PolicyTerms,
    notes: str,
) -> Changes:
    """Correct a version no claim past draft was priced by; otherwise refused, naming a claim."""
    require(actor, Permission.MANAGE_POLICY)
    tidy, notes = validate_terms(terms, notes)
    try:
        with unit_of_work(db, actor, "Changed the reimbursement policy") as uow:
            row = uow.get(ReimbursementPolicy, policy_id)
            uow.check_version(row, expected_version)
            described = row.describe()
            _refuse_used(uow.session, row)
            if tidy.effective_from != row.effective_from:
                _refuse_taken(uow.session, tidy.effective_from, row.id)
            uow.summary = uow.changes.summary = f"Changed the {described[0].lower()}{described[1:]}"
            uow.update(row, _values(tidy, notes), expected_version, summary=uow.summary)
    except IntegrityError:
        raise _taken(tidy.effective_from) from None
    return uow.changes


def _used_by(session: Session, row: ReimbursementPolicy) -> str | None:
    """Why ``row`` may not be edited (a claim past draft was priced by it), or None."""
    used = (Claim.policy_id == row.id, Claim.status != ClaimStatus.DRAFT.value)
    first = session.execute(
        select(Claim.number, Claim.status)
        .where(*used)
        .order_by(Claim.submitted_at.desc().nulls_last(), Claim.number.desc())
        .limit(1)
    ).first()
    if first is None:
        return None
    count = session.scalar(select(func.count()).select_from(Claim).where(*used)) or 0
    number, status = first
    others = count - 1
    also = ""
    if others == 1:
        also = " and 1 other claim"
    elif others > 1:
        also = f" and {others} other claims"
    return (
        f"The reimbursement policy from {row.effective_from:%d %b %Y} was used by {status} claim "
        f"{number}{also}, so it cannot be changed; add a new version from a later date instead."
    )


def _refuse_used(session: Session, row: ReimbursementPolicy) -> None:
    reason = _used_by(session, row)
    if reason is not None:
        raise UserError(reason)


def edit_refusals(db: Database) -> dict[uuid.UUID, str]:
    """The versions :func:`update_policy` would refuse to edit, each with its refusal."""
    with db.read() as session:
        used = set(
            session.scalars(
                select(Claim.policy_id)
                .where(Claim.policy_id.is_not(None), Claim.status != ClaimStatus.DRAFT.value)
                .distinct()
            )
        )
        out: dict[uuid.UUID, str] = {}
        for policy_id in used:
            row = session.get(ReimbursementPolicy, policy_id)
            reason = _used_by(session, row) if row is not None else None
            if reason is not None and policy_id is not None:
                out[policy_id] = reason
        return out
