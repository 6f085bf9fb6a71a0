"""Alembic migrations for the vcsedesk schema (run through vcsedesk.store.migrate)."""
