"""A return through the Returns area, as a coordinator makes it each quarter.

Started from the Due list with Enter; its preview agrees with the service's figures (and with
what the test created); a figure opens the engagements or people behind it; the narrative is
typed and saved with Ctrl+S; marked ready, submitted (the date asked, the freezing explained)
and frozen — answers read-only, the hash shown the database's; the four files written and
read back; a new edition started; a "you said, we did" response added through its dialog.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import QDate, QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS
from tests.ui.returns.conftest import QUARTER, Opened, World
from vcsedesk.domain.returns import ReachSection, ReturnStatus, short_hash
from vcsedesk.services import partnerships, returns
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.ui.returns.dialogs import DateDialog, RecordsBehindDialog, ResponseDialog
from vcsedesk.ui.returns.preview import RefTable
from vcsedesk.ui.returns.return_page import ReturnPage


def click(qtbot: QtBot, button: object) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # type: ignore[arg-type]


def cell(table: RefTable, row: int, column: int) -> str:
    return str(table.model().index(row, column).data())


def row_of(table: RefTable, label: str) -> int:
    model = table.model()
    return next(r for r in range(model.rowCount()) if model.index(r, 0).data() == label)


def press_enter_on(qtbot: QtBot, table: RefTable, row: int, column: int) -> None:
    table.setFocus()
    table.selectionModel().setCurrentIndex(
        table.model().index(row, column), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    qtbot.keyClick(table, Qt.Key.Key_Return)


def wait_read(qtbot: QtBot, opened: Opened, page: ReturnPage) -> None:
    qtbot.waitUntil(lambda: page.read is not None and not opened.running.worker.busy, timeout=WAIT_MS)


def test_a_return_from_the_due_list_to_frozen_files_and_a_new_edition(
    qtbot: QtBot, open_returns, world: World, db: Database, set_up: Actor, tmp_path: Path
) -> None:
    opened: Opened = open_returns()
    area = opened.area
    listing = area.list

    # -- the Due list: the quarter is overdue, said in words with the warning icon -------------
    due = listing.due_model
    assert due.rowCount() >= 1 and due.items[0].period == QUARTER
    when = due.index(0, due.WHEN)
    assert when.data().startswith("Overdue by ") and when.data(Qt.ItemDataRole.DecorationRole) is not None
    assert due.index(0, due.RETURN).data() == "Not started"
    listing.due_view.setFocus()
    qtbot.keyClick(listing.due_view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: area._page is not None and area.page.read is not None, timeout=WAIT_MS)
    page = area.page
    wait_read(qtbot, opened, page)
    view = page.view
    assert view is not None and view.period == QUARTER and view.status is ReturnStatus.DRAFT
    assert area.stack.currentWidget() is page
    assert page.freeze.text() == "Draft — figures change until you submit"
    assert page.title.text() == f"Return to Riverside People's Partnership for {QUARTER.label}"

    # -- the preview: the service's figures, and what the test made -----------------------------
    shown = returns.show(db, set_up, view.id)
    reach = shown.content.section("reach")
    assert isinstance(reach, ReachSection)
    assert (reach.engagements.value, reach.named_people.value, reach.headcount.value) == (3, 3, 22)
    figures = page.preview.tables["reach"]
    assert [cell(figures, r, 1) for r in range(5)] == [
        str(f.value)
        for f in (reach.engagements, reach.people_reached, reach.named_people, reach.headcount, reach.online)
    ]
    assert cell(figures, 1, 1) == "25"  # 3 named people (Aisha once) + 22 counted without names
    by_type = page.preview.tables["reach.by_type"]
    assert {cell(by_type, r, 0): cell(by_type, r, 1) for r in range(by_type.model().rowCount())} == {
        "Drop-in": "2",
        "Event": "1",
    }
    quotes = page.preview.tables["quotes"]
    assert {cell(quotes, r, 1) for r in range(2)} == {"Anonymous", "Cal Okafor"}

    # -- a figure opens the records behind it ------------------------------------------------
    with qtbot.waitSignal(page.open_records, timeout=WAIT_MS) as opened_records:
        press_enter_on(qtbot, by_type, row_of(by_type, "Drop-in"), 1)
    kind, ids, title = opened_records.args
    assert kind == "engagements" and set(ids) == {world.engagements[0], world.engagements[2]}
    assert QUARTER.label in title
    opened.window.show_area("returns")  # in case the app showed the engagements
    themes = page.preview.tables["themes"]
    with qtbot.waitSignal(page.open_records, timeout=WAIT_MS) as by_theme:
        press_enter_on(qtbot, themes, 0, 1)
    assert set(by_theme.args[1]) == {world.engagements[0], world.engagements[1]}
    opened.window.show_area("returns")

    # The people behind "Named people" are listed by the page itself; Enter opens one.
    press_enter_on(qtbot, figures, 2, 1)
    qtbot.waitUntil(lambda: page.records_dialog is not None and page.records_dialog.loaded, timeout=WAIT_MS)
    dialog = page.records_dialog
    assert isinstance(dialog, RecordsBehindDialog)
    names = [dialog.model.index(r, 0).data() for r in range(dialog.model.rowCount())]
    assert sorted(names) == ["Aisha Rahman", "Bea Lowe", "Cal Okafor"]
    first = dialog.model.items[0]
    with qtbot.waitSignal(page.open_record, timeout=WAIT_MS) as one:
        qtbot.keyClick(dialog.view, Qt.Key.Key_Return)
    assert one.args == ["contacts", first.id]
    qtbot.waitUntil(lambda: page.records_dialog is None, timeout=WAIT_MS)
    opened.window.show_area("returns")
    opened.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is opened.window, timeout=WAIT_MS)

    # -- the narrative: typed, counted, refused over the limit beside its question, saved -------
    page.tabs.setCurrentIndex(page.ANSWERS)
    boxes = page.answers.boxes
    keys = [q.key for q in partnerships.get_template(db, view.template_key).questions()]
    assert [b.key for b in boxes] == keys
    limited = next(b for b in boxes if b.question.max_words)
    assert limited.question.max_words is not None
    limited.edit.setPlainText("word " * (limited.question.max_words + 2))
    assert f"2 over the limit of {limited.question.max_words}" in limited.count.text()
    qtbot.keyClick(limited.edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: limited.problem.isVisible(), timeout=WAIT_MS)
    assert "at most" in limited.problem.text()
    assert returns.get_return(db, view.id).narrative == {}  # nothing half-written
    limited.edit.clear()
    qtbot.keyClicks(boxes[0].edit, "We reached carers we had never met.")
    assert boxes[0].count.text().startswith("7 words")
    with qtbot.waitSignal(page.answers_saved, timeout=WAIT_MS):
        qtbot.keyClick(boxes[0].edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wait_read(qtbot, opened, page)
    assert returns.get_return(db, view.id).narrative == {keys[0]: "We reached carers we had never met."}
    assert not page.answers.dirty and not limited.problem.isVisible()

    # -- ready, then submitted: the date asked, and what freezing means said ---------------------
    click(qtbot, page.ready_button)
    qtbot.waitUntil(lambda: page.view is not None and page.view.status is ReturnStatus.READY, timeout=WAIT_MS)
    wait_read(qtbot, opened, page)
    assert page.submit_button.isVisible() and page.draft_button.isVisible()
    click(qtbot, page.submit_button)
    submit = page.dialog
    assert isinstance(submit, DateDialog) and "freezes" in submit.explanation.text()
    sent = date.fromordinal(QUARTER.end.toordinal() + 20)
    submit.day.setDate(QDate(sent.year, sent.month, sent.day))
    click(qtbot, submit.ok_button)
    qtbot.waitUntil(lambda: page.view is not None and page.view.frozen, timeout=WAIT_MS)
    wait_read(qtbot, opened, page)
    stored = returns.get_return(db, view.id)
    assert stored.status is ReturnStatus.SUBMITTED and stored.submitted_on == sent
    assert stored.content_hash is not None
    assert short_hash(stored.content_hash) in page.freeze.text() and page.freeze.text().startswith(
        "Frozen on "
    )
    assert stored.content_hash in page.freeze.toolTip()
    assert all(b.edit.isReadOnly() for b in page.answers.boxes)
    assert not page.save_button.isEnabled() and not page.quotes_button.isVisible()
    assert page.ack_button.isVisible() and page.edition_button.isVisible()
    frozen = returns.show(db, set_up, view.id)
    assert frozen.frozen and frozen.content_hash == stored.content_hash

    # -- the files --------------------------------------------------------------------------------
    asked: list[str] = []

    def ask(_parent: object, title: str, suggested: Path, _filter: str) -> Path:
        asked.append(suggested.name)
        return tmp_path / suggested.name

    page.ask_path = ask
    for button in (page.xlsx_button, page.pdf_button, page.outcomes_button, page.people_button):
        with qtbot.waitSignal(page.exported, timeout=WAIT_MS):
            click(qtbot, button)
        opened.idle(qtbot)
    written = [tmp_path / name for name in asked]
    assert [p.suffix for p in written] == [".xlsx", ".pdf", ".pdf", ".xlsx"]
    assert all(p.exists() for p in written)
    assert load_workbook(written[0]).sheetnames and load_workbook(written[3]).sheetnames
    assert written[1].read_bytes().startswith(b"%PDF") and written[2].read_bytes().startswith(b"%PDF")
    assert page.exported_bar.isVisible() and str(written[3]) in page.exported_label.text()

    # -- acknowledged by the partnership, on the day asked -----------------------------------------
    click(qtbot, page.ack_button)
    ack = page.dialog
    assert isinstance(ack, DateDialog)
    click(qtbot, ack.ok_button)
    qtbot.waitUntil(
        lambda: page.view is not None and page.view.status is ReturnStatus.ACKNOWLEDGED, timeout=WAIT_MS
    )
    wait_read(qtbot, opened, page)
    assert returns.get_return(db, view.id).acknowledged_on == date.today()
    assert "acknowledged on" in page.header.text() and page.response_button.isVisible()

    # -- a new edition: a fresh draft; the first kept and listed as superseded --------------------
    click(qtbot, page.edition_button)
    qtbot.waitUntil(lambda: page.view is not None and page.view.edition == 2, timeout=WAIT_MS)
    wait_read(qtbot, opened, page)
    second = page.view
    assert second is not None and second.status is ReturnStatus.DRAFT and second.id != view.id
    assert page.editions_box.isVisible() and page.editions.count() == 2
    assert "superseded" in page.editions.item(0).text() and "(this one)" in page.editions.item(1).text()
    assert page.answers.boxes[0].text() == "We reached carers we had never met."
    assert not page.answers.boxes[0].edit.isReadOnly()

    # -- "you said, we did": a response added through its dialog ----------------------------------
    page.tabs.setCurrentIndex(page.RESPONSES)
    click(qtbot, page.add_response_button)
    qtbot.waitUntil(lambda: isinstance(page.dialog, ResponseDialog), timeout=WAIT_MS)
    answer = page.dialog
    assert isinstance(answer, ResponseDialog) and not answer.ok_button.isEnabled()
    qtbot.keyClicks(answer.you_said, "Nobody can get a dentist.")
    qtbot.keyClicks(answer.we_did, "Two urgent dental sessions a week.")
    answer.theme.setCurrentIndex(answer.theme.findData(str(world.theme)))
    click(qtbot, answer.ok_button)
    qtbot.waitUntil(lambda: page.responses_model.rowCount() == 1, timeout=WAIT_MS)
    saved = returns.get_return(db, second.id).responses
    assert [(r.you_said, r.we_did, r.theme_id) for r in saved] == [
        ("Nobody can get a dentist.", "Two urgent dental sessions a week.", world.theme)
    ]
    assert page.responses_model.index(0, 1).data() == "Nobody can get a dentist."

    # Back to the list (Escape): both editions are there.
    opened.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is opened.window, timeout=WAIT_MS)
    page.tabs.setFocus()
    qtbot.keyClick(page.tabs, Qt.Key.Key_Escape)
    assert area.stack.currentWidget() is listing
    qtbot.waitUntil(lambda: listing.model.rowCount() == 2, timeout=WAIT_MS)
    statuses = {listing.model.index(r, 3).data() for r in range(2)}
    assert statuses == {"Acknowledged — superseded", "Draft"}

    # -- "New return…" (Ctrl+N) for a period typed as people write it ----------------------------
    earlier = QUARTER.previous()
    listing.view.setFocus()
    qtbot.keyClick(listing.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    asking = listing.dialog
    assert asking is not None
    offered = [asking.period.itemData(i) for i in range(asking.period.count())]
    assert offered[1:] == [QUARTER.label]  # the partnership's periods, newest (this quarter) first
    asking.period.setEditText("not a period")
    assert asking.problems["period"].isVisible() and not asking.ok_button.isEnabled()
    asking.period.setEditText(earlier.label)
    assert not asking.problems["period"].isVisible() and asking.chosen_period() == earlier
    click(qtbot, asking.ok_button)
    qtbot.waitUntil(
        lambda: area.stack.currentWidget() is page and page.view is not None and page.view.period == earlier,
        timeout=WAIT_MS,
    )
    wait_read(qtbot, opened, page)
    assert returns.latest_for(db, world.partnership, earlier) is not None
