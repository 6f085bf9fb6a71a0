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
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, Table, insert, select, update
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
K = TypeVar("K")
T = TypeVar("T")


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
    MANAGE_LISTS = "manage themes, engagement types and priorities"
    MANAGE_POLICY = "change the reimbursement policy and budgets"
    #: Everyone's claims; without it a person sees only the claims they made or submitted.
    SEE_ALL_CLAIMS = "see everyone's claims"
    APPROVE_CLAIMS = "approve or reject claims"
    PAY_CLAIMS = "record claims as paid"
    MANAGE_RETURNS = "manage partnerships and build, submit and follow up their returns"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset(Permission),
    Role.COORDINATOR: frozenset(
        {
            Permission.EDIT_RECORDS,
            Permission.EQUALITY_MONITORING,
            Permission.MANAGE_LISTS,
            Permission.MANAGE_POLICY,
            Permission.SEE_ALL_CLAIMS,
            Permission.APPROVE_CLAIMS,
            Permission.PAY_CLAIMS,
            Permission.MANAGE_RETURNS,
        }
    ),
    Role.STAFF: frozenset(
        {
            Permission.EDIT_RECORDS,
            Permission.EQUALITY_MONITORING,
            Permission.SEE_ALL_CLAIMS,
            Permission.PAY_CLAIMS,
        }
    ),
    Role.VOLUNTEER: frozenset({Permission.EDIT_RECORDS}),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting, from which installation.  Every service call takes one."""

    user_id: uuid.UUID
    name: str
    role: Role
    device_id: uuid.UUID | None = None


def may(actor: Actor, permission: Permission) -> bool:
    """Whether ``actor``'s role grants ``permission``."""
    return permission in _GRANTS[actor.role]


def require(actor: Actor, permission: Permission) -> None:
    if not may(actor, permission):
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

    def sync(
        self,
        existing: Mapping[K, R],
        wanted: Mapping[K, Mapping[str, Any]],
        make: Callable[[K, Mapping[str, Any]], R],
    ) -> bool:
        """Make a record's child rows what ``wanted`` says; True if any changed.

        ``existing`` are the live child rows by key (an email address, a contact's id),
        ``wanted`` the values each key should have.  A row no longer wanted is archived, a
        kept row is updated where its values differ, a new key is added as ``make`` builds
        it.  Each is journalled, so an edit records exactly which children came and went.
        """
        changed = False
        for key, row in existing.items():
            if key not in wanted:
                self.archive(row, None)
                changed = True
            elif self.update(row, wanted[key], None):
                changed = True
        for key, values in wanted.items():
            if key not in existing:
                self.add(make(key, values))
                changed = True
        return changed

    def touch(self, record: Record) -> None:
        """Mark ``record`` changed because its child rows changed (their own journal entries
        say how): its version moves on, so an editor holding the old version gets a conflict
        instead of overwriting the children silently."""
        if record.id in self.changes.updated.get(record.__tablename__, set()):
            return  # its own fields changed: already a new version
        record.updated_at = utcnow()
        self._flush(record)
        self.changes.note("updated", record.__tablename__, record.id)

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


#: Ids per statement when undo and derived data work a set at a time: far below the bind
#: parameter limits (SQLite 32,766; PostgreSQL 65,535) and large enough that a 100,000-row
#: import is a few hundred statements.
CHUNK = 1000


def chunked(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size`` (for ``IN (…)`` lists)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


#: SQLite page cache (KiB) while many rows are written at once: the default 2 MB thrashes
#: on the random UUID keys of the journal's and the records' indexes.
BULK_CACHE_KB = 128 * 1024


@contextlib.contextmanager
def larger_cache(session: Session) -> Iterator[None]:
    """On SQLite, a :data:`BULK_CACHE_KB` page cache for the block, put back afterwards."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    connection = session.connection()
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


def undo_last(db: Database, actor: Actor) -> Changes:
    """Reverse the actor's most recent change, as a new journalled change.

    Refused, changing nothing, if any record it touched has been changed since.

    A change set made only of inserts (an import, any create) is reversed a table at a time
    (:func:`_undo_inserts`), in about half the time the import itself took.
    Anything else (updates, archives, restores, a mixture) is reversed record by record.
    """
    with db.write() as session:
        target = last_undoable(session, actor)
        if target is None:
            raise NothingToUndo(f"There is nothing of {actor.name}'s left to undo.")
        in_target = JournalEntry.change_set == target
        first = session.scalar(
            select(JournalEntry.summary).where(in_target).order_by(JournalEntry.seq).limit(1)
        )
        uow = UnitOfWork(session, actor, f"Undo: {first}", undoes=target)
        operations = set(session.scalars(select(JournalEntry.operation).where(in_target).distinct()))
        with larger_cache(session):
            if operations == {"insert"}:
                _undo_inserts(uow, target)
            else:
                entries = session.scalars(
                    select(JournalEntry).where(in_target).order_by(JournalEntry.seq.desc())
                ).all()
                for entry in entries:
                    _reverse(uow, entry)
            session.flush()
            from vcsedesk.services.derived import refresh  # it imports the areas, which import us

            refresh(session, uow.changes)
    return uow.changes


def _undo_inserts(uow: UnitOfWork, target: uuid.UUID) -> None:
    """Archive every record the insert-only change set ``target`` created, a table at a time.

    A record is still as it was inserted when it is at version 1 (every insert starts there
    and every update, archive or restore bumps it) and not archived.  If any is not, the
    whole undo is refused naming the one inserted last, as :func:`_reverse` would.  The
    records are picked out by a subquery on the journal itself, so no statement carries a
    list of ids whatever the size of the change set.  The reversing journal entries are what
    :meth:`UnitOfWork.archive` writes, in the same order.
    """
    session = uow.session
    rows: list[tuple[str, uuid.UUID]] = [
        (table_name, record_id)
        for table_name, record_id in session.execute(
            select(JournalEntry.table_name, JournalEntry.record_id)
            .where(JournalEntry.change_set == target)
            .order_by(JournalEntry.seq.desc())
        )
    ]
    counts = Counter(table_name for table_name, _ in rows)

    refusals = [r for r in (_first_changed(session, target, name) for name in counts) if r is not None]
    if refusals:
        _, table_name, record_id = max(refusals)  # the one inserted last
        raise _undo_refused(uow, table_name, record_id)

    now = utcnow()
    connection = session.connection()
    for name, count in counts.items():
        table = _table(name)
        done = connection.execute(
            update(table)
            .where(
                table.c.id.in_(_inserted(target, name)),
                table.c.version == 1,
                table.c.deleted_at.is_(None),
            )
            .values(deleted_at=now, updated_at=now, version=table.c.version + 1)
        ).rowcount
        if done != count:
            raise _bulk_race(uow, target, name, now)
    archived = uow.changes.archived
    for table_name, record_id in rows:
        archived.setdefault(table_name, set()).add(record_id)
    session.expire_all()  # nothing is loaded yet; should anything be, it is stale now
    _journal_archives(uow, rows, now)


def _inserted(target: uuid.UUID, table_name: str) -> Select[uuid.UUID]:
    """The ids of the ``table_name`` records change set ``target`` inserted."""
    return select(JournalEntry.record_id).where(
        JournalEntry.change_set == target, JournalEntry.table_name == table_name
    )


def _first_changed(session: Session, target: uuid.UUID, table_name: str) -> tuple[int, str, uuid.UUID] | None:
    """(journal seq, table, id) of the last-inserted ``table_name`` record of ``target`` that
    has changed since (a later version, or archived), or None."""
    table = _table(table_name)
    row = session.execute(
        select(JournalEntry.seq, table.c.id)
        .join(table, table.c.id == JournalEntry.record_id)
        .where(
            JournalEntry.change_set == target,
            JournalEntry.table_name == table_name,
            (table.c.version != 1) | table.c.deleted_at.is_not(None),
        )
        .order_by(JournalEntry.seq.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], table_name, row[1])


def _bulk_race(uow: UnitOfWork, target: uuid.UUID, table_name: str, now: datetime) -> UserError:
    """Why fewer ``table_name`` records were archived than were checked: one was erased, or
    changed by a writer that slipped in between the check and the update (PostgreSQL; SQLite
    has one writer).  The rows this undo archived are at version 2 with ``deleted_at`` now."""
    table = _table(table_name)
    of_target = (JournalEntry.change_set == target, JournalEntry.table_name == table_name)
    missing = uow.session.scalar(
        select(JournalEntry.record_id)
        .outerjoin(table, table.c.id == JournalEntry.record_id)
        .where(*of_target, table.c.id.is_(None))
        .limit(1)
    )
    if missing is not None:
        return NotFoundError(f"That {record_model(table_name).__label__.lower()} no longer exists.")
    changed = uow.session.scalar(
        select(table.c.id)
        .join(JournalEntry, table.c.id == JournalEntry.record_id)
        .where(
            *of_target, (table.c.version != 2) | (table.c.deleted_at != now) | table.c.deleted_at.is_(None)
        )
        .order_by(JournalEntry.seq.desc())
        .limit(1)
    )
    assert changed is not None, f"{table_name}: archived fewer rows than were checked"
    return _undo_refused(uow, table_name, changed)


def _journal_archives(uow: UnitOfWork, rows: Sequence[tuple[str, uuid.UUID]], now: datetime) -> None:
    """One "archive" journal entry per (table, record id) in ``rows``, in that order: the
    entries :meth:`UnitOfWork.archive` writes, with one ``now`` for all.

    On SQLite the constant columns are converted to driver values once and the rows handed to
    one ``executemany`` (SQLAlchemy's per-row parameter processing would cost more than the
    writing); elsewhere SQLAlchemy's Core insert with a list of dicts.
    """
    session = uow.session
    table = _table(JournalEntry.__tablename__)
    constant: dict[str, Any] = {
        "change_set": uow.changes.change_set,
        "undoes": uow.undoes,
        "at": now,
        "actor_id": uow.actor.user_id,
        "device_id": uow.actor.device_id,
        "operation": "archive",
        "changes": {"deleted_at": [None, encode(now)]},
        "summary": uow.summary,
        "undoable": uow.undoable,
    }
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite":
        for batch in chunked(rows, CHUNK * 10):
            connection.execute(
                insert(table),
                [constant | {"id": uuid.uuid4(), "table_name": t, "record_id": r} for t, r in batch],
            )
        return

    def processor(column: str) -> Callable[[Any], Any]:
        process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
        return process or (lambda value: value)

    fixed = tuple(None if v is None else processor(k)(v) for k, v in constant.items())
    as_id, as_record_id = processor("id"), processor("record_id")
    quote = dialect.identifier_preparer.quote
    columns = [*constant, "id", "table_name", "record_id"]
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 - our own schema's names
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    for batch in chunked(rows, CHUNK * 10):
        connection.exec_driver_sql(sql, [(*fixed, as_id(uuid.uuid4()), t, as_record_id(r)) for t, r in batch])


def _table(table_name: str) -> Table:
    model = JournalEntry if table_name == JournalEntry.__tablename__ else record_model(table_name)
    table: Table = model.__table__  # type: ignore[assignment]
    return table


def _undo_refused(uow: UnitOfWork, table_name: str, record_id: uuid.UUID) -> ConflictError:
    """The refusal of an undo because ``record_id`` was changed after the change undone."""
    record = uow.get(record_model(table_name), record_id, include_archived=True)
    last = last_change(uow.session, table_name, record_id)
    when = last.at.strftime("%d %b %Y at %H:%M UTC") if last.at else "since"
    return uow._conflict(
        record,
        record.version,
        message=f"{record.describe()} was changed by {last.by} on {when}, after the change "
        "you asked to undo, so it was not undone. Edit it by hand instead.",
    )


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
        raise _undo_refused(uow, entry.table_name, entry.record_id)
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
