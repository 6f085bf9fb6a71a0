"""Building a partnership return from the records: each section checked against what the test
itself recorded (plain counting, not the builder's SQL), small numbers suppressed with the
partnership's threshold, quotes judged by the speaker's consent on the day, the records behind
each figure, and records outside the period left out.  Both backends."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, select

from vcsedesk.domain.claims import ItemEntry
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.engagement import EngagementDraft, HeadcountEntry, ParticipantEntry, QuoteEntry
from vcsedesk.domain.errors import PermissionDenied, UserError
from vcsedesk.domain.return_templates import Template, parse_template, shipped_template
from vcsedesk.domain.returns import CountTable, Period, ReachSection, ReturnContent, parse_period
from vcsedesk.domain.suppression import derivable, suppress
from vcsedesk.logs import ENV_LOG_DIR
from vcsedesk.services import (
    actions,
    claims,
    consent,
    contacts,
    engagement_lists,
    engagements,
    equality,
    meetings,
    organisation,
    people,
    return_builder,
    setup,
    themes,
)
from vcsedesk.services.actions import ActionDraft
from vcsedesk.services.base import Actor, Role, unit_of_work
from vcsedesk.services.claims import ClaimDraft
from vcsedesk.services.meetings import MeetingDraft
from vcsedesk.services.return_builder import Built, build, quote_candidates, records_behind
from vcsedesk.store import migrate
from vcsedesk.store.database import Database, sqlite_url
from vcsedesk.store.location import ENV_DATA_DIR, DataFolder
from vcsedesk.store.models import Partnership, PartnershipReturn, ReturnResponse, SeldomHeardGroup

TODAY = date(2026, 6, 1)
CHOSEN_ON = date(2026, 4, 20)  # the coordinator chose the quotes; Bea withdrew on 1 May
PERIOD = parse_period("2026-Q1")  # 1 Jan – 31 Mar 2026; the previous period is 2025-Q4
THRESHOLD = 3
LOGO = b"\x89PNG\r\n\x1a\n" + b"not really a picture"

TEMPLATE_TOML = """
[template]
key = "test-return"
name = "Test return"
title = "Quarterly engagement return"
intro = "What we did this quarter."

[[sections]]
kind = "reach"
heading = "Who we reached"
intro = "Everyone we listened to."

[[sections]]
kind = "demographics"
heading = "Who took part"
tables = [ { rows = "age_band", columns = "sex" }, { rows = "ethnicity" } ]
seldom_heard = true

[[sections]]
kind = "themes"
heading = "What people talked about"
limit = 3
compare_previous = true

[[sections]]
kind = "quotes"
heading = "In their own words"
limit = 3
per_theme = 1

[[sections]]
kind = "reimbursements"
heading = "Valuing people's time"

[[sections]]
kind = "actions"
heading = "Actions and outcomes"
include_responses = true

[[sections]]
kind = "narrative"
heading = "In our words"
  [[sections.questions]]
  key = "highlights"
  text = "What went well this period?"
  [[sections.questions]]
  key = "plans"
  text = "What are your plans for next quarter?"
"""
TEMPLATE = parse_template(TEMPLATE_TOML, "test.toml")


@dataclass
class World:
    admin: Actor
    volunteer: Actor
    staff: Actor
    partnership: uuid.UUID
    healthwatch: uuid.UUID  # a partnership at the default threshold
    return_id: uuid.UUID
    people: dict[str, uuid.UUID] = field(default_factory=dict)
    types: dict[str, uuid.UUID] = field(default_factory=dict)
    themes: dict[str, uuid.UUID] = field(default_factory=dict)
    engagements: dict[str, uuid.UUID] = field(default_factory=dict)
    quotes: dict[str, uuid.UUID] = field(default_factory=dict)
    claims: dict[str, uuid.UUID] = field(default_factory=dict)
    actions: dict[str, uuid.UUID] = field(default_factory=dict)
    groups: dict[str, uuid.UUID] = field(default_factory=dict)


# -- making the world through the services --------------------------------------------------------
def _person(db: Database, admin: Actor, given: str, family: str, ward: str | None = None) -> uuid.UUID:
    draft = ContactDraft(given_name=given, family_name=family, ward=ward)
    (cid,) = contacts.create_contact(db, admin, draft).created["contacts"]
    return cid


def _consent(
    db: Database, admin: Actor, cid: uuid.UUID, purpose: str, on: date, status: str = "given"
) -> None:
    consent.record_consent(
        db, admin, cid, purpose=purpose, status=status, on=on, method="verbal", today=TODAY
    )


def _engagement(db: Database, admin: Actor, **values: Any) -> uuid.UUID:
    (eid,) = engagements.add_engagement(db, admin, EngagementDraft(**values), today=TODAY).created[
        "engagements"
    ]
    return eid


def _user(db: Database, admin: Actor, name: str, role: Role) -> Actor:
    people.add_user(db, admin, name=name, role=role.value)
    info = next(u for u in people.list_users(db) if u.name == name)
    return people.actor_for(db, info.id, None)


def _quote_ids(db: Database, eid: uuid.UUID) -> dict[str, uuid.UUID]:
    return {q.text: q.id for q in engagements.get_engagement(db, eid).quotes}


def _claim(
    db: Database, admin: Actor, approver: Actor, claimant: uuid.UUID, paid_on: date, **draft: Any
) -> uuid.UUID:
    values: dict[str, Any] = {"claimant_id": claimant, "tier": "ongoing", "activity_date": date(2026, 1, 8)}
    values.update(draft)
    (cid,) = claims.new_claim(db, admin, ClaimDraft(**values), today=TODAY).created["claims"]
    claims.submit_claim(db, admin, cid, claims.get_claim(db, cid, admin).version, today=TODAY)
    claims.approve_claim(db, approver, cid, claims.get_claim(db, cid, admin).version)
    method = None if values.get("choice") == "decline" else "bank_transfer"
    version = claims.get_claim(db, cid, admin).version
    claims.mark_paid(db, admin, cid, version, paid_on, method, "REF", today=paid_on)
    return cid


@dataclass
class _Worlds:
    stack: contextlib.ExitStack[None]
    made: dict[str, tuple[Database, World]]


@pytest.fixture(scope="module")
def worlds() -> Iterator[_Worlds]:
    """The module's databases, one per backend, kept until its last test (the tests only read
    them): made once, as tests/conftest.py makes ``db`` and ``admin``, to keep the file fast."""
    with contextlib.ExitStack() as stack:
        yield _Worlds(stack, {})


@pytest.fixture
def shared(
    backend: str, worlds: _Worlds, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Database, World]:
    if backend not in worlds.made:
        worlds.made[backend] = _open_world(backend, worlds.stack, request, tmp_path_factory)
    return worlds.made[backend]


def _open_world(
    backend: str,
    stack: contextlib.ExitStack[None],
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Database, World]:
    root = tmp_path_factory.mktemp("returns")
    folder = DataFolder(root / "data")
    folder.create()
    if backend == "sqlite":
        url = sqlite_url(folder.database)
    else:
        admin_url = request.getfixturevalue("pg_admin_url")
        name = f"t_{uuid.uuid4().hex[:16]}"
        server = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with server.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            server.dispose()

        stack.callback(drop)
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    database = Database(url)
    stack.callback(database.dispose)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENV_DATA_DIR, str(root / "data"))
        patch.setenv(ENV_LOG_DIR, str(root / "logs"))
        migrate.prepare(database, backup_folder=folder.backups)
        admin = setup.first_run(
            database,
            organisation_name="Riverside Community Voices",
            user_name="Sam Patel",
            device_id=folder.device_id(),
        )
        return database, _make_world(database, admin, patch)


@pytest.fixture
def world(shared: tuple[Database, World]) -> World:
    return shared[1]


@pytest.fixture
def wdb(shared: tuple[Database, World]) -> Database:
    return shared[0]


def _make_world(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> World:
    for ward in ("Mile End", "Bow"):
        contacts.add_ward(db, admin, ward)
    with unit_of_work(db, admin, "Added a partnership") as uow:
        partnership = uow.add(
            Partnership(
                name="Tower Hamlets People's Partnership",
                hub="East hub",
                first_period_start=date(2025, 1, 1),
                template_key=TEMPLATE.key,
                suppression_threshold=THRESHOLD,
            )
        )
        healthwatch = uow.add(
            Partnership(name="Healthwatch", first_period_start=date(2026, 1, 1), template_key=TEMPLATE.key)
        )
        draft_return = uow.add(
            PartnershipReturn(
                partnership_id=partnership.id,
                period_start=PERIOD.start,
                period_end=PERIOD.end,
                period_label=PERIOD.label,
                template_key=TEMPLATE.key,
            )
        )
    w = World(
        admin=admin,
        volunteer=_user(db, admin, "Val Volunteer", Role.VOLUNTEER),
        staff=_user(db, admin, "Stan Staff", Role.STAFF),
        partnership=partnership.id,
        healthwatch=healthwatch.id,
        return_id=draft_return.id,
    )
    w.types = {t.name: t.id for t in engagement_lists.list_types(db)}
    themes.add_theme(db, admin, "Loneliness")
    w.themes = {t.path: t.id for t in themes.list_themes(db)}
    w.groups = _groups(db)

    p = w.people
    p["Aisha"] = _person(db, admin, "Aisha", "Rahman", "Mile End")
    p["Bea"] = _person(db, admin, "Bea", "Lowe", "Mile End")
    p["Carl"] = _person(db, admin, "Carl", "Moss", "Bow")
    p["Dev"] = _person(db, admin, "Dev", "Shah")
    p["Eve"] = _person(db, admin, "Eve", "Okafor", "Bow")
    p["Finn"] = _person(db, admin, "Finn", "Hart", "Bow")  # an interpreter: not reached
    p["Gus"] = _person(db, admin, "Gus", "Reed", "Bow")  # only before the period
    p["Hana"] = _person(db, admin, "Hana", "Berg", "Bow")  # only at an archived engagement
    p["Ivy"] = _person(db, admin, "Ivy", "Cole", "Bow")  # archived since
    answers = {
        "Aisha": (
            {"age_band": "25–34", "sex": "Female", "ethnicity": "Asian: Bangladeshi"},
            {"Refugees and asylum seekers"},
        ),
        "Bea": ({"age_band": "25–34", "sex": "Female", "ethnicity": "White: Irish"}, set()),
        "Carl": ({"age_band": "65–74", "sex": "Male", "ethnicity": "Asian: Bangladeshi"}, set()),
        "Dev": (None, {"Refugees and asylum seekers", "People experiencing homelessness"}),
        "Eve": ({"age_band": "25–34", "sex": "Female"}, {"People experiencing homelessness"}),
        "Gus": ({"age_band": "18–24", "sex": "Male"}, {"Young carers"}),
        "Ivy": ({"age_band": "85 or over", "sex": "Female"}, {"Young carers"}),
    }
    for name, (given, groups) in answers.items():
        equality.set_answers(db, admin, p[name], None, given or {}, groups)
    _consent(db, admin, p["Aisha"], "share_with_name", date(2025, 12, 1))
    _consent(db, admin, p["Bea"], "share_with_name", date(2025, 12, 1))
    _consent(db, admin, p["Carl"], "share_anonymously", date(2025, 12, 1))
    _consent(db, admin, p["Eve"], "share_with_name", date(2026, 1, 1))

    t, ty = w.themes, w.types
    e = w.engagements
    e["library"] = _engagement(
        db,
        admin,
        title="Library drop-in",
        type_id=ty["Drop-in"],
        on_date=date(2026, 2, 10),
        ward="Mile End",
        anonymous_count=10,
        headcount_groups=(HeadcountEntry("Under 25", 4), HeadcountEntry("Carers", 3)),
        participants=(
            ParticipantEntry(p["Aisha"]),
            ParticipantEntry(p["Bea"]),
            ParticipantEntry(p["Carl"], "carer"),
            ParticipantEntry(p["Finn"], "interpreter"),
            ParticipantEntry(p["Ivy"]),
        ),
        theme_ids=(t["Dentistry"], t["Primary care › Pharmacy"]),
        quotes=(
            QuoteEntry("I rang forty dental practices.", "named", p["Aisha"], (t["Dentistry"],)),
            QuoteEntry("My tooth hurt for a month.", "named", p["Bea"], (t["Dentistry"],)),
            QuoteEntry(
                "The pharmacy ran out again.", "anonymous", p["Carl"], (t["Primary care › Pharmacy"],)
            ),
            QuoteEntry("Said in confidence.", "internal"),
        ),
    )
    e["coffee"] = _engagement(
        db,
        admin,
        title="Coffee morning",
        type_id=ty["Event"],
        on_date=date(2026, 3, 5),
        ward="Bow",
        anonymous_count=5,
        headcount_groups=(HeadcountEntry("under 25", 2),),
        participants=(ParticipantEntry(p["Aisha"]), ParticipantEntry(p["Eve"]), ParticipantEntry(p["Dev"])),
        theme_ids=(t["Dentistry"], t["Mental health"]),
        quotes=(QuoteEntry("No dentist will take my children.", "named", p["Eve"], (t["Dentistry"],)),),
    )
    e["zoom"] = _engagement(
        db,
        admin,
        title="Zoom chat",
        type_id=ty["Online session"],
        on_date=date(2026, 1, 20),
        online=True,
        participants=(ParticipantEntry(p["Carl"]),),
        theme_ids=(t["Social isolation"], t["Loneliness"]),
        quotes=(QuoteEntry("I talk to nobody for days.", "anonymous", None, (t["Mental health"],)),),
    )
    e["phone"] = _engagement(
        db,
        admin,
        title="Phone check-in",
        type_id=ty["Phone call"],
        on_date=date(2026, 3, 31),
        participants=(ParticipantEntry(p["Dev"]),),
        theme_ids=(t["Loneliness"],),
    )
    e["december"] = _engagement(
        db,
        admin,
        title="December stall",
        type_id=ty["Event"],
        on_date=date(2025, 12, 15),
        ward="Mile End",
        anonymous_count=20,
        participants=(ParticipantEntry(p["Gus"]),),
        theme_ids=(t["Dentistry"], t["Social isolation"]),
    )
    e["april"] = _engagement(
        db,
        admin,
        title="April walk",
        type_id=ty["Outreach"],
        on_date=date(2026, 4, 1),
        participants=(ParticipantEntry(p["Aisha"]),),
        theme_ids=(t["Dentistry"],),
        quotes=(QuoteEntry("Spring words.", "named", p["Aisha"], (t["Dentistry"],)),),
    )
    e["archived"] = _engagement(
        db,
        admin,
        title="Cancelled fair",
        type_id=ty["Event"],
        on_date=date(2026, 2, 1),
        anonymous_count=50,
        participants=(ParticipantEntry(p["Hana"]),),
        theme_ids=(t["Transport"],),
        quotes=(QuoteEntry("Buses never come.", "anonymous", None, (t["Transport"],)),),
    )
    for key in ("library", "coffee", "zoom", "april", "archived"):
        w.quotes.update(_quote_ids(db, e[key]))
    # An action from the archived engagement, made before it was archived, goes with it.
    w.actions["archived"] = (
        actions.add_action(
            db, admin, ActionDraft(title="Check the fair venue", engagement_id=e["archived"]), today=TODAY
        )
        .created["actions"]
        .pop()
    )
    engagements.archive_engagement(
        db, admin, e["archived"], engagements.get_engagement(db, e["archived"]).version
    )
    contacts.archive_contact(db, admin, p["Ivy"], contacts.get_contact(db, p["Ivy"]).version)
    # Loneliness is merged into Social isolation after it was used: it counts there.
    themes.merge_themes(
        db, admin, t["Loneliness"], themes.get_theme(db, t["Loneliness"]).version, t["Social isolation"]
    )
    # Eve later withdrew her name but still agrees to be quoted anonymously; Bea withdrew.
    _consent(db, admin, p["Eve"], "share_with_name", date(2026, 4, 15), "withdrawn")
    _consent(db, admin, p["Eve"], "share_anonymously", date(2026, 4, 15))
    _consent(db, admin, p["Bea"], "share_with_name", date(2026, 5, 1), "withdrawn")

    # Claims: approved (by a coordinator) on 5 Jan 2026 so they can be paid in the quarter.
    monkeypatch.setattr(claims, "utcnow", lambda: datetime(2026, 1, 5, 12, tzinfo=UTC))
    cora = _user(db, admin, "Cora Coordinator", Role.COORDINATOR)
    lines = (
        ItemEntry("involvement", "Panel", quantity_centi=200, unit="hour"),
        ItemEntry("mileage", "To the hub", quantity_centi=1000),
        ItemEntry("fares", "Bus", cost_pence=400),
    )
    c = w.claims
    c["aisha"] = _claim(db, admin, cora, p["Aisha"], date(2026, 2, 20), items=lines)
    c["carl"] = _claim(
        db, admin, cora, p["Carl"], date(2026, 3, 10), items=(lines[0], lines[2]), take_pence=3000
    )
    c["aisha2"] = _claim(
        db, admin, cora, p["Aisha"], date(2026, 3, 15), items=(ItemEntry("parking", cost_pence=350),)
    )
    c["eve"] = _claim(db, admin, cora, p["Eve"], date(2026, 3, 1), items=lines[:1], choice="decline")
    c["dev"] = _claim(
        db,
        admin,
        cora,
        p["Dev"],
        date(2026, 2, 1),
        items=lines[:1],
        choice="donate",
        donate_to="The food bank",
    )
    c["april"] = _claim(db, admin, cora, p["Bea"], date(2026, 4, 2), items=lines)
    c["unpaid"] = (
        claims.new_claim(
            db,
            admin,
            ClaimDraft(claimant_id=p["Bea"], tier="ongoing", activity_date=date(2026, 1, 8), items=lines),
            today=TODAY,
        )
        .created["claims"]
        .pop()
    )

    (meeting,) = meetings.add_meeting(
        db, admin, MeetingDraft(title="Hub meeting", on_date=date(2026, 3, 20)), today=TODAY
    ).created["meetings"]
    a = w.actions

    def act(key: str, **values: Any) -> None:
        a[key] = actions.add_action(db, admin, ActionDraft(**values), today=TODAY).created["actions"].pop()

    act("ask", title="Ask the ICB about NHS dentists", engagement_id=e["library"], due_on=date(2026, 4, 30))
    act(
        "bus", title="Book the dental bus", engagement_id=e["coffee"], status="done", outcome="Booked for May"
    )
    act(
        "board",
        title="Send the themes to the board",
        meeting_id=meeting,
        status="in_progress",
        due_on=date(2026, 4, 10),
    )
    act("old", title="Write up the stall", engagement_id=e["december"])
    act("loose", title="An action from nowhere")

    with unit_of_work(db, admin, "Recorded responses") as uow:
        uow.add(
            ReturnResponse(
                return_id=w.return_id,
                theme_id=t["Dentistry"],
                you_said="People cannot find an NHS dentist.",
                we_did="The ICB commissioned a dental bus.",
                decision="Board, 12 May 2026",
                responded_on=date(2026, 5, 12),
            )
        )
        uow.add(ReturnResponse(return_id=w.return_id, you_said="Buses are late."))
        gone = uow.add(ReturnResponse(return_id=w.return_id, you_said="Entered by mistake."))
    with unit_of_work(db, admin, "Removed a response") as uow:
        uow.archive(uow.get(ReturnResponse, gone.id), None)

    profile = organisation.get_profile(db)
    assert profile is not None
    organisation.update_profile(db, admin, profile.version, logo=LOGO)
    return w


def _groups(db: Database) -> dict[str, uuid.UUID]:
    with db.read() as s:
        return {n: i for i, n in s.execute(select(SeldomHeardGroup.id, SeldomHeardGroup.name))}


def _build(db: Database, w: World, **over: Any) -> Built:
    values: dict[str, Any] = {
        "partnership_id": w.partnership,
        "period": PERIOD,
        "template": TEMPLATE,
        "today": TODAY,
        "return_id": w.return_id,
        "narrative": {"highlights": "We reached carers we had never met."},
        "edition": 2,
    }
    values.update(over)
    return build(db, w.admin, **values)


def _refs(value: Any) -> Iterator[str]:
    """Every ref anywhere in the content."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if f.name == "ref" and isinstance(item, str):
                yield item
            elif f.name == "refs" and isinstance(value, CountTable):
                yield from (r for row in item for r in row)
            else:
                yield from _refs(item)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _refs(item)


def _check_published(table: CountTable, cells: list[list[int]], *, totals: tuple[str, ...] = ()) -> None:
    """Every number shown is the true count (margins worked out here), every count from 1 to
    the threshold and only those read "<3", the grand total (the named people, printed as a
    figure anyway) is shown, and nothing hidden can be worked out from what is shown.

    ``totals``: the totals row as printed instead of the sums (seldom-heard groups); the check
    then assumes the worst, that the sums were printed."""
    grid = [[*row, sum(row)] for row in cells]
    grid.append([sum(column) for column in zip(*grid, strict=True)])
    assert len(table.shown) == len(grid) and all(
        len(a) == len(b) for a, b in zip(table.shown, grid, strict=True)
    )
    shown = list(table.shown)
    if totals:
        assert shown[-1] == totals
        shown[-1] = tuple(str(n) for n in grid[-1])
    hidden = set()
    for r, line in enumerate(shown):
        for c, cell in enumerate(line):
            small = 0 < grid[r][c] < THRESHOLD
            assert (cell == f"<{THRESHOLD}") == small, (r, c, cell)
            if cell.isdigit():
                assert int(cell) == grid[r][c]
            else:
                assert cell in (f"<{THRESHOLD}", "*")
                hidden.add((r, c))
    assert shown[-1][-1] == str(grid[-1][-1])
    assert not derivable((len(grid), len(grid[0])), hidden)


# -- the tests ----------------------------------------------------------------------------------
def test_header_reach_and_demographics_count_what_was_recorded(wdb: Database, world: World) -> None:
    db = wdb
    w = world
    built = _build(db, w)
    c = built.content
    assert (c.organisation, c.logo, c.partnership, c.hub) == (
        "Riverside Community Voices",
        base64.b64encode(LOGO).decode("ascii"),
        "Tower Hamlets People's Partnership",
        "East hub",
    )
    assert (c.period_label, c.period_words, c.period_start, c.period_end) == (
        "2026-Q1",
        "January to March 2026",
        "2026-01-01",
        "2026-03-31",
    )
    assert (c.template_key, c.template_name, c.title, c.intro, c.threshold, c.edition, c.frozen_at) == (
        "test-return",
        "Test return",
        "Quarterly engagement return",
        "What we did this quarter.",
        THRESHOLD,
        2,
        "",
    )
    assert [s.kind for s in c.sections] == [s.kind for s in TEMPLATE.sections]
    assert [s.heading for s in c.sections] == [s.heading for s in TEMPLATE.sections]

    # Who took part in the period's four live engagements, as participants or carers: Aisha
    # (twice), Bea, Carl, Dev and Eve.  Finn only interpreted, Gus came in December, Hana
    # only to an archived engagement, and Ivy's record is archived.
    reached = {"Aisha": 2, "Bea": 1, "Carl": 2, "Dev": 2, "Eve": 1}
    assert built.contributors == {w.people[n]: k for n, k in reached.items()}

    reach = c.section("reach")
    assert isinstance(reach, ReachSection)
    assert reach.intro.startswith("Everyone we listened to.\n\n") and "interpreters" in reach.intro
    assert reach.engagements.value == 4
    assert [(f.label, f.value) for f in reach.by_type] == [
        ("Drop-in", 1),
        ("Event", 1),
        ("Online session", 1),
        ("Phone call", 1),
    ]
    assert (reach.named_people.value, reach.headcount.value, reach.people_reached.value) == (5, 15, 20)
    assert reach.online.value == 1
    assert sorted((f.label, f.value) for f in reach.by_ward) == [
        ("Bow", 1),
        ("Mile End", 1),
        ("No ward recorded", 1),
        ("Online", 1),
    ]
    assert [(f.label, f.value) for f in reach.headcount_groups] == [("Under 25", 6), ("Carers", 3)]

    # Named people by where they live: Bow (Carl, Eve), Mile End (Aisha, Bea), none (Dev).
    by_ward = reach.people_by_ward
    assert by_ward.rows == ("Bow", "Mile End", "Not recorded") and by_ward.columns == ("People",)
    _check_published(by_ward, [[2], [2], [1]])
    assert by_ward.shown == (("<3", "<3"), ("<3", "<3"), ("<3", "<3"), ("5", "5"))

    # Seldom-heard: refugees (Aisha, Dev), homelessness (Dev, Eve); three people in any group,
    # not four: Dev is in both.  Gus and Ivy (young carers) were not reached.
    seldom = reach.seldom_heard
    assert seldom is not None and "more than one group" in seldom.note
    assert seldom.rows == tuple(sorted(w.groups, key=str.casefold))
    expected = [
        [{"Refugees and asylum seekers": 2, "People experiencing homelessness": 2}.get(g, 0)]
        for g in seldom.rows
    ]
    _check_published(seldom, expected, totals=("3", "3"))

    demographics = c.section("demographics")
    assert demographics is not None and demographics.kind == "demographics"
    assert demographics.people == 5
    age_by_sex, ethnicity = demographics.tables
    assert age_by_sex.title == "Age by sex" and age_by_sex.row_heading == "Age"
    assert age_by_sex.rows == ("25–34", "65–74", "Not recorded")
    assert age_by_sex.columns == ("Female", "Male", "Prefer not to say", "Not recorded")
    # Left to itself the suppression would hide the grand total here; but it is the number of
    # named people, printed anyway, so it stays shown and other counts are hidden instead.
    assert suppress([[3, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]], THRESHOLD).hidden(3, 4)
    _check_published(age_by_sex, [[3, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]])
    assert ethnicity.rows == ("Asian: Bangladeshi", "White: Irish", "Not recorded")
    _check_published(ethnicity, [[2], [1], [2]])
    for table in (age_by_sex, ethnicity):
        assert len(table.shown) == len(table.rows) + 1 == len(table.refs)
        assert all(len(row) == len(table.columns) + 1 for row in (*table.shown, *table.refs))


def test_themes_quotes_reimbursements_actions_and_narrative(wdb: Database, world: World) -> None:
    db = wdb
    w = world
    built = _build(db, w)
    c = built.content

    # Engagements per theme in the quarter: Dentistry (library, coffee), Social isolation
    # (zoom — tagged with it and with Loneliness, merged into it: once — and phone, tagged
    # Loneliness), Mental health (coffee), Pharmacy (library).  Ties by name; top 3.
    # December: Dentistry and Social isolation once each.
    section = c.section("themes")
    assert section is not None and section.kind == "themes"
    assert section.previous_label == "2025-Q4"
    assert [(r.theme, r.count, r.previous, r.change) for r in section.themes] == [
        ("Dentistry", 2, 1, 1),
        ("Social isolation", 2, 1, 1),
        ("Mental health", 1, 0, 1),
    ]

    # Automatic choice, newest engagement first, one per ranked theme: Eve's (Dentistry, her
    # name withdrawn so shown anonymously), then Aisha's is skipped (Dentistry is full), Bea's
    # and Carl's have no ranked theme free, then the unnamed Mental health quote.
    quotes = c.section("quotes")
    assert quotes is not None and quotes.kind == "quotes"
    assert [(q.text, q.attribution, q.context, q.themes) for q in quotes.quotes] == [
        ("No dentist will take my children.", "Anonymous", "Event, March 2026", ("Dentistry",)),
        ("I talk to nobody for days.", "Anonymous", "Online session, January 2026", ("Mental health",)),
    ]
    assert built.left_out == ()
    (anonymised,) = built.shown_anonymously
    assert anonymised.quote_id == w.quotes["No dentist will take my children."]
    assert "Eve Okafor" in anonymised.reason and "withdrawn on 15 Apr 2026" in anonymised.reason

    # Paid in the quarter: Aisha £50 + £4.50 + £4 (and £3.50 parking on a second claim), Carl
    # took £30 of £54 (involvement reduced first).  Eve declined, Dev donated.  Bea's was paid
    # in April; another is only a draft.
    aisha = claims.get_claim(db, w.claims["aisha"], w.admin)
    assert [i.amount_pence for i in aisha.items] == [5000, 450, 400]
    money = c.section("reimbursements")
    assert money is not None and money.kind == "reimbursements"
    assert (money.people_paid.value, money.claims_paid.value, money.declined.value) == (2, 3, 2)
    assert money.total.pence == 5850 + 3000 + 350
    assert [(m.label, m.pence, m.ref) for m in money.by_category] == [
        ("Involvement time", 5000 + (3000 - 400), "claims:category=involvement"),
        ("Mileage", 450, "claims:category=mileage"),
        ("Fares", 400 + 400, "claims:category=fares"),
        ("Parking", 350, "claims:category=parking"),
    ]
    assert sum(m.pence for m in money.by_category) == money.total.pence

    done = c.section("actions")
    assert done is not None and done.kind == "actions"
    assert [(f.label, f.value) for f in done.by_status] == [
        ("Open", 1),
        ("In progress", 1),
        ("Done", 1),
        ("Cancelled", 0),
    ]
    assert [(a.title, a.status, a.due, a.outcome, a.source) for a in done.actions] == [
        (
            "Send the themes to the board",
            "In progress",
            "2026-04-10",
            "",
            "Meeting “Hub meeting” (20 Mar 2026)",
        ),
        (
            "Ask the ICB about NHS dentists",
            "Open",
            "2026-04-30",
            "",
            "Engagement “Library drop-in” (10 Feb 2026)",
        ),
        ("Book the dental bus", "Done", "", "Booked for May", "Engagement “Coffee morning” (5 Mar 2026)"),
    ]
    assert [(r.theme, r.you_said, r.we_did, r.decision, r.responded_on) for r in done.responses] == [
        (
            "Dentistry",
            "People cannot find an NHS dentist.",
            "The ICB commissioned a dental bus.",
            "Board, 12 May 2026",
            "2026-05-12",
        ),
        ("", "Buses are late.", "", "", ""),
    ]

    narrative = c.section("narrative")
    assert narrative is not None and narrative.kind == "narrative"
    assert [(a.key, a.question, a.text) for a in narrative.answers] == [
        ("highlights", "What went well this period?", "We reached carers we had never met."),
        ("plans", "What are your plans for next quarter?", ""),
    ]

    # The content survives freezing, and no ref names a person.
    assert ReturnContent.from_json(c.to_json()) == c
    refs = list(_refs(c))
    assert len(refs) > 40
    names = ("Aisha", "Rahman", "Bea", "Carl", "Dev", "Eve", "Okafor")
    for ref in refs:
        assert not any(str(cid) in ref for cid in w.people.values()), ref
        assert not any(n in ref for n in names), ref


def test_chosen_quotes_in_order_and_a_withdrawal_after_choosing_leaves_one_out(
    wdb: Database, world: World
) -> None:
    db = wdb
    w, q = world, world.quotes
    nowhere = uuid.uuid4()
    chosen = [
        q["My tooth hurt for a month."],
        q["I rang forty dental practices."],
        q["Spring words."],
        q["Said in confidence."],
        q["Buses never come."],
        nowhere,
        q["No dentist will take my children."],
        q["The pharmacy ran out again."],
    ]
    before = _build(db, w, quote_ids=chosen, today=CHOSEN_ON)
    section = before.content.section("quotes")
    assert section is not None and section.kind == "quotes"
    assert [(x.text, x.attribution) for x in section.quotes] == [
        ("My tooth hurt for a month.", "Bea Lowe"),
        ("I rang forty dental practices.", "Aisha Rahman"),
        ("No dentist will take my children.", "Anonymous"),
        ("The pharmacy ran out again.", "Anonymous"),
    ]
    assert [x.quote_id for x in section.quotes] == [
        str(i) for i in (chosen[0], chosen[1], chosen[6], chosen[7])
    ]
    reasons = {o.quote_id: o.reason for o in before.left_out}
    assert list(reasons) == [chosen[2], chosen[3], chosen[4], nowhere]
    assert "not from this period" in reasons[chosen[2]] and "1 Apr 2026" in reasons[chosen[2]]
    assert "internal only" in reasons[chosen[3]]
    assert "deleted" in reasons[chosen[4]] and "Cancelled fair" in reasons[chosen[4]]
    assert "deleted" in reasons[nowhere]
    assert {o.excerpt for o in before.left_out} == {
        "Spring words.",
        "Said in confidence.",
        "Buses never come.",
        "",
    }

    # Bea withdrew her consent on 1 May, after the quote was chosen: built again today, the
    # same choice leaves it out.
    after = _build(db, w, quote_ids=chosen)
    section = after.content.section("quotes")
    assert section is not None and section.kind == "quotes"
    assert [x.text for x in section.quotes] == [
        "I rang forty dental practices.",
        "No dentist will take my children.",
        "The pharmacy ran out again.",
    ]
    bea = next(o for o in after.left_out if o.quote_id == chosen[0])
    assert bea.excerpt == "My tooth hurt for a month."
    assert "Bea Lowe" in bea.reason and "withdrawn on 01 May 2026" in bea.reason

    # The picker offers every shareable quote of the period, newest first.
    offered = quote_candidates(db, w.admin, PERIOD, today=TODAY)
    assert [(o.text, o.speaker, o.context) for o in offered] == [
        ("No dentist will take my children.", "Anonymous", "Event, March 2026"),
        ("I rang forty dental practices.", "Aisha Rahman", "Drop-in, February 2026"),
        ("The pharmacy ran out again.", "Anonymous", "Drop-in, February 2026"),
        ("I talk to nobody for days.", "Anonymous", "Online session, January 2026"),
    ]
    assert offered[0].themes == ("Dentistry",) and offered[0].reason


def test_records_behind_the_figures(wdb: Database, world: World) -> None:
    db = wdb
    w = world
    built = _build(db, w)
    c = built.content
    reach = c.section("reach")
    demographics = c.section("demographics")
    ranked = c.section("themes")
    money = c.section("reimbursements")
    assert (
        isinstance(reach, ReachSection) and demographics is not None and demographics.kind == "demographics"
    )
    assert (
        ranked is not None
        and ranked.kind == "themes"
        and money is not None
        and money.kind == "reimbursements"
    )

    def behind(ref: str, period: Period = PERIOD) -> tuple[str, set[uuid.UUID]]:
        found = records_behind(db, w.admin, period, ref)
        assert len(found.ids) == len(set(found.ids))
        assert found.title.endswith(f", {period.label}")
        return found.kind, set(found.ids)

    e, p, cl = w.engagements, w.people, w.claims
    period_engagements = {e["library"], e["coffee"], e["zoom"], e["phone"]}
    assert behind(reach.engagements.ref) == ("engagements", period_engagements)
    drop_in = next(f for f in reach.by_type if f.label == "Drop-in")
    assert behind(drop_in.ref) == ("engagements", {e["library"]})
    wards = {f.label: f.ref for f in reach.by_ward}
    assert behind(wards["Bow"]) == ("engagements", {e["coffee"]})
    assert behind(wards["Online"]) == ("engagements", {e["zoom"]})
    assert behind(wards["No ward recorded"]) == ("engagements", {e["phone"]})
    assert behind(reach.headcount.ref)[1] == {e["library"], e["coffee"]}
    under_25 = reach.headcount_groups[0]
    assert behind(under_25.ref)[1] == {e["library"], e["coffee"]}

    named = {p[n] for n in ("Aisha", "Bea", "Carl", "Dev", "Eve")}
    assert behind(reach.named_people.ref) == ("contacts", named)
    mile_end = reach.people_by_ward.rows.index("Mile End")
    assert behind(reach.people_by_ward.refs[mile_end][0]) == ("contacts", {p["Aisha"], p["Bea"]})
    assert behind(reach.people_by_ward.refs[-1][0])[1] == named
    assert reach.seldom_heard is not None
    assert behind(reach.seldom_heard.refs[-1][0])[1] == {p["Aisha"], p["Dev"], p["Eve"]}
    refugees = reach.seldom_heard.rows.index("Refugees and asylum seekers")
    assert behind(reach.seldom_heard.refs[refugees][0])[1] == {p["Aisha"], p["Dev"]}

    age_by_sex, ethnicity = demographics.tables
    # Every cell's ref opens exactly as many people as the true count behind it.
    grid = [[3, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]]
    assert behind(age_by_sex.refs[0][0])[1] == {p["Aisha"], p["Bea"], p["Eve"]}
    assert behind(age_by_sex.refs[2][3])[1] == {p["Dev"]}
    for r, row in enumerate(grid):
        assert len(behind(age_by_sex.refs[r][-1])[1]) == sum(row)
    assert behind(age_by_sex.refs[-1][1])[1] == {p["Carl"]}  # all men
    assert behind(ethnicity.refs[2][0])[1] == {p["Dev"], p["Eve"]}  # not recorded
    assert behind(ethnicity.refs[-1][-1])[1] == named

    social = next(r for r in ranked.themes if r.theme == "Social isolation")
    assert behind(social.ref) == ("engagements", {e["zoom"], e["phone"]})
    assert behind(social.ref, PERIOD.previous())[1] == {e["december"]}

    assert behind(money.total.ref) == ("claims", {cl["aisha"], cl["carl"], cl["aisha2"]})
    assert behind("claims:category=fares")[1] == {cl["aisha"], cl["carl"]}
    assert behind(money.declined.ref)[1] == {cl["eve"], cl["dev"]}
    assert behind("claims:paid", parse_period("2026-Q2"))[1] == {cl["april"]}
    assert behind("actions:status=open") == ("actions", {w.actions["ask"]})
    assert behind("actions:")[1] == {w.actions[k] for k in ("ask", "bus", "board")}
    assert behind("quotes:")[0] == "quotes" and len(behind("quotes:")[1]) == 6

    for bad in ("people:eq:shoe_size=9", "engagements:type=nonsense", "wishes:", "nothing"):
        with pytest.raises(UserError, match="does not name a figure"):
            records_behind(db, w.admin, PERIOD, bad)


def test_a_shipped_template_builds_in_its_own_order(wdb: Database, world: World) -> None:
    db = wdb
    template: Template = shipped_template("healthwatch-insight")
    built = _build(db, world, template=template, narrative={})
    assert [s.kind for s in built.content.sections] == [s.kind for s in template.sections]
    assert built.content.section("reimbursements") is None


def test_a_volunteer_may_not_build_a_return_or_open_its_records(wdb: Database, world: World) -> None:
    db, volunteer = wdb, world.volunteer
    with pytest.raises(PermissionDenied, match="Val Volunteer is a volunteer"):
        build(db, volunteer, partnership_id=world.partnership, period=PERIOD, template=TEMPLATE)
    with pytest.raises(PermissionDenied):
        records_behind(db, volunteer, PERIOD, "engagements:")
    with pytest.raises(PermissionDenied):
        quote_candidates(db, volunteer, PERIOD)
    with pytest.raises(PermissionDenied, match="Stan Staff is a staff"):
        build(db, world.staff, partnership_id=world.partnership, period=PERIOD, template=TEMPLATE)


def test_an_empty_period_builds_with_zeros(wdb: Database, world: World) -> None:
    db, admin = wdb, world.admin
    quiet = parse_period("2024-Q2")
    built = build(db, admin, partnership_id=world.healthwatch, period=quiet, template=TEMPLATE, today=TODAY)
    reach = built.content.section("reach")
    assert isinstance(reach, ReachSection)
    assert (reach.engagements.value, reach.people_reached.value, reach.by_type, reach.by_ward) == (
        0,
        0,
        (),
        (),
    )
    assert reach.people_by_ward.rows == () and reach.people_by_ward.shown == (("0", "0"),)
    assert reach.seldom_heard is not None and reach.seldom_heard.shown[-1] == ("0", "0")
    demographics = built.content.section("demographics")
    assert demographics is not None and demographics.kind == "demographics"
    assert all(t.rows == () and t.shown[-1][-1] == "0" for t in demographics.tables)
    assert (built.content.threshold, built.content.partnership, built.content.hub) == (5, "Healthwatch", "")
    assert built.contributors == {} and built.left_out == ()
    with pytest.raises(UserError, match="That partnership no longer exists"):
        build(db, admin, partnership_id=uuid.uuid4(), period=PERIOD, template=TEMPLATE)


def test_small_counts_the_ranges_would_give_away_are_shown_only_as_stars() -> None:
    """Two "<3" in a row adding up to a "<3" could only be 1 and 1: such a table shows every
    hidden count as "*" and says why."""
    table = return_builder._count_table(
        title="Age",
        row_heading="Age band",
        rows=("18–24", "25–34"),
        columns=("Female", "Male"),
        cells=((1, 1), (5, 5)),
        refs=(),
        threshold=3,
        total_known=False,
    )
    assert not any(cell.startswith("<") for row in table.shown for cell in row)
    assert table.shown[0] == ("*", "*", "*")
    assert table.note.endswith(return_builder.EXPOSED_NOTE)


def _seldom_heard(counts: tuple[int, ...], anyone: int) -> CountTable:
    """A seldom-heard table (threshold 5): a group per count, ``anyone`` printed as the total."""
    return return_builder._count_table(
        title="Seldom heard",
        row_heading="Group",
        rows=tuple(f"Group {n}" for n in range(1, len(counts) + 1)),
        columns=("People",),
        cells=tuple((n,) for n in counts),
        refs=(),
        threshold=5,
        total=anyone,
    )


def test_a_total_printed_instead_of_the_sum_is_hidden_the_same_way_as_its_table() -> None:
    """Four seldom-heard groups of one person each (threshold 5) can only be 1, 1, 1, 1 if the
    sum were "<5": every hidden count reads "*", the people in any group too — a "<5" there
    beside "*" for a group of one would say that "*" is not a small number."""
    for anyone in (3, 4):
        table = _seldom_heard((1, 1, 1, 1, 0), anyone)
        assert table.note.endswith(return_builder.EXPOSED_NOTE)
        assert table.shown == (("*", "*"),) * 4 + (("0", "0"), ("*", "*"))
    # A total other than the sum is only for a one-column table.
    with pytest.raises(ValueError, match="one-column"):
        return_builder._count_table(
            title="Age",
            row_heading="Age band",
            rows=("18–24",),
            columns=("Female", "Male"),
            cells=((1, 1),),
            refs=(),
            threshold=5,
            total=2,
        )


def test_a_total_printed_instead_of_the_sum_reads_as_its_own_count() -> None:
    """Outside an exposed table the people in any group are printed as themselves: "<5" when
    small, the number otherwise, whatever the sum of the rows."""
    assert _seldom_heard((6, 7), 9).shown == (("6", "6"), ("7", "7"), ("9", "9"))
    assert _seldom_heard((2, 0), 2).shown[-1] == ("<5", "<5")
