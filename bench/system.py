"""The whole system under a mixed CRM workload, over HTTP, as real processes on PostgreSQL.

    python -m bench.system            # 20 s per run, 16 clients
    python -m bench.system --quick    # 6 s per run, 8 clients

The complaints service, the ADR gateway, the notifications service (each on a fresh
PostgreSQL database of its own, from REDRESS_TEST_DATABASE_URL's server), the sandbox ADR
provider and an SMTP mail catcher are started as `redress up` starts them (the wiring is
tests/support/system.py, shared with the fault tests). CRM clients (threads, closed loop)
each repeat a complaint's journey — open, two interactions, escalate, resolve, final
response, refer to ADR — with an Idempotency-Key on every write. The run is done once with
one process per service and once with two (clients spread over both complaints replicas).

Reported per run: sustained writes per second, p50/p95/p99 per operation, how long the
downstream services took after the load to hand every referral to the provider and send
every e-mail, and the peak resident memory (VmHWM from /proc) of every service process.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.server import read_cpu_seconds
from tests.support.crm import Crm
from tests.support.system import System, rss_peak_kib, whole_system

OPERATIONS = ("open", "interact", "escalate", "resolve", "final_response", "refer")
MAIL_PER_JOURNEY = 4  # acknowledgement, final response, referral notice, provider accepted
# Bigger pools than the fault tests use: this measures throughput, not survival.
POOLS = {"REDRESS_DB_POOL_SIZE": "8", "REDRESS_WORKER_THREADS": "32"}


def _percentile_ms(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[rank] * 1000, 1)


def _load(system: System, clients: int, seconds: float, warmup: float) -> dict[str, Any]:
    urls = [p.url for p in system.complaints]
    # Each client starts on another replica; then each uses them in turn.
    crms = [Crm(urls, system.crm_key(i), deadline_seconds=60, turn=i) for i in range(clients)]
    referred: list[int] = [0] * clients
    start = time.perf_counter()
    measure_from, stop_at = start + warmup, start + warmup + seconds
    finished: list[float] = []
    failures: list[str] = []

    def client(index: int) -> None:
        crm = crms[index]
        cleared = False
        try:
            while time.perf_counter() < stop_at:
                if not cleared and time.perf_counter() >= measure_from:
                    crm.latencies.clear()
                    cleared = True
                crm.referred_journey(interactions=2, escalate=True)
                referred[index] += 1
        except Exception as error:  # reported with the figures
            failures.append(f"{type(error).__name__}: {error}"[:300])
        finally:
            finished.append(time.perf_counter())

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    window = max(finished) - measure_from
    per_operation: dict[str, dict[str, Any]] = {}
    total = 0
    for operation in OPERATIONS:
        values = [v for crm in crms for v in crm.latencies.get(operation, [])]
        total += len(values)
        per_operation[operation] = {
            "count": len(values),
            "p50_ms": _percentile_ms(values, 50),
            "p95_ms": _percentile_ms(values, 95),
            "p99_ms": _percentile_ms(values, 99),
        }
    for crm in crms:
        crm.close()
    return {
        "clients": clients,
        "seconds": round(window, 2),
        "writes_per_second": round(total / window, 1),
        "journeys_per_second": round(per_operation["refer"]["count"] / window, 2),
        "operations": per_operation,
        "retries": sum(crm.retries for crm in crms),
        "refused": sum(len(crm.refused) for crm in crms),
        "failures": failures[:5],
        "referred": sum(referred),
    }


def _drain(system: System, referred: int, limit: float = 120.0) -> dict[str, Any]:
    """How long after the load the gateway and notifications took to catch up."""
    started = time.perf_counter()
    delivered = mailed = None
    while time.perf_counter() - started < limit and (delivered is None or mailed is None):
        if delivered is None and len(system.sandbox_cases()) >= referred:
            delivered = round(time.perf_counter() - started, 1)
        if mailed is None and len(system.message_ids()) >= referred * MAIL_PER_JOURNEY:
            mailed = round(time.perf_counter() - started, 1)
        time.sleep(0.5)
    return {
        "referrals_delivered_after_s": delivered,
        "mail_sent_after_s": mailed,
        "cases_at_provider": len(system.sandbox_cases()),
        "mails": len(system.message_ids()),
    }


def _name(process: Any) -> str:
    return f"{process.service}@{process.port}"


def _cpu(system: System) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each service process."""
    used = {_name(p): read_cpu_seconds(p.process.pid) for p in system.processes if p.process}
    used["bench (clients, SMTP catcher)"] = read_cpu_seconds(os.getpid())
    return used


def _memory(system: System) -> dict[str, int]:
    peaks = {}
    for process in system.processes:
        assert process.process is not None
        peaks[_name(process)] = rss_peak_kib(process.process.pid) // 1024
    return peaks


def measure(replicas: int, clients: int, seconds: float, warmup: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="redress-bench-system-") as logs:
        env = {name: POOLS for name in ("complaints", "adr_gateway", "notifications")}
        with whole_system(
            Path(logs), replicas=replicas, env=env, prefix="redress_bench_sys"
        ) as system:
            for index in range(clients):
                system.crm_key(index)  # issued before the clock starts
            before = _cpu(system)
            result = _load(system, clients, seconds, warmup)
            after = _cpu(system)
            result["cpu_seconds_during_load"] = {
                name: round(after[name] - before[name], 1) for name in after
            }
            result["replicas"] = replicas
            result["drain"] = _drain(system, result["referred"])
            result["peak_rss_mib"] = _memory(system)
    return result


def run(quick: bool) -> dict[str, Any]:
    clients = 8 if quick else 16
    seconds = 6.0 if quick else 20.0
    warmup = 1.0 if quick else 3.0
    return {
        "workload": "open, 2 interactions, escalate, resolve, final response, refer (per journey)",
        "runs": [measure(replicas, clients, seconds, warmup) for replicas in (1, 2)],
    }


def report(results: dict[str, Any]) -> str:
    lines = [f"System benchmark — {results['workload']}"]
    for run_ in results["runs"]:
        lines.append(
            f"\n{run_['replicas']} replica(s) of each service, {run_['clients']} clients, "
            f"{run_['seconds']} s: {run_['writes_per_second']} writes/s, "
            f"{run_['journeys_per_second']} journeys/s "
            f"(retries {run_['retries']}, refused {run_['refused']})"
        )
        lines.append(f"  {'operation':<15}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
        for name, figures in run_["operations"].items():
            lines.append(
                f"  {name:<15}{figures['count']:>7}{figures['p50_ms'] or '-':>9}"
                f"{figures['p95_ms'] or '-':>9}{figures['p99_ms'] or '-':>9}"
            )
        drain = run_["drain"]
        lines.append(
            f"  after the load: every referral at the provider in "
            f"{drain['referrals_delivered_after_s']} s, every e-mail sent in "
            f"{drain['mail_sent_after_s']} s ({drain['cases_at_provider']} cases, "
            f"{drain['mails']} mails)"
        )
        peaks = ", ".join(f"{name} {mib} MiB" for name, mib in run_["peak_rss_mib"].items())
        lines.append(f"  peak RSS: {peaks}")
        cpu = ", ".join(f"{n} {s} s" for n, s in run_["cpu_seconds_during_load"].items())
        lines.append(f"  CPU used during the load: {cpu}")
        if run_["failures"]:
            lines.append(f"  failures: {run_['failures']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.system", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="6 s runs with 8 clients")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    results = run(args.quick)
    print(report(results))
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
