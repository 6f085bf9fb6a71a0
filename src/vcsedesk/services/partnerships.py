"""Partnerships the organisation reports to, the return templates they use, and what is due.

A partnership has a reporting cadence (from a first period start), the number of days after a
period ends that its return is due, a small-number suppression threshold, and a return template.

Templates come from two places: the shipped ones (``resources/returns/*.toml``, read-only) and
coordinators' copies, stored as TOML text in ``return_templates`` and checked by the same parser.
A copy can be edited; a shipped template never changes under a partnership that uses it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vcsedesk.domain.errors import NotFoundError, UserError, ValidationError
from vcsedesk.domain.return_templates import (
    Template,
    TemplateError,
    copy_template,
    dump_template,
    parse_template,
    shipped_templates,
)
from vcsedesk.domain.returns import Cadence, Period, ReturnStatus, due_on, periods
from vcsedesk.domain.validation import Problems, clean_text
from vcsedesk.services.base import Actor, Changes, Permission, require, unit_of_work
from vcsedesk.store.database import Database
from vcsedesk.store.models import Partnership, PartnershipReturn, ReturnTemplate
from vcsedesk.store.search import fold

MAX_NAME = 160
MIN_THRESHOLD = 3  # with 2, "<2" could only mean 1
MAX_THRESHOLD = 100
MAX_DUE_DAYS = 366
DEFAULT_TEMPLATE = "peoples-partnership-quarterly"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# -- templates ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TemplateInfo:
    key: str
    name: str
    shipped: bool
    template: Template
    copied_from: str | None = None
    id: uuid.UUID | None = None  # a copy's record
    version: int = 0


def _copy_info(row: ReturnTemplate) -> TemplateInfo:
    return TemplateInfo(
        key=row.key,
        name=row.name,
        shipped=False,
        template=parse_template(row.body, f"the copy “{row.name}”"),
        copied_from=row.copied_from,
        id=row.id,
        version=row.version,
    )


def list_templates(db: Database) -> list[TemplateInfo]:
    """Shipped templates, then the organisation's copies, each by name."""
    shipped = [TemplateInfo(t.key, t.name, True, t) for t in shipped_templates()]
    with db.read() as session:
        rows = session.scalars(select(ReturnTemplate).where(ReturnTemplate.deleted_at.is_(None))).all()
        copies = [_copy_info(row) for row in rows]
    return shipped + sorted(copies, key=lambda t: fold(t.name))


def template_in(session: Session, key: str) -> Template:
    """The template called ``key``: a copy in the database, else a shipped one."""
    row = session.scalars(select(ReturnTemplate).where(ReturnTemplate.key == key)).first()
    if row is not None:
        return parse_template(row.body, f"the copy “{row.name}”")
    for template in shipped_templates():
        if template.key == key:
            return template
    raise NotFoundError(f"There is no return template “{key}”: choose another for the partnership.")


def get_template(db: Database, key: str) -> Template:
    with db.read() as session:
        return template_in(session, key)


def _new_key(session: Session, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:60] or "template"
    taken = {t.key for t in shipped_templates()} | set(session.scalars(select(ReturnTemplate.key)).all())
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def copy_to_edit(db: Database, actor: Actor, key: str, name: str) -> Changes:
    """A copy of template ``key`` called ``name``, for the coordinator to adjust."""
    require(actor, Permission.MANAGE_RETURNS)
    clean_name = clean_text(name, label="The name", max_length=200, required=True)
    assert clean_name is not None
    with unit_of_work(db, actor, f"Copied a return template as “{clean_name}”") as uow:
        source = template_in(uow.session, key)
        taken = uow.session.scalars(
            select(ReturnTemplate).where(func.lower(ReturnTemplate.name) == clean_name.lower())
        ).first()
        if taken is not None or any(fold(t.name) == fold(clean_name) for t in shipped_templates()):
            raise ValidationError(
                {"name": f"There is already a template called “{clean_name}”: give the copy another name."},
                record="The template",
            )
        copy = copy_template(source, _new_key(uow.session, clean_name), clean_name)
        uow.add(ReturnTemplate(key=copy.key, name=copy.name, body=dump_template(copy), copied_from=key))
    return uow.changes


def save_template(db: Database, actor: Actor, key: str, expected_version: int, template: Template) -> Changes:
    """Store an adjusted copy (sections, wording, questions).  Shipped templates cannot change."""
    require(actor, Permission.MANAGE_RETURNS)
    body = dump_template(template)
    try:
        checked = parse_template(body, f"the copy “{template.name}”")
    except TemplateError as exc:  # a section the editor let through but the format forbids
        raise ValidationError({"template": str(exc)}, record="The template") from exc
    with unit_of_work(db, actor, f"Changed the return template “{checked.name}”") as uow:
        row = uow.session.scalars(select(ReturnTemplate).where(ReturnTemplate.key == key)).first()
        if row is None:
            raise UserError(
                "Shipped templates cannot be changed: copy it first, then adjust the copy."
                if any(t.key == key for t in shipped_templates())
                else f"There is no template “{key}” to change."
            )
        uow.update(row, {"name": checked.name, "body": dump_template(checked)}, expected_version)
    return uow.changes


# -- partnerships ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PartnershipView:
    id: uuid.UUID
    version: int
    name: str
    hub: str | None
    contact_name: str | None
    contact_email: str | None
    cadence: Cadence
    first_period_start: date
    due_days: int
    suppression_threshold: int
    template_key: str
    notes: str
    archived: bool = False

    def periods_until(self, day: date) -> list[Period]:
        return list(periods(self.cadence, self.first_period_start, day))


@dataclass(frozen=True)
class PartnershipDraft:
    name: str
    first_period_start: date
    cadence: Cadence = Cadence.QUARTERLY
    hub: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    due_days: int = 30
    suppression_threshold: int = 5
    template_key: str = DEFAULT_TEMPLATE
    notes: str = ""


def _view(row: Partnership) -> PartnershipView:
    return PartnershipView(
        id=row.id,
        version=row.version,
        name=row.name,
        hub=row.hub,
        contact_name=row.contact_name,
        contact_email=row.contact_email,
        cadence=Cadence(row.cadence),
        first_period_start=row.first_period_start,
        due_days=row.due_days,
        suppression_threshold=row.suppression_threshold,
        template_key=row.template_key,
        notes=row.notes,
        archived=row.deleted_at is not None,
    )


def list_partnerships(db: Database, *, include_archived: bool = False) -> list[PartnershipView]:
    with db.read() as session:
        query = select(Partnership)
        if not include_archived:
            query = query.where(Partnership.deleted_at.is_(None))
        rows = session.scalars(query).all()
    return sorted((_view(r) for r in rows), key=lambda p: fold(p.name))


def get_partnership(db: Database, partnership_id: uuid.UUID) -> PartnershipView:
    with db.read() as session:
        row = session.get(Partnership, partnership_id)
        if row is None:
            raise NotFoundError("That partnership no longer exists.")
        return _view(row)


def find_partnership(db: Database, name: str) -> PartnershipView:
    """The live partnership called ``name`` (ignoring case), for the command line."""
    wanted = fold(name.strip())
    matches = [p for p in list_partnerships(db) if fold(p.name) == wanted]
    if not matches:
        known = ", ".join(f"“{p.name}”" for p in list_partnerships(db)) or "none yet"
        raise NotFoundError(f"There is no partnership called “{name}”. Partnerships: {known}.")
    return matches[0]


def _clean(session: Session, draft: PartnershipDraft, exclude: uuid.UUID | None) -> dict[str, object]:
    p = Problems("The partnership")
    name = p.check(
        "name", lambda: clean_text(draft.name, label="The name", max_length=MAX_NAME, required=True)
    )
    hub = p.check("hub", lambda: clean_text(draft.hub, label="The hub or group", max_length=160))
    contact = p.check(
        "contact_name", lambda: clean_text(draft.contact_name, label="The contact", max_length=120)
    )
    email = p.check(
        "contact_email", lambda: clean_text(draft.contact_email, label="The email", max_length=254)
    )
    if email and not _EMAIL.match(email):
        p.by_field["contact_email"] = f"“{email}” is not an email address (it needs a name, @ and a domain)."
    try:
        cadence = Cadence(draft.cadence)
    except ValueError:
        p.by_field["cadence"] = f"“{draft.cadence}” is not a reporting cadence."
        cadence = Cadence.QUARTERLY
    if not 0 <= draft.due_days <= MAX_DUE_DAYS:
        p.by_field["due_days"] = (
            f"A return must be due between 0 and {MAX_DUE_DAYS} days after its period ends."
        )
    if not MIN_THRESHOLD <= draft.suppression_threshold <= MAX_THRESHOLD:
        p.by_field["suppression_threshold"] = (
            f"The suppression threshold must be between {MIN_THRESHOLD} and {MAX_THRESHOLD} "
            "(with 5, counts from 1 to 4 are shown as “<5”)."
        )
    try:
        template_in(session, draft.template_key)
    except (NotFoundError, TemplateError) as exc:
        p.by_field["template_key"] = str(exc)
    if name:
        query = select(Partnership).where(func.lower(Partnership.name) == name.lower())
        if exclude is not None:
            query = query.where(Partnership.id != exclude)
        if session.scalars(query).first() is not None:
            p.by_field["name"] = f"There is already a partnership called “{name}”."
    p.raise_if_any()
    return {
        "name": name,
        "hub": hub,
        "contact_name": contact,
        "contact_email": email,
        "cadence": cadence.value,
        "first_period_start": draft.first_period_start,
        "due_days": draft.due_days,
        "suppression_threshold": draft.suppression_threshold,
        "template_key": draft.template_key,
        "notes": (draft.notes or "").strip(),
    }


def add_partnership(db: Database, actor: Actor, draft: PartnershipDraft) -> Changes:
    require(actor, Permission.MANAGE_RETURNS)
    with unit_of_work(db, actor, f"Added the partnership {draft.name.strip()}") as uow:
        uow.add(Partnership(**_clean(uow.session, draft, None)))
    return uow.changes


def update_partnership(
    db: Database, actor: Actor, partnership_id: uuid.UUID, expected_version: int, draft: PartnershipDraft
) -> Changes:
    require(actor, Permission.MANAGE_RETURNS)
    with unit_of_work(db, actor, f"Changed the partnership {draft.name.strip()}") as uow:
        row = uow.get(Partnership, partnership_id)
        uow.check_version(row, expected_version)
        uow.update(row, _clean(uow.session, draft, row.id), expected_version)
    return uow.changes


def archive_partnership(
    db: Database, actor: Actor, partnership_id: uuid.UUID, expected_version: int
) -> Changes:
    """Stop reporting to a partnership; its returns are kept."""
    require(actor, Permission.MANAGE_RETURNS)
    with unit_of_work(db, actor, "Archived a partnership") as uow:
        row = uow.get(Partnership, partnership_id)
        uow.summary = uow.changes.summary = f"Archived the partnership {row.name}"
        uow.archive(row, expected_version, summary=uow.summary)
    return uow.changes


# -- what is due -------------------------------------------------------------------------------
@dataclass(frozen=True)
class DueReturn:
    partnership_id: uuid.UUID
    partnership: str
    period: Period
    due_on: date
    #: The latest edition's status, or None when no return has been started.
    status: ReturnStatus | None
    return_id: uuid.UUID | None

    def overdue(self, today: date) -> bool:
        return today > self.due_on

    def days_left(self, today: date) -> int:
        return (self.due_on - today).days


def due_returns(db: Database, today: date, *, ahead_days: int = 45) -> list[DueReturn]:
    """Returns not yet submitted whose period has ended or ends within ``ahead_days``: the
    dashboard's list, overdue first, then by due date."""
    out: list[DueReturn] = []
    with db.read() as session:
        partnerships = session.scalars(select(Partnership).where(Partnership.deleted_at.is_(None))).all()
        latest: dict[tuple[uuid.UUID, date], PartnershipReturn] = {}
        for row in session.scalars(
            select(PartnershipReturn)
            .where(PartnershipReturn.deleted_at.is_(None))
            .order_by(PartnershipReturn.edition)
        ):
            latest[(row.partnership_id, row.period_start)] = row
    for partnership in partnerships:
        view = _view(partnership)
        for period in view.periods_until(today):
            if (period.end - today).days > ahead_days:
                continue
            found = latest.get((view.id, period.start))
            status = ReturnStatus(found.status) if found is not None else None
            if status is not None and status.frozen:
                continue
            out.append(
                DueReturn(
                    view.id,
                    view.name,
                    period,
                    due_on(period, view.due_days),
                    status,
                    found.id if found is not None else None,
                )
            )
    return sorted(out, key=lambda d: (d.due_on, fold(d.partnership)))
