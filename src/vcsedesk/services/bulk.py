"""Writing many records at once, journalled exactly as one by one would be.

A bulk import or the demo's half a million engagement notes cannot go through the ORM a
record at a time.  :class:`Inserter` writes rows with one ``executemany`` per table (on SQLite
converting values with each column's own bind processor, once per distinct value), and
:class:`BulkJournal` writes the journal entries :meth:`UnitOfWork.add` would have written, so
undo, history and (later) sync see no difference.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from vcsedesk.services.base import UnitOfWork
from vcsedesk.store.journal import encode
from vcsedesk.store.models import JournalEntry


class Inserter:
    """Bulk INSERTs.  On SQLite the rows are turned into the driver's values here (with each
    column's own SQLAlchemy bind processor, once per distinct timestamp) and handed to one
    ``executemany``: the generic path spends more time converting parameters than SQLite
    spends writing them.  Elsewhere it is SQLAlchemy's Core insert with a list of dicts."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect
        self.raw = self.dialect.name == "sqlite"
        self.now = now
        self._plans: dict[str, tuple[str, list[str], list[Any]]] = {}

    def __call__(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if not self.raw:
            self.session.execute(insert(table), rows)
            return
        plan = self._plans.get(table.name)
        if plan is None:
            columns = [c.key for c in table.columns if c.key in rows[0]]
            processors = [table.c[c].type._cached_bind_processor(self.dialect) for c in columns]
            quote = self.dialect.identifier_preparer.quote
            sql = (
                f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 - our own schema's names
                f"VALUES ({', '.join('?' for _ in columns)})"
            )
            plan = (sql, columns, processors)
            self._plans[table.name] = plan
        sql, columns, processors = plan
        # Many values repeat down a column (the timestamp, the change set, the actor): each
        # column remembers its last conversion.
        width = len(columns)
        last: list[Any] = [object()] * width
        done: list[Any] = [None] * width
        steps = list(zip(range(width), columns, processors, strict=True))
        data = []
        for row in rows:
            values = []
            for i, column, process in steps:
                value = row[column]
                if value is None or process is None:
                    values.append(value)
                elif value is last[i]:
                    values.append(done[i])
                else:
                    converted = process(value)
                    last[i], done[i] = value, converted
                    values.append(converted)
            data.append(tuple(values))
        self.session.connection().exec_driver_sql(sql, data)


class BulkJournal:
    """Journal entries for records written in bulk: the same JSON shape UnitOfWork.add writes
    ({column: [None, value]} for every column that is not None)."""

    def __init__(self, uow: UnitOfWork, inserter: Inserter) -> None:
        self.uow = uow
        self.insert = inserter
        self.now = inserter.now
        self.now_json = encode(inserter.now)
        self.rows: list[dict[str, Any]] = []

    def inserted(self, table: Table, records: Iterable[dict[str, Any]], summary: str | None = None) -> None:
        columns = [c.key for c in table.columns]
        base = {
            "change_set": self.uow.changes.change_set,
            "undoes": None,
            "at": self.now,
            "actor_id": self.uow.actor.user_id,
            "device_id": self.uow.actor.device_id,
            "table_name": table.name,
            "operation": "insert",
            "summary": summary or self.uow.summary,
            "undoable": self.uow.undoable,
        }
        now, now_json = self.now, self.now_json
        plain = (str, bool, int)
        created = self.uow.changes.created.setdefault(table.name, set())
        append = self.rows.append
        for record in records:
            changes: dict[str, Any] = {}
            for column in columns:
                value = record[column]
                if value is None:
                    continue
                kind = type(value)
                if kind in plain:
                    changes[column] = [None, value]
                elif value is now:
                    changes[column] = [None, now_json]
                elif kind is uuid.UUID:
                    changes[column] = [None, str(value)]
                else:
                    changes[column] = [None, encode(value)]
            append(base | {"id": uuid.uuid4(), "record_id": record["id"], "changes": changes})
            created.add(record["id"])

    def flush(self) -> None:
        if self.rows:
            self.insert(JournalEntry.__table__, self.rows)  # type: ignore[arg-type]
            self.rows = []


def new_row(now: datetime, **values: Any) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "deleted_at": None,
        **values,
    }
