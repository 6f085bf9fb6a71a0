"""Undoing a 100,000-row import against the import itself.

The import (services.imports, the path ``vcsedesk demo --size large`` and the import wizard
take) writes every contact, email, phone, tag link and membership with its journal entry and
search document.  Undo must archive every one of those rows, journal each archive and remove
the search documents: comparable work, so the ratio undo / import is what is reported, with
a target of at most 1 (undo never slower than what it undoes).  Both run on one SQLite file,
in this process, one after the other.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.services.test_undo_bulk import write_people
from vcsedesk.services import imports, setup
from vcsedesk.services.base import undo_last
from vcsedesk.store import migrate
from vcsedesk.store.database import Database, sqlite_url
from vcsedesk.store.location import DataFolder
from vcsedesk.store.models import Contact, JournalEntry, SearchDocument

pytestmark = pytest.mark.benchmark

ROWS = int(os.environ.get("VCSEDESK_BENCH_UNDO_ROWS", "100000"))
TARGET = 1.0


def test_undo_of_a_100k_import_against_the_import(tmp_path: Path, report: Any) -> None:
    folder = DataFolder(tmp_path / "data")
    folder.create()
    db = Database(sqlite_url(folder.database))
    migrate.prepare(db, backup_folder=folder.backups)
    db.use_wal()
    admin = setup.first_run(db, organisation_name="Bench", user_name="Sam", device_id=folder.device_id())
    source = write_people(tmp_path / "people.csv", ROWS)
    try:
        start = time.perf_counter()
        done = imports.import_file(db, admin, source)
        import_s = time.perf_counter() - start
        with db.read() as s:
            entries = s.scalar(select(func.count()).where(JournalEntry.change_set == done.changes.change_set))

        start = time.perf_counter()
        undo_last(db, admin)
        undo_s = time.perf_counter() - start

        with db.read() as s:
            live = s.scalar(select(func.count()).select_from(Contact).where(Contact.deleted_at.is_(None)))
            documents = s.scalar(select(func.count()).select_from(SearchDocument))
    finally:
        db.dispose()
    ratio = undo_s / import_s
    report(
        rows=ROWS,
        created=done.created,
        journal_entries_undone=entries,
        import_s=round(import_s, 2),
        undo_s=round(undo_s, 2),
        ratio=round(ratio, 3),
        target_ratio=TARGET,
    )
    assert done.created == ROWS
    assert (live, documents) == (0, 0)
    assert ratio <= TARGET
