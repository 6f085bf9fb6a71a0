"""The engagement log: a lazy model showing what the service returns, search as you type that
finds an engagement by its quotes' words, filters, the quotes list, the empty state, and the
keyboard (Enter opens, Ctrl+N records, Escape goes back)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from tests.ui.helpers import WAIT_MS, find_visible, wait_ready
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.engagement import EngagementDraft, HeadcountEntry, ParticipantEntry, QuoteEntry
from vcsedesk.services import consent, contacts, engagement_log, engagements
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.store.models import EngagementType, Theme
from vcsedesk.ui import app as ui_app
from vcsedesk.ui.engagements import install
from vcsedesk.ui.engagements.area import EngagementsArea
from vcsedesk.ui.engagements.export_dialog import ExportDialog
from vcsedesk.ui.engagements.log_model import EngagementsModel, QuotesModel
from vcsedesk.ui.main_window import MainWindow

StartApp = Callable[[], ui_app.App]
TODAY = date.today()


@dataclass
class Opened:
    running: ui_app.App
    window: MainWindow
    area: EngagementsArea


def wait_log(qtbot: QtBot, opened: Opened) -> None:
    """Until the log and the quotes have their answers and nothing is left to fetch."""
    log = opened.area.log

    def settled() -> bool:
        return (
            log.model.has_loaded
            and log.quotes_model.has_loaded
            and not log.model.busy
            and not log.quotes_model.busy
            and not opened.running.worker.busy
        )

    qtbot.waitUntil(settled, timeout=WAIT_MS)


def activate(qtbot: QtBot, opened: Opened) -> None:
    opened.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is opened.window, timeout=WAIT_MS)


@pytest.fixture
def open_log(qtbot: QtBot, start_app: StartApp) -> Callable[[], Opened]:
    def open_() -> Opened:
        running = start_app()
        wait_ready(qtbot, running)
        assert running.window is not None
        existing = running.window.area("engagements")
        if existing is None:  # until start-up installs the area itself
            area = install(running.ctx, running.window)
        else:
            assert isinstance(existing.widget, EngagementsArea)
            area = existing.widget
        running.window.show_area("engagements")
        opened = Opened(running, running.window, area)
        wait_log(qtbot, opened)
        activate(qtbot, opened)
        return opened

    return open_


# -- data ------------------------------------------------------------------------------------
def person(db: Database, actor: Actor, given: str, family: str) -> uuid.UUID:
    (cid,) = contacts.create_contact(db, actor, ContactDraft(given_name=given, family_name=family)).created[
        "contacts"
    ]
    return cid


def kinds(db: Database) -> dict[str, uuid.UUID]:
    with db.read() as session:
        return {r.name: r.id for r in session.execute(select(EngagementType.name, EngagementType.id))}


def themes(db: Database) -> dict[str, uuid.UUID]:
    with db.read() as session:
        return {r.name: r.id for r in session.execute(select(Theme.name, Theme.id))}


def record(db: Database, actor: Actor, title: str, **values: object) -> uuid.UUID:
    fields: dict[str, object] = {
        "title": title,
        "type_id": kinds(db)["Drop-in"],
        "on_date": TODAY - timedelta(days=3),
        "anonymous_count": 5,
    }
    fields.update(values)
    (eid,) = engagements.add_engagement(db, actor, EngagementDraft(**fields)).created["engagements"]  # type: ignore[arg-type]
    return eid


@dataclass
class Sample:
    aisha: uuid.UUID
    tom: uuid.UUID
    library: uuid.UUID
    surgery: uuid.UUID
    bus: uuid.UUID


def sample(db: Database, actor: Actor) -> Sample:
    """Three engagements: a library drop-in about dentistry with a quote, a GP surgery focus
    group about getting an appointment, and an outreach round about buses."""
    aisha = person(db, actor, "Aisha", "Rahman")
    tom = person(db, actor, "Tom", "Okafor")
    consent.record_consent(
        db,
        actor,
        aisha,
        purpose="share_anonymously",
        status="given",
        on=TODAY - timedelta(days=30),
        method="verbal",
    )
    t, k = themes(db), kinds(db)
    library = record(
        db,
        actor,
        "Tuesday drop-in at Canal Street Library",
        on_date=TODAY - timedelta(days=2),
        start_time=time(10, 30),
        duration_minutes=120,
        venue="Canal Street Library",
        anonymous_count=12,
        headcount_groups=(HeadcountEntry("Under 25", 4),),
        facilitator_ids=(actor.user_id,),
        participants=(ParticipantEntry(aisha), ParticipantEntry(tom, "carer")),
        theme_ids=(t["Dentistry"],),
        summary="People cannot find an NHS dentist taking new patients.",
        quotes=(QuoteEntry("I rang forty dentists and not one would take me on.", "anonymous", aisha),),
    )
    surgery = record(
        db,
        actor,
        "Focus group at Mile End surgery",
        type_id=k["Focus group"],
        on_date=TODAY - timedelta(days=40),
        venue="Mile End surgery",
        anonymous_count=8,
        theme_ids=(t["Getting a GP appointment"],),
        summary="The 8am phone queue: people give up before they get through.",
    )
    bus = record(
        db,
        actor,
        "Door-knocking on the Ocean estate",
        type_id=k["Outreach"],
        on_date=TODAY - timedelta(days=400),
        anonymous_count=30,
        theme_ids=(t["Transport"],),
        summary="The 277 bus was cut; older residents cannot reach the hospital.",
    )
    return Sample(aisha, tom, library, surgery, bus)


def titles(model: EngagementsModel) -> list[str]:
    return [model.index(r, EngagementsModel.TITLE).data() for r in range(model.rowCount())]


# -- tests -----------------------------------------------------------------------------------
def test_the_log_lists_what_the_service_returns(
    qtbot: QtBot, qtmodeltester: ModelTester, open_log: Callable[[], Opened], set_up: Actor, db: Database
) -> None:
    s = sample(db, set_up)
    opened = open_log()
    log = opened.area.log
    model = log.model
    expected = engagement_log.page(db, engagement_log.EVERYTHING, engagement_log.NEWEST_FIRST)
    assert [r.id for r in expected] == [s.library, s.surgery, s.bus]
    assert titles(model) == [r.title for r in expected]
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["Date", "Title", "Type", "Place", "Reach", "Quotes", "Themes"]
    first = expected[0]
    row = [model.index(0, c).data() for c in range(model.columnCount())]
    assert row == [
        (TODAY - timedelta(days=2)).strftime("%-d %b %Y"),
        "Tuesday drop-in at Canal Street Library",
        "Drop-in",
        "Canal Street Library",
        "14",  # two named and twelve counted anonymously
        "1",
        first.themes,
    ]
    assert "Dentistry" in first.themes
    assert log.count_label.text() == "3 engagements"
    assert log.log_stack.currentWidget() is log.view
    qtmodeltester.check(model)

    # The quotes list: the same filters, the sharing level in words, the speaker named.
    log.show_quotes()
    assert log.count_label.text() == "1 quote"
    quotes = log.quotes_model
    assert [
        quotes.index(0, c).data() for c in (QuotesModel.QUOTE, QuotesModel.SPEAKER, QuotesModel.SHARING)
    ] == [
        "I rang forty dentists and not one would take me on.",
        "Aisha Rahman",
        "Share anonymously",
    ]
    qtmodeltester.check(quotes)

    # Sorting asks the database: by title, A to Z.
    log.show_quotes(False)
    log.view.horizontalHeader().setSortIndicator(EngagementsModel.TITLE, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: model.sort_key.field is engagement_log.SortField.TITLE, timeout=WAIT_MS)
    wait_log(qtbot, opened)
    assert titles(model) == sorted(titles(model), key=str.casefold)


def test_an_empty_log_says_what_to_do(
    qtbot: QtBot, qtmodeltester: ModelTester, open_log: Callable[[], Opened], set_up: Actor
) -> None:
    opened = open_log()
    log = opened.area.log
    assert log.model.total == 0 and log.count_label.text() == "0 engagements"
    assert log.log_stack.currentWidget() is log.empty
    assert "Ctrl+N" in log.empty.text()
    qtmodeltester.check(log.model)
    qtmodeltester.check(log.quotes_model)
    fresh = EngagementsModel(opened.running.ctx)
    qtmodeltester.check(fresh)


def test_search_by_a_quotes_words_finds_its_engagement(
    qtbot: QtBot, open_log: Callable[[], Opened], set_up: Actor, db: Database
) -> None:
    s = sample(db, set_up)
    opened = open_log()
    log, model = opened.area.log, opened.area.log.model
    # Ctrl+F, then words only the quote has (not the title or the summary).
    qtbot.keyClick(log.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert log.search.hasFocus()
    qtbot.keyClicks(log.search, "forty dent")
    qtbot.waitUntil(lambda: model.filter.text == "forty dent", timeout=WAIT_MS)
    wait_log(qtbot, opened)
    assert titles(model) == ["Tuesday drop-in at Canal Street Library"]
    assert log.count_label.text() == "1 engagement"
    assert log.quotes_model.total == 1
    # Nothing matches: the empty state says how to get back.
    log.search.setText("zebra crossing")
    qtbot.waitUntil(lambda: model.filter.text == "zebra crossing", timeout=WAIT_MS)
    wait_log(qtbot, opened)
    assert log.log_stack.currentWidget() is log.empty
    assert "Clear filters" in log.empty.text()
    qtbot.keyClick(log.search, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: model.filter == engagement_log.EVERYTHING, timeout=WAIT_MS)
    wait_log(qtbot, opened)
    assert model.total == 3
    assert s.library in {model.row_at(r).id for r in range(3)}  # type: ignore[union-attr]


def test_filter_by_theme_type_and_date(
    qtbot: QtBot, open_log: Callable[[], Opened], set_up: Actor, db: Database
) -> None:
    sample(db, set_up)
    opened = open_log()
    log, model = opened.area.log, opened.area.log.model
    qtbot.waitUntil(lambda: log.theme.count() > 10, timeout=WAIT_MS)

    # A sub-theme: the surgery focus group only.
    t = themes(db)
    log.theme.setCurrentIndex(log.theme.findData(str(t["Getting a GP appointment"])))
    wait_log(qtbot, opened)
    assert titles(model) == ["Focus group at Mile End surgery"]
    # Its parent takes in its sub-themes.
    with db.read() as session:
        parent = session.scalar(select(Theme.parent_id).where(Theme.id == t["Getting a GP appointment"]))
    log.theme.setCurrentIndex(log.theme.findData(str(parent)))
    wait_log(qtbot, opened)
    assert titles(model) == ["Focus group at Mile End surgery"]

    log.clear_filters()
    wait_log(qtbot, opened)
    log.type.setCurrentIndex(log.type.findData(str(kinds(db)["Outreach"])))
    wait_log(qtbot, opened)
    assert titles(model) == ["Door-knocking on the Ocean estate"]

    # Dates: a preset, then a custom range by keyboard.
    log.clear_filters()
    log.when.setCurrentIndex(log.when.findData("last_12_months"))
    wait_log(qtbot, opened)
    assert len(titles(model)) == 2 and "Door-knocking on the Ocean estate" not in titles(model)
    log.when.setCurrentIndex(log.when.findData("custom"))
    assert log.start_date.isVisible()
    start = TODAY - timedelta(days=500)
    from PySide6.QtCore import QDate

    log.start_date.setDate(QDate(start.year, start.month, start.day))
    end = TODAY - timedelta(days=30)
    log.end_date.setDate(QDate(end.year, end.month, end.day))
    wait_log(qtbot, opened)
    assert sorted(titles(model)) == ["Door-knocking on the Ocean estate", "Focus group at Mile End surgery"]


def test_enter_opens_escape_goes_back_and_ctrl_n_starts_a_new_one(
    qtbot: QtBot, open_log: Callable[[], Opened], set_up: Actor, db: Database
) -> None:
    s = sample(db, set_up)
    opened = open_log()
    area, log = opened.area, opened.area.log
    # Down from the search box into the log, Down again to the second row, Enter opens it.
    log.search.setFocus()
    qtbot.keyClick(log.search, Qt.Key.Key_Down)
    assert log.view.hasFocus()
    qtbot.keyClick(log.view, Qt.Key.Key_Down)
    qtbot.keyClick(log.view, Qt.Key.Key_Return)
    assert not area.showing_log
    page = area.page
    qtbot.waitUntil(lambda: page.view is not None and page.view.id == s.surgery, timeout=WAIT_MS)
    assert page.title.text() == "Focus group at Mile End surgery"
    # Escape: back to the log, the same row still chosen.
    qtbot.keyClick(page.details_scroll, Qt.Key.Key_Escape)
    assert area.showing_log
    assert log.selected_engagement_id() == s.surgery
    # Ctrl+N: an empty form.
    qtbot.keyClick(log.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert not area.showing_log and page.editing and page.form.is_new
    assert page.form.title.hasFocus()
    # Double-click in the quotes list opens the quote's engagement.
    page.form.cancel()
    assert area.showing_log
    log.show_quotes()
    qtbot.waitUntil(
        lambda: log.quotes_view.isVisible() and log.quotes_view.viewport().height() > 40, timeout=WAIT_MS
    )
    rect = log.quotes_view.visualRect(log.quotes_model.index(0, QuotesModel.QUOTE))
    qtbot.mouseClick(log.quotes_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(log.quotes_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: page.view is not None and page.view.id == s.library, timeout=WAIT_MS)


def test_the_dashboard_can_list_chosen_engagements(
    qtbot: QtBot, qtmodeltester: ModelTester, open_log: Callable[[], Opened], set_up: Actor, db: Database
) -> None:
    s = sample(db, set_up)
    opened = open_log()
    dialog = opened.area.open_records([s.bus, s.library], "Top themes: 2 engagements")
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.model.has_loaded and not dialog.model.busy, timeout=WAIT_MS)
    assert titles(dialog.model) == [
        "Door-knocking on the Ocean estate",
        "Tuesday drop-in at Canal Street Library",
    ]
    assert dialog.count_label.text() == "2 engagements"
    qtmodeltester.check(dialog.model)
    qtbot.keyClick(dialog.view, Qt.Key.Key_Return)
    page = opened.area.page
    qtbot.waitUntil(lambda: page.view is not None and page.view.id == s.bus, timeout=WAIT_MS)
    dialog.close()
    # One id opens its page straight away.
    assert opened.area.open_records([s.surgery]) is None
    qtbot.waitUntil(lambda: page.view is not None and page.view.id == s.surgery, timeout=WAIT_MS)


# The file name box's completer pops up as the name is typed: the offscreen platform says it
# cannot raise or grab for it.
@pytest.mark.qt_log_ignore(
    r"This plugin does not support (raise\(\)|grabbing the keyboard|propagateSizeHints\(\))"
)
def test_export_the_filtered_log_with_its_quotes_and_actions(
    qtbot: QtBot, open_log: Callable[[], Opened], set_up: Actor, db: Database, tmp_path: Path
) -> None:
    sample(db, set_up)
    opened = open_log()
    log = opened.area.log
    qtbot.waitUntil(lambda: log.type.count() > 3, timeout=WAIT_MS)
    log.type.setCurrentIndex(log.type.findData(str(kinds(db)["Drop-in"])))
    wait_log(qtbot, opened)
    assert titles(log.model) == ["Tuesday drop-in at Canal Street Library"]

    qtbot.keyClick(log.view, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: len(find_visible(ExportDialog)) == 1, timeout=WAIT_MS)
    dialog = find_visible(ExportDialog)[0]
    assert isinstance(dialog, ExportDialog)
    qtbot.waitUntil(lambda: dialog.counts is not None, timeout=WAIT_MS)
    assert dialog.count_label.text() == "The log as filtered now holds 1 engagement and 1 quote."
    assert dialog.log_choice.isChecked()
    qtbot.mouseClick(dialog.all_choice, Qt.MouseButton.LeftButton)
    assert dialog.what == "everything"

    # Choose…: the save dialog is answered with a name in the test's folder.
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(find_visible(QFileDialog)) == 1, timeout=WAIT_MS)
    chooser = find_visible(QFileDialog)[0]
    assert isinstance(chooser, QFileDialog)
    chooser.setDirectory(str(tmp_path))
    name = chooser.findChild(QLineEdit, "fileNameEdit")
    assert isinstance(name, QLineEdit)
    name.setFocus()
    name.selectAll()
    qtbot.keyClicks(name, "drop-ins")
    qtbot.keyClick(name, Qt.Key.Key_Return)
    target = tmp_path / "drop-ins.xlsx"
    qtbot.waitUntil(lambda: dialog.path_edit.text() == str(target), timeout=WAIT_MS)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=WAIT_MS)
    assert dialog.status.text().startswith("Exported 1 engagement, 1 quote and")

    book = openpyxl.load_workbook(target, read_only=True)
    try:
        assert book.sheetnames == ["Engagements", "Quotes", "Actions"]
        engagements_rows = list(book["Engagements"].iter_rows(values_only=True))
        quotes_rows = list(book["Quotes"].iter_rows(values_only=True))
    finally:
        book.close()
    header = engagements_rows[0]
    assert [r[header.index("Title")] for r in engagements_rows[1:] if any(r)] == [
        "Tuesday drop-in at Canal Street Library"
    ]
    quote_header = quotes_rows[0]
    assert [r[quote_header.index("Quote")] for r in quotes_rows[1:] if any(r)] == [
        "I rang forty dentists and not one would take me on."
    ]
    dialog.close()
