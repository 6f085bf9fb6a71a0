"""Duplicates: the hint while a contact is typed, the review list, and merging two contacts.

* :func:`likely_duplicates` — asked as a new contact is typed: which saved contacts share its
  email or phone, or have a similar name at the same postcode.  Indexed look-ups only (by
  email, by phone, by postcode), so it stays instant at 100,000 contacts.
* :func:`duplicate_pairs` — the review screen: likely pairs across every live contact, best
  first.  Blocking keeps it near-linear: SQL group-bys find emails and phones held by more
  than one contact and postcodes with more than one contact; names are compared (rapidfuzz)
  only within a postcode.
* :func:`merge_contacts` — one contact folded into another: field values chosen side by
  side, emails, phones and tags united, every linked record moved (found from the schema's
  foreign keys to ``contacts.id``, so tables added later are moved too), the other contact
  archived.  One journalled change set: ``undo_last`` puts both back as they were.

Pairs marked "not a duplicate" are not remembered yet (that needs a table of its own); the
review screen shows every likely pair each time.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Column, ColumnElement, Table, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session

from vcsedesk.domain.contacts import ContactDraft, ContactKind, clean_contact
from vcsedesk.domain.duplicates import Candidate, compare, rank, similar_names, similar_pairs
from vcsedesk.domain.errors import UserError, ValidationError
from vcsedesk.domain.phones import clean_phone
from vcsedesk.domain.validation import Invalid, clean_email, clean_postcode
from vcsedesk.services.base import Actor, Changes, Permission, UnitOfWork, require, unit_of_work
from vcsedesk.services.contacts import SEARCH_KIND, reindex
from vcsedesk.store import search
from vcsedesk.store.database import Database
from vcsedesk.store.models import (
    Base,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Membership,
    Record,
    SeldomHeardMembership,
    record_model,
)

#: Most contacts at one postcode looked at for the as-you-type hint (a block of flats).
MAX_AT_POSTCODE = 2000
#: An email or phone held by more contacts than this is a shared one (a front desk, an
#: office inbox), not a sign of duplicates; such groups are left out of the review list.
MAX_SHARED = 25
_CHUNK = 500

Choice = Literal["keep", "drop", "both"]

# The look-ups, built once (they run as a contact is typed).
_BY_EMAIL = select(ContactEmail.contact_id).where(
    ContactEmail.address.in_(bindparam("values", expanding=True)), ContactEmail.deleted_at.is_(None)
)
_BY_PHONE = select(ContactPhone.contact_id).where(
    ContactPhone.number.in_(bindparam("values", expanding=True)), ContactPhone.deleted_at.is_(None)
)
_AT_POSTCODE = (
    select(Contact.id, Contact.name)
    .where(
        Contact.postcode == bindparam("postcode"),
        Contact.deleted_at.is_(None),
        Contact.kind.in_(bindparam("kinds", expanding=True)),
    )
    .limit(MAX_AT_POSTCODE)
)
_EMAILS_OF = select(ContactEmail.contact_id, ContactEmail.address).where(
    ContactEmail.contact_id.in_(bindparam("ids", expanding=True)), ContactEmail.deleted_at.is_(None)
)
_PHONES_OF = select(ContactPhone.contact_id, ContactPhone.number).where(
    ContactPhone.contact_id.in_(bindparam("ids", expanding=True)), ContactPhone.deleted_at.is_(None)
)
_CONTACTS_OF = select(
    Contact.id, Contact.version, Contact.kind, Contact.name, Contact.postcode, Contact.created_at
).where(Contact.id.in_(bindparam("ids", expanding=True)), Contact.deleted_at.is_(None))


# -- the hint while typing ----------------------------------------------------------------------
@dataclass(frozen=True)
class DuplicateHint:
    """A saved contact that looks like the one being typed, and why."""

    contact_id: uuid.UUID
    name: str
    postcode: str | None
    reasons: tuple[str, ...]
    score: float


def likely_duplicates(
    db: Database, draft: ContactDraft, *, exclude: uuid.UUID | None = None, limit: int = 5
) -> list[DuplicateHint]:
    """Saved contacts that look like ``draft`` (same email, same phone, or a similar name at
    the same postcode), most alike first.  ``exclude`` is the contact being edited, if any.

    The draft need not be valid: what can be read of it is used, the rest ignored.
    """
    target = _draft_candidate(draft)
    kind = _kind(draft.kind)
    name_and_place = bool(target.name and target.postcode)
    if not (target.emails or target.phones or name_and_place):
        return []
    ids: set[uuid.UUID] = set()
    with db.read() as session:
        conn = session.connection()  # Core statements built once: this runs on every keystroke
        if target.emails:
            variants = sorted({v for e in target.emails for v in (e, e.lower())})
            ids.update(conn.scalars(_BY_EMAIL, {"values": variants}))
        if target.phones:
            ids.update(conn.scalars(_BY_PHONE, {"values": sorted(target.phones)}))
        if name_and_place:
            kinds = [kind.value] if kind else [k.value for k in ContactKind]
            rows = conn.execute(_AT_POSTCODE, {"postcode": target.postcode, "kinds": kinds})
            ids.update(similar_names(target.name, [(r.id, r.name) for r in rows]))
        if exclude is not None:
            ids.discard(exclude)
        sides = _load(session, ids)
    others = [(cid, side.candidate) for cid, side in sides.items() if kind is None or side.kind == kind]
    return [
        DuplicateHint(cid, sides[cid].name, sides[cid].postcode, match.reasons, match.score)
        for cid, match in rank(target, others)[:limit]
    ]


def _kind(value: str) -> ContactKind | None:
    try:
        return ContactKind(str(value).strip().lower())
    except ValueError:
        return None


def _draft_candidate(draft: ContactDraft) -> Candidate:
    """What can be read of a half-typed draft: invalid emails, phones and postcodes are skipped."""
    emails: set[str] = set()
    for entry in draft.emails:
        try:
            address = clean_email(entry.address)
        except Invalid:
            continue
        if address:
            emails.add(address)
    phones: set[str] = set()
    for phone in draft.phones:
        try:
            number = clean_phone(phone.number)
        except Invalid:
            continue
        if number:
            phones.add(number)
    try:
        postcode = clean_postcode(draft.postcode)
    except Invalid:
        postcode = None
    parts = " ".join(p.strip() for p in (draft.given_name, draft.family_name) if p and p.strip())
    name = (draft.name or "").strip() or parts
    return Candidate(name=name, emails=frozenset(emails), phones=frozenset(phones), postcode=postcode)


# -- the review list ----------------------------------------------------------------------------
@dataclass(frozen=True)
class PairSide:
    id: uuid.UUID
    version: int
    kind: ContactKind
    name: str
    postcode: str | None
    created_at: datetime
    candidate: Candidate


@dataclass(frozen=True)
class DuplicatePair:
    """Two live contacts that look like one, and why.  ``first`` is the older record (the
    natural one to keep); both carry the version a merge needs."""

    first: PairSide
    second: PairSide
    score: float
    reasons: tuple[str, ...]


def duplicate_pairs(db: Database, *, limit: int = 200) -> list[DuplicatePair]:
    """Likely duplicate pairs among all live contacts, best first."""
    pairs: set[tuple[uuid.UUID, uuid.UUID]] = set()
    with db.read() as session:
        for column, key in (
            (ContactEmail.contact_id, func.lower(ContactEmail.address)),
            (ContactPhone.contact_id, ContactPhone.number),
        ):
            for group in _shared(session, column, key):
                pairs.update(_ordered(a, b) for a, b in itertools.combinations(group, 2))
        for block in _postcode_blocks(session):
            pairs.update(_ordered(a, b) for a, b in similar_pairs(block))
        sides = _load(session, {i for pair in pairs for i in pair})
    found = []
    for a, b in pairs:
        if a not in sides or b not in sides or sides[a].kind != sides[b].kind:
            continue
        first, second = sorted((sides[a], sides[b]), key=lambda s: (s.created_at, str(s.id)))
        match = compare(first.candidate, second.candidate)
        if match is not None:
            found.append(DuplicatePair(first, second, match.score, match.reasons))
    found.sort(key=lambda p: (-p.score, p.first.name.casefold(), p.second.name.casefold(), str(p.first.id)))
    return found[:limit]


def _ordered(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if str(a) < str(b) else (b, a)


def _shared(session: Session, owner: Any, key: Any) -> list[list[uuid.UUID]]:
    """Groups of live contacts sharing one value of ``key`` (an email, a phone number)."""
    child = owner.class_
    live = and_(child.deleted_at.is_(None), Contact.deleted_at.is_(None))
    duplicated = (
        select(key)
        .select_from(child)
        .join(Contact, Contact.id == owner)
        .where(live)
        .group_by(key)
        .having(func.count(func.distinct(owner)) > 1)
    )
    groups: dict[str, set[uuid.UUID]] = {}
    rows = session.execute(
        select(key, owner)
        .select_from(child)
        .join(Contact, Contact.id == owner)
        .where(live, key.in_(duplicated))
    )
    for value, contact_id in rows:
        groups.setdefault(value, set()).add(contact_id)
    return [sorted(g, key=str) for g in groups.values() if 1 < len(g) <= MAX_SHARED]


def _postcode_blocks(session: Session) -> Iterable[list[tuple[uuid.UUID, str]]]:
    """Live contacts of one kind at one postcode, for every postcode with more than one."""
    crowded = (
        select(Contact.postcode)
        .where(Contact.deleted_at.is_(None), Contact.postcode.is_not(None))
        .group_by(Contact.postcode)
        .having(func.count() > 1)
    )
    rows = session.execute(
        select(Contact.postcode, Contact.kind, Contact.id, Contact.name)
        .where(Contact.deleted_at.is_(None), Contact.postcode.in_(crowded))
        .order_by(Contact.postcode, Contact.kind)
    )
    for _, block in itertools.groupby(rows, key=lambda r: (r.postcode, r.kind)):
        members = [(r.id, r.name) for r in block]
        if len(members) > 1:
            yield members


def _load(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, PairSide]:
    """What comparing needs of each live contact in ``ids``."""
    wanted = sorted(ids, key=str)
    out: dict[uuid.UUID, PairSide] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        conn = session.connection()
        emails: dict[uuid.UUID, set[str]] = {}
        for cid, address in conn.execute(_EMAILS_OF, {"ids": chunk}):
            emails.setdefault(cid, set()).add(address)
        phones: dict[uuid.UUID, set[str]] = {}
        for cid, number in conn.execute(_PHONES_OF, {"ids": chunk}):
            phones.setdefault(cid, set()).add(number)
        for row in conn.execute(_CONTACTS_OF, {"ids": chunk}):
            out[row.id] = PairSide(
                id=row.id,
                version=row.version,
                kind=ContactKind(row.kind),
                name=row.name,
                postcode=row.postcode,
                created_at=row.created_at,
                candidate=Candidate(
                    name=row.name,
                    emails=frozenset(emails.get(row.id, ())),
                    phones=frozenset(phones.get(row.id, ())),
                    postcode=row.postcode,
                ),
            )
    return out


# -- merging ------------------------------------------------------------------------------------
#: Fields chosen side by side in a merge ("ward" is the ward's name; the rest are columns).
MERGE_FIELDS = (
    "given_name",
    "family_name",
    "name",
    "organisation_type",
    "address",
    "postcode",
    "ward",
    "preferred_language",
    "interpreter_needed",
    "access_needs",
    "how_we_met",
    "notes",
)
#: Fields whose two values can both be kept: notes one after the other, access needs united.
BOTH_FIELDS = frozenset({"notes", "access_needs"})

#: How a linked row is told apart from another of the same contact: a moved row that repeats
#: one the kept contact already has (the same email, tag, group …) is archived, not doubled.
_SAME: dict[str, Callable[[Any], Hashable]] = {
    ContactEmail.__tablename__: lambda r: r.address.casefold(),
    ContactPhone.__tablename__: lambda r: r.number,
    ContactTag.__tablename__: lambda r: r.tag_id,
    SeldomHeardMembership.__tablename__: lambda r: r.group_id,
    Membership.__tablename__: lambda r: (r.person_id, r.organisation_id),
}


def merge_contacts(
    db: Database,
    actor: Actor,
    keep_id: uuid.UUID,
    keep_version: int,
    drop_id: uuid.UUID,
    drop_version: int,
    choices: Mapping[str, str],
) -> Changes:
    """Fold the contact ``drop_id`` into ``keep_id``, as one change that can be undone.

    ``choices`` maps a field of MERGE_FIELDS to "keep" or "drop" (whose value to take), or
    "both" for notes (kept one after the other) and access needs (united).  A field not
    chosen keeps the kept contact's value, or takes the other's where the kept one is blank
    (an interpreter is needed if either says so).  Emails, phones and tags are united; every
    record linked to the dropped contact (memberships both ways, consent lines with their
    dates, equality monitoring, seldom-heard groups, and any later table with a foreign key
    to contacts) moves to the kept one; then the dropped contact is archived.
    """
    require(actor, Permission.EDIT_RECORDS)
    _check_choices(choices)
    if keep_id == drop_id:
        raise UserError("A contact cannot be merged with itself.")
    with unit_of_work(db, actor, "Merged two contacts") as uow:
        keep = uow.get(Contact, keep_id)
        drop = uow.get(Contact, drop_id)
        uow.check_version(keep, keep_version)
        uow.check_version(drop, drop_version)
        if keep.kind != drop.kind:
            raise UserError(
                f"{keep.name} is {_a(keep.kind)} and {drop.name} is {_a(drop.kind)}: "
                "only two people or two organisations can be merged."
            )
        uow.summary = f"Merged {drop.name} into {keep.name}"
        old_name = drop.name
        uow.update(keep, _merged_values(keep, drop, choices), keep_version)
        moved, touched = _move_links(uow, keep, drop)
        _archive_repeats(uow, keep, moved)
        uow.archive(drop, drop_version, summary=f"Archived {old_name}: merged into {keep.name}")
        if keep.id not in uow.changes.updated.get(Contact.__tablename__, set()):
            uow.changes.note("updated", Contact.__tablename__, keep.id)
        search.remove(uow.session, SEARCH_KIND, drop.id)
        for contact_id in sorted(touched - {drop.id}, key=str):
            reindex(uow.session, contact_id)
    return uow.changes


def _a(kind: str) -> str:
    return "an organisation" if kind == ContactKind.ORGANISATION.value else "a person"


def _check_choices(choices: Mapping[str, str]) -> None:
    problems = {}
    for name, choice in choices.items():
        if name not in MERGE_FIELDS:
            problems[name] = f"“{name}” is not a field that can be chosen in a merge."
        elif choice not in ("keep", "drop", "both"):
            problems[name] = f"Choose “keep” or “drop” for {name}, not “{choice}”."
        elif choice == "both" and name not in BOTH_FIELDS:
            problems[name] = f"Only one {name.replace('_', ' ')} can be kept: choose “keep” or “drop”."
    if problems:
        raise ValidationError(problems, record="The merge")


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False


def _merged_values(keep: Contact, drop: Contact, choices: Mapping[str, str]) -> dict[str, Any]:
    """The kept contact's columns after the merge, validated as any edit is."""

    def pick(name: str, column: str | None = None) -> Any:
        column = column or name
        mine, theirs = getattr(keep, column), getattr(drop, column)
        choice = choices.get(name)
        if choice == "drop":
            return theirs
        if choice == "keep" or not _blank(mine):
            return mine
        return theirs

    notes = pick("notes")
    if choices.get("notes") == "both":
        parts = [n for n in (keep.notes, drop.notes) if n]
        notes = "\n\n".join(dict.fromkeys(parts)) or None
    needs = pick("access_needs")
    if choices.get("access_needs") == "both":
        needs = list(dict.fromkeys([*(keep.access_needs or []), *(drop.access_needs or [])]))
    given, family = pick("given_name"), pick("family_name")
    is_person = keep.kind == ContactKind.PERSON.value
    # A person's name is made from the chosen parts unless a name was chosen outright.
    typed_name = pick("name") if not is_person or "name" in choices or not (given or family) else None
    interpreter = (
        pick("interpreter_needed")
        if "interpreter_needed" in choices
        else bool(keep.interpreter_needed or drop.interpreter_needed)
    )
    clean = clean_contact(
        ContactDraft(
            kind=keep.kind,
            given_name=given,
            family_name=family,
            name=typed_name,
            organisation_type=pick("organisation_type"),
            address=pick("address"),
            postcode=pick("postcode"),
            preferred_language=pick("preferred_language"),
            interpreter_needed=bool(interpreter),
            access_needs=tuple(needs or ()),
            how_we_met=pick("how_we_met"),
            notes=notes,
        )
    )
    values = clean.record_values()
    del values["kind"]
    values["ward_id"] = pick("ward", "ward_id")
    return values


def links_to_contacts() -> list[tuple[Table, Column[Any]]]:
    """Every (table, column) holding a foreign key to ``contacts.id``, from the schema itself,
    so records linked to contacts in later areas (engagements, claims …) are found too."""
    contacts_id = Contact.__table__.c.id
    found = []
    for table in Base.metadata.sorted_tables:
        if table is Contact.__table__:
            continue
        for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
            if fk.column is contacts_id:
                found.append((table, fk.parent))
    return found


def _unique_sets(table: Table, column: Column[Any]) -> list[list[Column[Any]]]:
    """The other columns of each uniqueness rule on ``table`` that includes ``column``."""
    rules: list[list[Column[Any]]] = []
    if column.unique:
        rules.append([])
    for constraint in table.constraints:
        cols = list(getattr(constraint, "columns", []))
        if constraint.__class__.__name__ == "UniqueConstraint" and column in cols:
            rules.append([c for c in cols if c is not column])
    for index in table.indexes:
        if index.unique and column in index.columns:
            rules.append([c for c in index.columns if c is not column])
    return rules


def _move_links(uow: UnitOfWork, keep: Contact, drop: Contact) -> tuple[list[Record], set[uuid.UUID]]:
    """Point every row linked to ``drop`` at ``keep``, journalled field by field.

    A row that cannot move because the kept contact already has its one allowed row (an
    equality monitoring profile, or any other uniqueness rule) stays where it is, archived.
    Returns the moved rows and the contacts whose search documents now need rewriting.
    """
    session = uow.session
    moved: list[Record] = []
    touched = {keep.id}
    for table, column in links_to_contacts():
        try:
            model = record_model(table.name)
        except KeyError:
            raise TypeError(
                f"{table.name}.{column.name} links to contacts but {table.name} is not a record table, "
                "so a merge could not journal moving it"
            ) from None
        attr = column.key
        rules = _unique_sets(table, column)
        rows = session.scalars(
            select(model).where(column == drop.id).order_by(model.created_at, model.id)
        ).all()
        for row in rows:
            what = row.describe()
            if _clashes(session, model, column, keep.id, row, rules):
                if row.deleted_at is None:
                    uow.archive(
                        row, None, summary=f"Archived {what} of {drop.name}: {keep.name} already has one"
                    )
                continue
            uow.update(row, {attr: keep.id}, None, summary=f"Moved {what} from {drop.name} to {keep.name}")
            moved.append(row)
            for _, other in links_to_contacts():
                if other.table is table and (value := getattr(row, other.key)) is not None:
                    touched.add(value)
    return moved, touched


def _clashes(
    session: Session,
    model: type[Record],
    column: Column[Any],
    keep_id: uuid.UUID,
    row: Record,
    rules: Sequence[Sequence[Column[Any]]],
) -> bool:
    for others in rules:
        same: list[ColumnElement[bool]] = [column == keep_id]
        same += [c == getattr(row, c.key) for c in others]
        if session.scalar(select(exists().where(*same))):
            return True
    return False


def _archive_repeats(uow: UnitOfWork, keep: Contact, moved: Sequence[Record]) -> None:
    """Archive moved rows that repeat one the kept contact has (the same email, phone, tag,
    group or membership): united, not doubled.  The kept contact's own rows stay."""
    moved_ids = {r.id for r in moved}
    for table_name, key in _SAME.items():
        if not any(r.__tablename__ == table_name for r in moved):
            continue
        model = record_model(table_name)
        links = [c for t, c in links_to_contacts() if t is model.__table__]
        rows = uow.session.scalars(
            select(model).where(or_(*(c == keep.id for c in links)), model.deleted_at.is_(None))
        ).all()
        seen: set[Hashable] = set()
        for row in sorted(rows, key=lambda r: (r.id in moved_ids, r.created_at, str(r.id))):
            value = key(row)
            if value in seen and row.id in moved_ids:
                uow.archive(row, None, summary=f"Archived {row.describe()}: {keep.name} already has it")
            seen.add(value)
