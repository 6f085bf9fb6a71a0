"""The Organisation area: the profile form (inline checks, saving, conflicts), users, devices."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS, visible_message_boxes, wait_idle, wait_ready
from vcsedesk.services import organisation, people
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.ui import app as ui_app
from vcsedesk.ui.organisation_page import OrganisationPage, UserDialog

StartApp = Callable[[], ui_app.App]


def open_organisation(qtbot: QtBot, start_app: StartApp) -> tuple[ui_app.App, OrganisationPage]:
    running = start_app()
    wait_ready(qtbot, running)
    assert running.window is not None and running.organisation is not None
    running.window.show_area("organisation")
    return running, running.organisation


def retype(qtbot: QtBot, edit: object, text: str) -> None:
    from PySide6.QtWidgets import QLineEdit

    assert isinstance(edit, QLineEdit)
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def current_profile(db: Database) -> organisation.Profile:
    profile = organisation.get_profile(db)
    assert profile is not None
    return profile


def test_the_form_shows_a_bad_postcode_beside_the_field_then_saves_once_fixed(
    qtbot: QtBot, start_app: StartApp, set_up: Actor, db: Database
) -> None:
    _running, page = open_organisation(qtbot, start_app)
    form = page.form
    assert form.fields["name"].text() == "Riverside Community Voices"
    assert not form.save_button.isEnabled()

    retype(qtbot, form.fields["postcode"], "XX1")
    problem = form.problem_labels["postcode"]
    assert problem.isVisible()
    assert "“XX1” is not a UK postcode" in problem.text()
    assert problem.text().startswith("⚠")  # said in words and a sign, not by colour
    assert not form.save_button.isEnabled()

    retype(qtbot, form.fields["postcode"], "sw1a 1aa")
    assert not problem.isVisible()
    assert form.save_button.isEnabled()
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: current_profile(db).postcode == "SW1A 1AA", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: form.fields["postcode"].text() == "SW1A 1AA", timeout=WAIT_MS)
    assert form.profile is not None and form.profile.version == current_profile(db).version
    assert not form.save_button.isEnabled()
    assert not form.banner.isVisible()


def test_every_field_is_checked_as_you_type(qtbot: QtBot, start_app: StartApp, set_up: Actor) -> None:
    _running, page = open_organisation(qtbot, start_app)
    form = page.form
    retype(qtbot, form.fields["name"], "")
    assert "Name is required" in form.problem_labels["name"].text()
    retype(qtbot, form.fields["charity_number"], "12")
    assert "is not a charity number" in form.problem_labels["charity_number"].text()
    retype(qtbot, form.fields["company_number"], "ABC")
    assert "is not a company number" in form.problem_labels["company_number"].text()
    form.set_logo(b"GIF89a not allowed")
    assert "must be a PNG or JPEG" in form.problem_labels["logo"].text()
    assert set(form.problems) == {"name", "charity_number", "company_number", "logo"}
    assert not form.save_button.isEnabled()
    qtbot.mouseClick(form.discard_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not form.problems and form.fields["name"].text() != "", timeout=WAIT_MS)


def test_a_stale_save_shows_who_changed_it_changes_nothing_and_offers_to_reload(
    qtbot: QtBot, start_app: StartApp, set_up: Actor, db: Database
) -> None:
    running, page = open_organisation(qtbot, start_app)
    form = page.form
    loaded_version = current_profile(db).version
    # Behind the form's back: someone else saves the profile.
    organisation.update_profile(db, set_up, loaded_version, address="1 Canal Street\nLeeds")
    after_theirs = current_profile(db)

    retype(qtbot, form.fields["postcode"], "LS1 4AP")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(form.banner.isVisible, timeout=WAIT_MS)
    wait_idle(qtbot, running)

    message = form.banner_text.text()
    assert "was changed by Sam Patel" in message
    assert "Your changes were not saved" in message
    assert form.reload_button.isVisible()
    assert visible_message_boxes() == []
    assert current_profile(db) == after_theirs  # nothing of ours was written
    assert form.fields["postcode"].text() == "LS1 4AP"  # and nothing typed was lost

    qtbot.mouseClick(form.reload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.address.toPlainText() == "1 Canal Street\nLeeds", timeout=WAIT_MS)
    assert form.fields["postcode"].text() == ""
    assert not form.banner.isVisible()


def test_a_volunteer_sees_the_profile_but_cannot_save_it(
    qtbot: QtBot, start_app: StartApp, set_up: Actor, db: Database, folder: object
) -> None:
    from vcsedesk.store.location import DataFolder

    assert isinstance(folder, DataFolder)
    people.add_user(db, set_up, name="Val Unteer", role="volunteer")
    volunteer = next(u for u in people.list_users(db) if u.name == "Val Unteer")
    folder.save_installation(user_id=str(volunteer.id))
    _running, page = open_organisation(qtbot, start_app)
    retype(qtbot, page.form.fields["postcode"], "LS1 4AP")
    assert not page.form.save_button.isEnabled()
    assert "Only an administrator" in page.form.permission_note.text()
    assert not page.users.add_button.isEnabled()


def answer_user_dialog(qtbot: QtBot, fill: Callable[[UserDialog], None]) -> None:
    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, UserDialog):
            QTimer.singleShot(20, answer)
            return
        fill(dialog)

    QTimer.singleShot(20, answer)


def test_users_can_be_added_edited_archived_and_restored(
    qtbot: QtBot, start_app: StartApp, set_up: Actor, db: Database
) -> None:
    _running, page = open_organisation(qtbot, start_app)
    panel = page.users
    page.tabs.setCurrentWidget(panel)
    assert panel.model.rowCount() == 1

    def add(dialog: UserDialog) -> None:
        qtbot.keyClicks(dialog.name, "Jo Bloggs")
        dialog.role.setCurrentIndex(dialog.role.findData("coordinator"))
        qtbot.keyClicks(dialog.email, "not an email")
        assert "not an email address" in dialog.email_problem.text()
        assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
        dialog.email.clear()
        qtbot.keyClicks(dialog.email, "jo@example.org")
        dialog.accept()

    answer_user_dialog(qtbot, add)
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=WAIT_MS)
    jo = next(u for u in people.list_users(db) if u.name == "Jo Bloggs")
    assert (jo.role.value, jo.email) == ("coordinator", "jo@example.org")

    row = next(i for i, u in enumerate(panel.model.users) if u.name == "Jo Bloggs")
    panel.view.selectRow(row)

    def rename(dialog: UserDialog) -> None:
        dialog.name.clear()
        qtbot.keyClicks(dialog.name, "Jo Bloggs-Smith")
        dialog.accept()

    answer_user_dialog(qtbot, rename)
    qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: people.get_user(db, jo.id).name == "Jo Bloggs-Smith", timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: panel.selected() is not None and panel.selected().name == "Jo Bloggs-Smith", timeout=WAIT_MS
    )  # type: ignore[union-attr]

    qtbot.mouseClick(panel.archive_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: people.get_user(db, jo.id).archived, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=WAIT_MS)

    panel.show_archived.setChecked(True)
    assert panel.model.rowCount() == 2
    row = next(i for i, u in enumerate(panel.model.users) if u.archived)
    panel.view.selectRow(row)
    assert panel.restore_button.isEnabled() and not panel.archive_button.isEnabled()
    qtbot.mouseClick(panel.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not people.get_user(db, jo.id).archived, timeout=WAIT_MS)


def test_archiving_yourself_is_refused_plainly(qtbot: QtBot, start_app: StartApp, set_up: Actor) -> None:
    running, page = open_organisation(qtbot, start_app)
    panel = page.users
    panel.view.selectRow(0)
    qtbot.mouseClick(panel.archive_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(visible_message_boxes()), timeout=WAIT_MS)
    box = visible_message_boxes()[0]
    assert "cannot archive your own account" in box.text()
    box.accept()
    assert running.worker.messages == []


def test_the_devices_list_names_this_computer(qtbot: QtBot, start_app: StartApp, set_up: Actor) -> None:
    _running, page = open_organisation(qtbot, start_app)
    qtbot.waitUntil(lambda: page.devices.model.rowCount() == 1, timeout=WAIT_MS)
    name = page.devices.model.index(0, 0).data()
    assert name.endswith("(this computer)")
    assert page.devices.model.index(0, 2).data().startswith("today at")


def test_the_users_and_devices_models_pass_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, start_app: StartApp, set_up: Actor, db: Database
) -> None:
    people.add_user(db, set_up, name="Jo Bloggs", role="staff", email="jo@example.org")
    _running, page = open_organisation(qtbot, start_app)
    qtbot.waitUntil(
        lambda: page.users.model.rowCount() == 2 and page.devices.model.rowCount() == 1, timeout=WAIT_MS
    )
    qtmodeltester.check(page.users.model)
    qtmodeltester.check(page.devices.model)
    page.users.show_archived.setChecked(True)
    page.users.load()
    qtbot.waitUntil(lambda: not _running.worker.busy, timeout=WAIT_MS)


def test_user_dialog_needs_a_name(qtbot: QtBot) -> None:
    dialog = UserDialog(None)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    qtbot.keyClicks(dialog.name, "A")
    assert ok.isEnabled()
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.values() == {"name": "A", "role": "volunteer", "email": None}
