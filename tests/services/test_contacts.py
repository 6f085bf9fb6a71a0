"""Contacts service: create, edit (children diffed and journalled), archive, restore, undo, search."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from vcsedesk.domain.contacts import ContactDraft, EmailEntry, PhoneEntry
from vcsedesk.domain.errors import ConflictError, ValidationError
from vcsedesk.services import contacts
from vcsedesk.services.base import Actor, undo_last
from vcsedesk.store.database import Database
from vcsedesk.store.models import ContactEmail, JournalEntry

AISHA = ContactDraft(
    given_name="Aisha",
    family_name="Rahman",
    emails=(EmailEntry("aisha.rahman@example.org"),),
    phones=(PhoneEntry("07700 900123"),),
    postcode="e1 6an",
    notes="Met at the Tuesday drop-in; worried about GP appointments.",
    tags=("Carer", "Drop-in"),
)


def new_contact(db: Database, actor: Actor, draft: ContactDraft = AISHA):
    changes = contacts.create_contact(db, actor, draft)
    (cid,) = changes.created["contacts"]
    return contacts.get_contact(db, cid)


def test_create_normalises_and_journals(db: Database, admin: Actor) -> None:
    view = new_contact(db, admin)
    assert view.name == "Aisha Rahman"
    assert view.postcode == "E1 6AN"
    assert view.phones == (PhoneEntry("+447700900123", "mobile"),)
    assert view.tags == ("Carer", "Drop-in")
    with db.read() as s:
        tables = {e.table_name for e in s.scalars(select(JournalEntry))}
    assert {"contacts", "contact_emails", "contact_phones", "contact_tags", "tags"} <= tables


def test_every_problem_is_named_against_its_field(db: Database, admin: Actor) -> None:
    bad = ContactDraft(
        given_name="",
        emails=(EmailEntry("ok@example.org"), EmailEntry("not-an-email")),
        phones=(PhoneEntry("12"),),
        postcode="ZZ",
    )
    with pytest.raises(ValidationError) as caught:
        contacts.create_contact(db, admin, bad)
    assert set(caught.value.problems) == {"given_name", "emails[1]", "phones[0]", "postcode"}


@pytest.mark.parametrize(
    "typed",
    [
        "07700 900123",
        "+44 7700 900123",
        "447700900123",
        "0770090",
        "900123",
        "aisha",
        "RAHM",
        "aisha@exam",
        "e1 6an",
        "E16AN",
        "tuesday drop",
        "carer",
    ],
)
def test_search_finds_the_contact_however_it_is_typed(db: Database, admin: Actor, typed: str) -> None:
    view = new_contact(db, admin)
    new_contact(db, admin, ContactDraft(given_name="Bob", family_name="Other", postcode="SW1A 1AA"))
    assert contacts.search_contacts(db, typed) == [view.id]


def test_edit_replaces_children_and_undo_puts_them_back(db: Database, admin: Actor) -> None:
    view = new_contact(db, admin)
    edited = view.as_draft().with_changes(
        emails=(EmailEntry("aisha@newmail.example", "work"),), phones=(), tags=("Carer",)
    )
    contacts.update_contact(db, admin, view.id, view.version, edited)
    after = contacts.get_contact(db, view.id)
    assert after.emails == (EmailEntry("aisha@newmail.example", "work"),)
    assert after.phones == () and after.tags == ("Carer",)
    assert contacts.search_contacts(db, "07700 900123") == []

    undo_last(db, admin)
    restored = contacts.get_contact(db, view.id)
    assert restored.emails == view.emails and restored.phones == view.phones and restored.tags == view.tags
    with db.read() as s:
        live = s.scalars(select(ContactEmail).where(ContactEmail.deleted_at.is_(None))).all()
    assert [e.address for e in live] == ["aisha.rahman@example.org"]


def test_stale_edit_is_refused(db: Database, admin: Actor) -> None:
    view = new_contact(db, admin)
    contacts.update_contact(db, admin, view.id, view.version, view.as_draft().with_changes(notes="first"))
    with pytest.raises(ConflictError, match="Sam Patel"):
        contacts.update_contact(
            db, admin, view.id, view.version, view.as_draft().with_changes(notes="second")
        )
    assert contacts.get_contact(db, view.id).notes == "first"


def test_archive_hides_from_search_and_restore_brings_back(db: Database, admin: Actor) -> None:
    view = new_contact(db, admin)
    contacts.archive_contact(db, admin, view.id, view.version)
    assert contacts.search_contacts(db, "aisha") == []
    archived = contacts.get_contact(db, view.id)
    assert archived.archived
    contacts.restore_contact(db, admin, view.id, archived.version)
    assert contacts.search_contacts(db, "aisha") == [view.id]


def test_membership_and_organisation_name_are_searchable(db: Database, admin: Actor) -> None:
    person = new_contact(db, admin)
    org = new_contact(db, admin, ContactDraft(kind="organisation", name="Canal Side Tenants' Association"))
    contacts.add_membership(db, admin, person.id, org.id, "Chair")
    assert person.id in contacts.search_contacts(db, "canal side")
    view = contacts.get_contact(db, person.id)
    assert [(m.organisation_name, m.role) for m in view.memberships] == [
        ("Canal Side Tenants' Association", "Chair")
    ]
    with pytest.raises(ValidationError, match="is a person, not an organisation"):
        contacts.add_membership(db, admin, org.id, person.id)


def test_unknown_ward_is_refused_with_the_known_ones(db: Database, admin: Actor) -> None:
    contacts.add_ward(db, admin, "Bow East")
    with pytest.raises(ValidationError, match="Known wards: Bow East"):
        contacts.create_contact(db, admin, AISHA.with_changes(ward="Nowhere"))
    view = new_contact(db, admin, AISHA.with_changes(ward="bow east"))
    assert view.ward == "Bow East"


def test_undoing_an_archive_makes_the_contact_findable_again(db: Database, admin: Actor) -> None:
    view = new_contact(db, admin)
    contacts.archive_contact(db, admin, view.id, view.version)
    assert contacts.search_contacts(db, "aisha") == []
    undo_last(db, admin)
    assert contacts.search_contacts(db, "aisha") == [view.id]
    assert contacts.search_contacts(db, "07700 900123") == [view.id]
