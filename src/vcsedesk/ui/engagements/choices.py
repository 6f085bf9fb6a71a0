"""What the engagement filters and form offer: types, priorities, themes, wards and users,
read together on the worker."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vcsedesk.store.database import Database


@dataclass(frozen=True)
class Named:
    id: uuid.UUID
    name: str
    #: For themes: 0 top level, 1 a sub-theme, …
    depth: int = 0
    #: For themes: "Primary care › Getting a GP appointment".
    path: str = ""


@dataclass(frozen=True)
class Choices:
    types: list[Named] = field(default_factory=list)
    priorities: list[Named] = field(default_factory=list)
    themes: list[Named] = field(default_factory=list)
    #: Wards with their ids (the log filters by id, the form names the ward).
    wards: list[Named] = field(default_factory=list)
    users: list[Named] = field(default_factory=list)

    def type_name(self, type_id: uuid.UUID | None) -> str:
        return next((t.name for t in self.types if t.id == type_id), "")


def read_choices(db: Database) -> Choices:
    """Everything the filters and the form offer (on the worker)."""
    from vcsedesk.services import engagement_lists, people, themes

    return Choices(
        types=[Named(t.id, t.name) for t in engagement_lists.list_types(db)],
        priorities=[Named(p.id, p.name) for p in engagement_lists.list_priorities(db)],
        themes=[Named(t.id, t.name, t.depth, t.path) for t in themes.list_themes(db)],
        wards=ward_list(db),
        users=[Named(u.id, u.name) for u in people.list_users(db)],
    )


def ward_list(db: Database) -> list[Named]:
    """The organisation's wards with their ids.  (services.contacts.wards gives names only;
    read here until it gives ids too.)"""
    from sqlalchemy import select

    from vcsedesk.store.models import Ward

    with db.read() as session:
        rows = session.execute(select(Ward.id, Ward.name).where(Ward.deleted_at.is_(None))).all()
    return sorted((Named(r.id, r.name) for r in rows), key=lambda w: w.name.casefold())
