"""How the upstream feeds keep a case file: the complaint's first event opens it, and later
events change the few facts messages use (the status the complaint is left in, the tier it
reached, whether ADR was used).

What each event changes is a table from the event's name to the facts it sets, one per
feed, built once. Feed events arrive as `FeedEvent`s whose type is a string, so the table
is keyed by name, and the names are taken from the domain's event classes: a renamed event
fails here at import rather than being quietly ignored. Events not in a table change
nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from libs.domain.access import entity_or_default
from libs.domain.complaint import Complaint
from libs.domain.notification import CaseFile
from libs.domain.referral import Referral
from libs.platform.follower import FeedEvent

#: What one event sets in the case file, given the file as it stands and the event's data.
FactsSet = Callable[[CaseFile, dict[str, Any]], dict[str, Any]]


def _status(status: str) -> FactsSet:
    return lambda case, data: {"status": status}


def _escalated(case: CaseFile, data: dict[str, Any]) -> dict[str, Any]:
    return {"status": "escalated", "tier": str(data.get("to_tier", case.tier))}


def _appeal_decided(case: CaseFile, data: dict[str, Any]) -> dict[str, Any]:
    # Dismissed or upheld, the appeal was heard at that tier: the case reached it.
    return {"tier": str(data.get("decided_at_tier", case.tier))}


def _adr_used(case: CaseFile, data: dict[str, Any]) -> dict[str, Any]:
    return {"adr_used": True}


def _referred_to_adr(case: CaseFile, data: dict[str, Any]) -> dict[str, Any]:
    return {"status": "referred_to_adr", "adr_used": True}


def _adr_referral_failed(case: CaseFile, data: dict[str, Any]) -> dict[str, Any]:
    # Back where it was before the referral (ADR was tried: `adr_used` stays).
    return {"status": str(data.get("returned_to") or case.status)}


COMPLAINT_FACTS: dict[str, FactsSet] = {
    event.__name__: facts
    for event, facts in (
        (Complaint.ComplaintReceived, _status("open")),
        (Complaint.Escalated, _escalated),
        (Complaint.ComplaintResolved, _status("resolved")),
        (Complaint.SummaryResolutionIssued, _status("resolved")),
        (Complaint.FinalResponseIssued, _status("final_response_issued")),
        (Complaint.AppealLodged, _status("appealed")),
        (Complaint.AppealDecided, _appeal_decided),
        (Complaint.ReferredToAdr, _referred_to_adr),
        (Complaint.AdrOutcomeRecorded, _status("adr_concluded")),
        (Complaint.AdrReferralFailed, _adr_referral_failed),
        (Complaint.ComplaintClosed, _status("closed")),
        (Complaint.Reopened, _status("open")),
    )
}
GATEWAY_FACTS: dict[str, FactsSet] = {Referral.Opened.__name__: _adr_used}
#: The complaints event that opens a case file.
OPENS_A_CASE = Complaint.ComplaintReceived.__name__


def note_facts(case: CaseFile, event: FeedEvent, table: dict[str, FactsSet]) -> None:
    """Records in `case` what `event` changes, by `table` (the feed's)."""
    facts_set = table.get(event.name)
    if facts_set is not None:
        case.note(**facts_set(case, event.data))


def open_case_file(event: FeedEvent, clock: Callable[[], datetime]) -> CaseFile:
    """The case file a complaint's first event (`ComplaintReceived`) opens."""
    data = event.data
    ladder = data.get("ladder") or ["frontline"]
    return CaseFile.open(
        complaint_id=event.subject,
        customer=dict(data.get("customer") or {}),
        category=str(data.get("category", "other")),
        regime=str(data.get("regime", "default")),
        reference=data.get("external_ref"),
        tier=str(ladder[0]),
        received_at=moment_of(event, clock),
        legal_entity=entity_or_default(data.get("legal_entity")),
    )


def moment_of(event: FeedEvent, clock: Callable[[], datetime]) -> datetime:
    """When `event` happened, as it says; now, when it does not say (or says it badly)."""
    value = event.data.get("occurred_at") or event.time
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return clock()
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return clock()
