"""Export the engagement log — as filtered and sorted on screen — its quotes, or everything
(log, quotes and actions) to an xlsx workbook.

The person chooses what and where; :mod:`vcsedesk.services.engagements_export` writes the file
on the worker (an interrupted export leaves no half file), and the dialog says where it went.
Quotes are exported with their sharing level; the export service decides what consent allows.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.ui.widgets import add_file_row, count_text, documents_folder, status_label, with_suffix

if TYPE_CHECKING:
    from vcsedesk.domain.errors import UserError
    from vcsedesk.services.engagement_log import EngagementFilter, SortKey
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext

LOG, QUOTES, EVERYTHING = "log", "quotes", "everything"


def count_both(db: Database, flt: EngagementFilter) -> tuple[int, int]:
    """How many engagements the filter gives, and how many quotes they hold (on the worker)."""
    from vcsedesk.services import engagement_log

    quotes = engagement_log.QuoteFilter.of_log(flt)
    return engagement_log.count(db, flt), engagement_log.count_quotes(db, quotes)


def run_export(what: str, db: Database, actor: Any, path: Path, flt: EngagementFilter, sort: SortKey) -> Any:
    """Write the chosen export (on the worker)."""
    from vcsedesk.services import engagement_log, engagements_export

    if what == QUOTES:
        return engagements_export.export_quotes(db, actor, path, engagement_log.QuoteFilter.of_log(flt))
    if what == EVERYTHING:
        return engagements_export.export_log_workbook(db, actor, path, flt, sort)
    return engagements_export.export_engagements(db, actor, path, flt, sort)


def report_text(report: Any, path: Path) -> str:
    """The service's sentence ("Exported 12 engagements and 3 quotes to …")."""
    line = getattr(report, "line", None)
    if callable(line):
        return str(line())
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.translate("ExportDialog", "Exported to {path}.").format(path=path)


class ExportDialog(QDialog):
    """Choose the log, its quotes or everything, and a file; export on the worker."""

    def __init__(
        self,
        ctx: AppContext,
        flt: EngagementFilter,
        sort: SortKey,
        parent: QWidget | None = None,
        *,
        quotes: bool = False,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.filter = flt
        self.sort = sort
        self.counts: tuple[int, int] | None = None
        self.report: Any = None
        self.exporting = False
        self.closed = False
        self.setWindowTitle(self.tr("Export engagements"))
        self.setAccessibleName(self.tr("Export engagements"))
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 90)
        layout = QVBoxLayout(self)

        self.count_label = QLabel(self.tr("Counting the engagements in the log as filtered…"))
        self.count_label.setWordWrap(True)
        self.count_label.setAccessibleName(self.tr("What will be exported"))
        layout.addWidget(self.count_label)

        self.log_choice = QRadioButton(self.tr("The &log: one row per engagement, as filtered and sorted"))
        self.quotes_choice = QRadioButton(
            self.tr("The &quotes of those engagements, with their sharing level")
        )
        self.all_choice = QRadioButton(
            self.tr("&Everything: the log, its quotes and the actions, in one workbook")
        )
        self.choices = QButtonGroup(self)
        for button, key in (
            (self.log_choice, LOG),
            (self.quotes_choice, QUOTES),
            (self.all_choice, EVERYTHING),
        ):
            button.setProperty("what", key)
            button.setAccessibleName(button.text().replace("&", ""))
            self.choices.addButton(button)
            layout.addWidget(button)
        (self.quotes_choice if quotes else self.log_choice).setChecked(True)
        self.privacy = QLabel(
            self.tr(
                "Equality monitoring data is never exported. Only what the log shows now is "
                "exported: clear the filters first to export everything."
            )
        )
        self.privacy.setWordWrap(True)
        layout.addWidget(self.privacy)

        form = QFormLayout()
        self.path_edit, self.choose_button = add_file_row(
            form, self.tr("Choose where to save the workbook"), self.choose_file
        )
        layout.addLayout(form)

        self.status = status_label(self.tr("Export status"))
        layout.addWidget(self.status)

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(
            self.tr("E&xport"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.export_button.setAccessibleName(self.tr("Export"))
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAccessibleName(self.tr("Close"))
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for button in (self.log_choice, self.quotes_choice, self.all_choice):
            button.toggled.connect(self._choice_changed)
        self._update_buttons()
        ctx.worker.submit(
            count_both, ctx.database, flt, on_done=self._counted, label=self.tr("Counting engagements…")
        )

    # -- choosing ----------------------------------------------------------------------------
    @property
    def what(self) -> str:
        button = self.choices.checkedButton()
        return str(button.property("what")) if button is not None else LOG

    def done(self, result: int) -> None:
        self.closed = True
        super().done(result)

    def _counted(self, counts: tuple[int, int]) -> None:
        if self.closed:
            return
        self.counts = counts
        engagements, quotes = counts

        self.count_label.setText(
            self.tr("The log as filtered now holds {engagements} and {quotes}.").format(
                engagements=count_text(engagements, self.tr("1 engagement"), self.tr("{n} engagements")),
                quotes=count_text(quotes, self.tr("1 quote"), self.tr("{n} quotes")),
            )
        )
        self._update_buttons()

    def _default_name(self) -> str:
        return {LOG: "engagements.xlsx", QUOTES: "quotes.xlsx", EVERYTHING: "engagement-log.xlsx"}[self.what]

    @Slot()
    def _choice_changed(self) -> None:
        text = self.path_edit.text().strip()
        names = {"engagements.xlsx", "quotes.xlsx", "engagement-log.xlsx"}
        if text and Path(text).name in names:
            self.path_edit.setText(str(Path(text).with_name(self._default_name())))

    @Slot()
    def choose_file(self) -> None:
        """Ask where to save (a dialog answered like any other)."""
        current = self.path_edit.text().strip()
        if not current:
            current = str(documents_folder() / self._default_name())
        dialog = QFileDialog(self, self.tr("Export to"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setNameFilter(self.tr("Excel workbook (*.xlsx)"))
        dialog.setDefaultSuffix("xlsx")
        dialog.setDirectory(str(Path(current).parent))
        dialog.selectFile(Path(current).name)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self._file_chosen)
        self.file_dialog = dialog
        dialog.open()

    def _file_chosen(self, chosen: str) -> None:
        self.path_edit.setText(str(with_suffix(Path(chosen), ".xlsx")))
        self.export_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _update_buttons(self) -> None:
        self.export_button.setEnabled(not self.exporting and self.counts is not None)
        self.choose_button.setEnabled(not self.exporting)

    # -- exporting ---------------------------------------------------------------------------
    @Slot()
    def export(self) -> None:
        if self.exporting:
            return
        text = self.path_edit.text().strip()
        if not text:
            self.choose_file()
            return
        path = Path(text).expanduser()
        if not path.is_absolute():
            self.status.setText(self.tr("Give the whole path of the file, or press Choose…"))
            self.path_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        if with_suffix(path, ".xlsx") != path:
            path = with_suffix(path, ".xlsx")
            self.path_edit.setText(str(path))
        self.exporting = True
        self.report = None
        self._update_buttons()
        self.status.setText(self.tr("Exporting…"))
        self.ctx.worker.submit(
            run_export,
            self.what,
            self.ctx.database,
            self.ctx.acting,
            path,
            self.filter,
            self.sort,
            on_done=lambda report: self._exported(report, path),
            on_error=self._refused,
            on_settled=self._settled,
            label=self.tr("Exporting…"),
        )

    def _exported(self, report: Any, path: Path) -> None:
        self.report = report if report is not None else path
        if self.closed:
            return
        self.status.setText(report_text(report, path))
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
