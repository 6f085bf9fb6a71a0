"""Claims service: priced by the policy of the activity's date, validated field by field,
approved and paid by separate people, locked once approved, private to those who made them."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from vcsedesk.domain.claims import Category, ClaimStatus, ItemEntry, PaymentChoice, Tier, TimeUnit
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.engagement import EngagementDraft
from vcsedesk.domain.errors import ConflictError, PermissionDenied, UserError, ValidationError
from vcsedesk.services import claims, contacts, engagements, meetings, people, timeline
from vcsedesk.services.base import Actor, Role, undo_last, unit_of_work
from vcsedesk.services.claims import ClaimDraft
from vcsedesk.store.database import Database
from vcsedesk.store.models import (
    Budget,
    Claim,
    ClaimItem,
    EngagementType,
    JournalEntry,
    ReimbursementPolicy,
)

TODAY = date(2026, 6, 1)
ACTIVITY = date(2026, 5, 12)  # a Tuesday; its week starts on Monday 11 May


def person(
    db: Database, admin: Actor, given: str = "Aisha", family: str = "Rahman", **more: str
) -> uuid.UUID:
    draft = ContactDraft(given_name=given, family_name=family, **more)  # type: ignore[arg-type]
    (cid,) = contacts.create_contact(db, admin, draft).created["contacts"]
    return cid


def user(db: Database, admin: Actor, name: str, role: Role) -> Actor:
    people.add_user(db, admin, name=name, role=role.value)
    info = next(u for u in people.list_users(db) if u.name == name)
    return people.actor_for(db, info.id, None)


def budget(
    db: Database,
    admin: Actor,
    amount: int,
    name: str = "Lottery 2026",
    starts: date = date(2026, 1, 1),
    ends: date = date(2026, 12, 31),
) -> uuid.UUID:
    with unit_of_work(db, admin, f"Added budget {name}") as uow:
        row = uow.add(
            Budget(name=name, funder="National Lottery", starts_on=starts, ends_on=ends, amount=amount)
        )
    return row.id


def add_policy(db: Database, admin: Actor, effective: date, **over: object) -> uuid.UUID:
    values: dict[str, object] = {
        "effective_from": effective,
        "hourly_rate": 3000,
        "half_day_rate": 9000,
        "full_day_rate": 18000,
        "mileage_rate": 50,
        "subsistence_cap": 1500,
        "receipt_threshold": 2000,
        "payment_methods": ["bank_transfer", "voucher", "cash"],
        "weekly_threshold": 10000,
        "monthly_threshold": 40000,
        "advice": "Ring the welfare-rights line.",
    }
    values.update(over)
    with unit_of_work(db, admin, f"Added a policy from {effective}") as uow:
        row = uow.add(ReimbursementPolicy(**values))
    return row.id


LINES = (
    ItemEntry("involvement", "Panel meeting", quantity_centi=250, unit="hour"),  # 2.5 h × £25 = £62.50
    ItemEntry("mileage", "Home to the hub", quantity_centi=1234),  # 12.34 mi × 45p = £5.553 → £5.55
    ItemEntry("fares", "Bus", cost_pence=1250, has_receipt=True),  # over £10: needs a receipt
)


def claim_draft(claimant: uuid.UUID, **over: object) -> ClaimDraft:
    values: dict[str, object] = {
        "claimant_id": claimant,
        "tier": "ongoing",
        "activity_date": ACTIVITY,
        "items": LINES,
    }
    values.update(over)
    return ClaimDraft(**values)  # type: ignore[arg-type]


def new(db: Database, actor: Actor, draft: ClaimDraft, today: date = TODAY) -> uuid.UUID:
    (cid,) = claims.new_claim(db, actor, draft, today=today).created["claims"]
    return cid


def version(db: Database, claim_id: uuid.UUID, actor: Actor) -> int:
    return claims.get_claim(db, claim_id, actor).version


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def engagement(db: Database, admin: Actor, title: str = "Drop-in at the library") -> uuid.UUID:
    with db.read() as session:
        drop_in = session.scalar(select(EngagementType.id).where(EngagementType.name == "Drop-in"))
    assert drop_in is not None
    draft = EngagementDraft(title=title, type_id=drop_in, on_date=ACTIVITY, anonymous_count=3)
    (eid,) = engagements.add_engagement(db, admin, draft, today=TODAY).created["engagements"]
    return eid


# -- pricing, numbering, reading --------------------------------------------------------------
def test_a_claim_is_priced_to_the_penny_numbered_and_read_back(db: Database, admin: Actor) -> None:
    aisha = person(db, admin, address="1 High Street", postcode="e1 6an")
    eid = engagement(db, admin)
    changes = claims.new_claim(
        db,
        admin,
        claim_draft(aisha, engagement_ids=(eid,), sort_code="12-34-56", account_number="12345678"),
        today=TODAY,
    )
    (claim_id,) = changes.created["claims"]
    assert len(changes.created["claim_items"]) == 3 and len(changes.created["claim_links"]) == 1
    view = claims.get_claim(db, claim_id, admin)
    assert view.number == "2026-001" and view.status is ClaimStatus.DRAFT
    assert [(i.category, i.quantity_centi, i.rate_pence, i.amount_pence) for i in view.items] == [
        (Category.INVOLVEMENT, 250, 2500, 6250),
        (Category.MILEAGE, 1234, 45, 555),
        (Category.FARES, 100, 1250, 1250),
    ]
    assert view.items[0].unit is TimeUnit.HOUR and [i.needs_receipt for i in view.items] == [
        False,
        False,
        True,
    ]
    assert view.total_pence == 8055 == view.payable_pence
    assert view.by_category == {Category.INVOLVEMENT: 6250, Category.MILEAGE: 555, Category.FARES: 1250}
    assert view.tier is Tier.ONGOING and view.week_start == date(2026, 5, 11)
    assert view.claimant_name == "Aisha Rahman" and view.claimant_address == "1 High Street\nE1 6AN"
    assert view.policy_effective_from == date(2000, 1, 1) and "Citizens Advice" in view.advice
    assert view.organisation == "Riverside Community Voices"
    assert view.engagements == ((eid, ACTIVITY, "Drop-in at the library"),)
    assert (view.sort_code, view.account_number, view.masked_account) == ("12-34-56", "12345678", "****5678")
    assert view.created_by == "Sam Patel" and view.submitted_by is None
    assert view.as_draft().items == LINES
    with db.read() as session:
        sets = set(
            session.scalars(select(JournalEntry.change_set).where(JournalEntry.table_name.like("claim%")))
        )
    assert sets == {changes.change_set}  # the claim, its lines and links: one change

    second = new(db, admin, claim_draft(aisha, items=()))
    next_year = new(db, admin, claim_draft(aisha, items=()), today=date(2027, 1, 4))
    assert claims.get_claim(db, second, admin).number == "2026-002"
    assert claims.get_claim(db, next_year, admin).number == "2027-001"
    rows = claims.list_claims(db, admin)
    assert [r.number for r in rows] == ["2027-001", "2026-002", "2026-001"]  # newest activity, then number
    first = next(r for r in rows if r.id == claim_id)
    assert (first.total_pence, first.payable_pence, first.masked_account, first.claimant_name) == (
        8055,
        8055,
        "****5678",
        "Aisha Rahman",
    )


def test_every_field_problem_is_named_and_nothing_is_written(db: Database, admin: Actor) -> None:
    aisha = person(db, admin)
    (org,) = contacts.create_contact(db, admin, ContactDraft(kind="organisation", name="GP Surgery")).created[
        "contacts"
    ]
    with pytest.raises(ValidationError) as caught:
        claims.new_claim(
            db, admin, ClaimDraft(claimant_id=None, tier="vip", activity_date=date(2026, 6, 2)), today=TODAY
        )
    assert set(caught.value.problems) == {"claimant_id", "tier", "activity_date"}
    assert "in the future" in caught.value.problems["activity_date"]
    with pytest.raises(ValidationError) as caught:
        claims.new_claim(db, admin, claim_draft(org), today=TODAY)
    assert "GP Surgery is an organisation" in caught.value.problems["claimant_id"]

    lottery = budget(db, admin, 10_000, starts=date(2026, 6, 1))
    with pytest.raises(ValidationError) as caught:
        claims.new_claim(
            db,
            admin,
            claim_draft(
                aisha,
                items=(
                    ItemEntry("mileage", quantity_centi=100),
                    ItemEntry("involvement", quantity_centi=100),  # no unit
                    ItemEntry("subsistence", cost_pence=1001),  # over the £10 cap
                    ItemEntry("fares"),  # no cost
                    ItemEntry("telepathy", cost_pence=100),
                ),
                take_pence=100_000,
                sort_code="12-34-5",
                account_number="1234567",
                budget_id=lottery,
                choice="donate",
                donate_to="  ",
            ),
            today=TODAY,
        )
    problems = caught.value.problems
    assert set(problems) == {
        "items[1]",
        "items[2]",
        "items[3]",
        "items[4]",
        "take_pence",
        "donate_to",
        "sort_code",
        "account_number",
        "budget_id",
    }
    assert problems["items[2]"] == "Subsistence is paid up to £10.00; £10.01 was entered."
    assert "hour, half day or full day" in problems["items[1]"]
    assert "runs from 1 Jun 2026" in problems["budget_id"]
    assert "6 digits" in problems["sort_code"] and "8 digits" in problems["account_number"]
    assert "charity" in problems["donate_to"].lower()
    assert count(db, Claim) == 0 and count(db, ClaimItem) == 0


def test_bank_details_are_tidied_and_go_together(db: Database, admin: Actor) -> None:
    aisha = person(db, admin)
    for typed in ("12-34-56", "123456", "12 34 56"):
        cid = new(db, admin, claim_draft(aisha, sort_code=typed, account_number=" 1234 5678 "))
        view = claims.get_claim(db, cid, admin)
        assert (view.sort_code, view.account_number) == ("12-34-56", "12345678")
    with pytest.raises(ValidationError) as caught:
        claims.new_claim(db, admin, claim_draft(aisha, sort_code="12-34-56"), today=TODAY)
    assert set(caught.value.problems) == {"account_number"}
    with pytest.raises(ValidationError) as caught:
        claims.new_claim(db, admin, claim_draft(aisha, account_number="12345678"), today=TODAY)
    assert set(caught.value.problems) == {"sort_code"}


def test_a_public_event_with_a_line_is_refused_with_the_domains_reason(db: Database, admin: Actor) -> None:
    aisha = person(db, admin)
    with pytest.raises(ValidationError) as caught:
        claims.new_claim(db, admin, claim_draft(aisha, tier="public_event"), today=TODAY)
    assert set(caught.value.problems) == {"tier"}
    assert caught.value.problems["tier"].startswith("Nothing is paid for a public event.")
    # One-off involvement pays expenses only: the involvement line is refused, beside it.
    with pytest.raises(ValidationError) as caught:
        claims.new_claim(db, admin, claim_draft(aisha, tier="one_off"), today=TODAY)
    assert set(caught.value.problems) == {"items[0]"}
    assert "ongoing involvement" in caught.value.problems["items[0]"]
    # With no lines a public event may be recorded, but there is nothing to submit.
    cid = new(db, admin, claim_draft(aisha, tier="public_event", items=()))
    with pytest.raises(ValidationError) as caught:
        claims.submit_claim(db, admin, cid, version(db, cid, admin), today=TODAY)
    assert "Nothing is paid for a public event" in caught.value.problems["items"]


def test_the_choice_must_be_one_the_policy_allows_and_decline_or_donate_always_are(
    db: Database, admin: Actor
) -> None:
    aisha = person(db, admin)
    add_policy(db, admin, date(2026, 1, 1), payment_methods=["bank_transfer"])
    with pytest.raises(ValidationError) as caught:
        claims.new_claim(db, admin, claim_draft(aisha, choice="voucher"), today=TODAY)
    assert set(caught.value.problems) == {"choice"}
    assert "does not pay by voucher" in caught.value.problems["choice"]
    # Under the older policy (before 2026) vouchers were allowed.
    new(db, admin, claim_draft(aisha, choice="voucher", activity_date=date(2025, 12, 31)))
    declined = new(db, admin, claim_draft(aisha, choice="decline"))
    donated = new(db, admin, claim_draft(aisha, choice="donate", donate_to="Food bank"))
    view = claims.get_claim(db, declined, admin)
    assert view.choice is PaymentChoice.DECLINE and view.payable_pence == 0 and view.cost_pence == 0
    view = claims.get_claim(db, donated, admin)
    total = view.total_pence
    assert (view.payable_pence, view.donated_pence, view.cost_pence) == (0, total, total)
    assert view.donate_to == "Food bank" and view.payee == "Food bank"
    with pytest.raises(ValidationError) as caught:
        claims.new_claim(db, admin, claim_draft(aisha, choice="cheque"), today=TODAY)
    assert set(caught.value.problems) == {"choice"}


def test_taking_less_is_between_a_penny_and_the_total(db: Database, admin: Actor) -> None:
    aisha = person(db, admin)
    for take in (0, -5, 8056):
        with pytest.raises(ValidationError) as caught:
            claims.new_claim(db, admin, claim_draft(aisha, take_pence=take), today=TODAY)
        assert set(caught.value.problems) == {"take_pence"}
        assert "£80.55" in caught.value.problems["take_pence"]
    with pytest.raises(ValidationError) as caught:
        claims.new_claim(db, admin, claim_draft(aisha, take_pence=100, choice="decline"), today=TODAY)
    assert set(caught.value.problems) == {"take_pence"}
    with pytest.raises(ValidationError) as caught:
        claims.new_claim(db, admin, claim_draft(aisha, items=(), take_pence=100), today=TODAY)
    assert set(caught.value.problems) == {"take_pence"}
    # Mistakes, not claims: refused before they could overflow a column.
    with pytest.raises(ValidationError) as caught:
        claims.new_claim(
            db,
            admin,
            claim_draft(
                aisha,
                items=(
                    ItemEntry("mileage", quantity_centi=10**12),
                    ItemEntry("fares", cost_pence=10**12),
                    ItemEntry("involvement", quantity_centi=1_000_000, unit="full_day"),  # £1.5m
                    ItemEntry("parking", "x" * 201, cost_pence=100),
                ),
            ),
            today=TODAY,
        )
    assert set(caught.value.problems) == {"items[0]", "items[1]", "items[2]", "items[3]"}
    assert "at most £100,000.00" in caught.value.problems["items[2]"]
    for take in (1, 8055, 4000):
        cid = new(db, admin, claim_draft(aisha, take_pence=take))
        view = claims.get_claim(db, cid, admin)
        assert (view.total_pence, view.payable_pence, view.take_pence) == (8055, take, take)


# -- the workflow -----------------------------------------------------------------------------
def test_approval_and_payment_are_by_other_people_and_approved_claims_are_locked(
    db: Database, admin: Actor
) -> None:
    aisha = person(db, admin)
    coordinator = user(db, admin, "Chris Coordinator", Role.COORDINATOR)
    staff = user(db, admin, "Pat Staff", Role.STAFF)
    cid = new(db, admin, claim_draft(aisha))
    claims.submit_claim(db, admin, cid, version(db, cid, admin), today=TODAY)
    with pytest.raises(UserError, match=r"^You submitted claim 2026-001, so someone else must approve it\.$"):
        claims.approve_claim(db, admin, cid, version(db, cid, admin))
    with pytest.raises(PermissionDenied):
        claims.approve_claim(db, staff, cid, version(db, cid, admin))

    # Made by the coordinator, submitted by someone else: still not theirs to approve.
    theirs = new(db, coordinator, claim_draft(aisha))
    claims.submit_claim(db, admin, theirs, version(db, theirs, admin), today=TODAY)
    with pytest.raises(UserError, match=r"^You made claim 2026-002, so someone else must approve it\.$"):
        claims.approve_claim(db, coordinator, theirs, version(db, theirs, admin))

    changes = claims.approve_claim(db, coordinator, cid, version(db, cid, admin))
    assert changes.summary == "Approved claim 2026-001 (£80.55)"
    view = claims.get_claim(db, cid, admin)
    assert view.status is ClaimStatus.APPROVED and view.decided_by == "Chris Coordinator"
    assert view.decided_at is not None and view.locked

    with pytest.raises(
        UserError, match=r"^You approved claim 2026-001, so someone else must record it as paid\.$"
    ):
        claims.mark_paid(db, coordinator, cid, view.version, TODAY, "bank_transfer", "BACS 1", today=TODAY)
    local = view.decided_at.astimezone()
    expected = (
        f"Claim 2026-001 was approved by Chris Coordinator at {local:%H:%M} on "
        f"{local.day} {local:%b %Y}; reopen it to edit."
    )
    with pytest.raises(UserError) as refused:
        claims.update_claim(db, admin, cid, view.version, claim_draft(aisha, items=LINES[:1]), today=TODAY)
    assert str(refused.value) == expected

    paid_on = max(TODAY, local.date())
    claims.mark_paid(db, staff, cid, view.version, paid_on, "bank_transfer", "BACS 0042", today=paid_on)
    view = claims.get_claim(db, cid, admin)
    assert (view.status, view.paid_by, view.paid_on, view.payment_method, view.payment_reference) == (
        ClaimStatus.PAID,
        "Pat Staff",
        paid_on,
        "bank_transfer",
        "BACS 0042",
    )
    with pytest.raises(UserError, match=r"was paid by Pat Staff on .*; reopen it to edit\."):
        claims.update_claim(db, admin, cid, view.version, claim_draft(aisha), today=TODAY)
    # Reopening a locked claim is a decision: staff may not; a reason is required.
    with pytest.raises(PermissionDenied):
        claims.reopen_claim(db, staff, cid, view.version, "Wrong mileage")
    with pytest.raises(ValidationError) as caught:
        claims.reopen_claim(db, admin, cid, view.version, "  ")
    assert set(caught.value.problems) == {"reason"}
    changes = claims.reopen_claim(db, admin, cid, view.version, "Wrong mileage")
    assert changes.summary == "Reopened claim 2026-001: Wrong mileage"
    with db.read() as session:
        summaries = list(
            session.scalars(
                select(JournalEntry.summary).where(JournalEntry.record_id == cid).order_by(JournalEntry.seq)
            )
        )
    assert summaries[-1] == "Reopened claim 2026-001: Wrong mileage"
    view = claims.get_claim(db, cid, admin)
    assert view.status is ClaimStatus.DRAFT and view.paid_on is None and view.decided_by is None
    claims.update_claim(db, admin, cid, view.version, claim_draft(aisha, items=LINES[:2]), today=TODAY)
    assert claims.get_claim(db, cid, admin).total_pence == 6805


def test_rejecting_needs_a_reason_and_an_edit_sends_a_claim_back_to_draft(db: Database, admin: Actor) -> None:
    aisha = person(db, admin)
    coordinator = user(db, admin, "Chris Coordinator", Role.COORDINATOR)
    cid = new(db, admin, claim_draft(aisha))
    with pytest.raises(UserError, match="only a submitted claim can be approved"):
        claims.approve_claim(db, coordinator, cid, version(db, cid, admin))
    claims.submit_claim(db, admin, cid, version(db, cid, admin), today=TODAY)
    with pytest.raises(ValidationError) as caught:
        claims.reject_claim(db, coordinator, cid, version(db, cid, admin), "")
    assert set(caught.value.problems) == {"reason"}
    claims.reject_claim(db, coordinator, cid, version(db, cid, admin), "No bus ticket")
    view = claims.get_claim(db, cid, admin)
    assert (view.status, view.rejected_reason, view.decided_by) == (
        ClaimStatus.REJECTED,
        "No bus ticket",
        "Chris Coordinator",
    )
    changes = claims.update_claim(
        db, admin, cid, view.version, claim_draft(aisha, items=LINES[:2]), today=TODAY
    )
    assert "back to draft" in changes.summary
    assert claims.get_claim(db, cid, admin).status is ClaimStatus.DRAFT
    claims.submit_claim(db, admin, cid, version(db, cid, admin), today=TODAY)
    view = claims.get_claim(db, cid, admin)
    assert view.status is ClaimStatus.SUBMITTED and view.rejected_reason is None and view.decided_by is None
    # Editing a submitted claim sends it back to draft too: someone submits it again.
    claims.update_claim(db, coordinator, cid, view.version, claim_draft(aisha, items=LINES[:1]), today=TODAY)
    view = claims.get_claim(db, cid, admin)
    assert view.status is ClaimStatus.DRAFT and view.submitted_by is None and view.total_pence == 6250


def test_a_stale_version_is_refused_and_changes_nothing(db: Database, admin: Actor) -> None:
    aisha = person(db, admin)
    cid = new(db, admin, claim_draft(aisha))
    old = version(db, cid, admin)
    claims.update_claim(db, admin, cid, old, claim_draft(aisha, notes="First edit"), today=TODAY)
    with pytest.raises(ConflictError):
        claims.update_claim(db, admin, cid, old, claim_draft(aisha, items=LINES[:1]), today=TODAY)
    with pytest.raises(ConflictError):
        claims.submit_claim(db, admin, cid, old, today=TODAY)
    view = claims.get_claim(db, cid, admin)
    assert view.notes == "First edit" and len(view.items) == 3 and view.status is ClaimStatus.DRAFT
    # A change to the lines alone moves the claim's version on too.
    current = view.version
    claims.update_claim(
        db, admin, cid, current, claim_draft(aisha, notes="First edit", items=LINES[:2]), today=TODAY
    )
    assert version(db, cid, admin) > current


def test_submitting_needs_lines_and_the_receipts_the_policy_asks_for(db: Database, admin: Actor) -> None:
    aisha = person(db, admin)
    empty = new(db, admin, claim_draft(aisha, items=()))
    with pytest.raises(ValidationError) as caught:
        claims.submit_claim(db, admin, empty, version(db, empty, admin), today=TODAY)
    assert set(caught.value.problems) == {"items"}
    no_receipt = (*LINES[:2], ItemEntry("parking", cost_pence=1001), ItemEntry("parking", cost_pence=1000))
    cid = new(db, admin, claim_draft(aisha, items=no_receipt))
    with pytest.raises(ValidationError) as caught:
        claims.submit_claim(db, admin, cid, version(db, cid, admin), today=TODAY)
    assert set(caught.value.problems) == {"items[2]"}  # £10.00 exactly needs none
    assert "receipt is needed for parking over £10.00" in caught.value.problems["items[2]"]
    assert claims.get_claim(db, cid, admin).status is ClaimStatus.DRAFT


def test_a_submitted_claim_keeps_its_policy_whatever_is_added_later(db: Database, admin: Actor) -> None:
    aisha = person(db, admin)
    submitted = new(db, admin, claim_draft(aisha))
    draft_only = new(db, admin, claim_draft(aisha))
    claims.submit_claim(db, admin, submitted, version(db, submitted, admin), today=TODAY)
    add_policy(db, admin, date(2026, 5, 1))  # before the activity, other rates
    view = claims.get_claim(db, submitted, admin)
    assert view.total_pence == 8055 and view.policy_effective_from == date(2000, 1, 1)
    # An edit (back to draft) and a new submission keep the policy fixed on it...
    claims.update_claim(db, admin, submitted, view.version, claim_draft(aisha, notes="Typo"), today=TODAY)
    claims.submit_claim(db, admin, submitted, version(db, submitted, admin), today=TODAY)
    view = claims.get_claim(db, submitted, admin)
    assert view.total_pence == 8055 and view.policy_effective_from == date(2000, 1, 1)
    # ...while a draft is priced by the policy now in force for its date.
    draft_view = claims.get_claim(db, draft_only, admin)
    assert draft_view.policy_effective_from == date(2026, 5, 1)
    claims.update_claim(db, admin, draft_only, draft_view.version, claim_draft(aisha), today=TODAY)
    draft_view = claims.get_claim(db, draft_only, admin)
    assert [i.amount_pence for i in draft_view.items] == [7500, 617, 1250]
    assert draft_view.items[2].needs_receipt is False  # the new policy's threshold is £20
    # A new activity date is priced by the policy of that date.
    claims.update_claim(
        db, admin, submitted, view.version, claim_draft(aisha, activity_date=date(2026, 5, 4)), today=TODAY
    )
    assert claims.get_claim(db, submitted, admin).total_pence == 9367


# -- who sees what ----------------------------------------------------------------------------
def test_a_volunteer_sees_only_their_own_claims_and_bank_details_masked(db: Database, admin: Actor) -> None:
    aisha = person(db, admin)
    jo = user(db, admin, "Jo Volunteer", Role.VOLUNTEER)
    staff = user(db, admin, "Pat Staff", Role.STAFF)
    hers = new(db, jo, claim_draft(aisha, sort_code="12-34-56", account_number="12345678"))
    others = new(db, admin, claim_draft(aisha))
    view = claims.get_claim(db, hers, jo)
    assert (view.sort_code, view.account_number, view.masked_account) == (None, None, "****5678")
    # Her edit, made from what she sees, keeps the details she cannot see.
    claims.update_claim(db, jo, hers, view.version, view.as_draft().with_changes(notes="Bus"), today=TODAY)
    full = claims.get_claim(db, hers, staff)
    assert (full.sort_code, full.account_number, full.notes) == ("12-34-56", "12345678", "Bus")
    assert [r.id for r in claims.list_claims(db, jo)] == [hers]
    assert {r.id for r in claims.list_claims(db, staff)} == {hers, others}
    with pytest.raises(PermissionDenied):
        claims.get_claim(db, others, jo)
    with pytest.raises(PermissionDenied):
        claims.update_claim(db, jo, others, version(db, others, admin), claim_draft(aisha), today=TODAY)
    # She submits her own; she still sees it, and it is not hers to approve.
    claims.submit_claim(db, jo, hers, version(db, hers, jo), today=TODAY)
    assert claims.get_claim(db, hers, jo).status is ClaimStatus.SUBMITTED
    with pytest.raises(PermissionDenied):
        claims.approve_claim(db, jo, hers, version(db, hers, jo))
    assert claims.claims_for(db, engagement_id=uuid.uuid4()) == []


# -- budgets ----------------------------------------------------------------------------------
def test_overspending_a_budget_warns_but_is_not_refused(db: Database, admin: Actor) -> None:
    aisha = person(db, admin)
    coordinator = user(db, admin, "Chris Coordinator", Role.COORDINATOR)
    lottery = budget(db, admin, 10_000)  # £100
    first = new(db, admin, claim_draft(aisha, budget_id=lottery))  # £80.55
    second = new(db, admin, claim_draft(aisha, budget_id=lottery, items=LINES[2:]))  # £12.50
    third = new(db, admin, claim_draft(aisha, budget_id=lottery, items=LINES[2:]))  # £12.50
    assert claims.overspend_warning(db, first) is None
    changes = claims.submit_claim(db, admin, first, version(db, first, admin), today=TODAY)
    assert "Warning" not in changes.summary
    changes = claims.submit_claim(db, admin, second, version(db, second, admin), today=TODAY)
    assert "Warning" not in changes.summary  # £93.05 of £100
    assert claims.overspend_warning(db, third) == (
        "Claim 2026-003 (£12.50) would overspend the budget “Lottery 2026” by £5.55: £93.05 of its "
        "£100.00 is already approved, paid or awaiting approval, leaving £6.95."
    )
    changes = claims.submit_claim(db, admin, third, version(db, third, admin), today=TODAY)
    assert changes.summary.startswith("Submitted claim 2026-003 (£12.50). Warning: claim 2026-003")
    assert claims.get_claim(db, third, admin).status is ClaimStatus.SUBMITTED  # not refused
    changes = claims.approve_claim(db, coordinator, third, version(db, third, admin))
    assert "would overspend the budget “Lottery 2026”" in changes.summary
    # A declined claim spends nothing; a donated one spends its total.
    declined = claim_draft(aisha, budget_id=lottery, items=LINES[2:], choice="decline")
    claims.update_claim(db, coordinator, second, version(db, second, admin), declined, today=TODAY)
    claims.submit_claim(db, coordinator, second, version(db, second, admin), today=TODAY)
    assert claims.get_claim(db, second, admin).status is ClaimStatus.SUBMITTED
    assert claims.overspend_warning(db, third) is None  # £80.55 + £0 + £12.50
    with pytest.raises(ValidationError) as caught:
        claims.new_claim(db, admin, claim_draft(aisha, budget_id=uuid.uuid4()), today=TODAY)
    assert set(caught.value.problems) == {"budget_id"}
    assert [r.id for r in claims.list_claims(db, admin, budget_id=lottery, status="approved")] == [third]
    assert all(r.budget_name == "Lottery 2026" for r in claims.list_claims(db, admin, budget_id=lottery))


# -- running totals ---------------------------------------------------------------------------
def test_running_totals_count_what_was_received_by_week_and_month(db: Database, admin: Actor) -> None:
    aisha = person(db, admin)
    ben = person(db, admin, "Ben", "Smith")
    involvement = ItemEntry("involvement", quantity_centi=100, unit="half_day")  # £75
    fares = ItemEntry("fares", cost_pence=500)

    def submitted(claimant: uuid.UUID, day: date, **over: object) -> uuid.UUID:
        cid = new(db, admin, claim_draft(claimant, activity_date=day, items=(involvement, fares), **over))
        claims.submit_claim(db, admin, cid, version(db, cid, admin), today=TODAY)
        return cid

    submitted(aisha, date(2026, 4, 27))  # Monday: week of 27 Apr, month of April
    submitted(aisha, date(2026, 5, 3))  # Sunday: the same week, but May
    submitted(aisha, date(2026, 5, 4), take_pence=600)  # takes less: the involvement payment goes first
    submitted(aisha, date(2026, 5, 5), choice="decline")  # nothing received
    new(db, admin, claim_draft(aisha, activity_date=date(2026, 5, 6)))  # a draft: not counted
    submitted(ben, date(2026, 5, 4))  # someone else
    add_policy(db, admin, date(2026, 5, 1))  # thresholds from May: £100 a week, £400 a month

    weekly, monthly = claims.person_totals(db, aisha)
    assert [(t.period_start, t.earnings_pence, t.expenses_pence, t.threshold_pence) for t in weekly] == [
        (date(2026, 4, 27), 15000, 1000, 18350),
        (date(2026, 5, 4), 100, 500, 10000),
    ]
    assert [(t.period_start, t.earnings_pence, t.expenses_pence, t.threshold_pence) for t in monthly] == [
        (date(2026, 4, 1), 7500, 500, 79500),
        (date(2026, 5, 1), 7600, 1000, 40000),
    ]
    assert weekly[0].over is False


def test_the_threshold_warning_points_to_advice(db: Database, admin: Actor) -> None:
    aisha = person(db, admin)
    day = ItemEntry("involvement", quantity_centi=100, unit="full_day")  # £150
    cid = new(db, admin, claim_draft(aisha, items=(day,)))
    claims.submit_claim(db, admin, cid, version(db, cid, admin), today=TODAY)
    assert claims.threshold_warning(db, claim_draft(aisha, items=(LINES[2],))) is None  # expenses only
    warning = claims.threshold_warning(db, claim_draft(aisha, activity_date=date(2026, 5, 14), items=(day,)))
    assert warning is not None
    assert "£300.00 for the week starting 11 May 2026 (the weekly threshold is £183.50)" in warning
    assert "never split" in warning and "Citizens Advice" in warning
    # Taking less keeps it under; the claim being edited is not counted twice.
    assert claims.threshold_warning(db, claim_draft(aisha, items=(day,), take_pence=3000)) is None
    assert claims.threshold_warning(db, claim_draft(aisha, items=(day,)), claim_id=cid) is None


# -- links, timeline, batch, register ---------------------------------------------------------
def test_claims_are_on_the_timeline_and_the_engagement_or_meeting(db: Database, admin: Actor) -> None:
    aisha = person(db, admin)
    jo = user(db, admin, "Jo Volunteer", Role.VOLUNTEER)
    eid = engagement(db, admin)
    (mid,) = meetings.add_meeting(
        db, admin, meetings.MeetingDraft(title="Carers' forum", on_date=ACTIVITY), today=TODAY
    ).created["meetings"]
    cid = new(db, admin, claim_draft(aisha, engagement_ids=(eid,), meeting_ids=(mid,)))
    other = new(db, jo, claim_draft(aisha, meeting_ids=(mid,)))
    assert [r.id for r in claims.claims_for(db, engagement_id=eid)] == [cid]
    assert [r.id for r in claims.claims_for(db, meeting_id=mid)] == [cid, other]
    assert [r.id for r in claims.claims_for(db, meeting_id=mid, actor=jo)] == [other]
    view = claims.get_claim(db, cid, admin)
    assert view.meetings == ((mid, ACTIVITY, "Carers' forum"),)
    # Unlinked on edit.
    claims.update_claim(db, admin, cid, view.version, claim_draft(aisha, meeting_ids=(mid,)), today=TODAY)
    assert claims.claims_for(db, engagement_id=eid) == []
    items = [t for t in timeline.timeline(db, aisha) if t.kind == "claim"]
    assert {(t.record_table, t.record_id) for t in items} == {("claims", cid), ("claims", other)}
    assert any(t.title == "Claim 2026-001 (draft): £80.55" for t in items)
    assert items[0].at.date() == ACTIVITY
    with pytest.raises(ValidationError) as caught:
        claims.new_claim(db, admin, claim_draft(aisha, engagement_ids=(uuid.uuid4(),)), today=TODAY)
    assert set(caught.value.problems) == {"engagement_ids"}


def test_the_batch_has_approved_unpaid_claims_in_full_and_the_register_everything_masked(
    db: Database, admin: Actor
) -> None:
    aisha = person(db, admin)
    coordinator = user(db, admin, "Chris Coordinator", Role.COORDINATOR)
    staff = user(db, admin, "Pat Staff", Role.STAFF)
    bank = {"sort_code": "12-34-56", "account_number": "12345678"}

    def approved(day: date) -> uuid.UUID:
        cid = new(db, admin, claim_draft(aisha, activity_date=day, **bank))
        claims.submit_claim(db, admin, cid, version(db, cid, admin), today=TODAY)
        claims.approve_claim(db, coordinator, cid, version(db, cid, admin))
        return cid

    in_range, later, paid = approved(ACTIVITY), approved(date(2026, 5, 30)), approved(date(2026, 5, 13))
    with pytest.raises(ValidationError) as caught:
        claims.mark_paid(
            db, staff, paid, version(db, paid, admin), date(2026, 6, 2), "cheque", None, today=TODAY
        )
    assert set(caught.value.problems) == {"paid_on", "method"}
    with pytest.raises(ValidationError) as caught:
        claims.mark_paid(db, staff, paid, version(db, paid, admin), None, "cash", None, today=TODAY)
    assert set(caught.value.problems) == {"paid_on"}
    decided = claims.get_claim(db, paid, admin).decided_at
    assert decided is not None
    day = decided.astimezone().date()
    claims.mark_paid(db, staff, paid, version(db, paid, admin), day, "cash", "Envelope 3", today=day)
    draft = new(db, admin, claim_draft(aisha, **bank))
    rows = claims.batch(db, date(2026, 5, 1), date(2026, 5, 20))
    assert [v.id for v in rows] == [in_range]
    assert (rows[0].sort_code, rows[0].account_number, rows[0].payable_pence) == (
        "12-34-56",
        "12345678",
        8055,
    )
    register = claims.register(db)
    assert {v.id for v in register} == {in_range, later, paid, draft}
    assert all(v.sort_code is None and v.account_number is None for v in register)
    assert all(v.masked_account == "****5678" for v in register)
    assert [v.id for v in claims.register(db, start=date(2026, 5, 29), end=date(2026, 5, 31))] == [later]


def test_only_a_draft_is_archived_and_undo_brings_it_back(db: Database, admin: Actor) -> None:
    aisha = person(db, admin)
    cid = new(db, admin, claim_draft(aisha))
    claims.archive_claim(db, admin, cid, version(db, cid, admin))
    assert claims.list_claims(db, admin) == [] and claims.get_claim(db, cid, admin).archived
    undo_last(db, admin)
    assert [r.id for r in claims.list_claims(db, admin)] == [cid]
    claims.submit_claim(db, admin, cid, version(db, cid, admin), today=TODAY)
    with pytest.raises(UserError, match="only a draft can be archived"):
        claims.archive_claim(db, admin, cid, version(db, cid, admin))


def test_a_declined_claim_is_closed_without_a_method(db: Database, admin: Actor) -> None:
    aisha = person(db, admin)
    coordinator = user(db, admin, "Chris Coordinator", Role.COORDINATOR)
    cid = new(db, admin, claim_draft(aisha, choice="decline"))
    claims.submit_claim(db, admin, cid, version(db, cid, admin), today=TODAY)
    with pytest.raises(UserError, match="only an approved claim can be paid"):
        claims.mark_paid(db, admin, cid, version(db, cid, admin), TODAY, "", None, today=TODAY)
    claims.approve_claim(db, coordinator, cid, version(db, cid, admin))
    decided = claims.get_claim(db, cid, admin).decided_at
    assert decided is not None
    day = decided.astimezone().date()
    claims.mark_paid(db, admin, cid, version(db, cid, admin), day, "", None, today=day)
    view = claims.get_claim(db, cid, admin)
    assert view.status is ClaimStatus.PAID and view.payment_method == "decline" and view.payable_pence == 0
