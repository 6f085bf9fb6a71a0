"""Encoding record values for the journal, and reading the journal back.

Journal values are JSON: UUIDs, dates and datetimes as ISO strings, bytes as base64 under a
``$bytes`` key.  :func:`decode` turns a JSON value back into the Python type of the column it
belongs to, which is what undo needs.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vcsedesk.store.models import JournalEntry, Record, User

Json = None | bool | int | float | str | dict[str, Any] | list[Any]


def encode(value: Any) -> Json:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, float):
        return value
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    raise TypeError(f"cannot journal a {type(value).__name__}")


def decode(model: type[Record], field: str, value: Json) -> Any:
    """The Python value of ``field`` on ``model`` for a journalled JSON value."""
    if value is None:
        return None
    column = model.__table__.c[field]
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    if python_type is uuid.UUID:
        return uuid.UUID(str(value))
    if python_type is datetime:
        return datetime.fromisoformat(str(value))
    if python_type is date:
        return date.fromisoformat(str(value))
    if python_type is time:
        return time.fromisoformat(str(value))
    if python_type is bytes and isinstance(value, dict):
        return base64.b64decode(value["$bytes"])
    if python_type is Decimal:
        return Decimal(str(value))
    return value


def snapshot(record: Record, fields: set[str] | None = None) -> dict[str, Json]:
    """The record's column values, JSON-encoded (all columns, or just ``fields``)."""
    names = [c.key for c in record.__table__.columns]
    return {n: encode(getattr(record, n)) for n in names if fields is None or n in fields}


@dataclass(frozen=True)
class LastChange:
    """Who last changed a record, and when (for conflict messages)."""

    by: str
    at: datetime | None


def last_change(session: Session, table: str, record_id: uuid.UUID) -> LastChange:
    row = session.execute(
        select(User.name, JournalEntry.at)
        .select_from(JournalEntry)
        .outerjoin(User, User.id == JournalEntry.actor_id)
        .where(JournalEntry.table_name == table, JournalEntry.record_id == record_id)
        .order_by(JournalEntry.seq.desc())
        .limit(1)
    ).first()
    if row is None:
        return LastChange(by="someone else", at=None)
    return LastChange(by=row[0] or "someone else", at=row[1])
