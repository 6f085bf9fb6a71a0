"""The Insight page: the figures the service gives, each opening its records by mouse and by
keyboard, the "Show as table" twins, refreshing after a change, and the area installed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCharts import QAbstractBarSeries
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.engagement import EngagementDraft, ParticipantEntry, QuoteEntry
from vcsedesk.services import actions, contacts, engagement_lists, engagements, insight, themes
from vcsedesk.services.actions import ActionDraft
from vcsedesk.services.base import Actor
from vcsedesk.services.insight import Period
from vcsedesk.settings import Settings
from vcsedesk.store.database import Database
from vcsedesk.store.location import DataFolder
from vcsedesk.ui.changes import ChangeHub
from vcsedesk.ui.context import AppContext
from vcsedesk.ui.insight import install
from vcsedesk.ui.insight.charts import ChartPanel
from vcsedesk.ui.insight.page import InsightPage
from vcsedesk.ui.insight.records import RecordsDialog
from vcsedesk.ui.main_window import MainWindow
from vcsedesk.ui.worker import Worker

TODAY = date(2026, 6, 15)


def record(db: Database, admin: Actor) -> dict[str, uuid.UUID]:
    """Six engagements in the last twelve months (one archived), themes, quotes and actions."""
    for ward in ("Bow East", "Poplar"):
        contacts.add_ward(db, admin, ward)
    people = [
        next(
            iter(
                contacts.create_contact(db, admin, ContactDraft(given_name=g, family_name="Ali")).created[
                    "contacts"
                ]
            )
        )
        for g in ("Aisha", "Ben", "Chloe")
    ]
    types = engagement_lists.list_types(db)
    paths = {t.path: t.id for t in themes.list_themes(db)}
    dentistry, housing, gp = (
        paths["Dentistry"],
        paths["Housing"],
        paths["Primary care › Getting a GP appointment"],
    )
    made: dict[str, uuid.UUID] = {}
    for title, on, ward, kind, named, anonymous, tagged, quotes in (
        ("Dentist drop-in", date(2026, 5, 12), "Bow East", 1, people[:2], 6, (dentistry,), 2),
        ("Housing surgery", date(2026, 4, 20), "Poplar", 1, people[1:], 3, (housing, dentistry), 1),
        ("GP listening event", date(2026, 2, 3), "Bow East", 0, [], 30, (gp,), 0),
        ("Phone catch-up", date(2025, 11, 8), None, 7, people[:1], 0, (dentistry,), 1),
        ("Carers' café", date(2025, 8, 19), "Poplar", 1, people, 4, (gp, housing), 0),
        ("Gone", date(2026, 6, 1), "Poplar", 0, people[:1], 50, (housing,), 1),
    ):
        changes = engagements.add_engagement(
            db,
            admin,
            EngagementDraft(
                title=title,
                type_id=types[kind].id,
                on_date=on,
                ward=ward,
                online=ward is None,
                anonymous_count=anonymous,
                participants=tuple(ParticipantEntry(p) for p in named),
                theme_ids=tagged,
                quotes=tuple(QuoteEntry(f"{title} said {n}") for n in range(quotes)),
            ),
            today=TODAY,
        )
        (made[title],) = changes.created["engagements"]
    gone = engagements.get_engagement(db, made["Gone"])
    engagements.archive_engagement(db, admin, gone.id, gone.version)
    for title, due, status in (
        ("Chase the dentist list", TODAY - timedelta(days=3), "open"),
        ("Write to the surgery", TODAY - timedelta(days=30), "in_progress"),
        ("Book the hall", TODAY + timedelta(days=7), "open"),
        ("Sent the leaflet", TODAY - timedelta(days=40), "done"),
    ):
        actions.add_action(db, admin, ActionDraft(title=title, due_on=due, status=status), today=TODAY)
    return made


@pytest.fixture
def ctx(db: Database, admin: Actor, folder: DataFolder, tmp_path: Path) -> Iterator[AppContext]:
    worker = Worker()
    context = AppContext(
        folder=folder,
        settings=Settings.load(tmp_path / "settings.json"),
        worker=worker,
        hub=ChangeHub(worker),
        db=db,
        actor=admin,
    )
    yield context
    worker.shutdown()


@pytest.fixture
def page(qtbot: QtBot, ctx: AppContext, db: Database, admin: Actor) -> InsightPage:
    record(db, admin)
    widget = InsightPage(ctx, today=lambda: TODAY)
    qtbot.addWidget(widget)
    widget.resize(1300, 900)
    widget.show()
    widget.start()
    wait_loaded(qtbot, widget)
    return widget


def wait_loaded(qtbot: QtBot, page: InsightPage) -> None:
    qtbot.waitUntil(lambda: not page.loading and not page.ctx.worker.busy, timeout=WAIT_MS)


def wait_dialog(qtbot: QtBot, page: InsightPage) -> RecordsDialog:
    qtbot.waitUntil(
        lambda: page.records_dialog is not None and page.records_dialog.loaded and not page.ctx.worker.busy,
        timeout=WAIT_MS,
    )
    dialog = page.records_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def listed(dialog: RecordsDialog) -> list[tuple[str, str]]:
    model = dialog.model
    return [(model.index(r, 0).data(), model.index(r, 1).data()) for r in range(model.rowCount())]


def close(qtbot: QtBot, page: InsightPage, dialog: RecordsDialog) -> None:
    qtbot.keyClick(dialog.view, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.records_dialog is None, timeout=WAIT_MS)


def rows(panel: ChartPanel) -> list[tuple[object, ...]]:
    model = panel.model
    return [
        tuple(model.index(r, c).data() for c in range(model.columnCount())) for r in range(model.rowCount())
    ]


def bar_values(panel: ChartPanel) -> list[list[float]]:
    (series,) = panel.chart.series()
    assert isinstance(series, QAbstractBarSeries)
    return [[bar_set.at(i) for i in range(bar_set.count())] for bar_set in series.barSets()]


# -- tests ------------------------------------------------------------------------------------------
def test_the_page_shows_the_figures_the_service_gives(
    qtbot: QtBot, page: InsightPage, db: Database, qtmodeltester: object
) -> None:
    board = insight.dashboard(db, Period.last_12_months(TODAY), TODAY)
    totals = board.totals
    assert totals.engagements == 5 and totals.open_actions == 3 and totals.overdue_actions == 2
    shown = {key: button.value for key, button in page.buttons.items()}
    assert shown == {
        "engagements": totals.engagements,
        "people_reached": totals.people_reached,
        "quotes": totals.quotes,
        "open_actions": totals.open_actions,
        "overdue_actions": totals.overdue_actions,
    }
    assert page.buttons["people_reached"].number.text() == str(3 + 6 + 3 + 30 + 4)
    # Overdue is said with words and an icon, not by colour alone.
    overdue = page.buttons["overdue_actions"]
    assert overdue.caption.text() == "Overdue actions" and not overdue.icon_label.isHidden()
    assert overdue.accessibleName() == "Overdue actions: 2"

    assert rows(page.over_time) == [(f"{b.start:%B %Y}", str(b.count)) for b in board.over_time]
    assert bar_values(page.over_time) == [[float(b.count) for b in board.over_time]]
    assert rows(page.themes) == [
        (
            f.name,
            str(f.count),
            str(f.previous),
            f"+{f.change}" if f.change > 0 else ("no change" if f.change == 0 else f"−{-f.change}"),
        )
        for f in board.themes
    ]
    assert [r[0] for r in rows(page.themes)][:2] == ["Dentistry", "Housing"]
    # Top to bottom on the chart as in the table (a horizontal chart draws upwards).
    this, previous = bar_values(page.themes)
    assert this == [float(f.count) for f in reversed(board.themes)]
    assert previous == [float(f.previous) for f in reversed(board.themes)]
    assert rows(page.wards) == [
        (page.ward_label(f), str(f.engagements), str(f.named), str(f.anonymous), str(f.reach))
        for f in board.by_ward
    ]
    assert {r[0] for r in rows(page.wards)} == {"Bow East", "Poplar", "Online"}
    assert rows(page.types) == [
        (f.name, str(f.engagements), str(f.named), str(f.anonymous), str(f.reach)) for f in board.by_type
    ]
    for panel in page.panels:
        assert panel.chart_view.accessibleName().startswith("Chart of")
        assert panel.toggle.accessibleName().startswith("Show “")
        qtmodeltester.check(panel.model)  # type: ignore[attr-defined]
    assert "1 Jul 2025 to 15 Jun 2026" in page.description.text()


def test_headline_figures_and_bars_open_their_records(
    qtbot: QtBot, page: InsightPage, qtmodeltester: object
) -> None:
    qtbot.mouseClick(page.buttons["engagements"], Qt.MouseButton.LeftButton)
    dialog = wait_dialog(qtbot, page)
    assert dialog.windowTitle() == "Engagements, 1 Jul 2025 to 15 Jun 2026"
    assert listed(dialog) == [
        ("19 Aug 2025", "Carers' café"),
        ("8 Nov 2025", "Phone catch-up"),
        ("3 Feb 2026", "GP listening event"),
        ("20 Apr 2026", "Housing surgery"),
        ("12 May 2026", "Dentist drop-in"),
    ]
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]
    close(qtbot, page, dialog)

    button = page.buttons["overdue_actions"]
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Return)
    dialog = wait_dialog(qtbot, page)
    assert dialog.windowTitle() == "Overdue actions"
    assert listed(dialog) == [
        ("16 May 2026", "Write to the surgery"),
        ("12 Jun 2026", "Chase the dentist list"),
    ]
    assert dialog.model.index(0, 2).data().startswith("Overdue")
    close(qtbot, page, dialog)

    page.buttons["quotes"].setFocus()
    qtbot.keyClick(page.buttons["quotes"], Qt.Key.Key_Space)
    dialog = wait_dialog(qtbot, page)
    assert [title for _, title in listed(dialog)] == [
        "“Phone catch-up said 0”",
        "“Housing surgery said 0”",
        "“Dentist drop-in said 0”",
        "“Dentist drop-in said 1”",
    ]
    close(qtbot, page, dialog)

    # A bar of a chart, clicked.
    panel = page.over_time
    chart = panel.chart
    (series,) = chart.series()
    may = next(i for i, b in enumerate(page.board.over_time) if b.start == date(2026, 5, 1))  # type: ignore[union-attr]
    point = chart.mapToPosition(QPointF(may, 0.5), series)
    where = panel.chart_view.mapFromScene(chart.mapToScene(point))
    qtbot.mouseClick(panel.chart_view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(where.x(), where.y()))
    dialog = wait_dialog(qtbot, page)
    assert dialog.windowTitle() == "Engagements in May 2026"
    assert listed(dialog) == [("12 May 2026", "Dentist drop-in")]
    close(qtbot, page, dialog)


def test_each_chart_has_a_table_and_enter_opens_a_row(qtbot: QtBot, page: InsightPage, db: Database) -> None:
    panel = page.themes
    assert not panel.showing_table
    panel.toggle.setFocus()
    qtbot.keyClick(panel.toggle, Qt.Key.Key_Space)
    assert panel.showing_table and panel.table.hasFocus()
    assert panel.table.currentIndex().row() == 0
    qtbot.keyClick(panel.table, Qt.Key.Key_Down)  # Housing
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    dialog = wait_dialog(qtbot, page)
    assert dialog.windowTitle() == "Engagements about “Housing”, 1 Jul 2025 to 15 Jun 2026"
    assert [title for _, title in listed(dialog)] == ["Carers' café", "Housing surgery"]
    close(qtbot, page, dialog)
    # The "Previous period" cell opens the previous period's records (none here).
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Right)
    qtbot.keyClick(panel.table, Qt.Key.Key_Right)
    assert panel.table.currentIndex().column() == 2
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    dialog = wait_dialog(qtbot, page)
    assert dialog.windowTitle() == "Engagements about “Housing”, 16 Jul 2024 to 30 Jun 2025"
    assert listed(dialog) == [] and dialog.status.text() == "There are no records behind this figure."
    close(qtbot, page, dialog)
    qtbot.keyClick(panel.toggle, Qt.Key.Key_Space)
    assert not panel.showing_table

    wards = page.wards
    wards.toggle.setChecked(True)
    online = next(r for r in range(wards.model.rowCount()) if wards.model.index(r, 0).data() == "Online")
    wards.table.setCurrentIndex(wards.model.index(online, 3))
    qtbot.keyClick(wards.table, Qt.Key.Key_Enter)
    dialog = wait_dialog(qtbot, page)
    assert listed(dialog) == [("8 Nov 2025", "Phone catch-up")]
    close(qtbot, page, dialog)

    # Once something listens (the engagements log, the actions tracker), the records go there.
    got: list[tuple[str, list[uuid.UUID], str]] = []
    page.open_records.connect(lambda kind, ids, title: got.append((kind, ids, title)))
    page.shown_elsewhere = {"engagements", "actions"}
    qtbot.mouseClick(page.buttons["open_actions"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(got), timeout=WAIT_MS)
    kind, ids, title = got[0]
    assert (kind, title) == ("actions", "Open actions")
    assert {r.title for r in actions.list_actions(db, today=TODAY, ids=ids)} == {
        "Chase the dentist list",
        "Write to the surgery",
        "Book the hall",
    }
    assert page.records_dialog is None


def test_changes_and_periods_refresh_the_figures(
    qtbot: QtBot, page: InsightPage, ctx: AppContext, db: Database, admin: Actor
) -> None:
    types = engagement_lists.list_types(db)
    ctx.hub.perform(
        engagements.add_engagement,
        db,
        admin,
        EngagementDraft(
            title="New coffee morning", type_id=types[0].id, on_date=date(2026, 6, 2), anonymous_count=9
        ),
    )
    qtbot.waitUntil(lambda: page.buttons["engagements"].value == 6, timeout=WAIT_MS)
    wait_loaded(qtbot, page)

    page.period_combo.setFocus()
    page.period_combo.setCurrentIndex(page.period_combo.findData("this_quarter"))
    wait_loaded(qtbot, page)
    assert page.board is not None and page.board.period == Period.this_quarter(TODAY)
    assert page.board.granularity == "week" and page.over_time.model.headers[0] == "Week starting"
    assert page.buttons["engagements"].value == 3
    assert page.start_edit.isHidden()

    page.set_period("custom", date(2026, 5, 1), date(2026, 4, 1))
    assert not page.start_edit.isHidden()
    assert "ends (01 Apr 2026) before it starts (01 May 2026)" in page.status.text()
    page.set_period("custom", date(2026, 4, 1), date(2026, 5, 31))
    wait_loaded(qtbot, page)
    assert page.board is not None and page.board.period == Period(date(2026, 4, 1), date(2026, 5, 31))
    assert page.buttons["engagements"].value == 2

    page.set_period("custom", date(2024, 1, 1), date(2024, 12, 31))
    wait_loaded(qtbot, page)
    assert page.buttons["engagements"].value == 0
    assert page.status.text().startswith("No engagements were recorded in this period.")
    assert page.themes.stack.currentWidget() is page.themes.empty_label


def test_install_adds_the_insight_area(qtbot: QtBot, ctx: AppContext) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    page = install(ctx, window)
    area = window.area("insight")
    assert area is not None and area.widget is page and area.title == "Insight"
    wait_loaded(qtbot, page)
    assert page.board is not None and page.board.empty
    window.show_area("insight")
    assert QApplication.focusWidget() is None or window.isAncestorOf(QApplication.focusWidget())
