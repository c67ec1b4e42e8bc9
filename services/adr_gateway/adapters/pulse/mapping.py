"""PULSE callbacks as Redress referral updates, and a referral as a PULSE order.

The specification says where a dispute's state travels (`order.fulfillments[].state.
descriptor.code`, set by the BPP and pushed with an unsolicited `on_status`) but names only
a few codes in its examples; it has no outcome structure at all. The codes below marked
"spec" come from the specification's examples; those marked "Redress" are this adapter's
own, documented in docs/adr-pulse.md so that a provider can send them.

| PULSE                                                        | Redress update        |
|--------------------------------------------------------------|-----------------------|
| `on_confirm`, order ACTIVE                                   | `referral.accepted`   |
| state `arbitration-confirmed` (spec)                         | `referral.accepted`   |
| state `dispute-hearing-in-progress` (spec), also             | `session.scheduled`   |
|   `arbitration-in-progress`, `hearing-date-updated` (spec)   |                       |
| state `settlement-proposed` (Redress)                        | `settlement.proposed` |
| state `complaint-resolved` (spec), `outcome` tags (Redress)  | `decision.issued`     |
| state `dispute-declined` (Redress), `on_confirm` CANCELLED   | `referral.declined`   |
| state `dispute-cancelled` (spec), `on_cancel`                | `referral.closed`     |

Anything else (`on_select`, `on_init`, a state we do not know) is acknowledged and changes
nothing.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from libs.domain.referral_lifecycle import ProviderEventType

ACCEPTED = frozenset({"arbitration-confirmed"})
IN_SESSION = frozenset(
    {"dispute-hearing-in-progress", "arbitration-in-progress", "hearing-date-updated"}
)
SETTLEMENT = frozenset({"settlement-proposed"})
RESOLVED = frozenset({"complaint-resolved"})
DECLINED = frozenset({"dispute-declined"})
CANCELLED = frozenset({"dispute-cancelled"})
#: The tag group (order.tags) that carries a decision: outcome, binding, summary, and an
#: award as award-amount and award-currency.
OUTCOME_TAGS = "outcome"
#: The tag group a referral's identifiers travel in (order.tags, on select/init/confirm).
CASE_TAGS = "redress-case"


@dataclass(frozen=True)
class MappedUpdate:
    event_type: ProviderEventType
    data: dict[str, Any]


def _order(message: Mapping[str, Any]) -> Mapping[str, Any]:
    order = (message.get("message") or {}).get("order") or {}
    return order if isinstance(order, Mapping) else {}


def _state(order: Mapping[str, Any]) -> tuple[str | None, Mapping[str, Any]]:
    """The state of the order's first fulfillment that has one (the dispute itself)."""
    for fulfillment in order.get("fulfillments") or ():
        state = fulfillment.get("state") or {}
        code = (state.get("descriptor") or {}).get("code")
        if code:
            return str(code), fulfillment
    return None, {}


def tags(order: Mapping[str, Any], group: str) -> dict[str, str]:
    """One tag group of the order as a dict of code → value."""
    for tag_group in order.get("tags") or ():
        if (tag_group.get("descriptor") or {}).get("code") == group:
            return {
                str((t.get("descriptor") or {}).get("code")): str(t.get("value", ""))
                for t in tag_group.get("list") or ()
            }
    return {}


def tag_group(group: str, values: Mapping[str, str]) -> dict[str, Any]:
    return {
        "descriptor": {"code": group},
        "list": [{"descriptor": {"code": k}, "value": v} for k, v in values.items()],
    }


def _officer(fulfillment: Mapping[str, Any]) -> dict[str, str]:
    name = ((fulfillment.get("agent") or {}).get("person") or {}).get("name")
    return {"case_officer": str(name)} if name else {}


def _decision(order: Mapping[str, Any]) -> dict[str, Any]:
    found = tags(order, OUTCOME_TAGS)
    data: dict[str, Any] = {"outcome": found.get("outcome", "")}
    if "binding" in found:
        data["binding"] = found["binding"] == "true"
    if found.get("summary"):
        data["summary"] = found["summary"]
    if "award-amount" in found or "award-currency" in found:
        data["award"] = {
            "amount": found.get("award-amount", ""),
            "currency": found.get("award-currency", ""),
        }
    return data


def update_from(action: str, message: Mapping[str, Any]) -> MappedUpdate | None:
    """The referral update a (valid) callback means, or None when it changes nothing."""
    order = _order(message)
    provider_reference = {"provider_reference": str(order["id"])} if order.get("id") else {}
    code, fulfillment = _state(order)
    if action == "on_cancel" or code in CANCELLED:
        return MappedUpdate(ProviderEventType.CLOSED, {**provider_reference})
    if action == "on_confirm" and order.get("status") == "CANCELLED":
        return MappedUpdate(ProviderEventType.DECLINED, {"reason": "cancelled on confirmation"})
    if code in DECLINED:
        reason = ((fulfillment.get("state") or {}).get("descriptor") or {}).get("short_desc")
        return MappedUpdate(ProviderEventType.DECLINED, {"reason": reason or "declined"})
    if action == "on_confirm" or code in ACCEPTED:
        return MappedUpdate(
            ProviderEventType.ACCEPTED, {**_officer(fulfillment), **provider_reference}
        )
    if code in IN_SESSION:
        state = fulfillment.get("state") or {}
        at = state.get("updated_at")
        return MappedUpdate(
            ProviderEventType.SESSION_SCHEDULED,
            {"format": "online", **({"session_at": at} if at else {})},
        )
    if code in SETTLEMENT:
        terms = tags(order, OUTCOME_TAGS).get("terms") or "proposed by the provider"
        return MappedUpdate(ProviderEventType.SETTLEMENT_PROPOSED, {"terms": terms})
    if code in RESOLVED:
        return MappedUpdate(ProviderEventType.DECISION_ISSUED, _decision(order))
    return None


def occurred_at(message: Mapping[str, Any]) -> datetime:
    """When the provider says it happened: the state's `updated_at`, else the context's
    timestamp (both RFC 3339, checked by the schema)."""
    order = _order(message)
    _, fulfillment = _state(order)
    at = (fulfillment.get("state") or {}).get("updated_at") or message["context"]["timestamp"]
    return datetime.fromisoformat(str(at).replace("Z", "+00:00"))


def data_url(content: bytes, media_type: str) -> str:
    """RFC 2397: a document carried inside the order (the provider has no way to fetch it)."""
    return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"
