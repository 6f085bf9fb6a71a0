"""Importing contacts from a CSV, xlsx or vCard file, in four steps.

1. **File** — the file is chosen and read on the worker; a file the importer refuses (binary
   junk, a zip bomb, missing headers, …) is refused here in the importer's own words, and
   nothing is written.
2. **Columns** — the detected mapping (column → contact field), one combo box per column.
3. **Preview** — every row with its problems; likely duplicates with whom they look like and
   a decision each (skip / merge / create); "Skip rows with problems"; the counts.
4. **Report** — what was imported, through ``ctx.hub.perform`` so every view refreshes; the
   whole import is one change set, undone with the window's Undo.

The reading, the preview and the commit are services.imports; this module only shows them.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.table_model import AnyIndex, ReadOnlyTableModel
from vcsedesk.ui.widgets import problem_label, show_problem, tidy_table

if TYPE_CHECKING:
    from vcsedesk.domain.errors import UserError
    from vcsedesk.services.base import Changes
    from vcsedesk.services.imports import ImportPreview, ImportReport, PreviewRow
    from vcsedesk.ui.context import AppContext

log = logging.getLogger(__name__)

#: The mapping's "leave this column out" (io.contacts_import.IGNORE, without importing it here).
IGNORE = "ignore"
SKIP, MERGE, CREATE = "skip", "merge", "create"
FILE_PAGE, MAPPING_PAGE, PREVIEW_PAGE, REPORT_PAGE = range(4)


# -- work done on the worker ---------------------------------------------------------------------
def read_columns(path: Path) -> tuple[str, list[str], dict[str, str]]:
    """The file's name as messages call it, its headers and the detected mapping."""
    from vcsedesk.io.contacts_import import detect_mapping, read_table

    table = read_table(path)
    try:
        return table.file, list(table.headers), detect_mapping(table.headers)
    finally:
        table.close()


# -- the fields a column can go to ---------------------------------------------------------------
def field_choices() -> list[tuple[str, str]]:
    """(mapping value, label) for every field the combo boxes offer, "(ignore)" first."""
    from PySide6.QtCore import QCoreApplication

    def tr(text: str) -> str:
        return QCoreApplication.translate("ImportWizard", text)

    return [
        (IGNORE, tr("(ignore)")),
        ("name", tr("Name (whole)")),
        ("given_name", tr("First name")),
        ("family_name", tr("Last name")),
        ("kind", tr("Kind (person or organisation)")),
        ("organisation", tr("Organisation")),
        ("role", tr("Role in the organisation")),
        ("organisation_type", tr("Organisation type")),
        ("email", tr("Email")),
        ("email:home", tr("Email (home)")),
        ("email:work", tr("Email (work)")),
        ("email:other", tr("Email (other)")),
        ("phone", tr("Phone")),
        ("phone:mobile", tr("Phone (mobile)")),
        ("phone:home", tr("Phone (home)")),
        ("phone:work", tr("Phone (work)")),
        ("phone:other", tr("Phone (other)")),
        ("address", tr("Address")),
        ("postcode", tr("Postcode")),
        ("ward", tr("Ward")),
        ("preferred_language", tr("Preferred language")),
        ("interpreter_needed", tr("Interpreter needed")),
        ("access_needs", tr("Access needs")),
        ("how_we_met", tr("How we met")),
        ("notes", tr("Notes")),
        ("tags", tr("Tags")),
    ]


# -- the preview table ---------------------------------------------------------------------------
class PreviewModel(ReadOnlyTableModel):
    """The previewed rows; only the decision of a likely duplicate is editable."""

    ROW, NAME, DETAILS, PROBLEMS, LOOKS_LIKE, DECISION = range(6)
    #: The decision's code (skip / merge / create) or None, for the DECISION column.
    CodeRole = Qt.ItemDataRole.UserRole + 1

    decisions_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [
            self.tr("Row"),
            self.tr("Name"),
            self.tr("Email or phone"),
            self.tr("Problems"),
            self.tr("Looks like"),
            self.tr("Decision"),
        ]
        self.rows: list[PreviewRow] = []
        self.noun = "Row"
        self.decisions: dict[int, str] = {}
        self.skip_invalid = False

    def set_preview(self, found: ImportPreview | None) -> None:
        self.beginResetModel()
        self.rows = list(found.rows) if found is not None else []
        self.noun = found.noun if found is not None else "Row"
        self.decisions = {r.number: r.default_decision for r in self.rows if r.valid and r.duplicate}
        self.endResetModel()

    def set_skip_invalid(self, skip: bool) -> None:
        self.skip_invalid = skip
        if self.rows:
            self.dataChanged.emit(self.index(0, self.DECISION), self.index(len(self.rows) - 1, self.DECISION))

    def row_count(self) -> int:
        return len(self.rows)

    def decision_label(self, code: str) -> str:
        return {SKIP: self.tr("Skip"), MERGE: self.tr("Merge"), CREATE: self.tr("Create")}[code]

    def decision_of(self, row: PreviewRow) -> str | None:
        """skip / merge / create, or None for a row with problems."""
        if not row.valid:
            return None
        return self.decisions.get(row.number, CREATE)

    def counts(self) -> tuple[int, int, int, int]:
        """(to create, to merge, skipped, with problems)."""
        create = merge = skip = invalid = 0
        for row in self.rows:
            decision = self.decision_of(row)
            if decision is None:
                invalid += 1
            elif decision == MERGE:
                merge += 1
            elif decision == SKIP:
                skip += 1
            else:
                create += 1
        return create, merge, skip, invalid

    def is_duplicate(self, row: int) -> bool:
        return 0 <= row < len(self.rows) and self.rows[row].valid and self.rows[row].duplicate is not None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == self.DECISION and self.is_duplicate(index.row()):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def _texts(self, row: PreviewRow) -> tuple[str, str]:
        if row.clean is not None:
            name = row.clean.name
            reach = [e.address for e in row.clean.emails] + [p.number for p in row.clean.phones]
        else:
            draft = row.draft
            name = ""
            reach = []
            if draft is not None:
                name = draft.name or " ".join(p for p in (draft.given_name, draft.family_name) if p)
                reach = [e.address for e in draft.emails] + [p.number for p in draft.phones]
        return name, ", ".join(a for a in reach if a)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == self.CodeRole:
            return self.decision_of(row) if column == self.DECISION else None
        if role == Qt.ItemDataRole.EditRole and column == self.DECISION:
            return self.decision_of(row)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if column == self.ROW:
            return str(row.number)
        if column in (self.NAME, self.DETAILS):
            return self._texts(row)[column - self.NAME]
        if column == self.PROBLEMS:
            return "\n".join(row.problems)
        if column == self.LOOKS_LIKE:
            return row.duplicate.describe(self.noun) if row.duplicate is not None else ""
        decision = self.decision_of(row)
        if decision is None:
            return self.tr("Left out") if self.skip_invalid else self.tr("Has problems")
        return self.decision_label(decision)

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (
            role != Qt.ItemDataRole.EditRole
            or not index.isValid()
            or index.column() != self.DECISION
            or not self.is_duplicate(index.row())
            or value not in (SKIP, MERGE, CREATE)
        ):
            return False
        number = self.rows[index.row()].number
        if self.decisions.get(number) == value:
            return True
        self.decisions[number] = value
        self.dataChanged.emit(index, index)
        self.decisions_changed.emit()
        return True


class DecisionDelegate(QStyledItemDelegate):
    """A combo box (skip / merge / create) for a likely duplicate's decision."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex) -> QWidget:
        model = index.model()
        combo = QComboBox(parent)
        for code in (SKIP, MERGE, CREATE):
            label = model.decision_label(code) if isinstance(model, PreviewModel) else code
            combo.addItem(label, code)
        combo.setAccessibleName(
            self.tr("Decision for row {row}").format(row=model.index(index.row(), 0).data())
        )
        combo.currentIndexChanged.connect(lambda _i, c=combo: self.commitData.emit(c))
        return combo

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        if isinstance(editor, QComboBox):
            at = editor.findData(index.data(Qt.ItemDataRole.EditRole))
            if at >= 0 and at != editor.currentIndex():
                editor.blockSignals(True)
                editor.setCurrentIndex(at)
                editor.blockSignals(False)

    def setModelData(self, editor: QWidget, model: Any, index: QModelIndex | QPersistentModelIndex) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


# -- the wizard ----------------------------------------------------------------------------------
class ImportWizard(QDialog):
    """Choose a file, check its columns, preview, import, report."""

    #: Emitted with the report once an import has been written.
    imported = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.path: Path | None = None
        self.file_name = ""
        self.headers: list[str] = []
        self.detected: dict[str, str] = {}
        self.preview: ImportPreview | None = None
        self.report: ImportReport | None = None
        self._busy = False
        self._stale = True
        self.combos: dict[str, QComboBox] = {}

        self.setWindowTitle(self.tr("Import contacts"))
        self.setAccessibleName(self.tr("Import contacts"))
        self.resize(900, 600)
        layout = QVBoxLayout(self)
        self.step_title = QLabel()
        self.step_title.setFont(heading_font(self.font()))
        self.step_title.setAccessibleName(self.tr("Step"))
        layout.addWidget(self.step_title)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        self.stack.addWidget(self._file_page())
        self.stack.addWidget(self._mapping_page())
        self.stack.addWidget(self._preview_page())
        self.stack.addWidget(self._report_page())

        buttons = QHBoxLayout()
        self.back_button = QPushButton(self.tr("< &Back"))
        self.back_button.setAccessibleName(self.tr("Back to the previous step"))
        self.next_button = QPushButton(self.tr("&Next >"))
        self.next_button.setAccessibleName(self.tr("Next step"))
        self.import_button = QPushButton(self.tr("&Import"))
        self.import_button.setAccessibleName(self.tr("Import the contacts"))
        self.close_button = QPushButton(self.tr("Cancel"))
        self.close_button.setAccessibleName(self.tr("Cancel the import"))
        buttons.addStretch(1)
        for button in (self.back_button, self.next_button, self.import_button, self.close_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.back_button.clicked.connect(self.go_back)
        self.next_button.clicked.connect(self.go_next)
        self.import_button.clicked.connect(self.start_import)
        self.close_button.clicked.connect(self.reject)
        self._show_page(FILE_PAGE)

    # -- pages -----------------------------------------------------------------------------
    def _file_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        intro = QLabel(
            self.tr(
                "Choose a CSV file, an Excel workbook (.xlsx) or a vCard file (.vcf). Google Contacts "
                "and Outlook exports are recognised. Nothing is written until you press Import."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        label = QLabel(self.tr("&File:"))
        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        self.path_edit.setAccessibleName(self.tr("File to import"))
        self.path_edit.setPlaceholderText(self.tr("No file chosen yet"))
        label.setBuddy(self.path_edit)
        self.choose_button = QPushButton(self.tr("&Choose file…"))
        self.choose_button.setAccessibleName(self.tr("Choose a file to import"))
        self.choose_button.setAutoDefault(False)
        self.choose_button.clicked.connect(self.choose_file)
        row.addWidget(label)
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.choose_button)
        layout.addLayout(row)
        self.file_problem = problem_label(self.tr("Problem with the file"))
        layout.addWidget(self.file_problem)
        self.file_status = QLabel()
        self.file_status.setWordWrap(True)
        self.file_status.setAccessibleName(self.tr("About the file"))
        layout.addWidget(self.file_status)
        layout.addStretch(1)
        return page

    def _mapping_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        intro = QLabel(
            self.tr(
                "Each column of the file and the contact field it fills. Change any that are wrong, "
                "or choose “(ignore)” to leave a column out."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.mapping_area = QScrollArea()
        self.mapping_area.setWidgetResizable(True)
        self.mapping_area.setAccessibleName(self.tr("Column mapping"))
        layout.addWidget(self.mapping_area, 1)
        self.mapping_problem = problem_label(self.tr("Problem with the mapping"))
        layout.addWidget(self.mapping_problem)
        return page

    def _fill_mapping(self) -> None:
        holder = QWidget()
        grid = QGridLayout(holder)
        bold = QFont(self.font())
        bold.setBold(True)
        for column, text in enumerate((self.tr("Column in the file"), self.tr("Contact field"))):
            header = QLabel(text)
            header.setFont(bold)
            grid.addWidget(header, 0, column)
        choices = field_choices()
        known = {value for value, _ in choices}
        extra = sorted({v for v in self.detected.values() if v not in known})
        self.combos = {}
        for row, header_text in enumerate((h for h in self.headers if h), start=1):
            label = QLabel(header_text)
            label.setTextFormat(Qt.TextFormat.PlainText)
            combo = QComboBox()
            for value, text in choices:
                combo.addItem(text, value)
            for value in extra:
                combo.addItem(value, value)
            combo.setCurrentIndex(max(0, combo.findData(self.detected.get(header_text, IGNORE))))
            combo.setAccessibleName(self.tr("Field for the column “{column}”").format(column=header_text))
            label.setBuddy(combo)
            combo.currentIndexChanged.connect(self._mapping_changed)
            grid.addWidget(label, row, 0)
            grid.addWidget(combo, row, 1)
            self.combos[header_text] = combo
        grid.setRowStretch(len(self.combos) + 1, 1)
        grid.setColumnStretch(1, 1)
        self.mapping_area.setWidget(holder)

    def _preview_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.counts_label = QLabel()
        self.counts_label.setAccessibleName(self.tr("What the import will do"))
        self.counts_label.setWordWrap(True)
        layout.addWidget(self.counts_label)
        self.skip_invalid = QCheckBox(self.tr("&Skip rows with problems"))
        self.skip_invalid.setAccessibleName(self.tr("Skip rows with problems"))
        self.skip_invalid.setToolTip(
            self.tr(
                "Import the other rows and leave out the rows with problems; otherwise nothing is imported"
            )
        )
        self.skip_invalid.toggled.connect(self._skip_toggled)
        layout.addWidget(self.skip_invalid)
        self.model = PreviewModel(self)
        self.model.decisions_changed.connect(self._update_counts)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setAccessibleName(self.tr("Preview of the rows"))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setTabKeyNavigation(False)
        self.view.setWordWrap(True)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.CurrentChanged
            | QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.delegate = DecisionDelegate(self.view)
        self.view.setItemDelegateForColumn(PreviewModel.DECISION, self.delegate)
        tidy_table(self.view)
        self.view.horizontalHeader().setStretchLastSection(False)
        layout.addWidget(self.view, 1)
        self.preview_problem = problem_label(self.tr("Problem with the import"))
        layout.addWidget(self.preview_problem)
        return page

    def _report_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.report_label = QLabel()
        self.report_label.setWordWrap(True)
        self.report_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report_label.setAccessibleName(self.tr("Import report"))
        layout.addWidget(self.report_label)
        self.report_problems = QPlainTextEdit()
        self.report_problems.setReadOnly(True)
        self.report_problems.setAccessibleName(self.tr("Rows left out with their problems"))
        layout.addWidget(self.report_problems, 1)
        return page

    # -- navigation ------------------------------------------------------------------------
    @property
    def page(self) -> int:
        return self.stack.currentIndex()

    def _show_page(self, page: int) -> None:
        self.stack.setCurrentIndex(page)
        titles = {
            FILE_PAGE: self.tr("Step 1 of 4: choose the file"),
            MAPPING_PAGE: self.tr("Step 2 of 4: check the columns"),
            PREVIEW_PAGE: self.tr("Step 3 of 4: check the rows"),
            REPORT_PAGE: self.tr("Step 4 of 4: done"),
        }
        self.step_title.setText(titles[page])
        self._update_buttons()
        focus = {
            FILE_PAGE: self.choose_button,
            MAPPING_PAGE: next(iter(self.combos.values()), self.next_button),
            PREVIEW_PAGE: self.view,
            REPORT_PAGE: self.close_button,
        }[page]
        focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def _update_buttons(self) -> None:
        page = self.page
        busy = self._busy
        self.choose_button.setEnabled(not busy)
        self.back_button.setVisible(page in (MAPPING_PAGE, PREVIEW_PAGE))
        self.back_button.setEnabled(not busy)
        self.next_button.setVisible(page in (FILE_PAGE, MAPPING_PAGE))
        self.next_button.setEnabled(not busy and bool(self.headers))
        self.import_button.setVisible(page == PREVIEW_PAGE)
        self.import_button.setEnabled(not busy and self._may_import())
        done = page == REPORT_PAGE
        self.close_button.setText(self.tr("&Close") if done else self.tr("Cancel"))
        self.close_button.setAccessibleName(self.tr("Close") if done else self.tr("Cancel the import"))
        self.close_button.setEnabled(not busy)
        default = {
            FILE_PAGE: self.next_button,
            MAPPING_PAGE: self.next_button,
            PREVIEW_PAGE: self.import_button,
            REPORT_PAGE: self.close_button,
        }[page]
        for button in (self.next_button, self.import_button, self.close_button):
            button.setDefault(button is default)

    def _may_import(self) -> bool:
        if self.preview is None or self._stale:
            return False
        return not self.preview.invalid_rows or self.skip_invalid.isChecked()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_buttons()

    @Slot()
    def go_back(self) -> None:
        if not self._busy and self.page in (MAPPING_PAGE, PREVIEW_PAGE):
            self._show_page(self.page - 1)

    @Slot()
    def go_next(self) -> None:
        if self._busy:
            return
        if self.page == FILE_PAGE and self.headers:
            self._show_page(MAPPING_PAGE)
        elif self.page == MAPPING_PAGE:
            self.run_preview()

    def reject(self) -> None:
        if not self._busy:  # a job on its way finishes first: its answer needs this dialog
            super().reject()

    # -- step 1: the file ------------------------------------------------------------------
    @Slot()
    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose a file to import"),
            str(self.path.parent) if self.path else "",
            self.tr(
                "Contacts files (*.csv *.xlsx *.vcf *.vcard);;CSV (*.csv);;Excel workbook (*.xlsx);;vCard (*.vcf *.vcard)"
            ),
        )
        if path:
            self.read_file(Path(path))

    def read_file(self, path: Path) -> None:
        self.path = path
        self.path_edit.setText(str(path))
        self.headers, self.detected, self.preview = [], {}, None
        self._stale = True
        show_problem(self.file_problem, None)
        self.file_status.setText(self.tr("Reading {name}…").format(name=path.name))
        self._set_busy(True)
        self.ctx.worker.submit(
            read_columns,
            path,
            on_done=self._read,
            on_error=self._read_refused,
            on_settled=lambda: self._set_busy(False),
            label=self.tr("Reading {name}…").format(name=path.name),
        )

    def _read(self, result: tuple[str, list[str], dict[str, str]]) -> None:
        self.file_name, self.headers, self.detected = result
        shown = len([h for h in self.headers if h])
        self.file_status.setText(
            self.tr("{name}: {columns} column(s), {mapped} recognised. Press Next to check them.").format(
                name=self.file_name, columns=shown, mapped=len(self.detected)
            )
        )
        self._fill_mapping()

    def _read_refused(self, exc: UserError) -> None:
        self.headers = []
        self.file_status.clear()
        show_problem(self.file_problem, self.tr("Nothing was imported. {message}").format(message=exc))

    # -- step 2: the mapping ---------------------------------------------------------------
    def mapping(self) -> dict[str, str]:
        """The mapping as chosen: every named column, "ignore" for those left out."""
        return {column: str(combo.currentData()) for column, combo in self.combos.items()}

    def set_field(self, column: str, value: str) -> None:
        """Choose the field for ``column`` (as a person would with its combo box)."""
        combo = self.combos[column]
        at = combo.findData(value)
        if at < 0:
            raise KeyError(value)
        combo.setCurrentIndex(at)

    @Slot()
    def _mapping_changed(self) -> None:
        self._stale = True
        show_problem(self.mapping_problem, None)
        self._update_buttons()

    # -- step 3: the preview ---------------------------------------------------------------
    def run_preview(self) -> None:
        if self.path is None:
            return
        from vcsedesk.services import imports

        show_problem(self.mapping_problem, None)
        show_problem(self.preview_problem, None)
        self._set_busy(True)
        self.ctx.worker.submit(
            partial(imports.preview, self.ctx.database, self.path, mapping=self.mapping()),
            on_done=self._previewed,
            on_error=self._preview_refused,
            on_settled=lambda: self._set_busy(False),
            label=self.tr("Checking every row of {name}…").format(name=self.path.name),
        )

    def _previewed(self, found: ImportPreview) -> None:
        self.preview = found
        self._stale = False
        self.model.set_preview(found)
        self.model.set_skip_invalid(self.skip_invalid.isChecked())
        for row in range(self.model.rowCount()):
            if self.model.is_duplicate(row):
                self.view.openPersistentEditor(self.model.index(row, PreviewModel.DECISION))
        self.view.resizeColumnsToContents()
        self.view.resizeRowsToContents()
        self._update_counts()
        self._show_page(PREVIEW_PAGE)

    def _preview_refused(self, exc: UserError) -> None:
        self.preview = None
        show_problem(self.mapping_problem, self.tr("Nothing was imported. {message}").format(message=exc))

    @Slot(bool)
    def _skip_toggled(self, checked: bool) -> None:
        self.model.set_skip_invalid(checked)
        self._update_counts()

    @Slot()
    def _update_counts(self) -> None:
        create, merge, skip, invalid = self.model.counts()
        text = self.tr(
            "{create} to create, {merge} to merge, {skip} skipped, {invalid} with problems"
        ).format(create=f"{create:,}", merge=f"{merge:,}", skip=f"{skip:,}", invalid=f"{invalid:,}")
        self.counts_label.setText(text)
        if invalid and not self.skip_invalid.isChecked():
            show_problem(
                self.preview_problem,
                self.tr(
                    "{count} row(s) have problems, so nothing can be imported yet. Correct the file and "
                    "choose it again, or tick “Skip rows with problems” to import the other rows."
                ).format(count=f"{invalid:,}"),
            )
        else:
            show_problem(self.preview_problem, None)
        self._update_buttons()

    def decisions(self) -> dict[int, str]:
        return dict(self.model.decisions)

    # -- step 4: the import ----------------------------------------------------------------
    @Slot()
    def start_import(self) -> None:
        if self._busy or not self._may_import() or self.preview is None:
            return
        from vcsedesk.services import imports

        found = self.preview
        db, actor, folder = self.ctx.database, self.ctx.acting, self.ctx.folder
        decisions = self.decisions()
        skip_invalid = self.skip_invalid.isChecked()
        reports: list[ImportReport] = []

        def run() -> Changes:
            report = imports.commit(
                db, actor, found, decisions=decisions, skip_invalid=skip_invalid, folder=folder
            )
            reports.append(report)
            return report.changes

        def done(_changes: Changes) -> None:
            if reports:
                self._imported(reports[0])

        show_problem(self.preview_problem, None)
        self._set_busy(True)
        self.ctx.hub.perform(
            run,
            on_done=done,
            on_error=self._import_refused,
            on_settled=lambda: self._set_busy(False),
            label=self.tr("Importing contacts from {name}…").format(name=found.file),
        )

    def _import_refused(self, exc: UserError) -> None:
        show_problem(self.preview_problem, self.tr("Nothing was imported. {message}").format(message=exc))

    def _imported(self, report: ImportReport) -> None:
        self.report = report
        lines = [
            self.tr("Imported from {name}:").format(name=report.file),
            self.tr("{count} new contact(s) created").format(count=f"{report.created:,}"),
            self.tr("{count} merged into existing contacts").format(count=f"{report.merged:,}"),
            self.tr("{count} likely duplicate(s) skipped").format(count=f"{report.skipped:,}"),
            self.tr("{count} row(s) with problems left out").format(count=f"{report.invalid_rows:,}"),
        ]
        if report.organisations_created:
            lines.append(
                self.tr("{count} organisation(s) added for memberships").format(
                    count=f"{report.organisations_created:,}"
                )
            )
        if report.created or report.merged:
            lines.append(
                self.tr("The whole import is one change: Undo (Ctrl+Z) in the main window takes it back.")
            )
        else:
            lines.append(self.tr("Nothing needed writing, so nothing was changed."))
        self.report_label.setText("\n".join(lines))
        self.report_problems.setPlainText("\n".join(report.invalid))
        self.report_problems.setVisible(bool(report.invalid))
        self._show_page(REPORT_PAGE)
        self.imported.emit(report)
