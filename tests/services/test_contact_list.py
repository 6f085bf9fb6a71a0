"""The contacts list behind the lazy table and the export: filters, sorts, pages, on both backends."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import event, select

from vcsedesk.domain.consent import Purpose
from vcsedesk.domain.contacts import ContactDraft, ContactKind, EmailEntry, PhoneEntry
from vcsedesk.domain.errors import UserError
from vcsedesk.services import consent, contact_list, contacts
from vcsedesk.services.base import Actor, unit_of_work
from vcsedesk.services.contact_list import (
    ConsentCondition,
    ConsentState,
    ContactFilter,
    SortField,
    SortKey,
)
from vcsedesk.store.database import Database
from vcsedesk.store.models import ConsentRecord, EqualityProfile


def add(db: Database, actor: Actor, **values: object) -> uuid.UUID:
    (cid,) = contacts.create_contact(db, actor, ContactDraft(**values)).created["contacts"]  # type: ignore[arg-type]
    return cid


@pytest.fixture
def people(db: Database, admin: Actor) -> dict[str, uuid.UUID]:
    for ward in ("Bow East", "Mile End"):
        contacts.add_ward(db, admin, ward)
    made = {
        "aisha": add(
            db,
            admin,
            given_name="Aisha",
            family_name="Rahman",
            postcode="E1 6AN",
            ward="Mile End",
            emails=(EmailEntry("aisha@example.org"), EmailEntry("a.rahman@work.example", "work")),
            phones=(PhoneEntry("07700 900123"), PhoneEntry("020 7946 0000", "home")),
            tags=("Drop-in", "carer"),
        ),
        "bob": add(db, admin, given_name="Bob", family_name="Brown", postcode="SW1A 1AA", ward="Bow East"),
        "desouza": add(db, admin, given_name="maria", family_name="de Souza"),
        "org": add(
            db, admin, kind="organisation", name="Canal Side Tenants", ward="Bow East", tags=("Carer",)
        ),
        "zed": add(db, admin, given_name="Zed", family_name="Young", postcode="E3 4AA", tags=("Youth",)),
    }
    contacts.add_membership(db, admin, made["aisha"], made["org"], "Chair")
    contacts.add_membership(db, admin, made["zed"], made["org"])
    return made


def names(rows: list[contact_list.ContactRow]) -> list[str]:
    return [r.name for r in rows]


def test_rows_carry_what_the_list_shows(db: Database, admin: Actor, people: dict[str, uuid.UUID]) -> None:
    rows = contact_list.page(db)
    # Names sort without regard to letter case ("maria de Souza" among the Ms).
    assert names(rows) == ["Aisha Rahman", "Bob Brown", "Canal Side Tenants", "maria de Souza", "Zed Young"]
    aisha = rows[0]
    assert aisha.id == people["aisha"] and aisha.version >= 1 and aisha.kind is ContactKind.PERSON
    assert aisha.email == "aisha@example.org"  # the first one entered
    assert aisha.phone == "07700 900123"  # shown as a person writes it
    assert (aisha.postcode, aisha.ward, aisha.tags) == ("E1 6AN", "Mile End", "carer, Drop-in")
    assert not aisha.archived and aisha.updated_at.tzinfo is not None
    assert rows[3].email is None and rows[3].phone is None and rows[3].tags == "" and rows[3].ward is None
    assert contact_list.count(db) == 5


def test_pages_join_up_without_gaps_or_repeats(db: Database, admin: Actor) -> None:
    # Same names everywhere: only the id tiebreak keeps the order stable.
    made = {add(db, admin, given_name="Sam", family_name="Lee") for _ in range(7)}
    made |= {add(db, admin, given_name="sam", family_name="lee", postcode="E1 6AN") for _ in range(4)}
    for key in (
        SortKey(),
        SortKey(SortField.NAME, True),
        SortKey(SortField.POSTCODE),
        SortKey(SortField.WARD, True),
        SortKey(SortField.UPDATED_AT, True),
    ):
        paged = [
            r.id
            for offset in range(0, 12, 3)
            for r in contact_list.page(db, sort=key, offset=offset, limit=3)
        ]
        assert len(paged) == 11 and set(paged) == made, key
        assert paged == list(contact_list.ids(db, sort=key)), key
        assert contact_list.position(db, paged[5], sort=key) == 5


def test_sorts(db: Database, admin: Actor, people: dict[str, uuid.UUID]) -> None:
    by = lambda field, desc=False: names(contact_list.page(db, sort=SortKey(field, desc)))  # noqa: E731
    # A blank postcode or ward sorts first going up, last going down; then by name.
    assert by(SortField.POSTCODE) == [
        "Canal Side Tenants",
        "maria de Souza",
        "Aisha Rahman",
        "Zed Young",
        "Bob Brown",
    ]
    assert by(SortField.POSTCODE, True) == [
        "Bob Brown",
        "Zed Young",
        "Aisha Rahman",
        "maria de Souza",
        "Canal Side Tenants",
    ]
    assert by(SortField.WARD) == [
        "maria de Souza",
        "Zed Young",
        "Bob Brown",
        "Canal Side Tenants",
        "Aisha Rahman",
    ]
    assert by(SortField.WARD, True) == [
        "Aisha Rahman",
        "Canal Side Tenants",
        "Bob Brown",
        "Zed Young",
        "maria de Souza",
    ]
    assert names(contact_list.page(db, sort=SortKey(SortField.WARD), offset=1, limit=3)) == [
        "Zed Young",
        "Bob Brown",
        "Canal Side Tenants",
    ]
    view = contacts.get_contact(db, people["bob"])
    contacts.update_contact(db, admin, view.id, view.version, view.as_draft().with_changes(notes="moved"))
    assert by(SortField.UPDATED_AT, True)[0] == "Bob Brown"
    assert by(SortField.UPDATED_AT)[-1] == "Bob Brown"


FILTER_CASES: list[tuple[ContactFilter, list[str]]] = [
    (ContactFilter(text="07700 900123"), ["Aisha Rahman"]),
    (ContactFilter(text="+44 7700 900123"), ["Aisha Rahman"]),
    (ContactFilter(text="canal"), ["Aisha Rahman", "Canal Side Tenants", "Zed Young"]),
    (ContactFilter(text="!!!"), []),
    (
        ContactFilter(text="   "),
        ["Aisha Rahman", "Bob Brown", "Canal Side Tenants", "maria de Souza", "Zed Young"],
    ),
    (ContactFilter(kind=ContactKind.ORGANISATION), ["Canal Side Tenants"]),
    (ContactFilter(kind=ContactKind.PERSON, tag="CARER"), ["Aisha Rahman"]),
    (ContactFilter(tag="carer"), ["Aisha Rahman", "Canal Side Tenants"]),
    (ContactFilter(tag="nobody has this"), []),
    (ContactFilter(ward="bow east"), ["Bob Brown", "Canal Side Tenants"]),
    (ContactFilter(organisation="canal side tenants"), ["Aisha Rahman", "Zed Young"]),
]


def test_filters(db: Database, admin: Actor, people: dict[str, uuid.UUID]) -> None:
    for flt, expected in [
        *FILTER_CASES,
        (ContactFilter(organisation=people["org"], text="zed"), ["Zed Young"]),
    ]:
        assert names(contact_list.page(db, flt)) == expected, flt
        assert contact_list.count(db, flt) == len(expected), flt
        assert list(contact_list.ids(db, flt)) == [r.id for r in contact_list.page(db, flt)], flt


def test_consent_filter_uses_the_current_line(
    db: Database, admin: Actor, people: dict[str, uuid.UUID]
) -> None:
    record = lambda who, status, on: consent.record_consent(  # noqa: E731
        db, admin, people[who], purpose="contact_email", status=status, on=on, method="verbal"
    )
    record("aisha", "given", date(2025, 1, 1))
    record("aisha", "withdrawn", date(2025, 6, 1))  # the later line is the current one
    record("bob", "withdrawn", date(2025, 1, 1))
    record("bob", "given", date(2025, 6, 1))
    record("zed", "refused", date(2025, 3, 1))
    mistaken = consent.record_consent(
        db,
        admin,
        people["zed"],
        purpose="contact_email",
        status="given",
        on=date(2025, 4, 1),
        method="verbal",
    )
    (line_id,) = mistaken.created["consents"]
    with db.read() as s:
        version = s.get(ConsentRecord, line_id).version  # type: ignore[union-attr]
    consent.archive_consent_line(db, admin, line_id, version)  # an archived line does not count
    record("desouza", "given", date(2025, 1, 1))  # another purpose's line does not count either
    consent.record_consent(
        db,
        admin,
        people["desouza"],
        purpose="photos",
        status="refused",
        on=date(2025, 2, 1),
        method="written",
    )

    def with_state(state: ConsentState, purpose: Purpose = Purpose.CONTACT_EMAIL) -> list[str]:
        return names(contact_list.page(db, ContactFilter(consent=ConsentCondition(purpose, state))))

    assert with_state(ConsentState.GIVEN) == ["Bob Brown", "maria de Souza"]
    assert with_state(ConsentState.WITHDRAWN) == ["Aisha Rahman"]
    assert with_state(ConsentState.REFUSED) == ["Zed Young"]
    assert with_state(ConsentState.NONE) == ["Canal Side Tenants"]
    assert with_state(ConsentState.REFUSED, Purpose.PHOTOS) == ["maria de Souza"]
    assert ConsentCondition.parse("Contact_Email = given") == ConsentCondition(
        Purpose.CONTACT_EMAIL, ConsentState.GIVEN
    )
    for bad in ("contact_email", "telepathy=given", "photos=maybe"):
        with pytest.raises(UserError, match="consent"):
            ConsentCondition.parse(bad)


def test_archived_contacts_only_when_asked_and_still_findable(
    db: Database, admin: Actor, people: dict[str, uuid.UUID]
) -> None:
    view = contacts.get_contact(db, people["aisha"])
    contacts.archive_contact(db, admin, view.id, view.version)
    assert "Aisha Rahman" not in names(contact_list.page(db))
    everyone = contact_list.page(db, ContactFilter(include_archived=True))
    assert [r.name for r in everyone if r.archived] == ["Aisha Rahman"]
    # The search index holds live contacts only; archived ones are found by name or email.
    assert names(contact_list.page(db, ContactFilter(text="rahm", include_archived=True))) == ["Aisha Rahman"]
    assert names(contact_list.page(db, ContactFilter(text="aisha@example", include_archived=True))) == [
        "Aisha Rahman"
    ]
    assert contact_list.page(db, ContactFilter(text="rahm")) == []


def test_one_statement_per_page_and_no_equality_data(
    db: Database, admin: Actor, people: dict[str, uuid.UUID]
) -> None:
    with unit_of_work(db, admin, "equality") as uow:
        uow.add(
            EqualityProfile(contact_id=people["aisha"], ethnicity="Asian: Bangladeshi", religion="Muslim")
        )
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        rows = contact_list.page(db, ContactFilter(tag="carer"), SortKey(SortField.POSTCODE), 0, 50)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert len(statements) == 1
    assert "equality" not in statements[0]
    flat = repr(rows)
    assert "Bangladeshi" not in flat and "Muslim" not in flat
    with db.read() as s:
        assert s.scalar(select(EqualityProfile.ethnicity)) == "Asian: Bangladeshi"


def test_bad_paging_arguments(db: Database, admin: Actor) -> None:
    with pytest.raises(ValueError):
        contact_list.page(db, offset=-1)
    assert contact_list.page(db, limit=0) == []
    assert contact_list.position(db, uuid.uuid4()) is None
