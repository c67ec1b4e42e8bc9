"""Following the ADR gateway's feed: what providers report lands on the complaint.

`ProviderStatusReported` becomes `AdrStatusUpdated`, `ProviderDecisionIssued` becomes
`AdrOutcomeRecorded` (the use cases `record_adr_status` and `record_adr_outcome`). A decline
(a status report of `declined`) and a dead letter (`DeliveryDeadLettered`) become
`AdrReferralFailed`: the complaint returns to its status before the referral and may be
referred again, to another provider.
`MessagePosted` (the provider API's messages, both ways) becomes `AdrMessageRecorded`, and
`DocumentUploaded` (a provider's decision letter) `AdrDocumentReceived`.
`ProviderMilestoneReported` (`file.complete`, `trader.notified`) becomes `AdrFileCompleted`
or `AdrTraderNotified`, and so does an acceptance that says `"file_complete": true`: these
start the regime's ADR clocks (see docs/deadlines.md). Runs in
an `ApplicationSink`: the complaint's new events and the gateway feed position commit
together. Each command carries the gateway event's id as its command id, so even a page
replayed from an older position changes nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import structlog

from libs.domain.adr_referral import AdrFailureKind, AdrMilestone
from libs.domain.complaint import Complaint
from libs.domain.errors import DomainError
from libs.domain.values import CommandContext
from libs.platform.follower import FeedEvent, UnitOfWork
from services.complaints.use_cases import adr
from services.complaints.use_cases.commands import (
    RecordAdrFailure,
    RecordAdrMilestone,
    RecordAdrOutcome,
    RecordAdrStatus,
)

UPSTREAM = "adr_gateway"
ACTOR = "service:adr-gateway"
log = structlog.get_logger()

#: The gateway's milestone reports (`ProviderEventType`'s values) and what each records.
MILESTONES = {
    "file.complete": AdrMilestone.FILE_COMPLETE,
    "trader.notified": AdrMilestone.TRADER_NOTIFIED,
}


def _status_reported(complaint: Complaint, data: dict[str, Any], context: CommandContext) -> None:
    status = RecordAdrStatus(
        referral_id=str(data["reference"]),
        provider_id=str(data["provider_id"]),
        provider_status=str(data["status"]),
        detail=dict(data.get("detail") or {}),
    )
    adr.record_adr_status(complaint, status, context)
    if status.provider_status == "declined":
        failure = RecordAdrFailure(
            referral_id=status.referral_id,
            provider_id=status.provider_id,
            failure=AdrFailureKind.DECLINED,
            reason=str(status.detail.get("reason") or "declined by the provider"),
        )
        command_id = f"{context.command_id}:{AdrFailureKind.DECLINED.value}"
        adr.record_adr_failure(complaint, failure, replace(context, command_id=command_id))
    if status.provider_status == "accepted" and status.detail.get("file_complete") is True:
        # Accepted on the complete file: the provider's own deadline runs from now. A
        # command id of its own, derived from the gateway event's, so a replay adds nothing.
        milestone = RecordAdrMilestone(
            referral_id=status.referral_id,
            provider_id=status.provider_id,
            milestone=AdrMilestone.FILE_COMPLETE,
            detail=status.detail,
        )
        command_id = f"{context.command_id}:{AdrMilestone.FILE_COMPLETE.value}"
        adr.record_adr_milestone(complaint, milestone, replace(context, command_id=command_id))


def _milestone_reported(
    complaint: Complaint, data: dict[str, Any], context: CommandContext
) -> None:
    milestone = MILESTONES.get(str(data.get("event_type")))
    if milestone is None:
        log.warning("an unknown milestone from the gateway", event_type=data.get("event_type"))
        return
    command = RecordAdrMilestone(
        referral_id=str(data["reference"]),
        provider_id=str(data["provider_id"]),
        milestone=milestone,
        detail=dict(data.get("detail") or {}),
    )
    adr.record_adr_milestone(complaint, command, context)


def _decision_issued(complaint: Complaint, data: dict[str, Any], context: CommandContext) -> None:
    outcome = RecordAdrOutcome(
        referral_id=str(data["reference"]),
        provider_id=str(data["provider_id"]),
        outcome=str(data["outcome"]),
        summary=str(data.get("summary") or ""),
        binding=data.get("binding"),
        award=data.get("award"),
    )
    adr.record_adr_outcome(complaint, outcome, context)


def _dead_lettered(complaint: Complaint, data: dict[str, Any], context: CommandContext) -> None:
    provider_id = data.get("provider_id")
    failure = RecordAdrFailure(
        referral_id=str(data["reference"]),
        provider_id=str(provider_id) if provider_id else None,
        failure=AdrFailureKind.DEAD_LETTERED,
        reason=str(data.get("reason") or "the case could not be delivered"),
    )
    adr.record_adr_failure(complaint, failure, context)


def _message_posted(complaint: Complaint, data: dict[str, Any], context: CommandContext) -> None:
    if complaint.has_handled(context.command_id):
        return  # a feed page read again changes nothing
    complaint.record_adr_message(
        context,
        referral_id=str(data["reference"]),
        provider_id=str(data["provider_id"]),
        message_id=str(data["message_id"]),
        sender=str(data["sender"]),
        kind=str(data["kind"]),
        body=str(data["body"]),
        in_reply_to=data.get("in_reply_to"),
    )


def _document_uploaded(complaint: Complaint, data: dict[str, Any], context: CommandContext) -> None:
    if complaint.has_handled(context.command_id):
        return  # a feed page read again changes nothing
    reference = str(data["reference"])
    complaint.record_adr_document(
        context,
        referral_id=reference,
        provider_id=str(data["provider_id"]),
        document_id=str(data["document_id"]),
        filename=str(data["filename"]),
        document={
            "sha256": data["sha256"],
            "media_type": data["media_type"],
            "size": data["size"],
            "filename": data["filename"],
            # Where the ADR gateway keeps it (its referral's documents).
            "storage_ref": f"adr_gateway:/v1/referrals/{reference}/documents/{data['document_id']}",
        },
    )


#: The gateway's events this service acts on, each with what it does to the complaint.
RECORDERS: dict[str, Callable[[Complaint, dict[str, Any], CommandContext], None]] = {
    "ProviderStatusReported": _status_reported,
    "ProviderMilestoneReported": _milestone_reported,
    "ProviderDecisionIssued": _decision_issued,
    "DeliveryDeadLettered": _dead_lettered,
    "MessagePosted": _message_posted,
    "DocumentUploaded": _document_uploaded,
}


def record_provider_updates(unit: UnitOfWork, event: FeedEvent) -> None:
    record = RECORDERS.get(event.name)
    if record is None:
        return
    data = event.data
    try:
        complaint = unit.find(UUID(str(data["complaint_id"])))
    except (KeyError, ValueError):
        complaint = None
    if not isinstance(complaint, Complaint):
        log.warning("gateway event for an unknown complaint", event_id=event.id)
        return
    context = CommandContext(
        actor=ACTOR,
        actor_role="service",
        correlation_id=event.id,
        # When the provider says it happened; a dead letter, when the gateway gave up.
        occurred_at=_time(data.get("occurred_at") or event.time),
        command_id=f"{UPSTREAM}:{event.id}",
    )
    try:
        record(complaint, data, context)
    except DomainError as refused:
        # E.g. the complaint was withdrawn meanwhile: the gateway's fact stays in its own
        # log; the complaint's rules win here, and following goes on.
        log.warning("complaint refused a provider update", event_id=event.id, reason=str(refused))


def _time(value: object) -> datetime:
    if not isinstance(value, str):
        return datetime.now(UTC)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
