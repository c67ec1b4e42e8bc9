"""Deadline columns and report columns on the complaint list; durable deadline timers.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaint_list") as table:
        table.add_column(sa.Column("next_deadline", sa.String(64)))
        table.add_column(sa.Column("next_deadline_at", sa.DateTime(timezone=True)))
        table.add_column(
            sa.Column("breached", sa.Boolean, nullable=False, server_default=sa.false())
        )
        table.add_column(sa.Column("outcome", sa.String(32)))
        table.add_column(sa.Column("redress_amount", sa.Numeric(18, 2)))
        table.add_column(sa.Column("redress_currency", sa.String(3)))
        table.add_column(sa.Column("closed_at", sa.DateTime(timezone=True)))
    op.create_index("ix_complaint_list_next_deadline", "complaint_list", ["next_deadline_at"])
    op.create_table(
        "deadline_timers",
        sa.Column("complaint_id", sa.String(36), primary_key=True),
        sa.Column("deadline", sa.String(64), primary_key=True),
        sa.Column("alert", sa.String(16), primary_key=True),
        sa.Column("due_at", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("fire_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True)),
        sa.Column("fired_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_deadline_timers_due", "deadline_timers", ["fired_at", "fire_at"])


def downgrade() -> None:
    op.drop_table("deadline_timers")
    op.drop_index("ix_complaint_list_next_deadline", "complaint_list")
    with op.batch_alter_table("complaint_list") as table:
        for column in ("closed_at", "redress_currency", "redress_amount", "outcome",
                       "breached", "next_deadline_at", "next_deadline"):
            table.drop_column(column)
