"""First run: the organisation, its first user (an administrator) and this device."""

from __future__ import annotations

import platform
import socket
import uuid

from sqlalchemy import func, select

from vcsedesk.domain.errors import UserError
from vcsedesk.domain.organisation import clean_profile
from vcsedesk.services.base import Actor, Role, UnitOfWork, utcnow
from vcsedesk.services.people import clean_user
from vcsedesk.store.database import Database
from vcsedesk.store.models import Device, Organisation, User


def is_set_up(db: Database) -> bool:
    with db.read() as session:
        return bool(session.scalar(select(func.count()).select_from(Organisation)))


def this_computer() -> tuple[str, str]:
    """A name and a platform description for this installation's device record."""
    return (
        socket.gethostname() or "This computer",
        f"{platform.system()} {platform.release()}".strip(),
    )


def register_device(db: Database, device_id: uuid.UUID, name: str | None = None) -> None:
    """Record this installation as a device, once (idempotent)."""
    default_name, system = this_computer()
    with db.write() as session:
        if session.get(Device, device_id) is None:
            session.add(
                Device(
                    id=device_id,
                    name=(name or default_name)[:120],
                    platform=system[:120],
                    last_seen_at=utcnow(),
                )
            )


def first_run(
    db: Database,
    *,
    organisation_name: str,
    user_name: str,
    user_email: str | None = None,
    device_id: uuid.UUID,
) -> Actor:
    """Create the organisation and its first administrator, in one journalled transaction."""
    org_values = clean_profile({"name": organisation_name})
    user_values = clean_user({"name": user_name, "role": Role.ADMINISTRATOR.value, "email": user_email})
    register_device(db, device_id)
    with db.write() as session:
        if session.scalar(select(func.count()).select_from(Organisation)):
            raise UserError("This database already belongs to an organisation.")
        user = User(**user_values)
        session.add(user)
        session.flush()
        actor = Actor(user_id=user.id, name=user.name, role=Role.ADMINISTRATOR, device_id=device_id)
        uow = UnitOfWork(session, actor, f"Set up vcsedesk for {org_values['name']}", undoable=False)
        uow._journal(
            user,
            "insert",
            {k: [None, v] for k, v in user_values.items() if v is not None},
            f"Added user {user.name} (administrator)",
        )
        uow.add(Organisation(**org_values), f"Created the organisation profile for {org_values['name']}")
    return actor
