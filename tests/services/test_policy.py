"""Reimbursement policy service: the shipped default, versions by effective date, the version in
force on boundary dates, validation naming fields, permissions, and no edit of a version that
priced a claim past draft."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from vcsedesk.domain.claims import DEFAULT_POLICY, PaymentChoice, PolicyTerms
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.errors import ConflictError, NotFoundError, PermissionDenied, UserError, ValidationError
from vcsedesk.services import contacts, people, policy
from vcsedesk.services.base import Actor, undo_last, unit_of_work
from vcsedesk.store.database import Database
from vcsedesk.store.models import Claim, JournalEntry, ReimbursementPolicy

SEEDED_ID = uuid.uuid5(uuid.UUID("5b0f7a52-3c1e-4d8e-9b0a-6a2f1d7c9e40"), "policy:default")

APRIL_2025 = replace(DEFAULT_POLICY, effective_from=date(2025, 4, 1), hourly_rate=2000, mileage_rate=40)
APRIL_2026 = replace(
    DEFAULT_POLICY,
    effective_from=date(2026, 4, 1),
    hourly_rate=3000,
    half_day_rate=9000,
    full_day_rate=18000,
    payment_methods=(PaymentChoice.VOUCHER, PaymentChoice.BANK_TRANSFER),
)


def actor_with_role(db: Database, admin: Actor, role: str, name: str) -> Actor:
    (user_id,) = people.add_user(db, admin, name=name, role=role).created["users"]
    return people.actor_for(db, user_id, admin.device_id)


def claim(db: Database, admin: Actor, policy_id: uuid.UUID, status: str, number: str) -> uuid.UUID:
    """A claim priced by ``policy_id``, written directly (the claims service is elsewhere)."""
    (contact_id,) = contacts.create_contact(
        db, admin, ContactDraft(given_name="Aisha", family_name="Rahman")
    ).created["contacts"]
    with unit_of_work(db, admin, "A test claim") as uow:
        row = uow.add(
            Claim(
                number=number,
                claimant_id=contact_id,
                tier="ongoing",
                activity_date=date(2026, 3, 3),
                status=status,
                policy_id=policy_id,
                total_pence=7500,
            )
        )
    return row.id


def policy_rows(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(ReimbursementPolicy)) or 0)


def test_the_shipped_default_is_present_and_marked(db: Database) -> None:
    (only,) = policy.list_policies(db)
    assert only.id == SEEDED_ID == policy.DEFAULT_POLICY_ID
    assert only.is_default is True
    assert only.terms == DEFAULT_POLICY
    assert only.effective_from == date(2000, 1, 1)
    assert only.terms.payment_methods == (
        PaymentChoice.BANK_TRANSFER,
        PaymentChoice.VOUCHER,
        PaymentChoice.CASH,
    )
    assert "Shipped default" in only.notes
    assert policy.policy_in_force(db, date(2026, 6, 1)) == only


def test_versions_are_listed_newest_first_and_in_force_from_their_date(db: Database, admin: Actor) -> None:
    policy.add_policy(db, admin, APRIL_2026, "New rates agreed by the board")
    policy.add_policy(db, admin, APRIL_2025)
    listed = policy.list_policies(db)
    assert [v.effective_from for v in listed] == [date(2026, 4, 1), date(2025, 4, 1), date(2000, 1, 1)]
    assert [v.is_default for v in listed] == [False, False, True]
    assert listed[0].notes == "New rates agreed by the board"
    # Methods are kept in the app's order, whatever order they were ticked in.
    assert listed[0].terms == replace(
        APRIL_2026, payment_methods=(PaymentChoice.BANK_TRANSFER, PaymentChoice.VOUCHER)
    )

    def rate(on: date) -> int:
        return policy.policy_in_force(db, on).terms.hourly_rate

    assert rate(date(2000, 1, 1)) == 2500  # the first day of the default
    assert rate(date(2025, 3, 31)) == 2500
    assert rate(date(2025, 4, 1)) == 2000  # a version is in force from its own date
    assert rate(date(2026, 3, 31)) == 2000
    assert rate(date(2026, 4, 1)) == 3000
    assert rate(date(2099, 12, 31)) == 3000
    with pytest.raises(NotFoundError, match="No reimbursement policy was in force on 31 Dec 1999"):
        policy.policy_in_force(db, date(1999, 12, 31))


def test_a_second_version_for_the_same_date_is_refused(db: Database, admin: Actor) -> None:
    policy.add_policy(db, admin, APRIL_2025)
    with pytest.raises(ValidationError) as caught:
        policy.add_policy(db, admin, replace(APRIL_2025, hourly_rate=9999))
    assert set(caught.value.problems) == {"effective_from"}
    assert "already a version of the policy from 01 Apr 2025" in caught.value.problems["effective_from"]
    assert policy_rows(db) == 2
    # Nor may an edit move a version onto another's date.
    v2025 = policy.policy_in_force(db, date(2025, 4, 1))
    with pytest.raises(ValidationError) as caught:
        policy.update_policy(
            db, admin, v2025.id, v2025.version, replace(v2025.terms, effective_from=date(2000, 1, 1)), ""
        )
    assert set(caught.value.problems) == {"effective_from"}


def test_every_bad_figure_is_named_against_its_field_and_nothing_is_written(
    db: Database, admin: Actor
) -> None:
    bad = PolicyTerms(
        effective_from=date(2026, 4, 1),
        hourly_rate=-1,
        half_day_rate=7500,
        full_day_rate=200_000_000,
        mileage_rate=45,
        subsistence_cap=-500,
        receipt_threshold=1000,
        payment_methods=(),
        weekly_threshold=-1,
        monthly_threshold=0,  # no threshold: allowed
        advice="   ",
    )
    with pytest.raises(ValidationError) as caught:
        policy.add_policy(db, admin, bad, "x" * 2001)
    problems = caught.value.problems
    assert set(problems) == {
        "hourly_rate",
        "full_day_rate",
        "subsistence_cap",
        "payment_methods",
        "weekly_threshold",
        "advice",
        "notes",
    }
    assert problems["hourly_rate"] == "The hourly rate cannot be negative."
    assert problems["full_day_rate"] == "The full-day rate must be no more than £1,000,000.00."
    assert problems["subsistence_cap"] == "The subsistence cap cannot be negative."
    assert "bank transfer, voucher or cash" in problems["payment_methods"]
    assert "welfare-rights advice" in problems["advice"]
    assert problems["notes"] == "Notes is too long (2001 characters; at most 2000)."
    assert str(caught.value).startswith("The reimbursement policy could not be saved.")
    assert policy_rows(db) == 1

    with pytest.raises(ValidationError) as caught:
        policy.add_policy(db, admin, replace(APRIL_2025, payment_methods=(PaymentChoice.DECLINE,)))
    assert "always offered" in caught.value.problems["payment_methods"]
    with pytest.raises(ValidationError) as caught:
        policy.add_policy(db, admin, replace(APRIL_2025, payment_methods=("cheque",)))  # type: ignore[arg-type]
    assert "“cheque” is not a way of paying people" in caught.value.problems["payment_methods"]
    assert policy_rows(db) == 1


def test_only_administrators_and_coordinators_may_change_the_policy(db: Database, admin: Actor) -> None:
    coordinator = actor_with_role(db, admin, "coordinator", "Jo Coordinator")
    for role, name in (("volunteer", "Vic Volunteer"), ("staff", "Stella Staff")):
        someone = actor_with_role(db, admin, role, name)
        with pytest.raises(
            PermissionDenied, match=f"{name} is a {role} and may not change the reimbursement"
        ):
            policy.add_policy(db, someone, APRIL_2025)
        default = policy.list_policies(db)[0]
        with pytest.raises(PermissionDenied):
            policy.update_policy(db, someone, default.id, default.version, APRIL_2025, "")
    assert policy_rows(db) == 1
    policy.add_policy(db, coordinator, APRIL_2025)
    assert policy_rows(db) == 2


def test_editing_the_default_is_journalled_unmarks_it_and_can_be_undone(db: Database, admin: Actor) -> None:
    default = policy.list_policies(db)[0]
    ours = replace(default.terms, hourly_rate=3000, advice="Call the Riverside welfare-rights line.")
    changes = policy.update_policy(db, admin, default.id, default.version, ours, "Our own rates")
    assert changes.summary == "Changed the reimbursement policy from 01 Jan 2000"
    edited = policy.list_policies(db)[0]
    assert edited.id == SEEDED_ID and edited.terms == ours and edited.notes == "Our own rates"
    assert edited.is_default is False  # no longer the shipped figures
    with db.read() as s:
        entry = s.scalars(
            select(JournalEntry)
            .where(JournalEntry.table_name == "reimbursement_policies", JournalEntry.operation == "update")
            .order_by(JournalEntry.seq.desc())
        ).first()
        assert entry is not None
        assert entry.changes["hourly_rate"] == [2500, 3000]
        assert entry.actor_id == admin.user_id
    # A stale edit is refused, not silently applied.
    with pytest.raises(ConflictError):
        policy.update_policy(db, admin, default.id, default.version, default.terms, "")
    undo_last(db, admin)
    back = policy.list_policies(db)[0]
    assert back.terms == DEFAULT_POLICY and back.is_default is True


def test_a_version_that_priced_a_submitted_claim_is_not_edited(db: Database, admin: Actor) -> None:
    default = policy.list_policies(db)[0]
    claim(db, admin, default.id, "draft", "2026-013")
    # A draft does not hold the policy: it is priced when submitted.
    policy.update_policy(db, admin, default.id, default.version, replace(default.terms, mileage_rate=50), "")
    default = policy.list_policies(db)[0]
    assert policy.edit_refusals(db) == {}
    claim(db, admin, default.id, "submitted", "2026-014")
    with pytest.raises(UserError) as caught:
        policy.update_policy(
            db, admin, default.id, default.version, replace(default.terms, mileage_rate=60), ""
        )
    assert not isinstance(caught.value, ValidationError | ConflictError)
    assert str(caught.value) == (
        "The reimbursement policy from 01 Jan 2000 was used by submitted claim 2026-014, so it "
        "cannot be changed; add a new version from a later date instead."
    )
    claim(db, admin, default.id, "paid", "2026-015")
    with pytest.raises(UserError, match="and 1 other claim, so it cannot be changed") as again:
        policy.update_policy(db, admin, default.id, default.version, default.terms, "notes only")
    assert policy.edit_refusals(db) == {default.id: str(again.value)}
    assert policy.list_policies(db)[0].terms.mileage_rate == 50
    assert policy.list_policies(db)[0].version == default.version
    # The way forward works: a new version from a later date.
    policy.add_policy(db, admin, replace(default.terms, effective_from=date(2026, 4, 1), mileage_rate=60))
    assert policy.policy_in_force(db, date(2026, 4, 1)).terms.mileage_rate == 60
    assert policy.policy_in_force(db, date(2026, 3, 31)).terms.mileage_rate == 50
