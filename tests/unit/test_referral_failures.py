"""A referral that comes to nothing, as the complaint and the gateway record it, and how
what they stored before (Complaint version 5, Referral version 1, events without a body
digest or without the names a dead letter now carries) reads today."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.domain import Snapshot

from libs.domain.adr_referral import AdrFailureKind, AdrStatus
from libs.domain.complaint import Complaint
from libs.domain.errors import IllegalTransition
from libs.domain.referral import ProviderReport, Referral
from libs.domain.referral_lifecycle import ProviderEventType
from libs.domain.values import CommandContext, ResolutionOutcome
from services.adr_gateway.application import GatewayApplication
from services.complaints.application import ComplaintsApplication
from services.complaints.snapshots import ComplaintSnapshot
from tests.unit.test_complaint_state_values import taken_to_adr

WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def context() -> CommandContext:
    return CommandContext("supervisor:sam", "supervisor", "corr-1", WHEN)


def referred_after_resolution() -> Complaint:
    complaint = Complaint.receive(
        context(),
        complaint_id=uuid4(),
        customer={"id": "C-1", "name": "Ada"},
        channel="email",
        category="billing",
        description="Charged twice",
    )
    complaint.resolve(context(), outcome=ResolutionOutcome.UPHELD, summary="x", remedy="refund")
    complaint.refer_to_adr(context(), referral_id="r1", eligibility={"eligible": True})
    return complaint


def test_a_declined_referral_returns_the_complaint_to_where_it_was_and_may_be_tried_again() -> None:
    complaint = referred_after_resolution()
    complaint.record_adr_status(
        context(), referral_id="r1", provider_id="calm", provider_status="declined"
    )
    complaint.record_adr_failure(
        context(),
        referral_id="r1",
        provider_id="calm",
        failure=AdrFailureKind.DECLINED,
        reason="outside our remit",
    )

    assert complaint.status == "resolved"
    assert complaint.adr is not None and complaint.adr.status is AdrStatus.FAILED
    assert complaint.adr.failure is not None
    assert (complaint.adr.failure.kind, complaint.adr.failure.reason) == (
        "declined",
        "outside our remit",
    )

    complaint.refer_to_adr(
        context(), referral_id="r2", eligibility={"eligible": True}, preferred_provider_id="fair"
    )

    assert complaint.status == "referred_to_adr"
    assert (complaint.adr.referral_id, complaint.adr.status) == ("r2", AdrStatus.REFERRED)
    assert [(e.referral_id, e.status) for e in complaint.adr.earlier] == [("r1", AdrStatus.FAILED)]


def test_a_failure_is_recorded_only_while_the_case_is_with_adr() -> None:
    complaint = referred_after_resolution()
    complaint.record_adr_failure(
        context(),
        referral_id="r1",
        provider_id=None,
        failure=AdrFailureKind.DEAD_LETTERED,
        reason="gave up",
    )
    with pytest.raises(IllegalTransition, match="a complaint whose status is 'resolved'"):
        complaint.record_adr_failure(
            context(),
            referral_id="r1",
            provider_id=None,
            failure=AdrFailureKind.DEAD_LETTERED,
            reason="gave up",
        )


@pytest.fixture
def complaints() -> Iterator[ComplaintsApplication]:
    application = ComplaintsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield application
    application.close()


def test_a_version_5_snapshot_reads_with_the_decided_status_and_the_status_before_referral(
    complaints: ComplaintsApplication,
) -> None:
    complaint = taken_to_adr()
    snapshot = ComplaintSnapshot.take(complaint)
    assert complaint.adr is not None
    # What version 5 stored: the last status reported, and no status before the referral.
    old_adr = replace(complaint.adr, provider_status="accepted", status_before=None)
    old = ComplaintSnapshot(
        originator_id=snapshot.originator_id,
        originator_version=snapshot.originator_version,
        timestamp=snapshot.timestamp,
        topic=snapshot.topic,
        state={**snapshot.state, "class_version": 5, "adr": old_adr},
    )
    stored = complaints.mapper.to_stored_event(old)
    read = complaints.mapper.to_domain_event(stored).mutate(None)

    assert isinstance(read, Complaint) and read.adr is not None
    assert read.adr.provider_status == "decided"
    assert read.adr.status_before == complaint.adr.status_before == "final_response_issued"
    assert read.adr == complaint.adr


@pytest.fixture
def gateway() -> Iterator[GatewayApplication]:
    application = GatewayApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield application
    application.close()


def delivered_after_a_redelivery() -> Referral:
    referral = Referral.open(
        reference="R-1",
        complaint_id=str(uuid4()),
        eligibility={"eligible": True},
        referred_by="supervisor:sam",
        referred_at=WHEN,
        upstream_event_id="e-1",
    )
    referral.prepare(provider_id="calm", selection={}, bundle={"sha256": "0" * 64})
    later = WHEN + timedelta(minutes=5)
    referral.record_failed_attempt(status_code=500, error="boom", next_attempt_at=later)
    referral.dead_letter_delivery(status_code=500, reason="gave up after 2 attempts")
    referral.request_redelivery(requested_by="admin:a")
    referral.record_delivered(status_code=200)
    referral.report(
        provider_id="calm",
        event_type=ProviderEventType.ACCEPTED,
        data={},
        webhook_id="msg_1",
        occurred_at=later,
        body_sha256="ab" * 32,
    )
    return referral


def test_every_attempt_of_every_round_is_kept(gateway: GatewayApplication) -> None:
    referral = delivered_after_a_redelivery()
    gateway.save(referral)
    read = gateway.referral("R-1")

    assert [(a["round"], a["status_code"]) for a in read.attempt_history] == [
        (1, 500),
        (1, 500),
        (2, 200),
    ]
    assert read.attempt_history[1].get("dead_lettered") is True
    assert [a["status_code"] for a in read.attempts] == [200]
    assert read.delivery_round == 2
    assert read.webhook_bodies == {"msg_1": "ab" * 32}


def test_a_version_1_referral_snapshot_reads_its_attempts_as_round_one(
    gateway: GatewayApplication,
) -> None:
    referral = delivered_after_a_redelivery()
    snapshot = Snapshot.take(referral)
    state: dict[str, Any] = {
        key: value
        for key, value in snapshot.state.items()
        if key not in {"attempt_history", "delivery_round", "webhook_bodies"}
    }
    state["class_version"] = 1
    state["attempts"] = [
        {k: v for k, v in a.items() if k != "round"} for a in snapshot.state["attempts"]
    ]
    old = Snapshot(
        originator_id=snapshot.originator_id,
        originator_version=snapshot.originator_version,
        timestamp=snapshot.timestamp,
        topic=snapshot.topic,
        state=state,
    )
    read = gateway.mapper.to_domain_event(gateway.mapper.to_stored_event(old)).mutate(None)

    assert isinstance(read, Referral)
    assert [(a["round"], a["status_code"]) for a in read.attempt_history] == [(1, 200)]
    assert read.delivery_round == 1
    assert read.webhook_bodies == {"msg_1": None}  # recorded before digests were kept


def test_reports_and_dead_letters_stored_before_read_with_nothing_invented(
    gateway: GatewayApplication,
) -> None:
    referral = delivered_after_a_redelivery()
    events = referral.collect_events()
    for event in events:
        if not isinstance(event, ProviderReport | Referral.DeliveryDeadLettered):
            continue  # others have versions of their own (the legal entity, ...)
        stored = gateway.mapper.to_stored_event(event)
        state = gateway.mapper.transcoder.decode(stored.state)
        if state.pop("class_version", 1) == 1:
            continue
        for key in ("body_sha256", "reference", "complaint_id", "provider_id"):
            state.pop(key, None)
        old = stored.__class__(
            originator_id=stored.originator_id,
            originator_version=stored.originator_version,
            topic=stored.topic,
            state=gateway.mapper.transcoder.encode(state),
        )
        read = gateway.mapper.to_domain_event(old)
        if isinstance(read, Referral.DeliveryDeadLettered):
            assert (read.reference, read.complaint_id, read.provider_id) == ("", "", None)
        else:
            assert isinstance(read, Referral.ProviderStatusReported)
            assert read.body_sha256 is None
