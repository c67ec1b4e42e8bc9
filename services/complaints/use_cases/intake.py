"""Intake: a complaint is opened, and the customer is told it was received."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from libs.domain.errors import InvalidArgument
from services.complaints.application import ComplaintsApplication
from services.complaints.policy import ComplaintPolicy
from services.complaints.use_cases.caller import Caller, change
from services.complaints.use_cases.commands import Acknowledge, OpenComplaint

T = TypeVar("T")


class UnknownRegimeAsked(InvalidArgument):
    """The complaint names a deadline regime this deployment does not know."""

    def __init__(self, regime: str, known: Sequence[str]) -> None:
        super().__init__("regime", f"unknown regime '{regime}'; known regimes: {', '.join(known)}")
        self.regime = regime
        self.known = tuple(known)


class UnknownVariant(InvalidArgument):
    """The complaint names a variant its regime does not have."""

    def __init__(self, regime: str, variant: str, known: Sequence[str]) -> None:
        super().__init__(
            "regime_variant",
            f"regime '{regime}' has no variant '{variant}' (known: {', '.join(known) or 'none'})",
        )


def check_regime(policy: ComplaintPolicy, regime: str, variant: str | None) -> None:
    """Refuses a regime, or a variant of it, that the policy does not know: the complaint's
    deadlines could never be computed."""
    if regime not in policy.regimes:
        raise UnknownRegimeAsked(regime, policy.regime_names)
    known_variants = policy.regimes[regime].variants
    if variant is not None and variant not in known_variants:
        raise UnknownVariant(regime, variant, tuple(known_variants))


def open_complaint(
    application: ComplaintsApplication,
    policy: ComplaintPolicy,
    ladder: Sequence[str],
    command: OpenComplaint,
    caller: Caller[T],
) -> T:
    """Records a new complaint, on the firm's escalation `ladder`. A retried command (the
    same command id) presents the complaint it created instead of opening another."""
    check_regime(policy, command.regime, command.regime_variant)
    return application.receive_complaint(
        caller.context,
        # Deadlines use the named subdivision's calendar: an unknown one is refused.
        check=policy.check_calendar,
        customer=dict(command.customer),
        channel=command.channel,
        category=command.category,
        description=command.description,
        amount_in_dispute=command.amount_in_dispute,
        currency=command.currency,
        desired_remedy=command.desired_remedy,
        regime=command.regime,
        regime_variant=command.regime_variant,
        calendar_subdivision=command.calendar_subdivision,
        external_ref=command.external_ref,
        flags=dict(command.flags),
        ladder=ladder,
        legal_entity=command.legal_entity,
        present=caller.present,
    )


def acknowledge(
    application: ComplaintsApplication,
    policy: ComplaintPolicy,
    command: Acknowledge,
    caller: Caller[T],
) -> T:
    """Records that the customer was told the complaint was received (an event the
    regime's acknowledgement deadline waits for), if the acknowledgement contains what the
    complaint's regime requires of one (the complaint lists what is missing otherwise)."""
    context = caller.context
    return change(
        application,
        command.complaint_id,
        caller,
        lambda complaint: complaint.acknowledge(
            context,
            message=command.message,
            channel=command.channel,
            regime=policy.regime(complaint.regime),
            elements=dict(command.elements),
        ),
    )
