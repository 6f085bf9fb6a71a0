"""Derived data kept in step after generic changes.

Services rewrite derived data (search documents) themselves when they change records.  A
generic change that knows nothing of areas — undo — calls :func:`refresh` with what it
changed, and each area's derived data is rebuilt for the records touched.

Every ``IN (…)`` list is sent :data:`~vcsedesk.services.base.CHUNK` ids at a time: an undo of
a large import touches far more records than a statement may have parameters.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vcsedesk.services.base import Changes, chunked
from vcsedesk.store.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Engagement,
    EngagementFacilitator,
    EngagementParticipant,
    EngagementTheme,
    HeadcountGroup,
    Membership,
    Quote,
    QuoteTheme,
    SearchDocument,
)

#: Child tables whose rows belong to a contact: (table, the row's id, its contact's id).
_CONTACT_CHILDREN = (
    ("contact_emails", ContactEmail.id, ContactEmail.contact_id),
    ("contact_phones", ContactPhone.id, ContactPhone.contact_id),
    ("contact_tags", ContactTag.id, ContactTag.contact_id),
)


def _touched(changes: Changes, table: str) -> list[uuid.UUID]:
    ids: set[uuid.UUID] = set()
    for kind in (changes.created, changes.updated, changes.archived, changes.restored):
        ids |= kind.get(table, set())
    return list(ids)


def contacts_touched(session: Session, changes: Changes) -> set[uuid.UUID]:
    """Every contact whose searchable text may have changed."""
    contact_ids = set(_touched(changes, "contacts"))
    for table, row_id, owner in _CONTACT_CHILDREN:
        for chunk in chunked(_touched(changes, table)):
            contact_ids.update(session.scalars(select(owner).where(row_id.in_(chunk))))
    for chunk in chunked(_touched(changes, "memberships")):
        for person, org in session.execute(
            select(Membership.person_id, Membership.organisation_id).where(Membership.id.in_(chunk))
        ):
            contact_ids |= {person, org}
    return contact_ids


#: Child tables whose rows belong to an engagement: (table, the row's id, its engagement's id).
_ENGAGEMENT_CHILDREN = (
    ("engagement_facilitators", EngagementFacilitator.id, EngagementFacilitator.engagement_id),
    ("engagement_participants", EngagementParticipant.id, EngagementParticipant.engagement_id),
    ("engagement_themes", EngagementTheme.id, EngagementTheme.engagement_id),
    ("headcount_groups", HeadcountGroup.id, HeadcountGroup.engagement_id),
    ("quotes", Quote.id, Quote.engagement_id),
)


def engagements_touched(session: Session, changes: Changes) -> set[uuid.UUID]:
    """Every engagement whose searchable text (or its quotes') may have changed."""
    ids = set(_touched(changes, "engagements"))
    for table, row_id, owner in _ENGAGEMENT_CHILDREN:
        for chunk in chunked(_touched(changes, table)):
            ids.update(session.scalars(select(owner).where(row_id.in_(chunk))))
    for chunk in chunked(_touched(changes, "quote_themes")):
        ids.update(
            session.scalars(
                select(Quote.engagement_id)
                .join(QuoteTheme, QuoteTheme.quote_id == Quote.id)
                .where(QuoteTheme.id.in_(chunk))
            )
        )
    return ids


def _refresh_engagements(session: Session, changes: Changes) -> None:
    """Engagements archived afterwards lose their and their quotes' search documents a chunk at
    a time (an undone bulk load of half a million notes); live ones are reindexed."""
    from vcsedesk.services.engagements import QUOTE_KIND, SEARCH_KIND, reindex

    touched = list(engagements_touched(session, changes))
    live: set[uuid.UUID] = set()
    for chunk in chunked(touched):
        live.update(
            session.scalars(
                select(Engagement.id).where(Engagement.id.in_(chunk), Engagement.deleted_at.is_(None))
            )
        )
    for chunk in chunked([e for e in touched if e not in live]):
        session.execute(
            delete(SearchDocument).where(
                SearchDocument.kind == SEARCH_KIND, SearchDocument.record_id.in_(chunk)
            )
        )
        session.execute(
            delete(SearchDocument).where(
                SearchDocument.kind == QUOTE_KIND,
                SearchDocument.record_id.in_(select(Quote.id).where(Quote.engagement_id.in_(chunk))),
            )
        )
    for engagement_id in sorted(live):
        reindex(session, engagement_id)


def refresh(session: Session, changes: Changes) -> None:
    """Rebuild derived data for everything ``changes`` touched (inside its transaction).

    Contacts that are archived (or gone) afterwards lose their search documents a chunk at a
    time; live ones are reindexed one by one, which is what an undo of a large *archive*
    would still pay for.
    """
    from vcsedesk.services.contacts import SEARCH_KIND, reindex

    session.flush()
    touched = list(contacts_touched(session, changes))
    live: set[uuid.UUID] = set()
    for chunk in chunked(touched):
        live.update(
            session.scalars(select(Contact.id).where(Contact.id.in_(chunk), Contact.deleted_at.is_(None)))
        )
    for chunk in chunked([c for c in touched if c not in live]):
        session.execute(
            delete(SearchDocument).where(
                SearchDocument.kind == SEARCH_KIND, SearchDocument.record_id.in_(chunk)
            )
        )
    for contact_id in sorted(live):
        reindex(session, contact_id)
    _refresh_engagements(session, changes)
    from vcsedesk.services.meetings import refresh_search as refresh_meetings

    refresh_meetings(session, changes)
