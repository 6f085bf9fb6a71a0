"""What every service shares: the acting user, the unit of work and its journal, undo.

A service call looks like::

    def rename_user(db, actor, user_id, expected_version, name) -> Changes:
        require(actor, Permission.MANAGE_USERS)
        with unit_of_work(db, actor, f"Renamed user to {name}") as uow:
            user = uow.get(User, user_id)
            uow.update(user, {"name": name}, expected_version)
        return uow.changes

Inside ``unit_of_work`` everything — the change and its journal entries — is written in
one transaction, or nothing is.  A save against a stale ``version`` raises
:class:`ConflictError` naming who changed the record and when, and writes nothing.
"""

from __future__ import annotations

import contextlib
import enum
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from vcsedesk.domain.errors import (
    ConflictError,
    NotFoundError,
    NothingToUndo,
    PermissionDenied,
    UserError,
)
from vcsedesk.store.database import Database
from vcsedesk.store.journal import Json, decode, encode, last_change, snapshot
from vcsedesk.store.models import JournalEntry, Record, record_model

R = TypeVar("R", bound=Record)


class Role(enum.StrEnum):
    """What a user is for.  Permissions proper arrive with sign-in; these gate the basics."""

    ADMINISTRATOR = "administrator"
    COORDINATOR = "coordinator"
    STAFF = "staff"
    VOLUNTEER = "volunteer"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Permission(enum.Enum):
    MANAGE_ORGANISATION = "manage the organisation profile"
    MANAGE_USERS = "manage users"
    EDIT_RECORDS = "edit records"
    # Special-category data: volunteers record what they need for their task, not this.
    EQUALITY_MONITORING = "see or record equality monitoring"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset(Permission),
    Role.COORDINATOR: frozenset({Permission.EDIT_RECORDS, Permission.EQUALITY_MONITORING}),
    Role.STAFF: frozenset({Permission.EDIT_RECORDS, Permission.EQUALITY_MONITORING}),
    Role.VOLUNTEER: frozenset({Permission.EDIT_RECORDS}),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting, from which installation.  Every service call takes one."""

    user_id: uuid.UUID
    name: str
    role: Role
    device_id: uuid.UUID | None = None


def require(actor: Actor, permission: Permission) -> None:
    if permission not in _GRANTS[actor.role]:
        raise PermissionDenied(
            f"{actor.name} is a {actor.role.label.lower()} and may not {permission.value}. "
            "Ask an administrator."
        )


@dataclass
class Changes:
    """What one service call changed, for views to refresh what concerns them."""

    change_set: uuid.UUID | None = None
    created: dict[str, set[uuid.UUID]] = field(default_factory=dict)
    updated: dict[str, set[uuid.UUID]] = field(default_factory=dict)
    archived: dict[str, set[uuid.UUID]] = field(default_factory=dict)
    restored: dict[str, set[uuid.UUID]] = field(default_factory=dict)
    summary: str = ""

    @property
    def tables(self) -> set[str]:
        return set(self.created) | set(self.updated) | set(self.archived) | set(self.restored)

    def touches(self, table: str) -> bool:
        return table in self.tables

    def __bool__(self) -> bool:
        return bool(self.tables)

    def note(self, kind: str, table: str, record_id: uuid.UUID) -> None:
        getattr(self, kind).setdefault(table, set()).add(record_id)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UnitOfWork:
    """One transaction's changes and the journal entries that describe them."""

    def __init__(
        self,
        session: Session,
        actor: Actor,
        summary: str,
        undoes: uuid.UUID | None = None,
        *,
        undoable: bool = True,
    ) -> None:
        self.session = session
        self.actor = actor
        self.summary = summary
        self.undoes = undoes
        self.undoable = undoable
        self.changes = Changes(change_set=uuid.uuid4(), summary=summary)

    # -- reading ---------------------------------------------------------------------------
    def get(self, model: type[R], record_id: uuid.UUID, *, include_archived: bool = False) -> R:
        # On PostgreSQL the row is locked until commit, so no other writer can slip in
        # between this read and our write; SQLite's BEGIN IMMEDIATE already serialises.
        lock = self.session.get_bind().dialect.name != "sqlite"
        record = self.session.get(model, record_id, with_for_update=lock)
        if record is None or (record.deleted_at is not None and not include_archived):
            raise NotFoundError(f"That {model.__label__.lower()} no longer exists.")
        return record

    # -- writing ---------------------------------------------------------------------------
    def add(self, record: R, summary: str | None = None) -> R:
        self.session.add(record)
        self.session.flush()
        values = {k: [None, v] for k, v in snapshot(record).items() if v is not None}
        self._journal(record, "insert", values, summary)
        self.changes.note("created", record.__tablename__, record.id)
        return record

    def update(
        self,
        record: Record,
        values: Mapping[str, Any],
        expected_version: int | None,
        summary: str | None = None,
    ) -> dict[str, list[Json]]:
        """Set ``values`` on ``record``; journal the fields that really changed.

        ``expected_version`` is the version the person saw; None skips the check (only for
        changes the program makes itself, never for a person's edit).
        """
        self.check_version(record, expected_version)
        columns = {c.key for c in record.__table__.columns}
        unknown = set(values) - columns
        forbidden = set(values) & Record.SYSTEM_FIELDS
        if unknown or forbidden:
            raise ValueError(f"cannot set {sorted(unknown | forbidden)} on {record.__tablename__}")
        diff: dict[str, list[Json]] = {}
        for key, new in values.items():
            old = getattr(record, key)
            if encode(old) != encode(new):
                diff[key] = [encode(old), encode(new)]
                setattr(record, key, new)
        if diff:
            record.updated_at = utcnow()
            self._flush(record)
            self._journal(record, "update", diff, summary)
            self.changes.note("updated", record.__tablename__, record.id)
        return diff

    def archive(self, record: Record, expected_version: int | None, summary: str | None = None) -> None:
        """Tombstone ``record``: it disappears from lists but nothing is lost."""
        self.check_version(record, expected_version)
        if record.deleted_at is not None:
            return
        now = utcnow()
        record.deleted_at = now
        record.updated_at = now
        self._flush(record)
        self._journal(record, "archive", {"deleted_at": [None, encode(now)]}, summary)
        self.changes.note("archived", record.__tablename__, record.id)

    def restore(self, record: Record, expected_version: int | None, summary: str | None = None) -> None:
        self.check_version(record, expected_version)
        if record.deleted_at is None:
            return
        before = encode(record.deleted_at)
        record.deleted_at = None
        record.updated_at = utcnow()
        self._flush(record)
        self._journal(record, "restore", {"deleted_at": [before, None]}, summary)
        self.changes.note("restored", record.__tablename__, record.id)

    def check_version(self, record: Record, expected_version: int | None) -> None:
        if expected_version is None or record.version == expected_version:
            return
        raise self._conflict(record, expected_version)

    # -- internals -------------------------------------------------------------------------
    def _conflict(self, record: Record, expected_version: int, message: str | None = None) -> ConflictError:
        last = last_change(self.session, record.__tablename__, record.id)
        return ConflictError(
            record=record.describe(),
            changed_by=last.by,
            changed_at=last.at,
            expected_version=expected_version,
            current_version=record.version,
            message=message,
        )

    def _flush(self, record: Record) -> None:
        try:
            self.session.flush()
        except StaleDataError:
            # Another writer saved between our read and our write (a record read without
            # uow.get's row lock).  Who it was cannot be asked of a failed transaction.
            raise ConflictError(
                record=record.describe(),
                changed_by="someone else",
                changed_at=None,
                expected_version=record.version,
                current_version=record.version + 1,
            ) from None

    def _journal(self, record: Record, operation: str, changes: dict[str, Any], summary: str | None) -> None:
        self.session.add(
            JournalEntry(
                change_set=self.changes.change_set,
                undoes=self.undoes,
                at=utcnow(),
                actor_id=self.actor.user_id,
                device_id=self.actor.device_id,
                table_name=record.__tablename__,
                record_id=record.id,
                operation=operation,
                changes=changes,
                summary=summary or self.summary,
                undoable=self.undoable,
            )
        )


@contextlib.contextmanager
def unit_of_work(
    db: Database, actor: Actor, summary: str, *, undoes: uuid.UUID | None = None
) -> Iterator[UnitOfWork]:
    """Open a write transaction; commit the changes and their journal together, or neither."""
    with db.write() as session:
        uow = UnitOfWork(session, actor, summary, undoes)
        yield uow
        session.flush()


def last_undoable(session: Session, actor: Actor) -> uuid.UUID | None:
    """The actor's most recent change set that is not an undo and has not been undone."""
    undone = select(JournalEntry.undoes).where(JournalEntry.undoes.is_not(None))
    return session.scalar(
        select(JournalEntry.change_set)
        .where(
            JournalEntry.actor_id == actor.user_id,
            JournalEntry.undoes.is_(None),
            JournalEntry.undoable.is_(True),
            JournalEntry.change_set.not_in(undone),
        )
        .order_by(JournalEntry.seq.desc())
        .limit(1)
    )


def undo_last(db: Database, actor: Actor) -> Changes:
    """Reverse the actor's most recent change, as a new journalled change.

    Refused, changing nothing, if any record it touched has been changed since.
    """
    with db.write() as session:
        target = last_undoable(session, actor)
        if target is None:
            raise NothingToUndo(f"There is nothing of {actor.name}'s left to undo.")
        entries = session.scalars(
            select(JournalEntry).where(JournalEntry.change_set == target).order_by(JournalEntry.seq.desc())
        ).all()
        uow = UnitOfWork(session, actor, f"Undo: {entries[-1].summary}", undoes=target)
        for entry in entries:
            _reverse(uow, entry)
        session.flush()
        from vcsedesk.services.derived import refresh  # it imports the areas, which import us

        refresh(session, uow.changes)
    return uow.changes


def _reverse(uow: UnitOfWork, entry: JournalEntry) -> None:
    model = record_model(entry.table_name)
    record = uow.get(model, entry.record_id, include_archived=True)
    current = snapshot(record, set(entry.changes))
    if entry.operation == "insert":
        expected_after = {k: v[1] for k, v in entry.changes.items()} | {"deleted_at": None}
        current = snapshot(record, set(expected_after))
    else:
        expected_after = {k: v[1] for k, v in entry.changes.items()}
    if current != expected_after:
        last = last_change(uow.session, entry.table_name, entry.record_id)
        when = last.at.strftime("%d %b %Y at %H:%M UTC") if last.at else "since"
        raise uow._conflict(
            record,
            record.version,
            message=f"{record.describe()} was changed by {last.by} on {when}, after the change "
            "you asked to undo, so it was not undone. Edit it by hand instead.",
        )
    if entry.operation == "insert":
        uow.archive(record, None)
    elif entry.operation in ("update", "archive", "restore"):
        before = {k: decode(model, k, v[0]) for k, v in entry.changes.items()}
        if set(before) == {"deleted_at"}:
            if before["deleted_at"] is None:
                uow.restore(record, None)
            else:
                uow.archive(record, None)
        else:
            uow.update(record, before, None)
    else:
        raise UserError(f"A {entry.operation} cannot be undone.")
