"""Quick entry: an engagement recorded in under a minute, by keyboard alone.

Ctrl+Shift+E (Record ▸ Quick entry…) opens a form whose Tab order follows how a volunteer
tells it: when, what kind, (a title, or the one made for them), where, who — named people
and a head-count with one group — themes, a summary, one quote and who needs reimbursing.
Ctrl+Enter saves; Esc asks whether to keep the draft.

Everything typed is kept as a draft in the data folder (``DraftStore``, kind
``quick-engagement``, one per user): 300 ms after the last change and at once when the focus
moves, so a crash or a power cut loses at most the last few keys.  When vcsedesk starts with
a draft left over, it asks whether to open it; the shortcut also brings it back.

A quote's sharing level is checked against the speaker's consent as soon as it is chosen
(on the worker), and the reason is shown beside the quote.  Saving goes through
:func:`vcsedesk.services.quick_entry.record_quick_engagement`: the engagement and a draft
claim per person to reimburse, as one change; its problems are shown beside their fields and
the focus goes to the first.
"""

from __future__ import annotations

import functools
import itertools
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QDate, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QGuiApplication,
    QHideEvent,
    QKeySequence,
    QShortcut,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.engagement import (
    MAX_HEADCOUNT,
    EngagementDraft,
    HeadcountEntry,
    ParticipantEntry,
    QuoteEntry,
    Sharing,
    sharing_purpose,
)
from vcsedesk.domain.errors import UserError, ValidationError
from vcsedesk.store.drafts import Draft, DraftStore
from vcsedesk.ui.engagements.pickers import ContactPicker, ThemePicker
from vcsedesk.ui.widgets import problem_label, show_problem

if TYPE_CHECKING:
    from vcsedesk.domain.consent import Decision
    from vcsedesk.services.base import Changes
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext

log = logging.getLogger(__name__)

DRAFT_KIND = "quick-engagement"
#: Save the draft this long after the last change (milliseconds); at once on a focus change.
DRAFT_DELAY_MS = 300
SHORTCUT = "Ctrl+Shift+E"
IdRole = Qt.ItemDataRole.UserRole + 1


# -- reading the lists ------------------------------------------------------------------------
@dataclass(frozen=True)
class QuickChoices:
    types: list[tuple[uuid.UUID, str]]
    wards: list[str]


def read_quick_choices(db: Database) -> QuickChoices:
    """The engagement types in use (in their order) and the wards (on the worker)."""
    from vcsedesk.services import contacts, engagement_lists

    return QuickChoices(
        types=[(t.id, t.name) for t in engagement_lists.list_types(db)],
        wards=contacts.wards(db),
    )


def check_sharing(db: Database, speaker_id: uuid.UUID, sharing: Sharing, on: date) -> Decision | None:
    """May ``speaker_id``'s words be shared at ``sharing``?  None when no consent is needed."""
    from vcsedesk.services import consent

    purpose = sharing_purpose(sharing)
    if purpose is None:
        return None
    return consent.may_use(db, speaker_id, purpose, on)


def automatic_title(kind: str, venue: str, ward: str, online: bool) -> str:
    """The title used when none is typed: "Drop-in at Canal Street Library"."""
    place = venue.strip() or ward.strip()
    if not kind:
        return ""
    if place:
        return f"{kind} at {place}"
    return f"{kind} online" if online else kind


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


# -- the dialog -------------------------------------------------------------------------------
class DateField(QDateEdit):
    """A date box that Tab leaves (QDateEdit's Tab walks day, month, year first); typing the
    digits moves through the parts by itself, and Left/Right move between them."""

    def focusNextPrevChild(self, next: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next)


class QuickEntryDialog(QDialog):
    """The quick entry form (see the module docstring)."""

    #: The engagement was saved (its id).
    saved = Signal(object)
    #: The lists have arrived and any draft has been put back: the form can be typed into.
    ready = Signal()
    #: A consent check came back and was shown (tests wait for this).
    consent_checked = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, draft: Draft | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.store = DraftStore(ctx.folder.drafts)
        self.owner = ctx.acting.user_id
        self.is_ready = False
        self._choices_loaded = False
        self.saving = False
        self._restoring = False
        self._pending_values: dict[str, Any] | None = draft.values if draft else None
        self._consent_asked: tuple[uuid.UUID, str] | None = None
        self._consent_problem = ""
        self._reimburse_checked: set[uuid.UUID] = set()
        self.problems: dict[str, str] = {}
        self.setWindowTitle(self.tr("Quick entry"))
        self.setAccessibleName(self.tr("Quick entry of an engagement"))
        self.setObjectName("quick_entry")
        self._build()
        if draft is not None:
            when = draft.saved_at.astimezone().strftime("%d %b %Y at %H:%M")
            self.restored_note.setText(
                self.tr("Put back the entry you had not saved, from {when}.").format(when=when)
            )
            self.restored_row.show()
        self.draft_timer = QTimer(self)
        self.draft_timer.setSingleShot(True)
        self.draft_timer.setInterval(DRAFT_DELAY_MS)
        self.draft_timer.timeout.connect(self.save_draft)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        ctx.worker.submit(
            read_quick_choices,
            ctx.database,
            on_done=self._choices_arrived,
            label=self.tr("Opening quick entry…"),
        )

    # -- building -----------------------------------------------------------------------------
    def _build(self) -> None:
        self.restored_note = QLabel()
        self.restored_note.setWordWrap(True)
        self.restored_note.setAccessibleName(self.tr("Draft put back"))
        self.afresh_button = QPushButton(self.tr("Start &afresh"))
        self.afresh_button.setAccessibleName(self.tr("Start afresh, forgetting the draft"))
        self.afresh_button.setAutoDefault(False)
        self.afresh_button.clicked.connect(self.start_afresh)
        self.restored_row = QWidget()
        row = QHBoxLayout(self.restored_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("ℹ"))
        row.addWidget(self.restored_note, 1)
        row.addWidget(self.afresh_button)
        self.restored_row.hide()

        # When and what.
        self.on_date = DateField(QDate.currentDate())
        self.on_date.setDisplayFormat("dd/MM/yyyy")
        self.on_date.setCalendarPopup(True)
        self.on_date.setAccessibleName(self.tr("Date"))
        self.kind = QComboBox()
        self.kind.setAccessibleName(self.tr("Type of engagement"))
        self.kind.setPlaceholderText(self.tr("Type the first letters…"))
        self.kind.setMinimumContentsLength(14)
        self.title = QLineEdit()
        self.title.setAccessibleName(self.tr("Title (optional)"))
        self.title.setMaxLength(200)

        # Where.
        self.venue = QLineEdit()
        self.venue.setAccessibleName(self.tr("Venue"))
        self.venue.setPlaceholderText(self.tr("Venue"))
        self.ward = QComboBox()
        self.ward.setAccessibleName(self.tr("Ward"))
        self.ward.setMinimumContentsLength(12)
        self.ward.addItem(self.tr("No ward"), None)
        self.online = QCheckBox(self.tr("O&nline"))
        self.online.setAccessibleName(self.tr("Online"))

        # Who.
        self.people = ContactPicker(self.ctx, accessible_name=self.tr("Find a named participant"))
        self.anonymous = QSpinBox()
        self.anonymous.setRange(0, MAX_HEADCOUNT)
        self.anonymous.setAccessibleName(self.tr("Anonymous head-count"))
        self.anonymous.setSuffix(self.tr(" not named"))
        self.anonymous.setMinimumWidth(self.fontMetrics().averageCharWidth() * 18)
        self.group_count = QSpinBox()
        self.group_count.setRange(0, MAX_HEADCOUNT)
        self.group_count.setAccessibleName(self.tr("Of whom, how many in the group"))
        self.group_label = QLineEdit()
        self.group_label.setAccessibleName(self.tr("The group (e.g. under 25)"))
        self.group_label.setPlaceholderText(self.tr("e.g. under 25"))
        self.group_label.setMaxLength(120)

        # About.
        self.themes = ThemePicker(self.ctx, compact=True, accessible_name=self.tr("Themes"))
        self.summary = QPlainTextEdit()
        self.summary.setTabChangesFocus(True)
        self.summary.setAccessibleName(self.tr("Summary"))
        self.summary.setPlaceholderText(self.tr("What was said, in a few lines"))
        self._lines_high(self.summary, 4)

        # A quote.
        self.quote = QPlainTextEdit()
        self.quote.setTabChangesFocus(True)
        self.quote.setAccessibleName(self.tr("Quote, word for word"))
        self.quote.setPlaceholderText(self.tr("Word for word, as it was said (optional)"))
        self._lines_high(self.quote, 3)
        self.quote.setMaximumHeight(self.quote.fontMetrics().lineSpacing() * 5 + 12)
        self.speaker = QComboBox()
        self.speaker.setAccessibleName(self.tr("Who said it"))
        self.speaker.addItem(self.tr("Not named"), None)
        self.speaker.setMinimumContentsLength(12)
        self.sharing = QComboBox()
        self.sharing.setAccessibleName(self.tr("How far the quote may be shared"))
        for level in Sharing:
            self.sharing.addItem(self.tr(level.label), level.value)

        # Reimbursing.
        self.reimburse_model = QStandardItemModel(self)
        self.reimburse = QListView()
        self.reimburse.setModel(self.reimburse_model)
        self.reimburse.setAccessibleName(self.tr("Who needs reimbursing"))
        self.reimburse.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        line = self.reimburse.fontMetrics().height() + 6
        self.reimburse.setMinimumHeight(line * 2 + 4)
        self.reimburse.setMaximumHeight(line * 4 + 4)
        self.reimburse_empty = QLabel(
            self.tr("Add named people above; then tick here who needs reimbursing.")
        )
        self.reimburse_empty.setWordWrap(True)
        self.facilitated = QCheckBox(
            self.tr("I &facilitated this ({name})").format(name=self.ctx.acting.name)
        )
        self.facilitated.setAccessibleName(self.tr("I facilitated this"))
        self.facilitated.setChecked(True)

        # Problems beside each field.
        self.problem_labels: dict[str, QLabel] = {}
        for key, name in (
            ("on_date", self.tr("Date problem")),
            ("type_id", self.tr("Type problem")),
            ("title", self.tr("Title problem")),
            ("where", self.tr("Place problem")),
            ("participants", self.tr("Participants problem")),
            ("anonymous_count", self.tr("Head-count problem")),
            ("headcount_groups", self.tr("Group problem")),
            ("theme_ids", self.tr("Themes problem")),
            ("summary", self.tr("Summary problem")),
            ("quotes", self.tr("Quote problem")),
            ("reimburse", self.tr("Reimbursing problem")),
            ("general", self.tr("Problem")),
        ):
            self.problem_labels[key] = problem_label(name)

        self.save_button = QPushButton(self.tr("&Save (Ctrl+Enter)"))
        self.save_button.setAccessibleName(self.tr("Save the engagement"))
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.submit)
        self.close_button = QPushButton(self.tr("Close (Esc)"))
        self.close_button.setAccessibleName(self.tr("Close, keeping or discarding the draft"))
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        self.draft_state = QLabel()
        self.draft_state.setAccessibleName(self.tr("Draft"))

        # Layout: two columns (the event and who; what was said).
        left = QFormLayout()
        right = QFormLayout()
        for form in (left, right):
            form.setVerticalSpacing(8)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        when = QHBoxLayout()
        when.addWidget(self.on_date)
        when.addWidget(self.kind, 1)
        self._row(left, self.tr("&When, what:"), self.on_date, when, "on_date", "type_id")
        self._row(left, self.tr("&Title:"), self.title, self.title, "title")
        where = QVBoxLayout()
        where.setSpacing(4)
        where.addWidget(self.venue)
        ward_row = QHBoxLayout()
        ward_row.addWidget(self.ward, 1)
        ward_row.addWidget(self.online)
        where.addLayout(ward_row)
        self._row(left, self.tr("Whe&re:"), self.venue, where, "where")
        self._row(left, self.tr("W&ho:"), self.people, self.people, "participants")
        count = QVBoxLayout()
        count.setSpacing(4)
        count_row = QHBoxLayout()
        count_row.addWidget(self.anonymous)
        count_row.addStretch(1)
        count.addLayout(count_row)
        group_row = QHBoxLayout()
        of_whom = QLabel(self.tr("of whom"))
        of_whom.setBuddy(self.group_count)
        group_row.addWidget(of_whom)
        group_row.addWidget(self.group_count)
        group_row.addWidget(self.group_label, 1)
        count.addLayout(group_row)
        self._row(left, self.tr("&Also came:"), self.anonymous, count, "anonymous_count", "headcount_groups")
        reimburse = QVBoxLayout()
        reimburse.setSpacing(2)
        reimburse.addWidget(self.reimburse)
        reimburse.addWidget(self.reimburse_empty)
        self._row(left, self.tr("Reim&burse:"), self.reimburse, reimburse, "reimburse")
        left.addRow("", self.facilitated)

        self._row(right, self.tr("T&hemes:"), self.themes, self.themes, "theme_ids")
        self._row(right, self.tr("Su&mmary:"), self.summary, self.summary, "summary")
        quote = QVBoxLayout()
        quote.setSpacing(4)
        quote.addWidget(self.quote)
        said = QHBoxLayout()
        said.addWidget(QLabel(self.tr("said by")))
        said.addWidget(self.speaker, 1)
        said.addWidget(self.sharing, 1)
        quote.addLayout(said)
        self._row(right, self.tr("&Quote:"), self.quote, quote, "quotes")

        columns = QHBoxLayout()
        columns.setSpacing(24)
        for form in (left, right):
            column = QVBoxLayout()
            column.addLayout(form)
            column.addStretch(1)  # rows keep their natural height; the space goes below
            columns.addLayout(column, 1)
        chars = self.fontMetrics().averageCharWidth()
        self.setMinimumWidth(chars * 120)
        self.resize(max(self.sizeHint().width(), chars * 150), max(self.sizeHint().height(), chars * 90))
        buttons = QHBoxLayout()
        buttons.addWidget(self.draft_state, 1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.save_button)
        outer = QVBoxLayout(self)
        outer.addWidget(self.restored_row)
        outer.addLayout(columns, 1)
        outer.addWidget(self.problem_labels["general"])
        outer.addLayout(buttons)

        chain: list[QWidget] = [
            self.on_date,
            self.kind,
            self.title,
            self.venue,
            self.ward,
            self.online,
            self.people.edit,
            self.anonymous,
            self.group_count,
            self.group_label,
            self.themes.filter,
            self.themes.tree,
            self.summary,
            self.quote,
            self.speaker,
            self.sharing,
            self.reimburse,
            self.facilitated,
            self.save_button,
            self.close_button,
            self.afresh_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

        for key in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(self.submit)

        # Every change keeps the draft.
        self.on_date.dateChanged.connect(self._edited)
        self.kind.currentIndexChanged.connect(self._place_changed)
        self.title.textEdited.connect(self._edited)
        self.venue.textChanged.connect(self._place_changed)
        self.ward.currentIndexChanged.connect(self._place_changed)
        self.online.toggled.connect(self._place_changed)
        self.people.changed.connect(self._people_changed)
        self.anonymous.valueChanged.connect(self._edited)
        self.group_count.valueChanged.connect(self._edited)
        self.group_label.textChanged.connect(self._edited)
        self.themes.changed.connect(self._edited)
        self.themes.loaded.connect(self._maybe_ready)
        self.summary.textChanged.connect(self._edited)
        self.quote.textChanged.connect(self._quote_changed)
        self.speaker.currentIndexChanged.connect(self._quote_changed)
        self.sharing.currentIndexChanged.connect(self._quote_changed)
        self.reimburse_model.itemChanged.connect(self._reimburse_ticked)
        self.facilitated.toggled.connect(self._edited)
        self._people_changed(save=False)

    def _row(
        self,
        form: QFormLayout,
        text: str,
        buddy: QWidget,
        field: QWidget | QHBoxLayout | QVBoxLayout,
        *keys: str,
    ) -> None:
        label = QLabel(text)
        label.setBuddy(buddy)
        box = QVBoxLayout()
        box.setSpacing(2)
        if isinstance(field, QWidget):
            box.addWidget(field)
        else:
            box.addLayout(field)
        for key in keys:
            box.addWidget(self.problem_labels[key])
        form.addRow(label, box)

    @staticmethod
    def _lines_high(edit: QPlainTextEdit, lines: int) -> None:
        metrics = edit.fontMetrics()
        edit.setMinimumHeight(metrics.lineSpacing() * lines + 12)

    # -- loading ------------------------------------------------------------------------------
    def _choices_arrived(self, choices: QuickChoices) -> None:
        self._restoring = True
        try:
            for type_id, name in choices.types:
                self.kind.addItem(name, str(type_id))
            self.kind.setCurrentIndex(-1)
            for ward in choices.wards:
                self.ward.addItem(ward, ward)
        finally:
            self._restoring = False
        self._choices_loaded = True
        self._maybe_ready()

    @Slot()
    def _maybe_ready(self) -> None:
        if self.is_ready or not self._choices_loaded or not self.themes.has_loaded:
            return
        if self._pending_values is not None:
            self.restore(self._pending_values)
            self._pending_values = None
        self.is_ready = True
        self._update_title_hint()
        self.on_date.setFocus(Qt.FocusReason.OtherFocusReason)
        self.ready.emit()
        self._check_consent()

    # -- the draft ----------------------------------------------------------------------------
    def day(self) -> date:
        chosen = self.on_date.date()
        return date(chosen.year(), chosen.month(), chosen.day())

    def values(self) -> dict[str, Any]:
        """Everything typed, as JSON for the draft."""
        return {
            "on_date": self.day().isoformat(),
            "type_id": self.kind.currentData(),
            "type_name": self.kind.currentText() if self.kind.currentIndex() >= 0 else "",
            "title": self.title.text(),
            "venue": self.venue.text(),
            "ward": self.ward.currentData(),
            "online": self.online.isChecked(),
            "participants": [[str(i), name, role] for i, name, role in self.people.selected()],
            "anonymous_count": self.anonymous.value(),
            "group_count": self.group_count.value(),
            "group_label": self.group_label.text(),
            "theme_ids": [str(t) for t in self.themes.selected_ids()],
            "summary": self.summary.toPlainText(),
            "quote": self.quote.toPlainText(),
            "speaker_id": self.speaker.currentData(),
            "sharing": self.sharing.currentData(),
            "reimburse": [str(i) for i in self.reimburse_ids()],
            "facilitated": self.facilitated.isChecked(),
        }

    def is_blank(self) -> bool:
        """Nothing has been typed or chosen (the date and the defaults do not count)."""
        v = self.values()
        return not (
            v["type_id"]
            or v["title"].strip()
            or v["venue"].strip()
            or v["ward"]
            or v["online"]
            or v["participants"]
            or v["anonymous_count"]
            or v["group_count"]
            or v["group_label"].strip()
            or v["theme_ids"]
            or v["summary"].strip()
            or v["quote"].strip()
        )

    def restore(self, values: dict[str, Any]) -> None:
        """Put a draft's values back into the form."""
        self._restoring = True
        try:
            day = QDate.fromString(str(values.get("on_date", "")), Qt.DateFormat.ISODate)
            self.on_date.setDate(day if day.isValid() else QDate.currentDate())
            type_index = self.kind.findData(values.get("type_id"))
            if type_index < 0 and values.get("type_id") and values.get("type_name"):
                self.kind.addItem(str(values["type_name"]), values["type_id"])  # archived since
                type_index = self.kind.count() - 1
            self.kind.setCurrentIndex(type_index)
            self.title.setText(str(values.get("title") or ""))
            self.venue.setText(str(values.get("venue") or ""))
            ward = values.get("ward")
            if ward and self.ward.findData(ward) < 0:
                self.ward.addItem(str(ward), ward)
            self.ward.setCurrentIndex(max(self.ward.findData(ward), 0) if ward else 0)
            self.online.setChecked(bool(values.get("online")))
            people = [p for p in values.get("participants") or [] if isinstance(p, list) and len(p) >= 2]
            self._reimburse_checked = {i for i in map(_uuid, values.get("reimburse") or []) if i}
            self.people.set_selected(people)
            self.anonymous.setValue(int(values.get("anonymous_count") or 0))
            self.group_count.setValue(int(values.get("group_count") or 0))
            self.group_label.setText(str(values.get("group_label") or ""))
            self.themes.set_selected(i for i in map(_uuid, values.get("theme_ids") or []) if i)
            self.summary.setPlainText(str(values.get("summary") or ""))
            self.quote.setPlainText(str(values.get("quote") or ""))
            self.speaker.setCurrentIndex(max(self.speaker.findData(values.get("speaker_id")), 0))
            self.sharing.setCurrentIndex(max(self.sharing.findData(values.get("sharing")), 0))
            self.facilitated.setChecked(bool(values.get("facilitated", True)))
        finally:
            self._restoring = False
        self._people_changed(save=False)
        self._update_title_hint()

    @Slot()
    def _edited(self) -> None:
        if self._restoring or not self.is_ready:
            return
        self.draft_timer.start()

    @Slot()
    def save_draft(self) -> None:
        """Keep what is typed now (or forget the draft if the form is blank)."""
        self.draft_timer.stop()
        if not self.is_ready or self.saving:
            return
        try:
            if self.is_blank():
                self.store.discard(DRAFT_KIND, self.owner)
                self.draft_state.clear()
            else:
                self.store.save(DRAFT_KIND, self.owner, self.values())
                self.draft_state.setText(
                    self.tr("Draft kept at {time}").format(time=datetime.now().strftime("%H:%M:%S"))
                )
        except OSError as exc:
            log.warning("Could not keep the quick entry draft: %s", exc)
            self.draft_state.setText(
                self.tr("⚠ The draft could not be kept: {error}").format(error=exc.strerror or exc)
            )

    @Slot(QWidget, QWidget)
    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if self.draft_timer.isActive() and any(w is not None and self.isAncestorOf(w) for w in (old, new)):
            self.save_draft()

    @Slot()
    def start_afresh(self) -> None:
        self.store.discard(DRAFT_KIND, self.owner)
        self.restore({"on_date": date.today().isoformat()})
        self._show_problems({})
        self.restored_row.hide()
        self.draft_state.clear()
        self.on_date.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- reacting to fields -------------------------------------------------------------------
    @Slot()
    def _place_changed(self) -> None:
        self._update_title_hint()
        self._edited()

    def _update_title_hint(self) -> None:
        hint = automatic_title(
            self.kind.currentText() if self.kind.currentIndex() >= 0 else "",
            self.venue.text(),
            self.ward.currentText() if self.ward.currentData() else "",
            self.online.isChecked(),
        )
        self.title.setPlaceholderText(
            self.tr("Leave blank for “{title}”").format(title=hint) if hint else self.tr("Optional")
        )

    def _people_changed(self, save: bool = True) -> None:
        """The chosen people are who can be quoted and reimbursed."""
        chosen = self.people.selected()
        if not self._restoring:
            self._reimburse_checked = (
                set(self.reimburse_ids()) if self.reimburse_model.rowCount() else (self._reimburse_checked)
            )
        speaker = self.speaker.currentData()
        self.speaker.blockSignals(True)
        while self.speaker.count() > 1:
            self.speaker.removeItem(1)
        for contact_id, name, _role in chosen:
            self.speaker.addItem(name, str(contact_id))
        self.speaker.setCurrentIndex(max(self.speaker.findData(speaker), 0))
        self.speaker.blockSignals(False)
        self.reimburse_model.blockSignals(True)
        self.reimburse_model.clear()
        for contact_id, name, _role in chosen:
            item = QStandardItem(name)
            item.setEditable(False)
            item.setCheckable(True)
            item.setData(str(contact_id), IdRole)
            item.setCheckState(
                Qt.CheckState.Checked if contact_id in self._reimburse_checked else Qt.CheckState.Unchecked
            )
            self.reimburse_model.appendRow(item)
        self.reimburse_model.blockSignals(False)
        self.reimburse.reset()
        if chosen:
            self.reimburse.setCurrentIndex(self.reimburse_model.index(0, 0))
        self.reimburse.setVisible(bool(chosen))
        self.reimburse_empty.setVisible(not chosen)
        if save:
            self._quote_changed()

    def reimburse_ids(self) -> list[uuid.UUID]:
        out = []
        for row in range(self.reimburse_model.rowCount()):
            item = self.reimburse_model.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(uuid.UUID(item.data(IdRole)))
        return out

    @Slot(QStandardItem)
    def _reimburse_ticked(self, _item: QStandardItem) -> None:
        self._reimburse_checked = set(self.reimburse_ids())
        self._edited()

    @Slot()
    def _quote_changed(self) -> None:
        self._check_consent()
        self._edited()

    def _check_consent(self) -> None:
        """Say at once whether the speaker's consent allows the sharing level chosen."""
        if not self.is_ready:
            return
        speaker = _uuid(self.speaker.currentData())
        sharing = Sharing(self.sharing.currentData())
        if sharing is Sharing.NAMED and speaker is None:
            self._consent_asked = None
            self._show_quote_problem(
                self.tr("A quote shared with a name needs its speaker: choose who said it.")
            )
            return
        if speaker is None or sharing_purpose(sharing) is None:
            self._consent_asked = None
            self._show_quote_problem("")
            self.consent_checked.emit()
            return
        asked = (speaker, sharing.value)
        if asked == self._consent_asked:
            return
        self._consent_asked = asked
        self.ctx.worker.submit(
            check_sharing,
            self.ctx.database,
            speaker,
            sharing,
            date.today(),
            on_done=functools.partial(self._consent_arrived, asked),
            label=self.tr("Checking consent…"),
        )

    def _consent_arrived(self, asked: tuple[uuid.UUID, str], decision: Decision | None) -> None:
        if asked != self._consent_asked:  # the choice changed meanwhile
            return
        if decision is None or decision.allowed:
            self._show_quote_problem("")
        else:
            name = self.speaker.currentText()
            level = Sharing(asked[1]).label.lower()
            self._show_quote_problem(
                self.tr(
                    "{name}'s consent does not allow “{level}”: {reason} Choose a lower sharing level."
                ).format(name=name, level=self.tr(level), reason=decision.reason)
            )
        self.consent_checked.emit()

    def _show_quote_problem(self, text: str) -> None:
        self._consent_problem = text
        show_problem(self.problem_labels["quotes"], text or self.problems.get("quotes[0]"))

    # -- saving -------------------------------------------------------------------------------
    def draft(self) -> EngagementDraft:
        """The engagement as typed, for the service."""
        kind_name = self.kind.currentText() if self.kind.currentIndex() >= 0 else ""
        ward = self.ward.currentData()
        title = self.title.text().strip() or automatic_title(
            kind_name, self.venue.text(), str(ward or ""), self.online.isChecked()
        )
        groups: tuple[HeadcountEntry, ...] = ()
        if self.group_count.value() or self.group_label.text().strip():
            groups = (HeadcountEntry(self.group_label.text(), self.group_count.value()),)
        quotes: tuple[QuoteEntry, ...] = ()
        if self.quote.toPlainText().strip():
            quotes = (
                QuoteEntry(
                    self.quote.toPlainText(),
                    str(self.sharing.currentData()),
                    _uuid(self.speaker.currentData()),
                    tuple(self.themes.selected_ids()),
                ),
            )
        return EngagementDraft(
            title=title,
            type_id=_uuid(self.kind.currentData()),
            on_date=self.day(),
            venue=self.venue.text(),
            ward=str(ward) if ward else None,
            online=self.online.isChecked(),
            summary=self.summary.toPlainText(),
            anonymous_count=self.anonymous.value(),
            headcount_groups=groups,
            facilitator_ids=(self.ctx.acting.user_id,) if self.facilitated.isChecked() else (),
            participants=tuple(ParticipantEntry(i, role) for i, _name, role in self.people.selected()),
            theme_ids=tuple(self.themes.selected_ids()),
            quotes=quotes,
        )

    @Slot()
    def submit(self) -> None:
        from vcsedesk.services.quick_entry import record_quick_engagement

        if not self.is_ready or self.saving:
            return
        self.save_draft()
        self.saving = True
        self.save_button.setEnabled(False)
        self.ctx.hub.perform(
            record_quick_engagement,
            self.ctx.database,
            self.ctx.acting,
            self.draft(),
            self.reimburse_ids(),
            date.today(),
            on_done=self._saved,
            on_error=self._refused,
            on_settled=self._settled,
            label=self.tr("Saving the engagement…"),
        )

    def _saved(self, changes: Changes) -> None:
        self.store.discard(DRAFT_KIND, self.owner)
        self.draft_timer.stop()
        created = sorted(changes.created.get("engagements", set()), key=str)
        self.is_ready = False  # nothing more to keep
        self.accept()
        self.saved.emit(created[0] if created else None)

    def _refused(self, exc: UserError) -> None:
        if isinstance(exc, ValidationError) and exc.problems:
            self._show_problems(dict(exc.problems))
        else:
            self._show_problems({"general": str(exc)})

    def _settled(self) -> None:
        self.saving = False
        self.save_button.setEnabled(True)

    # -- problems -----------------------------------------------------------------------------
    def _field_of(self, name: str) -> tuple[str, QWidget]:
        """The problem label key and the widget for a service field name."""
        base = name.split("[", 1)[0]
        table: dict[str, tuple[str, QWidget]] = {
            "on_date": ("on_date", self.on_date),
            "type_id": ("type_id", self.kind),
            "title": ("title", self.title),
            "venue": ("where", self.venue),
            "ward": ("where", self.ward),
            "online": ("where", self.online),
            "participants": ("participants", self.people.edit),
            "facilitator_ids": ("participants", self.facilitated),
            "anonymous_count": ("anonymous_count", self.anonymous),
            "headcount_groups": ("headcount_groups", self.group_count),
            "theme_ids": ("theme_ids", self.themes.filter),
            "summary": ("summary", self.summary),
            "quotes": ("quotes", self.quote),
            "reimburse": ("reimburse", self.reimburse),
        }
        return table.get(base, ("general", self.save_button))

    def _show_problems(self, problems: dict[str, str]) -> None:
        self.problems = problems
        texts: dict[str, list[str]] = {}
        first: tuple[int, QWidget] | None = None
        order = list(self.problem_labels)
        for name, text in problems.items():
            key, widget = self._field_of(name)
            texts.setdefault(key, []).append(text)
            rank = order.index(key)
            if first is None or rank < first[0]:
                first = (rank, widget)
        for key, label in self.problem_labels.items():
            shown = " ".join(texts.get(key, []))
            if key == "quotes" and not shown:
                shown = self._consent_problem
            show_problem(label, shown)
        if first is not None:
            first[1].setFocus(Qt.FocusReason.OtherFocusReason)

    # -- closing ------------------------------------------------------------------------------
    def reject(self) -> None:
        """Esc or Close: ask whether to keep the draft (nothing to ask about a blank form)."""
        if not self.is_ready or self.is_blank():
            self.store.discard(DRAFT_KIND, self.owner)
            self.is_ready = False
            super().reject()
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Close quick entry"))
        box.setText(self.tr("Keep what you typed as a draft to finish later?"))
        box.setInformativeText(self.tr("It will be offered back next time you open quick entry."))
        keep = box.addButton(self.tr("&Keep the draft"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("&Discard it"), QMessageBox.ButtonRole.DestructiveRole)
        back = box.addButton(self.tr("&Go back"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(back)
        box.setAccessibleName(self.tr("Close quick entry"))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: self._close_answered(box.buttonRole(button)))
        self.close_question = box
        box.open()

    def _close_answered(self, role: QMessageBox.ButtonRole) -> None:
        if role == QMessageBox.ButtonRole.RejectRole:
            return
        if role == QMessageBox.ButtonRole.AcceptRole:
            self.save_draft()
        else:
            self.store.discard(DRAFT_KIND, self.owner)
        self.draft_timer.stop()
        self.is_ready = False
        super().reject()

    def done(self, result: int) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.disconnect(self._focus_changed)
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.is_ready and not self.is_blank():
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        if self.draft_timer.isActive():
            self.save_draft()
        super().hideEvent(event)


# -- the launcher -----------------------------------------------------------------------------
class QuickEntryLauncher(QObject):
    """The menu action and shortcut that open quick entry, and the offer of a leftover draft."""

    opened = Signal(object)

    def __init__(self, ctx: AppContext, window: QMainWindow) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.window = window
        self.store = DraftStore(ctx.folder.drafts)
        self.dialog: QuickEntryDialog | None = None
        self.question: QMessageBox | None = None
        self.action = QAction(self.tr("&Quick entry…"), window)
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.setStatusTip(self.tr("Record an engagement quickly, by keyboard"))
        self.action.triggered.connect(self.open)
        window.addAction(self.action)  # the shortcut works wherever the focus is in the window
        self.menu = record_menu(window)
        self.menu.addAction(self.action)

    def pending_draft(self) -> Draft | None:
        if self.ctx.actor is None:
            return None
        return next((d for d in self.store.pending(self.ctx.actor.user_id) if d.kind == DRAFT_KIND), None)

    @Slot()
    def open(self, *, with_draft: bool = True) -> QuickEntryDialog | None:
        """Open quick entry (or bring it forward); a draft left over is put back."""
        if self.ctx.actor is None or self.ctx.db is None:
            return None
        if self.dialog is not None and self.dialog.isVisible():
            bring_forward(self.dialog)
            return self.dialog
        draft = self.pending_draft() if with_draft else None
        dialog = QuickEntryDialog(self.ctx, self.window, draft=draft)
        dialog.finished.connect(functools.partial(self._forget, dialog))
        self.dialog = dialog
        dialog.show()
        bring_forward(dialog)
        self.opened.emit(dialog)
        return dialog

    def _forget(self, dialog: QuickEntryDialog, _result: int = 0) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def offer_draft(self) -> QMessageBox | None:
        """Ask about a quick entry left unsaved (after a crash or a power cut)."""
        draft = self.pending_draft()
        if draft is None:
            return None
        when = draft.saved_at.astimezone().strftime("%d %b %Y at %H:%M")
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Unsaved quick entry"))
        box.setText(self.tr("You have an unsaved quick entry from {when}. Open it?").format(when=when))
        box.setInformativeText(self.tr("“Later” keeps it: Quick entry (Ctrl+Shift+E) will put it back."))
        open_button = box.addButton(self.tr("&Open"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("&Discard"), QMessageBox.ButtonRole.DestructiveRole)
        later = box.addButton(self.tr("&Later"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(open_button)
        box.setEscapeButton(later)
        box.setAccessibleName(self.tr("Unsaved quick entry"))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: self._offer_answered(box.buttonRole(button)))
        self.question = box
        box.open()
        return box

    def _offer_answered(self, role: QMessageBox.ButtonRole) -> None:
        self.question = None
        if role == QMessageBox.ButtonRole.AcceptRole:
            QTimer.singleShot(0, self.open)
        elif role == QMessageBox.ButtonRole.DestructiveRole and self.ctx.actor is not None:
            self.store.discard(DRAFT_KIND, self.ctx.actor.user_id)


def bring_forward(widget: QWidget) -> None:
    if QGuiApplication.platformName() != "offscreen":  # which says it cannot, as a warning
        widget.raise_()
    widget.activateWindow()


def record_menu(window: QMainWindow) -> QMenu:
    """The window's Record menu (made before Help if no one has made it yet)."""
    bar = window.menuBar()
    existing = bar.findChild(QMenu, "record_menu")
    if existing is not None:
        return existing
    menu = QMenu(QCoreApplication.translate("QuickEntry", "&Record"), bar)
    menu.setObjectName("record_menu")
    about = getattr(window, "about_action", None)
    help_action = None
    for action in bar.actions():
        submenu = action.menu()
        if isinstance(submenu, QMenu) and about in submenu.actions():
            help_action = action
    if help_action is not None:
        bar.insertMenu(help_action, menu)
    else:
        bar.addMenu(menu)
    return menu


def install_quick_entry(ctx: AppContext, window: QMainWindow) -> QuickEntryLauncher:
    """Add Record ▸ Quick entry… (Ctrl+Shift+E) to ``window`` and offer back a quick entry
    left unsaved by a crash.  Call once the data is open and someone is acting."""
    existing = window.findChild(QuickEntryLauncher)
    if isinstance(existing, QuickEntryLauncher):  # installed already: one action, one shortcut
        return existing
    launcher = QuickEntryLauncher(ctx, window)
    launcher.offer_draft()
    return launcher
