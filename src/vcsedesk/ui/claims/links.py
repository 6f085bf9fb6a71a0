"""The claims made for one engagement or meeting, for that record's page.

:class:`ClaimsForRecord` is a group box ("Claims (2)") with a short table of the claims that
name the record — number, claimant, total, payable, choice, status — read on the worker with
``services.claims.claims_for`` (only the claims the person acting may see), kept up to date
when claims change.  Enter or a double click opens a claim in the Claims area.

On an engagement's page::

    self.claims_box = ClaimsForRecord(ctx, "engagements")
    outer.addWidget(self.claims_box)
    ...
    self.claims_box.show_for(view.id)
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from vcsedesk.ui.claims.model import ClaimsModel
from vcsedesk.ui.widgets import RecordsView, fit_rows, set_up_table, size_columns

if TYPE_CHECKING:
    from vcsedesk.services.base import Actor, Changes
    from vcsedesk.services.claims import ClaimRow
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext

#: Tables whose changes can alter the claims shown.
LINK_TABLES = frozenset({"claims", "claim_items", "claim_links", "contacts", "budgets"})


def read_claims_for(db: Database, actor: Actor, table: str, record_id: uuid.UUID) -> list[ClaimRow]:
    """The claims naming an engagement or a meeting that ``actor`` may see (on the worker)."""
    from vcsedesk.services import claims

    if table == "engagements":
        return claims.claims_for(db, engagement_id=record_id, actor=actor)
    return claims.claims_for(db, meeting_id=record_id, actor=actor)


class ClaimsForRecord(QGroupBox):
    """The claims made for one engagement (``table`` "engagements") or meeting ("meetings")."""

    #: A claim was chosen to open (its id); by default it opens in the window's Claims area.
    open_claim = Signal(object)
    #: The claims have been read and shown.
    loaded = Signal()

    def __init__(self, ctx: AppContext, table: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.table = table
        self.record_id: uuid.UUID | None = None
        self._generation = 0
        self.setTitle(self.tr("Claims"))
        self.setAccessibleName(self.tr("Claims made for this record"))
        layout = QVBoxLayout(self)
        self.model = ClaimsModel(self)
        self.view = RecordsView()
        set_up_table(self.view, self.model, self.tr("Claims made for this record"))
        self.view.setAccessibleDescription(self.tr("Enter opens a claim in the Claims area."))
        self.view.setProperty("max_rows", 6)
        for column in (ClaimsModel.DATE, ClaimsModel.BUDGET, ClaimsModel.ACCOUNT):
            self.view.hideColumn(column)
        size_columns(
            self.view,
            {
                ClaimsModel.NUMBER: "2026-0123",
                ClaimsModel.CLAIMANT: "Beatrice Nwosu-Okafor",
                ClaimsModel.TOTAL: "£1,234.56",
                ClaimsModel.PAYABLE: "£1,234.56",
                ClaimsModel.CHOICE: "Bank transfer, taking less",
            },
        )
        fit_rows(self.view, 1)
        self.view.open_requested.connect(self._open_current)
        self.view.doubleClicked.connect(lambda _i: self._open_current())
        layout.addWidget(self.view)
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName(self.tr("No claims"))
        layout.addWidget(self.empty)
        self.open_claim.connect(self._open_in_claims_area)
        ctx.hub.changed.connect(self.on_changed)
        self._show([])

    def show_for(self, record_id: uuid.UUID) -> None:
        """Read and show the claims naming ``record_id``."""
        self.record_id = record_id
        self.refresh()

    def refresh(self) -> None:
        if self.record_id is None or self.ctx.db is None or self.ctx.actor is None:
            return
        self._generation += 1
        generation = self._generation
        record_id = self.record_id
        self.ctx.worker.submit(
            read_claims_for,
            self.ctx.database,
            self.ctx.acting,
            self.table,
            record_id,
            on_done=lambda rows: self._arrived(generation, record_id, rows),
            label=self.tr("Reading the claims…"),
        )

    def _arrived(self, generation: int, record_id: uuid.UUID, rows: list[ClaimRow]) -> None:
        if generation != self._generation or record_id != self.record_id:
            return
        self._show(rows)
        self.loaded.emit()

    def _show(self, rows: list[ClaimRow]) -> None:
        self.model.set_rows(rows)
        fit_rows(self.view, len(rows))
        self.view.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        what = self.tr("engagement") if self.table == "engagements" else self.tr("meeting")
        self.empty.setText(
            self.tr(
                "No claims name this {what}. A claim's form offers the engagements and meetings its claimant took part in."
            ).format(what=what)
        )
        self.setTitle(self.tr("Claims ({n})").format(n=len(rows)) if rows else self.tr("Claims"))

    @Slot()
    def _open_current(self) -> None:
        index = self.view.currentIndex()
        row = self.model.row_at(index.row()) if index.isValid() else None
        if row is not None:
            self.open_claim.emit(row.id)

    @Slot(object)
    def _open_in_claims_area(self, claim_id: uuid.UUID) -> None:
        window = self.window()
        find = getattr(window, "area", None)
        area = find("claims") if callable(find) else None
        widget = getattr(area, "widget", None)
        opener = getattr(widget, "open_record", None)
        if callable(opener):
            opener("claims", claim_id)

    def on_changed(self, changes: Changes) -> None:
        if self.record_id is not None and changes.tables & LINK_TABLES:
            self.refresh()


__all__ = ["ClaimsForRecord", "read_claims_for"]
