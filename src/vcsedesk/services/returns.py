"""Returns to partnerships: drafting, freezing on submission, editions, follow-up and files.

A return moves draft → ready → submitted → acknowledged → response received.  While it is a
draft (or ready) its figures are computed from the records whenever it is shown or exported
(services/return_builder.py), with the coordinator's narrative answers and quote choices.

**Submitting freezes it**: the computed content becomes a canonical JSON snapshot with its
SHA-256 (``content_hash``), printed on every page.  From then on the files are made from the
snapshot alone — the same content however many records are added later — and a changed hash
on reading means the snapshot was altered, which is refused.  A later change is a new edition:
a fresh draft carrying the answers over; every edition is kept.

The partnership's responses ("you said, we did") are recorded against a return at any time;
they feed the "what happened next" summary and the next edition's actions section.
"""

from __future__ import annotations

import dataclasses
import hmac
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from vcsedesk.domain.consent import Purpose
from vcsedesk.domain.errors import NotFoundError, UserError, ValidationError
from vcsedesk.domain.returns import (
    NEXT_STATUS,
    ActionsSection,
    Period,
    ResponseItem,
    ReturnContent,
    ReturnStatus,
)
from vcsedesk.domain.validation import clean_multiline
from vcsedesk.services import consent, return_builder
from vcsedesk.services.base import Actor, Changes, Permission, require, unit_of_work
from vcsedesk.services.engagements import theme_paths
from vcsedesk.services.partnerships import template_in
from vcsedesk.services.timeline import PROVIDERS, TimelineItem
from vcsedesk.store.database import Database
from vcsedesk.store.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    Partnership,
    PartnershipReturn,
    ReturnContributor,
    ReturnResponse,
    Theme,
    User,
)

MAX_ANSWER = 20_000


# -- reading -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ResponseView:
    id: uuid.UUID
    version: int
    theme_id: uuid.UUID | None
    theme: str
    you_said: str
    we_did: str
    decision: str
    responded_on: date | None


@dataclass(frozen=True)
class ReturnView:
    id: uuid.UUID
    version: int
    partnership_id: uuid.UUID
    partnership: str
    period: Period
    period_label: str
    edition: int
    status: ReturnStatus
    template_key: str
    narrative: dict[str, str]
    quote_ids: list[uuid.UUID] | None
    content_hash: str | None
    frozen_at: datetime | None
    submitted_on: date | None
    submitted_by: str
    acknowledged_on: date | None
    response_on: date | None
    replaces_id: uuid.UUID | None
    #: A newer edition of the same period exists (this one is kept as it was).
    superseded: bool
    responses: tuple[ResponseView, ...]

    @property
    def frozen(self) -> bool:
        return self.status.frozen

    @property
    def next_steps(self) -> tuple[ReturnStatus, ...]:
        return NEXT_STATUS[self.status]


def _responses(session: Session, return_id: uuid.UUID) -> tuple[ResponseView, ...]:
    paths = theme_paths(session)
    rows = session.scalars(
        select(ReturnResponse)
        .where(ReturnResponse.return_id == return_id, ReturnResponse.deleted_at.is_(None))
        .order_by(ReturnResponse.created_at, ReturnResponse.id)
    ).all()
    return tuple(
        ResponseView(
            r.id,
            r.version,
            r.theme_id,
            paths.get(r.theme_id, "") if r.theme_id else "",
            r.you_said,
            r.we_did,
            r.decision,
            r.responded_on,
        )
        for r in rows
    )


def _view(session: Session, row: PartnershipReturn) -> ReturnView:
    partnership = session.get(Partnership, row.partnership_id)
    assert partnership is not None
    submitter = session.get(User, row.submitted_by_id) if row.submitted_by_id else None
    newer = session.scalars(
        select(PartnershipReturn.id).where(
            PartnershipReturn.partnership_id == row.partnership_id,
            PartnershipReturn.period_start == row.period_start,
            PartnershipReturn.edition > row.edition,
            PartnershipReturn.deleted_at.is_(None),
        )
    ).first()
    return ReturnView(
        id=row.id,
        version=row.version,
        partnership_id=row.partnership_id,
        partnership=partnership.name,
        period=Period(row.period_start, row.period_end),
        period_label=row.period_label,
        edition=row.edition,
        status=ReturnStatus(row.status),
        template_key=row.template_key,
        narrative=dict(row.narrative or {}),
        quote_ids=None if row.quote_ids is None else [uuid.UUID(q) for q in row.quote_ids],
        content_hash=row.content_hash,
        frozen_at=row.frozen_at,
        submitted_on=row.submitted_on,
        submitted_by=submitter.name if submitter else "",
        acknowledged_on=row.acknowledged_on,
        response_on=row.response_on,
        replaces_id=row.replaces_id,
        superseded=newer is not None,
        responses=_responses(session, row.id),
    )


def get_return(db: Database, return_id: uuid.UUID) -> ReturnView:
    with db.read() as session:
        row = session.get(PartnershipReturn, return_id)
        if row is None or row.deleted_at is not None:
            raise NotFoundError("That return no longer exists.")
        return _view(session, row)


def list_returns(db: Database, partnership_id: uuid.UUID | None = None) -> list[ReturnView]:
    """Every edition of every return (of one partnership), latest period first, then edition."""
    with db.read() as session:
        query = select(PartnershipReturn).where(PartnershipReturn.deleted_at.is_(None))
        if partnership_id is not None:
            query = query.where(PartnershipReturn.partnership_id == partnership_id)
        rows = session.scalars(query).all()
        views = [_view(session, row) for row in rows]
    return sorted(views, key=lambda v: (-v.period.start.toordinal(), v.partnership, -v.edition))


def latest_for(db: Database, partnership_id: uuid.UUID, period: Period) -> ReturnView | None:
    with db.read() as session:
        row = session.scalars(
            select(PartnershipReturn)
            .where(
                PartnershipReturn.partnership_id == partnership_id,
                PartnershipReturn.period_start == period.start,
                PartnershipReturn.deleted_at.is_(None),
            )
            .order_by(PartnershipReturn.edition.desc())
        ).first()
        return _view(session, row) if row is not None else None


# -- the content -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Shown:
    """A return's content as it would be (or was) exported, and what the coordinator should know."""

    content: ReturnContent
    content_hash: str
    frozen: bool
    left_out: tuple[return_builder.LeftOut, ...] = ()
    shown_anonymously: tuple[return_builder.LeftOut, ...] = ()

    @property
    def notices(self) -> list[str]:
        out = [f"Left out: “{q.excerpt}” — {q.reason}" for q in self.left_out]
        out += [f"Shown without the name: “{q.excerpt}” — {q.reason}" for q in self.shown_anonymously]
        return out


def _frozen_content(row: PartnershipReturn) -> ReturnContent:
    assert row.snapshot is not None and row.content_hash is not None
    content = ReturnContent.from_json(row.snapshot)
    if not hmac.compare_digest(content.content_hash, row.content_hash):
        raise UserError(
            f"The frozen copy of the return for {row.period_label} (edition {row.edition}) does not "
            "match its content hash: it has been altered since it was submitted. Restore it from a "
            "backup; vcsedesk will not make files from it."
        )
    return content


def _build(db: Database, actor: Actor, row: PartnershipReturn, today: date | None) -> return_builder.Built:
    with db.read() as session:
        template = template_in(session, row.template_key)
    return return_builder.build(
        db,
        actor,
        partnership_id=row.partnership_id,
        period=Period(row.period_start, row.period_end),
        template=template,
        narrative=dict(row.narrative or {}),
        quote_ids=None if row.quote_ids is None else [uuid.UUID(q) for q in row.quote_ids],
        edition=row.edition,
        return_id=row.id,
        today=today,
    )


def show(db: Database, actor: Actor, return_id: uuid.UUID, *, today: date | None = None) -> Shown:
    """The content of a return: from its snapshot once frozen, else computed now."""
    require(actor, Permission.MANAGE_RETURNS)
    with db.read() as session:
        row = session.get(PartnershipReturn, return_id)
        if row is None or row.deleted_at is not None:
            raise NotFoundError("That return no longer exists.")
        session.expunge(row)
    if ReturnStatus(row.status).frozen:
        content = _frozen_content(row)
        return Shown(content, content.content_hash, True)
    built = _build(db, actor, row, today)
    return Shown(built.content, built.content.content_hash, False, built.left_out, built.shown_anonymously)


def preview(
    db: Database, actor: Actor, partnership_id: uuid.UUID, period: Period, *, today: date | None = None
) -> Shown:
    """A return not yet started, computed from the records (the command line's quick build)."""
    require(actor, Permission.MANAGE_RETURNS)
    with db.read() as session:
        partnership = session.get(Partnership, partnership_id)
        if partnership is None:
            raise NotFoundError("That partnership no longer exists.")
        template = template_in(session, partnership.template_key)
    built = return_builder.build(
        db, actor, partnership_id=partnership_id, period=period, template=template, today=today
    )
    return Shown(built.content, built.content.content_hash, False, built.left_out, built.shown_anonymously)


# -- changing ----------------------------------------------------------------------------------
def _editable(row: PartnershipReturn) -> None:
    status = ReturnStatus(row.status)
    if status.frozen:
        raise UserError(
            f"The return for {row.period_label} was submitted and is frozen, so it cannot change. "
            "Start a new edition to make changes; this one is kept as it was sent."
        )


def start_return(db: Database, actor: Actor, partnership_id: uuid.UUID, period: Period) -> Changes:
    """A draft return for ``period`` (refused if one exists: open that instead)."""
    require(actor, Permission.MANAGE_RETURNS)
    with unit_of_work(db, actor, f"Started the return for {period.label}") as uow:
        partnership = uow.get(Partnership, partnership_id)
        template_in(uow.session, partnership.template_key)  # refuses a missing template now
        existing = uow.session.scalars(
            select(PartnershipReturn).where(
                PartnershipReturn.partnership_id == partnership_id,
                PartnershipReturn.period_start == period.start,
                PartnershipReturn.deleted_at.is_(None),
            )
        ).first()
        if existing is not None:
            raise UserError(
                f"There is already a return to {partnership.name} for {existing.period_label}: "
                "open it from the list of returns."
            )
        uow.summary = uow.changes.summary = f"Started the return to {partnership.name} for {period.label}"
        uow.add(
            PartnershipReturn(
                partnership_id=partnership_id,
                period_start=period.start,
                period_end=period.end,
                period_label=period.label,
                edition=1,
                status=ReturnStatus.DRAFT.value,
                template_key=partnership.template_key,
                narrative={},
                quote_ids=None,
            ),
            summary=uow.summary,
        )
    return uow.changes


def save_answers(
    db: Database, actor: Actor, return_id: uuid.UUID, expected_version: int, answers: Mapping[str, str]
) -> Changes:
    """The narrative answers, by question key.  A ready return goes back to draft."""
    require(actor, Permission.MANAGE_RETURNS)
    with unit_of_work(db, actor, "Changed a return's narrative") as uow:
        row = uow.get(PartnershipReturn, return_id)
        _editable(row)
        template = template_in(uow.session, row.template_key)
        keys = {q.key: q for q in template.questions()}
        problems: dict[str, str] = {}
        clean: dict[str, str] = {}
        for key, text in answers.items():
            question = keys.get(key)
            if question is None:
                problems[key] = f"“{key}” is not a question of this return's template."
                continue
            try:
                value = clean_multiline(text, label=f"The answer to “{question.text}”", max_length=MAX_ANSWER)
            except ValueError as exc:
                problems[key] = str(exc)
                continue
            words = len((value or "").split())
            if question.max_words is not None and words > question.max_words:
                problems[key] = (
                    f"The answer to “{question.text}” has {words} words; the partnership asks for "
                    f"at most {question.max_words}."
                )
            if value:
                clean[key] = value
        if problems:
            raise ValidationError(problems, record="The return")
        merged = {**dict(row.narrative or {}), **clean}
        for key, text in answers.items():
            if key in keys and not (text or "").strip():
                merged.pop(key, None)
        uow.summary = uow.changes.summary = f"Changed the narrative of the return for {row.period_label}"
        uow.update(row, {"narrative": merged, "status": ReturnStatus.DRAFT.value}, expected_version)
    return uow.changes


def choose_quotes(
    db: Database,
    actor: Actor,
    return_id: uuid.UUID,
    expected_version: int,
    quote_ids: Sequence[uuid.UUID] | None,
) -> Changes:
    """The quotes to print, in order (None: let the return choose them from the themes)."""
    require(actor, Permission.MANAGE_RETURNS)
    with unit_of_work(db, actor, "Chose a return's quotes") as uow:
        row = uow.get(PartnershipReturn, return_id)
        _editable(row)
        chosen = None if quote_ids is None else [str(q) for q in dict.fromkeys(quote_ids)]
        uow.summary = uow.changes.summary = f"Chose the quotes of the return for {row.period_label}"
        uow.update(row, {"quote_ids": chosen, "status": ReturnStatus.DRAFT.value}, expected_version)
    return uow.changes


def _step(row: PartnershipReturn, to: ReturnStatus) -> None:
    current = ReturnStatus(row.status)
    if to not in NEXT_STATUS[current]:
        allowed = ", ".join(s.label.lower() for s in NEXT_STATUS[current]) or "nothing further"
        raise UserError(
            f"The return for {row.period_label} is {current.label.lower()}; it can go on to {allowed}, "
            f"not to {to.label.lower()}."
        )


def _move(
    db: Database,
    actor: Actor,
    return_id: uuid.UUID,
    expected_version: int,
    to: ReturnStatus,
    summary: str,
    **values: object,
) -> Changes:
    """One step of the workflow (refused, with the reason, where it may not go); ``summary``
    names the period with ``{period}``."""
    require(actor, Permission.MANAGE_RETURNS)
    with unit_of_work(db, actor, summary.format(period="a period")) as uow:
        row = uow.get(PartnershipReturn, return_id)
        _step(row, to)
        uow.summary = uow.changes.summary = summary.format(period=row.period_label)
        uow.update(row, {"status": to.value, **values}, expected_version)
    return uow.changes


def mark_ready(db: Database, actor: Actor, return_id: uuid.UUID, expected_version: int) -> Changes:
    return _move(
        db,
        actor,
        return_id,
        expected_version,
        ReturnStatus.READY,
        "Marked the return for {period} ready to submit",
    )


def back_to_draft(db: Database, actor: Actor, return_id: uuid.UUID, expected_version: int) -> Changes:
    return _move(
        db,
        actor,
        return_id,
        expected_version,
        ReturnStatus.DRAFT,
        "Took the return for {period} back to draft",
    )


def submit(
    db: Database,
    actor: Actor,
    return_id: uuid.UUID,
    expected_version: int,
    *,
    on: date,
    today: date | None = None,
    now: datetime | None = None,
) -> Changes:
    """Freeze the return as it stands and record it submitted on ``on``.

    The content is computed, stamped with the time it was frozen, and stored as canonical JSON
    with its SHA-256; the people whose engagement fed it are recorded for their timelines.
    """
    require(actor, Permission.MANAGE_RETURNS)
    with db.read() as session:
        row = session.get(PartnershipReturn, return_id)
        if row is None or row.deleted_at is not None:
            raise NotFoundError("That return no longer exists.")
        session.expunge(row)
    _step(row, ReturnStatus.SUBMITTED)
    built = _build(db, actor, row, today)
    frozen_at = (now or datetime.now(UTC)).replace(microsecond=0)
    content = built.content.frozen(frozen_at)
    with unit_of_work(db, actor, f"Submitted the return for {row.period_label}") as uow:
        live = uow.get(PartnershipReturn, return_id)
        _step(live, ReturnStatus.SUBMITTED)
        uow.update(
            live,
            {
                "status": ReturnStatus.SUBMITTED.value,
                "snapshot": content.to_json(),
                "content_hash": content.content_hash,
                "frozen_at": frozen_at,
                "submitted_on": on,
                "submitted_by_id": actor.user_id,
            },
            expected_version,
        )
        for contact_id, count in sorted(built.contributors.items()):
            uow.add(ReturnContributor(return_id=return_id, contact_id=contact_id, engagements=count))
    return uow.changes


def record_acknowledged(
    db: Database, actor: Actor, return_id: uuid.UUID, expected_version: int, *, on: date
) -> Changes:
    return _move(
        db,
        actor,
        return_id,
        expected_version,
        ReturnStatus.ACKNOWLEDGED,
        "The partnership acknowledged the return for {period}",
        acknowledged_on=on,
    )


def record_response_received(
    db: Database, actor: Actor, return_id: uuid.UUID, expected_version: int, *, on: date
) -> Changes:
    return _move(
        db,
        actor,
        return_id,
        expected_version,
        ReturnStatus.RESPONSE_RECEIVED,
        "The partnership responded to the return for {period}",
        response_on=on,
    )


def new_edition(db: Database, actor: Actor, return_id: uuid.UUID) -> Changes:
    """A new draft edition of a submitted return, carrying its answers and quote choices over;
    the submitted one is kept unchanged."""
    require(actor, Permission.MANAGE_RETURNS)
    with unit_of_work(db, actor, "Started a new edition of a return") as uow:
        row = uow.get(PartnershipReturn, return_id)
        if not ReturnStatus(row.status).frozen:
            raise UserError(f"The return for {row.period_label} has not been submitted: change it as it is.")
        latest = uow.session.scalars(
            select(PartnershipReturn)
            .where(
                PartnershipReturn.partnership_id == row.partnership_id,
                PartnershipReturn.period_start == row.period_start,
                PartnershipReturn.deleted_at.is_(None),
            )
            .order_by(PartnershipReturn.edition.desc())
        ).first()
        assert latest is not None
        if latest.id != row.id:
            raise UserError(
                f"There is already edition {latest.edition} of the return for {row.period_label}: "
                "change that one."
            )
        partnership = uow.get(Partnership, row.partnership_id)
        uow.summary = uow.changes.summary = (
            f"Started edition {row.edition + 1} of the return for {row.period_label}"
        )
        uow.add(
            PartnershipReturn(
                partnership_id=row.partnership_id,
                period_start=row.period_start,
                period_end=row.period_end,
                period_label=row.period_label,
                edition=row.edition + 1,
                status=ReturnStatus.DRAFT.value,
                template_key=partnership.template_key,
                narrative=dict(row.narrative or {}),
                quote_ids=None if row.quote_ids is None else list(row.quote_ids),
                replaces_id=row.id,
            ),
            summary=uow.summary,
        )
    return uow.changes


# -- the partnership's responses ---------------------------------------------------------------
def _clean_response(you_said: str, we_did: str, decision: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    out: dict[str, str] = {}
    for key, text, label, required in (
        ("you_said", you_said, "What people said", True),
        ("we_did", we_did, "What was done", False),
        ("decision", decision, "The decision influenced", False),
    ):
        try:
            value = clean_multiline(text, label=label, max_length=MAX_ANSWER)
        except ValueError as exc:
            problems[key] = str(exc)
            continue
        if required and not value:
            problems[key] = f"{label} is needed: what did the return raise?"
        out[key] = value or ""
    if problems:
        raise ValidationError(problems, record="The response")
    return out


def add_response(
    db: Database,
    actor: Actor,
    return_id: uuid.UUID,
    *,
    you_said: str,
    we_did: str = "",
    decision: str = "",
    theme_id: uuid.UUID | None = None,
    responded_on: date | None = None,
) -> Changes:
    """Record what the partnership did about something the return raised."""
    require(actor, Permission.MANAGE_RETURNS)
    values = _clean_response(you_said, we_did, decision)
    with unit_of_work(db, actor, "Recorded a partnership's response") as uow:
        row = uow.get(PartnershipReturn, return_id)
        if theme_id is not None:
            uow.get(Theme, theme_id)
        uow.summary = uow.changes.summary = f"Recorded a response to the return for {row.period_label}"
        uow.add(
            ReturnResponse(return_id=return_id, theme_id=theme_id, responded_on=responded_on, **values),
            summary=uow.summary,
        )
    return uow.changes


def update_response(
    db: Database,
    actor: Actor,
    response_id: uuid.UUID,
    expected_version: int,
    *,
    you_said: str,
    we_did: str = "",
    decision: str = "",
    theme_id: uuid.UUID | None = None,
    responded_on: date | None = None,
) -> Changes:
    require(actor, Permission.MANAGE_RETURNS)
    values = _clean_response(you_said, we_did, decision)
    with unit_of_work(db, actor, "Changed a partnership's response") as uow:
        row = uow.get(ReturnResponse, response_id)
        if theme_id is not None:
            uow.get(Theme, theme_id)
        uow.update(row, {**values, "theme_id": theme_id, "responded_on": responded_on}, expected_version)
    return uow.changes


def remove_response(db: Database, actor: Actor, response_id: uuid.UUID, expected_version: int) -> Changes:
    require(actor, Permission.MANAGE_RETURNS)
    with unit_of_work(db, actor, "Removed a partnership's response") as uow:
        row = uow.get(ReturnResponse, response_id)
        uow.archive(row, expected_version)
    return uow.changes


# -- files -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Exported:
    shown: Shown
    pages: int = 0


def export(
    db: Database,
    actor: Actor,
    return_id: uuid.UUID,
    *,
    xlsx: Path | None = None,
    pdf: Path | None = None,
    today: date | None = None,
) -> Exported:
    """Write the return's xlsx and/or PDF: from the snapshot once frozen, else as it stands now
    (``Exported.shown.notices`` says which chosen quotes were left out and why)."""
    shown = show(db, actor, return_id, today=today)
    return Exported(shown, write_files(shown, xlsx=xlsx, pdf=pdf))


def write_files(shown: Shown, *, xlsx: Path | None = None, pdf: Path | None = None) -> int:
    from vcsedesk.io.return_pdf import write_return_pdf
    from vcsedesk.io.return_xlsx import write_return_xlsx

    if xlsx is not None:
        write_return_xlsx(xlsx, shown.content, content_hash=shown.content_hash, frozen=shown.frozen)
    pages = 0
    if pdf is not None:
        pages = write_return_pdf(pdf, shown.content, content_hash=shown.content_hash, frozen=shown.frozen)
    return pages


def with_responses(db: Database, content: ReturnContent, return_id: uuid.UUID) -> ReturnContent:
    """The content with the partnership's responses as recorded now (for "what happened next")."""
    view = get_return(db, return_id)
    responses = tuple(
        ResponseItem(
            r.theme,
            r.you_said,
            r.we_did,
            r.decision,
            r.responded_on.isoformat() if r.responded_on else "",
        )
        for r in view.responses
    )
    sections = []
    found = False
    for section in content.sections:
        if isinstance(section, ActionsSection):
            section = dataclasses.replace(section, responses=responses)
            found = True
        sections.append(section)
    if not found:
        sections.append(ActionsSection("What happened next", "", (), (), responses))
    return dataclasses.replace(content, sections=tuple(sections))


def export_outcomes(db: Database, actor: Actor, return_id: uuid.UUID, path: Path) -> int:
    """The "what happened next" summary for participants: the pages written."""
    from vcsedesk.io.outcomes_pdf import write_outcomes_pdf

    shown = show(db, actor, return_id)
    content = with_responses(db, shown.content, return_id)
    return write_outcomes_pdf(path, content, content_hash=shown.content_hash)


@dataclass(frozen=True)
class ContributorToTell:
    name: str
    email: str
    phone: str
    post: str
    engagements: int


CONTACT_PURPOSES = (Purpose.CONTACT_EMAIL, Purpose.CONTACT_PHONE, Purpose.CONTACT_TEXT, Purpose.CONTACT_POST)


def contributors_to_tell(
    db: Database, actor: Actor, return_id: uuid.UUID, *, today: date | None = None
) -> list[ContributorToTell]:
    """People whose engagement fed the return and who consent (today) to be contacted, with
    only the ways they agreed to — for telling them what happened next."""
    require(actor, Permission.MANAGE_RETURNS)
    on = today or date.today()
    view = get_return(db, return_id)
    with db.read() as session:
        if view.frozen:
            counts = dict(
                session.execute(
                    select(ReturnContributor.contact_id, ReturnContributor.engagements).where(
                        ReturnContributor.return_id == return_id, ReturnContributor.deleted_at.is_(None)
                    )
                ).all()
            )
        else:
            counts = {}
    if not view.frozen:
        row_shown = _build_for_view(db, actor, view, on)
        counts = dict(row_shown.contributors)
    ids = sorted(counts)
    if not ids:
        return []
    with db.read() as session:
        allowed = {purpose: consent.decisions(session, ids, purpose, on) for purpose in CONTACT_PURPOSES}
        contacts = {
            c.id: c
            for c in session.scalars(select(Contact).where(Contact.id.in_(ids), Contact.deleted_at.is_(None)))
        }
        emails: dict[uuid.UUID, str] = {}
        for contact_id, address in session.execute(
            select(ContactEmail.contact_id, ContactEmail.address)
            .where(ContactEmail.contact_id.in_(ids), ContactEmail.deleted_at.is_(None))
            .order_by(ContactEmail.contact_id, ContactEmail.created_at)
        ):
            emails.setdefault(contact_id, address)
        phones: dict[uuid.UUID, str] = {}
        for contact_id, number in session.execute(
            select(ContactPhone.contact_id, ContactPhone.number)
            .where(ContactPhone.contact_id.in_(ids), ContactPhone.deleted_at.is_(None))
            .order_by(ContactPhone.contact_id, ContactPhone.created_at)
        ):
            phones.setdefault(contact_id, number)
    out = []
    for contact_id in ids:
        contact = contacts.get(contact_id)
        if contact is None:
            continue
        ok = {p for p in CONTACT_PURPOSES if allowed[p][contact_id].allowed}
        email = emails.get(contact_id, "") if Purpose.CONTACT_EMAIL in ok else ""
        phone = phones.get(contact_id, "") if ok & {Purpose.CONTACT_PHONE, Purpose.CONTACT_TEXT} else ""
        post = ""
        if Purpose.CONTACT_POST in ok:
            post = ", ".join(x for x in (contact.address, contact.postcode) if x)
        if not (email or phone or post):
            continue
        out.append(ContributorToTell(contact.name, email, phone, post, counts[contact_id]))
    return sorted(out, key=lambda c: c.name.casefold())


def _build_for_view(db: Database, actor: Actor, view: ReturnView, today: date) -> return_builder.Built:
    with db.read() as session:
        row = session.get(PartnershipReturn, view.id)
        assert row is not None
        session.expunge(row)
    return _build(db, actor, row, today)


def export_contributors(
    db: Database, actor: Actor, return_id: uuid.UUID, path: Path, *, today: date | None = None
) -> int:
    """An xlsx of the contributors who consented to hear about outcomes: the rows written."""
    from vcsedesk.io.spreadsheet import Column, Kind, Sheet, write_xlsx

    people = contributors_to_tell(db, actor, return_id, today=today)
    view = get_return(db, return_id)
    sheet = Sheet(
        title="People to tell",
        columns=(
            Column("Name"),
            Column("Email"),
            Column("Phone"),
            Column("Address"),
            Column(f"Engagements in {view.period_label}", Kind.INTEGER),
        ),
        rows=[(p.name, p.email, p.phone, p.post, p.engagements) for p in people],
    )
    write_xlsx(path, [sheet])
    return len(people)


# -- timelines ---------------------------------------------------------------------------------
def _timeline_items(session: Session, contact_id: uuid.UUID) -> list[TimelineItem]:
    rows = session.execute(
        select(PartnershipReturn, Partnership.name, ReturnContributor.engagements)
        .join(ReturnContributor, ReturnContributor.return_id == PartnershipReturn.id)
        .join(Partnership, Partnership.id == PartnershipReturn.partnership_id)
        .where(
            ReturnContributor.contact_id == contact_id,
            ReturnContributor.deleted_at.is_(None),
            PartnershipReturn.deleted_at.is_(None),
        )
    ).all()
    items = []
    for row, partnership, engagements in rows:
        at = row.frozen_at or row.updated_at
        edition = f", edition {row.edition}" if row.edition > 1 else ""
        plural = "engagement" if engagements == 1 else "engagements"
        items.append(
            TimelineItem(
                at=at,
                kind="return",
                title=f"Fed the return to {partnership} for {row.period_label}{edition}",
                detail=f"From {engagements} {plural} in the period",
                record_table="returns",
                record_id=row.id,
            )
        )
    return items


PROVIDERS.append(_timeline_items)
