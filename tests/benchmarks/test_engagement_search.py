"""Search as you type across 500,000 engagement notes and quotes.

The data is the ``large`` demo's engagement part (200,000 notes, 300,000 quotes, written by
``services.demo_engagement``), over a few thousand demo contacts.  Queries are words typed a
letter at a time, as people search the log: "dent", "denti", "dentist", "mould", "bus 42",
"interpreter", …

Compared, in the same run over the same keystrokes:

* **service** — ``services.engagements.find``: both searches (notes, quotes) and the rows
  behind the hits (date, title, text) that the search results show;
* **bare** — the two FTS5 queries alone (the same MATCH expression and SQL), run with
  ``sqlite3`` on its own connection.

Target: p95 of the service within 1.5x the p95 of the bare queries; p50s and absolute
milliseconds are reported beside.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from faker import Faker

from vcsedesk.services import demo, demo_engagement, engagements, setup
from vcsedesk.store import migrate, search
from vcsedesk.store.database import Database, sqlite_url

pytestmark = pytest.mark.benchmark

NOTES = 200_000
QUOTES = 300_000
CONTACTS = 3_000
TARGET_P95_RATIO = 1.5
LIMIT = 100
WORDS = (
    "dentist",
    "appointment",
    "mould",
    "interpreter",
    "heating eating",
    "bus 42",
    "waiting list",
    "receptionist",
    "lonely",
    "talking therapy",
    "food bank",
    "carers rushing",
    "internet",
    "library",
    "temporary accommodation",
)


def keystrokes() -> list[str]:
    """Every prefix of at least three letters of each search, as typed."""
    typed = []
    for words in WORDS:
        typed.extend(words[:n] for n in range(3, len(words) + 1) if not words[:n].endswith(" "))
    return typed


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, Path]]:
    path = tmp_path_factory.mktemp("search") / "engagements.vcsedesk"
    db = Database(sqlite_url(path))
    migrate.prepare(db, backup_folder=None)
    admin = setup.first_run(db, organisation_name="Benchmark", user_name="Sam Patel", device_id=uuid.uuid4())
    fake = Faker("en_GB")
    fake.seed_instance(1)
    rng = random.Random(1)
    started = time.perf_counter()
    demo.add_contacts(db, admin, CONTACTS, fake, rng)
    made = demo_engagement.add_engagements(db, admin, NOTES, QUOTES, 0, rng, today=datetime.now(UTC).date())
    print(f"\nbuilt {made:,} notes and quotes in {time.perf_counter() - started:.0f} s")
    try:
        yield db, path
    finally:
        db.dispose()


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def test_search_as_you_type_p95_is_within_target_of_the_bare_query(
    database: tuple[Database, Path], report: object
) -> None:
    db, path = database
    typed = keystrokes()
    bare = sqlite3.connect(path)
    service_ms: list[float] = []
    bare_ms: list[float] = []
    found = 0
    for _ in range(3):
        for text in typed:
            expression = search.fts5_expression(text)
            started = time.perf_counter()
            for kind in (engagements.SEARCH_KIND, engagements.QUOTE_KIND):
                bare.execute(search.FTS5_SQL, (expression, kind, LIMIT)).fetchall()
            bare_ms.append((time.perf_counter() - started) * 1000)

            started = time.perf_counter()
            hits = engagements.find(db, text, limit=LIMIT)
            service_ms.append((time.perf_counter() - started) * 1000)
            found += bool(hits)
    bare.close()
    ratio = _percentile(service_ms, 95) / _percentile(bare_ms, 95)
    report(  # type: ignore[operator]
        notes=NOTES,
        quotes=QUOTES,
        keystrokes=len(typed),
        searches_with_hits=found,
        service_p50_ms=round(statistics.median(service_ms), 2),
        service_p95_ms=round(_percentile(service_ms, 95), 2),
        bare_p50_ms=round(statistics.median(bare_ms), 2),
        bare_p95_ms=round(_percentile(bare_ms, 95), 2),
        p95_ratio=round(ratio, 2),
        target=TARGET_P95_RATIO,
    )
    assert found > len(typed)  # the searches find things
    assert ratio <= TARGET_P95_RATIO
