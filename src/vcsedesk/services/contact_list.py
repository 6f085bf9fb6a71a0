"""The contacts list: filter, sort, count and fetch one window of rows at a time.

This is what the contacts table (a lazy, windowed model) and the contacts export call.
Each call is one SQL statement: :func:`count` says how many rows the filter gives,
:func:`page` fetches rows ``offset`` to ``offset + limit`` in the chosen order (the primary
email, primary phone, ward and tags of the page's rows are fetched by the same statement,
only for those rows), and :func:`ids` streams every matching id in order for an export.

The order is always total: every sort ends with the contact's id, so rows never swap places
between two pages.  Names sort without regard to letter case; postcode and ward sorts go on by
name; a blank postcode or ward sorts before any value (so last when descending), on both
backends.  Migration 0003 indexes each order over live contacts, so a page anywhere in a list
of 100,000 is read from an index, not sorted from scratch.

Equality monitoring is never read here: the rows carry contact details only.

A text filter has the search-as-you-type meaning of :func:`vcsedesk.store.search.search`
(every word typed matches the start of a word; telephone numbers in any format).  The search
index holds live contacts only, so when archived contacts are included they are matched,
more simply, by every word appearing somewhere in their name or an email address.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Uuid,
    and_,
    exists,
    false,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from vcsedesk.domain.consent import ConsentStatus, Purpose
from vcsedesk.domain.contacts import ContactKind
from vcsedesk.domain.errors import UserError
from vcsedesk.domain.phones import display_phone
from vcsedesk.store import search
from vcsedesk.store.database import Database
from vcsedesk.store.models import (
    ConsentRecord,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Membership,
    SearchDocument,
    Tag,
    Ward,
)

SEARCH_KIND = "contact"  # the same kind services.contacts indexes contacts under
#: Rows fetched per round trip when streaming ids.
STREAM_CHUNK = 2000
#: The most rows one page may ask for (a screenful is ~50; an export pages by a few hundred).
MAX_PAGE = 5000
_WORDS = re.compile(r"\w+")
_TAG_SEPARATOR = "\x1f"  # joins tag names inside SQL; never part of a tag (validation)


# -- the filter -------------------------------------------------------------------------------
class ConsentState(enum.StrEnum):
    """The current consent state asked for: a status, or ``none`` (nothing ever recorded)."""

    GIVEN = ConsentStatus.GIVEN.value
    REFUSED = ConsentStatus.REFUSED.value
    WITHDRAWN = ConsentStatus.WITHDRAWN.value
    NONE = "none"


@dataclass(frozen=True)
class ConsentCondition:
    """Contacts whose *current* consent for ``purpose`` is ``state``.

    The current state of a purpose is its latest line by date (ties: the later recorded),
    among lines not archived; ``none`` means there is no such line.
    """

    purpose: Purpose
    state: ConsentState

    @classmethod
    def parse(cls, value: str) -> ConsentCondition:
        """``"contact_email=given"`` (as typed on the command line) to a condition."""
        purpose_text, sep, state_text = value.partition("=")
        problems: dict[str, str] = {}
        purpose: Purpose | None = None
        state: ConsentState | None = None
        try:
            purpose = Purpose(purpose_text.strip().lower())
        except ValueError:
            problems["consent"] = (
                f"“{purpose_text}” is not a consent purpose; use one of "
                f"{', '.join(p.value for p in Purpose)}."
            )
        with contextlib.suppress(ValueError):
            state = ConsentState(state_text.strip().lower()) if sep else None
        if state is None and "consent" not in problems:
            problems["consent"] = (
                f"Say which consent state to show as PURPOSE=STATE, the state one of "
                f"{', '.join(s.value for s in ConsentState)} (got “{value}”)."
            )
        if problems or purpose is None or state is None:
            raise UserError(problems["consent"])
        return cls(purpose, state)


@dataclass(frozen=True)
class ContactFilter:
    """What the list shows.  Every part is optional; the parts combine with AND.

    ``tag`` and ``ward`` are names (any letter case).  ``organisation`` is an organisation
    contact's id, or its name (any letter case): people who are current members of it.
    """

    text: str = ""
    kind: ContactKind | None = None
    tag: str | None = None
    ward: str | None = None
    organisation: uuid.UUID | str | None = None
    consent: ConsentCondition | None = None
    include_archived: bool = False


class SortField(enum.StrEnum):
    NAME = "name"
    POSTCODE = "postcode"
    WARD = "ward"
    UPDATED_AT = "updated_at"


@dataclass(frozen=True)
class SortKey:
    field: SortField = SortField.NAME
    descending: bool = False


BY_NAME = SortKey()
#: The default filter: every live contact.
EVERYONE = ContactFilter()


# -- the rows ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ContactRow:
    """One line of the contacts list (never any equality monitoring)."""

    id: uuid.UUID
    version: int
    kind: ContactKind
    name: str
    email: str | None  # the first live email address
    phone: str | None  # the first live number, as a person writes it ("07700 900123")
    postcode: str | None
    ward: str | None
    tags: str  # names in alphabetical order, joined with ", "
    archived: bool
    updated_at: datetime


# -- building the query -----------------------------------------------------------------------
def _live(model: Any) -> ColumnElement[bool]:
    return model.deleted_at.is_(None)  # type: ignore[no-any-return]


def _text_condition(session: Session, typed: str, include_archived: bool) -> ColumnElement[bool] | None:
    if not typed.strip():
        return None
    if session.get_bind().dialect.name == "sqlite":
        expression = search.fts5_expression(typed)
        if expression is None:
            return false()
        matching: Any = (
            text(
                # CROSS JOIN keeps this order in SQLite: the MATCH runs once and drives the
                # lookups.  Left to itself the planner walked every document and ran the MATCH
                # for each (three minutes for "smith" at 100,000 contacts, not 30 ms).
                "SELECT d.record_id FROM search_fts CROSS JOIN search_documents d "
                "ON d.doc = search_fts.rowid "
                "WHERE search_fts MATCH :contact_list_q AND d.kind = :contact_list_kind"
            )
            .bindparams(contact_list_q=expression, contact_list_kind=SEARCH_KIND)
            .columns(record_id=Uuid())
        )
    else:
        expression = search.tsquery_expression(typed)
        if expression is None:
            return false()
        vector = func.to_tsvector("simple", SearchDocument.body)
        matching = select(SearchDocument.record_id).where(
            SearchDocument.kind == SEARCH_KIND, vector.op("@@")(func.to_tsquery("simple", expression))
        )
    found = Contact.id.in_(matching)
    if not include_archived:
        return found
    # Archived contacts are out of the search index: every word somewhere in the name or an email.
    words = _WORDS.findall(search.fold(typed))
    if not words:
        return found
    per_word = [
        or_(
            func.lower(Contact.name).contains(word, autoescape=True),
            exists().where(
                ContactEmail.contact_id == Contact.id,
                func.lower(ContactEmail.address).contains(word, autoescape=True),
            ),
        )
        for word in words
    ]
    return or_(found, and_(Contact.deleted_at.is_not(None), *per_word))


def _consent_condition(condition: ConsentCondition) -> ColumnElement[bool]:
    lines = select(ConsentRecord.contact_id).where(
        ConsentRecord.purpose == condition.purpose.value, _live(ConsentRecord)
    )
    if condition.state is ConsentState.NONE:
        return Contact.id.not_in(lines)
    ranked = (
        select(
            ConsentRecord.contact_id,
            ConsentRecord.status,
            func.row_number()
            .over(
                partition_by=ConsentRecord.contact_id,
                order_by=(
                    ConsentRecord.given_on.desc(),
                    ConsentRecord.created_at.desc(),
                    ConsentRecord.id.desc(),
                ),
            )
            .label("n"),
        )
        .where(ConsentRecord.purpose == condition.purpose.value, _live(ConsentRecord))
        .subquery("ranked_consents")
    )
    current = select(ranked.c.contact_id).where(ranked.c.n == 1, ranked.c.status == condition.state.value)
    return Contact.id.in_(current)


def conditions(session: Session, flt: ContactFilter) -> list[ColumnElement[bool]]:
    """The WHERE conditions on ``contacts`` for ``flt`` (for other areas that list contacts)."""
    where: list[ColumnElement[bool]] = []
    if not flt.include_archived:
        where.append(_live(Contact))
    typed = _text_condition(session, flt.text, flt.include_archived)
    if typed is not None:
        where.append(typed)
    if flt.kind is not None:
        where.append(Contact.kind == ContactKind(flt.kind).value)
    if flt.tag and flt.tag.strip():
        tag_ids = select(Tag.id).where(func.lower(Tag.name) == flt.tag.strip().lower())
        tagged = select(ContactTag.contact_id).where(ContactTag.tag_id.in_(tag_ids), _live(ContactTag))
        where.append(Contact.id.in_(tagged))
    if flt.ward and flt.ward.strip():
        wards = select(Ward.id).where(func.lower(Ward.name) == flt.ward.strip().lower())
        where.append(Contact.ward_id.in_(wards))
    if isinstance(flt.organisation, uuid.UUID) or (flt.organisation and flt.organisation.strip()):
        if isinstance(flt.organisation, uuid.UUID):
            org_ids: Any = [flt.organisation]
        else:
            org_ids = select(Contact.id).where(
                Contact.kind == ContactKind.ORGANISATION.value,
                func.lower(Contact.name) == flt.organisation.strip().lower(),
            )
        members = select(Membership.person_id).where(
            Membership.organisation_id.in_(org_ids), _live(Membership)
        )
        where.append(Contact.id.in_(members))
    if flt.consent is not None:
        where.append(_consent_condition(flt.consent))
    return where


def _name_key(dialect: str) -> ColumnElement[Any]:
    """The name without regard to letter case, as migration 0003 indexes it."""
    if dialect == "sqlite":
        return Contact.name.collate("NOCASE")
    return func.lower(Contact.name)


def _order_terms(dialect: str, sort: SortKey) -> list[ColumnElement[Any]]:
    """The sort values, most significant first (the id, last, is added by :func:`_order`)."""
    name = _name_key(dialect)
    if sort.field is SortField.NAME:
        return [name]
    if sort.field is SortField.POSTCODE:
        return [Contact.postcode.expression, name]
    if sort.field is SortField.WARD:
        return [func.coalesce(Ward.name, ""), name]
    return [Contact.updated_at.expression]


def _order(dialect: str, values: list[Any], record_id: Any, sort: SortKey) -> list[Any]:
    """ORDER BY terms: ``values`` then the id, all one way.  A blank sorts before any text
    (SQLite's own rule; PostgreSQL is told so), so either direction reads an index."""
    ordered: list[Any] = []
    for value in [*values, record_id]:
        term = value.desc() if sort.descending else value.asc()
        if dialect != "sqlite" and sort.field is SortField.POSTCODE and value is values[0]:
            term = term.nulls_last() if sort.descending else term.nulls_first()
        ordered.append(term)
    return ordered


def _ordered_ids(session: Session, flt: ContactFilter, sort: SortKey) -> Select[Any]:
    """SELECT contacts.id, sort values ... WHERE <filter> ORDER BY <sort>, id."""
    dialect = session.get_bind().dialect.name
    values = [v.label(f"sort_{i}") for i, v in enumerate(_order_terms(dialect, sort))]
    query = select(Contact.id.label("id"), *values).where(*conditions(session, flt))
    if sort.field is SortField.WARD:
        query = query.outerjoin(Ward, Ward.id == Contact.ward_id)
    return query.order_by(*_order(dialect, [v.element for v in values], Contact.id, sort))


# -- reading ----------------------------------------------------------------------------------
def count(db: Database, flt: ContactFilter = EVERYONE) -> int:
    """How many contacts the filter gives."""
    with db.read() as session:
        query = select(func.count()).select_from(Contact).where(*conditions(session, flt))
        return int(session.scalar(query) or 0)


def _row_columns() -> list[Any]:
    """What a row shows; the email, phone and tags are looked up for the page's rows only."""
    first_email = (
        select(ContactEmail.address)
        .where(ContactEmail.contact_id == Contact.id, _live(ContactEmail))
        .order_by(ContactEmail.created_at, ContactEmail.id)
        .limit(1)
        .scalar_subquery()
    )
    first_phone = (
        select(ContactPhone.number)
        .where(ContactPhone.contact_id == Contact.id, _live(ContactPhone))
        .order_by(ContactPhone.created_at, ContactPhone.id)
        .limit(1)
        .scalar_subquery()
    )
    tags = (
        select(func.aggregate_strings(Tag.name, _TAG_SEPARATOR))
        .select_from(ContactTag)
        .join(Tag, Tag.id == ContactTag.tag_id)
        .where(ContactTag.contact_id == Contact.id, _live(ContactTag))
        .scalar_subquery()
    )
    return [
        Contact.id,
        Contact.version,
        Contact.kind,
        Contact.name,
        first_email,
        first_phone,
        Contact.postcode,
        Ward.name,
        tags,
        Contact.deleted_at,
        Contact.updated_at,
    ]


def page_query(session: Session, flt: ContactFilter, sort: SortKey, offset: int, limit: int) -> Select[Any]:
    """The one statement behind :func:`page` for every order but ward (exposed for EXPLAIN)."""
    dialect = session.get_bind().dialect.name
    window = _ordered_ids(session, flt, sort).offset(offset).limit(limit).subquery("page")
    window_values = [c for c in window.c if c.key.startswith("sort_")]
    return (
        select(*_row_columns())
        .select_from(window)
        .join(Contact, Contact.id == window.c.id)
        .outerjoin(Ward, Ward.id == Contact.ward_id)
        .order_by(*_order(dialect, window_values, window.c.id, sort))
    )


def _rows_by_id(session: Session, wanted: list[uuid.UUID]) -> list[ContactRow]:
    """The rows of ``wanted``, in that order: one query."""
    if not wanted:
        return []
    found = session.execute(
        select(*_row_columns()).outerjoin(Ward, Ward.id == Contact.ward_id).where(Contact.id.in_(wanted))
    ).all()
    by_id = {r[0]: r for r in found}
    return [_row(by_id[i]) for i in wanted if i in by_id]


def _ward_page_ids(
    session: Session, flt: ContactFilter, sort: SortKey, offset: int, limit: int
) -> list[uuid.UUID]:
    """Ids for a page sorted by ward, ward by ward.

    Sorting every contact by its ward's name cannot be read from an index (the name lives in
    another table), and at 100,000 contacts SQLite takes seconds over it.  Instead: how many
    match in each ward (one grouped query), the wards in name order (blanks first), then the
    page's slice of each ward it spans, read in name order from ``ix_contacts_list_ward``.
    """
    where = conditions(session, flt)
    per_ward = dict(
        session.execute(select(Contact.ward_id, func.count()).where(*where).group_by(Contact.ward_id)).all()
    )
    names = dict(
        session.execute(select(Ward.id, Ward.name).where(Ward.id.in_([w for w in per_ward if w]))).all()
    )
    segments: list[uuid.UUID | None] = sorted(
        per_ward, key=lambda w: (w is not None, (names.get(w) or "").casefold() if w else "", str(w))
    )
    if sort.descending:
        segments.reverse()
    dialect = session.get_bind().dialect.name
    name = _name_key(dialect)
    wanted: list[uuid.UUID] = []
    start = 0
    for ward_id in segments:
        size = per_ward[ward_id]
        end = start + size
        if end > offset and start < offset + limit:
            skip = max(0, offset - start)
            take = min(size - skip, offset + limit - max(offset, start))
            in_ward = Contact.ward_id.is_(None) if ward_id is None else Contact.ward_id == ward_id
            order = [name.desc(), Contact.id.desc()] if sort.descending else [name.asc(), Contact.id.asc()]
            wanted += session.scalars(
                select(Contact.id).where(*where, in_ward).order_by(*order).offset(skip).limit(take)
            ).all()
        start = end
        if start >= offset + limit:
            break
    return wanted


def page(
    db: Database,
    flt: ContactFilter = EVERYONE,
    sort: SortKey = BY_NAME,
    offset: int = 0,
    limit: int = 100,
) -> list[ContactRow]:
    """Rows ``offset`` to ``offset + limit`` of the filtered, sorted list.

    One query (sorting by ward: a grouped count, then one query per ward the page spans and
    one for the rows).
    """
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must not be negative")
    if limit == 0:
        return []
    limit = min(limit, MAX_PAGE)
    with db.read() as session:
        if sort.field is SortField.WARD:
            return _rows_by_id(session, _ward_page_ids(session, flt, sort, offset, limit))
        rows = session.execute(page_query(session, flt, sort, offset, limit)).all()
    return [_row(r) for r in rows]


@functools.lru_cache(maxsize=8192)
def _phone_display(e164: str) -> str:
    return display_phone(e164)  # libphonenumber formatting costs ~50 µs a number


def _row(r: Any) -> ContactRow:
    (cid, version, kind, name, email, phone, postcode, ward, tags, deleted_at, updated_at) = r
    return ContactRow(
        id=cid,
        version=version,
        kind=ContactKind(kind),
        name=name,
        email=email,
        phone=_phone_display(phone) if phone else None,
        postcode=postcode,
        ward=ward,
        tags=", ".join(sorted(tags.split(_TAG_SEPARATOR), key=str.casefold)) if tags else "",
        archived=deleted_at is not None,
        updated_at=updated_at,
    )


def iter_ids(
    session: Session, flt: ContactFilter, sort: SortKey = BY_NAME, *, chunk: int = STREAM_CHUNK
) -> Iterator[uuid.UUID]:
    """Every matching id in list order, streamed from the database inside ``session``."""
    query = _ordered_ids(session, flt, sort)
    result = session.execute(query.execution_options(yield_per=chunk))
    try:
        for row in result:
            yield row[0]
    finally:
        result.close()


def ids(db: Database, flt: ContactFilter = EVERYONE, sort: SortKey = BY_NAME) -> Iterator[uuid.UUID]:
    """Every matching id in list order, streamed (for exports and bulk actions).

    The read session stays open until the generator is used up or closed.
    """
    with db.read() as session:
        yield from iter_ids(session, flt, sort)


def position(
    db: Database,
    contact_id: uuid.UUID,
    flt: ContactFilter = EVERYONE,
    sort: SortKey = BY_NAME,
) -> int | None:
    """The row number of ``contact_id`` in the list (to select it after a change), or None."""
    with db.read() as session:
        dialect = session.get_bind().dialect.name
        ordered = _ordered_ids(session, flt, sort).subquery("ordered")
        values = [c for c in ordered.c if c.key.startswith("sort_")]
        numbered = select(
            ordered.c.id,
            func.row_number().over(order_by=_order(dialect, values, ordered.c.id, sort)).label("n"),
        ).subquery("numbered")
        found = session.scalar(select(numbered.c.n).where(numbered.c.id == contact_id))
        return None if found is None else int(found) - 1
