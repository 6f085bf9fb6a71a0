"""The timeline: everything that involves the contact, newest first ("tell us once").

Built on :func:`vcsedesk.services.timeline.timeline`, whose providers each area extends;
new kinds of item (engagements, claims…) appear here with no change to this tab.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDateTime, QLocale, QModelIndex, QObject, Signal
from PySide6.QtWidgets import QLabel, QTableView, QVBoxLayout, QWidget

from vcsedesk.ui.table_model import ItemsTableModel
from vcsedesk.ui.widgets import set_up_table, size_columns

if TYPE_CHECKING:
    from vcsedesk.services.base import Actor, Changes
    from vcsedesk.services.timeline import TimelineItem
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext

WHEN_FORMAT = "d MMM yyyy  HH:mm"


def read_timeline(db: Database, contact_id: uuid.UUID, actor: Actor | None) -> list[TimelineItem]:
    from vcsedesk.services import timeline

    return timeline.timeline(db, contact_id, actor)


#: Tables whose records open in another area when their timeline item is activated.
OPENABLE = frozenset({"engagements", "quotes", "meetings", "actions", "claims", "returns"})


def kind_text(kind: str) -> str:
    from PySide6.QtCore import QCoreApplication

    return {
        "consent": QCoreApplication.translate("Timeline", "Consent"),
        "record": QCoreApplication.translate("Timeline", "Details"),
        "membership": QCoreApplication.translate("Timeline", "Membership"),
        "engagement": QCoreApplication.translate("Timeline", "Engagement"),
        "quote": QCoreApplication.translate("Timeline", "Quote"),
        "meeting": QCoreApplication.translate("Timeline", "Meeting"),
        "action": QCoreApplication.translate("Timeline", "Action"),
        "claim": QCoreApplication.translate("Timeline", "Claim"),
        "return": QCoreApplication.translate("Timeline", "Return"),
    }.get(kind, kind.capitalize())


class TimelineModel(ItemsTableModel):
    WHEN, KIND, WHAT, DETAIL, BY = range(5)
    items: list[TimelineItem]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [self.tr("When"), self.tr("Kind"), self.tr("What"), self.tr("Detail"), self.tr("By")]
        self._locale = QLocale()

    def cell(self, item: TimelineItem, column: int, role: int) -> Any:
        if column == self.WHEN:
            moment = QDateTime.fromMSecsSinceEpoch(int(item.at.timestamp() * 1000)).toLocalTime()
            return self._locale.toString(moment, WHEN_FORMAT)
        return {
            self.KIND: kind_text(item.kind),
            self.WHAT: item.title,
            self.DETAIL: item.detail,
            self.BY: item.by,
        }.get(column)


class TimelineTab(QWidget):
    loaded = Signal()
    #: (table, record id) of an item opened with Enter or a double-click, for the area that
    #: shows such records (an engagement, a quote's engagement, a meeting, an action).
    open_record = Signal(str, object)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.contact_id: uuid.UUID | None = None
        self._generation = 0
        self.setAccessibleName(self.tr("Timeline"))
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("Everything that involves this contact, newest first."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = TimelineModel(self)
        self.view = QTableView()
        set_up_table(self.view, self.model, self.tr("Timeline, newest first"), alternating=False)
        size_columns(
            self.view,
            {
                self.model.WHEN: "28 Sep 2026  00:00",
                self.model.KIND: self.tr("Membership"),
                self.model.WHAT: "Consent given: share their story or quotes with their name",
                self.model.DETAIL: "Written, dated 12 Mar 2026; review by 12 Mar 2027",
            },
        )
        self.view.activated.connect(self._activated)
        layout.addWidget(self.view, 1)

    def _activated(self, index: QModelIndex) -> None:
        item = self.model.items[index.row()] if 0 <= index.row() < len(self.model.items) else None
        if item is not None and item.record_id is not None and item.record_table in OPENABLE:
            self.open_record.emit(item.record_table, item.record_id)

    def show_contact(self, contact_id: uuid.UUID | None) -> None:
        self.contact_id = contact_id
        self.load()

    def load(self) -> None:
        if self.contact_id is None or self.ctx.db is None:
            self.model.set_items([])
            return
        self._generation += 1
        generation = self._generation
        self.ctx.worker.submit(
            read_timeline,
            self.ctx.database,
            self.contact_id,
            self.ctx.actor,
            on_done=lambda items: self._fill(generation, items),
            label=self.tr("Reading the timeline…"),
        )

    def _fill(self, generation: int, items: list[TimelineItem]) -> None:
        if generation == self._generation:
            self.model.set_items(items)
            self.loaded.emit()

    def on_changed(self, changes: Changes) -> None:
        self.load()
