"""The import wizard: a file read on the worker, its columns mapped, every row previewed with
its problems and duplicates, an all-or-nothing import through the change hub, and a report —
and a hostile file refused plainly with nothing written."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QFileDialog
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from tests.ui.contacts.conftest import Opened
from tests.ui.helpers import WAIT_MS
from vcsedesk.domain.contacts import ContactDraft, EmailEntry
from vcsedesk.services import contact_list, contacts
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.store.models import Contact, ContactEmail, JournalEntry
from vcsedesk.ui.contacts.import_wizard import (
    FILE_PAGE,
    MAPPING_PAGE,
    PREVIEW_PAGE,
    REPORT_PAGE,
    ImportWizard,
    PreviewModel,
)

OpenContacts = Callable[[], Opened]

ROWS = [
    ["First name", "Last name", "Email", "Mobile"],
    ["Aisha", "Rahman", "aisha@example.org", "07700 900123"],
    ["Ben", "Okafor", "ben@example.org", "07700 900124"],
    ["Chloe", "Nowak", "chloe@example.org", ""],
    ["Dev", "Shah", "dev@", "07700 900126"],  # row 5: a bad email
    ["Eve", "Jones", "eve@example.org", ""],  # row 6: the contact already stored
]


def state(db: Database) -> dict[str, Any]:
    with db.read() as s:
        return {
            "contacts": s.scalar(select(func.count()).select_from(Contact)),
            "emails": s.scalar(select(func.count()).select_from(ContactEmail)),
            "journal": s.scalar(select(func.max(JournalEntry.seq))),
        }


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def choose(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[tuple[Any, ...]]:
    """Answer the open-file dialog with ``path``; returns the calls made to it."""
    calls: list[tuple[Any, ...]] = []

    def fake(*args: Any, **kwargs: Any) -> tuple[str, str]:
        calls.append(args)
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(fake))
    return calls


def open_wizard(qtbot: QtBot, opened: Opened) -> ImportWizard:
    wizard = ImportWizard(opened.running.ctx, opened.window)
    qtbot.addWidget(wizard)
    wizard.open()
    qtbot.waitUntil(wizard.isVisible, timeout=WAIT_MS)
    wizard.activateWindow()  # mnemonics need the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is wizard, timeout=WAIT_MS)
    return wizard


def press(qtbot: QtBot, wizard: ImportWizard, key: Qt.Key, button: QAbstractButton) -> None:
    """Alt+key, as a person would; a mnemonic clicks its button a moment later (animated)."""
    with qtbot.waitSignal(button.clicked, timeout=WAIT_MS):
        qtbot.keyClick(wizard, key, Qt.KeyboardModifier.AltModifier)


def idle(qtbot: QtBot, opened: Opened, wizard: ImportWizard) -> None:
    qtbot.waitUntil(lambda: not opened.running.worker.busy and not wizard._busy, timeout=WAIT_MS)


def row_of(model: PreviewModel, number: int) -> int:
    for row in range(model.rowCount()):
        if model.index(row, PreviewModel.ROW).data() == str(number):
            return row
    raise AssertionError(f"row {number} is not in the preview")


def add_eve(db: Database, actor: Actor) -> None:
    contacts.create_contact(
        db,
        actor,
        ContactDraft(given_name="Eve", family_name="Jones", emails=(EmailEntry("eve@example.org"),)),
    )


def test_preview_then_import_the_good_rows(
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    monkeypatch: pytest.MonkeyPatch,
    open_contacts: OpenContacts,
    set_up: Actor,
    db: Database,
    tmp_path: Path,
) -> None:
    add_eve(db, set_up)
    path = write_csv(tmp_path / "friends.csv", ROWS)
    calls = choose(monkeypatch, path)
    opened = open_contacts()
    wizard = open_wizard(qtbot, opened)
    assert wizard.page == FILE_PAGE and not wizard.next_button.isEnabled()

    # Step 1: choose the file by keyboard (Alt+C), read on the worker.
    press(qtbot, wizard, Qt.Key.Key_C, wizard.choose_button)
    assert len(calls) == 1 and "*.csv" in calls[0][3] and "*.xlsx" in calls[0][3] and "*.vcf" in calls[0][3]
    idle(qtbot, opened, wizard)
    assert wizard.next_button.isEnabled()
    assert "friends.csv" in wizard.file_status.text()

    # Step 2: the detected mapping, a combo box per column.
    press(qtbot, wizard, Qt.Key.Key_N, wizard.next_button)
    assert wizard.page == MAPPING_PAGE
    assert wizard.mapping() == {
        "First name": "given_name",
        "Last name": "family_name",
        "Email": "email",
        "Mobile": "phone:mobile",
    }
    combo = wizard.combos["Email"]
    assert combo.accessibleName() == "Field for the column “Email”"
    assert combo.itemText(0) == "(ignore)"

    # Step 3: the preview.
    press(qtbot, wizard, Qt.Key.Key_N, wizard.next_button)
    idle(qtbot, opened, wizard)
    assert wizard.page == PREVIEW_PAGE
    model = wizard.model
    qtmodeltester.check(model)
    assert model.rowCount() == 5
    bad = row_of(model, 5)
    problems = model.index(bad, PreviewModel.PROBLEMS).data()
    assert problems.startswith("Row 5, column “Email”:") and "dev@" in problems
    assert model.index(bad, PreviewModel.DECISION).data() == "Has problems"
    dup = row_of(model, 6)
    assert "Eve Jones" in model.index(dup, PreviewModel.LOOKS_LIKE).data()
    assert model.index(dup, PreviewModel.DECISION).data(PreviewModel.CodeRole) == "skip"
    editor = wizard.view.indexWidget(model.index(dup, PreviewModel.DECISION))
    assert isinstance(editor, QComboBox) and editor.currentText() == "Skip"
    assert wizard.counts_label.text() == "3 to create, 0 to merge, 1 skipped, 1 with problems"
    # With a row with problems, nothing can be imported until those rows are skipped.
    assert not wizard.import_button.isEnabled()
    assert "Skip rows with problems" in wizard.preview_problem.text()

    # Changing the mapping changes the preview: without the Email column the bad email is
    # gone, and Eve no longer looks like anyone.
    press(qtbot, wizard, Qt.Key.Key_B, wizard.back_button)
    assert wizard.page == MAPPING_PAGE
    wizard.set_field("Email", "ignore")
    press(qtbot, wizard, Qt.Key.Key_N, wizard.next_button)
    idle(qtbot, opened, wizard)
    assert wizard.page == PREVIEW_PAGE
    qtmodeltester.check(model)
    assert all(not model.index(r, PreviewModel.PROBLEMS).data() for r in range(model.rowCount()))
    assert wizard.counts_label.text() == "5 to create, 0 to merge, 0 skipped, 0 with problems"

    # Back to the mapping as detected.
    press(qtbot, wizard, Qt.Key.Key_B, wizard.back_button)
    wizard.set_field("Email", "email")
    press(qtbot, wizard, Qt.Key.Key_N, wizard.next_button)
    idle(qtbot, opened, wizard)
    assert wizard.counts_label.text() == "3 to create, 0 to merge, 1 skipped, 1 with problems"

    # Skip rows with problems (Alt+S), then Import (Alt+I).
    before = state(db)
    press(qtbot, wizard, Qt.Key.Key_S, wizard.skip_invalid)
    assert wizard.skip_invalid.isChecked()
    assert wizard.model.index(row_of(model, 5), PreviewModel.DECISION).data() == "Left out"
    assert wizard.import_button.isEnabled()
    changed: list[Any] = []
    opened.running.ctx.hub.changed.connect(changed.append)
    press(qtbot, wizard, Qt.Key.Key_I, wizard.import_button)
    idle(qtbot, opened, wizard)

    # Step 4: the report, and exactly the good rows in the database.
    assert wizard.page == REPORT_PAGE
    assert wizard.report is not None
    assert (wizard.report.created, wizard.report.merged, wizard.report.skipped) == (3, 0, 1)
    text = wizard.report_label.text()
    assert "3 new contact(s) created" in text
    assert "1 likely duplicate(s) skipped" in text
    assert "1 row(s) with problems left out" in text
    assert "Undo" in text
    assert "Row 5, column “Email”" in wizard.report_problems.toPlainText()
    assert changed and changed[0].touches("contacts")
    after = state(db)
    assert after["contacts"] == before["contacts"] + 3
    rows = contact_list.page(db, contact_list.ContactFilter())
    names = sorted(r.name for r in rows)
    assert {"Aisha Rahman", "Ben Okafor", "Chloe Nowak", "Eve Jones"} <= set(names)
    assert "Dev Shah" not in names
    assert sum(n == "Eve Jones" for n in names) == 1
    assert wizard.close_button.text() == "&Close"
    qtbot.mouseClick(wizard.close_button, Qt.MouseButton.LeftButton)
    assert not wizard.isVisible()


def test_a_duplicate_can_be_merged_instead(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    open_contacts: OpenContacts,
    set_up: Actor,
    db: Database,
    tmp_path: Path,
) -> None:
    add_eve(db, set_up)
    rows = [
        ROWS[0],
        ["Eve", "Jones", "eve@example.org", "07700 900199"],
        ["Finn", "Lee", "finn@example.org", ""],
    ]
    choose(monkeypatch, write_csv(tmp_path / "two.csv", rows))
    opened = open_contacts()
    wizard = open_wizard(qtbot, opened)
    wizard.choose_file()
    idle(qtbot, opened, wizard)
    wizard.go_next()
    wizard.go_next()
    idle(qtbot, opened, wizard)
    model = wizard.model
    editor = wizard.view.indexWidget(model.index(row_of(model, 2), PreviewModel.DECISION))
    assert isinstance(editor, QComboBox)
    editor.setCurrentIndex(editor.findData("merge"))
    assert wizard.counts_label.text() == "1 to create, 1 to merge, 0 skipped, 0 with problems"
    assert wizard.import_button.isEnabled()
    wizard.start_import()
    idle(qtbot, opened, wizard)
    assert wizard.page == REPORT_PAGE
    assert "1 merged into existing contacts" in wizard.report_label.text()
    (eve,) = contacts.search_contacts(db, "eve@example.org")
    assert [p.number for p in contacts.get_contact(db, eve).phones] == ["+447700900199"]


def test_a_hostile_file_is_refused_and_nothing_is_written(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    open_contacts: OpenContacts,
    set_up: Actor,
    db: Database,
    tmp_path: Path,
) -> None:
    junk = tmp_path / "contacts.csv"
    junk.write_bytes(os.urandom(4096) + b"\x00" * 512)
    choose(monkeypatch, junk)
    opened = open_contacts()
    before = state(db)
    wizard = open_wizard(qtbot, opened)
    wizard.choose_button.click()
    idle(qtbot, opened, wizard)
    assert wizard.page == FILE_PAGE
    assert wizard.file_problem.isVisible()
    message = wizard.file_problem.text()
    assert "contacts.csv" in message and "Nothing was imported" in message
    assert not wizard.next_button.isEnabled()
    assert not opened.running.worker.messages  # shown in the wizard, not in a second box
    assert state(db) == before


def test_a_file_with_nothing_usable_is_refused_at_the_preview(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    open_contacts: OpenContacts,
    set_up: Actor,
    db: Database,
    tmp_path: Path,
) -> None:
    choose(monkeypatch, write_csv(tmp_path / "odd.csv", ROWS))
    opened = open_contacts()
    before = state(db)
    wizard = open_wizard(qtbot, opened)
    wizard.choose_file()
    idle(qtbot, opened, wizard)
    wizard.go_next()
    for column in wizard.combos:
        wizard.set_field(column, "ignore")
    wizard.go_next()
    idle(qtbot, opened, wizard)
    assert wizard.page == MAPPING_PAGE
    assert "odd.csv has no columns vcsedesk can use" in wizard.mapping_problem.text()
    assert state(db) == before
