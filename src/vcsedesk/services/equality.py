"""Equality monitoring: special-category data, held apart from identities.

Only people whose role allows it (not volunteers) may see or record it; it never appears in
list views or general exports, and is only ever reported in aggregate.  Every question is
optional and offers "Prefer not to say".
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select

from vcsedesk.domain.contacts import ContactKind
from vcsedesk.domain.equality import QUESTION_BY_FIELD, QUESTIONS
from vcsedesk.domain.errors import ValidationError
from vcsedesk.domain.validation import Problems, clean_text
from vcsedesk.services.base import Actor, Changes, Permission, UnitOfWork, require, unit_of_work
from vcsedesk.store.database import Database
from vcsedesk.store.models import Contact, EqualityProfile, SeldomHeardGroup, SeldomHeardMembership


@dataclass(frozen=True)
class EqualityAnswers:
    contact_id: uuid.UUID
    version: int | None  # None: nothing recorded yet
    answers: dict[str, str | None]
    groups: tuple[str, ...]


def seldom_heard_groups(db: Database) -> list[str]:
    with db.read() as session:
        return list(
            session.scalars(
                select(SeldomHeardGroup.name)
                .where(SeldomHeardGroup.deleted_at.is_(None))
                .order_by(func.lower(SeldomHeardGroup.name))
            )
        )


def add_seldom_heard_group(db: Database, actor: Actor, name: str) -> Changes:
    require(actor, Permission.MANAGE_ORGANISATION)
    clean = clean_text(name, label="Group name", max_length=120, required=True)
    with unit_of_work(db, actor, f"Added the seldom-heard group “{clean}”") as uow:
        existing = uow.session.scalar(
            select(SeldomHeardGroup).where(func.lower(SeldomHeardGroup.name) == (clean or "").casefold())
        )
        if existing is not None and existing.deleted_at is None:
            raise ValidationError({"name": f"“{existing.name}” is already on the list."}, record="The group")
        if existing is not None:
            uow.restore(existing, None)
        else:
            uow.add(SeldomHeardGroup(name=clean))
    return uow.changes


def retire_seldom_heard_group(db: Database, actor: Actor, name: str) -> Changes:
    """Take a group off the list for new answers; people already in it keep it."""
    require(actor, Permission.MANAGE_ORGANISATION)
    with unit_of_work(db, actor, f"Retired the seldom-heard group “{name}”") as uow:
        group = uow.session.scalar(select(SeldomHeardGroup).where(SeldomHeardGroup.name == name))
        if group is None:
            raise ValidationError({"name": f"“{name}” is not on the list."}, record="The group")
        uow.archive(group, None)
    return uow.changes


def get_answers(db: Database, actor: Actor, contact_id: uuid.UUID) -> EqualityAnswers:
    require(actor, Permission.EQUALITY_MONITORING)
    with db.read() as session:
        profile = session.scalar(
            select(EqualityProfile).where(
                EqualityProfile.contact_id == contact_id, EqualityProfile.deleted_at.is_(None)
            )
        )
        groups = session.scalars(
            select(SeldomHeardGroup.name)
            .join(SeldomHeardMembership, SeldomHeardMembership.group_id == SeldomHeardGroup.id)
            .where(SeldomHeardMembership.contact_id == contact_id, SeldomHeardMembership.deleted_at.is_(None))
            .order_by(SeldomHeardGroup.name)
        ).all()
    answers = {q.field: (getattr(profile, q.field) if profile else None) for q in QUESTIONS}
    return EqualityAnswers(contact_id, profile.version if profile else None, answers, tuple(groups))


def set_answers(
    db: Database,
    actor: Actor,
    contact_id: uuid.UUID,
    expected_version: int | None,
    answers: Mapping[str, str | None],
    groups: set[str] | None = None,
) -> Changes:
    """Record (or change) a person's answers; blank means not answered.

    ``expected_version`` is the profile's version as shown (None when nothing was recorded).
    """
    require(actor, Permission.EQUALITY_MONITORING)
    p = Problems("The equality monitoring answers")
    clean: dict[str, str | None] = {}
    for field, value in answers.items():
        question = QUESTION_BY_FIELD.get(field)
        if question is None:
            raise ValueError(f"unknown equality question {field!r}")
        clean[field] = p.check(field, lambda q=question, v=value: q.clean(v))  # type: ignore[misc]
    p.raise_if_any()
    with unit_of_work(db, actor, "Recorded equality monitoring") as uow:
        contact = uow.get(Contact, contact_id)
        if contact.kind != ContactKind.PERSON:
            raise ValidationError(
                {"contact": f"{contact.name} is an organisation."}, record="Equality monitoring"
            )
        # Summaries name the person but never the answers: the journal is seen more widely.
        uow.summary = f"Recorded equality monitoring for {contact.name}"
        profile = uow.session.scalar(select(EqualityProfile).where(EqualityProfile.contact_id == contact_id))
        if profile is None:
            uow.add(EqualityProfile(contact_id=contact_id, **clean))
        else:
            if profile.deleted_at is not None:
                uow.restore(profile, None)
            uow.update(profile, clean, expected_version)
        if groups is not None:
            _set_groups(uow, contact_id, groups)
    return uow.changes


def _set_groups(uow: UnitOfWork, contact_id: uuid.UUID, names: set[str]) -> None:
    s = uow.session
    known = {g.name.casefold(): g for g in s.scalars(select(SeldomHeardGroup))}
    wanted = {}
    for name in names:
        group = known.get(name.casefold())
        if group is None:
            raise ValidationError(
                {"groups": f"“{name}” is not one of the organisation's seldom-heard groups."},
                record="Equality monitoring",
            )
        wanted[group.id] = group
    current = {
        m.group_id: m
        for m in s.scalars(
            select(SeldomHeardMembership).where(
                SeldomHeardMembership.contact_id == contact_id, SeldomHeardMembership.deleted_at.is_(None)
            )
        )
    }
    for group_id, membership in current.items():
        if group_id not in wanted:
            uow.archive(membership, None)
    for group_id in wanted.keys() - current.keys():
        uow.add(SeldomHeardMembership(contact_id=contact_id, group_id=group_id))
