"""Every service exposes on /metrics what an operator watches: request rate and latency by
route, events appended, follower lag, outbox depth, retries, dead letters and timers due."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from libs.domain.values import Role
from services.notifications.app import create_app as notifications_app
from services.notifications.bootstrap import bootstrap as notifications_bootstrap
from services.notifications.settings import NotificationsSettings
from tests.conftest import RunningComplaints
from tests.support.complaints import new_complaint
from tests.support.databases import fresh_postgres_database
from tests.support.gateway import (
    Receiver,
    gateway_settings,
    receiving,
    running_gateway,
    sqlite_url,
)

REQUESTS = ("http_requests_total", "http_request_duration_seconds")
FOLLOWERS = ("redress_follower_lag", "redress_follower_position", "redress_follower_leader")


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus' text format."""
    wanted = "".join(f'(?=[^}}]*{k}="{re.escape(v)}")' for k, v in labels.items())
    pattern = rf"^{re.escape(name)}(?:\{{{wanted}[^}}]*\}})? (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    assert found, f"no sample {name} {labels} in /metrics"
    return float(found.group(1))


def assert_names(text: str, *names: str) -> None:
    """Declared, even when there is nothing to report yet (e.g. no follower configured)."""
    missing = [n for n in names if not re.search(rf"^# TYPE {re.escape(n)} ", text, re.MULTILINE)]
    assert not missing, f"/metrics lacks {missing}"


@pytest.fixture(params=["sqlite", "postgres"])
def gateway_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    with fresh_postgres_database("redress_test_metrics") as url:
        yield url


async def test_complaints_metrics(complaints: RunningComplaints) -> None:
    created = await complaints.client.post(
        "/v1/complaints", json=new_complaint(), headers=complaints.headers(Role.CRM)
    )
    assert created.status_code == 201, created.text
    text = (await complaints.client.get("/metrics")).text
    assert_names(text, *REQUESTS, *FOLLOWERS, "redress_timers_due")
    assert sample(text, "redress_events_appended_total") >= 1
    assert sample(text, "http_requests_total", handler="/v1/complaints", method="POST") >= 1
    assert sample(text, "redress_timers_due") == complaints.service.scheduler.due_count()


async def test_gateway_metrics_count_retries_and_dead_letters(gateway_database: str) -> None:
    receiver = Receiver(script=[503, 503, 503, 503])
    settings = gateway_settings(gateway_database, delivery_schedule_seconds=[0.1, 0.1, 0.1])
    async with running_gateway(settings) as gateway:
        with receiving(receiver) as url:
            provider = await gateway.register(url)
            referral = gateway.prepared_referral(provider["id"])
            deadline = time.monotonic() + 15
            while True:
                text = (await gateway.client.get("/metrics")).text
                if sample(text, "redress_deliveries_dead_lettered_total") >= 1:
                    break
                assert time.monotonic() < deadline, "the referral was never dead-lettered"
                await asyncio.sleep(0.1)
        assert gateway.referral(referral).delivery == "dead_lettered"
        assert_names(text, *REQUESTS, *FOLLOWERS)
        assert sample(text, "redress_delivery_retries_total") == 3
        assert sample(text, "redress_outbox_depth", stage="deliver") == 0
        assert sample(text, "redress_outbox_due", stage="prepare") == 0
        assert sample(text, "redress_outbox_oldest_due_seconds") == 0
        assert sample(text, "redress_events_appended_total") >= 5
        assert sample(text, "http_requests_total", handler="/v1/providers", method="POST") == 1
        assert sample(text, "redress_metrics_read_errors_total", collector="delivery") == 0


async def test_gateway_metrics_survive_a_database_that_is_gone(tmp_path: Path) -> None:
    async with running_gateway(gateway_settings(sqlite_url(tmp_path))) as gateway:
        # Background workers reopen the file the moment it disappears, so the folder
        # itself goes, and a plain file takes its place: no path below it can be created.
        tmp_path.rename(tmp_path.with_name(tmp_path.name + "-gone"))
        tmp_path.touch()
        gateway.service.engine.dispose()
        response = await gateway.client.get("/metrics")
        assert response.status_code == 200
        assert sample(response.text, "redress_metrics_read_errors_total", collector="delivery") == 1


async def test_notifications_metrics(tmp_path: Path) -> None:
    settings = NotificationsSettings(
        database_url=f"sqlite:///{tmp_path / 'notifications.db'}",
        _env_file=None,  # type: ignore[call-arg]
    )
    service = notifications_bootstrap(settings)
    service.keyring.issue(role=Role.ADMIN, name="metrics")
    app = notifications_app(service)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://notifications.test"
        ) as client,
    ):
        await client.get("/healthz")
        text = (await client.get("/metrics")).text
    assert_names(text, *REQUESTS, *FOLLOWERS)
    assert sample(text, "redress_events_appended_total") >= 1
    assert sample(text, "redress_timers_due") == 0
    assert sample(text, "redress_outbox_depth", stage="scheduled") == 0
    assert sample(text, "redress_delivery_retries_total") == 0
    assert sample(text, "redress_deliveries_dead_lettered_total") == 0
