"""Keeping the data file safe: open, back up, restore only what is sound, check."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from vcsedesk.domain.errors import (
    DamagedDatabase,
    NewerDatabase,
    NotAVcsedeskDatabase,
    UserError,
)
from vcsedesk.services import maintenance, organisation, people, setup
from vcsedesk.services.base import Actor
from vcsedesk.store import backup, migrate
from vcsedesk.store.database import Database, sqlite_url
from vcsedesk.store.location import DataFolder


def org_name(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("SELECT name FROM organisation").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def live(folder: DataFolder) -> Iterator[tuple[Database, Actor]]:
    """The data folder's own SQLite file, set up for an organisation."""
    db, _ = maintenance.open_database(folder)
    actor = setup.first_run(
        db,
        organisation_name="Riverside Community Voices",
        user_name="Sam Patel",
        device_id=folder.device_id(),
    )
    try:
        yield db, actor
    finally:
        db.dispose()


def rename(db: Database, actor: Actor, name: str) -> None:
    profile = organisation.get_profile(db)
    assert profile is not None
    organisation.update_profile(db, actor, profile.version, name=name)


def fingerprint(folder: DataFolder) -> tuple[str, list[str]]:
    return org_name(folder.database), sorted(p.name for p in folder.backups.iterdir())


# -- opening -------------------------------------------------------------------------------------------
def test_open_database_creates_the_folder_and_the_file(tmp_path: Path) -> None:
    folder = DataFolder(tmp_path / "not" / "there" / "yet")
    db, found = maintenance.open_database(folder)
    try:
        assert found.state is migrate.SchemaState.EMPTY
        assert folder.root.is_dir() and folder.backups.is_dir() and folder.database.is_file()
        assert migrate.status(db).state is migrate.SchemaState.CURRENT
    finally:
        db.dispose()
    db, found = maintenance.open_database(folder)
    db.dispose()
    assert found.state is migrate.SchemaState.CURRENT


def test_open_database_refuses_someone_elses_file(folder: DataFolder) -> None:
    conn = sqlite3.connect(folder.database)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.close()
    with pytest.raises(NotAVcsedeskDatabase):
        maintenance.open_database(folder)


def test_open_database_uses_a_given_url(db_url: str, folder: DataFolder) -> None:
    db, found = maintenance.open_database(folder, db_url)
    try:
        assert found.state is migrate.SchemaState.EMPTY
        assert migrate.status(db).state is migrate.SchemaState.CURRENT
    finally:
        db.dispose()


# -- backups -------------------------------------------------------------------------------------------
def test_backup_now_and_last_backup(live: tuple[Database, Actor], folder: DataFolder) -> None:
    db, _ = live
    assert maintenance.last_backup(folder) is None
    taken = maintenance.backup_now(db, folder)
    assert taken.path.parent == folder.backups
    assert org_name(taken.path) == "Riverside Community Voices"
    latest = maintenance.last_backup(folder)
    assert latest is not None and latest.path == taken.path
    newer = maintenance.backup_now(db, folder, "before import")
    latest = maintenance.last_backup(folder)
    assert latest is not None and latest.path == newer.path and latest.reason == "before-import"


def test_backup_if_changed_waits_for_changes_and_for_time(
    live: tuple[Database, Actor], folder: DataFolder
) -> None:
    db, actor = live
    every = maintenance.BACKUP_AFTER_CHANGES_EVERY
    start = datetime.now(UTC)

    first = maintenance.backup_if_changed(db, folder, now=start)
    assert first is not None and first.reason == "after-changes"  # set-up was a change

    assert maintenance.backup_if_changed(db, folder, now=start + every * 2) is None  # no change since
    rename(db, actor, "Riverside Voices")
    assert maintenance.backup_if_changed(db, folder, now=start + every / 3) is None  # too soon
    second = maintenance.backup_if_changed(db, folder, now=start + every)
    assert second is not None
    assert org_name(second.path) == "Riverside Voices"
    assert [b.path for b in backup.list_backups(folder.backups)] == [second.path, first.path]


def test_backup_if_changed_does_nothing_without_any_change(folder: DataFolder) -> None:
    db, _ = maintenance.open_database(folder)
    try:
        assert maintenance.backup_if_changed(db, folder) is None
        assert maintenance.last_backup(folder) is None
    finally:
        db.dispose()


def test_backups_of_postgres_are_refused_with_the_reason(
    db: Database, backend: str, folder: DataFolder
) -> None:
    if backend != "postgres":
        assert maintenance.backup_now(db, folder).path.exists()
        return
    with pytest.raises(UserError) as caught:
        maintenance.backup_now(db, folder)
    assert "pg_dump" in str(caught.value) and "server" in str(caught.value)
    assert maintenance.backup_if_changed(db, folder) is None
    assert list(folder.backups.iterdir()) == []


# -- restore ----------------------------------------------------------------------------------------------
@pytest.fixture
def good_backup(live: tuple[Database, Actor], folder: DataFolder, tmp_path: Path) -> Path:
    db, actor = live
    people.add_user(db, actor, name="Alex Jones", role="coordinator")
    path = tmp_path / "good.vcsedesk"
    backup.copy_database(folder.database, path)
    return path


def damaged_copy(good: Path, tmp_path: Path) -> Path:
    bad = tmp_path / "damaged.vcsedesk"
    data = bytearray(good.read_bytes())
    page = 4096
    assert len(data) >= 4 * page
    middle = (len(data) // page // 2) * page
    data[middle : middle + page] = b"\xa5\x5a" * (page // 2)  # one whole page of noise
    bad.write_bytes(bytes(data))
    return bad


def newer_copy(good: Path, tmp_path: Path) -> Path:
    newer = tmp_path / "newer.vcsedesk"
    shutil.copyfile(good, newer)
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    return newer


def foreign_file(tmp_path: Path) -> Path:
    path = tmp_path / "accounts.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, pence INTEGER)")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize(
    ("make", "refusal", "words"),
    [
        (damaged_copy, DamagedDatabase, "cannot be restored"),
        (lambda good, tmp: newer_copy(good, tmp), NewerDatabase, "newer version"),
        (lambda good, tmp: foreign_file(tmp), NotAVcsedeskDatabase, "not a vcsedesk backup"),
        (lambda good, tmp: tmp / "missing.vcsedesk", UserError, "does not exist"),
        (
            lambda good, tmp: (tmp / "notes.txt", (tmp / "notes.txt").write_text("hello"))[0],
            NotAVcsedeskDatabase,
            "not a database at all",
        ),
        (
            lambda good, tmp: (tmp / "empty.vcsedesk", (tmp / "empty.vcsedesk").write_bytes(b""))[0],
            NotAVcsedeskDatabase,
            "not a database at all",
        ),
    ],
    ids=["damaged", "newer", "foreign", "missing", "text", "empty"],
)
def test_restore_refuses_an_unsound_file_and_changes_nothing(
    live: tuple[Database, Actor],
    folder: DataFolder,
    good_backup: Path,
    tmp_path: Path,
    make: object,
    refusal: type[Exception],
    words: str,
) -> None:
    db, actor = live
    rename(db, actor, "Current Name")
    db.dispose()
    candidate = make(good_backup, tmp_path)  # type: ignore[operator]
    before = fingerprint(folder)

    with pytest.raises(refusal) as caught:
        maintenance.restore(folder, candidate)

    assert str(candidate) in str(caught.value)
    assert words in str(caught.value)
    assert fingerprint(folder) == before
    assert not list(folder.root.glob("*.restoring"))


def test_the_damaged_copy_really_is_damaged(good_backup: Path, tmp_path: Path) -> None:
    report = maintenance.FileReport("x")
    maintenance._sqlite_checks(damaged_copy(good_backup, tmp_path), report)
    assert not report.ok


def test_restore_replaces_the_data_and_keeps_the_replaced_copy(
    live: tuple[Database, Actor], folder: DataFolder, good_backup: Path
) -> None:
    db, actor = live
    rename(db, actor, "Renamed After The Backup")
    db.dispose()

    result = maintenance.restore(folder, good_backup)

    assert result.restored_from == good_backup
    assert org_name(folder.database) == "Riverside Community Voices"
    assert result.kept_copy is not None and result.kept_copy.exists()
    assert result.kept_copy.parent == folder.backups
    assert org_name(result.kept_copy) == "Renamed After The Backup"
    assert not list(folder.root.glob("*.restoring"))
    with Database(sqlite_url(folder.database)) as reopened:
        assert migrate.status(reopened).state is migrate.SchemaState.CURRENT
        names = {u.name for u in people.list_users(reopened)}
        assert names == {"Sam Patel", "Alex Jones"}
        assert maintenance.check(reopened).ok


def test_restore_into_an_empty_folder_keeps_nothing(good_backup: Path, tmp_path: Path) -> None:
    fresh = DataFolder(tmp_path / "fresh")
    fresh.create()
    result = maintenance.restore(fresh, good_backup)
    assert result.kept_copy is None
    assert org_name(fresh.database) == "Riverside Community Voices"


def test_restore_of_an_old_backup_that_rotation_discards(
    live: tuple[Database, Actor], folder: DataFolder, good_backup: Path
) -> None:
    db, actor = live
    rename(db, actor, "Now")
    db.dispose()
    old = datetime.now(UTC) - timedelta(days=20)
    source = folder.backups / backup.backup_name(old, "manual")
    shutil.copyfile(good_backup, source)
    # a later backup the same day makes the source one that rotation deletes
    shutil.copyfile(good_backup, folder.backups / backup.backup_name(old + timedelta(minutes=5), "manual"))

    result = maintenance.restore(folder, source)

    assert org_name(folder.database) == "Riverside Community Voices"
    assert result.kept_copy is not None and org_name(result.kept_copy) == "Now"


# -- check ------------------------------------------------------------------------------------------------
def test_check_reports_a_sound_file(live: tuple[Database, Actor]) -> None:
    db, _ = live
    report = maintenance.check(db)
    assert report.ok
    text_out = "\n".join(report.lines())
    assert "No problems found." in text_out
    assert "integrity check passed" in text_out
    assert "Every link between records points at a record that exists." in text_out
    assert "The database is up to date." in text_out


def test_check_finds_a_broken_link(live: tuple[Database, Actor], folder: DataFolder) -> None:
    db, _ = live
    conn = sqlite3.connect(folder.database)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(
        "INSERT INTO journal (id, change_set, at, actor_id, table_name, record_id, operation, changes,"
        " summary, undoable) VALUES ('0123456789abcdef0123456789abcdef', '0123456789abcdef0123456789abcde0',"
        " '2026-01-01 00:00:00', 'ffffffffffffffffffffffffffffffff', 'users',"
        " '0123456789abcdef0123456789abcde1', 'insert', '{}', '', 1)"
    )
    conn.commit()
    conn.close()

    report = maintenance.check(db)

    assert not report.ok
    assert report.problems == ["1 record(s) point at records that do not exist (in journal)."]
    assert report.lines()[0].endswith("1 problem(s) found.")


def test_check_finds_damage(good_backup: Path, tmp_path: Path) -> None:
    with Database(sqlite_url(damaged_copy(good_backup, tmp_path))) as db:
        report = maintenance.check(db)
    assert not report.ok
    assert report.problems[0].startswith(("The file is damaged", "The file could not be read"))


def test_check_reports_a_newer_schema(good_backup: Path, tmp_path: Path) -> None:
    with Database(sqlite_url(newer_copy(good_backup, tmp_path))) as db:
        report = maintenance.check(db)
    assert report.problems == ["The database was written by a newer vcsedesk (schema 9999)."]


def test_check_on_either_backend(db: Database, admin: Actor, backend: str) -> None:
    report = maintenance.check(db)
    assert report.ok, report.lines()
    assert "The database is up to date." in report.notes
    if backend == "postgres":
        assert report.path.startswith("postgresql")
        with db.writer.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        assert not maintenance.check(db).ok
