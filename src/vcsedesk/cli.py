"""The ``vcsedesk`` command: with no subcommand it opens the app; subcommands work headless.

Every subcommand shares ``--data-dir`` and ``--db`` and reports problems as one plain
sentence (and a way forward) on stderr.  Exit codes: 0 done, 1 a check found problems,
2 wrong usage, 3 refused (bad input, or the computer is in the way).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from vcsedesk import __version__

if TYPE_CHECKING:  # heavy imports stay off the start-up path
    from vcsedesk.services.base import Actor
    from vcsedesk.store.database import Database
    from vcsedesk.store.location import DataFolder

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vcsedesk",
        description="vcsedesk keeps a community organisation's contacts, engagement notes, "
        "reimbursement claims and partnership returns. Run it with no command to open the app.",
        epilog="Data lives in the platform's user data folder unless --data-dir or "
        "VCSEDESK_DATA_DIR says otherwise.",
    )
    parser.add_argument("--version", action="version", version=f"vcsedesk {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="data folder (default: $VCSEDESK_DATA_DIR, else the platform's user data folder)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $VCSEDESK_DB_URL, else the SQLite file in the data folder; "
        "postgresql+psycopg://user@host/name for a shared database)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="fill a new, empty data folder with realistic sample data",
        description="Fill a new, empty data folder with realistic fake data (UK names, addresses "
        "and postcodes) for trying vcsedesk out, screenshots and benchmarks.",
    )
    demo.add_argument(
        "--size", choices=["small", "large"], default="small", help="how much data (default: small)"
    )
    demo.add_argument("--seed", type=int, default=2026, help="random seed, for the same data every time")
    demo.set_defaults(handler=cmd_demo)

    backup = sub.add_parser(
        "backup",
        help="take a backup copy of the data now",
        description="Copy the data file safely (even while the app is open) into the backups "
        "folder, or to FILE. Old automatic backups are rotated.",
    )
    backup.add_argument("--to", metavar="FILE", type=Path, help="write the copy here instead")
    backup.set_defaults(handler=cmd_backup)

    restore = sub.add_parser(
        "restore",
        help="replace the data with a backup copy",
        description="Check FILE (intact, made by vcsedesk, not from a newer version), keep a copy "
        "of the current data in the backups folder, then replace the data with FILE.",
    )
    restore.add_argument("file", metavar="FILE", type=Path, help="the backup to restore")
    restore.set_defaults(handler=cmd_restore)

    check = sub.add_parser(
        "check",
        help="check the data file for damage",
        description="Run integrity and link checks on the data and report in plain words. "
        "Exits 1 if a problem is found.",
    )
    check.set_defaults(handler=cmd_check)

    migrate = sub.add_parser(
        "migrate",
        help="bring the data up to this version's format",
        description="Upgrade the data to this version of vcsedesk (a backup is taken first). "
        "The app does this by itself on start; this is for scripts and shared databases.",
    )
    migrate.add_argument("--status", action="store_true", help="only say whether an upgrade is needed")
    migrate.set_defaults(handler=cmd_migrate)

    add_contacts_commands(sub)
    add_engagements_commands(sub)
    add_claims_commands(sub)
    add_returns_commands(sub)
    return parser


def add_contacts_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``vcsedesk contacts ACTION``: one group, each action a subparser (import; export beside it)."""
    contacts = sub.add_parser(
        "contacts",
        help="import contacts from a file (CSV, xlsx, vCard) or export the list (xlsx, CSV)",
        description="Work with the organisation's contacts from the command line.",
    )
    actions = contacts.add_subparsers(dest="contacts_command", metavar="ACTION", required=True)

    imports = actions.add_parser(
        "import",
        help="import contacts from a CSV, xlsx or vCard file",
        description="Import contacts from FILE: CSV (UTF-8, UTF-16 or Windows-1252; comma, "
        "semicolon or tab), an Excel .xlsx workbook (its first visible sheet) or vCard (.vcf). "
        "Google Contacts and Outlook exports are recognised. The detected column mapping and "
        "every row's problems are shown; the import is all or nothing, a backup is taken "
        "first, and likely duplicates of existing contacts are skipped unless you say otherwise. "
        "Exits 3 if the file or any row is refused.",
    )
    imports.add_argument("file", metavar="FILE", type=Path, help="the file to import")
    imports.add_argument("--dry-run", action="store_true", help="check and report, but write nothing")
    imports.add_argument(
        "--duplicates",
        choices=["skip", "merge", "create"],
        default="skip",
        help="what to do with a row that looks like an existing contact: skip it (default), merge "
        "it in (fill blank fields, add new emails, phones and tags) or create it anyway",
    )
    imports.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the good rows and leave out rows with problems (otherwise nothing is imported)",
    )
    imports.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="map a column to a field, overriding the detected mapping (repeatable), e.g. "
        '--map "Mobile=phone:mobile" or --map "Fax=ignore"',
    )
    imports.add_argument(
        "--as",
        dest="acting_user",
        metavar="USER",
        help="the user (name or id) the import is recorded against (default: this installation's "
        "user, else the only administrator)",
    )
    imports.set_defaults(handler=cmd_contacts_import)

    export = actions.add_parser(
        "export",
        help="export the contact list, or part of it, to xlsx or CSV",
        description="Write the contacts (all, or those the options select) to FILE as an Excel "
        "workbook or a CSV file: names, kind, emails, phones, address, postcode, ward, language, "
        "access needs, tags, organisations, how we met, notes. Equality monitoring and consent "
        "evidence are never exported. The file is written whole or not at all.",
    )
    export.add_argument("file", metavar="FILE", type=Path, help="where to write (.xlsx or .csv)")
    export.add_argument(
        "--format", choices=["xlsx", "csv"], help="the file's format (default: from FILE's ending)"
    )
    export.add_argument(
        "--search", metavar="TEXT", help="only contacts matching TEXT, as the app's search box"
    )
    export.add_argument(
        "--kind", choices=["person", "organisation"], help="only people or only organisations"
    )
    export.add_argument("--tag", metavar="TAG", help="only contacts with this tag")
    export.add_argument("--ward", metavar="WARD", help="only contacts in this ward")
    export.add_argument("--organisation", metavar="NAME", help="only members of this organisation")
    export.add_argument(
        "--consent",
        metavar="PURPOSE=STATE",
        help="only people whose consent for PURPOSE is STATE (given, refused, withdrawn or none), "
        "e.g. contact_email=given",
    )
    export.add_argument("--include-archived", action="store_true", help="include archived contacts")
    export.add_argument(
        "--as",
        dest="acting_user",
        metavar="USER",
        help="the user (name or id) exporting (default: as for import)",
    )
    export.set_defaults(handler=cmd_contacts_export)


def add_engagements_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``vcsedesk engagements ACTION``: the engagement log from the command line (export)."""
    engagements = sub.add_parser(
        "engagements",
        help="export the engagement log, its quotes or the actions list (xlsx, CSV)",
        description="Work with the organisation's engagement log from the command line.",
    )
    actions = engagements.add_subparsers(dest="engagements_command", metavar="ACTION", required=True)

    export = actions.add_parser(
        "export",
        help="export the engagement log, its quotes or the actions to xlsx or CSV",
        description="Write the engagement log (all of it, or what the options select) to FILE as "
        "an Excel workbook or a CSV file: --what log (the default) the engagements, quotes their "
        "quotes (a speaker is named only where their consent to be quoted with their name still "
        "holds today; the reason is in the file), actions the follow-up actions (all of them, or "
        "those from the selected engagements), all one workbook with the three sheets. Equality "
        "monitoring is never exported. The file is written whole or not at all. Exits 2 if a date "
        "or a name given is not known.",
    )
    export.add_argument("file", metavar="FILE", type=Path, help="where to write (.xlsx or .csv)")
    export.add_argument(
        "--what",
        choices=["log", "quotes", "actions", "all"],
        default="log",
        help="which list: the engagements (default), their quotes, the actions, or all three in one workbook",
    )
    export.add_argument(
        "--from", dest="start", metavar="DATE", help="only engagements on or after DATE (YYYY-MM-DD)"
    )
    export.add_argument("--to", dest="end", metavar="DATE", help="only engagements on or before DATE")
    export.add_argument(
        "--type",
        action="append",
        metavar="NAME",
        help="only engagements of this type, e.g. Drop-in (repeatable: any of them)",
    )
    export.add_argument(
        "--ward", action="append", metavar="NAME", help="only engagements in this ward (repeatable)"
    )
    export.add_argument(
        "--theme",
        metavar="NAME",
        help="only engagements with this theme or one below it (a name, or a path such as "
        '"Primary care > Pharmacy")',
    )
    export.add_argument(
        "--search",
        metavar="TEXT",
        help="only engagements whose notes or quotes match TEXT, as the app's search",
    )
    export.add_argument("--include-archived", action="store_true", help="include archived engagements")
    export.add_argument(
        "--as",
        dest="acting_user",
        metavar="USER",
        help="the user (name or id) exporting (default: this installation's user, else the only "
        "administrator)",
    )
    export.set_defaults(handler=cmd_engagements_export)


def add_claims_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``vcsedesk claims ACTION``: the payment batch and the claims register (xlsx)."""
    claims = sub.add_parser(
        "claims",
        help="export the payment batch or the claims register (xlsx)",
        description="Work with reimbursement claims from the command line.",
    )
    actions = claims.add_subparsers(dest="claims_command", metavar="ACTION", required=True)

    batch = actions.add_parser(
        "batch",
        help="write the payment batch: approved claims not yet paid, for whoever pays (xlsx)",
        description="Write the approved claims not yet paid whose activity falls from --from to "
        "--to to FILE, an Excel workbook for whoever pays: claim number, payee (the claimant, or "
        "the charity they gave the payment to), method, sort code and account number in full, "
        "amount, reference and budget, and a sheet of totals by category, method and budget. "
        "This is the only export with bank details in full: keep it safe. Only users who may "
        "record claims as paid may write it. The file is written whole or not at all. Exits 2 if "
        "a date is malformed.",
    )
    batch.add_argument("file", metavar="FILE", type=Path, help="where to write (.xlsx)")
    batch.add_argument(
        "--from",
        dest="start",
        metavar="DATE",
        required=True,
        help="claims for activity on or after DATE (YYYY-MM-DD)",
    )
    batch.add_argument(
        "--to", dest="end", metavar="DATE", required=True, help="claims for activity on or before DATE"
    )
    _add_acting_user(batch)
    batch.set_defaults(handler=cmd_claims)

    register = actions.add_parser(
        "register",
        help="write the claims register: every claim and its status (xlsx)",
        description="Write every claim (or those with activity from --from to --to) to FILE, an "
        "Excel workbook: number, status, claimant, activity date, involvement, total, payable, "
        "the claimant's choice, budget, who submitted, decided and paid it and when. Bank "
        "details are masked. The file is written whole or not at all. Exits 2 if a date is "
        "malformed.",
    )
    register.add_argument("file", metavar="FILE", type=Path, help="where to write (.xlsx)")
    register.add_argument(
        "--from", dest="start", metavar="DATE", help="only claims for activity on or after DATE (YYYY-MM-DD)"
    )
    register.add_argument(
        "--to", dest="end", metavar="DATE", help="only claims for activity on or before DATE"
    )
    _add_acting_user(register)
    register.set_defaults(handler=cmd_claims)


def add_returns_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``vcsedesk returns build``: a partnership return's xlsx and PDF."""
    returns = sub.add_parser(
        "returns",
        help="build a partnership return (xlsx and PDF)",
        description="Work with returns to partnerships from the command line.",
    )
    actions = returns.add_subparsers(dest="returns_command", metavar="ACTION", required=True)
    build = actions.add_parser(
        "build",
        help="build a partnership's return for a period and write it as xlsx and/or PDF",
        description="Build the return to the partnership called NAME for PERIOD and write it to "
        "--xlsx FILE and/or --pdf FILE. A return already submitted is written from its frozen "
        "snapshot, so the files have the same content (and content hash) as when it was sent; "
        "a draft, or a period with no return started, is computed from the records as they are "
        "now. Quotes are included only where their speakers' consent allows it today; any chosen "
        "quote left out is listed with the reason. Small numbers are suppressed by the "
        "partnership's threshold. Files are written whole or not at all. Exits 2 if the period "
        "is malformed or no file is given.",
    )
    build.add_argument("--partnership", metavar="NAME", required=True, help="the partnership's name")
    build.add_argument(
        "--period",
        metavar="PERIOD",
        required=True,
        help="a quarter (2025-Q3), half year (2025-H1), month (2025-07), year (2025) or two dates "
        "(2025-04-01..2025-06-30)",
    )
    build.add_argument("--xlsx", metavar="FILE", type=Path, help="where to write the workbook (.xlsx)")
    build.add_argument("--pdf", metavar="FILE", type=Path, help="where to write the PDF (.pdf)")
    _add_acting_user(build)
    build.set_defaults(handler=cmd_returns_build)


def _add_acting_user(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as",
        dest="acting_user",
        metavar="USER",
        help="the user (name or id) exporting (default: this installation's user, else the only "
        "administrator)",
    )


# -- commands ---------------------------------------------------------------------------------
def _folder(args: argparse.Namespace) -> DataFolder:
    from vcsedesk.store.location import DataFolder

    return DataFolder.resolve(args.data_dir)


def _locked(args: argparse.Namespace, run: Callable[[DataFolder], int]) -> int:
    from vcsedesk.store.lock import DataFolderLock

    folder = _folder(args)
    folder.create()
    with DataFolderLock(folder.lock_file, program="vcsedesk " + args.command):
        return run(folder)


def _open(args: argparse.Namespace, folder: DataFolder) -> Database:
    from vcsedesk.services.maintenance import open_database

    db, _ = open_database(folder, args.db)
    return db


def cmd_demo(args: argparse.Namespace) -> int:
    from vcsedesk.services import demo

    def run(folder: DataFolder) -> int:
        with _open(args, folder) as db:
            result = demo.load(db, size=args.size, device_id=folder.device_id(), seed=args.seed)
        folder.save_installation(user_id=str(result.administrator.user_id))
        print(
            f"Demo data ({args.size}) loaded for {result.organisation}: {result.contacts:,} contacts, "
            f"{result.notes:,} engagement notes and quotes, "
            f"{result.users} users on {result.devices} devices. "
            f"You are {result.administrator.name}, an administrator."
        )
        return EXIT_OK

    return _locked(args, run)


def cmd_backup(args: argparse.Namespace) -> int:
    from vcsedesk.services import maintenance
    from vcsedesk.store.backup import copy_database
    from vcsedesk.store.database import Database

    folder = _folder(args)
    # A backup only reads: it neither creates nor upgrades the data, and is safe beside the
    # open app (SQLite's backup API copies a consistent snapshot).
    with Database(folder.database_url(args.db)) as db:
        if db.path is not None and not db.path.exists():
            print(f"There is no data at {db.path} yet, so there is nothing to back up.")
            return EXIT_OK
        if args.to:
            if db.path is None:
                maintenance.backup_now(db, folder)  # raises the PostgreSQL explanation
            assert db.path is not None
            copy_database(db.path, args.to.absolute())
            print(f"Backup written to {args.to.absolute()}")
        else:
            taken = maintenance.backup_now(db, folder)
            print(f"Backup written to {taken.path}")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from vcsedesk.services import maintenance

    def run(folder: DataFolder) -> int:
        if args.db:
            from vcsedesk.domain.errors import UserError

            raise UserError("restore works on the data folder's own file, not on a shared --db database.")
        result = maintenance.restore(folder, args.file)
        print(f"Restored the data from {result.restored_from}.")
        if result.kept_copy:
            print(f"The data it replaced was kept at {result.kept_copy}.")
        return EXIT_OK

    return _locked(args, run)


def cmd_check(args: argparse.Namespace) -> int:
    from vcsedesk.services import maintenance
    from vcsedesk.store.database import Database

    folder = _folder(args)
    with Database(folder.database_url(args.db)) as db:
        if db.path is not None and not db.path.exists():
            print(f"There is no data at {db.path} yet.")
            return EXIT_OK
        report = maintenance.check(db)
    print("\n".join(report.lines()))
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def cmd_migrate(args: argparse.Namespace) -> int:
    from vcsedesk.store import migrate
    from vcsedesk.store.database import Database

    def run(folder: DataFolder) -> int:
        if args.status:
            with Database(folder.database_url(args.db)) as db:
                if db.path is not None and not db.path.exists():
                    print(f"There is no data at {db.path} yet; it is created when vcsedesk first opens.")
                else:
                    print(migrate.status(db).describe())
            return EXIT_OK
        with Database(folder.database_url(args.db)) as db:
            before = migrate.prepare(db, backup_folder=folder.backups)
            after = migrate.status(db)
        if before.revision == after.revision:
            print(after.describe())
        else:
            print(f"Upgraded the data from schema {before.revision or '(new)'} to {after.revision}.")
        return EXIT_OK

    return _locked(args, run)


MAX_PROBLEMS_SHOWN = 50


def _acting_user(db: Database, folder: DataFolder, given: str | None) -> Actor:
    """--as (a name or an id), else the installation's user, else the only administrator."""
    import uuid

    from vcsedesk.domain.errors import UserError
    from vcsedesk.services import people, setup
    from vcsedesk.services.base import Role

    users = people.list_users(db)
    chosen = None
    if given:
        try:
            wanted = uuid.UUID(given)
            chosen = next((u for u in users if u.id == wanted), None)
        except ValueError:
            named = [u for u in users if u.name.casefold() == given.strip().casefold()]
            if len(named) > 1:
                raise UserError(
                    f"More than one user is called {given}; give their id with --as instead."
                ) from None
            chosen = named[0] if named else None
        if chosen is None:
            known = ", ".join(u.name for u in users) or "(none)"
            raise UserError(f"There is no active user “{given}”. Users: {known}.")
    else:
        known_id = folder.installation().get("user_id")
        if known_id:
            chosen = next((u for u in users if str(u.id) == known_id), None)
        if chosen is None:
            admins = [u for u in users if u.role is Role.ADMINISTRATOR]
            if len(admins) != 1:
                raise UserError(
                    "Say who is importing with --as NAME (this installation has no user of its own)."
                )
            chosen = admins[0]
    device = folder.device_id()
    if not people.device_known(db, device):
        setup.register_device(db, device)
    return people.actor_for(db, chosen.id, device)


def cmd_contacts_export(args: argparse.Namespace) -> int:
    from vcsedesk.services import contacts_export

    def run(folder: DataFolder) -> int:
        with _open(args, folder) as db:
            actor = _acting_user(db, folder, args.acting_user)
            return contacts_export.cmd_contacts_export(args, db, actor)

    return _locked(args, run)


def cmd_engagements_export(args: argparse.Namespace) -> int:
    from vcsedesk.services import engagements_export

    def run(folder: DataFolder) -> int:
        with _open(args, folder) as db:
            actor = _acting_user(db, folder, args.acting_user)
            try:
                return engagements_export.cmd_engagements_export(args, db, actor)
            except engagements_export.OptionError as exc:  # a date or a name mistyped: usage
                print(f"vcsedesk engagements export: {exc}", file=sys.stderr)
                return EXIT_USAGE

    return _locked(args, run)


def cmd_claims(args: argparse.Namespace) -> int:
    from vcsedesk.services import claims_export

    command = {"batch": claims_export.cmd_claims_batch, "register": claims_export.cmd_claims_register}[
        args.claims_command
    ]

    def run(folder: DataFolder) -> int:
        with _open(args, folder) as db:
            actor = _acting_user(db, folder, args.acting_user)
            try:
                return command(args, db, actor)
            except claims_export.OptionError as exc:  # a date mistyped, a file not .xlsx: usage
                print(f"vcsedesk claims {args.claims_command}: {exc}", file=sys.stderr)
                return EXIT_USAGE

    return _locked(args, run)


def cmd_returns_build(args: argparse.Namespace) -> int:
    from vcsedesk.domain.returns import parse_period, short_hash
    from vcsedesk.services import partnerships, returns

    def usage(problem: str) -> int:
        print(f"vcsedesk returns build: {problem}", file=sys.stderr)
        return EXIT_USAGE

    try:
        period = parse_period(args.period)
    except ValueError as exc:
        return usage(str(exc))
    if args.xlsx is None and args.pdf is None:
        return usage("say where to write the return: --xlsx FILE, --pdf FILE or both.")
    for option, path, suffix in (("--xlsx", args.xlsx, ".xlsx"), ("--pdf", args.pdf, ".pdf")):
        if path is not None and path.suffix.lower() != suffix:
            return usage(f"{option} {path}: the file name must end in {suffix}.")

    def run(folder: DataFolder) -> int:
        with _open(args, folder) as db:
            actor = _acting_user(db, folder, args.acting_user)
            partnership = partnerships.find_partnership(db, args.partnership)
            existing = returns.latest_for(db, partnership.id, period)
            if existing is not None:
                shown = returns.show(db, actor, existing.id)
                what = f"edition {existing.edition}, {existing.status.label.lower()}"
            else:
                shown = returns.preview(db, actor, partnership.id, period)
                what = "not started: computed from the records now"
            pages = returns.write_files(shown, xlsx=args.xlsx, pdf=args.pdf)
            print(f"Return to {partnership.name} for {period.label} ({what}).")
            if args.xlsx is not None:
                print(f"Wrote {args.xlsx}")
            if args.pdf is not None:
                print(f"Wrote {args.pdf} ({pages} pages)")
            state = "frozen" if shown.frozen else "draft: the figures will change until it is submitted"
            print(f"Content hash {short_hash(shown.content_hash)} ({state}): {shown.content_hash}")
            for notice in shown.notices:
                print(notice)
            return 0

    return _locked(args, run)


def cmd_contacts_import(args: argparse.Namespace) -> int:
    from vcsedesk.domain.errors import UserError
    from vcsedesk.services import imports

    overrides = {}
    for item in args.map:
        column, sep, spec = item.partition("=")
        if not sep or not column.strip() or not spec.strip():
            raise UserError(f'--map needs COLUMN=FIELD (for example "Mobile=phone:mobile"), not “{item}”.')
        overrides[column.strip()] = spec.strip()

    def run(folder: DataFolder) -> int:
        with _open(args, folder) as db:
            actor = _acting_user(db, folder, args.acting_user)
            found = imports.preview(db, args.file, overrides=overrides)
            print(f"Reading {found.file} as {found.format}: {len(found.rows):,} row(s).")
            print("Columns:")
            for header in found.headers:
                if header:
                    print(f"  “{header}” → {found.mapping.get(header, 'ignore')}")
            problems = found.problem_lines()
            if problems:
                print(f"{len(found.invalid_rows):,} row(s) have problems:")
                for line in problems[:MAX_PROBLEMS_SHOWN]:
                    print(f"  {line}")
                if len(problems) > MAX_PROBLEMS_SHOWN:
                    print(f"  …and {len(problems) - MAX_PROBLEMS_SHOWN:,} more.")
            duplicates = found.duplicate_rows
            if duplicates:
                print(f"{len(duplicates):,} row(s) look like contacts already known ({args.duplicates}):")
                for row in duplicates[:MAX_PROBLEMS_SHOWN]:
                    assert row.duplicate is not None
                    print(f"  {found.noun} {row.number}: {row.duplicate.describe(found.noun)}")
                if len(duplicates) > MAX_PROBLEMS_SHOWN:
                    print(f"  …and {len(duplicates) - MAX_PROBLEMS_SHOWN:,} more.")
            report = imports.commit(
                db,
                actor,
                found,
                duplicates=args.duplicates,
                skip_invalid=args.skip_invalid,
                folder=folder,
                dry_run=args.dry_run,
            )
        print("\n".join(report.lines()))
        return EXIT_OK

    return _locked(args, run)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from vcsedesk.ui.app import run_app

        return run_app(data_dir=args.data_dir, db_url=args.db)
    from vcsedesk.domain.errors import EnvironmentProblem, VcsedeskError
    from vcsedesk.logs import configure_logging

    configure_logging(console=False)
    try:
        code: int = args.handler(args)
    except VcsedeskError as exc:
        print(f"vcsedesk: {exc}", file=sys.stderr)
        if isinstance(exc, EnvironmentProblem) and exc.way_forward:
            print(exc.way_forward, file=sys.stderr)
        return EXIT_REFUSED
    return code
