"""A return built from the small demo, checked figure by figure against SQL written here.

The small demo (300 contacts, 400 engagements over five years, equality answers, claims, a
submitted and a draft return) goes into one SQLite file for the whole module.  A few changes
are then made through the services, so that the rules that are easy to get wrong have
something to bite on: three themes merged in a chain, an engagement and a person archived, an
interpreter and a carer at a new engagement, a head-count group spelt in another case, one
quoted person's consent withdrawn and another's narrowed to anonymous sharing, and a claim
taken in part.

The hub's draft return (the last complete quarter) and a return for the current quarter (the
demo pays its claims today) are exported through ``returns.export``.  The xlsx is read back
with openpyxl and every row of its Data sheet, and the main figures of the section sheets,
are compared with what queries run straight on the database file with ``sqlite3`` say they
should be; the PDF's text is read with pypdf and its pages rendered with pdftoppm.  The
submitted return (the quarter before) is checked to be frozen and to give the same bytes
twice.  SQLite only: the demo takes a few seconds, once.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import tomllib
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote as percent_encode

import pytest
from openpyxl import load_workbook
from PIL import Image as PILImage
from pypdf import PdfReader

import vcsedesk
from vcsedesk.domain.claims import ItemEntry
from vcsedesk.domain.engagement import EngagementDraft, HeadcountEntry, ParticipantEntry, QuoteEntry
from vcsedesk.domain.equality import QUESTION_BY_FIELD
from vcsedesk.domain.returns import Period, QuotesSection, parse_period
from vcsedesk.services import (
    claims,
    consent,
    contacts,
    demo,
    engagement_lists,
    engagements,
    partnerships,
    people,
    returns,
    themes,
)
from vcsedesk.services.base import Actor, Role
from vcsedesk.services.returns import Exported
from vcsedesk.store import migrate
from vcsedesk.store.database import Database, sqlite_url

SEED = 2026
HUB = "Riverside People's Partnership"
TEMPLATE = Path(vcsedesk.__file__).parent / "resources" / "returns" / "peoples_partnership_quarterly.toml"
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
NOT_RECORDED = "Not recorded"
ANONYMOUS = "Anonymous"
COUNTED_ROLES = ("participant", "carer")
#: The demographic tables of the shipped People's Partnership template, as it titles them.
SHORT = {
    "age_band": "Age",
    "sex": "Sex",
    "ethnicity": "Ethnic group",
    "disability": "Disability",
    "carer": "Unpaid carers",
}
CATEGORIES = (  # in the order a return lists them, with their labels
    ("involvement", "Involvement time"),
    ("mileage", "Mileage"),
    ("fares", "Fares"),
    ("parking", "Parking"),
    ("care_cover", "Care cover"),
    ("subsistence", "Subsistence"),
    ("other", "Other"),
)
#: Taking less than the total reduces the involvement payment first, then expenses from the last.
REDUCED_FIRST = ("involvement", "other", "subsistence", "care_cover", "parking", "fares", "mileage")
STATUSES = (("open", "Open"), ("in_progress", "In progress"), ("done", "Done"), ("cancelled", "Cancelled"))
NEW_QUOTE = "The last bus to the clinic goes at six, so I walk home in the dark."
NARROWED_QUOTE = "I had to ask a stranger to read the timetable for me, the print is so small."
WITHDRAWN_QUOTE = "Nobody told us the route had changed until we were already waiting."


def hexid(value: uuid.UUID) -> str:
    """A UUID as SQLite holds it."""
    return value.hex


def uid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


def words(period: Period) -> str:
    s, e = period.start, period.end
    return f"{MONTHS[s.month - 1]} to {MONTHS[e.month - 1]} {e.year}"


def quarter_of(day: date) -> Period:
    return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


def quarter_before(period: Period) -> Period:
    return quarter_of(period.start - timedelta(days=1))


def pounds_text(pence: int) -> str:
    return f"£{pence // 100:,}.{pence % 100:02d}"


# -- the demo, once ---------------------------------------------------------------------------
@dataclass
class Demo:
    db: Database
    path: Path
    folder: Path
    admin: Actor
    today: date
    hub_id: uuid.UUID
    returns: dict[str, uuid.UUID]  # "draft", "busy", "submitted"
    periods: dict[str, Period]
    changes: Changed
    exported: dict[str, Exported] = field(default_factory=dict)


@dataclass(frozen=True)
class Changed:
    """What :func:`_change` did to the demo's records."""

    interpreter: uuid.UUID
    archived_person: uuid.UUID
    archived_engagement: uuid.UUID
    new_engagement: uuid.UUID
    merged: tuple[uuid.UUID, uuid.UUID, uuid.UUID]  # Transport -> Dentistry -> GP appointment
    withdrawn_speaker: uuid.UUID
    narrowed_speaker: uuid.UUID


def _q(conn: sqlite3.Connection, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    return list(conn.execute(sql, args))


def _change(db: Database, path: Path, admin: Actor, today: date, draft_period: Period) -> Changed:
    """The changes made through the services on top of the demo (see the module's notes)."""
    s, e = draft_period.start.isoformat(), draft_period.end.isoformat()
    conn = sqlite3.connect(path)
    try:
        by_name = {t.name: t for t in themes.list_themes(db)}
        transport, dentistry, gp = (
            by_name[n] for n in ("Transport", "Dentistry", "Getting a GP appointment")
        )
        busiest = _q(
            conn,
            "SELECT e.id FROM engagements e JOIN engagement_participants p ON p.engagement_id = e.id "
            "WHERE e.deleted_at IS NULL AND p.deleted_at IS NULL AND e.on_date BETWEEN ? AND ? "
            "GROUP BY e.id ORDER BY COUNT(*) DESC, e.id LIMIT 1",
            s,
            e,
        )
        archived_engagement = uid(busiest[0][0])
        in_period = [
            uid(r[0])
            for r in _q(
                conn,
                "SELECT DISTINCT p.contact_id FROM engagement_participants p "
                "JOIN engagements e ON e.id = p.engagement_id "
                "WHERE p.deleted_at IS NULL AND e.deleted_at IS NULL AND e.on_date BETWEEN ? AND ? "
                "AND e.id <> ? ORDER BY p.contact_id",
                s,
                e,
                hexid(archived_engagement),
            )
        ]
        outside = {
            uid(r[0])
            for r in _q(
                conn,
                "SELECT c.id FROM contacts c WHERE c.kind = 'person' AND c.deleted_at IS NULL AND c.id NOT IN "
                "(SELECT p.contact_id FROM engagement_participants p JOIN engagements e "
                "ON e.id = p.engagement_id WHERE e.on_date BETWEEN ? AND ?) ORDER BY c.id",
                s,
                e,
            )
        }
        interpreter = min(outside)
        archived_person, carer = in_period[0], in_period[1]
        lines: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
        for contact_id, purpose, status, on, recorded in _q(
            conn,
            "SELECT c.contact_id, c.purpose, c.status, c.given_on, c.created_at FROM consents c "
            "JOIN contacts p ON p.id = c.contact_id WHERE c.deleted_at IS NULL AND p.deleted_at IS NULL "
            "ORDER BY c.contact_id",
        ):
            lines[contact_id].append((purpose, status, on, recorded))
    finally:
        conn.close()
    taken = {hexid(archived_person), hexid(carer), hexid(interpreter)}
    day = today.isoformat()
    # Two people whose consent lets them be quoted now: one by name, one anonymously.
    named = next(
        uid(c) for c in lines if c not in taken and _consent_allows(lines[c], "share_with_name", day)
    )
    anonymous = next(
        uid(c)
        for c in lines
        if c not in taken | {hexid(named)} and _consent_allows(lines[c], "share_anonymously", day)
    )

    types = {t.name: t.id for t in engagement_lists.list_types(db)}
    (new_id,) = engagements.add_engagement(
        db,
        admin,
        EngagementDraft(
            title="Drop-in — bus station",
            type_id=types["Drop-in"],
            on_date=draft_period.end,
            anonymous_count=12,
            headcount_groups=(HeadcountEntry("carers", 3), HeadcountEntry("under 25", 2)),
            participants=(
                ParticipantEntry(interpreter, "interpreter"),
                ParticipantEntry(carer, "carer"),
            ),
            theme_ids=(transport.id,),
            quotes=(
                QuoteEntry(NEW_QUOTE, sharing="anonymous", theme_ids=(transport.id,)),
                QuoteEntry(NARROWED_QUOTE, sharing="named", speaker_id=named, theme_ids=(transport.id,)),
                QuoteEntry(
                    WITHDRAWN_QUOTE, sharing="anonymous", speaker_id=anonymous, theme_ids=(transport.id,)
                ),
            ),
        ),
        today=today,
    ).created["engagements"]
    themes.merge_themes(db, admin, transport.id, transport.version, dentistry.id)
    dentistry = themes.get_theme(db, dentistry.id)
    themes.merge_themes(db, admin, dentistry.id, dentistry.version, gp.id)
    engagements.archive_engagement(
        db, admin, archived_engagement, engagements.get_engagement(db, archived_engagement).version
    )
    contacts.archive_contact(db, admin, archived_person, contacts.get_contact(db, archived_person).version)
    # Since then: the first asked for their name to be left out, the second withdrew consent.
    for person, purpose, status in (
        (named, "share_anonymously", "given"),
        (named, "share_with_name", "withdrawn"),
        (anonymous, "share_anonymously", "withdrawn"),
        (anonymous, "share_with_name", "withdrawn"),
    ):
        consent.record_consent(
            db, admin, person, purpose=purpose, status=status, on=today, method="verbal", today=today
        )

    # A claim taken in part (£5 of it), paid today: made, approved and paid by three people.
    actors: dict[Role, list[Actor]] = defaultdict(list)
    for user in people.list_users(db):
        actors[user.role].append(people.actor_for(db, user.id, admin.device_id))
    maker, approver = actors[Role.STAFF][0], actors[Role.COORDINATOR][0]
    draft = claims.ClaimDraft(
        claimant_id=carer,
        tier="ongoing",
        activity_date=today - timedelta(days=1),
        items=(
            ItemEntry("involvement", "Panel meeting", quantity_centi=200, unit="hour"),
            ItemEntry("mileage", "Home to the venue and back", quantity_centi=1000),
            ItemEntry("fares", "Bus fare", cost_pence=480, has_receipt=True),
        ),
        choice="cash",
        take_pence=500,
    )
    (claim_id,) = claims.new_claim(db, maker, draft, today=today).created["claims"]
    claims.submit_claim(db, maker, claim_id, 1, today=today)
    claims.approve_claim(db, approver, claim_id, 2)
    claims.mark_paid(db, admin, claim_id, 3, today, "cash", "PART-1", today=today)

    return Changed(
        interpreter=interpreter,
        archived_person=archived_person,
        archived_engagement=archived_engagement,
        new_engagement=new_id,
        merged=(transport.id, dentistry.id, gp.id),
        withdrawn_speaker=anonymous,
        narrowed_speaker=named,
    )


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("returns_demo")
    path = folder / "demo.vcsedesk"
    db = Database(sqlite_url(path))
    try:
        migrate.prepare(db, backup_folder=None)
        today = datetime.now(UTC).date()
        made = demo.load(db, size="small", device_id=uuid.uuid4(), seed=SEED)
        hub = partnerships.find_partnership(db, HUB)
        made_returns = sorted(returns.list_returns(db, hub.id), key=lambda v: v.period.start)
        submitted, draft = made_returns
        assert submitted.frozen and not draft.frozen
        busy = quarter_of(today)
        assert draft.period.end < today <= busy.end and draft.period == quarter_before(busy)
        state = Demo(
            db=db,
            path=path,
            folder=folder,
            admin=made.administrator,
            today=today,
            hub_id=hub.id,
            returns={"draft": draft.id, "submitted": submitted.id},
            periods={"draft": draft.period, "busy": busy, "submitted": submitted.period},
            changes=_change(db, path, made.administrator, today, draft.period),
        )
        returns.start_return(db, state.admin, hub.id, busy)
        started = returns.latest_for(db, hub.id, busy)
        assert started is not None
        state.returns["busy"] = started.id
        for which in ("draft", "busy"):
            state.exported[which] = returns.export(
                db,
                state.admin,
                state.returns[which],
                xlsx=folder / f"{which}.xlsx",
                pdf=folder / f"{which}.pdf",
                today=today,
            )
        yield state
    finally:
        db.dispose()


# -- what the return should say, worked out from the tables ----------------------------------
@dataclass
class Grid:
    """A count table as it should be: its labels, and its true counts with the margins."""

    title: str
    row_heading: str
    rows: list[str]
    columns: list[str]
    counts: list[list[int]]  # (len(rows) + 1) x (len(columns) + 1)
    refs: list[list[str]]
    #: The seldom-heard table: its last row is the people in any group, not a sum.
    any_row: bool = False


@dataclass
class Expected:
    figures: list[tuple[Any, ...]]  # Data rows outside the count tables, in order
    grids: list[tuple[str, Grid]]  # (section, table) in order
    named: set[str]
    quotes: list[tuple[str, str, str, str, str]]  # (id, text, said by, context, themes)
    actions: Counter[tuple[str, str, str]]  # (title, status, due)
    themes: list[tuple[str, int, int]]
    narrative: dict[str, str]


def _consent_allows(lines: list[tuple[str, str, str, str]], purpose: str, today: str) -> bool:
    """The consent in force on ``today`` for ``purpose``: the latest line dated on or before it
    (ties by when recorded).  Named sharing covers anonymous sharing unless anonymous sharing was
    refused or withdrawn later."""

    def current(p: str) -> tuple[str, str, str, str] | None:
        relevant = [ln for ln in lines if ln[0] == p and ln[2] <= today]
        return max(relevant, key=lambda ln: (ln[2], ln[3]), default=None)

    line = current(purpose)
    if purpose == "share_anonymously" and (line is None or line[1] != "given"):
        named = current("share_with_name")
        if named is not None and named[1] == "given" and (line is None or line[2] < named[2]):
            return True
    return line is not None and line[1] == "given"


def _paths(conn: sqlite3.Connection) -> tuple[dict[str, str], dict[str, str]]:
    """Every theme's path ("Primary care › Getting a GP appointment") and the theme it counts
    under (the end of its chain of merges)."""
    rows = {i: (n, p, m) for i, n, p, m in _q(conn, "SELECT id, name, parent_id, merged_into_id FROM themes")}
    paths, canonical = {}, {}
    for theme_id in rows:
        parts, node = [], theme_id
        while node is not None:
            parts.append(rows[node][0])
            node = rows[node][1]
        paths[theme_id] = " › ".join(reversed(parts))
        end, seen = theme_id, {theme_id}
        while rows[end][2] is not None and rows[end][2] not in seen:
            end = rows[end][2]
            seen.add(end)
        canonical[theme_id] = end
    return paths, canonical


def _theme_counts(conn: sqlite3.Connection, period: Period, canonical: dict[str, str]) -> dict[str, int]:
    tagged: dict[str, set[str]] = defaultdict(set)
    for eid, theme_id in _q(
        conn,
        "SELECT et.engagement_id, et.theme_id FROM engagement_themes et "
        "JOIN engagements e ON e.id = et.engagement_id "
        "WHERE et.deleted_at IS NULL AND e.deleted_at IS NULL AND e.on_date BETWEEN ? AND ?",
        period.start.isoformat(),
        period.end.isoformat(),
    ):
        tagged[canonical[theme_id]].add(eid)
    return {t: len(ids) for t, ids in tagged.items()}


def _by_count(items: list[tuple[str, int, str]]) -> list[tuple[str, int, str]]:
    kept = [i for i in items if i[1] > 0]
    return sorted(kept, key=lambda i: (-i[1], i[0].casefold(), i[0]))


def _margins(cells: list[list[int]]) -> list[list[int]]:
    grid = [[*row, sum(row)] for row in cells]
    grid.append([sum(col) for col in zip(*grid, strict=True)])
    return grid


def expected(conn: sqlite3.Connection, period: Period, today: date, narrative_json: str) -> Expected:
    template = tomllib.loads(TEMPLATE.read_text(encoding="utf-8"))
    heading = {s["kind"]: s["heading"] for s in template["sections"]}
    s, e = period.start.isoformat(), period.end.isoformat()
    figures: list[tuple[Any, ...]] = []
    grids: list[tuple[str, Grid]] = []

    def fig(section: str, table: str, row: str, column: str, value: int, unit: str, ref: str | None) -> None:
        figures.append((heading[section], table, row, column, value, f"{value:,}", unit, ref))

    # Reach.
    engagements_in = _q(
        conn,
        "SELECT id, type_id, ward_id, online, anonymous_count FROM engagements "
        "WHERE deleted_at IS NULL AND on_date BETWEEN ? AND ?",
        s,
        e,
    )
    type_names = dict(_q(conn, "SELECT id, name FROM engagement_types"))
    ward_names = dict(_q(conn, "SELECT id, name FROM wards"))
    named = {
        r[0]
        for r in _q(
            conn,
            "SELECT DISTINCT p.contact_id FROM engagement_participants p "
            "JOIN engagements e ON e.id = p.engagement_id JOIN contacts c ON c.id = p.contact_id "
            "WHERE p.deleted_at IS NULL AND e.deleted_at IS NULL AND c.deleted_at IS NULL "
            "AND c.kind = 'person' AND p.role IN (?, ?) AND e.on_date BETWEEN ? AND ?",
            *COUNTED_ROLES,
            s,
            e,
        )
    }
    headcount = sum(r[4] for r in engagements_in)
    fig("reach", "Summary", "Engagements", "Count", len(engagements_in), "engagements", "engagements:")
    fig("reach", "Summary", "Named people", "Count", len(named), "people", "people:")
    fig("reach", "Summary", "Counted anonymously", "Count", headcount, "people", "engagements:headcount")
    fig("reach", "Summary", "People reached", "Count", len(named) + headcount, "people", "engagements:")
    online = sum(1 for r in engagements_in if r[3])
    fig("reach", "Summary", "Online engagements", "Count", online, "engagements", "engagements:online")
    by_type = Counter(r[1] for r in engagements_in)
    for label, n, ref in _by_count(
        [(type_names[t], n, f"engagements:type={uid(t)}") for t, n in by_type.items()]
    ):
        fig("reach", "Engagements by type", label, "Engagements", n, "engagements", ref)
    places = Counter(r[2] or ("online" if r[3] else "none") for r in engagements_in)
    place_names = {"online": "Online", "none": "No ward recorded"}
    for label, n, ref in _by_count(
        [
            (
                place_names.get(k) or ward_names[k],
                n,
                f"engagements:ward={k if k in place_names else uid(k)}",
            )
            for k, n in places.items()
        ]
    ):
        fig("reach", "Engagements by ward", label, "Engagements", n, "engagements", ref)
    groups: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for label, n in _q(
        conn,
        "SELECT h.label, h.count FROM headcount_groups h JOIN engagements e ON e.id = h.engagement_id "
        "WHERE h.deleted_at IS NULL AND e.deleted_at IS NULL AND e.on_date BETWEEN ? AND ?",
        s,
        e,
    ):
        groups[label.lower()].append((label, n))
    for label, n, ref in _by_count(
        [
            (
                min(lb for lb, _ in items),
                sum(n for _, n in items),
                "engagements:group=" + percent_encode(key, safe=""),
            )
            for key, items in groups.items()
        ]
    ):
        fig("reach", "Counted without names", label, "People", n, "people", ref)

    people_rows = [
        (c, w) for c, w in _q(conn, "SELECT id, ward_id FROM contacts WHERE deleted_at IS NULL") if c in named
    ]
    by_ward = Counter(w for _, w in people_rows)
    placed = sorted(
        (w for w in by_ward if w is not None), key=lambda w: (ward_names[w].casefold(), str(uid(w)))
    )
    keys = [*placed, *([None] if None in by_ward else [])]
    row_refs = [f"people:ward={uid(k) if k else 'none'}" for k in keys]
    grids.append(
        (
            heading["reach"],
            Grid(
                title="Named people by the ward they live in",
                row_heading="Ward",
                rows=[ward_names[k] if k else NOT_RECORDED for k in keys],
                columns=["People"],
                counts=_margins([[by_ward[k]] for k in keys]),
                refs=[*([r, r] for r in row_refs), ["people:", "people:"]],
            ),
        )
    )
    memberships = [
        (c, g)
        for c, g in _q(
            conn, "SELECT contact_id, group_id FROM seldom_heard_memberships WHERE deleted_at IS NULL"
        )
        if c in named
    ]
    in_group: dict[str, set[str]] = defaultdict(set)
    for c, g in memberships:
        in_group[g].add(c)
    seldom = sorted(
        (
            (gid, name)
            for gid, name, gone in _q(conn, "SELECT id, name, deleted_at FROM seldom_heard_groups")
            if gone is None or in_group.get(gid)
        ),
        key=lambda g: (g[1].casefold(), str(uid(g[0]))),
    )
    anyone = len({c for c, _ in memberships})
    cells = [[len(in_group.get(gid, ()))] for gid, _ in seldom]
    counts = _margins(cells)
    counts[-1] = [anyone, anyone]
    grids.append(
        (
            heading["reach"],
            Grid(
                title="Named people reached in seldom-heard groups",
                row_heading="Group",
                rows=[name for _, name in seldom],
                columns=["People"],
                counts=counts,
                refs=[*([f"people:seldom={uid(g)}"] * 2 for g, _ in seldom), ["people:seldom=any"] * 2],
                any_row=True,
            ),
        )
    )

    # Who took part.
    figures.append(
        (
            heading["demographics"],
            "Summary",
            "Named people reached",
            "People",
            len(named),
            f"{len(named):,}",
            "people",
            None,
        )
    )
    fields = ["age_band", "sex", "gender_identity", "ethnicity", "religion", "sexual_orientation"]
    fields += ["disability", "carer"]
    assert fields == list(QUESTION_BY_FIELD)
    profile_sql = (
        "SELECT contact_id, age_band, sex, gender_identity, ethnicity, religion, sexual_orientation, "
        "disability, carer FROM equality_profiles WHERE deleted_at IS NULL"
    )
    profiles = {r[0]: dict(zip(fields, r[1:], strict=True)) for r in _q(conn, profile_sql)}

    def answer(person: str, fieldname: str) -> str:
        value = profiles.get(person, {}).get(fieldname)
        return value if value in QUESTION_BY_FIELD[fieldname].answers else NOT_RECORDED

    def eq_ref(parts: list[tuple[str, str]]) -> str:
        if not parts:
            return "people:"
        return "people:eq:" + ";".join(f"{f}={'∅' if v == NOT_RECORDED else v}" for f, v in parts)

    for table in next(sec for sec in template["sections"] if sec["kind"] == "demographics")["tables"]:
        rq, cq = table["rows"], table.get("columns")
        row_labels = [*QUESTION_BY_FIELD[rq].answers, NOT_RECORDED]
        col_labels = [*QUESTION_BY_FIELD[cq].answers, NOT_RECORDED] if cq else ["People"]
        tally = Counter((answer(p, rq), answer(p, cq) if cq else "People") for p in named)
        rows = [r for r in row_labels if any(tally[(r, c)] for c in col_labels)]
        refs = []
        for r in [*rows, None]:
            mine = [(rq, r)] if r is not None else []
            if cq:
                refs.append(
                    [eq_ref([*mine, *([(cq, c)] if c is not None else [])]) for c in [*col_labels, None]]
                )
            else:
                refs.append([eq_ref(mine)] * 2)
        grids.append(
            (
                heading["demographics"],
                Grid(
                    title=SHORT[rq] + (f" by {SHORT[cq].lower()}" if cq else ""),
                    row_heading=SHORT[rq],
                    rows=rows,
                    columns=col_labels,
                    counts=_margins([[tally[(r, c)] for c in col_labels] for r in rows]),
                    refs=refs,
                ),
            )
        )

    # Themes: this period's ten most mentioned, with the previous quarter's counts.
    paths, canonical = _paths(conn)
    theme_section = next(sec for sec in template["sections"] if sec["kind"] == "themes")
    now = _theme_counts(conn, period, canonical)
    before = _theme_counts(conn, quarter_before(period), canonical)
    ranked = sorted(now, key=lambda t: (-now[t], paths[t].casefold(), str(uid(t))))[: theme_section["limit"]]
    previous_label = quarter_before(period).label
    for t in ranked:
        figures.append(
            (
                heading["themes"],
                "Themes",
                paths[t],
                "This period",
                now[t],
                f"{now[t]:,}",
                "mentions",
                f"themes:{uid(t)}",
            )
        )
        old = before.get(t, 0)
        figures.append(
            (heading["themes"], "Themes", paths[t], previous_label, old, f"{old:,}", "mentions", None)
        )

    # Quotes: those the speaker's consent allows today, newest engagement first, at most
    # per_theme for each ranked theme (a quote's own themes), limit in all; the same words
    # (case and spacing aside) only once.
    quote_section = next(sec for sec in template["sections"] if sec["kind"] == "quotes")
    lines: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
    for contact_id, purpose, status, on, recorded in _q(
        conn,
        "SELECT contact_id, purpose, status, given_on, created_at FROM consents WHERE deleted_at IS NULL",
    ):
        lines[contact_id].append((purpose, status, on, recorded))
    archived = {r[0] for r in _q(conn, "SELECT id FROM contacts WHERE deleted_at IS NOT NULL")}
    quote_themes: dict[str, list[str]] = defaultdict(list)
    for qid, theme_id in _q(conn, "SELECT quote_id, theme_id FROM quote_themes WHERE deleted_at IS NULL"):
        if canonical[theme_id] not in quote_themes[qid]:
            quote_themes[qid].append(canonical[theme_id])
    room = dict.fromkeys(ranked, quote_section["per_theme"])
    chosen: list[tuple[str, str, str, str, str]] = []
    words_seen: set[str] = set()
    day = today.isoformat()
    for qid, text, sharing, speaker, on, type_name, name in _q(
        conn,
        "SELECT q.id, q.text, q.sharing, q.speaker_id, e.on_date, t.name, c.name FROM quotes q "
        "JOIN engagements e ON e.id = q.engagement_id JOIN engagement_types t ON t.id = e.type_id "
        "LEFT JOIN contacts c ON c.id = q.speaker_id "
        "WHERE q.deleted_at IS NULL AND e.deleted_at IS NULL AND e.on_date BETWEEN ? AND ? "
        "ORDER BY e.on_date DESC, e.id DESC, q.created_at, q.id",
        s,
        e,
    ):
        if len(chosen) >= quote_section["limit"] or not any(room.values()):
            break
        if sharing == "internal":
            continue
        said_by = ANONYMOUS
        if speaker is not None:
            if speaker in archived:
                continue
            if sharing == "named" and _consent_allows(lines[speaker], "share_with_name", day):
                said_by = name
            elif not _consent_allows(lines[speaker], "share_anonymously", day):
                continue
        own = quote_themes.get(qid, [])
        slot = next((t for t in ranked if t in own and room[t] > 0), None)
        words = " ".join(text.lower().split())
        if slot is None or words in words_seen:
            continue
        words_seen.add(words)
        room[slot] -= 1
        when = date.fromisoformat(on)
        shown_themes = sorted({paths[t] for t in own}, key=lambda p: (p.casefold(), p))
        chosen.append(
            (
                qid,
                text,
                said_by,
                f"{type_name}, {MONTHS[when.month - 1]} {when.year}",
                "; ".join(shown_themes),
            )
        )

    # Reimbursements: claims paid in the period; what the claimant received, by category.
    paid: list[tuple[str, str, int]] = []
    declined = 0
    for claim_id, claimant, choice, total, take in _q(
        conn,
        "SELECT id, claimant_id, choice, total_pence, take_pence FROM claims "
        "WHERE deleted_at IS NULL AND status = 'paid' AND paid_on BETWEEN ? AND ?",
        s,
        e,
    ):
        received = 0 if choice in ("decline", "donate") else (total if take is None else take)
        if received > 0:
            paid.append((claim_id, claimant, received))
        else:
            declined += 1
    lines_of: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for claim_id, category, amount in _q(
        conn, "SELECT claim_id, category, amount_pence FROM claim_items WHERE deleted_at IS NULL"
    ):
        lines_of[claim_id][category] += amount
    by_category: dict[str, int] = defaultdict(int)
    for claim_id, _, received in paid:
        split = dict(lines_of[claim_id])
        short = sum(split.values()) - received
        for category in REDUCED_FIRST:
            cut = min(split.get(category, 0), max(short, 0))
            split[category] = split.get(category, 0) - cut
            short -= cut
        for category, amount in split.items():
            by_category[category] += amount
    total_paid = sum(r for _, _, r in paid)
    assert sum(by_category.values()) == total_paid
    section = heading["reimbursements"]
    fig(
        "reimbursements",
        "Summary",
        "People paid",
        "Count",
        len({c for _, c, _ in paid}),
        "people",
        "claims:paid",
    )
    fig("reimbursements", "Summary", "Claims paid", "Count", len(paid), "claims", "claims:paid")
    figures.append(
        (
            section,
            "Summary",
            "Paid to people",
            "Amount",
            total_paid,
            pounds_text(total_paid),
            "pence",
            "claims:paid",
        )
    )
    fig(
        "reimbursements",
        "Summary",
        "Claims declined or donated",
        "Count",
        declined,
        "claims",
        "claims:declined",
    )
    for category, label in CATEGORIES:
        if by_category.get(category, 0) > 0:
            pence = by_category[category]
            figures.append(
                (
                    section,
                    "By category",
                    label,
                    "Amount",
                    pence,
                    pounds_text(pence),
                    "pence",
                    f"claims:category={category}",
                )
            )

    # Actions from engagements or meetings held in the period, as they stand now.
    actions = _q(
        conn,
        "SELECT a.title, a.status, a.due_on FROM actions a "
        "LEFT JOIN engagements e ON e.id = a.engagement_id LEFT JOIN meetings m ON m.id = a.meeting_id "
        "WHERE a.deleted_at IS NULL AND ("
        "(a.engagement_id IS NOT NULL AND e.deleted_at IS NULL AND e.on_date BETWEEN ? AND ?) OR "
        "(a.meeting_id IS NOT NULL AND m.deleted_at IS NULL AND m.on_date BETWEEN ? AND ?))",
        s,
        e,
        s,
        e,
    )
    status_count = Counter(status for _, status, _ in actions)
    for value, label in STATUSES:
        fig(
            "actions",
            "By status",
            label,
            "Actions",
            status_count[value],
            "actions",
            f"actions:status={value}",
        )
    labels = dict(STATUSES)
    return Expected(
        figures=figures,
        grids=grids,
        named=named,
        quotes=chosen,
        actions=Counter((title, labels[status], due or "") for title, status, due in actions),
        themes=[(paths[t], now[t], before.get(t, 0)) for t in ranked],
        narrative=json.loads(narrative_json or "{}"),
    )


@pytest.fixture(scope="module")
def expectations(demo_db: Demo) -> dict[str, Expected]:
    conn = sqlite3.connect(demo_db.path)
    try:
        out = {}
        for which in ("draft", "busy"):
            ((narrative,),) = _q(
                conn, "SELECT narrative FROM returns WHERE id = ?", hexid(demo_db.returns[which])
            )
            out[which] = expected(conn, demo_db.periods[which], demo_db.today, narrative)
        return out
    finally:
        conn.close()


def suppression_threshold(demo_db: Demo) -> int:
    conn = sqlite3.connect(demo_db.path)
    try:
        ((threshold,),) = _q(
            conn, "SELECT suppression_threshold FROM partnerships WHERE id = ?", hexid(demo_db.hub_id)
        )
    finally:
        conn.close()
    assert threshold == 5  # the demo's hub
    return int(threshold)


# -- reading the files back -------------------------------------------------------------------
def data_rows(path: Path) -> list[tuple[Any, ...]]:
    wb = load_workbook(path)
    rows = list(wb["Data"].iter_rows(values_only=True))
    assert rows[0] == ("section", "table", "row", "column", "value", "shown", "unit", "ref")
    return [tuple(r) for r in rows[1:]]


def sheet_rows(path: Path, title: str) -> list[tuple[Any, ...]]:
    wb = load_workbook(path)
    return [tuple(r) for r in wb[title].iter_rows(values_only=True) if any(c is not None for c in r)]


def pdf_texts(path: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").replace("’", "'").split()) for page in PdfReader(path).pages]


def render(pdf: Path, folder: Path, resolution: int = 30) -> list[Path]:
    renderer = shutil.which("pdftoppm")
    if renderer is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed, so the pages cannot be rendered to PNG")
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [renderer, "-png", "-r", str(resolution), str(pdf), str(folder / "page")], check=True, timeout=120
    )
    return sorted(folder.glob("page-*.png"))


def check_grid(
    section: str, grid: Grid, cells: dict[tuple[str, str], tuple[Any, ...]], threshold: int
) -> None:
    """One count table of the Data sheet against its true counts: shown numbers equal, small
    numbers hidden as "<t", other hidden ones "*", a hidden count with no value, and no line of
    the table with a shown total and exactly one hidden entry (it could be worked out)."""
    where = f"{section} › {grid.title}"
    labels_r, labels_c = [*grid.rows, "Total"], [*grid.columns, "Total"]
    assert {k for k in cells} == {(r, c) for r in labels_r for c in labels_c}, where
    shown = [[cells[(r, c)][5] for c in labels_c] for r in labels_r]
    marks = {s for line in shown for s in line if not s.isdigit()}
    small = f"<{threshold}"
    assert marks <= {small, "*"}, (where, marks)
    for i, r in enumerate(labels_r):
        for j, c in enumerate(labels_c):
            _, _, _, _, value, text, unit, ref = cells[(r, c)]
            true = grid.counts[i][j]
            assert unit == "people" and ref == grid.refs[i][j], (where, r, c, ref)
            if text.isdigit():
                assert value == int(text) == true, f"{where}: {r} / {c} shows {text}, the records say {true}"
                assert not 0 < true < threshold, f"{where}: {r} / {c} shows a small number ({true})"
                continue
            assert value is None, (where, r, c, value)
            if text == small:
                assert 0 < true < threshold, f"{where}: {r} / {c} shows {small} but the records say {true}"
            else:  # "*": a second count hidden, or every hidden count of an exposed table
                assert not (0 < true < threshold) or small not in marks, (where, r, c, true)
    if grid.any_row:
        # A small number of people in any group reads "<t", unless the table had to show every
        # hidden count as "*" (then some group's small count reads "*" too).
        anyone = grid.counts[-1][0]
        exposed = any(shown[i][0] == "*" and 0 < grid.counts[i][0] < threshold for i in range(len(grid.rows)))
        mark = "*" if exposed else small
        assert shown[-1] == [mark if 0 < anyone < threshold else str(anyone)] * 2, where
        lines = [shown[i] for i in range(len(grid.rows))]
    else:
        lines = shown + [list(col) for col in zip(*shown, strict=True)]
    for line in lines:
        if line[-1].isdigit():
            hidden = sum(not s.isdigit() for s in line[:-1])
            assert hidden != 1, f"{where}: a line shows its total and hides one entry: {line}"


# -- the tests --------------------------------------------------------------------------------
WHICH = ("draft", "busy")


def test_the_demo_exercises_the_rules(demo_db: Demo, expectations: dict[str, Expected]) -> None:
    """The data behind the draft has what the rules are about (else the checks prove little)."""
    draft = expectations["draft"]
    conn = sqlite3.connect(demo_db.path)
    try:
        took_part = {
            r[0]
            for r in _q(
                conn,
                "SELECT p.contact_id FROM engagement_participants p JOIN engagements e ON e.id = p.engagement_id "
                "WHERE e.on_date BETWEEN ? AND ?",
                demo_db.periods["draft"].start.isoformat(),
                demo_db.periods["draft"].end.isoformat(),
            )
        }
        ((archived_engagement_gone,),) = _q(
            conn,
            "SELECT deleted_at IS NOT NULL FROM engagements WHERE id = ?",
            hexid(demo_db.changes.archived_engagement),
        )
    finally:
        conn.close()
    assert archived_engagement_gone
    assert (
        hexid(demo_db.changes.interpreter) in took_part
        and hexid(demo_db.changes.interpreter) not in draft.named
    )
    assert (
        hexid(demo_db.changes.archived_person) in took_part
        and hexid(demo_db.changes.archived_person) not in draft.named
    )
    assert len(draft.named) > 10 and len(draft.figures) > 30
    transport, _, gp = demo_db.changes.merged
    with demo_db.db.read() as session:
        assert themes.canonical_ids(session)[transport] == gp  # a chain of two merges
    said = dict(q[1:3] for q in draft.quotes)
    assert NEW_QUOTE in said or NARROWED_QUOTE in said, "a quote tagged with a merged theme is chosen"
    assert said.get(NARROWED_QUOTE, ANONYMOUS) == ANONYMOUS and WITHDRAWN_QUOTE not in said
    busy = expectations["busy"]
    assert any(f[1] == "By category" for f in busy.figures), "the current quarter has claims paid"
    smalls = [n for _, g in draft.grids for line in g.counts for n in line if 0 < n < 5]
    assert smalls, "some counts are small enough to be hidden"


@pytest.mark.parametrize("which", WHICH)
def test_every_figure_of_the_data_sheet_matches_the_records(
    demo_db: Demo, expectations: dict[str, Expected], which: str
) -> None:
    want = expectations[which]
    rows = data_rows(demo_db.folder / f"{which}.xlsx")
    threshold = suppression_threshold(demo_db)
    titles = {(section, g.title) for section, g in want.grids}
    plain = [r for r in rows if (r[0], r[1]) not in titles]
    assert plain == want.figures
    tables: dict[tuple[str, str], dict[tuple[str, str], tuple[Any, ...]]] = defaultdict(dict)
    order: list[tuple[str, str]] = []
    for r in rows:
        key = (r[0], r[1])
        if key in titles:
            if key not in order:
                order.append(key)
            assert (r[2], r[3]) not in tables[key], f"{key}: {r[2]} / {r[3]} twice"
            tables[key][(r[2], r[3])] = r
    assert order == [(section, g.title) for section, g in want.grids]
    for section, grid in want.grids:
        check_grid(section, grid, tables[(section, grid.title)], threshold)
    # Rows in the order of the expected tables, their labels in the order of the questions.
    for section, grid in want.grids:
        labels = list(dict.fromkeys(r[2] for r in rows if (r[0], r[1]) == (section, grid.title)))
        assert labels == [*grid.rows, "Total"], grid.title


@pytest.mark.parametrize("which", WHICH)
def test_the_section_sheets_print_the_same_figures(
    demo_db: Demo, expectations: dict[str, Expected], which: str
) -> None:
    want = expectations[which]
    path = demo_db.folder / f"{which}.xlsx"
    template = tomllib.loads(TEMPLATE.read_text(encoding="utf-8"))
    heading = {s["kind"]: s["heading"] for s in template["sections"]}
    assert load_workbook(path).sheetnames == ["Cover", *heading.values(), "Data"]
    figures = {(f[0], f[1], f[2]): f[4] for f in want.figures}

    reach = sheet_rows(path, heading["reach"])
    for label in (
        "Engagements",
        "Named people",
        "Counted anonymously",
        "People reached",
        "Online engagements",
    ):
        assert (label, figures[(heading["reach"], "Summary", label)]) in reach, label
    took_part = sheet_rows(path, heading["demographics"])
    assert ("Named people reached", len(want.named), None, None, None, None) in took_part

    for section, grid in want.grids:
        sheet = reach if section == heading["reach"] else took_part
        start = next(
            i for i, r in enumerate(sheet) if r[0] == grid.title and sheet[i + 1][0] == grid.row_heading
        )
        wide = len(grid.columns) > 1
        header = [grid.row_heading, *grid.columns, *(["Total"] if wide else [])]
        assert list(sheet[start + 1][: len(header)]) == header, grid.title
        data = {(r[2], r[3]): r[5] for r in data_rows(path) if (r[0], r[1]) == (section, grid.title)}
        for n, label in enumerate([*grid.rows, "Total"]):
            line = sheet[start + 2 + n]
            cells = [data[(label, c)] for c in [*grid.columns, *(["Total"] if wide else [])]]
            assert list(line[: len(cells) + 1]) == [label, *(int(c) if c.isdigit() else c for c in cells)]

    ranks = [r for r in sheet_rows(path, heading["themes"]) if isinstance(r[0], int)]
    assert [(r[1], r[2], r[3], r[4]) for r in ranks] == [(p, n, b, n - b) for p, n, b in want.themes]
    assert [r[0] for r in ranks] == list(range(1, len(want.themes) + 1))

    quotes = [r for r in sheet_rows(path, heading["quotes"]) if isinstance(r[0], int)]
    assert [(r[1], r[2], r[3], r[4]) for r in quotes] == [q[1:] for q in want.quotes]

    money = sheet_rows(path, heading["reimbursements"])
    section = heading["reimbursements"]
    for label in ("People paid", "Claims paid", "Claims declined or donated"):
        assert (label, figures[(section, "Summary", label)]) in money, label
    in_pence = {r[0]: round(r[1] * 100) for r in money if isinstance(r[1], float | int)}
    assert in_pence["Paid to people"] == figures[(section, "Summary", "Paid to people")]
    categories = [(f[2], f[4]) for f in want.figures if f[:2] == (section, "By category")]
    start = money.index(("Category", "Amount"))
    assert [(r[0], round(r[1] * 100)) for r in money[start + 1 :]] == categories

    done = sheet_rows(path, heading["actions"])
    for _, label in STATUSES:
        assert (label, figures[(heading["actions"], "By status", label)], None, None, None) in done
    total = sum(want.actions.values())
    start = done.index((f"Actions ({total:,})", None, None, None, None))
    listed = done[start + 2 :]
    assert Counter((r[0], r[3], r[4] or "") for r in listed) == want.actions

    narrative = sheet_rows(path, heading["narrative"])
    questions = next(s for s in template["sections"] if s["kind"] == "narrative")["questions"]
    assert [r[:2] for r in narrative[3:]] == [
        (q["text"], want.narrative.get(q["key"], "No answer given.")) for q in questions
    ]


@pytest.mark.parametrize("which", WHICH)
def test_the_quotes_are_those_consent_allows_today(
    demo_db: Demo, expectations: dict[str, Expected], which: str
) -> None:
    """The quotes printed (ids from the content) are exactly those the consent records allow."""
    shown = demo_db.exported[which].shown.content.section("quotes")
    assert isinstance(shown, QuotesSection)
    assert [(q.quote_id, q.text, q.attribution, q.context, "; ".join(q.themes)) for q in shown.quotes] == [
        (str(uid(qid)), *rest) for qid, *rest in expectations[which].quotes
    ]
    if which == "draft":
        said_by = {q.attribution for q in shown.quotes}
        conn = sqlite3.connect(demo_db.path)
        try:
            (name,) = _q(
                conn, "SELECT name FROM contacts WHERE id = ?", hexid(demo_db.changes.narrowed_speaker)
            )[0]
        finally:
            conn.close()
        assert name not in said_by, "a person who withdrew named sharing is not named"


@pytest.mark.parametrize("which", WHICH)
def test_the_pdf_says_who_for_whom_when_and_every_heading(
    demo_db: Demo, expectations: dict[str, Expected], which: str
) -> None:
    path = demo_db.folder / f"{which}.pdf"
    exported = demo_db.exported[which]
    texts = pdf_texts(path)
    assert exported.pages == len(texts) > 3
    text = " ".join(texts)
    conn = sqlite3.connect(demo_db.path)
    try:
        ((organisation,),) = _q(conn, "SELECT name FROM organisation WHERE deleted_at IS NULL")
        ((partnership, hub),) = _q(
            conn, "SELECT name, hub FROM partnerships WHERE id = ?", hexid(demo_db.hub_id)
        )
    finally:
        conn.close()
    period = demo_db.periods[which]
    digest = exported.shown.content_hash
    short = " ".join(digest[i : i + 4] for i in range(0, 16, 4))
    for item in (organisation, partnership, hub, f"{words(period)} ({period.label})", "DRAFT", short):
        assert item in texts[0], item
    assert all(short in page for page in texts), "the short hash is on every page"
    template = tomllib.loads(TEMPLATE.read_text(encoding="utf-8"))
    for section in template["sections"]:
        assert section["heading"] in text, section["heading"]
    assert texts[0].count("Page 1 of") == 1 and f"Page 1 of {len(texts)}" in texts[0]
    assert f"Page {len(texts)} of {len(texts)}" in texts[-1]
    small = f"<{suppression_threshold(demo_db)}"
    if any(r[5] == small for r in data_rows(demo_db.folder / f"{which}.xlsx")):
        assert small in text
    want = expectations[which]
    for label in ("People reached", "Named people"):
        assert label in text
    for quote in want.quotes[:3]:
        assert quote[1].replace("’", "'") in text, quote[1]
    if which == "busy":
        paid = next(f for f in want.figures if f[2] == "Paid to people")
        assert paid[5] in text


@pytest.mark.parametrize("which", WHICH)
def test_the_pages_render_to_png_that_are_not_blank(demo_db: Demo, which: str, tmp_path: Path) -> None:
    pngs = render(demo_db.folder / f"{which}.pdf", tmp_path / which)
    assert len(pngs) == demo_db.exported[which].pages
    for png in pngs:
        with PILImage.open(png) as image:
            darkest, lightest = image.convert("L").getextrema()
        assert lightest == 255 and darkest < 100, png.name  # white paper with dark print on it


def test_the_submitted_return_is_frozen_and_gives_the_same_files_twice(demo_db: Demo, tmp_path: Path) -> None:
    db, admin, rid = demo_db.db, demo_db.admin, demo_db.returns["submitted"]
    conn = sqlite3.connect(demo_db.path)
    try:
        ((snapshot, stored, status),) = _q(
            conn, "SELECT snapshot, content_hash, status FROM returns WHERE id = ?", hexid(rid)
        )
    finally:
        conn.close()
    assert status in ("acknowledged", "response_received")
    assert hashlib.sha256(snapshot.encode("utf-8")).hexdigest() == stored
    shown = returns.show(db, admin, rid)
    assert shown.frozen and shown.content_hash == stored and shown.content.to_json() == snapshot
    # The records changed since it was submitted (themes merged, people archived): a fresh
    # build of the same quarter differs, the frozen one does not.
    fresh = returns.preview(db, admin, demo_db.hub_id, demo_db.periods["submitted"], today=demo_db.today)
    assert fresh.content.section("themes") != shown.content.section("themes")
    first = returns.export(db, admin, rid, xlsx=tmp_path / "a.xlsx", pdf=tmp_path / "a.pdf")
    second = returns.export(db, admin, rid, xlsx=tmp_path / "b.xlsx", pdf=tmp_path / "b.pdf")
    assert first.shown.content_hash == second.shown.content_hash == stored
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    texts = pdf_texts(tmp_path / "a.pdf")
    assert " ".join(stored[i : i + 4] for i in range(0, 16, 4)) in texts[0] and stored in " ".join(
        texts[0].split()
    )
    assert "DRAFT" not in " ".join(texts)
    assert f"Page 1 of {first.pages}" in texts[0]
    cover = sheet_rows(tmp_path / "a.xlsx", "Cover")
    assert ("Content hash", stored) in cover
