"""Results: one row per measured cell, progress lines, the final tables, targets, JSON."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.load import LoadResult
from bench.measure import Sample

RESULTS_DIR = Path(__file__).resolve().parent / "results"

LABELS = {
    "raw": "(a) raw INSERT+COMMIT",
    "crud": "(b) CRUD POST /complaints",
    "redress-create": "(c) Redress POST /v1/complaints",
    "redress-interaction": "(c) Redress POST …/interactions",
    "es-raw": "(d) raw INSERT+COMMIT",
    "es-complaints": "(d) ComplaintsApplication create",
    "es-store": "(d) Redress event store, trivial aggregate",
    "es-plain": "(d) plain Application create",
    "load-snapshots": "(e) load 1,000-event complaint, snapshots",
    "load-and-read": "(e) load 1,000-event complaint, snapshots, every interaction read",
    "load-no-snapshots": "(e) load 1,000-event complaint, no snapshots",
    "rebuild": "(e) rebuild read model",
}


@dataclass
class Row:
    kind: str
    store: str
    clients: int
    count: int
    errors: int
    seconds: float
    rate: float
    unit: str
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    client_cpu_pct: float | None = None
    server_cpu_pct: float | None = None
    #: A helper process's share (Redress's projection process), beside the server's.
    helper_cpu_pct: float | None = None
    error_examples: list[str] = field(default_factory=list)
    note: str = ""

    @classmethod
    def of(
        cls,
        kind: str,
        store: str,
        clients: int,
        sample: Sample,
        *,
        unit: str,
        wall_seconds: float | None = None,
        server_cpu_seconds: float | None = None,
        note: str = "",
    ) -> Row:
        wall = wall_seconds or sample.seconds
        return cls(
            kind=kind,
            store=store,
            clients=clients,
            count=sample.count,
            errors=sample.errors,
            seconds=sample.seconds,
            rate=sample.rate,
            unit=unit,
            p50_ms=sample.percentile_ms(50),
            p95_ms=sample.percentile_ms(95),
            p99_ms=sample.percentile_ms(99),
            client_cpu_pct=100 * sample.client_cpu_seconds / wall if wall_seconds else None,
            server_cpu_pct=(
                100 * server_cpu_seconds / wall if server_cpu_seconds is not None else None
            ),
            error_examples=sample.error_examples,
            note=note,
        )

    @classmethod
    def of_load(cls, kind: str, store: str, clients: int, result: LoadResult) -> Row:
        row = cls.of(
            kind,
            store,
            clients,
            result.sample,
            unit="req/s",
            wall_seconds=result.wall_seconds,
            server_cpu_seconds=result.server_cpu_seconds,
        )
        if result.helper_cpu_seconds is not None:
            row.helper_cpu_pct = 100 * result.helper_cpu_seconds / result.wall_seconds
        return row

    @property
    def cpu_ms_per_request(self) -> float | None:
        """Server (and helper) CPU per completed request: a cost that a busy or slow host
        disturbs less than the rate."""
        if self.server_cpu_pct is None or not self.rate:
            return None
        return 10 * (self.server_cpu_pct + (self.helper_cpu_pct or 0)) / self.rate


@dataclass
class Target:
    name: str
    value: float | None
    threshold: float
    higher_is_better: bool
    unit: str = ""

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "n/a"
        ok = self.value >= self.threshold if self.higher_is_better else self.value < self.threshold
        return "PASS" if ok else "FAIL"

    def describe(self) -> str:
        sign = "≥" if self.higher_is_better else "<"
        value = "—" if self.value is None else f"{self.value:,.2f}{self.unit}"
        return f"{self.name}: {value} (target {sign} {self.threshold:g}{self.unit})"


@dataclass
class Report:
    meta: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    total_steps: int = 0
    started: float = field(default_factory=time.perf_counter)
    _done_steps: int = 0

    # -- progress -------------------------------------------------------------------------

    def step(self, text: str) -> None:
        self._done_steps += 1
        elapsed = time.perf_counter() - self.started
        print(f"[{self._done_steps:2d}/{self.total_steps}] {elapsed:4.0f}s  {text}", flush=True)

    def note(self, text: str) -> None:
        print(f"        {text}", flush=True)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        print(f"        → {_summary(row)}", flush=True)
        for example in row.error_examples[:2]:
            print(f"          error: {example}", flush=True)

    def problem(self, text: str) -> None:
        self.problems.append(text)
        print(f"        ! {text}", flush=True)

    # -- lookups --------------------------------------------------------------------------

    def find(self, kind: str, store: str, clients: int | None = None) -> Row | None:
        for row in self.rows:
            if row.kind == kind and row.store == store and clients in (None, row.clients):
                return row
        return None

    def ratio(self, top: str, bottom: str, store: str, clients: int | None = None) -> float | None:
        a, b = self.find(top, store, clients), self.find(bottom, store, clients)
        if a is None or b is None or not b.rate:
            return None
        return a.rate / b.rate

    def targets(self) -> list[Target]:
        pg16 = {"store": "postgres", "clients": 16}
        out = [
            Target(
                "PG@16 c/b create",
                self.ratio("redress-create", "crud", **pg16),
                0.8,
                True,
                "x",
            ),
            Target(
                "PG@16 c/b interaction",
                self.ratio("redress-interaction", "crud", **pg16),
                0.8,
                True,
                "x",
            ),
        ]
        for kind in ("redress-create", "redress-interaction"):
            row = self.find(kind, **pg16)
            out.append(Target(f"PG@16 p99 {kind}", row.p99_ms if row else None, 50, False, " ms"))
        # The store alone, on the aggregate the library's default was measured with; and
        # the store with the complaint domain's own work in every append.
        for store in ("postgres", "sqlite"):
            for kind, label in (
                ("es-store", "event store (trivial aggregate)"),
                ("es-complaints", "event store with complaints"),
            ):
                out.append(
                    Target(
                        f"{store} {label}, 8 writers ÷ raw",
                        self.ratio(kind, "es-raw", store),
                        0.5,
                        True,
                        "x",
                    )
                )
        for kind, label, measure, threshold, higher_is_better, unit in (
            ("load-snapshots", "load 1,000 events (snapshots), median", "p50_ms", 3, False, " ms"),
            ("rebuild", "read-model rebuild", "rate", 50_000, True, " ev/s"),
        ):
            for store in ("postgres", "sqlite"):
                row = self.find(kind, store)
                value = getattr(row, measure) if row else None
                out.append(Target(f"{store} {label}", value, threshold, higher_is_better, unit))
        return out

    # -- output ---------------------------------------------------------------------------

    def render(self) -> str:
        parts = [_table_http(self), _table_ratios(self), _table_eventstore(self)]
        parts.append(_table_replay(self))
        lines = ["Targets (the benchmark reports; it does not assert):"]
        for target in self.targets():
            lines.append(f"  [{target.verdict:4s}] {target.describe()}")
        if self.problems:
            lines.append("")
            lines.append("Problems:")
            lines.extend(f"  - {p}" for p in self.problems)
        parts.append("\n".join(lines))
        return "\n\n".join(p for p in parts if p)

    def write_json(self) -> Path:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        path = RESULTS_DIR / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
        document = {
            "meta": self.meta,
            "rows": [asdict(r) for r in self.rows],
            "targets": [{**asdict(t), "verdict": t.verdict} for t in self.targets()],
            "problems": self.problems,
            "duration_seconds": round(time.perf_counter() - self.started, 1),
        }
        path.write_text(json.dumps(document, indent=2, default=str))
        return path


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


def _x(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _summary(row: Row) -> str:
    text = f"{row.rate:,.0f} {row.unit}"
    if row.p50_ms is not None:
        text += (
            f"  p50 {_ms(row.p50_ms)}  p95 {_ms(row.p95_ms)}  p99 {_ms(row.p99_ms)} ms"
            f"  n={row.count:,}"
        )
    if row.errors:
        text += f"  errors={row.errors}"
    if row.server_cpu_pct is not None:
        text += f"  cpu client/server {_pct(row.client_cpu_pct)}/{_pct(row.server_cpu_pct)}"
    if row.note:
        text += f"  ({row.note})"
    return text


def _markdown(header: list[str], body: Iterable[list[str]]) -> str:
    rows = [header, *body]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


HTTP_KINDS = ("raw", "crud", "redress-create", "redress-interaction")


def _table_http(report: Report) -> str:
    rows = [r for r in report.rows if r.kind in HTTP_KINDS]
    if not rows:
        return ""
    order = {k: i for i, k in enumerate(HTTP_KINDS)}
    rows.sort(key=lambda r: (r.store, r.clients, order[r.kind]))
    body = [
        [
            r.store,
            str(r.clients),
            LABELS[r.kind],
            f"{r.rate:,.0f}",
            _ms(r.p50_ms),
            _ms(r.p95_ms),
            _ms(r.p99_ms),
            str(r.errors),
            _cpu_shares(r),
            _ms(r.cpu_ms_per_request),
        ]
        for r in rows
    ]
    header = ["store", "clients", "measure", "per s", "p50 ms", "p95 ms", "p99 ms", "errors"]
    cpu = ["cpu load-gen/server(+projection)", "server cpu ms/req"]
    return "Throughput and latency\n" + _markdown([*header, *cpu], body)


def _cpu_shares(row: Row) -> str:
    if row.kind == "raw":
        return "—"
    shares = f"{_pct(row.client_cpu_pct)} / {_pct(row.server_cpu_pct)}"
    return shares + (f" + {_pct(row.helper_cpu_pct)}" if row.helper_cpu_pct is not None else "")


def _table_ratios(report: Report) -> str:
    cells = sorted({(r.store, r.clients) for r in report.rows if r.kind in HTTP_KINDS})
    body = []
    for store, clients in cells:
        ratios = [
            report.ratio(top, bottom, store, clients)
            for top in ("redress-create", "redress-interaction")
            for bottom in ("crud", "raw")
        ]
        if any(r is not None for r in ratios):
            body.append([store, str(clients), *(_x(r) for r in ratios)])
    if not body:
        return ""
    header = ["store", "clients", "create c/b", "create c/a", "interaction c/b", "interaction c/a"]
    return "Ratios (requests/s ÷ requests/s)\n" + _markdown(header, body)


def _table_eventstore(report: Report) -> str:
    body = []
    for store in ("postgres", "sqlite"):
        raw = report.find("es-raw", store)
        if raw is None:
            continue
        line = [store, str(raw.clients), f"{raw.rate:,.0f}"]
        for kind in ("es-complaints", "es-store", "es-plain"):
            row = report.find(kind, store)
            ratio = report.ratio(kind, "es-raw", store)
            line.append("—" if row is None else f"{row.rate:,.0f} ({_x(ratio)}x)")
        body.append(line)
    if not body:
        return ""
    header = [
        "store",
        "writers",
        "raw commits/s",
        "ComplaintsApplication/s",
        "Redress store, trivial/s",
        "plain Application, trivial/s",
    ]
    return "Event store append rate (d)\n" + _markdown(header, body)


def _table_replay(report: Report) -> str:
    body = []
    for store in ("postgres", "sqlite"):
        for kind in ("load-snapshots", "load-and-read", "load-no-snapshots"):
            row = report.find(kind, store)
            if row is not None:
                body.append(
                    [store, LABELS[kind], f"{_ms(row.p50_ms)} ms median, p95 {_ms(row.p95_ms)}"]
                )
        row = report.find("rebuild", store)
        if row is not None:
            body.append([store, LABELS["rebuild"], f"{row.rate:,.0f} events/s ({row.note})"])
    if not body:
        return ""
    return "Replay (e)\n" + _markdown(["store", "measure", "result"], body)
