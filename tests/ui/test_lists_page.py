"""Organisation ▸ Themes and lists: the theme tree (add, sub-theme, rename, move, retire,
reinstate, merge with its dialog), engagement types and priorities, read-only for a volunteer,
the models under the model tester, and the tab in the Organisation area."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS, visible_message_boxes, wait_ready
from vcsedesk.domain.engagement import EngagementDraft
from vcsedesk.services import engagement_lists, engagements, people, themes
from vcsedesk.services.base import Actor
from vcsedesk.settings import Settings
from vcsedesk.store.database import Database
from vcsedesk.store.location import DataFolder
from vcsedesk.ui import app as ui_app
from vcsedesk.ui.changes import ChangeHub
from vcsedesk.ui.context import AppContext
from vcsedesk.ui.lists_page import ALL_TIME, EntryDialog, ListsPanel, MergeDialog, ThemeTreeModel
from vcsedesk.ui.worker import Worker

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def make_ctx(db: Database, actor: Actor, folder: DataFolder, tmp_path: Path) -> AppContext:
    worker = Worker()
    return AppContext(
        folder=folder,
        settings=Settings.load(tmp_path / "settings.json"),
        worker=worker,
        hub=ChangeHub(worker),
        db=db,
        actor=actor,
    )


@pytest.fixture
def ctx(db: Database, admin: Actor, folder: DataFolder, tmp_path: Path) -> Iterator[AppContext]:
    context = make_ctx(db, admin, folder, tmp_path)
    yield context
    context.worker.shutdown()


def open_panel(qtbot: QtBot, ctx: AppContext) -> ListsPanel:
    panel = ListsPanel(ctx)
    ctx.hub.changed.connect(panel.on_changed)  # the Organisation page forwards changes so
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    panel.show()
    settle(qtbot, panel)
    activate(qtbot, panel)
    return panel


@pytest.fixture
def panel(qtbot: QtBot, ctx: AppContext) -> ListsPanel:
    return open_panel(qtbot, ctx)


def settle(qtbot: QtBot, panel: ListsPanel) -> None:
    qtbot.waitUntil(lambda: not panel.ctx.worker.busy and not panel.loading, timeout=WAIT_MS)


def activate(qtbot: QtBot, widget: QWidget) -> None:
    """Window shortcuts need the window active (offscreen does not give it back by itself)."""
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget, timeout=WAIT_MS)


def dialog_of(qtbot: QtBot, section: object) -> EntryDialog | MergeDialog:
    qtbot.waitUntil(lambda: getattr(section, "dialog", None) is not None, timeout=WAIT_MS)
    dialog = section.dialog  # type: ignore[attr-defined]
    assert isinstance(dialog, EntryDialog | MergeDialog) and dialog.isVisible()
    return dialog


def closed(qtbot: QtBot, panel: ListsPanel, section: object) -> None:
    qtbot.waitUntil(lambda: getattr(section, "dialog", None) is None, timeout=WAIT_MS)
    settle(qtbot, panel)
    activate(qtbot, panel)


def paths(db: Database, *, everything: bool = False) -> dict[str, themes.ThemeInfo]:
    return {t.path: t for t in themes.list_themes(db, include_retired=everything)}


def cell(model: ThemeTreeModel, theme_id: uuid.UUID, column: int) -> str:
    index = model.index_of(theme_id)
    assert index.isValid()
    return str(model.index(index.row(), column, index.parent()).data())


def shown(model: ThemeTreeModel) -> dict[str, str]:
    """Each theme shown in the tree (by path) and its status column."""
    return {info.path: cell(model, info.id, ThemeTreeModel.STATUS) for info in model.shown()}


def test_a_theme_and_a_sub_theme_are_added_by_keyboard(qtbot: QtBot, panel: ListsPanel, db: Database) -> None:
    section = panel.themes
    assert section.model.has_loaded and "Housing" in shown(section.model)
    section.view.setFocus()
    qtbot.keyClick(section.view, Qt.Key.Key_Insert)
    dialog = dialog_of(qtbot, section)
    assert isinstance(dialog, EntryDialog) and dialog.name is not None
    assert not dialog.ok.isEnabled()  # nothing typed yet
    qtbot.keyClicks(dialog.name, "Loneliness")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    closed(qtbot, panel, section)
    assert "Loneliness" in paths(db)
    chosen = section.selected()
    assert chosen is not None and chosen.path == "Loneliness"  # the new theme is selected
    assert "Added theme “Loneliness”" in section.status.text()

    qtbot.keyClick(section.view, Qt.Key.Key_N, CTRL | Qt.KeyboardModifier.ShiftModifier)
    dialog = dialog_of(qtbot, section)
    assert isinstance(dialog, EntryDialog) and dialog.name is not None and dialog.place is not None
    assert dialog.place.currentText() == "Loneliness"  # under the selected theme
    qtbot.keyClicks(dialog.name, "Older people")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    closed(qtbot, panel, section)
    added = paths(db)["Loneliness › Older people"]
    assert added.parent_id == paths(db)["Loneliness"].id
    parent = section.model.index_of(added.id).parent()
    assert parent.data() == "Loneliness"

    # Ctrl+N adds too; a name that is taken is refused beside the field and nothing is added.
    qtbot.keyClick(section.view, Qt.Key.Key_N, CTRL)
    dialog = dialog_of(qtbot, section)
    assert isinstance(dialog, EntryDialog) and dialog.name is not None
    qtbot.keyClicks(dialog.name, "housing")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.name_problem.isVisible, timeout=WAIT_MS)
    assert "already a theme called “Housing”" in dialog.name_problem.text()
    assert dialog.isVisible() and dialog.name.text() == "housing"
    assert sum(1 for p in paths(db) if p.casefold() == "housing") == 1
    dialog.reject()
    closed(qtbot, panel, section)


def test_f2_renames_and_move_puts_a_theme_elsewhere(qtbot: QtBot, panel: ListsPanel, db: Database) -> None:
    section = panel.themes
    transport = paths(db)["Transport"]
    assert section.select(transport.id)
    qtbot.keyClick(section.view, Qt.Key.Key_F2)
    dialog = dialog_of(qtbot, section)
    assert isinstance(dialog, EntryDialog) and dialog.name is not None
    assert dialog.name.text() == "Transport" and dialog.place is None
    qtbot.keyClick(dialog.name, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(dialog.name, "Getting about")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    closed(qtbot, panel, section)
    assert themes.get_theme(db, transport.id).name == "Getting about"
    assert section.model.index_of(transport.id).data() == "Getting about"

    qtbot.mouseClick(section.move_button, Qt.MouseButton.LeftButton)
    dialog = dialog_of(qtbot, section)
    assert isinstance(dialog, EntryDialog) and dialog.place is not None and dialog.name is None
    dialog.place.setCurrentIndex(dialog.place.findText("Social isolation"))
    qtbot.keyClick(dialog.place, Qt.Key.Key_Return)
    closed(qtbot, panel, section)
    assert themes.get_theme(db, transport.id).path == "Social isolation › Getting about"


def engagement(db: Database, admin: Actor, title: str, *tagged: uuid.UUID) -> None:
    kind = engagement_lists.list_types(db)[0]
    engagements.add_engagement(
        db,
        admin,
        EngagementDraft(
            title=title,
            type_id=kind.id,
            on_date=date(2026, 3, 2),
            online=True,
            anonymous_count=4,
            theme_ids=tagged,
        ),
        today=date(2026, 6, 1),
    )


def test_a_merge_through_the_dialog_moves_the_counts_and_loses_nothing(
    qtbot: QtBot, ctx: AppContext, db: Database, admin: Actor
) -> None:
    before_paths = paths(db)
    dentistry, housing = before_paths["Dentistry"], before_paths["Housing"]
    engagement(db, admin, "Dentist drop-in", dentistry.id)
    engagement(db, admin, "Housing surgery", housing.id)
    engagement(db, admin, "Both", housing.id, dentistry.id)
    before = themes.count_by_theme(db, *ALL_TIME)
    assert (before[dentistry.id], before[housing.id]) == (2, 2)

    panel = open_panel(qtbot, ctx)
    section = panel.themes
    counted = (
        cell(section.model, dentistry.id, ThemeTreeModel.ENGAGEMENTS),
        cell(section.model, housing.id, ThemeTreeModel.ENGAGEMENTS),
    )
    assert counted == ("2", "2")

    assert section.select(dentistry.id)
    qtbot.keyClick(section.view, Qt.Key.Key_O, ALT)  # Merge int&o…
    dialog = dialog_of(qtbot, section)
    assert isinstance(dialog, MergeDialog)
    assert not dialog.ok.isEnabled()  # nothing chosen yet
    qtbot.keyClicks(dialog.filter, "hous")
    assert dialog.proxy.rowCount() == 3  # Housing and its two sub-themes
    qtbot.keyClick(dialog.filter, Qt.Key.Key_Down)  # into the list, the first match chosen
    assert dialog.isVisible() and dialog.target() == (housing.id, "Housing")
    text = dialog.explanation.text()
    assert "Records tagged with “Dentistry” will count under “Housing”." in text
    assert "Nothing is deleted; undo (Ctrl+Z) reverses the merge." in text
    assert "“Dentistry” has 2 engagements" in text and "“Housing” has 2 engagements" in text
    assert dialog.ok.isEnabled()
    qtbot.keyClick(dialog.list, Qt.Key.Key_Return)
    closed(qtbot, panel, section)

    after = themes.count_by_theme(db, *ALL_TIME)
    assert dentistry.id not in after
    assert after[housing.id] == 3  # the engagement tagged with both counts once
    assert {k: v for k, v in after.items() if k != housing.id} == {
        k: v for k, v in before.items() if k not in (housing.id, dentistry.id)
    }
    assert themes.get_theme(db, dentistry.id).merged_into_id == housing.id
    assert "Merged theme “Dentistry” into “Housing”" in section.status.text()

    assert "Dentistry" not in shown(section.model)  # hidden until asked for
    assert cell(section.model, housing.id, ThemeTreeModel.ENGAGEMENTS) == "3"
    qtbot.keyClick(section.view, Qt.Key.Key_D, ALT)  # Show retire&d and merged themes
    qtbot.waitUntil(section.show_retired.isChecked, timeout=WAIT_MS)  # a mnemonic clicks after a moment
    assert shown(section.model)["Dentistry"] == "Merged into Housing"
    assert cell(section.model, dentistry.id, ThemeTreeModel.ENGAGEMENTS) == ""  # counted under Housing
    section.select(dentistry.id)
    assert not section.merge_button.isEnabled() and not section.move_button.isEnabled()
    assert section.retire_button.text().replace("&", "") == "Reinstate"


def test_a_merge_the_service_refuses_is_explained_in_the_dialog(
    qtbot: QtBot, panel: ListsPanel, db: Database
) -> None:
    section = panel.themes
    housing = paths(db)["Housing"]
    themes.add_theme(db, panel.ctx.acting, "Damp and mould", paths(db)["Cost of living"].id)
    section.load()
    settle(qtbot, panel)
    assert section.select(paths(db)["Cost of living"].id)
    qtbot.mouseClick(section.merge_button, Qt.MouseButton.LeftButton)
    dialog = dialog_of(qtbot, section)
    assert isinstance(dialog, MergeDialog)
    assert dialog.choose(housing.id)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.problem.isVisible, timeout=WAIT_MS)
    assert "both have a sub-theme called “Damp and mould”" in dialog.problem.text()
    assert themes.get_theme(db, paths(db)["Cost of living"].id).merged_into_id is None
    dialog.reject()
    closed(qtbot, panel, section)


def test_retire_and_reinstate(qtbot: QtBot, panel: ListsPanel, db: Database) -> None:
    section = panel.themes
    pharmacy = paths(db)["Primary care › Pharmacy"]
    assert section.select(pharmacy.id)
    assert section.retire_button.text().replace("&", "") == "Retire"
    qtbot.keyClick(section.view, Qt.Key.Key_I, ALT)
    qtbot.waitUntil(lambda: themes.get_theme(db, pharmacy.id).retired, timeout=WAIT_MS)
    settle(qtbot, panel)
    assert "Primary care › Pharmacy" not in shown(section.model)
    assert "Primary care › Pharmacy" not in paths(db)  # no longer offered

    section.show_retired.setChecked(True)
    assert shown(section.model)["Primary care › Pharmacy"] == "Retired"
    assert section.select(pharmacy.id)
    assert section.retire_button.text().replace("&", "") == "Reinstate"
    qtbot.keyClick(section.view, Qt.Key.Key_I, ALT)
    qtbot.waitUntil(lambda: not themes.get_theme(db, pharmacy.id).retired, timeout=WAIT_MS)
    settle(qtbot, panel)
    assert shown(section.model)["Primary care › Pharmacy"] == ""

    # A theme whose sub-themes are in use cannot be retired: the refusal is said plainly.
    assert section.select(paths(db)["Primary care"].id)
    qtbot.mouseClick(section.retire_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(visible_message_boxes()), timeout=WAIT_MS)
    box = visible_message_boxes()[0]
    assert "still has sub-themes in use" in box.text()
    box.accept()
    assert not themes.get_theme(db, paths(db)["Primary care"].id).retired


def test_a_volunteer_sees_the_lists_read_only(
    qtbot: QtBot, db: Database, admin: Actor, folder: DataFolder, tmp_path: Path
) -> None:
    people.add_user(db, admin, name="Val Unteer", role="volunteer")
    user = next(u for u in people.list_users(db) if u.name == "Val Unteer")
    context = make_ctx(db, people.actor_for(db, user.id, None), folder, tmp_path)
    try:
        panel = open_panel(qtbot, context)
        assert panel.permission_note.isVisible()
        assert "Only administrators and coordinators can change" in panel.permission_note.text()
        section = panel.themes
        assert section.model.rowCount() > 0
        section.select(paths(db)["Housing"].id)
        buttons = (
            section.add_button,
            section.add_child_button,
            section.rename_button,
            section.move_button,
            section.retire_button,
            section.merge_button,
        )
        assert not any(b.isEnabled() for b in buttons)
        qtbot.keyClick(section.view, Qt.Key.Key_Insert)
        qtbot.keyClick(section.view, Qt.Key.Key_F2)
        assert section.dialog is None
        panel.tabs.setCurrentWidget(panel.types)
        settle(qtbot, panel)
        assert panel.types.model.rowCount() == 8
        panel.types.select_row(1)
        assert not any(
            b is not None and b.isEnabled()
            for b in (
                panel.types.add_button,
                panel.types.rename_button,
                panel.types.archive_button,
                panel.types.up_button,
                panel.types.down_button,
            )
        )
        assert section.show_retired.isEnabled()  # looking is still allowed
    finally:
        context.worker.shutdown()


def test_engagement_types_are_added_renamed_moved_archived_and_restored(
    qtbot: QtBot, panel: ListsPanel, db: Database
) -> None:
    qtbot.keyClick(panel.themes.view, Qt.Key.Key_Y, ALT)  # Engagement t&ypes
    section = panel.types
    assert panel.tabs.currentWidget() is section
    settle(qtbot, panel)
    names = [t.name for t in engagement_lists.list_types(db)]
    assert [section.model.index(r, 0).data() for r in range(section.model.rowCount())] == names

    section.view.setFocus()
    qtbot.keyClick(section.view, Qt.Key.Key_Insert)
    dialog = dialog_of(qtbot, section)
    assert isinstance(dialog, EntryDialog) and dialog.name is not None
    qtbot.keyClicks(dialog.name, "Home visit")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    closed(qtbot, panel, section)
    assert [t.name for t in engagement_lists.list_types(db)][-1] == "Home visit"
    chosen = section.selected()
    assert chosen is not None and chosen.name == "Home visit"

    qtbot.keyClick(section.view, Qt.Key.Key_F2)
    dialog = dialog_of(qtbot, section)
    assert isinstance(dialog, EntryDialog) and dialog.name is not None
    dialog.name.clear()
    qtbot.keyClicks(dialog.name, "Home visits")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    closed(qtbot, panel, section)
    assert [t.name for t in engagement_lists.list_types(db)][-1] == "Home visits"

    assert section.down_button is not None and not section.down_button.isEnabled()  # last already
    qtbot.keyClick(section.view, Qt.Key.Key_Up, ALT)
    qtbot.waitUntil(
        lambda: [t.name for t in engagement_lists.list_types(db)][-2] == "Home visits", timeout=WAIT_MS
    )
    settle(qtbot, panel)
    moved = section.selected()
    assert moved is not None and moved.name == "Home visits"  # still selected after the move
    qtbot.keyClick(section.view, Qt.Key.Key_Down, ALT)
    qtbot.waitUntil(
        lambda: [t.name for t in engagement_lists.list_types(db)][-1] == "Home visits", timeout=WAIT_MS
    )
    settle(qtbot, panel)

    qtbot.keyClick(section.view, Qt.Key.Key_C, ALT)  # Ar&chive
    qtbot.waitUntil(
        lambda: "Home visits" not in [t.name for t in engagement_lists.list_types(db)], timeout=WAIT_MS
    )
    settle(qtbot, panel)
    row = section.model.row_of(moved.id)
    assert section.model.index(row, 1).data() == "Archived"
    assert section.restore_button.isEnabled() and not section.archive_button.isEnabled()
    qtbot.keyClick(section.view, Qt.Key.Key_O, ALT)  # Rest&ore
    qtbot.waitUntil(
        lambda: "Home visits" in [t.name for t in engagement_lists.list_types(db)], timeout=WAIT_MS
    )
    settle(qtbot, panel)
    assert section.model.index(section.model.row_of(moved.id), 1).data() == "In use"


def test_priorities_are_added_renamed_archived_and_restored(
    qtbot: QtBot, panel: ListsPanel, db: Database
) -> None:
    qtbot.keyClick(panel.themes.view, Qt.Key.Key_S, ALT)  # Partner&ship priorities
    section = panel.priorities
    assert panel.tabs.currentWidget() is section
    settle(qtbot, panel)
    assert section.model.rowCount() == 0 and section.empty.isVisible()
    assert "No partnership priorities yet" in section.empty.text()

    qtbot.keyClick(section, Qt.Key.Key_A, ALT)  # &Add…
    dialog = dialog_of(qtbot, section)
    assert isinstance(dialog, EntryDialog) and dialog.name is not None
    qtbot.keyClicks(dialog.name, "Acess to primary care")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    closed(qtbot, panel, section)
    assert [p.name for p in engagement_lists.list_priorities(db)] == ["Acess to primary care"]
    assert section.view.isVisible() and not section.empty.isVisible()

    qtbot.keyClick(section.view, Qt.Key.Key_F2)
    dialog = dialog_of(qtbot, section)
    assert isinstance(dialog, EntryDialog) and dialog.name is not None
    dialog.name.clear()
    qtbot.keyClicks(dialog.name, "Access to primary care")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    closed(qtbot, panel, section)
    assert [p.name for p in engagement_lists.list_priorities(db)] == ["Access to primary care"]

    qtbot.mouseClick(section.archive_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: engagement_lists.list_priorities(db) == [], timeout=WAIT_MS)
    settle(qtbot, panel)
    assert section.model.index(0, 1).data() == "Archived"
    qtbot.mouseClick(section.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(engagement_lists.list_priorities(db)) == 1, timeout=WAIT_MS)
    settle(qtbot, panel)
    assert section.model.index(0, 1).data() == "In use"


def test_the_models_pass_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, panel: ListsPanel, db: Database, admin: Actor
) -> None:
    dentistry = paths(db)["Dentistry"]
    themes.merge_themes(db, admin, dentistry.id, dentistry.version, paths(db)["Housing"].id)
    qtbot.waitUntil(lambda: not panel.loading, timeout=WAIT_MS)
    panel.themes.load()
    settle(qtbot, panel)
    qtmodeltester.check(panel.themes.model)
    panel.themes.show_retired.setChecked(True)
    qtmodeltester.check(panel.themes.model)
    panel.tabs.setCurrentWidget(panel.types)
    settle(qtbot, panel)
    qtmodeltester.check(panel.types.model)
    engagement_lists.add_priority(db, admin, "Tackling loneliness")
    panel.tabs.setCurrentWidget(panel.priorities)
    settle(qtbot, panel)
    qtmodeltester.check(panel.priorities.model)


StartApp = Callable[[], ui_app.App]


def test_the_organisation_area_has_the_lists_tab(qtbot: QtBot, start_app: StartApp, set_up: Actor) -> None:
    running = start_app()
    wait_ready(qtbot, running)
    assert running.window is not None and running.organisation is not None
    running.window.show_area("organisation")
    page = running.organisation
    index = page.tabs.indexOf(page.lists)
    assert page.tabs.tabText(index) == "Themes and &lists"
    assert not page.lists.themes.model.has_loaded  # nothing read until it is looked at
    page.tabs.setCurrentWidget(page.lists)
    qtbot.waitUntil(lambda: page.lists.themes.model.has_loaded and not running.worker.busy, timeout=WAIT_MS)
    # A change made elsewhere reaches the tab through the page.
    running.hub.perform(themes.add_theme, running.ctx.database, running.ctx.acting, "Loneliness")
    qtbot.waitUntil(lambda: "Loneliness" in shown(page.lists.themes.model), timeout=WAIT_MS)
