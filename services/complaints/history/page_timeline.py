"""The case-history page's timeline: every stored event with both of its times and who
recorded it, and — when verification fails — the altered rows marked and the deleted
versions shown as gaps where they were.

A row whose stored content no longer matches its recorded hash is still listed as stored,
but marked: what it says is not what was recorded. A version that was written (it has a
recorded hash, or a checkpoint anchored it, or later versions exist) but is no longer stored
gets a row of its own, so the gap is seen where it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import tzinfo
from typing import Any

from services.complaints.history.human import NONE, moment, money, when, words

#: Occurred more than this long before it was recorded: the row says it was back-dated.
BACK_DATED_SECONDS = 60

#: How each problem kind (`ChainVerdict.problems`) is named on its row.
MARKS = {
    "altered": "altered",
    "unrecorded": "not recorded by the application",
    "relinked": "chain records rewritten",
    "checkpoint": "differs from the checkpoint",
    "missing": "missing",
    "deleted": "deleted",
}


def missing_versions(
    stored: Iterable[int], recorded: Iterable[int], verification: dict[str, Any]
) -> list[int]:
    """Versions that were written but are not stored: gaps, and a deleted tail that the
    recorded hashes or the checkpoint still remember."""
    have = set(stored)
    anchor = verification.get("checkpoint") or {}
    highest = max([*have, *recorded, int(anchor.get("anchored_version") or 0), 0])
    return [version for version in range(1, highest + 1) if version not in have]


def timeline(
    events: list[dict[str, Any]],
    verification: dict[str, Any],
    missing: list[int],
    zone: tzinfo,
) -> list[dict[str, Any]]:
    problems: dict[int, list[dict[str, Any]]] = {}
    for problem in verification.get("problems") or []:
        problems.setdefault(int(problem["version"]), []).append(problem)
    rows = [_stored(event, problems.pop(event["version"], []), zone) for event in events]
    for version in missing:
        rows.append(
            {
                "version": version,
                "missing": True,
                "marks": ["missing"],
                # The verifier's own words are in the banner; here, plainly, what is gone.
                "reasons": [
                    f"Version {version} was written, but is no longer among the stored "
                    "events: deleted."
                ],
            }
        )
    return sorted(rows, key=lambda row: int(row["version"]))


def _stored(event: dict[str, Any], problems: list[dict[str, Any]], zone: tzinfo) -> dict[str, Any]:
    occurred, recorded = moment(event.get("occurred_at")), moment(event.get("recorded_at"))
    back_dated = bool(
        occurred and recorded and (recorded - occurred).total_seconds() > BACK_DATED_SECONDS
    )
    return {
        "version": event["version"],
        "missing": False,
        "type": event["type"],
        "summary": describe(event, zone),
        "occurred": when(occurred, zone),
        "recorded": when(recorded, zone),
        "back_dated": back_dated,
        "actor": event.get("actor") or NONE,
        "role": event.get("actor_role") or "",
        "correlation_id": event.get("correlation_id") or "",
        "hash": event.get("hash") or "",
        "marks": [MARKS.get(p.get("kind", ""), words(p.get("kind"))) for p in problems],
        "reasons": [p["reason"] for p in problems],
    }


def _offer_made(data: dict[str, Any]) -> str:
    worth = money(data.get("amount"), data.get("currency")) if data.get("amount") else ""
    return f"offer made: {data.get('description')}" + (f" ({worth})" if worth else "")


def _award(data: dict[str, Any]) -> str:
    award = data.get("award")
    if isinstance(award, dict) and "amount" in award:
        return f", award {money(award.get('amount'), award.get('currency'))}"
    return ""


#: One line per event type saying what it did; an unknown type is shown by its name.
LINES: dict[str, Callable[[dict[str, Any]], str]] = {
    "ComplaintReceived": lambda d: (
        f"received via {words(d.get('channel'))} from {(d.get('customer') or {}).get('name')}: "
        f"{words(d.get('category'))} — {d.get('description', '')}"
    ),
    "ComplaintAcknowledged": lambda d: f"acknowledged by {words(d.get('channel'))}",
    "HoldingReplySent": lambda d: f"holding reply sent: {d.get('reason')}",
    "InteractionRecorded": lambda d: (
        f"{words(d.get('kind'))} ({words(d.get('direction'))}): {d.get('summary')}"
    ),
    "Escalated": lambda d: (
        f"escalated {words(d.get('from_tier'))} → {words(d.get('to_tier'))}: {d.get('reason')}"
    ),
    "OfferMade": _offer_made,
    "OfferAccepted": lambda d: "offer accepted by the customer",
    "OfferRejected": lambda d: (
        "offer rejected by the customer"
        + (f": {d['customer_comment']}" if d.get("customer_comment") else "")
    ),
    "ComplaintResolved": lambda d: f"resolved ({words(d.get('outcome'))}): {d.get('summary')}",
    "FinalResponseIssued": lambda d: (
        "final response issued"
        + (f" ({words((d.get('elements') or {}).get('decision'))})" if d.get("elements") else "")
    ),
    "AppealLodged": lambda d: f"appeal lodged: {d.get('grounds')}",
    "AppealDecided": lambda d: (
        f"appeal {words(d.get('outcome'))} at {words(d.get('decided_at_tier'))} tier: "
        f"{d.get('reasons')}"
    ),
    "TimeLimitWaiverDecided": lambda d: (
        "time-limit waiver: "
        + ("the firm consents" if d.get("consents") else "the firm does not consent")
    ),
    "ReferredToAdr": lambda d: (
        "referred to ADR"
        + (f" ({words(d.get('preferred_method'))})" if d.get("preferred_method") else "")
        + (" — criteria overridden" if d.get("override_justification") else "")
    ),
    "AdrStatusUpdated": lambda d: (
        f"ADR provider {d.get('provider_id')}: {words(d.get('provider_status'))}"
    ),
    "AdrReferralFailed": lambda d: (
        f"ADR referral failed ({words(d.get('failure'))}"
        + (f", provider {d.get('provider_id')}" if d.get("provider_id") else "")
        + f"): {d.get('reason')} — back to {words(d.get('returned_to'))}"
    ),
    "AdrFileCompleted": lambda d: "the ADR entity has the complete complaint file",
    "AdrTraderNotified": lambda d: "the ADR entity asked the firm for its answer",
    "AdrAnswerSent": lambda d: f"the firm answered the ADR entity: {d.get('message')}",
    "AdrOutcomeRecorded": lambda d: (
        f"ADR outcome: {words(d.get('outcome'))}{_award(d)} — {d.get('summary')}"
    ),
    "FlagsChanged": lambda d: (
        "flags: "
        + ", ".join(
            f"{words(k)} {'raised' if v else 'cleared'}" for k, v in (d.get("flags") or {}).items()
        )
    ),
    "SummaryResolutionIssued": lambda d: f"summary resolution sent ({words(d.get('outcome'))})",
    "ComplaintClosed": lambda d: f"closed: {d.get('reason')}",
    "Reopened": lambda d: f"reopened: {d.get('reason')}",
}


#: The deadline alerts, each with the due time in the regime's time zone.
ALERTS = {"DeadlineApproaching": "deadline approaching", "DeadlineMissed": "deadline missed"}


def describe(event: dict[str, Any], zone: tzinfo) -> str:
    if event.get("decode_error"):
        return f"(unreadable: {event['decode_error']})"
    data = event.get("data") or {}
    if event["type"] in ALERTS:
        due = f", due {when(data['due_at'], zone)}" if data.get("due_at") else ""
        return f"{ALERTS[event['type']]}: {words(data.get('deadline'))}{due}"
    line = LINES.get(event["type"])
    if line is None:
        return words(event["type"])
    try:
        return line(data)
    except (AttributeError, KeyError, TypeError, ValueError):  # an odd (or altered) payload
        return words(event["type"])
