"""Duplicates: the hint while typing, the review list, and merge (nothing lost; undo restores)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, or_, select

from vcsedesk.domain.contacts import ContactDraft, EmailEntry, PhoneEntry
from vcsedesk.domain.errors import ConflictError, NotFoundError, UserError, ValidationError
from vcsedesk.services import contacts, duplicates
from vcsedesk.services.base import Actor, undo_last, unit_of_work
from vcsedesk.store.database import Database
from vcsedesk.store.journal import snapshot
from vcsedesk.store.models import (
    Base,
    ConsentRecord,
    Contact,
    EqualityProfile,
    JournalEntry,
    SeldomHeardGroup,
    SeldomHeardMembership,
    record_model,
)

AISHA = ContactDraft(
    given_name="Aisha",
    family_name="Rahman",
    emails=(EmailEntry("aisha.rahman@example.org"),),
    phones=(PhoneEntry("07700 900123"),),
    postcode="E1 6AN",
    notes="Met at the Tuesday drop-in.",
    tags=("Carer", "Drop-in"),
)


def add(db: Database, actor: Actor, draft: ContactDraft) -> contacts.ContactView:
    (cid,) = contacts.create_contact(db, actor, draft).created["contacts"]
    return contacts.get_contact(db, cid)


# -- likely_duplicates --------------------------------------------------------------------------
def test_hint_for_the_same_email_typed_in_another_case(db: Database, admin: Actor) -> None:
    aisha = add(db, admin, AISHA)
    add(
        db,
        admin,
        ContactDraft(given_name="Bob", family_name="Other", emails=(EmailEntry("bob@example.org"),)),
    )
    hints = duplicates.likely_duplicates(db, ContactDraft(emails=(EmailEntry("AISHA.RAHMAN@Example.org"),)))
    assert [(h.contact_id, h.name) for h in hints] == [(aisha.id, "Aisha Rahman")]
    assert hints[0].reasons == ("same email (aisha.rahman@example.org)",)


def test_hint_for_the_same_phone_in_any_format(db: Database, admin: Actor) -> None:
    aisha = add(db, admin, AISHA)
    for typed in ("+44 7700 900123", "0044 7700900123", "(07700) 900-123"):
        hints = duplicates.likely_duplicates(db, ContactDraft(given_name="A", phones=(PhoneEntry(typed),)))
        assert [h.contact_id for h in hints] == [aisha.id]
        assert hints[0].reasons == ("same phone (+447700900123)",)


def test_hint_for_a_similar_name_only_at_the_same_postcode(db: Database, admin: Actor) -> None:
    aisha = add(db, admin, AISHA)
    typed = ContactDraft(given_name="aisha", family_name="RAHMAN", postcode="e16an")
    (hint,) = duplicates.likely_duplicates(db, typed)
    assert hint.contact_id == aisha.id and hint.postcode == "E1 6AN"
    assert hint.reasons == ("similar name (100% alike) at the same postcode (E1 6AN)",)
    assert duplicates.likely_duplicates(db, typed.with_changes(postcode="SW1A 1AA")) == []
    assert (
        duplicates.likely_duplicates(db, typed.with_changes(given_name="Zainab", family_name="Okafor")) == []
    )


def test_hint_ignores_the_contact_being_edited_archived_ones_and_the_other_kind(
    db: Database, admin: Actor
) -> None:
    aisha = add(db, admin, AISHA)
    org = add(
        db,
        admin,
        ContactDraft(kind="organisation", name="Canal Side", phones=(PhoneEntry("07700 900123"),)),
    )
    typed = AISHA.with_changes(tags=())
    assert [h.contact_id for h in duplicates.likely_duplicates(db, typed)] == [aisha.id]
    assert duplicates.likely_duplicates(db, typed, exclude=aisha.id) == []
    org_typed = ContactDraft(kind="organisation", name="x", phones=(PhoneEntry("07700900123"),))
    assert [h.contact_id for h in duplicates.likely_duplicates(db, org_typed)] == [org.id]
    contacts.archive_contact(db, admin, aisha.id, aisha.version)
    assert duplicates.likely_duplicates(db, typed) == []


def test_hint_reads_what_it_can_of_a_half_typed_draft(db: Database, admin: Actor) -> None:
    aisha = add(db, admin, AISHA)
    half = ContactDraft(
        kind="nonsense",
        given_name="Aisha",
        emails=(EmailEntry("aisha@"), EmailEntry("aisha.rahman@example.org")),
        phones=(PhoneEntry("07"), PhoneEntry("not a phone")),
        postcode="E1 6",
    )
    assert [h.contact_id for h in duplicates.likely_duplicates(db, half)] == [aisha.id]
    assert duplicates.likely_duplicates(db, ContactDraft()) == []
    assert duplicates.likely_duplicates(db, ContactDraft(given_name="Aisha")) == []


def test_hints_are_best_first_and_limited(db: Database, admin: Actor) -> None:
    both = add(db, admin, AISHA)
    email_only = add(
        db,
        admin,
        ContactDraft(given_name="A", family_name="R", emails=(EmailEntry("aisha.rahman@example.org"),)),
    )
    for i in range(4):
        add(db, admin, ContactDraft(given_name=f"Aisha{i}", family_name="Rahman", postcode="E1 6AN"))
    hints = duplicates.likely_duplicates(db, AISHA, limit=3)
    assert [h.contact_id for h in hints[:2]] == [both.id, email_only.id]
    assert len(hints) == 3
    assert hints[0].score >= hints[1].score >= hints[2].score


# -- duplicate_pairs ----------------------------------------------------------------------------
def test_review_lists_likely_pairs_best_first(db: Database, admin: Actor) -> None:
    aisha = add(db, admin, AISHA)
    same_everything = add(db, admin, AISHA.with_changes(given_name="Aisha B.", tags=()))
    bob = add(
        db, admin, ContactDraft(given_name="Bob", family_name="Jones", phones=(PhoneEntry("020 7946 0001"),))
    )
    robert = add(
        db,
        admin,
        ContactDraft(given_name="Robert", family_name="Jones", phones=(PhoneEntry("+44 20 7946 0001"),)),
    )
    cara = add(db, admin, ContactDraft(given_name="Cara", family_name="Ng", postcode="N16 8AA"))
    cara2 = add(db, admin, ContactDraft(given_name="Ng", family_name="Cara", postcode="n168aa"))
    add(db, admin, ContactDraft(given_name="Cara", family_name="Ng", postcode="SW1A 1AA"))  # elsewhere
    add(db, admin, ContactDraft(given_name="Dev", family_name="Shah", postcode="N16 8AA"))  # not alike
    add(db, admin, ContactDraft(kind="organisation", name="Aisha Rahman", postcode="E1 6AN"))  # other kind

    pairs = duplicates.duplicate_pairs(db)
    assert [(p.first.id, p.second.id) for p in pairs] == [
        (aisha.id, same_everything.id),
        (bob.id, robert.id),  # 50 each: equal scores go by name
        (cara.id, cara2.id),
    ]
    top = pairs[0]
    assert top.reasons[:2] == ("same email (aisha.rahman@example.org)", "same phone (+447700900123)")
    assert top.first.version == aisha.version and top.score == 100
    assert pairs[1].reasons == ("same phone (+442079460001)",)
    assert pairs[2].reasons == ("similar name (100% alike) at the same postcode (N16 8AA)",)
    assert duplicates.duplicate_pairs(db, limit=1) == pairs[:1]

    contacts.archive_contact(db, admin, same_everything.id, same_everything.version)
    assert [(p.first.id, p.second.id) for p in duplicates.duplicate_pairs(db)] == [
        (bob.id, robert.id),
        (cara.id, cara2.id),
    ]


def test_review_leaves_out_a_number_many_contacts_share(db: Database, admin: Actor) -> None:
    desk = PhoneEntry("020 7946 0999", "work")
    for i in range(duplicates.MAX_SHARED + 1):
        add(db, admin, ContactDraft(given_name=f"Volunteer{i}", family_name=f"N{i}", phones=(desk,)))
    assert duplicates.duplicate_pairs(db) == []


# -- merging ------------------------------------------------------------------------------------
COUNTED = [t for t in Base.metadata.sorted_tables if t.name not in ("journal", "search_documents")]


def row_counts(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) or 0 for t in COUNTED}


def linked_rows(db: Database, *ids: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table linking to any of ``ids``, without version and updated_at."""
    out: dict[str, list[dict[str, Any]]] = {}
    with db.read() as s:
        for table, column in duplicates.links_to_contacts():
            model = record_model(table.name)
            for row in s.scalars(select(model).where(column.in_(ids))):
                snap = snapshot(row)
                out.setdefault(table.name, []).append(
                    {k: v for k, v in snap.items() if k not in ("version", "updated_at")}
                )
    return {k: sorted(v, key=lambda r: r["id"]) for k, v in out.items()}


def view_state(db: Database, cid: uuid.UUID) -> dict[str, Any]:
    view = contacts.get_contact(db, cid)
    state = {k: v for k, v in vars(view).items() if k not in ("version", "updated_at", "memberships")}
    state["memberships"] = sorted((m.id, m.person_id, m.organisation_id, m.role) for m in view.memberships)
    return state


def consent(uow: Any, contact_id: uuid.UUID, purpose: str, status: str, on: date, **more: Any) -> None:
    uow.add(
        ConsentRecord(
            contact_id=contact_id, purpose=purpose, status=status, given_on=on, method="verbal", **more
        )
    )


@pytest.fixture
def pair(db: Database, admin: Actor) -> tuple[contacts.ContactView, contacts.ContactView]:
    """Two records of one person, each with consent history, memberships, groups, equality data."""
    keep = add(db, admin, AISHA)
    drop = add(
        db,
        admin,
        ContactDraft(
            given_name="Aisha",
            family_name="Rahman-Begum",
            emails=(EmailEntry("AISHA.RAHMAN@example.org", "work"), EmailEntry("aisha.b@example.net")),
            phones=(PhoneEntry("07700 900123", "home"), PhoneEntry("020 7946 0123", "home")),
            postcode="E2 7AA",
            address="4 Canal Walk",
            preferred_language="Bengali",
            interpreter_needed=True,
            access_needs=("Large print",),
            notes="Prefers phone calls.",
            tags=("drop-in", "Peer group"),
        ),
    )
    canal = add(db, admin, ContactDraft(kind="organisation", name="Canal Side Tenants"))
    carers = add(db, admin, ContactDraft(kind="organisation", name="Bow Carers"))
    contacts.add_membership(db, admin, keep.id, canal.id, "Chair")
    contacts.add_membership(db, admin, drop.id, canal.id, "Member")  # the same organisation twice
    contacts.add_membership(db, admin, drop.id, carers.id, "Volunteer")
    with unit_of_work(db, admin, "consent history") as uow:
        consent(uow, keep.id, "contact_email", "given", date(2024, 3, 1), review_on=date(2026, 3, 1))
        consent(uow, keep.id, "contact_email", "withdrawn", date(2025, 1, 9))
        consent(uow, drop.id, "share_anonymously", "given", date(2023, 6, 5), evidence="Form 12")
        consent(uow, drop.id, "photos", "refused", date(2023, 6, 5))
        groups = uow.session.scalars(select(SeldomHeardGroup).order_by(SeldomHeardGroup.name)).all()
        uow.add(SeldomHeardMembership(contact_id=keep.id, group_id=groups[0].id))
        uow.add(SeldomHeardMembership(contact_id=drop.id, group_id=groups[0].id))
        uow.add(SeldomHeardMembership(contact_id=drop.id, group_id=groups[1].id))
        uow.add(EqualityProfile(contact_id=keep.id, age_band="35–44"))
        uow.add(EqualityProfile(contact_id=drop.id, age_band="25–34", carer="Yes"))
    return contacts.get_contact(db, keep.id), contacts.get_contact(db, drop.id)


def test_merge_loses_nothing_and_undo_puts_both_back(db: Database, admin: Actor, pair: Any) -> None:
    keep, drop = pair
    canal_id = next(m.organisation_id for m in keep.memberships)
    before_counts = row_counts(db)
    before_rows = linked_rows(db, keep.id, drop.id)
    before_keep, before_drop = view_state(db, keep.id), view_state(db, drop.id)
    with db.read() as s:
        consent_lines = {
            snapshot(c)["id"]: snapshot(
                c, {"purpose", "status", "given_on", "review_on", "evidence", "created_at"}
            )
            for c in s.scalars(select(ConsentRecord))
        }

    changes = duplicates.merge_contacts(
        db,
        admin,
        keep.id,
        keep.version,
        drop.id,
        drop.version,
        {"family_name": "drop", "notes": "both", "address": "drop"},
    )
    assert changes.archived["contacts"] == {drop.id}
    assert changes.updated["contacts"] == {keep.id}
    assert row_counts(db) == before_counts  # no row of any table deleted or added

    merged = contacts.get_contact(db, keep.id)
    assert merged.name == "Aisha Rahman-Begum" and merged.family_name == "Rahman-Begum"
    assert merged.address == "4 Canal Walk" and merged.postcode == "E1 6AN"
    assert merged.notes == "Met at the Tuesday drop-in.\n\nPrefers phone calls."
    assert merged.preferred_language == "Bengali" and merged.interpreter_needed  # blanks filled
    assert merged.access_needs == ("Large print",)
    assert [e.address for e in merged.emails] == ["aisha.rahman@example.org", "aisha.b@example.net"]
    assert [p.number for p in merged.phones] == ["+447700900123", "+442079460123"]
    assert merged.tags == ("Carer", "Drop-in", "Peer group")
    assert sorted((m.organisation_name, m.role) for m in merged.memberships) == [
        ("Bow Carers", "Volunteer"),
        ("Canal Side Tenants", "Chair"),
    ]
    assert contacts.get_contact(db, drop.id).archived
    with db.read() as s:
        lines = s.scalars(select(ConsentRecord)).all()
        assert {c.contact_id for c in lines} == {keep.id}
        assert {snapshot(c)["id"]: snapshot(c, set(next(iter(consent_lines.values())))) for c in lines} == (
            consent_lines
        )
        groups = s.scalars(
            select(SeldomHeardMembership).where(
                SeldomHeardMembership.contact_id == keep.id, SeldomHeardMembership.deleted_at.is_(None)
            )
        ).all()
        assert len(groups) == 2
        profiles = {p.contact_id: p for p in s.scalars(select(EqualityProfile))}
        assert profiles[keep.id].deleted_at is None and profiles[keep.id].age_band == "35–44"
        assert profiles[drop.id].deleted_at is not None  # archived, never deleted
        journal_sets = set(
            s.scalars(select(JournalEntry.change_set).where(JournalEntry.summary.like("%Rahman%")))
        )
        assert changes.change_set in journal_sets
    assert contacts.search_contacts(db, "aisha.b@example") == [keep.id]
    found = contacts.search_contacts(db, "rahman-begum")  # the person, and the organisations' members
    assert keep.id in found and drop.id not in found and len(found) == 3
    assert keep.id in contacts.search_contacts(db, "canal side")  # the organisation's members updated
    assert duplicates.likely_duplicates(db, AISHA) == [] or all(
        h.contact_id != drop.id for h in duplicates.likely_duplicates(db, AISHA)
    )

    undo = undo_last(db, admin)
    assert undo.restored["contacts"] == {drop.id}
    assert row_counts(db) == before_counts
    assert linked_rows(db, keep.id, drop.id) == before_rows
    assert view_state(db, keep.id) == before_keep
    assert view_state(db, drop.id) == before_drop
    assert canal_id in {m.organisation_id for m in contacts.get_contact(db, drop.id).memberships}


def test_after_undoing_a_merge_both_are_found_again(db: Database, admin: Actor, pair: Any) -> None:
    keep, drop = pair
    duplicates.merge_contacts(db, admin, keep.id, keep.version, drop.id, drop.version, {})
    assert contacts.search_contacts(db, "aisha.b@example") == [keep.id]
    undo_last(db, admin)
    assert contacts.search_contacts(db, "aisha.b@example") == [drop.id]


def test_merging_two_organisations_moves_their_members(db: Database, admin: Actor) -> None:
    org = ContactDraft(kind="organisation", name="Canal Side Tenants", postcode="E1 6AN")
    keep = add(db, admin, org)
    drop = add(db, admin, org.with_changes(name="Canal-Side Tenants Assoc.", organisation_type="Tenants"))
    ann = add(db, admin, ContactDraft(given_name="Ann", family_name="Lee"))
    raj = add(db, admin, ContactDraft(given_name="Raj", family_name="Kaur"))
    contacts.add_membership(db, admin, ann.id, keep.id, "Chair")
    contacts.add_membership(db, admin, ann.id, drop.id, "Treasurer")
    contacts.add_membership(db, admin, raj.id, drop.id)
    keep, drop = contacts.get_contact(db, keep.id), contacts.get_contact(db, drop.id)
    duplicates.merge_contacts(db, admin, keep.id, keep.version, drop.id, drop.version, {})
    merged = contacts.get_contact(db, keep.id)
    assert merged.name == "Canal Side Tenants" and merged.organisation_type == "Tenants"
    assert sorted((m.person_name, m.role) for m in merged.memberships) == [
        ("Ann Lee", "Chair"),
        ("Raj Kaur", None),
    ]
    assert contacts.search_contacts(db, "raj kaur") == [raj.id, keep.id] or set(
        contacts.search_contacts(db, "raj kaur")
    ) == {raj.id, keep.id}
    assert set(contacts.search_contacts(db, "canal-side")) == {keep.id, ann.id, raj.id}


def test_only_the_dropped_contact_has_equality_data_so_it_moves(db: Database, admin: Actor) -> None:
    keep = add(db, admin, AISHA)
    drop = add(db, admin, AISHA.with_changes(given_name="Aisha B"))
    with unit_of_work(db, admin, "equality") as uow:
        uow.add(EqualityProfile(contact_id=drop.id, ethnicity="Asian: Bangladeshi"))
    drop = contacts.get_contact(db, drop.id)
    duplicates.merge_contacts(db, admin, keep.id, keep.version, drop.id, drop.version, {})
    with db.read() as s:
        (profile,) = s.scalars(select(EqualityProfile)).all()
    assert profile.contact_id == keep.id and profile.deleted_at is None
    undo_last(db, admin)
    with db.read() as s:
        (profile,) = s.scalars(select(EqualityProfile)).all()
    assert profile.contact_id == drop.id


def test_a_stale_merge_is_refused_and_changes_nothing(db: Database, admin: Actor, pair: Any) -> None:
    keep, drop = pair
    contacts.update_contact(
        db, admin, drop.id, drop.version, contacts.get_contact(db, drop.id).as_draft().with_changes(notes="x")
    )
    before = linked_rows(db, keep.id, drop.id)
    with pytest.raises(ConflictError, match="Sam Patel"):
        duplicates.merge_contacts(db, admin, keep.id, keep.version, drop.id, drop.version, {})
    with pytest.raises(ConflictError):
        duplicates.merge_contacts(db, admin, keep.id, keep.version - 1, drop.id, drop.version + 1, {})
    assert linked_rows(db, keep.id, drop.id) == before
    assert not contacts.get_contact(db, drop.id).archived


def test_merge_refuses_what_makes_no_sense(db: Database, admin: Actor, pair: Any) -> None:
    keep, drop = pair
    org = add(db, admin, ContactDraft(kind="organisation", name="Aisha Rahman Ltd"))
    with pytest.raises(UserError, match="only two people or two organisations"):
        duplicates.merge_contacts(db, admin, keep.id, keep.version, org.id, org.version, {})
    with pytest.raises(UserError, match="with itself"):
        duplicates.merge_contacts(db, admin, keep.id, keep.version, keep.id, keep.version, {})
    with pytest.raises(ValidationError) as caught:
        duplicates.merge_contacts(
            db,
            admin,
            keep.id,
            keep.version,
            drop.id,
            drop.version,
            {"postcode": "both", "shoe": "keep", "notes": "x"},
        )
    assert set(caught.value.problems) == {"postcode", "shoe", "notes"}
    contacts.archive_contact(db, admin, drop.id, drop.version)
    with pytest.raises(NotFoundError):
        duplicates.merge_contacts(db, admin, keep.id, keep.version, drop.id, drop.version + 1, {})


def test_links_to_contacts_come_from_the_schema() -> None:
    found = {(t.name, c.name) for t, c in duplicates.links_to_contacts()}
    assert {
        ("consents", "contact_id"),
        ("contact_emails", "contact_id"),
        ("contact_phones", "contact_id"),
        ("contact_tags", "contact_id"),
        ("equality_profiles", "contact_id"),
        ("memberships", "person_id"),
        ("memberships", "organisation_id"),
        ("seldom_heard_memberships", "contact_id"),
    } <= found
    every = {
        (t.name, fk.parent.name)
        for t in Base.metadata.sorted_tables
        for fk in t.foreign_keys
        if fk.column is Contact.__table__.c.id
    }
    assert found == every


emails = st.lists(
    st.sampled_from(["a@example.org", "B@example.org", "c@example.net", "d@example.com"]), max_size=3
)
phones = st.lists(
    st.sampled_from(["07700 900001", "07700 900002", "020 7946 0003", "+33 1 42 68 53 00"]), max_size=3
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(emails, emails, phones, phones)
def test_merging_never_loses_an_email_or_a_phone(
    db: Database, admin: Actor, e1: list[str], e2: list[str], p1: list[str], p2: list[str]
) -> None:
    keep = add(
        db,
        admin,
        ContactDraft(given_name="K", emails=tuple(map(EmailEntry, e1)), phones=tuple(map(PhoneEntry, p1))),
    )
    drop = add(
        db,
        admin,
        ContactDraft(given_name="D", emails=tuple(map(EmailEntry, e2)), phones=tuple(map(PhoneEntry, p2))),
    )
    duplicates.merge_contacts(db, admin, keep.id, keep.version, drop.id, drop.version, {})
    merged = contacts.get_contact(db, keep.id)
    want_emails = {e.address.casefold() for e in (*keep.emails, *drop.emails)}
    assert sorted(e.address.casefold() for e in merged.emails) == sorted(want_emails)  # united, no repeats
    assert sorted(p.number for p in merged.phones) == sorted({p.number for p in (*keep.phones, *drop.phones)})
    with db.read() as s:
        live_children = s.scalar(
            select(func.count())
            .select_from(Contact)
            .where(or_(Contact.id == drop.id), Contact.deleted_at.is_(None))
        )
    assert live_children == 0


def test_the_hint_uses_indexes_only(db: Database, admin: Actor) -> None:
    """At 100,000 contacts a scan per keystroke would show: every look-up is by an index."""
    if not db.is_sqlite:
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    add(db, admin, AISHA)
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        duplicates.likely_duplicates(db, AISHA)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert len(statements) >= 6
    with db.engine.connect() as conn:
        for statement, parameters in statements:
            plan = [r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
            assert all(not step.startswith("SCAN") for step in plan), (statement, plan)
