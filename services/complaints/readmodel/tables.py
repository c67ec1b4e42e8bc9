"""The read-model tables, in the same database as the service's events (migrated by alembic)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
)

from libs.platform.http.idempotency import idempotency_table

metadata = MetaData()

complaint_list = Table(
    "complaint_list",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("status", String(32), nullable=False),
    Column("tier", String(64), nullable=False),
    Column("category", String(32), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("legal_entity", String(64), nullable=False, server_default="default"),
    Column("regime", String(32), nullable=False),
    Column("regime_variant", String(64)),
    Column("calendar_subdivision", String(64)),
    Column("customer_id", String(200), nullable=False),
    Column("customer_name", String(200), nullable=False),
    Column("external_ref", String(200)),
    Column("amount_in_dispute", Numeric(18, 2)),
    Column("currency", String(3)),
    Column("flags", JSON, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Deadlines: the earliest firm deadline still running, and whether one was met late (a
    # fixed fact). Whether the complaint is breached *now* also depends on the clock: it is
    # worked out at query time from `complaint_deadlines`, never stored here.
    Column("next_deadline", String(64)),
    Column("next_deadline_at", DateTime(timezone=True)),
    Column("breached", Boolean, nullable=False, default=False),
    # For regulator reports.
    Column("outcome", String(32)),
    Column("redress_amount", Numeric(18, 2)),
    Column("redress_currency", String(3)),
    Column("closed_at", DateTime(timezone=True)),
    Index("ix_complaint_list_received", "received_at", "id"),
    Index("ix_complaint_list_next_deadline", "next_deadline_at"),
    Index("ix_complaint_list_status", "status", "received_at"),
    Index("ix_complaint_list_customer", "customer_id"),
    Index("ix_complaint_list_external_ref", "external_ref"),
    Index("ix_complaint_list_legal_entity", "legal_entity", "received_at"),
)

# Every deadline of each complaint, as its events set them: when it started, when it falls
# due, and when (if ever) it was met. A deadline still running is breached once its due time
# has passed; rather than rewrite rows as the clock turns, the list and the report ask
# "breached as of now" of these rows (`queries.breached_as_of`).
complaint_deadlines = Table(
    "complaint_deadlines",
    metadata,
    Column("complaint_id", String(36), primary_key=True),
    Column("clock", String(64), primary_key=True),
    Column("party", String(16), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("met_at", DateTime(timezone=True)),
    Index("ix_complaint_deadlines_due", "due_at"),
)

projection_positions = Table(
    "projection_positions",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)

deadline_timers = Table(
    "deadline_timers",
    metadata,
    Column("complaint_id", String(36), primary_key=True),
    Column("deadline", String(64), primary_key=True),
    Column("alert", String(16), primary_key=True),
    Column("due_at", DateTime(timezone=True), primary_key=True),
    Column("fire_at", DateTime(timezone=True), nullable=False),
    Column("claimed_until", DateTime(timezone=True)),
    Column("fired_at", DateTime(timezone=True)),
    Index("ix_deadline_timers_due", "fired_at", "fire_at"),
)

idempotency_records = idempotency_table(metadata)
