"""The organisation profile: one per database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from vcsedesk.domain.errors import NotFoundError
from vcsedesk.domain.organisation import FIELD_LABELS, clean_profile
from vcsedesk.services.base import Actor, Changes, Permission, require, unit_of_work
from vcsedesk.store.database import Database
from vcsedesk.store.models import Organisation


@dataclass(frozen=True)
class Profile:
    id: uuid.UUID
    version: int
    name: str
    charity_number: str | None
    company_number: str | None
    address: str | None
    postcode: str | None
    logo: bytes | None
    logo_type: str | None
    retention_years: int

    @classmethod
    def of(cls, org: Organisation) -> Profile:
        return cls(**{f: getattr(org, f) for f in cls.__dataclass_fields__})


def get_profile(db: Database) -> Profile | None:
    with db.read() as session:
        org = session.scalars(select(Organisation).where(Organisation.deleted_at.is_(None))).first()
        return Profile.of(org) if org else None


def update_profile(db: Database, actor: Actor, expected_version: int, **values: Any) -> Changes:
    """Change profile fields; refused with every problem named, or if someone saved first."""
    require(actor, Permission.MANAGE_ORGANISATION)
    clean = clean_profile(values)
    changed = ", ".join(FIELD_LABELS[k].lower() for k in values)
    with unit_of_work(db, actor, f"Changed the organisation's {changed}") as uow:
        org = uow.session.scalars(select(Organisation).where(Organisation.deleted_at.is_(None))).first()
        if org is None:
            raise NotFoundError("There is no organisation profile yet; finish setting up first.")
        uow.update(org, clean, expected_version)
    return uow.changes
