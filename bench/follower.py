"""Follower catch-up (issue 5): how fast a downstream service works through an upstream feed.

The upstream is the complaints service, served by `redress serve complaints` in its own
process (as deployed), its log filled beforehand with complaints written in interleaved
rounds. The follower runs in this process, as a downstream service runs it: `HttpSource`
pages from `/v1/events`, a `SqlSink` that records each page's end position in its own
database in the same transaction as what the page wrote. The handler here writes one row
per event (the event's id and type), so the figure includes real downstream writes.

Run: `python -m bench.follower [--events N] [--store postgres|sqlite] [--batch 1000,5000]`.
Target (issue 5): at least 20,000 events/s.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Column, Connection, MetaData, String, Table

from bench.replay import populate
from bench.server import BIN, Server, child_env, free_port
from bench.stores import Databases
from libs.platform.follower import (
    FeedEvent,
    FileLeadership,
    Follower,
    HttpSource,
    SqlSink,
    follower_positions_table,
)
from libs.platform.sql.database import create_read_model_engine, insert_rows

TARGET_EVENTS_PER_SECOND = 20_000

metadata = MetaData()
positions = follower_positions_table(metadata)
seen = Table(
    "bench_seen_events",
    metadata,
    Column("event_id", String(80), primary_key=True),
    Column("event_type", String(200), nullable=False),
)


def record(connection: Connection, events: Sequence[FeedEvent]) -> None:
    rows = [{"event_id": e.id, "event_type": e.type} for e in events]
    insert_rows(connection, seen, ("event_id", "event_type"), rows)


def upstream_with_events(url: str, events: int) -> str:
    """Fills the complaints log; returns a service key for reading its feed."""
    from libs.domain.values import Role
    from services.complaints.bootstrap import bootstrap
    from services.complaints.settings import ComplaintsSettings

    service = bootstrap(ComplaintsSettings(database_url=url, db_pool_size=4, _env_file=None))
    try:
        populate(service, events)
        return service.keyring.issue(role=Role.SERVICE, name="bench-follower")[1]
    finally:
        service.stop()


def catch_up_rate(base_url: str, key: str, follower_url: str, batch: int, work: Path) -> float:
    engine = create_read_model_engine(follower_url, pool_size=2)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    follower = Follower(
        f"bench-{batch}",
        HttpSource("complaints", base_url, key, timeout=60),
        SqlSink(engine, f"bench-{batch}", positions, record),
        FileLeadership(work / f"bench-{batch}.lock", "complaints"),
        batch_size=batch,
    )
    began = time.perf_counter()
    advanced = follower.catch_up()
    elapsed = time.perf_counter() - began
    engine.dispose()
    return advanced / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--store", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--batch", default="1000,5000", help="page sizes to measure")
    args = parser.parse_args()
    databases = Databases()
    try:
        upstream = databases.fresh(args.store, "follow_upstream")
        print(f"writing {args.events:,} events upstream ({args.store}) …", flush=True)
        key = upstream_with_events(upstream, args.events)
        port = free_port()
        env = child_env(
            REDRESS_DATABASE_URL=upstream,
            REDRESS_ACCESS_LOG="false",
            REDRESS_RATE_LIMIT_PER_SECOND="0",
            REDRESS_SCHEDULER_ENABLED="false",
        )
        argv = [str(BIN / "redress"), "serve", "complaints", "--port", str(port)]
        server = Server("complaints", argv, env, databases.temp_dir / "upstream.log")
        server.start(f"http://127.0.0.1:{port}/healthz")
        try:
            for batch in (int(size) for size in args.batch.split(",")):
                follower_db = databases.fresh(args.store, f"follow_down_{batch}")
                rate = catch_up_rate(
                    f"http://127.0.0.1:{port}", key, follower_db, batch, databases.temp_dir
                )
                verdict = "PASS" if rate >= TARGET_EVENTS_PER_SECOND else "FAIL"
                print(
                    f"follower catch-up, pages of {batch:,} ({args.store}): {rate:,.0f} events/s "
                    f"[{verdict}: target ≥ {TARGET_EVENTS_PER_SECOND:,}]",
                    flush=True,
                )
        finally:
            server.stop()
    finally:
        databases.close()


if __name__ == "__main__":
    main()
