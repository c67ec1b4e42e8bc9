"""A referral's two lifecycles, side by side: `delivery` (ours: getting the case to the
provider) and `status` (the provider's: what it has done with the case), and what a provider
may report from which status. They run apart because a fast provider may accept a case
before we have recorded that its delivery succeeded.
"""

from __future__ import annotations

from enum import StrEnum


class ReferralStatus(StrEnum):
    RECEIVED = "received"
    PREPARED = "prepared"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SCHEDULED = "scheduled"
    SETTLEMENT_PROPOSED = "settlement_proposed"
    DECIDED = "decided"
    CLOSED = "closed"


class DeliveryStatus(StrEnum):
    NOT_STARTED = "not_started"
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD_LETTERED = "dead_lettered"


class ProviderEventType(StrEnum):
    """What a provider may tell us, by the `type` of its webhook."""

    ACCEPTED = "referral.accepted"
    DECLINED = "referral.declined"
    SESSION_SCHEDULED = "session.scheduled"
    SETTLEMENT_PROPOSED = "settlement.proposed"
    DECISION_ISSUED = "decision.issued"
    CLOSED = "referral.closed"
    #: The provider holds the complete complaint file (the date its own deadline runs from,
    #: e.g. Directive 2013/11/EU art. 8(e)). `referral.accepted` may say the same with
    #: `"file_complete": true` in its data.
    FILE_COMPLETE = "file.complete"
    #: The provider told the firm (the trader) of the dispute, or asked it something: the
    #: firm's answer is due (e.g. Directive (EU) 2025/2647's duty to reply).
    TRADER_NOTIFIED = "trader.notified"


class DecisionOutcome(StrEnum):
    UPHELD = "upheld"
    PARTIALLY_UPHELD = "partially_upheld"
    NOT_UPHELD = "not_upheld"
    SETTLED = "settled"
    WITHDRAWN = "withdrawn"


#: Reports of a fact about the case rather than a step of it: they leave the status as it
#: was (and are recorded as `ProviderMilestoneReported`, not as a status report).
MILESTONES = frozenset({ProviderEventType.FILE_COMPLETE, ProviderEventType.TRADER_NOTIFIED})
#: The status each report (other than a milestone) moves the referral to.
STATUS_AFTER = {
    ProviderEventType.ACCEPTED: ReferralStatus.ACCEPTED,
    ProviderEventType.DECLINED: ReferralStatus.DECLINED,
    ProviderEventType.SESSION_SCHEDULED: ReferralStatus.SCHEDULED,
    ProviderEventType.SETTLEMENT_PROPOSED: ReferralStatus.SETTLEMENT_PROPOSED,
    ProviderEventType.DECISION_ISSUED: ReferralStatus.DECIDED,
    ProviderEventType.CLOSED: ReferralStatus.CLOSED,
}
#: The provider is working on the case.
WORKING = (ReferralStatus.ACCEPTED, ReferralStatus.SCHEDULED, ReferralStatus.SETTLEMENT_PROPOSED)
#: The statuses from which each report may come; any other order is refused.
REPORTABLE_FROM: dict[ProviderEventType, tuple[ReferralStatus, ...]] = {
    ProviderEventType.ACCEPTED: (ReferralStatus.PREPARED,),
    ProviderEventType.DECLINED: (ReferralStatus.PREPARED,),
    ProviderEventType.SESSION_SCHEDULED: WORKING,
    ProviderEventType.SETTLEMENT_PROPOSED: WORKING,
    ProviderEventType.DECISION_ISSUED: WORKING,
    ProviderEventType.CLOSED: (*WORKING, ReferralStatus.PREPARED, ReferralStatus.DECIDED),
    # An entity may ask the firm, or complete the file, before it accepts the case.
    ProviderEventType.FILE_COMPLETE: (ReferralStatus.PREPARED, *WORKING),
    ProviderEventType.TRADER_NOTIFIED: (ReferralStatus.PREPARED, *WORKING),
}
