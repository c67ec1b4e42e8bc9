"""The database restarts under load: while it is down clients get 503 with Retry-After —
never a 500, never a hang, never a dropped connection — and the service recovers by itself;
every complaint it acknowledged is still there."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx

from tests.support.complaints import bearer, new_complaint
from tests.support.private_postgres import private_postgres
from tests.support.processes import redress, running

CLIENTS = 4
REQUEST_TIMEOUT = 20.0
# Longer than the event store's own reconnect attempts, so clients do see the outage.
OUTAGE_SECONDS = 15


def test_clients_see_503_while_the_database_is_down_and_nothing_acknowledged_is_lost(
    tmp_path: Path,
) -> None:
    with private_postgres() as database:
        env = {"REDRESS_DATABASE_URL": database.url, "REDRESS_RATE_LIMIT_PER_SECOND": "0"}
        redress("migrate", "complaints", env=env)
        key = redress("keys", "create", "--role", "crm", env=env).strip().splitlines()[-1]
        with running("complaints", env, tmp_path / "complaints.log") as service:
            statuses: list[int] = []
            retry_afters: list[str | None] = []
            acknowledged: list[str] = []
            hung: list[str] = []
            dropped: list[str] = []
            stop = threading.Event()

            def client() -> None:
                with httpx.Client(base_url=service.url, timeout=REQUEST_TIMEOUT) as http:
                    while not stop.is_set():
                        try:
                            response = http.post(
                                "/v1/complaints", json=new_complaint(), headers=bearer(key)
                            )
                        except httpx.TimeoutException as error:
                            hung.append(repr(error))
                            continue
                        except httpx.TransportError as error:
                            # e.g. a reset: the server dropped the connection after answering
                            dropped.append(repr(error))
                            continue
                        statuses.append(response.status_code)
                        if response.status_code == 201:
                            acknowledged.append(response.json()["id"])
                        elif response.status_code == 503:
                            retry_afters.append(response.headers.get("retry-after"))
                            time.sleep(0.2)

            threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
            for thread in threads:
                thread.start()
            time.sleep(2)
            database.stop()
            time.sleep(OUTAGE_SECONDS)
            database.start()
            recovered_by = time.monotonic() + 30
            before = len(acknowledged)
            while time.monotonic() < recovered_by and len(acknowledged) < before + 20:
                time.sleep(0.2)
            stop.set()
            for thread in threads:
                thread.join(timeout=REQUEST_TIMEOUT + 5)

            assert not hung, hung[:3]
            assert not dropped, dropped[:3]
            assert 500 not in statuses
            assert set(statuses) <= {201, 503}, sorted(set(statuses))
            assert 503 in statuses, "the outage was never seen by a client"
            assert all(value is not None and int(value) > 0 for value in retry_afters)
            assert len(acknowledged) >= before + 20, "the service did not recover"
            with httpx.Client(base_url=service.url, timeout=10) as http:
                for complaint_id in acknowledged:
                    assert (
                        http.get(f"/v1/complaints/{complaint_id}", headers=bearer(key)).status_code
                        == 200
                    )
            ready = httpx.get(f"{service.url}/readyz", timeout=10)
            assert ready.status_code == 200, ready.text
