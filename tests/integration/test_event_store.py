"""The event store under concurrent writers, and the list projection (real databases)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import select

from libs.domain.complaint import Complaint
from libs.domain.values import CommandContext, ResolutionOutcome
from services.complaints.readmodel.projector import ComplaintListProjector
from services.complaints.readmodel.tables import complaint_list
from tests.conftest import build_complaints

CONTEXT = CommandContext("agent:a", "agent", "c", datetime(2026, 2, 2, tzinfo=UTC))


def receive(application: object, n: int) -> Complaint:
    complaint = Complaint.receive(
        CONTEXT,
        complaint_id=uuid4(),
        customer={"id": f"C-{n}", "name": "N"},
        channel="web",
        category="service",
        description=f"complaint {n}",
    )
    application.save(complaint)  # type: ignore[attr-defined]
    return complaint


def test_concurrent_saves_share_commits_and_keep_the_log_gap_free(database_url: str) -> None:
    service = build_complaints(database_url)
    application = service.application
    start = int(application.recorder.max_notification_id() or 0)
    created: list[Complaint] = []

    def writer(offset: int) -> None:
        for n in range(40):
            created.append(receive(application, offset * 1000 + n))

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    notifications = application.recorder.select_notifications(start=start + 1, limit=10_000)
    ids = [n.id for n in notifications]
    assert len(ids) == 320
    assert ids == list(range(ids[0], ids[0] + 320))  # ordered, no gaps
    assert {n.originator_id for n in notifications} == {c.id for c in created}
    committer = application.group_recorder.committer
    assert committer.events_committed >= 320
    service.stop()


def test_a_stale_writer_loses_and_the_winner_is_kept(database_url: str) -> None:
    from eventsourcing.persistence import IntegrityError

    service = build_complaints(database_url)
    application = service.application
    complaint = receive(application, 1)
    first = application.complaint(complaint.id)
    second = application.complaint(complaint.id)
    first.escalate(CONTEXT, reason="first")
    second.escalate(CONTEXT, reason="second", to_tier="manager")
    application.save(first)
    with pytest.raises(IntegrityError):
        application.save(second)
    assert application.complaint(complaint.id).tier == "supervisor"
    service.stop()


def note(summary: str) -> Callable[[Complaint], None]:
    def decide(complaint: Complaint) -> None:
        complaint.record_interaction(
            CONTEXT, interaction_id=summary, kind="note", direction="internal", summary=summary
        )

    return decide


def versions_and_notes(complaint: Complaint) -> tuple[int, list[str]]:
    return complaint.version, [i["summary"] for i in complaint.interactions]


def test_a_kept_complaint_takes_in_what_another_replica_recorded(database_url: str) -> None:
    ours, theirs = build_complaints(database_url), build_complaints(database_url)
    complaint_id = receive(ours.application, 1).id
    ours.application.update(complaint_id, CONTEXT, note("ours 1"), present=versions_and_notes)

    theirs.application.update(complaint_id, CONTEXT, note("theirs"))
    after = ours.application.update(
        complaint_id, CONTEXT, note("ours 2"), present=versions_and_notes
    )

    assert after == (4, ["ours 1", "theirs", "ours 2"])
    assert versions_and_notes(theirs.application.complaint(complaint_id)) == after
    ours.stop()
    theirs.stop()


def test_a_kept_complaint_another_replica_moved_on_is_asked_again(database_url: str) -> None:
    ours, theirs = build_complaints(database_url), build_complaints(database_url)
    complaint_id = receive(ours.application, 1).id

    def withdraw(complaint: Complaint) -> None:
        complaint.close(CONTEXT, reason="withdrawn")

    ours.application.update(complaint_id, CONTEXT, withdraw, present=versions_and_notes)
    theirs.application.update(
        complaint_id, CONTEXT, lambda complaint: complaint.reopen(CONTEXT, reason="customer")
    )
    # What ours kept says "closed", which refuses notes; the stored complaint is open.
    after = ours.application.update(
        complaint_id, CONTEXT, note("after reopening"), present=versions_and_notes
    )

    assert after == (4, ["after reopening"])
    ours.stop()
    theirs.stop()


def test_a_refused_command_leaves_nothing_behind_in_the_kept_complaint(
    database_url: str,
) -> None:
    service = build_complaints(database_url)
    application = service.application
    complaint_id = receive(application, 1).id
    application.update(complaint_id, CONTEXT, note("kept"), present=versions_and_notes)

    def note_then_refuse(complaint: Complaint) -> None:
        note("never saved")(complaint)
        raise RuntimeError("refused after changing the object")

    with pytest.raises(RuntimeError):
        application.update(complaint_id, CONTEXT, note_then_refuse, present=versions_and_notes)
    after = application.update(complaint_id, CONTEXT, note("next"), present=versions_and_notes)

    assert after == (3, ["kept", "next"])
    service.stop()


def test_the_list_can_be_dropped_and_rebuilt_from_the_events(database_url: str) -> None:
    service = build_complaints(database_url)
    for n in range(30):
        complaint = receive(service.application, n)
        if n % 3 == 0:
            complaint.escalate(CONTEXT, reason="r")
            service.application.save(complaint)
    service.projector.catch_up()
    with service.read_engine.connect() as connection:
        before = sorted(map(tuple, connection.execute(select(complaint_list)).all()))
    progress: list[tuple[int, int]] = []
    replayed = service.rebuild_read_models(lambda done, total: progress.append((done, total)))
    with service.read_engine.connect() as connection:
        after = sorted(map(tuple, connection.execute(select(complaint_list)).all()))
    assert after == before
    assert replayed >= 40
    assert progress and progress[-1][0] == progress[-1][1]
    service.stop()


def test_a_rebuild_in_small_pages_and_flushes_writes_every_row(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.complaints.readmodel import projector

    service = build_complaints(database_url)
    for n in range(7):
        receive(service.application, n)
    service.projector.catch_up()
    with service.read_engine.connect() as connection:
        before = sorted(map(tuple, connection.execute(select(complaint_list)).all()))
    # Every page full (the last one too) and a flush every few complaints.
    monkeypatch.setattr(projector, "REBUILD_BATCH", 1)
    monkeypatch.setattr(projector, "FLUSH_COMPLAINTS", 3)

    replayed = service.rebuild_read_models()

    with service.read_engine.connect() as connection:
        after = sorted(map(tuple, connection.execute(select(complaint_list)).all()))
    assert after == before
    assert replayed >= 7
    assert service.projector.position() == service.projector.head()
    service.stop()


def _read_models(service: object) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    from services.complaints.readmodel.tables import complaint_deadlines, deadline_timers

    engine = service.read_engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        rows = sorted(map(tuple, connection.execute(select(complaint_list)).all()))
        # Each complaint's deadlines, which the list's `breached` is asked of.
        deadlines = connection.execute(select(complaint_deadlines)).all()
        rows += sorted(("deadline", *row) for row in deadlines)
        timers = connection.execute(
            select(
                deadline_timers.c.complaint_id,
                deadline_timers.c.deadline,
                deadline_timers.c.alert,
                deadline_timers.c.due_at,
                deadline_timers.c.fire_at,
            )
        ).all()
    return rows, sorted(map(tuple, timers))


def _varied_complaints(service: object, count: int) -> None:
    """Complaints at different points of their life, their events interleaved in the log."""
    application = service.application  # type: ignore[attr-defined]
    complaints = [receive(application, n) for n in range(count)]
    for n, complaint in enumerate(complaints):
        if n % 2 == 0:
            complaint.escalate(CONTEXT, reason="r")
        if n % 3 == 0:
            complaint.resolve(
                CONTEXT, outcome=ResolutionOutcome.UPHELD, summary="s", remedy="apology"
            )
    application.save(*complaints)


def _rebuilt_in_one_process(
    database_url: str, monkeypatch: pytest.MonkeyPatch, complaints: int
) -> tuple[Any, tuple[list[tuple[object, ...]], list[tuple[object, ...]]]]:
    """A service with varied complaints, its read models as one process rebuilds them, and
    helpers switched on for a log of any length."""
    from services.complaints.readmodel import projector

    service = build_complaints(database_url)
    _varied_complaints(service, complaints)
    service.rebuild_read_models(processes=1)
    monkeypatch.setattr(projector, "PARALLEL_FROM_EVENTS", 0)
    return service, _read_models(service)


@pytest.mark.parametrize("processes", [2, 3])
def test_a_rebuild_shared_with_helper_processes_writes_what_one_process_writes(
    database_url: str, monkeypatch: pytest.MonkeyPatch, processes: int
) -> None:
    from services.complaints.readmodel import helpers, projector

    service, alone = _rebuilt_in_one_process(database_url, monkeypatch, complaints=40)
    # Small pages, and flushes every few complaints.
    monkeypatch.setattr(projector, "REBUILD_BATCH", 9)
    monkeypatch.setattr(projector, "FLUSH_COMPLAINTS", 10)
    forked: list[int] = []
    original = helpers.RebuildHelpers.__init__

    def counting(self: object, *args: object) -> None:
        original(self, *args)  # type: ignore[arg-type]
        forked.extend(p.pid for p in self._processes)  # type: ignore[attr-defined]

    monkeypatch.setattr(helpers.RebuildHelpers, "__init__", counting)

    replayed = service.rebuild_read_models(processes=processes)

    assert len(forked) == processes - 1
    assert _read_models(service) == alone
    assert replayed == service.projector.head()
    assert service.projector.position() == service.projector.head()
    service.stop()


def test_a_helper_loads_the_complaints_it_could_not_keep_through_its_own_connections(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.complaints.readmodel import projector

    service, alone = _rebuilt_in_one_process(database_url, monkeypatch, complaints=30)
    # Keep one complaint folded: every other complaint's next event is a load.
    monkeypatch.setattr(projector, "REBUILD_BATCH", 7)
    monkeypatch.setattr(projector, "REBUILD_FOLD_CACHE_SIZE", 1)

    service.rebuild_read_models(processes=2)

    assert _read_models(service) == alone
    # The parent's connections still work: the helper never used them.
    receive(service.application, 99)
    service.projector.catch_up()
    service.stop()


def test_a_helper_that_dies_fails_the_rebuild_with_a_message(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import signal

    from services.complaints.readmodel import helpers, projector

    service = build_complaints(database_url)
    _varied_complaints(service, 10)
    monkeypatch.setattr(projector, "PARALLEL_FROM_EVENTS", 0)
    original = helpers.RebuildHelpers.collect

    def killed_first(self: helpers.RebuildHelpers) -> helpers.HelpersShare:
        for process in self._processes:
            os.kill(process.pid, signal.SIGKILL)
            process.join()
        return original(self)

    monkeypatch.setattr(helpers.RebuildHelpers, "collect", killed_first)

    with pytest.raises(RuntimeError, match="rebuild helper process stopped"):
        service.rebuild_read_models(processes=2)
    monkeypatch.undo()
    assert service.rebuild_read_models(processes=2) == service.projector.head()
    service.stop()


def test_two_projectors_racing_write_each_event_once(database_url: str) -> None:
    service = build_complaints(database_url)
    for n in range(50):
        receive(service.application, n)
    rival = ComplaintListProjector(
        service.application, service.read_engine, service.policy, batch_size=7
    )
    ours = ComplaintListProjector(
        service.application, service.read_engine, service.policy, batch_size=5
    )
    threads = [threading.Thread(target=p.catch_up) for p in (rival, ours)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ours.position() == service.projector.head()
    with service.read_engine.connect() as connection:
        rows = connection.execute(select(complaint_list.c.id, complaint_list.c.version)).all()
    assert len(rows) == len({row.id for row in rows})
    service.stop()


def test_any_state_bytes_and_topic_are_stored_exactly_and_chained(database_url: str) -> None:
    """Quoting is the client's job on the usual (one-query) write path: every byte value,
    quotes, backslashes and placeholders must arrive as sent, on either path."""
    from eventsourcing.persistence import StoredEvent

    from libs.platform.eventstore.integrity.audit import verify_aggregate

    service = build_complaints(database_url)
    recorder = service.application.recorder
    originator = uuid4()
    topic = "odd'topic\\%s;--$$:Event"
    states = [bytes(range(256)) + b"'\\%s", b"\x00'); DROP TABLE x; --", "é€𝄞".encode()]
    # Version 1 is new; version 2's predecessor is known from this process's write; a
    # fresh process does not know version 3's, so it reads it inside the transaction.
    recorder.insert_events([StoredEvent(originator, 1, topic, states[0])])
    recorder.insert_events([StoredEvent(originator, 2, topic, states[1])])
    service.stop()
    restarted = build_complaints(database_url)
    restarted.application.recorder.insert_events([StoredEvent(originator, 3, topic, states[2])])

    stored = restarted.application.recorder.select_events(originator)
    assert [(e.topic, bytes(e.state)) for e in stored] == [(topic, s) for s in states]
    verdict = verify_aggregate(restarted.application.recorder, originator)
    assert verdict.valid and verdict.events == 3, verdict.problems
    restarted.stop()


def test_a_save_of_thousands_of_events_gets_each_its_own_notification_id(
    database_url: str,
) -> None:
    """More rows than one SQLite statement can carry go in several; every id returned is
    the one the log gives that event."""
    from eventsourcing.persistence import StoredEvent

    service = build_complaints(database_url)
    recorder = service.application.recorder
    events = [StoredEvent(uuid4(), 1, "bulk:Event", f"{n}".encode()) for n in range(2_500)]
    ids = recorder.insert_events(events)
    logged = recorder.select_notifications(start=ids[0], limit=len(events))
    service.stop()
    assert ids == list(range(ids[0], ids[0] + len(events)))
    assert [(n.id, n.originator_id, bytes(n.state)) for n in logged] == [
        (i, e.originator_id, e.state) for i, e in zip(ids, events, strict=True)
    ]


def started_together(env: dict[str, str], kinds: list[type]) -> list[BaseException]:
    """Builds one application of each kind at the same moment; returns what failed."""
    start = threading.Barrier(len(kinds))
    failures: list[BaseException] = []

    def replica(kind: type) -> None:
        start.wait()
        try:
            kind(env=env).close()
        except BaseException as error:  # collected and asserted on
            failures.append(error)

    threads = [threading.Thread(target=replica, args=(kind,)) for kind in kinds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_replicas_starting_together_on_a_fresh_database_all_start() -> None:
    """Each builds the event store's tables; PostgreSQL's `CREATE … IF NOT EXISTS` is not
    safe against itself, so they take turns."""
    from libs.platform.eventstore.application import event_store_env
    from services.adr_gateway.application import GatewayApplication
    from services.complaints.application import ComplaintsApplication
    from tests.support.databases import fresh_postgres_database

    for _ in range(3):
        with fresh_postgres_database("redress_race") as url:
            env = event_store_env(url, pool_size=1)
            assert started_together(env, [ComplaintsApplication, GatewayApplication] * 3) == []
