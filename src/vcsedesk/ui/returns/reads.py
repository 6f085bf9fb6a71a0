"""What the Returns area reads and writes on the worker (plain functions over the services, so
a test can call them without a window)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from vcsedesk.ui.returns.models import Line, PartnershipRow

if TYPE_CHECKING:
    from vcsedesk.domain.return_templates import Template
    from vcsedesk.services.base import Actor
    from vcsedesk.services.partnerships import DueReturn, PartnershipView, TemplateInfo
    from vcsedesk.services.returns import ReturnView, Shown
    from vcsedesk.store.database import Database

#: Look this far ahead for a partnership's next return (a yearly period is the longest).
NEXT_DUE_AHEAD_DAYS = 400


@dataclass(frozen=True)
class Listed:
    returns: list[ReturnView]
    due: list[DueReturn]
    partnerships: list[PartnershipView]
    today: date


def read_list(db: Database, today: date) -> Listed:
    """Every return, what is due (overdue first), and the partnerships to start one for."""
    from vcsedesk.services import partnerships, returns

    return Listed(
        returns.list_returns(db),
        partnerships.due_returns(db, today),
        partnerships.list_partnerships(db),
        today,
    )


@dataclass(frozen=True)
class PartnershipsRead:
    rows: list[PartnershipRow]
    templates: list[TemplateInfo]
    today: date


def read_partnerships(db: Database, today: date) -> PartnershipsRead:
    """The partnerships with the next return each owes, and the templates to choose from."""
    from vcsedesk.services import partnerships

    due = partnerships.due_returns(db, today, ahead_days=NEXT_DUE_AHEAD_DAYS)
    rows = []
    for p in partnerships.list_partnerships(db):
        mine = [d for d in due if d.partnership_id == p.id]
        rows.append(PartnershipRow(p, mine[0] if mine else None))
    return PartnershipsRead(rows, partnerships.list_templates(db), today)


def read_templates(db: Database) -> list[TemplateInfo]:
    from vcsedesk.services import partnerships

    return partnerships.list_templates(db)


@dataclass(frozen=True)
class ReturnRead:
    view: ReturnView
    shown: Shown | None
    template: Template | None
    #: Every edition of the same period, oldest first (this one included).
    editions: list[ReturnView] = field(default_factory=list)
    #: Why the content could not be shown (a template gone, a frozen copy altered…).
    problem: str = ""


def read_return(db: Database, actor: Actor, return_id: uuid.UUID, today: date) -> ReturnRead:
    """A return, its content (computed now for a draft) and its editions."""
    from vcsedesk.domain.errors import UserError
    from vcsedesk.services import partnerships, returns

    view = returns.get_return(db, return_id)
    editions = [
        r for r in returns.list_returns(db, view.partnership_id) if r.period.start == view.period.start
    ]
    editions.sort(key=lambda r: r.edition)
    template: Template | None = None
    shown: Shown | None = None
    problem = ""
    try:
        template = partnerships.get_template(db, view.template_key)
    except UserError as exc:
        problem = str(exc)
    try:
        shown = returns.show(db, actor, return_id, today=today)
    except UserError as exc:
        problem = str(exc)
    return ReturnRead(view, shown, template, editions, problem)


def read_lines(db: Database, kind: str, ids: Sequence[uuid.UUID]) -> list[Line]:
    """The records ``ids`` of ``kind`` ("contacts", "quotes" or "claims") described for a
    list, in the order given; records archived since are left out."""
    from sqlalchemy import select

    from vcsedesk.domain.claims import ClaimStatus, pence_text
    from vcsedesk.services import insight
    from vcsedesk.services.base import chunked
    from vcsedesk.store.models import Claim, Contact, Ward

    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    if kind == "quotes":
        return [
            Line(
                r.id,
                r.title,
                ", ".join(p for p in (r.detail, r.on_date.isoformat() if r.on_date else "") if p),
            )
            for r in insight.record_lines(db, "quotes", wanted)
        ]
    if kind not in ("contacts", "claims"):
        raise ValueError(f"cannot list records of kind {kind!r}")
    found: dict[uuid.UUID, Line] = {}
    with db.read() as session:
        for chunk in chunked(wanted):
            if kind == "contacts":
                for cid, name, ward in session.execute(
                    select(Contact.id, Contact.name, Ward.name)
                    .outerjoin(Ward, Ward.id == Contact.ward_id)
                    .where(Contact.id.in_(chunk), Contact.deleted_at.is_(None))
                ):
                    found[cid] = Line(cid, name, ward or "")
                continue
            for claim_id, number, name, status, total, paid_on in session.execute(
                select(Claim.id, Claim.number, Contact.name, Claim.status, Claim.total_pence, Claim.paid_on)
                .join(Contact, Contact.id == Claim.claimant_id)
                .where(Claim.id.in_(chunk), Claim.deleted_at.is_(None))
            ):
                detail = f"{ClaimStatus(status).value.capitalize()}, {pence_text(total)}"
                if paid_on is not None:
                    detail += f", paid {paid_on.day} {paid_on:%b %Y}"
                found[claim_id] = Line(claim_id, f"{number} — {name}", detail)
    return [found[i] for i in wanted if i in found]


# -- files ----------------------------------------------------------------------------------------
def export_return(
    db: Database, actor: Actor, return_id: uuid.UUID, what: str, path: Path, today: date
) -> Path:
    """Write one of the return's files: "xlsx", "pdf", "outcomes" (the "what happened next"
    PDF) or "people" (the contributors to tell, xlsx)."""
    from vcsedesk.services import returns

    if what == "xlsx":
        returns.export(db, actor, return_id, xlsx=path, today=today)
    elif what == "pdf":
        returns.export(db, actor, return_id, pdf=path, today=today)
    elif what == "outcomes":
        returns.export_outcomes(db, actor, return_id, path)
    elif what == "people":
        returns.export_contributors(db, actor, return_id, path, today=today)
    else:
        raise ValueError(f"unknown file {what!r}")
    return path
