"""``vcsedesk engagements export``: the log, its quotes and the actions from the command line."""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from vcsedesk.cli import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, main
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.engagement import EngagementDraft, ParticipantEntry, QuoteEntry
from vcsedesk.services import (
    actions,
    consent,
    contacts,
    engagement_lists,
    engagement_log,
    engagements,
    setup,
    themes,
)
from vcsedesk.services.actions import ActionDraft
from vcsedesk.services.engagement_log import EngagementFilter, QuoteFilter
from vcsedesk.store import migrate
from vcsedesk.store.database import Database, sqlite_url
from vcsedesk.store.location import DataFolder
from vcsedesk.store.models import Action, Engagement, EngagementType, Theme, Ward


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


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with a few engagements, quotes and actions, made once for the module."""
    folder = DataFolder(tmp_path_factory.mktemp("cli-engagements") / "charity data")
    folder.create()
    with Database(sqlite_url(folder.database)) as db:
        migrate.prepare(db, backup_folder=folder.backups)
        admin = setup.first_run(
            db, organisation_name="Riverside", user_name="Sam Patel", device_id=folder.device_id()
        )
        for ward in ("Mile End", "Bow East"):
            contacts.add_ward(db, admin, ward)
        types = {t.name: t.id for t in engagement_lists.list_types(db)}
        theme_ids = {t.path: t.id for t in themes.list_themes(db)}
        (aisha,) = contacts.create_contact(
            db, admin, ContactDraft(given_name="Aisha", family_name="Rahman")
        ).created["contacts"]
        consent.record_consent(
            db, admin, aisha, purpose="share_with_name", status="given", on=date(2025, 1, 5), method="verbal"
        )
        plan = [
            (
                "Library drop-in",
                "Drop-in",
                date(2025, 5, 12),
                "Mile End",
                "Dentistry",
                "I rang forty dentists.",
            ),
            ("Coffee morning", "Event", date(2025, 3, 1), "Bow East", "Primary care › Pharmacy", None),
            (
                "Dental clinic visit",
                "Drop-in",
                date(2024, 11, 20),
                "Mile End",
                "Dentistry",
                "No dentist for years.",
            ),
            ("Phone call", "Phone call", date(2025, 2, 2), None, "Mental health", None),
            ("Old drop-in", "Drop-in", date(2019, 6, 1), "Mile End", "Dentistry", None),
        ]
        for title, kind, on, ward, theme, quote in plan:
            (eid,) = engagements.add_engagement(
                db,
                admin,
                EngagementDraft(
                    title=title,
                    type_id=types[kind],
                    on_date=on,
                    ward=ward,
                    anonymous_count=4,
                    participants=(ParticipantEntry(aisha),),
                    theme_ids=(theme_ids[theme],),
                    quotes=(QuoteEntry(quote, "named", aisha),) if quote else (),
                ),
            ).created["engagements"]
            actions.add_action(db, admin, ActionDraft(title=f"Follow up {title}", engagement_id=eid))
        actions.add_action(db, admin, ActionDraft(title="On its own"))
    return folder.root


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data_dir), "engagements", "export", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def database(data_dir: Path) -> Database:
    return Database(sqlite_url(data_dir / "vcsedesk.vcsedesk"))


def sheets(path: Path) -> dict[str, list[tuple[object, ...]]]:
    book = load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}
    finally:
        book.close()


def test_help_explains_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["engagements", "export", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: vcsedesk engagements export")
    for word in (
        "--from",
        "--to",
        "--type",
        "--ward",
        "--theme",
        "--search",
        "--what",
        "Equality",
        "Exits 2",
    ):
        assert word in out, word
    with pytest.raises(SystemExit) as exited:
        main(["engagements", "export", "out.xlsx", "--what", "everything"])
    assert exited.value.code == EXIT_USAGE and "invalid choice" in capsys.readouterr().err


def test_exports_the_log_its_quotes_and_the_actions(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path
) -> None:
    with database(demo_dir) as db, db.read() as s:
        every = s.scalar(select(func.count()).select_from(Engagement).where(Engagement.deleted_at.is_(None)))
        action_count = s.scalar(select(func.count()).select_from(Action).where(Action.deleted_at.is_(None)))
        ward, ward_id = s.execute(
            select(Ward.name, Ward.id)
            .join(Engagement, Engagement.ward_id == Ward.id)
            .group_by(Ward.name, Ward.id)
            .order_by(func.count().desc())
        ).first()  # type: ignore[misc]
        drop_in = s.scalar(select(EngagementType.id).where(EngagementType.name == "Drop-in"))
        dentistry = s.scalar(select(Theme.id).where(Theme.name == "Dentistry"))
    assert every and action_count

    log = tmp_path / "log.xlsx"
    code, out, err = run(capsys, demo_dir, str(log))
    assert (code, err) == (EXIT_OK, "")
    assert out == f"Exported {every:,} engagements to {log}.\n"
    rows = sheets(log)["Engagements"]
    assert rows[0][:4] == ("Date", "Start time", "Duration (minutes)", "Title") and len(rows) == every + 1
    dates = [r[0] for r in rows[1:]]
    assert dates == sorted(dates, reverse=True)  # newest first, as the log shows it

    # Filters by name, any letter case, as the app's filter would give them.
    chosen = tmp_path / "chosen.csv"
    code, out, err = run(
        capsys,
        demo_dir,
        str(chosen),
        "--from",
        "2020-01-01",
        "--to",
        date.today().isoformat(),
        "--ward",
        ward.upper(),
        "--type",
        "drop-in",
        "--type",
        "Event",
        "--theme",
        "dentistry",
    )
    assert code == EXIT_OK, err
    with database(demo_dir) as db, db.read() as s:
        event = s.scalar(select(EngagementType.id).where(EngagementType.name == "Event"))
        flt = EngagementFilter(
            start=date(2020, 1, 1),
            end=date.today(),
            ward_ids=frozenset({ward_id}),
            type_ids=frozenset({drop_in, event}),  # type: ignore[arg-type]
            theme_id=dentistry,
        )
        wanted = [r.title for r in engagement_log.page(db, flt, limit=5000)]
    with chosen.open(encoding="utf-8-sig", newline="") as fh:
        got = [r[3] for r in list(csv.reader(fh))[1:]]
    assert got == wanted == ["Library drop-in", "Dental clinic visit"]
    assert out == f"Exported {len(wanted):,} engagement{'s' if len(wanted) != 1 else ''} to {chosen}.\n"

    # One workbook with every sheet.
    book = tmp_path / "all.xlsx"
    code, out, err = run(capsys, demo_dir, str(book), "--what", "all")
    assert code == EXIT_OK, err
    found = sheets(book)
    assert list(found) == ["Engagements", "Quotes", "Actions"]
    with database(demo_dir) as db:
        quotes = engagement_log.count_quotes(db, QuoteFilter())
    assert [len(rows) - 1 for rows in found.values()] == [every, quotes, action_count]
    assert (
        out == f"Exported {every:,} engagements, {quotes:,} quotes and {action_count:,} actions to {book}.\n"
    )
    assert found["Quotes"][0] == (
        "Date",
        "Engagement",
        "Quote",
        "Themes",
        "Sharing",
        "Speaker",
        "May be shared",
        "Consent checked",
    )

    # Quotes matching a search, and the actions alone.
    code, out, err = run(
        capsys, demo_dir, str(tmp_path / "q.xlsx"), "--what", "quotes", "--search", "dentist"
    )
    assert code == EXIT_OK and out == f"Exported 2 quotes to {tmp_path / 'q.xlsx'}.\n", err
    code, out, err = run(capsys, demo_dir, str(tmp_path / "a.csv"), "--what", "actions")
    assert code == EXIT_OK and out == f"Exported {action_count:,} actions to {tmp_path / 'a.csv'}.\n", err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--from", "2026-13-01"], "--from: “2026-13-01” is not a date"),
        (["--to", "next week"], "--to: “next week” is not a date"),
        (["--from", "2026-05-01", "--to", "2026-04-01"], "--from: 01 May 2026 is after the --to date"),
        (["--ward", "Atlantis"], "--ward: there is no ward called “Atlantis”"),
        (["--type", "Picnic"], "--type: there is no engagement type called “Picnic”. Known: "),
        (["--theme", "Astrology"], "--theme: there is no theme called “Astrology”. Top-level themes: "),
    ],
)
def test_a_bad_date_or_an_unknown_name_is_wrong_usage(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path, argv: list[str], words: str
) -> None:
    target = tmp_path / "never.xlsx"
    code, out, err = run(capsys, demo_dir, str(target), *argv)
    assert code == EXIT_USAGE and out == ""
    assert err.startswith("vcsedesk engagements export: ") and words in err and "Traceback" not in err
    assert not target.exists()


def test_refusals(capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path) -> None:
    code, _, err = run(capsys, demo_dir, str(tmp_path / "all.csv"), "--what", "all")
    assert code == EXIT_USAGE and "--what: all writes three sheets, which needs an .xlsx file" in err
    code, _, err = run(capsys, demo_dir, str(tmp_path / "x.xlsx"), "--as", "nobody")
    assert code == EXIT_REFUSED and "There is no active user “nobody”" in err
    code, _, err = run(capsys, demo_dir, str(tmp_path / "no such folder" / "x.xlsx"))
    assert code == EXIT_REFUSED and "does not exist" in err
