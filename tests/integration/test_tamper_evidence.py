"""Someone with database access edits the stored events; verification names what changed.

Each test changes rows directly in SQLite (`stored_events`) and in PostgreSQL
(`complaints_events`), then asks the API, the bulk verifier and the CLI."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from libs.domain.values import Role
from libs.platform.eventstore.integrity.audit import chain_recorder, verify_all, write_checkpoint
from tests.conftest import RunningComplaints
from tests.support.complaints import new_complaint
from tests.support.databases import fresh_postgres_database
from tests.support.processes import REPO
from tests.support.tamper import StoredRows


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own per test: a tampered log must not reach other tests' readers."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'complaints.db'}"
        return
    with fresh_postgres_database("redress_tamper") as url:
        yield url


async def a_complaint_with_notes(complaints: RunningComplaints, notes: int = 4) -> str:
    client, crm = complaints.client, complaints.headers(Role.CRM)
    opened = await client.post("/v1/complaints", json=new_complaint(), headers=crm)
    complaint_id: str = opened.json()["id"]
    for n in range(notes):
        response = await client.post(
            f"/v1/complaints/{complaint_id}/interactions",
            json={"kind": "note", "direction": "internal", "summary": f"note {n + 1}"},
            headers=crm,
        )
        assert response.status_code == 201, response.text
    return complaint_id


async def verification(complaints: RunningComplaints, complaint_id: str) -> dict[str, Any]:
    response = await complaints.client.get(
        f"/v1/complaints/{complaint_id}/history/verify", headers=complaints.headers(Role.AUDITOR)
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def verify_everything(complaints: RunningComplaints) -> dict[str, Any]:
    return verify_all(chain_recorder(complaints.service.application.recorder)).as_dict()


def redress_verify(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", "verify", *args],
        cwd=REPO,
        env={"REDRESS_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_an_edited_payload_is_named_by_version(
    complaints: RunningComplaints, database_url: str
) -> None:
    complaint_id = await a_complaint_with_notes(complaints)
    untouched = await a_complaint_with_notes(complaints, 1)

    def soften(state: dict[str, Any]) -> None:
        state["summary"] = "nothing happened"

    StoredRows(database_url).edit_payload(complaint_id, 3, soften)

    result = await verification(complaints, complaint_id)
    assert result["valid"] is False
    assert result["first_bad_version"] == 3
    assert "altered" in result["reason"]
    assert [p["version"] for p in result["problems"]] == [3]  # pinned to the edited row
    assert (await verification(complaints, untouched))["valid"] is True

    # (On PostgreSQL the database is shared by the session's tests: look only at ours.)
    everything = verify_everything(complaints)
    failed = {f["originator_id"] for f in everything["failures"]}
    assert everything["valid"] is False and complaint_id in failed and untouched not in failed

    cli = redress_verify(database_url, "--all")
    assert cli.returncode == 1, cli.stdout + cli.stderr
    assert complaint_id in cli.stdout and "version 3" in cli.stdout
    single = redress_verify(database_url, untouched)
    assert single.returncode == 0 and "valid" in single.stdout


async def test_a_deleted_event_is_named(complaints: RunningComplaints, database_url: str) -> None:
    complaint_id = await a_complaint_with_notes(complaints)
    StoredRows(database_url).delete_event(complaint_id, 2)
    result = await verification(complaints, complaint_id)
    assert result["valid"] is False and result["first_bad_version"] == 2
    assert "missing" in result["reason"] and "deleted" in result["reason"]

    last = await a_complaint_with_notes(complaints, 2)
    StoredRows(database_url).delete_event(last, 3)  # the newest event: no gap left behind
    result = await verification(complaints, last)
    assert result["valid"] is False and result["first_bad_version"] == 3
    assert "recorded but" in result["reason"]
    # The replayed state no longer adds up either; it is refused, never a 500.
    replay = await complaints.client.get(
        f"/v1/complaints/{complaint_id}",
        params={"version": 3},
        headers=complaints.headers(Role.AUDITOR),
    )
    assert replay.status_code in (409, 422), replay.text


async def test_a_gap_in_one_complaint_does_not_stop_the_list(
    complaints: RunningComplaints, database_url: str
) -> None:
    complaints.service.projection_runner.stop()  # the list's own catch-up meets the gap
    broken = await a_complaint_with_notes(complaints)
    StoredRows(database_url).delete_event(broken, 2)
    healthy = await a_complaint_with_notes(complaints)

    listed = await complaints.client.get("/v1/complaints", headers=complaints.headers(Role.AUDITOR))

    assert listed.status_code == 200, listed.text
    assert healthy in {item["id"] for item in listed.json()["items"]}
    assert UUID(broken) in complaints.service.projector.unprojectable


async def test_two_swapped_events_are_named(
    complaints: RunningComplaints, database_url: str
) -> None:
    complaint_id = await a_complaint_with_notes(complaints)
    StoredRows(database_url).swap(complaint_id, 2, 4)
    result = await verification(complaints, complaint_id)
    assert result["valid"] is False and result["first_bad_version"] == 2
    assert "swapped" in result["reason"]
    assert {p["version"] for p in result["problems"]} == {2, 4}
    history = await complaints.client.get(
        f"/v1/complaints/{complaint_id}/history", headers=complaints.headers(Role.AUDITOR)
    )
    assert history.status_code == 200  # the damaged history can still be read


async def test_a_deleted_complaint_is_caught_by_the_checkpoint(
    complaints: RunningComplaints, database_url: str
) -> None:
    kept = await a_complaint_with_notes(complaints, 1)
    doomed = await a_complaint_with_notes(complaints, 2)
    recorder = chain_recorder(complaints.service.application.recorder)
    checkpoint = write_checkpoint(recorder)
    assert checkpoint is not None and checkpoint.aggregates >= 2
    assert write_checkpoint(recorder) is None  # nothing new since: nothing written

    # Events and their hashes deleted together: only the checkpoint remembers the complaint.
    StoredRows(database_url).delete_complaint(doomed, with_hashes=True)

    result = await verification(complaints, doomed)
    assert result["valid"] is False and result["events"] == 0
    assert f"checkpoint #{checkpoint.seq}" in result["reason"] and "deleted" in result["reason"]
    assert (await verification(complaints, kept))["valid"] is True

    everything = verify_everything(complaints)
    failed = {f["originator_id"]: f for f in everything["failures"]}
    assert doomed in failed and kept not in failed
    assert "deleted" in failed[doomed]["reason"]
    assert everything["checkpoint"]["seq"] == checkpoint.seq
    cli = redress_verify(database_url, "--all")
    assert cli.returncode == 1 and doomed in cli.stdout


async def test_a_rewritten_chain_is_caught_by_the_checkpoint(
    complaints: RunningComplaints, database_url: str
) -> None:
    """Rewriting an event and recomputing every hash after it passes the chain check, but
    not the checkpoint that anchored the original head."""
    from libs.platform.eventstore.integrity.hashchain import GENESIS, event_hash

    complaint_id = await a_complaint_with_notes(complaints, 2)
    write_checkpoint(chain_recorder(complaints.service.application.recorder))
    rows = StoredRows(database_url)
    rows.edit_payload(complaint_id, 2, lambda state: state.update(summary="rewritten"))
    prev = GENESIS
    for version in (1, 2, 3):
        topic, state = rows.state(complaint_id, version)
        digest = event_hash(complaint_id, version, topic, state, prev)
        rows.execute(
            f"UPDATE {rows.hashes} SET hash=?, prev_hash=? "
            "WHERE originator_id=? AND originator_version=?",
            digest,
            prev,
            rows._id(complaint_id),
            version,
        )
        prev = digest
    result = await verification(complaints, complaint_id)
    assert result["valid"] is False
    assert "checkpoint" in result["reason"] and "rewritten" in result["reason"]
