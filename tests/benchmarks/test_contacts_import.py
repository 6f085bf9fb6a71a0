"""Importing a 100,000-row CSV through the real service against a bare pipeline.

The bare pipeline, written here, does the same parsing (the csv module), the same
normalisation (clean_email, clean_phone, clean_postcode) and an ``executemany`` of the same
rows with sqlite3 straight into the same tables (contacts, contact_emails, contact_phones) of
a fresh database, in one transaction.  The service also validates every field, looks for
duplicates, writes the journal and the search index and takes a backup first: that is what
the ratio prices.  Target: within 3x.

Each side runs in its own process, timed from just before the file is opened to the commit,
so peak memory (ru_maxrss) is each side's own; the figure after set-up is reported beside it.
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.benchmark

ROWS = 100_000
TARGET = 3.0

FIRST = [
    "Aisha",
    "Ben",
    "Chloe",
    "Dev",
    "Ewa",
    "Femi",
    "Grace",
    "Hamza",
    "Isla",
    "Jack",
    "Kofi",
    "Lena",
    "Mohammed",
    "Niamh",
    "Oliver",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
    "Uma",
    "Vik",
    "Wen",
    "Zoë",
]
LAST = [
    "Ahmed",
    "Brown",
    "Clarke",
    "Davies",
    "Evans",
    "Fraser",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Murphy",
    "Nowak",
    "O'Brien",
    "Patel",
    "Quinn",
    "Rahman",
    "Smith",
    "Taylor",
    "Wright",
    "Yilmaz",
]
OUTWARD = [
    "E1",
    "E2",
    "N1",
    "N7",
    "SE1",
    "SE15",
    "SW9",
    "W3",
    "NW10",
    "B1",
    "B12",
    "M1",
    "M14",
    "LS6",
    "L8",
    "BS5",
    "NG7",
    "LE4",
    "S2",
    "CF24",
]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

SETUP = textwrap.dedent(
    """
    import json, resource, sys, time, uuid
    from pathlib import Path
    from vcsedesk.services import setup
    from vcsedesk.store import migrate
    from vcsedesk.store.database import Database, sqlite_url
    from vcsedesk.store.location import DataFolder

    side, csv_path, folder_path = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    folder = DataFolder(folder_path)
    folder.create()
    db = Database(sqlite_url(folder.database))
    migrate.prepare(db, backup_folder=folder.backups)
    db.use_wal()
    admin = setup.first_run(db, organisation_name="Bench", user_name="Sam", device_id=folder.device_id())

    def rss_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    """
)

SERVICE = SETUP + textwrap.dedent(
    """
    from vcsedesk.services import imports
    db.dispose()
    db = Database(sqlite_url(folder.database))
    base = rss_mb()
    start = time.perf_counter()
    report = imports.import_file(db, admin, csv_path, folder=folder)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "rss_mb": rss_mb(), "rss_after_setup_mb": base,
                      "created": report.created, "skipped": report.skipped,
                      "invalid": report.invalid_rows}))
    """
)

BARE = SETUP + textwrap.dedent(
    """
    import csv, sqlite3
    from datetime import UTC, datetime
    from vcsedesk.domain.phones import clean_phone
    from vcsedesk.domain.validation import clean_email, clean_postcode
    db.dispose()
    base = rss_mb()
    start = time.perf_counter()
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    conn = sqlite3.connect(folder.database, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    contacts, emails, phones = [], [], []
    with csv_path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for given, family, email, phone, postcode, address in reader:
            cid = uuid.uuid4().hex
            contacts.append((cid, now, now, 1, "person", f"{given} {family}", given, family,
                             address or None, clean_postcode(postcode), False, "[]"))
            if email:
                emails.append((uuid.uuid4().hex, now, now, 1, cid, "home", clean_email(email)))
            if phone:
                phones.append((uuid.uuid4().hex, now, now, 1, cid, "mobile", clean_phone(phone)))
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO contacts (id, created_at, updated_at, version, kind, name, given_name, "
        "family_name, address, postcode, interpreter_needed, access_needs) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", contacts)
    conn.executemany(
        "INSERT INTO contact_emails (id, created_at, updated_at, version, contact_id, label, address) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)", emails)
    conn.executemany(
        "INSERT INTO contact_phones (id, created_at, updated_at, version, contact_id, label, number) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)", phones)
    conn.execute("COMMIT")
    conn.close()
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "rss_mb": rss_mb(), "rss_after_setup_mb": base,
                      "created": len(contacts), "skipped": 0, "invalid": 0}))
    """
)


def write_csv(path: Path, rows: int, seed: int = 2026) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["First name", "Last name", "Email", "Phone", "Postcode", "Address"])
        for i in range(rows):
            given, family = rng.choice(FIRST), rng.choice(LAST)
            inward = f"{rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
            out.writerow(
                [
                    given,
                    family,
                    f"{given.lower()}.{family.lower().replace(chr(39), '')}{i}@example.org".replace("ë", "e"),
                    f"07{400 + i // 1_000_000:03d} {i % 1_000_000:06d}",
                    f"{rng.choice(OUTWARD)} {inward}".lower() if i % 3 else f"{rng.choice(OUTWARD)}{inward}",
                    f"{rng.randint(1, 300)} {rng.choice(LAST)} Road" if i % 2 else "",
                ]
            )


def run_side(script: str, side: str, csv_path: Path, folder: Path) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", script, side, str(csv_path), str(folder)],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_import_100k_csv_against_a_bare_pipeline(tmp_path: Path, report) -> None:
    source = tmp_path / "contacts.csv"
    write_csv(source, ROWS)
    bare = run_side(BARE, "bare", source, tmp_path / "bare")
    ours = run_side(SERVICE, "service", source, tmp_path / "service")
    ratio = ours["seconds"] / bare["seconds"]
    report(
        rows=ROWS,
        file_mb=round(source.stat().st_size / 1e6, 1),
        bare_s=round(bare["seconds"], 2),
        service_s=round(ours["seconds"], 2),
        ratio=round(ratio, 2),
        bare_peak_rss_mb=round(bare["rss_mb"], 1),
        bare_rss_after_setup_mb=round(bare["rss_after_setup_mb"], 1),
        service_peak_rss_mb=round(ours["rss_mb"], 1),
        service_rss_after_setup_mb=round(ours["rss_after_setup_mb"], 1),
        service_created=ours["created"],
        service_skipped_as_duplicates=ours["skipped"],
        service_invalid=ours["invalid"],
        target_ratio=TARGET,
    )
    assert bare["created"] == ROWS
    assert ours["invalid"] == 0
    assert ours["created"] + ours["skipped"] == ROWS
    assert ratio <= TARGET, (
        f"import took {ours['seconds']:.1f}s, {ratio:.2f}x the bare {bare['seconds']:.1f}s"
    )
