"""First run: name the organisation and yourself (its first administrator), or load samples."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.errors import ValidationError
from vcsedesk.domain.organisation import clean_profile
from vcsedesk.domain.validation import Invalid, clean_email, clean_text
from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.widgets import problem_label, show_problem


class FirstRunDialog(QDialog):
    """Asks for the organisation's name and yours; ``submitted`` carries the choice.

    The dialog stays open (and busy) while the data is being set up, so a refusal can be
    shown in it; the caller closes it with ``accept`` once done.
    """

    submitted = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Welcome to vcsedesk"))
        self.setAccessibleName(self.tr("Set up vcsedesk"))
        self._busy = False
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Welcome to vcsedesk"))
        title.setFont(heading_font(self.font()))
        layout.addWidget(title)
        intro = QLabel(
            self.tr(
                "vcsedesk keeps your organisation's records on this computer. To begin, give "
                "the name of your organisation and your own name: you will be its first "
                "administrator. Everything can be changed later."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        grid = QGridLayout()
        self.organisation = QLineEdit()
        self.organisation.setAccessibleName(self.tr("Organisation name"))
        self.your_name = QLineEdit()
        self.your_name.setAccessibleName(self.tr("Your name"))
        self.email = QLineEdit()
        self.email.setAccessibleName(self.tr("Your email (optional)"))
        self.problems = {
            "organisation": problem_label(self.tr("Organisation name problem")),
            "your_name": problem_label(self.tr("Your name problem")),
            "email": problem_label(self.tr("Email problem")),
        }
        rows = [
            (self.tr("&Organisation name:"), self.organisation, "organisation"),
            (self.tr("&Your name:"), self.your_name, "your_name"),
            (self.tr("Your &email (optional):"), self.email, "email"),
        ]
        for row, (text, edit, key) in enumerate(rows):
            label = QLabel(text)
            label.setBuddy(edit)
            grid.addWidget(label, row, 0)
            grid.addWidget(edit, row, 1)
            grid.addWidget(self.problems[key], row, 2)
            edit.textEdited.connect(self.validate)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 1)
        layout.addLayout(grid)

        self.sample = QCheckBox(self.tr("&Load sample data so I can try things out"))
        self.sample.setToolTip(
            self.tr(
                "Fills vcsedesk with a made-up organisation and people. Use a separate data folder for real work."
            )
        )
        self.sample.toggled.connect(self._sample_toggled)
        layout.addWidget(self.sample)
        self.sample_note = QLabel(
            self.tr(
                "The sample data brings its own organisation and people; you will act as its administrator."
            )
        )
        self.sample_note.setWordWrap(True)
        self.sample_note.hide()
        layout.addWidget(self.sample_note)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName(self.tr("Message"))
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout.addWidget(self.message)

        self.buttons = QDialogButtonBox()
        self.start_button = self.buttons.addButton(self.tr("&Start"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setAccessibleName(self.tr("Start using vcsedesk"))
        self.quit_button = self.buttons.addButton(self.tr("&Quit"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._start)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)
        self.validate()

    # -- checking --------------------------------------------------------------------------
    def _problems(self) -> dict[str, str]:
        if self.sample.isChecked():
            return {}
        problems = {}
        try:
            clean_profile({"name": self.organisation.text()})
        except ValidationError as exc:
            problems["organisation"] = exc.problems["name"]
        try:
            clean_text(self.your_name.text(), label=self.tr("Your name"), max_length=120, required=True)
        except Invalid as exc:
            problems["your_name"] = str(exc)
        try:
            clean_email(self.email.text())
        except Invalid as exc:
            problems["email"] = str(exc)
        return problems

    @Slot()
    def validate(self) -> bool:
        problems = self._problems()
        fields = {"organisation": self.organisation, "your_name": self.your_name, "email": self.email}
        for key, label in self.problems.items():
            # Say nothing about a field not yet touched; say it as soon as it is.
            touched = bool(fields[key].text()) or fields[key].isModified()
            show_problem(label, problems.get(key) if touched else None)
        ok = not problems
        self.start_button.setEnabled(ok and not self._busy)
        return ok

    @Slot(bool)
    def _sample_toggled(self, checked: bool) -> None:
        for edit in (self.organisation, self.your_name, self.email):
            edit.setEnabled(not checked)
        self.sample_note.setVisible(checked)
        self.validate()

    # -- starting --------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        return {
            "sample": self.sample.isChecked(),
            "organisation_name": self.organisation.text(),
            "user_name": self.your_name.text(),
            "user_email": self.email.text().strip() or None,
        }

    @Slot()
    def _start(self) -> None:
        if self._busy or not self.validate():
            return
        self.set_busy(True)
        self.message.hide()
        self.submitted.emit(self.values())

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.organisation, self.your_name, self.email, self.sample):
            widget.setEnabled(not busy and (widget is self.sample or not self.sample.isChecked()))
        self.quit_button.setEnabled(not busy)
        if busy:
            self.start_button.setText(self.tr("Setting up…"))
            self.start_button.setEnabled(False)
        else:
            self.start_button.setText(self.tr("&Start"))
            self.validate()

    def refused(self, text: str) -> None:
        self.set_busy(False)
        self.message.setText(self.tr("⚠ {text}").format(text=text))
        self.message.show()
