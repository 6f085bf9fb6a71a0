"""The history view: the journal read back for a person, newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from vcsedesk.store.database import Database
from vcsedesk.store.models import Device, JournalEntry, User

#: What the history calls someone or something that is not (or no longer) known.
UNKNOWN_ACTOR = "Someone"
UNKNOWN_DEVICE = "Unknown device"


@dataclass(frozen=True)
class HistoryRow:
    """One journal entry as the history shows it."""

    seq: int
    at: datetime
    actor: str
    device: str
    table: str
    operation: str
    summary: str
    #: True once a later undo has reversed this entry's change set.
    undone: bool


def count(db: Database) -> int:
    """How many journal entries there are."""
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(JournalEntry)) or 0)


def page(db: Database, offset: int, limit: int) -> list[HistoryRow]:
    """``limit`` journal entries, newest first, skipping the ``offset`` newest."""
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must not be negative")
    undo = aliased(JournalEntry)
    undone = exists().where(undo.undoes == JournalEntry.change_set)
    query = (
        select(
            JournalEntry.seq,
            JournalEntry.at,
            User.name,
            Device.name,
            JournalEntry.table_name,
            JournalEntry.operation,
            JournalEntry.summary,
            undone,
        )
        .select_from(JournalEntry)
        .outerjoin(User, User.id == JournalEntry.actor_id)
        .outerjoin(Device, Device.id == JournalEntry.device_id)
        .order_by(JournalEntry.seq.desc())
        .offset(offset)
        .limit(limit)
    )
    with db.read() as session:
        return [
            HistoryRow(
                seq=seq,
                at=at,
                actor=actor or UNKNOWN_ACTOR,
                device=device or UNKNOWN_DEVICE,
                table=table,
                operation=operation,
                summary=summary,
                undone=bool(was_undone),
            )
            for seq, at, actor, device, table, operation, summary, was_undone in session.execute(query)
        ]
