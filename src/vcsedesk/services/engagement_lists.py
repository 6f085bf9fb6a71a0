"""The organisation's short lists for engagements: engagement types and partnership priorities.

Both are ordinary records: archiving one stops it being offered, while the engagements that
use it keep it (and show it).  Names are unique ignoring case; an archived entry keeps its
name, so adding it again is refused with the advice to restore it (the schema also holds
names unique, archived or not).  Engagement types have an order, kept as ``position``
0, 1, 2, … over the types in use; priorities are listed alphabetically.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vcsedesk.domain.errors import UserError, ValidationError
from vcsedesk.domain.validation import Problems, clean_text
from vcsedesk.services.base import Actor, Changes, Permission, require, unit_of_work
from vcsedesk.store.database import Database
from vcsedesk.store.models import EngagementType, Priority
from vcsedesk.store.search import fold

TYPE_NAME_MAX = 80
PRIORITY_NAME_MAX = 160

_TYPE = "engagement type"
_PRIORITY = "priority"


@dataclass(frozen=True)
class TypeInfo:
    id: uuid.UUID
    version: int
    name: str
    position: int
    archived: bool

    @classmethod
    def of(cls, row: EngagementType) -> TypeInfo:
        return cls(row.id, row.version, row.name, row.position, row.deleted_at is not None)


@dataclass(frozen=True)
class PriorityInfo:
    id: uuid.UUID
    version: int
    name: str
    archived: bool

    @classmethod
    def of(cls, row: Priority) -> PriorityInfo:
        return cls(row.id, row.version, row.name, row.deleted_at is not None)


# -- shared --------------------------------------------------------------------------------------
def _a(what: str) -> str:
    return f"{'an' if what[0] in 'aeiou' else 'a'} {what}"


def _clean_name(name: str, max_length: int, what: str) -> str:
    problems = Problems(f"The {what}")
    cleaned = problems.check(
        "name", lambda: clean_text(name, label="Name", max_length=max_length, required=True)
    )
    problems.raise_if_any()
    assert cleaned is not None
    return cleaned


def _refuse_taken(
    session: Session,
    model: type[EngagementType] | type[Priority],
    name: str,
    exclude: uuid.UUID | None,
    what: str,
) -> None:
    """Refuse ``name`` if another entry, live or archived, has it (ignoring case)."""
    key = name.casefold()
    rows = session.execute(select(model.id, model.name, model.deleted_at.is_not(None)))
    for row_id, other, archived in rows:
        if row_id == exclude or other.casefold() != key:
            continue
        if archived:
            message = f"An archived {what} is called “{other}”; restore it instead, or choose another name."
        else:
            message = f"There is already {_a(what)} called “{other}”; choose another name."
        raise ValidationError({"name": message}, record=f"The {what}")


def _refuse_live_clash(
    session: Session, model: type[EngagementType] | type[Priority], row: EngagementType | Priority, what: str
) -> None:
    """Before restoring ``row``: no live entry may have its name (ignoring case)."""
    key = row.name.casefold()
    live = session.execute(select(model.id, model.name).where(model.deleted_at.is_(None)))
    for other_id, other in live:
        if other_id != row.id and other.casefold() == key:
            raise UserError(
                f"There is already {_a(what)} called “{other}” in use; rename one of them "
                f"before restoring “{row.name}”."
            )


def _rename(
    db: Database,
    actor: Actor,
    model: type[EngagementType] | type[Priority],
    row_id: uuid.UUID,
    expected_version: int,
    name: str,
    max_length: int,
    what: str,
) -> Changes:
    """Rename an entry (archived or not), keeping names unique."""
    require(actor, Permission.MANAGE_LISTS)
    clean = _clean_name(name, max_length, what)
    with unit_of_work(db, actor, f"Renamed {_a(what)}") as uow:
        row = uow.get(model, row_id, include_archived=True)
        uow.check_version(row, expected_version)
        _refuse_taken(uow.session, model, clean, row.id, what)
        uow.summary = uow.changes.summary = f"Renamed {what} “{row.name}” to “{clean}”"
        uow.update(row, {"name": clean}, expected_version)
    return uow.changes


# -- engagement types ----------------------------------------------------------------------------
def list_types(db: Database, include_archived: bool = False) -> list[TypeInfo]:
    """Engagement types in the organisation's order (archived ones after, if asked for)."""
    with db.read() as session:
        query = select(EngagementType).order_by(
            EngagementType.deleted_at.is_not(None), EngagementType.position, func.lower(EngagementType.name)
        )
        if not include_archived:
            query = query.where(EngagementType.deleted_at.is_(None))
        return [TypeInfo.of(t) for t in session.scalars(query)]


def _next_position(session: Session) -> int:
    last = session.scalar(
        select(func.max(EngagementType.position)).where(EngagementType.deleted_at.is_(None))
    )
    return 0 if last is None else int(last) + 1


def add_type(db: Database, actor: Actor, name: str) -> Changes:
    """Add an engagement type at the end of the list."""
    require(actor, Permission.MANAGE_LISTS)
    clean = _clean_name(name, TYPE_NAME_MAX, _TYPE)
    with unit_of_work(db, actor, f"Added engagement type “{clean}”") as uow:
        _refuse_taken(uow.session, EngagementType, clean, None, _TYPE)
        uow.add(EngagementType(name=clean, position=_next_position(uow.session)))
    return uow.changes


def rename_type(db: Database, actor: Actor, type_id: uuid.UUID, expected_version: int, name: str) -> Changes:
    """Rename an engagement type (archived or not); engagements of the type show the new name."""
    return _rename(db, actor, EngagementType, type_id, expected_version, name, TYPE_NAME_MAX, _TYPE)


def archive_type(db: Database, actor: Actor, type_id: uuid.UUID, expected_version: int) -> Changes:
    """Stop offering an engagement type; engagements already of that type keep it."""
    require(actor, Permission.MANAGE_LISTS)
    with unit_of_work(db, actor, "Archived an engagement type") as uow:
        row = uow.get(EngagementType, type_id)
        uow.check_version(row, expected_version)
        others = uow.session.scalar(
            select(func.count())
            .select_from(EngagementType)
            .where(EngagementType.deleted_at.is_(None), EngagementType.id != row.id)
        )
        if not others:
            raise UserError(
                f"“{row.name}” is the only engagement type in use; add another before archiving it."
            )
        uow.summary = uow.changes.summary = f"Archived engagement type “{row.name}”"
        uow.archive(row, expected_version)
    return uow.changes


def restore_type(db: Database, actor: Actor, type_id: uuid.UUID, expected_version: int) -> Changes:
    """Offer an archived engagement type again, at the end of the list."""
    require(actor, Permission.MANAGE_LISTS)
    with unit_of_work(db, actor, "Restored an engagement type") as uow:
        row = uow.get(EngagementType, type_id, include_archived=True)
        uow.check_version(row, expected_version)
        if row.deleted_at is None:
            return uow.changes
        _refuse_live_clash(uow.session, EngagementType, row, _TYPE)
        uow.summary = uow.changes.summary = f"Restored engagement type “{row.name}”"
        position = _next_position(uow.session)
        uow.restore(row, expected_version)
        uow.update(row, {"position": position}, None)
    return uow.changes


def move_type(
    db: Database, actor: Actor, type_id: uuid.UUID, expected_version: int, new_position: int
) -> Changes:
    """Move an engagement type to ``new_position`` (0 is first) among the types in use; the
    others close up.  A position past either end means first or last."""
    require(actor, Permission.MANAGE_LISTS)
    with unit_of_work(db, actor, "Reordered engagement types") as uow:
        row = uow.get(EngagementType, type_id)
        uow.check_version(row, expected_version)
        live = list(
            uow.session.scalars(
                select(EngagementType)
                .where(EngagementType.deleted_at.is_(None))
                .order_by(EngagementType.position, func.lower(EngagementType.name))
            )
        )
        order = [t for t in live if t.id != row.id]
        order.insert(max(0, min(new_position, len(order))), row)
        uow.summary = uow.changes.summary = (
            f"Moved engagement type “{row.name}” to place {order.index(row) + 1}"
        )
        for index, entry in enumerate(order):
            if entry.position != index:
                uow.update(entry, {"position": index}, expected_version if entry is row else None)
    return uow.changes


# -- partnership priorities ----------------------------------------------------------------------
def list_priorities(db: Database, include_archived: bool = False) -> list[PriorityInfo]:
    """Partnership priorities, alphabetically (archived ones after, if asked for)."""
    with db.read() as session:
        query = select(Priority).order_by(Priority.deleted_at.is_not(None), func.lower(Priority.name))
        if not include_archived:
            query = query.where(Priority.deleted_at.is_(None))
        rows = [PriorityInfo.of(p) for p in session.scalars(query)]
    # lower() in SQLite folds ASCII only: sort again the way people read (Ásthma before Tackling).
    return sorted(rows, key=lambda p: (p.archived, fold(p.name), p.name))


def add_priority(db: Database, actor: Actor, name: str) -> Changes:
    require(actor, Permission.MANAGE_LISTS)
    clean = _clean_name(name, PRIORITY_NAME_MAX, _PRIORITY)
    with unit_of_work(db, actor, f"Added priority “{clean}”") as uow:
        _refuse_taken(uow.session, Priority, clean, None, _PRIORITY)
        uow.add(Priority(name=clean))
    return uow.changes


def rename_priority(
    db: Database, actor: Actor, priority_id: uuid.UUID, expected_version: int, name: str
) -> Changes:
    """Rename a priority (archived or not); engagements that served it show the new name."""
    return _rename(db, actor, Priority, priority_id, expected_version, name, PRIORITY_NAME_MAX, _PRIORITY)


def archive_priority(db: Database, actor: Actor, priority_id: uuid.UUID, expected_version: int) -> Changes:
    """Stop offering a priority; engagements that served it keep it."""
    require(actor, Permission.MANAGE_LISTS)
    with unit_of_work(db, actor, "Archived a priority") as uow:
        row = uow.get(Priority, priority_id)
        uow.summary = uow.changes.summary = f"Archived priority “{row.name}”"
        uow.archive(row, expected_version)
    return uow.changes


def restore_priority(db: Database, actor: Actor, priority_id: uuid.UUID, expected_version: int) -> Changes:
    require(actor, Permission.MANAGE_LISTS)
    with unit_of_work(db, actor, "Restored a priority") as uow:
        row = uow.get(Priority, priority_id, include_archived=True)
        uow.check_version(row, expected_version)
        if row.deleted_at is None:
            return uow.changes
        _refuse_live_clash(uow.session, Priority, row, _PRIORITY)
        uow.summary = uow.changes.summary = f"Restored priority “{row.name}”"
        uow.restore(row, expected_version)
    return uow.changes
