"""Demo partnership returns, and the equality monitoring answers their demographics count.

About half the demo's people answered some equality monitoring questions (written in bulk, one
journalled change), a few belong to seldom-heard groups.  Two partnerships: a borough People's
Partnership hub (quarterly) and a Healthwatch (every six months).  The hub's return for the
quarter before last was submitted, acknowledged and answered ("you said, we did"); last
quarter's is a draft with some narrative written — so the demo shows a return at each stage.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, select

from vcsedesk.domain.equality import AGE_BANDS, ETHNICITY, PREFER_NOT_TO_SAY, QUESTION_BY_FIELD
from vcsedesk.domain.returns import Cadence, Period, periods
from vcsedesk.services import partnerships, returns, themes
from vcsedesk.services.base import Actor, larger_cache, unit_of_work, utcnow
from vcsedesk.services.bulk import BulkJournal, Inserter, new_row
from vcsedesk.store.database import Database
from vcsedesk.store.models import Contact, EqualityProfile, SeldomHeardGroup, SeldomHeardMembership

ANSWERED = 0.55  # of people, answered at least some questions
SELDOM_HEARD = 0.08  # of people, in at least one seldom-heard group
BATCH = 5_000

#: Rough shares for an inner-city borough (weights, not census figures).
AGE_WEIGHTS = (2, 2, 9, 15, 15, 14, 14, 13, 10, 6)
ETHNICITY_WEIGHTS = (9, 2, 4, 4, 2, 8, 5, 2, 1, 1, 2, 1, 30, 2, 1, 1, 10, 2, 3)


def _answer(rng: random.Random, field: str) -> str | None:
    """One answer: sometimes skipped, sometimes "Prefer not to say"."""
    roll = rng.random()
    if roll < 0.08:
        return None
    if roll < 0.13:
        return PREFER_NOT_TO_SAY
    if field == "age_band":
        return rng.choices(AGE_BANDS, AGE_WEIGHTS)[0]
    if field == "ethnicity":
        return rng.choices(ETHNICITY, ETHNICITY_WEIGHTS)[0]
    if field == "sex":
        return rng.choices(("Female", "Male"), (58, 42))[0]
    if field == "disability":
        return rng.choices(("Yes, a lot", "Yes, a little", "No"), (12, 18, 70))[0]
    if field == "carer":
        return rng.choices(
            (
                "No",
                "Yes, 19 or fewer hours a week",
                "Yes, 20 to 49 hours a week",
                "Yes, 50 or more hours a week",
            ),
            (78, 12, 5, 5),
        )[0]
    answers = [a for a in QUESTION_BY_FIELD[field].answers if a != PREFER_NOT_TO_SAY]
    return rng.choice(answers)


def add_equality(db: Database, admin: Actor, rng: random.Random) -> int:
    """Equality monitoring answers for about half the people; the number of people answering."""
    with unit_of_work(db, admin, "Added demo equality monitoring answers") as uow:
        session = uow.session
        # In an order that does not depend on the records' random ids, so that the same seed
        # gives the same answers.
        people = list(
            session.scalars(
                select(Contact.id)
                .where(Contact.kind == "person", Contact.deleted_at.is_(None))
                .order_by(Contact.name, Contact.postcode, Contact.address)
            )
        )
        if not people:
            return 0
        groups = list(
            session.scalars(
                select(SeldomHeardGroup.id)
                .where(SeldomHeardGroup.deleted_at.is_(None))
                .order_by(SeldomHeardGroup.name)
            )
        )
        taken = set(session.scalars(select(EqualityProfile.contact_id)).all())
        now = utcnow()
        inserter = Inserter(session, now)
        journal = BulkJournal(uow, inserter)
        profiles: Table = EqualityProfile.__table__  # type: ignore[assignment]
        memberships: Table = SeldomHeardMembership.__table__  # type: ignore[assignment]
        answered = [p for p in people if p not in taken and rng.random() < ANSWERED]
        with larger_cache(session):
            for first in range(0, len(answered), BATCH):
                rows: list[dict[str, Any]] = []
                members: list[dict[str, Any]] = []
                for contact_id in answered[first : first + BATCH]:
                    rows.append(
                        new_row(
                            now,
                            contact_id=contact_id,
                            **{field: _answer(rng, field) for field in QUESTION_BY_FIELD},
                        )
                    )
                    if groups and rng.random() < SELDOM_HEARD:
                        for group_id in rng.sample(groups, rng.choice((1, 1, 1, 2))):
                            members.append(new_row(now, contact_id=contact_id, group_id=group_id))
                inserter(profiles, rows)
                journal.inserted(profiles, rows)
                inserter(memberships, members)
                journal.inserted(memberships, members)
                journal.flush()
    return len(answered)


ANSWERS = {  # question keys of the shipped People's Partnership template
    "highlights": (
        "Our drop-ins at the library and the mosque reached many people who had never spoken to "
        "the council before. Carers told us plainly what gets in the way of a GP appointment."
    ),
    "challenges": (
        "Room hire costs went up, and two volunteers left. Interpreting for Somali and Bengali "
        "speakers was hard to book at short notice."
    ),
}


def _quarter_before(today: date) -> tuple[Period, Period]:
    """The last complete quarter and the one before it."""
    first = date(today.year, ((today.month - 1) // 3) * 3 + 1, 1)
    last = [p for p in periods(Cadence.QUARTERLY, date(first.year - 3, 1, 1), today) if p.end < today]
    return last[-2], last[-1]


def add_partnerships(db: Database, admin: Actor, *, today: date) -> None:
    """Two partnerships, a submitted and answered return, and a draft one."""
    before, last = _quarter_before(today)
    # The group started reporting to the hub two quarters ago, to Healthwatch this half year.
    half_start = date(today.year, 1 if today.month <= 6 else 7, 1)
    partnerships.add_partnership(
        db,
        admin,
        partnerships.PartnershipDraft(
            name="Riverside People's Partnership",
            hub="Riverside and Canal Side hub",
            contact_name="Hub coordinator",
            contact_email="hub@riverside-partnership.example.org",
            cadence=Cadence.QUARTERLY,
            first_period_start=before.start,
            due_days=30,
            suppression_threshold=5,
            template_key="peoples-partnership-quarterly",
        ),
    )
    partnerships.add_partnership(
        db,
        admin,
        partnerships.PartnershipDraft(
            name="Healthwatch Riverside",
            contact_name="Engagement officer",
            cadence=Cadence.HALF_YEARLY,
            first_period_start=half_start,
            due_days=45,
            suppression_threshold=10,
            template_key="healthwatch-insight",
        ),
    )
    hub = partnerships.find_partnership(db, "Riverside People's Partnership")

    returns.start_return(db, admin, hub.id, before)
    sent = returns.latest_for(db, hub.id, before)
    assert sent is not None
    returns.save_answers(db, admin, sent.id, sent.version, ANSWERS)
    sent = returns.get_return(db, sent.id)
    returns.mark_ready(db, admin, sent.id, sent.version)
    sent = returns.get_return(db, sent.id)
    submitted_on = before.end + timedelta(days=21)
    returns.submit(
        db,
        admin,
        sent.id,
        sent.version,
        on=submitted_on,
        today=submitted_on,
        now=datetime.combine(submitted_on, datetime.min.time(), tzinfo=UTC).replace(hour=16),
    )
    sent = returns.get_return(db, sent.id)
    returns.record_acknowledged(db, admin, sent.id, sent.version, on=submitted_on + timedelta(days=3))
    every = themes.list_themes(db)

    def theme(words: str) -> uuid.UUID | None:
        return next((t.id for t in every if words in t.name.casefold()), None)

    top = [theme("gp appointment"), theme("cost of living")]
    responses = (
        (
            "Carers cannot get through to their GP surgery at 8am while they are caring.",
            "The primary care team asked three practices to keep a carers' call-back list.",
            "Carers' call-back lists piloted in three practices.",
        ),
        (
            "People do not know where to get help with energy bills.",
            "The partnership funded a winter advice session at each hub.",
            "Winter advice sessions added to the cost-of-living plan.",
        ),
    )
    for theme_id, (said, did, decision) in zip(top, responses, strict=False):
        returns.add_response(
            db,
            admin,
            sent.id,
            you_said=said,
            we_did=did,
            decision=decision,
            theme_id=theme_id,
            responded_on=submitted_on + timedelta(days=40),
        )
    sent = returns.get_return(db, sent.id)
    if submitted_on + timedelta(days=40) <= today:
        returns.record_response_received(
            db, admin, sent.id, sent.version, on=submitted_on + timedelta(days=40)
        )

    returns.start_return(db, admin, hub.id, last)
    draft = returns.latest_for(db, hub.id, last)
    assert draft is not None
    returns.save_answers(db, admin, draft.id, draft.version, {"highlights": ANSWERS["highlights"]})


def add_returns(db: Database, admin: Actor, rng: random.Random, *, today: date) -> None:
    add_equality(db, admin, rng)
    add_partnerships(db, admin, today=today)


__all__ = ["add_equality", "add_partnerships", "add_returns"]
