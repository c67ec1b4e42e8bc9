"""The operator's `redress` command line, run as an operator would (real processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.complaints import bearer, new_complaint
from tests.support.processes import REPO, free_port, redress, redress_run, running


def test_keys_migrate_serve_rebuild_and_revoke(database_url: str, tmp_path: Path) -> None:
    env = {"REDRESS_DATABASE_URL": database_url}
    assert "read models migrated" in redress("migrate", "complaints", env=env)
    created = redress("keys", "create", "--role", "crm", "--name", "acme-crm", env=env)
    secret = created.strip().splitlines()[-1]
    key_id = created.split("key id: ")[1].split()[0]
    assert secret.startswith("rdk_")

    with running("complaints", env, tmp_path / "complaints.log") as service:
        opened = httpx.post(
            f"{service.url}/v1/complaints", json=new_complaint(), headers=bearer(secret)
        )
        assert opened.status_code == 201, opened.text
        assert httpx.get(f"{service.url}/readyz").status_code == 200
        assert (
            httpx.get(f"{service.url}/openapi.json").json()["info"]["title"].startswith("Redress")
        )

    rebuilt = redress("rebuild-read-models", "complaints", env=env)
    assert "replayed" in rebuilt
    assert "revoked" in redress("keys", "revoke", key_id, env=env)

    with running("complaints", env, tmp_path / "complaints-2.log") as service:
        refused = httpx.get(f"{service.url}/v1/complaints", headers=bearer(secret))
        assert refused.status_code == 401


def test_redress_up_starts_the_system_and_prints_a_key(tmp_path: Path) -> None:
    """What `make run` runs: the services start, a development key is printed, and Ctrl-C
    stops them all."""
    workdir = tmp_path / "checkout"
    workdir.mkdir()
    port, projection_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "up"],
        cwd=workdir,
        env={
            **os.environ,
            "PYTHONPATH": str(REPO),
            "REDRESS_COMPLAINTS_PORT": str(port),
            "REDRESS_COMPLAINTS_PROJECTION_PORT": str(projection_port),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    key = None
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.strip().startswith("rdk_"):
            key = line.strip()
            break
    try:
        assert key is not None, "".join(lines)
        created = httpx.post(
            f"http://127.0.0.1:{port}/v1/complaints",
            json={
                "customer": {"id": "C-1", "name": "Ada"},
                "channel": "web",
                "category": "billing",
                "description": "charged twice",
            },
            headers=bearer(key),
        )
        assert created.status_code == 201, created.text
        api_ready = httpx.get(f"http://127.0.0.1:{port}/readyz").json()
        assert api_ready["checks"]["projection"] == "separate"
        # The list is kept by its own process: it catches up without anyone listing.
        projection = f"http://127.0.0.1:{projection_port}/readyz"
        for _ in range(100):
            checks = httpx.get(projection).json()["checks"]
            if checks.get("projection_lag") == 0:
                break
            time.sleep(0.1)
        assert checks == {"database": "ok", "projection": "running", "projection_lag": 0}
        listed = httpx.get(f"http://127.0.0.1:{port}/v1/complaints", headers=bearer(key))
        assert listed.status_code == 200
        assert [c["id"] for c in listed.json()["items"]] == [created.json()["id"]]
        assert (workdir / "var" / "complaints.db").exists()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0


def test_every_service_rebuilds_its_read_models(tmp_path: Path) -> None:
    for service in ("complaints", "complaints-projection", "adr-gateway", "notifications"):
        env = {"REDRESS_DATABASE_URL": f"sqlite:///{tmp_path / service}.db"}
        redress("migrate", service.replace("-", "_"), env=env)
        assert "replayed" in redress("rebuild-read-models", service, env=env)


PROCESSES = ("--processes", "2")


def test_only_the_complaints_rebuild_takes_helper_processes(tmp_path: Path) -> None:
    env = {"REDRESS_DATABASE_URL": f"sqlite:///{tmp_path}/complaints.db"}
    redress("migrate", "complaints", env=env)
    assert "replayed" in redress("rebuild-read-models", "complaints", *PROCESSES, env=env)
    refused = redress_run(
        "rebuild-read-models",
        "notifications",
        *PROCESSES,
        env={"REDRESS_DATABASE_URL": f"sqlite:///{tmp_path}/notifications.db"},
    )
    assert refused.returncode == 2
    assert "notifications rebuilds in one process" in refused.stderr


def test_a_setting_out_of_range_is_named_without_a_traceback(tmp_path: Path) -> None:
    refused = redress_run(
        "migrate",
        "complaints",
        env={
            "REDRESS_DATABASE_URL": f"sqlite:///{tmp_path}/complaints.db",
            "REDRESS_WORKERS": "0",
        },
    )
    assert refused.returncode == 1
    assert "invalid setting: REDRESS_WORKERS: Input should be greater than or equal to 1" in (
        refused.stderr
    )
    assert "Traceback" not in refused.stderr


def test_migrate_without_a_service_migrates_every_service_that_keeps_a_database(
    tmp_path: Path,
) -> None:
    # Run where `var/` is the test's own: each service's default SQLite file lands there.
    completed = subprocess.run(
        [sys.executable, "-m", "services.cli", "migrate"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    migrated = [line.split(":")[0] for line in completed.stdout.splitlines()]
    assert migrated == ["complaints", "adr_gateway", "notifications"]
    assert {p.name for p in (tmp_path / "var").glob("*.db")} == {
        "complaints.db",
        "adr_gateway.db",
        "notifications.db",
    }
