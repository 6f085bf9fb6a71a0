"""Many engagements and quotes fast, for benchmarks (the dashboard, search).

:func:`build` writes rows straight into the engagement tables in the shape the engagements
service writes them — engagements with facilitators, named participants drawn from a pool of
contacts, head-counts and head-count groups, themes, quotes with their themes — and their
search documents (bodies made by ``store.search.body_of`` from the same parts
``services.engagements.reindex`` uses), in bulk (one
``executemany`` per table of values already in the driver's form on SQLite; Core inserts
elsewhere), without journalling each row.

The data is shaped like a real organisation's: several years of dates with more recent
activity and quiet weekends; engagement types with their own head-count patterns; wards of
uneven activity, some online or unplaced; theme frequencies that follow a Zipf-like curve
(a few themes come up all the time, most rarely); about 1% of engagements archived.

    info = build(db, engagements=200_000, quotes=300_000, seed=7)

``db`` must be migrated and set up (an organisation and its first user: the facilitator).
Contacts are added with ``contacts_data.fill`` (which also makes the wards) unless the
database already has people and ``contacts=0``.
"""

from __future__ import annotations

import contextlib
import functools
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from tests.benchmarks import contacts_data
from vcsedesk.services.engagements import QUOTE_KIND, SEARCH_KIND, theme_paths
from vcsedesk.store import search
from vcsedesk.store.database import Database
from vcsedesk.store.models import (
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

BATCH = 10_000
ARCHIVED_EVERY = 97  # about 1% of engagements archived

#: The themes people raise most, most first; the rest follow in a seeded order.
LEADING_THEMES = [
    "Primary care › Getting a GP appointment",
    "Cost of living",
    "Mental health › Waiting times for talking therapies",
    "Dentistry",
    "Housing › Damp and mould",
    "Cost of living › Energy bills",
    "Social isolation",
    "Transport",
    "Mental health",
    "Digital exclusion",
]
#: Zipf exponent of theme frequencies.
ZIPF_S = 1.1

#: Engagement type → (share of engagements, named participants (lo, hi), anonymous (lo, hi),
#: minutes).
TYPE_PROFILES: dict[str, tuple[float, tuple[int, int], tuple[int, int], int]] = {
    "Event": (10, (0, 3), (10, 80), 180),
    "Drop-in": (25, (1, 4), (2, 20), 120),
    "One-to-one": (22, (1, 1), (0, 0), 45),
    "Focus group": (8, (3, 8), (0, 4), 90),
    "Survey session": (8, (0, 2), (5, 40), 120),
    "Outreach": (12, (0, 3), (5, 60), 150),
    "Online session": (8, (1, 5), (0, 10), 60),
    "Phone call": (7, (1, 1), (0, 0), 20),
}
VENUES = [
    "Canal Street Library",
    "St Anne's Church Hall",
    "Bow Community Centre",
    "The Food Bank, Roman Road",
    "Mile End Leisure Centre",
    "Poplar Baths",
    "Chrisp Street Market",
    "Whitechapel Idea Store",
    "Limehouse Mosque",
    "The Carers' Café",
    "Ocean Estate Tenants' Hall",
    "Shadwell Children's Centre",
]
OCCASIONS = [
    "coffee morning",
    "drop-in",
    "listening event",
    "stall",
    "conversation",
    "focus group",
    "door-knocking round",
    "lunch club",
    "support group",
    "walk and talk",
]
#: Words and phrases people use about each top-level theme (for titles, summaries, quotes).
THEME_WORDS: dict[str, list[str]] = {
    "Primary care": [
        "could not get a GP appointment",
        "rang the surgery at 8am and every slot had gone",
        "the receptionist asked for details in front of everyone",
        "waited three weeks to see a doctor",
        "the pharmacy ran out of the prescription",
        "was sent to NHS 111 and then to A&E",
    ],
    "Dentistry": [
        "no NHS dentist is taking new patients",
        "paid privately for an emergency extraction",
        "children have not seen a dentist since lockdown",
        "was told the waiting list is two years",
    ],
    "Mental health": [
        "waited eleven months for talking therapy",
        "the crisis line did not answer",
        "felt anxious and alone after losing work",
        "the peer support group kept them going",
    ],
    "Hospital care": [
        "the operation was cancelled twice",
        "left hospital with no support at home",
        "transport to outpatients never came",
        "the waiting list letter was confusing",
    ],
    "Social care": [
        "carers change every visit",
        "the care package was cut without warning",
        "unpaid carers have no time for themselves",
        "respite care is impossible to find",
    ],
    "Cost of living": [
        "choosing between heating and eating",
        "the energy bill doubled this winter",
        "relies on the food bank every week",
        "cannot afford the bus fare to appointments",
    ],
    "Housing": [
        "damp and mould in the children's bedroom",
        "the landlord ignores repair requests",
        "temporary accommodation far from school",
        "overcrowded flat with three generations",
    ],
    "Social isolation": [
        "has not spoken to anyone for days",
        "the lunch club is the only outing of the week",
        "lonely since the day centre closed",
    ],
    "Transport": [
        "the bus route to the hospital was cut",
        "no step-free access at the station",
        "community transport is booked up weeks ahead",
    ],
    "Digital exclusion": [
        "cannot book online without a smartphone",
        "the NHS app is too hard to use",
        "no internet at home since the price went up",
    ],
    "Communication and language": [
        "no interpreter was offered at the appointment",
        "letters are not in easy read",
        "relied on a child to interpret",
    ],
    "Children and young people": [
        "the youth club closed",
        "waiting for an autism assessment for two years",
        "school nurse visits stopped",
    ],
    "Community safety": [
        "does not feel safe walking home",
        "antisocial behaviour on the estate",
        "street lights broken for months",
    ],
}
FILLER = [
    "Several people agreed.",
    "We signposted them to Citizens Advice.",
    "Follow-up agreed with the practice manager.",
    "People asked us to raise this with the partnership.",
    "An interpreter helped with the conversation.",
    "Leaflets were handed out in Bengali and Somali.",
    "They were happy to be contacted again.",
    "The group asked for a meeting with the commissioners.",
    "",
    "",
]
SPEAKERS = ["I", "We", "My mum", "My son", "My neighbour", "Everyone here"]


@dataclass
class Built:
    """What :func:`build` made, for a benchmark to pick queries and check figures."""

    engagements: int
    quotes: int
    archived: int
    first_day: date
    last_day: date
    seconds: float
    theme_counts: dict[uuid.UUID, int] = field(default_factory=dict)
    sample_titles: list[str] = field(default_factory=list)
    sample_quotes: list[str] = field(default_factory=list)


def _zipf_weights(n: int, s: float = ZIPF_S) -> list[float]:
    return [1 / (rank**s) for rank in range(1, n + 1)]


def _day_weights(days: list[date], first: date, span: int) -> list[float]:
    """More engagements lately (the organisation grew) and few at weekends."""
    out = []
    for day in days:
        growth = 0.4 + (day - first).days / span
        weekday = 0.35 if day.weekday() >= 5 else 1.0
        winter = 1.15 if day.month in (1, 2, 10, 11) else (0.75 if day.month == 8 else 1.0)
        out.append(growth * weekday * winter)
    return out


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


#: The columns written, in order, per table (the service's shape; no priority, no journal).
_RECORD = ("id", "created_at", "updated_at", "version", "deleted_at")
COLUMNS: dict[str, tuple[str, ...]] = {
    "engagements": (
        *_RECORD,
        "title",
        "type_id",
        "on_date",
        "start_time",
        "duration_minutes",
        "venue",
        "ward_id",
        "online",
        "priority_id",
        "summary",
        "anonymous_count",
    ),
    "engagement_facilitators": (*_RECORD, "engagement_id", "user_id"),
    "engagement_participants": (*_RECORD, "engagement_id", "contact_id", "role"),
    "headcount_groups": (*_RECORD, "engagement_id", "label", "count"),
    "engagement_themes": (*_RECORD, "engagement_id", "theme_id"),
    "quotes": (*_RECORD, "engagement_id", "speaker_id", "text", "sharing"),
    "quote_themes": (*_RECORD, "quote_id", "theme_id"),
    "search_documents": ("kind", "record_id", "body"),
}
TABLES: dict[str, Table] = {
    m.__tablename__: m.__table__  # type: ignore[misc]
    for m in (
        Engagement,
        EngagementFacilitator,
        EngagementParticipant,
        HeadcountGroup,
        EngagementTheme,
        Quote,
        QuoteTheme,
        SearchDocument,
    )
}


class _Values:
    """Values as the database driver takes them: on SQLite the text SQLAlchemy stores (32 hex
    digits for a UUID, ISO dates, 0/1), converted here once instead of per value by
    SQLAlchemy; elsewhere the Python values themselves."""

    def __init__(self, db: Database, rng: random.Random, now: datetime) -> None:
        self.sqlite = db.is_sqlite
        self.rng = rng
        naive = now.astimezone(UTC).replace(tzinfo=None)
        self.now: Any = naive.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else now

    def new_id(self) -> Any:
        bits = self.rng.getrandbits(128)
        return f"{bits:032x}" if self.sqlite else uuid.UUID(int=bits)

    def id(self, value: uuid.UUID | None) -> Any:
        return value.hex if self.sqlite and value is not None else value

    def day(self, value: date) -> Any:
        return value.isoformat() if self.sqlite else value

    def clock(self, value: dtime) -> Any:
        return value.strftime("%H:%M:%S.%f") if self.sqlite else value

    def flag(self, value: bool) -> Any:
        return int(value) if self.sqlite else value

    def record(self, *values: Any, deleted: bool = False) -> tuple[Any, ...]:
        return (self.new_id(), self.now, self.now, 1, self.now if deleted else None, *values)


def _insert(session: Session, values: _Values, name: str, rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    columns = COLUMNS[name]
    if values.sqlite:
        sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"  # noqa: S608 - our own schema's names
        session.connection().exec_driver_sql(sql, rows)
    else:
        session.execute(insert(TABLES[name]), [dict(zip(columns, row, strict=True)) for row in rows])


@functools.cache
def _part_body(part: str) -> str:
    return search.body_of([part])


def body(parts: list[str | None]) -> str:
    """``search.body_of(parts)``, a part at a time (each part's body is remembered: titles,
    summaries and quotes are made of a few hundred phrases)."""
    return "\n".join(_part_body(p) for p in parts if p)


@contextlib.contextmanager
def _bulk_pragmas(db: Database) -> Iterator[None]:
    """On SQLite, no fsync and a large page cache while building (a throwaway file)."""
    if not db.is_sqlite:
        yield
        return

    def pragmas(*statements: str) -> None:
        raw = db.writer.raw_connection()
        try:
            cursor = raw.driver_connection.cursor()
            for statement in statements:
                cursor.execute(statement)
            cursor.close()
        finally:
            raw.close()

    pragmas("PRAGMA synchronous = OFF", "PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        pragmas("PRAGMA synchronous = FULL", "PRAGMA cache_size = -2000")


def build(
    db: Database,
    *,
    engagements: int = 200_000,
    quotes: int = 300_000,
    seed: int = 7,
    contacts: int = 10_000,
    years: int = 5,
    today: date | None = None,
) -> Built:
    """Add ``engagements`` engagements and ``quotes`` quotes over ``years`` years to ``today``
    (and ``contacts`` contacts to draw participants from)."""
    started = time.perf_counter()
    rng = random.Random(seed)
    today = today or date.today()
    with _bulk_pragmas(db):
        if contacts:
            contacts_data.fill(db, contacts, seed=seed)
        built = _build(db, rng, engagements, quotes, years, today)
    if db.is_sqlite:
        with db.writer.begin() as conn:
            conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
    else:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    built.seconds = time.perf_counter() - started
    return built


def _build(db: Database, rng: random.Random, engagements: int, quotes: int, years: int, today: date) -> Built:
    values = _Values(db, rng, datetime.now(UTC))
    with db.read() as session:
        types = {
            name: type_id for type_id, name in session.execute(select(EngagementType.id, EngagementType.name))
        }
        wards = [
            (values.id(i), n)
            for i, n in session.execute(select(Ward.id, Ward.name).where(Ward.deleted_at.is_(None)))
        ]
        people = [
            values.id(i)
            for i in session.scalars(
                select(Contact.id).where(Contact.kind == "person", Contact.deleted_at.is_(None))
            )
        ]
        users = [values.id(i) for i in session.scalars(select(User.id).where(User.deleted_at.is_(None)))]
        live_themes = list(
            session.scalars(
                select(Theme.id).where(
                    Theme.deleted_at.is_(None), Theme.merged_into_id.is_(None), Theme.retired.is_(False)
                )
            )
        )
        paths = theme_paths(session)
    if not people:
        raise ValueError("build() needs contacts: pass contacts=N")
    # Themes ranked: the leading ones first, the rest in a seeded order; Zipf-like weights.
    by_path = {paths[t]: t for t in live_themes}
    ranked = [by_path[p] for p in LEADING_THEMES if p in by_path]
    rest = sorted(set(live_themes) - set(ranked), key=str)
    rng.shuffle(rest)
    ranked += rest
    theme_keys = {t: values.id(t) for t in ranked}
    theme_cum = _cumulative(_zipf_weights(len(ranked)))
    # Wards of uneven activity (a few busy, most quiet); some online or unplaced.
    ward_cum = _cumulative(_zipf_weights(len(wards), 0.7)) if wards else []
    type_names = [n for n in TYPE_PROFILES if n in types]
    type_keys = {n: values.id(types[n]) for n in type_names}
    first = today - timedelta(days=365 * years)
    span = (today - first).days
    days = [first + timedelta(days=i) for i in range(span + 1)]
    day_keys = {d: values.day(d) for d in days}
    person_cum = _cumulative(_zipf_weights(len(people), 0.6))  # regulars come back often
    starts = [values.clock(dtime(h, m)) for h in (9, 10, 11, 13, 14, 18) for m in (0, 30)]
    online_flag, offline_flag = values.flag(True), values.flag(False)

    # Everything random that is drawn once per engagement, drawn at once.
    on_dates = rng.choices(days, cum_weights=_cumulative(_day_weights(days, first, span)), k=engagements)
    kinds = rng.choices(
        type_names, cum_weights=_cumulative([TYPE_PROFILES[n][0] for n in type_names]), k=engagements
    )
    places = (
        rng.choices(range(len(wards)), cum_weights=ward_cum, k=engagements) if wards else [0] * engagements
    )
    theme_draws = iter(rng.choices(ranked, cum_weights=theme_cum, k=engagements * 4))
    quotes_of = [0] * engagements
    for index in rng.choices(range(engagements), k=quotes):
        quotes_of[index] += 1

    built = Built(engagements, quotes, 0, first, today, 0.0)
    made = 0
    while made < engagements:
        rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in COLUMNS}
        engagement_rows = rows["engagements"]
        for index in range(made, min(engagements, made + BATCH)):
            on = on_dates[index]
            type_name = kinds[index]
            _share, named_range, anon_range, minutes = TYPE_PROFILES[type_name]
            online = type_name in ("Online session", "Phone call")
            ward_id, ward_name = (None, None)
            if not online and wards and rng.random() < 0.9:
                ward_id, ward_name = wards[places[index]]
            venue = None if online else rng.choice(VENUES)
            theme_count = min(rng.choices((1, 2, 3), weights=(5, 3, 1))[0], len(ranked))
            chosen: list[uuid.UUID] = []
            while len(chosen) < theme_count:
                theme = next(theme_draws, None) or rng.choice(ranked)
                if theme not in chosen:
                    chosen.append(theme)
            first_path = paths[chosen[0]]
            words = THEME_WORDS.get(first_path.split(" › ")[0], ["raised a concern"])
            other_words = THEME_WORDS.get(paths[chosen[-1]].split(" › ")[0], words)
            where = venue or ("online" if type_name == "Online session" else "by phone")
            title = f"{rng.choice(OCCASIONS).capitalize()}, {where}: {first_path.split(' › ')[-1].lower()}"
            filler = rng.choice(FILLER)
            summary = f"People said they {rng.choice(words)}. Others {rng.choice(other_words)}." + (
                f" {filler}" if filler else ""
            )
            named = min(rng.randint(*named_range), len(people))
            anonymous = rng.randint(*anon_range)
            if named == 0 and anonymous == 0:
                anonymous = 1
            archived = index % ARCHIVED_EVERY == ARCHIVED_EVERY - 1
            engagement = values.record(
                title,
                type_keys[type_name],
                day_keys[on],
                rng.choice(starts),
                minutes,
                venue,
                ward_id,
                online_flag if online else offline_flag,
                None,
                summary,
                anonymous,
                deleted=archived,
            )
            eid = engagement[0]
            engagement_rows.append(engagement)
            if users:
                rows["engagement_facilitators"].append(values.record(eid, rng.choice(users)))
            participants: list[Any] = []
            while len(participants) < named:
                for person in rng.choices(people, cum_weights=person_cum, k=named - len(participants)):
                    if person not in participants:
                        participants.append(person)
            for person in participants:
                role = "carer" if rng.random() < 0.08 else "participant"
                rows["engagement_participants"].append(values.record(eid, person, role))
            if anonymous >= 4 and rng.random() < 0.2:
                rows["headcount_groups"].append(values.record(eid, "Under 25", rng.randint(1, anonymous)))
            for theme in chosen:
                rows["engagement_themes"].append(values.record(eid, theme_keys[theme]))
            if archived:
                built.archived += 1
            else:
                for theme in chosen:
                    built.theme_counts[theme] = built.theme_counts.get(theme, 0) + 1
                rows["search_documents"].append(
                    (
                        SEARCH_KIND,
                        eid,
                        body([title, type_name, venue, ward_name, *(paths[t] for t in chosen), summary]),
                    )
                )
                if len(built.sample_titles) < 200 and index % 97 == 0:
                    built.sample_titles.append(title)
            for _ in range(quotes_of[index]):
                speaker = rng.choice(participants) if participants and rng.random() < 0.5 else None
                filler = rng.choice(FILLER)
                text = f"{rng.choice(SPEAKERS)} {rng.choice(words)}." + (f" {filler}" if filler else "")
                sharing = "internal" if speaker is None or rng.random() < 0.6 else "anonymous"
                quote = values.record(eid, speaker, text, sharing)
                rows["quotes"].append(quote)
                quote_theme = rng.choice(chosen)
                rows["quote_themes"].append(values.record(quote[0], theme_keys[quote_theme]))
                if not archived:
                    rows["search_documents"].append((QUOTE_KIND, quote[0], body([text, paths[quote_theme]])))
                    if len(built.sample_quotes) < 200 and rng.random() < 0.002:
                        built.sample_quotes.append(text)
        with db.write() as session:
            for name in COLUMNS:
                _insert(session, values, name, rows[name])
        made += BATCH
    return built
