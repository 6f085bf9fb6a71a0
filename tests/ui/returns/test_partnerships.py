"""The Partnerships tab: a partnership added with the keyboard through the form, its problems
said beside the fields (a bad email as you type; a name already taken, by the service), the
threshold explained in plain words; and one whose return is overdue says so in the list."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS
from tests.ui.returns.conftest import Opened, World
from vcsedesk.domain.returns import Cadence
from vcsedesk.services import partnerships
from vcsedesk.store.database import Database


def test_a_partnership_added_through_the_form(qtbot: QtBot, open_returns, world: World, db: Database) -> None:
    opened: Opened = open_returns()
    area = opened.area
    qtbot.keyClick(area.tabs, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    assert area.tabs.currentWidget() is area.partnerships
    page = area.partnerships
    qtbot.waitUntil(lambda: page.model.has_loaded and not opened.running.worker.busy, timeout=WAIT_MS)
    form = page.form

    # The partnership the world has: its next return is overdue, in words and with the icon.
    assert page.model.rowCount() == 1 and form.partnership is not None
    next_due = page.model.index(0, page.model.NEXT_DUE)
    assert "Overdue by" in next_due.data() and next_due.data(Qt.ItemDataRole.DecorationRole) is not None

    # -- a new one, typed -------------------------------------------------------------------------
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert form.partnership is None and form.name.hasFocus()
    assert not form.save_button.isEnabled() and not form.problems["name"].isVisible()
    qtbot.keyClicks(form.name, "Riverside People's Partnership")  # taken: the service will say
    qtbot.keyClicks(form.hub, "South hub")
    qtbot.keyClicks(form.contact_name, "Jo Bright")
    qtbot.keyClicks(form.contact_email, "jo.bright-at-council")
    email_problem = form.problems["contact_email"]
    assert email_problem.isVisible() and "is not an email address" in email_problem.text()
    assert not form.save_button.isEnabled() and form.status.text() == "1 problem to put right before saving."
    form.contact_email.clear()
    qtbot.keyClicks(form.contact_email, "jo.bright@council.example")
    assert not email_problem.isVisible() and form.save_button.isEnabled()
    form.cadence.setCurrentIndex(form.cadence.findData(Cadence.HALF_YEARLY.value))
    form.first_start.setDate(QDate(2026, 4, 1))
    form.due_days.setValue(45)
    form.threshold.setValue(10)
    assert form.threshold_note.text().startswith("Counts from 1 to 9 are shown as “<10”")
    form.template.setCurrentIndex(form.template.findData("healthwatch-insight"))

    qtbot.keyClick(form.name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    name_problem = form.problems["name"]
    qtbot.waitUntil(lambda: name_problem.isVisible(), timeout=WAIT_MS)
    assert "already a partnership" in name_problem.text() and form.banner.isVisible()
    assert len(partnerships.list_partnerships(db)) == 1  # nothing written

    form.name.selectAll()
    qtbot.keyClicks(form.name, "Healthwatch Riverside")
    qtbot.keyClick(form.name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(partnerships.list_partnerships(db)) == 2, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2 and not opened.running.worker.busy, timeout=WAIT_MS)
    added = partnerships.find_partnership(db, "Healthwatch Riverside")
    assert (added.hub, added.contact_name, added.contact_email) == (
        "South hub",
        "Jo Bright",
        "jo.bright@council.example",
    )
    assert added.cadence is Cadence.HALF_YEARLY and added.first_period_start == date(2026, 4, 1)
    assert (added.due_days, added.suppression_threshold, added.template_key) == (
        45,
        10,
        "healthwatch-insight",
    )
    assert form.partnership is not None and form.partnership.id == added.id
    assert form.status.text() == "Saved." and not form.banner.isVisible()
