"""The schema, as SQLAlchemy 2 typed models.

Conventions (see docs/design.md): every record table has a UUID primary key made where the
record is created, ``created_at`` / ``updated_at`` in UTC, a ``version`` counter used for
optimistic locking, and a ``deleted_at`` tombstone.  The journal is append-only.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no timezone type, so values are normalised to UTC on the way in and
    marked UTC on the way out; PostgreSQL stores ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(),
    }


class Record(Base):
    """Columns shared by every record table.  Not a table itself."""

    __abstract__ = True
    #: What a person calls one of these, for messages ("Organisation profile").
    __label__: ClassVar[str] = "Record"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)

    # Fields a service sets itself; never taken from a caller's values.
    SYSTEM_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"id", "created_at", "updated_at", "version", "deleted_at"}
    )

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # Every UPDATE says "WHERE version = <the version read>" and bumps it, so two
        # writers racing on one record cannot both win: the loser gets a conflict.
        return {"version_id_col": cls.__table__.c.version}

    def describe(self) -> str:
        """A short name for this record in messages and the history view."""
        return self.__label__


class Organisation(Record):
    """The organisation that owns this data: one row."""

    __tablename__ = "organisation"
    __label__ = "Organisation profile"

    name: Mapped[str] = mapped_column(String(200))
    charity_number: Mapped[str | None] = mapped_column(String(20), default=None)
    company_number: Mapped[str | None] = mapped_column(String(20), default=None)
    address: Mapped[str | None] = mapped_column(Text, default=None)
    postcode: Mapped[str | None] = mapped_column(String(10), default=None)
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    logo_type: Mapped[str | None] = mapped_column(String(40), default=None)
    retention_years: Mapped[int] = mapped_column(Integer, default=6)

    def describe(self) -> str:
        return f"Organisation profile ({self.name})"


class User(Record):
    """A person who acts on the data: staff, volunteer, coordinator, administrator."""

    __tablename__ = "users"
    __label__ = "User"

    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254), default=None)

    def describe(self) -> str:
        return f"User {self.name}"


class Device(Record):
    """One installation of vcsedesk (a laptop, a desktop): where a change was made."""

    __tablename__ = "devices"
    __label__ = "Device"

    name: Mapped[str] = mapped_column(String(120))
    platform: Mapped[str] = mapped_column(String(120))
    last_seen_at: Mapped[datetime | None] = mapped_column(default=None)

    def describe(self) -> str:
        return f"Device {self.name}"


class JournalEntry(Base):
    """One change to one record: append-only (database triggers refuse UPDATE and DELETE).

    Entries written by one service call share a ``change_set``; undo works a change set at
    a time and writes a new change set whose ``undoes`` names the one it reverses.
    ``seq`` orders entries on this database; ``id`` names an entry across copies (sync).
    ``changes`` maps each field to ``[before, after]`` in JSON form.
    """

    __tablename__ = "journal"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    change_set: Mapped[uuid.UUID] = mapped_column(index=True)
    undoes: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    device_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("devices.id"), default=None)
    table_name: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[uuid.UUID] = mapped_column()
    operation: Mapped[str] = mapped_column(String(16))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")
    #: False for changes that must not be undone from the history (setting up vcsedesk).
    undoable: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (
        Index("ix_journal_record", "table_name", "record_id"),
        Index("ix_journal_actor_seq", "actor_id", "seq"),
    )


class Ward(Record):
    """A ward or neighbourhood from the organisation's own list."""

    __tablename__ = "wards"
    __label__ = "Ward"

    name: Mapped[str] = mapped_column(String(120), unique=True)

    def describe(self) -> str:
        return f"Ward {self.name}"


class Tag(Record):
    __tablename__ = "tags"
    __label__ = "Tag"

    name: Mapped[str] = mapped_column(String(60), unique=True)

    def describe(self) -> str:
        return f"Tag {self.name}"


class Contact(Record):
    """A person (resident, carer, volunteer, staff, partner officer) or an organisation."""

    __tablename__ = "contacts"
    __label__ = "Contact"

    kind: Mapped[str] = mapped_column(String(12), index=True)  # person | organisation
    name: Mapped[str] = mapped_column(String(200), index=True)  # display and sort name
    given_name: Mapped[str | None] = mapped_column(String(100), default=None)
    family_name: Mapped[str | None] = mapped_column(String(100), default=None)
    organisation_type: Mapped[str | None] = mapped_column(String(80), default=None)
    address: Mapped[str | None] = mapped_column(Text, default=None)
    postcode: Mapped[str | None] = mapped_column(String(10), default=None, index=True)
    ward_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("wards.id"), default=None, index=True)
    preferred_language: Mapped[str | None] = mapped_column(String(60), default=None)
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    access_needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    how_we_met: Mapped[str | None] = mapped_column(String(200), default=None)
    notes: Mapped[str | None] = mapped_column(Text, default=None)

    def describe(self) -> str:
        return f"Contact {self.name}"


class ContactEmail(Record):
    __tablename__ = "contact_emails"
    __label__ = "Email address"

    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id"), index=True)
    label: Mapped[str] = mapped_column(String(20), default="home")
    address: Mapped[str] = mapped_column(String(254), index=True)

    def describe(self) -> str:
        return f"Email address {self.address}"


class ContactPhone(Record):
    __tablename__ = "contact_phones"
    __label__ = "Telephone number"

    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id"), index=True)
    label: Mapped[str] = mapped_column(String(20), default="mobile")
    number: Mapped[str] = mapped_column(String(20), index=True)  # E.164

    def describe(self) -> str:
        return f"Telephone number {self.number}"


class Membership(Record):
    """A person's place in an organisation, with their role there."""

    __tablename__ = "memberships"
    __label__ = "Membership"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(120), default=None)


class ContactTag(Record):
    __tablename__ = "contact_tags"
    __label__ = "Tag on a contact"

    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id"), index=True)
    tag_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tags.id"), index=True)


class ConsentRecord(Record):
    """One line of a person's consent history for one purpose."""

    __tablename__ = "consents"
    __label__ = "Consent"

    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12))  # given | refused | withdrawn
    given_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(12))  # verbal | written | online
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    evidence: Mapped[str | None] = mapped_column(Text, default=None)
    review_on: Mapped[date | None] = mapped_column(Date, default=None, index=True)

    __table_args__ = (Index("ix_consents_contact_purpose", "contact_id", "purpose"),)


class EqualityProfile(Record):
    """Equality monitoring answers for one person: special-category data, held apart."""

    __tablename__ = "equality_profiles"
    __label__ = "Equality monitoring"

    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id"), unique=True)
    age_band: Mapped[str | None] = mapped_column(String(40), default=None)
    sex: Mapped[str | None] = mapped_column(String(40), default=None)
    gender_identity: Mapped[str | None] = mapped_column(String(40), default=None)
    ethnicity: Mapped[str | None] = mapped_column(String(80), default=None)
    religion: Mapped[str | None] = mapped_column(String(40), default=None)
    sexual_orientation: Mapped[str | None] = mapped_column(String(40), default=None)
    disability: Mapped[str | None] = mapped_column(String(40), default=None)
    carer: Mapped[str | None] = mapped_column(String(40), default=None)


class SeldomHeardGroup(Record):
    """A locally chosen "seldom-heard" group (refugees and asylum seekers, …)."""

    __tablename__ = "seldom_heard_groups"
    __label__ = "Seldom-heard group"

    name: Mapped[str] = mapped_column(String(120), unique=True)


class SeldomHeardMembership(Record):
    __tablename__ = "seldom_heard_memberships"
    __label__ = "Seldom-heard group of a person"

    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id"), index=True)
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("seldom_heard_groups.id"), index=True)


# -- engagement: what people said, where, to whom, about what ---------------------------------
class EngagementType(Record):
    """A kind of listening activity (event, drop-in, one-to-one, …): the organisation's list."""

    __tablename__ = "engagement_types"
    __label__ = "Engagement type"

    name: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    def describe(self) -> str:
        return f"Engagement type {self.name}"


class Priority(Record):
    """A partnership priority an engagement can serve (e.g. "Access to primary care")."""

    __tablename__ = "priorities"
    __label__ = "Partnership priority"

    name: Mapped[str] = mapped_column(String(160), unique=True)

    def describe(self) -> str:
        return f"Priority {self.name}"


class Theme(Record):
    """One theme of a hierarchical taxonomy (Primary care › Getting a GP appointment).

    A retired theme is no longer offered but still counts; a merged theme points at the theme
    it was merged into, and its records count under that one (services/themes.py resolves
    the chain).  Neither is archived, so nothing that used them is lost.
    """

    __tablename__ = "themes"
    __label__ = "Theme"

    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("themes.id"), default=None, index=True)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("themes.id"), default=None)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)

    def describe(self) -> str:
        return f"Theme {self.name}"


class Engagement(Record):
    """One listening activity: an event, a drop-in, a one-to-one, a focus group, …"""

    __tablename__ = "engagements"
    __label__ = "Engagement"

    title: Mapped[str] = mapped_column(String(200))
    type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("engagement_types.id"), index=True)
    on_date: Mapped[date] = mapped_column(Date, index=True)
    start_time: Mapped[time | None] = mapped_column(Time, default=None)
    duration_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    venue: Mapped[str | None] = mapped_column(String(200), default=None)
    ward_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("wards.id"), default=None, index=True)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    priority_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("priorities.id"), default=None)
    summary: Mapped[str] = mapped_column(Text, default="")
    #: People who took part without being named (a head-count).
    anonymous_count: Mapped[int] = mapped_column(Integer, default=0)

    def describe(self) -> str:
        return f"Engagement “{self.title}” ({self.on_date:%d %b %Y})"


class EngagementFacilitator(Record):
    __tablename__ = "engagement_facilitators"
    __label__ = "Facilitator"

    engagement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("engagements.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)


class EngagementParticipant(Record):
    """A named contact who took part, with their role (participant, carer, interpreter, …)."""

    __tablename__ = "engagement_participants"
    __label__ = "Participant"

    engagement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("engagements.id"), index=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id"), index=True)
    role: Mapped[str] = mapped_column(String(40), default="participant")


class HeadcountGroup(Record):
    """Part of an engagement's anonymous head-count, by group ("4 under 25")."""

    __tablename__ = "headcount_groups"
    __label__ = "Head-count group"

    engagement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("engagements.id"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    count: Mapped[int] = mapped_column(Integer)


class EngagementTheme(Record):
    __tablename__ = "engagement_themes"
    __label__ = "Theme of an engagement"

    engagement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("engagements.id"), index=True)
    theme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("themes.id"), index=True)


class Quote(Record):
    """Verbatim words from an engagement, with their own sharing level."""

    __tablename__ = "quotes"
    __label__ = "Quote"

    engagement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("engagements.id"), index=True)
    speaker_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contacts.id"), default=None, index=True)
    text: Mapped[str] = mapped_column(Text)
    #: internal | anonymous | named (domain/engagement.py Sharing)
    sharing: Mapped[str] = mapped_column(String(12), default="internal")

    def describe(self) -> str:
        words = self.text if len(self.text) <= 40 else self.text[:39] + "…"
        return f"Quote “{words}”"


class QuoteTheme(Record):
    __tablename__ = "quote_themes"
    __label__ = "Theme of a quote"

    quote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quotes.id"), index=True)
    theme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("themes.id"), index=True)


class FileContent(Base):
    """The bytes of an attached file, stored once by their SHA-256 (content-addressed).

    Not a record: it never changes, and the journal names it by hash through the
    :class:`Attachment` that refers to it instead of copying the bytes.
    """

    __tablename__ = "file_contents"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Attachment(Record):
    """A file attached to a record (an engagement, a meeting, later a claim's receipt)."""

    __tablename__ = "attachments"
    __label__ = "Attachment"

    owner_table: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[uuid.UUID] = mapped_column()
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(ForeignKey("file_contents.sha256"))

    __table_args__ = (Index("ix_attachments_owner", "owner_table", "owner_id"),)

    def describe(self) -> str:
        return f"Attachment {self.filename}"


class Meeting(Record):
    """A partnership or hub meeting: agenda items, voices at the meeting, apologies."""

    __tablename__ = "meetings"
    __label__ = "Meeting"

    title: Mapped[str] = mapped_column(String(200))
    on_date: Mapped[date] = mapped_column(Date, index=True)
    start_time: Mapped[time | None] = mapped_column(Time, default=None)
    venue: Mapped[str | None] = mapped_column(String(200), default=None)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    chair_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contacts.id"), default=None)
    notes: Mapped[str] = mapped_column(Text, default="")

    def describe(self) -> str:
        return f"Meeting “{self.title}” ({self.on_date:%d %b %Y})"


class MeetingItem(Record):
    """One agenda item, with the notes of its discussion and what was decided."""

    __tablename__ = "meeting_items"
    __label__ = "Agenda item"

    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")


class MeetingAttendee(Record):
    """A voice at the meeting (or an apology), with the organisation they speak for."""

    __tablename__ = "meeting_attendees"
    __label__ = "Attendee"

    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"), index=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id"), index=True)
    speaks_for_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contacts.id"), default=None)
    #: attended | apologies
    attendance: Mapped[str] = mapped_column(String(12), default="attended")


class Action(Record):
    """A follow-up with an owner, a due date and a status, from an engagement or a meeting."""

    __tablename__ = "actions"
    __label__ = "Action"

    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None, index=True)
    owner_contact_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contacts.id"), default=None, index=True
    )
    due_on: Mapped[date | None] = mapped_column(Date, default=None, index=True)
    #: open | in_progress | done | cancelled (domain/engagement.py ActionStatus)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    completed_on: Mapped[date | None] = mapped_column(Date, default=None)
    outcome: Mapped[str] = mapped_column(Text, default="")
    engagement_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("engagements.id"), default=None, index=True
    )
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meetings.id"), default=None, index=True)
    meeting_item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meeting_items.id"), default=None)

    def describe(self) -> str:
        return f"Action “{self.title}”"


# -- reimbursement: policy, budgets, claims ---------------------------------------------------
class ReimbursementPolicy(Record):
    """The organisation's reimbursement policy from one date on (versions kept by date)."""

    __tablename__ = "reimbursement_policies"
    __label__ = "Reimbursement policy"

    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    hourly_rate: Mapped[int] = mapped_column(Integer)
    half_day_rate: Mapped[int] = mapped_column(Integer)
    full_day_rate: Mapped[int] = mapped_column(Integer)
    mileage_rate: Mapped[int] = mapped_column(Integer)
    subsistence_cap: Mapped[int] = mapped_column(Integer)
    receipt_threshold: Mapped[int] = mapped_column(Integer)
    payment_methods: Mapped[list[str]] = mapped_column(JSON, default=list)
    weekly_threshold: Mapped[int] = mapped_column(Integer)
    monthly_threshold: Mapped[int] = mapped_column(Integer)
    advice: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    def describe(self) -> str:
        return f"Reimbursement policy from {self.effective_from:%d %b %Y}"


class Budget(Record):
    """A funding pot that claims draw on, for a period."""

    __tablename__ = "budgets"
    __label__ = "Budget"

    name: Mapped[str] = mapped_column(String(160))
    funder: Mapped[str | None] = mapped_column(String(160), default=None)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(Integer)  # pence

    def describe(self) -> str:
        return f"Budget {self.name}"


class Claim(Record):
    """What the organisation owes one person for taking part."""

    __tablename__ = "claims"
    __label__ = "Claim"

    number: Mapped[str] = mapped_column(String(20), unique=True)
    claimant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id"), index=True)
    tier: Mapped[str] = mapped_column(String(20))
    activity_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    budget_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("budgets.id"), default=None, index=True)
    #: The policy the claim was priced by (fixed when it is submitted).
    policy_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reimbursement_policies.id"), default=None)
    choice: Mapped[str] = mapped_column(String(20), default="bank_transfer")
    #: When the claimant chose to take less than the total (pence), else None.
    take_pence: Mapped[int | None] = mapped_column(Integer, default=None)
    donate_to: Mapped[str | None] = mapped_column(String(200), default=None)
    total_pence: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    payee_name: Mapped[str | None] = mapped_column(String(120), default=None)
    sort_code: Mapped[str | None] = mapped_column(String(8), default=None)
    account_number: Mapped[str | None] = mapped_column(String(8), default=None)
    submitted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    rejected_reason: Mapped[str | None] = mapped_column(Text, default=None)
    paid_on: Mapped[date | None] = mapped_column(Date, default=None)
    paid_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    payment_method: Mapped[str | None] = mapped_column(String(20), default=None)
    payment_reference: Mapped[str | None] = mapped_column(String(80), default=None)

    def describe(self) -> str:
        return f"Claim {self.number}"


class ClaimLink(Record):
    """An engagement or meeting a claim is for."""

    __tablename__ = "claim_links"
    __label__ = "What a claim is for"

    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("claims.id"), index=True)
    engagement_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("engagements.id"), default=None, index=True
    )
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meetings.id"), default=None, index=True)


class ClaimItem(Record):
    """One line of a claim, priced by the claim's policy: quantity (hundredths) × rate."""

    __tablename__ = "claim_items"
    __label__ = "Claim line"

    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("claims.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(200), default="")
    quantity_centi: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str | None] = mapped_column(String(12), default=None)
    rate_pence: Mapped[int] = mapped_column(Integer)
    amount_pence: Mapped[int] = mapped_column(Integer)
    has_receipt: Mapped[bool] = mapped_column(Boolean, default=False)


# -- partnership returns: partnerships, templates, returns and what came of them --------------
class ReturnTemplate(Record):
    """A coordinator's copy of a return template: TOML text checked by domain/return_templates.py.

    Shipped templates live in resources/returns/ and are not copied here until someone adjusts one.
    """

    __tablename__ = "return_templates"
    __label__ = "Return template"

    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    copied_from: Mapped[str | None] = mapped_column(String(80), default=None)

    def describe(self) -> str:
        return f"Return template “{self.name}”"


class Partnership(Record):
    """A body the organisation reports to, with its cadence, threshold and return template."""

    __tablename__ = "partnerships"
    __label__ = "Partnership"

    name: Mapped[str] = mapped_column(String(160), unique=True)
    hub: Mapped[str | None] = mapped_column(String(160), default=None)
    contact_name: Mapped[str | None] = mapped_column(String(120), default=None)
    contact_email: Mapped[str | None] = mapped_column(String(254), default=None)
    #: monthly | quarterly | half_yearly | yearly (domain/returns.py Cadence)
    cadence: Mapped[str] = mapped_column(String(12), default="quarterly")
    #: The first day of the first reporting period; later periods follow on from it.
    first_period_start: Mapped[date] = mapped_column(Date)
    #: Days after a period ends that its return is due.
    due_days: Mapped[int] = mapped_column(Integer, default=30)
    #: Counts from 1 to one below this are suppressed ("<5").
    suppression_threshold: Mapped[int] = mapped_column(Integer, default=5)
    template_key: Mapped[str] = mapped_column(String(80))
    notes: Mapped[str] = mapped_column(Text, default="")

    def describe(self) -> str:
        return f"Partnership {self.name}"


class PartnershipReturn(Record):
    """One return to a partnership for one period, in one edition.

    A draft holds the coordinator's narrative answers and quote choices; its figures are
    computed from the records whenever it is shown.  Submitting freezes a snapshot (canonical
    JSON of everything printed) with its SHA-256; the files are made again from the snapshot.
    A change after that is a new edition; old editions are kept.
    """

    __tablename__ = "returns"
    __label__ = "Return"

    partnership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partnerships.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    period_label: Mapped[str] = mapped_column(String(40))
    edition: Mapped[int] = mapped_column(Integer, default=1)
    #: draft | ready | submitted | acknowledged | response_received (domain/returns.py)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    #: The template the return is built on (its TOML text is copied into the snapshot).
    template_key: Mapped[str] = mapped_column(String(80))
    narrative: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: The quotes the coordinator chose, in order; None while the choice is automatic.
    quote_ids: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    snapshot: Mapped[str | None] = mapped_column(Text, default=None)
    content_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    frozen_at: Mapped[datetime | None] = mapped_column(default=None)
    submitted_on: Mapped[date | None] = mapped_column(Date, default=None)
    submitted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    acknowledged_on: Mapped[date | None] = mapped_column(Date, default=None)
    response_on: Mapped[date | None] = mapped_column(Date, default=None)
    replaces_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("returns.id"), default=None)

    __table_args__ = (
        UniqueConstraint("partnership_id", "period_start", "edition", name="uq_returns_period_edition"),
    )

    def describe(self) -> str:
        edition = f", edition {self.edition}" if self.edition > 1 else ""
        return f"Return for {self.period_label}{edition}"


class ReturnContributor(Record):
    """A person whose engagement fed a submitted return (for their timeline; never exported)."""

    __tablename__ = "return_contributors"
    __label__ = "Contributor to a return"

    return_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("returns.id"), index=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id"), index=True)
    engagements: Mapped[int] = mapped_column(Integer, default=1)


class ReturnResponse(Record):
    """What the partnership did with something a return raised: "you said, we did"."""

    __tablename__ = "return_responses"
    __label__ = "Partnership response"

    return_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("returns.id"), index=True)
    theme_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("themes.id"), default=None)
    you_said: Mapped[str] = mapped_column(Text)
    we_did: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(Text, default="")
    responded_on: Mapped[date | None] = mapped_column(Date, default=None)

    def describe(self) -> str:
        words = self.you_said if len(self.you_said) <= 40 else self.you_said[:39] + "…"
        return f"Response to “{words}”"


class SearchDocument(Base):
    """The searchable text of one record, kept by the services in the same transaction.

    SQLite indexes it with an FTS5 table (``search_fts``) kept in step by triggers;
    PostgreSQL with a GIN index over ``to_tsvector('simple', body)``.  See store/search.py.
    """

    __tablename__ = "search_documents"

    rowid_: Mapped[int] = mapped_column("doc", Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24))
    record_id: Mapped[uuid.UUID] = mapped_column()
    body: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("kind", "record_id", name="uq_search_documents_kind_record"),)


def record_model(table_name: str) -> type[Record]:
    """The record class stored in ``table_name`` (every mapped subclass of Record)."""
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if issubclass(cls, Record) and cls.__tablename__ == table_name:
            return cls
    raise KeyError(table_name)
