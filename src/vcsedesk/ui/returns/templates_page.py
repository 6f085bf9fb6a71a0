"""The Templates tab: the return templates that come with vcsedesk (read-only) and the
organisation's copies, and the editor for a copy.

The editor holds the template being changed: its name, title and introduction; its sections in
order (move one with Up / Down or Ctrl+Up / Ctrl+Down, remove one, add one of a kind); for the
chosen section its heading and introduction and what its kind allows (how many themes or
quotes, quotes per theme, comparison with the previous period, "you said, we did", the tables
of equality monitoring answers, seldom-heard groups); for a narrative section its questions
(added, removed, reordered; key, question, guidance, most words).  Save checks it with the same
rules as a template file (``save_template``) and says, with the line, what is wrong.

Keys: Ctrl+S saves; Ctrl+Up / Ctrl+Down move the chosen section (or question, in the list of
questions).
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.equality import QUESTION_BY_FIELD
from vcsedesk.domain.return_templates import (
    SECTION_KIND_LABELS,
    SECTION_KINDS,
    DemographicTable,
    Question,
    Section,
    Template,
)
from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.returns.models import TemplatesModel
from vcsedesk.ui.widgets import (
    add_shortcut,
    make_table,
    problem_label,
    push_button,
    select_row,
    show_problem,
    size_columns,
    status_label,
)

if TYPE_CHECKING:
    from vcsedesk.domain.errors import UserError
    from vcsedesk.services.base import Changes
    from vcsedesk.services.partnerships import TemplateInfo
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.returns.dialogs import NameDialog

LIST_TABLES = frozenset({"return_templates"})
#: The settings' ranges, as the template format allows them.
LIMITS = {"themes": (1, 50, 10), "quotes": (0, 200, 12)}
PER_THEME = (1, 20, 2)
MAX_WORDS = (1, 5000, 300)


def _multiline(name: str, lines: int = 2) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setTabChangesFocus(True)
    edit.setAccessibleName(name)
    edit.setMinimumHeight(edit.fontMetrics().lineSpacing() * lines + 12)
    edit.setMaximumHeight(edit.fontMetrics().lineSpacing() * (lines + 3) + 12)
    return edit


class MovableList(QListWidget):
    """A list whose current item Ctrl+Up / Ctrl+Down ask to move (``move_requested(step)``)."""

    move_requested = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.modifiers() == Qt.KeyboardModifier.ControlModifier and event.key() in (
            Qt.Key.Key_Up,
            Qt.Key.Key_Down,
        ):
            self.move_requested.emit(-1 if event.key() == Qt.Key.Key_Up else 1)
            return
        super().keyPressEvent(event)


def field_label(field: str) -> str:
    """ "Age", "Ethnic group" — as the return's tables are titled."""
    from vcsedesk.services.return_builder import SHORT_TITLES

    question = QUESTION_BY_FIELD.get(field)
    return SHORT_TITLES.get(field, question.label if question is not None else field)


def table_text(table: DemographicTable) -> str:
    if table.columns:
        return f"{field_label(table.rows)} × {field_label(table.columns)}"
    return field_label(table.rows)


class _Limit(QWidget):
    """An optional number: a check box ("At most") and a spin box."""

    changed = Signal()

    def __init__(self, text: str, name: str, low: int, high: int, default: int) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.on = QCheckBox(text)
        self.on.setAccessibleName(name)
        self.spin = QSpinBox()
        self.spin.setRange(low, high)
        self.spin.setValue(default)
        self.spin.setAccessibleName(name)
        row.addWidget(self.on)
        row.addWidget(self.spin)
        row.addStretch(1)
        self.on.toggled.connect(self.spin.setEnabled)
        self.on.toggled.connect(lambda _on: self.changed.emit())
        self.spin.valueChanged.connect(lambda _v: self.changed.emit())
        self.spin.setEnabled(False)

    def set_range(self, low: int, high: int, default: int) -> None:
        self.spin.blockSignals(True)
        self.spin.setRange(low, high)
        self.spin.setValue(default)
        self.spin.blockSignals(False)

    def value(self) -> int | None:
        return self.spin.value() if self.on.isChecked() else None

    def set_value(self, value: int | None, default: int) -> None:
        self.blockSignals(True)
        self.on.setChecked(value is not None)
        self.spin.setValue(default if value is None else value)
        self.spin.setEnabled(value is not None)
        self.blockSignals(False)


class TemplateEditor(QWidget):
    """Change a copy of a template (a shipped template is shown read-only)."""

    #: The template was saved (its key).
    saved = Signal(str)
    #: "Copy to adjust…" was asked from the read-only note.
    copy_requested = Signal()
    #: A save was refused: the service's sentence (tests listen).
    refused = Signal(str)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.info: TemplateInfo | None = None
        self.sections: list[Section] = []
        self.saved_template: Template | None = None
        self.saving = False
        self._loading = False
        self.setAccessibleName(self.tr("Template editor"))
        layout = QVBoxLayout(self)
        self.heading = QLabel(self.tr("Choose a template on the left."))
        self.heading.setFont(heading_font(self.font(), 1.2))
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.read_only = QFrame()
        self.read_only.setFrameShape(QFrame.Shape.StyledPanel)
        self.read_only.setAccessibleName(self.tr("This template cannot be changed"))
        note_row = QHBoxLayout(self.read_only)
        note = QLabel(
            self.tr(
                "ℹ Templates that come with vcsedesk cannot be changed, so every partnership using them "
                "keeps the same shape. Copy it to adjust the copy."
            )
        )
        note.setWordWrap(True)
        note_row.addWidget(note, 1)
        self.copy_button = push_button(
            self.tr("Cop&y to adjust…"), self.tr("Copy this template to adjust it"), self.copy_requested.emit
        )
        note_row.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)
        self.read_only.hide()
        layout.addWidget(self.read_only)
        self.problem = problem_label(self.tr("Why the template was not saved"))
        layout.addWidget(self.problem)

        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)

        about = QGroupBox(self.tr("The template"))
        about_form = QFormLayout(about)
        about_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name = QLineEdit()
        self.name.setMaxLength(200)
        self._row(about_form, self.tr("Na&me:"), self.name, self.tr("Template name"))
        self.title_edit = QLineEdit()
        self.title_edit.setMaxLength(200)
        self._row(
            about_form, self.tr("Printed t&itle:"), self.title_edit, self.tr("Title printed on the cover")
        )
        self.description = _multiline(self.tr("Description"))
        self._row(about_form, self.tr("&Description:"), self.description, "")
        self.intro = _multiline(self.tr("Introduction printed under the title"))
        self._row(about_form, self.tr("Intr&oduction:"), self.intro, "")
        body.addWidget(about)

        sections_box = QGroupBox(self.tr("Sections, in the order printed"))
        sections_layout = QVBoxLayout(sections_box)
        sections_caption = QLabel(self.tr("&Sections:"))
        sections_layout.addWidget(sections_caption)
        list_row = QHBoxLayout()
        self.section_list = MovableList()
        self.section_list.setAccessibleName(self.tr("Sections (Ctrl+Up and Ctrl+Down move one)"))
        line = self.section_list.fontMetrics().height() + 6
        self.section_list.setFixedHeight(line * 8 + 6)
        sections_caption.setBuddy(self.section_list)
        list_row.addWidget(self.section_list, 1)
        moves = QVBoxLayout()
        self.up_button = push_button(
            self.tr("Up"), self.tr("Move the section up"), lambda: self.move_section(-1), row=moves
        )
        self.up_button.setToolTip(self.tr("Move the section up (Ctrl+Up)"))
        self.down_button = push_button(
            self.tr("Down"), self.tr("Move the section down"), lambda: self.move_section(1), row=moves
        )
        self.down_button.setToolTip(self.tr("Move the section down (Ctrl+Down)"))
        self.remove_button = push_button(
            self.tr("R&emove"), self.tr("Remove the section"), self.remove_section, row=moves
        )
        moves.addStretch(1)
        list_row.addLayout(moves)
        sections_layout.addLayout(list_row)
        adds = QHBoxLayout()
        add_label = QLabel(self.tr("Add a section o&f this kind:"))
        adds.addWidget(add_label)
        self.kind = QComboBox()
        self.kind.setAccessibleName(self.tr("Kind of section to add"))
        for kind in SECTION_KINDS:
            self.kind.addItem(SECTION_KIND_LABELS[kind], kind)
        add_label.setBuddy(self.kind)
        adds.addWidget(self.kind, 1)
        self.add_button = push_button(
            self.tr("&Add section"), self.tr("Add a section of this kind"), self.add_section, row=adds
        )
        sections_layout.addLayout(adds)
        self.section_list.move_requested.connect(self.move_section)
        body.addWidget(sections_box)

        self.section_box = QGroupBox(self.tr("The chosen section"))
        section_form = QFormLayout(self.section_box)
        section_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.kind_label = QLabel()
        self.kind_label.setAccessibleName(self.tr("Kind of section"))
        section_form.addRow(QLabel(self.tr("Kind:")), self.kind_label)
        self.section_heading = QLineEdit()
        self.section_heading.setMaxLength(200)
        self._row(section_form, self.tr("&Heading:"), self.section_heading, self.tr("Section heading"))
        self.section_intro = _multiline(self.tr("Section introduction"), 3)
        self._row(section_form, self.tr("Section introd&uction:"), self.section_intro, "")
        self.limit = _Limit(self.tr("At most"), self.tr("Most themes or quotes printed"), 1, 50, 10)
        self.limit_label = self._row(section_form, self.tr("&Limit:"), self.limit, "", buddy=self.limit.on)
        self.per_theme = _Limit(self.tr("At most"), self.tr("Most quotes for each theme"), *PER_THEME)
        self.per_theme_label = self._row(
            section_form, self.tr("&Quotes per theme:"), self.per_theme, "", buddy=self.per_theme.on
        )
        self.compare = QCheckBox(self.tr("Compare with the previous period"))
        self.compare.setAccessibleName(self.tr("Compare with the previous period"))
        section_form.addRow("", self.compare)
        self.responses = QCheckBox(self.tr("Include “you said, we did” responses"))
        self.responses.setAccessibleName(self.tr("Include you said, we did responses"))
        section_form.addRow("", self.responses)
        self.seldom = QCheckBox(self.tr("Include seldom-heard groups"))
        self.seldom.setAccessibleName(self.tr("Include seldom-heard groups"))
        section_form.addRow("", self.seldom)

        self.tables_box = QWidget()
        tables = QVBoxLayout(self.tables_box)
        tables.setContentsMargins(0, 0, 0, 0)
        self.table_list = QListWidget()
        self.table_list.setAccessibleName(self.tr("Tables of equality monitoring answers"))
        line = self.table_list.fontMetrics().height() + 6
        self.table_list.setFixedHeight(line * 5 + 6)
        tables.addWidget(self.table_list)
        table_row = QHBoxLayout()
        self.table_rows = QComboBox()
        self.table_rows.setAccessibleName(self.tr("Rows of the new table"))
        self.table_columns = QComboBox()
        self.table_columns.setAccessibleName(self.tr("Columns of the new table"))
        self.table_columns.addItem(self.tr("(no columns)"), "")
        for field, question in QUESTION_BY_FIELD.items():
            self.table_rows.addItem(field_label(field), field)
            self.table_columns.addItem(field_label(field), field)
            for combo in (self.table_rows, self.table_columns):
                combo.setItemData(combo.count() - 1, question.label, Qt.ItemDataRole.ToolTipRole)
        for combo in (self.table_rows, self.table_columns, self.kind):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(16)
        table_row.addWidget(self.table_rows, 1)
        table_row.addWidget(QLabel("×"))
        table_row.addWidget(self.table_columns, 1)
        self.add_table_button = push_button(
            self.tr("Add table"), self.tr("Add the table"), self.add_table, row=table_row
        )
        self.remove_table_button = push_button(
            self.tr("Remove table"), self.tr("Remove the chosen table"), self.remove_table, row=table_row
        )
        tables.addLayout(table_row)
        self.tables_label = self._row(
            section_form, self.tr("Ta&bles:"), self.tables_box, "", buddy=self.table_list
        )

        self.questions_box = QWidget()
        questions = QVBoxLayout(self.questions_box)
        questions.setContentsMargins(0, 0, 0, 0)
        self.question_list = MovableList()
        self.question_list.setAccessibleName(self.tr("Questions (Ctrl+Up and Ctrl+Down move one)"))
        self.question_list.setFixedHeight(line * 5 + 6)
        questions.addWidget(self.question_list)
        self.question_list.move_requested.connect(self.move_question)
        question_buttons = QHBoxLayout()
        self.add_question_button = push_button(
            self.tr("Add question"), self.tr("Add a question"), self.add_question, row=question_buttons
        )
        self.remove_question_button = push_button(
            self.tr("Remove question"),
            self.tr("Remove the chosen question"),
            self.remove_question,
            row=question_buttons,
        )
        self.question_up = push_button(
            self.tr("Up"),
            self.tr("Move the question up"),
            lambda: self.move_question(-1),
            row=question_buttons,
        )
        self.question_down = push_button(
            self.tr("Down"),
            self.tr("Move the question down"),
            lambda: self.move_question(1),
            row=question_buttons,
        )
        question_buttons.addStretch(1)
        questions.addLayout(question_buttons)
        question_form = QFormLayout()
        question_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.question_key = QLineEdit()
        self.question_key.setMaxLength(60)
        self.question_key.setPlaceholderText(self.tr("lower-case letters, digits and _, e.g. next_steps"))
        self._row(question_form, self.tr("&Key:"), self.question_key, self.tr("Question key"))
        self.question_text = QLineEdit()
        self.question_text.setMaxLength(500)
        self._row(question_form, self.tr("Question te&xt:"), self.question_text, self.tr("Question"))
        self.question_help = _multiline(self.tr("Guidance for the question"))
        self._row(question_form, self.tr("&Guidance:"), self.question_help, "")
        self.question_words = _Limit(self.tr("At most"), self.tr("Most words in the answer"), *MAX_WORDS)
        self.question_words.spin.setSuffix(self.tr(" words"))
        self._row(question_form, self.tr("&Words:"), self.question_words, "", buddy=self.question_words.on)
        questions.addLayout(question_form)
        self.questions_label = self._row(
            section_form, self.tr("Questio&ns:"), self.questions_box, "", buddy=self.question_list
        )
        body.addWidget(self.section_box)
        layout.addWidget(self.body)

        buttons = QHBoxLayout()
        self.status = status_label(self.tr("Template status"))
        buttons.addWidget(self.status, 1)
        self.save_button = push_button(
            self.tr("Sa&ve template"),
            self.tr("Save the template"),
            self.save,
            tip=self.tr("Save (Ctrl+S)"),
            row=buttons,
        )
        self.revert_button = push_button(
            self.tr("Revert"), self.tr("Undo the changes not saved"), self.revert, row=buttons
        )
        layout.addLayout(buttons)
        layout.addStretch(1)

        for edit in (self.name, self.title_edit):
            edit.textChanged.connect(self._changed)
        for plain in (self.description, self.intro):
            plain.textChanged.connect(self._changed)
        self.section_heading.textChanged.connect(self._section_edited)
        self.section_intro.textChanged.connect(self._section_edited)
        for box in (self.compare, self.responses, self.seldom):
            box.toggled.connect(self._section_edited)
        self.limit.changed.connect(self._section_edited)
        self.per_theme.changed.connect(self._section_edited)
        self.section_list.currentRowChanged.connect(self._show_section)
        self.question_list.currentRowChanged.connect(self._show_question)
        self.table_list.currentRowChanged.connect(lambda _r: self._update_buttons())
        self.question_key.textChanged.connect(self._question_edited)
        self.question_text.textChanged.connect(self._question_edited)
        self.question_help.textChanged.connect(self._question_edited)
        self.question_words.changed.connect(self._question_edited)
        self.body.setEnabled(False)
        self._update_buttons()

    def _row(
        self, form: QFormLayout, text: str, widget: QWidget, name: str, *, buddy: QWidget | None = None
    ) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy or widget)
        if name:
            widget.setAccessibleName(name)
        form.addRow(label, widget)
        return label

    # -- showing -------------------------------------------------------------------------------
    @property
    def editable(self) -> bool:
        return self.info is not None and not self.info.shipped

    def show_template(self, info: TemplateInfo) -> None:
        same = self.info is not None and self.info.key == info.key
        section_row = self.section_list.currentRow() if same else 0
        question_row = self.question_list.currentRow() if same else 0
        self.info = info
        self.saved_template = info.template
        template = info.template
        self._loading = True
        try:
            self.heading.setText(
                self.tr("{name} (built in)").format(name=info.name) if info.shipped else info.name
            )
            self.read_only.setVisible(info.shipped)
            show_problem(self.problem, None)
            self.name.setText(template.name)
            self.title_edit.setText(template.title)
            self.description.setPlainText(template.description)
            self.intro.setPlainText(template.intro)
            self.sections = list(template.sections)
            self._fill_sections(max(0, section_row))
            if question_row > 0:
                self._fill_questions(question_row)
        finally:
            self._loading = False
        self.body.setEnabled(True)
        for widget in self._inputs():
            if isinstance(widget, (QLineEdit, QPlainTextEdit)):
                widget.setReadOnly(not self.editable)
            else:
                widget.setEnabled(self.editable)
        self._changed()

    def _inputs(self) -> list[QWidget]:
        return [
            self.name,
            self.title_edit,
            self.description,
            self.intro,
            self.section_heading,
            self.section_intro,
            self.question_key,
            self.question_text,
            self.question_help,
            self.limit,
            self.per_theme,
            self.compare,
            self.responses,
            self.seldom,
            self.kind,
            self.table_rows,
            self.table_columns,
            self.question_words,
        ]

    def _section_text(self, position: int, section: Section) -> str:
        return self.tr("{n}. {heading} — {kind}").format(
            n=position + 1,
            heading=section.heading or self.tr("(no heading)"),
            kind=SECTION_KIND_LABELS[section.kind],
        )

    def _fill_sections(self, current: int) -> None:
        self.section_list.blockSignals(True)
        self.section_list.clear()
        for position, section in enumerate(self.sections):
            self.section_list.addItem(QListWidgetItem(self._section_text(position, section)))
        self.section_list.blockSignals(False)
        if self.sections:
            self.section_list.setCurrentRow(max(0, min(current, len(self.sections) - 1)))
        self._show_section(self.section_list.currentRow())

    def current_section(self) -> Section | None:
        row = self.section_list.currentRow()
        return self.sections[row] if 0 <= row < len(self.sections) else None

    @Slot(int)
    def _show_section(self, row: int) -> None:
        section = self.sections[row] if 0 <= row < len(self.sections) else None
        was = self._loading
        self._loading = True
        try:
            self.section_box.setVisible(section is not None)
            if section is None:
                return
            kind = section.kind
            self.kind_label.setText(SECTION_KIND_LABELS[kind])
            self.section_heading.setText(section.heading)
            self.section_intro.setPlainText(section.intro)
            limited = kind in LIMITS
            self.limit.setVisible(limited)
            self.limit_label.setVisible(limited)
            if limited:
                low, high, default = LIMITS[kind]
                self.limit.set_range(low, high, default)
                self.limit.set_value(section.limit, default)
            quotes = kind == "quotes"
            self.per_theme.setVisible(quotes)
            self.per_theme_label.setVisible(quotes)
            self.per_theme.set_value(section.per_theme, PER_THEME[2])
            self.compare.setVisible(kind == "themes")
            self.compare.setChecked(section.compare_previous)
            self.responses.setVisible(kind == "actions")
            self.responses.setChecked(section.include_responses)
            self.seldom.setVisible(kind == "demographics")
            self.seldom.setChecked(section.seldom_heard)
            self.tables_box.setVisible(kind == "demographics")
            self.tables_label.setVisible(kind == "demographics")
            self.table_list.clear()
            for table in section.tables:
                self.table_list.addItem(table_text(table))
            if section.tables:
                self.table_list.setCurrentRow(0)
            self.questions_box.setVisible(kind == "narrative")
            self.questions_label.setVisible(kind == "narrative")
            self._fill_questions(0)
        finally:
            self._loading = was
        self._update_buttons()

    def _fill_questions(self, current: int) -> None:
        section = self.current_section()
        questions = section.questions if section is not None and section.kind == "narrative" else ()
        self.question_list.blockSignals(True)
        self.question_list.clear()
        for q in questions:
            self.question_list.addItem(f"{q.key}: {q.text}")
        self.question_list.blockSignals(False)
        if questions:
            self.question_list.setCurrentRow(max(0, min(current, len(questions) - 1)))
        self._show_question(self.question_list.currentRow())

    def current_question(self) -> Question | None:
        section = self.current_section()
        row = self.question_list.currentRow()
        if section is None or not 0 <= row < len(section.questions):
            return None
        return section.questions[row]

    @Slot(int)
    def _show_question(self, _row: int) -> None:
        question = self.current_question()
        was = self._loading
        self._loading = True
        try:
            self.question_key.setText(question.key if question else "")
            self.question_text.setText(question.text if question else "")
            self.question_help.setPlainText(question.help if question else "")
            self.question_words.set_value(question.max_words if question else None, MAX_WORDS[2])
            for widget in (self.question_key, self.question_text, self.question_help, self.question_words):
                widget.setEnabled(question is not None and self.editable)
        finally:
            self._loading = was
        self._update_buttons()

    # -- editing -------------------------------------------------------------------------------
    def _replace_section(self, section: Section) -> None:
        row = self.section_list.currentRow()
        if not 0 <= row < len(self.sections):
            return
        self.sections[row] = section
        item = self.section_list.item(row)
        if item is not None:
            item.setText(self._section_text(row, section))
        self._changed()

    @Slot()
    def _section_edited(self) -> None:
        section = self.current_section()
        if self._loading or section is None or not self.editable:
            return
        kind = section.kind
        values: dict[str, Any] = {
            "heading": self.section_heading.text(),
            "intro": self.section_intro.toPlainText(),
        }
        if kind in LIMITS:
            values["limit"] = self.limit.value()
        if kind == "quotes":
            values["per_theme"] = self.per_theme.value()
        if kind == "themes":
            values["compare_previous"] = self.compare.isChecked()
        if kind == "actions":
            values["include_responses"] = self.responses.isChecked()
        if kind == "demographics":
            values["seldom_heard"] = self.seldom.isChecked()
        self._replace_section(dataclasses.replace(section, **values))

    @Slot()
    def _question_edited(self) -> None:
        section, question = self.current_section(), self.current_question()
        if self._loading or section is None or question is None or not self.editable:
            return
        row = self.question_list.currentRow()
        changed = Question(
            self.question_key.text().strip(),
            self.question_text.text(),
            self.question_help.toPlainText(),
            self.question_words.value(),
        )
        questions = list(section.questions)
        questions[row] = changed
        item = self.question_list.item(row)
        if item is not None:
            item.setText(f"{changed.key}: {changed.text}")
        self._replace_section(dataclasses.replace(section, questions=tuple(questions)))

    def move_section(self, step: int) -> None:
        row = self.section_list.currentRow()
        to = row + step
        if not self.editable or not 0 <= row < len(self.sections) or not 0 <= to < len(self.sections):
            return
        self.sections[row], self.sections[to] = self.sections[to], self.sections[row]
        self._fill_sections(to)
        self.section_list.setFocus(Qt.FocusReason.OtherFocusReason)
        self._changed()

    @Slot()
    def remove_section(self) -> None:
        row = self.section_list.currentRow()
        if not self.editable or not 0 <= row < len(self.sections):
            return
        del self.sections[row]
        self._fill_sections(row)
        self._changed()

    @Slot()
    def add_section(self) -> None:
        if not self.editable:
            return
        kind = str(self.kind.currentData())
        if kind != "narrative":
            existing = next((i for i, s in enumerate(self.sections) if s.kind == kind), None)
            if existing is not None:
                show_problem(
                    self.problem,
                    self.tr(
                        "There is already a section of this kind (section {n}); only narrative sections may "
                        "appear more than once."
                    ).format(n=existing + 1),
                )
                return
        show_problem(self.problem, None)
        section = Section(kind, SECTION_KIND_LABELS[kind])
        if kind in LIMITS:
            section = dataclasses.replace(section, limit=LIMITS[kind][2])
        if kind == "quotes":
            section = dataclasses.replace(section, per_theme=PER_THEME[2])
        if kind == "demographics":
            section = dataclasses.replace(section, tables=(DemographicTable("age_band"),), seldom_heard=True)
        if kind == "narrative":
            section = dataclasses.replace(
                section,
                questions=(
                    Question(self._new_key(), self.tr("What would you like to tell the partnership?")),
                ),
            )
        self.sections.append(section)
        self._fill_sections(len(self.sections) - 1)
        self.section_heading.setFocus(Qt.FocusReason.OtherFocusReason)
        self.section_heading.selectAll()
        self._changed()

    def _new_key(self) -> str:
        taken = {q.key for s in self.sections for q in s.questions}
        n = 1
        while f"question_{n}" in taken:
            n += 1
        return f"question_{n}"

    @Slot()
    def add_table(self) -> None:
        section = self.current_section()
        if section is None or section.kind != "demographics" or not self.editable:
            return
        rows = str(self.table_rows.currentData())
        columns = str(self.table_columns.currentData()) or None
        if columns == rows:
            show_problem(self.problem, self.tr("A table cannot have the same question as rows and columns."))
            return
        table = DemographicTable(rows, columns)
        if table in section.tables:
            show_problem(self.problem, self.tr("The section already has that table."))
            return
        show_problem(self.problem, None)
        self._replace_section(dataclasses.replace(section, tables=(*section.tables, table)))
        self.table_list.addItem(table_text(table))
        self.table_list.setCurrentRow(self.table_list.count() - 1)

    @Slot()
    def remove_table(self) -> None:
        section = self.current_section()
        row = self.table_list.currentRow()
        if section is None or not self.editable or not 0 <= row < len(section.tables):
            return
        tables = list(section.tables)
        del tables[row]
        self._replace_section(dataclasses.replace(section, tables=tuple(tables)))
        self.table_list.takeItem(row)

    @Slot()
    def add_question(self) -> None:
        section = self.current_section()
        if section is None or section.kind != "narrative" or not self.editable:
            return
        question = Question(self._new_key(), self.tr("What would you like to tell the partnership?"))
        self._replace_section(dataclasses.replace(section, questions=(*section.questions, question)))
        self._fill_questions(len(section.questions))
        self.question_text.setFocus(Qt.FocusReason.OtherFocusReason)
        self.question_text.selectAll()

    @Slot()
    def remove_question(self) -> None:
        section = self.current_section()
        row = self.question_list.currentRow()
        if section is None or not self.editable or not 0 <= row < len(section.questions):
            return
        questions = list(section.questions)
        del questions[row]
        self._replace_section(dataclasses.replace(section, questions=tuple(questions)))
        self._fill_questions(row)

    def move_question(self, step: int) -> None:
        section = self.current_section()
        row = self.question_list.currentRow()
        to = row + step
        if section is None or not self.editable or not 0 <= row < len(section.questions):
            return
        if not 0 <= to < len(section.questions):
            return
        questions = list(section.questions)
        questions[row], questions[to] = questions[to], questions[row]
        self._replace_section(dataclasses.replace(section, questions=tuple(questions)))
        self._fill_questions(to)
        self.question_list.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- state ---------------------------------------------------------------------------------
    def template(self) -> Template | None:
        if self.info is None:
            return None
        return Template(
            key=self.info.key,
            name=self.name.text().strip(),
            title=self.title_edit.text().strip(),
            description=self.description.toPlainText().strip(),
            intro=self.intro.toPlainText().strip(),
            sections=tuple(self.sections),
        )

    @property
    def dirty(self) -> bool:
        return self.editable and self.template() != self.saved_template

    @Slot()
    def _changed(self) -> None:
        if self._loading:
            return
        if self.info is None:
            self.status.setText("")
        elif not self.editable:
            self.status.setText(self.tr("Read-only: a template that comes with vcsedesk."))
        elif self.dirty:
            self.status.setText(self.tr("Changed: not saved yet."))
        else:
            self.status.setText(self.tr("Saved."))
        self._update_buttons()

    def _update_buttons(self) -> None:
        editable = self.editable and not self.saving
        row = self.section_list.currentRow()
        count = len(self.sections)
        self.up_button.setEnabled(editable and row > 0)
        self.down_button.setEnabled(editable and 0 <= row < count - 1)
        self.remove_button.setEnabled(editable and 0 <= row < count and count > 1)
        self.add_button.setEnabled(editable)
        section = self.current_section()
        questions = len(section.questions) if section is not None else 0
        q = self.question_list.currentRow()
        self.add_question_button.setEnabled(editable)
        self.remove_question_button.setEnabled(editable and 0 <= q < questions and questions > 1)
        self.question_up.setEnabled(editable and q > 0)
        self.question_down.setEnabled(editable and 0 <= q < questions - 1)
        self.add_table_button.setEnabled(editable)
        self.remove_table_button.setEnabled(editable and self.table_list.currentRow() >= 0)
        dirty = self.dirty
        self.save_button.setEnabled(editable and dirty)
        self.revert_button.setEnabled(editable and dirty)
        self.save_button.setVisible(self.info is None or self.editable)
        self.revert_button.setVisible(self.info is None or self.editable)

    # -- saving --------------------------------------------------------------------------------
    @Slot()
    def save(self) -> None:
        from vcsedesk.services import partnerships

        template, info = self.template(), self.info
        if template is None or info is None or not self.editable or self.saving or not self.dirty:
            return
        self.saving = True
        show_problem(self.problem, None)
        self.status.setText(self.tr("Saving…"))
        self._update_buttons()

        def done(_changes: Changes) -> None:
            self.saved_template = template
            self.saved.emit(info.key)

        def refused(exc: UserError) -> None:
            from vcsedesk.domain.errors import ValidationError

            text = " ".join(exc.problems.values()) if isinstance(exc, ValidationError) else str(exc)
            show_problem(self.problem, self.tr("Not saved: {reason}").format(reason=text))
            self.refused.emit(text)

        def settled() -> None:
            self.saving = False
            self._changed()

        self.ctx.hub.perform(
            partnerships.save_template,
            self.ctx.database,
            self.ctx.acting,
            info.key,
            info.version,
            template,
            on_done=done,
            on_error=refused,
            on_settled=settled,
            label=self.tr("Saving the template…"),
        )

    @Slot()
    def revert(self) -> None:
        if self.info is not None:
            self.show_template(self.info)


class TemplatesPage(QWidget):
    loaded = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self._generation = 0
        self._select_key: str | None = None
        self._select_id: uuid.UUID | None = None
        self.dialog: NameDialog | None = None
        self.templates: list[TemplateInfo] = []
        self.setAccessibleName(self.tr("Return templates"))
        layout = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        top = QHBoxLayout()
        heading = QLabel(self.tr("Return templates"))
        heading.setFont(heading_font(self.font()))
        top.addWidget(heading)
        top.addStretch(1)
        left_layout.addLayout(top)
        about = QLabel(
            self.tr(
                "A template gives a return its shape: the sections, their order and wording, and the questions "
                "you answer in your own words. Each partnership uses one."
            )
        )
        about.setWordWrap(True)
        left_layout.addWidget(about)
        self.model = TemplatesModel(self)
        self.view = make_table(self.model, self.tr("Return templates"), self.tr("Enter moves to the editor."))
        size_columns(
            self.view,
            {
                TemplatesModel.NAME: "People's Partnership hub: quarterly return",
                TemplatesModel.KIND: "Built in (read-only)",
                TemplatesModel.BASED_ON: "Healthwatch: insight report",
            },
        )
        self.view.setWordWrap(True)
        self.view.open_requested.connect(self._to_editor)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        left_layout.addWidget(self.view, 1)
        buttons = QHBoxLayout()
        self.copy_button = push_button(
            self.tr("&Copy to adjust…"),
            self.tr("Copy the selected template to adjust it"),
            self.copy_selected,
            tip=self.tr("Make your own copy of the selected template, to change"),
            row=buttons,
        )
        buttons.addStretch(1)
        left_layout.addLayout(buttons)
        splitter.addWidget(left)
        self.editor = TemplateEditor(ctx)
        self.editor.copy_requested.connect(self.copy_selected)
        self.editor.saved.connect(lambda key: self._note(self.tr("Template saved.")))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.editor)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        chars = self.fontMetrics().averageCharWidth()
        splitter.setSizes([chars * 70, chars * 110])
        layout.addWidget(splitter)
        self.save_action = add_shortcut(self, self.tr("Save the template"), "Ctrl+S", self.editor.save)
        ctx.hub.changed.connect(self.on_changed)
        self.window_note: Any = None

    def _note(self, text: str) -> None:
        if self.window_note is not None:
            self.window_note(text)

    def refresh(self) -> None:
        from vcsedesk.ui.returns.reads import read_templates

        if self.ctx.db is None:
            return
        self._generation += 1
        generation = self._generation
        self.ctx.worker.submit(
            read_templates,
            self.ctx.database,
            on_done=lambda found: self._arrived(generation, found),
            label=self.tr("Reading the templates…"),
        )

    def _arrived(self, generation: int, templates: list[TemplateInfo]) -> None:
        if generation != self._generation:
            return
        self.templates = templates
        current = self.editor.info
        self.model.set_items(templates)
        row = None
        if self._select_id is not None:
            row = next((i for i, t in enumerate(templates) if t.id == self._select_id), None)
            self._select_id = None
        if row is None and self._select_key is not None:
            row = self.model.find_key(self._select_key)
        if row is None and current is not None:
            row = self.model.find_key(current.key)
        if row is None and templates:
            row = 0
        if row is not None:
            self._select_key = templates[row].key
            select_row(self.view, row)
            info = templates[row]
            if self.editor.info is None or self.editor.info.key != info.key or not self.editor.dirty:
                self.editor.show_template(info)
        self._update_buttons()
        self.loaded.emit()

    def selected(self) -> TemplateInfo | None:
        index = self.view.currentIndex()
        return self.model.item_at(index.row()) if index.isValid() else None

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        info = self.model.item_at(current.row()) if current.isValid() else None
        if info is None:
            return
        self._select_key = info.key
        if self.editor.info is not None and self.editor.info.key == info.key:
            return
        if self.editor.dirty:
            from vcsedesk.ui.widgets import ask_discard

            ask_discard(
                self,
                self.tr("The changes to the template have not been saved. Discard them?"),
                lambda: self.editor.show_template(info),
            )
            return
        self.editor.show_template(info)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.copy_button.setEnabled(self.selected() is not None)

    @Slot()
    def _to_editor(self) -> None:
        if self.editor.editable:
            self.editor.name.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.editor.copy_button.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def copy_selected(self) -> None:
        from vcsedesk.services import partnerships
        from vcsedesk.ui.returns.dialogs import NameDialog

        info = self.selected() or self.editor.info
        if info is None or self.dialog is not None:
            return
        dialog = NameDialog(
            self.tr("Copy the template"),
            self.tr("Copy “{name}” to adjust it. What should the copy be called?").format(name=info.name),
            self.tr("&Copy"),
            self.tr("{name} (our copy)").format(name=info.name),
            self,
        )
        self.dialog = dialog
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))

        def done(changes: Changes) -> None:
            created = sorted(changes.created.get("return_templates", ()))
            if created:
                self._select_id = created[0]
            dialog.finish()

        def answered() -> None:
            self.ctx.hub.perform(
                partnerships.copy_to_edit,
                self.ctx.database,
                self.ctx.acting,
                info.key,
                dialog.value(),
                on_done=done,
                on_error=dialog.refuse,
                label=self.tr("Copying the template…"),
            )

        dialog.answered.connect(answered)
        dialog.open()

    def on_changed(self, changes: Changes) -> None:
        if changes.tables & LIST_TABLES:
            self.refresh()


__all__ = ["TemplateEditor", "TemplatesPage"]
