"""The history view: the journal read back for a person, newest first, a page at a time.

The query itself lives in :mod:`vcsedesk.store.quickread`, which also runs it at start-up
before this layer has loaded; here it runs through SQLAlchemy on any backend.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, Text, text

from vcsedesk.store.database import Database
from vcsedesk.store.models import UTCDateTime
from vcsedesk.store.quickread import (
    HISTORY_COUNT_SQL,
    HISTORY_PAGE_SQL,
    UNKNOWN_ACTOR,
    UNKNOWN_DEVICE,
    HistoryRow,
)

__all__ = ["UNKNOWN_ACTOR", "UNKNOWN_DEVICE", "HistoryRow", "count", "page"]

_PAGE = text(HISTORY_PAGE_SQL).columns(
    seq=Integer,
    at=UTCDateTime(),
    actor=String,
    device=String,
    table_name=String,
    operation=String,
    summary=Text,
    undone=Boolean,
)


def count(db: Database) -> int:
    """How many journal entries there are."""
    with db.read() as session:
        return int(session.scalar(text(HISTORY_COUNT_SQL)) or 0)


def page(db: Database, offset: int, limit: int) -> list[HistoryRow]:
    """``limit`` journal entries, newest first, skipping the ``offset`` newest."""
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must not be negative")
    with db.read() as session:
        return [HistoryRow.of(row) for row in session.execute(_PAGE, {"limit": limit, "offset": offset})]
