"""(e) Reading events back: loading one long-lived complaint, and rebuilding the read model.

Uses the lead's API: `ComplaintsApplication.complaint(id)` (snapshots every 100 events) and
`ComplaintsService.rebuild_read_models()` from `services.complaints.bootstrap`, the latter
in a process of its own as the operator's command runs it (`bench.rebuild_process`).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.context import Context
from bench.domain import new_complaint, record_interaction
from bench.measure import Sample
from bench.report import Row

LOAD_EVENTS = 1_000
EVENTS_PER_COMPLAINT = 50
EVENTS_PER_ROUND = 10
AGGREGATES_PER_SAVE = 100


def _load(context: Context, store: str) -> None:
    from libs.platform.eventstore.application import event_store_env
    from services.complaints.application import ComplaintsApplication

    context.report.step(f"(e) load a {LOAD_EVENTS:,}-event complaint  {store}")
    url = context.databases.fresh(store, "replay_load")
    env = event_store_env(url, pool_size=2)
    writer = ComplaintsApplication(env=env)
    complaint = new_complaint()
    while complaint.version < LOAD_EVENTS:
        record_interaction(complaint)
        if complaint.version % 100 == 0:
            writer.save(complaint)
    writer.save(complaint)
    without = ComplaintsApplication(env={**env, "IS_SNAPSHOTTING_ENABLED": "n"})
    try:
        for kind, app, read_log in (
            ("load-snapshots", writer, False),
            # A command never reads the log; a view of the whole complaint does.
            ("load-and-read", writer, True),
            ("load-no-snapshots", without, False),
        ):
            sample = _time_loads(app, complaint.id, context.load_repeats, read_log)
            note = "latest snapshot at v1,000" if app is writer else ""
            context.report.add(Row.of(kind, store, 1, sample, unit="loads/s", note=note))
    finally:
        writer.close()
        without.close()
        context.databases.discard(url)


def _time_loads(app: Any, complaint_id: Any, repeats: int, read_log: bool) -> Sample:
    """Times `repeats` loads; with `read_log`, each load and a read of its interaction log
    (which a complaint loaded from its snapshot reads only on first use)."""
    for _ in range(3):
        app.complaint(complaint_id)
    sample = Sample(seconds=0.0)
    for _ in range(repeats):
        began = time.perf_counter()
        loaded = app.complaint(complaint_id)
        if read_log:
            assert len(list(loaded.interactions)) == LOAD_EVENTS - 1
        sample.latencies.append(time.perf_counter() - began)
        assert loaded.version == LOAD_EVENTS
    sample.seconds = sum(sample.latencies)
    return sample


def populate(service: Any, events: int) -> int:
    """Complaints of 50 events each, written in interleaved rounds of 10 events per
    complaint, 100 complaints per save, so the log mixes complaints like a real one."""
    application = service.application
    complaints = [new_complaint() for _ in range(max(1, events // EVENTS_PER_COMPLAINT))]
    for round_number in range(EVENTS_PER_COMPLAINT // EVENTS_PER_ROUND):
        for first in range(0, len(complaints), AGGREGATES_PER_SAVE):
            batch = complaints[first : first + AGGREGATES_PER_SAVE]
            for complaint in batch:
                target = (round_number + 1) * EVENTS_PER_ROUND
                while complaint.version < target:
                    record_interaction(complaint)
            application.save(*batch)
    return len(complaints)


def _rebuild(context: Context, store: str) -> None:
    from services.complaints.bootstrap import bootstrap
    from services.complaints.settings import ComplaintsSettings

    events = context.rebuild_events
    context.report.step(f"(e) rebuild the read model from {events:,} events  {store}")
    url = context.databases.fresh(store, "replay_rebuild")
    service = bootstrap(ComplaintsSettings(database_url=url, db_pool_size=4))
    try:
        began = time.perf_counter()
        complaints = populate(service, context.rebuild_events)
    finally:
        service.stop()
    context.report.note(
        f"wrote {complaints:,} complaints in {time.perf_counter() - began:.1f}s; "
        "rebuilding in a process of its own"
    )
    done = subprocess.run(
        [sys.executable, "-m", "bench.rebuild_process", url, str(context.rebuild_processes or 0)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if done.returncode != 0:
        context.report.problem(f"rebuild on {store} failed: {done.stderr.strip()[-500:]}")
        return
    result = json.loads(done.stdout.strip().splitlines()[-1])
    count, elapsed, rows = result["events"], result["seconds"], result["rows"]
    sample = Sample(seconds=elapsed, latencies=[0.0] * count)
    plural = "es" if result["processes"] > 1 else ""
    note = (
        f"{count:,} events in {elapsed:.2f}s, {rows:,} rows, {result['processes']} process{plural}"
    )
    row = Row.of("rebuild", store, 1, sample, unit="events/s", note=note)
    row.p50_ms = row.p95_ms = row.p99_ms = None
    if rows != complaints:
        context.report.problem(f"rebuild on {store}: {rows} rows for {complaints} complaints")
    context.report.add(row)


def run(context: Context, store: str) -> None:
    _load(context, store)
    _rebuild(context, store)
