"""Consent: the state today for each purpose (with the reason, in words), the history, and a
form to record a new statement.  Reviews that have fallen due are flagged in words and with
a sign, not by colour alone."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QLocale, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.consent import ConsentMethod, ConsentStatus, Decision, Purpose
from vcsedesk.domain.errors import UserError, ValidationError
from vcsedesk.ui.table_model import AnyIndex, ItemsTableModel, ReadOnlyTableModel
from vcsedesk.ui.widgets import problem_label, set_up_table, show_problem

if TYPE_CHECKING:
    from vcsedesk.services.base import Changes
    from vcsedesk.services.consent import ConsentEntry
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext

DATE_FORMAT = "d MMM yyyy"


@dataclass(frozen=True)
class ConsentPicture:
    today: date
    state: dict[Purpose, Decision]
    history: list[ConsentEntry]


def read_consent(db: Database, contact_id: uuid.UUID, today: date) -> ConsentPicture:
    from vcsedesk.services import consent

    return ConsentPicture(
        today, consent.current_state(db, contact_id, today), consent.history(db, contact_id)
    )


def status_text(status: ConsentStatus | None) -> str:
    from PySide6.QtCore import QCoreApplication

    return {
        ConsentStatus.GIVEN: QCoreApplication.translate("Consent", "Given"),
        ConsentStatus.REFUSED: QCoreApplication.translate("Consent", "Refused"),
        ConsentStatus.WITHDRAWN: QCoreApplication.translate("Consent", "Withdrawn"),
        None: QCoreApplication.translate("Consent", "Not recorded"),
    }[status]


def method_text(method: ConsentMethod) -> str:
    from PySide6.QtCore import QCoreApplication

    return {
        ConsentMethod.VERBAL: QCoreApplication.translate("Consent", "Verbal"),
        ConsentMethod.WRITTEN: QCoreApplication.translate("Consent", "Written"),
        ConsentMethod.ONLINE: QCoreApplication.translate("Consent", "Online"),
    }[method]


def purpose_text(purpose: Purpose) -> str:
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.translate("Purpose", purpose.label)


def show_date(day: date | None) -> str:
    if day is None:
        return ""
    return QLocale().toString(QDate(day.year, day.month, day.day), DATE_FORMAT)


class StateModel(ReadOnlyTableModel):
    """Each purpose: may we, today — and why."""

    PURPOSE, STATE, REVIEW, REASON = range(4)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [self.tr("Purpose"), self.tr("Today"), self.tr("Review"), self.tr("Why")]
        self.rows: list[tuple[Purpose, Decision]] = []
        self.today = date.today()

    def set_state(self, state: dict[Purpose, Decision], today: date) -> None:
        self.beginResetModel()
        self.rows = list(state.items())
        self.today = today
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.rows)

    def review_due(self, decision: Decision) -> bool:
        line = decision.line
        return bool(
            decision.allowed
            and line is not None
            and line.status is ConsentStatus.GIVEN
            and line.review_on is not None
            and line.review_on <= self.today
        )

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        purpose, decision = self.rows[index.row()]
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        column = index.column()
        if column == self.PURPOSE:
            return purpose_text(purpose)
        if column == self.STATE:
            if decision.allowed:
                return self.tr("✔ Yes")
            return self.tr("✖ No")
        if column == self.REVIEW:
            line = decision.line
            if line is None or line.review_on is None or line.status is not ConsentStatus.GIVEN:
                return ""
            if self.review_due(decision):
                return self.tr("⚠ Review due since {day}").format(day=show_date(line.review_on))
            return self.tr("by {day}").format(day=show_date(line.review_on))
        if column == self.REASON:
            return decision.reason
        return None


class HistoryModel(ItemsTableModel):
    """Every statement recorded, newest first."""

    DATE, PURPOSE, STATUS, METHOD, REVIEW, BY, EVIDENCE = range(7)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [
            self.tr("Date"),
            self.tr("Purpose"),
            self.tr("Statement"),
            self.tr("How"),
            self.tr("Review by"),
            self.tr("Recorded by"),
            self.tr("Evidence"),
        ]

    def cell(self, item: ConsentEntry, column: int, role: int) -> Any:
        line = item.line
        return {
            self.DATE: show_date(line.on),
            self.PURPOSE: purpose_text(line.purpose),
            self.STATUS: status_text(line.status),
            self.METHOD: method_text(line.method),
            self.REVIEW: show_date(line.review_on),
            self.BY: line.recorded_by,
            self.EVIDENCE: line.evidence or "",
        }.get(column)


class ConsentTab(QWidget):
    """The Consent tab of a person's page."""

    loaded = Signal()
    recorded = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.contact_id: uuid.UUID | None = None
        self.picture: ConsentPicture | None = None
        self.problems: dict[str, str] = {}
        self._saving = False
        self._generation = 0
        self.setAccessibleName(self.tr("Consent"))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        scroll.setWidget(body)
        outer.addWidget(scroll)
        layout = QVBoxLayout(body)

        self.due_label = QLabel()
        self.due_label.setWordWrap(True)
        self.due_label.setAccessibleName(self.tr("Consent reviews due"))
        self.due_label.hide()
        layout.addWidget(self.due_label)

        now_box = QGroupBox(self.tr("Today"))
        now_layout = QVBoxLayout(now_box)
        self.state_model = StateModel(self)
        self.state_view = self._table(self.state_model, self.tr("Consent today, by purpose"))
        now_layout.addWidget(self.state_view)
        rows = len(Purpose) + 1
        height = self.state_view.verticalHeader().defaultSectionSize()
        self.state_view.setFixedHeight(height * rows + self.state_view.frameWidth() * 2 + 4)
        self.state_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(now_box)

        form_box = QGroupBox(self.tr("Record consent"))
        form_box.setAccessibleName(self.tr("Record consent"))
        grid = QGridLayout(form_box)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 2)
        self.problem_labels: dict[str, QLabel] = {}
        self.purpose = QComboBox()
        for purpose in Purpose:
            self.purpose.addItem(purpose_text(purpose), purpose.value)
        self.status = QComboBox()
        for status in ConsentStatus:
            self.status.addItem(status_text(status), status.value)
        self.method = QComboBox()
        for method in ConsentMethod:
            self.method.addItem(method_text(method), method.value)
        self.on = QDateEdit()
        self.on.setCalendarPopup(True)
        self.on.setDisplayFormat(DATE_FORMAT)
        self.on.setDate(QDate.currentDate())
        self.evidence = QLineEdit()
        self.evidence.setPlaceholderText(
            self.tr("for example: signed form in the blue folder; said so on the phone")
        )
        review_row = QWidget()
        review_layout = QHBoxLayout(review_row)
        review_layout.setContentsMargins(0, 0, 0, 0)
        self.has_review = QCheckBox(self.tr("Re&view by:"))
        self.has_review.setAccessibleName(self.tr("Set a review date"))
        self.review_on = QDateEdit()
        self.review_on.setCalendarPopup(True)
        self.review_on.setDisplayFormat(DATE_FORMAT)
        self.review_on.setDate(QDate.currentDate().addYears(1))
        self.review_on.setEnabled(False)
        self.review_on.setAccessibleName(self.tr("Review date"))
        self.has_review.toggled.connect(self.review_on.setEnabled)
        review_layout.addWidget(self.has_review)
        review_layout.addWidget(self.review_on)
        review_layout.addStretch(1)
        specs: list[tuple[str, str, QWidget, str]] = [
            ("purpose", self.tr("&Purpose:"), self.purpose, self.tr("Consent purpose")),
            ("status", self.tr("&Statement:"), self.status, self.tr("Given, refused or withdrawn")),
            ("on", self.tr("&Date:"), self.on, self.tr("Date consent was given, refused or withdrawn")),
            ("method", self.tr("&How:"), self.method, self.tr("How consent was recorded")),
            ("evidence", self.tr("&Evidence:"), self.evidence, self.tr("Evidence")),
            ("review_on", "", review_row, self.tr("Review date")),
        ]
        for row, (key, text, widget, accessible) in enumerate(specs):
            if key != "review_on":
                widget.setAccessibleName(accessible)
            if text:
                label = QLabel(text)
                label.setBuddy(widget)
                grid.addWidget(label, row, 0)
            grid.addWidget(widget, row, 1)
            self.problem_labels[key] = problem_label(self.tr("{field} problem").format(field=accessible))
            grid.addWidget(self.problem_labels[key], row, 2)
        for widget in (self.purpose, self.status, self.method):
            widget.currentIndexChanged.connect(self.validate)
        self.on.dateChanged.connect(self.validate)
        self.review_on.dateChanged.connect(self.validate)
        self.has_review.toggled.connect(self.validate)
        self.evidence.textEdited.connect(self.validate)
        buttons = QHBoxLayout()
        self.form_problem = problem_label(self.tr("Consent problem"))
        buttons.addWidget(self.form_problem, 1)
        buttons.addStretch(1)
        self.record_button = QPushButton(self.tr("&Record consent"))
        self.record_button.setAccessibleName(self.tr("Record this consent"))
        self.record_button.clicked.connect(self.record)
        buttons.addWidget(self.record_button)
        grid.addLayout(buttons, len(specs), 0, 1, 3)
        layout.addWidget(form_box)

        history_box = QGroupBox(self.tr("History"))
        history_layout = QVBoxLayout(history_box)
        self.history_model = HistoryModel(self)
        self.history_view = self._table(self.history_model, self.tr("Consent history, newest first"))
        history_layout.addWidget(self.history_view)
        self.history_view.setMinimumHeight(self.history_view.verticalHeader().defaultSectionSize() * 7)
        layout.addWidget(history_box, 1)
        self.validate()

    def _table(self, model: ReadOnlyTableModel, name: str) -> QTableView:
        view = QTableView()
        set_up_table(view, model, name, alternating=False)
        return view

    # -- loading ---------------------------------------------------------------------------
    def show_contact(self, contact_id: uuid.UUID | None) -> None:
        if contact_id != self.contact_id:
            self.contact_id = contact_id
            self.evidence.clear()
            self.has_review.setChecked(False)
        self._update_buttons()
        self.load()

    def load(self) -> None:
        if self.contact_id is None or self.ctx.db is None:
            return
        self._generation += 1
        generation = self._generation
        self.ctx.worker.submit(
            read_consent,
            self.ctx.database,
            self.contact_id,
            date.today(),
            on_done=lambda picture: self._fill(generation, picture),
            label=self.tr("Reading consent…"),
        )

    def _fill(self, generation: int, picture: ConsentPicture) -> None:
        if generation != self._generation:
            return
        self.picture = picture
        self.state_model.set_state(picture.state, picture.today)
        self.history_model.set_items(picture.history)
        metrics = self.state_view.fontMetrics()
        pad = metrics.averageCharWidth() * 3
        longest_purpose = max((purpose_text(p) for p in Purpose), key=metrics.horizontalAdvance)
        for view, samples in (
            (self.state_view, (longest_purpose, self.tr("✖ No"), self.tr("⚠ Review due since 28 Sep 2026"))),
            (
                self.history_view,
                (
                    "28 Sep 2026",
                    longest_purpose,
                    self.tr("Withdrawn"),
                    self.tr("Written"),
                    "28 Sep 2026",
                    "Katherine Kerr",
                ),
            ),
        ):
            for column, sample in enumerate(samples):
                view.horizontalHeader().resizeSection(column, metrics.horizontalAdvance(sample) + pad)
        due = [p for p, d in picture.state.items() if self.state_model.review_due(d)]
        if due:
            self.due_label.setText(
                "⚠ "
                + self.tr("Review due: {purposes}. Ask again and record what they say.").format(
                    purposes=", ".join(purpose_text(p) for p in due)
                )
            )
            self.due_label.show()
        else:
            self.due_label.hide()
        self.loaded.emit()

    # -- recording -------------------------------------------------------------------------
    def _values(self) -> dict[str, Any]:
        on = self.on.date().toPython()
        review = self.review_on.date().toPython() if self.has_review.isChecked() else None
        return {
            "purpose": self.purpose.currentData(),
            "status": self.status.currentData(),
            "on": on,
            "method": self.method.currentData(),
            "evidence": self.evidence.text() or None,
            "review_on": review,
        }

    @Slot()
    def validate(self) -> dict[str, str]:
        """The same date rules the service applies, shown beside the fields as you go."""
        values = self._values()
        problems: dict[str, str] = {}
        if values["on"] > date.today():
            problems["on"] = self.tr(
                "That date is in the future; record consent on or after the day it was given."
            )
        if values["review_on"] is not None and values["review_on"] <= values["on"]:
            problems["review_on"] = self.tr("The review date must come after the date consent was given.")
        if len(self.evidence.text()) > 2000:
            problems["evidence"] = self.tr("Evidence is too long (at most 2,000 characters).")
        self.problems = problems
        for key, label in self.problem_labels.items():
            show_problem(label, problems.get(key))
        show_problem(self.form_problem, None)
        self._update_buttons()
        return problems

    def _update_buttons(self) -> None:
        self.record_button.setEnabled(self.contact_id is not None and not self.problems and not self._saving)

    @Slot()
    def record(self) -> None:
        from vcsedesk.services import consent

        if self.validate() or self.contact_id is None or self._saving:
            return
        values = self._values()
        self._saving = True
        self._update_buttons()

        def call(db: Database, actor: Any, contact_id: uuid.UUID) -> Changes:
            return consent.record_consent(db, actor, contact_id, **values)

        self.ctx.hub.perform(
            call,
            self.ctx.database,
            self.ctx.acting,
            self.contact_id,
            on_done=self._recorded,
            on_error=self._refused,
            on_settled=self._settled,
            label=self.tr("Recording consent…"),
        )

    def _recorded(self, _changes: Changes) -> None:
        self.evidence.clear()
        self.has_review.setChecked(False)
        self.recorded.emit()

    def _refused(self, exc: UserError) -> None:
        if isinstance(exc, ValidationError):
            for key, text in exc.problems.items():
                if key in self.problem_labels:
                    show_problem(self.problem_labels[key], text)
        show_problem(self.form_problem, str(exc))

    def _settled(self) -> None:
        self._saving = False
        self._update_buttons()

    def on_changed(self, changes: Changes) -> None:
        if changes.touches("consents") or changes.touches("contacts"):
            self.load()
