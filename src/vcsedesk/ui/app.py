"""Starting and stopping the app.

The order matters: the window is shown and painted before the database layer (SQLAlchemy,
Alembic) is even imported, so a person sees vcsedesk at once; the data is then opened on the
background worker:

1. QApplication (High-DPI scaling is Qt 6's default; the system font is left alone);
2. the global exception hook (bugs get the crash dialog);
3. logging to the rotating log file;
4. the data-folder lock — a second vcsedesk on the same folder says who holds it, and stops;
5. the main window, shown and painted;
6. on the worker: open the database (a backup first if it must be migrated), a start-up
   backup, this device registered; then either the first-run dialog or the areas.

Set $VCSEDESK_STARTUP_PROBE to a file to have start-up milestones appended to it (see
:class:`~vcsedesk.ui.context.StartupProbe`); the app then quits once the first page of the
history has been painted.  Set $VCSEDESK_SCREENSHOT to a PNG path to have the window saved
there at that moment (the History area is shown first).
"""

from __future__ import annotations

import logging
import os
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Slot
from PySide6.QtWidgets import QApplication, QMessageBox

from vcsedesk import __version__
from vcsedesk.domain.errors import EnvironmentProblem, NothingToUndo, ReadOnlyLocation, UserError
from vcsedesk.logs import configure_logging
from vcsedesk.settings import Settings
from vcsedesk.store.location import ENV_DB_URL, DataFolder
from vcsedesk.store.lock import DataFolderLock
from vcsedesk.ui import crash
from vcsedesk.ui.changes import ChangeHub
from vcsedesk.ui.context import ENV_STARTUP_PROBE, AppContext, StartupProbe
from vcsedesk.ui.main_window import LazyArea, MainWindow
from vcsedesk.ui.worker import Worker

if TYPE_CHECKING:
    from vcsedesk.services.base import Actor, Changes
    from vcsedesk.services.demo import DemoResult
    from vcsedesk.services.partnerships import DueReturn
    from vcsedesk.store.backup import BackupFile
    from vcsedesk.store.database import Database
    from vcsedesk.store.quickread import FirstLook
    from vcsedesk.ui.actions.area import ActionsArea
    from vcsedesk.ui.claims.area import ClaimsArea
    from vcsedesk.ui.contacts.area import ContactsArea
    from vcsedesk.ui.engagements.area import EngagementsArea
    from vcsedesk.ui.engagements.quick_entry import QuickEntryLauncher
    from vcsedesk.ui.first_run import FirstRunDialog
    from vcsedesk.ui.history_page import HistoryPage
    from vcsedesk.ui.insight.page import InsightPage
    from vcsedesk.ui.meetings.area import MeetingsArea
    from vcsedesk.ui.organisation_page import OrganisationPage
    from vcsedesk.ui.returns.area import ReturnsArea

log = logging.getLogger(__name__)

#: A file to save a picture of the window to, once the first records have been painted.
ENV_SCREENSHOT = "VCSEDESK_SCREENSHOT"
#: If the window has not been painted by then (minimised, say), open the data anyway.
OPEN_WITHOUT_PAINT_MS = 2000


def tr(text: str) -> str:
    return QCoreApplication.translate("app", text)


# -- work done on the worker thread ----------------------------------------------------------
@dataclass(frozen=True)
class Opened:
    """What start-up found once the data was open."""

    db: Database
    set_up: bool
    actor: Actor | None
    organisation: str | None


@dataclass(frozen=True)
class Settled:
    """After the start-up backup and this device's registration."""

    last_backup: BackupFile | None
    warnings: list[str]


def choose_actor(db: Database, folder: DataFolder, device_id: Any) -> Actor | None:
    """Who acts: the user saved for this installation if still active, else the first
    active administrator."""
    import uuid

    from vcsedesk.services import people
    from vcsedesk.services.base import Actor, Role

    saved = folder.installation().get("user_id")
    if saved:
        try:
            return people.actor_for(db, uuid.UUID(saved), device_id)
        except (UserError, ValueError) as exc:
            log.info("The saved user %s cannot act (%s); choosing an administrator", saved, exc)
    for user in people.list_users(db):
        if user.role is Role.ADMINISTRATOR and not user.archived:
            return Actor(user_id=user.id, name=user.name, role=user.role, device_id=device_id)
    return None


def look_first(path: Path, limit: int) -> FirstLook | None:
    """The first page of records, read before the database layer loads (standard library only)."""
    from vcsedesk.store.quickread import first_look

    return first_look(path, limit=limit)


def open_data(folder: DataFolder, db_url: str | None) -> Opened:
    """Open the data (migrating it, after a backup, if it is behind) and see who acts.

    Reads only: the start-up backup and this device's registration follow in
    :func:`settle_in`, queued on the same worker right behind the first page of the history,
    so they still come before any change a person can make.
    """
    from vcsedesk.services import maintenance, organisation, setup

    db, _found = maintenance.open_database(folder, db_url)
    try:
        set_up = setup.is_set_up(db)
        actor = choose_actor(db, folder, folder.device_id()) if set_up else None
        profile = organisation.get_profile(db) if set_up else None
        return Opened(db=db, set_up=set_up, actor=actor, organisation=profile.name if profile else None)
    except BaseException:
        db.dispose()
        raise


def settle_in(db: Database, folder: DataFolder) -> Settled:
    """The start-up backup (SQLite, once there is data), then this device registered."""
    from vcsedesk.services import maintenance, people, setup
    from vcsedesk.store.location import location_warnings

    if db.is_sqlite and setup.is_set_up(db):
        maintenance.backup_now(db, folder, "start")
    device_id = folder.device_id()
    setup.register_device(db, device_id)
    people.touch_device(db, device_id)
    if not db.is_sqlite:
        return Settled(last_backup=None, warnings=[])
    return Settled(last_backup=maintenance.last_backup(folder), warnings=location_warnings(folder.root))


def set_up_data(db: Database, folder: DataFolder, values: dict[str, Any]) -> Actor:
    """First run: the organisation and its first administrator, or the sample data."""
    from vcsedesk.services import demo, setup

    device_id = folder.device_id()
    if values["sample"]:
        result: DemoResult = demo.load(db, size="small", device_id=device_id)
        actor = result.administrator
    else:
        actor = setup.first_run(
            db,
            organisation_name=values["organisation_name"],
            user_name=values["user_name"],
            user_email=values["user_email"],
            device_id=device_id,
        )
    folder.save_installation(user_id=str(actor.user_id))
    return actor


def organisation_name(db: Database) -> str | None:
    from vcsedesk.services import organisation

    profile = organisation.get_profile(db)
    return profile.name if profile else None


# -- the running app -------------------------------------------------------------------------
class App(QObject):
    """One running vcsedesk: its window, worker, change hub and open data."""

    def __init__(
        self,
        folder: DataFolder,
        lock: DataFolderLock,
        db_url: str | None,
        settings: Settings,
        *,
        log_file: Path | None = None,
        probe: StartupProbe | None = None,
    ) -> None:
        super().__init__()
        # State first: building the window below may run queued events that look at it.
        self.opening_started = False
        self.ready = False
        self.settled = False
        self.failed = False
        self._shut_down = False
        self.lock = lock
        self.db_url = db_url
        self.window: MainWindow | None = None
        self.worker = Worker(parent_widget=lambda: self.window)
        self.hub = ChangeHub(self.worker)
        self.ctx = AppContext(folder, settings, self.worker, self.hub, log_file=log_file, probe=probe)
        self.window = MainWindow(self.ctx)
        self.first_run: FirstRunDialog | None = None
        self.history: HistoryPage | None = None
        self.contacts: ContactsArea | None = None
        self.quick_entry: QuickEntryLauncher | None = None
        self.engagements: EngagementsArea | None = None
        self.meetings: MeetingsArea | None = None
        self.actions_area: ActionsArea | None = None
        self.insight: InsightPage | None = None
        self.claims: ClaimsArea | None = None
        self.returns_area: ReturnsArea | None = None
        self.organisation_area: LazyArea | None = None

        crash.handler().parent_widget = lambda: self.window
        self.window.first_painted.connect(self._window_painted)
        self.window.backup_action.triggered.connect(self.back_up_now)
        self.window.undo_action.triggered.connect(self.undo)
        self.hub.changed.connect(self._on_changed)

        self.backup_timer = QTimer(self)
        minutes = max(1, int(settings.get("backup_after_changes_minutes")))
        self.backup_timer.setInterval(minutes * 60_000)
        self.backup_timer.timeout.connect(self.back_up_if_changed)

    @property
    def folder(self) -> DataFolder:
        return self.ctx.folder

    # -- start-up --------------------------------------------------------------------------
    def begin(self) -> None:
        assert self.window is not None
        self.window.show()
        QTimer.singleShot(OPEN_WITHOUT_PAINT_MS, self._open)

    @Slot()
    def _window_painted(self) -> None:
        if self.ctx.probe is not None:
            self.ctx.probe.mark("window_painted")
        self._open()

    @Slot()
    def _open(self) -> None:
        if self.opening_started or self._shut_down:
            return
        self.opening_started = True
        log.info("Opening the data in %s", self.folder.root)
        if not (self.db_url or os.environ.get(ENV_DB_URL)):
            # The embedded SQLite file: show its first page of records while SQLAlchemy loads.
            from vcsedesk.ui.history_page import PAGE_SIZE

            self.worker.submit(
                look_first,
                self.folder.database,
                PAGE_SIZE,
                on_done=self._first_look_arrived,
                on_error=lambda exc: log.info("No first look: %s", exc),
                label=tr("Opening your data…"),
            )
        self.worker.submit(
            open_data,
            self.folder,
            self.db_url,
            on_done=self._opened,
            on_error=self._open_refused,
            on_settled=self._open_settled,
            label=tr("Opening your data…"),
        )

    def _first_look_arrived(self, look: FirstLook | None) -> None:
        from vcsedesk.ui.history_page import HistoryPage

        if look is None or self._shut_down or self.history is not None or self.window is None:
            return
        self.window.setWindowTitle(look.organisation)
        self.history = HistoryPage(self.ctx, self.window, first_look=look)
        self.window.add_area("history", tr("History"), self.history)
        self.history.view.rows_painted.connect(self._records_painted)
        self.window.show_area("history")

    def _opened(self, opened: Opened) -> None:
        assert self.window is not None
        if self._shut_down:
            opened.db.dispose()
            return
        self.ctx.db = opened.db
        self.window.set_data_location(opened.db.display_name)
        if opened.organisation:
            self.window.setWindowTitle(opened.organisation)
        if not opened.set_up:
            self._show_first_run()
        elif opened.actor is None:
            self.window.show_problem(
                tr("Nobody can act on this data: every administrator's account has been archived.")
            )
        else:
            self._ready(opened.actor)  # queues the first page of the history
        self.worker.submit(
            settle_in,
            opened.db,
            self.folder,
            on_done=self._settled_in,
            label=tr("Backing up your data…"),
        )

    def _settled_in(self, settled: Settled) -> None:
        if self.window is None or self.ctx.db is None:
            return
        self.settled = True
        self.window.set_last_backup(settled.last_backup, shared=not self.ctx.db.is_sqlite)
        self.window.show_location_warnings(settled.warnings)
        self.window.backup_action.setEnabled(True)

    def _open_refused(self, exc: UserError) -> None:
        assert self.window is not None
        self.worker.show_user_error(exc)

    def _open_settled(self) -> None:
        assert self.window is not None
        if self.ctx.db is None:
            self.failed = True
            self.window.show_problem(
                tr(
                    "vcsedesk could not open the data in {folder}. The message says why and what to do."
                ).format(folder=self.folder.root)
            )

    # -- first run -------------------------------------------------------------------------
    def _show_first_run(self) -> None:
        from vcsedesk.ui.first_run import FirstRunDialog

        if self.ctx.probe is not None:
            self.ctx.probe.mark("first_run_shown")
            QTimer.singleShot(0, self._close_window)
            return
        self.window.show_problem(tr("Welcome. Tell vcsedesk about your organisation to begin."))  # type: ignore[union-attr]
        dialog = FirstRunDialog(self.window)
        dialog.submitted.connect(self._first_run_submitted)
        dialog.rejected.connect(self._close_window)
        self.first_run = dialog
        dialog.open()

    @Slot(dict)
    def _first_run_submitted(self, values: dict[str, Any]) -> None:
        self.worker.submit(
            set_up_data,
            self.ctx.database,
            self.folder,
            values,
            on_done=self._first_run_done,
            on_error=self._first_run_refused,
            on_settled=self._first_run_settled,
            label=tr("Loading the sample data…") if values["sample"] else tr("Setting up vcsedesk…"),
        )

    def _first_run_done(self, actor: Actor) -> None:
        if self._shut_down:  # closed while the data was being set up: it is saved, for next time
            return
        if self.first_run is not None:
            self.first_run.accept()
            self.first_run = None
        self._ready(actor)
        self.worker.submit(organisation_name, self.ctx.database, on_done=self._set_title)

    def _first_run_refused(self, exc: UserError) -> None:
        if self.first_run is not None:
            self.first_run.refused(str(exc))

    def _first_run_settled(self) -> None:
        if self.first_run is not None and not self.ready:
            self.first_run.set_busy(False)

    # -- areas -----------------------------------------------------------------------------
    def _ready(self, actor: Actor) -> None:
        from vcsedesk.ui.history_page import HistoryPage

        window = self.window
        assert window is not None
        self.ctx.actor = actor
        if self.history is None:
            self.history = HistoryPage(self.ctx, window)
            window.add_area("history", tr("History"), self.history)
            self.history.view.rows_painted.connect(self._records_painted)
        self.organisation_area = LazyArea(self._build_organisation)
        window.add_area("organisation", tr("Organisation"), self.organisation_area)
        from vcsedesk.ui.contacts import install as install_contacts

        self.contacts = install_contacts(self.ctx, window)  # first in the sidebar
        from vcsedesk.ui.engagements import install as install_engagements

        self.engagements = install_engagements(self.ctx, window, position=1)
        from vcsedesk.ui.actions import install as install_actions
        from vcsedesk.ui.meetings import install as install_meetings

        self.meetings = install_meetings(self.ctx, window, position=2)
        self.actions_area = install_actions(self.ctx, window, position=3)
        from vcsedesk.ui.insight import install as install_insight

        self.insight = install_insight(self.ctx, window, position=4)
        self.insight.shown_elsewhere = {"engagements", "actions"}
        self.insight.open_records.connect(self.open_records)
        from vcsedesk.ui.claims import install as install_claims

        self.claims = install_claims(self.ctx, window, position=5)
        self.claims.open_elsewhere.connect(self.open_record)
        from vcsedesk.ui.returns import install as install_returns

        # Only for those who manage returns (None for anyone else).
        self.returns_area = install_returns(self.ctx, window, position=6)
        if self.returns_area is not None:
            self.returns_area.open_records.connect(self.open_records)
            self.returns_area.open_elsewhere.connect(self.open_record)
        self.insight.open_due.connect(self.open_due_return)
        self.contacts.open_record.connect(self.open_record)
        self.actions_area.open_source.connect(self.open_record)
        from vcsedesk.ui.engagements.quick_entry import install_quick_entry

        self.quick_entry = install_quick_entry(self.ctx, window)
        window.undo_action.setEnabled(True)
        if self.ctx.probe is not None or os.environ.get(ENV_SCREENSHOT):
            start = "history"
        else:
            start = str(self.ctx.settings.get("last_area"))
        window.show_area(start if window.area(start) else window.areas[0].key)
        window.sidebar.setFocus()
        if self.ctx.database.is_sqlite:
            self.backup_timer.start()
        self.ready = True
        log.info("Ready: %s acting on %s", actor.name, self.ctx.database.display_name)

    def open_record(self, table: str, record_id: uuid.UUID) -> None:
        """Show a record in the area that keeps it (from a timeline, the dashboard, an action)."""
        window = self.window
        if window is None:
            return
        if table in ("engagements", "quotes") and self.engagements is not None:
            window.show_area("engagements")
            self.engagements.open_record(table, record_id)
        elif table == "meetings" and self.meetings is not None:
            window.show_area("meetings")
            self.meetings.open_record(table, record_id)
        elif table == "actions" and self.actions_area is not None:
            window.show_area("actions")
            self.actions_area.open_record(table, record_id)
        elif table == "claims" and self.claims is not None:
            window.show_area("claims")
            self.claims.open_record(table, record_id)
        elif table == "contacts" and self.contacts is not None:
            window.show_area("contacts")
            self.contacts.open_contact(record_id)
        elif table == "returns" and self.returns_area is not None:
            window.show_area("returns")
            self.returns_area.open_record(table, record_id)

    def open_due_return(self, due: DueReturn) -> None:
        """A return due on the dashboard: open it, or the Returns area to start it."""
        window = self.window
        if window is None or self.returns_area is None:
            return
        window.show_area("returns")
        self.returns_area.open_due(due)

    def open_records(self, kind: str, ids: list[uuid.UUID], title: str) -> None:
        """Show the records behind a dashboard figure in the area that keeps them."""
        window = self.window
        if window is None:
            return
        if kind == "engagements" and self.engagements is not None:
            window.show_area("engagements")
            self.engagements.open_records(ids, title)
        elif kind == "actions" and self.actions_area is not None:
            window.show_area("actions")
            self.actions_area.open_records(ids, title)

    def _build_organisation(self) -> OrganisationPage:
        from vcsedesk.ui.organisation_page import OrganisationPage

        assert self.window is not None
        return OrganisationPage(self.ctx, self.window)

    @property
    def organisation(self) -> OrganisationPage | None:
        """The Organisation area's page (built now if it had not been yet)."""
        if self.organisation_area is None:
            return None
        page = self.organisation_area.page()
        from vcsedesk.ui.organisation_page import OrganisationPage

        assert isinstance(page, OrganisationPage)
        return page

    @Slot()
    def _records_painted(self) -> None:
        if self.organisation_area is not None and not self.organisation_area.built:
            QTimer.singleShot(0, self.organisation_area.page)  # ready before it is asked for
        screenshot = os.environ.get(ENV_SCREENSHOT)
        if screenshot and self.window is not None:
            if self.window.grab().save(screenshot):
                log.info("Screenshot saved to %s", screenshot)
            else:
                log.warning("The screenshot could not be saved to %s", screenshot)
        if self.ctx.probe is not None and self.ctx.probe.mark("records_painted"):
            QTimer.singleShot(0, self._close_window)

    @Slot()
    def _close_window(self) -> None:
        if self.window is not None:
            self.window.close()

    def _set_title(self, name: str | None) -> None:
        if name and self.window is not None:
            self.window.setWindowTitle(name)

    def _on_changed(self, changes: Changes) -> None:
        if self.window is not None and changes.summary:
            self.window.note(changes.summary)
        if changes.touches("organisation"):
            self.worker.submit(organisation_name, self.ctx.database, on_done=self._set_title)

    # -- actions ---------------------------------------------------------------------------
    @Slot()
    def undo(self) -> None:
        from vcsedesk.services.base import undo_last

        if self.ctx.actor is None or self.ctx.db is None:
            return
        self.hub.perform(
            undo_last,
            self.ctx.db,
            self.ctx.actor,
            on_error=self._undo_refused,
            label=tr("Undoing your last change…"),
        )

    def _undo_refused(self, exc: UserError) -> None:
        if isinstance(exc, NothingToUndo) and self.window is not None:
            self.window.note(str(exc))
        else:
            self.worker.show_user_error(exc)

    @Slot()
    def back_up_now(self) -> None:
        from vcsedesk.services import maintenance

        if self.ctx.db is None:
            return
        self.worker.submit(
            maintenance.backup_now,
            self.ctx.db,
            self.folder,
            on_done=self._backed_up,
            label=tr("Backing up your data…"),
        )

    def _backed_up(self, taken: BackupFile | None) -> None:
        if taken is None or self.window is None:
            return
        self.window.set_last_backup(taken)
        self.window.note(tr("Backup saved: {path}").format(path=taken.path))

    @Slot()
    def back_up_if_changed(self) -> None:
        from vcsedesk.services import maintenance

        if self.ctx.db is None or self._shut_down:
            return
        self.worker.submit(
            maintenance.backup_if_changed,
            self.ctx.db,
            self.folder,
            on_done=self._backed_up,
            label=tr("Backing up your recent changes…"),
        )

    # -- shutting down ---------------------------------------------------------------------
    def shutdown(self) -> None:
        """Let queued work finish, close the data and let go of the data folder."""
        if self._shut_down:
            return
        self._shut_down = True
        self.backup_timer.stop()
        if self.window is not None and self.window.isVisible():
            self.window.close()
        self.worker.shutdown()
        db = self.ctx.db
        if db is not None:
            try:
                from vcsedesk.services import maintenance

                maintenance.backup_if_changed(db, self.folder)
            except Exception:
                log.exception("The backup on closing failed")
            db.dispose()
            self.ctx.db = None
        self.lock.release()
        log.info("vcsedesk closed")


# -- entry points ----------------------------------------------------------------------------
def application() -> QApplication:
    """The QApplication, made if need be, named vcsedesk."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        QApplication.setApplicationName("vcsedesk")
        app = QApplication(sys.argv)
    app.setApplicationName("vcsedesk")
    app.setApplicationDisplayName("vcsedesk")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("vcsedesk")
    return app


def refuse(exc: EnvironmentProblem, title: str) -> None:
    """Say plainly why vcsedesk cannot start, and wait for the person to read it."""
    box = QMessageBox(QMessageBox.Icon.Critical, title, str(exc), QMessageBox.StandardButton.Ok)
    box.setAccessibleName(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if exc.way_forward:
        box.setInformativeText(exc.way_forward)
    box.exec()


def start(data_dir: str | None, db_url: str | None, *, log_file: Path | None = None) -> App | int:
    """Take the data folder and show the window; 1 if the folder cannot be had."""
    from vcsedesk.domain.errors import DataFolderLocked

    folder = DataFolder.resolve(data_dir)
    lock = DataFolderLock(folder.lock_file, program="vcsedesk")
    try:
        try:
            folder.create()
        except OSError as exc:
            raise ReadOnlyLocation(
                f"The data folder {folder.root} cannot be created ({exc.strerror})."
            ) from exc
        lock.acquire()
    except DataFolderLocked as exc:
        log.warning("Not starting: %s", exc)
        refuse(exc, tr("vcsedesk is already open"))
        return 1
    except EnvironmentProblem as exc:
        log.warning("Not starting: %s", exc)
        refuse(exc, tr("vcsedesk cannot start"))
        return 1
    probe_file = os.environ.get(ENV_STARTUP_PROBE)
    app = App(
        folder,
        lock,
        db_url,
        Settings.load(),
        log_file=log_file,
        probe=StartupProbe(Path(probe_file)) if probe_file else None,
    )
    app.begin()
    return app


def run_app(data_dir: str | None = None, db_url: str | None = None) -> int:
    """Open the app on the data folder; return the process exit code."""
    qapp = application()
    hook = crash.install()
    hook.log_file = configure_logging()
    log.info("vcsedesk %s starting", __version__)
    started = start(data_dir, db_url, log_file=hook.log_file)
    if isinstance(started, int):
        return started
    try:
        code = qapp.exec()
    finally:
        started.shutdown()
    return int(code)


def main() -> int:
    """The ``vcsedesk-gui`` entry point: the same options as ``vcsedesk``."""
    from vcsedesk.cli import main as cli_main

    return cli_main()
