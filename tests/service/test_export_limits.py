"""Exports run under a per-key concurrency limit (docs/api-conventions.md, "Exports"): a key
already running `REDRESS_EXPORT_CONCURRENCY_PER_KEY` exports is answered 429 with
`Retry-After` and a problem naming the limit; another key is unaffected; cheap requests are
answered while exports run, because exports run in the thread pool, never on the event loop.

Real servers on free ports, on PostgreSQL. An export is made slow the way a loaded database
makes it slow: the test holds a lock on a table only exports read (the complaint's event
hashes; the gateway's stored bundles), so the exports wait inside the database for as long
as the test says, and every timing here is an ordering, not a speed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from uuid import uuid4

import httpx
import psycopg

from libs.domain.values import Role
from libs.platform.eventstore.integrity.audit import chain_recorder
from libs.platform.http.export_limit import ExportSlots
from services.adr_gateway.app import create_app as create_gateway_app
from services.adr_gateway.bootstrap import bootstrap as gateway_bootstrap
from services.adr_gateway.webhook_secrets import new_webhook_secret
from services.complaints.app import create_app
from services.complaints.bootstrap import bootstrap
from services.complaints.settings import ComplaintsSettings
from tests.support.complaints import bearer, new_complaint
from tests.support.databases import fresh_postgres_database
from tests.support.gateway import Receiver, RunningGateway, gateway_settings, receiving
from tests.support.servers import serving

PROBLEM = "application/problem+json"


@contextmanager
def table_locked(database_url: str, table: str) -> Iterator[None]:
    """Holds an exclusive lock on `table` (readers wait) until the block ends."""
    with psycopg.connect(database_url) as connection:
        connection.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        try:
            yield
        finally:
            connection.rollback()


def wait_until(condition: Callable[[], bool], what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.02)


def assert_too_many_exports(response: httpx.Response, *, limit: int, scope: str) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == PROBLEM
    assert int(response.headers["Retry-After"]) >= 1
    problem = response.json()
    assert problem["type"] == "urn:redress:problem:too-many-exports"
    assert problem["limit"] == limit and problem["limit_scope"] == scope
    setting = "PER_KEY" if scope == "key" else "TOTAL"
    assert problem["setting"] == f"REDRESS_EXPORT_CONCURRENCY_{setting}"
    assert f"={limit}" in problem["detail"]


@contextmanager
def complaints_server(database_url: str, **settings: Any) -> Iterator[tuple[str, Any, Any]]:
    service = bootstrap(
        ComplaintsSettings(database_url=database_url, scheduler_enabled=False, **settings)
    )
    app = create_app(service)
    with serving(app) as url:
        yield url, service, app


def opened_complaint(url: str, key: str) -> str:
    with httpx.Client(base_url=url, headers=bearer(key), timeout=30) as client:
        opened = client.post("/v1/complaints", json=new_complaint())
        assert opened.status_code == 201, opened.text
        complaint_id = str(opened.json()["id"])
        for n in range(3):
            note = {"kind": "note", "direction": "internal", "summary": f"note {n}"}
            recorded = client.post(f"/v1/complaints/{complaint_id}/interactions", json=note)
            assert recorded.status_code == 201, recorded.text
        return complaint_id


def export(url: str, key: str, complaint_id: str, fmt: str) -> httpx.Response:
    with httpx.Client(base_url=url, headers=bearer(key), timeout=60) as client:
        return client.get(f"/v1/complaints/{complaint_id}/history/export", params={"format": fmt})


def test_a_key_running_its_limit_of_exports_gets_429_while_others_are_served(
    postgres_url: str,
) -> None:
    with complaints_server(postgres_url, export_concurrency_per_key=2) as (url, service, app):
        auditor = service.keyring.issue(role=Role.AUDITOR, name="busy-auditor")
        other = service.keyring.issue(role=Role.AUDITOR, name="other-auditor")[1]
        crm = service.keyring.issue(role=Role.CRM, name="crm")[1]
        complaint_id = opened_complaint(url, crm)
        key_id, key = str(auditor[0].id), auditor[1]
        slots: ExportSlots = app.state.export_slots
        hashes = chain_recorder(service.application.recorder).hashes_table

        with ThreadPoolExecutor(4) as pool:
            with table_locked(postgres_url, hashes):
                slow: list[Future[httpx.Response]] = [
                    pool.submit(export, url, key, complaint_id, fmt) for fmt in ("pdf", "json")
                ]
                wait_until(lambda: slots.running(key_id) == 2, "both exports hold a slot")

                one_too_many = export(url, key, complaint_id, "json")
                assert_too_many_exports(one_too_many, limit=2, scope="key")

                # Another key has slots of its own.
                theirs = pool.submit(export, url, other, complaint_id, "pdf")
                wait_until(lambda: slots.running() == 3, "the other key's export holds a slot")

                # A cheap request is answered while three exports are still running.
                with httpx.Client(base_url=url, headers=bearer(key), timeout=10) as client:
                    cheap = client.get(f"/v1/complaints/{complaint_id}")
                assert cheap.status_code == 200, cheap.text
                assert cheap.json()["id"] == complaint_id
                assert not any(f.done() for f in [*slow, theirs])

            pdf, json_export = (f.result(timeout=120) for f in slow)
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
            assert json_export.status_code == 200
            assert theirs.result(timeout=120).status_code == 200

        # Slots are given back when the exports end, refused ones included.
        assert slots.running() == 0
        assert export(url, key, str(uuid4()), "json").status_code == 404
        assert slots.running() == 0
        assert export(url, key, complaint_id, "json").status_code == 200


def test_the_service_wide_cap_refuses_a_third_key_when_full(postgres_url: str) -> None:
    with complaints_server(
        postgres_url, export_concurrency_per_key=2, export_concurrency_total=2
    ) as (url, service, app):
        keys = [service.keyring.issue(role=Role.AUDITOR, name=f"auditor-{n}")[1] for n in (1, 2, 3)]
        crm = service.keyring.issue(role=Role.CRM, name="crm")[1]
        complaint_id = opened_complaint(url, crm)
        slots: ExportSlots = app.state.export_slots
        hashes = chain_recorder(service.application.recorder).hashes_table

        with ThreadPoolExecutor(2) as pool:
            with table_locked(postgres_url, hashes):
                running = [pool.submit(export, url, k, complaint_id, "json") for k in keys[:2]]
                wait_until(lambda: slots.running() == 2, "two keys' exports hold slots")
                assert_too_many_exports(
                    export(url, keys[2], complaint_id, "json"), limit=2, scope="service"
                )
            assert [f.result(timeout=120).status_code for f in running] == [200, 200]
        assert export(url, keys[2], complaint_id, "json").status_code == 200


def test_the_gateway_limits_bundle_exports_per_key_the_same_way() -> None:
    receiver = Receiver()
    # A database of its own: the gateway's migrations are not the complaints service's.
    with fresh_postgres_database() as postgres_url, receiving(receiver) as provider_url:
        service = gateway_bootstrap(gateway_settings(postgres_url, export_concurrency_per_key=1))
        app = create_gateway_app(service)
        with serving(app) as url:
            admin = service.keyring.issue(role=Role.ADMIN, name="admin")[1]
            auditor = service.keyring.issue(role=Role.AUDITOR, name="auditor")[1]
            # Its helpers that need only the service (prepare a referral, read it back).
            running = RunningGateway(service, client=None, keys={})  # type: ignore[arg-type]
            with httpx.Client(base_url=url, headers=bearer(admin), timeout=30) as client:
                registered = client.post(
                    "/v1/providers",
                    json={
                        "name": "Provider for exports",
                        "methods": ["mediation"],
                        "adapter": "webhook",
                        "adapter_settings": {"url": provider_url},
                        "webhook_secret": new_webhook_secret(),
                    },
                )
                assert registered.status_code == 201, registered.text
            referral = running.prepared_referral(registered.json()["id"])
            # Delivered first: the worker reads the stored bundle too.
            wait_until(
                lambda: running.referral(referral).delivery == "delivered", "it is delivered"
            )
            bundle_url = f"/v1/referrals/{referral.reference}/bundle"
            slots: ExportSlots = app.state.export_slots

            def fetch(key: str, fmt: str) -> httpx.Response:
                with httpx.Client(base_url=url, headers=bearer(key), timeout=60) as client:
                    return client.get(bundle_url, params={"format": fmt})

            with ThreadPoolExecutor(2) as pool:
                with table_locked(postgres_url, "bundles"):
                    slow = pool.submit(fetch, admin, "pdf")
                    wait_until(lambda: slots.running() == 1, "the bundle export holds a slot")
                    assert_too_many_exports(fetch(admin, "json"), limit=1, scope="key")
                    theirs = pool.submit(fetch, auditor, "json")
                    wait_until(lambda: slots.running() == 2, "the other key's holds a slot")
                    with httpx.Client(base_url=url, headers=bearer(admin), timeout=10) as client:
                        cheap = client.get(f"/v1/referrals/{referral.reference}")
                    assert cheap.status_code == 200, cheap.text
                    assert not slow.done() and not theirs.done()
                pdf = slow.result(timeout=120)
                assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
                assert theirs.result(timeout=120).status_code == 200
