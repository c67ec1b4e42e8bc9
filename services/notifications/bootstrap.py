"""The composition root: builds the notifications service's parts from its settings.

Everything that can be wrong in the configuration — rules, templates, channels — is checked
here, before anything runs: `ConfigurationError` names the rule, template or variable.
Tests build the service the same way, with their own clock and settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy import Engine

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
from libs.platform.http.key_authority import service_keyring
from libs.platform.sql.database import create_read_model_engine
from libs.platform.sql.migrations import upgrade
from services.notifications import projection
from services.notifications.application import (
    NOTIFICATION_TOPIC_PREFIXES,
    NotificationsApplication,
)
from services.notifications.channels import Channel, load_channels
from services.notifications.clock import Clock, offset_clock
from services.notifications.dispatcher import Dispatcher, DispatcherRunner
from services.notifications.recording import AcknowledgementRecorder
from services.notifications.rendering import MessageRenderer
from services.notifications.rules import Rules, RulesError, load_rules
from services.notifications.sending import RetryPolicy, Sender
from services.notifications.settings import NotificationsSettings
from services.notifications.tables import (
    delivery_attempts,
    follower_positions,
    notification_timers,
    notifications,
    surveys,
)
from services.notifications.templates import TemplateBook
from services.notifications.timers import DueTimers
from services.notifications.tokens import SurveyTokens, survey_key
from services.notifications.use_cases.dispatch import dispatch_notification
from services.notifications.use_cases.intake import Intake
from services.notifications.variables import sample_variables

MIGRATIONS = Path(__file__).parent / "migrations"
FEED = FeedSpec(
    source="/redress/notifications",
    type_prefix="dev.redress.notifications.",
    topic_prefixes=NOTIFICATION_TOPIC_PREFIXES,
)
COMPLAINTS = "complaints"
ADR_GATEWAY = "adr_gateway"


class ConfigurationError(RuntimeError):
    """The service cannot start with this configuration; the message says why."""


@dataclass
class NotificationsService:
    settings: NotificationsSettings
    clock: Clock
    application: NotificationsApplication
    engine: Engine
    keyring: KeyRing
    feed: EventFeed
    rules: Rules
    book: TemplateBook
    channels: dict[str, Channel]
    tokens: SurveyTokens
    dispatcher: Dispatcher
    dispatcher_runner: DispatcherRunner
    read_models: Follower
    followers: list[Follower] = field(default_factory=list)

    def start(self) -> None:
        for follower in self.followers:
            follower.start()
        self.dispatcher_runner.start()

    def rebuild_read_models(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Empties the read models and replays this service's log into them (run it with
        the service stopped). Timers come back from the events, so none is lost."""
        return rebuild(
            self.read_models,
            notifications,
            delivery_attempts,
            notification_timers,
            surveys,
            progress=progress,
        )

    def stop(self) -> None:
        self.dispatcher_runner.stop()
        for follower in self.followers:
            follower.stop()
        self.keyring.close()
        self.application.close()
        self.engine.dispose()


def migrate(settings: NotificationsSettings) -> None:
    upgrade(MIGRATIONS, settings.database_url)


def check_configuration(
    settings: NotificationsSettings, channels: dict[str, Channel]
) -> tuple[Rules, TemplateBook]:
    """The rules and their templates, or ConfigurationError naming the first problem."""
    try:
        rules = load_rules(settings.rules_file, set(channels))
        book = TemplateBook(settings.templates_dir, settings.default_locale)
        book.check(rules, lambda rule: sample_variables(rule, settings))
    except RulesError as error:
        raise ConfigurationError(str(error)) from None
    for name in sorted(rules.channels):
        reason = channels[name].unavailable()
        if reason is not None:
            users = [r.name for r in rules.rules if r.channel == name]
            raise ConfigurationError(
                f"channel '{name}' (used by rule '{users[0]}') cannot send: {reason}"
            )
    return rules, book


def bootstrap(
    settings: NotificationsSettings | None = None, clock: Clock | None = None
) -> NotificationsService:
    settings = settings or NotificationsSettings()
    clock = clock or offset_clock(settings.clock_offset_seconds)
    channels = load_channels(settings)
    rules, book = check_configuration(settings, channels)
    if settings.migrate_on_start:
        migrate(settings)
    application = NotificationsApplication(
        env=event_store_env(settings.database_url, pool_size=settings.db_pool_size)
    )
    engine = create_read_model_engine(settings.database_url, pool_size=settings.db_pool_size)
    feed = EventFeed(application, FEED)
    application.after_save.append(feed.signal.notify)
    try:
        tokens = SurveyTokens(survey_key(engine, settings.survey_secret))
    except ValueError as error:
        raise ConfigurationError(f"REDRESS_SURVEY_SECRET: {error}") from None
    dispatch = partial(
        dispatch_notification,
        notifications=application,
        renderer=MessageRenderer(book, tokens, settings.public_url),
        sender=Sender(
            channels,
            lambda n: tuple(book.enclosed(n.template, n.locale, dict(n.variables))),
        ),
        retries=RetryPolicy(settings.retry_schedule_seconds, settings.retry_jitter),
        clock=clock,
        acknowledgements=frozenset(r.name for r in rules.rules if r.is_acknowledgement),
        recorder=(
            AcknowledgementRecorder(
                settings.complaints_url, settings.complaints_api_key, settings.regimes_dir
            )
            if settings.complaints_url and settings.complaints_api_key
            else None
        ),
    )
    timers = DueTimers(
        engine, batch=settings.dispatch_batch, lease_seconds=settings.lease_seconds, clock=clock
    )
    dispatcher = Dispatcher(timers, dispatch)
    runner = DispatcherRunner(dispatcher, settings.dispatcher_poll_seconds)
    read_models = Follower(
        projection.NAME,
        LocalSource("notifications", feed),
        SqlSink(
            engine,
            projection.NAME,
            follower_positions,
            projection.ReadModelProjection(engine),
        ),
        leadership_for(settings.database_url, projection.NAME),
        wait_seconds=1.0,
        after_apply=runner.wake,
    )
    intake = Intake(rules, book, settings, clock)
    followers = [read_models]
    for upstream, url, key, handler in (
        (COMPLAINTS, settings.complaints_url, settings.complaints_api_key, intake.complaint_event),
        (ADR_GATEWAY, settings.adr_gateway_url, settings.adr_gateway_api_key, intake.gateway_event),
    ):
        if url and key:
            followers.append(
                Follower(
                    upstream,
                    HttpSource(upstream, url, key),
                    ApplicationSink(application, upstream, handler),
                    leadership_for(settings.database_url, f"notifications:{upstream}"),
                    wait_seconds=settings.follower_wait_seconds,
                )
            )
    return NotificationsService(
        settings=settings,
        clock=clock,
        application=application,
        engine=engine,
        keyring=service_keyring(application, settings, "notifications"),
        feed=feed,
        rules=rules,
        book=book,
        channels=channels,
        tokens=tokens,
        dispatcher=dispatcher,
        dispatcher_runner=runner,
        read_models=read_models,
        followers=followers,
    )
