"""Export the contacts list — as filtered and sorted on screen — to an xlsx workbook or CSV.

The dialog says how many contacts the list's filter gives (counted on the worker) and that
equality monitoring data is never exported; the person chooses the format and the file, and
:func:`vcsedesk.services.contacts_export.export_contacts` writes it on the worker (atomically:
an interrupted export leaves no half file).  The dialog then says where the file went.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.ui.widgets import add_file_row, documents_folder, status_label, with_suffix

if TYPE_CHECKING:
    from vcsedesk.domain.errors import UserError
    from vcsedesk.services.contact_list import ContactFilter, SortKey
    from vcsedesk.services.contacts_export import ExportReport
    from vcsedesk.ui.context import AppContext

XLSX, CSV = "xlsx", "csv"


class ExportDialog(QDialog):
    """Choose xlsx or CSV and a file; export the contacts ``flt`` gives, in ``sort`` order."""

    def __init__(
        self, ctx: AppContext, flt: ContactFilter, sort: SortKey, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.filter = flt
        self.sort = sort
        self.count: int | None = None
        self.report: ExportReport | None = None
        self.exporting = False
        self.closed = False
        self.setWindowTitle(self.tr("Export contacts"))
        self.setAccessibleName(self.tr("Export contacts"))
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 70)
        layout = QVBoxLayout(self)

        self.count_label = QLabel(self.tr("Counting the contacts in this list…"))
        self.count_label.setWordWrap(True)
        self.count_label.setAccessibleName(self.tr("Contacts to export"))
        layout.addWidget(self.count_label)
        self.privacy = QLabel(
            self.tr(
                "Equality monitoring data is never included in an export, nor is consent "
                "evidence. Only the contacts in the list as filtered now are exported."
            )
        )
        self.privacy.setWordWrap(True)
        self.privacy.setAccessibleName(self.tr("What is never exported"))
        layout.addWidget(self.privacy)

        form = QFormLayout()
        formats = QHBoxLayout()
        self.xlsx = QRadioButton(self.tr("E&xcel workbook (.xlsx)"))
        self.xlsx.setAccessibleName(self.tr("Export as an Excel workbook"))
        self.csv = QRadioButton(self.tr("&CSV (.csv)"))
        self.csv.setAccessibleName(self.tr("Export as CSV"))
        self.formats = QButtonGroup(self)
        self.formats.addButton(self.xlsx)
        self.formats.addButton(self.csv)
        self.xlsx.setChecked(True)
        formats.addWidget(self.xlsx)
        formats.addWidget(self.csv)
        formats.addStretch(1)
        format_label = QLabel(self.tr("Format:"))
        form.addRow(format_label, formats)
        self.xlsx.toggled.connect(self._format_changed)

        self.path_edit, self.choose_button = add_file_row(
            form, self.tr("Choose where to save the file"), self.choose_file
        )
        self.path_edit.textChanged.connect(self._update_buttons)
        layout.addLayout(form)

        self.status = status_label(self.tr("Export status"))
        layout.addWidget(self.status)

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(
            self.tr("&Export"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.export_button.setAccessibleName(self.tr("Export the contacts"))
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAccessibleName(self.tr("Close"))
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update_buttons()

        from vcsedesk.services.contact_list import count

        ctx.worker.submit(
            count, ctx.database, flt, on_done=self._counted, label=self.tr("Counting contacts…")
        )

    # -- choosing ----------------------------------------------------------------------------
    @property
    def format(self) -> str:
        return CSV if self.csv.isChecked() else XLSX

    def done(self, result: int) -> None:
        self.closed = True
        super().done(result)

    def _counted(self, total: int) -> None:
        if self.closed:  # closed meanwhile: its widgets may be gone
            return
        self.count = total
        self.count_label.setText(self.tr("%n contact(s) in this list will be exported.", "", total))
        self._update_buttons()

    @Slot()
    def _format_changed(self) -> None:
        text = self.path_edit.text().strip()
        if text:
            path = Path(text)
            if path.suffix.lower() in (".xlsx", ".csv"):
                self.path_edit.setText(str(path.with_suffix("." + self.format)))

    def _default_path(self) -> str:
        current = self.path_edit.text().strip()
        if current:
            return current
        return str(documents_folder() / f"contacts.{self.format}")

    @Slot()
    def choose_file(self) -> bool:
        """Ask where to save; True if a file was chosen."""
        filters = {
            XLSX: self.tr("Excel workbook (*.xlsx)"),
            CSV: self.tr("CSV file (*.csv)"),
        }
        chosen, _selected = QFileDialog.getSaveFileName(
            self, self.tr("Export contacts to"), self._default_path(), filters[self.format]
        )
        if not chosen:
            return False
        self.path_edit.setText(str(with_suffix(Path(chosen), "." + self.format)))
        return True

    def _update_buttons(self) -> None:
        self.export_button.setEnabled(not self.exporting and self.count is not None)
        self.choose_button.setEnabled(not self.exporting)

    # -- exporting ---------------------------------------------------------------------------
    @Slot()
    def export(self) -> None:
        from vcsedesk.services.contacts_export import export_contacts

        if self.exporting:
            return
        if not self.path_edit.text().strip() and not self.choose_file():
            return
        path = Path(self.path_edit.text().strip()).expanduser()
        if not path.is_absolute():
            self.status.setText(self.tr("Give the whole path of the file, or press Choose…"))
            self.path_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.exporting = True
        self.report = None
        self._update_buttons()
        self.status.setText(self.tr("Exporting…"))
        self.ctx.worker.submit(
            export_contacts,
            self.ctx.database,
            self.ctx.acting,
            path,
            self.filter,
            self.sort,
            self.format,
            on_done=self._exported,
            on_error=self._refused,
            on_settled=self._settled,
            label=self.tr("Exporting contacts…"),
        )

    def _exported(self, report: ExportReport) -> None:
        self.report = report
        if self.closed:
            return
        self.status.setText(self.tr("%n contact(s) exported to:", "", report.count) + "\n" + str(report.path))
        self.close_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _refused(self, exc: UserError) -> None:
        if self.closed:
            return
        self.status.setText(self.tr("Not exported: {reason}").format(reason=str(exc)))

    def _settled(self) -> None:
        self.exporting = False
        if self.closed:
            return
        self._update_buttons()
        if self.report is None and not self.status.text().startswith(self.tr("Not exported")):
            self.status.setText(self.tr("Not exported."))
