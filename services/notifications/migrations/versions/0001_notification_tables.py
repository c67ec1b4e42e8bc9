"""Notifications, delivery attempts, timers, surveys, service secrets, follower positions.

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
        "notifications",
        sa.Column("notification_id", sa.String(36), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False, unique=True),
        sa.Column("complaint_id", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("template", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(320)),
        sa.Column("locale", sa.String(35), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("trigger_event_id", sa.String(128), nullable=False),
        sa.Column("survey_id", sa.String(36)),
        sa.Column("scheduled_at", sa.String(40), nullable=False),
        sa.Column("send_at", sa.String(40), nullable=False),
        sa.Column("subject", sa.Text),
        sa.Column("delivered_at", sa.String(40)),
        sa.Column("closed_reason", sa.Text),
    )
    op.create_index("ix_notifications_complaint", "notifications", ["complaint_id", "position"])
    op.create_table(
        "delivery_attempts",
        sa.Column("notification_id", sa.String(36), primary_key=True),
        sa.Column("attempt", sa.Integer, primary_key=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("attempted_at", sa.String(40), nullable=False),
        sa.Column("next_attempt_at", sa.String(40)),
    )
    op.create_table(
        "notification_timers",
        sa.Column("notification_id", sa.String(36), primary_key=True),
        sa.Column("due_at", sa.Float, nullable=False),
        sa.Column("claimed_until", sa.Float),
    )
    op.create_index("ix_notification_timers_due", "notification_timers", ["due_at"])
    op.create_table(
        "surveys",
        sa.Column("survey_id", sa.String(36), primary_key=True),
        sa.Column("complaint_id", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("tier_reached", sa.String(64), nullable=False),
        sa.Column("adr_used", sa.Boolean, nullable=False),
        sa.Column("offered_at", sa.String(40), nullable=False),
        sa.Column("expires_at", sa.String(40), nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("score", sa.Integer),
        sa.Column("comment", sa.Text),
        sa.Column("answered_at", sa.String(40)),
    )
    op.create_table(
        "service_secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
    )
    op.create_table(
        "follower_positions",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "follower_positions",
        "service_secrets",
        "surveys",
        "notification_timers",
        "delivery_attempts",
        "notifications",
    ):
        op.drop_table(table)
