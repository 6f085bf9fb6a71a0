"""Contacts: people and organisations, their emails, phones, tags, ward and memberships.

Every change is validated (domain.contacts.clean_contact), permission-checked, and written
with its journal entries and its search document in one transaction.  Child rows (emails,
phones, tags) are records in their own right, so an edit journals exactly which were added,
changed or removed, and undo puts them back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vcsedesk.domain.contacts import (
    CleanContact,
    ContactDraft,
    ContactKind,
    EmailEntry,
    PhoneEntry,
    clean_contact,
)
from vcsedesk.domain.errors import UserError, ValidationError
from vcsedesk.domain.phones import display_phone, search_forms
from vcsedesk.domain.validation import clean_text
from vcsedesk.services.base import Actor, Changes, Permission, UnitOfWork, require, unit_of_work
from vcsedesk.store import search
from vcsedesk.store.database import Database
from vcsedesk.store.models import Contact, ContactEmail, ContactPhone, ContactTag, Membership, Tag, Ward

SEARCH_KIND = "contact"


# -- reading ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class MembershipView:
    id: uuid.UUID
    version: int
    person_id: uuid.UUID
    person_name: str
    organisation_id: uuid.UUID
    organisation_name: str
    role: str | None


@dataclass(frozen=True)
class ContactView:
    """Everything the contact page shows (equality monitoring is fetched separately)."""

    id: uuid.UUID
    version: int
    kind: ContactKind
    name: str
    given_name: str | None
    family_name: str | None
    organisation_type: str | None
    emails: tuple[EmailEntry, ...]
    phones: tuple[PhoneEntry, ...]
    address: str | None
    postcode: str | None
    ward: str | None
    preferred_language: str | None
    interpreter_needed: bool
    access_needs: tuple[str, ...]
    how_we_met: str | None
    notes: str | None
    tags: tuple[str, ...]
    memberships: tuple[MembershipView, ...]
    archived: bool
    created_at: datetime
    updated_at: datetime

    def as_draft(self) -> ContactDraft:
        """The contact as an editable draft (for a form or a merge)."""
        return ContactDraft(
            kind=self.kind.value,
            given_name=self.given_name,
            family_name=self.family_name,
            name=self.name
            if self.kind is ContactKind.ORGANISATION or not (self.given_name or self.family_name)
            else None,
            organisation_type=self.organisation_type,
            emails=self.emails,
            phones=self.phones,
            address=self.address,
            postcode=self.postcode,
            ward=self.ward,
            preferred_language=self.preferred_language,
            interpreter_needed=self.interpreter_needed,
            access_needs=self.access_needs,
            how_we_met=self.how_we_met,
            notes=self.notes,
            tags=self.tags,
        )

    @property
    def phone_display(self) -> tuple[str, ...]:
        return tuple(display_phone(p.number) for p in self.phones)


def _live(model: type, contact_id: uuid.UUID) -> object:
    return select(model).where(model.contact_id == contact_id, model.deleted_at.is_(None))  # type: ignore[attr-defined]


def load_view(session: Session, contact_id: uuid.UUID) -> ContactView:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise UserError("That contact no longer exists.")
    emails = session.scalars(_live(ContactEmail, contact_id).order_by(ContactEmail.created_at)).all()  # type: ignore[attr-defined]
    phones = session.scalars(_live(ContactPhone, contact_id).order_by(ContactPhone.created_at)).all()  # type: ignore[attr-defined]
    tags = session.scalars(
        select(Tag.name)
        .join(ContactTag, ContactTag.tag_id == Tag.id)
        .where(ContactTag.contact_id == contact_id, ContactTag.deleted_at.is_(None))
        .order_by(func.lower(Tag.name))
    ).all()
    ward = session.get(Ward, contact.ward_id) if contact.ward_id else None
    person, org = Contact.__table__.alias("person"), Contact.__table__.alias("org")
    rows = session.execute(
        select(Membership, person.c.name, org.c.name)
        .join(person, person.c.id == Membership.person_id)
        .join(org, org.c.id == Membership.organisation_id)
        .where(
            (Membership.person_id == contact_id) | (Membership.organisation_id == contact_id),
            Membership.deleted_at.is_(None),
        )
        .order_by(org.c.name, person.c.name)
    ).all()
    memberships = tuple(
        MembershipView(m.id, m.version, m.person_id, pname, m.organisation_id, oname, m.role)
        for m, pname, oname in rows
    )
    return ContactView(
        id=contact.id,
        version=contact.version,
        kind=ContactKind(contact.kind),
        name=contact.name,
        given_name=contact.given_name,
        family_name=contact.family_name,
        organisation_type=contact.organisation_type,
        emails=tuple(EmailEntry(e.address, e.label) for e in emails),
        phones=tuple(PhoneEntry(p.number, p.label) for p in phones),
        address=contact.address,
        postcode=contact.postcode,
        ward=ward.name if ward else None,
        preferred_language=contact.preferred_language,
        interpreter_needed=contact.interpreter_needed,
        access_needs=tuple(contact.access_needs or ()),
        how_we_met=contact.how_we_met,
        notes=contact.notes,
        tags=tuple(tags),
        memberships=memberships,
        archived=contact.deleted_at is not None,
        created_at=contact.created_at,
        updated_at=contact.updated_at,
    )


def get_contact(db: Database, contact_id: uuid.UUID) -> ContactView:
    with db.read() as session:
        return load_view(session, contact_id)


# -- writing ----------------------------------------------------------------------------------
def create_contact(db: Database, actor: Actor, draft: ContactDraft) -> Changes:
    """Add a person or organisation; returns the changes (the new id in ``created['contacts']``)."""
    require(actor, Permission.EDIT_RECORDS)
    clean = clean_contact(draft)
    with unit_of_work(db, actor, f"Added {clean.kind.value} {clean.name}") as uow:
        add_clean_contact(uow, clean)
    return uow.changes


def add_clean_contact(uow: UnitOfWork, clean: CleanContact, contact_id: uuid.UUID | None = None) -> Contact:
    """Write a validated contact inside an open unit of work (used by create and by import)."""
    contact = Contact(**clean.record_values(), ward_id=_ward_id(uow, clean.ward))
    if contact_id is not None:
        contact.id = contact_id
    uow.add(contact)
    _sync_children(uow, contact, clean)
    reindex(uow.session, contact.id)
    return contact


def update_contact(
    db: Database, actor: Actor, contact_id: uuid.UUID, expected_version: int, draft: ContactDraft
) -> Changes:
    """Save an edited contact.  Refused, changing nothing, if someone saved it first."""
    require(actor, Permission.EDIT_RECORDS)
    clean = clean_contact(draft)
    with unit_of_work(db, actor, f"Changed {clean.kind.value} {clean.name}") as uow:
        contact = uow.get(Contact, contact_id)
        uow.check_version(contact, expected_version)
        values = clean.record_values() | {"ward_id": _ward_id(uow, clean.ward)}
        uow.update(contact, values, expected_version)
        if _sync_children(uow, contact, clean):
            uow.touch(contact)
        reindex(uow.session, contact.id)
    return uow.changes


def archive_contact(db: Database, actor: Actor, contact_id: uuid.UUID, expected_version: int) -> Changes:
    """Archive (tombstone) a contact: gone from lists and searches, nothing lost, restorable."""
    require(actor, Permission.EDIT_RECORDS)
    with unit_of_work(db, actor, "Archived a contact") as uow:
        contact = uow.get(Contact, contact_id)
        uow.summary = f"Archived {contact.kind} {contact.name}"
        uow.archive(contact, expected_version, summary=uow.summary)
        search.remove(uow.session, SEARCH_KIND, contact.id)
    return uow.changes


def restore_contact(db: Database, actor: Actor, contact_id: uuid.UUID, expected_version: int) -> Changes:
    require(actor, Permission.EDIT_RECORDS)
    with unit_of_work(db, actor, "Restored a contact") as uow:
        contact = uow.get(Contact, contact_id, include_archived=True)
        uow.summary = f"Restored {contact.kind} {contact.name}"
        uow.restore(contact, expected_version, summary=uow.summary)
        reindex(uow.session, contact.id)
    return uow.changes


def add_membership(
    db: Database, actor: Actor, person_id: uuid.UUID, organisation_id: uuid.UUID, role: str | None = None
) -> Changes:
    """Record that a person belongs to an organisation, with their role there."""
    require(actor, Permission.EDIT_RECORDS)
    role_text = clean_text(role, label="Role", max_length=120) if role else None
    with unit_of_work(db, actor, "Added a membership") as uow:
        person = uow.get(Contact, person_id)
        org = uow.get(Contact, organisation_id)
        problems = {}
        if person.kind != ContactKind.PERSON:
            problems["person"] = f"{person.name} is an organisation, not a person."
        if org.kind != ContactKind.ORGANISATION:
            problems["organisation"] = f"{org.name} is a person, not an organisation."
        if problems:
            raise ValidationError(problems, record="The membership")
        existing = uow.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(
                Membership.person_id == person_id,
                Membership.organisation_id == organisation_id,
                Membership.deleted_at.is_(None),
            )
        )
        if existing:
            raise UserError(f"{person.name} is already a member of {org.name}.")
        uow.summary = f"{person.name} joined {org.name}" + (f" as {role_text}" if role_text else "")
        uow.add(Membership(person_id=person_id, organisation_id=organisation_id, role=role_text))
        reindex(uow.session, person_id)
    return uow.changes


def end_membership(db: Database, actor: Actor, membership_id: uuid.UUID, expected_version: int) -> Changes:
    require(actor, Permission.EDIT_RECORDS)
    with unit_of_work(db, actor, "Ended a membership") as uow:
        membership = uow.get(Membership, membership_id)
        person = uow.get(Contact, membership.person_id, include_archived=True)
        org = uow.get(Contact, membership.organisation_id, include_archived=True)
        uow.summary = f"{person.name} left {org.name}"
        uow.archive(membership, expected_version, summary=uow.summary)
        reindex(uow.session, person.id)
    return uow.changes


def wards(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.scalars(select(Ward.name).where(Ward.deleted_at.is_(None)).order_by(Ward.name)))


def add_ward(db: Database, actor: Actor, name: str) -> Changes:
    require(actor, Permission.MANAGE_ORGANISATION)
    clean = clean_text(name, label="Ward", max_length=120, required=True)
    with unit_of_work(db, actor, f"Added ward {clean}") as uow:
        _ward_id(uow, clean, create=True)
    return uow.changes


# -- internals --------------------------------------------------------------------------------
def _ward_id(uow: UnitOfWork, name: str | None, *, create: bool = False) -> uuid.UUID | None:
    """The ward's id; an unknown ward is refused unless ``create`` (the list is the organisation's)."""
    if not name:
        return None
    ward = uow.session.scalar(select(Ward).where(func.lower(Ward.name) == name.casefold()))
    if ward is not None:
        if ward.deleted_at is not None:
            raise ValidationError({"ward": f"The ward “{ward.name}” has been retired."}, record="The contact")
        return ward.id
    if not create:
        known = uow.session.scalars(
            select(Ward.name).where(Ward.deleted_at.is_(None)).order_by(Ward.name)
        ).all()
        hint = (
            f" Known wards: {', '.join(known[:12])}{'…' if len(known) > 12 else ''}."
            if known
            else (" No wards have been set up yet: add them under Organisation.")
        )
        raise ValidationError(
            {"ward": f"“{name}” is not one of the organisation's wards.{hint}"}, record="The contact"
        )
    ward = uow.add(Ward(name=name))
    return ward.id


def _tag_id(uow: UnitOfWork, name: str) -> uuid.UUID:
    tag = uow.session.scalar(select(Tag).where(func.lower(Tag.name) == name.casefold()))
    if tag is None:
        tag = uow.add(Tag(name=name), summary=f"Added tag {name}")
    elif tag.deleted_at is not None:
        uow.restore(tag, None)
    return tag.id


def _sync_children(uow: UnitOfWork, contact: Contact, clean: CleanContact) -> bool:
    """Make the contact's emails, phones and tags what ``clean`` says; True if any changed."""
    changed = False
    s = uow.session
    emails = {e.address.casefold(): e for e in s.scalars(_live(ContactEmail, contact.id))}  # type: ignore[call-overload]
    wanted_emails = {e.address.casefold(): e for e in clean.emails}
    for key, row in emails.items():
        if key not in wanted_emails:
            uow.archive(row, None, summary=f"Removed email {row.address} from {contact.name}")
            changed = True
        elif (row.label, row.address) != (wanted_emails[key].label, wanted_emails[key].address):
            uow.update(row, {"label": wanted_emails[key].label, "address": wanted_emails[key].address}, None)
            changed = True
    for key, entry in wanted_emails.items():
        if key not in emails:
            uow.add(
                ContactEmail(contact_id=contact.id, label=entry.label, address=entry.address),
                summary=f"Added email {entry.address} to {contact.name}",
            )
            changed = True
    phones = {p.number: p for p in s.scalars(_live(ContactPhone, contact.id))}  # type: ignore[call-overload]
    wanted_phones = {p.number: p for p in clean.phones}
    for key, row in phones.items():
        if key not in wanted_phones:
            uow.archive(row, None, summary=f"Removed phone {row.number} from {contact.name}")
            changed = True
        elif row.label != wanted_phones[key].label:
            uow.update(row, {"label": wanted_phones[key].label}, None)
            changed = True
    for key, phone in wanted_phones.items():
        if key not in phones:
            uow.add(
                ContactPhone(contact_id=contact.id, label=phone.label, number=phone.number),
                summary=f"Added phone {phone.number} to {contact.name}",
            )
            changed = True
    links = {
        name.casefold(): link
        for link, name in s.execute(
            select(ContactTag, Tag.name)
            .join(Tag, Tag.id == ContactTag.tag_id)
            .where(ContactTag.contact_id == contact.id, ContactTag.deleted_at.is_(None))
        ).all()
    }
    wanted_tags = {t.casefold(): t for t in clean.tags}
    for key, link in links.items():
        if key not in wanted_tags:
            uow.archive(link, None, summary=f"Removed a tag from {contact.name}")
            changed = True
    for key, name in wanted_tags.items():
        if key not in links:
            uow.add(
                ContactTag(contact_id=contact.id, tag_id=_tag_id(uow, name)),
                summary=f"Tagged {contact.name} “{name}”",
            )
            changed = True
    return changed


def reindex(session: Session, contact_id: uuid.UUID) -> None:
    """Rewrite the contact's search document from what is stored now."""
    session.flush()
    view = load_view(session, contact_id)
    if view.archived:
        search.remove(session, SEARCH_KIND, contact_id)
        return
    phone_forms = [f for p in view.phones for f in search_forms(p.number)]
    postcode_forms = [view.postcode, view.postcode.replace(" ", "")] if view.postcode else []
    orgs = [m.organisation_name for m in view.memberships if m.person_id == contact_id]
    members = [m.person_name for m in view.memberships if m.organisation_id == contact_id]
    search.put(
        session,
        SEARCH_KIND,
        contact_id,
        [
            view.name,
            view.given_name,
            view.family_name,
            view.organisation_type,
            *orgs,
            *members,
            *(e.address for e in view.emails),
            *phone_forms,
            *postcode_forms,
            view.address,
            view.ward,
            *view.tags,
            view.notes,
            view.how_we_met,
        ],
    )


def search_contacts(db: Database, query: str, *, limit: int = 200) -> list[uuid.UUID]:
    """Contacts matching what was typed (names, organisations, emails, phones in any format,
    postcodes, notes), best first."""
    with db.read() as session:
        return search.search(session, SEARCH_KIND, query, limit=limit)


def ids_in_order(db: Database, ids: Sequence[uuid.UUID]) -> list[ContactView]:
    with db.read() as session:
        return [load_view(session, i) for i in ids]
