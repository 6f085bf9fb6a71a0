"""The contact timeline: newest first, consent lines and record changes, one line per change."""

from __future__ import annotations

from datetime import date

from vcsedesk.domain.contacts import ContactDraft, EmailEntry
from vcsedesk.services import consent, contacts, timeline
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database


def test_timeline_gathers_everything_newest_first(db: Database, admin: Actor) -> None:
    (cid,) = contacts.create_contact(
        db,
        admin,
        ContactDraft(given_name="Aisha", family_name="Rahman", emails=(EmailEntry("a@example.org"),)),
    ).created["contacts"]
    (oid,) = contacts.create_contact(db, admin, ContactDraft(kind="organisation", name="Carers Hub")).created[
        "contacts"
    ]
    contacts.add_membership(db, admin, cid, oid, "Volunteer")
    consent.record_consent(
        db, admin, cid, purpose="share_with_name", status="given", on=date.today(), method="written"
    )
    items = timeline.timeline(db, cid)
    titles = [i.title for i in items]
    assert titles[0] == "Consent given: share their story or quotes with their name"
    assert "Aisha Rahman joined Carers Hub as Volunteer" in titles
    assert titles[-1] == "Added person Aisha Rahman"
    assert len([t for t in titles if t == "Added person Aisha Rahman"]) == 1  # one line per change set
    assert [i.at for i in items] == sorted((i.at for i in items), reverse=True)
    assert all(i.by == "Sam Patel" for i in items)


def test_a_volunteer_does_not_see_a_persons_claims_on_their_timeline(db: Database, admin: Actor) -> None:
    from datetime import timedelta

    from vcsedesk.domain.claims import ItemEntry
    from vcsedesk.services import claims, people

    (cid,) = contacts.create_contact(
        db, admin, ContactDraft(given_name="Aisha", family_name="Rahman")
    ).created["contacts"]
    claims.new_claim(
        db,
        admin,
        claims.ClaimDraft(
            claimant_id=cid,
            tier="one_off",
            activity_date=date.today() - timedelta(days=1),
            items=(ItemEntry("mileage", "To the hub", quantity_centi=1200),),
        ),
    )
    people.add_user(db, admin, name="Val Unteer", role="volunteer")
    val = people.actor_for(db, next(u.id for u in people.list_users(db) if u.name == "Val Unteer"), None)
    assert any(item.kind == "claim" for item in timeline.timeline(db, cid, admin))
    assert not any(item.kind == "claim" for item in timeline.timeline(db, cid, val))
    assert any(item.kind == "record" for item in timeline.timeline(db, cid, val))
