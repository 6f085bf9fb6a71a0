"""Insight: every dashboard figure, and the records behind it, against an independent count
over engagements recorded through the engagements service — with a merged theme, an archived
engagement (counted nowhere) and actions open, overdue, done and hidden with their source."""

from __future__ import annotations

import itertools
import random
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.engagement import EngagementDraft, ParticipantEntry, QuoteEntry
from vcsedesk.domain.errors import ValidationError
from vcsedesk.services import actions, contacts, engagement_lists, engagements, insight, themes
from vcsedesk.services.actions import ActionDraft
from vcsedesk.services.base import Actor
from vcsedesk.services.insight import NO_WARD, ONLINE, FigureRef, Period
from vcsedesk.store.database import Database

TODAY = date(2026, 6, 15)
WARDS = ("Bow East", "Mile End", "Poplar")
THEMES = (
    "Dentistry",
    "Housing",
    "Transport",
    "Mental health",
    "Primary care",
    "Primary care › Getting a GP appointment",
    "Cost of living › Food",
)


# -- what was recorded, kept beside the database ----------------------------------------------
@dataclass
class Made:
    id: uuid.UUID
    on: date
    place: uuid.UUID | str
    type_id: uuid.UUID
    people: frozenset[uuid.UUID]
    anonymous: int
    themes: frozenset[uuid.UUID]
    quotes: int
    archived: bool = False


@dataclass
class World:
    made: list[Made]
    theme_ids: dict[str, uuid.UUID]
    paths: dict[str, uuid.UUID]  # every theme, by its path
    ward_ids: dict[str, uuid.UUID]
    type_names: dict[uuid.UUID, str]
    open_actions: set[uuid.UUID]
    overdue_actions: set[uuid.UUID]

    def live_in(self, period: Period) -> list[Made]:
        return [m for m in self.made if not m.archived and period.start <= m.on <= period.end]

    def canonical(self, theme_id: uuid.UUID) -> uuid.UUID:
        """Transport was merged into Housing."""
        return self.theme_ids["Housing"] if theme_id == self.theme_ids["Transport"] else theme_id

    def counted(self, theme_id: uuid.UUID, roll_up: bool) -> set[uuid.UUID]:
        """The themes an engagement tagged ``theme_id`` counts under."""
        out = {self.canonical(theme_id)}
        if roll_up:
            for path, tid in self.theme_ids.items():
                if tid == theme_id and " › " in path:
                    out.add(self.paths[path.split(" › ")[0]])
        return out


def build(db: Database, admin: Actor) -> World:
    rng = random.Random(4)
    paths = {t.path: t.id for t in themes.list_themes(db, include_retired=True)}
    theme_ids = {name: paths[name] for name in THEMES}
    for ward in WARDS:
        contacts.add_ward(db, admin, ward)
    ward_ids = {w: contacts_ward_id(db, w) for w in WARDS}
    types = engagement_lists.list_types(db)[:3]
    people = [
        next(
            iter(
                contacts.create_contact(db, admin, ContactDraft(given_name=g, family_name="Okafor")).created[
                    "contacts"
                ]
            )
        )
        for g in ("Aisha", "Ben", "Chloe", "Dev", "Efua", "Finn")
    ]
    made: list[Made] = []
    start = date(2025, 6, 20)
    for i in range(30):
        on = start + timedelta(days=rng.randrange((TODAY - start).days + 1))
        ward = rng.choice([*WARDS, None, None])
        online = ward is None and rng.random() < 0.5
        kind = rng.choice(types)
        named = rng.sample(people, rng.randrange(0, 4))
        anonymous = rng.randrange(0, 9) if named else rng.randrange(1, 9)
        tagged = rng.sample(list(theme_ids.values()), rng.randrange(0, 4))
        quotes = rng.randrange(0, 3)
        entries = [ParticipantEntry(p) for p in named]
        if named and i % 5 == 0:  # the same person twice: counted once
            entries.append(ParticipantEntry(named[0], "carer"))
        changes = engagements.add_engagement(
            db,
            admin,
            EngagementDraft(
                title=f"Engagement {i:02d}",
                type_id=kind.id,
                on_date=on,
                ward=ward,
                online=online,
                anonymous_count=anonymous,
                participants=tuple(entries),
                theme_ids=tuple(tagged),
                quotes=tuple(QuoteEntry(f"Quote {i}.{q}") for q in range(quotes)),
            ),
            today=TODAY,
        )
        (eid,) = changes.created["engagements"]
        place: uuid.UUID | str = ward_ids[ward] if ward else (ONLINE if online else NO_WARD)
        made.append(Made(eid, on, place, kind.id, frozenset(named), anonymous, frozenset(tagged), quotes))
    # An engagement in this quarter, rich in everything, then archived: counted nowhere.
    gone = engagements.add_engagement(
        db,
        admin,
        EngagementDraft(
            title="Archived drop-in",
            type_id=types[0].id,
            on_date=date(2026, 5, 1),
            ward="Poplar",
            anonymous_count=40,
            participants=(ParticipantEntry(people[0]),),
            theme_ids=(theme_ids["Dentistry"], theme_ids["Housing"]),
            quotes=(QuoteEntry("Never counted."),),
        ),
        today=TODAY,
    )
    (gone_id,) = gone.created["engagements"]
    made.append(
        Made(
            gone_id,
            date(2026, 5, 1),
            ward_ids["Poplar"],
            types[0].id,
            frozenset({people[0]}),
            40,
            frozenset({theme_ids["Dentistry"]}),
            1,
            archived=True,
        )
    )

    # Actions: open and overdue, open and not due, in progress and overdue, open undated,
    # done and cancelled (not open), and one hidden with its archived engagement.
    def action(
        title: str, due: date | None, status: str = "open", engagement_id: uuid.UUID | None = None
    ) -> uuid.UUID:
        draft = ActionDraft(title=title, due_on=due, status=status, engagement_id=engagement_id)
        (aid,) = actions.add_action(db, admin, draft, today=TODAY).created["actions"]
        return aid

    late = action("Write to the practice manager", TODAY - timedelta(days=5), engagement_id=made[0].id)
    later = action("Chase the dentist list", TODAY - timedelta(days=1), "in_progress")
    due = action("Book the library room", TODAY + timedelta(days=10))
    undated = action("Find an interpreter", None)
    action("Send the leaflet", TODAY - timedelta(days=20), "done")
    action("Old idea", TODAY - timedelta(days=20), "cancelled")
    action("Tied to the archived one", TODAY - timedelta(days=3), engagement_id=gone_id)
    view = engagements.get_engagement(db, gone_id)
    engagements.archive_engagement(db, admin, gone_id, view.version)
    transport = themes.get_theme(db, theme_ids["Transport"])
    themes.merge_themes(db, admin, transport.id, transport.version, theme_ids["Housing"])
    return World(
        made,
        theme_ids,
        paths,
        ward_ids,
        {t.id: t.name for t in types},
        open_actions={late, later, due, undated},
        overdue_actions={late, later},
    )


def contacts_ward_id(db: Database, name: str) -> uuid.UUID:
    from sqlalchemy import select

    from vcsedesk.store.models import Ward

    with db.read() as session:
        ward_id = session.scalar(select(Ward.id).where(Ward.name == name))
    assert ward_id is not None
    return ward_id


# -- the independent sums -----------------------------------------------------------------------
def expected_themes(world: World, period: Period, roll_up: bool) -> Counter[uuid.UUID]:
    counts: Counter[uuid.UUID] = Counter()
    for m in world.live_in(period):
        counted: set[uuid.UUID] = set()
        for t in m.themes:
            counted |= world.counted(t, roll_up)
        counts.update(counted)
    return counts


def theme_records(world: World, period: Period, theme_id: uuid.UUID, roll_up: bool) -> set[uuid.UUID]:
    return {
        m.id for m in world.live_in(period) if any(theme_id in world.counted(t, roll_up) for t in m.themes)
    }


def reach(made: list[Made]) -> tuple[int, int, int]:
    return len(made), sum(len(m.people) for m in made), sum(m.anonymous for m in made)


def check_everything(db: Database, world: World, period: Period, *, roll_up: bool = False) -> None:
    board = insight.dashboard(db, period, TODAY, roll_up=roll_up)
    live = world.live_in(period)
    assert live, "the test data should put engagements in every period checked"

    # Over time: contiguous buckets covering the period, each counting its engagements.
    buckets = board.over_time
    assert buckets[0].start == period.start and buckets[-1].end == period.end
    for before, after in itertools.pairwise(buckets):
        assert after.start == before.end + timedelta(days=1)
        if board.granularity == "week":
            assert after.start.weekday() == 0
        else:
            assert after.start.day == 1
    for bucket in buckets:
        inside = {m.id for m in live if bucket.start <= m.on <= bucket.end}
        assert bucket.count == len(inside), bucket
        assert set(insight.records_for(db, bucket.ref)) == inside
    assert sum(b.count for b in buckets) == len(live)

    # Themes: top ten this period, with the previous period's counts and the change.
    now = expected_themes(world, period, roll_up)
    before = expected_themes(world, period.previous(), roll_up)
    paths = {t.id: t.path for t in themes.list_themes(db, include_retired=True)}
    want = sorted(now, key=lambda t: (-now[t], paths[t].casefold()))[:10]
    assert [(f.name, f.count, f.previous, f.change) for f in board.themes] == [
        (paths[t], now[t], before[t], now[t] - before[t]) for t in want
    ]
    assert world.theme_ids["Transport"] not in {f.theme_id for f in board.themes}
    for figure in board.themes:
        assert set(insight.records_for(db, figure.ref)) == theme_records(
            world, period, figure.theme_id, roll_up
        )
        assert set(insight.records_for(db, figure.previous_ref)) == theme_records(
            world, period.previous(), figure.theme_id, roll_up
        )
        assert len(insight.records_for(db, figure.ref)) == figure.count
        assert len(insight.records_for(db, figure.previous_ref)) == figure.previous

    # Reach by ward and by type.
    names = {v: k for k, v in world.ward_ids.items()} | {ONLINE: "Online", NO_WARD: "No ward recorded"}
    for figures, key, label in (
        (board.by_ward, lambda m: m.place, names),
        (board.by_type, lambda m: m.type_id, world.type_names),
    ):
        groups: dict[object, list[Made]] = {}
        for m in live:
            groups.setdefault(key(m), []).append(m)
        assert {(f.name, f.engagements, f.named, f.anonymous) for f in figures} == {
            (label[k], *reach(ms)) for k, ms in groups.items()
        }
        reaches = [f.reach for f in figures]
        assert reaches == sorted(reaches, reverse=True)
        for f in figures:
            assert set(insight.records_for(db, f.ref)) == {m.id for m in groups[f.key]}

    # Totals.
    named = set().union(*(m.people for m in live))
    anonymous = sum(m.anonymous for m in live)
    t = board.totals
    assert (t.engagements, t.named_people, t.anonymous, t.people_reached, t.quotes) == (
        len(live),
        len(named),
        anonymous,
        len(named) + anonymous,
        sum(m.quotes for m in live),
    )
    assert (t.open_actions, t.overdue_actions) == (len(world.open_actions), len(world.overdue_actions))
    refs = board.total_refs
    assert set(insight.records_for(db, refs["engagements"])) == {m.id for m in live}
    assert set(insight.records_for(db, refs["people_reached"])) == {m.id for m in live}
    assert len(insight.records_for(db, refs["quotes"])) == t.quotes
    assert set(insight.records_for(db, refs["open_actions"], today=TODAY)) == world.open_actions
    assert set(insight.records_for(db, refs["overdue_actions"], today=TODAY)) == world.overdue_actions


# -- tests ------------------------------------------------------------------------------------------
def statements(db: Database, period: Period) -> int:
    """How many SELECTs one dashboard takes."""
    seen: list[str] = []

    def note(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            seen.append(sql)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        insight.dashboard(db, period, TODAY)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return len(seen)


def test_every_figure_and_its_records_match_an_independent_count(db: Database, admin: Actor) -> None:
    empty = statements(db, Period.last_12_months(TODAY))
    world = build(db, admin)
    # A handful of aggregates, however many engagements there are: nothing row by row.
    assert statements(db, Period.last_12_months(TODAY)) == empty <= 12
    quarter = Period.this_quarter(TODAY)
    assert quarter.granularity == "week"
    check_everything(db, world, quarter)
    twelve = Period.last_12_months(TODAY)
    assert twelve.granularity == "month"
    check_everything(db, world, twelve)
    check_everything(db, world, twelve, roll_up=True)

    # The archived engagement's 40 head-count and its theme are nowhere, and neither is the
    # action that went with it.
    board = insight.dashboard(db, quarter, TODAY)
    gone = next(m for m in world.made if m.archived)
    every = set().union(*(insight.records_for(db, f.ref) for f in board.by_ward))
    assert gone.id not in every

    # Records are described for the list that opens them, in the order given.
    ids = insight.records_for(db, board.total_refs["engagements"])
    lines = insight.record_lines(db, "engagements", ids)
    made = {m.id: m for m in world.made}
    assert [(line.id, line.on_date) for line in lines] == [(i, made[i].on) for i in ids]
    assert [line.on_date for line in lines] == sorted(line.on_date for line in lines)  # type: ignore[type-var]
    assert all(line.title.startswith("Engagement ") for line in lines)
    overdue = insight.records_for(db, board.total_refs["overdue_actions"], today=TODAY)
    action_lines = insight.record_lines(db, "actions", overdue, today=TODAY)
    assert [line.title for line in action_lines] == [
        "Write to the practice manager",
        "Chase the dentist list",
    ]
    assert all(line.detail.startswith("Overdue") for line in action_lines)
    quote_lines = insight.record_lines(db, "quotes", insight.records_for(db, board.total_refs["quotes"]))
    assert len(quote_lines) == board.totals.quotes and all(q.title.startswith("“Quote ") for q in quote_lines)


def test_an_empty_period_is_all_zeros_with_every_bucket(db: Database, admin: Actor) -> None:
    board = insight.dashboard(db, Period.this_year(TODAY), TODAY)
    assert board.empty and board.themes == () and board.by_ward == () and board.by_type == ()
    assert [b.start.month for b in board.over_time] == [1, 2, 3, 4, 5, 6]
    assert all(b.count == 0 for b in board.over_time)
    assert board.totals == insight.Totals(0, 0, 0, 0, 0, 0, 0)
    assert insight.records_for(db, board.over_time[0].ref) == []
    with pytest.raises(ValueError, match="keyed by its first day"):
        insight.records_for(db, FigureRef("month", "January", board.period))
    with pytest.raises(ValueError, match="keyed by a theme id"):
        insight.records_for(db, FigureRef("theme", None, board.period))


def test_periods() -> None:
    assert Period.this_quarter(TODAY) == Period(date(2026, 4, 1), TODAY)
    assert Period.last_quarter(TODAY) == Period(date(2026, 1, 1), date(2026, 3, 31))
    assert Period.last_quarter(date(2026, 2, 3)) == Period(date(2025, 10, 1), date(2025, 12, 31))
    assert Period.last_12_months(TODAY) == Period(date(2025, 7, 1), TODAY)
    assert Period.this_year(TODAY) == Period(date(2026, 1, 1), TODAY)
    # Whole months: the previous period is the same number of calendar months.
    assert Period.last_quarter(TODAY).previous() == Period(date(2025, 10, 1), date(2025, 12, 31))
    assert Period(date(2026, 3, 1), date(2026, 3, 31)).previous() == Period(
        date(2026, 2, 1), date(2026, 2, 28)
    )
    # Otherwise the same number of days, ending the day before.
    quarter = Period.this_quarter(TODAY)
    assert quarter.previous() == Period(date(2026, 1, 15), date(2026, 3, 31))
    assert quarter.previous().days == quarter.days == 76
    # Week by week up to three months; the first and last weeks clipped to the period.
    weeks = quarter.buckets()
    assert weeks[0] == (date(2026, 4, 1), date(2026, 4, 5)) and weeks[1][0] == date(2026, 4, 6)
    assert weeks[-1] == (date(2026, 6, 15), date(2026, 6, 15))
    assert Period(date(2026, 7, 1), date(2026, 9, 30)).granularity == "week"  # the longest quarter
    assert Period(date(2026, 1, 1), date(2026, 4, 3)).granularity == "month"
    assert len(Period.last_12_months(TODAY).buckets()) == 12
    with pytest.raises(ValidationError, match=r"ends .* before it starts"):
        Period.custom(date(2026, 5, 1), date(2026, 4, 1))
    with pytest.raises(ValidationError, match="first day"):
        Period.custom(None, date(2026, 4, 1))
    with pytest.raises(ValidationError, match="too long"):
        Period.custom(date(1926, 1, 1), date(2026, 4, 1))
    assert Period.custom(date(2026, 4, 1), date(2026, 4, 1)).days == 1
