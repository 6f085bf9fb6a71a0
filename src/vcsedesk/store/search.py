"""Full-text search behind one interface, for every area that needs it.

Each searchable record has one row in ``search_documents`` (kind, record id, body), written
by its service in the same transaction as the record.  SQLite searches it through an FTS5
index kept in step by triggers; PostgreSQL through a GIN index over
``to_tsvector('simple', body)``.  Both see the same folded text (lower case, accents
removed), so "Zoë" finds "Zoe" and the reverse on either backend.

Queries are "search as you type": every word typed must match the start of a word in the
record, in any order.  A query that looks like a telephone number is also matched as one
number in any format ("07700 900123" finds +447700900123).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from vcsedesk.domain.phones import phone_query
from vcsedesk.store.models import SearchDocument

_WORD = re.compile(r"\w+", re.UNICODE)


def fold(value: str) -> str:
    """Lower case with accents removed: what is stored and what is searched for."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def body_of(parts: Iterable[str | None]) -> str:
    """One searchable body from a record's parts, folded, with punctuation also split out
    ("sam@example.org" is findable as typed and word by word)."""
    out = []
    for part in parts:
        if not part:
            continue
        folded = fold(part)
        out.append(folded)
        words = " ".join(_WORD.findall(folded))
        if words != folded:
            out.append(words)
    return "\n".join(out)


def put(session: Session, kind: str, record_id: uuid.UUID, parts: Iterable[str | None]) -> None:
    """Create or replace the searchable text of one record."""
    body = body_of(parts)
    existing = session.scalar(
        select(SearchDocument).where(SearchDocument.kind == kind, SearchDocument.record_id == record_id)
    )
    if existing is None:
        session.add(SearchDocument(kind=kind, record_id=record_id, body=body))
    elif existing.body != body:
        existing.body = body
    session.flush()


def remove(session: Session, kind: str, record_id: uuid.UUID) -> None:
    session.execute(
        delete(SearchDocument).where(SearchDocument.kind == kind, SearchDocument.record_id == record_id)
    )


def _terms(query: str) -> list[str]:
    return [w for w in _WORD.findall(fold(query)) if w]


def fts5_expression(query: str) -> str | None:
    """The FTS5 MATCH expression for what a person typed, or None if there is nothing to find."""
    words = _terms(query)
    if not words:
        return None
    all_words = " AND ".join(f'"{w}"*' for w in words)
    digits = phone_query(query)
    if digits and len(words) > 1:
        return f'("{digits}"*) OR ({all_words})'
    if digits:
        return f'"{digits}"* OR "{words[0]}"*'
    return all_words


def tsquery_expression(query: str) -> str | None:
    """The PostgreSQL to_tsquery('simple', …) text for what a person typed."""
    words = _terms(query)
    if not words:
        return None
    all_words = " & ".join(f"{w}:*" for w in words)
    digits = phone_query(query)
    if digits:
        return f"({digits}:*) | ({all_words})"
    return all_words


#: The SQLite query: FTS5 MATCH, ranked by bm25, one kind of record.  Run on the DB-API
#: connection itself (see :func:`search`), so it is written with qmark parameters.
FTS5_SQL = (
    "SELECT d.record_id FROM search_fts f JOIN search_documents d ON d.doc = f.rowid "
    "WHERE search_fts MATCH ? AND d.kind = ? ORDER BY f.rank LIMIT ?"
)


def search(session: Session, kind: str, query: str, *, limit: int = 200) -> list[uuid.UUID]:
    """Ids of records of ``kind`` matching ``query``, best match first."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        expression = fts5_expression(query)
        if expression is None:
            return []
        rows = _sqlite_rows(session, bind, (expression, kind, limit))
        # Uuid columns hold 32 hex digits on SQLite; UUID(int=…) skips the string clean-up
        # UUID(hex=…) does, which shows when 200 ids come back on every keystroke.
        return [uuid.UUID(int=int(r[0], 16)) for r in rows]
    expression = tsquery_expression(query)
    if expression is None:
        return []
    tsquery = func.to_tsquery("simple", expression)
    vector = func.to_tsvector("simple", SearchDocument.body)
    return list(
        session.scalars(
            select(SearchDocument.record_id)
            .where(SearchDocument.kind == kind, vector.op("@@")(tsquery))
            .order_by(func.ts_rank(vector, tsquery).desc())
            .limit(limit)
        )
    )


def _sqlite_rows(session: Session, bind: Engine | Connection, params: tuple[object, ...]) -> list[Any]:
    """Run FTS5_SQL on the DB-API connection, without the ORM's per-statement overhead.

    Search runs on every keystroke: going through ``Session.execute`` (transaction set-up,
    an extra BEGIN, result wrapping, rollback on close) cost several times the query itself
    for a selective search.  Inside a transaction already begun (a write, or a read that has
    already queried) the session's own connection is used, so the search sees what that
    transaction sees; otherwise a pooled connection runs the one statement on its own
    (autocommit: a single SELECT is its own consistent snapshot).
    """
    try:
        if session.in_transaction() or not isinstance(bind, Engine):
            return _fetch(session.connection().connection.driver_connection, params)
        raw = bind.raw_connection()
        try:
            return _fetch(raw.driver_connection, params)
        finally:
            raw.close()
    except sqlite3.Error as exc:
        # Wrapped as SQLAlchemy would, so Database.read() still tells a locked or damaged
        # file (the environment) from a bug.
        raise DBAPIError.instance(FTS5_SQL, params, exc, sqlite3.Error) from exc


def _fetch(connection: Any, params: tuple[object, ...]) -> list[Any]:
    cursor = connection.cursor()
    try:
        return list(cursor.execute(FTS5_SQL, params).fetchall())
    finally:
        cursor.close()
