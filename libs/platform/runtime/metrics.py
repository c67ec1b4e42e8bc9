"""Prometheus collectors shared by the services, read at scrape time.

Each service builds its own `CollectorRegistry` in its `app.py` and registers these next to
its own collectors (see `services/*/metrics.py`). A collector reads what it reports when
Prometheus scrapes — a count the application keeps, or a query on the service's database —
rather than counters sprinkled through the code, so every replica reports the same
database-wide figures and nothing drifts after a restart. A collector whose database is
unreachable reports nothing that scrape (and counts the failure), never a 500 on /metrics.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol

import structlog
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

log = structlog.get_logger()


def counted_in_files() -> bool:
    """True in one of several worker processes serving one port (`redress serve --workers`):
    prometheus_client's multiprocess mode, which keeps counters and histograms in files
    that any worker sums when it is scraped."""
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def sum_of_workers(registry: CollectorRegistry) -> None:
    """Adds every worker's counters and histograms to what `registry` reports."""
    MultiProcessCollector(registry)


class _CountsAppends(Protocol):
    events_appended: int
    after_save: list[Callable[[], None]]


class EventsAppendedCollector(Collector):
    """`redress_events_appended_total`: events this process appended to its event store."""

    def __init__(self, application: _CountsAppends) -> None:
        self._application = application

    def collect(self) -> Iterator[Metric]:
        counter = CounterMetricFamily(
            "redress_events_appended", "Events appended to the event store by this process"
        )
        counter.add_metric([], self._application.events_appended)
        yield counter


class EventsAppendedInFiles:
    """`redress_events_appended_total` summed over worker processes: a file-backed counter,
    brought up to the application's own count after each save."""

    def __init__(self, application: _CountsAppends) -> None:
        self._application = application
        self._counter = Counter(
            "redress_events_appended", "Events appended to the event store", registry=None
        )
        self._counted = 0
        self._lock = threading.Lock()
        application.after_save.append(self._catch_up)

    def _catch_up(self) -> None:
        with self._lock:
            appended = self._application.events_appended
            self._counter.inc(appended - self._counted)
            self._counted = appended


class DatabaseCollector(Collector):
    """A collector that queries the database at scrape time. Subclasses implement `read`;
    a failed read is logged and counted in `redress_metrics_read_errors_total`."""

    name = "database"

    def __init__(self) -> None:
        self.read_errors = 0

    def read(self) -> Iterable[Metric]:
        raise NotImplementedError

    def collect(self) -> Iterator[Metric]:
        try:
            metrics = list(self.read())
        except Exception as error:  # the database may be down: report that, not a 500
            self.read_errors += 1
            log.warning("metrics read failed", collector=self.name, error=type(error).__name__)
            metrics = []
        yield from metrics
        errors = CounterMetricFamily(
            "redress_metrics_read_errors",
            "Scrapes at which a collector could not read the database",
            labels=["collector"],
        )
        errors.add_metric([self.name], self.read_errors)
        yield errors


class GaugeCollector(DatabaseCollector):
    """One unlabelled gauge whose value is read from the database at scrape time."""

    def __init__(self, name: str, metric: str, help_text: str, value: Callable[[], int]):
        super().__init__()
        self.name = name
        self._metric = metric
        self._help = help_text
        self._value = value

    def read(self) -> Iterable[Metric]:
        gauge = GaugeMetricFamily(self._metric, self._help)
        gauge.add_metric([], self._value())
        return [gauge]


class TimersDueCollector(GaugeCollector):
    """`redress_timers_due`: timers whose time has come and that no replica has claimed."""

    def __init__(self, due_count: Callable[[], int], help_text: str = "") -> None:
        help_text = help_text or "Timers due now and not yet claimed (scheduler backlog)"
        super().__init__("timers", "redress_timers_due", help_text, due_count)


def gauge(name: str, documentation: str, values: Mapping[Any, float], label: str) -> Metric:
    """A labelled gauge from a {label value: number} mapping."""
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([str(key)], value)
    return family


def single_gauge(name: str, documentation: str, value: float) -> Metric:
    family = GaugeMetricFamily(name, documentation)
    family.add_metric([], value)
    return family


def counter(name: str, documentation: str, value: float) -> Metric:
    family = CounterMetricFamily(name, documentation)
    family.add_metric([], value)
    return family
