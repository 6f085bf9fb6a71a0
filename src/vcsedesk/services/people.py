"""The people who act on the data (users) and the installations they use (devices)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from vcsedesk.domain.errors import NotFoundError, UserError
from vcsedesk.domain.validation import Invalid, Problems, clean_email, clean_text
from vcsedesk.services.base import Actor, Changes, Permission, Role, require, unit_of_work, utcnow
from vcsedesk.store.database import Database
from vcsedesk.store.models import Device, User


@dataclass(frozen=True)
class UserInfo:
    id: uuid.UUID
    version: int
    name: str
    role: Role
    email: str | None
    archived: bool

    @classmethod
    def of(cls, user: User) -> UserInfo:
        return cls(
            user.id,
            user.version,
            user.name,
            Role(user.role),
            user.email,
            user.deleted_at is not None,
        )


def clean_role(value: object) -> Role:
    try:
        return Role(str(value).strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise Invalid(f"“{value}” is not a role; choose one of {names}.") from None


def clean_user(values: dict[str, Any]) -> dict[str, Any]:
    problems = Problems("The user")
    out: dict[str, Any] = {}
    if "name" in values:
        out["name"] = problems.check(
            "name", lambda: clean_text(values["name"], label="Name", max_length=120, required=True)
        )
    if "role" in values:
        role = problems.check("role", lambda: clean_role(values["role"]))
        out["role"] = role.value if role else None
    if "email" in values:
        out["email"] = problems.check("email", lambda: clean_email(values["email"]))
    problems.raise_if_any()
    return out


def list_users(db: Database, *, include_archived: bool = False) -> list[UserInfo]:
    with db.read() as session:
        query = select(User).order_by(func.lower(User.name))
        if not include_archived:
            query = query.where(User.deleted_at.is_(None))
        return [UserInfo.of(u) for u in session.scalars(query)]


def get_user(db: Database, user_id: uuid.UUID) -> UserInfo:
    with db.read() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFoundError("That user no longer exists.")
        return UserInfo.of(user)


def actor_for(db: Database, user_id: uuid.UUID, device_id: uuid.UUID | None) -> Actor:
    """The Actor for an active user working on this device."""
    user = get_user(db, user_id)
    if user.archived:
        raise UserError(f"{user.name}'s account has been archived; ask an administrator to restore it.")
    return Actor(user_id=user.id, name=user.name, role=user.role, device_id=device_id)


def add_user(db: Database, actor: Actor, *, name: str, role: str, email: str | None = None) -> Changes:
    require(actor, Permission.MANAGE_USERS)
    clean = clean_user({"name": name, "role": role, "email": email})
    with unit_of_work(db, actor, f"Added user {clean['name']} ({clean['role']})") as uow:
        uow.add(User(**clean))
    return uow.changes


def update_user(
    db: Database, actor: Actor, user_id: uuid.UUID, expected_version: int, **values: Any
) -> Changes:
    require(actor, Permission.MANAGE_USERS)
    clean = clean_user(values)
    with unit_of_work(db, actor, "Changed a user") as uow:
        user = uow.get(User, user_id)
        if user.id == actor.user_id and clean.get("role", user.role) != Role.ADMINISTRATOR:
            _refuse_if_last_administrator(uow.session, user, "change your own role")
        uow.summary = f"Changed user {user.name}"
        uow.update(user, clean, expected_version, summary=f"Changed user {clean.get('name', user.name)}")
    return uow.changes


def archive_user(db: Database, actor: Actor, user_id: uuid.UUID, expected_version: int) -> Changes:
    """Archive a user: they can no longer act, but everything they did keeps their name."""
    require(actor, Permission.MANAGE_USERS)
    with unit_of_work(db, actor, "Archived a user") as uow:
        user = uow.get(User, user_id)
        if user.id == actor.user_id:
            raise UserError("You cannot archive your own account while you are using it.")
        if user.role == Role.ADMINISTRATOR:
            _refuse_if_last_administrator(uow.session, user, f"archive {user.name}")
        uow.archive(user, expected_version, summary=f"Archived user {user.name}")
    return uow.changes


def restore_user(db: Database, actor: Actor, user_id: uuid.UUID, expected_version: int) -> Changes:
    require(actor, Permission.MANAGE_USERS)
    with unit_of_work(db, actor, "Restored a user") as uow:
        user = uow.get(User, user_id, include_archived=True)
        uow.restore(user, expected_version, summary=f"Restored user {user.name}")
    return uow.changes


def _refuse_if_last_administrator(session: Any, user: User, what: str) -> None:
    admins = session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMINISTRATOR.value, User.deleted_at.is_(None), User.id != user.id)
    )
    if not admins:
        raise UserError(
            f"You cannot {what}: {user.name} is the only administrator. Make someone else one first."
        )


@dataclass(frozen=True)
class DeviceInfo:
    id: uuid.UUID
    name: str
    platform: str
    last_seen_at: Any


def list_devices(db: Database) -> list[DeviceInfo]:
    with db.read() as session:
        rows = session.scalars(select(Device).where(Device.deleted_at.is_(None)).order_by(Device.name))
        return [DeviceInfo(d.id, d.name, d.platform, d.last_seen_at) for d in rows]


def device_known(db: Database, device_id: uuid.UUID) -> bool:
    with db.read() as session:
        return session.get(Device, device_id) is not None


def touch_device(db: Database, device_id: uuid.UUID) -> None:
    """Note that this installation opened the data now (not journalled: not a change to records)."""
    with db.write() as session:
        device = session.get(Device, device_id)
        if device is not None:
            device.last_seen_at = utcnow()
