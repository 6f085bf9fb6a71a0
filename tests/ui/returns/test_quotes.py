"""Choosing a return's quotes, and being told which chosen quotes are not printed and why.

The picker lists the quotes that may be shared, ticked with Space and put in order with
Ctrl+Up / Ctrl+Down; "Choose automatically" hands the choice back to the return.  When a
speaker withdraws consent after their quote was chosen, the page's banner names the quote,
the speaker and the withdrawal; a named quote whose speaker withdrew named sharing is said to
be printed without the name.
"""

from __future__ import annotations

import functools
from datetime import date

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WAIT_MS
from tests.ui.returns.conftest import QUARTER, Opened, World
from vcsedesk.services import consent, returns
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.ui.returns.dialogs import QuotePickerDialog


def click(qtbot: QtBot, button: object) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # type: ignore[arg-type]


def test_quotes_chosen_in_order_then_consent_withdrawn_is_explained(
    qtbot: QtBot, open_returns, world: World, db: Database, set_up: Actor
) -> None:
    (return_id,) = returns.start_return(db, set_up, world.partnership, QUARTER).created["returns"]
    opened: Opened = open_returns()
    area = opened.area
    area.open_return(return_id)
    page = area.page
    qtbot.waitUntil(lambda: page.read is not None, timeout=WAIT_MS)
    opened.idle(qtbot)
    assert not page.notices.isVisible()

    # -- the picker: both quotes may be shared; chosen automatically now -----------------------
    click(qtbot, page.quotes_button)
    picker = page.dialog
    assert isinstance(picker, QuotePickerDialog)
    qtbot.waitUntil(lambda: picker.loaded, timeout=WAIT_MS)
    assert "automatically" in picker.mode.text()
    texts = [picker.model.index(r, 0).data() for r in range(picker.model.rowCount())]
    assert sorted(texts) == ["No dentist will take me on.", "The bus stops too far from the surgery."]
    assert picker.model.index(texts.index("No dentist will take me on."), 1).data() == "Anonymous"
    assert picker.order.count() == 2  # what the return prints now, ticked

    # Untick both with Space, tick Bea's, then Cal's, and move Cal's first with Ctrl+Up.
    picker.table.setFocus()
    for row in range(2):
        picker.table.setCurrentIndex(picker.model.index(row, 0))
        qtbot.keyClick(picker.table, Qt.Key.Key_Space)
    assert picker.order.count() == 0 and picker.model.checked == set()
    bea_row = texts.index("No dentist will take me on.")
    for row in (bea_row, 1 - bea_row):
        picker.table.setCurrentIndex(picker.model.index(row, 0))
        qtbot.keyClick(picker.table, Qt.Key.Key_Space)
    assert picker.ordered() == [world.quote_bea, world.quote_cal]
    picker.order.setFocus()
    picker.order.setCurrentRow(1)
    qtbot.keyClick(picker.order, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert picker.ordered() == [world.quote_cal, world.quote_bea]
    click(qtbot, picker.ok_button)
    qtbot.waitUntil(lambda: page.dialog is None, timeout=WAIT_MS)
    opened.idle(qtbot)
    assert returns.get_return(db, return_id).quote_ids == [world.quote_cal, world.quote_bea]
    qtbot.waitUntil(lambda: page.read is not None and page.read.view.quote_ids is not None, timeout=WAIT_MS)
    opened.idle(qtbot)
    printed = page.preview.tables["quotes"].model()
    assert [printed.index(r, 0).data() for r in range(2)] == [
        "“The bus stops too far from the surgery.”",
        "“No dentist will take me on.”",
    ]

    # -- consent withdrawn meanwhile: the banner names the quote, the speaker and why ----------
    today = date.today()
    for who, purpose in ((world.bea, "share_anonymously"), (world.cal, "share_with_name")):
        opened.running.ctx.hub.perform(
            functools.partial(
                consent.record_consent, purpose=purpose, status="withdrawn", on=today, method="verbal"
            ),
            db,
            set_up,
            who,
        )
    qtbot.waitUntil(lambda: page.notices.isVisible(), timeout=WAIT_MS)
    opened.idle(qtbot)
    lines = page.notices_text.text().splitlines()
    assert lines[0].startswith("2 chosen quotes will not be printed as chosen")
    left_out = next(line for line in lines if "No dentist will take me on." in line)
    assert left_out.startswith("• Left out:") and "Bea Lowe" in left_out and "withdrawn" in left_out
    anonymous = next(line for line in lines if "The bus stops" in line)
    assert anonymous.startswith("• Shown without the name:") and "Cal Okafor" in anonymous
    printed = page.preview.tables["quotes"].model()
    assert printed.rowCount() == 1 and printed.index(0, 1).data() == "Anonymous"

    # -- "Choose automatically" gives the choice back to the return ----------------------------
    click(qtbot, page.quotes_button)
    picker = page.dialog
    assert isinstance(picker, QuotePickerDialog)
    qtbot.waitUntil(lambda: picker.loaded, timeout=WAIT_MS)
    assert "by hand" in picker.mode.text() and "no longer be shared" in picker.count.text()
    click(qtbot, picker.auto_button)
    qtbot.waitUntil(lambda: page.dialog is None, timeout=WAIT_MS)
    opened.idle(qtbot)
    assert returns.get_return(db, return_id).quote_ids is None
