"""A meeting's page and the list: the read view (voices with who they speak for, apologies,
items in order, actions with an overdue one marked in words), the minutes exported to PDF
through the save dialog (answered) and read back, archive, the list's search and dates, and
both table models under qtmodeltester."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS, visible_message_boxes
from tests.ui.meetings.conftest import Opened, People, activate, some_people, wait_list
from vcsedesk.services import actions, meetings
from vcsedesk.services.actions import ActionDraft
from vcsedesk.services.base import Actor
from vcsedesk.services.meetings import AgendaItemEntry, AttendeeEntry, MeetingActionEntry, MeetingDraft
from vcsedesk.store.database import Database
from vcsedesk.ui.meetings.meeting_page import MeetingPage, minutes_file_name
from vcsedesk.ui.meetings.model import MeetingActionsModel, MeetingsModel

OpenMeetings = Callable[[], Opened]
TODAY = date.today()


def forum(db: Database, actor: Actor, p: People, **values: object) -> uuid.UUID:
    """A carers' forum a month ago: two voices, an apology, two items, an overdue action."""
    fields: dict[str, object] = {
        "title": "Carers' forum",
        "on_date": TODAY - timedelta(days=30),
        "start_time": time(10, 30),
        "venue": "Canal Street Library",
        "chair_id": p.aisha,
        "notes": "A full room.",
        "items": (
            AgendaItemEntry("Welcome and apologies"),
            AgendaItemEntry(
                "Waiting times at the health centre",
                "People wait three weeks for a call back.",
                "Write to the practice manager.",
            ),
        ),
        "attendees": (
            AttendeeEntry(p.aisha, p.age_uk),
            AttendeeEntry(p.tom, p.carers),
            AttendeeEntry(p.bea, None, "apologies"),
        ),
        "actions": (
            MeetingActionEntry(
                ActionDraft(
                    "Write to the practice manager", owner_user_id=p.priya, due_on=TODAY - timedelta(days=3)
                ),
                item=1,
            ),
            MeetingActionEntry(ActionDraft("Book the hall for May", owner_contact_id=p.tom)),
        ),
    }
    fields.update(values)
    (meeting_id,) = meetings.add_meeting(db, actor, MeetingDraft(**fields)).created["meetings"]  # type: ignore[arg-type]
    return meeting_id


def open_page(qtbot: QtBot, opened: Opened, meeting_id: uuid.UUID) -> MeetingPage:
    opened.area.open_meeting(meeting_id)
    page = opened.area.page
    qtbot.waitUntil(lambda: page.view is not None and page.view.id == meeting_id, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not opened.running.worker.busy, timeout=WAIT_MS)
    return page


def test_the_read_view_and_the_minutes_exported_to_pdf(
    qtbot: QtBot,
    open_meetings: OpenMeetings,
    set_up: Actor,
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p = some_people(db, set_up)
    meeting_id = forum(db, set_up, p)
    opened = open_meetings()
    # Enter on the list opens the meeting.
    opened.area.list.view.setFocus()
    qtbot.keyClick(opened.area.list.view, Qt.Key.Key_Return)
    page = opened.area.page
    qtbot.waitUntil(lambda: page.view is not None and not opened.running.worker.busy, timeout=WAIT_MS)
    assert page.view is not None and page.view.id == meeting_id
    details = page.details
    assert details.fields["chair"].text() == "Aisha Rahman"
    assert details.fields["where"].text() == "Canal Street Library"
    assert details.fields["when"].text().endswith(", 10:30")
    assert details.voices.text().splitlines() == [
        "• Aisha Rahman — Age UK Eastside",
        "• Tom Okafor — Riverside Carers Network",
    ]
    assert details.apologies.text() == "• Beatrice Nwosu"
    assert details.voices_box.title() == "Voices at the meeting (2)"
    assert [w.accessibleName() for w in details.item_widgets] == ["Agenda item 1", "Agenda item 2"]
    # The overdue action says so in words, with the warning icon, in bold.
    model = details.actions_model
    status = model.index(0, MeetingActionsModel.STATUS)
    assert model.data(status) == "Overdue (open)"
    assert isinstance(model.data(status, Qt.ItemDataRole.DecorationRole), QIcon)
    assert model.data(model.index(0, MeetingActionsModel.TITLE), Qt.ItemDataRole.FontRole).bold()
    assert model.data(model.index(1, MeetingActionsModel.STATUS)) == "Open"
    assert model.data(model.index(1, MeetingActionsModel.OWNER)) == "Tom Okafor"
    assert model.data(model.index(1, MeetingActionsModel.TITLE), Qt.ItemDataRole.FontRole) is None

    # Export: the save dialog is answered with a path; the minutes are written on the worker.
    target = tmp_path / "out" / minutes_file_name(page.view)
    target.parent.mkdir()
    asked: list[str] = []

    def answer(_parent: object, _caption: str, suggested: str, _filter: str) -> tuple[str, str]:
        asked.append(suggested)
        return str(target), "PDF document (*.pdf)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
    opened_urls: list[QUrl] = []
    page.open_url = lambda url: opened_urls.append(url) or True  # type: ignore[method-assign]
    with qtbot.waitSignal(page.exported, timeout=WAIT_MS):
        qtbot.keyClick(page.details_scroll, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert Path(asked[0]).name == f"{(TODAY - timedelta(days=30)).isoformat()} Carers' forum minutes.pdf"
    assert target.is_file() and target.read_bytes().startswith(b"%PDF")
    text = "\n".join(page_.extract_text() for page_ in PdfReader(target).pages)
    for name in (
        "Aisha Rahman",
        "Tom Okafor",
        "Age UK Eastside",
        "Riverside Carers Network",
        "Beatrice Nwosu",
    ):
        assert name in text
    assert "Write to the practice manager" in text and "Book the hall for May" in text
    # A note says where, with Open.
    assert page.exported_bar.isVisible() and str(target) in page.exported_label.text()
    activate(qtbot, opened)
    qtbot.keyClick(page.details_scroll, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)  # Open
    qtbot.waitUntil(lambda: bool(opened_urls), timeout=WAIT_MS)  # a mnemonic clicks soon after
    assert opened_urls == [QUrl.fromLocalFile(str(target))]

    # Escape goes back to the list.
    qtbot.keyClick(page.details_scroll, Qt.Key.Key_Escape)
    assert opened.area.showing_list


def test_archive_asks_then_the_meeting_and_its_actions_leave(
    qtbot: QtBot, open_meetings: OpenMeetings, set_up: Actor, db: Database
) -> None:
    p = some_people(db, set_up)
    meeting_id = forum(db, set_up, p)
    opened = open_meetings()
    page = open_page(qtbot, opened, meeting_id)
    qtbot.mouseClick(page.archive_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(visible_message_boxes()) == 1, timeout=WAIT_MS)
    box = visible_message_boxes()[0]
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: opened.area.showing_list, timeout=WAIT_MS)
    wait_list(qtbot, opened)
    qtbot.waitUntil(lambda: opened.area.list.model.rowCount() == 0, timeout=WAIT_MS)
    assert meetings.list_meetings(db) == []
    assert actions.list_actions(db, today=TODAY) == []
    assert "No meetings recorded yet" in opened.area.list.empty.text()


def test_the_list_searches_and_filters_by_date(
    qtbot: QtBot, open_meetings: OpenMeetings, set_up: Actor, db: Database, qtmodeltester: ModelTester
) -> None:
    p = some_people(db, set_up)
    forum(db, set_up, p)
    forum(
        db,
        set_up,
        p,
        title="Transport users' group",
        on_date=TODAY - timedelta(days=400),
        start_time=None,
        venue=None,
        online=True,
        items=(AgendaItemEntry("Bus route 12", "The route is being cut."),),
        attendees=(),
        actions=(),
        chair_id=None,
    )
    opened = open_meetings()
    page = opened.area.list
    model = page.model
    assert [r.title for r in model.rows] == ["Carers' forum", "Transport users' group"]  # newest first
    assert model.data(model.index(0, MeetingsModel.ATTENDEES)) == "2 (apologies from 1)"
    assert model.data(model.index(0, MeetingsModel.ACTIONS)) == "2"
    assert model.data(model.index(1, MeetingsModel.VENUE)) == "Online"
    assert page.count_label.text() == "2 meetings"
    qtmodeltester.check(model)

    # Search as you type finds a meeting by its agenda item's notes.
    qtbot.keyClick(page.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.search.hasFocus()
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        qtbot.keyClicks(page.search, "route")
    assert [r.title for r in model.rows] == ["Transport users' group"]
    qtbot.keyClick(page.search, Qt.Key.Key_Down)
    assert page.view.hasFocus() and page.selected_id() == model.rows[0].id

    # Dates: the last 12 months leave out the older meeting; nothing matches both.
    page.search.clear()
    qtbot.waitUntil(lambda: len(model.rows) == 2, timeout=WAIT_MS)
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.when.setCurrentIndex(page.when.findData("last_12_months"))
    assert [r.title for r in model.rows] == ["Carers' forum"]
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        qtbot.keyClicks(page.search, "route")
    assert model.rowCount() == 0 and page.stack.currentWidget() is page.empty
    assert "No meeting matches" in page.empty.text()
    # Between dates: the older meeting's day only.
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.search.clear()
    old = TODAY - timedelta(days=400)
    page.when.setCurrentIndex(page.when.findData("custom"))
    assert page.dates.isVisible()
    from PySide6.QtCore import QDate

    page.start_date.setDate(QDate(old.year, old.month, old.day))
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.end_date.setDate(QDate(old.year, old.month, old.day))
    assert [r.title for r in model.rows] == ["Transport users' group"]
    qtmodeltester.check(model)


def test_the_actions_model_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    from vcsedesk.domain.engagement import ActionStatus
    from vcsedesk.services.meetings import MeetingActionView

    model = MeetingActionsModel()
    qtmodeltester.check(model)
    model.set_rows(
        [
            MeetingActionView(
                id=uuid.uuid4(),
                version=1,
                title=title,
                detail="",
                owner_user_id=None,
                owner_contact_id=None,
                owner="",
                due_on=due,
                status=status,
                completed_on=None,
                outcome="",
                item_id=None,
                item_number=number,
            )
            for title, due, status, number in (
                ("Late", TODAY - timedelta(days=1), ActionStatus.IN_PROGRESS, 1),
                ("Done late", TODAY - timedelta(days=1), ActionStatus.DONE, None),
                ("Undated", None, ActionStatus.OPEN, None),
            )
        ],
        TODAY,
    )
    qtmodeltester.check(model)
    assert model.data(model.index(0, MeetingActionsModel.STATUS)) == "Overdue (in progress)"
    assert model.data(model.index(0, MeetingActionsModel.DUE)).endswith("1 day late")
    assert model.data(model.index(1, MeetingActionsModel.STATUS)) == "Done"  # done is never overdue
    assert model.data(model.index(2, MeetingActionsModel.OWNER)) == "Nobody yet"
