"""The documents ADR providers upload through the provider API (decision letters): their
bytes, by referral and document id; the referral's `DocumentUploaded` event records their
digest, size and media type.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provider_documents",
        sa.Column("referral_id", sa.String(36), primary_key=True),
        sa.Column("document_id", sa.String(64), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(127), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("provider_documents")
