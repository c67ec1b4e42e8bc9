"""The gap between the last event and the last checkpoint is bounded by the checkpoint
interval while the background checkpointer runs, and reported: `/metrics` shows the events
recorded since the latest checkpoint and how long ago it was written."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.complaints.history.checkpointer import Checkpointer
from tests.conftest import RunningComplaints
from tests.service.test_metrics import sample
from tests.support.checkpoints import a_complaint_with_notes, add_notes
from tests.support.databases import fresh_postgres_database


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'complaints.db'}"
        return
    with fresh_postgres_database("redress_checkpoint_gap") as url:
        yield url


async def metrics(complaints: RunningComplaints) -> str:
    response = await complaints.client.get("/metrics")
    assert response.status_code == 200
    return response.text


async def test_the_background_checkpointer_closes_the_gap_and_metrics_report_it(
    complaints: RunningComplaints, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDRESS_SIGNING_DIR", str(tmp_path / "signing"))
    complaint_id = await a_complaint_with_notes(complaints, 2)
    text = await metrics(complaints)
    assert sample(text, "redress_events_since_checkpoint") >= 3  # nothing anchored yet
    assert "redress_seconds_since_checkpoint " not in text  # no checkpoint to be old

    log = tmp_path / "checkpoints.jsonl"
    settings = complaints.service.settings.model_copy(
        update={"checkpoint_interval_seconds": 0.2, "checkpoint_log": str(log)}
    )
    checkpointer = Checkpointer(complaints.service.application, settings)
    checkpointer.start()
    try:
        deadline = time.monotonic() + 20
        while not (log.exists() and log.read_text()):
            assert time.monotonic() < deadline, checkpointer.last_error
            await asyncio.sleep(0.05)
    finally:
        checkpointer.stop()
    published = json.loads(log.read_text().splitlines()[-1])
    assert published["jws"] and published["checkpoint"]["aggregates"] >= 1

    text = await metrics(complaints)
    assert sample(text, "redress_events_since_checkpoint") == 0
    assert 0 <= sample(text, "redress_seconds_since_checkpoint") < 20

    await add_notes(complaints, complaint_id, 2)
    assert sample(await metrics(complaints), "redress_events_since_checkpoint") == 2
