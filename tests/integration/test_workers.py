"""`redress serve --workers N`: several processes serve one service on one port, as one.

- the workers' sockets hand out connections with Nagle's algorithm off (uvicorn's own
  shared socket does not: every keep-alive response then waits ~40 ms);
- requests on fresh connections reach every worker, and a scrape of any worker counts the
  requests and appends of all of them, including a worker that has since died, and
  reports the follower leader whichever worker leads;
- a worker that dies is replaced, stopping the service stops every worker, and workers
  whose supervisor was killed stop by themselves;
- a signing secret a process would draw for itself is drawn once for all workers;
- services that must run as one process refuse `--workers`, and a port another group of
  workers holds is refused.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from pathlib import Path

import httpx
import pytest

from services.complaints.settings import ComplaintsSettings
from services.serving import _share_secrets, listening_socket
from tests.support.adr import eventually
from tests.support.complaints import bearer, new_complaint
from tests.support.databases import fresh_postgres_database
from tests.support.processes import free_port, redress, redress_run, running

REQUESTS = 24


def worker_pids(parent: int) -> set[int]:
    """The supervisor's worker processes (spawned interpreters), from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == parent and b"spawn_main" in command:
            found.add(int(entry.name))
    return found


def scraped(url: str, sample: str) -> float:
    """One sample of /metrics, fetched over a fresh connection (so from any worker)."""
    for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_connections_from_the_workers_socket_have_nagle_off() -> None:
    async def accepted_nodelay() -> int:
        sock = listening_socket("127.0.0.1", 0, shared_port=True)
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def on_connection(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            accepted = writer.get_extra_info("socket")
            seen.set_result(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_connection, sock=sock)
        _, writer = await asyncio.open_connection(*sock.getsockname())
        try:
            return await asyncio.wait_for(seen, 5)
        finally:
            writer.close()
            server.close()

    assert asyncio.run(accepted_nodelay()) == 1


def test_a_history_link_secret_is_drawn_once_for_every_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("REDRESS_HISTORY_LINK_SECRET", raising=False)
    _share_secrets(ComplaintsSettings())
    drawn = os.environ["REDRESS_HISTORY_LINK_SECRET"]
    assert len(drawn) >= 32
    assert ComplaintsSettings().history_link_secret == drawn  # what each worker reads

    monkeypatch.setenv("REDRESS_HISTORY_LINK_SECRET", "set-by-the-operator")
    _share_secrets(ComplaintsSettings())
    assert os.environ["REDRESS_HISTORY_LINK_SECRET"] == "set-by-the-operator"


def test_processes_that_must_be_alone_refuse_workers() -> None:
    refused = redress_run("serve", "complaints-projection", "--workers", "2")
    assert refused.returncode == 2
    assert "--workers" in refused.stderr and "runs as one process" in refused.stderr


@pytest.mark.postgres
def test_two_workers_serve_one_port_as_one_service(tmp_path: Path) -> None:
    with fresh_postgres_database("redress_workers") as url:
        env = {
            "REDRESS_DATABASE_URL": url,
            "REDRESS_RATE_LIMIT_PER_SECOND": "0",
            # A follower of the gateway's feed (the gateway is not there: it retries).
            "REDRESS_ADR_GATEWAY_URL": f"http://127.0.0.1:{free_port()}",
            "REDRESS_ADR_GATEWAY_API_KEY": "not-needed",
        }
        key = redress("keys", "create", "--role", "crm", env=env).strip().splitlines()[-1]
        with running("complaints", env, tmp_path / "serve.log", "--workers", "2") as service:
            assert service.process is not None
            supervisor = service.process.pid
            eventually(lambda: len(worker_pids(supervisor)) == 2)

            # Each request on a connection of its own: the kernel spreads them.
            for _ in range(REQUESTS):
                opened = httpx.post(
                    f"{service.url}/v1/complaints",
                    json=new_complaint(),
                    headers=bearer(key),
                    timeout=10,
                )
                assert opened.status_code == 201, opened.text

            requests = 'http_requests_total{handler="/v1/complaints",method="POST",status="2xx"}'
            for _ in range(6):
                assert scraped(service.url, requests) == REQUESTS
                assert scraped(service.url, "redress_events_appended_total") == REQUESTS

            # One worker leads the follower; every scrape says so, whichever worker answers.
            leads = 'redress_follower_leader{follower="adr_gateway"}'
            eventually(lambda: scraped(service.url, leads) == 1)
            for _ in range(6):
                assert scraped(service.url, leads) == 1

            # A worker dies: another takes its place, and what it counted is still counted.
            died = min(worker_pids(supervisor))
            os.kill(died, signal.SIGKILL)
            eventually(lambda: len(worker_pids(supervisor) - {died}) == 2)
            for _ in range(6):
                assert scraped(service.url, requests) == REQUESTS

            listed = httpx.get(f"{service.url}/v1/complaints", headers=bearer(key), timeout=10)
            assert listed.status_code == 200

            workers = worker_pids(supervisor)
            service.process.send_signal(signal.SIGTERM)
            assert service.process.wait(timeout=30) == 0
            eventually(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers))


def test_workers_stop_by_themselves_when_their_supervisor_is_killed(tmp_path: Path) -> None:
    env = {"REDRESS_DATABASE_URL": f"sqlite:///{tmp_path}/complaints.db"}
    with running("complaints", env, tmp_path / "serve.log", "--workers", "2") as service:
        assert service.process is not None
        supervisor = service.process.pid
        eventually(lambda: len(worker_pids(supervisor)) == 2)
        workers = worker_pids(supervisor)
        service.kill()  # SIGKILL: no chance to stop its workers
        eventually(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers))


def test_a_port_another_group_of_workers_holds_is_refused(tmp_path: Path) -> None:
    env = {"REDRESS_DATABASE_URL": f"sqlite:///{tmp_path}/complaints.db"}
    with running("complaints", env, tmp_path / "serve.log", "--workers", "2") as service:
        second = redress_run(
            *("serve", "complaints", "--port", str(service.port), "--workers", "2"),
            env={"REDRESS_DATABASE_URL": f"sqlite:///{tmp_path}/other.db"},
        )
        assert second.returncode == 1
        assert f"cannot listen on 127.0.0.1:{service.port}" in second.stderr
