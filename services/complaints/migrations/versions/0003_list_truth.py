"""Each complaint's deadlines in a table of their own, so the list and the report can ask which
are breached as of the moment they answer; the regime variant and calendar subdivision on
the list row (a filter, and the calendar the report's closure buckets are counted in).

The rows written by earlier code have neither, so the projection starts again from the
beginning of the log: its rows and unfired timers are dropped and its position reset, as
`redress rebuild-read-models` does (fired timers stay, the record that an alert was sent).
The next catch-up replays the log into the new shape; events are never touched. In a rolling
deploy an old replica may catch up first and write rows without deadlines: run
`redress rebuild-read-models complaints` once every replica runs this release.

Revision ID: 0003_list_truth
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_list_truth"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaint_list") as table:
        table.add_column(sa.Column("regime_variant", sa.String(64)))
        table.add_column(sa.Column("calendar_subdivision", sa.String(64)))
    op.create_table(
        "complaint_deadlines",
        sa.Column("complaint_id", sa.String(36), primary_key=True),
        sa.Column("clock", sa.String(64), primary_key=True),
        sa.Column("party", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("met_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_complaint_deadlines_due", "complaint_deadlines", ["due_at"])
    op.execute("DELETE FROM complaint_list")
    op.execute("DELETE FROM deadline_timers WHERE fired_at IS NULL")
    op.execute("DELETE FROM projection_positions WHERE name = 'complaint_list'")


def downgrade() -> None:
    op.drop_index("ix_complaint_deadlines_due", "complaint_deadlines")
    op.drop_table("complaint_deadlines")
    with op.batch_alter_table("complaint_list") as table:
        table.drop_column("calendar_subdivision")
        table.drop_column("regime_variant")
