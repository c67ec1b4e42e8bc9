"""The gateway's SQL tables, beside its events: the work schedule (what is due when), the
facts track records are computed from, the bundles as built, follower positions."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from libs.platform.follower import follower_positions_table
from libs.platform.http.idempotency import idempotency_table

metadata = MetaData()

# A projection of referral events: which referral needs preparing or delivering, and when.
# The referral aggregate stays the truth; a worker re-checks it before acting.
referral_work = Table(
    "referral_work",
    metadata,
    Column("referral_id", String(36), primary_key=True),
    Column("stage", String(16), nullable=False),  # prepare | deliver | done
    Column("due_at", Float, nullable=False),  # Unix seconds
    Column("version", Integer, nullable=False),
    Column("lease_owner", String(64)),
    Column("lease_until", Float),
    Column("last_error", String(500)),
    Index("ix_referral_work_due", "stage", "due_at"),
)

# A projection of referral events: what each provider did with the cases it received.
referral_facts = Table(
    "referral_facts",
    metadata,
    Column("referral_id", String(36), primary_key=True),
    Column("provider_id", String(64)),
    Column("delivered_at", Float),
    Column("accepted", Boolean),
    Column("outcome", String(32)),
    Column("outcome_at", Float),
    # Failed delivery attempts and dead letters, counted from the events (for /metrics).
    Column("failed_attempts", Integer, nullable=False, server_default="0"),
    Column("dead_letters", Integer, nullable=False, server_default="0"),
    Index("ix_referral_facts_provider", "provider_id"),
)

# The bundle exactly as it was built and sent (redelivery sends the same bytes).
bundles = Table(
    "bundles",
    metadata,
    Column("referral_id", String(36), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("built_at", Float, nullable=False),
    Column("size", BigInteger, nullable=False),
    # The PDF rendering and the manifest's signature, as built with the JSON (null for
    # bundles built before manifests were signed).
    Column("pdf", LargeBinary, nullable=True),
    Column("manifest_jws", Text, nullable=True),
)

# The documents providers upload (decision letters), as uploaded; the referral's
# `DocumentUploaded` event records their digest.
provider_documents = Table(
    "provider_documents",
    metadata,
    Column("referral_id", String(36), primary_key=True),
    Column("document_id", String(64), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("media_type", String(127), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("body", LargeBinary, nullable=False),
)

follower_positions = follower_positions_table(metadata)
idempotency_records = idempotency_table(metadata)
