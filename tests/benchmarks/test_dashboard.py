"""The Insight dashboard at half a million engagement notes and quotes.

A SQLite file holds ENGAGEMENTS engagements and QUOTES quotes over five years (built by
``engagement_data.build``: Zipf-like theme frequencies, wards, types, participants from a pool
of contacts, search documents), and a few hundred actions.

* ``services.insight.dashboard`` for "last 12 months" against the **bare replay of its own
  SQL**: every SELECT it issues, captured with its parameters and run again with ``sqlite3`` on
  its own connection — what the figures cost the database, with none of our code around it.
  Medians of alternating runs, ratio and absolute milliseconds (target ≤ 1.5×).  The single
  heaviest aggregate (engagements per theme over the period) is reported beside, and "this
  quarter" and "all five years" too.
* The dashboard page's first render — page built, figures worked out on the worker, all four
  charts painted — against the bare replay of the same SQL followed by a bare ``QChartView``
  shown and painted: the least any page showing these figures could take.  Both measured in
  this process with qtbot (medians of alternating runs).

Run with ``pytest tests/benchmarks/test_dashboard.py --benchmarks -s``.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

import sqlite3
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCharts import QChart, QChartView
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import event, insert

from tests.benchmarks.engagement_data import Built, build
from vcsedesk.services import insight, setup
from vcsedesk.services.base import Actor
from vcsedesk.services.insight import Period
from vcsedesk.settings import Settings
from vcsedesk.store import migrate
from vcsedesk.store.database import Database, sqlite_url
from vcsedesk.store.location import DataFolder
from vcsedesk.store.models import Action
from vcsedesk.ui.changes import ChangeHub
from vcsedesk.ui.context import AppContext
from vcsedesk.ui.insight.page import InsightPage
from vcsedesk.ui.worker import Worker

pytestmark = pytest.mark.benchmark

ENGAGEMENTS = 200_000
QUOTES = 300_000
ACTIONS = 600
RUNS = 7
RENDER_RUNS = 5
WAIT_MS = 120_000
BARE_SQL = (
    "SELECT et.theme_id, count(DISTINCT et.engagement_id) FROM engagement_themes et "
    "JOIN engagements e ON e.id = et.engagement_id "
    "WHERE et.deleted_at IS NULL AND e.deleted_at IS NULL AND e.on_date >= ? AND e.on_date <= ? "
    "GROUP BY et.theme_id"
)
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


@dataclass
class Large:
    db: Database
    path: Path
    folder: DataFolder
    admin: Actor
    built: Built
    today: date


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Large]:
    folder = DataFolder(tmp_path_factory.mktemp("dashboard") / "data")
    folder.create()
    db = Database(sqlite_url(folder.database))
    migrate.prepare(db, backup_folder=folder.backups)
    admin = setup.first_run(
        db, organisation_name="Benchmark Voices", user_name="Sam Patel", device_id=folder.device_id()
    )
    today = date.today()
    built = build(db, engagements=ENGAGEMENTS, quotes=QUOTES, seed=7, today=today)
    now = datetime.now(UTC)
    statuses = ["open", "open", "in_progress", "done", "cancelled"]
    with db.write() as session:
        session.execute(
            insert(Action),
            [
                {
                    "id": uuid.uuid4(),
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                    "title": f"Follow-up {i}",
                    "status": statuses[i % len(statuses)],
                    "due_on": today + timedelta(days=(i % 120) - 60),
                    "owner_user_id": admin.user_id,
                }
                for i in range(ACTIONS)
            ],
        )
    print(
        f"\nbuilt {ENGAGEMENTS:,} engagements and {QUOTES:,} quotes "
        f"({built.archived:,} archived) in {built.seconds:.1f}s"
    )
    yield Large(db, folder.database, folder, admin, built, today)
    db.dispose()


def capture_selects(db: Database, fn: Callable[[], object]) -> list[tuple[str, Any]]:
    """Every SELECT ``fn`` sends to ``db``, with its DB-API parameters, in order."""
    seen: list[tuple[str, Any]] = []

    def note(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return seen


def replay(bare: sqlite3.Connection, statements: list[tuple[str, Any]]) -> None:
    for statement, parameters in statements:
        bare.execute(statement, parameters).fetchall()


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def test_dashboard_against_its_heaviest_aggregate(large: Large, report: Callable[..., None]) -> None:
    db, today = large.db, large.today
    bare = sqlite3.connect(large.path, isolation_level=None)

    def run_bare(period: Period) -> dict[str, int]:
        return dict(bare.execute(BARE_SQL, (period.start.isoformat(), period.end.isoformat())).fetchall())

    def run_ours(period: Period) -> insight.Dashboard:
        return insight.dashboard(db, period, today)

    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    periods = {
        "last_12_months": Period.last_12_months(today),
        "this_quarter": Period.this_quarter(today),
        "five_years": Period(large.built.first_day, today),
    }
    figures: dict[str, Any] = {}
    for name, period in periods.items():
        board, theirs = run_ours(period), run_bare(period)  # warm both, and check they agree
        assert {f.theme_id.hex: f.count for f in board.themes} == {
            k: v for k, v in theirs.items() if k in {f.theme_id.hex for f in board.themes}
        }
        assert sorted(theirs.values(), reverse=True)[: len(board.themes)] == [f.count for f in board.themes]
        own_sql = capture_selects(db, lambda p=period: run_ours(p))  # type: ignore[misc]
        ours_s: list[float] = []
        replay_s: list[float] = []
        heaviest_s: list[float] = []
        for i in range(RUNS if name == "last_12_months" else 3):
            trio = [
                (ours_s, lambda p=period: run_ours(p)),
                (replay_s, lambda sql=own_sql: replay(bare, sql)),
                (heaviest_s, lambda p=period: run_bare(p)),
            ]
            for samples, fn in trio if i % 2 == 0 else reversed(trio):
                started = time.perf_counter()
                fn()
                samples.append(time.perf_counter() - started)
        figures[name] = {
            "engagements_in_period": board.totals.engagements,
            "dashboard_ms": _median_ms(ours_s),
            "bare_replay_of_its_sql_ms": _median_ms(replay_s),
            "ratio": round(statistics.median(ours_s) / statistics.median(replay_s), 2),
            "heaviest_aggregate_alone_ms": _median_ms(heaviest_s),
        }
    statements.clear()
    run_ours(periods["last_12_months"])
    selects = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    bare.close()
    main = figures.pop("last_12_months")
    report(
        engagements=ENGAGEMENTS,
        quotes=QUOTES,
        archived=large.built.archived,
        build_s=round(large.built.seconds, 1),
        runs=RUNS,
        period="last 12 months",
        **main,
        target=1.5,
        select_statements=len(selects),
        other_periods=figures,
    )
    assert main["ratio"] <= 1.5


class _Paints(QObject):
    """Notes when each watched widget was last painted (``perf_counter``)."""

    def __init__(self, widgets: list[QWidget]) -> None:
        super().__init__()
        self.at: dict[int, float] = {}
        self.armed = True
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.armed and event.type() == QEvent.Type.Paint:
            self.at[id(watched)] = time.perf_counter()
        return False


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE)
def test_dashboard_page_first_render(large: Large, qtbot: QtBot, report: Callable[..., None]) -> None:
    worker = Worker()
    ctx = AppContext(
        folder=large.folder,
        settings=Settings.load(large.folder.root / "settings.json"),
        worker=worker,
        hub=ChangeHub(worker),
        db=large.db,
        actor=large.admin,
    )

    period = Period.last_12_months(large.today)
    own_sql = capture_selects(large.db, lambda: insight.dashboard(large.db, period, large.today))
    bare = sqlite3.connect(large.path, isolation_level=None)

    def empty_chart() -> tuple[float, float]:
        started = time.perf_counter()
        replay(bare, own_sql)
        view = QChartView(QChart())
        view.resize(1300, 900)
        paints = _Paints([view.viewport()])
        view.show()
        qtbot.waitUntil(lambda: bool(paints.at), timeout=WAIT_MS)
        painted = paints.at[id(view.viewport())] - started
        view.close()
        view.deleteLater()
        return painted, painted

    def dashboard_page() -> tuple[float, float]:
        started = time.perf_counter()
        page = InsightPage(ctx, today=lambda: large.today)
        page.resize(1300, 900)
        viewports = [panel.chart_view.viewport() for panel in page.panels]
        paints = _Paints(viewports)
        loaded: list[float] = []
        page.loaded.connect(lambda: (loaded.append(time.perf_counter()), paints.at.clear()))
        page.show()
        page.start()
        qtbot.waitUntil(
            lambda: bool(loaded) and all(id(v) in paints.at for v in viewports) and not worker.busy,
            timeout=WAIT_MS,
        )
        assert page.board is not None and page.board.totals.engagements > 10_000
        painted = max(paints.at.values()) - started
        page.close()
        page.deleteLater()
        return loaded[0] - started, painted

    try:
        empty_chart(), dashboard_page()  # warm: QtCharts, fonts, the file cache
        base: list[float] = []
        ours: list[float] = []
        data_on_screen: list[float] = []
        for i in range(RENDER_RUNS):
            order = [("base", empty_chart), ("ours", dashboard_page)]
            for name, fn in order if i % 2 == 0 else reversed(order):
                loaded_s, painted_s = fn()
                qtbot.wait(50)
                if name == "base":
                    base.append(painted_s)
                else:
                    ours.append(painted_s)
                    data_on_screen.append(loaded_s)
    finally:
        worker.shutdown()
        bare.close()
    report(
        engagements=ENGAGEMENTS,
        quotes=QUOTES,
        runs=RENDER_RUNS,
        period="last 12 months",
        bare_sql_then_chart_view_painted_ms=_median_ms(base),
        dashboard_page_painted_ms=_median_ms(ours),
        ratio=round(statistics.median(ours) / statistics.median(base), 2),
        figures_loaded_ms=_median_ms(data_on_screen),
    )
