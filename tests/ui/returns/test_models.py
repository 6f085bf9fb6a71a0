"""The Returns area's table models pass Qt's model tests over real data, and say things in
words: an overdue return, a superseded edition, a suppressed cell, a theme's change."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.ui.returns.conftest import QUARTER, World, act_as, add_user
from vcsedesk.domain.returns import CountTable, ThemeRank, ThemesSection
from vcsedesk.services import partnerships, return_builder, returns
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.store.location import DataFolder
from vcsedesk.ui.returns import install
from vcsedesk.ui.returns.models import (
    CandidatesModel,
    CellsModel,
    DueModel,
    Line,
    LinesModel,
    PartnershipsModel,
    RefRole,
    ResponsesModel,
    ReturnsModel,
    TemplatesModel,
)
from vcsedesk.ui.returns.preview import ReturnPreview
from vcsedesk.ui.returns.reads import read_lines, read_partnerships


def test_the_models_over_real_returns(
    qtbot: QtBot, qtmodeltester: ModelTester, world: World, db: Database, set_up: Actor
) -> None:
    (first,) = returns.start_return(db, set_up, world.partnership, QUARTER).created["returns"]
    view = returns.get_return(db, first)
    returns.mark_ready(db, set_up, first, view.version)
    returns.submit(db, set_up, first, view.version + 1, on=date.today())
    returns.new_edition(db, set_up, first)
    returns.add_response(db, set_up, first, you_said="Dentists.", we_did="Sessions.", theme_id=world.theme)
    today = date.today()

    listed = ReturnsModel()
    listed.set_items(returns.list_returns(db))
    qtmodeltester.check(listed)
    assert {listed.index(r, listed.STATUS).data() for r in range(2)} == {"Submitted — superseded", "Draft"}
    frozen = next(r for r in range(2) if listed.items[r].frozen)
    assert listed.index(frozen, listed.HASH).data().count(" ") == 3  # "1a2b 3c4d 5e6f 7a8b"

    due = DueModel()
    due.set_due(partnerships.due_returns(db, today), today)
    qtmodeltester.check(due)

    read = read_partnerships(db, today)
    rows = PartnershipsModel()
    rows.set_rows(read.rows, today)
    qtmodeltester.check(rows)
    templates = TemplatesModel()
    templates.set_items(read.templates)
    qtmodeltester.check(templates)
    assert templates.index(0, templates.KIND).data() == "Built in (read-only)"

    responses = ResponsesModel()
    responses.set_items(returns.get_return(db, first).responses)
    qtmodeltester.check(responses)
    assert responses.index(0, responses.YOU_SAID).data() == "Dentists."

    candidates = CandidatesModel()
    found = return_builder.quote_candidates(db, set_up, QUARTER)
    candidates.set_items(found, [found[0].id])
    qtmodeltester.check(candidates)
    assert candidates.index(0, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked

    people = LinesModel("Name")
    people.set_items(read_lines(db, "contacts", [world.cal, world.aisha]))
    qtmodeltester.check(people)
    assert [people.index(r, 0).data() for r in range(2)] == ["Cal Okafor", "Aisha Rahman"]
    assert people.items[0] == Line(world.cal, "Cal Okafor", "")

    # Every table of a return's preview.
    preview = ReturnPreview()
    qtbot.addWidget(preview)
    preview.show_content(returns.show(db, set_up, first).content)
    assert {"reach", "reach.by_type", "themes", "quotes", "reimbursements"} <= set(preview.tables)
    for table in preview.tables.values():
        qtmodeltester.check(table.model())


def test_suppressed_cells_and_theme_changes_are_said_in_words(
    qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    from vcsedesk.domain.returns import DemographicsSection, ReturnContent

    table = CountTable(
        "Age",
        "Age",
        ("18–24", "25–34"),
        ("Female", "Male"),
        (("<5", "*", "7"), ("6", "9", "15"), ("9", "13", "22")),
        (("a", "b", "c"), ("d", "e", "f"), ("g", "h", "i")),
    )
    themes = ThemesSection(
        "Themes",
        "",
        "2026-Q2",
        (ThemeRank("Dentistry", 5, 2, "themes:x"), ThemeRank("Buses", 1, 4, "themes:y")),
    )
    content = ReturnContent(
        "Org", "", "Hub", "", "2026-Q3", "July to September 2026", "2026-07-01", "2026-09-30",
        "k", "Name", "Title", "", 5, 1, "",
        (DemographicsSection("Who", "", 22, (table,)), themes),
    )  # fmt: skip
    preview = ReturnPreview()
    qtbot.addWidget(preview)
    preview.show_content(content)
    grid = preview.tables["demographics.0"].model()
    assert isinstance(grid, CellsModel)
    qtmodeltester.check(grid)
    small = grid.index(0, 1)
    assert small.data() == "<5" and small.data(Qt.ItemDataRole.AccessibleTextRole).startswith("fewer than 5")
    assert "cannot be worked out" in grid.index(0, 2).data(Qt.ItemDataRole.ToolTipRole)
    assert small.data(RefRole) == "a" and grid.index(2, 0).data() == "Total"
    ranks = preview.tables["themes"].model()
    assert ranks.index(0, 3).data() == "▲ 3 more" and ranks.index(1, 3).data() == "▼ 3 fewer"


def test_nothing_is_installed_for_someone_who_may_not_manage_returns(
    qtbot: QtBot, start_app: object, db: Database, set_up: Actor, folder: DataFolder
) -> None:
    from tests.ui.helpers import wait_ready

    staff = add_user(db, folder, set_up, "Sid Taff", "staff")
    act_as(folder, staff)
    running = start_app()  # type: ignore[operator]
    wait_ready(qtbot, running)
    assert running.ctx.acting.name == "Sid Taff"
    assert install(running.ctx, running.window) is None
    assert running.window.area("returns") is None
