"""The full engagement form: every field of an
:class:`~vcsedesk.domain.engagement.EngagementDraft`, for a new or a saved engagement.

Every change rebuilds the draft and checks it with the rule the service applies
(``clean_engagement``); each problem is shown beside its field (``title``, ``on_date``,
``headcount_groups[1]``, ``quotes[0]`` …) and Save stays off while any remain.  What only the
service can judge — a quote's sharing level against its speaker's consent, a retired theme, an
unknown ward — comes back as a ValidationError and is shown beside the field too (a refused
quote with the consent service's reason), until that field is changed.  A stale save is
refused by the service: the form says so plainly, keeps what was typed and offers to reload.

Keys: Tab moves through the fields in order (Tab leaves a multi-line box too), Ctrl+S saves,
Alt+C adds a head-count group, Alt+Q adds a quote; Cancel (or Alt+Left on the page) leaves,
asking first if something typed would be lost.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.domain.engagement import (
    MAX_DURATION_MINUTES,
    MAX_HEADCOUNT,
    EngagementDraft,
    HeadcountEntry,
    ParticipantEntry,
    QuoteEntry,
    Sharing,
    clean_engagement,
)
from vcsedesk.domain.errors import UserError, ValidationError
from vcsedesk.store.drafts import Draft, DraftStore
from vcsedesk.ui.banner import reload_banner, show_refusal
from vcsedesk.ui.engagements.engagement_page import sharing_text
from vcsedesk.ui.engagements.pickers import ContactPicker, ThemePicker, UserPicker
from vcsedesk.ui.widgets import (
    add_field,
    as_date,
    ask_discard,
    may,
    note_strip,
    parse_time,
    problem_label,
    problems_text,
    push_button,
    save_record,
    show_problem,
)

if TYPE_CHECKING:
    from vcsedesk.services.base import Changes
    from vcsedesk.services.engagements import EngagementView
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.engagements.choices import Choices

log = logging.getLogger(__name__)

#: Drafts of the full form are kept per engagement: ``engagement-new`` or ``engagement-<id hex>``.
DRAFT_PREFIX = "engagement-"
#: Wait this long after the last change before writing the draft (milliseconds).
DRAFT_DELAY_MS = 400


def draft_kind(engagement_id: uuid.UUID | None) -> str:
    return DRAFT_PREFIX + (engagement_id.hex if engagement_id is not None else "new")


def draft_engagement_id(kind: str) -> uuid.UUID | None:
    """The engagement a draft kind is about (None: a new one); ValueError if not ours."""
    if not kind.startswith(DRAFT_PREFIX):
        raise ValueError(kind)
    rest = kind[len(DRAFT_PREFIX) :]
    return None if rest == "new" else uuid.UUID(hex=rest)


def _ids(values: Any) -> tuple[uuid.UUID, ...]:
    return tuple(uuid.UUID(str(v)) for v in values or ())


def _id(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None


def _no_wheel(widget: QWidget) -> None:
    """Spin boxes and combos inside a scrolled form take focus by click or Tab only, so a
    scroll of the page does not change them."""
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


def _plain(edit: QPlainTextEdit, lines: int) -> None:
    edit.setTabChangesFocus(True)
    height = edit.fontMetrics().lineSpacing() * lines + 12
    edit.setMinimumHeight(height)
    edit.setMaximumHeight(height * 2)


# -- head-count groups -----------------------------------------------------------------------
class GroupRow(QWidget):
    edited = Signal()
    remove_requested = Signal(object)

    def __init__(self, form: EngagementForm, label: str = "", count: int = 1) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLineEdit(label)
        self.label.setPlaceholderText(form.tr("for example Under 25, Carers, Arabic speakers"))
        self.count = QSpinBox()
        self.count.setRange(0, MAX_HEADCOUNT)
        self.count.setValue(count)
        self.count.setGroupSeparatorShown(True)
        self.count.setMaximumWidth(self.count.fontMetrics().averageCharWidth() * 14)
        _no_wheel(self.count)
        self.remove = QPushButton(form.tr("Remove"))
        self.problem = problem_label("")
        policy = self.problem.sizePolicy()
        policy.setRetainSizeWhenHidden(False)
        self.problem.setSizePolicy(policy)
        layout.addWidget(self.label, 3)
        layout.addWidget(self.count, 1)
        layout.addWidget(self.remove)
        layout.addWidget(self.problem, 3)
        self.label.textEdited.connect(lambda _t: self.edited.emit())
        self.count.valueChanged.connect(lambda _v: self.edited.emit())
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))

    def number(self, n: int, form: EngagementForm) -> None:
        self.label.setAccessibleName(form.tr("Group {n} name").format(n=n))
        self.count.setAccessibleName(form.tr("Group {n} count").format(n=n))
        self.remove.setAccessibleName(form.tr("Remove group {n}").format(n=n))
        self.problem.setAccessibleName(form.tr("Group {n} problem").format(n=n))

    def entry(self) -> HeadcountEntry:
        return HeadcountEntry(self.label.text(), self.count.value())


# -- quotes ----------------------------------------------------------------------------------
class QuoteRow(QFrame):
    """One quote: its words, who said it (or not named), how far it may be shared, its themes."""

    edited = Signal()
    remove_requested = Signal(object)

    def __init__(self, form: EngagementForm, entry: QuoteEntry | None = None) -> None:
        super().__init__()
        self.form = form
        self.quote_id = entry.id if entry is not None else None
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        self.heading = QLabel()
        head.addWidget(self.heading, 1)
        self.remove = QPushButton(form.tr("Remove quote"))
        head.addWidget(self.remove)
        layout.addLayout(head)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(form.tr("The words as they were said"))
        _plain(self.text, 3)
        layout.addWidget(self.text)
        details = QFormLayout()
        self.speaker = QComboBox()
        self.speaker.setMinimumContentsLength(20)
        _no_wheel(self.speaker)
        self.sharing = QComboBox()
        for level in Sharing:
            self.sharing.addItem(sharing_text(level), level.value)
        _no_wheel(self.sharing)
        self.speaker_label = QLabel(form.tr("Said by:"))
        self.speaker_label.setBuddy(self.speaker)
        self.sharing_label = QLabel(form.tr("Sharing:"))
        self.sharing_label.setBuddy(self.sharing)
        details.addRow(self.speaker_label, self.speaker)
        details.addRow(self.sharing_label, self.sharing)
        layout.addLayout(details)
        self.themes = ThemePicker(form.ctx, compact=True)
        self.themes_label = QLabel(form.tr("Themes of this quote:"))
        self.themes_label.setBuddy(self.themes.filter)
        layout.addWidget(self.themes_label)
        layout.addWidget(self.themes)
        self.problem = problem_label("")
        layout.addWidget(self.problem)
        self._speaker_wanted: uuid.UUID | None = None
        self.set_speakers(form.participant_choices())
        if entry is not None:
            self.text.setPlainText(entry.text)
            self.sharing.setCurrentIndex(max(0, self.sharing.findData(entry.sharing)))
            self.set_speaker(entry.speaker_id)
            self.themes.set_selected(entry.theme_ids)
        self.text.textChanged.connect(self.edited.emit)
        self.speaker.currentIndexChanged.connect(self._speaker_chosen)
        self.sharing.currentIndexChanged.connect(lambda _i: self.edited.emit())
        self.themes.changed.connect(self.edited.emit)
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))

    def number(self, n: int) -> None:
        form = self.form
        self.heading.setText(form.tr("Quote {n}").format(n=n))
        self.setAccessibleName(form.tr("Quote {n}").format(n=n))
        self.text.setAccessibleName(form.tr("Quote {n}: the words").format(n=n))
        self.speaker.setAccessibleName(form.tr("Quote {n}: said by").format(n=n))
        self.sharing.setAccessibleName(form.tr("Quote {n}: sharing level").format(n=n))
        self.themes.tree.setAccessibleName(form.tr("Quote {n}: themes").format(n=n))
        self.themes.filter.setAccessibleName(form.tr("Find a theme for quote {n}").format(n=n))
        self.remove.setAccessibleName(form.tr("Remove quote {n}").format(n=n))
        self.problem.setAccessibleName(form.tr("Quote {n} problem").format(n=n))

    def set_speakers(self, people: list[tuple[uuid.UUID, str]]) -> None:
        """Offer the named participants as speakers (keeping the choice while it is offered)."""
        wanted = self.speaker_id()
        self.speaker.blockSignals(True)
        self.speaker.clear()
        self.speaker.addItem(self.form.tr("Not named"), None)
        for contact_id, name in people:
            self.speaker.addItem(name, str(contact_id))
        index = self.speaker.findData(str(wanted)) if wanted is not None else 0
        self.speaker.setCurrentIndex(max(index, 0))
        self.speaker.blockSignals(False)
        if wanted is not None and index < 0:
            self.edited.emit()  # the speaker is no longer a participant: not named now

    def set_speaker(self, speaker_id: uuid.UUID | None) -> None:
        index = self.speaker.findData(str(speaker_id)) if speaker_id is not None else 0
        self.speaker.setCurrentIndex(max(index, 0))

    def _speaker_chosen(self, _index: int) -> None:
        self.edited.emit()

    def speaker_id(self) -> uuid.UUID | None:
        data = self.speaker.currentData() if self.speaker.count() else None
        return uuid.UUID(data) if data else None

    def entry(self) -> QuoteEntry:
        return QuoteEntry(
            text=self.text.toPlainText(),
            sharing=self.sharing.currentData(),
            speaker_id=self.speaker_id(),
            theme_ids=tuple(self.themes.selected_ids()),
            id=self.quote_id,
        )


# -- the form --------------------------------------------------------------------------------
class EngagementForm(QWidget):
    """Record or change an engagement."""

    #: A new engagement was saved (its id).
    created = Signal(object)
    #: The engagement being edited was saved.
    saved = Signal()
    #: Left without saving.
    cancelled = Signal()
    #: Read the engagement again from the database (after a conflict).
    reload_requested = Signal()
    dirty_changed = Signal(bool)
    #: Filled from a saved engagement or emptied for a new one.
    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.engagement: EngagementView | None = None
        self.problems: dict[str, str] = {}
        #: Problems the service found, shown until their field is changed.
        self.service_problems: dict[str, str] = {}
        self._touched: set[str] = set()
        self._dirty = False
        self._saving = False
        self._filling = False
        self._extra_type: tuple[uuid.UUID, str] | None = None
        self._extra_priority: tuple[uuid.UUID, str] | None = None
        self._extra_ward: str | None = None
        self.problem_labels: dict[str, QLabel] = {}
        self.form_labels: list[QLabel] = []
        self.setAccessibleName(self.tr("Engagement form"))

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.banner, self.banner_text, self.reload_button = reload_banner(
            accessible_name=self.tr("Problem saving the engagement"),
            reload_name=self.tr("Reload the engagement as saved"),
            on_reload=self._reload_clicked,
        )
        outer.addWidget(self.banner)
        self.restore_draft_button = push_button(
            self.tr("Restore the draft"), self.tr("Restore the draft that was not saved"), self.restore_draft
        )
        self.discard_draft_button = push_button(
            self.tr("Discard it"), self.tr("Discard the draft"), self.discard_offered_draft
        )
        self.draft_offer, self.draft_text = note_strip(
            self.tr("A draft that was not saved"), self.restore_draft_button, self.discard_draft_button
        )
        outer.addWidget(self.draft_offer)
        self.offered: Draft | None = None
        self._draft_version: int | None = None
        self.draft_timer = QTimer(self)
        self.draft_timer.setSingleShot(True)
        self.draft_timer.setInterval(DRAFT_DELAY_MS)
        self.draft_timer.timeout.connect(self.keep_draft)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        self.scroller.setWidget(body)
        content = QVBoxLayout(body)
        outer.addWidget(self.scroller, 1)

        # -- what and when -----------------------------------------------------------------
        what = QGroupBox(self.tr("What and when"))
        form = QFormLayout(what)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.title = QLineEdit()
        self.title.setPlaceholderText(self.tr("for example Tuesday drop-in at Canal Street Library"))
        self._add(form, "title", self.tr("&Title:"), self.title, self.tr("Title"))
        self.type = QComboBox()
        _no_wheel(self.type)
        self._add(form, "type_id", self.tr("T&ype:"), self.type, self.tr("Type of engagement"))
        self.on_date = QDateEdit()
        self.on_date.setCalendarPopup(True)
        self.on_date.setDisplayFormat("d MMM yyyy")
        _no_wheel(self.on_date)
        self._add(form, "on_date", self.tr("&Date:"), self.on_date, self.tr("Date"))
        when = QWidget()
        when_row = QHBoxLayout(when)
        when_row.setContentsMargins(0, 0, 0, 0)
        self.start_time = QLineEdit()
        self.start_time.setPlaceholderText(self.tr("10:30"))
        self.start_time.setMaximumWidth(self.fontMetrics().averageCharWidth() * 12)
        self.start_time.setAccessibleName(self.tr("Start time"))
        self.duration = QSpinBox()
        self.duration.setRange(0, MAX_DURATION_MINUTES)
        self.duration.setSingleStep(15)
        self.duration.setSuffix(self.tr(" min"))
        self.duration.setSpecialValueText(self.tr("Not recorded"))
        self.duration.setAccessibleName(self.tr("Duration in minutes"))
        _no_wheel(self.duration)
        duration_label = QLabel(self.tr("Duration:"))
        duration_label.setBuddy(self.duration)
        when_row.addWidget(self.start_time)
        when_row.addWidget(duration_label)
        when_row.addWidget(self.duration)
        when_row.addStretch(1)
        self._add(form, "start_time", self.tr("Start t&ime:"), when, "", buddy=self.start_time)
        self.problem_labels["duration_minutes"] = self.problem_labels["start_time"]
        self.priority = QComboBox()
        _no_wheel(self.priority)
        self._add(
            form,
            "priority_id",
            self.tr("Partnership pri&ority:"),
            self.priority,
            self.tr("Partnership priority"),
        )
        content.addWidget(what)

        # -- where -------------------------------------------------------------------------
        where = QGroupBox(self.tr("Where"))
        form = QFormLayout(where)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.venue = QLineEdit()
        self.venue.setPlaceholderText(self.tr("for example Canal Street Library"))
        self._add(form, "venue", self.tr("&Venue:"), self.venue, self.tr("Venue"))
        self.ward = QComboBox()
        _no_wheel(self.ward)
        self._add(form, "ward", self.tr("&Ward:"), self.ward, self.tr("Ward"))
        self.online = QCheckBox(self.tr("O&nline (a video or phone session)"))
        self.online.setAccessibleName(self.tr("Online"))
        online_label = QLabel("")
        self.form_labels.append(online_label)
        form.addRow(online_label, self.online)
        content.addWidget(where)

        # -- who ---------------------------------------------------------------------------
        who = QGroupBox(self.tr("Who"))
        form = QFormLayout(who)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.facilitators = UserPicker(ctx, rows=4, accessible_name=self.tr("Facilitators"))
        self._add(
            form,
            "facilitator_ids",
            self.tr("Faci&litated by:"),
            self.facilitators,
            "",
            buddy=self.facilitators.view,
        )
        self.participants = ContactPicker(
            ctx, with_roles=True, accessible_name=self.tr("Find a participant to add")
        )
        self._add(
            form,
            "participants",
            self.tr("Named &participants:"),
            self.participants,
            "",
            buddy=self.participants.edit,
        )
        self.anonymous_count = QSpinBox()
        self.anonymous_count.setRange(0, MAX_HEADCOUNT)
        self.anonymous_count.setGroupSeparatorShown(True)
        _no_wheel(self.anonymous_count)
        self.anonymous_count.setToolTip(self.tr("People who took part without being named"))
        self._add(
            form,
            "anonymous_count",
            self.tr("Counted &anonymously:"),
            self.anonymous_count,
            self.tr("Anonymous head-count"),
        )
        groups = QWidget()
        groups_layout = QVBoxLayout(groups)
        groups_layout.setContentsMargins(0, 0, 0, 0)
        self.groups_box = QVBoxLayout()
        groups_layout.addLayout(self.groups_box)
        self.add_group_button = QPushButton(self.tr("Add head-&count group"))
        self.add_group_button.setAccessibleName(self.tr("Add a head-count group"))
        self.add_group_button.setToolTip(self.tr("For example “4 of them under 25” (Alt+C)"))
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_group_button)
        add_row.addStretch(1)
        groups_layout.addLayout(add_row)
        self.group_rows: list[GroupRow] = []
        groups_label = QLabel(self.tr("Of them:"))
        self.form_labels.append(groups_label)
        form.addRow(groups_label, groups)
        content.addWidget(who)

        # -- about -------------------------------------------------------------------------
        about = QGroupBox(self.tr("What people talked about"))
        form = QFormLayout(about)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.themes = ThemePicker(ctx, accessible_name=self.tr("Themes"))
        self._add(form, "theme_ids", self.tr("The&mes:"), self.themes, "", buddy=self.themes.filter)
        self.summary = QPlainTextEdit()
        self.summary.setPlaceholderText(self.tr("What was said, what people asked for, what happens next"))
        _plain(self.summary, 6)
        self._add(form, "summary", self.tr("S&ummary:"), self.summary, self.tr("Summary"))
        content.addWidget(about)

        # -- quotes ------------------------------------------------------------------------
        quotes = QGroupBox(self.tr("Quotes"))
        quotes.setAccessibleName(self.tr("Quotes"))
        quotes_layout = QVBoxLayout(quotes)
        note = QLabel(
            self.tr(
                "Each quote has its own sharing level. Sharing needs the speaker's consent; a level "
                "their consent does not allow is refused, with the reason."
            )
        )
        note.setWordWrap(True)
        quotes_layout.addWidget(note)
        self.quotes_box = QVBoxLayout()
        quotes_layout.addLayout(self.quotes_box)
        self.add_quote_button = QPushButton(self.tr("Add &quote"))
        self.add_quote_button.setAccessibleName(self.tr("Add a quote"))
        self.add_quote_button.setToolTip(self.tr("Add a quote (Alt+Q)"))
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_quote_button)
        add_row.addStretch(1)
        quotes_layout.addLayout(add_row)
        self.quote_rows: list[QuoteRow] = []
        content.addWidget(quotes)
        content.addStretch(1)

        # -- buttons -----------------------------------------------------------------------
        bar = QHBoxLayout()
        self.status = QLabel()
        self.status.setAccessibleName(self.tr("Form status"))
        self.status.setWordWrap(True)
        bar.addWidget(self.status, 1)
        self.save_button = push_button(
            self.tr("&Save"), self.tr("Save the engagement"), self.save, tip=self.tr("Save (Ctrl+S)"), row=bar
        )
        self.cancel_button = push_button(
            self.tr("Cancel"), self.tr("Leave without saving"), self.cancel, row=bar
        )
        outer.addLayout(bar)

        save = QAction(self.tr("Save the engagement"), self)
        save.setShortcut(QKeySequence.StandardKey.Save)
        save.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        save.triggered.connect(self.save)
        self.addAction(save)

        self._align_labels()
        self._fix_tab_order()
        for spin in (self.anonymous_count, self.duration):
            spin.setMaximumWidth(self.fontMetrics().averageCharWidth() * 18)

        # -- reacting ----------------------------------------------------------------------
        self.title.textEdited.connect(lambda _t: self._edited("title"))
        self.type.currentIndexChanged.connect(lambda _i: self._edited("type_id"))
        self.on_date.dateChanged.connect(lambda _d: self._edited("on_date"))
        self.start_time.textEdited.connect(lambda _t: self._edited("start_time"))
        self.duration.valueChanged.connect(lambda _v: self._edited("duration_minutes"))
        self.priority.currentIndexChanged.connect(lambda _i: self._edited("priority_id"))
        self.venue.textEdited.connect(lambda _t: self._edited("venue"))
        self.ward.currentIndexChanged.connect(lambda _i: self._edited("ward"))
        self.online.toggled.connect(lambda _c: self._edited("online"))
        self.facilitators.changed.connect(lambda: self._edited("facilitator_ids"))
        self.participants.changed.connect(self._participants_changed)
        self.anonymous_count.valueChanged.connect(lambda _v: self._edited("anonymous_count"))
        self.themes.changed.connect(lambda: self._edited("theme_ids"))
        self.summary.textChanged.connect(lambda: self._edited("summary"))
        self.add_group_button.clicked.connect(self._add_group_clicked)
        self.add_quote_button.clicked.connect(self._add_quote_clicked)
        self.start_new()

    def _add(
        self,
        form: QFormLayout,
        key: str,
        text: str,
        widget: QWidget,
        accessible: str,
        *,
        buddy: QWidget | None = None,
    ) -> None:
        """A labelled field with its problem shown beneath it."""
        label, self.problem_labels[key] = add_field(form, text, widget, accessible, buddy=buddy)
        self.form_labels.append(label)

    def _align_labels(self) -> None:
        """One label column through every group, so the fields line up."""
        widest = max(label.sizeHint().width() for label in self.form_labels)
        for label in self.form_labels:
            label.setMinimumWidth(widest)

    # -- choices ---------------------------------------------------------------------------
    def set_choices(self, choices: Choices) -> None:
        """Fill the type, priority and ward lists (keeping what is chosen)."""
        was_filling = self._filling
        self._filling = True
        try:
            self._fill_combo(
                self.type,
                [(t.name, str(t.id)) for t in choices.types],
                None,
                self._extra_type,
            )
            self._fill_combo(
                self.priority,
                [(p.name, str(p.id)) for p in choices.priorities],
                self.tr("None"),
                self._extra_priority,
            )
            self._fill_combo(
                self.ward,
                [(w.name, w.name) for w in choices.wards],
                self.tr("No ward"),
                (self._extra_ward, self._extra_ward) if self._extra_ward else None,
            )
        finally:
            self._filling = was_filling
        if not self._filling:
            self.validate()
            self._update_buttons()

    def _fill_combo(
        self,
        combo: QComboBox,
        items: list[tuple[str, str]],
        nothing: str | None,
        extra: tuple[Any, str] | None,
    ) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        if nothing is not None:
            combo.addItem(nothing, None)
        for text, data in items:
            combo.addItem(text, data)
        if extra is not None and combo.findData(str(extra[0])) < 0:
            # An archived type or priority, or a retired ward, stays shown for this engagement.
            combo.addItem(self.tr("{name} (no longer offered)").format(name=extra[1]), str(extra[0]))
        index = combo.findData(current) if current is not None else -1
        combo.setCurrentIndex(index if index >= 0 else 0)
        combo.blockSignals(False)

    def participant_choices(self) -> list[tuple[uuid.UUID, str]]:
        return [(contact_id, name) for contact_id, name, _role in self.participants.selected()]

    # -- filling ---------------------------------------------------------------------------
    @property
    def is_new(self) -> bool:
        return self.engagement is None

    def start_new(self) -> None:
        """An empty form for a new engagement, facilitated by whoever is acting."""
        self.engagement = None
        self._extra_type = self._extra_priority = None
        self._extra_ward = None
        today = date.today()
        me = (self.ctx.actor.user_id,) if self.ctx.actor is not None else ()
        self._fill(EngagementDraft(title="", type_id=None, on_date=today, facilitator_ids=me), [])

    def show_engagement(self, view: EngagementView) -> None:
        """Fill the form from a saved engagement."""
        self.engagement = view
        self._extra_type = (view.type_id, view.type_name)
        self._extra_priority = (view.priority_id, view.priority_name or "") if view.priority_id else None
        self._extra_ward = view.ward
        people = [(p.contact_id, p.name, p.role) for p in view.participants]
        self._fill(view.as_draft(), people)

    def _fill(self, draft: EngagementDraft, people: list[tuple[uuid.UUID, str, str]]) -> None:
        self._filling = True
        try:
            self.title.setText(draft.title or "")
            self._choose(self.type, draft.type_id, self._extra_type)
            day = draft.on_date or date.today()
            self.on_date.setDate(QDate(day.year, day.month, day.day))
            self.start_time.setText(f"{draft.start_time:%H:%M}" if draft.start_time else "")
            self.duration.setValue(draft.duration_minutes or 0)
            self._choose(self.priority, draft.priority_id, self._extra_priority)
            self.venue.setText(draft.venue or "")
            if draft.ward and self.ward.findData(draft.ward) < 0:
                self.ward.addItem(draft.ward, draft.ward)
            self.ward.setCurrentIndex(max(0, self.ward.findData(draft.ward)) if draft.ward else 0)
            self.online.setChecked(draft.online)
            self.facilitators.set_selected(draft.facilitator_ids)
            self.participants.set_selected(people)
            self.anonymous_count.setValue(draft.anonymous_count)
            for row in list(self.group_rows):
                self._drop_group(row)
            for group in draft.headcount_groups:
                self._new_group(group.label, group.count)
            self.themes.set_selected(draft.theme_ids)
            self.summary.setPlainText(draft.summary or "")
            for quote in list(self.quote_rows):
                self._drop_quote(quote)
            for entry in draft.quotes:
                self._new_quote(entry)
        finally:
            self._filling = False
        self._touched.clear()
        self.service_problems.clear()
        self._draft_version = None
        self.draft_timer.stop()
        self._set_dirty(False)
        self.banner.hide()
        self.scroller.verticalScrollBar().setValue(0)
        self.validate()
        self._update_buttons()
        self._offer_draft()
        self.loaded.emit()

    def _choose(self, combo: QComboBox, value: uuid.UUID | None, extra: tuple[Any, str] | None) -> None:
        if value is None:
            combo.setCurrentIndex(0)
            return
        index = combo.findData(str(value))
        if index < 0 and extra is not None and extra[0] == value:
            combo.addItem(self.tr("{name} (no longer offered)").format(name=extra[1]), str(value))
            index = combo.count() - 1
        combo.setCurrentIndex(max(index, 0))

    def focus_first(self) -> None:
        """The title; or, when a draft that was not saved is offered, the button restoring it."""
        if not self.draft_offer.isHidden():
            self.restore_draft_button.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.title.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- rows ------------------------------------------------------------------------------
    def _new_group(self, label: str = "", count: int = 1) -> GroupRow:
        row = GroupRow(self, label, count)
        row.edited.connect(lambda: self._edited("headcount_groups"))
        row.remove_requested.connect(self._remove_group)
        self.group_rows.append(row)
        self.groups_box.addWidget(row)
        self._renumber()
        return row

    def _drop_group(self, row: GroupRow) -> None:
        self.group_rows.remove(row)
        self.groups_box.removeWidget(row)
        row.hide()
        row.deleteLater()

    @Slot()
    def _add_group_clicked(self) -> None:
        row = self._new_group()
        row.show()
        row.label.setFocus(Qt.FocusReason.OtherFocusReason)
        self._edited("headcount_groups")

    def _remove_group(self, row: GroupRow) -> None:
        index = self.group_rows.index(row)
        self._drop_group(row)
        self._renumber()
        if self.group_rows:
            self.group_rows[min(index, len(self.group_rows) - 1)].label.setFocus(
                Qt.FocusReason.OtherFocusReason
            )
        else:
            self.add_group_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self._edited("headcount_groups")

    def _new_quote(self, entry: QuoteEntry | None = None) -> QuoteRow:
        row = QuoteRow(self, entry)
        row.edited.connect(lambda r=row: self._quote_edited(r))
        row.remove_requested.connect(self._remove_quote)
        self.quote_rows.append(row)
        self.quotes_box.addWidget(row)
        self._renumber()
        return row

    def _drop_quote(self, row: QuoteRow) -> None:
        self.quote_rows.remove(row)
        self.quotes_box.removeWidget(row)
        row.hide()
        row.deleteLater()

    @Slot()
    def add_quote(self) -> QuoteRow:
        row = self._new_quote()
        row.show()
        row.text.setFocus(Qt.FocusReason.OtherFocusReason)
        self.scroller.ensureWidgetVisible(row)
        self._edited("quotes")
        return row

    @Slot()
    def _add_quote_clicked(self) -> None:
        self.add_quote()

    def _remove_quote(self, row: QuoteRow) -> None:
        index = self.quote_rows.index(row)
        self._drop_quote(row)
        self._renumber()
        # The service's problems were counted by position: they no longer line up.
        for key in [k for k in self.service_problems if k.startswith("quotes[")]:
            del self.service_problems[key]
        if self.quote_rows:
            self.quote_rows[min(index, len(self.quote_rows) - 1)].text.setFocus(
                Qt.FocusReason.OtherFocusReason
            )
        else:
            self.add_quote_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self._edited("quotes")

    def _renumber(self) -> None:
        for n, group in enumerate(self.group_rows, start=1):
            group.number(n, self)
        for n, quote in enumerate(self.quote_rows, start=1):
            quote.number(n)
        self._fix_tab_order()

    def _fix_tab_order(self) -> None:
        """Tab goes through the fields top to bottom, rows added later included."""
        chain: list[QWidget] = [
            self.title,
            self.type,
            self.on_date,
            self.start_time,
            self.duration,
            self.priority,
            self.venue,
            self.ward,
            self.online,
            self.facilitators.view,
            self.participants.last_focus_widget(),
            self.anonymous_count,
        ]
        for group in self.group_rows:
            chain += [group.label, group.count, group.remove]
        chain += [self.add_group_button, self.themes.filter, self.themes.tree, self.summary]
        for quote in self.quote_rows:
            chain += [
                quote.remove,
                quote.text,
                quote.speaker,
                quote.sharing,
                quote.themes.filter,
                quote.themes.tree,
            ]
        chain += [self.add_quote_button, self.save_button, self.cancel_button]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _quote_edited(self, row: QuoteRow) -> None:
        if row in self.quote_rows:
            self.service_problems.pop(f"quotes[{self.quote_rows.index(row)}]", None)
        self._edited("quotes")

    def _participants_changed(self) -> None:
        QWidget.setTabOrder(self.participants.last_focus_widget(), self.anonymous_count)
        people = self.participant_choices()
        for row in self.quote_rows:
            row.set_speakers(people)
        self._edited("participants")

    # -- values ----------------------------------------------------------------------------
    def draft(self) -> EngagementDraft:
        type_id = self.type.currentData()
        priority_id = self.priority.currentData()
        try:
            start = parse_time(self.start_time.text())
        except ValueError:
            start = None
        return EngagementDraft(
            title=self.title.text(),
            type_id=uuid.UUID(type_id) if type_id else None,
            on_date=as_date(self.on_date.date()),
            start_time=start,
            duration_minutes=self.duration.value() or None,
            venue=self.venue.text(),
            ward=self.ward.currentData(),
            online=self.online.isChecked(),
            priority_id=uuid.UUID(priority_id) if priority_id else None,
            summary=self.summary.toPlainText(),
            anonymous_count=self.anonymous_count.value(),
            headcount_groups=tuple(row.entry() for row in self.group_rows),
            facilitator_ids=tuple(self.facilitators.selected_ids()),
            participants=tuple(
                ParticipantEntry(contact_id, role) for contact_id, _name, role in self.participants.selected()
            ),
            theme_ids=tuple(self.themes.selected_ids()),
            quotes=tuple(row.entry() for row in self.quote_rows),
        )

    def validate(self) -> dict[str, str]:
        """Check the whole draft; show each problem beside its field; return the problems."""
        problems: dict[str, str] = {}
        try:
            clean_engagement(self.draft(), today=date.today())
        except ValidationError as exc:
            problems = dict(exc.problems)
        try:
            parse_time(self.start_time.text())
        except ValueError:
            problems["start_time"] = self.tr(
                "“{text}” is not a time of day; type it like 10:30 or 2pm, or leave it blank."
            ).format(text=self.start_time.text().strip())
        self.problems = problems
        shown = {**self.service_problems, **problems}
        if self.is_new and not self._touched & {"title", "save"}:
            shown.pop("title", None)  # not worth shouting about before anything is typed
        if self.is_new and not self._touched & {"participants", "anonymous_count", "save"}:
            shown.pop("participants", None)
        if "start_time" not in shown and "duration_minutes" in shown:
            shown["start_time"] = shown["duration_minutes"]
        for key, label in self.problem_labels.items():
            if key != "duration_minutes":
                show_problem(label, shown.get(key))
        for i, row in enumerate(self.group_rows):
            show_problem(row.problem, shown.get(f"headcount_groups[{i}]"))
        for i, quote in enumerate(self.quote_rows):
            show_problem(quote.problem, shown.get(f"quotes[{i}]"))
        return problems

    def shown_problem(self, key: str) -> str:
        """The problem shown beside a field ("" if none): for tests and screen readers."""
        if key.startswith("quotes["):
            index = int(key[7:-1])
            label = self.quote_rows[index].problem
        elif key.startswith("headcount_groups["):
            label = self.group_rows[int(key[17:-1])].problem
        else:
            label = self.problem_labels[key]
        return label.text() if not label.isHidden() else ""

    # -- editing ---------------------------------------------------------------------------
    def _edited(self, key: str) -> None:
        if self._filling:
            return
        self._touched.add(key)
        if key != "quotes":
            self.service_problems.pop(key, None)
            if key == "participants":
                # A speaker's consent may be judged differently now.
                for k in [k for k in self.service_problems if k.startswith("quotes[")]:
                    del self.service_problems[k]
        self._set_dirty(True)
        self.validate()
        self._update_buttons()
        if self.draft_offer.isVisible():
            self.draft_offer.hide()  # typing on: what is typed now is the draft
            self.offered = None
        self.draft_timer.start()

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)

    @property
    def dirty(self) -> bool:
        return self._dirty

    def _update_buttons(self) -> None:
        from vcsedesk.services.base import Permission

        ok = not self.problems and self._dirty and not self._saving and may(self.ctx, Permission.EDIT_RECORDS)
        self.save_button.setEnabled(ok)
        if self._saving:
            self.status.setText(self.tr("Saving…"))
        elif self.problems and (self._dirty or not self.is_new):
            self.status.setText(problems_text(len(self.problems)))
        elif self.service_problems:
            self.status.setText(self.tr("The engagement was not saved: see the messages beside the fields."))
        elif self._dirty:
            self.status.setText(self.tr("Unsaved changes."))
        else:
            self.status.setText("")

    # -- saving ----------------------------------------------------------------------------
    @Slot()
    def save(self) -> None:
        from vcsedesk.services import engagements

        if not self.isVisible():
            return
        self._touched.add("save")
        problems = self.validate()
        if problems or self._saving or not self._dirty or not self.save_button.isEnabled():
            self._update_buttons()
            if problems:
                self._focus_problem(problems)
            return
        self._saving = True
        self._update_buttons()
        saved = self.engagement
        version = saved.version if saved is not None else None
        if self._draft_version is not None:  # the form carries on from a kept draft
            version = self._draft_version
        save_record(
            self.ctx,
            engagements.add_engagement,
            engagements.update_engagement,
            saved.id if saved is not None else None,
            version,
            self.draft(),
            on_created=self._created,
            on_updated=self._updated,
            on_refused=self._refused,
            on_settled=self._settled,
            label=self.tr("Saving the engagement…"),
        )

    def _focus_problem(self, problems: dict[str, str]) -> None:
        """Move to the first field with a problem, so the keyboard is where the fix is."""
        order = [
            ("title", self.title),
            ("type_id", self.type),
            ("on_date", self.on_date),
            ("start_time", self.start_time),
            ("duration_minutes", self.duration),
            ("priority_id", self.priority),
            ("venue", self.venue),
            ("ward", self.ward),
            ("facilitator_ids", self.facilitators.view),
            ("participants", self.participants.edit),
            ("anonymous_count", self.anonymous_count),
        ]
        order += [(f"headcount_groups[{i}]", r.label) for i, r in enumerate(self.group_rows)]
        order += [("theme_ids", self.themes.filter), ("summary", self.summary)]
        order += [(f"quotes[{i}]", r.text) for i, r in enumerate(self.quote_rows)]
        for key, widget in order:
            if key in problems:
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
                # Once the messages are laid out: the field and its message in view.
                message = self._problem_widget(key)
                QTimer.singleShot(0, lambda w=widget, m=message: self._scroll_to(w, m))
                return

    def _problem_widget(self, key: str) -> QLabel | None:
        if key.startswith("quotes["):
            return self.quote_rows[int(key[7:-1])].problem
        if key.startswith("headcount_groups["):
            return self.group_rows[int(key[17:-1])].problem
        return self.problem_labels.get(key)

    def _scroll_to(self, widget: QWidget, message: QLabel | None) -> None:
        try:
            if message is not None and message.isVisible():
                self.scroller.ensureWidgetVisible(message)
            self.scroller.ensureWidgetVisible(widget)
        except RuntimeError:  # the row was removed meanwhile
            pass

    def _created(self, changes: Changes) -> None:
        new_id = next(iter(changes.created.get("engagements", set())), None)
        self.forget_draft()
        self._set_dirty(False)
        self.banner.hide()
        if new_id is not None:
            self.created.emit(new_id)

    def _updated(self, _changes: Changes) -> None:
        self.forget_draft()
        self._set_dirty(False)
        self.banner.hide()
        self.saved.emit()

    def _refused(self, exc: UserError) -> None:
        if isinstance(exc, ValidationError):
            self.service_problems = dict(exc.problems)
            self.validate()
            self._focus_problem(exc.problems)
        show_refusal(
            self.banner,
            self.banner_text,
            self.reload_button,
            exc,
            not_saved=self.tr("The engagement was not saved. Put right what is shown beside the fields."),
            conflict_advice=self.tr(
                "What you typed is still here: Reload shows the engagement as saved now (your "
                "changes are lost), or copy what you need first."
            ),
        )
        self._update_buttons()

    def _settled(self) -> None:
        self._saving = False
        self._update_buttons()

    def _reload_clicked(self) -> None:
        """Start again from what is saved: what was typed is let go."""
        self.forget_draft()
        self._set_dirty(False)
        self.reload_requested.emit()

    # -- crash-safe drafts -----------------------------------------------------------------
    @property
    def drafts(self) -> DraftStore | None:
        if self.ctx.actor is None:
            return None
        return DraftStore(self.ctx.folder.drafts)

    def _draft_kind(self) -> str:
        return draft_kind(self.engagement.id if self.engagement is not None else None)

    def draft_values(self) -> dict[str, Any]:
        """What is typed, as JSON values (ids and dates as text)."""
        return {
            "version": self._draft_version
            if self._draft_version is not None
            else (self.engagement.version if self.engagement is not None else None),
            "title": self.title.text(),
            "type_id": self.type.currentData(),
            "on_date": as_date(self.on_date.date()).isoformat(),
            "start_time": self.start_time.text(),
            "duration_minutes": self.duration.value(),
            "priority_id": self.priority.currentData(),
            "venue": self.venue.text(),
            "ward": self.ward.currentData(),
            "online": self.online.isChecked(),
            "facilitator_ids": [str(i) for i in self.facilitators.selected_ids()],
            "participants": [[str(i), name, role] for i, name, role in self.participants.selected()],
            "anonymous_count": self.anonymous_count.value(),
            "headcount_groups": [[row.label.text(), row.count.value()] for row in self.group_rows],
            "theme_ids": [str(i) for i in self.themes.selected_ids()],
            "summary": self.summary.toPlainText(),
            "quotes": [
                {
                    "id": str(row.quote_id) if row.quote_id else None,
                    "text": row.text.toPlainText(),
                    "sharing": row.sharing.currentData(),
                    "speaker_id": str(row.speaker_id()) if row.speaker_id() else None,
                    "theme_ids": [str(i) for i in row.themes.selected_ids()],
                }
                for row in self.quote_rows
            ],
        }

    @Slot()
    def keep_draft(self) -> None:
        """Write what is typed to the draft file (atomically), while there are changes."""
        self.draft_timer.stop()
        store = self.drafts
        if store is None or not self._dirty or self.ctx.actor is None:
            return
        try:
            store.save(self._draft_kind(), self.ctx.actor.user_id, self.draft_values())
        except OSError as exc:  # a full disk must not stop the typing
            log.warning("Could not keep the engagement draft: %s", exc)

    def forget_draft(self) -> None:
        self.draft_timer.stop()
        store = self.drafts
        if store is None or self.ctx.actor is None:
            return
        try:
            store.discard(self._draft_kind(), self.ctx.actor.user_id)
        except OSError as exc:
            log.warning("Could not remove the engagement draft: %s", exc)
        self.offered = None
        self.draft_offer.hide()

    def _offer_draft(self) -> None:
        """A draft kept for this engagement (vcsedesk closed before it was saved): offer it."""
        self.offered = None
        self.draft_offer.hide()
        store = self.drafts
        if store is None or self.ctx.actor is None:
            return
        kept = store.load(self._draft_kind(), self.ctx.actor.user_id)
        if kept is None:
            return
        self.offered = kept
        when = kept.saved_at.astimezone()
        self.draft_text.setText(
            "⚠ "
            + self.tr(
                "Changes typed here on {day} at {time} were not saved (vcsedesk closed first). "
                "Restore them to carry on, or discard them."
            ).format(day=f"{when:%d %b %Y}", time=f"{when:%H:%M}")
        )
        self.draft_offer.show()

    @Slot()
    def restore_draft(self) -> None:
        """Fill the form from the draft offered, as it was typed."""
        kept = self.offered
        if kept is None:
            return
        v = kept.values
        try:
            draft = EngagementDraft(
                title=v.get("title", ""),
                type_id=_id(v.get("type_id")),
                on_date=date.fromisoformat(v["on_date"]) if v.get("on_date") else date.today(),
                duration_minutes=int(v.get("duration_minutes") or 0) or None,
                venue=v.get("venue", ""),
                ward=v.get("ward"),
                online=bool(v.get("online")),
                priority_id=_id(v.get("priority_id")),
                summary=v.get("summary", ""),
                anonymous_count=int(v.get("anonymous_count") or 0),
                headcount_groups=tuple(
                    HeadcountEntry(str(g[0]), int(g[1])) for g in v.get("headcount_groups", [])
                ),
                facilitator_ids=_ids(v.get("facilitator_ids")),
                theme_ids=_ids(v.get("theme_ids")),
                quotes=tuple(
                    QuoteEntry(
                        text=str(q.get("text", "")),
                        sharing=str(q.get("sharing") or Sharing.INTERNAL.value),
                        speaker_id=_id(q.get("speaker_id")),
                        theme_ids=_ids(q.get("theme_ids")),
                        id=_id(q.get("id")),
                    )
                    for q in v.get("quotes", [])
                ),
            )
            people = [(uuid.UUID(str(p[0])), str(p[1]), str(p[2])) for p in v.get("participants", [])]
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            log.warning("The engagement draft could not be read back: %s", exc)
            self.draft_text.setText(
                "⚠ " + self.tr("The draft could not be read back; it has been discarded.")
            )
            self.forget_draft()
            return
        version = v.get("version")
        self._fill(draft, people)
        self.offered = None
        self.draft_offer.hide()
        self._filling = True
        try:
            self.start_time.setText(str(v.get("start_time") or ""))
        finally:
            self._filling = False
        if self.engagement is not None and isinstance(version, int):
            # Saved against the version the draft was typed on: if the engagement was saved
            # again since, the save is refused rather than overwriting that.
            self._draft_version = version
        self._touched.update({"title", "participants"})
        self._set_dirty(True)
        self.validate()
        self._update_buttons()

    @Slot()
    def discard_offered_draft(self) -> None:
        self.forget_draft()

    # -- leaving ---------------------------------------------------------------------------
    @Slot()
    def cancel(self) -> None:
        """Leave the form; if something typed would be lost, ask first."""
        self.confirm_leave(self.cancelled.emit)

    def confirm_leave(self, then: Any) -> None:
        """Call ``then`` at once if nothing typed would be lost, else after asking."""
        if not self._dirty:
            then()
            return
        self.keep_draft()  # until answered, a crash keeps it

        def discard() -> None:
            self.forget_draft()
            self._set_dirty(False)
            then()

        ask_discard(
            self, self.tr("Leave without saving? What you typed in this engagement will be lost."), discard
        )
