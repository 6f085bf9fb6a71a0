"""A read-only first look at a vcsedesk SQLite file, with the standard library only.

At start-up the window paints, and then loading the database layer (SQLAlchemy and our
models) takes longer than everything else put together.  So the first page of records is
read here, straight through ``sqlite3`` on a read-only connection, while the real database
opens behind it.  It only answers for a file that is ours and already at this version's
schema (anything else waits for the real open, which migrates or refuses it), and it uses
the very SQL that :mod:`vcsedesk.services.history` runs, so both read the same rows.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vcsedesk.store.fileformat import APPLICATION_ID, SCHEMA_HEAD, readonly_uri

#: What the history calls someone or something that is not (or no longer) known.
UNKNOWN_ACTOR = "Someone"
UNKNOWN_DEVICE = "Unknown device"

HISTORY_COUNT_SQL = "SELECT count(*) FROM journal"
#: The history, newest first; ``undone`` is true once a later undo reversed the change set.
HISTORY_PAGE_SQL = (
    "SELECT j.seq AS seq, j.at AS at, u.name AS actor, d.name AS device, j.table_name AS table_name, "
    "j.operation AS operation, j.summary AS summary, "
    "EXISTS (SELECT 1 FROM journal AS later WHERE later.undoes = j.change_set) AS undone "
    "FROM journal AS j "
    "LEFT OUTER JOIN users AS u ON u.id = j.actor_id "
    "LEFT OUTER JOIN devices AS d ON d.id = j.device_id "
    "ORDER BY j.seq DESC LIMIT :limit OFFSET :offset"
)


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

    @classmethod
    def of(cls, row: Any) -> HistoryRow:
        seq, at, actor, device, table, operation, summary, undone = row
        if isinstance(at, str):  # sqlite3 hands back the stored text
            at = datetime.fromisoformat(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return cls(
            seq=seq,
            at=at,
            actor=actor or UNKNOWN_ACTOR,
            device=device or UNKNOWN_DEVICE,
            table=table,
            operation=operation,
            summary=summary,
            undone=bool(undone),
        )


@dataclass(frozen=True)
class FirstLook:
    organisation: str
    history_total: int
    history_rows: list[HistoryRow]


def first_look(path: Path, *, limit: int) -> FirstLook | None:
    """The organisation's name and the newest ``limit`` history rows, or None when the file
    is missing, not ours, not at this schema, not set up, or cannot be read."""
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(readonly_uri(path), uri=True)
    except sqlite3.Error:
        return None
    with contextlib.closing(conn):
        try:
            if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                return None
            version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            if version is None or version[0] != SCHEMA_HEAD:
                return None
            name = conn.execute(
                "SELECT name FROM organisation WHERE deleted_at IS NULL ORDER BY created_at LIMIT 1"
            ).fetchone()
            if name is None:
                return None
            total = int(conn.execute(HISTORY_COUNT_SQL).fetchone()[0])
            rows = [HistoryRow.of(r) for r in conn.execute(HISTORY_PAGE_SQL, {"limit": limit, "offset": 0})]
        except sqlite3.Error:
            return None
    return FirstLook(organisation=name[0], history_total=total, history_rows=rows)
