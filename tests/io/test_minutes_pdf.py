"""The minutes PDF, from a meeting saved through the service: text read back, pages rendered."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from datetime import date
from datetime import time as clock
from pathlib import Path

import pytest
from pypdf import PdfReader

from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.errors import EnvironmentProblem
from vcsedesk.io.minutes_pdf import write_minutes
from vcsedesk.services import contacts, meetings
from vcsedesk.services.actions import ActionDraft
from vcsedesk.services.base import Actor
from vcsedesk.services.meetings import AgendaItemEntry, AttendeeEntry, MeetingActionEntry, MeetingDraft
from vcsedesk.store.database import Database

PRODUCED = date(2026, 3, 4)


def new_contact(db: Database, actor: Actor, name: str, *, organisation: bool = False) -> uuid.UUID:
    if organisation:
        draft = ContactDraft(kind="organisation", name=name)
    else:
        given, family = name.split(" ", 1)
        draft = ContactDraft(given_name=given, family_name=family)
    (cid,) = contacts.create_contact(db, actor, draft).created["contacts"]
    return cid


def page_texts(path: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]


def between(text: str, start: str, end: str) -> str:
    return text[text.index(start) + len(start) : text.index(end, text.index(start))]


@pytest.fixture
def forum(db: Database, admin: Actor) -> meetings.MeetingView:
    """3 items, 4 attendees (2 speaking for organisations), 2 apologies, 3 actions."""
    n = {
        name: new_contact(db, admin, name)
        for name in ("Aisha Rahman", "Ben Okafor", "Zoë Brontë", "Dev Patel")
    }
    n |= {name: new_contact(db, admin, name) for name in ("Grace O’Neill", "Tomasz Nowak")}
    tenants = new_contact(db, admin, "Riverside Tenants’ Association", organisation=True)
    carers = new_contact(db, admin, "Carers Hub", organisation=True)
    draft = MeetingDraft(
        title="Carers’ partnership forum",
        on_date=date(2026, 3, 3),
        start_time=clock(18, 30),
        venue="St Mary’s church hall",
        online=True,
        chair_id=n["Aisha Rahman"],
        items=(
            AgendaItemEntry("Welcome", "Introductions were made."),
            AgendaItemEntry(
                "GP access",
                "Waits for a routine appointment are over three weeks.",
                "Write to the ICB primary care team.",
            ),
            AgendaItemEntry("Respite care", "Few places over the summer; costs up to £95 a day."),
        ),
        attendees=(
            AttendeeEntry(n["Aisha Rahman"]),
            AttendeeEntry(n["Ben Okafor"], speaks_for_id=tenants),
            AttendeeEntry(n["Zoë Brontë"], speaks_for_id=carers),
            AttendeeEntry(n["Dev Patel"]),
            AttendeeEntry(n["Grace O’Neill"], attendance="apologies"),
            AttendeeEntry(n["Tomasz Nowak"], speaks_for_id=carers, attendance="apologies"),
        ),
        actions=(
            MeetingActionEntry(
                ActionDraft("Write to the ICB", owner_contact_id=n["Ben Okafor"], due_on=date(2026, 3, 31)), 1
            ),
            MeetingActionEntry(
                ActionDraft("Map respite providers", owner_user_id=admin.user_id, status="in_progress"), 2
            ),
            MeetingActionEntry(ActionDraft("Book the next venue", owner_contact_id=n["Dev Patel"])),
        ),
    )
    (mid,) = meetings.add_meeting(db, admin, draft).created["meetings"]
    return meetings.get_meeting(db, mid)


def test_minutes_text_has_voices_apologies_and_actions(forum: meetings.MeetingView, tmp_path: Path) -> None:
    path = tmp_path / "minutes.pdf"
    write_minutes(forum, path, produced_on=PRODUCED)
    pages = page_texts(path)
    text = " ".join(pages)
    assert text.count("Riverside Community Voices") >= len(pages)  # the header of every page
    assert "Minutes" in text and "Carers’ partnership forum" in text
    assert "Tuesday 3 March 2026" in text and "18:30" in text and "St Mary’s church hall, and online" in text
    assert "Chair Aisha Rahman" in text
    voices = between(text, "Voices at the meeting (4)", "Apologies (2)")
    assert voices.split("•")[1:] == [
        " Aisha Rahman ",
        " Ben Okafor — Riverside Tenants’ Association ",
        " Dev Patel ",
        " Zoë Brontë — Carers Hub ",
    ]
    apologies = between(text, "Apologies (2)", "Agenda")
    assert "Grace O’Neill" in apologies and "Tomasz Nowak — Carers Hub" in apologies
    assert "Tomasz" not in voices and "Grace" not in voices
    agenda = between(text, "Agenda", "Actions (3)")
    assert agenda.index("1. Welcome") < agenda.index("2. GP access") < agenda.index("3. Respite care")
    assert "Decisions Write to the ICB primary care team." in agenda
    item_2 = between(agenda, "2. GP access", "3. Respite care")
    assert "Write to the ICB — Ben Okafor; due 31 Mar 2026; open" in item_2  # under its item too
    assert "Map respite providers — Sam Patel; in progress" in between(
        agenda, "3. Respite care", "Other actions"
    )
    assert "Book the next venue — Dev Patel; open" in agenda[agenda.index("Other actions") :]
    table = between(text, "Actions (3)", "Produced with vcsedesk")
    assert "No. Action Item Owner Due Status" in table
    assert "1 Write to the ICB 2 Ben Okafor 31 Mar 2026 Open" in table
    assert "2 Map respite providers 3 Sam Patel – In progress" in table
    assert "3 Book the next venue – Dev Patel – Open" in table
    assert "Produced with vcsedesk on Wednesday 4 March 2026." in text
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page


def test_minutes_pages_render_to_png(forum: meetings.MeetingView, tmp_path: Path) -> None:
    path = tmp_path / "minutes.pdf"
    write_minutes(forum, path, produced_on=PRODUCED)
    count = len(PdfReader(path).pages)
    renderer = shutil.which("pdftoppm")
    if renderer is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed, so the pages cannot be rendered to PNG")
    subprocess.run([renderer, "-png", "-r", "60", str(path), str(tmp_path / "page")], check=True, timeout=60)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == count >= 1
    assert all(p.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and p.stat().st_size > 2000 for p in pngs)


def test_hostile_text_prints_literally(db: Database, admin: Actor, tmp_path: Path) -> None:
    hostile = "<b>&amp;</b> & ‘quotes’ £5 Zoë"
    person = new_contact(db, admin, "Zoë <i>Brontë</i>")
    org = new_contact(db, admin, "Tenants & <Residents>", organisation=True)
    draft = MeetingDraft(
        title=hostile,
        on_date=date(2026, 3, 3),
        venue="Hall <br/> & room",
        items=(AgendaItemEntry(hostile, f"Notes: {hostile}", f"Decided: {hostile}"),),
        attendees=(AttendeeEntry(person, speaks_for_id=org),),
        actions=(MeetingActionEntry(ActionDraft(f"Act: {hostile}", owner_contact_id=person), 0),),
    )
    (mid,) = meetings.add_meeting(db, admin, draft).created["meetings"]
    path = tmp_path / "hostile.pdf"
    write_minutes(meetings.get_meeting(db, mid), path, produced_on=PRODUCED)
    text = " ".join(page_texts(path))
    assert f"1. {hostile}" in text
    assert f"Notes: {hostile}" in text and f"Decided: {hostile}" in text and f"Act: {hostile}" in text
    assert "Zoë <i>Brontë</i> — Tenants & <Residents>" in text
    assert "Hall <br/> & room" in text


def test_a_long_meeting_makes_several_pages_quickly(db: Database, admin: Actor, tmp_path: Path) -> None:
    owner = new_contact(db, admin, "Aisha Rahman")
    items = tuple(
        AgendaItemEntry(f"Item title {i}", "Discussion of the item. " * 12, f"Decision {i}.")
        for i in range(1, 61)
    )
    actions = tuple(
        MeetingActionEntry(
            ActionDraft(f"Follow up item {i}", owner_contact_id=owner, due_on=date(2026, 4, i % 28 + 1)),
            i - 1,
        )
        for i in range(1, 61)
    )
    (mid,) = meetings.add_meeting(
        db, admin, MeetingDraft("Annual review", date(2026, 3, 3), items=items, actions=actions)
    ).created["meetings"]
    view = meetings.get_meeting(db, mid)
    path = tmp_path / "long.pdf"
    started = time.perf_counter()
    write_minutes(view, path, produced_on=PRODUCED)
    elapsed = time.perf_counter() - started
    pages = page_texts(path)
    assert len(pages) >= 5
    assert elapsed < 15, f"60 items took {elapsed:.1f} s"
    text = " ".join(pages)
    assert all(f"{i}. Item title {i}" in text for i in range(1, 61))
    assert all(f"Follow up item {i}" in text for i in range(1, 61))
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    assert pages[-1].count("No. Action Item Owner Due Status") <= 1


def test_an_unwritable_folder_leaves_nothing(forum: meetings.MeetingView, tmp_path: Path) -> None:
    target = tmp_path / "gone" / "minutes.pdf"
    with pytest.raises(EnvironmentProblem) as caught:
        write_minutes(forum, target)
    assert "does not exist" in str(caught.value)
    assert not (tmp_path / "gone").exists()


def test_an_action_past_its_due_date_says_overdue(forum: meetings.MeetingView, tmp_path: Path) -> None:
    path = tmp_path / "minutes.pdf"
    write_minutes(forum, path, produced_on=date(2026, 4, 2))  # after 31 Mar, when one was due
    text = " ".join(page_texts(path))
    assert "Write to the ICB — Ben Okafor; due 31 Mar 2026; overdue (open)" in text
    assert "1 Write to the ICB 2 Ben Okafor 31 Mar 2026 Overdue (open)" in text
    assert "3 Book the next venue – Dev Patel – Open" in text  # no due date: never overdue
