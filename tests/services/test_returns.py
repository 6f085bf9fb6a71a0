"""A return's life: drafted, readied, frozen on submission (the same content hash however many
records come later), acknowledged and answered; editions; the partnership's responses; the
people to tell; timelines; files made again from the snapshot; quotes whose consent went."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from vcsedesk.domain.contacts import ContactDraft, EmailEntry
from vcsedesk.domain.engagement import EngagementDraft, ParticipantEntry, QuoteEntry
from vcsedesk.domain.errors import UserError, ValidationError
from vcsedesk.domain.returns import Cadence, Period, ReturnStatus, parse_period
from vcsedesk.services import (
    consent,
    contacts,
    engagement_lists,
    engagements,
    partnerships,
    returns,
    timeline,
)
from vcsedesk.services.base import Actor, unit_of_work
from vcsedesk.store.database import Database
from vcsedesk.store.models import PartnershipReturn

TODAY = date(2025, 10, 20)
Q3 = parse_period("2025-Q3")


@dataclass
class World:
    partnership: uuid.UUID
    aisha: uuid.UUID
    bea: uuid.UUID
    types: dict[str, uuid.UUID]
    quote_bea: uuid.UUID


def person(db: Database, admin: Actor, given: str, family: str, email: str | None = None) -> uuid.UUID:
    draft = ContactDraft(given_name=given, family_name=family, emails=(EmailEntry(email),) if email else ())
    (cid,) = contacts.create_contact(db, admin, draft).created["contacts"]
    return cid


def give(db: Database, admin: Actor, cid: uuid.UUID, purpose: str, on: date, status: str = "given") -> None:
    consent.record_consent(
        db, admin, cid, purpose=purpose, status=status, on=on, method="written", today=TODAY
    )


def engagement(db: Database, admin: Actor, **values: object) -> uuid.UUID:
    (eid,) = engagements.add_engagement(db, admin, EngagementDraft(**values), today=TODAY).created[  # type: ignore[arg-type]
        "engagements"
    ]
    return eid


@pytest.fixture
def world(db: Database, admin: Actor) -> World:
    types = {t.name: t.id for t in engagement_lists.list_types(db)}
    aisha = person(db, admin, "Aisha", "Rahman", "aisha@example.org")
    bea = person(db, admin, "Bea", "Lowe", "bea@example.org")
    give(db, admin, aisha, "contact_email", date(2025, 1, 5))
    give(db, admin, bea, "share_anonymously", date(2025, 1, 5))
    eid = engagement(
        db,
        admin,
        title="Library drop-in",
        type_id=types["Drop-in"],
        on_date=date(2025, 8, 12),
        start_time=time(10, 30),
        anonymous_count=7,
        participants=(ParticipantEntry(aisha), ParticipantEntry(bea)),
        summary="Dentists.",
        quotes=(QuoteEntry("No dentist will take me on.", "anonymous", bea),),
    )
    engagement(
        db,
        admin,
        title="Carers' coffee morning",
        type_id=types["Event"],
        on_date=date(2025, 9, 2),
        anonymous_count=3,
        participants=(ParticipantEntry(aisha),),
    )
    (pid,) = partnerships.add_partnership(
        db,
        admin,
        partnerships.PartnershipDraft(
            name="Riverside People's Partnership",
            first_period_start=date(2025, 1, 1),
            cadence=Cadence.QUARTERLY,
        ),
    ).created["partnerships"]
    quote_bea = engagements.get_engagement(db, eid).quotes[0].id
    return World(pid, aisha, bea, types, quote_bea)


def started(db: Database, admin: Actor, world: World, period: Period = Q3) -> returns.ReturnView:
    returns.start_return(db, admin, world.partnership, period)
    view = returns.latest_for(db, world.partnership, period)
    assert view is not None
    return view


def submitted(db: Database, admin: Actor, world: World) -> returns.ReturnView:
    view = started(db, admin, world)
    returns.mark_ready(db, admin, view.id, view.version)
    view = returns.get_return(db, view.id)
    returns.submit(
        db,
        admin,
        view.id,
        view.version,
        on=date(2025, 10, 15),
        today=TODAY,
        now=datetime(2025, 10, 15, 16, 0, tzinfo=UTC),
    )
    return returns.get_return(db, view.id)


def question_keys(db: Database, view: returns.ReturnView) -> list[str]:
    return [q.key for q in partnerships.get_template(db, view.template_key).questions()]


def test_a_draft_counts_the_period_and_keeps_answers(db: Database, admin: Actor, world: World) -> None:
    view = started(db, admin, world)
    assert view.status is ReturnStatus.DRAFT and view.edition == 1 and view.period_label == "2025-Q3"
    shown = returns.show(db, admin, view.id, today=TODAY)
    assert not shown.frozen
    reach = shown.content.section("reach")
    assert reach is not None
    assert reach.engagements.value == 2  # type: ignore[union-attr]
    assert reach.named_people.value == 2 and reach.headcount.value == 10  # type: ignore[union-attr]
    assert reach.people_reached.value == 12  # type: ignore[union-attr]  # Aisha once, not twice

    key = question_keys(db, view)[0]
    returns.save_answers(db, admin, view.id, view.version, {key: "  Many carers came.  "})
    view = returns.get_return(db, view.id)
    assert view.narrative == {key: "Many carers came."}
    with pytest.raises(ValidationError) as refused:
        returns.save_answers(db, admin, view.id, view.version, {"no_such_question": "x"})
    assert "no_such_question" in refused.value.problems
    with pytest.raises(UserError, match="already a return"):
        returns.start_return(db, admin, world.partnership, Q3)


def test_steps_out_of_order_are_refused_with_the_reason(db: Database, admin: Actor, world: World) -> None:
    view = started(db, admin, world)
    with pytest.raises(UserError, match="draft; it can go on to ready to submit, not to acknowledged"):
        returns.record_acknowledged(db, admin, view.id, view.version, on=TODAY)
    with pytest.raises(UserError, match="not to submitted"):
        returns.submit(db, admin, view.id, view.version, on=TODAY)


def test_a_frozen_return_gives_the_same_content_hash_after_more_records(
    db: Database, admin: Actor, world: World, tmp_path: Path
) -> None:
    view = submitted(db, admin, world)
    assert view.status is ReturnStatus.SUBMITTED and view.frozen
    assert view.content_hash is not None and len(view.content_hash) == 64
    first = returns.export(db, admin, view.id, xlsx=tmp_path / "a.xlsx", pdf=tmp_path / "a.pdf")
    assert first.shown.content_hash == view.content_hash

    # More listening in the same quarter, after the return went in.
    engagement(
        db,
        admin,
        title="Late outreach",
        type_id=world.types["Outreach"],
        on_date=date(2025, 9, 20),
        anonymous_count=40,
    )
    fresh = returns.preview(db, admin, world.partnership, Q3, today=TODAY)
    assert fresh.content_hash != view.content_hash  # the records did change…
    again = returns.export(db, admin, view.id, xlsx=tmp_path / "b.xlsx", pdf=tmp_path / "b.pdf")
    assert again.shown.content_hash == view.content_hash  # …the frozen return did not
    assert again.shown.content == first.shown.content
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    a, b = load_workbook(tmp_path / "a.xlsx"), load_workbook(tmp_path / "b.xlsx")
    assert a.sheetnames == b.sheetnames
    for name in a.sheetnames:
        assert [[c.value for c in r] for r in a[name].iter_rows()] == [
            [c.value for c in r] for r in b[name].iter_rows()
        ]
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "b.pdf").pages)
    assert view.content_hash[:4] in text

    # Frozen: no more changes to it, but a new edition carries the answers over.
    with pytest.raises(UserError, match="frozen"):
        returns.save_answers(db, admin, view.id, view.version, {})
    returns.new_edition(db, admin, view.id)
    second = returns.latest_for(db, world.partnership, Q3)
    assert second is not None and second.edition == 2 and second.status is ReturnStatus.DRAFT
    assert second.replaces_id == view.id and second.narrative == view.narrative
    assert returns.get_return(db, view.id).superseded
    with pytest.raises(UserError, match="edition 2"):
        returns.new_edition(db, admin, view.id)


def test_an_altered_snapshot_is_refused(db: Database, admin: Actor, world: World) -> None:
    view = submitted(db, admin, world)
    with unit_of_work(db, admin, "tamper") as uow:
        row = uow.session.get(PartnershipReturn, view.id)
        assert row is not None and row.snapshot is not None
        row.snapshot = row.snapshot.replace('"value":12', '"value":120', 1)
    with pytest.raises(UserError, match="altered"):
        returns.show(db, admin, view.id)


def test_a_chosen_quote_whose_speaker_withdrew_consent_is_left_out_with_the_reason(
    db: Database, admin: Actor, world: World, tmp_path: Path
) -> None:
    view = started(db, admin, world)
    returns.choose_quotes(db, admin, view.id, view.version, [world.quote_bea])
    shown = returns.show(db, admin, view.id, today=TODAY)
    quotes = shown.content.section("quotes")
    assert quotes is not None and [q.text for q in quotes.quotes] == ["No dentist will take me on."]  # type: ignore[union-attr]

    give(db, admin, world.bea, "share_anonymously", date(2025, 10, 18), "withdrawn")
    out = returns.export(db, admin, view.id, xlsx=tmp_path / "r.xlsx", today=TODAY)
    quotes = out.shown.content.section("quotes")
    assert quotes is not None and quotes.quotes == ()  # type: ignore[union-attr]
    assert len(out.shown.notices) == 1
    assert "No dentist will take me on." in out.shown.notices[0] and "withdrawn" in out.shown.notices[0]
    cells = [
        str(c.value)
        for ws in load_workbook(tmp_path / "r.xlsx").worksheets
        for r in ws.iter_rows()
        for c in r
        if c.value
    ]
    assert not any("No dentist" in c for c in cells)


def test_acknowledged_responses_and_what_happened_next(
    db: Database, admin: Actor, world: World, tmp_path: Path
) -> None:
    view = submitted(db, admin, world)
    returns.record_acknowledged(db, admin, view.id, view.version, on=date(2025, 10, 18))
    returns.add_response(
        db,
        admin,
        view.id,
        you_said="Nobody can find an NHS dentist.",
        we_did="The ICB commissioned urgent dental sessions.",
        decision="Urgent dental access added to the winter plan.",
        responded_on=date(2025, 11, 30),
    )
    with pytest.raises(ValidationError) as refused:
        returns.add_response(db, admin, view.id, you_said="  ")
    assert "you_said" in refused.value.problems
    view = returns.get_return(db, view.id)
    assert [r.you_said for r in view.responses] == ["Nobody can find an NHS dentist."]
    returns.record_response_received(db, admin, view.id, view.version, on=date(2025, 11, 30))
    assert returns.get_return(db, view.id).status is ReturnStatus.RESPONSE_RECEIVED
    # Responses recorded later do not change the frozen return…
    assert returns.show(db, admin, view.id).content_hash == view.content_hash
    # …but they are what the participants' summary is about.
    pages = returns.export_outcomes(db, admin, view.id, tmp_path / "next.pdf")
    assert pages >= 1
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "next.pdf").pages)
    assert "urgent dental sessions" in " ".join(text.split())

    # The next quarter's return tells the partnership what it did: "you said, we did".
    q4 = started(db, admin, world, parse_period("2025-Q4"))
    actions_section = returns.show(db, admin, q4.id, today=TODAY).content.section("actions")
    assert [r.we_did for r in actions_section.responses] == [  # type: ignore[union-attr]
        "The ICB commissioned urgent dental sessions."
    ]

    response = view.responses[0]
    returns.remove_response(db, admin, response.id, response.version)
    assert returns.get_return(db, view.id).responses == ()


def test_people_to_tell_are_those_who_consented_by_the_ways_they_consented(
    db: Database, admin: Actor, world: World, tmp_path: Path
) -> None:
    view = submitted(db, admin, world)
    people = returns.contributors_to_tell(db, admin, view.id, today=TODAY)
    assert [(p.name, p.email, p.engagements) for p in people] == [("Aisha Rahman", "aisha@example.org", 2)]
    assert returns.export_contributors(db, admin, view.id, tmp_path / "tell.xlsx", today=TODAY) == 1
    rows = list(load_workbook(tmp_path / "tell.xlsx").active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[1][:2] == ("Aisha Rahman", "aisha@example.org")
    assert all("Bea" not in str(v) for row in rows for v in row)


def test_a_submitted_return_shows_on_each_contributors_timeline(
    db: Database, admin: Actor, world: World
) -> None:
    view = submitted(db, admin, world)
    items = [i for i in timeline.timeline(db, world.aisha, admin) if i.kind == "return"]
    assert len(items) == 1
    assert items[0].record_id == view.id and "2025-Q3" in items[0].title
    assert "2 engagements" in items[0].detail
    outsider = person(db, admin, "Nobody", "Else")
    assert not [i for i in timeline.timeline(db, outsider, admin) if i.kind == "return"]


def test_due_and_overdue_returns(db: Database, admin: Actor, world: World) -> None:
    due = partnerships.due_returns(db, date(2025, 11, 5))
    labels = [(d.period.label, d.overdue(date(2025, 11, 5))) for d in due]
    # Q1 and Q2 were due long ago, Q3 on 30 Oct (overdue by now); Q4 ends too far ahead.
    assert labels == [("2025-Q1", True), ("2025-Q2", True), ("2025-Q3", True)]
    soon = partnerships.due_returns(db, date(2025, 12, 1))
    assert [(d.period.label, d.days_left(date(2025, 12, 1))) for d in soon][-1] == ("2025-Q4", 60)
    submitted(db, admin, world)
    assert "2025-Q3" not in [d.period.label for d in partnerships.due_returns(db, date(2025, 11, 5))]


def test_partnership_form_problems_are_named(db: Database, admin: Actor, world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        partnerships.add_partnership(
            db,
            admin,
            partnerships.PartnershipDraft(
                name="riverside people's partnership",
                first_period_start=date(2025, 1, 1),
                contact_email="not-an-email",
                suppression_threshold=1,
                template_key="no-such-template",
            ),
        )
    assert set(refused.value.problems) == {"name", "contact_email", "suppression_threshold", "template_key"}


def test_a_copied_template_can_be_adjusted_and_used(db: Database, admin: Actor, world: World) -> None:
    shipped = partnerships.list_templates(db)
    assert {"peoples-partnership-quarterly", "healthwatch-insight"} <= {t.key for t in shipped}
    (tid,) = partnerships.copy_to_edit(db, admin, "peoples-partnership-quarterly", "Our hub return").created[
        "return_templates"
    ]
    copy = next(t for t in partnerships.list_templates(db) if t.id == tid)
    assert not copy.shipped and copy.copied_from == "peoples-partnership-quarterly"
    import dataclasses

    fewer = dataclasses.replace(copy.template, sections=copy.template.sections[::-1])
    partnerships.save_template(db, admin, copy.key, copy.version, fewer)
    assert [s.kind for s in partnerships.get_template(db, copy.key).sections] == [
        s.kind for s in copy.template.sections[::-1]
    ]
    with pytest.raises(UserError, match="copy it first"):
        partnerships.save_template(db, admin, "peoples-partnership-quarterly", 1, fewer)
