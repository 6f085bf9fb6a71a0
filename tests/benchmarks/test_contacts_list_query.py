"""The contacts list and export at 100,000 contacts (SQLite), each against a bare baseline
measured in the same run:

* a page of the list (``contact_list.page``: every column the table shows, one query) against
  the bare ordered-id query it starts from, at the top, the middle and the end of the list,
  for each sort;
* exporting every contact to xlsx (``contacts_export.export_contacts``) against bare openpyxl
  write-only mode writing the same number of rows of plain values, with peak memory.

Figures are reported (and appended to $VCSEDESK_ARTIFACTS/benchmarks.jsonl when set); the
asserts are loose guards against a regression by an order of magnitude (a lost index, an N+1).
"""

from __future__ import annotations

import resource
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import LXML, Workbook

from tests.benchmarks.contacts_data import fill
from vcsedesk.services import contact_list, contacts_export
from vcsedesk.services.base import Actor
from vcsedesk.services.contact_list import SortField, SortKey
from vcsedesk.store.database import Database

pytestmark = pytest.mark.benchmark

CONTACTS = 100_000
PAGE = 200
BARE = {
    SortField.NAME: "name COLLATE NOCASE, id",
    SortField.POSTCODE: "postcode, name COLLATE NOCASE, id",
    SortField.UPDATED_AT: "updated_at DESC, id DESC",
}


def best_ms(run: Callable[[], Any], rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


@pytest.fixture
def big(db: Database, admin: Actor) -> Database:
    fill(db, CONTACTS)
    return db


def test_list_pages_against_the_bare_query(big: Database, report: Any) -> None:
    assert big.path is not None
    total = contact_list.count(big)
    raw = sqlite3.connect(big.path)
    figures: dict[str, Any] = {
        "contacts": total,
        "count_ms": round(best_ms(lambda: contact_list.count(big)), 1),
    }
    worst = 0.0
    for field, order in BARE.items():
        key = SortKey(field, descending=field is SortField.UPDATED_AT)
        for where in (0, total // 2, total - PAGE):
            sql = f"SELECT id FROM contacts WHERE deleted_at IS NULL ORDER BY {order} LIMIT {PAGE} OFFSET {where}"  # noqa: S608
            bare = best_ms(lambda sql=sql: raw.execute(sql).fetchall())
            ours = best_ms(
                lambda key=key, where=where: contact_list.page(big, sort=key, offset=where, limit=PAGE)
            )
            figures[f"{field}@{where}"] = {
                "ms": round(ours, 1),
                "bare_ms": round(bare, 1),
                "ratio": round(ours / bare, 1),
            }
            worst = max(worst, ours)
    ward = SortKey(SortField.WARD)
    figures["ward@middle_ms"] = round(
        best_ms(lambda: contact_list.page(big, sort=ward, offset=total // 2, limit=PAGE)), 1
    )
    figures["tag_filter_ms"] = round(
        best_ms(lambda: contact_list.page(big, contact_list.ContactFilter(tag="carer"))), 1
    )
    figures["text_filter_ms"] = round(
        best_ms(lambda: contact_list.page(big, contact_list.ContactFilter(text="smith"))), 1
    )
    figures["text_filter_archived_ms"] = round(
        best_ms(
            lambda: contact_list.page(big, contact_list.ContactFilter(text="smith", include_archived=True))
        ),
        1,
    )
    raw.close()
    report(**figures)
    assert worst < 500, "a page of the list should take tens of milliseconds, not a sort of every row"
    assert figures["text_filter_ms"] < 2000, "the search must drive the filter, not run once per contact"


def test_export_against_bare_openpyxl(big: Database, admin: Actor, tmp_path: Path, report: Any) -> None:
    total = contact_list.count(big)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = contacts_export.export_contacts(big, admin, tmp_path / "all.xlsx")
    ours = time.perf_counter() - start
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before  # KiB on Linux
    assert result.count == total

    start = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Contacts")
    row = [
        "Aisha Rahman",
        "Person",
        "Aisha",
        "Rahman",
        None,
        "aisha.rahman12@example.org",
        "07700 900123",
        None,
        "E1 6AN",
        "Bow East",
        None,
        "No",
        None,
        "Carer, Youth",
        None,
        None,
        "Note 12",
        datetime(2026, 1, 1, 9, 30),
        datetime(2026, 1, 1, 9, 30),
    ]
    for _ in range(total):
        sheet.append(row)
    book.save(tmp_path / "bare.xlsx")
    bare = time.perf_counter() - start
    report(
        contacts=total,
        export_s=round(ours, 2),
        bare_openpyxl_s=round(bare, 2),
        ratio=round(ours / bare, 2),
        peak_rss_growth_mb=round(grown / 1024, 1),
        file_mb=round((tmp_path / "all.xlsx").stat().st_size / 2**20, 1),
        lxml=LXML,
    )
    assert grown < 150 * 1024, "the export streams: it must not hold every contact in memory"
