"""The dashboard's "Returns due" panel: partnership returns not yet submitted whose period has
ended or soon ends, overdue ones first — each a button (Enter or click) that opens the return,
or starts it.  Overdue is said in words and with the warning icon, never by colour alone.

Shown only to those who manage returns; hidden when nothing is due.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QPushButton, QStyle, QVBoxLayout, QWidget

from vcsedesk.domain.errors import UserError
from vcsedesk.services.base import Changes, Permission
from vcsedesk.services.partnerships import DueReturn, due_returns
from vcsedesk.ui.context import AppContext
from vcsedesk.ui.widgets import may

#: Tables whose changes alter what is due.
DUE_TABLES = frozenset({"partnerships", "returns"})
#: At most this many lines; the Returns area lists them all.
SHOWN = 8


class DueReturnsPanel(QGroupBox):
    #: A due return was chosen: open it (or start it) in the Returns area.
    open_due = Signal(object)
    #: The list on screen was (re)read.
    loaded = Signal()

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, today: Callable[[], date] = date.today
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.today = today
        self.due: list[DueReturn] = []
        self.buttons: list[QPushButton] = []
        self._asked = 0
        self.setTitle(self.tr("Returns due to partnerships"))
        self.setAccessibleName(self.tr("Returns due to partnerships"))
        self._layout = QVBoxLayout(self)
        self.more = QLabel()
        self.more.setAccessibleName(self.tr("More returns due"))
        self.more.hide()
        self._layout.addWidget(self.more)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName(self.tr("Problem reading the returns due"))
        self.message.hide()
        self._layout.addWidget(self.message)
        self.hide()
        ctx.hub.changed.connect(self._changed)

    @property
    def allowed(self) -> bool:
        return may(self.ctx, Permission.MANAGE_RETURNS)

    def load(self) -> None:
        if not self.allowed:
            self.hide()
            return
        self._asked += 1
        asked = self._asked
        self.ctx.worker.submit(
            functools.partial(due_returns, self.ctx.database, self.today()),
            on_done=lambda due: self._show(due, asked),
            on_error=lambda exc: self._failed(exc, asked),
            label=self.tr("Reading the returns due…"),
        )

    def _changed(self, changes: Changes) -> None:
        if any(changes.touches(table) for table in DUE_TABLES):
            self.load()

    def _failed(self, exc: UserError, asked: int) -> None:
        if asked == self._asked:
            self.message.setText(str(exc))
            self.message.show()
            self.show()
            self.loaded.emit()

    def line(self, due: DueReturn) -> str:
        today = self.today()
        days = (due.due_on - today).days
        where = self.tr("{partnership}: return for {period}").format(
            partnership=due.partnership, period=due.period.label
        )
        if days < 0:
            when = self.tr("Overdue by {n} days (was due {day})").format(
                n=-days, day=f"{due.due_on.day} {due.due_on:%b %Y}"
            )
        elif days == 0:
            when = self.tr("Due today")
        else:
            when = self.tr("Due in {n} days ({day})").format(
                n=days, day=f"{due.due_on.day} {due.due_on:%b %Y}"
            )
        state = self.tr("not started") if due.status is None else due.status.label.lower()
        return f"{when} — {where}, {state}"

    def _show(self, due: list[DueReturn], asked: int) -> None:
        if asked != self._asked:
            return
        self.message.hide()
        for button in self.buttons:
            self._layout.removeWidget(button)
            button.deleteLater()
        self.buttons = []
        self.due = due
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        today = self.today()
        for n, item in enumerate(due[:SHOWN]):
            button = QPushButton(self.line(item))
            button.setFlat(True)
            button.setStyleSheet("text-align: left; padding: 2px 4px;")
            if item.overdue(today):
                button.setIcon(warning)
            button.setAccessibleName(self.line(item))
            button.setToolTip(self.tr("Open this return (Enter)"))
            button.clicked.connect(lambda _checked=False, item=item: self.open_due.emit(item))
            self._layout.insertWidget(n, button)
            self.buttons.append(button)
        hidden = len(due) - SHOWN
        self.more.setText(self.tr("…and {n} more in the Returns area.").format(n=hidden))
        self.more.setVisible(hidden > 0)
        self.setVisible(bool(due))
        self.loaded.emit()
