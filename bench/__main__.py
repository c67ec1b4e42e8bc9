"""`python -m bench`: measure Redress against a raw-driver floor and a plain CRUD service.

python -m bench                         # everything, 8 s per cell (~7 minutes)
python -m bench --quick                 # 2 s per cell, 20,000-event rebuild
python -m bench --only raw,crud --stores postgres --clients 16 --seconds 5
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import time
import traceback
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version

from bench import crud, eventstore, raw, redress, replay
from bench.context import Context
from bench.load import CLIENT_KINDS
from bench.measure import Sample
from bench.report import Report, Row
from bench.stores import ALIASES, STORES, Databases, postgres_version

MEASUREMENTS = ("raw", "crud", "redress", "eventstore", "replay")
LETTERS = {"a": "raw", "b": "crud", "c": "redress", "d": "eventstore", "e": "replay"}


def _list(text: str, allowed: tuple[str, ...], aliases: dict[str, str]) -> list[str]:
    items = [aliases.get(item.strip(), item.strip()) for item in text.split(",") if item.strip()]
    unknown = [item for item in items if item not in allowed]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown {unknown}; choose from {', '.join(allowed)}")
    return items


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="2 s cells, smaller rebuild")
    parser.add_argument(
        "--only",
        type=lambda t: _list(t, MEASUREMENTS, LETTERS),
        default=list(MEASUREMENTS),
        help=f"comma-separated subset of {','.join(MEASUREMENTS)} (or a,b,c,d,e)",
    )
    parser.add_argument(
        "--stores",
        type=lambda t: _list(t, STORES, ALIASES),
        default=list(STORES),
        help="comma-separated: sqlite,postgres",
    )
    parser.add_argument(
        "--clients",
        type=lambda t: [int(x) for x in t.split(",") if x.strip()],
        default=[1, 16, 64],
        help="concurrent clients (threads/connections) per cell, e.g. 1,16,64",
    )
    parser.add_argument("--seconds", type=float, help="measured seconds per cell (default 8)")
    parser.add_argument("--warmup", type=float, help="unmeasured seconds before each cell")
    parser.add_argument("--writers", type=int, default=8, help="writer threads for (d)")
    parser.add_argument("--rebuild-events", type=int, help="events to rebuild from (100,000)")
    parser.add_argument(
        "--rebuild-processes",
        type=int,
        help="processes sharing the rebuild (default: as the command, one per core up to 4)",
    )
    parser.add_argument(
        "--client",
        choices=CLIENT_KINDS,
        default="lean",
        help="HTTP client of the load generator (lean: asyncio HTTP/1.1; httpx)",
    )
    parser.add_argument(
        "--projection",
        choices=("separate", "in-process"),
        default="separate",
        help="Redress's complaint list: its own process (as `redress up` runs it) or a "
        "thread of the API process",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="uvicorn worker processes serving the CRUD baseline and Redress alike "
        "(`redress serve --workers`)",
    )
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (2.0 if args.quick else 8.0)
    args.warmup = args.warmup if args.warmup is not None else min(1.0, args.seconds / 4)
    args.rebuild_events = args.rebuild_events or (20_000 if args.quick else 100_000)
    return args


def interpreter_speed() -> float:
    """Milliseconds for a fixed pure-Python loop (best of five): the host's speed today.

    The absolute targets (a load in 3 ms, a rebuild at 50,000 events/s) are CPU-bound, and
    the same machine type has measured twice as slow on one day as on another; this figure,
    taken in the same run, says which kind of day it was.
    """
    best = float("inf")
    for _ in range(5):
        began = time.perf_counter()
        total = 0
        for number in range(1_000_000):
            total += number
        best = min(best, time.perf_counter() - began)
    return round(best * 1000, 1)


def machine() -> dict[str, object]:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as info:
            models = (line.split(":", 1)[1].strip() for line in info if "model name" in line)
            cpu = next(models, "?")
    except OSError:
        pass
    packages = {}
    for name in ("eventsourcing", "fastapi", "uvicorn", "SQLAlchemy", "psycopg", "httpx"):
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = "absent"
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "loadavg_start": os.getloadavg(),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "interpreter_ms_per_million_additions": interpreter_speed(),
        "python": platform.python_version(),
        "postgres": postgres_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": packages,
    }


def plan_steps(args: argparse.Namespace) -> int:
    per_store = {
        "raw": len(args.clients),
        "crud": len(args.clients),
        "redress": 2 * len(args.clients),
        "eventstore": 4,
        "replay": 2,
    }
    return len(args.stores) * sum(per_store[m] for m in args.only)


def run_raw(context: Context, store: str) -> None:
    url = context.databases.fresh(store, "raw")
    raw.prepare(url)
    for clients in context.clients:
        context.report.step(f"(a) raw INSERT+COMMIT  {store}  {clients} connections")
        sample: Sample = raw.measure(url, clients, context.seconds, context.warmup)
        context.report.add(Row.of("raw", store, clients, sample, unit="commits/s"))


RUNNERS: dict[str, Callable[[Context, str], None]] = {
    "raw": run_raw,
    "crud": crud.run,
    "redress": redress.run,
    "eventstore": eventstore.run,
    "replay": replay.run,
}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    meta = {**machine(), "options": {k: v for k, v in vars(args).items()}}
    report = Report(meta=meta, total_steps=plan_steps(args))
    print(
        f"Redress benchmark — {meta['cores']} cores, {meta['cpu']}, PostgreSQL {meta['postgres']},"
        f" SQLite {meta['sqlite']}\ninterpreter speed: 1,000,000 additions in"
        f" {meta['interpreter_ms_per_million_additions']} ms (lower is faster)\n"
        f"{args.seconds:g}s cells (+{args.warmup:g}s warm-up),"
        f" clients {args.clients}, stores {args.stores}, load generator: {args.client},"
        f" HTTP workers per service: {args.workers}\n",
        flush=True,
    )
    if os.getloadavg()[0] > 0.5:
        print(
            f"warning: load average {os.getloadavg()[0]:.1f} before starting — something else "
            "is using the CPU; figures will be low and noisy\n",
            flush=True,
        )
    waiting = "redress" in args.only and redress.available()
    if waiting:
        report.problem(f"(c) skipped: {waiting}")
    context = Context(
        report=report,
        databases=Databases(),
        seconds=args.seconds,
        warmup=args.warmup,
        clients=args.clients,
        writers=args.writers,
        rebuild_events=args.rebuild_events,
        load_repeats=50 if args.quick else 200,
        client_kind=args.client,
        projection=args.projection,
        workers=args.workers,
        rebuild_processes=args.rebuild_processes,
    )
    try:
        for store in args.stores:
            for measurement in args.only:
                if measurement == "redress" and waiting:
                    continue
                try:
                    RUNNERS[measurement](context, store)
                except KeyboardInterrupt:
                    raise
                except Exception as error:
                    report.problem(f"{measurement} on {store} failed: {error!r}")
                    traceback.print_exc()
                finally:
                    context.databases.discard_all()
    except KeyboardInterrupt:
        report.problem("interrupted")
    finally:
        context.databases.close()
    meta["loadavg_end"] = os.getloadavg()
    print("\n" + report.render() + "\n")
    path = report.write_json()
    print(f"results written to {path.relative_to(path.parents[2])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
