"""Bundles keep their PDF rendering and their manifest's signature (JWS) beside the JSON:
the PDF's digest is in the signed manifest, so the bytes served must be the bytes built.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bundles") as batch:
        batch.add_column(sa.Column("pdf", sa.LargeBinary, nullable=True))
        batch.add_column(sa.Column("manifest_jws", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bundles") as batch:
        batch.drop_column("manifest_jws")
        batch.drop_column("pdf")
