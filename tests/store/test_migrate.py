"""Migrations at start-up: create, upgrade after a backup, refuse what is newer or not ours."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest
from alembic import command
from sqlalchemy import Column, Integer, MetaData, inspect, text

from vcsedesk.domain.errors import NewerDatabase, NotAVcsedeskDatabase
from vcsedesk.store import backup, migrate
from vcsedesk.store.database import Database, sqlite_url
from vcsedesk.store.fileformat import APPLICATION_ID
from vcsedesk.store.location import DataFolder
from vcsedesk.store.models import Base

#: The newest real revision; tests add a throwaway "9999" after it to make a schema "behind".
HEAD = migrate.head_revision()
LATER = "9999"

LATER_REVISION = f'''"""A throwaway later revision for tests

Revision ID: {LATER}
Revises: {HEAD}
"""
import sqlalchemy as sa
from alembic import op

revision = "{LATER}"
down_revision = "{HEAD}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("later_things", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("later_things")
'''


def fingerprint(path: Path) -> dict[str, str]:
    """Hashes of a SQLite file and any -wal/-shm beside it."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.parent.glob(path.name + "*"))
    }


def revision_of(path: Path) -> str | None:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        conn.close()
    return row[0] if row else None


def make_foreign_sqlite(path: Path, application_id: int = 0) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO people (name) VALUES ('Not ours')")
    if application_id:
        conn.execute(f"PRAGMA application_id = {application_id}")
    conn.commit()
    conn.close()


@pytest.fixture
def later_migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the migrations folder with an extra revision after the real head, in use."""
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "versions" / f"{LATER}_later.py").write_text(LATER_REVISION, encoding="utf-8")
    monkeypatch.setattr(migrate, "MIGRATIONS", copy)
    return copy


# -- a new database ----------------------------------------------------------------------------
def test_empty_sqlite_file_is_created_at_head_and_marked_as_ours(folder: DataFolder) -> None:
    with Database(sqlite_url(folder.database)) as db:
        assert migrate.status(db).state is migrate.SchemaState.EMPTY
        found = migrate.prepare(db, backup_folder=folder.backups)
        assert found.state is migrate.SchemaState.EMPTY
        after = migrate.status(db)
        assert after.state is migrate.SchemaState.CURRENT
        assert after.revision == migrate.head_revision() == HEAD
        assert db.application_id() == APPLICATION_ID
    conn = sqlite3.connect(folder.database)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert backup.list_backups(folder.backups) == []  # nothing to back up when new


def test_fresh_database_has_every_model_table(db: Database) -> None:
    with db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert migrate.status(db).state is migrate.SchemaState.CURRENT


# -- models and migrations agree (the CI gate) ---------------------------------------------------
def test_models_and_migrations_agree(db: Database) -> None:
    assert migrate.model_differences(db) == []


def test_model_differences_detects_a_column_missing_from_the_migrations(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["users"].append_column(Column("shoe_size", Integer, nullable=True))
    monkeypatch.setattr(migrate, "Base", SimpleNamespace(metadata=changed))

    diffs = migrate.model_differences(db)

    assert [d[0] for d in diffs] == ["add_column"]
    assert diffs[0][2] == "users" and diffs[0][3].name == "shoe_size"


def test_model_differences_detects_a_table_missing_from_the_migrations(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["users"].to_metadata(changed, name="users_again")
    monkeypatch.setattr(migrate, "Base", SimpleNamespace(metadata=changed))

    diffs = migrate.model_differences(db)

    assert ("add_table", "users_again") in [(d[0], d[1].name) for d in diffs]


# -- downgrade -------------------------------------------------------------------------------------
def test_initial_revision_downgrades_and_upgrades_again(db: Database) -> None:
    with db.writer.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "base")
    with db.engine.connect() as conn:
        left = set(inspect(conn).get_table_names()) - {"alembic_version"}
    assert left == set()
    assert migrate.status(db).state is migrate.SchemaState.EMPTY

    migrate.upgrade(db)

    assert migrate.status(db).state is migrate.SchemaState.CURRENT
    assert migrate.model_differences(db) == []
    # the journal's append-only trigger came back with it
    with db.writer.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO journal (id, change_set, at, table_name, record_id, operation, changes,"
                " summary, undoable) VALUES (:id, :cs, :at, 't', :rid, 'insert', '{}', '', :u)"
            ),
            {
                "id": "00000000000000000000000000000001",
                "cs": "00000000000000000000000000000002",
                "at": "2026-01-01 00:00:00+00:00",
                "rid": "00000000000000000000000000000003",
                "u": True,
            },
        )
    with pytest.raises(Exception, match="append-only"), db.writer.begin() as conn:
        conn.execute(text("DELETE FROM journal"))


# -- a schema that is behind -----------------------------------------------------------------------
def test_behind_schema_is_backed_up_before_it_is_upgraded(folder: DataFolder, later_migrations: Path) -> None:
    with Database(sqlite_url(folder.database)) as db:
        migrate.upgrade(db, HEAD)
        with db.writer.begin() as conn:
            conn.execute(text("CREATE TABLE marker (v TEXT)"))
            conn.execute(text("INSERT INTO marker VALUES ('before the upgrade')"))
        status = migrate.status(db)
        assert (status.state, status.revision, status.head) == (migrate.SchemaState.BEHIND, HEAD, LATER)
        assert HEAD in status.describe() and LATER in status.describe()

        found = migrate.prepare(db, backup_folder=folder.backups)

        assert found.state is migrate.SchemaState.BEHIND
        assert migrate.status(db).state is migrate.SchemaState.CURRENT
    assert revision_of(folder.database) == LATER
    backups = backup.list_backups(folder.backups)
    assert [b.reason for b in backups] == [f"before-migration-{HEAD}"]
    copy = backups[0].path
    raw = sqlite3.connect(copy)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD
        assert raw.execute("SELECT v FROM marker").fetchone()[0] == "before the upgrade"
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "later_things" not in tables
    finally:
        raw.close()


def test_backup_is_taken_before_the_upgrade_runs(
    folder: DataFolder, later_migrations: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Database(sqlite_url(folder.database)) as db:
        migrate.upgrade(db, HEAD)
        seen: list[str | None] = []

        def upgrade_spy(database: Database, target: str = "head") -> None:
            copies = backup.list_backups(folder.backups)
            seen.extend(revision_of(b.path) for b in copies)
            migrate_upgrade(database, target)

        migrate_upgrade = migrate.upgrade
        monkeypatch.setattr(migrate, "upgrade", upgrade_spy)
        migrate.prepare(db, backup_folder=folder.backups)
    assert seen == [HEAD]


def test_behind_postgres_schema_upgrades_without_a_file_backup(
    db_url: str, backend: str, folder: DataFolder, later_migrations: Path
) -> None:
    with Database(db_url) as db:
        migrate.upgrade(db, HEAD)
        assert migrate.status(db).state is migrate.SchemaState.BEHIND
        migrate.prepare(db, backup_folder=folder.backups if backend == "postgres" else None)
        assert migrate.status(db).revision == LATER
        with db.engine.connect() as conn:
            assert "later_things" in inspect(conn).get_table_names()


# -- refusals --------------------------------------------------------------------------------------
def test_newer_schema_is_refused_and_left_untouched(folder: DataFolder) -> None:
    with Database(sqlite_url(folder.database)) as db:
        migrate.prepare(db, backup_folder=folder.backups)
        with db.writer.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    before = fingerprint(folder.database)

    with Database(sqlite_url(folder.database)) as db:
        assert migrate.status(db).state is migrate.SchemaState.NEWER
        with pytest.raises(NewerDatabase) as caught:
            migrate.prepare(db, backup_folder=folder.backups)

    assert "newer version of vcsedesk" in str(caught.value)
    assert "9999_from_the_future" in str(caught.value)
    assert str(folder.database) in str(caught.value)
    assert fingerprint(folder.database) == before
    assert backup.list_backups(folder.backups) == []


def test_newer_schema_is_refused_on_postgres_too(db: Database, backend: str) -> None:
    with db.writer.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(NewerDatabase):
        migrate.prepare(db, backup_folder=None)
    assert migrate.status(db).revision == "9999"


def test_someone_elses_tables_are_refused_and_left_untouched(folder: DataFolder) -> None:
    make_foreign_sqlite(folder.database)
    before = fingerprint(folder.database)

    with Database(sqlite_url(folder.database)) as db:
        assert migrate.status(db).state is migrate.SchemaState.FOREIGN
        with pytest.raises(NotAVcsedeskDatabase) as caught:
            migrate.prepare(db, backup_folder=folder.backups)

    assert "not a vcsedesk data file" in str(caught.value)
    assert str(folder.database) in str(caught.value)
    assert fingerprint(folder.database) == before
    conn = sqlite3.connect(folder.database)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


def test_foreign_application_id_is_refused_even_without_tables(folder: DataFolder) -> None:
    conn = sqlite3.connect(folder.database)
    conn.execute("PRAGMA application_id = 1234")
    conn.commit()
    conn.close()
    before = fingerprint(folder.database)

    with Database(sqlite_url(folder.database)) as db, pytest.raises(NotAVcsedeskDatabase):
        migrate.prepare(db, backup_folder=folder.backups)

    assert fingerprint(folder.database) == before


def test_foreign_application_id_is_refused_even_with_our_tables(folder: DataFolder) -> None:
    with Database(sqlite_url(folder.database)) as db:
        migrate.prepare(db, backup_folder=folder.backups)
        with db.writer.begin() as conn:
            conn.exec_driver_sql("PRAGMA application_id = 1234")
    with Database(sqlite_url(folder.database)) as db:
        assert migrate.status(db).state is migrate.SchemaState.FOREIGN
        with pytest.raises(NotAVcsedeskDatabase):
            migrate.prepare(db, backup_folder=folder.backups)


def test_someone_elses_postgres_tables_are_refused(db_url: str) -> None:
    with Database(db_url) as db:
        with db.writer.begin() as conn:
            conn.execute(text("CREATE TABLE people (id INTEGER PRIMARY KEY)"))
        with pytest.raises(NotAVcsedeskDatabase):
            migrate.prepare(db, backup_folder=None)
        with db.engine.connect() as conn:
            assert inspect(conn).get_table_names() == ["people"]


@pytest.mark.parametrize(
    "content",
    [
        b"Name,Email\nSam,sam@example.org\n",
        bytes(range(256)) * 8,
        b"SQLite",
        b"\x00",
    ],
    ids=["csv-text", "random-bytes", "short-text", "one-byte"],
)
def test_a_file_that_is_not_a_database_is_named_as_such(folder: DataFolder, content: bytes) -> None:
    folder.database.write_bytes(content)

    with pytest.raises(NotAVcsedeskDatabase) as caught:
        Database(sqlite_url(folder.database))

    assert str(folder.database) in str(caught.value)
    assert "not a vcsedesk data file" in str(caught.value)
    assert folder.database.read_bytes() == content


def test_a_file_with_a_database_header_but_garbage_after_is_not_opened(folder: DataFolder) -> None:
    content = b"SQLite format 3\x00" + b"\xff" * 4080
    folder.database.write_bytes(content)

    with pytest.raises(NotAVcsedeskDatabase), Database(sqlite_url(folder.database)) as db:
        migrate.prepare(db, backup_folder=folder.backups)

    assert folder.database.read_bytes() == content


# -- the real upgrade path -------------------------------------------------------------------------
def test_a_database_from_the_first_release_upgrades_with_its_data(db_url: str, folder: DataFolder) -> None:
    """0001 (organisation, users, journal) -> head keeps what was there and seeds the new lists."""
    from vcsedesk.domain.equality import DEFAULT_SELDOM_HEARD
    from vcsedesk.services import organisation, setup

    with Database(db_url) as db:
        migrate.upgrade(db, "0001")
        with db.writer.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, name, role, created_at, updated_at, version) "
                    "VALUES (:id, 'Sam Patel', 'administrator', :t, :t, 1)"
                ),
                {"id": "0" * 31 + "1", "t": "2025-01-01 00:00:00"},
            )
            conn.execute(
                text(
                    "INSERT INTO organisation (id, name, retention_years, created_at, updated_at, version) "
                    "VALUES (:id, 'Riverside Voices', 6, :t, :t, 1)"
                ),
                {"id": "0" * 31 + "2", "t": "2025-01-01 00:00:00"},
            )
        migrate.prepare(db, backup_folder=folder.backups)
        assert migrate.status(db).state is migrate.SchemaState.CURRENT
        assert migrate.model_differences(db) == []
        assert setup.is_set_up(db)
        profile = organisation.get_profile(db)
        assert profile is not None and profile.name == "Riverside Voices"
        with db.read() as session:
            names = set(session.scalars(text("SELECT name FROM seldom_heard_groups")))
        assert names == set(DEFAULT_SELDOM_HEARD)


def test_the_schema_head_constant_matches_the_migrations_folder() -> None:
    """Start-up trusts SCHEMA_HEAD to tell "up to date" without loading Alembic."""
    from vcsedesk.store.fileformat import SCHEMA_HEAD

    assert migrate.scripted_head() == SCHEMA_HEAD == migrate.head_revision()


def test_opening_an_up_to_date_database_does_not_load_alembic(tmp_path: Path) -> None:
    import subprocess
    import sys

    probe = (
        "import sys; from pathlib import Path\n"
        "from vcsedesk.store.location import DataFolder\n"
        "from vcsedesk.services.maintenance import open_database\n"
        "folder = DataFolder(Path(sys.argv[1]))\n"
        "open_database(folder)[0].dispose()\n"  # creates it (Alembic needed)
        "for name in [m for m in sys.modules if m == 'alembic' or m.startswith(('alembic.', 'mako'))]:\n"
        "    del sys.modules[name]\n"
        "db, found = open_database(folder)\n"
        "print(found.state.value, any(m == 'alembic' or m.startswith('alembic.') for m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "d")], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["current", "False"]
