"""One return: its header, where it is in its life, its preview, answers and responses.

* The header says whom it is for, the period in words, the edition, the status and — once
  submitted — when it was frozen and the short form of its content hash (the whole hash in the
  tooltip); a draft says "Draft — figures change until you submit".
* The status strip has the steps the status allows (Mark ready, Back to draft, Submit…,
  Acknowledged…, Response received…), New edition for a frozen one, and the files: the return
  as xlsx or PDF, the "what happened next" PDF and the "people to tell" workbook.
* A banner lists, one per line, the chosen quotes left out (consent withdrawn, internal only,
  deleted) and the named quotes printed without the name, each with the reason.
* Tabs: **Preview** (computed on the worker; every figure opens the records behind it),
  **Answers** (the narrative questions; Ctrl+S saves), **You said, we did** (the
  partnership's responses: add, change, remove — on any return, frozen or not).
* Other editions of the same period are listed under the header; Enter opens one.

Keys: Escape or Alt+Left goes back (asking first if answers typed would be lost); Ctrl+S saves
the answers; Alt+1… Alt+3 are the tabs' mnemonics (Pre&view, &Answers, You said, &we did).
"""

from __future__ import annotations

import functools
import logging
import re
import uuid
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.errors import UserError, ValidationError
from vcsedesk.domain.returns import ReturnStatus
from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.returns.answers import AnswersEditor
from vcsedesk.ui.returns.models import ResponsesModel
from vcsedesk.ui.returns.preview import ReturnPreview
from vcsedesk.ui.returns.words import (
    hash_text,
    moment_text,
    period_text,
    status_text,
    warning_icon,
)
from vcsedesk.ui.widgets import (
    RecordsView,
    add_shortcut,
    archive_question,
    ask_discard,
    count_text,
    day_text,
    documents_folder,
    note_strip,
    push_button,
    set_up_table,
    with_suffix,
)

if TYPE_CHECKING:
    from vcsedesk.services.base import Changes
    from vcsedesk.services.return_builder import RecordsBehind
    from vcsedesk.services.returns import ResponseView, ReturnView, Shown
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow
    from vcsedesk.ui.returns.dialogs import (
        AskDialog,
        DateDialog,
        QuotePickerDialog,
        RecordsBehindDialog,
        ResponseDialog,
    )
    from vcsedesk.ui.returns.reads import ReturnRead

log = logging.getLogger(__name__)

#: Tables whose changes alter any return's page.
PAGE_TABLES = frozenset(
    {"returns", "return_responses", "return_contributors", "partnerships", "return_templates"}
)
#: Tables whose changes can alter a draft's figures (worked out again a moment later).
DRAFT_TABLES = frozenset(
    {
        "engagements",
        "engagement_participants",
        "engagement_themes",
        "headcount_groups",
        "quotes",
        "quote_themes",
        "themes",
        "claims",
        "claim_items",
        "actions",
        "meetings",
        "consents",
        "contacts",
        "equality_profiles",
        "seldom_heard_memberships",
        "seldom_heard_groups",
        "wards",
        "engagement_types",
        "organisation",
    }
)
REFRESH_DELAY_MS = 400

#: The files a return makes: (what, suffix, file filter, name ending).
FILES = {
    "xlsx": (".xlsx", "Excel workbook (*.xlsx)", "return"),
    "pdf": (".pdf", "PDF document (*.pdf)", "return"),
    "outcomes": (".pdf", "PDF document (*.pdf)", "what happened next"),
    "people": (".xlsx", "Excel workbook (*.xlsx)", "people to tell"),
}
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def file_name(view: ReturnView, what: str) -> str:
    """ "Riverside People's Partnership 2025-Q3 edition 1 return.xlsx"."""
    suffix, _filter, ending = FILES[what]
    name = " ".join(_UNSAFE.sub(" ", view.partnership).split()).strip(" .")[:60] or "Partnership"
    label = _UNSAFE.sub(" ", view.period_label).strip()
    return f"{name} {label} edition {view.edition} {ending}{suffix}"


def ask_save_path(parent: QWidget, title: str, suggested: Path, file_filter: str) -> Path | None:
    """Ask where to save a file (the page's ``ask_path``; tests replace it)."""
    chosen, _selected = QFileDialog.getSaveFileName(parent, title, str(suggested), file_filter)
    return Path(chosen) if chosen else None


class ReturnPage(QWidget):
    back = Signal()
    #: The return has been read and shown (tests listen).
    loaded = Signal()
    #: (kind, ids, title): show these records where they are kept ("engagements", "actions").
    open_records = Signal(str, list, str)
    #: (table, id): open this record where it is kept ("contacts", "quotes", "claims").
    open_record = Signal(str, object)
    #: Another return was started or opened here (its id): the area shows it.
    open_return = Signal(object)
    #: A step was refused: the service's sentence (tests listen).
    refused = Signal(str)
    #: A file was written (its path).
    exported = Signal(object)
    #: The answers were saved.
    answers_saved = Signal()
    last_folder: Path | None = None

    PREVIEW, ANSWERS, RESPONSES = range(3)

    def __init__(self, ctx: AppContext, window: MainWindow | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.window_ = window
        self.return_id: uuid.UUID | None = None
        self.read: ReturnRead | None = None
        self.exported_path: Path | None = None
        self.dialog: AskDialog | None = None
        self.records_dialog: RecordsBehindDialog | None = None
        self._generation = 0
        self._busy = False
        self._saving = False
        self._exporting = False
        self._stale = False
        self.today = date.today
        #: Where files are asked for and how they are opened (tests replace them).
        self.ask_path = ask_save_path
        self.open_url = QDesktopServices.openUrl
        self.setAccessibleName(self.tr("Return"))
        layout = QVBoxLayout(self)

        # -- header -------------------------------------------------------------------------
        top = QHBoxLayout()
        self.back_button = push_button(
            self.tr("← &Back"),
            self.tr("Back to the returns"),
            self.go_back,
            tip=self.tr("Back (Escape)"),
            row=top,
        )
        self.title = QLabel(self.tr("Reading the return…"))
        self.title.setFont(heading_font(self.font()))
        self.title.setWordWrap(True)
        self.title.setAccessibleName(self.tr("Return"))
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.title, 1)
        layout.addLayout(top)

        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.header.setAccessibleName(self.tr("About this return"))
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.header)
        self.freeze = QLabel()
        self.freeze.setWordWrap(True)
        self.freeze.setTextFormat(Qt.TextFormat.PlainText)
        self.freeze.setAccessibleName(self.tr("Frozen or draft"))
        self.freeze.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bold = self.freeze.font()
        bold.setBold(True)
        self.freeze.setFont(bold)
        layout.addWidget(self.freeze)

        # -- status strip ---------------------------------------------------------------------
        self.workflow = QFrame()
        self.workflow.setFrameShape(QFrame.Shape.StyledPanel)
        self.workflow.setAccessibleName(self.tr("Where the return is"))
        flow = QVBoxLayout(self.workflow)
        steps = QHBoxLayout()
        steps_label = QLabel(self.tr("Next:"))
        steps.addWidget(steps_label)
        self.ready_button = push_button(
            self.tr("&Mark ready"), self.tr("Mark the return ready to submit"), self.mark_ready, row=steps
        )
        self.draft_button = push_button(
            self.tr("Bac&k to draft"), self.tr("Take the return back to draft"), self.back_to_draft, row=steps
        )
        self.submit_button = push_button(
            self.tr("&Submit…"), self.tr("Submit the return and freeze it"), self.submit, row=steps
        )
        self.ack_button = push_button(
            self.tr("A&cknowledged…"),
            self.tr("Record that the partnership acknowledged the return"),
            self.acknowledged,
            row=steps,
        )
        self.response_button = push_button(
            self.tr("Response rece&ived…"),
            self.tr("Record that the partnership responded"),
            self.response_received,
            row=steps,
        )
        self.edition_button = push_button(
            self.tr("New &edition"),
            self.tr("Start a new edition of this return"),
            self.new_edition,
            tip=self.tr(
                "A new draft carrying the answers and quote choices over; this edition is kept as sent."
            ),
            row=steps,
        )
        self.quotes_button = push_button(
            self.tr("Choose &quotes…"),
            self.tr("Choose the quotes the return prints"),
            self.choose_quotes,
            row=steps,
        )
        steps.addStretch(1)
        flow.addLayout(steps)
        files = QHBoxLayout()
        files.addWidget(QLabel(self.tr("Files:")))
        self.xlsx_button = push_button(
            self.tr("E&xport xlsx…"),
            self.tr("Export the return as a spreadsheet"),
            self.export_xlsx,
            row=files,
        )
        self.pdf_button = push_button(
            self.tr("Export PD&F…"), self.tr("Export the return as a PDF"), self.export_pdf, row=files
        )
        self.outcomes_button = push_button(
            self.tr("“What &happened next” PDF…"),
            self.tr("Export the what happened next summary as a PDF"),
            self.export_outcomes,
            tip=self.tr("A summary of the partnership's responses for the people who took part"),
            row=files,
        )
        self.people_button = push_button(
            self.tr("Peop&le to tell xlsx…"),
            self.tr("Export the people to tell what happened next"),
            self.export_people,
            tip=self.tr("The contributors who agreed to be contacted, with the ways they agreed to"),
            row=files,
        )
        files.addStretch(1)
        flow.addLayout(files)
        layout.addWidget(self.workflow)

        # -- editions ---------------------------------------------------------------------------
        self.editions_box = QFrame()
        self.editions_box.setAccessibleName(self.tr("Editions of this return"))
        editions = QHBoxLayout(self.editions_box)
        editions.setContentsMargins(0, 0, 0, 0)
        editions_label = QLabel(self.tr("Editio&ns:"))
        editions.addWidget(editions_label, 0, Qt.AlignmentFlag.AlignTop)
        self.editions = QListWidget()
        self.editions.setAccessibleName(self.tr("Editions of this return (Enter opens one)"))
        editions_label.setBuddy(self.editions)
        self.editions.itemActivated.connect(self._open_edition)
        editions.addWidget(self.editions, 1)
        self.editions_box.hide()
        layout.addWidget(self.editions_box)

        # -- banners ------------------------------------------------------------------------------
        self.notices = QFrame()
        self.notices.setFrameShape(QFrame.Shape.StyledPanel)
        self.notices.setAccessibleName(self.tr("Quotes not printed as chosen"))
        notices = QHBoxLayout(self.notices)
        icon = QLabel()
        size = self.fontMetrics().height() * 2
        icon.setPixmap(warning_icon().pixmap(size, size))
        icon.setAccessibleName(self.tr("Warning"))
        notices.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        self.notices_text = QLabel()
        self.notices_text.setWordWrap(True)
        self.notices_text.setTextFormat(Qt.TextFormat.PlainText)
        self.notices_text.setAccessibleName(self.tr("Quotes not printed as chosen, and why"))
        self.notices_text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.notices_text.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        notices.addWidget(self.notices_text, 1)
        self.notices.hide()
        layout.addWidget(self.notices)

        self.dismiss_problem = push_button(
            self.tr("Dismiss"), self.tr("Dismiss the problem"), lambda: self.problem_bar.hide()
        )
        self.problem_bar, self.problem = note_strip(
            self.tr("What could not be done"), self.dismiss_problem, text_name=self.tr("Problem"), plain=True
        )
        layout.addWidget(self.problem_bar)
        self.open_file_button = push_button(self.tr("Open"), self.tr("Open the file"), self.open_exported)
        self.dismiss_file = push_button(
            self.tr("Dismiss"), self.tr("Dismiss the note"), lambda: self.exported_bar.hide()
        )
        self.exported_bar, self.exported_label = note_strip(
            self.tr("File exported"),
            self.open_file_button,
            self.dismiss_file,
            text_name=self.tr("Where the file was saved"),
            plain=True,
        )
        layout.addWidget(self.exported_bar)

        # -- tabs -----------------------------------------------------------------------------------
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Preview, answers and responses"))
        self.preview = ReturnPreview()
        self.preview.ref_activated.connect(self.open_ref)
        self.preview.quote_activated.connect(lambda quote_id: self.open_record.emit("quotes", quote_id))
        self.preview_scroll = QScrollArea()
        self.preview_scroll.setWidgetResizable(True)
        self.preview_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.preview_scroll.setAccessibleName(self.tr("Preview of the return"))
        preview_box = QWidget()
        preview_layout = QVBoxLayout(preview_box)
        self.preview_status = QLabel(self.tr("Working out the figures…"))
        self.preview_status.setWordWrap(True)
        self.preview_status.setAccessibleName(self.tr("About the preview"))
        preview_layout.addWidget(self.preview_status)
        preview_layout.addWidget(self.preview, 1)
        self.preview_scroll.setWidget(preview_box)
        self.tabs.addTab(self.preview_scroll, self.tr("Pre&view"))

        answers_tab = QWidget()
        answers_layout = QVBoxLayout(answers_tab)
        answers_top = QHBoxLayout()
        self.answers_note = QLabel()
        self.answers_note.setWordWrap(True)
        self.answers_note.setAccessibleName(self.tr("About the answers"))
        answers_top.addWidget(self.answers_note, 1)
        self.save_button = push_button(
            self.tr("Save answers"),
            self.tr("Save the answers"),
            self.save_answers,
            tip=self.tr("Save the answers (Ctrl+S)"),
        )
        answers_top.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)
        answers_layout.addLayout(answers_top)
        self.answers = AnswersEditor()
        self.answers.changed.connect(self._answers_changed)
        self.answers_scroll = QScrollArea()
        self.answers_scroll.setWidgetResizable(True)
        self.answers_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.answers_scroll.setWidget(self.answers)
        answers_layout.addWidget(self.answers_scroll, 1)
        self.tabs.addTab(answers_tab, self.tr("&Answers"))

        responses_tab = QWidget()
        responses_layout = QVBoxLayout(responses_tab)
        responses_note = QLabel(
            self.tr(
                "What the partnership did about what the return raised. Record responses at any time, "
                "also after the return is submitted: they feed the “what happened next” summary."
            )
        )
        responses_note.setWordWrap(True)
        responses_layout.addWidget(responses_note)
        self.responses_model = ResponsesModel(self)
        self.responses = RecordsView()
        set_up_table(self.responses, self.responses_model, self.tr("You said, we did"))
        self.responses.setAccessibleDescription(self.tr("Enter changes the response"))
        self.responses.setWordWrap(True)
        chars = self.fontMetrics().averageCharWidth()
        for column, width in ((0, 24), (1, 36), (2, 36), (3, 24)):
            self.responses.setColumnWidth(column, chars * width)
        self.responses.open_requested.connect(self.edit_response)
        self.responses.doubleClicked.connect(lambda _i: self.edit_response())
        responses_layout.addWidget(self.responses, 1)
        self.no_responses = QLabel(self.tr("No responses recorded yet. “Add response…” records one."))
        self.no_responses.setWordWrap(True)
        responses_layout.addWidget(self.no_responses)
        response_buttons = QHBoxLayout()
        self.add_response_button = push_button(
            self.tr("A&dd response…"), self.tr("Add a response"), self.add_response, row=response_buttons
        )
        self.edit_response_button = push_button(
            self.tr("Chan&ge…"),
            self.tr("Change the selected response"),
            self.edit_response,
            row=response_buttons,
        )
        self.remove_response_button = push_button(
            self.tr("Rem&ove"),
            self.tr("Remove the selected response"),
            self.remove_response,
            row=response_buttons,
        )
        response_buttons.addStretch(1)
        responses_layout.addLayout(response_buttons)
        self.responses.selectionModel().currentRowChanged.connect(lambda *_: self._update_response_buttons())
        self.tabs.addTab(responses_tab, self.tr("You said, &we did"))
        layout.addWidget(self.tabs, 1)

        self.escape_action = add_shortcut(
            self, self.tr("Back to the returns"), QKeySequence(Qt.Key.Key_Escape), self.go_back
        )
        self.back_action = add_shortcut(
            self, self.tr("Back"), QKeySequence(QKeySequence.StandardKey.Back), self.go_back
        )
        self.save_action = add_shortcut(
            self, self.tr("Save the answers"), QKeySequence("Ctrl+S"), self.save_answers
        )
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(REFRESH_DELAY_MS)
        self.timer.timeout.connect(self.reload)
        ctx.hub.changed.connect(self.on_changed)
        self._show_header()

    # -- properties --------------------------------------------------------------------------
    @property
    def view(self) -> ReturnView | None:
        return self.read.view if self.read is not None else None

    @property
    def shown(self) -> Shown | None:
        return self.read.shown if self.read is not None else None

    @property
    def editable(self) -> bool:
        view = self.view
        return view is not None and not view.frozen

    # -- opening -----------------------------------------------------------------------------
    def open(self, return_id: uuid.UUID) -> None:
        if self.return_id != return_id:
            self.read = None
            self.exported_bar.hide()
            self.notices.hide()
            self.preview.clear()
            self.answers.set_questions([], {}, keep_typed=False)
            self.responses_model.set_items([])
            self.tabs.setCurrentIndex(self.PREVIEW)
        self.return_id = return_id
        self.problem_bar.hide()
        self._show_header()
        self.reload()

    @Slot()
    def reload(self) -> None:
        from vcsedesk.ui.returns.reads import read_return

        if self.return_id is None or self.ctx.db is None or self.ctx.actor is None:
            return
        self._stale = False
        self._generation += 1
        generation = self._generation
        self.preview_status.setText(self.tr("Working out the figures…"))
        self.preview_status.show()
        self.ctx.worker.submit(
            read_return,
            self.ctx.database,
            self.ctx.acting,
            self.return_id,
            self.today(),
            on_done=lambda read: self._arrived(generation, read),
            on_error=self._refused,
            label=self.tr("Working out the return…"),
        )

    def _arrived(self, generation: int, read: ReturnRead) -> None:
        if generation != self._generation or read.view.id != self.return_id:
            return
        first = self.read is None
        self.read = read
        view = read.view
        if read.shown is not None:
            self.preview.show_content(read.shown.content, frozen=read.shown.frozen)
            self.preview_status.setText(
                self.tr("As frozen when it was submitted: later records do not change it.")
                if read.shown.frozen
                else self.tr(
                    "Worked out from the records now. Double-click a figure (or press Enter on it) to see "
                    "the records behind it."
                )
            )
        else:
            self.preview.clear()
            self.preview_status.setText("⚠ " + (read.problem or self.tr("The return cannot be shown.")))
        questions = read.template.questions() if read.template is not None else ()
        self.answers.set_questions(questions, view.narrative, keep_typed=not first)
        self.answers.set_editable(not view.frozen)
        self._show_notices()
        self._show_responses(list(view.responses))
        self._show_editions(read.editions)
        self._show_header()
        self.loaded.emit()

    def _show_notices(self) -> None:
        shown = self.shown
        lines = list(shown.notices) if shown is not None else []
        if not lines:
            self.notices.hide()
            return
        head = count_text(
            len(lines),
            self.tr("1 chosen quote will not be printed as chosen:"),
            self.tr("{n} chosen quotes will not be printed as chosen:"),
        )
        self.notices_text.setText(head + "\n" + "\n".join(f"• {line}" for line in lines))
        self.notices.show()

    def _show_responses(self, responses: list[ResponseView]) -> None:
        current = self.selected_response()
        self.responses_model.set_items(responses)
        self.responses.resizeRowsToContents()
        self.responses.setVisible(bool(responses))
        self.no_responses.setVisible(not responses)
        row = self.responses_model.find(current.id) if current is not None else None
        if row is None and responses:
            row = 0
        if row is not None:
            self.responses.setCurrentIndex(self.responses_model.index(row, 0))
        self._update_response_buttons()

    def _show_editions(self, editions: list[ReturnView]) -> None:
        self.editions.clear()
        for edition in editions:
            if edition.submitted_on is not None:
                text = self.tr("Edition {n}, submitted {day}").format(
                    n=edition.edition, day=day_text(edition.submitted_on)
                )
            else:
                text = self.tr("Edition {n}, {status}").format(
                    n=edition.edition, status=status_text(edition.status).lower()
                )
            if edition.superseded:
                text += " — " + self.tr("superseded")
            if edition.id == self.return_id:
                text += " " + self.tr("(this one)")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, edition.id)
            self.editions.addItem(item)
            if edition.id == self.return_id:
                self.editions.setCurrentItem(item)
        line = self.editions.fontMetrics().height() + 6
        self.editions.setFixedHeight(line * min(4, max(1, len(editions))) + 6)
        self.editions_box.setVisible(len(editions) > 1)

    @Slot(QListWidgetItem)
    def _open_edition(self, item: QListWidgetItem) -> None:
        return_id = item.data(Qt.ItemDataRole.UserRole)
        if return_id != self.return_id:
            self._leave(lambda: self.open_return.emit(return_id))

    # -- the header ---------------------------------------------------------------------------
    def _show_header(self) -> None:
        view = self.view
        steps = (
            self.ready_button,
            self.draft_button,
            self.submit_button,
            self.ack_button,
            self.response_button,
            self.edition_button,
            self.quotes_button,
        )
        files = (self.xlsx_button, self.pdf_button, self.outcomes_button, self.people_button)
        if view is None:
            self.title.setText(self.tr("Reading the return…"))
            self.header.setText("")
            self.freeze.setText("")
            for button in (*steps, *files):
                button.setEnabled(False)
            for button in steps:
                button.hide()
            self.save_button.setEnabled(False)
            self.save_action.setEnabled(False)
            self.add_response_button.setEnabled(False)
            return
        self.title.setText(
            self.tr("Return to {partnership} for {period}").format(
                partnership=view.partnership, period=view.period_label
            )
        )
        bits = [
            period_text(view.period),
            self.tr("edition {n}").format(n=view.edition),
            self.tr("status: {status}").format(status=status_text(view.status)),
        ]
        if view.submitted_on is not None:
            bits.append(
                self.tr("submitted on {day}{by}").format(
                    day=day_text(view.submitted_on),
                    by=self.tr(" by {who}").format(who=view.submitted_by) if view.submitted_by else "",
                )
            )
        if view.acknowledged_on is not None:
            bits.append(self.tr("acknowledged on {day}").format(day=day_text(view.acknowledged_on)))
        if view.response_on is not None:
            bits.append(self.tr("response received on {day}").format(day=day_text(view.response_on)))
        if view.superseded:
            bits.append(self.tr("superseded by a newer edition"))
        self.header.setText(bits[0] + " — " + "; ".join(bits[1:]) + ".")
        if view.frozen and view.content_hash:
            when = moment_text(view.frozen_at) if view.frozen_at is not None else ""
            self.freeze.setText(
                self.tr("Frozen on {when} — content hash {hash}").format(
                    when=when, hash=hash_text(view.content_hash)
                )
            )
            self.freeze.setToolTip(
                self.tr("The whole content hash (SHA-256): {hash}").format(hash=view.content_hash)
            )
            self.freeze.setAccessibleDescription(view.content_hash)
        else:
            self.freeze.setText(self.tr("Draft — figures change until you submit"))
            self.freeze.setToolTip(
                self.tr("The figures are worked out from the records each time; submitting freezes them.")
            )
            self.freeze.setAccessibleDescription("")
        nexts = set(view.next_steps)
        busy = self._busy
        for button, status in (
            (self.ready_button, ReturnStatus.READY),
            (self.draft_button, ReturnStatus.DRAFT),
            (self.submit_button, ReturnStatus.SUBMITTED),
            (self.ack_button, ReturnStatus.ACKNOWLEDGED),
            (self.response_button, ReturnStatus.RESPONSE_RECEIVED),
        ):
            button.setVisible(status in nexts)
            button.setEnabled(status in nexts and not busy)
        self.edition_button.setVisible(view.frozen and not view.superseded)
        self.edition_button.setEnabled(view.frozen and not view.superseded and not busy)
        self.quotes_button.setVisible(not view.frozen)
        self.quotes_button.setEnabled(not view.frozen and not busy and self.shown is not None)
        for button in files:
            button.setEnabled(not self._exporting and self.shown is not None)
        self.add_response_button.setEnabled(not busy)
        editable = not view.frozen
        self.save_button.setEnabled(editable and not self._saving and self.answers.dirty)
        self.save_action.setEnabled(editable)
        if view.frozen:
            self.answers_note.setText(
                self.tr("These answers were frozen with the return. To change them, start a new edition.")
            )
        elif view.status is ReturnStatus.READY:
            self.answers_note.setText(
                self.tr("Saving a change takes the return back to draft: mark it ready again afterwards.")
            )
        else:
            self.answers_note.setText(
                self.tr("Answer in your own words; the partnership reads them as written. Ctrl+S saves.")
            )
        self._update_response_buttons()

    # -- saying what went wrong --------------------------------------------------------------
    def _refused(self, exc: UserError) -> None:
        text = str(exc)
        if isinstance(exc, ValidationError):
            text = " ".join(exc.problems.values()) or text
        self.problem.setText("⚠ " + text)
        self.problem_bar.show()
        self.refused.emit(text)

    def _note(self, text: str) -> None:
        if self.window_ is not None:
            self.window_.note(text)

    # -- going back ---------------------------------------------------------------------------
    def _leave(self, then: Any) -> None:
        if self.editable and self.answers.dirty:
            ask_discard(
                self, self.tr("The answers typed have not been saved. Leave without saving them?"), then
            )
            return
        then()

    @Slot()
    def go_back(self) -> None:
        self._leave(self.back.emit)

    # -- answers -----------------------------------------------------------------------------
    @Slot()
    def _answers_changed(self) -> None:
        view = self.view
        self.save_button.setEnabled(
            view is not None and not view.frozen and not self._saving and self.answers.dirty
        )

    @Slot()
    def save_answers(self) -> None:
        from vcsedesk.services import returns

        view = self.view
        if view is None or view.frozen or self._saving:
            return
        values = self.answers.values()
        self._saving = True
        self.problem_bar.hide()
        self.answers.clear_problems()
        self._show_header()

        def done(_changes: Changes) -> None:
            self.answers.mark_saved(values)
            self.answers_saved.emit()
            self._note(self.tr("Answers saved."))

        def refused(exc: UserError) -> None:
            if isinstance(exc, ValidationError):
                rest = self.answers.show_problems(exc.problems)
                self.tabs.setCurrentIndex(self.ANSWERS)
                text = self.tr("The answers were not saved: put right what is marked under the questions.")
                if rest:
                    text += " " + " ".join(rest)
                self.problem.setText("⚠ " + text)
                self.problem_bar.show()
                self.refused.emit(text)
            else:
                self._refused(exc)

        def settled() -> None:
            self._saving = False
            self._show_header()

        self.ctx.hub.perform(
            returns.save_answers,
            self.ctx.database,
            self.ctx.acting,
            view.id,
            view.version,
            values,
            on_done=done,
            on_error=refused,
            on_settled=settled,
            label=self.tr("Saving the answers…"),
        )

    # -- the steps -----------------------------------------------------------------------------
    def _perform(
        self, fn: Any, *args: Any, label: str, dialog: AskDialog | None = None, then: Any = None
    ) -> None:
        view = self.view
        if view is None or self._busy:
            return
        self._busy = True
        self.problem_bar.hide()
        self._show_header()

        def done(changes: Changes) -> None:
            if dialog is not None:
                dialog.finish()
            if then is not None:
                then(changes)

        def refused(exc: UserError) -> None:
            if dialog is not None and dialog.isVisible():
                dialog.refuse(exc)
                self.refused.emit(str(exc))
            else:
                self._refused(exc)

        def settled() -> None:
            self._busy = False
            self._show_header()

        self.ctx.hub.perform(
            fn,
            self.ctx.database,
            self.ctx.acting,
            *args,
            on_done=done,
            on_error=refused,
            on_settled=settled,
            label=label,
        )

    def _check_unsaved(self) -> bool:
        """Refuse a step while answers typed are unsaved (they would be left out)."""
        if self.editable and self.answers.dirty:
            self._refused(
                UserError("Save the answers first (Ctrl+S): the return is made from what is saved.")
            )
            self.tabs.setCurrentIndex(self.ANSWERS)
            return False
        return True

    @Slot()
    def mark_ready(self) -> None:
        from vcsedesk.services import returns

        view = self.view
        if view is None or not self._check_unsaved():
            return
        self._perform(returns.mark_ready, view.id, view.version, label=self.tr("Marking the return ready…"))

    @Slot()
    def back_to_draft(self) -> None:
        from vcsedesk.services import returns

        view = self.view
        if view is None:
            return
        self._perform(
            returns.back_to_draft, view.id, view.version, label=self.tr("Taking the return back to draft…")
        )

    def _date_dialog(self, title: str, explanation: str, label: str, action: str) -> DateDialog:
        from vcsedesk.ui.returns.dialogs import DateDialog

        dialog = DateDialog(title, explanation, label, action, self.today(), self)
        self.dialog = dialog
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None) if self.dialog is dialog else None)
        return dialog

    @Slot()
    def submit(self) -> None:
        from vcsedesk.services import returns

        view = self.view
        if (
            view is None
            or self._busy
            or ReturnStatus.SUBMITTED not in view.next_steps
            or not self._check_unsaved()
        ):
            return
        notices = len(self.shown.notices) if self.shown is not None else 0
        explanation = self.tr(
            "Submitting freezes the return: its figures, quotes and answers are kept exactly as they are now, "
            "and a content hash printed on every page lets anyone check it was not changed afterwards. Records "
            "added later do not change it. To correct it you start a new edition; this one is kept as sent."
        )
        if notices:
            explanation += "\n\n" + count_text(
                notices,
                self.tr("1 chosen quote will be left out or printed without the name: see the list above."),
                self.tr(
                    "{n} chosen quotes will be left out or printed without the name: see the list above."
                ),
            )
        dialog = self._date_dialog(
            self.tr("Submit the return for {period}").format(period=view.period_label),
            explanation,
            self.tr("&Submitted on:"),
            self.tr("&Submit and freeze"),
        )
        dialog.answered.connect(
            lambda: self._perform(
                functools.partial(returns.submit, on=dialog.value(), today=self.today()),
                view.id,
                view.version,
                label=self.tr("Freezing and submitting the return…"),
                dialog=dialog,
            )
        )
        dialog.open()

    @Slot()
    def acknowledged(self) -> None:
        from vcsedesk.services import returns

        view = self.view
        if view is None or self._busy or ReturnStatus.ACKNOWLEDGED not in view.next_steps:
            return
        dialog = self._date_dialog(
            self.tr("The partnership acknowledged the return"),
            self.tr("When did {partnership} acknowledge the return for {period}?").format(
                partnership=view.partnership, period=view.period_label
            ),
            self.tr("&Acknowledged on:"),
            self.tr("&Record it"),
        )
        dialog.answered.connect(
            lambda: self._perform(
                functools.partial(returns.record_acknowledged, on=dialog.value()),
                view.id,
                view.version,
                label=self.tr("Recording the acknowledgement…"),
                dialog=dialog,
            )
        )
        dialog.open()

    @Slot()
    def response_received(self) -> None:
        from vcsedesk.services import returns

        view = self.view
        if view is None or self._busy or ReturnStatus.RESPONSE_RECEIVED not in view.next_steps:
            return
        dialog = self._date_dialog(
            self.tr("The partnership responded"),
            self.tr(
                "When did {partnership} respond to the return for {period}? Record what they did on the "
                "“You said, we did” tab."
            ).format(partnership=view.partnership, period=view.period_label),
            self.tr("&Response received on:"),
            self.tr("&Record it"),
        )
        dialog.answered.connect(
            lambda: self._perform(
                functools.partial(returns.record_response_received, on=dialog.value()),
                view.id,
                view.version,
                label=self.tr("Recording the response…"),
                dialog=dialog,
            )
        )
        dialog.open()

    @Slot()
    def new_edition(self) -> None:
        from vcsedesk.services import returns

        view = self.view
        if view is None or not view.frozen or view.superseded:
            return

        def started(changes: Changes) -> None:
            created = sorted(changes.created.get("returns", ()))
            if created:
                self.open_return.emit(created[0])

        self._perform(returns.new_edition, view.id, label=self.tr("Starting a new edition…"), then=started)

    # -- quotes ----------------------------------------------------------------------------------
    @Slot()
    def choose_quotes(self) -> None:
        from vcsedesk.domain.returns import QuotesSection
        from vcsedesk.services import returns
        from vcsedesk.ui.returns.dialogs import QuotePickerDialog

        view, shown = self.view, self.shown
        if view is None or shown is None or view.frozen or self._busy:
            return
        section = shown.content.section("quotes")
        printed = []
        if isinstance(section, QuotesSection):
            for q in section.quotes:
                try:
                    printed.append(uuid.UUID(q.quote_id))
                except ValueError:
                    continue
        dialog: QuotePickerDialog = QuotePickerDialog(
            self.ctx, view.period, view.quote_ids, printed, self.today(), self
        )
        self.dialog = dialog
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None) if self.dialog is dialog else None)
        dialog.answered.connect(
            lambda: self._perform(
                returns.choose_quotes,
                view.id,
                view.version,
                dialog.choice,
                label=self.tr("Choosing the quotes…"),
                dialog=dialog,
            )
        )
        dialog.open()

    # -- responses -------------------------------------------------------------------------------
    def selected_response(self) -> ResponseView | None:
        index = self.responses.currentIndex()
        return self.responses_model.item_at(index.row()) if index.isValid() else None

    def _update_response_buttons(self) -> None:
        chosen = self.selected_response() is not None and self.view is not None
        self.edit_response_button.setEnabled(chosen and not self._busy)
        self.remove_response_button.setEnabled(chosen and not self._busy)

    def _response_dialog(self, response: ResponseView | None) -> None:
        from vcsedesk.services import returns, themes
        from vcsedesk.ui.returns.dialogs import ResponseDialog

        view = self.view
        if view is None or self._busy:
            return

        def show(found: list[Any]) -> None:
            dialog: ResponseDialog = ResponseDialog(found, self.today(), self, response=response)
            self.dialog = dialog
            dialog.finished.connect(
                lambda _r: setattr(self, "dialog", None) if self.dialog is dialog else None
            )

            def answered() -> None:
                values = dialog.values()
                if response is None:
                    fn: Any = functools.partial(returns.add_response, **values)
                    self._perform(fn, view.id, label=self.tr("Recording the response…"), dialog=dialog)
                else:
                    fn = functools.partial(returns.update_response, **values)
                    self._perform(
                        fn,
                        response.id,
                        response.version,
                        label=self.tr("Changing the response…"),
                        dialog=dialog,
                    )

            dialog.answered.connect(answered)
            dialog.open()

        self.ctx.worker.submit(
            themes.list_themes, self.ctx.database, on_done=show, label=self.tr("Reading the themes…")
        )

    @Slot()
    def add_response(self) -> None:
        self._response_dialog(None)

    @Slot()
    def edit_response(self) -> None:
        response = self.selected_response()
        if response is not None:
            self._response_dialog(response)

    @Slot()
    def remove_response(self) -> None:
        from vcsedesk.services import returns

        response = self.selected_response()
        if response is None or self._busy:
            return
        box = archive_question(
            self,
            self.tr("Remove the response"),
            self.tr("Remove the response “{said}”?").format(said=response.you_said[:80]),
            self.tr("It is no longer printed in “what happened next”. Undo with Ctrl+Z."),
        )
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("&Remove"))
        box.accepted.connect(
            lambda: self._perform(
                returns.remove_response,
                response.id,
                response.version,
                label=self.tr("Removing the response…"),
            )
        )
        self.question_box = box
        box.open()

    # -- the records behind a figure --------------------------------------------------------
    @Slot(str)
    def open_ref(self, ref: str) -> None:
        from vcsedesk.services import return_builder

        view = self.view
        if view is None or not ref:
            return
        self.ctx.worker.submit(
            return_builder.records_behind,
            self.ctx.database,
            self.ctx.acting,
            view.period,
            ref,
            on_done=self._records_found,
            on_error=self._refused,
            label=self.tr("Finding the records…"),
        )

    def _records_found(self, found: RecordsBehind) -> None:
        from vcsedesk.ui.returns.dialogs import RecordsBehindDialog

        if found.kind in ("engagements", "actions"):
            self.open_records.emit(found.kind, list(found.ids), found.title)
            return
        if self.records_dialog is not None:
            self.records_dialog.close()
        dialog = RecordsBehindDialog(self.ctx, found.kind, found.ids, found.title, self)
        dialog.open_record.connect(self._open_from_dialog)
        dialog.destroyed.connect(lambda _o=None, d=dialog: self._records_dialog_gone(d))
        self.records_dialog = dialog
        dialog.open()

    def _open_from_dialog(self, table: str, record_id: uuid.UUID) -> None:
        if self.records_dialog is not None:
            self.records_dialog.close()
        self.open_record.emit(table, record_id)

    def _records_dialog_gone(self, dialog: RecordsBehindDialog) -> None:
        if self.records_dialog is dialog:
            self.records_dialog = None

    # -- files -------------------------------------------------------------------------------------
    @Slot()
    def export_xlsx(self) -> None:
        self._export("xlsx", self.tr("Save the return as"))

    @Slot()
    def export_pdf(self) -> None:
        self._export("pdf", self.tr("Save the return as"))

    @Slot()
    def export_outcomes(self) -> None:
        self._export("outcomes", self.tr("Save “what happened next” as"))

    @Slot()
    def export_people(self) -> None:
        self._export("people", self.tr("Save the people to tell as"))

    def _export(self, what: str, title: str) -> None:
        from vcsedesk.ui.returns.reads import export_return

        view = self.view
        if view is None or self._exporting:
            return
        suffix, file_filter, _ending = FILES[what]
        last = ReturnPage.last_folder
        folder = last if last is not None and last.is_dir() else documents_folder()
        chosen = self.ask_path(self, title, folder / file_name(view, what), self.tr(file_filter))
        if chosen is None:
            return
        path = with_suffix(chosen, suffix)
        self._exporting = True
        self._show_header()

        def settled() -> None:
            self._exporting = False
            self._show_header()

        self.ctx.worker.submit(
            export_return,
            self.ctx.database,
            self.ctx.acting,
            view.id,
            what,
            path,
            self.today(),
            on_done=lambda p: self._exported(p, what),
            on_error=self._refused,
            on_settled=settled,
            label=self.tr("Writing the file…"),
        )

    def _exported(self, path: Path, what: str) -> None:
        self.exported_path = path
        text = {
            "xlsx": self.tr("The return was saved as {path}"),
            "pdf": self.tr("The return was saved as {path}"),
            "outcomes": self.tr("“What happened next” was saved as {path}"),
            "people": self.tr("The people to tell were saved as {path}"),
        }[what].format(path=path)
        if what in ("xlsx", "pdf") and self.view is not None and not self.view.frozen:
            text += " " + self.tr("(a draft: the figures are as they stand today)")
        self.exported_label.setText(text)
        self.exported_bar.show()
        ReturnPage.last_folder = path.parent
        self._note(text)
        self.exported.emit(path)

    @Slot()
    def open_exported(self) -> None:
        path = self.exported_path
        if path is None:
            return
        if not self.open_url(QUrl.fromLocalFile(str(path))):
            self._refused(UserError(f"No program on this computer opens this file. It is saved as {path}."))

    # -- changes -----------------------------------------------------------------------------------
    def on_changed(self, changes: Changes) -> None:
        if self.return_id is None:
            return
        tables = changes.tables
        if tables & PAGE_TABLES or (self.editable and tables & DRAFT_TABLES):
            self._stale = True
            if self.isVisible():
                self.timer.start(0 if tables & PAGE_TABLES else REFRESH_DELAY_MS)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale and self.return_id is not None:
            self.timer.start(0)


__all__ = ["ReturnPage", "ask_save_path", "file_name"]
