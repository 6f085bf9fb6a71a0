"""Engine and sessions for SQLite (embedded default) and PostgreSQL (shared).

SQLite files get WAL, ``foreign_keys=ON``, ``synchronous=FULL`` (a committed change survives
a power cut; the cost is one extra fsync per commit, which a desk app can afford), a busy
timeout, and ``PRAGMA application_id`` marking them as ours.  All writes go through one
writer connection, behind a process-wide lock, inside ``BEGIN IMMEDIATE`` so the write lock is
taken up front and a transaction never fails half-way on a lock upgrade.  Reads use their own
pooled connections (WAL lets readers run beside the writer).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from vcsedesk.domain.errors import (
    DamagedDatabase,
    DatabaseBusy,
    DiskFull,
    EnvironmentProblem,
    NotAVcsedeskDatabase,
    ReadOnlyLocation,
)
from vcsedesk.store.fileformat import APPLICATION_ID, SQLITE_HEADER

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


def sqlite_url(path: Path) -> str:
    return URL.create("sqlite+pysqlite", database=str(path)).render_as_string()


def sqlite_path(url: str | URL) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory ones."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def check_sqlite_file(path: Path) -> None:
    """Refuse, with a clear message, a file that is not a SQLite database at all."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise NotAVcsedeskDatabase(f"{path} is not a vcsedesk data file (it is not a database at all).")


def _on_sqlite_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Take transaction control away from pysqlite so BEGIN is ours to emit.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    try:
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA synchronous = FULL")
        # WAL is a lasting property of the file, so it is switched on by use_wal() once the
        # file is known to be ours: merely looking at someone else's file must not change it.
    finally:
        cur.close()


def translate_error(exc: BaseException, where: str = "") -> BaseException:
    """Turn a database driver error caused by the environment into an EnvironmentProblem.

    Errors that are not environmental are returned unchanged: they are bugs.
    """
    if isinstance(exc, EnvironmentProblem):
        return exc
    text = str(getattr(exc, "orig", exc)).lower()
    place = f" ({where})" if where else ""
    if "database is locked" in text or "database table is locked" in text:
        return DatabaseBusy(f"The data file is busy{place}.")
    if "disk is full" in text or "no space left" in text:
        return DiskFull(f"The disk is full, so the change could not be saved{place}.")
    if "readonly database" in text or "read-only" in text or "permission denied" in text:
        return ReadOnlyLocation(f"The data file cannot be written to{place}.")
    if "file is not a database" in text or "file is encrypted" in text:
        return NotAVcsedeskDatabase(f"The data file is not a vcsedesk database{place}.")
    if "malformed" in text or "disk i/o error" in text:
        return DamagedDatabase(f"The data file is damaged or could not be read{place}.")
    if "could not connect" in text or "connection refused" in text or "connection timeout" in text:
        return DatabaseBusy(
            f"The shared database server could not be reached{place}.",
            "Check that the server is running and this computer is on its network.",
        )
    return exc


class Database:
    """One database: a reader engine, a single writer connection and their sessions."""

    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.path = sqlite_path(self.url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self._write_lock = threading.RLock()
        if self.is_sqlite:
            if self.path is not None:
                check_sqlite_file(self.path)
            self.engine = create_engine(self.url, echo=echo, poolclass=QueuePool, pool_size=4)
            self.writer = create_engine(self.url, echo=echo, poolclass=QueuePool, pool_size=1, max_overflow=0)
            for eng in (self.engine, self.writer):
                event.listen(eng, "connect", _on_sqlite_connect)
            event.listen(self.engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
            event.listen(self.writer, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        else:
            self.engine = create_engine(self.url, echo=echo, pool_pre_ping=True)
            self.writer = self.engine
        self._read_sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(self.writer, expire_on_commit=False)

    @property
    def display_name(self) -> str:
        """Where the data lives, for a person (a file path or a server and database)."""
        if self.path is not None:
            return str(self.path)
        return self.url.render_as_string(hide_password=True)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; anything it writes is rolled back.  Objects loaded in it
        stay readable after it closes (closing detaches them without expiring them)."""
        try:
            with self._read_sessions() as session:
                yield session
        except (OperationalError, DBAPIError) as exc:
            raise translate_error(exc, "reading") from exc

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose work is committed together on success, or not at all."""
        with self._write_lock:
            try:
                with self._write_sessions() as session, session.begin():
                    if not self.is_sqlite:
                        session.connection()  # start the transaction now, like BEGIN IMMEDIATE
                    yield session
            except (OperationalError, DBAPIError) as exc:
                raise translate_error(exc, "saving") from exc

    def use_wal(self) -> None:
        """Put a SQLite file in WAL mode (it stays so); call once the file is known to be ours."""
        if not self.is_sqlite:
            return
        raw = self.writer.raw_connection()
        try:  # outside any transaction: journal_mode cannot change inside one
            cur = raw.cursor()
            cur.execute("PRAGMA journal_mode = WAL")
            row = cur.fetchone()
            cur.close()
        finally:
            raw.close()
        self.engine.dispose()  # readers opened before the switch start afresh in WAL
        if row and str(row[0]).lower() != "wal":
            log.warning("SQLite refused WAL mode (got %s); continuing in that mode", row[0])

    def set_application_id(self) -> None:
        if self.is_sqlite:
            with self.writer.begin() as conn:
                conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")

    def application_id(self) -> int | None:
        if not self.is_sqlite:
            return None
        with self.engine.connect() as conn:
            value = conn.exec_driver_sql("PRAGMA application_id").scalar()
        return int(value or 0)

    def dispose(self) -> None:
        self.engine.dispose()
        if self.writer is not self.engine:
            self.writer.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()
