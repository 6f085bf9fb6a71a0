"""Engagement: engagements, their participants, head-counts, themes and quotes; the theme
taxonomy; meetings with agenda items and attendees; actions; attached files; and the default
engagement types and themes

The defaults are rows with fixed ids (UUID 5 of their names), so every copy of an
organisation's data made from this schema names "Dentistry" with the same id and copies can
later be merged without doubling them.  They are ordinary records: an organisation renames,
merges or retires them like any it added.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 07:18:15.112429
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import vcsedesk.store.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "engagement_types",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_types")),
        sa.UniqueConstraint("name", name=op.f("uq_engagement_types_name")),
    )
    op.create_table(
        "file_contents",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_file_contents")),
    )
    op.create_table(
        "priorities",
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_priorities")),
        sa.UniqueConstraint("name", name=op.f("uq_priorities_name")),
    )
    op.create_table(
        "themes",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("merged_into_id", sa.Uuid(), nullable=True),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["themes.id"], name=op.f("fk_themes_merged_into_id_themes")
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["themes.id"], name=op.f("fk_themes_parent_id_themes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_themes")),
    )
    with op.batch_alter_table("themes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_themes_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "attachments",
        sa.Column("owner_table", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["sha256"], ["file_contents.sha256"], name=op.f("fk_attachments_sha256_file_contents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index("ix_attachments_owner", ["owner_table", "owner_id"], unique=False)

    op.create_table(
        "engagements",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("type_id", sa.Uuid(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("venue", sa.String(length=200), nullable=True),
        sa.Column("ward_id", sa.Uuid(), nullable=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("priority_id", sa.Uuid(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("anonymous_count", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["priority_id"], ["priorities.id"], name=op.f("fk_engagements_priority_id_priorities")
        ),
        sa.ForeignKeyConstraint(
            ["type_id"], ["engagement_types.id"], name=op.f("fk_engagements_type_id_engagement_types")
        ),
        sa.ForeignKeyConstraint(["ward_id"], ["wards.id"], name=op.f("fk_engagements_ward_id_wards")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagements")),
    )
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_engagements_on_date"), ["on_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_engagements_type_id"), ["type_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_engagements_ward_id"), ["ward_id"], unique=False)

    op.create_table(
        "engagement_facilitators",
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_engagement_facilitators_engagement_id_engagements"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_engagement_facilitators_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_facilitators")),
    )
    with op.batch_alter_table("engagement_facilitators", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_engagement_facilitators_engagement_id"), ["engagement_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_engagement_facilitators_user_id"), ["user_id"], unique=False)

    op.create_table(
        "engagement_participants",
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_engagement_participants_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_engagement_participants_engagement_id_engagements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_participants")),
    )
    with op.batch_alter_table("engagement_participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_engagement_participants_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_engagement_participants_engagement_id"), ["engagement_id"], unique=False
        )

    op.create_table(
        "engagement_themes",
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("theme_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_engagement_themes_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], name=op.f("fk_engagement_themes_theme_id_themes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_themes")),
    )
    with op.batch_alter_table("engagement_themes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_engagement_themes_engagement_id"), ["engagement_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_engagement_themes_theme_id"), ["theme_id"], unique=False)

    op.create_table(
        "headcount_groups",
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_headcount_groups_engagement_id_engagements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_headcount_groups")),
    )
    with op.batch_alter_table("headcount_groups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_headcount_groups_engagement_id"), ["engagement_id"], unique=False
        )

    op.create_table(
        "meetings",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("venue", sa.String(length=200), nullable=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("chair_id", sa.Uuid(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["chair_id"], ["contacts.id"], name=op.f("fk_meetings_chair_id_contacts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetings_on_date"), ["on_date"], unique=False)

    op.create_table(
        "quotes",
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("speaker_id", sa.Uuid(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sharing", sa.String(length=12), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_quotes_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["speaker_id"], ["contacts.id"], name=op.f("fk_quotes_speaker_id_contacts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
    )
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quotes_engagement_id"), ["engagement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quotes_speaker_id"), ["speaker_id"], unique=False)

    op.create_table(
        "meeting_attendees",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("speaks_for_id", sa.Uuid(), nullable=True),
        sa.Column("attendance", sa.String(length=12), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_meeting_attendees_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_attendees_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["speaks_for_id"], ["contacts.id"], name=op.f("fk_meeting_attendees_speaks_for_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_attendees")),
    )
    with op.batch_alter_table("meeting_attendees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_attendees_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_attendees_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "meeting_items",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("decisions", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_items_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_items")),
    )
    with op.batch_alter_table("meeting_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_items_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "quote_themes",
        sa.Column("quote_id", sa.Uuid(), nullable=False),
        sa.Column("theme_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["quote_id"], ["quotes.id"], name=op.f("fk_quote_themes_quote_id_quotes")),
        sa.ForeignKeyConstraint(["theme_id"], ["themes.id"], name=op.f("fk_quote_themes_theme_id_themes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_themes")),
    )
    with op.batch_alter_table("quote_themes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quote_themes_quote_id"), ["quote_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quote_themes_theme_id"), ["theme_id"], unique=False)

    op.create_table(
        "actions",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("owner_user_id", sa.Uuid(), nullable=True),
        sa.Column("owner_contact_id", sa.Uuid(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=True),
        sa.Column("meeting_id", sa.Uuid(), nullable=True),
        sa.Column("meeting_item_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_actions_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_actions_meeting_id_meetings")),
        sa.ForeignKeyConstraint(
            ["meeting_item_id"], ["meeting_items.id"], name=op.f("fk_actions_meeting_item_id_meeting_items")
        ),
        sa.ForeignKeyConstraint(
            ["owner_contact_id"], ["contacts.id"], name=op.f("fk_actions_owner_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(["owner_user_id"], ["users.id"], name=op.f("fk_actions_owner_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actions_due_on"), ["due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_actions_engagement_id"), ["engagement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_actions_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_actions_owner_contact_id"), ["owner_contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_actions_owner_user_id"), ["owner_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_actions_status"), ["status"], unique=False)

    _seed()


#: Namespace of the ids of the rows seeded here.
SEED_NAMESPACE = uuid.UUID("5b0f7a52-3c1e-4d8e-9b0a-6a2f1d7c9e40")

ENGAGEMENT_TYPES = (
    "Event",
    "Drop-in",
    "One-to-one",
    "Focus group",
    "Survey session",
    "Outreach",
    "Online session",
    "Phone call",
)

#: (theme, its sub-themes)
THEMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Primary care", ("Getting a GP appointment", "Pharmacy", "NHS 111 and urgent care")),
    ("Dentistry", ()),
    ("Mental health", ("Waiting times for talking therapies", "Crisis support")),
    ("Hospital care", ("Waiting lists", "Leaving hospital")),
    ("Social care", ("Care at home", "Support for carers")),
    ("Cost of living", ("Food", "Energy bills")),
    ("Housing", ("Damp and mould", "Homelessness")),
    ("Social isolation", ()),
    ("Transport", ()),
    ("Digital exclusion", ()),
    ("Communication and language", ("Interpreting", "Accessible information")),
    ("Children and young people", ()),
    ("Community safety", ()),
)


def seed_id(kind: str, name: str) -> uuid.UUID:
    return uuid.uuid5(SEED_NAMESPACE, f"{kind}:{name}")


def _seed() -> None:
    def common_columns() -> list[sa.ColumnClause[object]]:
        stamp = vcsedesk.store.models.UTCDateTime()
        return [
            sa.column("id", sa.Uuid()),
            sa.column("created_at", stamp),
            sa.column("updated_at", stamp),
            sa.column("version", sa.Integer()),
            sa.column("deleted_at", stamp),
        ]

    now = datetime.now(UTC)
    common = {"created_at": now, "updated_at": now, "version": 1, "deleted_at": None}
    types = sa.table(
        "engagement_types",
        *common_columns(),
        sa.column("name", sa.String()),
        sa.column("position", sa.Integer()),
    )
    op.bulk_insert(
        types,
        [
            {"id": seed_id("type", name), "name": name, "position": i, **common}
            for i, name in enumerate(ENGAGEMENT_TYPES)
        ],
    )
    themes = sa.table(
        "themes",
        *common_columns(),
        sa.column("name", sa.String()),
        sa.column("parent_id", sa.Uuid()),
        sa.column("merged_into_id", sa.Uuid()),
        sa.column("retired", sa.Boolean()),
    )
    rows = []
    for parent, children in THEMES:
        parent_id = seed_id("theme", parent)
        theme = {"merged_into_id": None, "retired": False, **common}
        rows.append({"id": parent_id, "parent_id": None, "name": parent, **theme})
        rows.extend(
            {"id": seed_id("theme", f"{parent} › {child}"), "parent_id": parent_id, "name": child, **theme}
            for child in children
        )
    op.bulk_insert(themes, rows)


def downgrade() -> None:
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actions_status"))
        batch_op.drop_index(batch_op.f("ix_actions_owner_user_id"))
        batch_op.drop_index(batch_op.f("ix_actions_owner_contact_id"))
        batch_op.drop_index(batch_op.f("ix_actions_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_actions_engagement_id"))
        batch_op.drop_index(batch_op.f("ix_actions_due_on"))

    op.drop_table("actions")
    with op.batch_alter_table("quote_themes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quote_themes_theme_id"))
        batch_op.drop_index(batch_op.f("ix_quote_themes_quote_id"))

    op.drop_table("quote_themes")
    with op.batch_alter_table("meeting_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_items_meeting_id"))

    op.drop_table("meeting_items")
    with op.batch_alter_table("meeting_attendees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_attendees_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_attendees_contact_id"))

    op.drop_table("meeting_attendees")
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quotes_speaker_id"))
        batch_op.drop_index(batch_op.f("ix_quotes_engagement_id"))

    op.drop_table("quotes")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_on_date"))

    op.drop_table("meetings")
    with op.batch_alter_table("headcount_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_headcount_groups_engagement_id"))

    op.drop_table("headcount_groups")
    with op.batch_alter_table("engagement_themes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagement_themes_theme_id"))
        batch_op.drop_index(batch_op.f("ix_engagement_themes_engagement_id"))

    op.drop_table("engagement_themes")
    with op.batch_alter_table("engagement_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagement_participants_engagement_id"))
        batch_op.drop_index(batch_op.f("ix_engagement_participants_contact_id"))

    op.drop_table("engagement_participants")
    with op.batch_alter_table("engagement_facilitators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagement_facilitators_user_id"))
        batch_op.drop_index(batch_op.f("ix_engagement_facilitators_engagement_id"))

    op.drop_table("engagement_facilitators")
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagements_ward_id"))
        batch_op.drop_index(batch_op.f("ix_engagements_type_id"))
        batch_op.drop_index(batch_op.f("ix_engagements_on_date"))

    op.drop_table("engagements")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_attachments_owner")

    op.drop_table("attachments")
    with op.batch_alter_table("themes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_themes_parent_id"))

    op.drop_table("themes")
    op.drop_table("priorities")
    op.drop_table("file_contents")
    op.drop_table("engagement_types")
