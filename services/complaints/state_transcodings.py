"""How a complaint's snapshot stores its typed state: each value as its record.

Offers, appeals, the resolution (or summary resolution), the final response and the ADR
referral are frozen value types in the domain (`libs.domain`), which knows nothing of the
event store; here each is given a transcoding, so a snapshot stores the record the value
stands for (`libs.domain.records`) under the value's own name, with its times and amounts
tagged as the store tags them, and reads it back as the value. Snapshots taken before the
state was typed hold the plain records instead; `Complaint.upcast_v3_v4` reads those.
The firm's time-limit waiver decision (`libs.domain.time_limit_waiver`) is one more such
value; snapshots taken before it could be recorded have none, and read as "no decision".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from eventsourcing.persistence import Transcoding

from libs.domain.adr_referral import AdrReferral
from libs.domain.appeals import Appeal
from libs.domain.decisions import FinalResponse, Resolution, SummaryResolution
from libs.domain.offers import Offer
from libs.domain.records import record_of
from libs.domain.time_limit_waiver import TimeLimitWaiver


class ValueAsRecord(Transcoding):
    def __init__(
        self, value_type: type[Any], name: str, from_record: Callable[[Mapping[str, Any]], Any]
    ) -> None:
        self.type = value_type
        self.name = name
        self._from_record = from_record

    def encode(self, obj: Any) -> dict[str, Any]:
        return record_of(obj)

    def decode(self, data: dict[str, Any]) -> Any:
        return self._from_record(data)


COMPLAINT_STATE_TRANSCODINGS = (
    ValueAsRecord(Offer, "complaint_offer", Offer.from_record),
    ValueAsRecord(Appeal, "complaint_appeal", Appeal.from_record),
    ValueAsRecord(Resolution, "complaint_resolution", Resolution.from_record),
    ValueAsRecord(SummaryResolution, "complaint_summary_resolution", Resolution.from_record),
    ValueAsRecord(FinalResponse, "complaint_final_response", FinalResponse.from_record),
    ValueAsRecord(AdrReferral, "complaint_adr_referral", AdrReferral.from_record),
    ValueAsRecord(TimeLimitWaiver, "complaint_time_limit_waiver", TimeLimitWaiver.from_record),
)
