"""The deadline scheduler records each alert exactly once: as time moves, across restarts,
and with two processes firing at once (real databases, injected clock)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from libs.domain.complaint import Complaint
from libs.domain.deadlines import get_regime
from libs.domain.values import CommandContext
from services.complaints.bootstrap import ComplaintsService
from services.complaints.readmodel.queries import ComplaintFilter, list_complaints
from tests.conftest import build_complaints

# Received on Monday 2 March 2026, 10:00 UTC, under the default regime: acknowledgement due
# within 2 business days (end of Wednesday 4 March), final response within 30 days.
RECEIVED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ACK_DUE = datetime(2026, 3, 4, 23, 59, 59, 999999, tzinfo=UTC)


def receive(service: ComplaintsService) -> UUID:
    context = CommandContext("agent:a", "agent", "c", RECEIVED)
    complaint = Complaint.receive(
        context,
        complaint_id=uuid4(),
        customer={"id": "C", "name": "N"},
        channel="web",
        category="service",
        description="late parcel",
    )
    service.application.save(complaint)
    service.projector.catch_up()
    return complaint.id


def alerts(service: ComplaintsService, complaint_id: UUID) -> list[tuple[str, str]]:
    complaint = service.application.complaint(complaint_id)
    return [(a["deadline"], a["alert"]) for a in complaint.deadline_alerts]


def at(service: ComplaintsService, moment: datetime) -> ComplaintsService:
    service.scheduler.clock = lambda: moment
    return service


def test_alerts_fire_once_as_time_passes(database_url: str) -> None:
    service = build_complaints(database_url)
    complaint_id = receive(service)
    # A lead of 5 business days is longer than the 2-day clock: the warning comes when half
    # of it has run (Tuesday 3 March, about 17:00), not on arrival.
    at(service, RECEIVED + timedelta(hours=1)).scheduler.fire_due()
    assert alerts(service, complaint_id) == []
    at(service, RECEIVED + timedelta(hours=32)).scheduler.fire_due()
    assert alerts(service, complaint_id) == [("acknowledgement", "approaching")]
    service.projector.catch_up()
    at(service, RECEIVED + timedelta(hours=33)).scheduler.fire_due()
    assert alerts(service, complaint_id) == [("acknowledgement", "approaching")]

    at(service, ACK_DUE + timedelta(seconds=1)).scheduler.fire_due()
    service.projector.catch_up()
    at(service, ACK_DUE + timedelta(hours=1)).scheduler.fire_due()
    recorded = alerts(service, complaint_id)
    assert recorded.count(("acknowledgement", "missed")) == 1
    assert recorded.count(("acknowledgement", "approaching")) == 1

    page = list_complaints(
        service.read_engine,
        ComplaintFilter(breached=True, now=ACK_DUE + timedelta(hours=1)),
        limit=200,
        cursor=None,
    )
    assert str(complaint_id) in [row["id"] for row in page.items]
    service.stop()


def test_a_met_deadline_raises_no_alarm(database_url: str) -> None:
    service = build_complaints(database_url)
    complaint_id = receive(service)
    acknowledged = CommandContext("agent:a", "agent", "c", RECEIVED + timedelta(hours=3))
    service.application.update(
        complaint_id,
        acknowledged,
        lambda c: c.acknowledge(
            acknowledged, message="Thanks", channel="email", regime=get_regime("default")
        ),
    )
    service.projector.catch_up()
    at(service, ACK_DUE + timedelta(days=1)).scheduler.fire_due()
    assert ("acknowledgement", "missed") not in alerts(service, complaint_id)
    service.stop()


def test_two_processes_and_a_restart_record_each_alert_once(database_url: str) -> None:
    first = build_complaints(database_url)
    second = build_complaints(database_url)
    ids = [receive(first) for _ in range(5)]
    moment = ACK_DUE + timedelta(hours=2)
    for service in (first, second):
        at(service, moment)
    threads = [threading.Thread(target=s.scheduler.fire_due) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first.stop()
    restarted = at(build_complaints(database_url), moment)
    restarted.projector.catch_up()
    restarted.scheduler.fire_due()
    for complaint_id in ids:
        assert alerts(restarted, complaint_id).count(("acknowledgement", "missed")) == 1
    second.stop()
    restarted.stop()


def unfired_timers(service: ComplaintsService, complaint_id: UUID) -> set[tuple[str, str]]:
    from sqlalchemy import select

    from services.complaints.readmodel.tables import deadline_timers as timers

    with service.read_engine.connect() as connection:
        rows = connection.execute(
            select(timers.c.deadline, timers.c.alert)
            .where(timers.c.complaint_id == str(complaint_id))
            .where(timers.c.fired_at.is_(None))
        )
        return {(row.deadline, row.alert) for row in rows}


def test_timers_follow_the_deadlines_and_stay_when_they_do_not_move(database_url: str) -> None:
    service = build_complaints(database_url)
    complaint_id = receive(service)
    assert ("acknowledgement", "missed") in unfired_timers(service, complaint_id)

    later = CommandContext("agent:a", "agent", "c", RECEIVED + timedelta(hours=3))
    service.application.update(
        complaint_id,
        later,
        lambda c: c.record_interaction(
            later, interaction_id="n1", kind="note", direction="internal", summary="called"
        ),
    )
    service.projector.catch_up()
    before_acknowledging = unfired_timers(service, complaint_id)
    service.application.update(
        complaint_id,
        later,
        lambda c: c.acknowledge(
            later, message="Thanks", channel="email", regime=get_regime("default")
        ),
    )
    service.projector.catch_up()

    assert ("acknowledgement", "missed") in before_acknowledging
    after = unfired_timers(service, complaint_id)
    assert after and not any(deadline == "acknowledgement" for deadline, _ in after)
    assert after < before_acknowledging
    service.stop()
