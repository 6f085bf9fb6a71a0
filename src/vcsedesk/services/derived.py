"""Derived data kept in step after generic changes.

Services rewrite derived data (search documents) themselves when they change records.  A
generic change that knows nothing of areas — undo — calls :func:`refresh` with what it
changed, and each area's derived data is rebuilt for the records touched.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from vcsedesk.services.base import Changes
from vcsedesk.store.models import ContactEmail, ContactPhone, ContactTag, Membership

#: Child tables whose rows belong to a contact: (table, the row's id, its contact's id).
_CONTACT_CHILDREN = (
    ("contact_emails", ContactEmail.id, ContactEmail.contact_id),
    ("contact_phones", ContactPhone.id, ContactPhone.contact_id),
    ("contact_tags", ContactTag.id, ContactTag.contact_id),
)


def _touched(changes: Changes, table: str) -> set[uuid.UUID]:
    ids: set[uuid.UUID] = set()
    for kind in (changes.created, changes.updated, changes.archived, changes.restored):
        ids |= kind.get(table, set())
    return ids


def contacts_touched(session: Session, changes: Changes) -> set[uuid.UUID]:
    """Every contact whose searchable text may have changed."""
    contact_ids = _touched(changes, "contacts")
    for table, row_id, owner in _CONTACT_CHILDREN:
        ids = _touched(changes, table)
        if ids:
            contact_ids |= set(session.scalars(select(owner).where(row_id.in_(ids))))
    membership_ids = _touched(changes, "memberships")
    if membership_ids:
        for person, org in session.execute(
            select(Membership.person_id, Membership.organisation_id).where(Membership.id.in_(membership_ids))
        ):
            contact_ids |= {person, org}
    return contact_ids


def refresh(session: Session, changes: Changes) -> None:
    """Rebuild derived data for everything ``changes`` touched (inside its transaction)."""
    from vcsedesk.services.contacts import reindex

    for contact_id in sorted(contacts_touched(session, changes)):
        reindex(session, contact_id)
