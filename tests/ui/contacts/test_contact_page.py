"""A contact's page: equality monitoring only for those allowed, the duplicate hint while a
new contact is typed, memberships, and the timeline."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.ui.contacts.conftest import Opened, wait_list
from tests.ui.helpers import WAIT_MS
from vcsedesk.domain.contacts import ContactDraft, EmailEntry
from vcsedesk.domain.equality import PREFER_NOT_TO_SAY
from vcsedesk.services import contact_list, contacts, equality, people
from vcsedesk.services.base import Actor
from vcsedesk.store.database import Database
from vcsedesk.store.location import DataFolder
from vcsedesk.ui.contacts.model import ContactsModel

OpenContacts = Callable[[], Opened]


def act_as(db: Database, folder: DataFolder, admin: Actor, name: str, role: str) -> Actor:
    people.add_user(db, admin, name=name, role=role)
    user = next(u for u in people.list_users(db) if u.name == name)
    folder.save_installation(user_id=str(user.id))
    return people.actor_for(db, user.id, folder.device_id())


def open_first(qtbot: QtBot, opened: Opened) -> None:
    opened.area.list.view.setFocus()
    qtbot.keyClick(opened.area.list.view, Qt.Key.Key_Return)
    page = opened.area.page
    qtbot.waitUntil(lambda: page.contact is not None, timeout=WAIT_MS)
    wait_list(qtbot, opened)


def test_a_volunteer_never_sees_equality_monitoring(
    qtbot: QtBot, open_contacts: OpenContacts, set_up: Actor, db: Database, folder: DataFolder
) -> None:
    contacts.create_contact(db, set_up, ContactDraft(given_name="Aisha", family_name="Rahman"))
    act_as(db, folder, set_up, "Val Unteer", "volunteer")
    opened = open_contacts()
    assert opened.running.ctx.acting.name == "Val Unteer"
    open_first(qtbot, opened)
    page = opened.area.page
    assert page.equality is None
    assert page.tab_titles() == ["Details", "Consent", "Timeline"]
    # Nor in the list: its columns are contact details only.
    headers = [opened.area.list.model.headerData(c, Qt.Orientation.Horizontal) for c in range(7)]
    assert not {"Age", "Sex", "Ethnic group", "Religion or belief", "Disability"} & set(headers)


def test_staff_see_and_record_equality_monitoring(
    qtbot: QtBot, open_contacts: OpenContacts, set_up: Actor, db: Database, folder: DataFolder
) -> None:
    contacts.create_contact(db, set_up, ContactDraft(given_name="Aisha", family_name="Rahman"))
    staff = act_as(db, folder, set_up, "Sid Taff", "staff")
    opened = open_contacts()
    open_first(qtbot, opened)
    page = opened.area.page
    assert page.equality is not None
    assert page.tab_titles() == ["Details", "Consent", "Equality monitoring", "Timeline"]
    tab = page.equality
    page.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.form is not None, timeout=WAIT_MS)
    age = tab.combos["age_band"]
    assert age.itemText(0) == "Not answered" and age.currentIndex() == 0
    assert all(combo.findData(PREFER_NOT_TO_SAY) > 0 for combo in tab.combos.values())
    assert set(tab.group_checks) == set(equality.seldom_heard_groups(db)) >= {"Young carers"}
    assert not tab.save_button.isEnabled()

    age.setCurrentIndex(age.findData("25–34"))
    tab.combos["religion"].setCurrentIndex(tab.combos["religion"].findData(PREFER_NOT_TO_SAY))
    tab.group_checks["Young carers"].setChecked(True)
    assert tab.save_button.isEnabled()
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    aisha = contact_list.page(db)[0].id
    qtbot.waitUntil(lambda: equality.get_answers(db, staff, aisha).version is not None, timeout=WAIT_MS)
    answers = equality.get_answers(db, staff, aisha)
    assert answers.answers["age_band"] == "25–34"
    assert answers.answers["religion"] == PREFER_NOT_TO_SAY
    assert answers.answers["sex"] is None
    assert answers.groups == ("Young carers",)
    qtbot.waitUntil(lambda: not tab.save_button.isEnabled() and not tab._dirty, timeout=WAIT_MS)


def test_a_likely_duplicate_is_shown_while_a_new_contact_is_typed(
    qtbot: QtBot, open_contacts: OpenContacts, set_up: Actor, db: Database
) -> None:
    contacts.create_contact(
        db,
        set_up,
        ContactDraft(given_name="Aisha", family_name="Rahman", emails=(EmailEntry("aisha@example.org"),)),
    )
    opened = open_contacts()
    area = opened.area
    area.list.view.setFocus()
    qtbot.keyClick(area.list.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    editor = area.page.editor
    qtbot.keyClicks(editor.given_name, "A.")
    qtbot.keyClicks(editor.family_name, "Rahman")
    qtbot.keyClicks(editor.emails.edit(0), "Aisha@Example.org")
    qtbot.waitUntil(editor.duplicate_box.isVisible, timeout=WAIT_MS)
    text = editor.duplicate_text.text()
    assert text.startswith("⚠") and "Aisha Rahman" in text
    assert "email" in text.lower()
    assert editor.open_duplicate.text() == "Open Aisha Rahman &instead"
    assert contact_list.count(db) == 1  # nothing saved meanwhile

    qtbot.mouseClick(editor.open_duplicate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.contact is not None, timeout=WAIT_MS)
    assert editor.contact is not None and editor.contact.name == "Aisha Rahman"
    assert not editor.duplicate_box.isVisible()
    assert editor.given_name.text() == "Aisha"


def test_memberships_and_the_timeline(
    qtbot: QtBot, open_contacts: OpenContacts, set_up: Actor, db: Database
) -> None:
    contacts.create_contact(db, set_up, ContactDraft(kind="organisation", name="Canal Tenants"))
    contacts.create_contact(db, set_up, ContactDraft(given_name="Bo", family_name="Li"))
    opened = open_contacts()
    lst = opened.area.list
    assert lst.model.index(0, ContactsModel.NAME).data() == "Bo Li"
    open_first(qtbot, opened)
    page = opened.area.page
    panel = page.editor.memberships
    assert panel.isVisible()
    qtbot.waitUntil(lambda: panel.organisation.count() == 1, timeout=WAIT_MS)
    qtbot.keyClicks(panel.role, "Chair")
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=WAIT_MS)
    assert panel.model.index(0, 0).data() == "Canal Tenants"
    assert panel.model.index(0, 1).data() == "Chair"
    view = contacts.get_contact(db, page.contact.id)  # type: ignore[union-attr]
    assert [(m.organisation_name, m.role) for m in view.memberships] == [("Canal Tenants", "Chair")]

    page.tabs.setCurrentWidget(page.timeline)
    qtbot.waitUntil(lambda: page.timeline.model.rowCount() == 2, timeout=WAIT_MS)
    model = page.timeline.model
    assert model.index(0, 2).data() == "Bo Li joined Canal Tenants as Chair"  # newest first
    assert model.index(1, 2).data() == "Added person Bo Li"
    assert model.index(0, 4).data() == "Sam Patel"

    # Ending it is journalled, and the timeline follows.
    page.tabs.setCurrentWidget(page.editor)
    panel.view.selectRow(0)
    qtbot.mouseClick(panel.end_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0, timeout=WAIT_MS)
    page.tabs.setCurrentWidget(page.timeline)
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=WAIT_MS)
    assert model.index(0, 2).data() == "Bo Li left Canal Tenants"


def test_an_engagement_on_the_timeline_opens_in_the_engagements_area(
    qtbot: QtBot, open_contacts: OpenContacts, set_up: Actor, db: Database
) -> None:
    from datetime import date, timedelta

    from vcsedesk.domain.engagement import EngagementDraft, ParticipantEntry
    from vcsedesk.services import engagement_lists, engagements

    (bo,) = contacts.create_contact(db, set_up, ContactDraft(given_name="Bo", family_name="Li")).created[
        "contacts"
    ]
    drop_in = next(t.id for t in engagement_lists.list_types(db) if t.name == "Drop-in")
    (eid,) = engagements.add_engagement(
        db,
        set_up,
        EngagementDraft(
            title="Library drop-in",
            type_id=drop_in,
            on_date=date.today() - timedelta(days=1),
            participants=(ParticipantEntry(bo),),
        ),
    ).created["engagements"]
    opened = open_contacts()
    open_first(qtbot, opened)
    page = opened.area.page
    page.tabs.setCurrentWidget(page.timeline)
    model = page.timeline.model
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=WAIT_MS)
    row = next(r for r in range(model.rowCount()) if model.index(r, model.KIND).data() == "Engagement")
    view = page.timeline.view
    view.setFocus()
    view.setCurrentIndex(model.index(row, 0))
    qtbot.keyClick(view, Qt.Key.Key_Return)
    window = opened.window
    area = window.area("engagements")
    assert area is not None and window.current_area() is area
    engagement_page = area.widget.page  # type: ignore[attr-defined]
    qtbot.waitUntil(
        lambda: engagement_page.view is not None and engagement_page.view.id == eid, timeout=WAIT_MS
    )
