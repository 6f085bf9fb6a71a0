"""Demo reimbursement claims: a year of paying residents for their time, by the shipped policy.

Made through the claims service, one journalled change at a time, by the demo's own users in
their proper roles — a staff member or volunteer makes and submits, a coordinator (never the
same person) approves or rejects, and someone else with the right to pay marks it paid — so
the demo shows every step of the workflow and every payment choice.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

from sqlalchemy import select

from vcsedesk.domain.claims import ItemEntry
from vcsedesk.services import budgets, claims, people
from vcsedesk.services.base import Actor, Role
from vcsedesk.store.database import Database
from vcsedesk.store.models import Contact, EngagementParticipant

CHOICES = ("bank_transfer",) * 6 + ("voucher", "voucher", "cash", "decline", "donate")
CHARITIES = ("Hope Street Food Bank", "Canal Side Carers", "Northfield Youth Club")


def _actors(db: Database, device_id: uuid.UUID | None) -> dict[Role, list[Actor]]:
    """The demo's users as actors, on the demo's computer."""
    out: dict[Role, list[Actor]] = {}
    for user in people.list_users(db):
        actor = people.actor_for(db, user.id, device_id)
        out.setdefault(actor.role, []).append(actor)
    return out


def _lines(rng: random.Random, ongoing: bool) -> tuple[ItemEntry, ...]:
    lines = []
    if ongoing:
        unit = rng.choice(("hour", "hour", "half_day", "full_day"))
        quantity = rng.choice((100, 150, 200, 300)) if unit == "hour" else 100
        lines.append(ItemEntry("involvement", "Panel meeting", quantity_centi=quantity, unit=unit))
    if rng.random() < 0.6:
        lines.append(
            ItemEntry("mileage", "Home to the venue and back", quantity_centi=rng.randint(200, 2400))
        )
    if rng.random() < 0.4:
        lines.append(ItemEntry("fares", "Bus fare", cost_pence=rng.choice((250, 480, 700)), has_receipt=True))
    if rng.random() < 0.15:
        lines.append(ItemEntry("care_cover", "Care for my mother", cost_pence=2400, has_receipt=True))
    if not lines:
        lines.append(ItemEntry("parking", "Hospital car park", cost_pence=450, has_receipt=True))
    return tuple(lines)


def add_claims(db: Database, admin: Actor, count: int, rng: random.Random, *, today: date) -> int:
    """Add ``count`` claims from people who took part in engagements over the last year."""
    if count <= 0:
        return 0
    actors = _actors(db, admin.device_id)
    makers = actors.get(Role.STAFF, []) + actors.get(Role.VOLUNTEER, [])
    approvers = actors.get(Role.COORDINATOR, []) + actors.get(Role.ADMINISTRATOR, [])
    payers = actors.get(Role.STAFF, []) + approvers
    if not makers or len(approvers) < 1 or len(payers) < 2:
        return 0
    with db.read() as session:
        claimants = list(
            session.scalars(
                select(Contact.id)
                .where(
                    Contact.kind == "person",
                    Contact.deleted_at.is_(None),
                    Contact.id.in_(select(EngagementParticipant.contact_id)),
                )
                .order_by(Contact.name, Contact.postcode, Contact.address)  # not by random ids
                .limit(max(20, count // 3))
            )
        )
    if not claimants:
        return 0
    year = today.replace(month=1, day=1)
    budgets.add_budget(
        db,
        admin,
        name="Community Voices fund",
        funder="Integrated care board",
        starts_on=year - timedelta(days=365),
        ends_on=year.replace(year=year.year + 1) - timedelta(days=1),
        amount=count * 4_000,
    )
    (budget_id,) = [b.id for b in budgets.list_budgets(db)][:1]
    made = 0
    for _ in range(count):
        maker = rng.choice(makers)
        activity = today - timedelta(days=rng.randint(1, 330))
        choice = rng.choice(CHOICES)
        tier = "ongoing" if rng.random() < 0.6 else "one_off"
        draft = claims.ClaimDraft(
            claimant_id=rng.choice(claimants),
            tier=tier,
            activity_date=activity,
            items=_lines(rng, tier == "ongoing"),
            budget_id=budget_id,
            choice=choice,
            donate_to=rng.choice(CHARITIES) if choice == "donate" else None,
            payee_name=None,
            sort_code=f"{rng.randint(0, 999_999):06d}" if choice == "bank_transfer" else None,
            account_number=f"{rng.randint(0, 99_999_999):08d}" if choice == "bank_transfer" else None,
        )
        (claim_id,) = claims.new_claim(db, maker, draft, today=today).created["claims"]
        made += 1
        stage = rng.random()
        if stage < 0.1:
            continue  # still a draft
        claims.submit_claim(db, maker, claim_id, 1, today=today)
        if stage < 0.25:
            continue  # waiting for approval
        approver = rng.choice([a for a in approvers if a.user_id != maker.user_id])
        if stage < 0.3:
            claims.reject_claim(db, approver, claim_id, 2, "Please attach the bus ticket.")
            continue
        claims.approve_claim(db, approver, claim_id, 2)
        if stage < 0.45 or activity > today - timedelta(days=10):
            continue  # approved, to pay in the next batch
        payer = rng.choice([p for p in payers if p.user_id != approver.user_id])
        # A donation goes to the charity by bank transfer; a declined claim is closed with none.
        method = {"decline": None, "donate": "bank_transfer"}.get(choice, choice)
        claims.mark_paid(
            db,
            payer,
            claim_id,
            3,
            today,
            method,
            f"VC{uuid.UUID(int=rng.getrandbits(128)).hex[:8].upper()}",
            today=today,
        )
    return made
