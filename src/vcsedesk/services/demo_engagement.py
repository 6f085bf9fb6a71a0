"""Demo engagement notes and quotes: several years of listening with realistic theme frequencies.

Written through the bulk path (:mod:`services.bulk`) as one journalled change set, with the
same rows, journal entries and search documents the engagements service writes one at a time,
so the ``large`` demo's half a million notes and quotes take minutes, not hours.

What is realistic here: a few themes (getting a GP appointment, cost of living, mental health,
dentistry) come up far more than the rest (a Zipf-like spread), cost of living grows from 2022,
most activity is drop-ins and one-to-ones, events bring anonymous head-counts, and a quote's
sharing level never goes beyond what its speaker's consent allows.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from vcsedesk.domain.consent import Purpose
from vcsedesk.domain.engagement import ActionStatus, Sharing
from vcsedesk.services import consent
from vcsedesk.services.base import Actor, larger_cache, unit_of_work, utcnow
from vcsedesk.services.bulk import BulkJournal, Inserter, new_row
from vcsedesk.services.engagements import QUOTE_KIND, SEARCH_KIND, theme_paths
from vcsedesk.store.database import Database
from vcsedesk.store.models import (
    Action,
    Contact,
    Engagement,
    EngagementFacilitator,
    EngagementParticipant,
    EngagementTheme,
    EngagementType,
    HeadcountGroup,
    Quote,
    QuoteTheme,
    SearchDocument,
    Theme,
    User,
    Ward,
)
from vcsedesk.store.search import body_of

#: Engagements written per batch (rows of every table for them are inserted together).
BATCH = 2000
YEARS = 5

#: How often each theme comes up, relative to the others (names of the default themes).
THEME_WEIGHTS = {
    "Getting a GP appointment": 30,
    "Cost of living": 22,
    "Mental health": 18,
    "Dentistry": 15,
    "Waiting lists": 11,
    "Social isolation": 10,
    "Housing": 9,
    "Damp and mould": 6,
    "Transport": 7,
    "Digital exclusion": 6,
    "Waiting times for talking therapies": 6,
    "Food": 5,
    "Energy bills": 5,
    "Pharmacy": 4,
    "Support for carers": 4,
    "Care at home": 3,
    "Interpreting": 3,
    "Accessible information": 3,
    "Leaving hospital": 2,
    "Crisis support": 2,
    "NHS 111 and urgent care": 2,
    "Children and young people": 2,
    "Homelessness": 2,
    "Community safety": 1,
}
TYPE_WEIGHTS = {
    "Drop-in": 30,
    "One-to-one": 20,
    "Outreach": 15,
    "Event": 10,
    "Focus group": 8,
    "Survey session": 7,
    "Phone call": 6,
    "Online session": 4,
}
VENUES = (
    "Canal Street Library",
    "Riverside Community Centre",
    "St Mary's Church Hall",
    "Northfield Children's Centre",
    "Market Square Food Bank",
    "Hillcrest Sheltered Housing",
    "The Old Fire Station",
    "Abbey Fields Mosque",
    "Westgate Leisure Centre",
    "Parkside Surgery waiting room",
)
#: What people say, by theme (the top level's words serve its children too).
SAYINGS = {
    "Primary care": (
        "I ring at eight every morning and by the time I get through there are no appointments left.",
        "The receptionist asks what's wrong in front of everyone. I don't want to say.",
        "I can't use the online booking, my phone is too old for the app.",
        "I saw a different doctor every time and had to tell my story again.",
    ),
    "Dentistry": (
        "I rang every dentist in the borough. None are taking NHS patients.",
        "My son's tooth was hurting for months before we got seen.",
        "I pulled my own tooth out because I couldn't afford to go private.",
    ),
    "Mental health": (
        "They put me on a waiting list for talking therapy eighteen months ago.",
        "When I was in crisis the number just rang and rang.",
        "The group here is the only place I feel listened to.",
    ),
    "Hospital care": (
        "My mum was sent home at night with nobody there to help her.",
        "I've been waiting two years for a hip operation and I can't work.",
    ),
    "Social care": (
        "The carers come for fifteen minutes and they're always rushing.",
        "Nobody asked me, the carer, how I was coping.",
    ),
    "Cost of living": (
        "I'm choosing between heating and eating this winter.",
        "The bus fare to the hospital is more than I have for food that day.",
        "I skip meals so the kids can eat.",
    ),
    "Housing": (
        "There's black mould in the baby's room and the landlord does nothing.",
        "We've been in temporary accommodation for three years.",
    ),
    "Social isolation": (
        "Some weeks this drop-in is the only time I speak to anyone.",
        "Since my husband died I hardly leave the flat.",
    ),
    "Transport": (
        "The 42 bus stopped running so I can't get to my appointments.",
        "The hospital car park costs more than I can afford.",
    ),
    "Digital exclusion": (
        "Everything is online now and I don't have the internet.",
        "I don't know how to use the NHS app and nobody shows you.",
    ),
    "Communication and language": (
        "They didn't book an interpreter so my daughter had to translate for me.",
        "The letter was full of words I didn't understand.",
    ),
    "Children and young people": ("There's nothing for teenagers round here after school.",),
    "Community safety": ("I don't feel safe walking home from the surgery after dark.",),
}
SUMMARY_OPENINGS = (
    "People told us about",
    "Most conversations were about",
    "Several residents raised",
    "The main concern was",
    "We heard again about",
)


@dataclass(frozen=True)
class _Lists:
    types: list[tuple[uuid.UUID, str, float]]
    themes: list[tuple[uuid.UUID, str, float]]
    top_of: dict[uuid.UUID, str]
    paths: dict[uuid.UUID, str]
    wards: list[tuple[uuid.UUID, str]]
    users: list[uuid.UUID]
    people: list[uuid.UUID]
    may_name: set[uuid.UUID]
    may_quote: set[uuid.UUID]


def _lists(session: Session, today: date) -> _Lists:
    paths = theme_paths(session)
    live_themes = session.execute(
        select(Theme.id, Theme.name, Theme.parent_id).where(
            Theme.deleted_at.is_(None), Theme.retired.is_(False), Theme.merged_into_id.is_(None)
        )
    ).all()
    names = {t.id: t.name for t in session.execute(select(Theme.id, Theme.name))}
    top_of = {t.id: names[t.parent_id] if t.parent_id else t.name for t in live_themes}
    types = [
        (t.id, t.name, float(TYPE_WEIGHTS.get(t.name, 2)))
        for t in session.execute(
            select(EngagementType.id, EngagementType.name).where(EngagementType.deleted_at.is_(None))
        )
    ]
    people = list(
        session.scalars(
            select(Contact.id)
            .where(Contact.kind == "person", Contact.deleted_at.is_(None))
            .order_by(Contact.name)
            .limit(20_000)
        )
    )
    named = consent.decisions(session, people, Purpose.SHARE_WITH_NAME, today)
    anonymous = consent.decisions(session, people, Purpose.SHARE_ANONYMOUSLY, today)
    return _Lists(
        types=types,
        themes=[(t.id, t.name, float(THEME_WEIGHTS.get(t.name, 1))) for t in live_themes],
        top_of=top_of,
        paths=paths,
        wards=[
            (w.id, w.name)
            for w in session.execute(select(Ward.id, Ward.name).where(Ward.deleted_at.is_(None)))
        ],
        users=list(session.scalars(select(User.id).where(User.deleted_at.is_(None)))),
        people=people,
        may_name={p for p, d in named.items() if d.allowed},
        may_quote={p for p, d in anonymous.items() if d.allowed},
    )


def _weighted(rng: random.Random, items: Sequence[tuple[uuid.UUID, str, float]], k: int) -> list[int]:
    """``k`` distinct indexes into ``items`` drawn by weight."""
    weights = [w for *_, w in items]
    chosen: list[int] = []
    while len(chosen) < min(k, len(items)):
        i = rng.choices(range(len(items)), weights)[0]
        if i not in chosen:
            chosen.append(i)
    return chosen


def add_engagements(
    db: Database, admin: Actor, count: int, quotes: int, actions: int, rng: random.Random, *, today: date
) -> int:
    """Add ``count`` engagements carrying ``quotes`` quotes in all and ``actions`` follow-up
    actions, over the last five years, as one journalled change.  Returns notes + quotes."""
    if count <= 0:
        return 0
    with unit_of_work(db, admin, f"Added {count:,} demo engagements and {quotes:,} quotes") as uow:
        session = uow.session
        lists = _lists(session, today)
        if not lists.types or not lists.themes:
            return 0
        inserter = Inserter(session, utcnow())
        journal = BulkJournal(uow, inserter)
        tables: dict[str, Table] = {
            m.__tablename__: m.__table__  # type: ignore[misc]
            for m in (
                Engagement,
                EngagementFacilitator,
                EngagementParticipant,
                EngagementTheme,
                HeadcountGroup,
                Quote,
                QuoteTheme,
                Action,
            )
        }
        search_table: Table = SearchDocument.__table__  # type: ignore[assignment]
        # Quotes per engagement: spread the total so that busier kinds get more.
        per = [0] * count
        for _ in range(quotes):
            per[rng.randrange(count)] += 1
        with_action = set(rng.sample(range(count), min(actions, count)))
        start = today - timedelta(days=365 * YEARS)
        with larger_cache(session):
            for first in range(0, count, BATCH):
                rows: dict[str, list[dict[str, Any]]] = {name: [] for name in tables}
                documents: list[dict[str, Any]] = []
                for n in range(first, min(first + BATCH, count)):
                    _one(
                        rng,
                        lists,
                        uow.changes.change_set,
                        today,
                        start,
                        per[n],
                        n in with_action,
                        rows,
                        documents,
                    )
                for name, table in tables.items():
                    inserter(table, rows[name])
                    journal.inserted(table, rows[name])
                inserter(search_table, documents)
                journal.flush()
    return count + quotes


def _day(rng: random.Random, start: date, today: date) -> date:
    """A date in the period, more often recent (the organisation grew)."""
    span = (today - start).days
    return start + timedelta(days=int(span * (rng.random() ** 0.7)))


def _one(
    rng: random.Random,
    lists: _Lists,
    change_set: uuid.UUID | None,
    today: date,
    start: date,
    quote_count: int,
    action: bool,
    rows: dict[str, list[dict[str, Any]]],
    documents: list[dict[str, Any]],
) -> None:
    now = utcnow()
    type_id, type_name, _ = lists.types[_weighted(rng, lists.types, 1)[0]]
    on = _day(rng, start, today)
    if action and rng.random() < 0.5:  # follow-ups are mostly of recent listening
        on = today - timedelta(days=rng.randint(1, 120))
    venue = rng.choice(VENUES) if type_name not in ("Phone call", "Online session") else None
    ward = rng.choice(lists.wards) if lists.wards and rng.random() < 0.85 else None
    themes = [lists.themes[i] for i in _weighted(rng, lists.themes, rng.choice((1, 1, 2, 2, 3)))]
    if on.year >= 2022 and rng.random() < 0.15:  # the cost of living crisis
        extra = next((t for t in lists.themes if t[1] == "Cost of living"), None)
        if extra and extra not in themes:
            themes.append(extra)
    anonymous = {
        "Event": rng.randint(10, 80),
        "Drop-in": rng.randint(0, 15),
        "Outreach": rng.randint(3, 30),
        "Survey session": rng.randint(5, 40),
    }.get(type_name, 0)
    named_count = {"One-to-one": 1, "Phone call": 1, "Focus group": rng.randint(3, 8)}.get(
        type_name, rng.randint(0, 3)
    )
    if anonymous == 0 and named_count == 0:
        named_count = 1
    participants = rng.sample(lists.people, min(named_count, len(lists.people))) if lists.people else []
    if not participants and anonymous == 0:
        anonymous = rng.randint(1, 10)
    top = lists.top_of[themes[0][0]]
    title = f"{type_name} — {venue or (ward[1] if ward else 'online')}"
    summary = (
        f"{rng.choice(SUMMARY_OPENINGS)} {', '.join(t[1].lower() for t in themes)}. "
        f"{rng.choice(SAYINGS.get(top, SAYINGS['Primary care']))}"
    )
    engagement = new_row(
        now,
        title=title,
        type_id=type_id,
        on_date=on,
        start_time=time(rng.choice((9, 10, 11, 13, 14, 18)), rng.choice((0, 30))),
        duration_minutes=rng.choice((30, 60, 90, 120, 180)),
        venue=venue,
        ward_id=ward[0] if ward else None,
        online=type_name == "Online session",
        priority_id=None,
        summary=summary,
        anonymous_count=anonymous,
    )
    eid = engagement["id"]
    rows["engagements"].append(engagement)
    if lists.users:
        rows["engagement_facilitators"].append(
            new_row(now, engagement_id=eid, user_id=rng.choice(lists.users))
        )
    rows["engagement_participants"].extend(
        new_row(now, engagement_id=eid, contact_id=p, role="carer" if rng.random() < 0.08 else "participant")
        for p in participants
    )
    if anonymous >= 8 and rng.random() < 0.4:
        rows["headcount_groups"].append(
            new_row(
                now,
                engagement_id=eid,
                label=rng.choice(("Under 25", "Over 65", "Carers")),
                count=rng.randint(1, anonymous // 2),
            )
        )
    rows["engagement_themes"].extend(new_row(now, engagement_id=eid, theme_id=t[0]) for t in themes)
    documents.append(
        {
            "kind": SEARCH_KIND,
            "record_id": eid,
            "body": body_of(
                [
                    title,
                    type_name,
                    venue,
                    ward[1] if ward else None,
                    *(lists.paths[t[0]] for t in themes),
                    summary,
                ]
            ),
        }
    )
    for _ in range(quote_count):
        theme = rng.choice(themes)
        text = rng.choice(SAYINGS.get(lists.top_of[theme[0]], SAYINGS["Primary care"]))
        speaker = rng.choice(participants) if participants and rng.random() < 0.5 else None
        if speaker is None:
            sharing = Sharing.ANONYMOUS if rng.random() < 0.6 else Sharing.INTERNAL
        elif speaker in lists.may_name:
            sharing = Sharing.NAMED if rng.random() < 0.5 else Sharing.ANONYMOUS
        elif speaker in lists.may_quote:
            sharing = Sharing.ANONYMOUS
        else:
            sharing = Sharing.INTERNAL
        quote = new_row(now, engagement_id=eid, speaker_id=speaker, text=text, sharing=sharing.value)
        rows["quotes"].append(quote)
        rows["quote_themes"].append(new_row(now, quote_id=quote["id"], theme_id=theme[0]))
        documents.append(
            {"kind": QUOTE_KIND, "record_id": quote["id"], "body": body_of([text, lists.paths[theme[0]]])}
        )
    if action:
        due = on + timedelta(days=rng.choice((7, 14, 28)))
        recent = due >= today - timedelta(days=90)
        status = ActionStatus.OPEN if recent and rng.random() < 0.7 else ActionStatus.DONE
        rows["actions"].append(
            new_row(
                now,
                title=f"Follow up: {themes[0][1].lower()} ({venue or 'phone'})",
                detail="",
                owner_user_id=rng.choice(lists.users) if lists.users else None,
                owner_contact_id=None,
                due_on=due,
                status=status.value,
                completed_on=min(today, due) if status is ActionStatus.DONE else None,
                outcome="Raised with the practice manager." if status is ActionStatus.DONE else "",
                engagement_id=eid,
                meeting_id=None,
                meeting_item_id=None,
            )
        )


# -- meetings ---------------------------------------------------------------------------------
MEETINGS = (
    "People's Partnership hub",
    "Carers' forum",
    "Primary care listening panel",
    "VCSE alliance",
)
AGENDA = (
    ("Welcome and apologies", "", ""),
    (
        "What we heard this month",
        "Members shared what residents told them: phone queues at the surgery, no NHS dentists taking new "
        "patients, and the cost of getting to hospital appointments.",
        "Hub to collate the themes for the quarterly return.",
    ),
    (
        "Update from the integrated care board",
        "The ICB lead described the new same-day access pilot and asked for feedback from residents.",
        "Two members to test the new booking line with residents and report back.",
    ),
    (
        "Reimbursing residents for their time",
        "Discussed the involvement payment rates and how to avoid affecting people's benefits.",
        "Adopt the NHS England rates; point people to welfare-rights advice.",
    ),
    ("Any other business", "Next meeting to be held somewhere with step-free access.", ""),
)
ACTION_TITLES = (
    "Send the themes to the ICB lead",
    "Test the new booking line with three residents",
    "Ask the practice manager about the phone queue",
    "Find a step-free venue for the next meeting",
    "Share the dental access figures with Healthwatch",
)


def add_meetings(db: Database, admin: Actor, count: int, rng: random.Random, *, today: date) -> int:
    """Add ``count`` meetings through the meetings service (one journalled change each): one a
    fortnight back from today, with voices at the meeting speaking for organisations, apologies,
    agenda items and actions, some of them still open and a few overdue."""
    from vcsedesk.services import meetings
    from vcsedesk.services.actions import ActionDraft

    if count <= 0:
        return 0
    with db.read() as session:
        people = list(
            session.scalars(
                select(Contact.id).where(Contact.kind == "person").order_by(Contact.name).limit(400)
            )
        )
        organisations = list(
            session.scalars(
                select(Contact.id).where(Contact.kind == "organisation").order_by(Contact.name).limit(60)
            )
        )
        users = list(session.scalars(select(User.id).where(User.deleted_at.is_(None))))
    if len(people) < 8:
        return 0
    for n in range(count):
        on = today - timedelta(days=14 * n + rng.randint(0, 3))
        voices = rng.sample(people, rng.randint(5, 8))
        attendees = tuple(
            meetings.AttendeeEntry(
                person,
                speaks_for_id=rng.choice(organisations) if organisations and rng.random() < 0.7 else None,
                attendance="apologies" if i >= len(voices) - rng.randint(1, 2) else "attended",
            )
            for i, person in enumerate(voices)
        )
        items = tuple(meetings.AgendaItemEntry(title, notes, decisions) for title, notes, decisions in AGENDA)
        meeting_actions = []
        for title in rng.sample(ACTION_TITLES, rng.randint(1, 3)):
            due = on + timedelta(days=rng.choice((7, 14, 28)))
            open_now = due >= today - timedelta(days=45) and rng.random() < 0.8
            status = ActionStatus.OPEN if open_now else ActionStatus.DONE
            meeting_actions.append(
                meetings.MeetingActionEntry(
                    ActionDraft(
                        title=title,
                        owner_user_id=rng.choice(users) if users else None,
                        due_on=due,
                        status=status.value,
                        outcome="" if open_now else "Done and reported back to the hub.",
                    ),
                    item=rng.randint(1, len(items) - 1),
                )
            )
        meetings.add_meeting(
            db,
            admin,
            meetings.MeetingDraft(
                title=rng.choice(MEETINGS),
                on_date=on,
                start_time=time(rng.choice((10, 14, 18)), 0),
                venue=rng.choice(VENUES),
                chair_id=voices[0],
                notes="",
                items=items,
                attendees=attendees,
                actions=tuple(meeting_actions),
            ),
            today=today,
        )
    return count
