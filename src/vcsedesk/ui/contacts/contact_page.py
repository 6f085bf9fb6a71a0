"""One contact: a header (name, archived or not, Back, Archive / Restore) over tabs —
Details, Consent, Equality monitoring (only for those allowed to see it), Timeline.

A tab reads its data when it is first shown for a contact, and again when a change that
concerns it is announced.  A new contact has only its Details until it is saved.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from vcsedesk.domain.contacts import ContactKind
from vcsedesk.domain.errors import UserError
from vcsedesk.ui.contacts.consent_tab import ConsentTab
from vcsedesk.ui.contacts.editor import ContactEditor
from vcsedesk.ui.contacts.equality_tab import EqualityTab
from vcsedesk.ui.contacts.timeline_tab import TimelineTab
from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.widgets import may, push_button

if TYPE_CHECKING:
    from vcsedesk.services.base import Changes
    from vcsedesk.services.contacts import ContactView
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext

#: Tables whose changes can alter what a contact's page shows.
CONTACT_TABLES = frozenset(
    {"contacts", "contact_emails", "contact_phones", "contact_tags", "tags", "memberships", "wards"}
)


@dataclass(frozen=True)
class Loaded:
    contact: ContactView | None
    wards: list[str]


def read_contact(db: Database, contact_id: uuid.UUID | None) -> Loaded:
    from vcsedesk.services import contacts

    view = contacts.get_contact(db, contact_id) if contact_id is not None else None
    return Loaded(view, contacts.wards(db))


class ContactPage(QWidget):
    back = Signal()
    #: A contact was saved, archived or restored here (its id): the list selects it.
    touched = Signal(object)
    #: The contact has been read and shown.
    loaded = Signal()
    #: A timeline item asked to open its record: (table, id).
    open_record = Signal(str, object)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.contact: ContactView | None = None
        self.contact_id: uuid.UUID | None = None
        self._generation = 0
        self._stale: set[QWidget] = set()
        self.setAccessibleName(self.tr("Contact"))
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        self.back_button = push_button(
            self.tr("← &Back to the list"),
            self.tr("Back to the contacts list"),
            self.go_back,
            tip=self.tr("Back to the list (Escape)"),
            row=top,
        )
        self.title = QLabel()
        self.title.setFont(heading_font(self.font()))
        self.title.setAccessibleName(self.tr("Contact name"))
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.title, 1)
        self.archive_button = push_button(
            self.tr("&Archive"), self.tr("Archive this contact"), self.archive_or_restore, row=top
        )
        layout.addLayout(top)
        self.archived_note = QLabel(
            "⚠ "
            + self.tr("Archived: this contact is out of the list and searches. Restore it to make changes.")
        )
        self.archived_note.setWordWrap(True)
        self.archived_note.setAccessibleName(self.tr("Archived"))
        self.archived_note.hide()
        layout.addWidget(self.archived_note)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName(self.tr("Problem"))
        self.problem.hide()
        layout.addWidget(self.problem)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Contact tabs"))
        self.editor = ContactEditor(ctx)
        self.editor.reload_requested = self.reload
        self.editor.created.connect(self._created)
        self.editor.saved.connect(lambda: self.touched.emit(self.contact_id))
        self.editor.open_other.connect(self.open)
        self.consent = ConsentTab(ctx)
        self.timeline = TimelineTab(ctx)
        self.timeline.open_record.connect(self.open_record)
        from vcsedesk.services.base import Permission

        self.equality: EqualityTab | None = (
            EqualityTab(ctx) if may(ctx, Permission.EQUALITY_MONITORING) else None
        )
        self.tabs.addTab(self.editor, self.tr("&Details"))
        self.tabs.addTab(self.consent, self.tr("Co&nsent"))
        if self.equality is not None:
            self.tabs.addTab(self.equality, self.tr("E&quality monitoring"))
        self.tabs.addTab(self.timeline, self.tr("Time&line"))
        self.tabs.currentChanged.connect(self._tab_shown)
        layout.addWidget(self.tabs, 1)

        back = QAction(self.tr("Back to the list"), self)
        back.setShortcuts([QKeySequence(Qt.Key.Key_Escape), QKeySequence(QKeySequence.StandardKey.Back)])
        back.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        back.triggered.connect(self.go_back)
        self.addAction(back)
        ctx.hub.changed.connect(self.on_changed)

    # -- showing ---------------------------------------------------------------------------
    def tab_titles(self) -> list[str]:
        return [
            self.tabs.tabText(i).replace("&", "")
            for i in range(self.tabs.count())
            if self.tabs.isTabVisible(i)
        ]

    def new(self, kind: ContactKind = ContactKind.PERSON) -> None:
        self.contact = None
        self.contact_id = None
        self._generation += 1
        self.editor.start_new(kind)
        self._show_header()
        self.tabs.setCurrentWidget(self.editor)
        self._fetch(None)
        self.editor.given_name.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(object)
    def open(self, contact_id: uuid.UUID) -> None:
        if contact_id != self.contact_id:
            self.tabs.setCurrentWidget(self.editor)
        self.contact_id = contact_id
        self._stale = {w for w in (self.consent, self.equality, self.timeline) if w is not None}
        self._fetch(contact_id)

    def reload(self) -> None:
        if self.contact_id is not None:
            self._fetch(self.contact_id, force=True)

    def _fetch(self, contact_id: uuid.UUID | None, *, force: bool = False) -> None:
        self._generation += 1
        generation = self._generation
        self.ctx.worker.submit(
            read_contact,
            self.ctx.database,
            contact_id,
            on_done=lambda loaded: self._arrived(generation, contact_id, loaded, force),
            on_error=self._refused,
            label=self.tr("Reading the contact…"),
        )

    def _arrived(self, generation: int, contact_id: uuid.UUID | None, loaded: Loaded, force: bool) -> None:
        if generation != self._generation:
            return
        self.editor.set_wards(loaded.wards)
        if contact_id is None or loaded.contact is None:
            return
        self.problem.hide()
        if (
            force
            or not self.editor.dirty
            or self.editor.contact is None
            or self.editor.contact.id != contact_id
        ):
            self.contact = loaded.contact
            self.editor.show_contact(loaded.contact)
        else:
            self.contact = loaded.contact  # keep what is being typed; a save will say if it is stale
        self._show_header()
        self._tab_shown(self.tabs.currentIndex())
        self.loaded.emit()

    def _refused(self, exc: UserError) -> None:
        self.problem.setText("⚠ " + str(exc))
        self.problem.show()

    def _show_header(self) -> None:
        contact = self.contact
        person = contact is None or contact.kind is ContactKind.PERSON
        if contact is None:
            self.title.setText(self.tr("New contact"))
        else:
            self.title.setText(contact.name)
        saved = contact is not None
        self.archive_button.setVisible(saved)
        archived = bool(contact and contact.archived)
        self.archive_button.setText(self.tr("&Restore") if archived else self.tr("&Archive"))
        self.archive_button.setAccessibleName(
            self.tr("Restore this contact") if archived else self.tr("Archive this contact")
        )
        self.archived_note.setVisible(archived)
        consent_index = self.tabs.indexOf(self.consent)
        self.tabs.setTabEnabled(consent_index, saved)
        self.tabs.setTabVisible(consent_index, person)
        self.consent.setEnabled(not archived)
        if self.equality is not None:
            index = self.tabs.indexOf(self.equality)
            self.tabs.setTabEnabled(index, saved)
            self.tabs.setTabVisible(index, person)
            self.equality.setEnabled(not archived)
        self.tabs.setTabEnabled(self.tabs.indexOf(self.timeline), saved)

    @Slot(int)
    def _tab_shown(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if self.contact_id is None or widget not in self._stale:
            return
        self._stale.discard(widget)
        if widget is self.consent:
            self.consent.show_contact(self.contact_id)
        elif widget is self.timeline:
            self.timeline.show_contact(self.contact_id)
        elif self.equality is not None and widget is self.equality:
            self.equality.show_contact(self.contact_id)

    # -- actions ---------------------------------------------------------------------------
    @Slot()
    def go_back(self) -> None:
        self.back.emit()

    def _created(self, contact_id: uuid.UUID) -> None:
        self.open(contact_id)
        self.touched.emit(contact_id)

    @Slot()
    def archive_or_restore(self) -> None:
        from vcsedesk.services import contacts

        contact = self.contact
        if contact is None:
            return
        call = contacts.restore_contact if contact.archived else contacts.archive_contact
        self.ctx.hub.perform(
            call,
            self.ctx.database,
            self.ctx.acting,
            contact.id,
            contact.version,
            on_done=lambda _c: self.touched.emit(contact.id),
            on_error=self._refused,
            label=self.tr("Restoring the contact…")
            if contact.archived
            else self.tr("Archiving the contact…"),
        )

    def on_changed(self, changes: Changes) -> None:
        if self.contact_id is None:
            return
        touched = changes.tables
        if touched & CONTACT_TABLES:
            self._fetch(self.contact_id)
        # Tabs re-read when next shown; the one on screen now.
        for widget, tables in (
            (self.consent, {"consents", "contacts"}),
            (self.timeline, touched),
            (self.equality, {"equality_profiles", "seldom_heard_memberships", "seldom_heard_groups"}),
        ):
            if widget is not None and touched & tables:
                self._stale.add(widget)
        if not touched & CONTACT_TABLES:
            self._tab_shown(self.tabs.currentIndex())
