"""Every checkpoint is also written outside the database: appended, once, to the published
checkpoint log (one canonical JSON line, fsync'd), time-stamped by an RFC 3161 authority
when one is configured (a real local TSA: `openssl ts -reply` behind an HTTP server), and
never lost when the file or the TSA fails. A database that lost a published checkpoint
gets no new checkpoint chained onto the cut."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from libs.platform.eventstore.integrity.against import verify_against
from libs.platform.eventstore.integrity.audit import chain_recorder, write_checkpoint
from libs.platform.eventstore.integrity.hashchain import canonical_json
from libs.platform.eventstore.integrity.published_log import read_published
from libs.platform.eventstore.integrity.publisher import CheckpointLogDiverged
from libs.platform.signing.jws import verify_compact
from libs.platform.signing.timestamps import token_imprint
from tests.conftest import RunningComplaints
from tests.support.checkpoints import Deployment, a_complaint_with_notes, add_notes
from tests.support.databases import fresh_postgres_database
from tests.support.tamper import StoredRows
from tests.support.tsa import LocalTsa, local_tsa


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'complaints.db'}"
        return
    with fresh_postgres_database("redress_published_log") as url:
        yield url


@pytest.fixture
def tsa(tmp_path: Path) -> Iterator[LocalTsa]:
    with local_tsa(tmp_path / "tsa") as running:
        yield running


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_each_checkpoint_is_appended_once_as_its_signed_header(
    complaints: RunningComplaints, database_url: str, tmp_path: Path
) -> None:
    deployment = Deployment(complaints, tmp_path)
    complaint_id = await a_complaint_with_notes(complaints)
    first, _ = deployment.checkpoint()
    assert deployment.checkpoint()[0] is None  # nothing new: nothing written, nothing appended
    await add_notes(complaints, complaint_id, 1)
    second, _ = deployment.checkpoint()
    assert first is not None and second is not None

    raw = deployment.log.read_bytes().splitlines()
    assert len(raw) == 2
    for line, record in zip(lines(deployment.log), (first, second), strict=True):
        assert line == {
            "format": "redress.checkpoint/1",
            "checkpoint": record.header(),
            "jws": record.jws,
            "timestamp": None,
        }
        assert verify_compact(str(line["jws"]), deployment.published_keys()) == canonical_json(
            record.header()
        )
    assert raw[0] == canonical_json(lines(deployment.log)[0])  # canonical bytes, one a line


async def test_a_checkpoint_the_file_missed_is_appended_at_the_next_run(
    complaints: RunningComplaints, database_url: str, tmp_path: Path
) -> None:
    deployment = Deployment(complaints, tmp_path)
    complaint_id = await a_complaint_with_notes(complaints)
    first, _ = deployment.checkpoint()
    # Written to the database, then the process died before the file was written.
    await add_notes(complaints, complaint_id, 1)
    missed = write_checkpoint(chain_recorder(complaints.service.application.recorder))
    assert first is not None and missed is not None
    await add_notes(complaints, complaint_id, 1)
    third, publication = deployment.checkpoint()
    assert third is not None
    assert [line.seq for line in publication.appended] == [missed.seq, third.seq]
    assert [line.seq for line in read_published(str(deployment.log))] == [1, 2, 3]


async def test_a_database_that_lost_a_published_checkpoint_gets_no_new_checkpoint(
    complaints: RunningComplaints, database_url: str, tmp_path: Path
) -> None:
    deployment = Deployment(complaints, tmp_path)
    complaint_id = await a_complaint_with_notes(complaints)
    deployment.checkpoint()
    await add_notes(complaints, complaint_id, 1)
    newest, _ = deployment.checkpoint()
    assert newest is not None
    table = (
        "stored_event_checkpoints"
        if database_url.startswith("sqlite")
        else ("complaints_event_checkpoints")
    )
    StoredRows(database_url).execute(f"DELETE FROM {table} WHERE seq=?", newest.seq)
    await add_notes(complaints, complaint_id, 1)

    with pytest.raises(CheckpointLogDiverged, match=f"checkpoint #{newest.seq}.*missing from"):
        deployment.checkpoint()
    recorder = chain_recorder(complaints.service.application.recorder)
    assert [r.seq for r in recorder.select_checkpoints()] == [newest.seq - 1]
    assert len(lines(deployment.log)) == 2  # the published log is left as it was

    cli = deployment.redress("checkpoint")
    assert cli.returncode == 1 and "missing from the database" in cli.stderr, cli.stderr


async def test_checkpoints_carry_a_time_stamp_token_from_the_tsa(
    complaints: RunningComplaints, database_url: str, tmp_path: Path, tsa: LocalTsa
) -> None:
    deployment = Deployment(complaints, tmp_path, checkpoint_tsa_url=tsa.url)
    await a_complaint_with_notes(complaints)
    record, publication = deployment.checkpoint()
    assert record is not None and publication.timestamp_errors == []

    [line] = lines(deployment.log)
    stamp = line["timestamp"]
    assert isinstance(stamp, dict) and stamp["tsa"] == tsa.url
    token = base64.b64decode(stamp["token"])
    digest = hashlib.sha256(canonical_json(record.header())).hexdigest()
    assert token_imprint(token).digest == digest
    # The token checks with openssl against the TSA's CA, for the header's digest only.
    (tmp_path / "token.der").write_bytes(token)

    def openssl_verify(hex_digest: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                "openssl",
                "ts",
                "-verify",
                "-digest",
                hex_digest,
                "-token_in",
                "-in",
                str(tmp_path / "token.der"),
                "-CAfile",
                str(tsa.ca_file),
            ],
            capture_output=True,
            text=True,
        )

    verified = openssl_verify(digest)
    assert verified.returncode == 0 and "Verification: OK" in verified.stdout, verified.stderr
    assert openssl_verify(hashlib.sha256(b"another header").hexdigest()).returncode != 0


async def test_a_tsa_outage_loses_no_checkpoint_and_the_token_is_asked_for_again(
    complaints: RunningComplaints, database_url: str, tmp_path: Path, tsa: LocalTsa
) -> None:
    deployment = Deployment(complaints, tmp_path, checkpoint_tsa_url=tsa.url)
    await a_complaint_with_notes(complaints)
    tsa.available = False
    record, publication = deployment.checkpoint()
    assert record is not None and len(publication.timestamp_errors) == 1

    [line] = lines(deployment.log)  # published all the same, with the failure recorded
    assert line["checkpoint"] == record.header() and line["timestamp"] is None
    assert "timestamp_error" in line

    tsa.available = True
    again, retried = deployment.checkpoint()  # nothing new to anchor: only the token
    assert again is None and retried.timestamp_errors == []
    written = lines(deployment.log)
    assert len(written) == 2 and written[1]["format"] == "redress.checkpoint-timestamp/1"
    assert written[1]["seq"] == record.seq and written[1]["hash"] == record.hash
    [published] = read_published(str(deployment.log))
    assert published.timestamp is not None
    token = base64.b64decode(published.timestamp["token"])
    assert (
        token_imprint(token).digest == hashlib.sha256(canonical_json(record.header())).hexdigest()
    )
    assert deployment.checkpoint()[1].appended == [] and len(lines(deployment.log)) == 2


async def test_verify_against_holds_each_token_to_its_checkpoint(
    complaints: RunningComplaints, database_url: str, tmp_path: Path, tsa: LocalTsa
) -> None:
    deployment = Deployment(complaints, tmp_path, checkpoint_tsa_url=tsa.url)
    complaint_id = await a_complaint_with_notes(complaints)
    deployment.checkpoint()
    await add_notes(complaints, complaint_id, 1)
    deployment.checkpoint()
    recorder = chain_recorder(complaints.service.application.recorder)
    keys = deployment.published_keys()
    published = read_published(str(deployment.log))
    assert verify_against(recorder, published, keys).valid

    first, second = lines(deployment.log)
    second["timestamp"] = first["timestamp"]  # an older token passed off as the newer's
    held = verify_against(recorder, read_published(json.dumps(second)), keys)
    assert held.problems == ["published checkpoint #2's time-stamp token is for other data"]
