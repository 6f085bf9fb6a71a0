"""The Partnerships tab: the bodies the organisation reports to, and the form to add or change
one (name, hub, contact, cadence, first period, days allowed, the suppression threshold — with
what it means in plain words — and the return template).

The form checks as you type (a name is needed; an email must look like one) and shows the
service's problems beside the fields they concern.  A partnership whose next return is overdue
says so in words, with the warning icon.

Keys: Ctrl+N a new partnership, Ctrl+S saves, Enter in the list moves to the form.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.returns import Cadence
from vcsedesk.ui.banner import reload_banner, show_refusal
from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.returns.dialogs import qdate
from vcsedesk.ui.returns.models import PartnershipsModel
from vcsedesk.ui.returns.words import cadence_text
from vcsedesk.ui.widgets import (
    add_field,
    add_shortcut,
    archive_question,
    as_date,
    date_edit,
    empty_label,
    make_table,
    problems_text,
    push_button,
    save_record,
    select_row,
    show_problem,
    size_columns,
    status_label,
)

if TYPE_CHECKING:
    from vcsedesk.domain.errors import UserError
    from vcsedesk.services.base import Changes
    from vcsedesk.services.partnerships import PartnershipDraft, PartnershipView, TemplateInfo
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.returns.reads import PartnershipsRead

LIST_TABLES = frozenset({"partnerships", "returns", "return_templates"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FIELDS = (
    "name",
    "hub",
    "contact_name",
    "contact_email",
    "cadence",
    "first_period_start",
    "due_days",
    "suppression_threshold",
    "template_key",
    "notes",
)


def threshold_text(threshold: int) -> str:
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.translate(
        "Returns",
        "Counts from 1 to {last} are shown as “<{n}”, and a second count is hidden (“*”) where a total "
        "would let someone work a hidden one out.",
    ).format(last=threshold - 1, n=threshold)


class PartnershipForm(QWidget):
    """Add or change one partnership."""

    saved = Signal(object)
    archived = Signal()
    #: Show the partnership as saved now (after someone else changed it).
    reload_requested = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.partnership: PartnershipView | None = None
        self.loaded_values: dict[str, Any] = {}
        self.saving = False
        self.setAccessibleName(self.tr("Partnership"))
        layout = QVBoxLayout(self)
        self.heading = QLabel(self.tr("New partnership"))
        self.heading.setFont(heading_font(self.font(), 1.2))
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.banner, self.banner_text, self.reload_button = reload_banner(
            accessible_name=self.tr("Why the partnership was not saved"),
            reload_name=self.tr("Show the partnership as saved"),
            on_reload=self.revert,
        )
        layout.addWidget(self.banner)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.problems: dict[str, QLabel] = {}
        self.name = QLineEdit()
        self.name.setMaxLength(160)
        self.name.setPlaceholderText(self.tr("for example Riverside People's Partnership"))
        _, self.problems["name"] = add_field(form, self.tr("Na&me:"), self.name, self.tr("Name"))
        self.hub = QLineEdit()
        self.hub.setMaxLength(160)
        self.hub.setPlaceholderText(self.tr("The hub, board or team the return goes to"))
        _, self.problems["hub"] = add_field(
            form, self.tr("&Hub or group:"), self.hub, self.tr("Hub or group")
        )
        self.contact_name = QLineEdit()
        self.contact_name.setMaxLength(120)
        _, self.problems["contact_name"] = add_field(
            form, self.tr("&Contact name:"), self.contact_name, self.tr("Contact name")
        )
        self.contact_email = QLineEdit()
        self.contact_email.setMaxLength(254)
        _, self.problems["contact_email"] = add_field(
            form, self.tr("Contact &email:"), self.contact_email, self.tr("Contact email")
        )
        self.cadence = QComboBox()
        for cadence in Cadence:
            self.cadence.addItem(cadence_text(cadence), cadence.value)
        self.cadence.setCurrentIndex(self.cadence.findData(Cadence.QUARTERLY.value))
        _, self.problems["cadence"] = add_field(
            form, self.tr("Ca&dence:"), self.cadence, self.tr("Reporting cadence")
        )
        self.first_start = date_edit(self.tr("First period starts"))
        today = date.today()
        self.first_start.setDate(qdate(date(today.year, 1, 1)))
        _, self.problems["first_period_start"] = add_field(
            form, self.tr("&First period starts:"), self.first_start, self.tr("First period starts")
        )
        self.due_days = QSpinBox()
        self.due_days.setRange(0, 366)
        self.due_days.setValue(30)
        self.due_days.setSuffix(self.tr(" days after the period ends"))
        _, self.problems["due_days"] = add_field(
            form,
            self.tr("Return d&ue:"),
            self.due_days,
            self.tr("Days after the period ends that the return is due"),
        )
        threshold_box = QWidget()
        threshold_column = QVBoxLayout(threshold_box)
        threshold_column.setContentsMargins(0, 0, 0, 0)
        self.threshold = QSpinBox()
        self.threshold.setRange(2, 100)
        self.threshold.setValue(5)
        self.threshold.setAccessibleName(self.tr("Suppression threshold"))
        threshold_column.addWidget(self.threshold)
        self.threshold_note = QLabel(threshold_text(5))
        self.threshold_note.setWordWrap(True)
        self.threshold_note.setAccessibleName(self.tr("What the suppression threshold means"))
        threshold_column.addWidget(self.threshold_note)
        _, self.problems["suppression_threshold"] = add_field(
            form,
            self.tr("Small numbers &below:"),
            threshold_box,
            "",
            buddy=self.threshold,
            field=self.tr("Suppression threshold"),
        )
        self.template = QComboBox()
        _, self.problems["template_key"] = add_field(
            form, self.tr("Return temp&late:"), self.template, self.tr("Return template")
        )
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setMinimumHeight(self.notes.fontMetrics().lineSpacing() * 3 + 12)
        self.notes.setMaximumHeight(self.notes.fontMetrics().lineSpacing() * 6 + 12)
        _, self.problems["notes"] = add_field(form, self.tr("N&otes:"), self.notes, self.tr("Notes"))
        layout.addLayout(form)

        buttons = QHBoxLayout()
        self.status = status_label(self.tr("Form status"))
        buttons.addWidget(self.status, 1)
        self.save_button = push_button(
            self.tr("&Save"),
            self.tr("Save the partnership"),
            self.save,
            tip=self.tr("Save (Ctrl+S)"),
            row=buttons,
        )
        self.revert_button = push_button(
            self.tr("Re&vert"), self.tr("Undo the changes typed"), self.revert, row=buttons
        )
        self.archive_button = push_button(
            self.tr("&Archive…"), self.tr("Archive the partnership"), self.archive, row=buttons
        )
        layout.addLayout(buttons)
        layout.addStretch(1)

        self.touched: set[str] = set()
        #: What the service said about each field, and the values it was said about.
        self.refused: dict[str, str] = {}
        self.refused_values: dict[str, Any] = {}
        self.name.textEdited.connect(lambda _t: self._touch("name"))
        self.contact_email.textEdited.connect(lambda _t: self._touch("contact_email"))
        for edit in (self.name, self.hub, self.contact_name, self.contact_email):
            edit.textChanged.connect(self._check)
        self.notes.textChanged.connect(self._check)
        for combo in (self.cadence, self.template):
            combo.currentIndexChanged.connect(self._check)
        self.first_start.dateChanged.connect(self._check)
        self.due_days.valueChanged.connect(self._check)
        self.threshold.valueChanged.connect(self._threshold_changed)
        self.start_new()

    # -- templates ------------------------------------------------------------------------------
    def set_templates(self, templates: list[TemplateInfo]) -> None:
        was_dirty = self.dirty
        current = self.template.currentData()
        self.template.blockSignals(True)
        self.template.clear()
        for t in templates:
            kind = self.tr("built in") if t.shipped else self.tr("your copy")
            self.template.addItem(f"{t.name} ({kind})", t.key)
        index = self.template.findData(current if current else "peoples-partnership-quarterly")
        self.template.setCurrentIndex(max(0, index))
        self.template.blockSignals(False)
        if not was_dirty:
            self.loaded_values = self.values()
        self._check()

    # -- values --------------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.text(),
            "hub": self.hub.text(),
            "contact_name": self.contact_name.text(),
            "contact_email": self.contact_email.text(),
            "cadence": self.cadence.currentData(),
            "first_period_start": as_date(self.first_start.date()),
            "due_days": self.due_days.value(),
            "suppression_threshold": self.threshold.value(),
            "template_key": self.template.currentData() or "",
            "notes": self.notes.toPlainText(),
        }

    def draft(self) -> PartnershipDraft:
        from vcsedesk.services.partnerships import PartnershipDraft

        v = self.values()
        return PartnershipDraft(
            name=v["name"],
            first_period_start=v["first_period_start"],
            cadence=Cadence(v["cadence"]),
            hub=v["hub"].strip() or None,
            contact_name=v["contact_name"].strip() or None,
            contact_email=v["contact_email"].strip() or None,
            due_days=v["due_days"],
            suppression_threshold=v["suppression_threshold"],
            template_key=v["template_key"],
            notes=v["notes"],
        )

    @property
    def dirty(self) -> bool:
        return self.values() != self.loaded_values

    def _fill(self, p: PartnershipView | None) -> None:
        for widget in (self.name, self.hub, self.contact_name, self.contact_email, self.notes):
            widget.blockSignals(True)
        self.name.setText(p.name if p else "")
        self.hub.setText((p.hub or "") if p else "")
        self.contact_name.setText((p.contact_name or "") if p else "")
        self.contact_email.setText((p.contact_email or "") if p else "")
        self.notes.setPlainText(p.notes if p else "")
        for widget in (self.name, self.hub, self.contact_name, self.contact_email, self.notes):
            widget.blockSignals(False)
        self.cadence.setCurrentIndex(self.cadence.findData((p.cadence if p else Cadence.QUARTERLY).value))
        today = date.today()
        self.first_start.setDate(qdate(p.first_period_start if p else date(today.year, 1, 1)))
        self.due_days.setValue(p.due_days if p else 30)
        self.threshold.setValue(p.suppression_threshold if p else 5)
        key = p.template_key if p else "peoples-partnership-quarterly"
        index = self.template.findData(key)
        if index < 0 and p is not None:
            self.template.addItem(key, key)
            index = self.template.count() - 1
        self.template.setCurrentIndex(max(0, index))
        self.loaded_values = self.values()
        self.touched = set()
        self.refused = {}
        self.banner.hide()
        for label in self.problems.values():
            show_problem(label, None)
        self._check()

    def start_new(self) -> None:
        self.partnership = None
        self.heading.setText(self.tr("New partnership"))
        self._fill(None)
        self.archive_button.hide()

    def show_partnership(self, p: PartnershipView) -> None:
        self.partnership = p
        self.heading.setText(p.name)
        self._fill(p)
        self.archive_button.show()

    # -- checking ------------------------------------------------------------------------------
    @Slot()
    def _threshold_changed(self) -> None:
        self.threshold_note.setText(threshold_text(self.threshold.value()))
        self._check()

    def local_problems(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        if not self.name.text().strip():
            problems["name"] = self.tr("The name is required.")
        email = self.contact_email.text().strip()
        if email and not _EMAIL.match(email):
            problems["contact_email"] = self.tr(
                "“{email}” is not an email address (it needs a name, @ and a domain)."
            ).format(email=email)
        if not self.template.currentData():
            problems["template_key"] = self.tr("Choose the template the partnership's returns follow.")
        return problems

    def _touch(self, key: str) -> None:
        if key not in self.touched:
            self.touched.add(key)
            self._check()

    @Slot()
    def _check(self) -> None:
        """Say what is wrong beside each field typed in (a new form does not scold at once)."""
        problems = self.local_problems()
        shown = {k: v for k, v in problems.items() if k in self.touched or self.partnership is not None}
        # The service's problems stay beside their fields until those fields change.
        values = self.values()
        refused = {k: v for k, v in self.refused.items() if values.get(k) == self.refused_values.get(k)}
        shown = {**refused, **shown}
        for key, label in self.problems.items():
            show_problem(label, shown.get(key))
        if shown:
            self.status.setText(problems_text(len(shown)))
        elif problems and self.partnership is None:
            self.status.setText(self.tr("Give the partnership a name, then save it (Ctrl+S)."))
        elif self.partnership is not None and not self.dirty:
            self.status.setText(self.tr("Saved."))
        else:
            self.status.setText("")
        self.save_button.setEnabled(
            not problems and not self.saving and (self.dirty or self.partnership is None)
        )
        self.revert_button.setEnabled(self.dirty and not self.saving)

    # -- saving --------------------------------------------------------------------------------
    @Slot()
    def save(self) -> None:
        from vcsedesk.services import partnerships

        if self.saving or self.local_problems():
            return
        self.saving = True
        self.refused = {}
        self.banner.hide()
        self._check()
        values = self.values()
        p = self.partnership

        def created(changes: Changes) -> None:
            self.loaded_values = values
            ids = sorted(changes.created.get("partnerships", ()))
            self.saved.emit(ids[0] if ids else None)

        def updated(_changes: Changes) -> None:
            self.loaded_values = values
            self.saved.emit(p.id if p else None)

        def refused(exc: UserError) -> None:
            from vcsedesk.domain.errors import ValidationError

            if isinstance(exc, ValidationError):
                self.refused = dict(exc.problems)
                self.refused_values = values
                first = next((k for k in FIELDS if k in exc.problems), None)
                if first is not None:
                    self._field(first).setFocus(Qt.FocusReason.OtherFocusReason)
            show_refusal(
                self.banner,
                self.banner_text,
                self.reload_button,
                exc,
                not_saved=self.tr("Not saved: put right what is marked beside the fields."),
                conflict_advice=self.tr("Press Reload to see it as saved now (what you typed is lost)."),
            )

        def settled() -> None:
            self.saving = False
            self._check()

        save_record(
            self.ctx,
            partnerships.add_partnership,
            partnerships.update_partnership,
            p.id if p else None,
            p.version if p else None,
            self.draft(),
            on_created=created,
            on_updated=updated,
            on_refused=refused,
            on_settled=settled,
            label=self.tr("Saving the partnership…"),
        )

    def _field(self, key: str) -> QWidget:
        return {
            "name": self.name,
            "hub": self.hub,
            "contact_name": self.contact_name,
            "contact_email": self.contact_email,
            "cadence": self.cadence,
            "first_period_start": self.first_start,
            "due_days": self.due_days,
            "suppression_threshold": self.threshold,
            "template_key": self.template,
            "notes": self.notes,
        }[key]

    @Slot()
    def revert(self) -> None:
        if self.partnership is None:
            self.start_new()
        else:
            self.show_partnership(self.partnership)
            self.reload_requested.emit()

    @Slot()
    def archive(self) -> None:
        from vcsedesk.services import partnerships

        p = self.partnership
        if p is None:
            return
        box = archive_question(
            self,
            self.tr("Archive the partnership"),
            self.tr("Archive {name}?").format(name=p.name),
            self.tr("Nothing more is due to it. Its returns are kept. Undo with Ctrl+Z."),
        )

        def archive_it() -> None:
            self.ctx.hub.perform(
                partnerships.archive_partnership,
                self.ctx.database,
                self.ctx.acting,
                p.id,
                p.version,
                on_done=lambda _c: self.archived.emit(),
                on_error=lambda exc: show_refusal(
                    self.banner, self.banner_text, self.reload_button, exc, not_saved="", conflict_advice=""
                ),
                label=self.tr("Archiving the partnership…"),
            )

        box.accepted.connect(archive_it)
        self.question = box
        box.open()


class PartnershipsPage(QWidget):
    loaded = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.today = date.today
        self._generation = 0
        self._selected: uuid.UUID | None = None
        self._creating = False
        self.read: PartnershipsRead | None = None
        self.setAccessibleName(self.tr("Partnerships"))
        layout = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        top = QHBoxLayout()
        heading = QLabel(self.tr("Partnerships"))
        heading.setFont(heading_font(self.font()))
        top.addWidget(heading)
        top.addStretch(1)
        self.new_button = push_button(
            self.tr("&New partnership"),
            self.tr("Add a partnership"),
            self.new_partnership,
            tip=self.tr("Add a body the organisation reports to (Ctrl+N)"),
            row=top,
        )
        left_layout.addLayout(top)
        self.model = PartnershipsModel(self)
        self.view = make_table(
            self.model,
            self.tr("Partnerships"),
            self.tr("Enter moves to the form; Ctrl+N adds a partnership."),
        )
        size_columns(
            self.view,
            {
                PartnershipsModel.NAME: "Riverside People's Partnership",
                PartnershipsModel.NEXT_DUE: "30 Oct 2026 for 2026-Q3 — Overdue by 24 days",
                PartnershipsModel.HUB: "Hub or group",
                PartnershipsModel.CADENCE: "Every six months",
            },
        )
        self.view.open_requested.connect(self._to_form)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.empty = empty_label(self.tr("No partnerships"))
        self.empty.setText(
            self.tr(
                "No partnerships yet.\nAdd the hub, board or Healthwatch the organisation reports to: the form "
                "on the right is ready for the first one."
            )
        )
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)
        left_layout.addWidget(self.stack, 1)
        splitter.addWidget(left)

        self.form = PartnershipForm(ctx)
        self.form.saved.connect(self._saved)
        self.form.archived.connect(self._archived)
        self.form.reload_requested.connect(self.refresh)
        box = QGroupBox()
        box_layout = QVBoxLayout(box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.form)
        box_layout.addWidget(scroll)
        splitter.addWidget(box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        chars = self.fontMetrics().averageCharWidth()
        splitter.setSizes([chars * 100, chars * 80])
        layout.addWidget(splitter)
        self.new_action = add_shortcut(self, self.tr("New partnership"), "Ctrl+N", self.new_partnership)
        self.save_action = add_shortcut(self, self.tr("Save the partnership"), "Ctrl+S", self.form.save)
        ctx.hub.changed.connect(self.on_changed)

    def refresh(self) -> None:
        from vcsedesk.ui.returns.reads import read_partnerships

        if self.ctx.db is None:
            return
        self._generation += 1
        generation = self._generation
        self.ctx.worker.submit(
            read_partnerships,
            self.ctx.database,
            self.today(),
            on_done=lambda read: self._arrived(generation, read),
            label=self.tr("Reading the partnerships…"),
        )

    def _arrived(self, generation: int, read: PartnershipsRead) -> None:
        if generation != self._generation:
            return
        self.read = read
        self.form.set_templates(read.templates)
        self.model.set_rows(read.rows, read.today)
        self.stack.setCurrentWidget(self.view if read.rows else self.empty)
        row = self.model.find(self._selected) if self._selected is not None else None
        if row is None and read.rows and not self._creating:
            row = 0
        if row is not None:
            select_row(self.view, row)
            item = self.model.item_at(row)
            if item is not None and not self.form.dirty:
                self.form.show_partnership(item.partnership)
        self.loaded.emit()

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item = self.model.item_at(current.row()) if current.isValid() else None
        if item is None:
            return
        self._selected = item.id
        self._creating = False
        if self.form.partnership is None or self.form.partnership.id != item.id:
            if self.form.dirty:
                from vcsedesk.ui.widgets import ask_discard

                ask_discard(
                    self,
                    self.tr("The changes typed in the form have not been saved. Discard them?"),
                    lambda: self.form.show_partnership(item.partnership),
                )
                return
            self.form.show_partnership(item.partnership)

    @Slot()
    def _to_form(self) -> None:
        self.form.name.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def new_partnership(self) -> None:
        def start() -> None:
            self._creating = True
            self._selected = None
            self.view.setCurrentIndex(QModelIndex())
            self.view.clearSelection()
            self.form.start_new()
            self.form.name.setFocus(Qt.FocusReason.ShortcutFocusReason)

        if self.form.dirty and self.form.partnership is not None:
            from vcsedesk.ui.widgets import ask_discard

            ask_discard(
                self, self.tr("The changes typed in the form have not been saved. Discard them?"), start
            )
            return
        start()

    def _saved(self, partnership_id: uuid.UUID | None) -> None:
        if partnership_id is not None:
            self._selected = partnership_id
        self._creating = False
        self.refresh()

    def _archived(self) -> None:
        self._selected = None
        self.form.start_new()
        self.refresh()

    def on_changed(self, changes: Changes) -> None:
        if changes.tables & LIST_TABLES:
            self.refresh()
