"""A contact's timeline: everything that involves the person, newest first ("tell us once").

Each area contributes a *provider*: a function from (session, contact id) to timeline items.
Contacts and consent provide theirs here; engagements, meetings, claims and submissions add
theirs to ``PROVIDERS`` as they land, and the contact page shows them without change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vcsedesk.domain.consent import PURPOSE_LABELS, Purpose
from vcsedesk.services.base import Actor, Permission, may
from vcsedesk.store.database import Database
from vcsedesk.store.models import (
    ConsentRecord,
    Contact,
    ContactEmail,
    ContactPhone,
    JournalEntry,
    Membership,
    User,
)


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # "consent", "record", "membership", later "engagement", "claim", ...
    title: str
    detail: str = ""
    by: str = ""
    record_table: str = ""
    record_id: uuid.UUID | None = None


Provider = Callable[[Session, uuid.UUID], list[TimelineItem]]


def _consent_items(session: Session, contact_id: uuid.UUID) -> list[TimelineItem]:
    rows = session.execute(
        select(ConsentRecord, User.name)
        .outerjoin(User, User.id == ConsentRecord.recorded_by_id)
        .where(ConsentRecord.contact_id == contact_id, ConsentRecord.deleted_at.is_(None))
    ).all()
    items = []
    for row, recorder in rows:
        label = PURPOSE_LABELS[Purpose(row.purpose)]
        detail = f"{row.method.capitalize()}, dated {row.given_on:%d %b %Y}"
        if row.review_on:
            detail += f"; review by {row.review_on:%d %b %Y}"
        items.append(
            TimelineItem(
                at=moment(row.given_on, row.created_at),
                kind="consent",
                title=f"Consent {row.status}: {label.lower()}",
                detail=detail,
                by=recorder or "",
                record_table="consents",
                record_id=row.id,
            )
        )
    return items


def _record_items(session: Session, contact_id: uuid.UUID) -> list[TimelineItem]:
    """Changes to the contact itself and to its emails, phones and memberships, from the journal."""
    children = [
        *session.scalars(select(ContactEmail.id).where(ContactEmail.contact_id == contact_id)),
        *session.scalars(select(ContactPhone.id).where(ContactPhone.contact_id == contact_id)),
        *session.scalars(
            select(Membership.id).where(
                or_(Membership.person_id == contact_id, Membership.organisation_id == contact_id)
            )
        ),
    ]
    rows = session.execute(
        select(JournalEntry, User.name)
        .outerjoin(User, User.id == JournalEntry.actor_id)
        .where(JournalEntry.record_id.in_([contact_id, *children]))
        .order_by(JournalEntry.seq)
    ).all()
    seen_sets: dict[uuid.UUID, TimelineItem] = {}
    for entry, actor in rows:
        # One line per change set: "Changed person Aisha Rahman", not one per field row.
        if entry.change_set in seen_sets:
            continue
        kind = "membership" if entry.table_name == "memberships" else "record"
        seen_sets[entry.change_set] = TimelineItem(
            at=entry.at,
            kind=kind,
            title=entry.summary,
            by=actor or "",
            record_table=entry.table_name,
            record_id=entry.record_id,
        )
    return list(seen_sets.values())


def moment(day: date, recorded_at: datetime) -> datetime:
    """When a dated event happened: its date, at the time of day it was recorded."""
    if recorded_at.date() == day:
        return recorded_at
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


PROVIDERS: list[Provider] = [_record_items, _consent_items]


def timeline(db: Database, contact_id: uuid.UUID, actor: Actor | None = None) -> list[TimelineItem]:
    """Everything involving the contact, newest first.

    Given who is looking (``actor``), a person's claims are shown only to those who may see
    everyone's claims: a volunteer sees what they need for their task, not other people's
    money.  (Without an actor — the program itself — everything is returned.)
    """
    # The areas add their providers when imported; make sure every one has been.
    from vcsedesk.services import claims, engagements, meetings, returns  # noqa: F401

    with db.read() as session:
        if session.get(Contact, contact_id) is None:
            return []
        items = [item for provider in PROVIDERS for item in provider(session, contact_id)]
    if actor is not None and not may(actor, Permission.SEE_ALL_CLAIMS):
        items = [item for item in items if item.kind != "claim"]
    return sorted(items, key=lambda item: item.at, reverse=True)
