"""The composition root of the ADR gateway: builds its parts from its settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from sqlalchemy import Engine

from libs.domain.provider_ranking import TrackRecord
from libs.platform.eventstore.application import event_store_env
from libs.platform.eventstore.feed import EventFeed, FeedSpec
from libs.platform.follower import (
    ApplicationSink,
    Follower,
    HttpSource,
    LocalSource,
    SqlSink,
    leadership_for,
    rebuild,
)
from libs.platform.http.auth import KeyRing
from libs.platform.http.idempotency import IdempotencyStore
from libs.platform.http.key_authority import service_keyring
from libs.platform.runtime.cipher import (
    CannotUnseal,
    Cipher,
    CipherKeyError,
    cipher_from_env,
)
from libs.platform.sql.database import create_read_model_engine
from libs.platform.sql.migrations import upgrade
from libs.platform.sql.outages import is_storage_unavailable
from services.adr_gateway.adapters import Adapter, load_adapters
from services.adr_gateway.application import REFERRAL_TOPIC_PREFIX, GatewayApplication
from services.adr_gateway.bundles import ComplaintsClient
from services.adr_gateway.delivery.bundle_store import BundleStore
from services.adr_gateway.delivery.track_records import track_records
from services.adr_gateway.delivery.worker import ReferralWorker
from services.adr_gateway.intake import UPSTREAM, open_referrals
from services.adr_gateway.settings import GatewaySettings
from services.adr_gateway.tables import (
    follower_positions,
    idempotency_records,
    referral_facts,
    referral_work,
)
from services.adr_gateway.use_cases.providers import AdapterSettingsCheck, reseal_secrets
from services.adr_gateway.worklist import NAME as WORKLIST
from services.adr_gateway.worklist import WorklistProjection

log = structlog.get_logger()
MIGRATIONS = Path(__file__).parent / "migrations"
FEED = FeedSpec(
    source="/redress/adr-gateway",
    type_prefix="dev.redress.adr_gateway.",
    topic_prefixes=(REFERRAL_TOPIC_PREFIX,),
)


class ConfigurationError(RuntimeError):
    """The gateway cannot start with this configuration; the message says why."""


@dataclass
class GatewayService:
    settings: GatewaySettings
    application: GatewayApplication
    engine: Engine
    cipher: Cipher
    keyring: KeyRing
    idempotency: IdempotencyStore
    feed: EventFeed
    adapters: dict[str, Adapter]
    adapter_settings: AdapterSettingsCheck
    bundles: BundleStore
    worker: ReferralWorker
    worklist: Follower
    intake: Follower | None
    complaints: ComplaintsClient | None
    followers: list[Follower] = field(default_factory=list)

    def track_records(self) -> dict[str, TrackRecord]:
        return track_records(self.engine)

    def start(self) -> None:
        for follower in self.followers:
            follower.start()
        self.worker.start()

    def rebuild_read_models(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Empties the worklist and track-record projections and replays the gateway's log
        into them (run it with the service stopped). Bundles are kept: they are the bytes
        that were sent, identified by the digest the `Prepared` event recorded."""
        return rebuild(self.worklist, referral_work, referral_facts, progress=progress)

    def stop(self) -> None:
        self.worker.stop()
        for follower in self.followers:
            follower.stop()
        if self.complaints is not None:
            self.complaints.close()
        self.keyring.close()
        self.application.close()
        self.engine.dispose()


def migrate(settings: GatewaySettings) -> None:
    upgrade(MIGRATIONS, settings.database_url)


def _reseal_at_start(application: GatewayApplication, cipher: Cipher) -> None:
    """Seals the secrets recorded in clear by earlier versions, or sealed with a key that no
    longer seals, under the sealing key. A secret no configured key opens stops the start;
    a database that is not there yet does not (it is done at the next start)."""
    try:
        resealed = reseal_secrets(application=application, cipher=cipher)
    except CannotUnseal as error:
        application.close()
        raise ConfigurationError(f"a provider's webhook secret: {error}") from None
    except Exception as error:
        if not is_storage_unavailable(error):
            raise
        log.warning("provider secrets not sealed again: the database is unavailable")
        return
    if resealed:
        log.info("provider secrets sealed again", providers=resealed, key_id=cipher.current_key_id)


def bootstrap(settings: GatewaySettings | None = None) -> GatewayService:
    settings = settings or GatewaySettings()
    try:
        cipher = cipher_from_env(settings.cipher_key, settings.cipher_key_file)
    except CipherKeyError as error:
        raise ConfigurationError(str(error)) from None
    if settings.migrate_on_start:
        migrate(settings)
    application = GatewayApplication(
        env=event_store_env(settings.database_url, pool_size=settings.db_pool_size)
    )
    _reseal_at_start(application, cipher)
    engine = create_read_model_engine(settings.database_url, pool_size=settings.db_pool_size)
    feed = EventFeed(application, FEED)
    application.after_save.append(feed.signal.notify)
    complaints = (
        ComplaintsClient(settings.complaints_url, settings.complaints_api_key)
        if settings.complaints_url and settings.complaints_api_key
        else None
    )
    adapters = load_adapters()
    bundles = BundleStore(engine)
    worker = ReferralWorker(application, engine, adapters, complaints, settings, bundles, cipher)
    worklist = Follower(
        WORKLIST,
        LocalSource("adr_gateway", feed),
        SqlSink(engine, WORKLIST, follower_positions, WorklistProjection(engine)),
        leadership_for(settings.database_url, f"adr_gateway:{WORKLIST}"),
        wait_seconds=1.0,
        after_apply=worker.wake,
    )
    intake = None
    if complaints is not None:
        assert settings.complaints_url and settings.complaints_api_key
        intake = Follower(
            UPSTREAM,
            HttpSource(UPSTREAM, settings.complaints_url, settings.complaints_api_key),
            ApplicationSink(application, UPSTREAM, open_referrals),
            leadership_for(settings.database_url, f"adr_gateway:{UPSTREAM}"),
            wait_seconds=settings.follower_wait_seconds,
        )
    return GatewayService(
        settings=settings,
        application=application,
        engine=engine,
        cipher=cipher,
        keyring=service_keyring(application, settings, "adr_gateway"),
        idempotency=IdempotencyStore(engine, idempotency_records),
        feed=feed,
        adapters=adapters,
        adapter_settings=AdapterSettingsCheck(adapters, settings.development),
        bundles=bundles,
        worker=worker,
        worklist=worklist,
        intake=intake,
        complaints=complaints,
        followers=[f for f in (worklist, intake) if f is not None],
    )
