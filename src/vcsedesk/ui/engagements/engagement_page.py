"""One engagement: read in full, edited with the full form, archived and restored, with its
attachments.

The page has a header (Back, the title, Edit, Archive / Restore) over two faces in a stack:
the read view (every field, participants with their roles, the head-count and its groups,
themes, quotes with their sharing level in words and their speaker, the actions raised and
the attachments, with Add…, Open and Remove) and the edit form
(:class:`~vcsedesk.ui.engagements.engagement_form.EngagementForm`).  A new engagement opens
straight in the form.

Keys: Alt+Left or Escape goes back (from the form: back to the read view, asking first if
something typed would be lost), Ctrl+E edits, Ctrl+S saves in the form.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.errors import UserError
from vcsedesk.ui.engagements.choices import Choices, read_choices
from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.table_model import ItemsTableModel
from vcsedesk.ui.widgets import (
    add_shortcut,
    archive_question,
    day_text,
    fit_rows,
    may,
    push_button,
    small_table,
    value_label,
)

if TYPE_CHECKING:
    from vcsedesk.services.actions import ActionRow
    from vcsedesk.services.attachments import AttachmentInfo
    from vcsedesk.services.base import Changes
    from vcsedesk.services.engagements import EngagementView
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.engagements.engagement_form import EngagementForm

log = logging.getLogger(__name__)

#: Tables whose changes can alter what an engagement's page shows.
PAGE_TABLES = frozenset(
    {
        "engagements",
        "engagement_facilitators",
        "engagement_participants",
        "headcount_groups",
        "engagement_themes",
        "quotes",
        "quote_themes",
        "attachments",
        "actions",
        "contacts",
        "themes",
        "engagement_types",
        "priorities",
        "wards",
        "users",
    }
)
#: Tables whose changes alter what the form offers.
CHOICE_TABLES = frozenset({"themes", "engagement_types", "priorities", "wards", "users"})


@dataclass(frozen=True)
class Loaded:
    view: EngagementView | None
    choices: Choices
    actions: list[ActionRow] = field(default_factory=list)


def read_engagement(db: Database, engagement_id: uuid.UUID | None, today: date) -> Loaded:
    """The engagement, what the form offers, and the actions raised from it (on the worker)."""
    from vcsedesk.services import engagements

    choices = read_choices(db)
    if engagement_id is None:
        return Loaded(None, choices)
    view = engagements.get_engagement(db, engagement_id)
    actions: list[ActionRow] = []
    if view.action_ids:
        from vcsedesk.services.actions import list_actions

        actions = list_actions(db, today=today, ids=list(view.action_ids))
    return Loaded(view, choices, actions)


def save_attachment_copy(db: Database, attachment_id: uuid.UUID, folder: Path) -> Path:
    """Write an attachment's bytes (checked against its hash) to a file in ``folder``."""
    from vcsedesk.services import attachments

    name, data = attachments.content(db, attachment_id)
    target = Path(tempfile.mkdtemp(prefix="open-", dir=folder)) / name
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise UserError(f"Could not write a copy of “{name}” to open it: {exc.strerror or exc}.") from exc
    return target


_open_folder: list[Path] = []


def open_folder() -> Path:
    """A private temporary folder for copies opened in other programs, removed when vcsedesk
    closes (the program opening a copy needs it until then)."""
    if not _open_folder:
        import atexit
        import shutil

        folder = Path(tempfile.mkdtemp(prefix="vcsedesk-open-"))
        _open_folder.append(folder)
        atexit.register(shutil.rmtree, folder, True)
    return _open_folder[0]


# -- text ------------------------------------------------------------------------------------
def duration_text(minutes: int | None) -> str:
    from PySide6.QtCore import QCoreApplication

    def tr(text: str) -> str:
        return QCoreApplication.translate("Engagement", text)

    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return tr("{h} h {m} min").format(h=hours, m=rest)
    if hours:
        return tr("1 hour") if hours == 1 else tr("{h} hours").format(h=hours)
    return tr("{m} min").format(m=rest)


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def sharing_text(level: Any) -> str:
    """A sharing level in words (never by colour)."""
    from PySide6.QtCore import QCoreApplication

    from vcsedesk.domain.engagement import Sharing

    names = {
        Sharing.INTERNAL: QCoreApplication.translate("Sharing", "Internal only"),
        Sharing.ANONYMOUS: QCoreApplication.translate("Sharing", "Share anonymously"),
        Sharing.NAMED: QCoreApplication.translate("Sharing", "Share with name"),
    }
    try:
        return names[Sharing(level)]
    except ValueError:
        return str(level)


def role_text(role: str) -> str:
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.translate("ParticipantRole", role.capitalize())


# -- attachments -----------------------------------------------------------------------------
class AttachmentsModel(ItemsTableModel):
    NAME, KIND, SIZE, ADDED = range(4)
    items: list[AttachmentInfo]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [self.tr("File"), self.tr("Kind"), self.tr("Size"), self.tr("Added")]

    def cell(self, item: AttachmentInfo, column: int, role: int) -> Any:
        if column == self.NAME:
            return item.filename
        if column == self.KIND:
            return kind_text(item.media_type)
        if column == self.SIZE:
            return size_text(item.size)
        if column == self.ADDED:
            local = item.added_at.astimezone()
            return day_text(local.date()) + f"  {local:%H:%M}"
        return None


def kind_text(media_type: str) -> str:
    from PySide6.QtCore import QCoreApplication

    kinds = {
        "application/pdf": "PDF",
        "image/png": QCoreApplication.translate("Attachment", "PNG image"),
        "image/jpeg": QCoreApplication.translate("Attachment", "JPEG image"),
        "text/plain": QCoreApplication.translate("Attachment", "Text"),
    }
    if media_type in kinds:
        return kinds[media_type]
    if "wordprocessing" in media_type or media_type.endswith("opendocument.text"):
        return QCoreApplication.translate("Attachment", "Document")
    if "spreadsheet" in media_type:
        return QCoreApplication.translate("Attachment", "Spreadsheet")
    if "presentation" in media_type:
        return QCoreApplication.translate("Attachment", "Presentation")
    return media_type


class ParticipantsModel(ItemsTableModel):
    """(name, role) pairs."""

    NAME, ROLE = range(2)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)
        self.headers = [self.tr("Name"), self.tr("Role")]

    def cell(self, item: tuple[str, str], column: int, role: int) -> Any:
        return item[column]


# -- the read view ---------------------------------------------------------------------------
class EngagementDetails(QWidget):
    """Everything about one engagement, to read."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view: EngagementView | None = None
        self.setAccessibleName(self.tr("Engagement details"))
        outer = QVBoxLayout(self)

        about = QGroupBox(self.tr("About"))
        form = QFormLayout(about)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QLabel] = {}
        for key, text in (
            ("when", self.tr("When")),
            ("type", self.tr("Type")),
            ("place", self.tr("Place")),
            ("priority", self.tr("Partnership priority")),
            ("facilitators", self.tr("Facilitated by")),
            ("reach", self.tr("Who took part")),
            ("groups", self.tr("Head-count groups")),
            ("themes", self.tr("Themes")),
            ("recorded", self.tr("Recorded")),
        ):
            label = value_label(text)
            self.fields[key] = label
            form.addRow(QLabel(text + ":"), label)
        outer.addWidget(about)

        summary_box = QGroupBox(self.tr("Summary"))
        summary_layout = QVBoxLayout(summary_box)
        self.summary = value_label(self.tr("Summary"))
        summary_layout.addWidget(self.summary)
        outer.addWidget(summary_box)

        participants_box = QGroupBox(self.tr("Named participants"))
        participants_layout = QVBoxLayout(participants_box)
        self.participants_model = ParticipantsModel(self)
        self.participants = small_table(self.participants_model, self.tr("Named participants"))
        self.participants.horizontalHeader().resizeSection(
            ParticipantsModel.NAME, self.fontMetrics().averageCharWidth() * 34
        )
        participants_layout.addWidget(self.participants)
        self.no_participants = QLabel(self.tr("No one named: only the anonymous head-count."))
        self.no_participants.setAccessibleName(self.tr("No named participants"))
        participants_layout.addWidget(self.no_participants)
        outer.addWidget(participants_box)

        quotes_box = QGroupBox(self.tr("Quotes"))
        quotes_box.setAccessibleName(self.tr("Quotes"))
        self.quotes_layout = QVBoxLayout(quotes_box)
        self.quote_labels: list[QLabel] = []
        self.no_quotes = QLabel(self.tr("No quotes recorded. Edit the engagement (Ctrl+E) to add one."))
        self.no_quotes.setWordWrap(True)
        self.quotes_layout.addWidget(self.no_quotes)
        outer.addWidget(quotes_box)

        actions_box = QGroupBox(self.tr("Actions raised"))
        actions_layout = QVBoxLayout(actions_box)
        self.actions_label = value_label(self.tr("Actions raised"))
        actions_layout.addWidget(self.actions_label)
        self.add_action_button = QPushButton(self.tr("Add a follow-up a&ction…"))
        self.add_action_button.setAccessibleName(self.tr("Add a follow-up action to this engagement"))
        actions_layout.addWidget(self.add_action_button, 0, Qt.AlignmentFlag.AlignLeft)
        outer.addWidget(actions_box)

        from vcsedesk.ui.claims.links import ClaimsForRecord

        self.claims_box = ClaimsForRecord(ctx, "engagements")
        outer.addWidget(self.claims_box)

        files_box = QGroupBox(self.tr("Attachments"))
        files_layout = QVBoxLayout(files_box)
        self.attachments_model = AttachmentsModel(self)
        self.attachments = small_table(self.attachments_model, self.tr("Attachments"))
        metrics = self.fontMetrics()
        self.attachments.horizontalHeader().resizeSection(
            AttachmentsModel.NAME, metrics.averageCharWidth() * 40
        )
        self.attachments.horizontalHeader().resizeSection(
            AttachmentsModel.KIND, metrics.averageCharWidth() * 16
        )
        self.attachments.horizontalHeader().resizeSection(
            AttachmentsModel.SIZE, metrics.averageCharWidth() * 10
        )
        files_layout.addWidget(self.attachments)
        self.no_attachments = QLabel(
            self.tr(
                "No files attached. “Add file…” attaches a PDF, photo, document or text file (up to 20 MB)."
            )
        )
        self.no_attachments.setWordWrap(True)
        files_layout.addWidget(self.no_attachments)
        buttons = QHBoxLayout()
        self.add_file_button = QPushButton(self.tr("A&dd file…"))
        self.add_file_button.setAccessibleName(self.tr("Attach a file"))
        self.open_file_button = QPushButton(self.tr("O&pen file"))
        self.open_file_button.setAccessibleName(self.tr("Open the selected attachment"))
        self.remove_file_button = QPushButton(self.tr("Re&move file"))
        self.remove_file_button.setAccessibleName(self.tr("Remove the selected attachment"))
        for button in (self.add_file_button, self.open_file_button, self.remove_file_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        files_layout.addLayout(buttons)
        outer.addWidget(files_box)
        outer.addStretch(1)
        self.attachments.selectionModel().selectionChanged.connect(lambda *_: self.update_buttons())
        self.attachments.doubleClicked.connect(lambda _i: self.open_file_button.click())

    def selected_attachment(self) -> AttachmentInfo | None:
        rows = self.attachments.selectionModel().selectedRows()
        if not rows:
            index = self.attachments.currentIndex()
            if not index.isValid():
                return None
            return self.attachments_model.items[index.row()]
        return self.attachments_model.items[rows[0].row()]

    def update_buttons(self) -> None:
        from vcsedesk.services.base import Permission

        live = self.view is not None and not self.view.archived
        editable = live and may(self.ctx, Permission.EDIT_RECORDS)
        chosen = self.selected_attachment() is not None
        self.add_file_button.setEnabled(editable)
        self.add_action_button.setEnabled(editable)
        self.open_file_button.setEnabled(chosen)
        self.remove_file_button.setEnabled(editable and chosen)

    def show_engagement(self, view: EngagementView, actions: list[ActionRow]) -> None:
        self.view = view
        when = day_text(view.on_date, weekday=True)
        if view.start_time is not None:
            when += f", {view.start_time:%H:%M}"
        if view.duration_minutes:
            when += " " + self.tr("for {duration}").format(duration=duration_text(view.duration_minutes))
        self.fields["when"].setText(when)
        self.fields["type"].setText(view.type_name)
        self.fields["place"].setText(view.place or self.tr("Not recorded"))
        self.fields["priority"].setText(view.priority_name or self.tr("None"))
        self.fields["facilitators"].setText(
            ", ".join(name for _, name in view.facilitators) or self.tr("Not recorded")
        )
        named = len(view.participants)
        parts = [self.tr("{n} named").format(n=named)] if named else []
        if view.anonymous_count:
            parts.append(self.tr("{n} counted anonymously").format(n=view.anonymous_count))
        people = self.tr("1 person") if view.reach == 1 else self.tr("{n} people").format(n=view.reach)
        self.fields["reach"].setText(people + (" (" + ", ".join(parts) + ")" if parts else ""))
        self.fields["groups"].setText(
            "; ".join(
                self.tr("{label}: {count}").format(label=g.label, count=g.count)
                for g in view.headcount_groups
            )
            or self.tr("None")
        )
        self.fields["themes"].setText("; ".join(path for _, path in view.themes) or self.tr("None"))
        recorded = day_text(view.created_at.astimezone().date())
        self.fields["recorded"].setText(
            self.tr("{when} by {who}").format(when=recorded, who=view.recorded_by)
            if view.recorded_by
            else recorded
        )
        self.summary.setText(view.summary or self.tr("No summary written."))
        self.participants_model.set_items([(p.name, role_text(p.role)) for p in view.participants])
        fit_rows(self.participants, len(view.participants))
        self.participants.setVisible(bool(view.participants))
        self.no_participants.setVisible(not view.participants)
        self._show_quotes(view)
        self._show_actions(actions)
        self.claims_box.show_for(view.id)
        self.attachments_model.set_items(list(view.attachments))
        fit_rows(self.attachments, len(view.attachments))
        self.attachments.setVisible(bool(view.attachments))
        self.no_attachments.setVisible(not view.attachments)
        self.update_buttons()

    def _show_quotes(self, view: EngagementView) -> None:
        for label in self.quote_labels:
            label.hide()
            label.deleteLater()
        self.quote_labels = []
        paths = dict(view.themes)
        for number, quote in enumerate(view.quotes, start=1):
            label = value_label(self.tr("Quote {n}").format(n=number))
            label.setFrameShape(QFrame.Shape.StyledPanel)
            label.setMargin(self.fontMetrics().averageCharWidth())
            speaker = quote.speaker_name or self.tr("Speaker not named")
            detail = [speaker, self.tr("Sharing: {level}").format(level=sharing_text(quote.sharing))]
            names = [paths.get(t) for t in quote.theme_ids]
            if quote.theme_ids:
                known = [n for n in names if n]
                detail.append(
                    self.tr("Themes: {themes}").format(themes="; ".join(known))
                    if known
                    else self.tr("{n} themes").format(n=len(quote.theme_ids))
                )
            label.setText(f"“{quote.text}”\n— " + " · ".join(detail))
            self.quotes_layout.addWidget(label)
            self.quote_labels.append(label)
        self.no_quotes.setVisible(not view.quotes)

    def _show_actions(self, actions: list[ActionRow]) -> None:
        if not actions:
            self.actions_label.setText(self.tr("No follow-up actions raised from this engagement."))
            return
        lines = []
        for action in actions:
            bits = [action.status.label]
            if action.overdue:
                bits.insert(0, "⚠ " + self.tr("Overdue"))
            if action.owner:
                bits.append(self.tr("owner {name}").format(name=action.owner))
            if action.due_on is not None:
                bits.append(self.tr("due {day}").format(day=day_text(action.due_on)))
            lines.append(f"• {action.title} — " + ", ".join(bits))
        self.actions_label.setText("\n".join(lines))


# -- the page --------------------------------------------------------------------------------
class EngagementPage(QWidget):
    back = Signal()
    #: An engagement was saved, archived or restored here (its id): the log selects it.
    touched = Signal(object)
    #: The engagement has been read and shown.
    loaded = Signal()

    def __init__(self, ctx: AppContext, window: QWidget | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.window_ = window
        self.view: EngagementView | None = None
        self.engagement_id: uuid.UUID | None = None
        self.choices: Choices | None = None
        self._generation = 0
        #: How an attachment's copy is opened (tests replace it).
        self.open_url = QDesktopServices.openUrl
        self.setAccessibleName(self.tr("Engagement"))
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
        self.title.setAccessibleName(self.tr("Engagement title"))
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.title, 1)
        self.edit_button = push_button(
            self.tr("Ed&it"),
            self.tr("Edit this engagement"),
            self.edit,
            tip=self.tr("Edit this engagement (Ctrl+E)"),
            row=top,
        )
        self.archive_button = push_button(
            self.tr("&Archive"), self.tr("Archive this engagement"), self.archive_or_restore, row=top
        )
        layout.addLayout(top)

        self.archived_note = QLabel(
            "⚠ "
            + self.tr(
                "Archived: this engagement is out of the log, counts and searches. Restore it to make changes."
            )
        )
        self.archived_note.setWordWrap(True)
        self.archived_note.setAccessibleName(self.tr("Archived"))
        self.archived_note.hide()
        layout.addWidget(self.archived_note)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName(self.tr("Problem"))
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem.hide()
        layout.addWidget(self.problem)

        self.faces = QStackedWidget()
        self.details = EngagementDetails(ctx)
        self.details_scroll = QScrollArea()
        self.details_scroll.setWidgetResizable(True)
        self.details_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.details_scroll.setWidget(self.details)
        self.faces.addWidget(self.details_scroll)
        self._form: EngagementForm | None = None
        layout.addWidget(self.faces, 1)

        self.details.add_file_button.clicked.connect(self.add_file)
        self.details.add_action_button.clicked.connect(self.add_action)
        self.details.open_file_button.clicked.connect(self.open_file)
        self.details.remove_file_button.clicked.connect(self.remove_file)

        # Alt+Left goes back from either face; Escape only from the read view (in the form
        # it belongs to the fields: it closes a picker's suggestions, a calendar…).
        self.back_action = add_shortcut(
            self, self.tr("Back"), QKeySequence(QKeySequence.StandardKey.Back), self.go_back
        )
        self.escape_action = add_shortcut(
            self, self.tr("Back to the log"), QKeySequence(Qt.Key.Key_Escape), self.go_back
        )
        self.edit_action = add_shortcut(self, self.tr("Edit this engagement"), "Ctrl+E", self.edit)
        ctx.hub.changed.connect(self.on_changed)
        self._show_header()

    # -- the form, built when first needed ---------------------------------------------------
    @property
    def form(self) -> EngagementForm:
        if self._form is None:
            from vcsedesk.ui.engagements.engagement_form import EngagementForm

            self._form = EngagementForm(self.ctx)
            self.faces.addWidget(self._form)
            self._form.created.connect(self._created)
            self._form.saved.connect(self._saved)
            self._form.cancelled.connect(self._form_cancelled)
            self._form.reload_requested.connect(self.reload)
            if self.choices is not None:
                self._form.set_choices(self.choices)
        return self._form

    @property
    def editing(self) -> bool:
        return self._form is not None and self.faces.currentWidget() is self._form

    # -- showing -----------------------------------------------------------------------------
    @Slot(object)
    def open(self, engagement_id: uuid.UUID) -> None:
        """Show an engagement (read view)."""
        if self._form is not None and self.editing:
            self.faces.setCurrentWidget(self.details_scroll)
        if engagement_id != self.engagement_id:
            self.view = None
        self.engagement_id = engagement_id
        self._show_header()
        self._fetch(engagement_id)

    def new(self) -> None:
        """An empty form for a new engagement."""
        self.engagement_id = None
        self.view = None
        self.form.start_new()
        self.faces.setCurrentWidget(self.form)
        self._show_header()
        self._fetch(None)
        self.form.focus_first()

    def reload(self) -> None:
        if self.engagement_id is not None:
            self._fetch(self.engagement_id, force=True)

    def _fetch(self, engagement_id: uuid.UUID | None, *, force: bool = False) -> None:
        if self.ctx.db is None:
            return
        self._generation += 1
        generation = self._generation
        self.ctx.worker.submit(
            read_engagement,
            self.ctx.database,
            engagement_id,
            date.today(),
            on_done=lambda loaded: self._arrived(generation, engagement_id, loaded, force),
            on_error=self._refused,
            label=self.tr("Reading the engagement…"),
        )

    def _arrived(self, generation: int, engagement_id: uuid.UUID | None, loaded: Loaded, force: bool) -> None:
        if generation != self._generation:
            return
        self.choices = loaded.choices
        if self._form is not None:
            self._form.set_choices(loaded.choices)
        if engagement_id is None or loaded.view is None:
            return
        self.problem.hide()
        self.view = loaded.view
        self.details.show_engagement(loaded.view, loaded.actions)
        if self._form is not None and self.editing:
            form = self._form
            if force or not form.dirty or form.engagement is None or form.engagement.id != engagement_id:
                form.show_engagement(loaded.view)
            # else: keep what is being typed; a save will say if it is stale
        self._show_header()
        self.loaded.emit()

    def _refused(self, exc: UserError) -> None:
        self.problem.setText("⚠ " + str(exc))
        self.problem.show()

    def _show_header(self) -> None:
        view = self.view
        from vcsedesk.services.base import Permission

        editable = may(self.ctx, Permission.EDIT_RECORDS)
        self.escape_action.setEnabled(not self.editing)
        self.edit_action.setEnabled(not self.editing)
        if self.editing:
            if self.engagement_id is None:
                self.title.setText(self.tr("New engagement"))
            else:
                self.title.setText(self.tr("Editing: {title}").format(title=view.title if view else ""))
            self.back_button.setText(self.tr("← &Back"))
            self.edit_button.hide()
            self.archive_button.hide()
            self.archived_note.hide()
            return
        self.title.setText(view.title if view is not None else self.tr("Reading the engagement…"))
        archived = bool(view and view.archived)
        self.edit_button.setVisible(view is not None)
        self.edit_button.setEnabled(editable and not archived)
        self.archive_button.setVisible(view is not None)
        self.archive_button.setEnabled(editable)
        self.archive_button.setText(self.tr("Re&store") if archived else self.tr("&Archive"))
        self.archive_button.setAccessibleName(
            self.tr("Restore this engagement") if archived else self.tr("Archive this engagement")
        )
        self.archived_note.setVisible(archived)
        self.details.update_buttons()

    # -- editing -----------------------------------------------------------------------------
    @Slot()
    def edit(self) -> None:
        from vcsedesk.services.base import Permission

        view = self.view
        if self.editing or view is None or view.archived or not may(self.ctx, Permission.EDIT_RECORDS):
            return
        form = self.form
        if self.choices is not None:
            form.set_choices(self.choices)
        form.show_engagement(view)
        self.faces.setCurrentWidget(form)
        self._show_header()
        form.focus_first()

    def _created(self, engagement_id: uuid.UUID) -> None:
        self.faces.setCurrentWidget(self.details_scroll)
        self.open(engagement_id)
        self.touched.emit(engagement_id)
        self.details_scroll.setFocus(Qt.FocusReason.OtherFocusReason)

    def _saved(self) -> None:
        self.faces.setCurrentWidget(self.details_scroll)
        self._show_header()
        self.reload()
        self.touched.emit(self.engagement_id)
        self.edit_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _form_cancelled(self) -> None:
        if self.engagement_id is None:
            self.back.emit()
            return
        self.faces.setCurrentWidget(self.details_scroll)
        self._show_header()
        self.edit_button.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def go_back(self) -> None:
        """From the form: back to the read view (asking if typing would be lost); else to the list."""
        if self.editing:
            self.form.cancel()
            return
        self.back.emit()

    # -- archive and restore -----------------------------------------------------------------
    @Slot()
    def archive_or_restore(self) -> None:
        view = self.view
        if view is None or self.editing:
            return
        if view.archived:
            self._archive_or_restore(view)
            return
        box = archive_question(
            self,
            self.tr("Archive the engagement"),
            self.tr("Archive “{title}”?").format(title=view.title),
            self.tr(
                "It leaves the log, the counts and searches. Nothing is lost: you can restore it, "
                "or undo with Ctrl+Z."
            ),
        )
        box.accepted.connect(lambda: self._archive_or_restore(view))
        box.open()

    def _archive_or_restore(self, view: EngagementView) -> None:
        from vcsedesk.services import engagements

        call = engagements.restore_engagement if view.archived else engagements.archive_engagement
        self.ctx.hub.perform(
            call,
            self.ctx.database,
            self.ctx.acting,
            view.id,
            view.version,
            on_done=lambda _c: self.touched.emit(view.id),
            on_error=self._refused,
            label=self.tr("Restoring the engagement…")
            if view.archived
            else self.tr("Archiving the engagement…"),
        )

    # -- actions ---------------------------------------------------------------------------
    @Slot()
    def add_action(self) -> None:
        """Raise a follow-up action from this engagement (the tracker's own dialog)."""
        from vcsedesk.ui.actions.dialog import ActionDialog

        if self.view is None or self.view.archived:
            return
        dialog = ActionDialog(
            self.ctx,
            parent=self,
            engagement_id=self.view.id,
            source_text=self.tr("Raised from the engagement “{title}”.").format(title=self.view.title),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.action_dialog = dialog
        dialog.open()

    # -- attachments -------------------------------------------------------------------------
    @Slot()
    def add_file(self) -> None:
        """Choose a file (a dialog, answered like any other) and attach it."""
        if self.view is None or self.view.archived:
            return
        dialog = QFileDialog(self, self.tr("Attach a file to the engagement"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setNameFilters(
            [
                self.tr(
                    "Documents and photos (*.pdf *.png *.jpg *.jpeg *.docx *.xlsx *.pptx *.odt *.ods *.txt)"
                ),
                self.tr("All files (*)"),
            ]
        )
        dialog.setAccessibleName(self.tr("Attach a file"))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: self.attach_path(Path(path)))
        self.file_dialog = dialog
        dialog.open()

    def attach_path(self, path: Path) -> None:
        from vcsedesk.services import attachments
        from vcsedesk.store.models import Engagement

        view = self.view
        if view is None:
            return
        self.ctx.hub.perform(
            attachments.attach_file,
            self.ctx.database,
            self.ctx.acting,
            Engagement.__tablename__,
            view.id,
            path,
            on_error=self._refused,
            label=self.tr("Attaching {name}…").format(name=path.name),
        )

    @Slot()
    def open_file(self) -> None:
        """Write the attachment to a private temporary folder and open it with the
        computer's program for that kind of file."""
        item = self.details.selected_attachment()
        if item is None:
            return
        self.ctx.worker.submit(
            save_attachment_copy,
            self.ctx.database,
            item.id,
            open_folder(),
            on_done=self._copy_ready,
            on_error=self._refused,
            label=self.tr("Opening {name}…").format(name=item.filename),
        )

    def _copy_ready(self, path: Path) -> None:
        self.opened_copy = path
        if not self.open_url(QUrl.fromLocalFile(str(path))):
            self._refused(
                UserError(f"No program on this computer opens “{path.name}”. A copy was saved as {path}.")
            )

    @Slot()
    def remove_file(self) -> None:
        from vcsedesk.services import attachments

        item = self.details.selected_attachment()
        if item is None or self.view is None or self.view.archived:
            return
        self.ctx.hub.perform(
            attachments.remove_attachment,
            self.ctx.database,
            self.ctx.acting,
            item.id,
            item.version,
            on_error=self._refused,
            label=self.tr("Removing {name}…").format(name=item.filename),
        )

    # -- changes -----------------------------------------------------------------------------
    def on_changed(self, changes: Changes) -> None:
        if self.engagement_id is None or not (changes.tables & PAGE_TABLES):
            if self.engagement_id is None and changes.tables & CHOICE_TABLES and self.editing:
                self._fetch(None)
            return
        self._fetch(self.engagement_id)
