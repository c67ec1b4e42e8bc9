"""The legal entity of each notification and survey (issue 20), for scoped keys' reads.

Rows projected before belong to the default entity, as every complaint did then.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: libs.domain.access.DEFAULT_LEGAL_ENTITY as it was when this migration was written.
DEFAULT_LEGAL_ENTITY = "default"


def upgrade() -> None:
    for table in ("notifications", "surveys"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column(
                    "legal_entity",
                    sa.String(64),
                    nullable=False,
                    server_default=DEFAULT_LEGAL_ENTITY,
                )
            )
    op.create_index(
        "ix_notifications_legal_entity", "notifications", ["legal_entity", "position"]
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_legal_entity", table_name="notifications")
    for table in ("surveys", "notifications"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("legal_entity")
