"""The composition root: builds the complaints service's parts from its settings.

Tests build it the same way, pointed at their own database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from libs.platform.eventstore.application import event_store_env
from libs.platform.follower import ApplicationSink, Follower, HttpSource, leadership_for
from libs.platform.http.auth import KeyRing
from libs.platform.http.idempotency import IdempotencyStore
from libs.platform.sql.database import create_read_model_engine
from libs.platform.sql.migrations import upgrade
from services.complaints import adr_updates
from services.complaints.application import ComplaintsApplication
from services.complaints.history.checkpointer import Checkpointer
from services.complaints.legal_entities import LegalEntityDirectory
from services.complaints.policy import ComplaintPolicy
from services.complaints.readmodel.projector import FOLD_CACHE_SIZE, ComplaintListProjector
from services.complaints.readmodel.runner import ProjectionRunner
from services.complaints.readmodel.tables import idempotency_records
from services.complaints.scheduler import DeadlineScheduler, SchedulerRunner
from services.complaints.settings import ComplaintsSettings

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass
class ComplaintsService:
    settings: ComplaintsSettings
    application: ComplaintsApplication
    read_engine: Engine
    keyring: KeyRing
    idempotency: IdempotencyStore
    projector: ComplaintListProjector
    projection_runner: ProjectionRunner
    policy: ComplaintPolicy
    scheduler: DeadlineScheduler
    scheduler_runner: SchedulerRunner
    legal_entities: LegalEntityDirectory
    checkpointer: Checkpointer | None = None
    followers: list[Follower] = field(default_factory=list)

    def start(self) -> None:
        if self.settings.projection_in_process:
            self.projection_runner.start()
        if self.settings.scheduler_enabled:
            self.scheduler_runner.start()
        for follower in self.followers:
            follower.start()
        if self.checkpointer is not None:
            self.checkpointer.start()

    def rebuild_read_models(
        self, progress: Callable[[int, int], None] | None = None, processes: int | None = None
    ) -> int:
        return self.projector.rebuild(progress, processes)

    def stop(self) -> None:
        for follower in self.followers:
            follower.stop()
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.scheduler_runner.stop()
        self.projection_runner.stop()
        self.application.close()
        self.read_engine.dispose()


def migrate(settings: ComplaintsSettings) -> None:
    upgrade(MIGRATIONS, settings.database_url)


def bootstrap(settings: ComplaintsSettings | None = None) -> ComplaintsService:
    settings = settings or ComplaintsSettings()
    if settings.migrate_on_start:
        migrate(settings)
    application = ComplaintsApplication(
        env=event_store_env(settings.database_url, pool_size=settings.db_pool_size)
    )
    engine = create_read_model_engine(settings.database_url, pool_size=settings.db_pool_size)
    policy = ComplaintPolicy.from_settings(settings)
    projector, runner = list_projection(settings, application, engine, policy)
    application.after_save.append(runner.wake)
    scheduler = DeadlineScheduler(application, engine, policy)
    return ComplaintsService(
        settings=settings,
        application=application,
        read_engine=engine,
        keyring=KeyRing(
            application, service="complaints", cache_seconds=settings.key_cache_seconds
        ),
        idempotency=IdempotencyStore(engine, idempotency_records),
        projector=projector,
        projection_runner=runner,
        policy=policy,
        scheduler=scheduler,
        scheduler_runner=SchedulerRunner(scheduler, settings.scheduler_poll_seconds),
        legal_entities=LegalEntityDirectory(application, settings.default_legal_entity_name),
        checkpointer=Checkpointer(application, settings),
        followers=_followers(settings, application),
    )


def list_projection(
    settings: ComplaintsSettings,
    application: ComplaintsApplication,
    engine: Engine,
    policy: ComplaintPolicy,
    fold_capacity: int = FOLD_CACHE_SIZE,
) -> tuple[ComplaintListProjector, ProjectionRunner]:
    projector = ComplaintListProjector(application, engine, policy, fold_capacity=fold_capacity)
    runner = ProjectionRunner(
        projector, settings.projection_poll_seconds, settings.projection_settle_seconds
    )
    return projector, runner


def _followers(settings: ComplaintsSettings, application: ComplaintsApplication) -> list[Follower]:
    """The ADR gateway's feed, when configured: provider updates onto complaints."""
    if not (settings.adr_gateway_url and settings.adr_gateway_api_key):
        return []
    upstream = adr_updates.UPSTREAM
    return [
        Follower(
            upstream,
            HttpSource(upstream, settings.adr_gateway_url, settings.adr_gateway_api_key),
            ApplicationSink(application, upstream, adr_updates.record_provider_updates),
            leadership_for(settings.database_url, f"complaints:{upstream}"),
        )
    ]
