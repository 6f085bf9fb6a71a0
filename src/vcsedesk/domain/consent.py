"""Consent: per person and per purpose, with its history; the current state is derived.

The one question every export asks is :func:`decide`: may this person's data be used for
purpose P on date D?  The answer comes with the reason, in words.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime


class Purpose(enum.StrEnum):
    CONTACT_EMAIL = "contact_email"
    CONTACT_PHONE = "contact_phone"
    CONTACT_POST = "contact_post"
    CONTACT_TEXT = "contact_text"
    SHARE_ANONYMOUSLY = "share_anonymously"
    SHARE_WITH_NAME = "share_with_name"
    PHOTOS = "photos"
    EQUALITY_MONITORING = "equality_monitoring"

    @property
    def label(self) -> str:
        return PURPOSE_LABELS[self]


PURPOSE_LABELS = {
    Purpose.CONTACT_EMAIL: "Contact by email",
    Purpose.CONTACT_PHONE: "Contact by phone",
    Purpose.CONTACT_POST: "Contact by post",
    Purpose.CONTACT_TEXT: "Contact by text message",
    Purpose.SHARE_ANONYMOUSLY: "Share their story or quotes anonymously",
    Purpose.SHARE_WITH_NAME: "Share their story or quotes with their name",
    Purpose.PHOTOS: "Photographs",
    Purpose.EQUALITY_MONITORING: "Equality monitoring",
}


class ConsentStatus(enum.StrEnum):
    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class ConsentMethod(enum.StrEnum):
    VERBAL = "verbal"
    WRITTEN = "written"
    ONLINE = "online"


@dataclass(frozen=True)
class ConsentLine:
    """One recorded statement of consent (a line of the history)."""

    purpose: Purpose
    status: ConsentStatus
    on: date
    method: ConsentMethod
    recorded_at: datetime
    review_on: date | None = None
    recorded_by: str = ""
    evidence: str | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    line: ConsentLine | None = None


def current(lines: Iterable[ConsentLine], purpose: Purpose, on: date) -> ConsentLine | None:
    """The line in force for ``purpose`` on date ``on``: the latest dated on or before it
    (ties broken by when it was recorded)."""
    relevant = [ln for ln in lines if ln.purpose == purpose and ln.on <= on]
    return max(relevant, key=lambda ln: (ln.on, ln.recorded_at), default=None)


def decide(lines: Iterable[ConsentLine], purpose: Purpose, on: date) -> Decision:
    """May this person's data be used for ``purpose`` on ``on``?  Always with a reason.

    Named sharing includes anonymous sharing unless anonymous sharing was itself refused or
    withdrawn later.  No record means no.
    """
    lines = list(lines)
    line = current(lines, purpose, on)
    if purpose is Purpose.SHARE_ANONYMOUSLY and (line is None or line.status is not ConsentStatus.GIVEN):
        named = current(lines, Purpose.SHARE_WITH_NAME, on)
        if named is not None and named.status is ConsentStatus.GIVEN and (line is None or line.on < named.on):
            return Decision(
                True,
                f"Agreed to be quoted with their name on {named.on:%d %b %Y}, "
                "which covers sharing anonymously.",
                named,
            )
    label = purpose.label.lower()
    if line is None:
        return Decision(False, f"No consent recorded for “{label}” on or before {on:%d %b %Y}.")
    when = f"{line.on:%d %b %Y}"
    if line.status is ConsentStatus.GIVEN:
        return Decision(True, f"Consent to “{label}” given on {when} ({line.method.value}).", line)
    if line.status is ConsentStatus.WITHDRAWN:
        return Decision(False, f"Consent to “{label}” was withdrawn on {when}.", line)
    return Decision(False, f"Consent to “{label}” was refused on {when}.", line)


def reviews_due(lines: Iterable[ConsentLine], today: date) -> list[ConsentLine]:
    """Current consents (given) whose review date has arrived."""
    lines = list(lines)
    due = []
    for purpose in Purpose:
        line = current(lines, purpose, today)
        if line and line.status is ConsentStatus.GIVEN and line.review_on and line.review_on <= today:
            due.append(line)
    return due
