"""The Engagements area: the listening log and one engagement's page, one in front of the
other; and a window listing chosen engagements (what a dashboard figure stands for)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.ui.engagements.log_page import LogPage
from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.widgets import count_text, make_table, size_columns

if TYPE_CHECKING:
    from vcsedesk.domain.errors import UserError
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.engagements.engagement_page import EngagementPage
    from vcsedesk.ui.main_window import MainWindow


def engagement_of_quote(db: Database, quote_id: uuid.UUID) -> uuid.UUID:
    """The engagement a quote belongs to (on the worker)."""
    from vcsedesk.domain.errors import NotFoundError
    from vcsedesk.store.models import Quote

    with db.read() as session:
        quote = session.get(Quote, quote_id)
        if quote is None:
            raise NotFoundError("That quote no longer exists.")
        return quote.engagement_id


class EngagementsArea(QWidget):
    def __init__(self, ctx: AppContext, window: MainWindow | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.window_ = window
        self.setAccessibleName(self.tr("Engagements"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack)
        self.log = LogPage(ctx, window)
        self.stack.addWidget(self.log)
        self._page: EngagementPage | None = None
        self.chosen: ChosenDialog | None = None
        self.log.open_engagement.connect(self.open_engagement)
        self.log.new_engagement.connect(self.new_engagement)
        self.log.resume_draft.connect(self.resume_draft)
        # Ctrl+N records an engagement whenever the area is shown (from the log or a page;
        # from the form it asks first if something typed would be lost).
        self.new_action = QAction(self.tr("New engagement"), self)
        self.new_action.setShortcut(QKeySequence("Ctrl+N"))
        self.new_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.new_action.triggered.connect(self.new_engagement)
        self.addAction(self.new_action)

    @property
    def page(self) -> EngagementPage:
        """The engagement's page, built when first needed (so the log paints sooner)."""
        if self._page is None:
            from vcsedesk.ui.engagements.engagement_page import EngagementPage

            self._page = EngagementPage(self.ctx, self.window_)
            self.stack.addWidget(self._page)
            self._page.back.connect(self.show_log)
            self._page.touched.connect(self._touched)
        return self._page

    def start(self) -> None:
        """Load the log and its filters (call once the data is open and someone is acting)."""
        self.log.start()

    @property
    def showing_log(self) -> bool:
        return self.stack.currentWidget() is self.log

    def _show_me(self) -> None:
        if self.window_ is not None and self.window_.area("engagements") is not None:
            self.window_.show_area("engagements")

    # -- entry points ------------------------------------------------------------------------
    def _leave_form(self, then: Callable[[], None]) -> None:
        """Run ``then`` unless an engagement is being typed: then ask first."""
        page = self._page
        if page is not None and page.editing:
            self._show_me()
            self.stack.setCurrentWidget(page)
            page.form.confirm_leave(then)
        else:
            then()

    @Slot(object)
    def open_engagement(self, engagement_id: uuid.UUID) -> None:
        """Show one engagement's page (from the log, a timeline, the dashboard…); if one is
        being edited with changes not saved, ask first."""
        self._leave_form(lambda: self._open(engagement_id))

    def _open(self, engagement_id: uuid.UUID) -> None:
        self._show_me()
        self.page.open(engagement_id)
        self.stack.setCurrentWidget(self.page)
        self.page.details_scroll.setFocus(Qt.FocusReason.OtherFocusReason)

    def open_record(self, table: str, record_id: uuid.UUID) -> None:
        """Open what a timeline item points at: an engagement (``"engagements"``) or the
        engagement a quote belongs to (``"quotes"``)."""
        if table == "engagements":
            self.open_engagement(record_id)
        elif table == "quotes":
            self.ctx.worker.submit(
                engagement_of_quote,
                self.ctx.database,
                record_id,
                on_done=self.open_engagement,
                label=self.tr("Finding the quote's engagement…"),
            )

    @Slot()
    def new_engagement(self) -> None:
        from vcsedesk.services.base import Permission
        from vcsedesk.ui.widgets import may

        if not may(self.ctx, Permission.EDIT_RECORDS):
            return
        self._leave_form(self._new)

    def _new(self) -> None:
        self._show_me()
        self.stack.setCurrentWidget(self.page)
        self.page.new()

    def show_engagements(self, ids: Sequence[uuid.UUID], title: str) -> ChosenDialog:
        """List chosen engagements (e.g. those behind a dashboard bar) in a window of their
        own; Enter opens one here.  The log's filter has no "these ids", so they are not shown
        by filtering the log."""
        if self.chosen is not None:
            self.chosen.close()
        dialog = ChosenDialog(self.ctx, ids, title, self)
        dialog.open_engagement.connect(self.open_engagement)
        dialog.finished.connect(lambda _r: setattr(self, "chosen", None) if self.chosen is dialog else None)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.chosen = dialog
        dialog.show()
        return dialog

    def open_records(self, ids: Sequence[uuid.UUID], title: str = "") -> ChosenDialog | None:
        """The dashboard's entry point: one engagement opens its page; several are listed."""
        ids = list(dict.fromkeys(ids))
        if len(ids) == 1:
            self.open_engagement(ids[0])
            return None
        return self.show_engagements(ids, title or self.tr("Engagements"))

    @Slot(str)
    def resume_draft(self, kind: str) -> None:
        """Open the form on a draft kept when vcsedesk closed, restored as it was typed."""
        from vcsedesk.ui.engagements.engagement_form import draft_engagement_id

        try:
            engagement_id = draft_engagement_id(kind)
        except ValueError:
            return
        if engagement_id is None:
            self._leave_form(self._resume_new)
        else:
            self._leave_form(lambda: self._resume(engagement_id))

    def _resume_new(self) -> None:
        self._new()
        self.page.form.restore_draft()
        self.log.drafts_note.hide()

    def _resume(self, engagement_id: uuid.UUID) -> None:
        page = self.page

        def loaded() -> None:
            if page.view is None or page.view.id != engagement_id:
                return
            page.loaded.disconnect(loaded)
            if page.view.archived:
                return
            page.edit()
            page.form.restore_draft()
            self.log.drafts_note.hide()

        page.loaded.connect(loaded)
        self._open(engagement_id)

    @Slot()
    def show_log(self) -> None:
        self.stack.setCurrentWidget(self.log)
        self.log.show_drafts()
        if self._page is not None and self._page.engagement_id is not None:
            self.log.select_engagement(self._page.engagement_id)
        view = self.log.current_view()
        if view.isVisible():
            view.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.log.search.setFocus(Qt.FocusReason.OtherFocusReason)

    def _touched(self, engagement_id: uuid.UUID | None) -> None:
        if engagement_id is not None:
            self.log._selected_id = engagement_id

    def refused(self, exc: UserError) -> None:  # pragma: no cover - the worker shows it
        self.ctx.worker.show_user_error(exc)


class ChosenDialog(QDialog):
    """A list of chosen engagements: the log's columns, Enter or a double click opens one."""

    open_engagement = Signal(object)

    def __init__(
        self, ctx: AppContext, ids: Sequence[uuid.UUID], title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        from vcsedesk.ui.engagements.log_model import ChosenEngagementsModel, EngagementsModel

        self.ctx = ctx
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setWindowModality(Qt.WindowModality.NonModal)
        layout = QVBoxLayout(self)
        heading = QLabel(title)
        heading.setFont(heading_font(self.font(), 1.2))
        heading.setWordWrap(True)
        heading.setAccessibleName(title)
        layout.addWidget(heading)
        self.count_label = QLabel(count_text(len(ids), self.tr("1 engagement"), self.tr("{n} engagements")))
        self.count_label.setAccessibleName(self.tr("Number of engagements"))
        layout.addWidget(self.count_label)
        self.model = ChosenEngagementsModel(ctx, ids, self)
        self.view = make_table(self.model, title, self.tr("Enter opens an engagement."))
        size_columns(
            self.view,
            {
                EngagementsModel.DATE: "28 Sep 2026",
                EngagementsModel.TITLE: "Tuesday drop-in at Canal Street Library",
                EngagementsModel.TYPE: "Survey session",
                EngagementsModel.PLACE: "Canal Street Library",
                EngagementsModel.REACH: self.tr("Reach") + "00",
                EngagementsModel.QUOTES: self.tr("Quotes") + "0",
            },
        )
        self.view.open_requested.connect(self.open_selected)
        self.view.doubleClicked.connect(lambda _i: self.open_selected())
        layout.addWidget(self.view, 1)
        buttons = QDialogButtonBox()
        self.open_button = buttons.addButton(self.tr("&Open"), QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.setAccessibleName(self.tr("Open the selected engagement"))
        self.open_button.clicked.connect(self.open_selected)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName(self.tr("Close"))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 175, metrics.height() * 30)
        self.model.loaded.connect(self._loaded)
        self.model.refresh(reset=True)

    def _loaded(self) -> None:
        if self.model.total and not self.view.currentIndex().isValid():
            self.view.selectRow(0)
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def selected_id(self) -> uuid.UUID | None:
        index = self.view.currentIndex()
        row = self.model.row_at(index.row()) if index.isValid() else None
        return row.id if row is not None and row.title else None

    @Slot()
    def open_selected(self) -> None:
        engagement_id = self.selected_id()
        if engagement_id is not None:
            self.open_engagement.emit(engagement_id)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.open_selected()  # not the dialog's default button: Enter opens
            return
        super().keyPressEvent(event)
