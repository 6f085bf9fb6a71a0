"""A quarter's partnership return on large data, for benchmarks.

:func:`build` makes the ``large`` demo's engagement notes and quotes with
``engagement_data.build`` (and its contacts), then adds what a return counts beyond them:

* equality monitoring answers for about half the people
  (``services.demo_returns.add_equality``, journalled like the demo's);
* consent to share quotes anonymously for most of the speakers of the quarter's quotes (so the
  return's quotes section has quotes to choose from, and the consent check has work to do);
* ``actions`` follow-up actions on the quarter's engagements, in bulk (Core inserts, as the
  dashboard benchmark adds its actions), some done or cancelled with an outcome;
* ``claims`` reimbursement claims paid in the quarter, in bulk, with their lines, in the shape
  ``services.claims`` leaves a paid claim (number, tier, choice, total, who decided and paid,
  how, a reference);
* a People's Partnership hub (``services.partnerships.add_partnership``, template
  "peoples-partnership-quarterly") and its return for the last complete quarter, started and
  with narrative answers (``services.returns``).
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from tests.benchmarks import engagement_data
from vcsedesk.domain.claims import Category, PaymentChoice, Tier
from vcsedesk.domain.consent import Purpose
from vcsedesk.domain.engagement import ActionStatus
from vcsedesk.domain.returns import Cadence, Period, periods
from vcsedesk.services import demo_returns, partnerships, returns
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.store.models import (
    Action,
    Claim,
    ClaimItem,
    ConsentRecord,
    Engagement,
    EngagementParticipant,
    Quote,
)

#: Of the speakers of the quarter's shareable quotes, those who consented to anonymous sharing.
CONSENTING = 0.7
ACTION_TITLES = [
    "Write to the practice manager about {}",
    "Raise {} at the partnership board",
    "Ask the council's housing team about {}",
    "Share what people said about {} with the ICB",
    "Invite the commissioner to hear about {}",
    "Signpost residents to advice on {}",
    "Follow up with the residents who raised {}",
    "Add {} to next quarter's listening plan",
]
SUBJECTS = [
    "GP appointments",
    "dentistry waiting lists",
    "damp and mould",
    "energy bills",
    "talking therapies",
    "bus routes to the hospital",
    "interpreters at appointments",
    "the closed day centre",
    "the NHS app",
    "carers' breaks",
]
OUTCOMES = [
    "The practice agreed to keep a call-back list for carers and to review it in three months.",
    "Raised at the board; the ICB will report back on waiting times at the next meeting.",
    "The council inspected twelve flats and ordered repairs in nine of them.",
    "Advice sessions were added at the library and the mosque every fortnight.",
    "No change yet: the commissioner asked for more evidence, which we are gathering.",
    "Passed to the patient experience team, who replied in writing.",
]
ANSWERS = {
    **demo_returns.ANSWERS,
    "for_the_board": "Access to GP appointments for carers, and damp in the Ocean Estate flats.",
    "next_quarter": "Two listening events with young carers and a drop-in at the new hub.",
}


@dataclass
class ReturnData:
    """What :func:`build` made."""

    engagements: engagement_data.Built
    period: Period
    partnership_id: uuid.UUID
    return_id: uuid.UUID
    equality_answers: int
    consenting: int
    actions: int
    claims: int
    seconds: float


def last_complete_quarter(today: date) -> Period:
    """The last calendar quarter that ended before ``today``."""
    return [p for p in periods(Cadence.QUARTERLY, date(today.year - 2, 1, 1), today) if p.end < today][-1]


def build(
    db: Database,
    admin: Actor,
    *,
    today: date,
    engagements: int = 200_000,
    quotes: int = 300_000,
    contacts: int = 100_000,
    actions: int = 4_000,
    claims: int = 300,
    seed: int = 7,
) -> ReturnData:
    """The engagement data and everything a quarter's return counts beyond it; ``db`` migrated
    and set up (``admin`` its first user)."""
    built = engagement_data.build(
        db, engagements=engagements, quotes=quotes, contacts=contacts, seed=seed, today=today
    )
    started = time.perf_counter()
    rng = random.Random(seed)
    period = last_complete_quarter(today)
    answered = demo_returns.add_equality(db, admin, rng)
    consenting = _add_consent(db, admin, period, rng)
    made_actions = _add_actions(db, admin, period, rng, actions)
    made_claims = _add_claims(db, admin, period, rng, claims, today)
    partnerships.add_partnership(
        db,
        admin,
        partnerships.PartnershipDraft(
            name="Riverside People's Partnership",
            hub="Riverside and Canal Side hub",
            contact_name="Hub coordinator",
            contact_email="hub@riverside-partnership.example.org",
            cadence=Cadence.QUARTERLY,
            first_period_start=date(period.start.year - 1, 1, 1),
            due_days=30,
            suppression_threshold=5,
            template_key="peoples-partnership-quarterly",
        ),
    )
    hub = partnerships.find_partnership(db, "Riverside People's Partnership")
    returns.start_return(db, admin, hub.id, period)
    started_return = returns.latest_for(db, hub.id, period)
    assert started_return is not None
    returns.save_answers(db, admin, started_return.id, started_return.version, ANSWERS)
    built.seconds += time.perf_counter() - started
    return ReturnData(
        engagements=built,
        period=period,
        partnership_id=hub.id,
        return_id=started_return.id,
        equality_answers=answered,
        consenting=consenting,
        actions=made_actions,
        claims=made_claims,
        seconds=built.seconds,
    )


def _record(now: datetime) -> dict[str, Any]:
    return {"id": uuid.uuid4(), "created_at": now, "updated_at": now, "version": 1}


def _quarter_engagements(db: Database, period: Period) -> list[uuid.UUID]:
    with db.read() as session:
        return sorted(
            session.scalars(
                select(Engagement.id).where(
                    Engagement.deleted_at.is_(None),
                    Engagement.on_date >= period.start,
                    Engagement.on_date <= period.end,
                )
            )
        )


def _add_consent(db: Database, admin: Actor, period: Period, rng: random.Random) -> int:
    """Anonymous-sharing consent, given before the quarter, for most speakers of its quotes."""
    with db.read() as session:
        speakers = sorted(
            speaker
            for speaker in session.scalars(
                select(Quote.speaker_id)
                .join(Engagement, Engagement.id == Quote.engagement_id)
                .where(
                    Quote.deleted_at.is_(None),
                    Quote.speaker_id.is_not(None),
                    Quote.sharing != "internal",
                    Engagement.on_date >= period.start,
                    Engagement.on_date <= period.end,
                )
                .distinct()
            )
            if speaker is not None
        )
    now = datetime.now(UTC)
    rows = [
        {
            **_record(now),
            "contact_id": speaker,
            "purpose": Purpose.SHARE_ANONYMOUSLY.value,
            "status": "given",
            "given_on": period.start - timedelta(days=rng.randint(1, 700)),
            "method": rng.choice(("verbal", "written", "online")),
            "recorded_by_id": admin.user_id,
        }
        for speaker in speakers
        if rng.random() < CONSENTING
    ]
    with db.write() as session:
        if rows:
            session.execute(insert(ConsentRecord), rows)
    return len(rows)


def _add_actions(db: Database, admin: Actor, period: Period, rng: random.Random, n: int) -> int:
    """``n`` actions on the quarter's engagements, due in and after it, some closed."""
    sources = _quarter_engagements(db, period)
    if not sources or n <= 0:
        return 0
    now = datetime.now(UTC)
    statuses = [
        ActionStatus.OPEN,
        ActionStatus.OPEN,
        ActionStatus.IN_PROGRESS,
        ActionStatus.DONE,
        ActionStatus.DONE,
        ActionStatus.CANCELLED,
    ]
    rows = []
    for i in range(n):
        status = rng.choice(statuses)
        due = None if i % 11 == 0 else period.start + timedelta(days=rng.randint(0, 150))
        closed = status in (ActionStatus.DONE, ActionStatus.CANCELLED)
        rows.append(
            {
                **_record(now),
                "title": rng.choice(ACTION_TITLES).format(rng.choice(SUBJECTS)),
                "status": status.value,
                "due_on": due,
                "completed_on": (due or period.end) if status is ActionStatus.DONE else None,
                "outcome": rng.choice(OUTCOMES) if closed else "",
                "owner_user_id": admin.user_id,
                "engagement_id": rng.choice(sources),
            }
        )
    with db.write() as session:
        session.execute(insert(Action), rows)
    return n


def _add_claims(db: Database, admin: Actor, period: Period, rng: random.Random, n: int, today: date) -> int:
    """``n`` claims by people who took part in the quarter, paid in it, with their lines."""
    with db.read() as session:
        claimants = sorted(
            session.scalars(
                select(EngagementParticipant.contact_id)
                .join(Engagement, Engagement.id == EngagementParticipant.engagement_id)
                .where(
                    EngagementParticipant.deleted_at.is_(None),
                    Engagement.deleted_at.is_(None),
                    Engagement.on_date >= period.start,
                    Engagement.on_date <= period.end,
                )
                .distinct()
            )
        )
    if not claimants or n <= 0:
        return 0
    now = datetime.now(UTC)
    last_day = min(period.end, today)
    span = (last_day - period.start).days
    choices = [PaymentChoice.BANK_TRANSFER] * 6 + [
        PaymentChoice.VOUCHER,
        PaymentChoice.CASH,
        PaymentChoice.DECLINE,
        PaymentChoice.DONATE,
    ]
    claim_rows: list[dict[str, Any]] = []
    item_rows: list[dict[str, Any]] = []
    for i in range(n):
        paid_on = period.start + timedelta(days=rng.randint(0, span))
        activity = paid_on - timedelta(days=rng.randint(3, 20))
        ongoing = rng.random() < 0.5
        lines: list[tuple[Category, str, int, str | None, int]] = []
        if ongoing:
            lines.append((Category.INVOLVEMENT, "Half-day panel", 100, "half_day", 7_500))
        if rng.random() < 0.6:
            miles = rng.randint(2, 30)
            lines.append((Category.MILEAGE, "Car to the venue", miles * 100, "mile", 45))
        if rng.random() < 0.5 or not lines:
            lines.append((Category.FARES, "Bus fares", 100, None, rng.choice((350, 500, 700))))
        if rng.random() < 0.15:
            lines.append((Category.CARE_COVER, "Sitter while attending", 300, "hour", 1_200))
        claim_id = uuid.uuid4()
        total = 0
        for position, (category, description, quantity, unit, rate) in enumerate(lines, 1):
            amount = quantity * rate // 100
            total += amount
            item_rows.append(
                {
                    **_record(now),
                    "claim_id": claim_id,
                    "position": position,
                    "category": category.value,
                    "description": description,
                    "quantity_centi": quantity,
                    "unit": unit,
                    "rate_pence": rate,
                    "amount_pence": amount,
                    "has_receipt": category is Category.FARES,
                }
            )
        choice = rng.choice(choices)
        take = total // 2 if choice is PaymentChoice.BANK_TRANSFER and rng.random() < 0.1 else None
        decided = datetime.combine(paid_on - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        claim_rows.append(
            {
                **_record(now),
                "id": claim_id,
                "number": f"{period.start.year}-B{i + 1:04d}",
                "claimant_id": rng.choice(claimants),
                "tier": (Tier.ONGOING if ongoing else Tier.ONE_OFF).value,
                "activity_date": activity,
                "status": "paid",
                "choice": choice.value,
                "take_pence": take,
                "donate_to": "Riverside Food Bank" if choice is PaymentChoice.DONATE else None,
                "total_pence": total,
                "notes": "",
                "submitted_by_id": admin.user_id,
                "submitted_at": decided - timedelta(days=2),
                "decided_by_id": admin.user_id,
                "decided_at": decided,
                "paid_on": paid_on,
                "paid_by_id": admin.user_id,
                "payment_method": (
                    "decline"
                    if choice is PaymentChoice.DECLINE
                    else (PaymentChoice.BANK_TRANSFER if choice is PaymentChoice.DONATE else choice).value
                ),
                "payment_reference": f"BACS {i + 1:05d}" if choice is PaymentChoice.BANK_TRANSFER else None,
            }
        )
    with db.write() as session:
        session.execute(insert(Claim), claim_rows)
        session.execute(insert(ClaimItem), item_rows)
    return n
