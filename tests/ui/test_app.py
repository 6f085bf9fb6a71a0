"""Starting vcsedesk: first run, the second-instance lock, the probe, heavy imports, settings."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from tests.ui.helpers import SLOW_WAIT_MS, WAIT_MS, visible_message_boxes, wait_idle, wait_ready
from vcsedesk.services import people, setup
from vcsedesk.services.base import Actor, Role
from vcsedesk.settings import Settings
from vcsedesk.store.database import Database, sqlite_url
from vcsedesk.store.location import DataFolder
from vcsedesk.store.lock import DataFolderLock
from vcsedesk.ui import app as ui_app
from vcsedesk.ui import crash
from vcsedesk.ui.context import ENV_STARTUP_PROBE
from vcsedesk.ui.first_run import FirstRunDialog

StartApp = Callable[[], ui_app.App]


#: The areas of the sidebar, in order, once someone is acting.
AREAS = [
    "contacts",
    "engagements",
    "meetings",
    "actions",
    "insight",
    "claims",
    "returns",
    "history",
    "organisation",
]


def test_first_run_through_the_dialog_creates_the_organisation_and_its_administrator(
    qtbot: QtBot, start_app: StartApp, folder: DataFolder
) -> None:
    running = start_app()
    qtbot.waitUntil(lambda: running.first_run is not None and running.first_run.isVisible(), timeout=WAIT_MS)
    dialog = running.first_run
    assert isinstance(dialog, FirstRunDialog)
    assert not dialog.start_button.isEnabled()

    qtbot.keyClicks(dialog.organisation, "Canal Side Tenants' Association")
    qtbot.keyClicks(dialog.your_name, "Priya Shah")
    qtbot.keyClicks(dialog.email, "priya@")
    assert dialog.problems["email"].isVisible()
    assert "not an email address" in dialog.problems["email"].text()
    assert not dialog.start_button.isEnabled()
    qtbot.keyClicks(dialog.email, "example.org")
    assert not dialog.problems["email"].isVisible()
    assert dialog.start_button.isEnabled()

    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    wait_ready(qtbot, running)
    assert not dialog.isVisible()
    assert [a.key for a in running.window.areas] == AREAS  # type: ignore[union-attr]

    with Database(sqlite_url(folder.database)) as db:
        assert setup.is_set_up(db)
        users = people.list_users(db)
        from vcsedesk.services import organisation

        profile = organisation.get_profile(db)
    assert profile is not None and profile.name == "Canal Side Tenants' Association"
    assert [(u.name, u.role, u.email) for u in users] == [
        ("Priya Shah", Role.ADMINISTRATOR, "priya@example.org")
    ]
    assert folder.installation()["user_id"] == str(users[0].id)
    assert running.ctx.acting.name == "Priya Shah"
    assert running.history is not None and running.history.model.total == 2


def test_first_run_says_beside_the_field_what_is_missing(qtbot: QtBot, start_app: StartApp) -> None:
    running = start_app()
    qtbot.waitUntil(lambda: running.first_run is not None and running.first_run.isVisible(), timeout=WAIT_MS)
    dialog = running.first_run
    assert dialog is not None
    qtbot.keyClicks(dialog.your_name, "x")
    qtbot.keyClick(dialog.your_name, Qt.Key.Key_Backspace)
    assert dialog.problems["your_name"].isVisible()
    assert "Your name is required" in dialog.problems["your_name"].text()
    assert not dialog.start_button.isEnabled()


def ask_for_sample_data(qtbot: QtBot, running: ui_app.App) -> None:
    """Tick "sample data" on the first-run dialog and press Start."""
    qtbot.waitUntil(lambda: running.first_run is not None and running.first_run.isVisible(), timeout=WAIT_MS)
    dialog = running.first_run
    assert dialog is not None
    dialog.sample.setChecked(True)
    assert not dialog.organisation.isEnabled()
    assert dialog.start_button.isEnabled()
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)


def test_first_run_can_load_sample_data_instead(
    qtbot: QtBot, start_app: StartApp, folder: DataFolder
) -> None:
    running = start_app()
    ask_for_sample_data(qtbot, running)
    wait_ready(qtbot, running, timeout=SLOW_WAIT_MS)
    with Database(sqlite_url(folder.database)) as db:
        users = people.list_users(db)
    assert len(users) == 8
    saved = folder.installation()["user_id"]
    assert running.ctx.acting.user_id in {u.id for u in users if u.role is Role.ADMINISTRATOR}
    assert str(running.ctx.acting.user_id) == saved


def test_closing_while_the_sample_data_loads_keeps_it_for_next_time(
    qtbot: QtBot, start_app: StartApp, folder: DataFolder
) -> None:
    running = start_app()
    ask_for_sample_data(qtbot, running)
    running.shutdown()  # lets the job finish; its answer reaches a closed vcsedesk afterwards
    qtbot.wait(200)
    assert crash.handler().dialog is None
    again = start_app()
    wait_ready(qtbot, again)
    assert again.first_run is None
    with Database(sqlite_url(folder.database)) as db:
        assert len(people.list_users(db)) == 8


def test_quitting_the_first_run_closes_the_window(qtbot: QtBot, start_app: StartApp) -> None:
    running = start_app()
    qtbot.waitUntil(lambda: running.first_run is not None and running.first_run.isVisible(), timeout=WAIT_MS)
    assert running.first_run is not None
    qtbot.mouseClick(running.first_run.quit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running.window is not None and not running.window.isVisible(), timeout=WAIT_MS)


def test_a_second_instance_is_told_who_holds_the_data_folder(
    qtbot: QtBot, folder: DataFolder, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, str] = {}

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen["title"] = box.windowTitle()
        seen["text"] = box.text()
        seen["informative"] = box.informativeText()
        box.button(QMessageBox.StandardButton.Ok).click()

    with DataFolderLock(folder.lock_file, program="vcsedesk (the first one)"):
        QTimer.singleShot(20, answer)
        code = ui_app.run_app(str(folder.root), None)

    assert code == 1
    assert seen["title"] == "vcsedesk is already open"
    assert "already in use by vcsedesk (the first one)" in seen["text"]
    assert "process" in seen["text"] and "this computer" in seen["text"]
    assert "Switch to the vcsedesk window that is already open" in seen["informative"]


def test_the_app_acts_as_the_saved_user_else_the_first_active_administrator(
    qtbot: QtBot, start_app: StartApp, set_up: Actor, db: Database, folder: DataFolder
) -> None:
    people.add_user(db, set_up, name="Zoe Admin", role="administrator")
    folder.save_installation(user_id="not-a-uuid")
    running = start_app()
    wait_ready(qtbot, running)
    assert running.ctx.acting.name == "Sam Patel"
    assert running.ctx.acting.device_id == folder.device_id()


def test_start_up_takes_a_backup_and_shows_where_the_data_is(
    qtbot: QtBot, start_app: StartApp, set_up: Actor, folder: DataFolder
) -> None:
    running = start_app()
    wait_ready(qtbot, running)
    assert any(p.name.endswith("-start.vcsedesk") for p in folder.backups.iterdir())
    window = running.window
    assert window is not None
    assert str(folder.database) in window.data_label.text()
    assert window.backup_label.text().startswith("Last backup: today at")
    assert window.windowTitle() == "Riverside Community Voices"


def test_back_up_now_with_ctrl_b(
    qtbot: QtBot, start_app: StartApp, set_up: Actor, folder: DataFolder
) -> None:
    running = start_app()
    wait_ready(qtbot, running)
    before = set(folder.backups.iterdir())
    window = running.window
    assert window is not None
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT_MS)
    qtbot.keyClick(window.sidebar, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(set(folder.backups.iterdir()) - before) == 1, timeout=WAIT_MS)
    wait_idle(qtbot, running)
    assert "Backup saved" in window.statusBar().currentMessage()


def test_a_location_warning_is_shown_once_without_blocking(
    qtbot: QtBot, start_app: StartApp, set_up: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vcsedesk.store.location as location

    monkeypatch.setattr(location, "location_warnings", lambda path: [f"{path} is on a network share (nfs)."])
    running = start_app()
    wait_ready(qtbot, running)
    window = running.window
    assert window is not None
    assert window.banner.isVisible()
    assert "network share" in window.banner.text.text()
    assert visible_message_boxes() == []
    qtbot.mouseClick(window.banner.dismiss, Qt.MouseButton.LeftButton)
    assert not window.banner.isVisible()


def test_areas_are_reachable_by_keyboard_and_the_last_one_is_remembered(
    qtbot: QtBot, start_app: StartApp, set_up: Actor
) -> None:
    running = start_app()
    wait_ready(qtbot, running)
    window = running.window
    assert window is not None
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT_MS)
    keys = [a.key for a in window.areas]
    assert keys == AREAS

    def ctrl(key: str) -> None:  # Ctrl+1 is the first area, Ctrl+2 the second, …
        qtbot.keyClick(
            window.sidebar, Qt.Key(Qt.Key.Key_1.value + keys.index(key)), Qt.KeyboardModifier.ControlModifier
        )

    ctrl("organisation")
    assert window.stack.currentWidget() is running.organisation_area
    ctrl("contacts")
    assert window.stack.currentWidget() is running.contacts
    ctrl("history")
    assert window.stack.currentWidget() is running.history
    qtbot.keyClick(window.sidebar, Qt.Key.Key_Down)
    assert window.stack.currentWidget() is running.organisation_area
    assert window.sidebar.accessibleName() == "Areas"
    window.close()
    saved = Settings.load()
    assert saved.get("last_area") == "organisation"
    assert saved.get("window_geometry")


def test_the_startup_probe_notes_the_window_and_the_records_then_quits(
    qtbot: QtBot, start_app: StartApp, set_up: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = tmp_path / "probe.txt"
    picture = tmp_path / "window.png"
    monkeypatch.setenv(ENV_STARTUP_PROBE, str(probe))
    monkeypatch.setenv(ui_app.ENV_SCREENSHOT, str(picture))
    running = start_app()
    window = running.window
    assert window is not None
    qtbot.waitUntil(lambda: not window.isVisible() and running.ready, timeout=WAIT_MS)
    lines = [line.split() for line in probe.read_text().splitlines()]
    assert [name for name, _ in lines] == ["window_painted", "records_painted"]
    painted, records = (float(t) for _, t in lines)
    assert painted <= records
    assert picture.stat().st_size > 5_000


def test_the_window_is_painted_before_the_database_layer_is_imported(tmp_path: Path) -> None:
    code = f"""
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["VCSEDESK_CONFIG_DIR"] = {str(tmp_path / "config")!r}
from vcsedesk.ui import app as ui_app
heavy = ("sqlalchemy", "alembic", "openpyxl", "reportlab", "faker")
found = {{}}
original = ui_app.App._window_painted
def painted(self):
    found["heavy"] = [m for m in heavy if m in sys.modules]
    self.window.close()
ui_app.App._window_painted = painted
qapp = ui_app.application()
running = ui_app.start({str(tmp_path / "data")!r}, None)
qapp.exec()
running.shutdown()
print(found)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "{'heavy': []}"


def test_a_dashboard_figure_opens_its_records_in_their_own_area(
    qtbot: QtBot, start_app: StartApp, set_up: Actor, db: Database
) -> None:
    from datetime import date, timedelta

    from vcsedesk.services import actions

    actions.add_action(
        db,
        set_up,
        actions.ActionDraft(title="Write to the surgery", due_on=date.today() - timedelta(days=3)),
    )
    running = start_app()
    wait_ready(qtbot, running)
    window = running.window
    assert window is not None and running.insight is not None
    window.show_area("insight")
    page = running.insight
    qtbot.waitUntil(lambda: page.board is not None and not running.worker.busy, timeout=WAIT_MS)
    assert page.buttons["overdue_actions"].value == 1
    qtbot.mouseClick(page.buttons["overdue_actions"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_area() is window.area("actions"), timeout=WAIT_MS)
    tracker = running.actions_area.tracker  # type: ignore[union-attr]
    assert tracker.chosen_title == "Overdue actions"
    qtbot.waitUntil(lambda: tracker.model.rowCount() == 1, timeout=WAIT_MS)
    assert page.records_dialog is None


def test_a_return_due_on_the_dashboard_and_on_a_timeline_opens_in_the_returns_area(
    qtbot: QtBot, start_app: StartApp, set_up: Actor, db: Database
) -> None:
    from datetime import date

    from vcsedesk.domain.returns import Cadence, periods
    from vcsedesk.services import partnerships, returns

    today = date.today()
    first = next(iter(periods(Cadence.QUARTERLY, date(today.year - 1, 1, 1), today)))
    partnerships.add_partnership(
        db,
        set_up,
        partnerships.PartnershipDraft(name="Riverside People's Partnership", first_period_start=first.start),
    )
    running = start_app()
    wait_ready(qtbot, running)
    window = running.window
    assert window is not None and running.insight is not None and running.returns_area is not None
    window.show_area("insight")
    panel = running.insight.due_returns
    qtbot.waitUntil(lambda: bool(panel.buttons) and not running.worker.busy, timeout=WAIT_MS)
    assert panel.due[0].period == first and panel.due[0].return_id is None

    # Choosing the overdue one starts its return and shows it.
    panel.buttons[0].click()
    qtbot.waitUntil(lambda: window.current_area() is window.area("returns"), timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: returns.latest_for(db, panel.due[0].partnership_id, first) is not None, timeout=WAIT_MS
    )
    started = returns.latest_for(db, panel.due[0].partnership_id, first)
    assert started is not None
    area = running.returns_area
    qtbot.waitUntil(lambda: not area.showing_list and area.page.return_id == started.id, timeout=WAIT_MS)

    # A timeline's "Fed the return…" item opens the same return.
    window.show_area("contacts")
    running.open_record("returns", started.id)
    assert window.current_area() is window.area("returns")
    assert area.page.return_id == started.id
