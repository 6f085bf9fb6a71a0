"""Demo data: made through the services, journalled, the same for the same seed."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Select, select

from vcsedesk.domain.errors import UserError
from vcsedesk.domain.validation import clean_postcode
from vcsedesk.services import demo, organisation, people, setup
from vcsedesk.services.base import Actor
from vcsedesk.store import migrate
from vcsedesk.store.database import Database, sqlite_url
from vcsedesk.store.models import (
    Claim,
    Contact,
    Device,
    EqualityProfile,
    JournalEntry,
    SeldomHeardGroup,
    SeldomHeardMembership,
    User,
)


@pytest.fixture
def reference(tmp_path: Path) -> Iterator[Database]:
    """A second, SQLite database to compare against."""
    db = Database(sqlite_url(tmp_path / "reference.vcsedesk"))
    migrate.prepare(db, backup_folder=None)
    try:
        yield db
    finally:
        db.dispose()


def contents(db: Database) -> dict[str, Any]:
    profile = organisation.get_profile(db)
    assert profile is not None
    with db.read() as session:
        devices = sorted(d.name for d in session.scalars(select(Device)))
        # Records that point at people, by who the people are (their ids are random).
        person = (Contact.name, Contact.postcode)

        def rows(query: Select[Any]) -> list[tuple[str, ...]]:
            return sorted(tuple(str(value) for value in row) for row in session.execute(query))

        equality = rows(
            select(*person, EqualityProfile.age_band, EqualityProfile.ethnicity).join(
                Contact, Contact.id == EqualityProfile.contact_id
            )
        )
        seldom_heard = rows(
            select(*person, SeldomHeardGroup.name)
            .select_from(SeldomHeardMembership)
            .join(Contact, Contact.id == SeldomHeardMembership.contact_id)
            .join(SeldomHeardGroup, SeldomHeardGroup.id == SeldomHeardMembership.group_id)
        )
        claims = rows(
            select(*person, Claim.number, Claim.total_pence).join(Contact, Contact.id == Claim.claimant_id)
        )
    return {
        "profile": {k: v for k, v in vars(profile).items() if k not in ("id",)},
        "users": sorted((u.name, u.role.value, u.email) for u in people.list_users(db)),
        "devices": devices,
        "equality": equality,
        "seldom_heard": seldom_heard,
        "claims": claims,
    }


def test_small_demo_is_made_through_the_services(db: Database) -> None:
    device = uuid.uuid4()
    result = demo.load(db, size="small", device_id=device)

    plan = demo.SIZES["small"]
    assert setup.is_set_up(db)
    users = people.list_users(db)
    assert len(users) == result.users == plan.users
    assert len(people.list_devices(db)) == result.devices == plan.devices
    assert result.administrator.role.value == "administrator"
    with db.read() as session:
        entries = list(session.scalars(select(JournalEntry)))
        user_ids = set(session.scalars(select(User.id)))
    inserted = {e.record_id for e in entries if e.table_name == "users" and e.operation == "insert"}
    assert inserted == user_ids, "every user has its journal entry"
    # The administrator set everything up; claims are made, approved and paid by the
    # demo's other users in their proper roles.
    claim_tables = {"claims", "claim_items", "claim_links"}
    assert {e.actor_id for e in entries if e.table_name not in claim_tables} == {result.administrator.user_id}
    assert {e.actor_id for e in entries} <= user_ids
    assert {e.device_id for e in entries} == {device}
    profile_edits = [e for e in entries if e.table_name == "organisation" and e.operation == "update"]
    assert len(profile_edits) >= 1
    profile = organisation.get_profile(db)
    assert profile is not None and profile.name == result.organisation
    assert profile.postcode is not None and clean_postcode(profile.postcode) == profile.postcode
    assert profile.charity_number is not None and re.fullmatch(r"\d{7}", profile.charity_number)
    assert profile.company_number is not None and re.fullmatch(r"\d{8}", profile.company_number)
    assert all(u.email and "@" in u.email for u in users)

    # Returns: two partnerships; last-but-one quarter's return submitted (frozen, hash checks
    # out, answered), last quarter's a draft; about half the people answered equality questions.
    from vcsedesk.services import partnerships, returns
    from vcsedesk.store.models import EqualityProfile

    assert [p.name for p in partnerships.list_partnerships(db)] == [
        "Healthwatch Riverside",
        "Riverside People's Partnership",
    ]
    made = sorted(returns.list_returns(db), key=lambda v: v.period.start)
    assert made[0].status.value in ("acknowledged", "response_received")
    assert made[-1].status.value == "draft" and made[-1].narrative
    sent = returns.show(db, result.administrator, made[0].id)
    assert sent.frozen and sent.content_hash == made[0].content_hash and made[0].responses
    with db.read() as session:
        answered = len(session.scalars(select(EqualityProfile.id)).all())
    assert 0.4 * result.contacts < answered < 0.7 * result.contacts


def test_demo_is_the_same_for_the_same_seed(db: Database, reference: Database) -> None:
    demo.load(db, size="small", device_id=uuid.uuid4(), seed=7)
    demo.load(reference, size="small", device_id=uuid.uuid4(), seed=7)
    assert contents(db) == contents(reference)


def test_demo_differs_for_another_seed(db: Database, reference: Database) -> None:
    demo.load(db, size="small", device_id=uuid.uuid4(), seed=7)
    demo.load(reference, size="small", device_id=uuid.uuid4(), seed=8)
    assert contents(db)["users"] != contents(reference)["users"]


def test_demo_refuses_a_database_that_is_already_set_up(db: Database, admin: Actor) -> None:
    before = contents(db)
    with db.read() as session:
        entries_before = len(list(session.scalars(select(JournalEntry.seq))))

    with pytest.raises(UserError) as caught:
        demo.load(db, size="small", device_id=uuid.uuid4())

    assert "already has an organisation" in str(caught.value)
    assert contents(db) == before
    with db.read() as session:
        assert len(list(session.scalars(select(JournalEntry.seq)))) == entries_before


def test_demo_twice_is_refused(db: Database) -> None:
    demo.load(db, size="small", device_id=uuid.uuid4())
    with pytest.raises(UserError):
        demo.load(db, size="small", device_id=uuid.uuid4())
    assert len(people.list_users(db)) == demo.SIZES["small"].users


def test_unknown_size_is_refused(db: Database) -> None:
    with pytest.raises(UserError, match="not a demo size"):
        demo.load(db, size="enormous", device_id=uuid.uuid4())
    assert not setup.is_set_up(db)


# -- contacts ------------------------------------------------------------------------------------------
def test_small_demo_has_contacts_made_through_the_import_path(db: Database) -> None:
    from sqlalchemy import func

    from vcsedesk.domain.phones import _OFCOM_DRAMA_MOBILE
    from vcsedesk.services import contacts
    from vcsedesk.store.models import Contact, ContactPhone, Membership, SearchDocument, Ward

    result = demo.load(db, size="small", device_id=uuid.uuid4())
    assert result.contacts == demo.SIZES["small"].contacts == 300
    with db.read() as s:
        kinds = dict(s.execute(select(Contact.kind, func.count()).group_by(Contact.kind)).all())
        postcodes = list(s.scalars(select(Contact.postcode).where(Contact.postcode.is_not(None))))
        numbers = list(s.scalars(select(ContactPhone.number)))
        memberships = s.scalar(select(func.count()).select_from(Membership))
        documents = s.scalar(
            select(func.count()).select_from(SearchDocument).where(SearchDocument.kind == "contact")
        )
        wards = s.scalar(select(func.count()).select_from(Ward))
        journalled = set(
            s.scalars(select(JournalEntry.record_id).where(JournalEntry.table_name == "contacts"))
        )
        ids = set(s.scalars(select(Contact.id)))
    assert kinds == {"person": 285, "organisation": 15}
    assert postcodes and all(clean_postcode(p) == p for p in postcodes)
    assert numbers and len(set(numbers)) == len(numbers)
    drama_prefixes = tuple("+44" + p.replace(" ", "")[1:] for p in demo.DRAMA_PREFIXES)
    assert all(n.startswith(drama_prefixes) for n in numbers)
    assert any(_OFCOM_DRAMA_MOBILE.match(n[3:]) for n in numbers)
    assert memberships > 20 and wards == len(demo.WARDS)
    assert documents == 300 and journalled == ids
    person = contacts.get_contact(db, next(iter(contacts.search_contacts(db, "example"))))
    assert person.emails


def test_demo_contacts_are_the_same_for_the_same_seed(db: Database, reference: Database) -> None:
    from vcsedesk.store.models import Contact

    demo.load(db, size="small", device_id=uuid.uuid4(), seed=7)
    demo.load(reference, size="small", device_id=uuid.uuid4(), seed=7)

    def names(database: Database) -> list[tuple[str, str | None]]:
        with database.read() as s:
            return sorted((n, p) for n, p in s.execute(select(Contact.name, Contact.postcode)))

    assert names(db) == names(reference)
