"""Persistence: schema, engine and sessions, migrations, backup and the data-folder lock."""
