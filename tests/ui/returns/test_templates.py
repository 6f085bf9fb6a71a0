"""The Templates tab: a shipped template is read-only; copied to adjust; in the copy a section
moved with Ctrl+Down and a question added; saved with Ctrl+S and read back parsed from the
service; a question key the format refuses is refused with the line it is on."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS
from tests.ui.returns.conftest import Opened, activate
from vcsedesk.domain.return_templates import shipped_template
from vcsedesk.services import partnerships
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.ui.returns.dialogs import NameDialog
from vcsedesk.ui.widgets import select_row

SHIPPED = "peoples-partnership-quarterly"


def click(qtbot: QtBot, button: object) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # type: ignore[arg-type]


def test_a_copy_adjusted_and_saved(qtbot: QtBot, open_returns, set_up: Actor, db: Database) -> None:
    opened: Opened = open_returns()
    area = opened.area
    qtbot.keyClick(area.tabs, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    page = area.templates
    qtbot.waitUntil(lambda: page.model.has_loaded and not opened.running.worker.busy, timeout=WAIT_MS)
    editor = page.editor
    select_row(page.view, page.model.find_key(SHIPPED) or 0)
    assert editor.info is not None and editor.info.key == SHIPPED
    assert editor.read_only.isVisible() and editor.name.isReadOnly() and not editor.save_button.isVisible()
    assert not editor.add_button.isEnabled()
    original = shipped_template(SHIPPED)

    # -- copy it --------------------------------------------------------------------------------
    click(qtbot, page.copy_button)
    dialog = page.dialog
    assert isinstance(dialog, NameDialog)
    dialog.name.selectAll()
    qtbot.keyClicks(dialog.name, "Our quarterly return")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: editor.info is not None and not editor.info.shipped and not opened.running.worker.busy,
        timeout=WAIT_MS,
    )
    activate(qtbot, opened)  # the dialog has gone: the window has the keyboard again
    copy = editor.info
    assert copy is not None and copy.name == "Our quarterly return" and copy.copied_from == SHIPPED
    assert not editor.read_only.isVisible() and not editor.name.isReadOnly()
    assert [s.kind for s in editor.sections] == [s.kind for s in original.sections]

    # -- the first section moved down with the keyboard -----------------------------------------
    editor.section_list.setFocus()
    editor.section_list.setCurrentRow(0)
    qtbot.keyClick(editor.section_list, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    moved = [original.sections[1], original.sections[0], *original.sections[2:]]
    assert [s.kind for s in editor.sections] == [s.kind for s in moved]
    assert editor.section_list.currentRow() == 1 and editor.dirty

    # -- a question added to the (first) narrative section ---------------------------------------
    narrative = next(i for i, s in enumerate(editor.sections) if s.kind == "narrative")
    editor.section_list.setCurrentRow(narrative)
    asked = len(editor.sections[narrative].questions)
    click(qtbot, editor.add_question_button)
    assert editor.question_list.count() == asked + 1
    editor.question_key.selectAll()
    qtbot.keyClicks(editor.question_key, "waiting_lists")
    editor.question_text.selectAll()
    qtbot.keyClicks(editor.question_text, "What did people say about waiting lists?")
    editor.question_words.on.setChecked(True)
    editor.question_words.spin.setValue(150)
    with qtbot.waitSignal(editor.saved, timeout=WAIT_MS):
        qtbot.keyClick(editor.question_text, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    opened.idle(qtbot)
    saved = partnerships.get_template(db, copy.key)
    assert saved.name == "Our quarterly return"
    assert [s.kind for s in saved.sections] == [s.kind for s in moved]
    added = saved.sections[narrative].questions[-1]
    assert (added.key, added.text, added.max_words) == (
        "waiting_lists",
        "What did people say about waiting lists?",
        150,
    )
    assert saved.sections[narrative].questions[:-1] == moved[narrative].questions
    assert not editor.dirty and editor.status.text() == "Saved."

    # -- a key the format refuses: refused, with the line --------------------------------------
    editor.question_key.selectAll()
    qtbot.keyClicks(editor.question_key, "Waiting Lists")
    with qtbot.waitSignal(editor.refused, timeout=WAIT_MS) as refused:
        qtbot.keyClick(editor.question_key, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "line " in refused.args[0] and "Waiting Lists" in refused.args[0]
    assert editor.problem.isVisible() and "Not saved" in editor.problem.text()
    assert partnerships.get_template(db, copy.key) == saved  # unchanged
