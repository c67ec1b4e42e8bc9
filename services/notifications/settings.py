"""Every setting of the notifications service, read from `REDRESS_*` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from libs.platform.http.key_authority import KeyAuthoritySettings
from libs.platform.runtime.smtp import SmtpSettings

HERE = Path(__file__).parent
# Standard Webhooks' schedule, shortened: at once, then after each of these (8 attempts).
DEFAULT_RETRY_SCHEDULE = [30.0, 120.0, 600.0, 1800.0, 7200.0, 21600.0, 43200.0]


class NotificationsSettings(BaseSettings, SmtpSettings, KeyAuthoritySettings):
    """The `smtp_*` settings of the relay are `SmtpSettings`, shared with the ADR gateway."""

    model_config = SettingsConfigDict(env_prefix="REDRESS_", extra="ignore")

    database_url: str = Field(
        "sqlite:///var/notifications.db",
        description="Where the notifications' events and tables live (sqlite:///… or postgresql://…)",
    )
    host: str = "127.0.0.1"
    port: int = 8003
    public_url: str = Field(
        "http://127.0.0.1:8003",
        description="This service as customers reach it: the base of survey links",
    )
    complaints_url: str | None = Field(
        None, description="The complaints service to follow (e.g. http://127.0.0.1:8001)"
    )
    complaints_api_key: str | None = Field(
        None, description="A `service` key of the complaints service, to read its feed"
    )
    adr_gateway_url: str | None = Field(
        None, description="The ADR gateway to follow (e.g. http://127.0.0.1:8002)"
    )
    adr_gateway_api_key: str | None = Field(
        None, description="A `service` key of the ADR gateway, to read its feed"
    )
    rules_file: Path = Field(
        HERE / "rules.toml", description="Which event (or delay after it) sends what to whom"
    )
    templates_dir: Path = Field(
        HERE / "templates", description="Jinja2 templates: <template>/<locale>/<part>.j2"
    )
    default_locale: str = Field("en", description="Locale used when a customer names none")
    regimes_dir: str | None = Field(
        None,
        description="Regime files beside the packaged ones (as the complaints service's): "
        "the response timeframes an acknowledgement states come from them",
    )
    firm_name: str = Field("Redress demo firm", description="The firm, as messages name it")
    firm_contact_email: str = Field("complaints@redress.invalid", description="Reply-to address")
    staff_email: str = Field(
        "complaints-team@redress.invalid", description="Where staff reminders and alerts go"
    )
    survey_valid_days: int = Field(30, ge=1, le=365, description="How long a survey link works")
    survey_secret: str | None = Field(
        None,
        description="Key signing survey links (default: a random key kept in the database)",
    )
    smtp_sender: str = "notifications@redress.invalid"
    crm_webhook_url: str | None = Field(
        None, description="Where the crm_webhook channel POSTs (unset: channel unavailable)"
    )
    crm_webhook_secret: str | None = Field(
        None, description="Standard Webhooks secret (whsec_…) signing crm_webhook requests"
    )
    crm_webhook_timeout_seconds: float = Field(15.0, gt=0, le=60)
    retry_schedule_seconds: list[float] = Field(
        default_factory=lambda: list(DEFAULT_RETRY_SCHEDULE),
        description="Delays before each retry (JSON list); attempts = len + 1",
    )
    retry_jitter: float = Field(0.2, ge=0, le=1, description="± fraction of each retry delay")
    lease_seconds: float = Field(
        120.0, gt=0, description="How long a dispatcher holds a notification it is sending"
    )
    dispatcher_poll_seconds: float = Field(1.0, gt=0, description="How often due timers are read")
    dispatch_batch: int = Field(50, ge=1, le=1000)
    follower_wait_seconds: float = 5.0
    clock_offset_seconds: float = Field(
        0.0,
        description="TESTS ONLY: moves this service's clock (timers, survey expiry) forward",
    )
    max_body_bytes: int = 65_536
    worker_threads: int = 32
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
    db_pool_size: int = 8
    migrate_on_start: bool = True
