"""A writer killed with SIGKILL at random points never damages the file or loses a saved change.

See :mod:`tests.store.crash_writer` for how the writer is run and what is checked after each
kill.  Set ``VCSEDESK_CRASH_SEED`` to replay a failing seed (the failure message names it).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from tests.store import crash_writer
from vcsedesk.services import setup
from vcsedesk.services.base import Actor
from vcsedesk.store import migrate
from vcsedesk.store.database import Database, sqlite_url
from vcsedesk.store.location import DataFolder
from vcsedesk.store.models import User

pytestmark = pytest.mark.skipif(
    sys.platform == "win32" or not hasattr(os, "fork"), reason="needs os.fork and SIGKILL (POSIX)"
)

ROUNDS = 240  # about 1 in 8 is timed from the fork, so over 200 land among the writes
SEED = int(os.environ.get("VCSEDESK_CRASH_SEED", "20250214"))


def prepared_file(folder: DataFolder) -> tuple[Path, Actor]:
    path = folder.database
    db = Database(sqlite_url(path))
    try:
        migrate.prepare(db, backup_folder=folder.backups)
        actor = setup.first_run(
            db,
            organisation_name="Riverside Community Voices",
            user_name="Sam Patel",
            device_id=folder.device_id(),
        )
    finally:
        db.dispose()  # the writer is forked: it must inherit no open connection
    with contextlib.closing(sqlite3.connect(path)) as con:
        # The configuration under test is the app's own: a WAL file, as migrate leaves it.
        assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    return path, actor


@pytest.mark.slow
def test_sigkilled_writer_loses_no_acknowledged_write_and_never_damages_the_file(
    folder: DataFolder,
) -> None:
    path, actor = prepared_file(folder)

    report = crash_writer.kill_rounds(path, actor, rounds=ROUNDS, seed=SEED)

    print(f"seed {SEED}: {report}")
    assert report.rounds == ROUNDS
    # The kills must land among the writes, not mostly before the first one.  (Loose bounds:
    # how many writes fit in 60 ms depends on the disk's fsync.)
    assert report.acknowledged >= ROUNDS, f"seed {SEED}: too few writes to mean much: {report}"
    assert report.empty_rounds <= ROUNDS // 2, f"seed {SEED}: {report}"
    assert set(report.by_op) == {"add", "update", "undo"}, f"seed {SEED}: {report}"


def test_a_lost_acknowledged_write_is_caught(folder: DataFolder) -> None:
    """The checks can fail: a write acknowledged but never committed is reported."""
    path, _actor = prepared_file(folder)
    model = crash_writer.JournalModel()
    crash_writer.check_round(path, model, [])
    phantom = {"op": "add", "cs": "00000000-0000-4000-8000-000000000001", "id": "x", "name": "Ghost"}

    with pytest.raises(crash_writer.CrashCheckFailed, match="acknowledged change sets missing"):
        crash_writer.check_round(path, model, [phantom])


def test_a_change_without_its_journal_entry_is_caught(folder: DataFolder) -> None:
    path, actor = prepared_file(folder)
    model = crash_writer.JournalModel()
    crash_writer.check_round(path, model, [])
    with Database(sqlite_url(path)) as db, db.write() as session:
        user = session.get(User, actor.user_id)
        assert user is not None
        user.name = "Renamed behind the journal's back"

    with pytest.raises(crash_writer.CrashCheckFailed, match="its journal says"):
        crash_writer.check_round(path, model, [])
