"""The contacts list: search as you type, filters, a lazy table, and the keyboard.

Typing in the search box waits ~150 ms after the last key, then the model asks the worker
again (the latest query wins; results for older queries are dropped).  The filters are the
kind of contact, a tag, a ward, an organisation (its current members), and a consent state
("Contact by email: given"); archived contacts are shown only when asked.

Keys: Ctrl+F search, Down from the search box into the list, arrows move, Enter opens,
Ctrl+N new contact, Delete archives (after asking), Ctrl+R restores an archived contact,
Ctrl+Z undoes (the window's Undo).  "More" (Alt+M) finds duplicates, imports and exports.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent, QPaintEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vcsedesk.ui.contacts.model import ContactsModel
from vcsedesk.ui.main_window import heading_font
from vcsedesk.ui.widgets import (
    RecordsView,
    SearchBox,
    add_shortcut,
    labelled_combo,
    make_table,
    push_button,
    select_row,
    size_columns,
    undo_button,
)

if TYPE_CHECKING:
    from vcsedesk.services.base import Changes
    from vcsedesk.services.contact_list import ContactFilter, ContactRow
    from vcsedesk.store.database import Database
    from vcsedesk.ui.context import AppContext
    from vcsedesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

#: Organisations offered in the organisation filter (more can be typed).
MAX_ORGANISATIONS = 500
#: Tables whose changes can alter what the list shows.
LIST_TABLES = frozenset(
    {
        "contacts",
        "contact_emails",
        "contact_phones",
        "contact_tags",
        "tags",
        "wards",
        "memberships",
        "consents",
    }
)


@dataclass(frozen=True)
class FilterChoices:
    wards: list[str]
    tags: list[str]
    organisations: list[tuple[uuid.UUID, str]]


def filter_choices(db: Database) -> FilterChoices:
    """What the filter combos offer (on the worker)."""
    from sqlalchemy import func, select

    from vcsedesk.domain.contacts import ContactKind
    from vcsedesk.services import contact_list, contacts
    from vcsedesk.store.models import Tag

    # A tag list belongs in services.contacts; read here until it has one.
    with db.read() as session:
        tags = list(
            session.scalars(select(Tag.name).where(Tag.deleted_at.is_(None)).order_by(func.lower(Tag.name)))
        )
    organisations = contact_list.page(
        db, contact_list.ContactFilter(kind=ContactKind.ORGANISATION), limit=MAX_ORGANISATIONS
    )
    return FilterChoices(
        wards=contacts.wards(db), tags=tags, organisations=[(row.id, row.name) for row in organisations]
    )


class ContactsView(RecordsView):
    """The table: Enter opens the current contact, Delete archives it; tells when it first
    painted rows (for the benchmark and the screenshot)."""

    archive_requested = Signal()
    rows_painted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._reported = False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Delete and not event.modifiers():
            self.archive_requested.emit()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if self._reported or not isinstance(model, ContactsModel):
            return
        if (model.has_loaded and model.total == 0) or (
            model.total and model.row_at(max(0, self.rowAt(0))) is not None
        ):
            self._reported = True
            QTimer.singleShot(0, self.rows_painted.emit)


class ContactListPage(QWidget):
    """Search, filters and the table of contacts."""

    #: Open this contact (its id).
    open_contact = Signal(object)
    #: Start a new contact.
    new_contact = Signal()

    def __init__(self, ctx: AppContext, window: MainWindow | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.window_ = window
        self.setAccessibleName(self.tr("Contacts list"))
        self._selected_id: uuid.UUID | None = None
        self._pending_archive: QMessageBox | None = None
        # Ask for the count and the first page before building anything else: the worker
        # reads while the widgets are made.
        self.model = ContactsModel(ctx, self)
        if ctx.db is not None:
            self.model.refresh(reset=True)
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        title = QLabel(self.tr("Contacts"))
        title.setFont(heading_font(self.font()))
        title.setAccessibleName(self.tr("Contacts"))
        top.addWidget(title)
        top.addStretch(1)
        self.new_button = push_button(
            self.tr("&New contact"),
            self.tr("New contact"),
            self.new_contact.emit,
            tip=self.tr("Add a person or an organisation (Ctrl+N)"),
            row=top,
        )
        self.open_button = push_button(
            self.tr("&Open"),
            self.tr("Open the selected contact"),
            self.open_selected,
            tip=self.tr("Open the selected contact (Enter)"),
            row=top,
        )
        self.archive_button = push_button(
            self.tr("&Archive"),
            self.tr("Archive the selected contact"),
            self.archive_or_restore,
            tip=self.tr("Archive the selected contact (Delete)"),
            row=top,
        )
        self.more_button = QToolButton()
        self.more_button.setText(self.tr("&More"))
        self.more_button.setAccessibleName(self.tr("More contact actions"))
        self.more_button.setToolTip(self.tr("Find duplicates, import contacts, export this list"))
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.more_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.more_menu = QMenu(self.more_button)
        self.more_menu.setAccessibleName(self.tr("More contact actions"))
        self.duplicates_action = self.more_menu.addAction(self.tr("Find &duplicates…"))
        self.duplicates_action.triggered.connect(self.find_duplicates)
        self.import_action = self.more_menu.addAction(self.tr("&Import contacts…"))
        self.import_action.triggered.connect(self.import_contacts)
        self.export_action = self.more_menu.addAction(self.tr("&Export this list…"))
        self.export_action.triggered.connect(self.export_list)
        self.more_button.setMenu(self.more_menu)
        top.addWidget(self.more_button)
        if window is not None:
            self.undo_button = undo_button(window)
            top.addWidget(self.undo_button)
        layout.addLayout(top)

        # -- search and filters ------------------------------------------------------------
        bar = QGridLayout()
        self.search = SearchBox(
            self.tr("Search contacts"), self.tr("Name, email, phone, postcode, organisation or notes")
        )
        self.search.search.connect(self.apply_filter)
        self.search.to_list.connect(self._focus_list)
        self.search_timer = self.search.timer
        bar.addWidget(self.search.labelled(self.tr("&Search:")), 0, 0)
        bar.addWidget(self.search, 0, 1, 1, 5)
        self.show_archived = QCheckBox(self.tr("Show a&rchived"))
        self.show_archived.setAccessibleName(self.tr("Show archived contacts"))
        self.show_archived.toggled.connect(self.apply_filter)
        bar.addWidget(self.show_archived, 0, 6)
        self.count_label = QLabel()
        self.count_label.setAccessibleName(self.tr("Number of contacts"))
        bar.addWidget(self.count_label, 0, 7, Qt.AlignmentFlag.AlignRight)

        self.kind = labelled_combo(bar, 1, 0, self.tr("&Kind:"), self.tr("Kind of contact filter"), width=12)
        self.kind.addItem(self.tr("Everyone"), None)
        self.kind.addItem(self.tr("People"), "person")
        self.kind.addItem(self.tr("Organisations"), "organisation")
        self.tag = labelled_combo(bar, 1, 2, self.tr("&Tag:"), self.tr("Tag filter"), width=12)
        self.ward = labelled_combo(bar, 1, 4, self.tr("&Ward:"), self.tr("Ward filter"), width=12)
        self.organisation = labelled_combo(
            bar, 2, 0, self.tr("Or&ganisation:"), self.tr("Organisation filter"), width=12
        )
        self.consent_purpose = labelled_combo(
            bar, 2, 2, self.tr("&Consent:"), self.tr("Consent purpose filter"), width=12
        )
        self.consent_state = labelled_combo(
            bar, 2, 4, self.tr("Consent s&tate:"), self.tr("Consent state filter"), width=12
        )
        from vcsedesk.domain.consent import Purpose
        from vcsedesk.services.contact_list import ConsentState

        self.consent_purpose.addItem(self.tr("Any"), None)
        for purpose in Purpose:
            self.consent_purpose.addItem(self.tr(purpose.label), purpose.value)
        state_labels = {
            ConsentState.GIVEN: self.tr("Given"),
            ConsentState.REFUSED: self.tr("Refused"),
            ConsentState.WITHDRAWN: self.tr("Withdrawn"),
            ConsentState.NONE: self.tr("Nothing recorded"),
        }
        for state, label in state_labels.items():
            self.consent_state.addItem(label, state.value)
        self.consent_state.setEnabled(False)
        self._reset_choices()
        self.clear_button = push_button(
            self.tr("C&lear filters"), self.tr("Clear the search and filters"), self.clear_filters
        )
        bar.addWidget(self.clear_button, 2, 6)
        bar.setColumnStretch(1, 1)
        bar.setColumnStretch(3, 1)
        bar.setColumnStretch(5, 1)
        layout.addLayout(bar)
        for combo in (
            self.kind,
            self.tag,
            self.ward,
            self.organisation,
            self.consent_purpose,
            self.consent_state,
        ):
            combo.currentIndexChanged.connect(self.apply_filter)

        # -- the table ---------------------------------------------------------------------
        self.view = make_table(
            self.model,
            self.tr("Contacts"),
            self.tr("Enter opens a contact, Delete archives it, Ctrl+N adds one, Ctrl+F searches."),
            ContactsView,
        )
        header = self.view.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(ContactsModel.NAME, Qt.SortOrder.AscendingOrder)
        header.sortIndicatorChanged.connect(self._sort_changed)
        size_columns(
            self.view,
            {
                ContactsModel.NAME: "Abigail Thompson-Whitfield",
                ContactsModel.KIND: self.tr("Organisation"),
                ContactsModel.EMAIL: "abigail.thompson217@example.org",
                ContactsModel.PHONE: "+44 20 7946 0123",
                ContactsModel.POSTCODE: "SW1A 1AAW",
                ContactsModel.WARD: "Bromley North",
            },
        )
        self.view.open_requested.connect(self.open_selected)
        self.view.archive_requested.connect(self.archive_selected)
        self.view.doubleClicked.connect(lambda _index: self.open_selected())
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        layout.addWidget(self.view, 1)

        self.model.loaded.connect(self._loaded)
        self.model.modelReset.connect(self._update_buttons)
        self.model.page_loaded.connect(lambda _n: self._update_buttons())

        # -- keyboard ----------------------------------------------------------------------
        self.find_action = add_shortcut(self, self.tr("Search contacts"), "Ctrl+F", self.focus_search)
        self.new_action = add_shortcut(self, self.tr("New contact"), "Ctrl+N", self.new_contact.emit)
        self.restore_action = add_shortcut(self, self.tr("Restore contact"), "Ctrl+R", self.restore_selected)

        ctx.hub.changed.connect(self.on_changed)
        self._update_buttons()

    # -- building --------------------------------------------------------------------------
    def _reset_choices(self) -> None:
        for combo, everything in (
            (self.tag, self.tr("Any tag")),
            (self.ward, self.tr("Any ward")),
            (self.organisation, self.tr("Any organisation")),
        ):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, None)
            combo.blockSignals(False)

    def load_choices(self) -> None:
        self.ctx.worker.submit(
            filter_choices,
            self.ctx.database,
            on_done=self._fill_choices,
            label=self.tr("Reading the filters…"),
        )

    def _fill_choices(self, choices: FilterChoices) -> None:
        for combo, items in (
            (self.tag, [(t, t) for t in choices.tags]),
            (self.ward, [(w, w) for w in choices.wards]),
            (self.organisation, [(name, str(oid)) for oid, name in choices.organisations]),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for text, data in items:
                combo.addItem(text, data)
            found = combo.findData(current) if current is not None else 0
            combo.setCurrentIndex(max(found, 0))
            combo.blockSignals(False)
            if current is not None and found < 0:
                self.apply_filter()  # the chosen tag or ward has gone

    # -- filtering -------------------------------------------------------------------------
    def current_filter(self) -> ContactFilter:
        from vcsedesk.domain.consent import Purpose
        from vcsedesk.domain.contacts import ContactKind
        from vcsedesk.services.contact_list import ConsentCondition, ConsentState, ContactFilter

        purpose = self.consent_purpose.currentData()
        self.consent_state.setEnabled(purpose is not None)
        kind = self.kind.currentData()
        organisation = self.organisation.currentData()  # the id as text: combos compare it
        return ContactFilter(
            text=self.search.text().strip(),
            kind=ContactKind(kind) if kind else None,
            tag=self.tag.currentData(),
            ward=self.ward.currentData(),
            organisation=uuid.UUID(organisation) if organisation else None,
            consent=ConsentCondition(Purpose(purpose), ConsentState(self.consent_state.currentData()))
            if purpose
            else None,
            include_archived=self.show_archived.isChecked(),
        )

    @Slot()
    def apply_filter(self) -> None:
        self.search_timer.stop()
        if self.ctx.db is None:
            return
        self.model.set_filter(self.current_filter())

    @Slot()
    def clear_filters(self) -> None:
        for combo in (
            self.kind,
            self.tag,
            self.ward,
            self.organisation,
            self.consent_purpose,
            self.consent_state,
        ):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.show_archived.blockSignals(True)
        self.show_archived.setChecked(False)
        self.show_archived.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.apply_filter()

    def start(self) -> None:
        """Load the list (if it was built before the data was open), then, once its first
        rows are on screen, the filters' choices."""
        if not self.model.has_loaded and self.model._generation == 0:
            self.model.refresh(reset=True)
        if self.view._reported:
            self.load_choices()
        else:
            self.view.rows_painted.connect(self.load_choices, Qt.ConnectionType.SingleShotConnection)

    @Slot(int, Qt.SortOrder)
    def _sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        if column in ContactsModel.SORTABLE:
            self.model.sort(column, order)
            return
        # Not a sortable column: put the indicator back where the order really is.
        current, current_order = self.model.sort_column()
        header = self.view.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(current, current_order)
        header.blockSignals(False)
        if self.window_ is not None:
            self.window_.note(self.tr("The list can be sorted by name, postcode or ward."), timeout_ms=4000)

    # -- selection -------------------------------------------------------------------------
    def selected_row(self) -> ContactRow | None:
        index = self.view.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.row_at(current.row()) if current.isValid() else None
        if row is not None:
            self._selected_id = row.id
        self._update_buttons()

    def select_contact(self, contact_id: uuid.UUID) -> bool:
        row = self.model.find(contact_id)
        if row is None:
            return False
        self._select_row(row)
        return True

    def _select_row(self, row: int) -> None:
        select_row(self.view, row)

    @Slot()
    def _loaded(self) -> None:
        self.count_label.setText(self.tr("%n contact(s)", "", self.model.total))
        reselected = self._selected_id is not None and self.select_contact(self._selected_id)
        if not reselected and self.model.total and not self.view.currentIndex().isValid():
            self._select_row(0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self.selected_row()
        self.open_button.setEnabled(row is not None)
        self.archive_button.setEnabled(row is not None)
        if row is not None and row.archived:
            self.archive_button.setText(self.tr("&Restore"))
            self.archive_button.setAccessibleName(self.tr("Restore the selected contact"))
            self.archive_button.setToolTip(self.tr("Restore the selected contact (Ctrl+R)"))
        else:
            self.archive_button.setText(self.tr("&Archive"))
            self.archive_button.setAccessibleName(self.tr("Archive the selected contact"))
            self.archive_button.setToolTip(self.tr("Archive the selected contact (Delete)"))

    # -- actions ---------------------------------------------------------------------------
    @Slot()
    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    @Slot()
    def _focus_list(self) -> None:
        self.apply_filter()
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.view.currentIndex().isValid() and self.model.total:
            self._select_row(0)

    @Slot()
    def open_selected(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.open_contact.emit(row.id)

    @Slot()
    def archive_or_restore(self) -> None:
        row = self.selected_row()
        if row is not None and row.archived:
            self.restore_selected()
        else:
            self.archive_selected()

    @Slot()
    def archive_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        if row.archived:
            self.restore_selected()
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Archive contact"),
            self.tr("Archive {name}?").format(name=row.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setInformativeText(
            self.tr(
                "They leave the list and searches; nothing is lost. "
                "Undo (Ctrl+Z) or “Show archived” then Restore brings them back."
            )
        )
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("&Archive"))
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.setAccessibleName(self.tr("Archive contact"))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda result, r=row: self._archive_answered(r, result))
        self._pending_archive = box
        box.open()

    def _archive_answered(self, row: ContactRow, result: int) -> None:
        from vcsedesk.services import contacts

        self._pending_archive = None
        if result != QMessageBox.StandardButton.Yes:
            return
        self.ctx.hub.perform(
            contacts.archive_contact,
            self.ctx.database,
            self.ctx.acting,
            row.id,
            row.version,
            label=self.tr("Archiving {name}…").format(name=row.name),
        )

    @Slot()
    def restore_selected(self) -> None:
        from vcsedesk.services import contacts

        row = self.selected_row()
        if row is None or not row.archived:
            return
        self.ctx.hub.perform(
            contacts.restore_contact,
            self.ctx.database,
            self.ctx.acting,
            row.id,
            row.version,
            label=self.tr("Restoring {name}…").format(name=row.name),
        )

    @Slot()
    def find_duplicates(self) -> None:
        from vcsedesk.ui.contacts.duplicates_dialog import DuplicatesDialog

        dialog = DuplicatesDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    @Slot()
    def import_contacts(self) -> None:
        from vcsedesk.ui.contacts.import_wizard import ImportWizard

        ImportWizard(self.ctx, self).open()

    @Slot()
    def export_list(self) -> None:
        from vcsedesk.ui.contacts.export_dialog import ExportDialog

        self.search_timer.stop()
        self.model.set_filter(self.current_filter())  # what was typed, even within the delay
        dialog = ExportDialog(self.ctx, self.model.filter, self.model.sort_key, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    # -- changes ---------------------------------------------------------------------------
    def on_changed(self, changes: Changes) -> None:
        if self.ctx.db is None or not (changes.tables & LIST_TABLES):
            return
        self.model.refresh()
        if changes.tables & {"tags", "wards", "contact_tags"} or (
            changes.touches("contacts") and (changes.created or changes.archived or changes.restored)
        ):
            self.load_choices()
