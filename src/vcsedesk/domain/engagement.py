"""Engagement: the rules of what people said, where, to whom and about what.

An engagement is validated here as a whole (:func:`clean_engagement`), so the full form,
quick entry and an import all refuse the same things with the same words.  Quotes carry their
own sharing level; :func:`sharing_purpose` says which consent a level needs, and the service
asks the consent service whether the speaker gave it.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time

from vcsedesk.domain.consent import Purpose
from vcsedesk.domain.validation import Invalid, Problems, clean_multiline, clean_text

#: The longest engagement anyone records: a two-day event.
MAX_DURATION_MINUTES = 48 * 60
#: Far above any real head-count, low enough to catch a slip of the keyboard (12 → 12000000).
MAX_HEADCOUNT = 100_000
MAX_SUMMARY = 20_000
MAX_QUOTE = 5_000


class Sharing(enum.StrEnum):
    """How far a quote may travel."""

    INTERNAL = "internal"
    ANONYMOUS = "anonymous"
    NAMED = "named"

    @property
    def label(self) -> str:
        return SHARING_LABELS[self]


SHARING_LABELS = {
    Sharing.INTERNAL: "Internal only",
    Sharing.ANONYMOUS: "Share anonymously",
    Sharing.NAMED: "Share with name",
}


def sharing_purpose(level: Sharing) -> Purpose | None:
    """The consent purpose a sharing level needs (None: internal use needs no sharing consent)."""
    return {
        Sharing.INTERNAL: None,
        Sharing.ANONYMOUS: Purpose.SHARE_ANONYMOUSLY,
        Sharing.NAMED: Purpose.SHARE_WITH_NAME,
    }[level]


class ParticipantRole(enum.StrEnum):
    PARTICIPANT = "participant"
    CARER = "carer"
    INTERPRETER = "interpreter"
    ADVOCATE = "advocate"
    SUPPORTER = "supporter"
    PARTNER = "partner officer"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return ACTION_STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


ACTION_STATUS_LABELS = {
    ActionStatus.OPEN: "Open",
    ActionStatus.IN_PROGRESS: "In progress",
    ActionStatus.DONE: "Done",
    ActionStatus.CANCELLED: "Cancelled",
}


def is_overdue(status: ActionStatus, due_on: date | None, today: date) -> bool:
    """An action is overdue when it is still open and its due date has passed."""
    return status.is_open and due_on is not None and due_on < today


class Attendance(enum.StrEnum):
    ATTENDED = "attended"
    APOLOGIES = "apologies"


# -- drafts: what a form hands the service ---------------------------------------------------
@dataclass(frozen=True)
class ParticipantEntry:
    contact_id: uuid.UUID
    role: str = ParticipantRole.PARTICIPANT.value


@dataclass(frozen=True)
class HeadcountEntry:
    label: str
    count: int


@dataclass(frozen=True)
class QuoteEntry:
    text: str
    sharing: str = Sharing.INTERNAL.value
    speaker_id: uuid.UUID | None = None
    theme_ids: tuple[uuid.UUID, ...] = ()
    #: The stored quote this entry edits (None: a new quote).
    id: uuid.UUID | None = None


@dataclass(frozen=True)
class EngagementDraft:
    """An engagement as a form holds it: free text where people type, ids where they pick."""

    title: str | None
    type_id: uuid.UUID | None
    on_date: date | None
    start_time: time | None = None
    duration_minutes: int | None = None
    venue: str | None = None
    ward: str | None = None
    online: bool = False
    priority_id: uuid.UUID | None = None
    summary: str | None = None
    anonymous_count: int = 0
    headcount_groups: tuple[HeadcountEntry, ...] = ()
    facilitator_ids: tuple[uuid.UUID, ...] = ()
    participants: tuple[ParticipantEntry, ...] = ()
    theme_ids: tuple[uuid.UUID, ...] = ()
    quotes: tuple[QuoteEntry, ...] = ()


@dataclass(frozen=True)
class CleanEngagement:
    title: str
    type_id: uuid.UUID
    on_date: date
    start_time: time | None
    duration_minutes: int | None
    venue: str | None
    ward: str | None
    online: bool
    priority_id: uuid.UUID | None
    summary: str
    anonymous_count: int
    headcount_groups: tuple[HeadcountEntry, ...]
    facilitator_ids: tuple[uuid.UUID, ...]
    participants: tuple[ParticipantEntry, ...]
    theme_ids: tuple[uuid.UUID, ...]
    quotes: tuple[QuoteEntry, ...] = field(default=())

    def record_values(self) -> dict[str, object]:
        """The engagement's own columns (ward is resolved to an id by the service)."""
        return {
            "title": self.title,
            "type_id": self.type_id,
            "on_date": self.on_date,
            "start_time": self.start_time,
            "duration_minutes": self.duration_minutes,
            "venue": self.venue,
            "online": self.online,
            "priority_id": self.priority_id,
            "summary": self.summary,
            "anonymous_count": self.anonymous_count,
        }


def _unique(ids: Sequence[uuid.UUID]) -> tuple[uuid.UUID, ...]:
    return tuple(dict.fromkeys(ids))


def clean_engagement(draft: EngagementDraft, *, today: date) -> CleanEngagement:
    """Check an engagement as a whole; every problem is reported beside its field at once.

    Field names in the problems are those of :class:`EngagementDraft`; a quote's problem is
    under ``quotes[i]`` and a head-count group's under ``headcount_groups[i]`` (counted from 0).
    """
    problems = Problems("engagement")
    title = problems.check(
        "title", lambda: clean_text(draft.title, label="Title", max_length=200, required=True)
    )
    if draft.type_id is None:
        problems.by_field["type_id"] = "Choose the type of engagement."
    if draft.on_date is None:
        problems.by_field["on_date"] = "The date is required."
    elif draft.on_date > today:
        problems.by_field["on_date"] = (
            f"The date {draft.on_date:%d %b %Y} is in the future; record an engagement once it has happened."
        )
    if draft.duration_minutes is not None and not 1 <= draft.duration_minutes <= MAX_DURATION_MINUTES:
        problems.by_field["duration_minutes"] = (
            f"The duration must be between 1 minute and {MAX_DURATION_MINUTES // 60} hours."
        )
    venue = problems.check("venue", lambda: clean_text(draft.venue, label="Venue", max_length=200))
    ward = problems.check("ward", lambda: clean_text(draft.ward, label="Ward", max_length=120))
    summary = problems.check(
        "summary", lambda: clean_multiline(draft.summary, label="Summary", max_length=MAX_SUMMARY)
    )
    if not 0 <= draft.anonymous_count <= MAX_HEADCOUNT:
        problems.by_field["anonymous_count"] = (
            f"The anonymous head-count must be between 0 and {MAX_HEADCOUNT:,}."
        )
    groups = []
    labels_seen: set[str] = set()
    for i, group in enumerate(draft.headcount_groups):
        name = f"headcount_groups[{i}]"
        try:
            label = clean_text(group.label, label="The group", max_length=120, required=True)
        except Invalid as exc:
            problems.by_field[name] = str(exc)
            continue
        assert label is not None
        if label.casefold() in labels_seen:
            problems.by_field[name] = f"The group “{label}” is listed twice."
        elif not 0 < group.count <= draft.anonymous_count:
            problems.by_field[name] = (
                f"“{label}” counts {group.count}; a group must count at least 1 and no more than the "
                f"{draft.anonymous_count} counted anonymously."
            )
        labels_seen.add(label.casefold())
        groups.append(HeadcountEntry(label, group.count))
    participants: dict[uuid.UUID, ParticipantEntry] = {}
    for entry in draft.participants:
        role = " ".join(entry.role.split()).lower() or ParticipantRole.PARTICIPANT.value
        if len(role) > 40:
            problems.by_field["participants"] = f"The role “{role}” is too long (at most 40 characters)."
        participants.setdefault(entry.contact_id, ParticipantEntry(entry.contact_id, role))
    if not draft.participants and draft.anonymous_count == 0:
        problems.by_field["participants"] = (
            "Who took part? Add a named participant or an anonymous head-count."
        )
    quotes = []
    for i, quote in enumerate(draft.quotes):
        try:
            quotes.append(clean_quote(quote))
        except Invalid as exc:
            problems.by_field[f"quotes[{i}]"] = str(exc)
    problems.raise_if_any()
    assert title is not None and draft.type_id is not None and draft.on_date is not None
    return CleanEngagement(
        title=title,
        type_id=draft.type_id,
        on_date=draft.on_date,
        start_time=draft.start_time,
        duration_minutes=draft.duration_minutes,
        venue=venue,
        ward=ward,
        online=draft.online,
        priority_id=draft.priority_id,
        summary=summary or "",
        anonymous_count=draft.anonymous_count,
        headcount_groups=tuple(groups),
        facilitator_ids=_unique(draft.facilitator_ids),
        participants=tuple(participants.values()),
        theme_ids=_unique(draft.theme_ids),
        quotes=tuple(quotes),
    )


def clean_quote(entry: QuoteEntry) -> QuoteEntry:
    """A quote with its words kept verbatim (only trimmed) and a known sharing level."""
    text = clean_multiline(entry.text, label="The quote", max_length=MAX_QUOTE)
    if not text:
        raise Invalid("The quote is empty; type the words as they were said.")
    try:
        sharing = Sharing(entry.sharing)
    except ValueError:
        raise Invalid(
            f"“{entry.sharing}” is not a sharing level; choose one of "
            f"{', '.join(s.label.lower() for s in Sharing)}."
        ) from None
    if sharing is Sharing.NAMED and entry.speaker_id is None:
        raise Invalid("A quote shared with a name needs its speaker: choose who said it.")
    return QuoteEntry(text, sharing.value, entry.speaker_id, _unique(entry.theme_ids), entry.id)
