"""The follower library against a real upstream: the complaints service over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate
from sqlalchemy import Column, Connection, Engine, Integer, MetaData, String, Table, select

from libs.domain.complaint import Complaint
from libs.domain.values import CommandContext, Role
from libs.platform.eventstore.application import GroupCommitApplication, event_store_env
from libs.platform.follower import (
    ApplicationSink,
    Backoff,
    FeedEvent,
    FileLeadership,
    Follower,
    HttpSource,
    PositionMoved,
    PostgresLeadership,
    SqlSink,
    UnitOfWork,
    follower_positions_table,
)
from libs.platform.sql.database import create_read_model_engine
from services.complaints.app import create_app
from services.complaints.bootstrap import ComplaintsService, bootstrap
from services.complaints.settings import ComplaintsSettings
from tests.support.processes import free_port
from tests.support.servers import serving

CONTEXT = CommandContext("crm:test", "crm", "corr", datetime.now(UTC))


@dataclass
class Upstream:
    service: ComplaintsService
    url: str
    key: str

    def open_complaints(self, count: int, category: str = "billing") -> list[str]:
        """Records complaints straight into the upstream's log (one insert)."""
        complaints = [
            Complaint.receive(
                CONTEXT,
                complaint_id=uuid4(),
                customer={"id": "C-1", "name": "Ada"},
                channel="email",
                category=category,
                description="charged twice",
            )
            for _ in range(count)
        ]
        self.service.application.save(*complaints)
        return [str(c.id) for c in complaints]

    def source(self, **options: Any) -> HttpSource:
        return HttpSource("complaints", self.url, self.key, **options)


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[Upstream]:
    service = bootstrap(ComplaintsSettings(database_url=f"sqlite:///{tmp_path / 'up.db'}"))
    _, key = service.keyring.issue(role=Role.SERVICE, name="follower-test")
    with serving(create_app(service)) as url:
        yield Upstream(service, url, key)


# -- a downstream read model kept by a SqlSink ------------------------------------------------

metadata = MetaData()
positions = follower_positions_table(metadata)
seen = Table(
    "seen",
    metadata,
    Column("event_id", String(80), primary_key=True),  # a second write of an event fails
    Column("position", Integer, nullable=False),
)


@pytest.fixture(params=["sqlite", "postgres"])
def downstream(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'down.db'}"
    else:
        url = str(request.getfixturevalue("postgres_url"))
    engine = create_read_model_engine(url, pool_size=2)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    yield engine
    metadata.drop_all(engine)
    engine.dispose()


def record_seen(connection: Connection, events: list[FeedEvent]) -> None:
    connection.execute(seen.insert(), [{"event_id": e.id, "position": e.position} for e in events])


def seen_ids(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return [r[0] for r in connection.execute(select(seen.c.event_id).order_by(seen.c.position))]


def follower(upstream: Upstream, engine: Engine, handler: Any = record_seen, **options: Any):
    sink = SqlSink(engine, "complaints", positions, handler)
    leadership = FileLeadership(Path(f"/tmp/redress-test-{uuid4().hex}.lock"), "complaints")
    return Follower("complaints", upstream.source(), sink, leadership, **options)


def test_every_event_is_applied_once_and_a_restart_resumes_where_it_stopped(
    upstream: Upstream, downstream: Engine
) -> None:
    first = upstream.open_complaints(5)
    assert follower(upstream, downstream, batch_size=2).catch_up() > 0
    assert seen_ids(downstream) == [f"{c}/1" for c in first]

    # A new process: it reads the position from the database, not from memory.
    restarted = follower(upstream, downstream, batch_size=2)
    assert restarted.catch_up() == 0
    later = upstream.open_complaints(2)
    restarted.catch_up()
    assert seen_ids(downstream) == [f"{c}/1" for c in first + later]


def test_a_page_that_fails_midway_leaves_neither_rows_nor_a_new_position(
    upstream: Upstream, downstream: Engine
) -> None:
    opened = upstream.open_complaints(3)

    def fails_on_the_third(connection: Connection, events: list[FeedEvent]) -> None:
        for index, event in enumerate(events):
            if index == 2:
                raise RuntimeError("the disk is full")
            record_seen(connection, [event])

    broken = follower(upstream, downstream, fails_on_the_third, batch_size=100)
    with pytest.raises(RuntimeError):
        broken.catch_up()
    assert seen_ids(downstream) == []
    assert broken.sink.position() == 0

    follower(upstream, downstream).catch_up()
    assert seen_ids(downstream) == [f"{c}/1" for c in opened]


def test_a_page_already_recorded_by_another_follower_is_not_applied_again(
    upstream: Upstream, downstream: Engine
) -> None:
    upstream.open_complaints(2)
    page = upstream.source().read(0, 100, 0)
    one = SqlSink(downstream, "complaints", positions, record_seen)
    other = SqlSink(downstream, "complaints", positions, record_seen)
    one.apply(page)
    with pytest.raises(PositionMoved):
        other.apply(page)
    assert len(seen_ids(downstream)) == 2


def test_it_backs_off_while_the_upstream_is_down_and_catches_up_when_it_is_back(
    tmp_path: Path,
) -> None:
    service = bootstrap(ComplaintsSettings(database_url=f"sqlite:///{tmp_path / 'up.db'}"))
    _, key = service.keyring.issue(role=Role.SERVICE, name="follower-test")
    port = free_port()
    upstream = Upstream(service, f"http://127.0.0.1:{port}", key)
    opened = upstream.open_complaints(3)
    engine = create_read_model_engine(f"sqlite:///{tmp_path / 'down.db'}")
    metadata.create_all(engine)
    running = follower(
        upstream, engine, wait_seconds=0.5, backoff=Backoff(initial=0.05, maximum=0.2)
    )
    running.start()
    try:
        _eventually(lambda: running.status().last_error is not None)
        assert "UpstreamUnavailable" in str(running.status().last_error)
        assert running.status().running

        with serving(create_app(service), port=port):
            _eventually(lambda: len(seen_ids(engine)) == 3, timeout=10)
            assert seen_ids(engine) == [f"{c}/1" for c in opened]
            _eventually(lambda: running.status().last_error is None)
            assert running.status().lag == 0
    finally:
        running.stop()


def test_the_upstream_refusing_the_key_is_reported_not_fatal(
    upstream: Upstream, tmp_path: Path
) -> None:
    engine = create_read_model_engine(f"sqlite:///{tmp_path / 'down.db'}")
    metadata.create_all(engine)
    source = HttpSource("complaints", upstream.url, "rdk_not-a-key")
    sink = SqlSink(engine, "complaints", positions, record_seen)
    running = Follower(
        "complaints",
        source,
        sink,
        FileLeadership(tmp_path / "lock", "complaints"),
        backoff=Backoff(initial=0.05, maximum=0.1),
    )
    running.start()
    try:
        _eventually(lambda: "401" in str(running.status().last_error))
        assert running.status().running
    finally:
        running.stop()


def test_only_one_process_leads_an_upstream(tmp_path: Path, postgres_url: str) -> None:
    for make in (
        lambda: FileLeadership(tmp_path / "complaints.lock", "complaints"),
        lambda: PostgresLeadership(postgres_url, f"complaints-{uuid4()}"),
    ):
        first = make()
        second = make()
        if isinstance(second, PostgresLeadership):
            second._key = first._key  # type: ignore[attr-defined]
        assert first.acquire()
        assert first.acquire()  # holding it is not losing it
        assert not second.acquire()
        first.release()
        assert second.acquire()
        second.release()


# -- an event-sourced downstream: events and tracking in one transaction ----------------------


class Tally(Aggregate):
    """How many complaints the upstream received in a category."""

    def __init__(self, category: str) -> None:
        self.category = category
        self.count = 0

    @staticmethod
    def id_for(category: str) -> Any:
        from uuid import NAMESPACE_URL, uuid5

        return uuid5(NAMESPACE_URL, f"tally/{category}")

    @classmethod
    def start(cls, category: str) -> Tally:
        return cls._create(cls.Created, id=cls.id_for(category), category=category)

    class Counted(Aggregate.Event):
        complaint_id: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Tally)
            aggregate.count += 1

    def count_one(self, complaint_id: str) -> None:
        self.trigger_event(self.Counted, complaint_id=complaint_id)


class Tallies(GroupCommitApplication):
    name = "Tallies"
    follows_upstreams = True
    snapshotting_intervals: ClassVar[dict[type, int]] = {}


def tally(unit: UnitOfWork, event: FeedEvent) -> None:
    if event.name != "ComplaintReceived":
        return
    category = event.data["category"]
    aggregate = unit.find(Tally.id_for(category))
    if aggregate is None:
        aggregate = Tally.start(category)
        unit.add(aggregate)
    assert isinstance(aggregate, Tally)
    aggregate.count_one(event.subject)


@pytest.fixture(params=["sqlite", "postgres"])
def tallies(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Tallies]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tallies.db'}"
        yield Tallies(env=event_store_env(url, pool_size=2))
        return
    from tests.support.databases import fresh_postgres_database

    with fresh_postgres_database() as url:
        application = Tallies(env=event_store_env(url, pool_size=2))
        yield application
        application.close()


def test_an_event_sourced_follower_records_events_and_position_together(
    upstream: Upstream, tallies: Tallies
) -> None:
    upstream.open_complaints(3, category="billing")
    upstream.open_complaints(2, category="refund")
    sink = ApplicationSink(tallies, "complaints", tally)
    source = upstream.source()
    first = source.read(0, 4, 0)
    rest = source.read(first.next_after, 100, 0)

    sink.apply(first)
    sink.apply(rest)

    billing = tallies.repository.get(Tally.id_for("billing"))
    refund = tallies.repository.get(Tally.id_for("refund"))
    assert (billing.count, refund.count) == (3, 2)
    assert sink.position() == rest.next_after

    # The same page again (a crashed follower's retry, a second replica): refused whole.
    head = tallies.recorder.max_notification_id()
    with pytest.raises(PositionMoved):
        sink.apply(rest)
    assert tallies.recorder.max_notification_id() == head


def test_an_application_without_tracking_cannot_be_a_sink(tmp_path: Path) -> None:
    class Plain(GroupCommitApplication):
        name = "Plain"

    application = Plain(env=event_store_env(f"sqlite:///{tmp_path / 'plain.db'}"))
    with pytest.raises(TypeError, match="ProcessRecorder"):
        ApplicationSink(application, "complaints", tally)


def test_catching_up_applies_the_feed_in_pages_not_event_by_event(
    upstream: Upstream, tmp_path: Path
) -> None:
    """The speed itself is measured by `python -m bench.follower`; here, what makes it: a
    page of events is one call, one transaction, whatever its size."""
    count = 20_000
    upstream.open_complaints(count)
    engine = create_read_model_engine(f"sqlite:///{tmp_path / 'down.db'}")
    metadata.create_all(engine)
    pages: list[int] = []

    def count_them(_: Connection, events: list[FeedEvent]) -> None:
        pages.append(len(events))

    fast = follower(upstream, engine, count_them, batch_size=2000)
    fast.catch_up()
    assert sum(pages) == count
    # Pages of up to 2,000 feed positions (the upstream's own first event is not ours).
    assert len(pages) <= count // 2000 + 1
    assert max(pages) == 2000


def _eventually(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)
