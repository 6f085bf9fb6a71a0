"""Equality monitoring: special-category data, in its own tab, for those allowed to see it.

The contact page adds this tab only when the person acting has
``Permission.EQUALITY_MONITORING`` (volunteers never see it), and nothing here is read until
the tab is opened.  Every question is a choice with a blank "Not answered" and "Prefer not to
say"; the organisation's seldom-heard groups are checkboxes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.equality import QUESTIONS
from vcsedesk.domain.errors import ConflictError, UserError, ValidationError
from vcsedesk.ui.widgets import problem_label, push_button, show_problem

if TYPE_CHECKING:
    from vcsedesk.services.base import Actor, Changes
    from vcsedesk.services.equality import EqualityAnswers
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext


@dataclass(frozen=True)
class EqualityForm:
    answers: EqualityAnswers
    groups: list[str]


def read_equality(db: Database, actor: Actor, contact_id: uuid.UUID) -> EqualityForm:
    from vcsedesk.services import equality

    return EqualityForm(equality.get_answers(db, actor, contact_id), equality.seldom_heard_groups(db))


class EqualityTab(QWidget):
    loaded = Signal()
    saved = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.contact_id: uuid.UUID | None = None
        self.form: EqualityForm | None = None
        self._filling = False
        self._dirty = False
        self._saving = False
        self._generation = 0
        self.setAccessibleName(self.tr("Equality monitoring"))
        outer = QVBoxLayout(self)
        note = QLabel(
            self.tr(
                "Every question is optional. These answers are held apart from the contact's details, "
                "seen only by staff, and reported only as totals with small numbers hidden."
            )
        )
        note.setWordWrap(True)
        outer.addWidget(note)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName(self.tr("Message about equality monitoring"))
        self.banner.hide()
        outer.addWidget(self.banner)
        self.reload_button = push_button(
            self.tr("&Reload"), self.tr("Reload the answers, discarding your changes"), self.load
        )
        self.reload_button.hide()
        outer.addWidget(self.reload_button, 0, Qt.AlignmentFlag.AlignLeft)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        layout = QVBoxLayout(body)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.combos: dict[str, QComboBox] = {}
        for question in QUESTIONS:
            combo = QComboBox()
            combo.addItem(self.tr("Not answered"), None)
            for answer in question.answers:
                combo.addItem(self.tr(answer), answer)
            combo.setAccessibleName(self.tr(question.label))
            combo.currentIndexChanged.connect(self._edited)
            label = QLabel(self.tr(question.label))
            label.setWordWrap(True)
            label.setBuddy(combo)
            form.addRow(label, combo)
            self.combos[question.field] = combo
        layout.addLayout(form)
        self.groups_box = QGroupBox(self.tr("Seldom-heard groups they belong to"))
        self.groups_box.setAccessibleName(self.tr("Seldom-heard groups"))
        self.groups_layout = QVBoxLayout(self.groups_box)
        self.group_checks: dict[str, QCheckBox] = {}
        layout.addWidget(self.groups_box)
        layout.addStretch(1)

        buttons = QHBoxLayout()
        self.problem = problem_label(self.tr("Equality monitoring problem"))
        buttons.addWidget(self.problem, 1)
        buttons.addStretch(1)
        self.discard_button = push_button(
            self.tr("&Discard changes"),
            self.tr("Discard changes to equality monitoring"),
            self.load,
            row=buttons,
        )
        self.save_button = push_button(
            self.tr("&Save answers"), self.tr("Save the equality monitoring answers"), self.save, row=buttons
        )
        outer.addLayout(buttons)
        self._update_buttons()

    def show_contact(self, contact_id: uuid.UUID | None) -> None:
        self.contact_id = contact_id
        self.form = None
        self.load()

    @Slot()
    def load(self) -> None:
        if self.contact_id is None or self.ctx.db is None:
            return
        self._generation += 1
        generation = self._generation
        self.ctx.worker.submit(
            read_equality,
            self.ctx.database,
            self.ctx.acting,
            self.contact_id,
            on_done=lambda form: self._fill(generation, form),
            label=self.tr("Reading equality monitoring…"),
        )

    def _fill(self, generation: int, form: EqualityForm) -> None:
        if generation != self._generation:
            return
        self.form = form
        self._filling = True
        try:
            for field, combo in self.combos.items():
                value = form.answers.answers.get(field)
                combo.setCurrentIndex(max(0, combo.findData(value)) if value else 0)
            for box in self.group_checks.values():
                box.deleteLater()
            self.group_checks.clear()
            names = list(form.groups) + [g for g in form.answers.groups if g not in form.groups]
            for name in names:
                box = QCheckBox(name)
                box.setAccessibleName(self.tr("Seldom-heard group: {name}").format(name=name))
                box.setChecked(name in form.answers.groups)
                box.toggled.connect(self._edited)
                self.groups_layout.addWidget(box)
                self.group_checks[name] = box
            if not names:
                self.groups_box.setTitle(self.tr("Seldom-heard groups (none set up yet)"))
        finally:
            self._filling = False
        self._dirty = False
        self.banner.hide()
        self.reload_button.hide()
        show_problem(self.problem, None)
        self._update_buttons()
        self.loaded.emit()

    @Slot()
    def _edited(self) -> None:
        if self._filling:
            return
        self._dirty = True
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self.form is not None and self._dirty and not self._saving
        self.save_button.setEnabled(ready)
        self.discard_button.setEnabled(self._dirty and not self._saving)

    def answers(self) -> dict[str, str | None]:
        return {field: combo.currentData() for field, combo in self.combos.items()}

    def groups(self) -> set[str]:
        return {name for name, box in self.group_checks.items() if box.isChecked()}

    @Slot()
    def save(self) -> None:
        from vcsedesk.services import equality

        if self.form is None or self.contact_id is None or self._saving:
            return
        self._saving = True
        self._update_buttons()
        self.ctx.hub.perform(
            equality.set_answers,
            self.ctx.database,
            self.ctx.acting,
            self.contact_id,
            self.form.answers.version,
            self.answers(),
            self.groups(),
            on_done=self._saved,
            on_error=self._refused,
            on_settled=self._settled,
            label=self.tr("Saving equality monitoring…"),
        )

    def _saved(self, _changes: Changes) -> None:
        self._dirty = False
        self.saved.emit()
        self.load()

    def _refused(self, exc: UserError) -> None:
        if isinstance(exc, ConflictError):
            self.banner.setText("⚠ " + str(exc))
            self.banner.show()
            self.reload_button.show()
        elif isinstance(exc, ValidationError):
            show_problem(self.problem, "; ".join(exc.problems.values()))
        else:
            show_problem(self.problem, str(exc))

    def _settled(self) -> None:
        self._saving = False
        self._update_buttons()

    def on_changed(self, changes: Changes) -> None:
        if (
            changes.touches("equality_profiles") or changes.touches("seldom_heard_memberships")
        ) and not self._dirty:
            self.load()
