"""Dialogs of the actions tracker.

* :class:`ActionDialog` — a new action, or one action edited: title, detail, owner, due date,
  status and outcome; checked as you type with the service's own rule, each problem beside its
  field; Save (Ctrl+S, or Enter in the title) keeps it, Escape leaves.
* :class:`DoneDialog` — mark an action done, saying what came of it (optional).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.errors import ConflictError, UserError, ValidationError
from vcsedesk.ui.actions.fields import DueField, OwnerField, load_users, status_combo
from vcsedesk.ui.widgets import add_field, may, problem_label, problems_text, save_record, show_problem

if TYPE_CHECKING:
    from vcsedesk.services.actions import ActionDraft, ActionRow, ActionView
    from vcsedesk.services.base import Changes
    from vcsedesk.services.people import UserInfo
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext


@dataclass(frozen=True)
class Loaded:
    view: ActionView | None
    users: list[UserInfo]


def read_action(db: Database, action_id: uuid.UUID | None) -> Loaded:
    """The action (None for a new one) and the users who may own it (on the worker)."""
    from vcsedesk.services import actions

    view = actions.get_action(db, action_id) if action_id is not None else None
    return Loaded(view, load_users(db))


def _plain(edit: QPlainTextEdit, lines: int) -> None:
    edit.setTabChangesFocus(True)
    edit.setMinimumHeight(edit.fontMetrics().lineSpacing() * lines + 12)


#: Problems about where an action came from are shown at the top (the form cannot change it).
_FIELD_OF = {"owner_user_id": "owner", "owner_contact_id": "owner"}


class ActionDialog(QDialog):
    """Add an action, or edit one (``action_id``)."""

    #: Saved: the action's id.
    saved = Signal(object)
    #: The action (and the users) have been read and shown.
    loaded = Signal()

    def __init__(
        self,
        ctx: AppContext,
        action_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
        *,
        engagement_id: uuid.UUID | None = None,
        source_text: str = "",
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.action_id = action_id
        #: A new action raised from this engagement (None: not tied to one).
        self.engagement_id = engagement_id
        self.view: ActionView | None = None
        self.has_loaded = False
        self.problems: dict[str, str] = {}
        self.service_problems: dict[str, str] = {}
        self._touched: set[str] = set()
        self._saving = False
        self._filling = False
        title = self.tr("New action") if action_id is None else self.tr("Edit the action")
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName(self.tr("Problem saving the action"))
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        layout.addWidget(self.banner)
        self.source = QLabel()
        self.source.setWordWrap(True)
        self.source.setAccessibleName(self.tr("Where the action came from"))
        self.source.hide()
        if source_text:
            self.source.setText(source_text)
            self.source.show()
        layout.addWidget(self.source)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.problem_labels: dict[str, QLabel] = {}
        self.title = QLineEdit()
        self.title.setPlaceholderText(
            self.tr("for example Write to the practice manager about the phone queue")
        )
        self._add(form, "title", self.tr("&Title:"), self.title, self.tr("Title"))
        self.detail = QPlainTextEdit()
        self.detail.setPlaceholderText(self.tr("Anything the owner needs to know (optional)"))
        _plain(self.detail, 3)
        self._add(form, "detail", self.tr("&Detail:"), self.detail, self.tr("Detail"))
        self.owner = OwnerField(ctx, accessible_name=self.tr("Owner"))
        self._add(form, "owner", self.tr("O&wner:"), self.owner, "", buddy=self.owner.combo)
        self.due = DueField(accessible_name=self.tr("Due date"))
        self._add(form, "due_on", self.tr("D&ue:"), self.due, "", buddy=self.due.check)
        self.status = status_combo(self.tr("Status"))
        self._add(form, "status", self.tr("St&atus:"), self.status, "")
        self.outcome = QPlainTextEdit()
        self.outcome.setPlaceholderText(self.tr("What came of it: “you said, we did” (optional)"))
        _plain(self.outcome, 3)
        self._add(form, "outcome", self.tr("Out&come:"), self.outcome, self.tr("Outcome"))
        layout.addLayout(form)
        self.general = problem_label(self.tr("Problem"))
        layout.addWidget(self.general)

        self.state = QLabel(self.tr("Reading the action…") if action_id is not None else "")
        self.state.setAccessibleName(self.tr("Form status"))
        self.state.setWordWrap(True)
        layout.addWidget(self.state)
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(self.tr("&Save"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setAccessibleName(self.tr("Save the action"))
        self.save_button.setToolTip(self.tr("Save (Ctrl+S)"))
        self.save_button.setDefault(True)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName(self.tr("Leave without saving"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        save = QAction(self.tr("Save the action"), self)
        save.setShortcut(QKeySequence.StandardKey.Save)
        save.triggered.connect(self.save)
        self.addAction(save)

        self.title.textEdited.connect(lambda _t: self._edited("title"))
        self.detail.textChanged.connect(lambda: self._edited("detail"))
        self.owner.changed.connect(lambda: self._edited("owner"))
        self.due.changed.connect(lambda: self._edited("due_on"))
        self.status.currentIndexChanged.connect(lambda _i: self._edited("status"))
        self.outcome.textChanged.connect(lambda: self._edited("outcome"))
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 80, metrics.height() * 26)
        self._update_buttons()
        if ctx.db is not None:
            ctx.worker.submit(
                read_action,
                ctx.database,
                action_id,
                on_done=self._arrived,
                on_error=self._read_refused,
                label=self.tr("Reading the action…"),
            )

    def _add(
        self,
        form: QFormLayout,
        key: str,
        text: str,
        widget: QWidget,
        accessible: str,
        *,
        buddy: QWidget | None = None,
    ) -> None:
        _label, self.problem_labels[key] = add_field(
            form, text, widget, accessible, buddy=buddy, field=text.replace("&", "").rstrip(":")
        )

    # -- filling ---------------------------------------------------------------------------
    def _arrived(self, loaded: Loaded) -> None:
        self._filling = True
        try:
            self.owner.set_users(loaded.users)
            view = loaded.view
            self.view = view
            if view is not None:
                self.title.setText(view.title)
                self.detail.setPlainText(view.detail)
                self.owner.set_owner(view.owner_user_id, view.owner_contact_id, view.owner)
                self.due.set_value(view.due_on)
                self.status.setCurrentIndex(max(0, self.status.findData(view.status.value)))
                self.outcome.setPlainText(view.outcome)
                if view.source:
                    self.source.setText(self.tr("From: {source}").format(source=view.source))
                    self.source.show()
        finally:
            self._filling = False
        self.has_loaded = True
        self.state.setText("")
        self.validate()
        self._update_buttons()
        self.title.setFocus(Qt.FocusReason.OtherFocusReason)
        self.loaded.emit()

    def _read_refused(self, exc: UserError) -> None:
        self.banner.setText("⚠ " + str(exc))
        self.banner.show()
        self.state.setText("")

    # -- checking --------------------------------------------------------------------------
    def draft(self) -> ActionDraft:
        from vcsedesk.services.actions import ActionDraft

        user_id, contact_id = self.owner.owner()
        # No source named: an edited action stays where it came from.
        return ActionDraft(
            title=self.title.text(),
            detail=self.detail.toPlainText(),
            owner_user_id=user_id,
            owner_contact_id=contact_id,
            due_on=self.due.value(),
            status=str(self.status.currentData()),
            outcome=self.outcome.toPlainText(),
            engagement_id=self.engagement_id if self.action_id is None else None,
        )

    def validate(self) -> dict[str, str]:
        from vcsedesk.services.actions import clean_action

        problems: dict[str, str] = {}
        try:
            clean_action(self.draft())
        except ValidationError as exc:
            problems = {_FIELD_OF.get(k, k): v for k, v in exc.problems.items()}
        owner_problem = self.owner.problem()
        if owner_problem:
            problems["owner"] = owner_problem
        self.problems = problems
        shown = {**self.service_problems, **problems}
        if self.view is None and not self._touched & {"title", "save"}:
            shown.pop("title", None)
        for key, label in self.problem_labels.items():
            show_problem(label, shown.get(key))
        others = [v for k, v in shown.items() if k not in self.problem_labels]
        show_problem(self.general, " ".join(others) or None)
        return problems

    def shown_problem(self, key: str) -> str:
        label = self.problem_labels.get(key, self.general)
        return label.text() if not label.isHidden() else ""

    def _edited(self, key: str) -> None:
        if self._filling:
            return
        self._touched.add(key)
        self.service_problems.pop(key, None)
        self.validate()
        self._update_buttons()

    def _update_buttons(self) -> None:
        from vcsedesk.services.base import Permission

        ready = self.has_loaded and (self.action_id is None or self.view is not None)
        self.save_button.setEnabled(
            ready and not self.problems and not self._saving and may(self.ctx, Permission.EDIT_RECORDS)
        )
        if self._saving:
            self.state.setText(self.tr("Saving…"))
        elif self.problems and (self._touched or self.view is not None):
            self.state.setText(problems_text(len(self.problems)))
        elif self.has_loaded:
            self.state.setText("")

    # -- saving ----------------------------------------------------------------------------
    @Slot()
    def save(self) -> None:
        from vcsedesk.services import actions

        self._touched.add("save")
        problems = self.validate()
        if problems or self._saving or not self.save_button.isEnabled():
            self._update_buttons()
            if problems:
                self._focus_problem(problems)
            return
        self._saving = True
        self._update_buttons()
        saved = self.view
        save_record(
            self.ctx,
            actions.add_action,
            actions.update_action,
            saved.id if saved is not None else None,
            saved.version if saved is not None else None,
            self.draft(),
            on_created=self._saved,
            on_updated=self._saved,
            on_refused=self._refused,
            on_settled=self._settled,
            label=self.tr("Saving the action…"),
        )

    def _focus_problem(self, problems: dict[str, str]) -> None:
        for key, widget in (
            ("title", self.title),
            ("detail", self.detail),
            ("owner", self.owner.combo),
            ("due_on", self.due.check),
            ("status", self.status),
            ("outcome", self.outcome),
        ):
            if key in problems:
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
                return

    def _saved(self, changes: Changes) -> None:
        saved_id = (
            self.view.id if self.view is not None else next(iter(changes.created.get("actions", set())), None)
        )
        self.saved.emit(saved_id)
        self.accept()

    def _refused(self, exc: UserError) -> None:
        if isinstance(exc, ValidationError):
            self.service_problems = {_FIELD_OF.get(k, k): v for k, v in exc.problems.items()}
            self.validate()
            self._focus_problem(self.service_problems)
            self.banner.setText(
                "⚠ " + self.tr("The action was not saved: see the messages beside the fields.")
            )
        elif isinstance(exc, ConflictError):
            self.banner.setText(
                "⚠ "
                + str(exc)
                + " "
                + self.tr(
                    "Close this window (your changes are lost) and open the action again to see it as saved now."
                )
            )
        else:
            self.banner.setText("⚠ " + str(exc))
        self.banner.show()

    def _settled(self) -> None:
        self._saving = False
        self._update_buttons()


class DoneDialog(QDialog):
    """Mark an action done, with what came of it (optional)."""

    def __init__(self, action: ActionRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.action = action
        title = self.tr("Mark the action done")
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        what = QLabel(self.tr("Mark “{title}” done.").format(title=action.title))
        what.setWordWrap(True)
        what.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(what)
        label = QLabel(self.tr("&Outcome — what came of it, “you said, we did” (optional):"))
        label.setWordWrap(True)
        self.outcome = QPlainTextEdit(action.outcome)
        self.outcome.setAccessibleName(self.tr("Outcome"))
        _plain(self.outcome, 4)
        label.setBuddy(self.outcome)
        layout.addWidget(label)
        layout.addWidget(self.outcome)
        buttons = QDialogButtonBox()
        self.done_button = buttons.addButton(self.tr("Mark &done"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.done_button.setAccessibleName(self.tr("Mark the action done"))
        self.done_button.setDefault(True)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName(self.tr("Leave the action as it is"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.outcome.setFocus(Qt.FocusReason.OtherFocusReason)
        self.done_button.setToolTip(self.tr("Mark done (Ctrl+Enter)"))
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            accept = QAction(self)
            accept.setShortcut(QKeySequence(keys))
            accept.triggered.connect(self.accept)
            self.addAction(accept)
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 70, metrics.height() * 14)

    def outcome_text(self) -> str:
        return self.outcome.toPlainText()
