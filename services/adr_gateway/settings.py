"""Every setting of the ADR gateway, read from `REDRESS_*` environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from libs.platform.http.key_authority import KeyAuthoritySettings
from libs.platform.runtime.cipher import DEFAULT_KEY_FILE
from libs.platform.runtime.smtp import SmtpSettings

# Standard Webhooks' recommendation, shortened to 8 attempts: at once, then after these.
DEFAULT_SCHEDULE = [5.0, 60.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0]


class GatewaySettings(BaseSettings, SmtpSettings, KeyAuthoritySettings):
    """The `smtp_*` settings of the `email` adapter's relay are `SmtpSettings`, shared with
    the notifications service."""

    model_config = SettingsConfigDict(env_prefix="REDRESS_", extra="ignore")

    database_url: str = Field(
        "sqlite:///var/adr_gateway.db",
        description="Where the gateway's events and tables live (sqlite:///… or postgresql://…)",
    )
    host: str = "127.0.0.1"
    port: int = 8002
    complaints_url: str | None = Field(
        None, description="The complaints service to follow (e.g. http://127.0.0.1:8001)"
    )
    complaints_api_key: str | None = Field(
        None, description="A `service` key of the complaints service (feed and case reads)"
    )
    development: bool = Field(
        False, description="Development mode: allows http:// provider URLs on loopback"
    )
    delivery_schedule_seconds: list[float] = Field(
        default_factory=lambda: list(DEFAULT_SCHEDULE),
        description="Delays before each retry (JSON list); attempts = len + 1",
    )
    delivery_jitter: float = Field(0.2, ge=0, le=1, description="± fraction of each delay")
    delivery_timeout_seconds: float = Field(15.0, gt=0, le=60)
    delivery_workers: int = Field(8, ge=1, le=64)
    lease_seconds: float = Field(
        60.0, gt=0, description="How long a worker holds a referral it is working on"
    )
    document_link_seconds: float = Field(
        300.0,
        gt=0,
        le=86_400,
        description="How long a document link given to a provider works (the provider API)",
    )
    worker_poll_seconds: float = 0.5
    follower_wait_seconds: float = 5.0
    webhook_secret_overlap_seconds: float = Field(
        86400.0,
        ge=0,
        description="How long after a provider's webhook secret is rotated the previous "
        "secret still verifies its webhooks and signs ours beside the new one (default a day)",
    )
    pulse_callback_url: str | None = Field(
        None,
        description="The gateway's base URL as PULSE providers (BPPs) reach it, for their "
        "callbacks (`bap_uri` is it + /v1/pulse/…); default http://127.0.0.1:<its port>",
    )
    pulse_bap_id: str = Field(
        "redress-adr-gateway", description="The gateway's subscriber id (`bap_id`) in PULSE"
    )
    firm_name: str = Field("Redress demo firm", description="The firm named in case bundles")
    policy_documents: list[dict[str, str]] = Field(
        default_factory=list,
        description="Policy documents cited in every bundle (JSON list of {title, url, sha256})",
    )
    signing_dir: str | None = Field(
        None,
        description="The deployment signing key's directory, which signs bundle manifests "
        "(default var/signing)",
    )
    cipher_key: str | None = Field(
        None,
        description="Keys sealing provider secrets at rest: 32 random bytes in unpadded "
        "base64url, several separated by commas, the sealing key first (default: a key file "
        "made on first use, REDRESS_CIPHER_KEY_FILE)",
    )
    cipher_key_file: str = Field(
        DEFAULT_KEY_FILE,
        description="Where the cipher keys are kept when REDRESS_CIPHER_KEY is unset (one a "
        "line, the sealing key first; made on first use, mode 0600)",
    )
    smtp_sender: str = "adr-gateway@redress.invalid"
    max_body_bytes: int = 1_048_576
    worker_threads: int = 64
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
    export_concurrency_per_key: int = Field(
        2, ge=1, description="Bundle exports (JSON, PDF) a key may run at once (429 beyond)"
    )
    export_concurrency_total: int = Field(
        8, ge=0, description="Bundle exports the process runs at once, all keys (0: no cap)"
    )
    db_pool_size: int = 16
    migrate_on_start: bool = True

    def callback_base_url(self) -> str:
        """`pulse_callback_url`, or the gateway on this machine at its port (`redress up`)."""
        if self.pulse_callback_url:
            return self.pulse_callback_url.rstrip("/")
        from services.registry import SERVICES

        return f"http://127.0.0.1:{SERVICES['adr_gateway'].port}"
