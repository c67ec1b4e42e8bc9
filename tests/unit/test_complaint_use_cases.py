"""The complaints service's use cases, called as the routers, the feed and the scheduler
call them: a typed command, what the use case needs, and no HTTP (events kept in memory)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from libs.domain.adr_override import OverrideNotAllowed
from libs.domain.values import CommandContext, ResolutionOutcome, Role
from libs.platform.follower import FeedEvent, UnitOfWork
from libs.platform.runtime.jsonable import rfc3339_utc
from services.complaints import adr_updates
from services.complaints.application import ComplaintsApplication, StaleVersion
from services.complaints.policy import ComplaintPolicy
from services.complaints.settings import ComplaintsSettings
from services.complaints.use_cases import (
    adr,
    commands,
    decisions,
    handling,
    intake,
    lifecycle,
    offers,
)
from services.complaints.use_cases.adr import NotEligibleForAdr
from services.complaints.use_cases.caller import Caller
from services.complaints.use_cases.deadlines import record_deadline_alert
from services.complaints.use_cases.decisions import NoSummaryResolution, SummaryResolutionTooLate
from services.complaints.use_cases.intake import UnknownRegimeAsked, UnknownVariant

SETTINGS = ComplaintsSettings(database_url="sqlite://")
POLICY = ComplaintPolicy.from_settings(SETTINGS)
JUSTIFICATION = "The customer is vulnerable and the review has stalled for months."


@pytest.fixture
def application() -> Iterator[ComplaintsApplication]:
    app = ComplaintsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield app
    app.close()


def context(
    role: Role = Role.AGENT, command_id: str | None = None, at: datetime | None = None
) -> CommandContext:
    return CommandContext(
        actor=f"test-{role.value}",
        actor_role=role.value,
        correlation_id="use-case-test",
        occurred_at=at or datetime.now(UTC),
        command_id=command_id,
    )


def as_(
    role: Role = Role.AGENT, command_id: str | None = None, expected_version: int | None = None
) -> Caller[int]:
    """A caller in `role`, who wants the complaint's new version back."""
    return Caller(
        context(role, command_id), present=lambda c: c.version, expected_version=expected_version
    )


def opened(application: ComplaintsApplication, at: datetime | None = None, **details: Any) -> UUID:
    command = commands.OpenComplaint(
        customer={"id": "C-1", "name": "Ada Lovelace"},
        channel="email",
        category="billing",
        description="Charged twice for March.",
        **details,
    )
    return intake.open_complaint(
        application,
        POLICY,
        SETTINGS.ladder,
        command,
        Caller(context(at=at), present=lambda c: c.id),
    )


def last_event(application: ComplaintsApplication, complaint_id: UUID) -> Any:
    """The complaint's latest recorded event (as stored: whatever shape its state takes)."""
    return list(application.repository.event_store.get(complaint_id))[-1]


def decided_with_a_final_response(application: ComplaintsApplication) -> UUID:
    complaint_id = opened(application)
    decisions.resolve(
        application,
        commands.Resolve(
            complaint_id=complaint_id, outcome=ResolutionOutcome.NOT_UPHELD, summary="No error"
        ),
        as_(),
    )
    decisions.issue_final_response(
        application,
        POLICY,
        commands.IssueFinalResponse(
            complaint_id=complaint_id,
            letter="Dear Ada",
            elements={"decision": "not_upheld", "adr_rights_stated": True},
        ),
        as_(),
    )
    return complaint_id


# -- intake ---------------------------------------------------------------------------------


def test_a_complaint_is_opened_under_a_known_regime(application: ComplaintsApplication) -> None:
    complaint = application.complaint(opened(application, regime="uk-fca-disp"))

    assert complaint.regime == "uk-fca-disp"
    assert complaint.status == "open"
    assert complaint.tier == SETTINGS.ladder[0]


def test_an_unknown_regime_is_refused_naming_the_known_ones(
    application: ComplaintsApplication,
) -> None:
    with pytest.raises(UnknownRegimeAsked) as refused:
        opened(application, regime="atlantis")

    assert refused.value.known == POLICY.regime_names
    assert "unknown regime 'atlantis'; known regimes: " in refused.value.message


def test_a_variant_its_regime_does_not_have_is_refused(application: ComplaintsApplication) -> None:
    with pytest.raises(UnknownVariant) as refused:
        opened(application, regime="uk-fca-disp", regime_variant="hardship")

    assert refused.value.field == "regime_variant"


def test_opening_again_with_the_same_command_id_presents_the_first_complaint(
    application: ComplaintsApplication,
) -> None:
    command = commands.OpenComplaint(
        customer={"id": "C-1", "name": "Ada"}, channel="email", category="billing", description="x"
    )

    def open_once() -> UUID:
        caller = Caller(context(command_id="key-1"), present=lambda c: c.id)
        return intake.open_complaint(application, POLICY, SETTINGS.ladder, command, caller)

    assert open_once() == open_once()


# -- handling and offers --------------------------------------------------------------------


def test_an_escalation_moves_the_complaint_up_one_tier(application: ComplaintsApplication) -> None:
    complaint_id = opened(application)

    tier = handling.escalate(
        application,
        commands.Escalate(complaint_id=complaint_id, reason="customer unhappy"),
        Caller(context(), present=lambda c: c.tier),
    )

    assert tier == SETTINGS.ladder[1]


def test_a_caller_who_saw_an_older_version_is_told_it_is_stale(
    application: ComplaintsApplication,
) -> None:
    complaint_id = opened(application)
    handling.escalate(application, commands.Escalate(complaint_id=complaint_id, reason="r"), as_())

    with pytest.raises(StaleVersion) as stale:
        handling.escalate(
            application,
            commands.Escalate(complaint_id=complaint_id, reason="again"),
            as_(expected_version=1),
        )

    assert (stale.value.expected, stale.value.actual) == (1, 2)


def test_a_retried_offer_is_made_once_with_the_same_id(
    application: ComplaintsApplication,
) -> None:
    complaint_id = opened(application)
    offer = commands.MakeOffer(
        complaint_id=complaint_id, description="Refund", amount=None, currency=None
    )

    def make_it() -> int:
        caller = Caller(context(command_id="offer-1"), present=lambda c: c.version)
        return offers.make_offer(application, offer, caller)

    assert make_it() == make_it() == 2
    made = last_event(application, complaint_id)
    assert type(made).__name__ == "OfferMade"
    assert made.offer_id == application.new_entity_id(complaint_id, "offer-1")


# -- decisions ------------------------------------------------------------------------------


def test_a_summary_resolution_is_refused_where_the_regime_has_no_such_path(
    application: ComplaintsApplication,
) -> None:
    complaint_id = opened(application, regime="default")
    resolve_early = commands.ResolveSummarily(
        complaint_id=complaint_id,
        outcome=ResolutionOutcome.UPHELD,
        summary="Refunded",
        message="We have refunded you.",
    )

    with pytest.raises(NoSummaryResolution):
        decisions.resolve_summarily(application, POLICY, resolve_early, as_())


def test_a_summary_resolution_is_refused_once_its_window_has_closed(
    application: ComplaintsApplication,
) -> None:
    complaint_id = opened(
        application, at=datetime.now(UTC) - timedelta(days=8), regime="uk-fca-disp"
    )
    resolve_early = commands.ResolveSummarily(
        complaint_id=complaint_id,
        outcome=ResolutionOutcome.UPHELD,
        summary="Refunded",
        message="We have refunded you.",
    )

    with pytest.raises(SummaryResolutionTooLate) as too_late:
        decisions.resolve_summarily(application, POLICY, resolve_early, as_())

    assert too_late.value.closed_at < datetime.now(UTC)
    assert application.complaint(complaint_id).version == 1  # nothing recorded


# -- external ADR ---------------------------------------------------------------------------


def test_a_complaint_inside_its_internal_process_is_not_referred(
    application: ComplaintsApplication,
) -> None:
    complaint_id = opened(application)

    with pytest.raises(NotEligibleForAdr) as refused:
        adr.refer_to_adr(application, POLICY, commands.ReferToAdr(complaint_id=complaint_id), as_())

    assert "internal_processes_exhausted" in [c.name for c in refused.value.failing]
    assert refused.value.message.startswith("internal processes are not exhausted: ")
    assert application.complaint(complaint_id).version == 1  # nothing recorded


def test_an_agent_may_not_override_and_nothing_is_looked_at(
    application: ComplaintsApplication,
) -> None:
    unknown = UUID(int=0)  # the rule is asked before the complaint is even loaded
    refer = commands.ReferToAdr(complaint_id=unknown, override_justification=JUSTIFICATION)

    with pytest.raises(OverrideNotAllowed):
        adr.refer_to_adr(application, POLICY, refer, as_(Role.AGENT))


def test_a_supervisors_override_refers_it_and_records_the_assessment(
    application: ComplaintsApplication,
) -> None:
    complaint_id = opened(application)
    refer = commands.ReferToAdr(
        complaint_id=complaint_id,
        preferred_method="mediation",
        override_justification=JUSTIFICATION,
    )

    status = adr.refer_to_adr(
        application, POLICY, refer, Caller(context(Role.SUPERVISOR), present=lambda c: c.status)
    )

    assert status == "referred_to_adr"
    referral = last_event(application, complaint_id)
    assert referral.override_justification == JUSTIFICATION
    recorded = referral.eligibility
    assert recorded["eligible"] is False
    assert recorded["complaint_id"] == str(complaint_id)
    assert recorded["criteria"][0]["name"] == "internal_processes_exhausted"


def test_the_eligibility_query_answers_what_a_referral_would_record(
    application: ComplaintsApplication,
) -> None:
    complaint_id = decided_with_a_final_response(application)
    moment = datetime.now(UTC)

    assessed = adr.assess_adr_eligibility(
        application, POLICY, commands.AssessAdrEligibility(complaint_id=complaint_id, as_of=moment)
    )
    adr.refer_to_adr(application, POLICY, commands.ReferToAdr(complaint_id=complaint_id), as_())

    def verdicts(record: dict[str, Any]) -> list[tuple[str, bool]]:
        return [(c["name"], c["met"]) for c in record["criteria"]]

    assert assessed["eligible"] is True
    assert assessed["as_of"] == rfc3339_utc(moment)  # in UTC with Z, as every instant
    assert verdicts(last_event(application, complaint_id).eligibility) == verdicts(assessed)


def test_a_providers_report_is_recorded_once_however_often_the_feed_repeats_it(
    application: ComplaintsApplication,
) -> None:
    complaint_id = opened(application)
    refer = commands.ReferToAdr(complaint_id=complaint_id, override_justification=JUSTIFICATION)
    adr.refer_to_adr(application, POLICY, refer, as_(Role.SUPERVISOR, command_id="refer-1"))
    complaint = application.complaint(complaint_id)
    report = commands.RecordAdrStatus(
        referral_id=application.new_entity_id(complaint_id, "refer-1"),
        provider_id="ombudsman",
        provider_status="accepted",
    )
    from_the_feed = context(Role.SERVICE, command_id="adr_gateway:event-1")

    adr.record_adr_status(complaint, report, from_the_feed)
    adr.record_adr_status(complaint, report, from_the_feed)

    assert len(complaint.collect_events()) == 1


def gateway_event(event_id: str, name: str, complaint_id: UUID, **data: Any) -> FeedEvent:
    return FeedEvent(
        id=event_id,
        type=f"dev.redress.adr_gateway.{name}",
        subject="referral",
        position=1,
        data={"complaint_id": str(complaint_id), "provider_id": "adr-eu", **data},
    )


def test_the_adr_entitys_milestones_start_the_eu_adr_clocks(
    application: ComplaintsApplication,
) -> None:
    complaint_id = opened(application, regime="eu-adr", regime_variant="directive-2025-2647")
    refer = commands.ReferToAdr(complaint_id=complaint_id, override_justification=JUSTIFICATION)
    adr.refer_to_adr(application, POLICY, refer, as_(Role.SUPERVISOR, command_id="refer-1"))
    reference = application.new_entity_id(complaint_id, "refer-1")
    referred = datetime.now(UTC)
    accepted_at = (referred + timedelta(minutes=1)).isoformat()
    asked_at = (referred + timedelta(minutes=2)).isoformat()
    unit = UnitOfWork(application)
    feed = [
        gateway_event(
            "g-1",
            "ProviderStatusReported",
            complaint_id,
            reference=reference,
            status="accepted",
            event_type="referral.accepted",
            detail={"file_complete": True},
            occurred_at=accepted_at,
        ),
        gateway_event(
            "g-2",
            "ProviderMilestoneReported",
            complaint_id,
            reference=reference,
            event_type="trader.notified",
            detail={"request": "Will you take part?"},
            occurred_at=asked_at,
        ),
    ]
    for event in feed + feed:  # a page read twice changes nothing twice
        adr_updates.record_provider_updates(unit, event)

    complaint = unit.get(complaint_id)
    assert [type(e).__name__ for e in complaint.collect_events()] == [
        "AdrStatusUpdated",
        "AdrFileCompleted",
        "AdrTraderNotified",
    ]
    deadlines = {d.clock: d for d in POLICY.deadlines(complaint, referred + timedelta(days=1))}
    assert deadlines["adr_outcome"].started_at == datetime.fromisoformat(accepted_at)
    assert deadlines["trader_answer"].started_at == datetime.fromisoformat(asked_at)


# -- deadlines ------------------------------------------------------------------------------


def a_warning(complaint_id: UUID, deadline: str) -> commands.RecordDeadlineAlert:
    return commands.RecordDeadlineAlert(
        complaint_id=complaint_id,
        deadline=deadline,
        due_at=datetime.now(UTC) + timedelta(days=1),
        missed=False,
    )


def test_a_running_deadline_is_warned_of_once_per_timer(
    application: ComplaintsApplication,
) -> None:
    complaint_id = opened(application)
    timer = context(Role.SERVICE, command_id="deadline:final_response:approaching")

    first = record_deadline_alert(
        application, POLICY, a_warning(complaint_id, "final_response"), timer
    )
    again = record_deadline_alert(
        application, POLICY, a_warning(complaint_id, "final_response"), timer
    )

    assert (first, again) == (True, False)
    assert type(last_event(application, complaint_id)).__name__ == "DeadlineApproaching"


def test_a_deadline_met_since_its_timer_was_set_is_not_warned_of(
    application: ComplaintsApplication,
) -> None:
    complaint_id = opened(application)
    intake.acknowledge(
        application,
        POLICY,
        commands.Acknowledge(complaint_id=complaint_id, message="Received", channel="email"),
        as_(),
    )

    recorded = record_deadline_alert(
        application, POLICY, a_warning(complaint_id, "acknowledgement"), context(Role.SERVICE)
    )

    assert not recorded


def test_a_closed_complaint_is_not_warned_of_its_deadlines(
    application: ComplaintsApplication,
) -> None:
    complaint_id = opened(application)
    lifecycle.close(
        application, commands.Close(complaint_id=complaint_id, reason="withdrawn"), as_()
    )

    recorded = record_deadline_alert(
        application, POLICY, a_warning(complaint_id, "final_response"), context(Role.SERVICE)
    )

    assert not recorded
