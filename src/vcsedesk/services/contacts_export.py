"""Export the contacts list — as filtered and sorted on screen — to xlsx or CSV.

The contacts are read a batch at a time (ids streamed from :mod:`contact_list`, details for a
few hundred at once), so 100,000 contacts export without all of them in memory.  The file
is written atomically by :mod:`vcsedesk.io.spreadsheet` (formula-like text neutralised).

What is never exported here: equality monitoring (special-category data, reported only in
aggregate) and consent evidence.
"""

from __future__ import annotations

import argparse
import enum
import itertools
import uuid
from collections import defaultdict
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vcsedesk.domain.contacts import ContactKind
from vcsedesk.domain.errors import UserError
from vcsedesk.domain.phones import display_phone
from vcsedesk.io.spreadsheet import Column, Kind, Sheet, write_csv, write_xlsx
from vcsedesk.services import contact_list
from vcsedesk.services.base import Actor, Permission, require
from vcsedesk.services.contact_list import BY_NAME, EVERYONE, ContactFilter, SortKey
from vcsedesk.store.database import Database
from vcsedesk.store.models import Contact, ContactEmail, ContactPhone, ContactTag, Membership, Tag, Ward

#: Contacts whose details are read together.
BATCH = 500


class ExportFormat(enum.StrEnum):
    XLSX = "xlsx"
    CSV = "csv"

    @classmethod
    def for_path(cls, path: Path) -> ExportFormat:
        """CSV for a ``.csv`` file, otherwise xlsx."""
        return cls.CSV if path.suffix.lower() == ".csv" else cls.XLSX


@dataclass(frozen=True)
class ExportReport:
    count: int
    path: Path
    format: ExportFormat

    def line(self) -> str:
        noun = "contact" if self.count == 1 else "contacts"
        return f"Exported {self.count:,} {noun} to {self.path}."


COLUMNS: tuple[Column, ...] = (
    Column("Name"),
    Column("Kind", width=13),
    Column("First name"),
    Column("Last name"),
    Column("Organisation type"),
    Column("Emails"),
    Column("Phones"),
    Column("Address", width=40),
    Column("Postcode", width=10),
    Column("Ward"),
    Column("Preferred language"),
    Column("Interpreter needed", Kind.BOOLEAN),
    Column("Access needs"),
    Column("Tags"),
    Column("Organisations"),
    Column("How we met"),
    Column("Notes", width=50),
    Column("Created", Kind.DATETIME, width=17),
    Column("Updated", Kind.DATETIME, width=17),
)
_KIND_LABELS = {ContactKind.PERSON.value: "Person", ContactKind.ORGANISATION.value: "Organisation"}


def _batched(ids: Iterator[uuid.UUID], size: int) -> Iterator[list[uuid.UUID]]:
    while batch := list(itertools.islice(ids, size)):
        yield batch


def _details(session: Session, batch: list[uuid.UUID]) -> list[list[Any]]:
    """The export rows of ``batch``, in its order: five queries for the whole batch."""
    contacts = {
        c.id: (c, ward)
        for c, ward in session.execute(
            select(Contact, Ward.name)
            .outerjoin(Ward, Ward.id == Contact.ward_id)
            .where(Contact.id.in_(batch))
        )
    }
    emails: dict[uuid.UUID, list[str]] = defaultdict(list)
    for cid, address in session.execute(
        select(ContactEmail.contact_id, ContactEmail.address)
        .where(ContactEmail.contact_id.in_(batch), ContactEmail.deleted_at.is_(None))
        .order_by(ContactEmail.created_at, ContactEmail.id)
    ):
        emails[cid].append(address)
    phones: dict[uuid.UUID, list[str]] = defaultdict(list)
    for cid, number in session.execute(
        select(ContactPhone.contact_id, ContactPhone.number)
        .where(ContactPhone.contact_id.in_(batch), ContactPhone.deleted_at.is_(None))
        .order_by(ContactPhone.created_at, ContactPhone.id)
    ):
        phones[cid].append(display_phone(number))
    tags: dict[uuid.UUID, list[str]] = defaultdict(list)
    for cid, name in session.execute(
        select(ContactTag.contact_id, Tag.name)
        .join(Tag, Tag.id == ContactTag.tag_id)
        .where(ContactTag.contact_id.in_(batch), ContactTag.deleted_at.is_(None))
        .order_by(func.lower(Tag.name))
    ):
        tags[cid].append(name)
    org = Contact.__table__.alias("org")
    memberships: dict[uuid.UUID, list[str]] = defaultdict(list)
    for cid, org_name, role in session.execute(
        select(Membership.person_id, org.c.name, Membership.role)
        .join(org, org.c.id == Membership.organisation_id)
        .where(Membership.person_id.in_(batch), Membership.deleted_at.is_(None))
        .order_by(func.lower(org.c.name))
    ):
        memberships[cid].append(f"{org_name} ({role})" if role else org_name)
    rows = []
    for cid in batch:
        if cid not in contacts:  # erased between the id and its details: nothing to show
            continue
        c, ward = contacts[cid]
        rows.append(
            [
                c.name,
                _KIND_LABELS.get(c.kind, c.kind),
                c.given_name,
                c.family_name,
                c.organisation_type,
                "; ".join(emails[cid]) or None,
                "; ".join(phones[cid]) or None,
                ", ".join(line.strip() for line in c.address.splitlines() if line.strip())
                if c.address
                else None,
                c.postcode,
                ward,
                c.preferred_language,
                c.interpreter_needed,
                "; ".join(c.access_needs or ()) or None,
                ", ".join(tags[cid]) or None,
                "; ".join(memberships[cid]) or None,
                c.how_we_met,
                c.notes,
                c.created_at,
                c.updated_at,
            ]
        )
    return rows


def _rows(
    db: Database, flt: ContactFilter, sort: SortKey, counter: list[int]
) -> Generator[list[Any], None, None]:
    with db.read() as session:
        for batch in _batched(contact_list.iter_ids(session, flt, sort), BATCH):
            for row in _details(session, batch):
                counter[0] += 1
                yield row


def export_contacts(
    db: Database,
    actor: Actor,
    path: Path,
    flt: ContactFilter = EVERYONE,
    sort: SortKey = BY_NAME,
    format: ExportFormat | str | None = None,
    *,
    timezone: tzinfo | None = None,
) -> ExportReport:
    """Write the contacts ``flt`` gives, in ``sort`` order, to ``path`` (xlsx or CSV; from the
    file's extension unless ``format`` says).  Dates and times are written in local time."""
    require(actor, Permission.EDIT_RECORDS)
    path = Path(path)
    chosen = ExportFormat(format) if format else ExportFormat.for_path(path)
    counter = [0]
    rows = _rows(db, flt, sort, counter)
    try:
        if chosen is ExportFormat.CSV:
            write_csv(path, COLUMNS, rows, timezone=timezone)
        else:
            write_xlsx(path, [Sheet("Contacts", COLUMNS, rows)], timezone=timezone)
    finally:
        rows.close()
    return ExportReport(count=counter[0], path=path, format=chosen)


# -- the command line -------------------------------------------------------------------------
def filter_from_args(args: argparse.Namespace) -> ContactFilter:
    """The filter the ``contacts export`` options describe."""
    return ContactFilter(
        text=getattr(args, "search", None) or "",
        kind=ContactKind(args.kind) if getattr(args, "kind", None) else None,
        tag=getattr(args, "tag", None),
        ward=getattr(args, "ward", None),
        organisation=getattr(args, "organisation", None),
        consent=contact_list.ConsentCondition.parse(args.consent) if getattr(args, "consent", None) else None,
        include_archived=bool(getattr(args, "include_archived", False)),
    )


def cmd_contacts_export(args: argparse.Namespace, db: Database, actor: Actor, *, out: Any = print) -> int:
    """``vcsedesk contacts export FILE [options]`` once the database is open and the acting
    user known (cli.py opens them: services do not reach up into the command line)."""
    path = Path(args.file).expanduser().absolute()
    flt = filter_from_args(args)
    if flt.organisation and not _organisation_exists(db, str(flt.organisation)):
        raise UserError(f"There is no organisation called “{flt.organisation}” among the contacts.")
    report = export_contacts(db, actor, path, flt, BY_NAME, getattr(args, "format", None))
    out(report.line())
    return 0


def _organisation_exists(db: Database, name: str) -> bool:
    with db.read() as session:
        found = session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(Contact.kind == ContactKind.ORGANISATION.value, func.lower(Contact.name) == name.lower())
        )
    return bool(found)


__all__: Sequence[str] = (
    "COLUMNS",
    "ExportFormat",
    "ExportReport",
    "cmd_contacts_export",
    "export_contacts",
    "filter_from_args",
)
