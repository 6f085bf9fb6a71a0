"""``vcsedesk returns build`` from the command line: a period not started is computed now, a
submitted one is written from its frozen snapshot (same hash), bad usage exits 2."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from vcsedesk.cli import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, main
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.engagement import EngagementDraft, ParticipantEntry
from vcsedesk.domain.returns import parse_period, short_hash
from vcsedesk.services import contacts, engagement_lists, engagements, partnerships, returns, setup
from vcsedesk.store import migrate
from vcsedesk.store.database import Database, sqlite_url
from vcsedesk.store.location import DataFolder


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Engagements in 2025-Q2 and Q3, a partnership, and a submitted return for Q2."""
    folder = DataFolder(tmp_path_factory.mktemp("cli-returns") / "charity data")
    folder.create()
    with Database(sqlite_url(folder.database)) as db:
        migrate.prepare(db, backup_folder=folder.backups)
        admin = setup.first_run(
            db, organisation_name="Riverside Voices", user_name="Sam Patel", device_id=folder.device_id()
        )
        types = {t.name: t.id for t in engagement_lists.list_types(db)}
        (aisha,) = contacts.create_contact(
            db, admin, ContactDraft(given_name="Aisha", family_name="Rahman")
        ).created["contacts"]
        for on, kind, count in ((date(2025, 5, 3), "Drop-in", 9), (date(2025, 8, 9), "Event", 25)):
            draft = EngagementDraft(
                title=f"{kind} on {on}",
                type_id=types[kind],
                on_date=on,
                anonymous_count=count,
                participants=(ParticipantEntry(aisha),),
            )
            engagements.add_engagement(db, admin, draft, today=date(2025, 10, 1))
        (pid,) = partnerships.add_partnership(
            db,
            admin,
            partnerships.PartnershipDraft(
                name="Riverside People's Partnership", first_period_start=date(2025, 1, 1)
            ),
        ).created["partnerships"]
        q2 = parse_period("2025-Q2")
        returns.start_return(db, admin, pid, q2)
        view = returns.latest_for(db, pid, q2)
        assert view is not None
        returns.mark_ready(db, admin, view.id, view.version)
        view = returns.get_return(db, view.id)
        returns.submit(
            db, admin, view.id, view.version, on=date(2025, 7, 20), now=datetime(2025, 7, 20, tzinfo=UTC)
        )
    return folder.root


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data_dir), "returns", "build", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_help_explains_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["returns", "build", "--help"])
    assert exited.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for words in ("--partnership", "--period", "2025-Q3", "--xlsx", "--pdf", "frozen snapshot", "Exits 2"):
        assert words in out


def test_a_period_not_started_is_computed_now(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    xlsx, pdf = tmp_path / "q3.xlsx", tmp_path / "q3.pdf"
    code, out, err = run(
        capsys,
        data_dir,
        "--partnership",
        "riverside people's partnership",
        "--period",
        "2025-Q3",
        "--xlsx",
        str(xlsx),
        "--pdf",
        str(pdf),
    )
    assert (code, err) == (EXIT_OK, "")
    assert "not started: computed from the records now" in out and "draft" in out
    data = load_workbook(xlsx)["Data"]
    rows = list(data.iter_rows(values_only=True))
    header = rows[0]
    people = [r for r in rows[1:] if r[header.index("row")] == "People reached"]  # type: ignore[arg-type]
    assert people and people[0][header.index("value")] == 26  # type: ignore[arg-type]  # Aisha + 25
    assert PdfReader(pdf).pages[0].extract_text().count("Riverside Voices") >= 1


def test_a_submitted_return_is_written_from_its_snapshot(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    with Database(sqlite_url(data_dir / "vcsedesk.vcsedesk")) as db:
        (view,) = returns.list_returns(db)
    assert view.content_hash is not None
    code, out, err = run(
        capsys, data_dir, "--partnership", "Riverside People's Partnership", "--period", "2025-Q2",
        "--pdf", str(tmp_path / "q2.pdf"),
    )  # fmt: skip
    assert (code, err) == (EXIT_OK, "")
    assert "edition 1, submitted" in out
    assert f"Content hash {short_hash(view.content_hash)} (frozen): {view.content_hash}" in out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("--partnership", "X", "--period", "2025-Q9", "--pdf", "a.pdf"), "is not a period"),
        (("--partnership", "X", "--period", "2025-Q3"), "say where to write"),
        (("--partnership", "X", "--period", "2025-Q3", "--xlsx", "a.csv"), "must end in .xlsx"),
    ],
)
def test_bad_usage_exits_2_with_the_reason(
    capsys: pytest.CaptureFixture[str], data_dir: Path, argv: tuple[str, ...], words: str
) -> None:
    code, _out, err = run(capsys, data_dir, *argv)
    assert code == EXIT_USAGE and words in err


def test_an_unknown_partnership_is_refused_naming_the_known_ones(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    code, _out, err = run(
        capsys,
        data_dir,
        "--partnership",
        "Healthwatch",
        "--period",
        "2025-Q3",
        "--pdf",
        str(tmp_path / "x.pdf"),
    )
    assert code == EXIT_REFUSED
    assert "no partnership called “Healthwatch”" in err and "Riverside People's Partnership" in err
