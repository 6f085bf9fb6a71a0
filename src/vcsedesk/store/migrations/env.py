"""Alembic environment: always run with a connection handed in by vcsedesk.store.migrate."""

from __future__ import annotations

from alembic import context

from vcsedesk.store.migrate import modelled
from vcsedesk.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when someone runs bare `alembic`
    raise SystemExit("Run migrations with `vcsedesk migrate`, not the alembic command.")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    # Autogenerate leaves alone what the migrations make by hand (search index, list indexes).
    include_name=modelled,
)
with context.begin_transaction():
    context.run_migrations()
