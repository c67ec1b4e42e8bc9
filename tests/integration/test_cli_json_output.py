"""`--json` output is pure JSON on stdout: `redress verify --all --json > file` leaves a file
that parses, whatever the progress bar drew (it draws on stderr), and log lines of any
command go to stderr too."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RunningComplaints
from tests.support.checkpoints import Deployment, a_complaint_with_notes
from tests.support.databases import fresh_postgres_database
from tests.support.processes import REPO
from tests.support.tsa import local_tsa


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own: `verify --all` answers for this test's events alone."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'complaints.db'}"
        return
    with fresh_postgres_database("redress_cli_json") as url:
        yield url


def redirected(deployment: Deployment, folder: Path, *args: str) -> tuple[int, str, str]:
    """`redress ARGS > out 2> err`, as a shell would run it."""
    out, err = folder / "out.json", folder / "err.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        status = subprocess.run(
            [sys.executable, "-m", "services.cli", *args],
            cwd=REPO,
            env={
                "REDRESS_DATABASE_URL": deployment.settings.database_url,
                "REDRESS_SIGNING_DIR": str(deployment.keys.directory),
                "REDRESS_CHECKPOINT_LOG": str(deployment.log),
                "PATH": "/usr/bin:/bin",
                "COLUMNS": "120",
            },
            stdout=stdout,
            stderr=stderr,
            timeout=120,
        ).returncode
    return status, out.read_text(), err.read_text()


async def test_every_json_command_writes_only_json_to_stdout(
    complaints: RunningComplaints, tmp_path: Path
) -> None:
    deployment = Deployment(complaints, tmp_path)
    complaint_id = await a_complaint_with_notes(complaints)
    deployment.checkpoint()

    status, out, err = redirected(deployment, tmp_path, "verify", "--all", "--json")
    result = json.loads(out)  # the whole file, nothing before or after the document
    assert status == 0 and result["valid"] is True
    assert "verifying every chain" in err  # the progress bar is drawn, on stderr

    against = ("verify", "--all", "--json", "--against", str(deployment.log))
    status, out, _ = redirected(deployment, tmp_path, *against)
    assert status == 0 and json.loads(out)["against"]["valid"] is True

    status, out, _ = redirected(deployment, tmp_path, "verify", complaint_id, "--json")
    assert status == 0 and json.loads(out)["valid"] is True

    status, out, _ = redirected(deployment, tmp_path, "keys", "signing", "show", "--json")
    assert status == 0 and json.loads(out) == {"keys": deployment.published_keys()}


async def test_a_commands_log_lines_go_to_stderr(
    complaints: RunningComplaints, tmp_path: Path
) -> None:
    with local_tsa(tmp_path / "tsa") as tsa:
        tsa.available = False  # the checkpoint is written; the TSA's failure is logged
        deployment = Deployment(complaints, tmp_path)
        await a_complaint_with_notes(complaints)
        run = subprocess.run(
            [sys.executable, "-m", "services.cli", "checkpoint"],
            cwd=REPO,
            env={
                "REDRESS_DATABASE_URL": deployment.settings.database_url,
                "REDRESS_SIGNING_DIR": str(deployment.keys.directory),
                "REDRESS_CHECKPOINT_LOG": str(deployment.log),
                "REDRESS_CHECKPOINT_TSA_URL": tsa.url,
                "PATH": "/usr/bin:/bin",
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("checkpoint #") and len(run.stdout.splitlines()) == 1
    assert "checkpoint not time-stamped" in run.stderr
    assert "not time-stamped (will retry)" in run.stderr
