"""Referral work schedule, referral facts, bundles, follower positions, idempotency records.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "referral_work",
        sa.Column("referral_id", sa.String(36), primary_key=True),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("due_at", sa.Float, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", sa.Float),
        sa.Column("last_error", sa.String(500)),
    )
    op.create_index("ix_referral_work_due", "referral_work", ["stage", "due_at"])
    op.create_table(
        "referral_facts",
        sa.Column("referral_id", sa.String(36), primary_key=True),
        sa.Column("provider_id", sa.String(64)),
        sa.Column("delivered_at", sa.Float),
        sa.Column("accepted", sa.Boolean),
        sa.Column("outcome", sa.String(32)),
        sa.Column("outcome_at", sa.Float),
    )
    op.create_index("ix_referral_facts_provider", "referral_facts", ["provider_id"])
    op.create_table(
        "bundles",
        sa.Column("referral_id", sa.String(36), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("built_at", sa.Float, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "follower_positions",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "idempotency_records",
        sa.Column("scope", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("response_status", sa.Integer),
        sa.Column("response_body", sa.Text),
        sa.Column("response_headers", sa.Text),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    for table in (
        "idempotency_records",
        "follower_positions",
        "bundles",
        "referral_facts",
        "referral_work",
    ):
        op.drop_table(table)
