"""The README's walk-through is true: `docs/examples/complaint-journey.sh`, which the README
shows line for line, drives one complaint through its whole internal life against a live
complaints service, and stops with the problem document at the first refusal."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.support.processes import REPO, ServiceProcess, redress, running

SCRIPT = REPO / "docs" / "examples" / "complaint-journey.sh"
MARKER = "# --- README.md shows what follows, line for line ---\n"


def walk_through(service: ServiceProcess, key: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT)],
        env={**os.environ, "API": service.url, "KEY": key},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_readme_shows_the_script_line_for_line() -> None:
    script = SCRIPT.read_text()
    assert MARKER in script
    assert script.split(MARKER, 1)[1] in (REPO / "README.md").read_text()


def test_the_walk_through_runs_against_a_live_service(tmp_path: Path) -> None:
    env = {"REDRESS_DATABASE_URL": f"sqlite:///{tmp_path / 'complaints.db'}"}
    redress("migrate", "complaints", env=env)
    admin = redress("keys", "create", "--role", "admin", "--name", "readme", env=env)
    with running("complaints", env, tmp_path / "complaints.log") as service:
        done = walk_through(service, admin.strip().splitlines()[-1])
        refused = walk_through(service, "rdk_not_a_key")

    assert done.returncode == 0, done.stderr
    opened, *answers = done.stdout.splitlines()
    assert opened.startswith(f"opened {service.url}/v1/complaints/")
    # Version 12, then the digest of its deadlines as computed for this read.
    assert re.fullmatch(r'etag: "12\.[0-9a-f]{12}"', answers[9]), answers[9]
    answers[9] = "etag"
    assert answers == [
        "2",  # the call: the complaint's second event
        "open",  # the note
        "supervisor",  # escalated
        "accepted",  # the offer
        "resolved",
        "final_response_issued",
        "final_response_issued",  # the appeal dismissed: back where it was
        "closed",
        "open",  # reopened
        "etag",
        "Reopened",  # the last event of its history
        "open",  # in the list
    ]
    assert refused.returncode != 0
    assert refused.stdout == ""
    assert "urn:redress:problem:unauthenticated" in refused.stderr
