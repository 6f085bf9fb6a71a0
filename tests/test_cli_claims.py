"""``vcsedesk claims batch`` and ``vcsedesk claims register`` from the command line."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from vcsedesk.cli import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, main
from vcsedesk.domain.claims import ItemEntry, pence_text
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.services import claims, contacts, people, setup
from vcsedesk.services.claims import ClaimDraft
from vcsedesk.store import migrate
from vcsedesk.store.database import Database, sqlite_url
from vcsedesk.store.location import DataFolder

START, END = date(2026, 3, 1), date(2026, 3, 31)


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
    """A data folder with claims in March 2026 (approved, paid, submitted) and one in April."""
    folder = DataFolder(tmp_path_factory.mktemp("cli-claims") / "charity data")
    folder.create()
    with Database(sqlite_url(folder.database)) as db:
        migrate.prepare(db, backup_folder=folder.backups)
        admin = setup.first_run(
            db, organisation_name="Riverside", user_name="Sam Patel", device_id=folder.device_id()
        )
        for name, role in (("Priya Shah", "coordinator"), ("Tom Reed", "staff"), ("Vic Lowe", "volunteer")):
            people.add_user(db, admin, name=name, role=role)
        ids = {u.name: u.id for u in people.list_users(db)}
        approver = people.actor_for(db, ids["Priya Shah"], admin.device_id)
        payer = people.actor_for(db, ids["Tom Reed"], admin.device_id)
        (aisha,) = contacts.create_contact(
            db, admin, ContactDraft(given_name="Aisha", family_name="Rahman")
        ).created["contacts"]
        plan = [
            (date(2026, 3, 3), 1500, "approved"),
            (date(2026, 3, 31), 420, "approved"),
            (date(2026, 3, 10), 900, "paid"),
            (date(2026, 3, 12), 300, "submitted"),
            (date(2026, 4, 2), 700, "approved"),
        ]
        for on, cost, until in plan:
            draft = ClaimDraft(
                aisha,
                "one_off",
                on,
                (ItemEntry("fares", "Train", cost_pence=cost, has_receipt=True),),
                sort_code="12-34-56",
                account_number="12345678",
            )
            (cid,) = claims.new_claim(db, admin, draft).created["claims"]
            claims.submit_claim(db, admin, cid, claims.get_claim(db, cid, admin).version)
            if until in ("approved", "paid"):
                claims.approve_claim(db, approver, cid, claims.get_claim(db, cid, approver).version)
            if until == "paid":
                version = claims.get_claim(db, cid, payer).version
                claims.mark_paid(db, payer, cid, version, date.today(), "bank_transfer", "BACS 7")
    return folder.root


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data_dir), "claims", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def database(data_dir: Path) -> Database:
    return Database(sqlite_url(data_dir / "vcsedesk.vcsedesk"))


def rows(path: Path, sheet: str) -> list[tuple[object, ...]]:
    book = load_workbook(path, read_only=True)
    try:
        return list(book[sheet].iter_rows(values_only=True))
    finally:
        book.close()


def test_help_explains_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["claims", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "batch" in out and "register" in out
    for command, words in (
        ("batch", ["--from", "--to", "--as", "in full", "Exits 2"]),
        ("register", ["--from", "--to", "--as", "masked", "Exits 2"]),
    ):
        with pytest.raises(SystemExit) as exited:
            main(["claims", command, "--help"])
        assert exited.value.code == 0
        out = " ".join(capsys.readouterr().out.split())  # as read, not as wrapped
        assert out.startswith(f"usage: vcsedesk claims {command}")
        for word in words:
            assert word in out, (command, word)


def test_batch_and_register_are_written(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path
) -> None:
    with database(demo_dir) as db:
        batch = claims.batch(db, START, END)
        every = claims.register(db)
        march = claims.register(db, start=START, end=END)
    assert [v.total_pence for v in batch] == [1500, 420]

    path = tmp_path / "batch.xlsx"
    code, out, err = run(capsys, demo_dir, "batch", "--from", "2026-03-01", "--to", "31/03/2026", str(path))
    assert (code, err) == (EXIT_OK, "")
    assert out == f"Exported 2 claims to pay ({pence_text(1920)}) to {path}.\n"
    payments = rows(path, "Payments")
    assert [r[0] for r in payments[1:]] == [v.number for v in batch]
    assert [(r[3], r[4]) for r in payments[1:]] == [("12-34-56", "12345678")] * 2  # in full, here only
    code, out, err = run(
        capsys, demo_dir, "batch", "--from", "2026-03-01", "--to", "2026-03-31", "--as", "Tom Reed", str(path)
    )
    assert code == EXIT_OK, err

    register = tmp_path / "register.xlsx"
    code, out, err = run(capsys, demo_dir, "register", str(register))
    assert (code, err) == (EXIT_OK, "")
    assert out == f"Exported {len(every)} claims to {register}.\n"
    listed = rows(register, "Claims")
    assert sorted(str(r[0]) for r in listed[1:]) == sorted(v.number for v in every) and len(every) == 5
    assert "12345678" not in str(listed) and "****5678" in str(listed)
    code, out, err = run(
        capsys, demo_dir, "register", "--from", "2026-03-01", "--to", "2026-03-31", str(register)
    )
    assert code == EXIT_OK and out == f"Exported {len(march)} claims to {register}.\n", err
    assert len(rows(register, "Claims")) - 1 == len(march) == 4


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (
            ["batch", "--from", "2026-13-01", "--to", "2026-03-31"],
            "vcsedesk claims batch: --from: “2026-13-01” is not a date",
        ),
        (
            ["batch", "--from", "2026-03-01", "--to", "soon"],
            "vcsedesk claims batch: --to: “soon” is not a date",
        ),
        (
            ["batch", "--from", "2026-04-01", "--to", "2026-03-01"],
            "--from: 01 Apr 2026 is after the --to date 01 Mar 2026",
        ),
        (["register", "--from", "yesterday"], "vcsedesk claims register: --from: “yesterday” is not a date"),
    ],
)
def test_a_bad_date_is_wrong_usage(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path, argv: list[str], words: str
) -> None:
    target = tmp_path / "never.xlsx"
    code, out, err = run(capsys, demo_dir, *argv, str(target))
    assert code == EXIT_USAGE and out == "" and "Traceback" not in err
    assert words in err
    assert not target.exists()


def test_usage_mistakes_and_refusals(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--data-dir", str(demo_dir), "claims", "batch", "--to", "2026-03-31", str(tmp_path / "x.xlsx")])
    assert (
        exited.value.code == EXIT_USAGE
        and "the following arguments are required: --from" in capsys.readouterr().err
    )
    code, _, err = run(capsys, demo_dir, "register", str(tmp_path / "claims.csv"))
    assert (
        code == EXIT_USAGE
        and "vcsedesk claims register: FILE: claims.csv must be an Excel workbook ending .xlsx." in err
    )
    assert not (tmp_path / "claims.csv").exists()

    target = tmp_path / "x.xlsx"
    code, _, err = run(
        capsys,
        demo_dir,
        "batch",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--as",
        "Vic Lowe",
        str(target),
    )
    assert code == EXIT_REFUSED and "Vic Lowe is a volunteer and may not record claims as paid" in err
    code, _, err = run(capsys, demo_dir, "register", "--as", "Vic Lowe", str(target))
    assert code == EXIT_REFUSED and "may not see everyone's claims" in err
    code, _, err = run(capsys, demo_dir, "register", "--as", "nobody", str(target))
    assert code == EXIT_REFUSED and "There is no active user “nobody”" in err
    assert not target.exists()
    code, _, err = run(capsys, demo_dir, "register", str(tmp_path / "no such folder" / "x.xlsx"))
    assert code == EXIT_REFUSED and "does not exist" in err
