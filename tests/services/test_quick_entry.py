"""Quick entry's service: the engagement and one draft claim per person to reimburse, saved
together as one change — or nothing at all."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from vcsedesk.domain.claims import ClaimStatus, Tier
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.engagement import EngagementDraft, HeadcountEntry, ParticipantEntry, QuoteEntry
from vcsedesk.domain.errors import ValidationError
from vcsedesk.services import claims, consent, contacts, engagements, people
from vcsedesk.services.base import Actor, Role, undo_last
from vcsedesk.services.quick_entry import record_quick_engagement
from vcsedesk.store.database import Database
from vcsedesk.store.models import Action, Claim, Engagement, EngagementType, JournalEntry, Theme

TODAY = date(2026, 6, 1)


def person(db: Database, admin: Actor, given: str, family: str) -> uuid.UUID:
    draft = ContactDraft(given_name=given, family_name=family)
    (cid,) = contacts.create_contact(db, admin, draft).created["contacts"]
    return cid


def draft(db: Database, **over: object) -> EngagementDraft:
    with db.read() as session:
        drop_in = session.scalar(select(EngagementType.id).where(EngagementType.name == "Drop-in"))
        dentistry = session.scalar(select(Theme.id).where(Theme.name == "Dentistry"))
    assert drop_in is not None and dentistry is not None
    values: dict[str, object] = {
        "title": "Drop-in at the library",
        "type_id": drop_in,
        "on_date": date(2026, 5, 12),
        "venue": "Canal Street Library",
        "anonymous_count": 12,
        "headcount_groups": (HeadcountEntry("under 25", 4),),
        "theme_ids": (dentistry,),
        "summary": "Nobody can find a dentist.",
    }
    values.update(over)
    return EngagementDraft(**values)  # type: ignore[arg-type]


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_engagement_and_its_draft_claims_are_one_change(db: Database, admin: Actor) -> None:
    ben = person(db, admin, "Ben", "Smith")
    aisha = person(db, admin, "Aisha", "Rahman")
    people.add_user(db, admin, name="Jo Volunteer", role=Role.VOLUNTEER.value)
    jo = next(u for u in people.list_users(db) if u.name == "Jo Volunteer")
    volunteer = people.actor_for(db, jo.id, None)

    changes = record_quick_engagement(
        db,
        volunteer,
        draft(db, participants=(ParticipantEntry(ben), ParticipantEntry(aisha))),
        [aisha, ben, aisha],  # ticked twice: one claim
        TODAY,
    )
    (engagement_id,) = changes.created["engagements"]
    assert len(changes.created["claims"]) == 2 and not changes.touches("actions")
    assert changes.summary == "Recorded engagement “Drop-in at the library” and 2 draft claims to complete"
    view = engagements.get_engagement(db, engagement_id)
    assert {p.name for p in view.participants} == {"Ben Smith", "Aisha Rahman"}
    assert view.recorded_by == "Jo Volunteer" and view.action_ids == ()
    rows = claims.claims_for(db, engagement_id=engagement_id)
    assert sorted(r.claimant_name for r in rows) == ["Aisha Rahman", "Ben Smith"]
    assert {r.id for r in rows} == changes.created["claims"]
    for row in rows:
        claim = claims.get_claim(db, row.id, volunteer)  # she made them: she may see them
        assert claim.status is ClaimStatus.DRAFT and claim.tier is Tier.ONE_OFF
        assert claim.claimant_id == (aisha if claim.claimant_name == "Aisha Rahman" else ben)
        assert claim.activity_date == date(2026, 5, 12) and claim.items == ()
        assert claim.engagements == ((engagement_id, date(2026, 5, 12), "Drop-in at the library"),)
        assert claim.notes == "Recorded through quick entry by Jo Volunteer"
        assert claim.created_by == "Jo Volunteer"
    assert sorted(claim.number for claim in (claims.get_claim(db, r.id, admin) for r in rows)) == [
        "2026-001",
        "2026-002",
    ]
    with db.read() as session:
        change_sets = set(
            session.scalars(select(JournalEntry.change_set).where(JournalEntry.actor_id == jo.id))
        )
    assert change_sets == {changes.change_set}  # one change: one undo takes all of it away

    undo_last(db, volunteer)
    assert engagements.get_engagement(db, engagement_id).archived
    with db.read() as session:
        live = session.scalar(select(func.count()).select_from(Claim).where(Claim.deleted_at.is_(None)))
    assert live == 0 and claims.list_claims(db, admin) == []


def test_no_one_to_reimburse_is_just_the_engagement(db: Database, admin: Actor) -> None:
    changes = record_quick_engagement(db, admin, draft(db), [], TODAY)
    assert changes.touches("engagements") and not changes.touches("claims")
    assert changes.summary == "Recorded engagement “Drop-in at the library”"
    assert count(db, Claim) == 0 and count(db, Action) == 0


def test_reimbursing_someone_not_named_writes_nothing(db: Database, admin: Actor) -> None:
    ben = person(db, admin, "Ben", "Smith")
    stranger = person(db, admin, "Carla", "Jones")
    with pytest.raises(ValidationError) as caught:
        record_quick_engagement(
            db, admin, draft(db, participants=(ParticipantEntry(ben),)), [stranger], TODAY
        )
    assert set(caught.value.problems) == {"reimburse"}
    assert count(db, Engagement) == 0 and count(db, Claim) == 0


def test_a_refused_quote_writes_neither_the_engagement_nor_the_claims(db: Database, admin: Actor) -> None:
    aisha = person(db, admin, "Aisha", "Rahman")
    consent.record_consent(
        db,
        admin,
        aisha,
        purpose="share_anonymously",
        status="given",
        on=date(2026, 1, 5),
        method="verbal",
        today=TODAY,
    )
    with pytest.raises(ValidationError) as caught:
        record_quick_engagement(
            db,
            admin,
            draft(db, participants=(ParticipantEntry(aisha),), quotes=(QuoteEntry("Words", "named", aisha),)),
            [aisha],
            TODAY,
        )
    assert "cannot be marked “share with name”" in caught.value.problems["quotes[0]"]
    assert count(db, Engagement) == 0 and count(db, Claim) == 0
    # The same quote shared anonymously is allowed by her consent.
    record_quick_engagement(
        db,
        admin,
        draft(db, participants=(ParticipantEntry(aisha),), quotes=(QuoteEntry("Words", "anonymous", aisha),)),
        [aisha],
        TODAY,
    )
    assert count(db, Engagement) == 1 and count(db, Claim) == 1 and count(db, Action) == 0


def test_field_problems_are_named_as_in_the_draft(db: Database, admin: Actor) -> None:
    with pytest.raises(ValidationError) as caught:
        record_quick_engagement(
            db, admin, draft(db, title=" ", anonymous_count=0, headcount_groups=()), [], TODAY
        )
    assert {"title", "participants"} <= set(caught.value.problems)
    assert count(db, Engagement) == 0


def test_a_claim_that_cannot_be_started_writes_nothing(db: Database, admin: Actor) -> None:
    """Before any policy is in force there is no claim to start: the problem is shown beside
    the people ticked, and the engagement is not saved without its claims."""
    ben = person(db, admin, "Ben", "Smith")
    with pytest.raises(ValidationError) as caught:
        record_quick_engagement(
            db,
            admin,
            draft(db, on_date=date(1999, 12, 31), participants=(ParticipantEntry(ben),)),
            [ben],
            TODAY,
        )
    assert set(caught.value.problems) == {"reimburse"}
    assert "No reimbursement policy is in force on 31 Dec 1999" in caught.value.problems["reimburse"]
    assert count(db, Engagement) == 0 and count(db, Claim) == 0
