"""The headless ``vcsedesk`` command: help, demo, check, backup, restore, migrate, refusals."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url

from vcsedesk.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_REFUSED, EXIT_USAGE, build_parser, main
from vcsedesk.store import backup
from vcsedesk.store.fileformat import SCHEMA_HEAD

SUBCOMMANDS = (
    "demo",
    "backup",
    "restore",
    "check",
    "migrate",
    "contacts",
    "engagements",
    "claims",
    "returns",
)


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """main() configures logging on the root logger; put it back as it was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "charity data"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def vcsedesk_command() -> list[str]:
    script = Path(sys.executable).with_name("vcsedesk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "vcsedesk"]


# -- help ----------------------------------------------------------------------------------------------
def test_help_explains_the_program_and_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: vcsedesk")
    assert "community organisation" in out
    assert "--data-dir" in out and "--db" in out and "VCSEDESK_DATA_DIR" in out
    for command in SUBCOMMANDS:
        assert re.search(rf"^\s+{command}\s+\w", out, re.MULTILINE), command


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("demo", ["realistic fake data", "--size", "--seed"]),
        ("backup", ["even while the app is open", "--to"]),
        ("restore", ["keep a copy", "FILE"]),
        ("check", ["integrity", "Exits 1"]),
        ("migrate", ["backup is taken first", "--status"]),
    ],
)
def test_each_command_explains_itself(
    capsys: pytest.CaptureFixture[str], command: str, words: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: vcsedesk {command}")
    for word in words:
        assert word in out


def test_every_subcommand_is_covered_by_these_tests() -> None:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    assert set(sub.choices) == set(SUBCOMMANDS)  # type: ignore[arg-type]


def test_wrong_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == EXIT_USAGE
    assert "invalid choice" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("vcsedesk ")


# -- the everyday round trip ---------------------------------------------------------------------------
def test_demo_check_backup_restore(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    d = ["--data-dir", str(data_dir)]

    code, out, err = run(capsys, *d, "demo", "--size", "small")
    assert code == EXIT_OK, err
    assert out.startswith("Demo data (small) loaded for ")
    assert "8 users on 3 devices" in out and "an administrator" in out

    code, out, err = run(capsys, *d, "check")
    assert code == EXIT_OK, out + err
    assert "No problems found." in out and "integrity check passed" in out

    code, out, err = run(capsys, *d, "backup")
    assert code == EXIT_OK, err
    match = re.fullmatch(r"Backup written to (.+)\n", out)
    assert match
    taken = Path(match.group(1))
    assert taken.parent == data_dir / "backups" and taken.exists()

    code, out, err = run(capsys, *d, "restore", str(taken))
    assert code == EXIT_OK, err
    assert f"Restored the data from {taken}." in out
    kept = re.search(r"The data it replaced was kept at (.+)\.\n", out)
    assert kept and Path(kept.group(1)).exists()
    assert Path(kept.group(1)) != taken

    code, out, _ = run(capsys, *d, "check")
    assert code == EXIT_OK and "No problems found." in out


def test_backup_to_a_chosen_file(capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path) -> None:
    d = ["--data-dir", str(data_dir)]
    assert run(capsys, *d, "demo")[0] == EXIT_OK
    target = tmp_path / "usb stick" / "copy.vcsedesk"
    code, out, _ = run(capsys, *d, "backup", "--to", str(target))
    assert code == EXIT_OK
    assert out == f"Backup written to {target}\n"
    assert target.read_bytes().startswith(b"SQLite format 3\x00")


def test_data_dir_from_the_environment(
    capsys: pytest.CaptureFixture[str], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VCSEDESK_DATA_DIR", str(data_dir))
    assert run(capsys, "demo")[0] == EXIT_OK
    assert (data_dir / "vcsedesk.vcsedesk").exists()


# -- refusals ------------------------------------------------------------------------------------------
def test_restore_of_a_non_database_file_is_refused_naming_it(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    d = ["--data-dir", str(data_dir)]
    assert run(capsys, *d, "demo")[0] == EXIT_OK
    before = (data_dir / "vcsedesk.vcsedesk").stat().st_mtime_ns
    notes = tmp_path / "minutes.docx"
    notes.write_bytes(b"PK\x03\x04 not a database")

    code, out, err = run(capsys, *d, "restore", str(notes))

    assert code == EXIT_REFUSED
    assert out == ""
    first, *rest = err.splitlines()
    assert first == f"vcsedesk: {notes} is not a vcsedesk backup (it is not a database at all)."
    assert rest and "right file" in rest[0]  # the way forward
    assert "Traceback" not in err
    assert (data_dir / "vcsedesk.vcsedesk").stat().st_mtime_ns == before


def test_restore_of_a_missing_file_is_refused(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    code, _, err = run(capsys, "--data-dir", str(data_dir), "restore", str(tmp_path / "nope.vcsedesk"))
    assert code == EXIT_REFUSED
    assert "nope.vcsedesk does not exist" in err


def test_demo_twice_is_refused(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    d = ["--data-dir", str(data_dir)]
    assert run(capsys, *d, "demo")[0] == EXIT_OK
    code, out, err = run(capsys, *d, "demo")
    assert code == EXIT_REFUSED
    assert out == ""
    assert "already has an organisation" in err and "--data-dir" in err


def test_check_on_a_damaged_file_exits_1(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    d = ["--data-dir", str(data_dir)]
    assert run(capsys, *d, "demo")[0] == EXIT_OK
    live = data_dir / "vcsedesk.vcsedesk"
    data = bytearray(live.read_bytes())
    middle = (len(data) // 4096 // 2) * 4096
    data[middle : middle + 4096] = b"\xa5\x5a" * 2048
    live.write_bytes(bytes(data))

    code, out, err = run(capsys, *d, "check")

    assert code == EXIT_PROBLEMS, err
    assert "problem(s) found" in out
    assert re.search(r"✗ The file (is damaged|could not be read)", out)


def test_check_of_a_non_database_file_is_refused(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    data_dir.mkdir()
    (data_dir / "vcsedesk.vcsedesk").write_text("not a database", encoding="utf-8")
    code, _, err = run(capsys, "--data-dir", str(data_dir), "check")
    assert code == EXIT_REFUSED
    assert "not a vcsedesk data file" in err


def test_check_with_no_data_yet(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "check")
    assert code == EXIT_OK
    assert out == f"There is no data at {data_dir / 'vcsedesk.vcsedesk'} yet.\n"


def test_migrate_and_its_status(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    d = ["--data-dir", str(data_dir)]
    code, out, err = run(capsys, *d, "migrate", "--status")
    assert (code, err) == (EXIT_OK, "")
    assert out.startswith("There is no data at ") and "yet" in out
    assert not (data_dir / "vcsedesk.vcsedesk").exists(), "asking for the status must not create the data"
    assert run(capsys, *d, "migrate") == (
        EXIT_OK,
        f"Upgraded the data from schema (new) to {SCHEMA_HEAD}.\n",
        "",
    )
    assert run(capsys, *d, "migrate", "--status") == (EXIT_OK, "The database is up to date.\n", "")
    assert run(capsys, *d, "migrate") == (EXIT_OK, "The database is up to date.\n", "")


HOLD = """
import pathlib, sys, time
from vcsedesk.store.lock import DataFolderLock
lock = DataFolderLock(pathlib.Path(sys.argv[1]), program="vcsedesk (the app)").acquire()
print("holding", flush=True)
time.sleep(60)
"""


def test_a_command_while_another_process_holds_the_folder_is_refused(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    data_dir.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(data_dir / "vcsedesk.lock")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        for argv in (["demo"], ["restore", str(data_dir / "x.vcsedesk")], ["migrate"]):
            code, _out, err = run(capsys, "--data-dir", str(data_dir), *argv)
            assert code == EXIT_REFUSED, argv
            assert f"process {holder.pid}" in err and "vcsedesk (the app)" in err
            assert "already open" in err  # the way forward
        assert not (data_dir / "vcsedesk.vcsedesk").exists()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()


# -- a real process ------------------------------------------------------------------------------------
def test_the_installed_command_runs(data_dir: Path) -> None:
    env = {**os.environ, "VCSEDESK_DATA_DIR": str(data_dir)}

    def vcsedesk(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*vcsedesk_command(), *argv], capture_output=True, text=True, timeout=120, env=env
        )

    helped = vcsedesk("--help")
    assert helped.returncode == 0, helped.stderr
    assert "usage: vcsedesk" in helped.stdout
    for command in SUBCOMMANDS:
        assert command in helped.stdout

    made = vcsedesk("demo", "--seed", "3")
    assert made.returncode == 0, made.stderr
    checked = vcsedesk("check")
    assert checked.returncode == 0 and "No problems found." in checked.stdout
    again = vcsedesk("demo")
    assert again.returncode == EXIT_REFUSED
    assert again.stderr.startswith("vcsedesk: This database already has an organisation")
    assert "Traceback" not in again.stderr


# -- a shared PostgreSQL database --------------------------------------------------------------------------
@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    name = f"cli_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_postgres_database_with_db(capsys: pytest.CaptureFixture[str], data_dir: Path, pg_url: str) -> None:
    d = ["--data-dir", str(data_dir), "--db", pg_url]

    code, out, err = run(capsys, *d, "demo")
    assert code == EXIT_OK, err
    assert "Demo data (small) loaded" in out

    code, out, err = run(capsys, *d, "check")
    assert code == EXIT_OK, err
    assert "No problems found." in out and "The database is up to date." in out
    assert "postgresql" in out

    assert run(capsys, *d, "migrate", "--status")[1] == "The database is up to date.\n"

    code, _, err = run(capsys, *d, "demo")
    assert code == EXIT_REFUSED and "already has an organisation" in err

    code, _, err = run(capsys, *d, "backup")
    assert code == EXIT_REFUSED and "pg_dump" in err

    code, _, err = run(capsys, *d, "restore", str(data_dir / "x.vcsedesk"))
    assert code == EXIT_REFUSED and "shared --db database" in err

    assert not (data_dir / "vcsedesk.vcsedesk").exists()
    assert backup.list_backups(data_dir / "backups") == []


def test_db_url_from_the_environment(
    capsys: pytest.CaptureFixture[str], data_dir: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VCSEDESK_DB_URL", pg_url)
    assert run(capsys, "--data-dir", str(data_dir), "demo")[0] == EXIT_OK
    assert not (data_dir / "vcsedesk.vcsedesk").exists()


# -- contacts import ------------------------------------------------------------------------------------
IMPORT_CSV = (
    "First name,Last name,Email,Mob,Postcode\n"
    "Aisha,Rahman,aisha@example.org,07700 900123,e1 6an\n"
    "Ben,Okafor,ben@,07700 900124,\n"
    "Chloe,Nowak,chloe@example.org,,SW1A 1AA\n"
)


def _contact_count(data_dir: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(data_dir / "vcsedesk.vcsedesk")
    try:
        return int(conn.execute("SELECT count(*) FROM contacts").fetchone()[0])
    finally:
        conn.close()


def test_contacts_import_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["contacts", "import", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for word in (
        "--dry-run",
        "--duplicates",
        "--skip-invalid",
        "--map",
        "--as",
        "Google Contacts",
        "Exits 3",
    ):
        assert word in out


def test_contacts_import_refuses_rows_with_problems_then_imports_the_rest(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    d = ["--data-dir", str(data_dir)]
    assert run(capsys, *d, "demo")[0] == EXIT_OK
    before = _contact_count(data_dir)
    source = tmp_path / "friends.csv"
    source.write_text(IMPORT_CSV, encoding="utf-8")

    code, out, err = run(capsys, *d, "contacts", "import", str(source), "--map", "Mob=phone:mobile")
    assert code == EXIT_REFUSED
    assert "“Mob” → phone:mobile" in out and "“Email” → email" in out
    assert "Row 3, column “Email”: “ben@” is not an email address" in out
    assert "friends.csv was not imported: 1 row(s) have problems" in err
    assert _contact_count(data_dir) == before

    code, out, err = run(capsys, *d, "contacts", "import", str(source), "--skip-invalid", "--dry-run")
    assert code == EXIT_OK, err
    assert "Would import from friends.csv: 2 new contact(s)" in out and "Nothing was written" in out
    assert _contact_count(data_dir) == before

    code, out, err = run(capsys, *d, "contacts", "import", str(source), "--skip-invalid", "--as", "nobody")
    assert code == EXIT_REFUSED and "There is no active user “nobody”" in err

    code, out, err = run(capsys, *d, "contacts", "import", str(source), "--skip-invalid")
    assert code == EXIT_OK, err
    assert "Imported from friends.csv: 2 new contact(s)" in out and "before-import" in out
    assert _contact_count(data_dir) == before + 2

    code, out, err = run(capsys, *d, "contacts", "import", str(source), "--skip-invalid")
    assert code == EXIT_OK, err
    assert "2 likely duplicate(s) skipped" in out and "looks like Aisha Rahman" in out
    assert _contact_count(data_dir) == before + 2


def test_contacts_import_of_a_hostile_file_exits_3(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    d = ["--data-dir", str(data_dir)]
    assert run(capsys, *d, "demo")[0] == EXIT_OK
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 8)
    code, _out, err = run(capsys, *d, "contacts", "import", str(junk))
    assert code == EXIT_REFUSED
    assert "junk.csv contains binary data" in err and "Traceback" not in err
    code, _, err = run(capsys, *d, "contacts", "import", str(junk), "--map", "nonsense")
    assert code == EXIT_REFUSED and "--map needs COLUMN=FIELD" in err


def test_contacts_export_writes_the_filtered_list(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    from openpyxl import load_workbook
    from sqlalchemy import func, select

    from vcsedesk.store.database import Database, sqlite_url
    from vcsedesk.store.models import Contact

    d = ["--data-dir", str(data_dir)]
    assert run(capsys, *d, "demo", "--size", "small")[0] == EXIT_OK
    out = data_dir / "organisations.xlsx"
    code, text, err = run(capsys, *d, "contacts", "export", str(out), "--kind", "organisation")
    assert (code, err) == (EXIT_OK, "")
    with Database(sqlite_url(data_dir / "vcsedesk.vcsedesk")) as db, db.read() as s:
        expected = set(
            s.scalars(
                select(Contact.name).where(Contact.kind == "organisation", Contact.deleted_at.is_(None))
            )
        )
        assert s.scalar(select(func.count()).select_from(Contact)) > len(expected)
    assert f"Exported {len(expected)} contacts" in text
    book = load_workbook(out, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert rows[0][:2] == ("Name", "Kind")
    assert {r[0] for r in rows[1:]} == expected
    code, _, err = run(capsys, *d, "contacts", "export", str(out), "--organisation", "No Such Group")
    assert code == EXIT_REFUSED and "No Such Group" in err
