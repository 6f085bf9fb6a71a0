"""Keeping the data file safe: open and migrate, back up, restore, check.

These act on the data file as a whole rather than on records, so they are not journalled;
each says what it did in words a person can read.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from vcsedesk.domain.errors import (
    DamagedDatabase,
    NewerDatabase,
    NotAVcsedeskDatabase,
    UserError,
)
from vcsedesk.store import backup, migrate
from vcsedesk.store.database import Database, sqlite_url
from vcsedesk.store.fileformat import SQLITE_HEADER, readonly_uri
from vcsedesk.store.location import DataFolder
from vcsedesk.store.models import JournalEntry

log = logging.getLogger(__name__)

#: After changes, a backup is taken once the last one is at least this old.
BACKUP_AFTER_CHANGES_EVERY = timedelta(minutes=30)


def open_database(folder: DataFolder, url: str | None = None) -> tuple[Database, migrate.SchemaStatus]:
    """Open the data (creating the folder and file on first use) at the current schema.

    A schema that is behind is backed up, then upgraded.
    """
    folder.create()
    db = Database(folder.database_url(url))
    try:
        found = migrate.prepare(db, backup_folder=folder.backups)
    except BaseException:
        db.dispose()
        raise
    return db, found


# -- backups ---------------------------------------------------------------------------------
def _require_sqlite(db: Database) -> Path:
    if db.path is None:
        raise UserError(
            "Backups of a shared PostgreSQL database are taken on the server (for example with "
            "pg_dump) by whoever looks after it; vcsedesk backs up its own data files."
        )
    return db.path


def backup_now(db: Database, folder: DataFolder, reason: str = "manual") -> backup.BackupFile:
    return backup.take_backup(_require_sqlite(db), folder.backups, reason)


def last_backup(folder: DataFolder) -> backup.BackupFile | None:
    found = backup.list_backups(folder.backups)
    return found[0] if found else None


def backup_if_changed(
    db: Database, folder: DataFolder, *, now: datetime | None = None
) -> backup.BackupFile | None:
    """Take a backup if anything changed since the last one and it is old enough."""
    if db.path is None:
        return None
    now = now or datetime.now(UTC)
    latest = last_backup(folder)
    if latest is not None and now - latest.taken_at < BACKUP_AFTER_CHANGES_EVERY:
        return None
    with db.read() as session:
        newest_change = session.scalar(select(func.max(JournalEntry.at)))
    if newest_change is None or (latest is not None and newest_change <= latest.taken_at):
        return None
    return backup.take_backup(db.path, folder.backups, "after-changes", now=now)


# -- inspecting a file -----------------------------------------------------------------------
@dataclass
class FileReport:
    """What ``check`` found, in plain words; ``ok`` only if nothing is wrong."""

    path: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        verdict = "No problems found." if self.ok else f"{len(self.problems)} problem(s) found."
        return [
            f"Checked {self.path}: {verdict}",
            *(f"  ✗ {p}" for p in self.problems),
            *(f"  ✓ {n}" for n in self.notes),
        ]


def _sqlite_checks(path: Path, report: FileReport) -> None:
    conn = sqlite3.connect(readonly_uri(path), uri=True)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        if rows == ["ok"]:
            report.notes.append("The file's structure is intact (integrity check passed).")
        else:
            report.problems.append("The file is damaged: " + "; ".join(rows[:5]))
        bad_links = conn.execute("PRAGMA foreign_key_check").fetchall()
        if bad_links:
            tables = sorted({r[0] for r in bad_links})
            report.problems.append(
                f"{len(bad_links)} record(s) point at records that do not exist (in {', '.join(tables)})."
            )
        else:
            report.notes.append("Every link between records points at a record that exists.")
    except sqlite3.DatabaseError as exc:
        report.problems.append(f"The file could not be read as a database: {exc}.")
    finally:
        conn.close()


def check(db: Database) -> FileReport:
    """Integrity, links between records and schema version, reported in plain words."""
    report = FileReport(db.display_name)
    if db.path is not None:
        _sqlite_checks(db.path, report)
        if not report.ok:
            return report
    found = migrate.status(db)
    if found.state in (migrate.SchemaState.CURRENT,):
        report.notes.append(found.describe())
    else:
        report.problems.append(found.describe())
    return report


def verify_candidate(path: Path) -> migrate.SchemaStatus:
    """Refuse a would-be restore file unless it is an intact vcsedesk database we can open."""
    if not path.is_file():
        raise UserError(f"{path} does not exist.")
    with path.open("rb") as fh:
        if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise NotAVcsedeskDatabase(f"{path} is not a vcsedesk backup (it is not a database at all).")
    report = FileReport(str(path))
    _sqlite_checks(path, report)
    if not report.ok:
        raise DamagedDatabase(f"{path} cannot be restored: " + " ".join(report.problems))
    with Database(sqlite_url(path)) as candidate:
        found = migrate.status(candidate)
    if found.state in (migrate.SchemaState.FOREIGN, migrate.SchemaState.EMPTY):
        raise NotAVcsedeskDatabase(f"{path} is not a vcsedesk backup.")
    if found.state is migrate.SchemaState.NEWER:
        raise NewerDatabase(f"{path} was made by a newer version of vcsedesk, so it cannot be restored here.")
    return found


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    kept_copy: Path | None


def restore(folder: DataFolder, source: Path) -> RestoreResult:
    """Replace the data file with ``source`` after verifying it; keep the replaced copy.

    The caller must hold the data-folder lock.  The copy is made with the backup API into a
    temporary file and renamed over the live file, so a failure leaves the old data in place.
    """
    source = source.absolute()
    verify_candidate(source)
    kept = None
    live = folder.database
    # Stage the copy first: the backup taken next rotates the backups folder, which may
    # delete ``source`` itself when it is an old backup from that folder.
    staged = live.with_name(live.name + ".restoring")
    backup.copy_database(source, staged)
    if live.exists():
        try:
            kept = backup.take_backup(live, folder.backups, "before-restore").path
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
    for suffix in ("-wal", "-shm"):
        live.with_name(live.name + suffix).unlink(missing_ok=True)
    staged.replace(live)
    with Database(sqlite_url(live)) as db:
        migrate.prepare(db, backup_folder=folder.backups)
    log.info("Restored %s from %s (previous copy kept at %s)", live, source, kept)
    return RestoreResult(restored_from=source, kept_copy=kept)
