"""Engagements: saved whole and journalled, quotes checked against consent, searchable,
on the participants' timelines, edited child by child, undone."""

from __future__ import annotations

import re
import uuid
from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.engagement import EngagementDraft, HeadcountEntry, ParticipantEntry, QuoteEntry, Sharing
from vcsedesk.domain.errors import ConflictError, UserError, ValidationError
from vcsedesk.services import attachments, consent, contacts, engagements, people, timeline
from vcsedesk.services.base import Actor, Role, undo_last
from vcsedesk.store.database import Database
from vcsedesk.store.models import Engagement, FileContent, JournalEntry, Quote, Theme

TODAY = date(2026, 6, 1)


def person(db: Database, admin: Actor, given: str, family: str = "Rahman") -> uuid.UUID:
    (cid,) = contacts.create_contact(db, admin, ContactDraft(given_name=given, family_name=family)).created[
        "contacts"
    ]
    return cid


def give(db: Database, admin: Actor, cid: uuid.UUID, purpose: str, status: str = "given") -> None:
    consent.record_consent(
        db, admin, cid, purpose=purpose, status=status, on=date(2026, 1, 5), method="verbal", today=TODAY
    )


def lists(db: Database) -> tuple[uuid.UUID, dict[str, uuid.UUID]]:
    with db.read() as session:
        from vcsedesk.store.models import EngagementType

        drop_in = session.scalar(select(EngagementType.id).where(EngagementType.name == "Drop-in"))
        themes = {r.name: r.id for r in session.execute(select(Theme.name, Theme.id))}
    assert drop_in is not None
    return drop_in, themes


def draft(db: Database, **over: object) -> EngagementDraft:
    drop_in, themes = lists(db)
    values: dict[str, object] = {
        "title": "Tuesday drop-in at the library",
        "type_id": drop_in,
        "on_date": date(2026, 5, 12),
        "start_time": time(10, 30),
        "duration_minutes": 120,
        "venue": "Canal Street Library",
        "anonymous_count": 12,
        "headcount_groups": (HeadcountEntry("Under 25", 4),),
        "theme_ids": (themes["Dentistry"],),
        "summary": "People cannot find an NHS dentist taking new patients.",
    }
    values.update(over)
    return EngagementDraft(**values)  # type: ignore[arg-type]


def test_an_engagement_is_saved_whole_as_one_change(db: Database, admin: Actor) -> None:
    aisha, tom = person(db, admin, "Aisha"), person(db, admin, "Tom", "Okafor")
    give(db, admin, aisha, "share_anonymously")
    changes = engagements.add_engagement(
        db,
        admin,
        draft(
            db,
            facilitator_ids=(admin.user_id,),
            participants=(ParticipantEntry(aisha), ParticipantEntry(tom, "carer")),
            quotes=(QuoteEntry("I rang 40 dentists. Not one would take me.", "anonymous", aisha),),
        ),
        today=TODAY,
    )
    (eid,) = changes.created["engagements"]
    view = engagements.get_engagement(db, eid)
    assert view.title == "Tuesday drop-in at the library" and view.type_name == "Drop-in"
    assert [(p.name, p.role) for p in view.participants] == [
        ("Aisha Rahman", "participant"),
        ("Tom Okafor", "carer"),
    ]
    assert view.reach == 14 and view.headcount_groups == (HeadcountEntry("Under 25", 4),)
    assert [path for _, path in view.themes] == ["Dentistry"]
    assert view.quotes[0].sharing is Sharing.ANONYMOUS and view.quotes[0].speaker_name == "Aisha Rahman"
    assert view.facilitators == ((admin.user_id, "Sam Patel"),) and view.recorded_by == "Sam Patel"
    with db.read() as session:
        sets = session.scalars(
            select(func.count(func.distinct(JournalEntry.change_set))).where(
                JournalEntry.table_name.in_(
                    ["engagements", "quotes", "engagement_participants", "headcount_groups"]
                )
            )
        ).one()
    assert sets == 1


def test_named_quote_without_named_consent_is_refused_with_the_reason(db: Database, admin: Actor) -> None:
    aisha = person(db, admin, "Aisha")
    give(db, admin, aisha, "share_anonymously")
    with pytest.raises(ValidationError) as caught:
        engagements.add_engagement(
            db,
            admin,
            draft(db, participants=(ParticipantEntry(aisha),), quotes=(QuoteEntry("Words", "named", aisha),)),
            today=TODAY,
        )
    message = caught.value.problems["quotes[0]"]
    assert "cannot be marked “share with name”" in message
    assert "No consent recorded for “share their story or quotes with their name”" in message
    assert "Aisha Rahman" in message
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Engagement)) == 0
        assert session.scalar(select(func.count()).select_from(Quote)) == 0


def test_withdrawn_consent_refuses_anonymous_sharing_and_internal_is_always_allowed(
    db: Database, admin: Actor
) -> None:
    aisha = person(db, admin, "Aisha")
    give(db, admin, aisha, "share_anonymously")
    consent.record_consent(
        db,
        admin,
        aisha,
        purpose="share_anonymously",
        status="withdrawn",
        on=date(2026, 3, 1),
        method="written",
        today=TODAY,
    )
    with pytest.raises(ValidationError, match="withdrawn on 01 Mar 2026"):
        engagements.add_engagement(
            db, admin, draft(db, quotes=(QuoteEntry("Words", "anonymous", aisha),)), today=TODAY
        )
    changes = engagements.add_engagement(
        db, admin, draft(db, quotes=(QuoteEntry("Words", "internal", aisha),)), today=TODAY
    )
    view = engagements.get_engagement(db, next(iter(changes.created["engagements"])))
    # the speaker is counted as a participant
    assert [p.name for p in view.participants] == ["Aisha Rahman"]


def test_bad_engagements_are_refused_naming_each_field(db: Database, admin: Actor) -> None:
    with pytest.raises(ValidationError) as caught:
        engagements.add_engagement(
            db,
            admin,
            draft(
                db,
                title="  ",
                on_date=date(2026, 7, 1),
                anonymous_count=3,
                headcount_groups=(HeadcountEntry("Under 25", 4),),
                duration_minutes=0,
                quotes=(QuoteEntry("   "), QuoteEntry("Hello", "named")),
            ),
            today=TODAY,
        )
    problems = caught.value.problems
    assert problems["title"] == "Title is required."
    assert "in the future" in problems["on_date"]
    assert "no more than the 3 counted anonymously" in problems["headcount_groups[0]"]
    assert "duration" in problems["duration_minutes"]
    assert "empty" in problems["quotes[0]"] and "needs its speaker" in problems["quotes[1]"]
    with pytest.raises(ValidationError, match="Who took part"):
        engagements.add_engagement(db, admin, draft(db, anonymous_count=0, headcount_groups=()), today=TODAY)
    with pytest.raises(ValidationError, match="not one of the organisation's wards"):
        engagements.add_engagement(db, admin, draft(db, ward="Atlantis"), today=TODAY)


def test_an_edit_journals_each_child_and_undo_puts_it_back(db: Database, admin: Actor) -> None:
    aisha, tom = person(db, admin, "Aisha"), person(db, admin, "Tom", "Okafor")
    _, themes = lists(db)
    (eid,) = engagements.add_engagement(
        db,
        admin,
        draft(db, participants=(ParticipantEntry(aisha),), quotes=(QuoteEntry("First words"),)),
        today=TODAY,
    ).created["engagements"]
    view = engagements.get_engagement(db, eid)
    edited = view.as_draft()
    quote = view.quotes[0].as_entry()
    edited = EngagementDraft(
        **{
            **edited.__dict__,
            "participants": (ParticipantEntry(tom, "interpreter"),),
            "theme_ids": (themes["Dentistry"], themes["Transport"]),
            "quotes": (QuoteEntry("First words, corrected", "internal", None, (), quote.id),),
        }
    )
    changes = engagements.update_engagement(db, admin, eid, view.version, edited, today=TODAY)
    assert changes.archived["engagement_participants"] and changes.created["engagement_participants"]
    after = engagements.get_engagement(db, eid)
    assert [p.name for p in after.participants] == ["Tom Okafor"]
    assert after.quotes[0].id == quote.id and after.quotes[0].text == "First words, corrected"
    assert [p for _, p in after.themes] == ["Dentistry", "Transport"]
    # a stale save is refused
    with pytest.raises(ConflictError):
        engagements.update_engagement(db, admin, eid, view.version, edited, today=TODAY)
    undo_last(db, admin)
    back = engagements.get_engagement(db, eid)
    assert [p.name for p in back.participants] == ["Aisha Rahman"]
    assert back.quotes[0].text == "First words" and [p for _, p in back.themes] == ["Dentistry"]


def test_search_finds_summaries_and_quotes_and_forgets_archived(db: Database, admin: Actor) -> None:
    (eid,) = engagements.add_engagement(
        db, admin, draft(db, quotes=(QuoteEntry("The bus to the hospital stopped running"),)), today=TODAY
    ).created["engagements"]
    hits = engagements.find(db, "dentist")
    assert [(h.kind, h.record_id) for h in hits] == [("engagement", eid)]
    hits = engagements.find(db, "hospital bus")
    assert [(h.kind, h.engagement_id) for h in hits] == [("quote", eid)]
    version = engagements.get_engagement(db, eid).version
    engagements.archive_engagement(db, admin, eid, version)
    assert engagements.find(db, "dentist") == [] and engagements.find(db, "hospital") == []
    engagements.restore_engagement(db, admin, eid, version + 1)
    assert len(engagements.find(db, "hospital")) == 1


def test_engagements_and_quotes_are_on_each_participants_timeline(db: Database, admin: Actor) -> None:
    aisha = person(db, admin, "Aisha")
    give(db, admin, aisha, "share_with_name")
    engagements.add_engagement(
        db,
        admin,
        draft(
            db, participants=(ParticipantEntry(aisha),), quotes=(QuoteEntry("Named words", "named", aisha),)
        ),
        today=TODAY,
    )
    kinds = {(item.kind, item.title) for item in timeline.timeline(db, aisha)}
    assert ("engagement", "Drop-in: Tuesday drop-in at the library") in kinds
    assert ("quote", "Quoted at “Tuesday drop-in at the library” (share with name)") in kinds


def test_a_volunteer_records_but_retired_themes_are_not_offered(db: Database, admin: Actor) -> None:
    people.add_user(db, admin, name="Vic Volunteer", role="volunteer")
    vic_id = next(u.id for u in people.list_users(db) if u.name == "Vic Volunteer")
    vic = people.actor_for(db, vic_id, None)
    assert vic.role is Role.VOLUNTEER
    engagements.add_engagement(db, vic, draft(db), today=TODAY)
    _, themes = lists(db)
    with db.write() as session:
        session.get(Theme, themes["Transport"]).retired = True  # type: ignore[union-attr]
    with pytest.raises(ValidationError, match="“Transport” has been retired"):
        engagements.add_engagement(db, vic, draft(db, theme_ids=(themes["Transport"],)), today=TODAY)


def test_attachments_are_checked_hashed_and_stored_once(db: Database, admin: Actor, tmp_path: Path) -> None:
    (eid,) = engagements.add_engagement(db, admin, draft(db), today=TODAY).created["engagements"]
    photo = tmp_path / "flipchart.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    attachments.attach_file(db, admin, "engagements", eid, photo)
    attachments.attach_file(db, admin, "engagements", eid, photo)
    view = engagements.get_engagement(db, eid)
    assert [a.filename for a in view.attachments] == ["flipchart.png", "flipchart.png"]
    assert view.attachments[0].media_type == "image/png" and view.attachments[0].size == 108
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(FileContent)) == 1
    name, data = attachments.content(db, view.attachments[0].id)
    assert name == "flipchart.png" and data == photo.read_bytes()
    exe = tmp_path / "invoice.pdf.exe"
    exe.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00")
    with pytest.raises(UserError, match=re.escape("“invoice.pdf.exe” is not a kind of file vcsedesk keeps")):
        attachments.attach_file(db, admin, "engagements", eid, exe)
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as f:
        f.write(b"%PDF-")
        f.seek(attachments.MAX_BYTES + 10)
        f.write(b"\0")
    with pytest.raises(UserError, match="at most 20 MB"):
        attachments.attach_file(db, admin, "engagements", eid, huge)
    attachments.remove_attachment(db, admin, view.attachments[0].id, view.attachments[0].version)
    assert len(engagements.get_engagement(db, eid).attachments) == 1
