"""Quick entry: an engagement recorded in under a minute, with who needs reimbursing.

The engagement is saved exactly as the full form saves it (:func:`engagements.new_engagement`:
the same rules, the same consent check on quotes).  Until expense claims exist, each person
ticked as needing reimbursement becomes a follow-up action on the engagement ("Reimburse Ben
Smith for “Drop-in at the library”"), written in the same unit of work: the engagement and
its actions are saved together or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from vcsedesk.domain.engagement import EngagementDraft, clean_engagement
from vcsedesk.domain.errors import ValidationError
from vcsedesk.services import actions, engagements
from vcsedesk.services.base import Actor, Changes, Permission, require, unit_of_work
from vcsedesk.store.database import Database
from vcsedesk.store.models import Contact

#: The field a problem with the people ticked for reimbursement is reported under.
REIMBURSE_FIELD = "reimburse"


def reimbursement_title(name: str, title: str) -> str:
    """ "Reimburse Ben Smith for “Drop-in at the library”", the engagement's title shortened
    with "…" if the whole would be longer than an action's title may be."""
    text = f"Reimburse {name} for “{title}”"
    if len(text) <= actions.MAX_TITLE:
        return text
    room = max(actions.MAX_TITLE - len(f"Reimburse {name} for “…”"), 1)
    return f"Reimburse {name} for “{title[:room].rstrip()}…”"[: actions.MAX_TITLE]


def record_quick_engagement(
    db: Database,
    actor: Actor,
    draft: EngagementDraft,
    reimburse: Sequence[uuid.UUID] = (),
    today: date | None = None,
) -> Changes:
    """Record ``draft`` and one follow-up action per person in ``reimburse``, as one change.

    Everyone in ``reimburse`` must be one of the engagement's named participants (or a
    quote's speaker, who is named on it too).  Raises ValidationError with problems named as
    in :class:`EngagementDraft` (``title``, ``participants``, ``quotes[0]``, …) and
    ``reimburse``; nothing is written then.
    """
    require(actor, Permission.EDIT_RECORDS)
    today = today or date.today()
    clean = clean_engagement(draft, today=today)
    named = {p.contact_id for p in clean.participants} | {q.speaker_id for q in clean.quotes if q.speaker_id}
    wanted = list(dict.fromkeys(reimburse))
    if set(wanted) - named:
        raise ValidationError(
            {
                REIMBURSE_FIELD: "Only the people named as taking part can be reimbursed; tick them from that list."
            },
            record=engagements.RECORD,
        )
    summary = f"Recorded engagement “{clean.title}”"
    if wanted:
        summary += f" and {len(wanted)} reimbursement{'s' if len(wanted) != 1 else ''} to follow up"
    with unit_of_work(db, actor, summary) as uow:
        engagement = engagements.new_engagement(uow, clean, today=today)
        names: dict[uuid.UUID, str] = {}
        if wanted:
            rows = uow.session.execute(select(Contact.id, Contact.name).where(Contact.id.in_(wanted)))
            names = {contact_id: name for contact_id, name in rows}
        for contact_id in wanted:
            actions.new_action(
                uow,
                actions.ActionDraft(
                    title=reimbursement_title(names.get(contact_id, "a participant"), clean.title),
                    detail=(
                        f"Recorded by {actor.name} through quick entry: reimburse their expenses "
                        f"for taking part on {clean.on_date:%d %b %Y}."
                    ),
                    engagement_id=engagement.id,
                ),
                today=today,
            )
    return uow.changes
