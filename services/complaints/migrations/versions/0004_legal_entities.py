"""Each complaint's legal entity on the list row: the list and the reports filter on it
and count by it (FCA PS25/19: the complaints return at legal-entity level).

Complaints recorded before entities existed belong to the default entity (their first
event is upcast so: `Complaint.ComplaintReceived.upcast_v1_v2`), so the rows already
written are right as they stand with the column's default; nothing is replayed.

Revision ID: 0004_legal_entities
Revises: 0003_list_truth
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_legal_entities"
down_revision = "0003_list_truth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaint_list") as table:
        table.add_column(
            sa.Column("legal_entity", sa.String(64), nullable=False, server_default="default")
        )
    op.create_index(
        "ix_complaint_list_legal_entity", "complaint_list", ["legal_entity", "received_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_complaint_list_legal_entity", "complaint_list")
    with op.batch_alter_table("complaint_list") as table:
        table.drop_column("legal_entity")
