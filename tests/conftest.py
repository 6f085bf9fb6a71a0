"""Shared fixtures: a fresh database per test, on SQLite and on a real PostgreSQL server.

* ``folder`` — an empty data folder in the test's tmp_path (every test gets one: autouse
  sets VCSEDESK_DATA_DIR and VCSEDESK_LOG_DIR so nothing touches the real user folders).
* ``db`` — a migrated, empty :class:`Database`; parametrised over ``sqlite`` and
  ``postgres`` for tests under tests/store and tests/services, SQLite elsewhere.  The
  migrations run once per session into a template (a SQLite file, a PostgreSQL template
  database) that ``db_url`` copies for a test that uses ``db``; ``db_url`` on its own is
  empty, for the tests of migrating.
* ``admin`` — the first user of an organisation set up in ``db`` (an Actor).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url

from tests import pg_server
from vcsedesk.logs import ENV_LOG_DIR
from vcsedesk.services import setup
from vcsedesk.services.base import Actor
from vcsedesk.store import migrate
from vcsedesk.store.database import Database, sqlite_url
from vcsedesk.store.location import ENV_DATA_DIR, DataFolder

BOTH_BACKENDS = ("tests/store", "tests/services", "tests/domain")


@pytest.fixture(autouse=True)
def _isolated_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path / "data"))
    monkeypatch.setenv(ENV_LOG_DIR, str(tmp_path / "logs"))
    monkeypatch.delenv("VCSEDESK_DB_URL", raising=False)


@pytest.fixture
def folder(tmp_path: Path) -> DataFolder:
    data = DataFolder(tmp_path / "data")
    data.create()
    return data


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        rel = (
            Path(str(metafunc.definition.fspath))
            .resolve()
            .relative_to(Path(__file__).resolve().parent.parent)
        )
        both = any(str(rel).startswith(prefix) for prefix in BOTH_BACKENDS)
        metafunc.parametrize("backend", ["sqlite", "postgres"] if both else ["sqlite"])


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """Admin URL of the session's PostgreSQL server (started here unless one is given)."""
    given = os.environ.get(pg_server.ENV_URL)
    if given:
        yield given
        return
    try:
        with pg_server.running_server() as url:
            yield url
    except FileNotFoundError as exc:
        if os.environ.get(pg_server.ENV_REQUIRE):
            pytest.fail(f"PostgreSQL is required here ({pg_server.ENV_REQUIRE} is set): {exc}")
        pytest.skip(f"no PostgreSQL server available: {exc}")


@pytest.fixture
def db_url(backend: str, folder: DataFolder, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a new database on the chosen backend: empty, or, for a test that uses ``db``,
    a copy of the session's migrated template."""
    migrated = "db" in request.fixturenames
    if backend == "sqlite":
        if migrated:
            shutil.copyfile(request.getfixturevalue("sqlite_template"), folder.database)
        yield sqlite_url(folder.database)
        return
    admin_url = request.getfixturevalue("pg_admin_url")
    name = f"t_{uuid.uuid4().hex[:16]}"
    template = f' TEMPLATE "{request.getfixturevalue("pg_template")}"' if migrated else ""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"{template}')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the current schema, closed (no WAL beside it), to copy."""
    path = tmp_path_factory.mktemp("template") / "vcsedesk.db"
    database = Database(sqlite_url(path))
    try:
        migrate.prepare(database, backup_folder=None)
    finally:
        database.dispose()
    assert not path.with_name(path.name + "-wal").exists(), "the template must be checkpointed"
    return path


@pytest.fixture(scope="session")
def pg_template(pg_admin_url: str) -> str:
    """The name of a PostgreSQL database migrated to the current schema, to copy."""
    name = f"template_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        database = Database(make_url(pg_admin_url).set(database=name))
        try:
            migrate.prepare(database, backup_folder=None)
        finally:
            database.dispose()
    finally:
        admin.dispose()
    return name


@pytest.fixture
def db(db_url: str, folder: DataFolder) -> Iterator[Database]:
    """The database at ``db_url`` (copied from the session's migrated template: see ``db_url``)."""
    database = Database(db_url)
    status = migrate.prepare(database, backup_folder=folder.backups)
    assert status.state is migrate.SchemaState.CURRENT, status
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def admin(db: Database, folder: DataFolder) -> Actor:
    return setup.first_run(
        db,
        organisation_name="Riverside Community Voices",
        user_name="Sam Patel",
        device_id=folder.device_id(),
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--benchmarks",
        action="store_true",
        help="run the benchmarks in tests/benchmarks (they are skipped in the normal run)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--benchmarks"):
        for item in items:
            if "benchmark" in item.keywords:
                item.add_marker(pytest.mark.timeout(0))  # building 500,000 rows takes a while
        return
    skip = pytest.mark.skip(reason="benchmark: run with `pytest tests/benchmarks --benchmarks -s`")
    for item in items:
        if "benchmark" in item.keywords:
            item.add_marker(skip)
