"""The event store under concurrent writers, and the list projection (real databases)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from uuid import uuid4

from sqlalchemy import select

from libs.domain.complaint import Complaint
from libs.domain.values import CommandContext
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
    import pytest
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
