"""Backup copies of a SQLite data file: taken with SQLite's backup API, named, rotated.

A copy is written to a temporary file beside its final name, flushed to disk, then renamed
into place, so an interrupted backup never leaves a half file that looks like a good one.
Copying the live file with ordinary file copy would tear a WAL database; the backup API
does not.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from vcsedesk.domain.errors import DiskFull, EnvironmentProblem, ReadOnlyLocation
from vcsedesk.store.fileformat import readonly_uri

log = logging.getLogger(__name__)

BACKUP_SUFFIX = ".vcsedesk"
_NAME = re.compile(r"^vcsedesk-(\d{8}T\d{6}(?:\d{6})?)Z-([a-z0-9-]+)" + re.escape(BACKUP_SUFFIX) + "$")

#: Rotation: every backup from the last day, then the newest of each day for two weeks,
#: then the newest of each ISO week for about three months.
KEEP_ALL_FOR = timedelta(days=1)
KEEP_DAILY_FOR = timedelta(days=14)
KEEP_WEEKLY_FOR = timedelta(days=92)


@dataclass(frozen=True)
class BackupFile:
    path: Path
    taken_at: datetime
    reason: str


def reason_slug(reason: str) -> str:
    """The reason as it appears in a backup's name: "Before migration 0001" -> "before-migration-0001"."""
    return re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-") or "manual"


def backup_name(taken_at: datetime, reason: str) -> str:
    stamp = taken_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"vcsedesk-{stamp}Z-{reason_slug(reason)}{BACKUP_SUFFIX}"


def parse_backup_name(path: Path) -> BackupFile | None:
    match = _NAME.match(path.name)
    if not match:
        return None
    stamp = match.group(1)
    fmt = "%Y%m%dT%H%M%S%f" if len(stamp) > 15 else "%Y%m%dT%H%M%S"
    taken = datetime.strptime(stamp, fmt).replace(tzinfo=UTC)
    return BackupFile(path=path, taken_at=taken, reason=match.group(2))


def list_backups(folder: Path) -> list[BackupFile]:
    """Backups in ``folder``, newest first."""
    if not folder.is_dir():
        return []
    found = [b for p in folder.iterdir() if (b := parse_backup_name(p)) is not None]
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def copy_database(source: Path, destination: Path) -> None:
    """Copy a live SQLite database to ``destination`` atomically, with the backup API."""
    if not source.is_file():
        raise FileNotFoundError(errno.ENOENT, "There is no data file to copy", str(source))
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _environment_problem(exc, destination) from exc
    tmp = destination.with_name(destination.name + ".partial")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    src = sqlite3.connect(readonly_uri(source), uri=True)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
            dst.commit()
        finally:
            dst.close()
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, destination)
        _fsync_dir(destination.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise _environment_problem(exc, destination) from exc
    except sqlite3.Error as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if "unable to open" in str(exc).lower():
            raise ReadOnlyLocation(
                f"{destination.parent} cannot be written to, so the copy was not made."
            ) from exc
        if "full" in str(exc).lower():
            raise DiskFull(f"The disk is full, so the backup {destination.name} could not be made.") from exc
        raise
    finally:
        src.close()


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _environment_problem(exc: OSError, path: Path) -> EnvironmentProblem | OSError:
    if exc.errno == errno.ENOSPC:
        return DiskFull(f"The disk is full, so {path.name} could not be written.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ReadOnlyLocation(f"{path.parent} cannot be written to.")
    return exc


def take_backup(source: Path, folder: Path, reason: str, *, now: datetime | None = None) -> BackupFile:
    """Copy ``source`` into ``folder`` under a dated name, then rotate old copies."""
    now = now or datetime.now(UTC)
    destination = folder / backup_name(now, reason)
    copy_database(source, destination)
    log.info("Backup taken: %s", destination)
    rotate(folder, now=now)
    return BackupFile(path=destination, taken_at=now, reason=reason_slug(reason))


def backups_to_delete(taken: Iterable[datetime], now: datetime) -> set[datetime]:
    """Which backup times the rotation rule discards (see the KEEP_* constants).

    Kept: everything younger than a day; the newest of each calendar day younger than two
    weeks; the newest of each ISO week younger than about three months; and always the
    newest backup of all, however old, so there is never none.
    """
    times = sorted(set(taken), reverse=True)
    keep: set[datetime] = set(times[:1])
    seen_days: set[tuple[int, int, int]] = set()
    seen_weeks: set[tuple[int, int]] = set()
    for t in times:
        age = now - t
        day = (t.year, t.month, t.day)
        iso = t.isocalendar()
        week = (iso.year, iso.week)
        if (
            age <= KEEP_ALL_FOR
            or (age <= KEEP_DAILY_FOR and day not in seen_days)
            or (age <= KEEP_WEEKLY_FOR and week not in seen_weeks)
        ):
            keep.add(t)
        seen_days.add(day)
        seen_weeks.add(week)
    return set(times) - keep


def rotate(folder: Path, *, now: datetime | None = None) -> list[Path]:
    """Delete the backups the rotation rule discards; return what was deleted."""
    now = now or datetime.now(UTC)
    backups = list_backups(folder)
    doomed = backups_to_delete((b.taken_at for b in backups), now)
    deleted = []
    for b in backups:
        if b.taken_at in doomed:
            with contextlib.suppress(FileNotFoundError):
                b.path.unlink()
                deleted.append(b.path)
    return deleted
