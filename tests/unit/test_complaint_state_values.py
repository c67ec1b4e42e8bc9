"""A complaint's offers, appeals, decisions and ADR referral are frozen values: a snapshot
stores each as its record and reads it back as the same value, and a snapshot stored before
they were typed (plain records, class version 3) reads as the complaint its events make."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from libs.domain.adr_referral import AdrOutcome, AdrReferral, AdrUpdate
from libs.domain.appeals import AppealStatus
from libs.domain.complaint import Complaint
from libs.domain.deadlines import get_regime
from libs.domain.decisions import FinalResponse, Resolution, SummaryResolution
from libs.domain.offers import Offer
from libs.domain.records import record_of
from libs.domain.values import AppealOutcome, CommandContext, OfferStatus, ResolutionOutcome
from services.complaints.api.representation import complaint_document
from services.complaints.application import ComplaintsApplication
from services.complaints.snapshots import ComplaintSnapshot

STARTED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TYPED = ("offers", "appeals", "resolution", "final_response", "adr")


def clock() -> Iterator[CommandContext]:
    minute = 0
    while True:
        minute += 1
        yield CommandContext(
            "agent:a", "agent", f"corr-{minute}", STARTED + timedelta(minutes=minute)
        )


def taken_to_adr() -> Complaint:
    """A complaint with every kind of typed state: offers, a resolution, a final response,
    a decided appeal, and an ADR referral with updates and an outcome."""
    moments = clock()
    complaint = Complaint.receive(
        next(moments),
        complaint_id=uuid4(),
        customer={"id": "C-1", "name": "Ada"},
        channel="web",
        category="billing",
        description="charged twice",
    )
    complaint.make_offer(
        next(moments), offer_id="o1", description="refund", amount=Decimal("20.50"), currency="GBP"
    )
    complaint.record_offer_response(next(moments), offer_id="o1", accepted=False)
    complaint.make_offer(next(moments), offer_id="o2", description="an apology")
    complaint.resolve(
        next(moments),
        outcome=ResolutionOutcome.UPHELD,
        summary="we erred",
        remedy="refund",
        redress_amount=Decimal("40.00"),
        currency="GBP",
    )
    complaint.issue_final_response(
        next(moments),
        letter="Dear Ada",
        elements={"decision": "upheld", "adr_rights_stated": True},
        regime=get_regime("default"),
    )
    complaint.lodge_appeal(next(moments), appeal_id="a1", grounds="not enough")
    complaint.decide_appeal(
        next(moments),
        appeal_id="a1",
        outcome=AppealOutcome.DISMISSED,
        decided_at_tier="supervisor",
        reasons="the decision stands",
    )
    complaint.refer_to_adr(
        next(moments), referral_id="r1", eligibility={"eligible": True, "criteria": []}
    )
    complaint.record_adr_status(
        next(moments), referral_id="r1", provider_id="sandbox", provider_status="accepted"
    )
    complaint.record_adr_file_complete(next(moments), referral_id="r1", provider_id="sandbox")
    complaint.record_adr_trader_notified(
        next(moments), referral_id="r1", provider_id="sandbox", detail={"request": "take part?"}
    )
    complaint.answer_adr_entity(next(moments), message="We take part.", participates=True)
    complaint.record_adr_outcome(
        next(moments),
        referral_id="r1",
        provider_id="sandbox",
        outcome="upheld",
        summary="refund with interest",
        binding=True,
        award={"amount": "42.50", "currency": "GBP"},
    )
    complaint.collect_events()
    return complaint


def resolved_summarily() -> Complaint:
    moments = clock()
    complaint = Complaint.receive(
        next(moments),
        complaint_id=uuid4(),
        customer={"id": "C-2", "name": "Bo"},
        channel="phone",
        category="service",
        description="rude",
    )
    complaint.resolve_summarily(
        next(moments),
        outcome=ResolutionOutcome.UPHELD,
        summary="sorry",
        message="We are sorry.",
        regime=get_regime("default"),
    )
    complaint.collect_events()
    return complaint


@pytest.fixture(scope="module")
def application() -> Iterator[ComplaintsApplication]:
    application = ComplaintsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield application
    application.close()


def test_the_state_is_typed() -> None:
    complaint = taken_to_adr()
    assert {type(offer) for offer in complaint.offers.values()} == {Offer}
    assert [offer.status for offer in complaint.offers.values()] == [
        OfferStatus.REJECTED,
        OfferStatus.PENDING,
    ]
    assert complaint.appeals["a1"].status is AppealStatus.DECIDED
    assert type(complaint.resolution) is Resolution
    assert isinstance(complaint.final_response, FinalResponse)
    assert isinstance(complaint.adr, AdrReferral)
    assert complaint.adr.updates == (
        AdrUpdate("accepted", {}, complaint.adr.updates[0].occurred_at),
    )
    assert isinstance(complaint.adr.outcome, AdrOutcome)
    assert type(resolved_summarily().resolution) is SummaryResolution
    with pytest.raises(FrozenInstanceError):
        complaint.offers["o1"].status = OfferStatus.ACCEPTED  # type: ignore[misc]


@pytest.mark.parametrize("complaint", [taken_to_adr(), resolved_summarily()])
def test_each_value_reads_back_from_the_store_as_it_was_written(
    application: ComplaintsApplication, complaint: Complaint
) -> None:
    transcoder = application.mapper.transcoder
    values = [
        *complaint.offers.values(),
        *complaint.appeals.values(),
        complaint.resolution,
        complaint.final_response,
        complaint.adr,
    ]
    for value in filter(None, values):
        read = transcoder.decode(transcoder.encode({"value": value}))["value"]
        assert (type(read), read) == (type(value), value)


@pytest.mark.parametrize("complaint", [taken_to_adr(), resolved_summarily()])
def test_a_snapshot_reads_as_the_complaint_it_was_taken_of(
    application: ComplaintsApplication, complaint: Complaint
) -> None:
    read = stored_and_read(application, ComplaintSnapshot.take(complaint))
    assert read.__dict__ == complaint.__dict__


@pytest.mark.parametrize("complaint", [taken_to_adr(), resolved_summarily()])
def test_a_snapshot_of_plain_records_reads_as_the_typed_complaint(
    application: ComplaintsApplication, complaint: Complaint
) -> None:
    snapshot = ComplaintSnapshot.take(complaint)
    before_typing = {**snapshot.state, "class_version": 3, **as_records(snapshot.state)}
    old = ComplaintSnapshot(
        originator_id=snapshot.originator_id,
        originator_version=snapshot.originator_version,
        timestamp=snapshot.timestamp,
        topic=snapshot.topic,
        state=before_typing,
    )
    read = stored_and_read(application, old)
    assert read.__dict__ == complaint.__dict__
    assert complaint_document(read) == complaint_document(complaint)


def test_a_snapshot_from_before_the_clock_history_reads_it_from_the_first_times(
    application: ComplaintsApplication,
) -> None:
    complaint = taken_to_adr()
    snapshot = ComplaintSnapshot.take(complaint)
    version_4 = {k: v for k, v in snapshot.state.items() if k != "clock_history"}
    old = ComplaintSnapshot(
        originator_id=snapshot.originator_id,
        originator_version=snapshot.originator_version,
        timestamp=snapshot.timestamp,
        topic=snapshot.topic,
        state={**version_4, "class_version": 4},
    )
    read = stored_and_read(application, old)
    assert read.clock_history == {
        event: [moment] for event, moment in complaint.clock_times.items()
    }
    assert read.clock_history == complaint.clock_history  # each happened once here


def as_records(state: dict[str, Any]) -> dict[str, Any]:
    """The typed state as the complaint kept it before class version 4: plain dicts."""
    return {
        "offers": {key: record_of(offer) for key, offer in state["offers"].items()},
        "appeals": {key: record_of(appeal) for key, appeal in state["appeals"].items()},
        **{
            key: record_of(state[key]) if state[key] is not None else None
            for key in ("resolution", "final_response", "adr")
        },
    }


def stored_and_read(application: ComplaintsApplication, snapshot: ComplaintSnapshot) -> Complaint:
    stored = application.mapper.to_stored_event(snapshot)
    read = application.mapper.to_domain_event(stored).mutate(None)
    assert isinstance(read, Complaint)
    return read
