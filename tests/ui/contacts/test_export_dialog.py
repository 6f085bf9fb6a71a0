"""Exporting the list as filtered on screen: the count, the privacy note, the file read back."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from tests.ui.contacts.conftest import Opened, wait_list
from tests.ui.helpers import WAIT_MS, find_visible, visible_message_boxes
from vcsedesk.domain.contacts import ContactDraft, EmailEntry
from vcsedesk.services import contacts
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.ui.contacts.export_dialog import ExportDialog

OpenContacts = Callable[[], Opened]


def people(db: Database, actor: Actor) -> None:
    for given, family, tags in (
        ("Aisha", "Rahman", ("food bank",)),
        ("Ben", "Smith", ()),
        ("Chloe", "Davies", ("food bank", "volunteer")),
        ("Dev", "Patel", ("volunteer",)),
    ):
        contacts.create_contact(
            db,
            actor,
            ContactDraft(
                given_name=given,
                family_name=family,
                emails=(EmailEntry(f"{given.lower()}@example.org"),),
                tags=tags,
            ),
        )


def save_as(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[str]:
    asked: list[str] = []

    def answer(_parent: object, title: str, default: str, _filter: str) -> tuple[str, str]:
        asked.append(default)
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    return asked


def choose_tag(qtbot: QtBot, opened: Opened, tag: str) -> None:
    lst = opened.area.list
    qtbot.waitUntil(lambda: lst.tag.findData(tag) > 0, timeout=WAIT_MS)
    lst.tag.setCurrentIndex(lst.tag.findData(tag))
    wait_list(qtbot, opened)


def open_export(qtbot: QtBot, opened: Opened) -> ExportDialog:
    opened.area.list.export_action.trigger()
    qtbot.waitUntil(lambda: len(find_visible(ExportDialog)) == 1, timeout=WAIT_MS)
    dialog = find_visible(ExportDialog)[0]
    assert isinstance(dialog, ExportDialog)
    qtbot.waitUntil(lambda: dialog.count is not None, timeout=WAIT_MS)
    return dialog


def test_the_filtered_list_is_exported_to_xlsx(
    qtbot: QtBot,
    open_contacts: OpenContacts,
    set_up: Actor,
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    people(db, set_up)
    opened = open_contacts()
    choose_tag(qtbot, opened, "food bank")
    assert opened.area.list.model.total == 2
    target = tmp_path / "out" / "food bank.xlsx"
    target.parent.mkdir()
    asked = save_as(monkeypatch, target)

    dialog = open_export(qtbot, opened)
    assert dialog.count_label.text() == "2 contact(s) in this list will be exported."
    assert "Equality monitoring data is never included" in dialog.privacy.text()
    assert dialog.xlsx.isChecked()
    # Export with no file chosen yet asks for one first.
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert asked and asked[0].endswith("contacts.xlsx")
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.exporting, timeout=WAIT_MS)
    assert dialog.status.text() == f"2 contact(s) exported to:\n{target}"

    book = load_workbook(target, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert rows[0][0] == "Name"
    assert "Emails" in rows[0]
    assert [r[0] for r in rows[1:]] == ["Aisha Rahman", "Chloe Davies"]
    assert not any("ethnic" in str(h).lower() or "religion" in str(h).lower() for h in rows[0])
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: find_visible(ExportDialog) == [], timeout=WAIT_MS)
    assert visible_message_boxes() == []


def test_csv_with_a_search_and_the_sort_on_screen(
    qtbot: QtBot,
    open_contacts: OpenContacts,
    set_up: Actor,
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    people(db, set_up)
    opened = open_contacts()
    choose_tag(qtbot, opened, "volunteer")
    lst = opened.area.list
    lst.view.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
    wait_list(qtbot, opened)
    target = tmp_path / "volunteers"
    save_as(monkeypatch, target)

    dialog = open_export(qtbot, opened)
    assert dialog.count == 2
    qtbot.mouseClick(dialog.csv, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    # The chosen name gets the format's extension.
    assert dialog.path_edit.text() == str(tmp_path / "volunteers.csv")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.exporting, timeout=WAIT_MS)
    with (tmp_path / "volunteers.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert [r[0] for r in rows[1:]] == ["Dev Patel", "Chloe Davies"]
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: find_visible(ExportDialog) == [], timeout=WAIT_MS)
