"""Indexes for the orders of the contacts list (name, postcode, ward, last changed)

Each covers live contacts only and ends with the id, so a page deep in a sorted list of
100,000 contacts is read from an index instead of sorting every row (services/contact_list.py
orders by exactly these expressions).  Names sort without regard to letter case: SQLite
through the NOCASE collation, PostgreSQL through lower().  Like the search index, these are
written here and not in the models (SQLAlchemy cannot reflect SQLite expression indexes), and
store/migrate.py leaves names starting ``ix_contacts_list_`` out of the model comparison.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SQLITE = {
    "ix_contacts_list_name": "name COLLATE NOCASE, id",
    "ix_contacts_list_postcode": "postcode, name COLLATE NOCASE, id",
    "ix_contacts_list_ward": "ward_id, name COLLATE NOCASE, id",
    "ix_contacts_list_updated": "updated_at, id",
}
POSTGRESQL = {
    "ix_contacts_list_name": "lower(name), id",
    "ix_contacts_list_postcode": "postcode NULLS FIRST, lower(name), id",
    "ix_contacts_list_ward": "ward_id, lower(name), id",
    "ix_contacts_list_updated": "updated_at, id",
}


def upgrade() -> None:
    indexes = SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL
    for name, columns in indexes.items():
        op.execute(f"CREATE INDEX {name} ON contacts ({columns}) WHERE deleted_at IS NULL")


def downgrade() -> None:
    for name in SQLITE:
        op.execute(f"DROP INDEX {name}")
