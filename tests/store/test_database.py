"""The engine set-up: SQLite pragmas, one writer with BEGIN IMMEDIATE, errors in words, UTC."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, OperationalError, StatementError

from vcsedesk.domain.errors import (
    DamagedDatabase,
    DatabaseBusy,
    DiskFull,
    EnvironmentProblem,
    NotAVcsedeskDatabase,
    ReadOnlyLocation,
)
from vcsedesk.store import database as database_module
from vcsedesk.store import migrate
from vcsedesk.store.database import Database, sqlite_path, sqlite_url, translate_error
from vcsedesk.store.location import DataFolder
from vcsedesk.store.models import Device, UTCDateTime


@pytest.fixture
def sqlite_db(folder: DataFolder) -> Iterator[Database]:
    db = Database(sqlite_url(folder.database))
    migrate.prepare(db, backup_folder=folder.backups)
    try:
        yield db
    finally:
        db.dispose()


def pragmas(conn: object) -> dict[str, object]:
    run = conn.exec_driver_sql  # type: ignore[attr-defined]
    return {
        name: run(f"PRAGMA {name}").scalar()
        for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
    }


EXPECTED_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": 2,  # FULL
    "busy_timeout": database_module.BUSY_TIMEOUT_MS,
}


# -- SQLite connection settings ---------------------------------------------------------------
def test_reader_connections_have_the_pragmas(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as conn:
        assert pragmas(conn) == EXPECTED_PRAGMAS


def test_writer_connection_has_the_pragmas(sqlite_db: Database) -> None:
    with sqlite_db.writer.connect() as conn:
        assert pragmas(conn) == EXPECTED_PRAGMAS


def test_sessions_see_the_pragmas(sqlite_db: Database) -> None:
    with sqlite_db.read() as session:
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    with sqlite_db.write() as session:
        assert session.execute(text("PRAGMA synchronous")).scalar() == 2


def test_there_is_one_writer_connection(sqlite_db: Database) -> None:
    pool = sqlite_db.writer.pool
    assert pool.size() == 1  # type: ignore[attr-defined]
    assert pool._max_overflow == 0  # type: ignore[attr-defined]


def test_foreign_keys_are_enforced(sqlite_db: Database) -> None:
    with pytest.raises(Exception, match="FOREIGN KEY"), sqlite_db.write() as session:
        session.execute(
            text(
                "INSERT INTO journal (id, change_set, at, actor_id, table_name, record_id, operation,"
                " changes, summary, undoable) VALUES (:id, :id, '2026-01-01 00:00:00', :actor, 't',"
                " :id, 'insert', '{}', '', 1)"
            ),
            {"id": uuid.uuid4().hex, "actor": uuid.uuid4().hex},
        )


# -- one writer at a time, BEGIN IMMEDIATE ----------------------------------------------------------
def test_second_writer_waits_then_is_told_the_data_is_busy(
    sqlite_db: Database, folder: DataFolder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT_MS", 200)
    other = Database(sqlite_url(folder.database))
    try:
        with sqlite_db.write() as holding:
            # Only a read, yet the transaction already holds the write lock (BEGIN IMMEDIATE).
            holding.execute(text("SELECT count(*) FROM users")).scalar()
            started = time.monotonic()
            with pytest.raises(DatabaseBusy) as caught, other.write() as session:
                session.execute(text("SELECT count(*) FROM users")).scalar()
            waited = time.monotonic() - started
            # readers are not blocked by the writer (WAL)
            with other.read() as reading:
                assert reading.execute(text("SELECT count(*) FROM users")).scalar() == 0
        assert waited >= 0.15
        message = str(caught.value)
        assert message == "The data file is busy (saving)."
        assert "sqlite" not in message.lower() and "locked" not in message.lower()
        assert caught.value.way_forward
        # once the first lets go, the second can write
        with other.write() as session:
            session.execute(text("SELECT count(*) FROM users")).scalar()
    finally:
        other.dispose()


def test_a_failed_write_leaves_nothing_behind(sqlite_db: Database) -> None:
    device = Device(id=uuid.uuid4(), name="Laptop", platform="Linux")
    with pytest.raises(RuntimeError), sqlite_db.write() as session:
        session.add(device)
        session.flush()
        raise RuntimeError("boom")
    with sqlite_db.read() as session:
        assert session.get(Device, device.id) is None


def test_write_on_postgres_starts_its_transaction_up_front(db: Database, backend: str) -> None:
    with db.write() as session:
        assert session.in_transaction()
        assert session.get_bind() is db.writer
    if backend == "postgres":
        assert db.writer is db.engine


# -- errors in words ---------------------------------------------------------------------------
def wrapped(message: str) -> OperationalError:
    return OperationalError("SELECT 1", {}, sqlite3.OperationalError(message))


@pytest.mark.parametrize(
    ("driver_message", "expected"),
    [
        ("database is locked", DatabaseBusy),
        ("database table is locked", DatabaseBusy),
        ("database or disk is full", DiskFull),
        ("could not extend file: No space left on device", DiskFull),
        ("attempt to write a readonly database", ReadOnlyLocation),
        ("permission denied for table users", ReadOnlyLocation),
        ("file is not a database", NotAVcsedeskDatabase),
        ("file is encrypted or is not a database", NotAVcsedeskDatabase),
        ("database disk image is malformed", DamagedDatabase),
        ("disk I/O error", DamagedDatabase),
        ('connection failed: could not connect to server "db.example"', DatabaseBusy),
        ("connection refused", DatabaseBusy),
    ],
)
def test_environmental_errors_become_plain_messages(
    driver_message: str, expected: type[EnvironmentProblem]
) -> None:
    result = translate_error(wrapped(driver_message), "saving")
    assert type(result) is expected
    assert "(saving)" in str(result)
    assert driver_message not in str(result)
    assert isinstance(result, EnvironmentProblem) and result.way_forward


def test_bugs_are_not_disguised_as_environmental() -> None:
    error = wrapped("no such column: users.shoe_size")
    assert translate_error(error) is error
    plain = ValueError("something else")
    assert translate_error(plain) is plain


def test_an_environment_problem_passes_through() -> None:
    busy = DatabaseBusy("already translated")
    assert translate_error(busy) is busy


def test_server_unreachable_says_what_to_check() -> None:
    result = translate_error(wrapped("connection timeout expired"))
    assert isinstance(result, DatabaseBusy)
    assert "server" in str(result) and "network" in result.way_forward


def test_reading_a_locked_database_is_translated(folder: DataFolder, monkeypatch: pytest.MonkeyPatch) -> None:
    # A rollback-journal writer (another program) blocks readers too; reads say "busy".
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT_MS", 50)
    with Database(sqlite_url(folder.database)) as db:
        migrate.prepare(db, backup_folder=folder.backups)
    blocker = sqlite3.connect(folder.database, isolation_level=None)
    try:
        blocker.execute("PRAGMA journal_mode = DELETE")
        blocker.execute("BEGIN EXCLUSIVE")
        with Database(sqlite_url(folder.database)) as db, pytest.raises(DatabaseBusy), db.read() as s:
            s.execute(select(Device)).all()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_dbapi_errors_escaping_a_session_are_translated(sqlite_db: Database) -> None:
    with pytest.raises(DiskFull) as caught, sqlite_db.write() as session:
        session.execute(text("SELECT 1"))
        raise DBAPIError("COMMIT", {}, sqlite3.OperationalError("database or disk is full"))
    assert str(caught.value) == "The disk is full, so the change could not be saved (saving)."


# -- UTC timestamps ----------------------------------------------------------------------------------
def test_naive_datetimes_are_refused_by_the_column_type() -> None:
    dialects: list[Dialect] = [sqlite.dialect(), postgresql.dialect()]  # type: ignore[no-untyped-call]
    for dialect in dialects:
        with pytest.raises(ValueError, match="naive datetime"):
            UTCDateTime().process_bind_param(datetime(2026, 1, 1, 12, 0), dialect)


def test_naive_datetimes_are_refused_on_save(db: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"), db.write() as session:
        session.add(Device(name="Laptop", platform="Linux", last_seen_at=datetime(2026, 1, 1, 12, 0)))
    with db.read() as session:
        assert session.scalars(select(Device)).all() == []


def test_datetimes_come_back_timezone_aware_in_utc(db: Database) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    seen = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=india)
    device = Device(name="Laptop", platform="Linux", last_seen_at=seen)
    with db.write() as session:
        session.add(device)
    with db.read() as session:
        back = session.get(Device, device.id)
        assert back is not None
        assert back.last_seen_at == seen
        assert back.last_seen_at is not None and back.last_seen_at.tzinfo is not None
        assert back.last_seen_at.utcoffset() == timedelta(0)
        assert back.last_seen_at.hour == 20  # 01:30 at +05:30 is 20:00 UTC the day before
        assert back.created_at.tzinfo is not None and back.created_at.utcoffset() == timedelta(0)
        # comparisons in queries work on the UTC instant
        found = session.scalars(
            select(Device).where(Device.last_seen_at > datetime(2026, 3, 28, 19, 59, tzinfo=UTC))
        ).all()
        assert [d.id for d in found] == [device.id]


# -- URLs and names ----------------------------------------------------------------------------------
def test_sqlite_url_round_trips_awkward_paths(tmp_path: object) -> None:
    from pathlib import Path

    for name in ("plain", "with space", "hash #1", "what?", "per%20cent"):
        path = Path(str(tmp_path)) / name / "vcsedesk.vcsedesk"
        assert sqlite_path(sqlite_url(path)) == path
    assert sqlite_path("sqlite://") is None
    assert sqlite_path("sqlite:///:memory:") is None
    assert sqlite_path("postgresql+psycopg://u:p@host/db") is None


def test_display_name_hides_a_password() -> None:
    db = Database("postgresql+psycopg://sam:s3cret@db.example/charity")
    try:
        assert "s3cret" not in db.display_name
        assert "db.example" in db.display_name
    finally:
        db.dispose()
