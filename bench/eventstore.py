"""(d) The event store's own append rate with N writer threads, against raw commits.

Four lines, each on a fresh database: raw INSERT+COMMIT with N connections; the lead's
ComplaintsApplication receiving complaints from N threads (its group-committing event
store, with the complaint domain's own work in every append); Redress's event store saving
a trivial aggregate from N threads; and the library's plain
`eventsourcing.application.Application` saving the same trivial aggregate (the library's
default recorder, as a reference). The last two differ only in the store, so they compare
event stores like for like.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench import raw
from bench.context import Context
from bench.domain import command_context, complaint_details
from bench.measure import Operation, run_threaded
from bench.report import Row


class Note(Aggregate):
    """The trivial aggregate: one event, one field."""

    @event("Written")
    def __init__(self, text: str) -> None:
        self.text = text


class PlainApplication(Application):
    name = "BenchPlain"


def _redress_store(url: str, writers: int) -> Any:
    """Redress's event store (group commit, hash chain, binary reads) as an Application of
    the trivial aggregate."""
    from libs.platform.eventstore.application import GroupCommitApplication, event_store_env

    class RedressStore(GroupCommitApplication):
        name = "BenchStore"

    return RedressStore(env=event_store_env(url, pool_size=writers))


def store_env(url: str, pool_size: int) -> dict[str, str]:
    from libs.platform.sql.storage import DatabaseUrl

    return DatabaseUrl(url).eventsourcing_env(pool_size=pool_size)


def _measure_app(
    context: Context, kind: str, store: str, app: Application, operation: Operation
) -> None:
    def setup(_: int) -> tuple[Operation, Callable[[], None]]:
        return operation, lambda: None

    try:
        sample = run_threaded(context.writers, context.seconds, context.warmup, setup)
    finally:
        app.close()
    context.report.add(Row.of(kind, store, context.writers, sample, unit="appends/s"))


def run(context: Context, store: str) -> None:
    writers = context.writers
    context.report.step(f"(d) raw INSERT+COMMIT  {store}  {writers} connections")
    url = context.databases.fresh(store, "es_raw")
    raw.prepare(url)
    sample = raw.measure(url, writers, context.seconds, context.warmup)
    context.report.add(Row.of("es-raw", store, writers, sample, unit="commits/s"))
    context.databases.discard(url)

    context.report.step(f"(d) ComplaintsApplication.receive_complaint  {store}  {writers} threads")
    from libs.platform.eventstore.application import event_store_env
    from services.complaints.application import ComplaintsApplication

    url = context.databases.fresh(store, "es_complaints")
    complaints = ComplaintsApplication(env=event_store_env(url, pool_size=writers))
    details = complaint_details()

    def receive() -> None:
        complaints.receive_complaint(
            command_context(), present=lambda complaint: complaint.id, **details
        )

    _measure_app(context, "es-complaints", store, complaints, receive)
    context.databases.discard(url)

    context.report.step(f"(d) Redress event store, trivial aggregate  {store}  {writers} threads")
    url = context.databases.fresh(store, "es_store")
    redress = _redress_store(url, writers)
    _measure_app(context, "es-store", store, redress, lambda: redress.save(Note("hello")))
    context.databases.discard(url)

    context.report.step(f"(d) plain eventsourcing Application.save  {store}  {writers} threads")
    url = context.databases.fresh(store, "es_plain")
    plain: Any = PlainApplication(env=store_env(url, writers))
    _measure_app(context, "es-plain", store, plain, lambda: plain.save(Note("hello")))
