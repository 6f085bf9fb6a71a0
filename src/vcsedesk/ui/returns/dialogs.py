"""Dialogs of the Returns area.

* :class:`DateDialog` — the date a return was submitted, acknowledged or answered (Submit
  explains that it freezes the return);
* :class:`NewReturnDialog` — a partnership and a period (chosen from the partnership's periods,
  newest first, or typed like 2025-Q3);
* :class:`NameDialog` — the name of a copy of a template;
* :class:`ResponseDialog` — one "you said, we did" response;
* :class:`QuotePickerDialog` — the quotes a return prints, ticked and put in order;
* :class:`RecordsBehindDialog` — the people, quotes or claims behind a figure; Enter on one
  opens it.

The asking dialogs stay open while the service is asked: OK emits ``answered``; the caller
calls :meth:`AskDialog.finish` when the service agreed, or :meth:`AskDialog.refuse` with the
service's error, shown in the dialog (beside the field it concerns) so it can be put right.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.errors import ValidationError
from vcsedesk.domain.returns import Period, parse_period
from vcsedesk.ui.returns.models import CandidatesModel, Line, LinesModel
from vcsedesk.ui.widgets import (
    RecordsView,
    add_field,
    add_shortcut,
    as_date,
    count_text,
    date_edit,
    problem_label,
    set_up_table,
    show_problem,
)

if TYPE_CHECKING:
    from vcsedesk.domain.errors import UserError
    from vcsedesk.services.partnerships import PartnershipView
    from vcsedesk.services.return_builder import QuoteCandidate
    from vcsedesk.services.returns import ResponseView
    from vcsedesk.services.themes import ThemeInfo
    from vcsedesk.ui.context import AppContext


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _multiline(name: str, lines: int = 3) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setTabChangesFocus(True)
    edit.setAccessibleName(name)
    edit.setMinimumHeight(edit.fontMetrics().lineSpacing() * lines + 12)
    edit.setMaximumHeight(edit.fontMetrics().lineSpacing() * (lines + 3) + 12)
    return edit


class AskDialog(QDialog):
    """A dialog whose OK asks the service; it closes only when the service agreed."""

    #: OK was pressed with what the dialog holds.
    answered = Signal()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.busy = False
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.refusal = problem_label(self.tr("Why it was not done"))
        self.problems: dict[str, QLabel] = {}

    def ready(self) -> bool:
        return True

    def accept(self) -> None:
        if self.busy or not self.ready():
            return
        self.busy = True
        show_problem(self.refusal, None)
        for label in self.problems.values():
            show_problem(label, None)
        self._enable(False)
        self.answered.emit()

    def _enable(self, on: bool) -> None:
        for button in self.findChildren(QPushButton):
            button.setEnabled(on)

    def finish(self) -> None:
        """The service agreed: close."""
        self.busy = False
        super().accept()

    def refuse(self, exc: UserError) -> None:
        """The service refused: say why (beside the field it concerns), and let the person try
        again or cancel."""
        self.busy = False
        self._enable(True)
        if isinstance(exc, ValidationError):
            rest = []
            for key, text in exc.problems.items():
                label = self.problems.get(key)
                if label is not None:
                    show_problem(label, text)
                else:
                    rest.append(text)
            if rest:
                show_problem(self.refusal, " ".join(rest))
        else:
            show_problem(self.refusal, str(exc))


def _buttons(dialog: AskDialog, action: str) -> tuple[QDialogButtonBox, QPushButton]:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(action)
    ok.setAccessibleName(action.replace("&", ""))
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName(dialog.tr("Cancel"))
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok


# -- a date ---------------------------------------------------------------------------------------
class DateDialog(AskDialog):
    """Ask the day something happened (today unless told), with what it means."""

    def __init__(
        self,
        title: str,
        explanation: str,
        label: str,
        action: str,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, parent)
        layout = QVBoxLayout(self)
        self.explanation = QLabel(explanation)
        self.explanation.setWordWrap(True)
        self.explanation.setAccessibleName(self.tr("What this does"))
        layout.addWidget(self.explanation)
        form = QFormLayout()
        self.day = date_edit(label.replace("&", "").rstrip(":"))
        self.day.setDate(qdate(today))
        caption = QLabel(label)
        caption.setBuddy(self.day)
        form.addRow(caption, self.day)
        layout.addLayout(form)
        layout.addWidget(self.refusal)
        self.buttons, self.ok_button = _buttons(self, action)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 70)
        self.day.setFocus(Qt.FocusReason.OtherFocusReason)

    def value(self) -> date:
        return as_date(self.day.date())


# -- a new return ---------------------------------------------------------------------------------
class NewReturnDialog(AskDialog):
    """Choose the partnership and the period of a new return."""

    def __init__(
        self,
        partnerships: Sequence[PartnershipView],
        today: date,
        parent: QWidget | None = None,
        *,
        chosen: uuid.UUID | None = None,
    ) -> None:
        super().__init__(self.tr("New return"), parent)
        self.today = today
        self.partnerships = list(partnerships)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Choose whom the return is for and the period it covers. Its figures are worked out "
                "from the records of that period; nothing is sent anywhere."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.partnership = QComboBox()
        for p in self.partnerships:
            self.partnership.addItem(p.name, str(p.id))
        if chosen is not None:
            self.partnership.setCurrentIndex(max(0, self.partnership.findData(str(chosen))))
        _, self.problems["partnership"] = add_field(
            form, self.tr("&Partnership:"), self.partnership, self.tr("Partnership")
        )
        self.period = QComboBox()
        self.period.setEditable(True)
        self.period.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line = self.period.lineEdit()
        if line is not None:
            line.setPlaceholderText(self.tr("for example 2025-Q3"))
        _, self.problems["period"] = add_field(form, self.tr("P&eriod:"), self.period, self.tr("Period"))
        self.period_words = QLabel()
        self.period_words.setWordWrap(True)
        self.period_words.setAccessibleName(self.tr("The period chosen"))
        form.addRow("", self.period_words)
        layout.addLayout(form)
        layout.addWidget(self.refusal)
        self.buttons, self.ok_button = _buttons(self, self.tr("&Start the return"))
        layout.addWidget(self.buttons)
        if not self.partnerships:
            show_problem(
                self.refusal,
                self.tr("There are no partnerships yet: add one on the Partnerships tab first."),
            )
        self.partnership.currentIndexChanged.connect(self._offer_periods)
        self.period.currentTextChanged.connect(self._check)
        self._offer_periods()
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 72)

    def chosen_partnership(self) -> PartnershipView | None:
        key = self.partnership.currentData()
        return next((p for p in self.partnerships if str(p.id) == key), None)

    @Slot()
    def _offer_periods(self) -> None:
        p = self.chosen_partnership()
        self.period.blockSignals(True)
        self.period.clear()
        if p is not None:
            for period in reversed(p.periods_until(self.today)):
                self.period.addItem(f"{period.label} — {period.words}", period.label)
        self.period.blockSignals(False)
        self._check()

    def chosen_period(self) -> Period | None:
        text = self.period.currentText().strip()
        index = self.period.findText(text)
        if index >= 0:
            text = str(self.period.itemData(index))
        if not text:
            return None
        try:
            return parse_period(text)
        except ValueError:
            return None

    @Slot()
    def _check(self) -> None:
        period = self.chosen_period()
        text = self.period.currentText().strip()
        if period is None and text:
            try:
                parse_period(text)
            except ValueError as exc:
                show_problem(self.problems["period"], str(exc))
        else:
            show_problem(self.problems["period"], None)
        self.period_words.setText(
            self.tr("{words}, {start} to {end}").format(
                words=period.words, start=period.start.isoformat(), end=period.end.isoformat()
            )
            if period is not None
            else ""
        )
        self.ok_button.setEnabled(self.ready() and not self.busy)

    def ready(self) -> bool:
        return self.chosen_partnership() is not None and self.chosen_period() is not None


# -- a name ---------------------------------------------------------------------------------------
class NameDialog(AskDialog):
    def __init__(
        self, title: str, question: str, action: str, suggested: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(title, parent)
        layout = QVBoxLayout(self)
        label = QLabel(question)
        label.setWordWrap(True)
        layout.addWidget(label)
        form = QFormLayout()
        self.name = QLineEdit(suggested)
        self.name.setMaxLength(200)
        self.name.selectAll()
        _, self.problems["name"] = add_field(form, self.tr("&Name:"), self.name, self.tr("Name"))
        layout.addLayout(form)
        layout.addWidget(self.refusal)
        self.buttons, self.ok_button = _buttons(self, action)
        layout.addWidget(self.buttons)
        self.name.textChanged.connect(lambda _t: self.ok_button.setEnabled(self.ready() and not self.busy))
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 64)

    def value(self) -> str:
        return self.name.text().strip()

    def ready(self) -> bool:
        return bool(self.value())


# -- a response -----------------------------------------------------------------------------------
class ResponseDialog(AskDialog):
    """What people said, what was done, the decision it influenced, and when (theme optional)."""

    def __init__(
        self,
        themes: Sequence[ThemeInfo],
        today: date,
        parent: QWidget | None = None,
        *,
        response: ResponseView | None = None,
    ) -> None:
        title = self.tr("Change the response") if response is not None else self.tr("Add a response")
        super().__init__(title, parent)
        self.response = response
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Record what the partnership did about something the return raised: "
                "“you said, we did”. It goes into the “what happened next” summary."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.theme = QComboBox()
        self.theme.addItem(self.tr("No theme"), "")
        for theme in themes:
            self.theme.addItem(theme.path, str(theme.id))
        _, self.problems["theme_id"] = add_field(form, self.tr("&Theme:"), self.theme, self.tr("Theme"))
        self.you_said = _multiline(self.tr("You said"))
        _, self.problems["you_said"] = add_field(
            form, self.tr("&You said:"), self.you_said, self.tr("You said")
        )
        self.we_did = _multiline(self.tr("We did"))
        _, self.problems["we_did"] = add_field(form, self.tr("&We did:"), self.we_did, self.tr("We did"))
        self.decision = _multiline(self.tr("Decision influenced"), 2)
        _, self.problems["decision"] = add_field(
            form, self.tr("&Decision influenced:"), self.decision, self.tr("Decision influenced")
        )
        day_row = QHBoxLayout()
        self.dated = QCheckBox(self.tr("On"))
        self.dated.setAccessibleName(self.tr("The response has a date"))
        self.day = date_edit(self.tr("Date of the response"))
        self.day.setDate(qdate(today))
        day_row.addWidget(self.dated)
        day_row.addWidget(self.day)
        day_row.addStretch(1)
        day_label = QLabel(self.tr("D&ate:"))
        day_label.setBuddy(self.dated)
        form.addRow(day_label, day_row)
        self.dated.toggled.connect(self.day.setEnabled)
        layout.addLayout(form)
        layout.addWidget(self.refusal)
        self.buttons, self.ok_button = _buttons(self, self.tr("&Save the response"))
        layout.addWidget(self.buttons)
        if response is not None:
            if response.theme_id is not None:
                index = self.theme.findData(str(response.theme_id))
                if index < 0:  # a retired theme: keep it
                    self.theme.addItem(response.theme, str(response.theme_id))
                    index = self.theme.count() - 1
                self.theme.setCurrentIndex(index)
            self.you_said.setPlainText(response.you_said)
            self.we_did.setPlainText(response.we_did)
            self.decision.setPlainText(response.decision)
            if response.responded_on is not None:
                self.day.setDate(qdate(response.responded_on))
        self.dated.setChecked(response is None or response.responded_on is not None)
        self.day.setEnabled(self.dated.isChecked())
        self.you_said.textChanged.connect(self._check)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)
        self._check()

    @Slot()
    def _check(self) -> None:
        missing = not self.you_said.toPlainText().strip()
        show_problem(
            self.problems["you_said"],
            self.tr("Say what people said: what did the return raise?") if missing else None,
        )
        self.ok_button.setEnabled(not missing and not self.busy)

    def ready(self) -> bool:
        return bool(self.you_said.toPlainText().strip())

    def values(self) -> dict[str, Any]:
        theme = self.theme.currentData()
        return {
            "you_said": self.you_said.toPlainText(),
            "we_did": self.we_did.toPlainText(),
            "decision": self.decision.toPlainText(),
            "theme_id": uuid.UUID(theme) if theme else None,
            "responded_on": as_date(self.day.date()) if self.dated.isChecked() else None,
        }


# -- choosing quotes ------------------------------------------------------------------------------
class QuotePickerDialog(AskDialog):
    """The quotes that may be shared in the period, ticked to print; the ticked ones in the
    order they are printed (Ctrl+Up / Ctrl+Down move one).  "Choose automatically" lets the
    return pick them from its themes (``choice`` is then None)."""

    def __init__(
        self,
        ctx: AppContext,
        period: Period,
        chosen: Sequence[uuid.UUID] | None,
        printed: Sequence[uuid.UUID],
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.tr("Choose the quotes for {period}").format(period=period.label), parent)
        self.ctx = ctx
        self.automatic = chosen is None
        self.initial = list(chosen) if chosen is not None else list(printed)
        self.choice: list[uuid.UUID] | None = None
        self.loaded = False
        layout = QVBoxLayout(self)
        self.intro = QLabel(
            self.tr(
                "Only quotes whose speaker's consent allows sharing are listed. Tick the quotes to print "
                "(Space ticks the current one) and put them in order on the right. A name is printed only "
                "where the speaker agreed to be named."
            )
        )
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.mode = QLabel()
        self.mode.setWordWrap(True)
        self.mode.setAccessibleName(self.tr("How the quotes are chosen now"))
        self.mode.setText(
            self.tr("Now: chosen automatically from the return's themes.")
            if self.automatic
            else self.tr("Now: chosen by hand.")
        )
        layout.addWidget(self.mode)
        row = QHBoxLayout()
        left = QVBoxLayout()
        caption = QLabel(self.tr("&Quotes that may be shared:"))
        left.addWidget(caption)
        self.model = CandidatesModel(self)
        self.table = QTableView()
        set_up_table(self.table, self.model, self.tr("Quotes that may be shared"))
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        chars = self.fontMetrics().averageCharWidth()
        self.table.setColumnWidth(CandidatesModel.QUOTE, chars * 40)
        self.table.setColumnWidth(CandidatesModel.SPEAKER, chars * 16)
        self.table.setColumnWidth(CandidatesModel.CONTEXT, chars * 22)
        caption.setBuddy(self.table)
        left.addWidget(self.table, 1)
        self.count = QLabel(self.tr("Reading the quotes…"))
        self.count.setWordWrap(True)
        self.count.setAccessibleName(self.tr("Number of quotes"))
        row.addLayout(left, 3)
        right = QVBoxLayout()
        order_caption = QLabel(self.tr("Printed in this &order:"))
        right.addWidget(order_caption)
        self.order = QListWidget()
        self.order.setAccessibleName(self.tr("Quotes printed, in order"))
        self.order.setWordWrap(True)
        order_caption.setBuddy(self.order)
        right.addWidget(self.order, 1)
        moves = QHBoxLayout()
        self.up_button = QPushButton(self.tr("&Up"))
        self.up_button.setAccessibleName(self.tr("Move the quote up"))
        self.up_button.setToolTip(self.tr("Move the quote up (Ctrl+Up)"))
        self.up_button.clicked.connect(lambda: self.move_quote(-1))
        self.down_button = QPushButton(self.tr("Do&wn"))
        self.down_button.setAccessibleName(self.tr("Move the quote down"))
        self.down_button.setToolTip(self.tr("Move the quote down (Ctrl+Down)"))
        self.down_button.clicked.connect(lambda: self.move_quote(1))
        self.drop_button = QPushButton(self.tr("Le&ave out"))
        self.drop_button.setAccessibleName(self.tr("Leave the quote out"))
        self.drop_button.clicked.connect(self.drop)
        for button in (self.up_button, self.down_button, self.drop_button):
            moves.addWidget(button)
        right.addLayout(moves)
        row.addLayout(right, 2)
        layout.addLayout(row, 1)
        layout.addWidget(self.count)
        layout.addWidget(self.refusal)
        self.buttons = QDialogButtonBox()
        self.auto_button = self.buttons.addButton(
            self.tr("Choose au&tomatically"), QDialogButtonBox.ButtonRole.ResetRole
        )
        self.auto_button.setAccessibleName(self.tr("Choose the quotes automatically"))
        self.auto_button.setToolTip(
            self.tr("Let the return choose shareable quotes from its top themes, newest first.")
        )
        self.ok_button = self.buttons.addButton(
            self.tr("U&se these quotes"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok_button.setAccessibleName(self.tr("Use the quotes ticked, in this order"))
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName(self.tr("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.auto_button.clicked.connect(self.choose_automatically)
        layout.addWidget(self.buttons)
        add_shortcut(self, self.tr("Move the quote up"), QKeySequence("Ctrl+Up"), lambda: self.move_quote(-1))
        add_shortcut(
            self, self.tr("Move the quote down"), QKeySequence("Ctrl+Down"), lambda: self.move_quote(1)
        )
        self.model.toggled.connect(self._toggled)
        self.order.currentRowChanged.connect(lambda _r: self._update_buttons())
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 150, metrics.height() * 34)
        self._update_buttons()
        from vcsedesk.services import return_builder

        ctx.worker.submit(
            functools.partial(return_builder.quote_candidates, today=today),
            ctx.database,
            ctx.acting,
            period,
            on_done=self._loaded,
            on_error=lambda exc: show_problem(self.refusal, str(exc)),
            label=self.tr("Reading the quotes that may be shared…"),
        )

    def _loaded(self, candidates: list[QuoteCandidate]) -> None:
        self.candidates = {c.id: c for c in candidates}
        shareable = [q for q in self.initial if q in self.candidates]
        self.model.set_items(candidates, shareable)
        self.table.resizeRowsToContents()
        for quote_id in shareable:
            self._add_to_order(quote_id)
        gone = len(self.initial) - len(shareable)
        n = len(candidates)
        text = (
            self.tr("1 quote may be shared.") if n == 1 else self.tr("{n} quotes may be shared.").format(n=n)
        )
        if gone and not self.automatic:
            text += " " + (
                self.tr("1 quote chosen before can no longer be shared and will be left out.")
                if gone == 1
                else self.tr("{n} quotes chosen before can no longer be shared and will be left out.").format(
                    n=gone
                )
            )
        self.count.setText(text)
        self.loaded = True
        if candidates:
            self.table.setCurrentIndex(self.model.index(0, 0))
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self._update_buttons()

    # -- the order ---------------------------------------------------------------------------
    def _label(self, quote_id: uuid.UUID) -> str:
        c = self.candidates[quote_id]
        text = c.text if len(c.text) <= 90 else c.text[:89] + "…"
        return f"“{text}” — {c.speaker}"

    def _add_to_order(self, quote_id: uuid.UUID) -> None:
        item = QListWidgetItem(self._label(quote_id))
        item.setData(Qt.ItemDataRole.UserRole, quote_id)
        item.setToolTip(self.candidates[quote_id].text)
        self.order.addItem(item)

    def _row_of(self, quote_id: uuid.UUID) -> int:
        for row in range(self.order.count()):
            if self.order.item(row).data(Qt.ItemDataRole.UserRole) == quote_id:
                return row
        return -1

    @Slot(object, bool)
    def _toggled(self, quote_id: uuid.UUID, on: bool) -> None:
        row = self._row_of(quote_id)
        if on and row < 0:
            self._add_to_order(quote_id)
        elif not on and row >= 0:
            self.order.takeItem(row)
        self._update_buttons()

    def ordered(self) -> list[uuid.UUID]:
        return [self.order.item(r).data(Qt.ItemDataRole.UserRole) for r in range(self.order.count())]

    def move_quote(self, step: int) -> None:
        row = self.order.currentRow()
        to = row + step
        if row < 0 or not 0 <= to < self.order.count():
            return
        item = self.order.takeItem(row)
        self.order.insertItem(to, item)
        self.order.setCurrentRow(to)
        self.order.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def drop(self) -> None:
        row = self.order.currentRow()
        if row < 0:
            return
        quote_id = self.order.item(row).data(Qt.ItemDataRole.UserRole)
        found = next((i for i, c in enumerate(self.model.items) if c.id == quote_id), None)
        if found is not None:
            self.model.setData(
                self.model.index(found, 0), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole
            )
        else:
            self.order.takeItem(row)

    def _update_buttons(self) -> None:
        row = self.order.currentRow()
        self.up_button.setEnabled(row > 0 and not self.busy)
        self.down_button.setEnabled(0 <= row < self.order.count() - 1 and not self.busy)
        self.drop_button.setEnabled(row >= 0 and not self.busy)
        self.ok_button.setEnabled(self.loaded and not self.busy)
        self.auto_button.setEnabled(not self.busy)

    def _enable(self, on: bool) -> None:
        super()._enable(on)
        if on:
            self._update_buttons()

    # -- answering -------------------------------------------------------------------------
    @Slot()
    def choose_automatically(self) -> None:
        if self.busy:
            return
        self.choice = None
        self.busy = True
        self._enable(False)
        show_problem(self.refusal, None)
        self.answered.emit()

    def accept(self) -> None:
        if not self.loaded:
            return
        self.choice = self.ordered()
        super().accept()


# -- the records behind a figure ------------------------------------------------------------------
class RecordsBehindDialog(QDialog):
    """The people, quotes or claims behind a figure; Enter (or a double-click) on one opens it."""

    #: (table, id): open this record where it is kept.
    open_record = Signal(str, object)

    def __init__(
        self, ctx: AppContext, kind: str, ids: Sequence[uuid.UUID], title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.kind = kind
        self.ids = list(ids)
        self.loaded = False
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        one, many = {
            "contacts": (self.tr("1 person"), self.tr("{n} people")),
            "quotes": (self.tr("1 quote"), self.tr("{n} quotes")),
            "claims": (self.tr("1 claim"), self.tr("{n} claims")),
        }.get(kind, (self.tr("1 record"), self.tr("{n} records")))
        noun = count_text(len(self.ids), one, many)
        self.heading = QLabel(f"{title} — {noun}")
        self.heading.setWordWrap(True)
        self.heading.setAccessibleName(self.tr("What is listed"))
        header = {"contacts": self.tr("Name"), "quotes": self.tr("Quote"), "claims": self.tr("Claim")}.get(
            kind, self.tr("Record")
        )
        self.model = LinesModel(header, self)
        self.view = RecordsView()
        set_up_table(self.view, self.model, self.tr("Records"))
        self.view.setAccessibleDescription(self.tr("Enter opens the record"))
        self.view.open_requested.connect(self.open_current)
        self.view.doubleClicked.connect(lambda _i: self.open_current())
        self.status = QLabel(
            self.tr("Reading…") if self.ids else self.tr("There are no records behind this figure.")
        )
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Status"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = buttons.addButton(self.tr("&Open"), QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.setAccessibleName(self.tr("Open the selected record"))
        self.open_button.clicked.connect(self.open_current)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName(self.tr("Close"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 100, metrics.height() * 26)
        self.view.setColumnWidth(LinesModel.TITLE, metrics.averageCharWidth() * 55)
        if self.ids:
            from vcsedesk.ui.returns.reads import read_lines

            ctx.worker.submit(
                read_lines,
                ctx.database,
                kind,
                self.ids,
                on_done=self._loaded,
                label=self.tr("Reading the records…"),
            )
        else:
            self.loaded = True
        self.open_button.setEnabled(False)

    def _loaded(self, lines: list[Line]) -> None:
        self.model.set_items(lines)
        self.loaded = True
        if len(lines) < len(self.ids):
            self.status.setText(self.tr("Some of these records have been archived since."))
        else:
            self.status.hide()
        if lines:
            self.view.setCurrentIndex(self.model.index(0, 0))
        self.open_button.setEnabled(bool(lines))
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def open_current(self) -> None:
        index: QModelIndex = self.view.currentIndex()
        line = self.model.item_at(index.row()) if index.isValid() else None
        if line is not None:
            self.open_record.emit(self.kind, line.id)
