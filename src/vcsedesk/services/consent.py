"""Consent: record it, read its history, and answer the one question every export asks.

History is kept: a new statement is a new line, never an edit of an old one.  A line
entered by mistake is archived (journalled, undoable), not rewritten.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vcsedesk.domain import consent as rules
from vcsedesk.domain.consent import ConsentLine, ConsentMethod, ConsentStatus, Decision, Purpose
from vcsedesk.domain.contacts import ContactKind
from vcsedesk.domain.errors import ValidationError
from vcsedesk.domain.validation import Invalid, Problems, clean_multiline
from vcsedesk.services.base import Actor, Changes, Permission, require, unit_of_work
from vcsedesk.store.database import Database
from vcsedesk.store.models import ConsentRecord, Contact, User

#: How far ahead a review date may be set, and how far back a consent may be dated.
MAX_YEARS_AHEAD = 10


@dataclass(frozen=True)
class ConsentEntry:
    """A line of history as the contact page shows it."""

    id: uuid.UUID
    version: int
    line: ConsentLine

    @property
    def purpose(self) -> Purpose:
        return self.line.purpose


def _enum(kind: type, value: object, what: str) -> object:
    try:
        return kind(str(value).strip().lower())
    except ValueError:
        options = ", ".join(m.value for m in kind)  # type: ignore[attr-defined]
        raise Invalid(f"“{value}” is not a {what}; choose {options}.") from None


def record_consent(
    db: Database,
    actor: Actor,
    contact_id: uuid.UUID,
    *,
    purpose: str,
    status: str,
    on: date,
    method: str,
    evidence: str | None = None,
    review_on: date | None = None,
    today: date | None = None,
) -> Changes:
    """Add a line to a person's consent history."""
    require(actor, Permission.EDIT_RECORDS)
    today = today or datetime.now(UTC).date()
    p = Problems("The consent")
    purpose_v = p.check("purpose", lambda: _enum(Purpose, purpose, "consent purpose"))
    status_v = p.check("status", lambda: _enum(ConsentStatus, status, "consent status"))
    method_v = p.check("method", lambda: _enum(ConsentMethod, method, "way of recording consent"))
    evidence_v = p.check("evidence", lambda: clean_multiline(evidence, label="Evidence", max_length=2000))
    if on > today:
        p.by_field["on"] = (
            f"The date {on:%d %b %Y} is in the future; record consent on or after the day it was given."
        )
    if review_on is not None:
        if review_on <= on:
            p.by_field["review_on"] = "The review date must come after the date consent was given."
        elif review_on.year - today.year > MAX_YEARS_AHEAD:
            p.by_field["review_on"] = f"The review date is more than {MAX_YEARS_AHEAD} years away."
    p.raise_if_any()
    assert isinstance(purpose_v, Purpose) and isinstance(status_v, ConsentStatus)
    assert isinstance(method_v, ConsentMethod)
    with unit_of_work(db, actor, "Recorded consent") as uow:
        contact = uow.get(Contact, contact_id)
        if contact.kind != ContactKind.PERSON:
            raise ValidationError(
                {"contact": f"{contact.name} is an organisation; consent is given by people."},
                record="The consent",
            )
        uow.summary = (
            f"{contact.name}: {purpose_v.label.lower()} — {status_v.value} ({on:%d %b %Y}, {method_v.value})"
        )
        uow.add(
            ConsentRecord(
                contact_id=contact_id,
                purpose=purpose_v.value,
                status=status_v.value,
                given_on=on,
                method=method_v.value,
                recorded_by_id=actor.user_id,
                evidence=evidence_v,
                review_on=review_on,
            ),
            summary=uow.summary,
        )
    return uow.changes


def archive_consent_line(db: Database, actor: Actor, consent_id: uuid.UUID, expected_version: int) -> Changes:
    """Remove a line entered by mistake (it stays in the journal; undo brings it back)."""
    require(actor, Permission.EDIT_RECORDS)
    with unit_of_work(db, actor, "Removed a consent line entered by mistake") as uow:
        line = uow.get(ConsentRecord, consent_id)
        uow.archive(line, expected_version)
    return uow.changes


def _lines(session: Session, contact_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ConsentEntry]]:
    rows = session.execute(
        select(ConsentRecord, User.name)
        .outerjoin(User, User.id == ConsentRecord.recorded_by_id)
        .where(ConsentRecord.contact_id.in_(contact_ids), ConsentRecord.deleted_at.is_(None))
        .order_by(ConsentRecord.given_on.desc(), ConsentRecord.created_at.desc())
    ).all()
    out: dict[uuid.UUID, list[ConsentEntry]] = {cid: [] for cid in contact_ids}
    for row, recorder in rows:
        out[row.contact_id].append(
            ConsentEntry(
                id=row.id,
                version=row.version,
                line=ConsentLine(
                    purpose=Purpose(row.purpose),
                    status=ConsentStatus(row.status),
                    on=row.given_on,
                    method=ConsentMethod(row.method),
                    recorded_at=row.created_at,
                    review_on=row.review_on,
                    recorded_by=recorder or "",
                    evidence=row.evidence,
                ),
            )
        )
    return out


def history(db: Database, contact_id: uuid.UUID) -> list[ConsentEntry]:
    """Every live line for the person, newest first."""
    with db.read() as session:
        return _lines(session, [contact_id])[contact_id]


def may_use(db: Database, contact_id: uuid.UUID, purpose: Purpose, on: date) -> Decision:
    """May this person's data be used for ``purpose`` on ``on``?  With the reason.

    Every export asks this; an archived (or erased) person may not be used for anything.
    """
    return may_use_many(db, [contact_id], purpose, on)[contact_id]


def may_use_many(
    db: Database, contact_ids: list[uuid.UUID], purpose: Purpose, on: date
) -> dict[uuid.UUID, Decision]:
    """:func:`may_use` for many people at once (one query)."""
    with db.read() as session:
        return decisions(session, contact_ids, purpose, on)


def decisions(
    session: Session, contact_ids: list[uuid.UUID], purpose: Purpose, on: date
) -> dict[uuid.UUID, Decision]:
    """:func:`may_use_many` inside a session already open (a service's unit of work)."""
    lines = _lines(session, contact_ids)
    archived = set(
        session.scalars(
            select(Contact.id).where(Contact.id.in_(contact_ids), Contact.deleted_at.is_not(None))
        )
    )
    out = {}
    for cid in contact_ids:
        if cid in archived:
            out[cid] = Decision(False, "The person's record has been archived.")
        else:
            out[cid] = rules.decide([e.line for e in lines.get(cid, [])], purpose, on)
    return out


def current_state(db: Database, contact_id: uuid.UUID, on: date) -> dict[Purpose, Decision]:
    """Each purpose's decision for one person on a date (the consent panel)."""
    lines = [e.line for e in history(db, contact_id)]
    return {purpose: rules.decide(lines, purpose, on) for purpose in Purpose}


@dataclass(frozen=True)
class DueReview:
    contact_id: uuid.UUID
    contact_name: str
    line: ConsentLine


def reviews_due(db: Database, today: date) -> list[DueReview]:
    """Consents in force whose review date has arrived, oldest first (for the dashboard)."""
    with db.read() as session:
        candidates = session.execute(
            select(ConsentRecord.contact_id, Contact.name)
            .join(Contact, Contact.id == ConsentRecord.contact_id)
            .where(
                ConsentRecord.review_on <= today,
                ConsentRecord.deleted_at.is_(None),
                Contact.deleted_at.is_(None),
            )
            .distinct()
        ).all()
        names = dict(candidates)
        lines = _lines(session, list(names))
    due = [
        DueReview(cid, names[cid], line)
        for cid, entries in lines.items()
        for line in rules.reviews_due([e.line for e in entries], today)
    ]
    return sorted(due, key=lambda d: (d.line.review_on or today, d.contact_name))


def count_with_state(db: Database, purpose: Purpose, status: ConsentStatus, on: date) -> int:
    """How many live people's current line for ``purpose`` has ``status`` on ``on``."""
    with db.read() as session:
        latest = (
            select(
                ConsentRecord.contact_id,
                ConsentRecord.status,
                func.row_number()
                .over(
                    partition_by=ConsentRecord.contact_id,
                    order_by=(ConsentRecord.given_on.desc(), ConsentRecord.created_at.desc()),
                )
                .label("n"),
            )
            .where(
                ConsentRecord.purpose == purpose.value,
                ConsentRecord.given_on <= on,
                ConsentRecord.deleted_at.is_(None),
            )
            .subquery()
        )
        return int(
            session.scalar(
                select(func.count())
                .select_from(latest)
                .join(Contact, Contact.id == latest.c.contact_id)
                .where(latest.c.n == 1, latest.c.status == status.value, Contact.deleted_at.is_(None))
            )
            or 0
        )
