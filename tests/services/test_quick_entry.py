"""Quick entry's service: the engagement and one follow-up action per person to reimburse,
saved together as one change — or nothing at all."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.engagement import EngagementDraft, HeadcountEntry, ParticipantEntry, QuoteEntry
from vcsedesk.domain.errors import ValidationError
from vcsedesk.services import actions, consent, contacts, engagements, people
from vcsedesk.services.base import Actor, Role, undo_last
from vcsedesk.services.quick_entry import record_quick_engagement, reimbursement_title
from vcsedesk.store.database import Database
from vcsedesk.store.models import Action, Engagement, EngagementType, JournalEntry, Theme

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


def test_the_engagement_and_its_reimbursement_actions_are_one_change(db: Database, admin: Actor) -> None:
    ben = person(db, admin, "Ben", "Smith")
    aisha = person(db, admin, "Aisha", "Rahman")
    people.add_user(db, admin, name="Jo Volunteer", role=Role.VOLUNTEER.value)
    jo = next(u for u in people.list_users(db) if u.name == "Jo Volunteer")
    volunteer = people.actor_for(db, jo.id, None)

    changes = record_quick_engagement(
        db,
        volunteer,
        draft(db, participants=(ParticipantEntry(ben), ParticipantEntry(aisha))),
        [aisha, ben, aisha],  # ticked twice: one action
        TODAY,
    )
    (engagement_id,) = changes.created["engagements"]
    assert len(changes.created["actions"]) == 2
    view = engagements.get_engagement(db, engagement_id)
    assert {p.name for p in view.participants} == {"Ben Smith", "Aisha Rahman"}
    assert view.recorded_by == "Jo Volunteer"
    titles = sorted(actions.get_action(db, a).title for a in view.action_ids)
    assert titles == [
        "Reimburse Aisha Rahman for “Drop-in at the library”",
        "Reimburse Ben Smith for “Drop-in at the library”",
    ]
    action = actions.get_action(db, view.action_ids[0])
    assert action.engagement_id == engagement_id and action.status.value == "open"
    assert "12 May 2026" in action.detail
    with db.read() as session:
        change_sets = set(
            session.scalars(select(JournalEntry.change_set).where(JournalEntry.actor_id == jo.id))
        )
    assert change_sets == {changes.change_set}  # one change: one undo takes all of it away

    undo_last(db, volunteer)
    assert engagements.get_engagement(db, engagement_id).archived
    with db.read() as session:
        live = session.scalar(select(func.count()).select_from(Action).where(Action.deleted_at.is_(None)))
    assert live == 0


def test_no_one_to_reimburse_is_just_the_engagement(db: Database, admin: Actor) -> None:
    changes = record_quick_engagement(db, admin, draft(db), [], TODAY)
    assert changes.touches("engagements") and not changes.touches("actions")
    assert count(db, Action) == 0


def test_reimbursing_someone_not_named_writes_nothing(db: Database, admin: Actor) -> None:
    ben = person(db, admin, "Ben", "Smith")
    stranger = person(db, admin, "Carla", "Jones")
    with pytest.raises(ValidationError) as caught:
        record_quick_engagement(
            db, admin, draft(db, participants=(ParticipantEntry(ben),)), [stranger], TODAY
        )
    assert set(caught.value.problems) == {"reimburse"}
    assert count(db, Engagement) == 0 and count(db, Action) == 0


def test_a_refused_quote_writes_neither_the_engagement_nor_the_actions(db: Database, admin: Actor) -> None:
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
    assert count(db, Engagement) == 0 and count(db, Action) == 0
    # The same quote shared anonymously is allowed by her consent.
    record_quick_engagement(
        db,
        admin,
        draft(db, participants=(ParticipantEntry(aisha),), quotes=(QuoteEntry("Words", "anonymous", aisha),)),
        [aisha],
        TODAY,
    )
    assert count(db, Engagement) == 1 and count(db, Action) == 1


def test_field_problems_are_named_as_in_the_draft(db: Database, admin: Actor) -> None:
    with pytest.raises(ValidationError) as caught:
        record_quick_engagement(
            db, admin, draft(db, title=" ", anonymous_count=0, headcount_groups=()), [], TODAY
        )
    assert {"title", "participants"} <= set(caught.value.problems)
    assert count(db, Engagement) == 0


def test_a_long_title_is_shortened_to_fit_an_action() -> None:
    long = "x" * 200
    title = reimbursement_title("Ben Smith", long)
    assert (
        len(title) <= actions.MAX_TITLE
        and title.startswith("Reimburse Ben Smith for “x")
        and title.endswith("…”")
    )
    assert reimbursement_title("Ben", "Tea") == "Reimburse Ben for “Tea”"
