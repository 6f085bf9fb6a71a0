"""Demo engagement notes: written in bulk but journalled, searchable and consent-respecting
exactly as the engagements service would write them."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import UTC, date, datetime

from faker import Faker
from sqlalchemy import func, select

from vcsedesk.domain.consent import Purpose
from vcsedesk.services import actions, claims, consent, demo, demo_engagement, engagements, meetings, setup
from vcsedesk.services.base import undo_last
from vcsedesk.store.database import Database
from vcsedesk.store.models import (
    Engagement,
    EngagementTheme,
    JournalEntry,
    Quote,
    SearchDocument,
    Theme,
)


def test_small_demo_engagements_are_whole_journalled_and_searchable(db: Database) -> None:
    result = demo.load(db, size="small", device_id=uuid.uuid4())
    plan = demo.SIZES["small"]
    assert result.notes == plan.engagements + plan.quotes
    today = datetime.now(UTC).date()
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Engagement)) == plan.engagements
        assert session.scalar(select(func.count()).select_from(Quote)) == plan.quotes
        first, last = session.execute(
            select(func.min(Engagement.on_date), func.max(Engagement.on_date))
        ).one()
        assert first < date(today.year - 3, 1, 1) and last <= today
        journalled = session.scalar(
            select(func.count())
            .select_from(JournalEntry)
            .where(JournalEntry.table_name.in_(["engagements", "quotes"]))
        )
        assert journalled == plan.engagements + plan.quotes
        documents = Counter(session.scalars(select(SearchDocument.kind)))
        assert documents["engagement"] == plan.engagements and documents["quote"] == plan.quotes
        by_theme = Counter(
            session.scalars(select(Theme.name).join(EngagementTheme, EngagementTheme.theme_id == Theme.id))
        )
        speakers = session.execute(
            select(Quote.speaker_id, Quote.sharing).where(Quote.speaker_id.is_not(None))
        ).all()
        some = session.scalars(select(Engagement.id).limit(25)).all()
    # a few themes dominate, as in real listening
    top, *_ = by_theme.most_common(1)
    assert top[0] in {"Getting a GP appointment", "Cost of living", "Mental health", "Dentistry"}
    assert by_theme.most_common(1)[0][1] > 4 * min(by_theme.values())
    # no quote is shared beyond its speaker's consent
    for speaker, sharing in speakers:
        if sharing == "named":
            assert consent.may_use(db, speaker, Purpose.SHARE_WITH_NAME, today).allowed
        elif sharing == "anonymous":
            assert consent.may_use(db, speaker, Purpose.SHARE_ANONYMOUSLY, today).allowed
    for engagement_id in some:  # every engagement reads back whole
        view = engagements.get_engagement(db, engagement_id)
        assert view.reach > 0 and view.themes
    assert engagements.find(db, "appointment")
    # meetings through the meetings service, and follow-ups of which some are still open
    assert len(meetings.list_meetings(db)) == plan.meetings
    open_actions, overdue = actions.action_counts(db, today)
    assert open_actions > 0 and overdue > 0
    # claims at every step of the workflow, made and approved by different people
    admin = result.administrator
    statuses = Counter(row.status.value for row in claims.list_claims(db, admin))
    assert sum(statuses.values()) == plan.claims and {"draft", "submitted", "approved", "paid"} <= set(
        statuses
    )


def test_the_bulk_notes_undo_like_any_insert_only_change(db: Database) -> None:
    admin = setup.first_run(
        db, organisation_name="Undo Voices", user_name="Sam Patel", device_id=uuid.uuid4()
    )
    fake = Faker("en_GB")
    fake.seed_instance(3)
    rng = random.Random(3)
    demo.add_contacts(db, admin, 60, fake, rng)
    today = datetime.now(UTC).date()
    assert demo_engagement.add_engagements(db, admin, 50, 80, 5, rng, today=today) == 130
    assert engagements.find(db, "appointment")
    undo_last(db, admin)
    with db.read() as session:
        live = select(func.count()).select_from(Engagement).where(Engagement.deleted_at.is_(None))
        assert session.scalar(live) == 0
        quotes = select(func.count()).select_from(SearchDocument).where(SearchDocument.kind == "quote")
        assert session.scalar(quotes) == 0
    assert engagements.find(db, "appointment") == []
