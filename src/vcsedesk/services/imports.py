"""Importing contacts: a preview of every row, then an all-or-nothing commit.

:func:`preview` reads a file (io/contacts_import.py), maps its columns, validates each row
with the same rules as the contact form (domain.contacts.clean_contact) and looks for likely
duplicates — against the contacts already stored and earlier rows of the same file — using
domain.duplicates.  Nothing is written.

:func:`commit` writes what the preview found, in one transaction and one journalled change set
("Imported 1,234 contacts from friends.csv"), after a backup copy of a SQLite file:

* rows with problems are never half-imported: the whole import is refused while any row has
  problems, unless the caller asks to leave those rows out (``skip_invalid``);
* a likely duplicate is skipped by default; it can instead be merged (the existing contact's
  blank fields are filled and new emails, phones and tags added, journalled field by field
  through the same child-sync as an edit) or created anyway;
* new contacts are written in bulk — contacts, emails, phones, tag links, memberships, their
  journal entries (the same shape UnitOfWork writes) and their search documents — with
  ids made here, so 100,000 rows take seconds rather than the ORM's minutes.

Undo of an import (services.base.undo_last) archives what it created, set-based (one UPDATE
per table and the journal entries in batches), so it is as quick as the import itself.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from vcsedesk.domain.contacts import (
    MAX_EMAILS,
    MAX_PHONES,
    MAX_TAGS,
    CleanContact,
    ContactDraft,
    ContactKind,
    clean_contact,
)
from vcsedesk.domain.duplicates import Candidate, compare
from vcsedesk.domain.errors import UserError, ValidationError
from vcsedesk.domain.phones import search_forms
from vcsedesk.domain.validation import Invalid, clean_text
from vcsedesk.io.contacts_import import (
    RowPlan,
    compile_mapping,
    detect_mapping,
    looks_like_data,
    read_table,
    to_draft,
    usable,
)
from vcsedesk.io.contacts_import import (
    Table as SourceTable,
)
from vcsedesk.io.safety import DEFAULT_LIMITS, FileRefused, Limits
from vcsedesk.services.base import Actor, Changes, Permission, UnitOfWork, larger_cache, require, utcnow
from vcsedesk.services.bulk import BulkJournal, Inserter, new_row
from vcsedesk.services.contacts import SEARCH_KIND, _sync_children, _ward_id, load_view, reindex
from vcsedesk.store.database import Database
from vcsedesk.store.location import DataFolder
from vcsedesk.store.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Membership,
    SearchDocument,
    Tag,
    Ward,
)
from vcsedesk.store.search import body_of

SKIP, MERGE, CREATE = "skip", "merge", "create"
DECISIONS = (SKIP, MERGE, CREATE)
BATCH = 5_000


class ImportRefused(UserError):
    """The import was refused as a whole; ``problems`` lists the rows that caused it."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


# -- the preview ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DuplicateOf:
    """What a row looks like: a stored contact, or an earlier row of the same file."""

    reasons: tuple[str, ...]
    contact_id: uuid.UUID | None = None
    contact_name: str = ""
    contact_version: int | None = None
    row: int | None = None

    def describe(self, noun: str = "Row") -> str:
        what = self.contact_name if self.contact_id else f"{noun.lower()} {self.row}"
        return f"looks like {what}: {', '.join(self.reasons)}"


@dataclass(slots=True)
class PreviewRow:
    number: int
    #: The validated contact; None if the row has problems.
    clean: CleanContact | None
    #: The row as read (kept only for rows with problems, to show what was there).
    draft: ContactDraft | None
    problems: tuple[str, ...]
    duplicate: DuplicateOf | None
    organisation: str | None
    role: str | None

    @property
    def valid(self) -> bool:
        return self.clean is not None

    @property
    def default_decision(self) -> str:
        return SKIP if self.duplicate is not None else CREATE


@dataclass
class ImportPreview:
    file: str
    path: Path
    format: str
    noun: str
    headers: list[str]
    mapping: dict[str, str]
    rows: list[PreviewRow]

    @property
    def invalid_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if not r.valid]

    @property
    def duplicate_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.valid and r.duplicate is not None]

    def problem_lines(self) -> list[str]:
        return [p for r in self.rows for p in r.problems]


@dataclass
class _Index:
    """Who is already known, for duplicate detection: stored contacts (keyed by id) and
    earlier rows of the file (keyed by row number)."""

    by_email: dict[str, list[uuid.UUID | int]] = field(default_factory=lambda: defaultdict(list))
    by_phone: dict[str, list[uuid.UUID | int]] = field(default_factory=lambda: defaultdict(list))
    by_postcode: dict[str, list[uuid.UUID | int]] = field(default_factory=lambda: defaultdict(list))
    candidates: dict[uuid.UUID | int, Candidate] = field(default_factory=dict)
    versions: dict[uuid.UUID, int] = field(default_factory=dict)

    def add(self, key: uuid.UUID | int, candidate: Candidate) -> None:
        self.candidates[key] = candidate
        for email in candidate.emails:
            self.by_email[email.casefold()].append(key)
        for phone in candidate.phones:
            self.by_phone[phone].append(key)
        if candidate.postcode:
            self.by_postcode[candidate.postcode].append(key)

    def best(self, candidate: Candidate) -> tuple[uuid.UUID | int, Any] | None:
        keys: set[uuid.UUID | int] = set()
        for email in candidate.emails:
            keys.update(self.by_email.get(email.casefold(), ()))
        for phone in candidate.phones:
            keys.update(self.by_phone.get(phone, ()))
        if candidate.postcode:
            keys.update(self.by_postcode.get(candidate.postcode, ()))
        best: tuple[uuid.UUID | int, Any] | None = None
        for key in keys:
            match = compare(candidate, self.candidates[key])
            if match is None:
                continue
            stored_first = (
                isinstance(key, uuid.UUID) and best is not None and not isinstance(best[0], uuid.UUID)
            )
            if best is None or match.score > best[1].score or (match.score == best[1].score and stored_first):
                best = (key, match)
        return best


def _candidate(clean: CleanContact) -> Candidate:
    return Candidate(
        name=clean.name,
        emails=frozenset(e.address for e in clean.emails),
        phones=frozenset(p.number for p in clean.phones),
        postcode=clean.postcode,
    )


def _stored_index(session: Session) -> tuple[_Index, dict[uuid.UUID, str]]:
    index = _Index()
    names: dict[uuid.UUID, str] = {}
    postcodes: dict[uuid.UUID, str | None] = {}
    for cid, name, postcode, version in session.execute(
        select(Contact.id, Contact.name, Contact.postcode, Contact.version).where(
            Contact.deleted_at.is_(None)
        )
    ):
        names[cid] = name
        postcodes[cid] = postcode
        index.versions[cid] = version
    emails: dict[uuid.UUID, set[str]] = defaultdict(set)
    for cid, address in session.execute(
        select(ContactEmail.contact_id, ContactEmail.address).where(ContactEmail.deleted_at.is_(None))
    ):
        emails[cid].add(address)
    phones: dict[uuid.UUID, set[str]] = defaultdict(set)
    for cid, number in session.execute(
        select(ContactPhone.contact_id, ContactPhone.number).where(ContactPhone.deleted_at.is_(None))
    ):
        phones[cid].add(number)
    for cid, name in names.items():
        index.add(
            cid,
            Candidate(
                name=name,
                emails=frozenset(emails.get(cid, ())),
                phones=frozenset(phones.get(cid, ())),
                postcode=postcodes[cid],
            ),
        )
    return index, names


def mapping_for(
    path: Path, overrides: Mapping[str, str] | None = None, limits: Limits = DEFAULT_LIMITS
) -> dict[str, str]:
    """The detected mapping of a file's columns, with ``overrides`` applied on top."""
    table = read_table(path, limits)
    table.close()
    return detect_mapping(table.headers) | dict(overrides or {})


def preview(
    db: Database,
    path: Path,
    *,
    mapping: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportPreview:
    """Read, map and check every row of ``path``; find likely duplicates.  Writes nothing.

    ``mapping`` replaces the detected mapping; ``overrides`` changes some columns of it.
    """
    path = Path(path)
    table = read_table(path, limits)
    try:
        chosen = dict(mapping) if mapping is not None else detect_mapping(table.headers)
        chosen |= dict(overrides or {})
        plan = compile_mapping(table.headers, chosen, table.file)
        if not usable(plan):
            _refuse_unusable(table, plan)
        with db.read() as session:
            index, names = _stored_index(session)
            wards = {
                w.casefold(): w for w in session.scalars(select(Ward.name).where(Ward.deleted_at.is_(None)))
            }
        rows = [_preview_row(table, plan, r.number, r.cells, wards) for r in table.rows]
    finally:
        table.close()
    if not rows:
        raise FileRefused(f"{table.file} has column names but no contacts in it.", file=table.file)
    for row in rows:
        if row.clean is None:
            continue
        candidate = _candidate(row.clean)
        found = index.best(candidate)
        if found is None:
            index.add(row.number, candidate)
            continue
        key, match = found
        if isinstance(key, uuid.UUID):
            row.duplicate = DuplicateOf(
                match.reasons, contact_id=key, contact_name=names[key], contact_version=index.versions[key]
            )
        else:
            row.duplicate = DuplicateOf(match.reasons, row=key)
    return ImportPreview(
        file=table.file,
        path=path,
        format=table.format,
        noun=table.noun,
        headers=table.headers,
        mapping=chosen,
        rows=rows,
    )


def _refuse_unusable(table: SourceTable, plan: RowPlan) -> None:
    shown = ", ".join(f"“{h}”" for h in table.headers if h) or "(none)"
    if looks_like_data(table.headers):
        raise FileRefused(
            f"{table.file} has no header row: its first row ({shown}) looks like a contact, not "
            "column names. Add a row of column names at the top (for example First name, Last "
            "name, Email, Phone, Postcode) and import again.",
            file=table.file,
            row=1,
        )
    raise FileRefused(
        f"{table.file} has no columns vcsedesk can use: none of {shown} holds a name, an email "
        'address or a phone number. Map the columns by hand (for example --map "Full name=name").',
        file=table.file,
    )


def _preview_row(
    table: SourceTable, plan: RowPlan, number: int, cells: tuple[str, ...], wards: dict[str, str]
) -> PreviewRow:
    values = to_draft(plan, cells)
    problems: dict[str, str] = dict(values.problems)
    clean: CleanContact | None = None
    try:
        clean = clean_contact(values.draft)
    except ValidationError as exc:
        problems.update(exc.problems)
    organisation = role = None
    try:
        organisation = clean_text(values.organisation, label="Organisation", max_length=200)
        role = clean_text(values.role, label="Role", max_length=120)
    except Invalid as exc:
        problems["organisation"] = str(exc)
    if clean is not None and clean.ward:
        known = wards.get(clean.ward.casefold())
        if known is None:
            hint = (
                f" Known wards: {', '.join(sorted(wards.values())[:12])}."
                if wards
                else " No wards are set up yet."
            )
            problems["ward"] = f"“{clean.ward}” is not one of the organisation's wards.{hint}"
        else:
            clean = dataclasses.replace(clean, ward=known)
    if problems:
        where = table.where(number)
        lines = []
        for key, message in problems.items():
            column = values.sources.get(key) or values.sources.get(key.split("[")[0])
            lines.append(f"{where}, column “{column}”: {message}" if column else f"{where}: {message}")
        return PreviewRow(number, None, values.draft, tuple(lines), None, organisation, role)
    return PreviewRow(number, clean, None, (), None, organisation, role)


# -- merging values ---------------------------------------------------------------------------
_FILLABLE = ("address", "postcode", "ward", "preferred_language", "how_we_met", "notes")


def fill_blanks(base: CleanContact, extra: CleanContact) -> CleanContact:
    """``base`` with its blank fields filled from ``extra`` and ``extra``'s new emails, phones,
    tags and access needs added.  Nothing ``base`` has is changed or removed."""
    updates: dict[str, Any] = {}
    fillable = list(_FILLABLE)
    if base.kind is ContactKind.PERSON and extra.kind is ContactKind.PERSON:
        fillable += ["given_name", "family_name"]
    if base.kind is ContactKind.ORGANISATION and extra.kind is ContactKind.ORGANISATION:
        fillable.append("organisation_type")
    for name in fillable:
        if not getattr(base, name) and getattr(extra, name):
            updates[name] = getattr(extra, name)
    known_emails = {e.address.casefold() for e in base.emails}
    emails = list(base.emails) + [e for e in extra.emails if e.address.casefold() not in known_emails]
    known_phones = {p.number for p in base.phones}
    phones = list(base.phones) + [p for p in extra.phones if p.number not in known_phones]
    known_tags = {t.casefold() for t in base.tags}
    tags = list(base.tags) + [t for t in extra.tags if t.casefold() not in known_tags]
    needs = list(dict.fromkeys((*base.access_needs, *extra.access_needs)))
    return dataclasses.replace(
        base,
        **updates,
        emails=tuple(emails[:MAX_EMAILS]),
        phones=tuple(phones[:MAX_PHONES]),
        tags=tuple(tags[:MAX_TAGS]),
        access_needs=tuple(needs),
        interpreter_needed=base.interpreter_needed or extra.interpreter_needed,
    )


def _stored_clean(session: Session, contact_id: uuid.UUID) -> CleanContact:
    view = load_view(session, contact_id)
    return CleanContact(
        kind=view.kind,
        name=view.name,
        given_name=view.given_name,
        family_name=view.family_name,
        organisation_type=view.organisation_type,
        address=view.address,
        postcode=view.postcode,
        ward=view.ward,
        preferred_language=view.preferred_language,
        interpreter_needed=view.interpreter_needed,
        access_needs=view.access_needs,
        how_we_met=view.how_we_met,
        notes=view.notes,
        emails=view.emails,
        phones=view.phones,
        tags=view.tags,
    )


# -- the commit -------------------------------------------------------------------------------
@dataclass(slots=True)
class NewContact:
    """A validated contact to be written in bulk, with the organisations it belongs to."""

    clean: CleanContact
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    #: (organisation name, role) for a person: the organisation is found by name among
    #: stored organisations and those in the same import, or created.
    organisations: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass
class ImportReport:
    file: str
    created: int = 0
    merged: int = 0
    skipped: int = 0
    organisations_created: int = 0
    invalid: list[str] = field(default_factory=list)
    invalid_rows: int = 0
    dry_run: bool = False
    changes: Changes = field(default_factory=Changes)
    backup: Path | None = None

    @property
    def summary(self) -> str:
        return import_summary(self.file, self.created, self.merged)

    def lines(self) -> list[str]:
        verb = "Would import" if self.dry_run else "Imported"
        out = [
            f"{verb} from {self.file}: {self.created:,} new contact(s), {self.merged:,} merged into "
            f"existing contacts, {self.skipped:,} likely duplicate(s) skipped, "
            f"{self.invalid_rows:,} row(s) with problems left out."
        ]
        if self.organisations_created:
            out.append(f"{self.organisations_created:,} organisation(s) were added for memberships.")
        if self.backup is not None:
            out.append(f"A backup was taken first: {self.backup}")
        if self.dry_run:
            out.append("Nothing was written (dry run).")
        return out


def import_summary(file: str, created: int, merged: int) -> str:
    text = f"Imported {created:,} contact{'s' if created != 1 else ''} from {file}"
    if merged:
        text += f" and merged {merged:,} into existing contacts"
    return text


@dataclass
class _Plan:
    new: list[NewContact] = field(default_factory=list)
    merges: dict[uuid.UUID, list[PreviewRow]] = field(default_factory=dict)
    versions: dict[uuid.UUID, int] = field(default_factory=dict)
    #: Tag names in the order the file first uses them (a new tag takes its first spelling).
    tags: list[str] = field(default_factory=list)


def _resolve(
    preview_: ImportPreview, duplicates: str, decisions: Mapping[int, str], report: ImportReport
) -> _Plan:
    plan = _Plan()
    by_row: dict[int, NewContact | uuid.UUID] = {}
    for row in preview_.rows:
        if row.clean is None:
            continue
        decision = decisions.get(row.number) or (duplicates if row.duplicate is not None else CREATE)
        if decision not in DECISIONS:
            raise UserError(f"“{decision}” is not a choice for a duplicate; use {', '.join(DECISIONS)}.")
        if decision == SKIP:
            report.skipped += 1
            continue
        plan.tags.extend(row.clean.tags)
        orgs = [(row.organisation, row.role)] if row.organisation else []
        target: NewContact | uuid.UUID | None = None
        if decision == MERGE and row.duplicate is not None:
            if row.duplicate.contact_id is not None:
                target = row.duplicate.contact_id
                plan.versions[target] = row.duplicate.contact_version or 0
            elif row.duplicate.row is not None:
                target = by_row.get(row.duplicate.row)
        if isinstance(target, uuid.UUID):
            plan.merges.setdefault(target, []).append(row)
            by_row[row.number] = target
            report.merged += 1
        elif isinstance(target, NewContact):
            target.clean = fill_blanks(target.clean, row.clean)
            target.organisations.extend(o for o in orgs if o not in target.organisations)
            by_row[row.number] = target
            report.merged += 1
        else:
            item = NewContact(row.clean, organisations=orgs)
            plan.new.append(item)
            by_row[row.number] = item
            report.created += 1
    return plan


def commit(
    db: Database,
    actor: Actor,
    preview_: ImportPreview,
    *,
    duplicates: str = SKIP,
    decisions: Mapping[int, str] | None = None,
    skip_invalid: bool = False,
    folder: DataFolder | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Write the previewed import in one transaction, or nothing.

    ``duplicates`` is what to do with every likely duplicate (skip, merge or create);
    ``decisions`` maps row numbers to a choice for those rows.  A backup of a SQLite file is
    taken first when ``folder`` is given.
    """
    require(actor, Permission.EDIT_RECORDS)
    if duplicates not in DECISIONS:
        raise UserError(f"“{duplicates}” is not a choice for duplicates; use {', '.join(DECISIONS)}.")
    report = ImportReport(file=preview_.file, dry_run=dry_run)
    invalid = preview_.invalid_rows
    report.invalid = [p for r in invalid for p in r.problems]
    report.invalid_rows = len(invalid)
    if invalid and not skip_invalid:
        raise ImportRefused(
            f"{preview_.file} was not imported: {len(invalid):,} row(s) have problems "
            f"(the first: {invalid[0].problems[0]}). Correct the file, or leave those rows out "
            "(--skip-invalid), and import again.",
            report.invalid,
        )
    plan = _resolve(preview_, duplicates, decisions or {}, report)
    if dry_run or not (plan.new or plan.merges):
        return report
    if folder is not None and db.path is not None:
        from vcsedesk.services.maintenance import backup_now

        report.backup = backup_now(db, folder, reason="before-import").path
    with db.write() as session:
        uow = UnitOfWork(session, actor, report.summary)
        _write(uow, plan, report)
        session.flush()
    report.changes = uow.changes
    return report


def _write(uow: UnitOfWork, plan: _Plan, report: ImportReport) -> None:
    session = uow.session
    tag_ids = ensure_tags(uow, plan.tags)
    merged_people: list[tuple[uuid.UUID, list[tuple[str, str | None]]]] = []
    for contact_id, rows in plan.merges.items():
        contact = uow.get(Contact, contact_id)
        uow.check_version(contact, plan.versions.get(contact_id))
        merged = _stored_clean(session, contact_id)
        for row in rows:
            assert row.clean is not None
            merged = fill_blanks(merged, row.clean)
        values = merged.record_values() | {"ward_id": _ward_id(uow, merged.ward)}
        uow.update(contact, values, None, summary=f"Merged imported details into {merged.name}")
        if _sync_children(uow, contact, merged):
            uow.changes.note("updated", "contacts", contact_id)
        orgs = [(r.organisation, r.role) for r in rows if r.organisation]
        merged_people.append((contact_id, orgs))
    report.organisations_created = bulk_add_contacts(
        uow, plan.new, tag_ids=tag_ids, merged_memberships=merged_people
    )
    for contact_id, _ in merged_people:
        reindex(session, contact_id)


# -- bulk writing -----------------------------------------------------------------------------
def ensure_tags(uow: UnitOfWork, names: Iterable[str]) -> dict[str, tuple[uuid.UUID, str]]:
    """Ids (and stored spelling) of the tags ``names``, by casefolded name; missing tags are
    added in bulk and archived ones restored, all journalled."""
    wanted: dict[str, str] = {}
    for name in names:
        wanted.setdefault(name.casefold(), name)
    found: dict[str, tuple[uuid.UUID, str]] = {}
    if not wanted:
        return found
    for tag in uow.session.scalars(select(Tag)):
        key = tag.name.casefold()
        if key in wanted:
            if tag.deleted_at is not None:
                uow.restore(tag, None)
            found[key] = (tag.id, tag.name)
    now = utcnow()
    new = [new_row(now, name=name) for key, name in wanted.items() if key not in found]
    if new:
        table: Table = Tag.__table__  # type: ignore[assignment]
        inserter = Inserter(uow.session, now)
        inserter(table, new)
        journal = BulkJournal(uow, inserter)
        journal.inserted(table, new)
        journal.flush()
        for record in new:
            found[record["name"].casefold()] = (record["id"], record["name"])
    return found


def bulk_add_contacts(
    uow: UnitOfWork,
    items: Sequence[NewContact],
    *,
    tag_ids: dict[str, tuple[uuid.UUID, str]] | None = None,
    merged_memberships: Sequence[tuple[uuid.UUID, Sequence[tuple[str, str | None]]]] = (),
    batch_size: int = BATCH,
) -> int:
    """Write validated contacts, their children, memberships, journal entries and search
    documents in bulk inside ``uow``'s transaction.  Returns how many organisations had to be
    added for memberships (they are added too)."""
    with larger_cache(uow.session):
        return _bulk_add(uow, items, tag_ids, merged_memberships, batch_size)


def _bulk_add(
    uow: UnitOfWork,
    items: Sequence[NewContact],
    tag_ids: dict[str, tuple[uuid.UUID, str]] | None,
    merged_memberships: Sequence[tuple[uuid.UUID, Sequence[tuple[str, str | None]]]],
    batch_size: int,
) -> int:
    session = uow.session
    now = utcnow()
    if tag_ids is None:
        tag_ids = ensure_tags(uow, [t for item in items for t in item.clean.tags])
    wards = {
        name.casefold(): (ward_id, name)
        for ward_id, name in session.execute(select(Ward.id, Ward.name).where(Ward.deleted_at.is_(None)))
    }
    # Organisations named by memberships: stored ones, those being imported, or new ones.
    organisations: dict[str, tuple[uuid.UUID, str]] = {}
    for org_id, name in session.execute(
        select(Contact.id, Contact.name)
        .where(Contact.kind == ContactKind.ORGANISATION.value, Contact.deleted_at.is_(None))
        .order_by(Contact.created_at)
    ):
        organisations.setdefault(name.casefold(), (org_id, name))
    stored_orgs = {v[0] for v in organisations.values()}
    for item in items:
        if item.clean.kind is ContactKind.ORGANISATION:
            organisations[item.clean.name.casefold()] = (item.id, item.clean.name)
    items = list(items)
    added_orgs = 0
    all_links = [(item.id, item.clean.name, org, role) for item in items for org, role in item.organisations]
    if merged_memberships:
        people = [p for p, _ in merged_memberships]
        names = {
            cid: name
            for cid, name in session.execute(select(Contact.id, Contact.name).where(Contact.id.in_(people)))
        }
        existing = {
            (person, org)
            for person, org in session.execute(
                select(Membership.person_id, Membership.organisation_id).where(
                    Membership.person_id.in_(people), Membership.deleted_at.is_(None)
                )
            )
        }
        for person_id, orgs in merged_memberships:
            for org, role in orgs:
                known = organisations.get(org.casefold())
                if known is None or (person_id, known[0]) not in existing:
                    all_links.append((person_id, names[person_id], org, role))
    for _, _, org, _ in all_links:
        if org.casefold() not in organisations:
            item = NewContact(clean_contact(ContactDraft(kind=ContactKind.ORGANISATION.value, name=org)))
            organisations[org.casefold()] = (item.id, item.clean.name)
            items.append(item)
            added_orgs += 1
    members: dict[uuid.UUID, list[str]] = defaultdict(list)
    orgs_of: dict[uuid.UUID, list[str]] = defaultdict(list)
    membership_rows: list[dict[str, Any]] = []
    seen_links: set[tuple[uuid.UUID, uuid.UUID]] = set()
    for person_id, person_name, org, role in all_links:
        org_id, org_name = organisations[org.casefold()]
        if (person_id, org_id) in seen_links or person_id == org_id:
            continue
        seen_links.add((person_id, org_id))
        members[org_id].append(person_name)
        orgs_of[person_id].append(org_name)
        membership_rows.append(new_row(now, person_id=person_id, organisation_id=org_id, role=role))

    contacts_table: Table = Contact.__table__  # type: ignore[assignment]
    emails_table: Table = ContactEmail.__table__  # type: ignore[assignment]
    phones_table: Table = ContactPhone.__table__  # type: ignore[assignment]
    links_table: Table = ContactTag.__table__  # type: ignore[assignment]
    memberships_table: Table = Membership.__table__  # type: ignore[assignment]
    search_table: Table = SearchDocument.__table__  # type: ignore[assignment]
    inserter = Inserter(session, now)
    journal = BulkJournal(uow, inserter)
    for start in range(0, len(items), batch_size):
        batch = items[start : start + batch_size]
        contacts, emails, phones, links, documents = [], [], [], [], []
        for item in batch:
            clean = item.clean
            ward = wards.get(clean.ward.casefold()) if clean.ward else None
            if clean.ward and ward is None:
                raise ValidationError(
                    {"ward": f"“{clean.ward}” is not one of the organisation's wards."},
                    record=f"The contact {clean.name}",
                )
            contacts.append(
                {
                    "id": item.id,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                    "deleted_at": None,
                    **clean.record_values(),
                    "ward_id": ward[0] if ward else None,
                }
            )
            for email in clean.emails:
                emails.append(new_row(now, contact_id=item.id, label=email.label, address=email.address))
            for phone in clean.phones:
                phones.append(new_row(now, contact_id=item.id, label=phone.label, number=phone.number))
            tag_names = []
            for tag in clean.tags:
                tag_id, tag_name = tag_ids[tag.casefold()]
                links.append(new_row(now, contact_id=item.id, tag_id=tag_id))
                tag_names.append(tag_name)
            documents.append(
                {
                    "kind": SEARCH_KIND,
                    "record_id": item.id,
                    "body": _search_body(
                        clean, ward, tag_names, orgs_of.get(item.id, ()), members.get(item.id, ())
                    ),
                }
            )
        for table, rows in (
            (contacts_table, contacts),
            (emails_table, emails),
            (phones_table, phones),
            (links_table, links),
        ):
            inserter(table, rows)
            journal.inserted(table, rows)
        inserter(search_table, documents)
        journal.flush()
    for start in range(0, len(membership_rows), batch_size):
        batch_rows = membership_rows[start : start + batch_size]
        inserter(memberships_table, batch_rows)
        journal.inserted(memberships_table, batch_rows)
        journal.flush()
    # Stored organisations that gained members: their search documents name the members.
    for org_id in stored_orgs & set(members):
        reindex(session, org_id)
    return added_orgs


def _search_body(
    clean: CleanContact,
    ward: tuple[uuid.UUID, str] | None,
    tags: Sequence[str],
    organisations: Sequence[str],
    members: Sequence[str],
) -> str:
    """The same parts services.contacts.reindex puts in a contact's search document."""
    phone_forms = [f for p in clean.phones for f in search_forms(p.number)]
    postcode_forms = [clean.postcode, clean.postcode.replace(" ", "")] if clean.postcode else []
    return body_of(
        [
            clean.name,
            clean.given_name,
            clean.family_name,
            clean.organisation_type,
            *organisations,
            *members,
            *(e.address for e in clean.emails),
            *phone_forms,
            *postcode_forms,
            clean.address,
            ward[1] if ward else None,
            *sorted(tags, key=str.lower),
            clean.notes,
            clean.how_we_met,
        ]
    )


def count_contacts(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Contact)) or 0)


def import_file(
    db: Database,
    actor: Actor,
    path: Path,
    *,
    overrides: Mapping[str, str] | None = None,
    duplicates: str = SKIP,
    skip_invalid: bool = False,
    folder: DataFolder | None = None,
    dry_run: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportReport:
    """Preview and commit in one call (scripts, the command line, tests)."""
    found = preview(db, path, overrides=overrides, limits=limits)
    return commit(
        db, actor, found, duplicates=duplicates, skip_invalid=skip_invalid, folder=folder, dry_run=dry_run
    )
