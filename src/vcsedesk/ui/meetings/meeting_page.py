"""One meeting: read in full, edited with the meeting form, its minutes exported to PDF,
archived.

The page has a header (Back, the title, Edit, Export minutes, Archive) over two faces: the
read view — when and where, the chair, the voices at the meeting with the organisation each
speaks for, apologies, the notes, each agenda item in order with its discussion and decisions,
and the actions with owner, due date and status (an overdue one says "Overdue", with a warning
sign, in bold) — and the form (:class:`~vcsedesk.ui.meetings.editor.MeetingEditor`).

"Export minutes (PDF)…" asks where to save (suggesting "<date> <title> minutes.pdf"), writes
the minutes on the worker and then says where they went, with an Open button.

Keys: Escape or Alt+Left goes back (from the form: back to the read view, asking first if
something typed would be lost), Ctrl+E edits, Ctrl+P exports the minutes, Ctrl+S saves in
the form.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QLocale, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.engagement import is_overdue
from vcsedesk.domain.errors import UserError
from vcsedesk.ui.actions.model import status_text
from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.meetings.model import MeetingActionsModel, where_text
from vcsedesk.ui.widgets import (
    add_shortcut,
    archive_question,
    day_text,
    documents_folder,
    fit_rows,
    may,
    push_button,
    small_table,
    value_label,
    with_suffix,
)

if TYPE_CHECKING:
    from vcsedesk.services.base import Changes
    from vcsedesk.services.meetings import AttendeeView, MeetingView
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow
    from vcsedesk.ui.meetings.editor import MeetingEditor

#: Tables whose changes can alter what a meeting's page shows.
PAGE_TABLES = frozenset({"meetings", "meeting_items", "meeting_attendees", "actions", "contacts", "users"})


def read_meeting(db: Database, meeting_id: uuid.UUID) -> MeetingView:
    from vcsedesk.services import meetings

    return meetings.get_meeting(db, meeting_id)


def export_minutes(db: Database, meeting_id: uuid.UUID, path: Path) -> Path:
    """Read the meeting as saved now and write its minutes to ``path`` (on the worker)."""
    from vcsedesk.io.minutes_pdf import write_minutes
    from vcsedesk.services import meetings

    write_minutes(meetings.get_meeting(db, meeting_id), path)
    return path


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def minutes_file_name(view: MeetingView) -> str:
    """ "2026-03-03 Carers' forum minutes.pdf" (nothing a file system refuses)."""
    title = " ".join(_UNSAFE.sub(" ", view.title).split()).strip(" .") or "Meeting"
    return f"{view.on_date.isoformat()} {title[:80]} minutes.pdf"


def _voice(person: AttendeeView) -> str:
    return f"• {person.name} — {person.speaks_for}" if person.speaks_for else f"• {person.name}"


class MeetingDetails(QWidget):
    """Everything about one meeting, to read."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view: MeetingView | None = None
        self.setAccessibleName(self.tr("Meeting details"))
        self.outer = outer = QVBoxLayout(self)

        about = QGroupBox(self.tr("About"))
        form = QFormLayout(about)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QLabel] = {}
        for key, text in (
            ("when", self.tr("When")),
            ("where", self.tr("Where")),
            ("chair", self.tr("Chair")),
        ):
            label = value_label(text)
            self.fields[key] = label
            form.addRow(QLabel(text + ":"), label)
        outer.addWidget(about)

        self.voices_box = QGroupBox(self.tr("Voices at the meeting"))
        voices = QVBoxLayout(self.voices_box)
        self.voices = value_label(self.tr("Voices at the meeting"))
        voices.addWidget(self.voices)
        outer.addWidget(self.voices_box)
        self.apologies_box = QGroupBox(self.tr("Apologies"))
        apologies = QVBoxLayout(self.apologies_box)
        self.apologies = value_label(self.tr("Apologies"))
        apologies.addWidget(self.apologies)
        outer.addWidget(self.apologies_box)

        self.notes_box = QGroupBox(self.tr("Notes"))
        notes = QVBoxLayout(self.notes_box)
        self.notes = value_label(self.tr("Notes"))
        notes.addWidget(self.notes)
        outer.addWidget(self.notes_box)

        self.agenda_box = QGroupBox(self.tr("Agenda"))
        self.agenda_box.setAccessibleName(self.tr("Agenda"))
        self.agenda_layout = QVBoxLayout(self.agenda_box)
        self.item_widgets: list[QWidget] = []
        self.no_items = QLabel(self.tr("No agenda items recorded. Edit the meeting (Ctrl+E) to add them."))
        self.no_items.setWordWrap(True)
        self.agenda_layout.addWidget(self.no_items)
        outer.addWidget(self.agenda_box)

        self.actions_box = QGroupBox(self.tr("Actions"))
        actions = QVBoxLayout(self.actions_box)
        self.actions_model = MeetingActionsModel(self)
        self.actions_table = small_table(
            self.actions_model, self.tr("Actions agreed at the meeting"), rows=10
        )
        metrics = self.fontMetrics()
        for column, chars in (
            (MeetingActionsModel.TITLE, 44),
            (MeetingActionsModel.ITEM, 6),
            (MeetingActionsModel.OWNER, 22),
            (MeetingActionsModel.DUE, 30),
        ):
            self.actions_table.horizontalHeader().resizeSection(column, metrics.averageCharWidth() * chars)
        actions.addWidget(self.actions_table)
        self.no_actions = QLabel(self.tr("No actions were agreed."))
        actions.addWidget(self.no_actions)
        outer.addWidget(self.actions_box)
        outer.addStretch(1)

    def show_meeting(self, view: MeetingView, today: date) -> None:
        self.view = view
        day = view.on_date
        when = QLocale().toString(QDate(day.year, day.month, day.day), "dddd d MMMM yyyy")
        if view.start_time is not None:
            when += f", {view.start_time:%H:%M}"
        self.fields["when"].setText(when)
        self.fields["where"].setText(where_text(view.venue, view.online) or self.tr("Not recorded"))
        self.fields["chair"].setText(view.chair or self.tr("Not recorded"))
        self.voices_box.setTitle(self.tr("Voices at the meeting ({n})").format(n=len(view.attendees)))
        self.voices.setText(
            "\n".join(_voice(a) for a in view.attendees) or self.tr("No one is recorded as attending.")
        )
        self.apologies_box.setTitle(self.tr("Apologies ({n})").format(n=len(view.apologies)))
        self.apologies.setText("\n".join(_voice(a) for a in view.apologies) or self.tr("None."))
        self.notes.setText(view.notes)
        self.notes_box.setVisible(bool(view.notes))
        self._show_items(view, today)
        self.actions_box.setTitle(self.tr("Actions ({n})").format(n=len(view.actions)))
        self.actions_model.set_rows(list(view.actions), today)
        fit_rows(self.actions_table, len(view.actions))
        self.actions_table.setVisible(bool(view.actions))
        self.no_actions.setVisible(not view.actions)

    def _show_items(self, view: MeetingView, today: date) -> None:
        for widget in self.item_widgets:
            widget.hide()
            widget.deleteLater()
        self.item_widgets = []
        for item in view.items:
            box = QFrame()
            box.setFrameShape(QFrame.Shape.StyledPanel)
            box.setAccessibleName(self.tr("Agenda item {n}").format(n=item.number))
            layout = QVBoxLayout(box)
            heading = value_label(self.tr("Item {n}").format(n=item.number))
            heading.setText(f"{item.number}. {item.title}")
            font = heading.font()
            font.setBold(True)
            heading.setFont(font)
            layout.addWidget(heading)
            notes = value_label(self.tr("Item {n}: discussion").format(n=item.number))
            notes.setText(item.notes or self.tr("No discussion recorded."))
            layout.addWidget(notes)
            if item.decisions:
                decisions = value_label(self.tr("Item {n}: decisions").format(n=item.number))
                decisions.setText(self.tr("Decisions: {text}").format(text=item.decisions))
                layout.addWidget(decisions)
            if item.actions:
                lines = []
                for action in item.actions:
                    bits = [action.owner or self.tr("nobody yet")]
                    if action.due_on is not None:
                        bits.append(self.tr("due {day}").format(day=day_text(action.due_on)))
                    overdue = is_overdue(action.status, action.due_on, today)
                    bits.append(("⚠ " if overdue else "") + status_text(action.status, overdue).lower())
                    lines.append(f"• {action.title} — " + ", ".join(bits))
                actions = value_label(self.tr("Item {n}: actions").format(n=item.number))
                actions.setText(self.tr("Actions:") + "\n" + "\n".join(lines))
                layout.addWidget(actions)
            self.agenda_layout.addWidget(box)
            self.item_widgets.append(box)
        self.no_items.setVisible(not view.items)


class MeetingPage(QWidget):
    back = Signal()
    #: A meeting was saved or archived here (its id): the list selects it.
    touched = Signal(object)
    #: The meeting has been read and shown.
    loaded = Signal()
    #: The minutes were written (their path).
    exported = Signal(object)
    #: Where minutes were last saved in this session (suggested for the next ones).
    last_folder: Path | None = None

    def __init__(self, ctx: AppContext, window: MainWindow | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.window_ = window
        self.view: MeetingView | None = None
        self.meeting_id: uuid.UUID | None = None
        self.exported_path: Path | None = None
        self._generation = 0
        self._exporting = False
        #: How the minutes are opened (tests replace it).
        self.open_url = QDesktopServices.openUrl
        self.setAccessibleName(self.tr("Meeting"))
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        self.back_button = push_button(
            self.tr("← &Back"),
            self.tr("Back"),
            self.go_back,
            tip=self.tr("Back (Escape or Alt+Left)"),
            row=top,
        )
        self.title = QLabel()
        self.title.setFont(heading_font(self.font()))
        self.title.setAccessibleName(self.tr("Meeting title"))
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.title, 1)
        self.edit_button = push_button(
            self.tr("Ed&it"),
            self.tr("Edit this meeting"),
            self.edit,
            tip=self.tr("Edit this meeting (Ctrl+E)"),
            row=top,
        )
        self.export_button = push_button(
            self.tr("E&xport minutes (PDF)…"),
            self.tr("Export the minutes as a PDF"),
            self.export,
            tip=self.tr("Write the minutes to a PDF file (Ctrl+P)"),
            row=top,
        )
        self.archive_button = push_button(
            self.tr("&Archive"), self.tr("Archive this meeting"), self.archive, row=top
        )
        layout.addLayout(top)

        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName(self.tr("Problem"))
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem.hide()
        layout.addWidget(self.problem)

        self.exported_bar = QFrame()
        self.exported_bar.setFrameShape(QFrame.Shape.StyledPanel)
        self.exported_bar.setAccessibleName(self.tr("Minutes exported"))
        bar = QHBoxLayout(self.exported_bar)
        self.exported_label = QLabel()
        self.exported_label.setWordWrap(True)
        self.exported_label.setTextFormat(Qt.TextFormat.PlainText)
        self.exported_label.setAccessibleName(self.tr("Where the minutes were saved"))
        self.exported_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar.addWidget(self.exported_label, 1)
        self.open_pdf_button = push_button(self.tr("&Open"), self.tr("Open the minutes"), self.open_exported)
        bar.addWidget(self.open_pdf_button, 0, Qt.AlignmentFlag.AlignTop)
        self.dismiss_button = push_button(
            self.tr("Dis&miss"), self.tr("Dismiss the note"), self.exported_bar.hide
        )
        bar.addWidget(self.dismiss_button, 0, Qt.AlignmentFlag.AlignTop)
        self.exported_bar.hide()
        layout.addWidget(self.exported_bar)

        self.faces = QStackedWidget()
        self.details = MeetingDetails()
        from vcsedesk.ui.claims.links import ClaimsForRecord

        self.claims_box = ClaimsForRecord(ctx, "meetings")
        self.details.outer.insertWidget(self.details.outer.count() - 1, self.claims_box)
        self.details_scroll = QScrollArea()
        self.details_scroll.setWidgetResizable(True)
        self.details_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.details_scroll.setWidget(self.details)
        self.details_scroll.setAccessibleName(self.tr("Meeting details"))
        self.faces.addWidget(self.details_scroll)
        self._editor: MeetingEditor | None = None
        layout.addWidget(self.faces, 1)

        # Alt+Left goes back from either face; Escape only from the read view (in the form it
        # belongs to the fields: it closes a search's suggestions, a calendar…).
        self.back_action = add_shortcut(
            self, self.tr("Back"), QKeySequence(QKeySequence.StandardKey.Back), self.go_back
        )
        self.escape_action = add_shortcut(
            self, self.tr("Back to the list"), QKeySequence(Qt.Key.Key_Escape), self.go_back
        )
        self.edit_action = add_shortcut(self, self.tr("Edit this meeting"), QKeySequence("Ctrl+E"), self.edit)
        self.export_action = add_shortcut(
            self, self.tr("Export the minutes"), QKeySequence("Ctrl+P"), self.export
        )
        ctx.hub.changed.connect(self.on_changed)
        self._show_header()

    # -- the form, built when first needed ---------------------------------------------------
    @property
    def editor(self) -> MeetingEditor:
        if self._editor is None:
            from vcsedesk.ui.meetings.editor import MeetingEditor

            self._editor = MeetingEditor(self.ctx)
            self.faces.addWidget(self._editor)
            self._editor.created.connect(self._created)
            self._editor.saved.connect(self._saved)
            self._editor.cancelled.connect(self._form_cancelled)
            self._editor.reload_requested.connect(self.reload)
        return self._editor

    @property
    def editing(self) -> bool:
        return self._editor is not None and self.faces.currentWidget() is self._editor

    # -- showing -----------------------------------------------------------------------------
    def open(self, meeting_id: uuid.UUID) -> None:
        """Show a meeting (read view)."""
        if self.editing:
            self.faces.setCurrentWidget(self.details_scroll)
        if meeting_id != self.meeting_id:
            self.view = None
            self.exported_bar.hide()
        self.meeting_id = meeting_id
        self._show_header()
        self._fetch(meeting_id)

    def new(self) -> None:
        """An empty form for a new meeting."""
        self.meeting_id = None
        self.view = None
        self.exported_bar.hide()
        self.problem.hide()
        self.editor.start_new()
        self.faces.setCurrentWidget(self.editor)
        self._show_header()
        self.editor.focus_first()

    def reload(self) -> None:
        if self.meeting_id is not None:
            self._fetch(self.meeting_id, force=True)

    def _fetch(self, meeting_id: uuid.UUID, *, force: bool = False) -> None:
        if self.ctx.db is None:
            return
        self._generation += 1
        generation = self._generation
        self.ctx.worker.submit(
            read_meeting,
            self.ctx.database,
            meeting_id,
            on_done=lambda view: self._arrived(generation, view, force),
            on_error=self._refused,
            label=self.tr("Reading the meeting…"),
        )

    def _arrived(self, generation: int, view: MeetingView, force: bool) -> None:
        if generation != self._generation or view.id != self.meeting_id:
            return
        self.problem.hide()
        self.view = view
        self.details.show_meeting(view, date.today())
        self.claims_box.show_for(view.id)
        if self.editing:
            editor = self.editor
            if force or not editor.dirty or editor.meeting is None or editor.meeting.id != view.id:
                editor.show_meeting(view)
            # else: keep what is being typed; a save will say if it is stale
        self._show_header()
        self.loaded.emit()

    def _refused(self, exc: UserError) -> None:
        self.problem.setText("⚠ " + str(exc))
        self.problem.show()

    def _show_header(self) -> None:
        from vcsedesk.services.base import Permission

        view = self.view
        editable = may(self.ctx, Permission.EDIT_RECORDS)
        self.escape_action.setEnabled(not self.editing)
        self.edit_action.setEnabled(not self.editing)
        self.export_action.setEnabled(not self.editing and view is not None)
        if self.editing:
            if self.meeting_id is None:
                self.title.setText(self.tr("New meeting"))
            else:
                self.title.setText(self.tr("Editing: {title}").format(title=view.title if view else ""))
            for button in (self.edit_button, self.export_button, self.archive_button):
                button.hide()
            return
        self.title.setText(view.title if view is not None else self.tr("Reading the meeting…"))
        live = view is not None and not view.archived
        for button in (self.edit_button, self.export_button, self.archive_button):
            button.setVisible(view is not None)
        self.edit_button.setEnabled(editable and live)
        self.archive_button.setEnabled(editable and live)
        self.export_button.setEnabled(view is not None and not self._exporting)

    # -- editing -----------------------------------------------------------------------------
    @Slot()
    def edit(self) -> None:
        from vcsedesk.services.base import Permission

        view = self.view
        if self.editing or view is None or view.archived or not may(self.ctx, Permission.EDIT_RECORDS):
            return
        editor = self.editor
        editor.show_meeting(view)
        self.faces.setCurrentWidget(editor)
        self._show_header()
        editor.focus_first()

    def _created(self, meeting_id: uuid.UUID) -> None:
        self.faces.setCurrentWidget(self.details_scroll)
        self.open(meeting_id)
        self.touched.emit(meeting_id)
        self.details_scroll.setFocus(Qt.FocusReason.OtherFocusReason)

    def _saved(self) -> None:
        self.faces.setCurrentWidget(self.details_scroll)
        self._show_header()
        self.reload()
        self.touched.emit(self.meeting_id)
        self.edit_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _form_cancelled(self) -> None:
        if self.meeting_id is None:
            self.back.emit()
            return
        self.faces.setCurrentWidget(self.details_scroll)
        self._show_header()
        self.edit_button.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def go_back(self) -> None:
        """From the form: back to the read view (asking if typing would be lost); else to the list."""
        if self.editing:
            self.editor.cancel()
            return
        self.back.emit()

    # -- archiving ---------------------------------------------------------------------------
    @Slot()
    def archive(self) -> None:
        view = self.view
        if view is None or view.archived or self.editing:
            return
        box = archive_question(
            self,
            self.tr("Archive the meeting"),
            self.tr("Archive “{title}”?").format(title=view.title),
            self.tr(
                "It leaves the list and searches, and its actions leave the tracker. Nothing is lost: "
                "undo with Ctrl+Z."
            ),
        )
        box.accepted.connect(lambda: self._archive(view))
        box.open()

    def _archive(self, view: MeetingView) -> None:
        from vcsedesk.services import meetings

        self.ctx.hub.perform(
            meetings.archive_meeting,
            self.ctx.database,
            self.ctx.acting,
            view.id,
            view.version,
            on_done=lambda _c: self._archived(view),
            on_error=self._refused,
            label=self.tr("Archiving the meeting…"),
        )

    def _archived(self, view: MeetingView) -> None:
        if self.meeting_id == view.id:
            self.meeting_id = None
            self.view = None
            self.back.emit()

    # -- minutes -----------------------------------------------------------------------------
    def _default_path(self, view: MeetingView) -> str:
        last = MeetingPage.last_folder
        base = last if last is not None and last.is_dir() else documents_folder()
        return str(base / minutes_file_name(view))

    @Slot()
    def export(self) -> None:
        """Ask where to save the minutes, then write them on the worker."""
        view = self.view
        if view is None or self.editing or self._exporting:
            return
        chosen, _filter = QFileDialog.getSaveFileName(
            self,
            self.tr("Save the minutes as"),
            self._default_path(view),
            self.tr("PDF document (*.pdf)"),
        )
        if not chosen:
            return
        path = with_suffix(Path(chosen), ".pdf")
        self._exporting = True
        self._show_header()
        self.ctx.worker.submit(
            export_minutes,
            self.ctx.database,
            view.id,
            path,
            on_done=self._exported,
            on_error=self._refused,
            on_settled=self._export_settled,
            label=self.tr("Writing the minutes…"),
        )

    def _exported(self, path: Path) -> None:
        self.exported_path = path
        self.exported_label.setText(self.tr("Minutes saved to {path}").format(path=path))
        self.exported_bar.show()
        self.open_pdf_button.setFocus(Qt.FocusReason.OtherFocusReason)
        MeetingPage.last_folder = path.parent
        if self.window_ is not None:
            self.window_.note(self.tr("Minutes saved to {path}").format(path=path))
        self.exported.emit(path)

    def _export_settled(self) -> None:
        self._exporting = False
        self._show_header()

    @Slot()
    def open_exported(self) -> None:
        path = self.exported_path
        if path is None:
            return
        if not self.open_url(QUrl.fromLocalFile(str(path))):
            self._refused(
                UserError(f"No program on this computer opens PDF files. The minutes are saved as {path}.")
            )

    # -- changes -----------------------------------------------------------------------------
    def on_changed(self, changes: Changes) -> None:
        if self.meeting_id is not None and changes.tables & PAGE_TABLES:
            self._fetch(self.meeting_id)
