"""Every setting of the complaints service, read from `REDRESS_*` environment variables."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from libs.domain.ladder import DEFAULT_TIERS


class ComplaintsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REDRESS_", extra="ignore")
    #: Secrets drawn at random per process when unset: `redress serve --workers` draws
    #: them once, so a link one worker signs verifies on another.
    shared_by_workers: ClassVar[tuple[str, ...]] = ("history_link_secret",)

    database_url: str = Field(
        "sqlite:///var/complaints.db",
        description="Where the events and read models live (sqlite:///… or postgresql://…)",
    )
    host: str = "127.0.0.1"
    port: int = 8001
    ladder: list[str] = Field(
        default_factory=lambda: list(DEFAULT_TIERS),
        description="The escalation ladder, lowest tier first (JSON list)",
    )
    max_body_bytes: int = Field(1_048_576, description="Largest accepted request body")
    worker_threads: int = Field(64, description="Threads serving blocking request handlers")
    workers: int = Field(
        1, ge=1, le=64, description="Processes serving the API on one port (`serve --workers`)"
    )
    metrics_token: str | None = Field(
        None,
        description="Bearer token a /metrics scrape must send (unset: /metrics is open; "
        "docs/operations.md, '/metrics')",
    )
    #: One JSON log line per request (with its correlation id) from `redress serve`.
    access_log: bool = True
    db_pool_size: int = Field(16, description="Database connections per pool")
    projection_in_process: bool = Field(
        True,
        description="Keep the complaint list up to date from this process; false when "
        "`redress serve complaints-projection` runs beside it (what `redress up` does)",
    )
    projection_poll_seconds: float = 0.5
    #: Pause after a projection pass, so the saves made meanwhile share the next pass.
    projection_settle_seconds: float = 0.1
    projection_cache_size: int = Field(
        20_000,
        ge=0,
        description="Complaints `complaints-projection` keeps folded between batches",
    )
    default_legal_entity_name: str = Field(
        "Default legal entity",
        min_length=1,
        max_length=200,
        description="The name of the legal entity a deployment has without registering any "
        "(id `default`; docs/api-conventions.md, 'Legal entities')",
    )
    backdate_window_days: int = Field(
        30, description="How far in the past a CRM may date an event (occurred_at)"
    )
    regimes_dir: str | None = Field(
        None, description="A folder of extra deadline-regime TOML files (added or replacing)"
    )
    deadline_lead_business_days: int = Field(
        5,
        description="How many business days before a deadline staff are warned, for a clock "
        "whose regime declares no lead of its own (see docs/deadlines.md)",
    )
    scheduler_poll_seconds: float = Field(1.0, description="How often due timers are checked")
    scheduler_enabled: bool = Field(
        True, description="Run the deadline scheduler in this process (tests drive it by hand)"
    )
    adr_amount_thresholds: dict[str, str] = Field(
        default_factory=lambda: {c: "10000" for c in ("GBP", "EUR", "USD", "AUD")},
        description="Amount in dispute above which a case counts as complex, per currency",
    )
    adr_rejected_offers: int = Field(2, description="Rejected offers that make a stalemate")
    adr_days_without_progress: int = Field(30, description="Days without progress: stalemate")
    rate_limit_per_second: float = Field(
        200.0, description="Sustained requests per second per API key (0 disables)"
    )
    rate_limit_burst: int = Field(400, description="Requests a key may make in a burst")
    auth_failures_per_minute: float = Field(
        60.0,
        ge=0,
        description="Failed authentications (unknown or revoked API keys) a client address "
        "may make per minute (0 disables); beyond it 429, and keys are not looked up",
    )
    auth_failures_burst: int = Field(
        20, ge=1, description="Failed authentications an address may make in a burst"
    )
    key_cache_seconds: float = Field(
        5.0,
        ge=0,
        le=300,
        description="How long a verified or refused API key is remembered: the bound on how "
        "long a revoked key may still work on this service",
    )
    export_concurrency_per_key: int = Field(
        2, ge=1, description="History exports (JSON, PDF) a key may run at once (429 beyond)"
    )
    export_concurrency_total: int = Field(
        8, ge=0, description="History exports the process runs at once, all keys (0: no cap)"
    )
    migrate_on_start: bool = Field(True, description="Run read-model migrations at start-up")
    adr_gateway_url: str | None = Field(
        None, description="The ADR gateway whose feed brings provider updates (unset: off)"
    )
    adr_gateway_api_key: str | None = Field(
        None, description="A `service` key of the ADR gateway, to read its feed"
    )
    checkpoint_interval_seconds: float = Field(
        300.0, description="How often to anchor every chain head in a Merkle checkpoint (0: never)"
    )
    checkpoint_log: str = Field(
        "var/checkpoints.jsonl",
        description="The append-only file every checkpoint is also written to, for shipping "
        "elsewhere",
    )
    checkpoint_tsa_url: str | None = Field(
        None, description="An RFC 3161 time-stamping authority for each checkpoint (unset: off)"
    )
    history_link_secret: str | None = Field(
        None, description="Key signing case-history page links (default: random per process)"
    )
    signing_dir: str = Field(
        "var/signing",
        description="The deployment signing key's folder (REDRESS_SIGNING_DIR): it signs "
        "export PDFs (see docs/proof-formats.md)",
    )
    firm_name: str = Field("Redress demo firm", description="The firm named in case files")

    @property
    def backdate_window(self) -> timedelta:
        return timedelta(days=self.backdate_window_days)
