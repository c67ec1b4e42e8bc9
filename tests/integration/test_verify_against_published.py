"""`redress verify --all --against <published log or line>`: the database held to a
checkpoint published outside it. The issue's case first: the newest checkpoint row and the
last event of a complaint (with its hash) deleted leave the database's own log adding up,
and plain `verify --all` says valid; against the published checkpoint, the deleted
checkpoint and the truncated complaint are named. SQLite and PostgreSQL, as in the tamper
tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from libs.platform.eventstore.integrity.against import verify_against
from libs.platform.eventstore.integrity.audit import chain_recorder, verify_all
from libs.platform.eventstore.integrity.hashchain import GENESIS, event_hash
from libs.platform.eventstore.integrity.published_log import read_published
from libs.platform.signing.keys import SigningKeyStore
from tests.conftest import RunningComplaints
from tests.support.checkpoints import Deployment, a_complaint_with_notes, add_notes
from tests.support.databases import fresh_postgres_database
from tests.support.tamper import StoredRows


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'complaints.db'}"
        return
    with fresh_postgres_database("redress_verify_against") as url:
        yield url


@dataclass
class Published:
    deployment: Deployment
    rows: StoredRows
    grown: str  # 3 events at checkpoint #1, 5 at checkpoint #2
    other: str  # 2 events, anchored by both

    @property
    def checkpoints(self) -> str:
        return self.rows.hashes.replace("_event_hashes", "_event_checkpoints")

    @property
    def leaves(self) -> str:
        return self.rows.hashes.replace("_event_hashes", "_event_checkpoint_leaves")

    def delete_checkpoint(self, seq: int, *, with_leaves: bool = False) -> None:
        self.rows.execute(f"DELETE FROM {self.checkpoints} WHERE seq=?", seq)
        if with_leaves:
            self.rows.execute(f"DELETE FROM {self.leaves} WHERE seq=?", seq)

    def delete_last_event(self, complaint_id: str, version: int) -> None:
        """The event and its hash: nothing in the chain is left to say it was there."""
        self.rows.delete_event(complaint_id, version)
        self.rows.execute(
            f"DELETE FROM {self.rows.hashes} WHERE originator_id=? AND originator_version=?",
            self.rows._id(complaint_id),
            version,
        )

    def verify(self, *args: str) -> tuple[int, dict[str, Any]]:
        run = self.deployment.redress("verify", "--all", "--json", *args)
        return run.returncode, json.loads(run.stdout)

    def against(self) -> dict[str, Any]:
        recorder = chain_recorder(self.deployment.complaints.service.application.recorder)
        published = read_published(str(self.deployment.log))
        return verify_against(recorder, published, self.deployment.published_keys()).as_dict()


async def two_published_checkpoints(
    complaints: RunningComplaints, database_url: str, folder: Path
) -> Published:
    deployment = Deployment(complaints, folder)
    grown = await a_complaint_with_notes(complaints, 2)
    other = await a_complaint_with_notes(complaints, 1)
    deployment.checkpoint()
    await add_notes(complaints, grown, 2)
    newest, _ = deployment.checkpoint()
    assert newest is not None and newest.seq == 2
    return Published(deployment, StoredRows(database_url), grown, other)


async def test_an_untouched_database_agrees_with_its_published_log(
    complaints: RunningComplaints, database_url: str, tmp_path: Path
) -> None:
    published = await two_published_checkpoints(complaints, database_url, tmp_path)
    await add_notes(complaints, published.other, 1)  # recorded after the newest checkpoint

    status, result = published.verify("--against", str(published.deployment.log))
    assert status == 0 and result["valid"] is True, result
    held = result["against"]
    assert held["valid"] and held["published"]["seq"] == 2 and held["published_checkpoints"] == 2
    assert held["root_now"] == held["published"]["root"]
    assert held["events_after"] == 1  # said: the published checkpoint does not cover it
    assert result["gap"]["events_since_checkpoint"] == 1

    # A published line altered in transit: its hash and signature say so.
    lines = published.deployment.log.read_text().splitlines()
    forged = json.loads(lines[-1])
    forged["checkpoint"]["aggregates"] += 1
    status, result = published.verify("--against", json.dumps(forged))
    assert status == 1
    problems = " ".join(result["against"]["problems"])
    assert "published checkpoint #2's hash does not match" in problems
    assert "altered after it was signed" in problems

    # Signed by a key the deployment never published.
    stranger = SigningKeyStore(tmp_path / "stranger")
    stranger.load_or_create()
    (tmp_path / "keys.json").write_text(json.dumps({"keys": stranger.published()}))
    status, result = published.verify("--against", lines[-1], "--keys", str(tmp_path / "keys.json"))
    assert status == 1 and "which is not published" in " ".join(result["against"]["problems"])


async def test_deleting_the_newest_checkpoint_and_a_last_event_is_caught_against_the_published(
    complaints: RunningComplaints, database_url: str, tmp_path: Path
) -> None:
    published = await two_published_checkpoints(complaints, database_url, tmp_path)
    published.delete_checkpoint(2)
    published.delete_last_event(published.grown, 5)

    # The database's own log adds up: plain verify is fooled (this is why --against exists).
    status, plain = published.verify()
    assert status == 0 and plain["valid"] is True and plain["checkpoint"]["seq"] == 1

    expected = {
        "originator_id": published.grown,
        "published_version": 5,
        "database_version": 4,
        "what": "truncated: version 5 removed",
    }
    newest_line = published.deployment.log.read_text().splitlines()[-1]
    for source in (str(published.deployment.log), newest_line):
        status, result = published.verify("--against", source)
        assert status == 1 and result["valid"] is False
        held = result["against"]
        assert held["differences"] == [expected]
        assert any(
            "checkpoint #2 was published but is missing from the database" in problem
            for problem in held["problems"]
        )

    text = published.deployment.redress(
        "verify", "--all", "--against", str(published.deployment.log)
    )
    assert text.returncode == 1
    assert f"{published.grown}: truncated: version 5 removed" in text.stdout
    assert "against published checkpoint #2" in text.stdout and "INVALID" in text.stdout


async def test_a_removed_complaint_and_a_rewritten_tail_are_named(
    complaints: RunningComplaints, database_url: str, tmp_path: Path
) -> None:
    published = await two_published_checkpoints(complaints, database_url, tmp_path)
    published.delete_checkpoint(2)
    # One complaint removed with its hashes; the other's last event rewritten with every
    # hash after the last checkpoint still held (#1, version 3) recomputed to match.
    published.rows.delete_complaint(published.other, with_hashes=True)
    rows = published.rows
    rows.edit_payload(published.grown, 5, lambda state: state.update(summary="never said"))
    prev = GENESIS
    for version in range(1, 6):
        topic, state = rows.state(published.grown, version)
        digest = event_hash(published.grown, version, topic, state, prev)
        rows.execute(
            f"UPDATE {rows.hashes} SET hash=?, prev_hash=? "
            "WHERE originator_id=? AND originator_version=?",
            digest,
            prev,
            rows._id(published.grown),
            version,
        )
        prev = digest
    recorder = chain_recorder(complaints.service.application.recorder)
    plain = verify_all(recorder).as_dict()
    assert [f["originator_id"] for f in plain["failures"]] == [published.other]
    assert published.grown not in str(plain["failures"])  # the rewrite passes the chain

    differences = {d["originator_id"]: d for d in published.against()["differences"]}
    assert differences[published.other]["what"].startswith("removed")
    assert differences[published.other]["database_version"] is None
    assert differences[published.grown] == {
        "originator_id": published.grown,
        "published_version": 5,
        "database_version": 5,
        "what": "rewritten: version 5 or an earlier one differs",
    }


async def test_a_cut_is_caught_even_when_the_checkpoint_heads_are_deleted_too(
    complaints: RunningComplaints, database_url: str, tmp_path: Path
) -> None:
    published = await two_published_checkpoints(complaints, database_url, tmp_path)
    published.delete_checkpoint(2, with_leaves=True)
    published.delete_last_event(published.grown, 5)

    held = published.against()
    assert held["valid"] is False and held["differences"] == []
    problems = " ".join(held["problems"])
    assert "checkpoint #2 was published but is missing from the database" in problems
    assert "no longer make the published root of checkpoint #2" in problems
    assert "cannot be named" in problems


async def test_checkpoints_written_while_complaints_are_written_agree_with_the_events(
    complaints: RunningComplaints, database_url: str, tmp_path: Path
) -> None:
    """A checkpoint's position and its heads come from one snapshot: each published line,
    held to the events up to its position, verifies, however the writes interleaved."""
    deployment = Deployment(complaints, tmp_path)
    targets = [await a_complaint_with_notes(complaints, 0) for _ in range(3)]
    writing = True

    async def keep_writing(complaint_id: str) -> None:
        while writing:
            await add_notes(complaints, complaint_id, 1)

    writers = [asyncio.create_task(keep_writing(target)) for target in targets]
    try:
        for _ in range(6):
            await asyncio.to_thread(deployment.checkpoint)
            await asyncio.sleep(0.01)
    finally:
        writing = False
        await asyncio.gather(*writers)

    recorder = chain_recorder(complaints.service.application.recorder)
    lines = read_published(str(deployment.log))
    assert len(lines) >= 2
    for line in lines:
        held = verify_against(recorder, [line], deployment.published_keys())
        assert held.valid, held.as_dict()
