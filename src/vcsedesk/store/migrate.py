"""Schema versions: inspect a database, bring it up to date, refuse what is not ours.

At start-up :func:`prepare` looks at the database and:

* a new, empty database is created at the latest schema and marked as ours;
* a database whose schema is behind is first copied (SQLite backup API) and then upgraded;
* a database from a newer vcsedesk is refused — it would be unsafe to write to;
* a file that is not a vcsedesk database is named as such and left alone.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from vcsedesk.domain.errors import NewerDatabase, NotAVcsedeskDatabase
from vcsedesk.store import backup
from vcsedesk.store.database import Database, translate_error
from vcsedesk.store.fileformat import APPLICATION_ID, SCHEMA_HEAD
from vcsedesk.store.models import Base

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

# Alembic (and the Mako templates it loads) is imported only when a migration must run or
# the revision history must be read: opening an up-to-date database does not need it.
PACKAGED_MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATIONS = PACKAGED_MIGRATIONS


class SchemaState(enum.Enum):
    EMPTY = "empty"
    CURRENT = "current"
    BEHIND = "behind"
    NEWER = "newer"
    FOREIGN = "foreign"


@dataclass(frozen=True)
class SchemaStatus:
    state: SchemaState
    revision: str | None
    head: str

    def describe(self) -> str:
        return {
            SchemaState.EMPTY: "The database is empty.",
            SchemaState.CURRENT: "The database is up to date.",
            SchemaState.BEHIND: f"The database is at schema {self.revision}; this version of vcsedesk uses {self.head}.",
            SchemaState.NEWER: f"The database was written by a newer vcsedesk (schema {self.revision}).",
            SchemaState.FOREIGN: "The database was not made by vcsedesk.",
        }[self.state]


def alembic_config(connection: Any = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest revision: SCHEMA_HEAD for the packaged migrations (a test keeps the two in
    step), else read from the migrations folder in use."""
    if MIGRATIONS == PACKAGED_MIGRATIONS:
        return SCHEMA_HEAD
    return scripted_head()


def scripted_head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def status(db: Database) -> SchemaStatus:
    head = head_revision()
    try:
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            revision = (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                if "alembic_version" in tables
                else None
            )
        app_id = db.application_id()
    except DBAPIError as exc:  # e.g. "file is not a database": say so, in words
        raise translate_error(exc, db.display_name) from exc
    if db.is_sqlite and app_id not in (0, APPLICATION_ID):
        return SchemaStatus(SchemaState.FOREIGN, revision, head)
    if revision is None:
        if tables - {"alembic_version"}:
            return SchemaStatus(SchemaState.FOREIGN, None, head)
        return SchemaStatus(SchemaState.EMPTY, None, head)
    if revision == head:
        return SchemaStatus(SchemaState.CURRENT, revision, head)
    if revision not in known_revisions():
        return SchemaStatus(SchemaState.NEWER, revision, head)
    return SchemaStatus(SchemaState.BEHIND, revision, head)


def upgrade(db: Database, target: str = "head") -> None:
    from alembic import command

    with db.writer.begin() as conn:
        command.upgrade(alembic_config(conn), target)
    db.set_application_id()


def prepare(db: Database, *, backup_folder: Path | None) -> SchemaStatus:
    """Bring ``db`` to the current schema, backing it up first if it must change.

    Returns the status found before any change.  Raises NotAVcsedeskDatabase or
    NewerDatabase with a message for a person.
    """
    found = status(db)
    where = db.display_name
    if found.state is SchemaState.FOREIGN:
        raise NotAVcsedeskDatabase(f"{where} is not a vcsedesk data file, so it was left untouched.")
    if found.state is SchemaState.NEWER:
        raise NewerDatabase(
            f"{where} was last used by a newer version of vcsedesk (schema {found.revision}). "
            "This version cannot open it safely."
        )
    db.use_wal()
    if found.state is SchemaState.BEHIND:
        if db.path is not None and backup_folder is not None:
            backup.take_backup(db.path, backup_folder, f"before-migration-{found.revision}")
        log.info("Upgrading %s from %s to %s", where, found.revision, found.head)
        upgrade(db)
    elif found.state is SchemaState.EMPTY:
        log.info("Creating a new vcsedesk database at %s", where)
        upgrade(db)
    return found


#: Schema objects made by hand in migrations, outside the models: the SQLite full-text
#: index (and FTS5's shadow tables), PostgreSQL's expression index over the same text, and
#: the contacts list's per-dialect order indexes (0003; SQLAlchemy cannot reflect SQLite's).
UNMODELLED = (
    "search_fts",
    "ix_search_documents_tsv",
    "ix_contacts_list_",
    "ix_engagements_list_",
    "ix_engagement_themes_live",
)


def modelled(name: str | None, type_: str, parent_names: Any) -> bool:
    """False for the schema objects made by hand in migrations (see :data:`UNMODELLED`)."""
    return not (name or "").startswith(UNMODELLED)


def model_differences(db: Database) -> list[Any]:
    """Differences between the models and the migrated schema (empty when they agree)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": modelled})
        return list(compare_metadata(ctx, Base.metadata))
