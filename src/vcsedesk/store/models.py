"""The schema, as SQLAlchemy 2 typed models.

Conventions (see docs/design.md): every record table has a UUID primary key made where the
record is created, ``created_at`` / ``updated_at`` in UTC, a ``version`` counter used for
optimistic locking, and a ``deleted_at`` tombstone.  The journal is append-only.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
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


def record_model(table_name: str) -> type[Record]:
    """The record class stored in ``table_name`` (every mapped subclass of Record)."""
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if issubclass(cls, Record) and cls.__tablename__ == table_name:
            return cls
    raise KeyError(table_name)
