"""Reimbursement: the policy (versioned by effective date), budgets, claims with their lines
and what they are for; and the shipped default policy

The default policy is a row with a fixed id, effective from 1 January 2000, with typical
public-sector figures (£25 an hour, £75 / £150 a half / full day, HMRC's 45p a mile), marked in
its notes as a default for the organisation to edit.  Its figures are written out here, not
read from the code, so this migration always makes the same row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 08:25:12.386101
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

import vcsedesk.store.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "budgets",
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("funder", sa.String(length=160), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budgets")),
    )
    op.create_table(
        "reimbursement_policies",
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("hourly_rate", sa.Integer(), nullable=False),
        sa.Column("half_day_rate", sa.Integer(), nullable=False),
        sa.Column("full_day_rate", sa.Integer(), nullable=False),
        sa.Column("mileage_rate", sa.Integer(), nullable=False),
        sa.Column("subsistence_cap", sa.Integer(), nullable=False),
        sa.Column("receipt_threshold", sa.Integer(), nullable=False),
        sa.Column("payment_methods", sa.JSON(), nullable=False),
        sa.Column("weekly_threshold", sa.Integer(), nullable=False),
        sa.Column("monthly_threshold", sa.Integer(), nullable=False),
        sa.Column("advice", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reimbursement_policies")),
        sa.UniqueConstraint("effective_from", name=op.f("uq_reimbursement_policies_effective_from")),
    )
    op.create_table(
        "claims",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("claimant_id", sa.Uuid(), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("activity_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("budget_id", sa.Uuid(), nullable=True),
        sa.Column("policy_id", sa.Uuid(), nullable=True),
        sa.Column("choice", sa.String(length=20), nullable=False),
        sa.Column("take_pence", sa.Integer(), nullable=True),
        sa.Column("donate_to", sa.String(length=200), nullable=True),
        sa.Column("total_pence", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("payee_name", sa.String(length=120), nullable=True),
        sa.Column("sort_code", sa.String(length=8), nullable=True),
        sa.Column("account_number", sa.String(length=8), nullable=True),
        sa.Column("submitted_by_id", sa.Uuid(), nullable=True),
        sa.Column("submitted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rejected_reason", sa.Text(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("paid_by_id", sa.Uuid(), nullable=True),
        sa.Column("payment_method", sa.String(length=20), nullable=True),
        sa.Column("payment_reference", sa.String(length=80), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["budget_id"], ["budgets.id"], name=op.f("fk_claims_budget_id_budgets")),
        sa.ForeignKeyConstraint(
            ["claimant_id"], ["contacts.id"], name=op.f("fk_claims_claimant_id_contacts")
        ),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_claims_decided_by_id_users")),
        sa.ForeignKeyConstraint(["paid_by_id"], ["users.id"], name=op.f("fk_claims_paid_by_id_users")),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["reimbursement_policies.id"],
            name=op.f("fk_claims_policy_id_reimbursement_policies"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["users.id"], name=op.f("fk_claims_submitted_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        sa.UniqueConstraint("number", name=op.f("uq_claims_number")),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claims_activity_date"), ["activity_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_budget_id"), ["budget_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_claimant_id"), ["claimant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_status"), ["status"], unique=False)

    op.create_table(
        "claim_items",
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("quantity_centi", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=12), nullable=True),
        sa.Column("rate_pence", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("has_receipt", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_claim_items_claim_id_claims")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_items")),
    )
    with op.batch_alter_table("claim_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_items_claim_id"), ["claim_id"], unique=False)

    op.create_table(
        "claim_links",
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=True),
        sa.Column("meeting_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", vcsedesk.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_claim_links_claim_id_claims")),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_claim_links_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_claim_links_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_links")),
    )
    with op.batch_alter_table("claim_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_links_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claim_links_engagement_id"), ["engagement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claim_links_meeting_id"), ["meeting_id"], unique=False)

    _seed_default_policy()


DEFAULT_POLICY_ID = uuid.uuid5(uuid.UUID("5b0f7a52-3c1e-4d8e-9b0a-6a2f1d7c9e40"), "policy:default")


def _seed_default_policy() -> None:
    stamp = vcsedesk.store.models.UTCDateTime()
    policies = sa.table(
        "reimbursement_policies",
        sa.column("id", sa.Uuid()),
        sa.column("created_at", stamp),
        sa.column("updated_at", stamp),
        sa.column("version", sa.Integer()),
        sa.column("deleted_at", stamp),
        sa.column("effective_from", sa.Date()),
        sa.column("hourly_rate", sa.Integer()),
        sa.column("half_day_rate", sa.Integer()),
        sa.column("full_day_rate", sa.Integer()),
        sa.column("mileage_rate", sa.Integer()),
        sa.column("subsistence_cap", sa.Integer()),
        sa.column("receipt_threshold", sa.Integer()),
        sa.column("payment_methods", sa.JSON()),
        sa.column("weekly_threshold", sa.Integer()),
        sa.column("monthly_threshold", sa.Integer()),
        sa.column("advice", sa.Text()),
        sa.column("notes", sa.Text()),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        policies,
        [
            {
                "id": DEFAULT_POLICY_ID,
                "created_at": now,
                "updated_at": now,
                "version": 1,
                "deleted_at": None,
                "effective_from": date(2000, 1, 1),
                "hourly_rate": 2500,
                "half_day_rate": 7500,
                "full_day_rate": 15000,
                "mileage_rate": 45,
                "subsistence_cap": 1000,
                "receipt_threshold": 1000,
                "payment_methods": ["bank_transfer", "voucher", "cash"],
                "weekly_threshold": 18350,
                "monthly_threshold": 79500,
                "advice": "Independent welfare-rights advice: Citizens Advice (0800 144 8848) or your "
                "local welfare-rights service, before accepting a payment if you receive benefits.",
                "notes": "Shipped default: typical public-sector figures. Edit them to your "
                "organisation's own policy (a new version from the date it applies).",
            }
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("claim_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_links_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_claim_links_engagement_id"))
        batch_op.drop_index(batch_op.f("ix_claim_links_claim_id"))

    op.drop_table("claim_links")
    with op.batch_alter_table("claim_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_items_claim_id"))

    op.drop_table("claim_items")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claims_status"))
        batch_op.drop_index(batch_op.f("ix_claims_claimant_id"))
        batch_op.drop_index(batch_op.f("ix_claims_budget_id"))
        batch_op.drop_index(batch_op.f("ix_claims_activity_date"))

    op.drop_table("claims")
    op.drop_table("reimbursement_policies")
    op.drop_table("budgets")
