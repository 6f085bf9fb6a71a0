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
import unicodedata
import uuid
from collections.abc import Iterable

from sqlalchemy import delete, func, select, text
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


def search(session: Session, kind: str, query: str, *, limit: int = 200) -> list[uuid.UUID]:
    """Ids of records of ``kind`` matching ``query``, best match first."""
    if session.get_bind().dialect.name == "sqlite":
        expression = fts5_expression(query)
        if expression is None:
            return []
        rows = session.execute(
            text(
                "SELECT d.record_id FROM search_fts f JOIN search_documents d ON d.doc = f.rowid "
                "WHERE search_fts MATCH :q AND d.kind = :kind ORDER BY f.rank LIMIT :limit"
            ),
            {"q": expression, "kind": kind, "limit": limit},
        )
        return [uuid.UUID(hex=str(r[0])) for r in rows]
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
