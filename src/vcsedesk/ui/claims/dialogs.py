"""Small dialogs of a claim's workflow.

* :class:`ReasonDialog` — why a claim is rejected or reopened: the reason is required, so the
  OK button stays off until something is written (and the dialog says so);
* :class:`PaidDialog` — marking a claim paid: the date paid, how (bank transfer, voucher or
  cash) and the payment's reference;

Both stay open while the service is asked: pressing OK emits ``answered``; the page calls
:meth:`~_AskDialog.finish` when the service agreed, or :meth:`~_AskDialog.refuse` with its
sentence, shown in the dialog so the person can put it right.
* :class:`ReceiptViewer` — a receipt shown in the app: an image, or a PDF page by page.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QBuffer, QByteArray, QDate, QIODevice, Qt, Signal, Slot
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.claims import PaymentChoice
from vcsedesk.ui.claims.model import choice_text
from vcsedesk.ui.widgets import as_date, date_edit, problem_label, show_problem


class _AskDialog(QDialog):
    """A dialog whose OK asks the service; it closes only when the service agreed."""

    #: OK was pressed with what the dialog holds.
    answered = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.busy = False
        self.refusal = problem_label(self.tr("Why it was not done"))

    def ready(self) -> bool:
        return True

    def accept(self) -> None:
        if self.busy or not self.ready():
            return
        self.busy = True
        show_problem(self.refusal, None)
        self._enable(False)
        self.answered.emit()

    def _enable(self, on: bool) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """The service agreed: close."""
        self.busy = False
        super().accept()

    def refuse(self, text: str) -> None:
        """The service refused: say why, and let the person try again or cancel."""
        self.busy = False
        self._enable(True)
        show_problem(self.refusal, text)


class ReasonDialog(_AskDialog):
    """Ask why (required).  ``reason()`` is the text written."""

    def __init__(
        self,
        title: str,
        question: str,
        action: str,
        parent: QWidget | None = None,
        *,
        placeholder: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)
        label = QLabel(question)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)
        self.text.setAccessibleName(self.tr("Reason"))
        self.text.setPlaceholderText(placeholder)
        self.text.setMinimumHeight(self.text.fontMetrics().lineSpacing() * 4 + 12)
        label.setBuddy(self.text)
        layout.addWidget(self.text)
        self.problem = problem_label(self.tr("Reason problem"))
        layout.addWidget(self.problem)
        layout.addWidget(self.refusal)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(action)
        self.ok_button.setAccessibleName(action.replace("&", ""))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.text.textChanged.connect(self._check)
        self.resize(self.fontMetrics().averageCharWidth() * 60, self.sizeHint().height())
        self._check()

    def reason(self) -> str:
        return self.text.toPlainText().strip()

    def ready(self) -> bool:
        return bool(self.reason())

    def _enable(self, on: bool) -> None:
        self.text.setReadOnly(not on)
        self.ok_button.setEnabled(on and self.ready())

    @Slot()
    def _check(self) -> None:
        self.ok_button.setEnabled(self.ready() and not self.busy)
        show_problem(self.problem, None if self.reason() else self.tr("Say why: a reason is required."))


class PaidDialog(_AskDialog):
    """The date paid, the method and the reference of a payment."""

    def __init__(
        self, number: str, choice: PaymentChoice, today: date, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        title = self.tr("Mark claim {number} paid").format(number=number)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.paid_on = date_edit(self.tr("Date paid"))
        self.paid_on.setDate(QDate(today.year, today.month, today.day))
        label = QLabel(self.tr("&Date paid:"))
        label.setBuddy(self.paid_on)
        form.addRow(label, self.paid_on)
        self.method = QComboBox()
        self.method.setAccessibleName(self.tr("How it was paid"))
        for method in PaymentChoice:
            if method.pays_claimant:
                self.method.addItem(choice_text(method), method.value)
        if choice is PaymentChoice.DONATE:
            # A donation is paid to the charity, most often by bank transfer.
            self.method.setCurrentIndex(max(0, self.method.findData(PaymentChoice.BANK_TRANSFER.value)))
        else:
            self.method.setCurrentIndex(max(0, self.method.findData(choice.value)))
        label = QLabel(self.tr("&Method:"))
        label.setBuddy(self.method)
        form.addRow(label, self.method)
        self.reference = QLineEdit()
        self.reference.setAccessibleName(self.tr("Payment reference"))
        self.reference.setPlaceholderText(self.tr("The bank's reference, voucher number or receipt number"))
        self.reference.setMaxLength(80)
        label = QLabel(self.tr("&Reference:"))
        label.setBuddy(self.reference)
        form.addRow(label, self.reference)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Mark &paid"))
        self.ok_button.setAccessibleName(self.tr("Mark paid"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(self.fontMetrics().averageCharWidth() * 60, self.sizeHint().height())

    def _enable(self, on: bool) -> None:
        for widget in (self.paid_on, self.method, self.reference, self.ok_button):
            widget.setEnabled(on)

    def values(self) -> tuple[date, str, str]:
        return as_date(self.paid_on.date()), str(self.method.currentData()), self.reference.text().strip()


class ReceiptViewer(QDialog):
    """A receipt, shown in the app: an image scaled to fit the width, or a PDF's pages."""

    def __init__(self, filename: str, media_type: str, data: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(filename)
        self.setAccessibleName(self.tr("Receipt {name}").format(name=filename))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        self.document: object | None = None
        self._buffer: QBuffer | None = None
        if media_type.startswith("image/"):
            image = QImage.fromData(data)
            label = QLabel()
            label.setAccessibleName(self.tr("Picture of the receipt"))
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            if image.isNull():
                label.setText(self.tr("This picture cannot be shown; it may be damaged."))
            else:
                label.setPixmap(QPixmap.fromImage(image))
            scroll = QScrollArea()
            scroll.setWidget(label)
            scroll.setWidgetResizable(True)
            layout.addWidget(scroll)
            self.shown = not image.isNull()
        elif media_type == "application/pdf":
            from PySide6.QtPdf import QPdfDocument
            from PySide6.QtPdfWidgets import QPdfView

            self._buffer = QBuffer(self)
            self._buffer.setData(QByteArray(data))
            self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
            document = QPdfDocument(self)
            document.load(self._buffer)
            self.document = document
            view = QPdfView()
            view.setAccessibleName(self.tr("Pages of the receipt"))
            view.setPageMode(QPdfView.PageMode.MultiPage)
            view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
            view.setDocument(document)
            layout.addWidget(view)
            self.shown = document.pageCount() > 0
        else:
            label = QLabel(
                self.tr("A {kind} file cannot be shown here; use “Save a copy…”.").format(kind=media_type)
            )
            label.setWordWrap(True)
            layout.addWidget(label)
            self.shown = False
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 90, metrics.height() * 40)
