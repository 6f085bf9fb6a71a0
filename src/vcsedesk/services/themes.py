"""Themes: the organisation's hierarchical taxonomy of what people talk about.

A theme is never deleted while anything uses it.  Retiring one stops it being offered for
new records; merging one into another points it at the other (``merged_into_id``), and every
record tagged with it counts under the theme it was merged into.  :func:`canonical_ids` is
that resolution, used by every count by theme (the dashboard, returns).

The links (``engagement_themes``, ``quote_themes``) are never rewritten by a merge: history
stays exactly as it was recorded, and undoing a merge puts the old counts back.

The tree may be any depth (the seeded taxonomy has two levels); a theme can never end up
inside itself.  Sibling names are unique, ignoring case, among themes that are not merged
(a retired theme keeps its name, so it can be reinstated rather than typed again).

Counting (:func:`count_by_theme`, :func:`count_quotes_by_theme`) is one SQL statement that
maps each link's theme to the theme it counts under with a ``CASE`` built from the (small)
taxonomy and counts distinct engagements or quotes per result, so an engagement tagged with
two themes that were merged together counts once, and nothing is loaded row by row.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Uuid,
    case,
    distinct,
    func,
    literal,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from vcsedesk.domain.errors import NotFoundError, UserError, ValidationError
from vcsedesk.domain.validation import Problems, clean_text
from vcsedesk.services.base import Actor, Changes, Permission, UnitOfWork, require, unit_of_work
from vcsedesk.store.database import Database
from vcsedesk.store.models import Engagement, EngagementTheme, Quote, QuoteTheme, Theme
from vcsedesk.store.search import fold

#: Between the names of a theme's ancestors in its path ("Primary care › Pharmacy").
SEPARATOR = " › "
MAX_NAME = 120


def canonical_ids(session: Session) -> dict[uuid.UUID, uuid.UUID]:
    """Every theme's id mapped to the id of the theme it counts under today: itself, or the
    end of its chain of merges.  (The taxonomy is small: read whole.)"""
    merged: dict[uuid.UUID, uuid.UUID | None] = dict(
        session.execute(select(Theme.id, Theme.merged_into_id)).all()
    )
    resolved: dict[uuid.UUID, uuid.UUID] = {}
    for theme_id in merged:
        seen = [theme_id]
        target = merged[theme_id]
        while target is not None and target not in seen:
            seen.append(target)
            target = merged.get(target)
        end = seen[-1]
        for step in seen:
            resolved[step] = end
    return resolved


@dataclass(frozen=True)
class ThemeInfo:
    """One theme as lists and pickers show it."""

    id: uuid.UUID
    version: int
    name: str
    parent_id: uuid.UUID | None
    #: None for a top-level theme.
    parent_name: str | None
    #: The names from the top down, e.g. "Primary care › Getting a GP appointment".
    path: str
    #: Not offered for new records: retired, or merged into another theme.
    retired: bool
    merged_into_id: uuid.UUID | None
    #: The path of the theme it counts under now (the end of its chain of merges), or None.
    merged_into_path: str | None
    #: 0 for a top-level theme, 1 for its sub-themes, …
    depth: int = 0


@dataclass(frozen=True)
class _Node:
    id: uuid.UUID
    version: int
    name: str
    parent_id: uuid.UUID | None
    merged_into_id: uuid.UUID | None
    retired: bool
    deleted: bool

    @property
    def merged(self) -> bool:
        return self.merged_into_id is not None

    @property
    def offered(self) -> bool:
        """Live: offered for new records."""
        return not (self.deleted or self.merged or self.retired)


class _Taxonomy:
    """The whole theme table in memory (it is small), with the tree walks the rules need."""

    def __init__(self, nodes: Iterable[_Node]) -> None:
        self.nodes = {n.id: n for n in nodes}
        self.children: dict[uuid.UUID | None, list[_Node]] = {}
        for node in self.nodes.values():
            self.children.setdefault(node.parent_id, []).append(node)

    @classmethod
    def load(cls, session: Session) -> _Taxonomy:
        rows = session.execute(
            select(
                Theme.id,
                Theme.version,
                Theme.name,
                Theme.parent_id,
                Theme.merged_into_id,
                Theme.retired,
                Theme.deleted_at.is_not(None),
            )
        )
        return cls(_Node(*row) for row in rows)

    def ancestors(self, theme_id: uuid.UUID) -> list[_Node]:
        """Parent, grandparent, … (nearest first); stops at a loop rather than spinning."""
        out: list[_Node] = []
        seen = {theme_id}
        parent = self.nodes[theme_id].parent_id if theme_id in self.nodes else None
        while parent is not None and parent not in seen and parent in self.nodes:
            seen.add(parent)
            out.append(self.nodes[parent])
            parent = self.nodes[parent].parent_id
        return out

    def path(self, theme_id: uuid.UUID) -> str:
        names = [a.name for a in reversed(self.ancestors(theme_id))]
        return SEPARATOR.join([*names, self.nodes[theme_id].name])

    def descendants(self, theme_id: uuid.UUID) -> set[uuid.UUID]:
        out: set[uuid.UUID] = set()
        todo = [theme_id]
        while todo:
            for child in self.children.get(todo.pop(), []):
                if child.id not in out and child.id != theme_id:
                    out.add(child.id)
                    todo.append(child.id)
        return out

    def kept_children(self, theme_id: uuid.UUID | None) -> list[_Node]:
        """Children that hold their name (neither merged nor archived)."""
        return [c for c in self.children.get(theme_id, []) if not c.deleted and not c.merged]

    def canonical(self, theme_id: uuid.UUID) -> uuid.UUID:
        seen = [theme_id]
        target = self.nodes[theme_id].merged_into_id
        while target is not None and target not in seen and target in self.nodes:
            seen.append(target)
            target = self.nodes[target].merged_into_id
        return seen[-1]

    def where(self, parent_id: uuid.UUID | None) -> str:
        return "at the top level" if parent_id is None else f"under “{self.path(parent_id)}”"

    def info(self, theme_id: uuid.UUID) -> ThemeInfo:
        node = self.nodes[theme_id]
        parent = self.nodes.get(node.parent_id) if node.parent_id is not None else None
        end = self.canonical(theme_id) if node.merged else None
        return ThemeInfo(
            id=node.id,
            version=node.version,
            name=node.name,
            parent_id=node.parent_id,
            parent_name=parent.name if parent else None,
            path=self.path(theme_id),
            retired=node.retired or node.merged,
            merged_into_id=node.merged_into_id,
            merged_into_path=self.path(end) if end is not None else None,
            depth=len(self.ancestors(theme_id)),
        )

    def tree_order(self) -> list[uuid.UUID]:
        """Non-archived themes, each parent followed by its children, alphabetically."""
        live = {i for i, n in self.nodes.items() if not n.deleted}

        def key(node: _Node) -> tuple[str, str, str]:
            return (fold(node.name), node.name, str(node.id))

        roots = sorted((self.nodes[i] for i in live if self.nodes[i].parent_id not in live), key=key)
        out: list[uuid.UUID] = []
        seen: set[uuid.UUID] = set()
        stack = list(reversed(roots))
        while stack:
            node = stack.pop()
            if node.id in seen:
                continue
            seen.add(node.id)
            out.append(node.id)
            kids = [c for c in self.children.get(node.id, []) if c.id in live]
            stack.extend(sorted(kids, key=key, reverse=True))
        return out


# -- reading -------------------------------------------------------------------------------------
def list_themes(db: Database, *, include_retired: bool = False) -> list[ThemeInfo]:
    """The taxonomy as a tree (parents, each followed by its children, alphabetically).

    Retired and merged themes are left out unless ``include_retired``.
    """
    with db.read() as session:
        tax = _Taxonomy.load(session)
    return [tax.info(i) for i in tax.tree_order() if include_retired or tax.nodes[i].offered]


def get_theme(db: Database, theme_id: uuid.UUID) -> ThemeInfo:
    """One theme, retired, merged or not (an archived one is not found)."""
    with db.read() as session:
        tax = _Taxonomy.load(session)
    node = tax.nodes.get(theme_id)
    if node is None or node.deleted:
        raise NotFoundError("That theme no longer exists.")
    return tax.info(theme_id)


# -- changing ------------------------------------------------------------------------------------
def _clean_name(name: str) -> str:
    problems = Problems("The theme")
    cleaned = problems.check(
        "name", lambda: clean_text(name, label="Name", max_length=MAX_NAME, required=True)
    )
    problems.raise_if_any()
    assert cleaned is not None
    return cleaned


def _clash(tax: _Taxonomy, parent_id: uuid.UUID | None, name: str, exclude: uuid.UUID | None) -> _Node | None:
    key = name.casefold()
    for sibling in tax.kept_children(parent_id):
        if sibling.id != exclude and sibling.name.casefold() == key:
            return sibling
    return None


def _refuse_clash(
    tax: _Taxonomy, parent_id: uuid.UUID | None, name: str, exclude: uuid.UUID | None, field: str
) -> None:
    other = _clash(tax, parent_id, name, exclude)
    if other is None:
        return
    if other.retired:
        message = (
            f"There is already a retired theme called “{other.name}” {tax.where(parent_id)}; "
            "reinstate it instead, or choose another name."
        )
    elif field == "parent":
        message = (
            f"There is already a theme called “{other.name}” {tax.where(parent_id)}; "
            "rename one of them first, or merge them."
        )
    else:
        message = (
            f"There is already a theme called “{other.name}” {tax.where(parent_id)}; choose another name."
        )
    raise ValidationError({field: message}, record="The theme")


def _check_parent(tax: _Taxonomy, parent_id: uuid.UUID | None) -> None:
    """A parent must be a live theme: not archived, merged or retired."""
    if parent_id is None:
        return
    parent = tax.nodes.get(parent_id)
    if parent is None or parent.deleted:
        message = "That parent theme no longer exists; choose another."
    elif parent.merged:
        end = tax.canonical(parent_id)
        message = f"“{tax.path(parent_id)}” was merged into “{tax.path(end)}”; choose that instead."
    elif parent.retired:
        message = f"“{tax.path(parent_id)}” is retired; reinstate it first, or choose another parent."
    else:
        return
    raise ValidationError({"parent": message}, record="The theme")


def _theme(uow: UnitOfWork, theme_id: uuid.UUID) -> tuple[Theme, _Taxonomy]:
    theme = uow.get(Theme, theme_id)
    return theme, _Taxonomy.load(uow.session)


def add_theme(db: Database, actor: Actor, name: str, parent_id: uuid.UUID | None = None) -> Changes:
    """Add a theme at the top level or under ``parent_id`` (a live theme)."""
    require(actor, Permission.MANAGE_LISTS)
    clean = _clean_name(name)
    with unit_of_work(db, actor, f"Added theme “{clean}”") as uow:
        if parent_id is not None:
            uow.get(Theme, parent_id)  # locks it; not found if archived
        tax = _Taxonomy.load(uow.session)
        _check_parent(tax, parent_id)
        _refuse_clash(tax, parent_id, clean, None, "name")
        if parent_id is not None:
            uow.summary = uow.changes.summary = f"Added theme “{tax.path(parent_id)}{SEPARATOR}{clean}”"
        uow.add(Theme(name=clean, parent_id=parent_id, retired=False))
    return uow.changes


def rename_theme(
    db: Database, actor: Actor, theme_id: uuid.UUID, expected_version: int, name: str
) -> Changes:
    """Rename a theme; everything tagged with it shows the new name."""
    require(actor, Permission.MANAGE_LISTS)
    clean = _clean_name(name)
    with unit_of_work(db, actor, "Renamed a theme") as uow:
        theme, tax = _theme(uow, theme_id)
        uow.check_version(theme, expected_version)
        _refuse_clash(tax, theme.parent_id, clean, theme.id, "name")
        uow.summary = uow.changes.summary = f"Renamed theme “{tax.path(theme.id)}” to “{clean}”"
        uow.update(theme, {"name": clean}, expected_version)
    return uow.changes


def move_theme(
    db: Database, actor: Actor, theme_id: uuid.UUID, expected_version: int, parent_id: uuid.UUID | None
) -> Changes:
    """Put a theme (with its sub-themes) under another theme, or at the top level (None)."""
    require(actor, Permission.MANAGE_LISTS)
    with unit_of_work(db, actor, "Moved a theme") as uow:
        theme, tax = _theme(uow, theme_id)
        uow.check_version(theme, expected_version)
        if theme.merged_into_id is not None:
            end = tax.canonical(theme.id)
            raise UserError(
                f"“{tax.path(theme.id)}” was merged into “{tax.path(end)}”, so it has no place of its own "
                "to move."
            )
        if parent_id is not None and (parent_id == theme.id or parent_id in tax.descendants(theme.id)):
            inner = tax.path(parent_id) if parent_id in tax.nodes else "it"
            raise ValidationError(
                {
                    "parent": f"“{tax.path(theme.id)}” cannot go under “{inner}”, which is inside it: "
                    "a theme cannot be its own sub-theme."
                },
                record="The theme",
            )
        if parent_id is not None:
            uow.get(Theme, parent_id)
        _check_parent(tax, parent_id)
        _refuse_clash(tax, parent_id, theme.name, theme.id, "parent")
        destination = "the top level" if parent_id is None else f"“{tax.path(parent_id)}”"
        uow.summary = uow.changes.summary = f"Moved theme “{tax.path(theme.id)}” to {destination}"
        uow.update(theme, {"parent_id": parent_id}, expected_version)
    return uow.changes


def retire_theme(db: Database, actor: Actor, theme_id: uuid.UUID, expected_version: int) -> Changes:
    """Stop offering a theme for new records.  What was tagged with it keeps it and still counts."""
    require(actor, Permission.MANAGE_LISTS)
    with unit_of_work(db, actor, "Retired a theme") as uow:
        theme, tax = _theme(uow, theme_id)
        uow.check_version(theme, expected_version)
        live = [c.name for c in tax.kept_children(theme.id) if not c.retired]
        if live and not theme.retired:
            names = ", ".join(f"“{n}”" for n in sorted(live, key=str.casefold))
            raise UserError(
                f"“{tax.path(theme.id)}” still has sub-themes in use ({names}); "
                "retire, move or merge them first."
            )
        uow.summary = uow.changes.summary = f"Retired theme “{tax.path(theme.id)}”"
        uow.update(theme, {"retired": True}, expected_version)
    return uow.changes


def reinstate_theme(db: Database, actor: Actor, theme_id: uuid.UUID, expected_version: int) -> Changes:
    """Offer a retired theme again.  A merged theme is un-merged: what was tagged with it
    counts under it again (its sub-themes stay where the merge moved them)."""
    require(actor, Permission.MANAGE_LISTS)
    with unit_of_work(db, actor, "Reinstated a theme") as uow:
        theme, tax = _theme(uow, theme_id)
        uow.check_version(theme, expected_version)
        parent = tax.nodes.get(theme.parent_id) if theme.parent_id is not None else None
        if parent is not None and not parent.offered and not parent.deleted:
            raise UserError(
                f"“{theme.name}” is under “{tax.path(parent.id)}”, which is "
                f"{'merged' if parent.merged else 'retired'}; reinstate that first, or move it."
            )
        parent_id = parent.id if parent is not None and not parent.deleted else None
        other = _clash(tax, theme.parent_id, theme.name, theme.id)
        if other is not None:
            raise UserError(
                f"There is already a theme called “{other.name}” {tax.where(parent_id)}; "
                "rename one of them first."
            )
        uow.summary = uow.changes.summary = f"Reinstated theme “{tax.path(theme.id)}”"
        uow.update(theme, {"retired": False, "merged_into_id": None}, expected_version)
    return uow.changes


def merge_themes(
    db: Database, actor: Actor, source_id: uuid.UUID, expected_version: int, target_id: uuid.UUID
) -> Changes:
    """Merge ``source`` into ``target``: from now on everything tagged with the source counts
    under the target.  The source is retired and its sub-themes move under the target.

    The records tagged with the source are not touched, so the merge is undone exactly.
    """
    require(actor, Permission.MANAGE_LISTS)
    with unit_of_work(db, actor, "Merged themes") as uow:
        source = uow.get(Theme, source_id)
        target = uow.get(Theme, target_id)
        uow.check_version(source, expected_version)
        tax = _Taxonomy.load(uow.session)
        s, t = tax.path(source.id), tax.path(target.id)
        if source.id == target.id:
            raise UserError(f"“{s}” cannot be merged into itself; choose another theme.")
        if source.merged_into_id is not None:
            raise UserError(f"“{s}” has already been merged into “{tax.path(tax.canonical(source.id))}”.")
        if target.merged_into_id is not None:
            end = tax.path(tax.canonical(target.id))
            raise UserError(f"“{t}” was merged into “{end}”; merge “{s}” into “{end}” instead.")
        if target.retired:
            raise UserError(f"“{t}” is retired; reinstate it first, or choose another theme.")
        if target.id in tax.descendants(source.id):
            raise UserError(
                f"“{t}” is inside “{s}”, so “{s}” cannot be merged into it. "
                f"Move “{t}” out first, or merge “{t}” into “{s}” instead."
            )
        names = {c.name.casefold(): c.name for c in tax.kept_children(target.id)}
        clashes = sorted(
            (c.name for c in tax.kept_children(source.id) if c.name.casefold() in names), key=str.casefold
        )
        if clashes:
            both = ", ".join(f"“{n}”" for n in clashes)
            raise UserError(
                f"“{s}” and “{t}” both have a sub-theme called {both}; merge those first, then these."
            )
        uow.summary = uow.changes.summary = f"Merged theme “{s}” into “{t}”"
        uow.update(source, {"merged_into_id": target.id, "retired": True}, expected_version)
        moving = [c for c in tax.children.get(source.id, []) if not c.deleted]
        for node in sorted(moving, key=lambda n: n.name.casefold()):
            child = uow.get(Theme, node.id)
            uow.update(
                child,
                {"parent_id": target.id},
                None,
                summary=f"Moved theme “{child.name}” from “{s}” to “{t}” (merged)",
            )
    return uow.changes


# -- counting ------------------------------------------------------------------------------------
def counts_under(session: Session, *, include_children: bool = False) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Every theme's id mapped to the themes a record tagged with it counts under: first the
    end of its chain of merges, then (``include_children``) that theme's ancestors."""
    tax = _Taxonomy.load(session)
    out: dict[uuid.UUID, list[uuid.UUID]] = {}
    for theme_id in tax.nodes:
        chain = [tax.canonical(theme_id)]
        if include_children:
            for ancestor in tax.ancestors(chain[0]):
                end = tax.canonical(ancestor.id)
                if end in chain:
                    break
                chain.append(end)
        out[theme_id] = chain
    return out


def counted_under(session: Session, theme_id: uuid.UUID, *, include_children: bool = False) -> set[uuid.UUID]:
    """The ids of every theme whose records count under ``theme_id`` (itself, themes merged
    into it and, with ``include_children``, its sub-themes and theirs): for opening the
    records behind a count with ``EngagementTheme.theme_id.in_(…)``."""
    return {
        t
        for t, chain in counts_under(session, include_children=include_children).items()
        if theme_id in chain
    }


def _counting_query(
    session: Session,
    item: InstrumentedAttribute[uuid.UUID],
    theme: InstrumentedAttribute[uuid.UUID],
    base: Select[Any],
    include_children: bool,
) -> Select[uuid.UUID, int]:
    """``SELECT counted theme, COUNT(DISTINCT item)`` over ``base`` (which selects the links).

    Without roll-up each link's theme is mapped to the end of its merges in place.  With it,
    the period's links are read once (a CTE, materialised because it is used more than once)
    and each level of ancestors is a ``UNION ALL`` branch over them, so every engagement is
    counted once under each theme above its own.
    """
    chains = counts_under(session, include_children=include_children)
    merged = {t: chain[0] for t, chain in chains.items() if chain[0] != t}
    depth = max((len(c) for c in chains.values()), default=1)
    if depth == 1:
        counted = _mapped(theme, merged, else_self=True)
        inner = base.add_columns(item.label("item"), counted.label("theme")).subquery()
    else:
        links = base.add_columns(item.label("item"), theme.label("theme_id")).cte("links")
        parts = [select(links.c.item, _mapped(links.c.theme_id, merged, else_self=True).label("theme"))]
        for level in range(1, depth):
            above = {t: chain[level] for t, chain in chains.items() if len(chain) > level}
            parts.append(
                select(links.c.item, _mapped(links.c.theme_id, above, else_self=False).label("theme")).where(
                    links.c.theme_id.in_(list(above))
                )
            )
        inner = union_all(*parts).subquery()
    return select(inner.c.theme, func.count(distinct(inner.c.item))).group_by(inner.c.theme)


def _mapped(
    column: ColumnElement[uuid.UUID] | InstrumentedAttribute[uuid.UUID],
    mapping: Mapping[uuid.UUID, uuid.UUID],
    *,
    else_self: bool,
) -> ColumnElement[uuid.UUID]:
    if not mapping:
        return type_coerce(column, Uuid())
    whens = [(column == literal(k, Uuid()), literal(v, Uuid())) for k, v in mapping.items()]
    return type_coerce(case(*whens, else_=column if else_self else None), Uuid())


def _run(session: Session, query: Select[uuid.UUID, int]) -> dict[uuid.UUID, int]:
    return {theme_id: int(n) for theme_id, n in session.execute(query)}


def engagement_counts(
    session: Session, start: date, end: date, *, include_children: bool = False
) -> dict[uuid.UUID, int]:
    """:func:`count_by_theme` inside a session the caller already has."""
    base = (
        select()
        .select_from(EngagementTheme)
        .join(Engagement, Engagement.id == EngagementTheme.engagement_id)
        .where(
            EngagementTheme.deleted_at.is_(None),
            Engagement.deleted_at.is_(None),
            Engagement.on_date >= start,
            Engagement.on_date <= end,
        )
    )
    query = _counting_query(
        session, EngagementTheme.engagement_id, EngagementTheme.theme_id, base, include_children
    )
    return _run(session, query)


def quote_counts(
    session: Session, start: date, end: date, *, include_children: bool = False
) -> dict[uuid.UUID, int]:
    """:func:`count_quotes_by_theme` inside a session the caller already has."""
    base = (
        select()
        .select_from(QuoteTheme)
        .join(Quote, Quote.id == QuoteTheme.quote_id)
        .join(Engagement, Engagement.id == Quote.engagement_id)
        .where(
            QuoteTheme.deleted_at.is_(None),
            Quote.deleted_at.is_(None),
            Engagement.deleted_at.is_(None),
            Engagement.on_date >= start,
            Engagement.on_date <= end,
        )
    )
    return _run(
        session, _counting_query(session, QuoteTheme.quote_id, QuoteTheme.theme_id, base, include_children)
    )


def count_by_theme(
    db: Database, start: date, end: date, *, include_children: bool = False
) -> dict[uuid.UUID, int]:
    """How many live engagements dated ``start`` to ``end`` (inclusive) mention each theme.

    Keys are the themes counted under (never a merged theme): an engagement tagged with two
    themes merged together counts once.  With ``include_children`` a theme's count also
    takes in the engagements tagged with its sub-themes (each engagement once).  Themes
    nothing mentions are absent.
    """
    with db.read() as session:
        return engagement_counts(session, start, end, include_children=include_children)


def count_quotes_by_theme(
    db: Database, start: date, end: date, *, include_children: bool = False
) -> dict[uuid.UUID, int]:
    """How many live quotes, from live engagements dated ``start`` to ``end``, have each theme
    (counted as :func:`count_by_theme` counts engagements)."""
    with db.read() as session:
        return quote_counts(session, start, end, include_children=include_children)
