"""The engagement log and the quotes list: filters, sorts, pages and counts, on both backends.

Every filter is checked against an independent reading of the same engagements (each one's
full view from the engagement service, filtered in Python), alone and in combination.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, replace
from datetime import date, time

import pytest
from sqlalchemy import event, func, select

from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.engagement import EngagementDraft, ParticipantEntry, QuoteEntry, Sharing
from vcsedesk.services import consent, contacts, engagement_lists, engagement_log, engagements, people, themes
from vcsedesk.services.base import Actor
from vcsedesk.services.engagement_log import (
    EngagementFilter,
    QuoteFilter,
    SortField,
    SortKey,
)
from vcsedesk.store.database import Database
from vcsedesk.store.models import Engagement, EngagementType, Quote, Theme, Ward

TODAY = date(2026, 6, 1)
LONG_SUMMARY = (
    "People cannot find an NHS dentist taking new patients.\n\nSeveral said they had rung every "
    "practice in the borough, some more than once, and were told the lists were closed until "
    "further notice; two had paid privately and one had pulled out her own tooth. Everyone "
    "wanted to know who to complain to."
)


@dataclass
class Log:
    ids: dict[str, uuid.UUID]
    types: dict[str, uuid.UUID]
    wards: dict[str, uuid.UUID]
    themes: dict[str, uuid.UUID]
    people: dict[str, uuid.UUID]
    users: dict[str, uuid.UUID]
    priority: uuid.UUID


def person(db: Database, admin: Actor, given: str, family: str) -> uuid.UUID:
    (cid,) = contacts.create_contact(db, admin, ContactDraft(given_name=given, family_name=family)).created[
        "contacts"
    ]
    return cid


def record(db: Database, admin: Actor, **values: object) -> uuid.UUID:
    values.setdefault("anonymous_count", 0)
    (eid,) = engagements.add_engagement(db, admin, EngagementDraft(**values), today=TODAY).created[  # type: ignore[arg-type]
        "engagements"
    ]
    return eid


@pytest.fixture
def log(db: Database, admin: Actor) -> Log:
    for ward in ("Mile End", "Bow East"):
        contacts.add_ward(db, admin, ward)
    (jo,) = people.add_user(db, admin, name="Jo Bloggs", role="volunteer").created["users"]
    (priority,) = engagement_lists.add_priority(db, admin, "Access to primary care").created["priorities"]
    (dental,) = themes.add_theme(db, admin, "Dental access").created["themes"]
    with db.read() as s:
        types = {r.name: r.id for r in s.execute(select(EngagementType.name, EngagementType.id))}
        wards = {r.name: r.id for r in s.execute(select(Ward.name, Ward.id))}
        theme_ids = {r.name: r.id for r in s.execute(select(Theme.name, Theme.id))}
    aisha, tom = person(db, admin, "Aisha", "Rahman"), person(db, admin, "Tom", "Okafor")
    consent.record_consent(
        db, admin, aisha, purpose="share_with_name", status="given", on=date(2026, 1, 5), method="written"
    )
    ids = {
        "library": record(
            db,
            admin,
            title="Library drop-in",
            type_id=types["Drop-in"],
            on_date=date(2026, 5, 12),
            start_time=time(10, 30),
            venue="Canal Street Library",
            ward="Mile End",
            anonymous_count=12,
            participants=(ParticipantEntry(aisha), ParticipantEntry(tom, "carer")),
            facilitator_ids=(admin.user_id, jo),
            priority_id=priority,
            theme_ids=(theme_ids["Dentistry"], theme_ids["Getting a GP appointment"]),
            summary=LONG_SUMMARY,
            quotes=(
                QuoteEntry("I rang forty practices.", "named", aisha, (theme_ids["Dentistry"],)),
                QuoteEntry("Nobody ever calls back.", "internal"),
            ),
        ),
        "coffee": record(
            db,
            admin,
            title="carers' coffee morning",
            type_id=types["Event"],
            on_date=date(2026, 3, 1),
            ward="Bow East",
            anonymous_count=5,
            participants=(ParticipantEntry(tom, "carer"),),
            facilitator_ids=(jo,),
            theme_ids=(theme_ids["Pharmacy"],),
            summary="Medicines running out at the chemist.",
            quotes=(QuoteEntry("The pharmacy had no insulin.", "anonymous", None, (theme_ids["Pharmacy"],)),),
        ),
        "call": record(
            db,
            admin,
            title="Phone call with Aisha",
            type_id=types["Phone call"],
            on_date=date(2026, 1, 20),
            online=True,
            participants=(ParticipantEntry(aisha),),
            facilitator_ids=(admin.user_id,),
            theme_ids=(theme_ids["Waiting times for talking therapies"],),
            summary="Waiting months for talking therapies.",
        ),
        "dental": record(
            db,
            admin,
            title="Dental access focus group",
            type_id=types["Focus group"],
            on_date=date(2026, 4, 4),
            ward="Mile End",
            anonymous_count=8,
            theme_ids=(dental,),
            summary="Private fees.",
            quotes=(QuoteEntry("Forty pounds for a check-up.", "anonymous", None, (dental,)),),
        ),
        "archived": record(
            db,
            admin,
            title="Outreach on the estate",
            type_id=types["Outreach"],
            on_date=date(2026, 2, 2),
            ward="Mile End",
            anonymous_count=3,
            theme_ids=(theme_ids["Dentistry"],),
            summary="Doorstep conversations about dentists.",
            quotes=(QuoteEntry("Outreach quote about teeth.", "internal"),),
        ),
    }
    view = engagements.get_engagement(db, ids["archived"])
    engagements.archive_engagement(db, admin, view.id, view.version)
    return Log(
        ids,
        types,
        wards,
        theme_ids | {"Dental access": dental},
        {"aisha": aisha, "tom": tom},
        {"sam": admin.user_id, "jo": jo},
        priority,
    )


def titles(rows: list[engagement_log.EngagementRow]) -> list[str]:
    return [r.title for r in rows]


# -- rows -------------------------------------------------------------------------------------
def test_rows_and_sorts(db: Database, log: Log) -> None:
    rows = engagement_log.page(db)
    assert titles(rows) == [
        "Library drop-in",
        "Dental access focus group",
        "carers' coffee morning",
        "Phone call with Aisha",
    ]
    library = rows[0]
    assert library.id == log.ids["library"] and library.version >= 1 and not library.archived
    assert (library.on_date, library.type_name, library.ward) == (date(2026, 5, 12), "Drop-in", "Mile End")
    assert library.place == "Canal Street Library, Mile End"
    assert (library.reach, library.participants, library.anonymous_count, library.quotes) == (14, 2, 12, 2)
    assert library.themes == "Dentistry; Primary care › Getting a GP appointment"
    assert library.facilitators == "Jo Bloggs, Sam Patel"
    assert library.priority == "Access to primary care"
    assert library.summary_start.startswith("People cannot find an NHS dentist taking new patients. Several")
    assert "\n" not in library.summary_start and library.summary_start.endswith("…")
    assert len(library.summary_start) <= engagement_log.SUMMARY_START + 1
    call = rows[3]
    assert (call.place, call.ward, call.reach, call.quotes, call.priority) == ("Online", None, 1, 0, None)
    assert call.summary_start == "Waiting months for talking therapies."
    assert engagement_log.count(db) == 4

    # One statement for the rows; the (small) theme taxonomy read once beside it.
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        rows = engagement_log.page(db, limit=2)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert len(rows) == 2
    taxonomy = [s for s in statements if s.startswith("SELECT themes.id, themes.name")]
    assert len(taxonomy) == 1 and len(statements) == 2, statements

    # The sorts.
    def by(field: SortField, descending: bool = False) -> list[str]:
        return titles(engagement_log.page(db, sort=SortKey(field, descending)))

    assert by(SortField.DATE) == [
        "Phone call with Aisha",
        "carers' coffee morning",
        "Dental access focus group",
        "Library drop-in",
    ]
    # Letter case does not count.
    assert by(SortField.TITLE) == [
        "carers' coffee morning",
        "Dental access focus group",
        "Library drop-in",
        "Phone call with Aisha",
    ]
    assert by(SortField.TITLE, True) == list(reversed(by(SortField.TITLE)))
    # Drop-in, Event, Focus group, Phone call.
    assert by(SortField.TYPE) == [
        "Library drop-in",
        "carers' coffee morning",
        "Dental access focus group",
        "Phone call with Aisha",
    ]
    # No ward first going up; within a ward, newest first.
    assert by(SortField.WARD) == [
        "Phone call with Aisha",
        "carers' coffee morning",
        "Library drop-in",
        "Dental access focus group",
    ]
    assert by(SortField.WARD, True) == list(reversed(by(SortField.WARD)))
    assert by(SortField.REACH) == [
        "Phone call with Aisha",  # 1
        "carers' coffee morning",  # 6
        "Dental access focus group",  # 8
        "Library drop-in",  # 14
    ]


def test_pages_join_up_without_gaps_or_repeats(db: Database, admin: Actor) -> None:
    drop_in = engagement_lists.list_types(db)[1].id
    contacts.add_ward(db, admin, "Mile End")
    made = {
        record(
            db,
            admin,
            title="Same" if i % 2 else "same",
            type_id=drop_in,
            on_date=date(2026, 5, 1 + i % 2),
            ward="Mile End" if i % 3 else None,
            anonymous_count=3,
        )
        for i in range(11)
    }
    for field in SortField:
        # Going down is the exact reverse of going up.
        up, down = (list(engagement_log.ids(db, sort=SortKey(field, d))) for d in (False, True))
        assert down == list(reversed(up)), field
    for key in [SortKey(f, d) for f in SortField for d in (False, True)]:
        paged = [
            r.id
            for offset in range(0, 12, 3)
            for r in engagement_log.page(db, sort=key, offset=offset, limit=3)
        ]
        assert len(paged) == 11 and set(paged) == made, key
        assert paged == list(engagement_log.ids(db, sort=key)), key
        for n in (0, 5, 10):
            assert engagement_log.position(db, engagement_log.EVERYTHING, key, paged[n]) == n, key
    assert engagement_log.position(db, EngagementFilter(text="nothing"), SortKey(), paged[0]) is None
    assert engagement_log.page(db, limit=0) == []
    with pytest.raises(ValueError, match="negative"):
        engagement_log.page(db, offset=-1)


# -- filters ----------------------------------------------------------------------------------
class Independent:
    """The engagements a filter gives, worked out in Python from each engagement's full view
    (read once) and the theme list: nothing shared with the SQL under test."""

    def __init__(self, db: Database) -> None:
        with db.read() as s:
            every = list(s.scalars(select(Engagement.id)))
            self.wards = {r.name: r.id for r in s.execute(select(Ward.name, Ward.id))}
        self.views = [engagements.get_engagement(db, eid) for eid in every]
        self.themes = {t.id: t for t in themes.list_themes(db, include_retired=True)}

    def _end(self, t: uuid.UUID) -> uuid.UUID:
        while (merged := self.themes[t].merged_into_id) is not None:
            t = merged
        return t

    def counted_under(self, theme_id: uuid.UUID) -> set[uuid.UUID]:
        """The theme (or its successor after merges), every theme below it, and every theme
        merged into any of those."""
        target = self._end(theme_id)

        def under(t: uuid.UUID) -> bool:
            t = self._end(t)
            while t != target:
                parent = self.themes[t].parent_id
                if parent is None:
                    return False
                t = self._end(parent)
            return True

        return {t for t in self.themes if under(t)}

    def __call__(self, flt: EngagementFilter) -> set[uuid.UUID]:
        wanted_themes = self.counted_under(flt.theme_id) if flt.theme_id else set()
        words = engagement_log._words(flt.text or "")

        def has_all(text: str) -> bool:
            found = text.lower().replace("'", " ").split()
            return all(any(w.startswith(word) for w in found) for word in words)

        out = set()
        for v in self.views:
            own = " ".join([v.title, v.summary, v.type_name, v.venue or "", v.ward or ""])
            own += " " + " ".join(p for _, p in v.themes)
            checks = [
                flt.include_archived or not v.archived,
                flt.start is None or v.on_date >= flt.start,
                flt.end is None or v.on_date <= flt.end,
                not flt.type_ids or v.type_id in flt.type_ids,
                not flt.ward_ids or (v.ward is not None and self.wards[v.ward] in flt.ward_ids),
                flt.theme_id is None or any(t in wanted_themes for t, _ in v.themes),
                flt.facilitator_id is None or flt.facilitator_id in {i for i, _ in v.facilitators},
                flt.priority_id is None or v.priority_id == flt.priority_id,
                flt.participant_id is None or flt.participant_id in {p.contact_id for p in v.participants},
                not (flt.text or "").strip()
                or (bool(words) and (has_all(own) or any(has_all(q.text) for q in v.quotes))),
            ]
            if all(checks):
                out.add(v.id)
        return out


def check(
    db: Database, flt: EngagementFilter, independent: Independent, *, with_ids: bool = True
) -> list[engagement_log.EngagementRow]:
    rows = engagement_log.page(db, flt)
    assert {r.id for r in rows} == independent(flt), flt
    assert engagement_log.count(db, flt) == len(rows), flt
    if with_ids:
        assert list(engagement_log.ids(db, flt)) == [r.id for r in rows], flt
    return rows


def test_filters_alone_and_combined_agree_with_an_independent_reading(db: Database, log: Log) -> None:
    cases: list[tuple[EngagementFilter, list[str]]] = [
        (EngagementFilter(start=date(2026, 3, 1)), ["library", "dental", "coffee"]),
        (EngagementFilter(end=date(2026, 3, 1)), ["coffee", "call"]),
        (EngagementFilter(start=date(2026, 3, 2), end=date(2026, 4, 4)), ["dental"]),
        (
            EngagementFilter(type_ids=frozenset({log.types["Event"], log.types["Phone call"]})),
            ["coffee", "call"],
        ),
        (EngagementFilter(ward_ids=frozenset({log.wards["Mile End"]})), ["library", "dental"]),
        (EngagementFilter(theme_id=log.themes["Primary care"]), ["library", "coffee"]),  # sub-themes count
        (EngagementFilter(theme_id=log.themes["Pharmacy"]), ["coffee"]),
        (EngagementFilter(theme_id=log.themes["Mental health"]), ["call"]),
        (EngagementFilter(facilitator_id=log.users["jo"]), ["library", "coffee"]),
        (EngagementFilter(priority_id=log.priority), ["library"]),
        (EngagementFilter(participant_id=log.people["aisha"]), ["library", "call"]),
        (EngagementFilter(text="coffee"), ["coffee"]),  # the title
        (EngagementFilter(text="insulin"), ["coffee"]),  # only in a quote
        (EngagementFilter(text="therap"), ["call"]),  # the start of a word in the summary
        (EngagementFilter(text="Dentistry"), ["library"]),  # a theme's name
        (EngagementFilter(text="forty"), ["library", "dental"]),  # quotes of both
        (EngagementFilter(text="teeth"), []),  # only in an archived engagement's quote
        (EngagementFilter(text="   "), ["library", "dental", "coffee", "call"]),
        (EngagementFilter(text="!!!"), []),
        (EngagementFilter(include_archived=True), ["library", "dental", "coffee", "archived", "call"]),
        (EngagementFilter(include_archived=True, text="teeth"), ["archived"]),
        (EngagementFilter(include_archived=True, text="doorstep"), ["archived"]),
        (EngagementFilter(participant_id=uuid.uuid4()), []),
    ]
    names = {v: k for k, v in log.ids.items()}
    independent = Independent(db)
    for flt, wanted in cases:
        rows = check(db, flt, independent)
        assert [names[r.id] for r in rows] == wanted, flt
    archived = engagement_log.page(
        db, EngagementFilter(include_archived=True, start=date(2026, 2, 2), end=date(2026, 2, 2))
    )
    assert [r.archived for r in archived] == [True]
    # Combined, each against the independent reading.
    options = {
        "type_ids": [
            frozenset(),
            frozenset({log.types["Drop-in"], log.types["Outreach"], log.types["Event"]}),
        ],
        "ward_ids": [frozenset(), frozenset({log.wards["Mile End"]})],
        "theme_id": [None, log.themes["Dentistry"]],
        "participant_id": [None, log.people["tom"]],
        "text": [None, "forty"],
    }
    seen = set()
    for values in itertools.product(*options.values()):
        flt = EngagementFilter(**dict(zip(options, values, strict=True)))  # type: ignore[arg-type]
        seen.add(len(check(db, flt, independent, with_ids=False)))
    assert len(seen) >= 3  # the combinations give different answers, not all nothing


def test_theme_filter_after_a_merge(db: Database, admin: Actor, log: Log) -> None:
    dentistry = EngagementFilter(theme_id=log.themes["Dentistry"])
    assert {r.id for r in engagement_log.page(db, dentistry)} == {log.ids["library"]}
    before = themes.count_by_theme(db, date(2026, 1, 1), TODAY)
    dental = themes.get_theme(db, log.themes["Dental access"])
    themes.merge_themes(db, admin, dental.id, dental.version, log.themes["Dentistry"])
    rows = check(db, dentistry, Independent(db))
    assert {r.id for r in rows} == {log.ids["library"], log.ids["dental"]}
    assert (
        engagement_log.count(db, dentistry)
        == themes.count_by_theme(db, date(2026, 1, 1), TODAY)[log.themes["Dentistry"]]
    )
    assert before[log.themes["Dentistry"]] + before[log.themes["Dental access"]] == 2
    # Naming the merged theme means the theme it was merged into.
    assert {r.id for r in engagement_log.page(db, EngagementFilter(theme_id=dental.id))} == {
        log.ids["library"],
        log.ids["dental"],
    }
    # The row shows the theme it counts under now.
    (row,) = [r for r in rows if r.id == log.ids["dental"]]
    assert row.themes == "Dentistry"
    (quote,) = engagement_log.page_quotes(db, QuoteFilter(text="check-up"))
    assert quote.themes == "Dentistry"


# -- quotes -----------------------------------------------------------------------------------
def test_quotes_list(db: Database, log: Log) -> None:
    rows = engagement_log.page_quotes(db)
    assert [q.text for q in rows] == [
        "I rang forty practices.",
        "Nobody ever calls back.",
        "Forty pounds for a check-up.",
        "The pharmacy had no insulin.",
    ]
    named, internal, dental, pharmacy = rows
    assert (named.speaker, named.sharing, named.sharing_label) == (
        "Aisha Rahman",
        Sharing.NAMED,
        "Share with name",
    )
    assert (named.engagement_id, named.on_date, named.engagement_title) == (
        log.ids["library"],
        date(2026, 5, 12),
        "Library drop-in",
    )
    assert named.themes == "Dentistry" and not named.archived
    assert internal.speaker == "Not named" and internal.themes == ""
    assert pharmacy.speaker == "Anonymous" and pharmacy.themes == "Primary care › Pharmacy"
    assert engagement_log.count_quotes(db) == 4
    assert list(engagement_log.quote_ids(db)) == [q.id for q in rows]
    assert engagement_log.quote_position(db, engagement_log.ALL_QUOTES, dental.id) == 2

    def texts(flt: QuoteFilter) -> list[str]:
        found = [q.text for q in engagement_log.page_quotes(db, flt)]
        assert engagement_log.count_quotes(db, flt) == len(found), flt
        assert len(list(engagement_log.quote_ids(db, flt))) == len(found), flt
        return found

    assert texts(QuoteFilter(sharing=frozenset({Sharing.ANONYMOUS}))) == [dental.text, pharmacy.text]
    assert texts(QuoteFilter(sharing=frozenset({Sharing.NAMED, Sharing.INTERNAL}))) == [
        named.text,
        internal.text,
    ]
    assert texts(QuoteFilter(text="forty")) == [named.text, dental.text]
    assert texts(QuoteFilter(text="coffee")) == []  # the engagement's title is not the quote's words
    assert texts(QuoteFilter(text="teeth")) == []
    assert texts(QuoteFilter(text="teeth", include_archived=True)) == ["Outreach quote about teeth."]
    assert texts(QuoteFilter(include_archived=True, start=date(2026, 2, 1), end=date(2026, 2, 28))) == [
        "Outreach quote about teeth."
    ]
    assert texts(QuoteFilter(ward_ids=frozenset({log.wards["Mile End"]}), text="forty")) == [
        named.text,
        dental.text,
    ]
    assert texts(QuoteFilter(theme_id=log.themes["Primary care"])) == [
        named.text,
        internal.text,
        pharmacy.text,
    ]
    assert texts(QuoteFilter(participant_id=log.people["tom"], sharing=frozenset({Sharing.ANONYMOUS}))) == [
        pharmacy.text
    ]
    assert texts(QuoteFilter(speaker_id=log.people["aisha"])) == [named.text]
    assert texts(QuoteFilter(facilitator_id=log.users["jo"], end=date(2026, 4, 1))) == [pharmacy.text]
    # The quotes of a log: its text matches an engagement or any of its quotes.
    assert texts(QuoteFilter.of_log(EngagementFilter(text="insulin"))) == [pharmacy.text]
    assert texts(QuoteFilter.of_log(EngagementFilter(text="dentist"))) == [named.text, internal.text]
    assert texts(QuoteFilter.of_log(EngagementFilter(text="forty"), frozenset({Sharing.NAMED}))) == [
        named.text
    ]
    with db.read() as s:
        live = s.scalar(
            select(func.count())
            .select_from(Quote)
            .join(Engagement, Engagement.id == Quote.engagement_id)
            .where(Quote.deleted_at.is_(None), Engagement.deleted_at.is_(None))
        )
    assert engagement_log.count_quotes(db) == live


def test_filter_is_everything() -> None:
    assert engagement_log.EVERYTHING.is_everything()
    assert EngagementFilter(text="  ").is_everything()
    assert not EngagementFilter(text="x").is_everything()
    assert not replace(engagement_log.EVERYTHING, include_archived=True).is_everything()
