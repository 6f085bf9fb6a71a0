"""Actions: one tracker for every follow-up, whether it came from an engagement or a meeting.

An action has a title, an owner (a user of vcsedesk *or* a contact — a partner officer, a
volunteer without an account), a due date, a status and, once it is done, an outcome ("you
said, we did").  It may belong to an engagement or to a meeting (and to one of the meeting's
agenda items); the engagement and meeting services create theirs inside their own unit of
work with :func:`new_action` and :func:`change_action`.

``completed_on`` is never typed: it is set to today when an action becomes done, kept while
it stays done, and cleared when it is reopened or cancelled.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from vcsedesk.domain.engagement import ActionStatus, is_overdue
from vcsedesk.domain.errors import NotFoundError
from vcsedesk.domain.validation import Invalid, Problems, clean_multiline, clean_text
from vcsedesk.services.base import (
    Actor,
    Changes,
    Permission,
    UnitOfWork,
    chunked,
    require,
    unit_of_work,
)
from vcsedesk.store.database import Database
from vcsedesk.store.models import Action, Contact, Engagement, Meeting, MeetingItem, User

MAX_TITLE = 200
MAX_DETAIL = 10_000
MAX_OUTCOME = 10_000
#: Where an action can come from: the table of its source record.
SOURCE_TABLES = ("engagements", "meetings")
#: The columns an action's source is held in (kept as they are when an edit names no source).
SOURCE_FIELDS = ("engagement_id", "meeting_id", "meeting_item_id")
OPEN_STATUSES = tuple(s.value for s in ActionStatus if s.is_open)


@dataclass(frozen=True)
class ActionDraft:
    """An action as a form holds it (not yet validated)."""

    title: str | None
    detail: str | None = ""
    owner_user_id: uuid.UUID | None = None
    owner_contact_id: uuid.UUID | None = None
    due_on: date | None = None
    status: str = ActionStatus.OPEN.value
    outcome: str | None = ""
    engagement_id: uuid.UUID | None = None
    meeting_id: uuid.UUID | None = None
    meeting_item_id: uuid.UUID | None = None


# -- validation -------------------------------------------------------------------------------
def clean_status(value: object) -> ActionStatus:
    try:
        return ActionStatus(str(value).strip().lower().replace(" ", "_"))
    except ValueError:
        options = ", ".join(s.label.lower() for s in ActionStatus)
        raise Invalid(f"“{value}” is not a status for an action; choose {options}.") from None


def check_action(draft: ActionDraft, problems: Problems, prefix: str = "") -> dict[str, Any] | None:
    """Check an action's own fields, noting problems under ``prefix + field``; the tidied
    column values (without ``completed_on``), or None if anything was wrong."""
    before = len(problems.by_field)

    def check(field: str, clean: Any) -> Any:
        return problems.check(prefix + field, clean)

    title = check(
        "title", lambda: clean_text(draft.title, label="Title", max_length=MAX_TITLE, required=True)
    )
    detail = check("detail", lambda: clean_multiline(draft.detail, label="Detail", max_length=MAX_DETAIL))
    outcome = check(
        "outcome", lambda: clean_multiline(draft.outcome, label="Outcome", max_length=MAX_OUTCOME)
    )
    status = check("status", lambda: clean_status(draft.status))
    if draft.owner_user_id is not None and draft.owner_contact_id is not None:
        problems.by_field[prefix + "owner"] = (
            "An action has one owner: choose either a user or a contact, not both."
        )
    if draft.engagement_id is not None and (
        draft.meeting_id is not None or draft.meeting_item_id is not None
    ):
        problems.by_field[prefix + "source"] = (
            "An action comes from an engagement or from a meeting, not from both."
        )
    if draft.meeting_item_id is not None and draft.meeting_id is None:
        problems.by_field[prefix + "meeting_item_id"] = "An agenda item needs its meeting."
    if len(problems.by_field) > before:
        return None
    return {
        "title": title,
        "detail": detail or "",
        "owner_user_id": draft.owner_user_id,
        "owner_contact_id": draft.owner_contact_id,
        "due_on": draft.due_on,
        "status": status.value if status else None,
        "outcome": outcome or "",
        "engagement_id": draft.engagement_id,
        "meeting_id": draft.meeting_id,
        "meeting_item_id": draft.meeting_item_id,
    }


def completed_on(status: ActionStatus, today: date, current: Action | None = None) -> date | None:
    """The day an action was done: kept while it stays done, today when it becomes done,
    nothing while it is open or if it was cancelled."""
    if status is not ActionStatus.DONE:
        return None
    if current is not None and current.status == ActionStatus.DONE.value and current.completed_on:
        return current.completed_on
    return today


def clean_action(
    draft: ActionDraft, *, today: date | None = None, current: Action | None = None
) -> dict[str, Any]:
    """The action's column values, every problem named beside its field at once.

    ``current`` is the stored action an edit replaces (so a done action keeps the day it was
    done); ``today`` defaults to today's date in UTC.
    """
    problems = Problems("The action")
    values = check_action(draft, problems)
    problems.raise_if_any()
    assert values is not None
    values["completed_on"] = completed_on(ActionStatus(values["status"]), today or _today(), current)
    return values


def check_references(
    session: Session,
    values: dict[str, Any],
    problems: Problems,
    prefix: str = "",
    current: Action | None = None,
) -> None:
    """Note problems with the owner and source ``values`` name: gone or archived records.

    A reference the stored action already has is not checked again, so an action owned by
    someone whose account was later archived can still be edited.
    """

    def changed(field: str) -> bool:
        return values.get(field) is not None and (current is None or getattr(current, field) != values[field])

    if changed("owner_user_id"):
        user = session.get(User, values["owner_user_id"])
        if user is None:
            problems.by_field[prefix + "owner_user_id"] = "That user no longer exists; choose another owner."
        elif user.deleted_at is not None:
            problems.by_field[prefix + "owner_user_id"] = (
                f"{user.name}'s account is archived; choose another owner."
            )
    if changed("owner_contact_id"):
        contact = session.get(Contact, values["owner_contact_id"])
        if contact is None or contact.deleted_at is not None:
            name = f"{contact.name} is archived" if contact else "That contact no longer exists"
            problems.by_field[prefix + "owner_contact_id"] = f"{name}; choose another owner."
    if changed("engagement_id"):
        engagement = session.get(Engagement, values["engagement_id"])
        if engagement is None or engagement.deleted_at is not None:
            problems.by_field[prefix + "engagement_id"] = "That engagement no longer exists."
    if changed("meeting_id"):
        meeting = session.get(Meeting, values["meeting_id"])
        if meeting is None or meeting.deleted_at is not None:
            problems.by_field[prefix + "meeting_id"] = "That meeting no longer exists."
    if changed("meeting_item_id"):
        item = session.get(MeetingItem, values["meeting_item_id"])
        if item is None or item.deleted_at is not None or item.meeting_id != values.get("meeting_id"):
            problems.by_field[prefix + "meeting_item_id"] = "That agenda item is not part of the meeting."


# -- writing inside another service's unit of work --------------------------------------------
def new_action(uow: UnitOfWork, draft: ActionDraft, *, today: date | None = None) -> Action:
    """Validate and add an action inside an open unit of work (engagements and meetings use
    this for the actions they carry).  Raises ValidationError, and the caller's whole
    transaction is rolled back, if anything is wrong."""
    values = clean_action(draft, today=today)
    problems = Problems("The action")
    check_references(uow.session, values, problems)
    problems.raise_if_any()
    return uow.add(Action(**values), summary=f"Added action “{values['title']}”")


def change_action(
    uow: UnitOfWork,
    action: Action,
    draft: ActionDraft,
    expected_version: int | None,
    *,
    today: date | None = None,
    keep_source: bool = False,
) -> bool:
    """Make a stored action what ``draft`` says inside an open unit of work; True if it changed.

    With ``keep_source`` the draft's engagement, meeting and agenda item are ignored and the
    action stays where it came from.
    """
    uow.check_version(action, expected_version)
    values = clean_action(draft, today=today, current=action)
    if keep_source:
        for field in SOURCE_FIELDS:
            values.pop(field)
    problems = Problems("The action")
    check_references(uow.session, values, problems, current=action)
    problems.raise_if_any()
    return bool(uow.update(action, values, expected_version, summary=f"Changed action “{values['title']}”"))


# -- service calls ----------------------------------------------------------------------------
def add_action(db: Database, actor: Actor, draft: ActionDraft, *, today: date | None = None) -> Changes:
    """Add an action (the new id is in ``created['actions']``)."""
    require(actor, Permission.EDIT_RECORDS)
    clean_action(draft, today=today)  # every field problem before the transaction starts
    with unit_of_work(db, actor, "Added an action") as uow:
        action = new_action(uow, draft, today=today)
        uow.summary = f"Added action “{action.title}”"
        for source in (
            uow.session.get(Meeting, action.meeting_id) if action.meeting_id else None,
            uow.session.get(Engagement, action.engagement_id) if action.engagement_id else None,
        ):
            if source is not None:
                uow.touch(source)
    return uow.changes


def update_action(
    db: Database,
    actor: Actor,
    action_id: uuid.UUID,
    expected_version: int,
    draft: ActionDraft,
    *,
    today: date | None = None,
) -> Changes:
    """Save an edited action.  A draft that names no source keeps the action's own; refused,
    changing nothing, if someone saved the action first."""
    require(actor, Permission.EDIT_RECORDS)
    clean_action(draft, today=today)
    keep_source = all(getattr(draft, field) is None for field in SOURCE_FIELDS)
    with unit_of_work(db, actor, "Changed an action") as uow:
        action = uow.get(Action, action_id)
        uow.summary = f"Changed action “{action.title}”"
        change_action(uow, action, draft, expected_version, today=today, keep_source=keep_source)
    return uow.changes


def set_status(
    db: Database,
    actor: Actor,
    action_id: uuid.UUID,
    expected_version: int,
    status: str | ActionStatus,
    outcome: str | None = None,
    *,
    today: date | None = None,
) -> Changes:
    """Move an action on (open → in progress → done, or cancelled), optionally recording its
    outcome; ``outcome=None`` leaves the outcome as it was."""
    require(actor, Permission.EDIT_RECORDS)
    problems = Problems("The action")
    new_status = problems.check("status", lambda: clean_status(status))
    outcome_text = problems.check(
        "outcome", lambda: clean_multiline(outcome, label="Outcome", max_length=MAX_OUTCOME)
    )
    problems.raise_if_any()
    assert new_status is not None
    with unit_of_work(db, actor, "Changed an action's status") as uow:
        action = uow.get(Action, action_id)
        uow.summary = f"Action “{action.title}”: {new_status.label.lower()}"
        values: dict[str, Any] = {
            "status": new_status.value,
            "completed_on": completed_on(new_status, today or _today(), action),
        }
        if outcome is not None:
            values["outcome"] = outcome_text or ""
        uow.update(action, values, expected_version, summary=uow.summary)
    return uow.changes


def archive_action(db: Database, actor: Actor, action_id: uuid.UUID, expected_version: int) -> Changes:
    """Archive an action entered by mistake: gone from the tracker, restorable by undo."""
    require(actor, Permission.EDIT_RECORDS)
    with unit_of_work(db, actor, "Archived an action") as uow:
        action = uow.get(Action, action_id)
        uow.summary = f"Archived action “{action.title}”"
        uow.archive(action, expected_version, summary=uow.summary)
    return uow.changes


# -- reading ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ActionRow:
    """One line of the actions tracker."""

    id: uuid.UUID
    version: int
    title: str
    owner: str  # a user's or a contact's name; "" when nobody owns it yet
    due_on: date | None
    status: ActionStatus
    overdue: bool
    source: str  # "Meeting “Carers' forum” 3 Mar 2026"; "" for an action on its own
    source_table: str | None  # "engagements" | "meetings" | None
    source_id: uuid.UUID | None
    outcome: str


@dataclass(frozen=True)
class ActionView:
    """One action in full, for its form."""

    id: uuid.UUID
    version: int
    title: str
    detail: str
    owner_user_id: uuid.UUID | None
    owner_contact_id: uuid.UUID | None
    owner: str
    due_on: date | None
    status: ActionStatus
    completed_on: date | None
    outcome: str
    engagement_id: uuid.UUID | None
    meeting_id: uuid.UUID | None
    meeting_item_id: uuid.UUID | None
    source: str
    archived: bool
    created_at: datetime
    updated_at: datetime

    def as_draft(self) -> ActionDraft:
        return ActionDraft(
            title=self.title,
            detail=self.detail,
            owner_user_id=self.owner_user_id,
            owner_contact_id=self.owner_contact_id,
            due_on=self.due_on,
            status=self.status.value,
            outcome=self.outcome,
            engagement_id=self.engagement_id,
            meeting_id=self.meeting_id,
            meeting_item_id=self.meeting_item_id,
        )


def day_text(day: date) -> str:
    """ "3 Mar 2026" (no leading zero, on every platform)."""
    return f"{day.day} {day:%b %Y}"


def source_text(table: str | None, title: str | None, on_date: date | None) -> str:
    if table is None or title is None:
        return ""
    noun = "Engagement" if table == "engagements" else "Meeting"
    return f"{noun} “{title}”" + (f" {day_text(on_date)}" if on_date else "")


def _today() -> date:
    return datetime.now(UTC).date()


def _overdue(today: date) -> ColumnElement[bool]:
    return and_(Action.status.in_(OPEN_STATUSES), Action.due_on.is_not(None), Action.due_on < today)


def _live_source() -> tuple[ColumnElement[bool], ...]:
    """Actions whose engagement or meeting is archived are hidden with it."""
    return (
        Action.deleted_at.is_(None),
        or_(Action.engagement_id.is_(None), Engagement.deleted_at.is_(None)),
        or_(Action.meeting_id.is_(None), Meeting.deleted_at.is_(None)),
    )


def _row_select() -> Any:
    return (
        select(
            Action.id,
            Action.version,
            Action.title,
            User.name,
            Contact.name,
            Action.due_on,
            Action.status,
            Action.outcome,
            Action.engagement_id,
            Engagement.title,
            Engagement.on_date,
            Action.meeting_id,
            Meeting.title,
            Meeting.on_date,
        )
        .outerjoin(User, User.id == Action.owner_user_id)
        .outerjoin(Contact, Contact.id == Action.owner_contact_id)
        .outerjoin(Engagement, Engagement.id == Action.engagement_id)
        .outerjoin(Meeting, Meeting.id == Action.meeting_id)
    )


def _row(values: Sequence[Any], today: date) -> ActionRow:
    (aid, version, title, user, contact, due_on, status, outcome, eid, etitle, edate, mid, mtitle, mdate) = (
        values
    )
    status = ActionStatus(status)
    if eid is not None:
        table, source_id, text = "engagements", eid, source_text("engagements", etitle, edate)
    elif mid is not None:
        table, source_id, text = "meetings", mid, source_text("meetings", mtitle, mdate)
    else:
        table, source_id, text = None, None, ""
    return ActionRow(
        id=aid,
        version=version,
        title=title,
        owner=user or contact or "",
        due_on=due_on,
        status=status,
        overdue=is_overdue(status, due_on, today),
        source=text,
        source_table=table,
        source_id=source_id,
        outcome=outcome or "",
    )


def sort_key(row: ActionRow) -> tuple[bool, bool, date, str, str]:
    """The tracker's order: overdue first, then by due date (undated last), then by title."""
    return (not row.overdue, row.due_on is None, row.due_on or date.max, row.title.casefold(), str(row.id))


def list_actions(
    db: Database,
    *,
    today: date,
    status: Iterable[str | ActionStatus] | None = None,
    overdue_only: bool = False,
    owner_user_id: uuid.UUID | None = None,
    owner_contact_id: uuid.UUID | None = None,
    source_table: str | None = None,
    source_id: uuid.UUID | None = None,
    ids: Sequence[uuid.UUID] | None = None,
) -> list[ActionRow]:
    """The actions tracker: overdue first, then by due date (undated last), then by title.

    ``status`` keeps only those statuses; ``source_table`` ("engagements" or "meetings"),
    with or without ``source_id``, keeps the actions from one kind of source or one record;
    ``ids`` keeps those actions only (what a dashboard figure stands for).
    """
    query = _row_select().where(*_live_source())
    if status is not None:
        query = query.where(Action.status.in_([clean_status(s).value for s in status]))
    if overdue_only:
        query = query.where(_overdue(today))
    if owner_user_id is not None:
        query = query.where(Action.owner_user_id == owner_user_id)
    if owner_contact_id is not None:
        query = query.where(Action.owner_contact_id == owner_contact_id)
    if source_table is not None:
        if source_table not in SOURCE_TABLES:
            raise ValueError(f"actions come from {SOURCE_TABLES}, not {source_table!r}")
        column = Action.engagement_id if source_table == "engagements" else Action.meeting_id
        query = query.where(column.is_not(None) if source_id is None else column == source_id)
    elif source_id is not None:
        query = query.where(or_(Action.engagement_id == source_id, Action.meeting_id == source_id))
    query = query.order_by(
        case((_overdue(today), 0), else_=1),
        Action.due_on.is_(None),
        Action.due_on,
        func.lower(Action.title),
        Action.id,
    )
    with db.read() as session:
        if ids is None:
            return [_row(r, today) for r in session.execute(query)]
        rows = [
            _row(r, today)
            for chunk in chunked(list(ids))
            for r in session.execute(query.where(Action.id.in_(chunk)))
        ]
    return sorted(rows, key=sort_key)


def action_counts(db: Database, today: date) -> tuple[int, int]:
    """(open, overdue): actions still open or in progress, and how many of those are overdue."""
    query = (
        select(func.count(), func.coalesce(func.sum(case((_overdue(today), 1), else_=0)), 0))
        .select_from(Action)
        .outerjoin(Engagement, Engagement.id == Action.engagement_id)
        .outerjoin(Meeting, Meeting.id == Action.meeting_id)
        .where(*_live_source(), Action.status.in_(OPEN_STATUSES))
    )
    with db.read() as session:
        open_count, overdue = session.execute(query).one()
    return int(open_count), int(overdue)


def get_action(db: Database, action_id: uuid.UUID) -> ActionView:
    with db.read() as session:
        action = session.get(Action, action_id)
        if action is None:
            raise NotFoundError("That action no longer exists.")
        owner = ""
        if action.owner_user_id is not None:
            user = session.get(User, action.owner_user_id)
            owner = user.name if user else ""
        elif action.owner_contact_id is not None:
            contact = session.get(Contact, action.owner_contact_id)
            owner = contact.name if contact else ""
        source = ""
        if action.engagement_id is not None:
            engagement = session.get(Engagement, action.engagement_id)
            if engagement is not None:
                source = source_text("engagements", engagement.title, engagement.on_date)
        elif action.meeting_id is not None:
            meeting = session.get(Meeting, action.meeting_id)
            if meeting is not None:
                source = source_text("meetings", meeting.title, meeting.on_date)
        return ActionView(
            id=action.id,
            version=action.version,
            title=action.title,
            detail=action.detail or "",
            owner_user_id=action.owner_user_id,
            owner_contact_id=action.owner_contact_id,
            owner=owner,
            due_on=action.due_on,
            status=ActionStatus(action.status),
            completed_on=action.completed_on,
            outcome=action.outcome or "",
            engagement_id=action.engagement_id,
            meeting_id=action.meeting_id,
            meeting_item_id=action.meeting_item_id,
            source=source,
            archived=action.deleted_at is not None,
            created_at=action.created_at,
            updated_at=action.updated_at,
        )
