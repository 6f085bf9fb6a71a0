"""Backup copies: taken with the backup API while the app writes, named, rotated, never half."""

from __future__ import annotations

import errno
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from vcsedesk.domain.errors import DiskFull, ReadOnlyLocation
from vcsedesk.store import migrate
from vcsedesk.store.backup import (
    KEEP_ALL_FOR,
    KEEP_DAILY_FOR,
    KEEP_WEEKLY_FOR,
    backup_name,
    backups_to_delete,
    copy_database,
    list_backups,
    parse_backup_name,
    rotate,
    take_backup,
)
from vcsedesk.store.database import Database, sqlite_url
from vcsedesk.store.location import DataFolder

NOW = datetime(2026, 6, 17, 15, 30, tzinfo=UTC)


@pytest.fixture
def live(folder: DataFolder) -> Iterator[Database]:
    db = Database(sqlite_url(folder.database))
    migrate.prepare(db, backup_folder=folder.backups)
    with db.write() as session:
        session.execute(text("CREATE TABLE notes (n INTEGER)"))
        session.execute(text("INSERT INTO notes VALUES (1), (2), (3)"))
    try:
        yield db
    finally:
        db.dispose()


def read_notes(path: Path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return [r[0] for r in conn.execute("SELECT n FROM notes ORDER BY n")]
    finally:
        conn.close()


# -- copying ----------------------------------------------------------------------------------------
def test_copy_is_intact_while_a_writer_is_mid_transaction(live: Database, folder: DataFolder) -> None:
    wal = folder.database.with_name(folder.database.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # committed rows still only in the WAL
    destination = folder.root / "copy.vcsedesk"

    with live.write() as session:
        session.execute(text("INSERT INTO notes VALUES (4), (5)"))
        session.flush()
        copy_database(folder.database, destination)  # writer holds its transaction open

    assert read_notes(destination) == [1, 2, 3]  # everything committed, nothing uncommitted
    assert read_notes(folder.database) == [1, 2, 3, 4, 5]
    conn = sqlite3.connect(destination)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # a single, movable file
    conn.close()
    assert not destination.with_name(destination.name + "-wal").exists()
    assert not list(folder.root.glob("*.partial"))


def test_copy_replaces_an_older_copy_atomically(live: Database, folder: DataFolder) -> None:
    destination = folder.root / "copy.vcsedesk"
    destination.write_bytes(b"an old copy")
    copy_database(folder.database, destination)
    assert read_notes(destination) == [1, 2, 3]


@pytest.mark.parametrize("awkward", ["data #1", "what?", "per%20cent", "with space"])
def test_copy_works_from_folders_with_awkward_names(tmp_path: Path, awkward: str) -> None:
    folder = DataFolder(tmp_path / awkward)
    folder.create()
    with Database(sqlite_url(folder.database)) as db:
        migrate.prepare(db, backup_folder=folder.backups)
        with db.write() as session:
            session.execute(text("CREATE TABLE notes (n INTEGER)"))
            session.execute(text("INSERT INTO notes VALUES (7)"))
        taken = take_backup(folder.database, folder.backups, "manual")
    # the copy holds the real data, not an empty database made from a mangled file name
    assert read_notes(taken.path) == [7]
    assert sorted(p.name for p in tmp_path.iterdir()) == [awkward]


def test_take_backup_names_the_copy_and_lists_it(live: Database, folder: DataFolder) -> None:
    taken = take_backup(folder.database, folder.backups, "Before Import!", now=NOW)
    assert taken.path.name == "vcsedesk-20260617T153000000000Z-before-import.vcsedesk"
    assert [(b.path, b.taken_at, b.reason) for b in list_backups(folder.backups)] == [
        (taken.path, NOW, "before-import")
    ]
    assert read_notes(taken.path) == [1, 2, 3]


# -- a full disk, a read-only folder ---------------------------------------------------------------
def no_space(*_args: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_full_disk_gives_disk_full_and_leaves_no_partial_file(
    live: Database, folder: DataFolder, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    monkeypatch.setattr(f"vcsedesk.store.backup.os.{where}", no_space)

    with pytest.raises(DiskFull) as caught:
        take_backup(folder.database, folder.backups, "manual", now=NOW)

    assert "disk is full" in str(caught.value)
    assert caught.value.way_forward
    assert list(folder.backups.iterdir()) == []
    assert list_backups(folder.backups) == []


def test_sqlite_full_error_gives_disk_full(
    live: Database, folder: DataFolder, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_connect = sqlite3.connect

    class DiskFillsDuringCopy:  # the source side, whose backup() writes the copy
        def __init__(self, conn: sqlite3.Connection) -> None:
            self.conn = conn

        def backup(self, target: object) -> None:
            raise sqlite3.OperationalError("database or disk is full")

        def close(self) -> None:
            self.conn.close()

    def connect(database: str, *args: Any, **kwargs: Any) -> Any:
        conn = real_connect(database, *args, **kwargs)
        return DiskFillsDuringCopy(conn) if str(database).startswith("file:") else conn

    monkeypatch.setattr("vcsedesk.store.backup.sqlite3.connect", connect)
    destination = folder.backups / "copy.vcsedesk"
    with pytest.raises(DiskFull):
        copy_database(folder.database, destination)
    assert list(folder.backups.iterdir()) == []


def test_read_only_folder_gives_read_only_location(
    live: Database, folder: DataFolder, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(*_args: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr("vcsedesk.store.backup.os.replace", read_only)
    with pytest.raises(ReadOnlyLocation):
        copy_database(folder.database, folder.backups / "copy.vcsedesk")
    assert list(folder.backups.iterdir()) == []


def test_other_os_errors_are_not_disguised(
    live: Database, folder: DataFolder, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr("vcsedesk.store.backup.os.replace", broken)
    with pytest.raises(OSError) as caught:
        copy_database(folder.database, folder.backups / "copy.vcsedesk")
    assert caught.value.errno == errno.EIO
    assert list(folder.backups.iterdir()) == []


# -- names -----------------------------------------------------------------------------------------
def test_backup_names_round_trip() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    parsed = parse_backup_name(Path(backup_name(when, "before-migration-0001")))
    assert parsed is not None
    assert parsed.taken_at == when
    assert parsed.reason == "before-migration-0001"


def test_list_backups_ignores_foreign_files(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    ours = [
        folder / backup_name(NOW - timedelta(days=2), "manual"),
        folder / backup_name(NOW, "on-start"),
        folder / "vcsedesk-20260101T120000Z-manual.vcsedesk",  # without microseconds
    ]
    for p in ours:
        p.write_bytes(b"")
    for name in (
        "notes.txt",
        "vcsedesk.vcsedesk",
        "vcsedesk-yesterday-manual.vcsedesk",
        backup_name(NOW, "manual") + ".partial",
        backup_name(NOW, "manual").replace(".vcsedesk", ".sqlite"),
        "VCSEDESK-20260101T120000Z-manual.vcsedesk",
    ):
        (folder / name).write_bytes(b"")

    found = list_backups(folder)

    assert [b.path for b in found] == [ours[1], ours[0], ours[2]]
    assert [b.taken_at for b in found] == sorted((b.taken_at for b in found), reverse=True)
    assert list_backups(tmp_path / "missing") == []


# -- rotation --------------------------------------------------------------------------------------
def day(t: datetime) -> date:
    return t.date()


def week(t: datetime) -> tuple[int, int]:
    iso = t.isocalendar()
    return iso.year, iso.week


ages = st.lists(
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=200)),
    max_size=60,
)
clustered_ages = st.lists(
    st.integers(min_value=0, max_value=200).flatmap(
        lambda d: st.timedeltas(
            min_value=timedelta(days=d), max_value=timedelta(days=d, hours=23, minutes=59)
        )
    ),
    max_size=60,
)


def check_rotation(taken: list[datetime], now: datetime) -> None:
    doomed = backups_to_delete(taken, now)
    kept = set(taken) - doomed
    assert doomed <= set(taken)
    if not taken:
        assert doomed == set()
        return
    newest = max(taken)
    assert newest in kept, "the newest backup is never deleted"
    for t in taken:
        if now - t <= KEEP_ALL_FOR:
            assert t in kept, "everything younger than a day is kept"

    newest_of_day: dict[date, datetime] = {}
    newest_of_week: dict[tuple[int, int], datetime] = {}
    for t in taken:
        newest_of_day[day(t)] = max(t, newest_of_day.get(day(t), t))
        newest_of_week[week(t)] = max(t, newest_of_week.get(week(t), t))
    for t in newest_of_day.values():
        if now - t <= KEEP_DAILY_FOR:
            assert t in kept, "the newest of each day is kept for two weeks"
    for t in newest_of_week.values():
        if now - t <= KEEP_WEEKLY_FOR:
            assert t in kept, "the newest of each week is kept for three months"

    older_than_a_day: dict[date, list[datetime]] = defaultdict(list)
    older_than_two_weeks: dict[tuple[int, int], list[datetime]] = defaultdict(list)
    for t in kept:
        if now - t > KEEP_ALL_FOR:
            older_than_a_day[day(t)].append(t)
            assert t == newest_of_day[day(t)], "older than a day, only a day's newest is kept"
        if now - t > KEEP_DAILY_FOR:
            older_than_two_weeks[week(t)].append(t)
            assert t == newest_of_week[week(t)] or t == newest
        if now - t > KEEP_WEEKLY_FOR:
            assert t == newest, "beyond three months only the newest of all survives"
    assert all(len(v) == 1 for v in older_than_a_day.values()), "at most one a day after a day"
    assert all(len(v) == 1 for v in older_than_two_weeks.values()), "at most one a week after two weeks"

    # rotating what was kept deletes nothing more (the rule is stable)
    assert backups_to_delete(kept, now) == set()


@settings(max_examples=300, deadline=None)
@given(ages=ages)
def test_rotation_properties_for_random_backup_times(ages: list[timedelta]) -> None:
    check_rotation([NOW - a for a in ages], NOW)


@settings(max_examples=300, deadline=None)
@given(ages=clustered_ages, hour=st.integers(min_value=0, max_value=23))
def test_rotation_properties_for_several_backups_a_day(ages: list[timedelta], hour: int) -> None:
    now = NOW.replace(hour=hour)
    check_rotation([now - a for a in ages], now)


def test_rotation_keeps_a_single_ancient_backup() -> None:
    ancient = NOW - timedelta(days=2000)
    assert backups_to_delete([ancient], NOW) == set()


def test_rotation_of_hourly_backups_over_a_year() -> None:
    taken = [NOW - timedelta(hours=h) for h in range(24 * 365)]
    kept = set(taken) - backups_to_delete(taken, NOW)
    assert len([t for t in kept if NOW - t <= KEEP_ALL_FOR]) == 25
    # 25 from the last day, then roughly one a day to two weeks, one a week to three months
    assert 25 + 12 + 10 <= len(kept) <= 25 + 14 + 12


def test_rotate_deletes_the_discarded_files_and_nothing_else(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    times = [NOW - timedelta(hours=h) for h in (0, 5, 30, 31, 32, 24 * 20, 24 * 20 + 1, 24 * 200)]
    for t in times:
        (folder / backup_name(t, "on-start")).write_bytes(b"x")
    stranger = folder / "holiday-photos.jpg"
    stranger.write_bytes(b"x")
    expected = {folder / backup_name(t, "on-start") for t in backups_to_delete(times, NOW)}
    assert expected  # the example does discard something

    deleted = rotate(folder, now=NOW)

    assert set(deleted) == expected
    assert not any(p.exists() for p in expected)
    remaining = {b.taken_at for b in list_backups(folder)}
    assert remaining == set(times) - backups_to_delete(times, NOW)
    assert stranger.exists()
    assert rotate(folder, now=NOW) == []


def test_take_backup_rotates(live: Database, folder: DataFolder) -> None:
    old = folder.backups / backup_name(NOW - timedelta(days=1, hours=2), "on-start")
    older_same_day = folder.backups / backup_name(NOW - timedelta(days=1, hours=3), "on-start")
    for p in (old, older_same_day):
        p.write_bytes(b"x")
    take_backup(folder.database, folder.backups, "manual", now=NOW)
    names = {p.name for p in folder.backups.iterdir()}
    assert old.name in names and older_same_day.name not in names
    assert len(names) == 2
    assert (folder.backups / backup_name(NOW, "manual")).stat().st_size > 0
