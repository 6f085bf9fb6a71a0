"""The narrative answers of a return: one box per question of its template, with the question's
help and a live word count against the partnership's limit ("312 words — 12 over the limit of
300", said in words and with the warning sign, not by colour).  The service's problems are
shown under the question they concern.  Read-only once the return is frozen."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QGroupBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from vcsedesk.ui.returns.words import count_words, words_text
from vcsedesk.ui.widgets import problem_label, show_problem

if TYPE_CHECKING:
    from vcsedesk.domain.return_templates import Question


class AnswerBox(QGroupBox):
    """One question: its text, help, the answer box, the word count and any problem."""

    changed = Signal()

    def __init__(self, number: int, question: Question, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.question = question
        self.saved = ""
        layout = QVBoxLayout(self)
        text = question.text.replace("&", "&&")
        self.label = QLabel(f"&{number}. {text}" if number < 10 else f"{number}. {text}")
        self.label.setWordWrap(True)
        font = self.label.font()
        font.setBold(True)
        self.label.setFont(font)
        layout.addWidget(self.label)
        self.help = QLabel(question.help)
        self.help.setWordWrap(True)
        self.help.setTextFormat(Qt.TextFormat.PlainText)
        self.help.setAccessibleName(self.tr("Guidance for “{question}”").format(question=question.text))
        self.help.setVisible(bool(question.help))
        layout.addWidget(self.help)
        self.edit = QPlainTextEdit()
        self.edit.setTabChangesFocus(True)
        self.edit.setAccessibleName(question.text)
        if question.help:
            self.edit.setAccessibleDescription(question.help)
        lines = self.edit.fontMetrics().lineSpacing()
        self.edit.setMinimumHeight(lines * 5 + 12)
        self.edit.setMaximumHeight(lines * 10 + 12)
        self.label.setBuddy(self.edit)
        layout.addWidget(self.edit)
        self.count = QLabel()
        self.count.setAccessibleName(
            self.tr("Words in the answer to “{question}”").format(question=question.text)
        )
        layout.addWidget(self.count)
        self.problem = problem_label(
            self.tr("Problem with the answer to “{question}”").format(question=question.text)
        )
        layout.addWidget(self.problem)
        self.edit.textChanged.connect(self._typed)
        self._count()

    @property
    def key(self) -> str:
        return self.question.key

    def text(self) -> str:
        return self.edit.toPlainText()

    def set_text(self, text: str) -> None:
        self.saved = text
        self.edit.blockSignals(True)
        self.edit.setPlainText(text)
        self.edit.blockSignals(False)
        self._count()
        show_problem(self.problem, None)

    @property
    def dirty(self) -> bool:
        return self.text().strip() != self.saved.strip()

    @property
    def over(self) -> int:
        limit = self.question.max_words
        return 0 if limit is None else max(0, count_words(self.text()) - limit)

    @Slot()
    def _typed(self) -> None:
        self._count()
        self.changed.emit()

    def _count(self) -> None:
        n = count_words(self.text())
        limit = self.question.max_words
        if limit is None:
            self.count.setText(words_text(n))
        elif n > limit:
            self.count.setText(
                "⚠ "
                + self.tr("{words} — {over} over the limit of {limit}").format(
                    words=words_text(n), over=n - limit, limit=limit
                )
            )
        else:
            self.count.setText(self.tr("{words} of at most {limit}").format(words=words_text(n), limit=limit))
        font = self.count.font()
        font.setBold(limit is not None and n > limit)
        self.count.setFont(font)


class AnswersEditor(QWidget):
    """The answer boxes of a template's questions."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Narrative answers"))
        self.layout_ = QVBoxLayout(self)
        self.boxes: list[AnswerBox] = []
        self.editable = True
        self.empty = QLabel(self.tr("This return's template asks no questions to answer in your own words."))
        self.empty.setWordWrap(True)
        self.layout_.addWidget(self.empty)
        self.layout_.addStretch(1)

    @property
    def keys(self) -> list[str]:
        return [b.key for b in self.boxes]

    def set_questions(
        self, questions: Sequence[Question], answers: Mapping[str, str], *, keep_typed: bool
    ) -> None:
        """Show ``questions`` with the saved ``answers``; what was typed and not saved stays
        (``keep_typed``) as long as the questions are the same."""
        same = [q for q in questions] == [b.question for b in self.boxes]
        if not same:
            for box in self.boxes:
                self.layout_.removeWidget(box)
                box.deleteLater()
            self.boxes = []
            for n, question in enumerate(questions, start=1):
                box = AnswerBox(n, question)
                box.changed.connect(self.changed)
                self.layout_.insertWidget(self.layout_.count() - 1, box)
                self.boxes.append(box)
            keep_typed = False
        for box in self.boxes:
            saved = answers.get(box.key, "")
            if keep_typed and box.dirty:
                box.saved = saved
                continue
            box.set_text(saved)
        self.empty.setVisible(not self.boxes)
        self.set_editable(self.editable)

    def set_editable(self, on: bool) -> None:
        self.editable = on
        for box in self.boxes:
            box.edit.setReadOnly(not on)

    @property
    def dirty(self) -> bool:
        return any(b.dirty for b in self.boxes)

    @property
    def over_limit(self) -> list[AnswerBox]:
        return [b for b in self.boxes if b.over]

    def values(self) -> dict[str, str]:
        return {b.key: b.text() for b in self.boxes}

    def mark_saved(self, values: Mapping[str, str]) -> None:
        for box in self.boxes:
            if box.key in values:
                box.saved = values[box.key].strip()
                show_problem(box.problem, None)

    def show_problems(self, problems: Mapping[str, str]) -> list[str]:
        """Put each problem under its question; the ones that fit no question are returned."""
        rest = []
        for key, text in problems.items():
            box = next((b for b in self.boxes if b.key == key), None)
            if box is None:
                rest.append(text)
            else:
                show_problem(box.problem, text)
        first = next((b for b in self.boxes if key_has(problems, b.key)), None)
        if first is not None:
            first.edit.setFocus(Qt.FocusReason.OtherFocusReason)
        return rest

    def clear_problems(self) -> None:
        for box in self.boxes:
            show_problem(box.problem, None)

    def focus_first(self) -> None:
        if self.boxes:
            self.boxes[0].edit.setFocus(Qt.FocusReason.OtherFocusReason)


def key_has(problems: Mapping[str, str], key: str) -> bool:
    return key in problems
