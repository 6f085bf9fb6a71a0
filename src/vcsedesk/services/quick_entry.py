"""Quick entry: an engagement recorded in under a minute, with who needs reimbursing.

The engagement is saved exactly as the full form saves it (:func:`engagements.new_engagement`:
the same rules, the same consent check on quotes).  Each person ticked as needing
reimbursement gets a draft claim (:func:`claims.new_draft_claim`): for them, one-off
involvement, dated the day of the engagement and linked to it, with no lines yet — whoever
completes it adds what is claimed.  The claims are written in the same unit of work: the
engagement and its claims are saved together or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from vcsedesk.domain.claims import Tier
from vcsedesk.domain.engagement import EngagementDraft, clean_engagement
from vcsedesk.domain.errors import ValidationError
from vcsedesk.services import claims, engagements
from vcsedesk.services.base import Actor, Changes, Permission, require, unit_of_work
from vcsedesk.store.database import Database

#: The field a problem with the people ticked for reimbursement is reported under.
REIMBURSE_FIELD = "reimburse"


def record_quick_engagement(
    db: Database,
    actor: Actor,
    draft: EngagementDraft,
    reimburse: Sequence[uuid.UUID] = (),
    today: date | None = None,
) -> Changes:
    """Record ``draft`` and one draft claim per person in ``reimburse``, as one change.

    Everyone in ``reimburse`` must be one of the engagement's named participants (or a
    quote's speaker, who is named on it too).  Raises ValidationError with problems named as
    in :class:`EngagementDraft` (``title``, ``participants``, ``quotes[0]``, …) and
    ``reimburse``; nothing is written then.  The claims' ids are in ``created['claims']``.
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
        summary += f" and {len(wanted)} draft claim{'s' if len(wanted) != 1 else ''} to complete"
    with unit_of_work(db, actor, summary) as uow:
        engagement = engagements.new_engagement(uow, clean, today=today)
        for contact_id in wanted:
            try:
                claims.new_draft_claim(
                    uow,
                    claims.ClaimDraft(
                        claimant_id=contact_id,
                        tier=Tier.ONE_OFF.value,
                        activity_date=clean.on_date,
                        items=(),
                        engagement_ids=(engagement.id,),
                        notes=f"Recorded through quick entry by {actor.name}",
                    ),
                    today=today,
                )
            except ValidationError as exc:  # shown beside the people ticked; nothing is written
                reason = " ".join(exc.problems.values())
                raise ValidationError(
                    {REIMBURSE_FIELD: f"A claim could not be started: {reason}"}, record=engagements.RECORD
                ) from exc
    return uow.changes
