"""The auditor's reads: history of a 1,000-event complaint (a page of 100, and all of it),
`?version=` at the middle of 1,000 events, and `verify --all` over 10,000 complaints x 20
events (target: at least 50,000 events/s).

`run(quick)` returns one dict per measurement, for each store. Used on its own:

    python -m bench.history [--quick] [--stores sqlite,postgres]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import StoredEvent

from bench.stores import STORES, Databases
from libs.domain.complaint import Complaint
from libs.domain.values import CommandContext
from libs.platform.eventstore.application import event_store_env
from libs.platform.eventstore.integrity.audit import chain_recorder, verify_all
from services.complaints.api.representation import complaint_view
from services.complaints.application import ComplaintsApplication
from services.complaints.history.queries import ComplaintHistory

LONG_COMPLAINT_EVENTS = 1_000
VERIFY_EVENTS_PER_COMPLAINT = 20
VERIFY_TARGET_EVENTS_PER_SECOND = 50_000
INSERT_BATCH = 1_000


def _context() -> CommandContext:
    return CommandContext(
        actor="bench:auditor",
        actor_role="crm",
        correlation_id="bench",
        occurred_at=datetime.now(UTC),
        command_id=None,
    )


def _complaint_with(events: int) -> Complaint:
    context = _context()
    complaint = Complaint.receive(
        context,
        complaint_id=uuid.uuid4(),
        customer={"id": "C-1", "name": "Ada Lovelace"},
        channel="email",
        category="billing",
        description="charged twice",
    )
    for n in range(events - 1):
        complaint.record_interaction(
            context,
            interaction_id=f"i-{n}",
            kind="note",
            direction="internal",
            summary=f"note {n} — a line of the kind an agent writes",
        )
    return complaint


def _timed(action: Callable[[], Any], repeats: int) -> list[float]:
    action()  # warm up
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def _row(store: str, name: str, samples: list[float], events: int) -> dict[str, Any]:
    median = statistics.median(samples)
    return {
        "benchmark": name,
        "store": store,
        "median_ms": round(median * 1000, 2),
        "p95_ms": round(sorted(samples)[max(0, int(len(samples) * 0.95) - 1)] * 1000, 2),
        "events": events,
        "events_per_s": round(events / median),
    }


def _history_rows(
    application: ComplaintsApplication, store: str, quick: bool
) -> list[dict[str, Any]]:
    complaint = _complaint_with(LONG_COMPLAINT_EVENTS)
    pending = complaint.collect_events()
    # Saved in slices, as a long-lived complaint is; snapshots follow the app's interval.
    for start in range(0, len(pending), 100):
        application.recorder.insert_events(
            [application.mapper.to_stored_event(e) for e in pending[start : start + 100]]
        )
    history = ComplaintHistory(application)
    repeats = 10 if quick else 40

    def full() -> None:
        cursor = None
        while True:
            page = history.page(complaint.id, limit=LONG_COMPLAINT_EVENTS, cursor=cursor)
            json.dumps(page.items)
            if (cursor := page.next_cursor) is None:
                return

    middle = LONG_COMPLAINT_EVENTS // 2
    return [
        _row(
            store,
            "history: page of 100 of a 1,000-event complaint",
            _timed(
                lambda: json.dumps(history.page(complaint.id, limit=100, cursor=None).items),
                repeats,
            ),
            100,
        ),
        _row(store, "history: all 1,000 events", _timed(full, repeats), LONG_COMPLAINT_EVENTS),
        _row(
            store,
            f"?version={middle} of 1,000 events (replay)",
            _timed(lambda: complaint_view(history.at_version(complaint.id, middle)), repeats),
            middle,
        ),
    ]


def _populate(application: ComplaintsApplication, complaints: int) -> int:
    """Writes `complaints` x 20 real complaint events through the hash-chaining recorder,
    in large batches (cloning one complaint's stored events under new ids is enough: the
    chain hashes the id, so every chain is distinct)."""
    template = [
        application.mapper.to_stored_event(e)
        for e in _complaint_with(VERIFY_EVENTS_PER_COMPLAINT).collect_events()
    ]
    batch: list[StoredEvent] = []
    for _ in range(complaints):
        identity = uuid.uuid4()
        batch += [replace(e, originator_id=identity) for e in template]
        if len(batch) >= INSERT_BATCH:
            application.recorder.insert_events(batch)
            batch = []
    if batch:
        application.recorder.insert_events(batch)
    return complaints * VERIFY_EVENTS_PER_COMPLAINT


def _verify_rows(
    application: ComplaintsApplication, store: str, quick: bool
) -> list[dict[str, Any]]:
    complaints = 1_000 if quick else 10_000
    _populate(application, complaints)
    recorder = chain_recorder(application.recorder)
    samples = []
    for _ in range(1 if quick else 3):
        report = verify_all(recorder)
        assert report.valid, report.as_dict()["failures"][:3]
        samples.append(report.seconds)
    row = _row(
        store,
        f"verify --all: {complaints:,} complaints x {VERIFY_EVENTS_PER_COMPLAINT} events",
        samples,
        report.events,
    )
    row["target_events_per_s"] = VERIFY_TARGET_EVENTS_PER_SECOND
    row["meets_target"] = row["events_per_s"] >= VERIFY_TARGET_EVENTS_PER_SECOND
    return [row]


def run(quick: bool = False, stores: tuple[str, ...] = STORES) -> list[dict[str, Any]]:
    databases = Databases()
    rows: list[dict[str, Any]] = []
    try:
        for store in stores:
            for purpose, measure in (("history", _history_rows), ("verify", _verify_rows)):
                application = ComplaintsApplication(
                    env=event_store_env(databases.fresh(store, f"audit_{purpose}"))
                )
                try:
                    rows += measure(application, store, quick)
                finally:
                    application.close()
    finally:
        databases.close()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 complaints to verify")
    parser.add_argument("--stores", default=",".join(STORES))
    args = parser.parse_args(argv)
    for row in run(args.quick, tuple(s.strip() for s in args.stores.split(","))):
        print(json.dumps(row))


if __name__ == "__main__":
    main()
