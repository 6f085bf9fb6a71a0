"""Consent service: history kept, state derived, reviews flagged, one may_use question."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from vcsedesk.domain.consent import ConsentStatus, Purpose
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.errors import PermissionDenied, ValidationError
from vcsedesk.services import consent, contacts, people
from vcsedesk.services.base import Actor, undo_last
from vcsedesk.store.database import Database

TODAY = date(2026, 6, 1)


def person(db: Database, admin: Actor, given: str = "Aisha") -> uuid.UUID:
    (cid,) = contacts.create_contact(db, admin, ContactDraft(given_name=given, family_name="Rahman")).created[
        "contacts"
    ]
    return cid


def test_history_is_kept_and_the_current_state_derived(db: Database, admin: Actor) -> None:
    cid = person(db, admin)
    consent.record_consent(
        db,
        admin,
        cid,
        purpose="share_anonymously",
        status="given",
        on=date(2026, 1, 5),
        method="written",
        evidence="Signed form, Jan drop-in",
        today=TODAY,
    )
    consent.record_consent(
        db,
        admin,
        cid,
        purpose="share_anonymously",
        status="withdrawn",
        on=date(2026, 3, 2),
        method="verbal",
        today=TODAY,
    )
    lines = consent.history(db, cid)
    assert [e.line.status for e in lines] == [ConsentStatus.WITHDRAWN, ConsentStatus.GIVEN]
    assert lines[1].line.recorded_by == "Sam Patel" and lines[1].line.evidence == "Signed form, Jan drop-in"
    assert consent.may_use(db, cid, Purpose.SHARE_ANONYMOUSLY, date(2026, 2, 1)).allowed
    later = consent.may_use(db, cid, Purpose.SHARE_ANONYMOUSLY, TODAY)
    assert not later.allowed and "withdrawn" in later.reason
    state = consent.current_state(db, cid, TODAY)
    assert not state[Purpose.PHOTOS].allowed and "No consent recorded" in state[Purpose.PHOTOS].reason


def test_bad_consent_is_refused_naming_fields(db: Database, admin: Actor) -> None:
    cid = person(db, admin)
    with pytest.raises(ValidationError) as caught:
        consent.record_consent(
            db,
            admin,
            cid,
            purpose="telepathy",
            status="maybe",
            on=date(2027, 1, 1),
            method="carrier pigeon",
            review_on=date(2026, 1, 1),
            today=TODAY,
        )
    assert set(caught.value.problems) == {"purpose", "status", "method", "on", "review_on"}
    assert consent.history(db, cid) == []


def test_organisations_do_not_give_consent(db: Database, admin: Actor) -> None:
    (oid,) = contacts.create_contact(db, admin, ContactDraft(kind="organisation", name="GP Surgery")).created[
        "contacts"
    ]
    with pytest.raises(ValidationError, match="consent is given by people"):
        consent.record_consent(
            db, admin, oid, purpose="photos", status="given", on=TODAY, method="verbal", today=TODAY
        )


def test_reviews_due_and_counts(db: Database, admin: Actor) -> None:
    a, b = person(db, admin, "Aisha"), person(db, admin, "Ben")
    consent.record_consent(
        db,
        admin,
        a,
        purpose="contact_email",
        status="given",
        on=date(2025, 1, 1),
        method="online",
        review_on=date(2026, 1, 1),
        today=TODAY,
    )
    consent.record_consent(
        db,
        admin,
        b,
        purpose="contact_email",
        status="given",
        on=date(2025, 1, 1),
        method="online",
        review_on=date(2027, 1, 1),
        today=TODAY,
    )
    due = consent.reviews_due(db, TODAY)
    assert [(d.contact_name, d.line.purpose) for d in due] == [("Aisha Rahman", Purpose.CONTACT_EMAIL)]
    assert consent.count_with_state(db, Purpose.CONTACT_EMAIL, ConsentStatus.GIVEN, TODAY) == 2


def test_archived_people_may_not_be_used_and_undo_restores_a_removed_line(db: Database, admin: Actor) -> None:
    cid = person(db, admin)
    consent.record_consent(
        db, admin, cid, purpose="photos", status="given", on=date(2026, 1, 1), method="written", today=TODAY
    )
    (entry,) = consent.history(db, cid)
    consent.archive_consent_line(db, admin, entry.id, entry.version)
    assert consent.history(db, cid) == []
    undo_last(db, admin)
    assert [e.id for e in consent.history(db, cid)] == [entry.id]
    view = contacts.get_contact(db, cid)
    contacts.archive_contact(db, admin, cid, view.version)
    decision = consent.may_use(db, cid, Purpose.PHOTOS, TODAY)
    assert not decision.allowed and "archived" in decision.reason


def test_volunteers_cannot_touch_equality_monitoring(db: Database, admin: Actor) -> None:
    from vcsedesk.services import equality

    (vid,) = people.add_user(db, admin, name="Val Unteer", role="volunteer").created["users"]
    volunteer = people.actor_for(db, vid, admin.device_id)
    cid = person(db, admin)
    with pytest.raises(PermissionDenied, match="equality monitoring"):
        equality.get_answers(db, volunteer, cid)
