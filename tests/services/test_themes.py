"""Themes: the taxonomy is edited with history, and counts survive merges (nothing lost)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from vcsedesk.domain.errors import ConflictError, PermissionDenied, UserError, ValidationError
from vcsedesk.services import engagement_lists, people, setup, themes
from vcsedesk.services.base import Actor, undo_last, unit_of_work
from vcsedesk.services.themes import ThemeInfo
from vcsedesk.store import migrate
from vcsedesk.store.database import Database, sqlite_url
from vcsedesk.store.location import DataFolder
from vcsedesk.store.models import Engagement, EngagementTheme, JournalEntry, Quote, QuoteTheme

JAN = date(2026, 1, 1)
DEC = date(2026, 12, 31)


# -- helpers ---------------------------------------------------------------------------------------
def theme(db: Database, path: str) -> ThemeInfo:
    found = [t for t in themes.list_themes(db, include_retired=True) if t.path == path]
    assert found, f"no theme {path}"
    return found[0]


def added(db: Database, admin: Actor, name: str, parent: str | None = None) -> ThemeInfo:
    parent_id = theme(db, parent).id if parent else None
    (theme_id,) = themes.add_theme(db, admin, name, parent_id).created["themes"]
    return themes.get_theme(db, theme_id)


def engagement(
    db: Database,
    actor: Actor,
    theme_ids: Iterable[uuid.UUID],
    on: date = date(2026, 3, 4),
    *,
    quotes: Sequence[Sequence[uuid.UUID]] = (),
    archived: bool = False,
) -> uuid.UUID:
    """An engagement tagged with ``theme_ids``, with a quote per entry of ``quotes`` (each
    tagged with those themes), written as the engagement service would write it."""
    type_id = engagement_lists.list_types(db)[0].id
    with unit_of_work(db, actor, "Recorded a test engagement") as uow:
        row = uow.add(Engagement(title="Coffee morning", type_id=type_id, on_date=on, summary="Talked"))
        for theme_id in theme_ids:
            uow.add(EngagementTheme(engagement_id=row.id, theme_id=theme_id))
        for quote_themes in quotes:
            quote = uow.add(Quote(engagement_id=row.id, text="It took three weeks to see anyone."))
            for theme_id in quote_themes:
                uow.add(QuoteTheme(quote_id=quote.id, theme_id=theme_id))
        if archived:
            uow.archive(row, None)
        return row.id


def journal(db: Database, table: str = "themes") -> list[JournalEntry]:
    with db.read() as s:
        return list(
            s.scalars(select(JournalEntry).where(JournalEntry.table_name == table).order_by(JournalEntry.seq))
        )


def actor(db: Database, admin: Actor, role: str) -> Actor:
    (uid,) = people.add_user(db, admin, name=f"Pat {role.title()}", role=role).created["users"]
    return people.actor_for(db, uid, admin.device_id)


def _fresh_database(tmp_path: Path) -> tuple[Database, Actor]:
    folder = DataFolder(tmp_path / "property")
    folder.create()
    db = Database(sqlite_url(folder.database))
    migrate.prepare(db, backup_folder=folder.backups)
    admin = setup.first_run(
        db,
        organisation_name="Riverside Community Voices",
        user_name="Sam Patel",
        device_id=folder.device_id(),
    )
    return db, admin


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[tuple[Database, Actor]]:
    """A SQLite database and its administrator, for rules that do not depend on the backend
    (the counting, merging and undo tests run on both, through ``db``)."""
    db, admin = _fresh_database(tmp_path)
    try:
        yield db, admin
    finally:
        db.dispose()


# -- the taxonomy ----------------------------------------------------------------------------------
def test_the_seeded_taxonomy_is_listed_as_a_tree(lite: tuple[Database, Actor]) -> None:
    db, _ = lite
    listed = themes.list_themes(db)
    top = [t for t in listed if t.parent_id is None]
    assert [t.name for t in top] == sorted((t.name for t in top), key=str.casefold)
    assert len(top) == 13 and {"Dentistry", "Cost of living", "Digital exclusion"} <= {t.name for t in top}
    position = {t.id: i for i, t in enumerate(listed)}
    for t in listed:
        if t.parent_id is not None:
            assert position[t.parent_id] < position[t.id]
            # every theme between a parent and this child is also in the parent's subtree
            between = listed[position[t.parent_id] + 1 : position[t.id]]
            assert all(b.parent_id == t.parent_id for b in between)
    gp = theme(db, "Primary care › Getting a GP appointment")
    assert (gp.parent_name, gp.depth, gp.retired, gp.merged_into_path) == ("Primary care", 1, False, None)
    children = [t.name for t in listed if t.parent_id == gp.parent_id]
    assert children == ["Getting a GP appointment", "NHS 111 and urgent care", "Pharmacy"]


def test_adding_a_theme_is_journalled_validated_and_undoable(lite: tuple[Database, Actor]) -> None:
    db, admin = lite
    pensions = added(db, admin, "  Pensions  ", "Cost of living")
    assert pensions.path == "Cost of living › Pensions" and pensions.depth == 1
    (entry,) = journal(db)[-1:]
    assert entry.operation == "insert" and entry.summary == "Added theme “Cost of living › Pensions”"
    assert entry.changes["name"] == [None, "Pensions"]

    cases = {
        "": "Name is required",
        "x" * 121: "at most 120",
        "dentistry": "already a theme called “Dentistry” at the top level",
    }
    for name, message in cases.items():
        with pytest.raises(ValidationError) as caught:
            themes.add_theme(db, admin, name)
        assert set(caught.value.problems) == {"name"} and message in caught.value.problems["name"]
    with pytest.raises(ValidationError, match="already a theme called “Pharmacy” under “Primary care”"):
        themes.add_theme(db, admin, "PHARMACY", theme(db, "Primary care").id)
    # the same name elsewhere in the tree is another theme
    assert added(db, admin, "Pharmacy").path == "Pharmacy"

    undo_last(db, admin)
    assert "Pharmacy" not in {t.path for t in themes.list_themes(db, include_retired=True)}


def test_a_theme_goes_only_under_a_live_parent(lite: tuple[Database, Actor]) -> None:
    db, admin = lite
    dentistry = theme(db, "Dentistry")
    themes.retire_theme(db, admin, dentistry.id, dentistry.version)
    with pytest.raises(ValidationError, match="“Dentistry” is retired; reinstate it first") as caught:
        themes.add_theme(db, admin, "NHS dentists", dentistry.id)
    assert set(caught.value.problems) == {"parent"}
    transport = theme(db, "Transport")
    themes.merge_themes(db, admin, transport.id, transport.version, theme(db, "Social isolation").id)
    with pytest.raises(ValidationError, match="“Transport” was merged into “Social isolation”; choose that"):
        themes.add_theme(db, admin, "Buses", transport.id)
    before = len(journal(db))
    with pytest.raises(UserError, match="no longer exists"):
        themes.add_theme(db, admin, "Buses", uuid.uuid4())
    assert len(journal(db)) == before


def test_only_coordinators_and_administrators_manage_themes(lite: tuple[Database, Actor]) -> None:
    db, admin = lite
    volunteer = actor(db, admin, "volunteer")
    staff = actor(db, admin, "staff")
    coordinator = actor(db, admin, "coordinator")
    dentistry = theme(db, "Dentistry")
    refusals = [
        lambda who: themes.add_theme(db, who, "Pensions"),
        lambda who: themes.rename_theme(db, who, dentistry.id, dentistry.version, "Teeth"),
        lambda who: themes.move_theme(db, who, dentistry.id, dentistry.version, None),
        lambda who: themes.retire_theme(db, who, dentistry.id, dentistry.version),
        lambda who: themes.reinstate_theme(db, who, dentistry.id, dentistry.version),
        lambda who: themes.merge_themes(db, who, dentistry.id, dentistry.version, theme(db, "Housing").id),
    ]
    for call in refusals:
        with pytest.raises(
            PermissionDenied, match="is a volunteer and may not manage themes, engagement types"
        ):
            call(volunteer)
        with pytest.raises(PermissionDenied, match="is a staff and may not manage themes"):
            call(staff)
    assert not [e for e in journal(db) if e.actor_id != admin.user_id]
    themes.add_theme(db, coordinator, "Pensions")
    assert journal(db)[-1].actor_id == coordinator.user_id


def test_rename_keeps_siblings_distinct_and_refuses_a_stale_version(lite: tuple[Database, Actor]) -> None:
    db, admin = lite
    pharmacy = theme(db, "Primary care › Pharmacy")
    themes.rename_theme(db, admin, pharmacy.id, pharmacy.version, "Pharmacies")
    renamed = themes.get_theme(db, pharmacy.id)
    assert renamed.path == "Primary care › Pharmacies" and renamed.version == pharmacy.version + 1
    assert journal(db)[-1].summary == "Renamed theme “Primary care › Pharmacy” to “Pharmacies”"
    assert journal(db)[-1].changes == {"name": ["Pharmacy", "Pharmacies"]}
    with pytest.raises(ConflictError, match="was changed by Sam Patel"):
        themes.rename_theme(db, admin, pharmacy.id, pharmacy.version, "Chemists")
    with pytest.raises(ValidationError, match="already a theme called “Getting a GP appointment”"):
        themes.rename_theme(db, admin, pharmacy.id, renamed.version, "getting a gp appointment")
    themes.rename_theme(db, admin, pharmacy.id, renamed.version, "PHARMACIES")  # its own name, recased
    assert themes.get_theme(db, pharmacy.id).name == "PHARMACIES"


def test_move_refuses_cycles_and_name_clashes_and_allows_any_depth(lite: tuple[Database, Actor]) -> None:
    db, admin = lite
    primary = theme(db, "Primary care")
    gp = theme(db, "Primary care › Getting a GP appointment")
    for inside in (primary.id, gp.id):
        with pytest.raises(ValidationError, match="a theme cannot be its own sub-theme") as caught:
            themes.move_theme(db, admin, primary.id, primary.version, inside)
        assert set(caught.value.problems) == {"parent"}
    namesake = added(db, admin, "Pharmacy", "Cost of living")
    with pytest.raises(
        ValidationError, match="already a theme called “Pharmacy” under “Primary care”; rename"
    ):
        themes.move_theme(db, admin, namesake.id, namesake.version, primary.id)

    themes.move_theme(db, admin, gp.id, gp.version, None)
    assert themes.get_theme(db, gp.id).path == "Getting a GP appointment"
    assert journal(db)[-1].summary == "Moved theme “Primary care › Getting a GP appointment” to the top level"
    themes.move_theme(db, admin, primary.id, primary.version, theme(db, "Hospital care").id)
    deep = theme(db, "Hospital care › Primary care › Pharmacy")
    assert deep.depth == 2 and deep.parent_name == "Primary care"
    listed = [t.path for t in themes.list_themes(db)]
    at = listed.index("Hospital care")
    assert listed[at : at + 5] == [
        "Hospital care",
        "Hospital care › Leaving hospital",
        "Hospital care › Primary care",
        "Hospital care › Primary care › NHS 111 and urgent care",
        "Hospital care › Primary care › Pharmacy",
    ]


def test_retire_and_reinstate(lite: tuple[Database, Actor]) -> None:
    db, admin = lite
    dentistry = theme(db, "Dentistry")
    themes.retire_theme(db, admin, dentistry.id, dentistry.version)
    assert "Dentistry" not in {t.path for t in themes.list_themes(db)}
    retired = theme(db, "Dentistry")
    assert retired.retired and retired.merged_into_id is None
    assert journal(db)[-1].changes == {"retired": [False, True]}
    with pytest.raises(ValidationError, match=r"already a retired theme called “Dentistry”.*reinstate it"):
        themes.add_theme(db, admin, "DENTISTRY")

    housing = theme(db, "Housing")
    with pytest.raises(UserError, match="still has sub-themes in use \\(“Damp and mould”, “Homelessness”\\)"):
        themes.retire_theme(db, admin, housing.id, housing.version)
    for child in ("Housing › Damp and mould", "Housing › Homelessness"):
        found = theme(db, child)
        themes.retire_theme(db, admin, found.id, found.version)
    themes.retire_theme(db, admin, housing.id, housing.version)
    damp = theme(db, "Housing › Damp and mould")
    with pytest.raises(UserError, match="under “Housing”, which is retired; reinstate that first"):
        themes.reinstate_theme(db, admin, damp.id, damp.version)

    themes.reinstate_theme(db, admin, retired.id, retired.version)
    assert not theme(db, "Dentistry").retired
    assert "Dentistry" in {t.path for t in themes.list_themes(db)}


# -- merging ---------------------------------------------------------------------------------------
def test_merge_refuses_what_makes_no_sense(lite: tuple[Database, Actor]) -> None:
    db, admin = lite
    primary = theme(db, "Primary care")
    pharmacy = theme(db, "Primary care › Pharmacy")
    dentistry = theme(db, "Dentistry")
    housing = theme(db, "Housing")
    transport = theme(db, "Transport")
    with pytest.raises(UserError, match="cannot be merged into itself"):
        themes.merge_themes(db, admin, primary.id, primary.version, primary.id)
    with pytest.raises(UserError, match="“Primary care › Pharmacy” is inside “Primary care”, so"):
        themes.merge_themes(db, admin, primary.id, primary.version, pharmacy.id)
    themes.merge_themes(db, admin, transport.id, transport.version, housing.id)
    with pytest.raises(
        UserError, match="“Transport” was merged into “Housing”; merge “Dentistry” into “Housing”"
    ):
        themes.merge_themes(db, admin, dentistry.id, dentistry.version, transport.id)
    transport = theme(db, "Transport")
    with pytest.raises(UserError, match="“Transport” has already been merged into “Housing”"):
        themes.merge_themes(db, admin, transport.id, transport.version, dentistry.id)
    themes.retire_theme(db, admin, dentistry.id, dentistry.version)
    with pytest.raises(UserError, match="“Dentistry” is retired; reinstate it first"):
        themes.merge_themes(db, admin, housing.id, housing.version, dentistry.id)
    twin = added(db, admin, "Primary care (old list)")
    added(db, admin, "pharmacy", "Primary care (old list)")
    with pytest.raises(UserError, match="both have a sub-theme called “pharmacy”; merge those first"):
        themes.merge_themes(db, admin, twin.id, twin.version, primary.id)
    with pytest.raises(ConflictError):
        themes.merge_themes(db, admin, housing.id, housing.version - 1, primary.id)
    assert not theme(db, "Primary care (old list)").retired


def test_merge_moves_sub_themes_and_undo_puts_everything_back(db: Database, admin: Actor) -> None:
    old = added(db, admin, "GP services")
    repeat = added(db, admin, "Repeat prescriptions", "GP services")
    primary = theme(db, "Primary care")
    gp = theme(db, "Primary care › Getting a GP appointment")
    e1 = engagement(db, admin, [old.id])
    engagement(db, admin, [repeat.id, gp.id])
    engagement(db, admin, [old.id, primary.id])
    before = themes.count_by_theme(db, JAN, DEC)
    rolled_before = themes.count_by_theme(db, JAN, DEC, include_children=True)
    assert before[old.id] == 2 and rolled_before[primary.id] == 2

    changes = themes.merge_themes(db, admin, old.id, old.version, primary.id)
    assert changes.updated == {"themes": {old.id, repeat.id}}
    assert changes.summary == "Merged theme “GP services” into “Primary care”"
    merged = theme(db, "GP services")
    assert (
        merged.retired and merged.merged_into_id == primary.id and merged.merged_into_path == "Primary care"
    )
    assert "GP services" not in {t.path for t in themes.list_themes(db)}
    assert theme(db, "Primary care › Repeat prescriptions").id == repeat.id
    entries = [e for e in journal(db) if e.change_set == changes.change_set]
    assert [(e.record_id, e.operation) for e in entries] == [(old.id, "update"), (repeat.id, "update")]
    assert entries[0].summary == "Merged theme “GP services” into “Primary care”"
    assert entries[0].changes["merged_into_id"] == [None, str(primary.id)]
    assert entries[1].changes["parent_id"] == [str(old.id), str(primary.id)]
    after = themes.count_by_theme(db, JAN, DEC)
    assert old.id not in after and after[primary.id] == 2  # e1 and the one tagged with both
    assert themes.count_by_theme(db, JAN, DEC, include_children=True)[primary.id] == 3
    with db.read() as s:
        assert themes.counted_under(s, primary.id) == {primary.id, old.id}
        assert s.scalars(
            select(EngagementTheme.theme_id).where(EngagementTheme.engagement_id == e1)
        ).all() == [old.id]  # the record is exactly as it was tagged

    undo_last(db, admin)
    assert themes.count_by_theme(db, JAN, DEC) == before
    assert themes.count_by_theme(db, JAN, DEC, include_children=True) == rolled_before
    restored = theme(db, "GP services")
    assert not restored.retired and restored.merged_into_id is None
    assert theme(db, "GP services › Repeat prescriptions").id == repeat.id


def test_a_merged_theme_can_be_reinstated_as_itself(lite: tuple[Database, Actor]) -> None:
    db, admin = lite
    transport = theme(db, "Transport")
    isolation = theme(db, "Social isolation")
    engagement(db, admin, [transport.id])
    themes.merge_themes(db, admin, transport.id, transport.version, isolation.id)
    assert themes.count_by_theme(db, JAN, DEC) == {isolation.id: 1}
    merged = theme(db, "Transport")
    newer = added(db, admin, "transport")  # the merged theme's name is free again
    with pytest.raises(UserError, match="already a theme called “transport” at the top level; rename one"):
        themes.reinstate_theme(db, admin, merged.id, merged.version)
    themes.rename_theme(db, admin, newer.id, newer.version, "Buses")
    themes.reinstate_theme(db, admin, merged.id, merged.version)
    assert themes.count_by_theme(db, JAN, DEC) == {transport.id: 1}
    assert not theme(db, "Transport").retired


def test_theme_merge_counts_add_up_and_nothing_is_lost(db: Database, admin: Actor) -> None:
    """The must-show: counts by theme before and after a merge add up; nothing is lost."""
    dentistry = theme(db, "Dentistry")
    dental = added(db, admin, "Dental access")
    transport = theme(db, "Transport")
    a, b, t = dentistry.id, dental.id, transport.id
    tagged = {
        engagement(db, admin, [a], quotes=[[a]]): {a},
        engagement(db, admin, [b], quotes=[[b], [b, t]]): {b},
        engagement(db, admin, [a, b], quotes=[[a, b]]): {a, b},
        engagement(db, admin, [a, t]): {a, t},
        engagement(db, admin, [t], quotes=[[t]]): {t},
    }
    engagement(db, admin, [b], date(2025, 12, 31), quotes=[[b]])  # before the period
    engagement(db, admin, [a, b], archived=True, quotes=[[a]])  # archived: counts nowhere

    before = themes.count_by_theme(db, JAN, DEC)
    quotes_before = themes.count_quotes_by_theme(db, JAN, DEC)
    assert before == {a: 3, b: 2, t: 2}
    assert quotes_before == {a: 2, b: 3, t: 2}

    themes.merge_themes(db, admin, b, dental.version, a)
    after = themes.count_by_theme(db, JAN, DEC)
    quotes_after = themes.count_quotes_by_theme(db, JAN, DEC)

    either = {e for e, ts in tagged.items() if ts & {a, b}}
    assert after[a] == len(either) == 4
    assert b not in after and b not in quotes_after
    assert after[t] == before[t]
    both = sum(1 for ts in tagged.values() if {a, b} <= ts)
    assert sum(after.values()) == sum(before.values()) - both  # one tagged with both now counts once
    assert quotes_after == {a: 4, t: 2}  # the quote tagged with both counts once
    with db.read() as s:  # the records behind the target's count are exactly those with either theme
        behind = set(
            s.scalars(
                select(EngagementTheme.engagement_id)
                .join(Engagement, Engagement.id == EngagementTheme.engagement_id)
                .where(
                    EngagementTheme.theme_id.in_(themes.counted_under(s, a)),
                    Engagement.deleted_at.is_(None),
                    Engagement.on_date >= JAN,
                )
            )
        )
    assert behind == either

    undo_last(db, admin)
    assert themes.count_by_theme(db, JAN, DEC) == before
    assert themes.count_quotes_by_theme(db, JAN, DEC) == quotes_before


def test_counts_leave_out_untagged_links_and_roll_up_sub_themes(db: Database, admin: Actor) -> None:
    primary = theme(db, "Primary care")
    gp = theme(db, "Primary care › Getting a GP appointment")
    pharmacy = theme(db, "Primary care › Pharmacy")
    crisis = theme(db, "Mental health › Crisis support")
    engagement(db, admin, [gp.id, pharmacy.id])
    engagement(db, admin, [primary.id, pharmacy.id])
    engagement(db, admin, [crisis.id])
    untagged = engagement(db, admin, [pharmacy.id])
    with unit_of_work(db, admin, "Took a theme off") as uow:
        link = uow.session.scalars(
            select(EngagementTheme).where(EngagementTheme.engagement_id == untagged)
        ).one()
        uow.archive(link, link.version)
    assert themes.count_by_theme(db, JAN, DEC) == {gp.id: 1, pharmacy.id: 2, primary.id: 1, crisis.id: 1}
    rolled = themes.count_by_theme(db, JAN, DEC, include_children=True)
    mental = theme(db, "Mental health").id
    assert rolled == {gp.id: 1, pharmacy.id: 2, primary.id: 2, crisis.id: 1, mental: 1}
    assert themes.count_by_theme(db, date(2026, 3, 5), DEC) == {}

    # a sub-theme merged into another branch counts there, and rolls up there
    themes.merge_themes(db, admin, crisis.id, crisis.version, pharmacy.id)
    rolled = themes.count_by_theme(db, JAN, DEC, include_children=True)
    assert rolled == {gp.id: 1, pharmacy.id: 3, primary.id: 3}
    with db.read() as s:
        assert themes.counted_under(s, primary.id, include_children=True) == {
            t.id for t in themes.list_themes(db, include_retired=True) if t.path.startswith("Primary care")
        } | {crisis.id}


# -- the property: merging never loses or doubles a count -------------------------------------------
def test_merging_never_loses_or_doubles_an_engagement(tmp_path: Path) -> None:
    db, admin = _fresh_database(tmp_path)
    examples = itertools.count()
    try:

        @settings(max_examples=25, deadline=None)
        @given(
            tags=st.lists(st.sets(st.integers(0, 3), max_size=4), min_size=1, max_size=7),
            merges=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=2),
        )
        def check(tags: list[set[int]], merges: list[tuple[int, int]]) -> None:
            n = next(examples)
            day = date(2000, 1, 1) + timedelta(days=n)  # each example counts its own day
            ids = [added(db, admin, f"Theme {n}.{i}").id for i in range(4)]
            engagements = {engagement(db, admin, [ids[i] for i in chosen], day): chosen for chosen in tags}
            before = themes.count_by_theme(db, day, day)
            assert before == {
                ids[i]: sum(1 for c in tags if i in c) for i in range(4) if any(i in c for c in tags)
            }

            canonical = list(range(4))
            for source, target in merges:
                s, t = canonical[source], canonical[target]
                if s == t:
                    continue
                version = themes.get_theme(db, ids[s]).version
                themes.merge_themes(db, admin, ids[s], version, ids[t])
                canonical = [t if c == s else c for c in canonical]
                after = themes.count_by_theme(db, day, day)
                expected: dict[uuid.UUID, int] = {}
                for chosen in engagements.values():
                    for key in {canonical[i] for i in chosen}:
                        expected[ids[key]] = expected.get(ids[key], 0) + 1
                assert after == expected
                assert ids[s] not in after
                # nothing lost: every tagged engagement is counted under at least one theme,
                # and no engagement counts twice under one theme
                assert sum(after.values()) >= sum(1 for c in tags if c)
                assert all(v <= len(tags) for v in after.values())
                undo_last(db, admin)
                assert themes.count_by_theme(db, day, day) == before
                themes.merge_themes(db, admin, ids[s], version + 2, ids[t])  # undo bumped it twice
                before = after

        check()
    finally:
        db.dispose()
