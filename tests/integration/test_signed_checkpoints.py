"""Checkpoints are signed with the deployment key, in SQLite and in PostgreSQL: the JWS is
stored with the checkpoint, listed by the API, and checked by `verify`; checkpoints made
before signing existed stay readable and are reported as unsigned, not as invalid."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from libs.domain.values import Role
from libs.platform.eventstore.application import event_store_env
from libs.platform.eventstore.integrity.audit import (
    chain_recorder,
    checkpoint_hash,
    verify_all,
    write_checkpoint,
)
from libs.platform.eventstore.integrity.hashchain import canonical_json
from libs.platform.signing.jws import verify_compact
from services.complaints.application import ComplaintsApplication
from tests.conftest import RunningComplaints
from tests.support.checkpoints import Deployment, a_complaint_with_notes
from tests.support.databases import fresh_postgres_database
from tests.support.tamper import StoredRows


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own per test: its checkpoint log is the test's alone."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'complaints.db'}"
        return
    with fresh_postgres_database("redress_signed_checkpoints") as url:
        yield url


def checkpoints_table(database_url: str) -> str:
    return (
        "stored_event_checkpoints"
        if database_url.startswith("sqlite")
        else ("complaints_event_checkpoints")
    )


async def test_a_checkpoint_is_signed_over_its_header_and_listed_with_its_signature(
    complaints: RunningComplaints, database_url: str, tmp_path: Path
) -> None:
    deployment = Deployment(complaints, tmp_path)
    await a_complaint_with_notes(complaints)
    record, _ = deployment.checkpoint()
    assert record is not None and record.jws is not None

    payload = verify_compact(record.jws, deployment.published_keys())
    header = json.loads(payload)
    assert header == {
        "aggregates": record.aggregates,
        "created_at": record.created_at.isoformat(),
        "hash": record.hash,
        "position": record.position,
        "prev_hash": record.prev_hash,
        "root": record.root,
        "seq": record.seq,
    }
    assert payload == canonical_json(header)  # the canonical form is what is signed
    sealed = {name: value for name, value in header.items() if name != "hash"}
    assert checkpoint_hash(record) == record.hash and "hash" not in sealed

    listed = await complaints.client.get(
        "/v1/audit/checkpoints", headers=complaints.headers(Role.AUDITOR)
    )
    assert listed.status_code == 200, listed.text
    newest = listed.json()["items"][0]
    assert newest["seq"] == record.seq and newest["jws"] == record.jws
    assert newest["root"] == record.root  # the existing fields are unchanged

    report = verify_all(
        chain_recorder(complaints.service.application.recorder),
        keys=deployment.published_keys(),
    )
    assert report.valid and report.signatures_checked and report.unsigned_checkpoints == 0


async def test_a_checkpoint_altered_and_resealed_in_the_database_fails_its_signature(
    complaints: RunningComplaints, database_url: str, tmp_path: Path
) -> None:
    deployment = Deployment(complaints, tmp_path)
    await a_complaint_with_notes(complaints)
    record, _ = deployment.checkpoint()
    assert record is not None
    # The administrator moves the position back and recomputes the hash: the log's own
    # chain adds up again, the signature does not.
    from dataclasses import replace

    altered = replace(record, position=record.position - 1)
    rows = StoredRows(database_url)
    rows.execute(
        f"UPDATE {checkpoints_table(database_url)} SET position=?, hash=? WHERE seq=?",
        altered.position,
        checkpoint_hash(altered),
        record.seq,
    )
    recorder = chain_recorder(complaints.service.application.recorder)
    report = verify_all(recorder, keys=deployment.published_keys())
    assert not report.valid
    assert f"checkpoint #{record.seq} was altered after it was signed" in "; ".join(
        report.checkpoint_problems
    )
    unchecked = verify_all(recorder)  # without the published keys: not checked, and said so
    assert unchecked.valid and not unchecked.signatures_checked


async def test_checkpoints_from_before_signing_are_reported_unsigned_not_invalid(
    complaints: RunningComplaints, database_url: str, tmp_path: Path
) -> None:
    deployment = Deployment(complaints, tmp_path)
    await a_complaint_with_notes(complaints)
    recorder = chain_recorder(complaints.service.application.recorder)
    old = write_checkpoint(recorder)  # as the code before signing wrote it
    assert old is not None and old.jws is None
    # The table as that code made it: no signature column at all.
    table = checkpoints_table(database_url)
    StoredRows(database_url).execute(f"ALTER TABLE {table} DROP COLUMN jws")

    # Today's code opens the old table: it gains the column, the old row keeps working.
    reopened = ComplaintsApplication(env=event_store_env(database_url, pool_size=1))
    try:
        recorder = chain_recorder(reopened.recorder)
        assert recorder.select_checkpoints() == [old]
        await a_complaint_with_notes(complaints, 1)
        signed, _ = deployment.checkpoint()
        assert signed is not None and signed.jws is not None and signed.prev_hash == old.hash

        report = verify_all(recorder, keys=deployment.published_keys())
        assert report.valid, report.as_dict()
        assert report.unsigned_checkpoints == 1 and report.as_dict()["unsigned_checkpoints"] == 1

        # A signature removed from a checkpoint written after a signed one is a problem.
        # (Stripping every signature makes them all look older than signing: the published
        # log, `verify --against`, is what catches that.)
        await a_complaint_with_notes(complaints, 1)
        newest, _ = deployment.checkpoint()
        assert newest is not None
        StoredRows(database_url).execute(f"UPDATE {table} SET jws=NULL WHERE seq=?", newest.seq)
        stripped = verify_all(recorder, keys=deployment.published_keys())
        assert not stripped.valid
        assert any(
            f"checkpoint #{newest.seq} has no signature" in p for p in stripped.checkpoint_problems
        )
    finally:
        reopened.close()
