"""The service's SQL tables, beside its events. All but `service_secrets` are projections of
the event log (rebuildable); `notification_timers` is also what the dispatcher claims from."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from libs.domain.access import DEFAULT_LEGAL_ENTITY
from libs.platform.follower import follower_positions_table

metadata = MetaData()

notifications = Table(
    "notifications",
    metadata,
    Column("notification_id", String(36), primary_key=True),
    # The Scheduled event's position in this service's log: a stable paging cursor.
    Column("position", BigInteger, nullable=False, unique=True),
    Column("complaint_id", String(64), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("template", String(64), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("audience", String(16), nullable=False),
    Column("recipient", String(320)),
    Column("locale", String(35), nullable=False),
    Column("status", String(16), nullable=False),
    Column("trigger_event_id", String(128), nullable=False),
    Column("survey_id", String(36)),
    Column("scheduled_at", String(40), nullable=False),
    Column("send_at", String(40), nullable=False),
    Column("subject", Text),
    Column("delivered_at", String(40)),
    Column("closed_reason", Text),
    # The complaint's legal entity: a key scoped to one sees only its rows (issue 20).
    Column("legal_entity", String(64), nullable=False, server_default=DEFAULT_LEGAL_ENTITY),
    Index("ix_notifications_complaint", "complaint_id", "position"),
    Index("ix_notifications_legal_entity", "legal_entity", "position"),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("notification_id", String(36), primary_key=True),
    Column("attempt", Integer, primary_key=True),
    Column("outcome", String(16), nullable=False),
    Column("detail", Text, nullable=False),
    Column("attempted_at", String(40), nullable=False),
    Column("next_attempt_at", String(40)),
)

# What is due when. A dispatcher leases a row (claimed_until) before sending.
notification_timers = Table(
    "notification_timers",
    metadata,
    Column("notification_id", String(36), primary_key=True),
    Column("due_at", Float, nullable=False),  # Unix seconds
    Column("claimed_until", Float),
    Index("ix_notification_timers_due", "due_at"),
)

surveys = Table(
    "surveys",
    metadata,
    Column("survey_id", String(36), primary_key=True),
    Column("complaint_id", String(64), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("category", String(64), nullable=False),
    Column("tier_reached", String(64), nullable=False),
    Column("adr_used", Boolean, nullable=False),
    Column("offered_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Column("withdrawn", Boolean, nullable=False, default=False),
    Column("score", Integer),
    Column("comment", Text),
    Column("answered_at", String(40)),
    Column("legal_entity", String(64), nullable=False, server_default=DEFAULT_LEGAL_ENTITY),
)

# Keys the service made for itself (the survey-link key when none is configured): shared
# by every replica and kept across restarts, so a link stays valid.
service_secrets = Table(
    "service_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
)

follower_positions = follower_positions_table(metadata)
