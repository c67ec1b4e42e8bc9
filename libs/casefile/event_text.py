"""One line saying what an event did, for the timeline, from its shown `data`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from libs.casefile.formatting import money, plain, words
from libs.casefile.model import Event
from libs.casefile.sections import Money


def _money(data: dict[str, Any], amount: str, currency: str = "currency") -> str:
    value = data.get(amount)
    return money(Money(str(value), str(data.get(currency)))) if value is not None else ""


def _flags(data: dict[str, Any]) -> str:
    flags = data.get("flags") or {}
    return "flags changed: " + ", ".join(
        f"{words(name)} {'set' if on else 'cleared'}" for name, on in flags.items()
    )


def _award(data: dict[str, Any]) -> str:
    award = data.get("award")
    if isinstance(award, dict) and award.get("amount") is not None:
        return f"; award {_money(award, 'amount')}"
    return f"; award {plain(award)}" if award else ""


LINES: dict[str, Callable[[dict[str, Any]], str]] = {
    "ComplaintReceived": lambda d: (
        f"received via {d.get('channel')}: {d.get('category')}, "
        f"{_money(d, 'amount_in_dispute') or 'no amount'} in dispute — {d.get('description')}"
    ),
    "ComplaintAcknowledged": lambda d: (
        f"acknowledged by {d.get('channel')}: {d.get('message')} "
        f"({plain(d.get('elements')) or 'no elements'})"
    ),
    "InteractionRecorded": lambda d: (
        f"{d.get('kind')} ({d.get('direction')}): {d.get('summary')}"
        + (f" — document sha256 {d['document'].get('sha256')}" if d.get("document") else "")
    ),
    "FlagsChanged": _flags,
    "Escalated": lambda d: (
        f"escalated {d.get('from_tier')} → {d.get('to_tier')}: {d.get('reason')}"
    ),
    "OfferMade": lambda d: (
        f"offer made: {d.get('description')} ({_money(d, 'amount') or 'not in money'})"
    ),
    "OfferAccepted": lambda d: f"offer {d.get('offer_id')} accepted by the customer",
    "OfferRejected": lambda d: (
        f"offer {d.get('offer_id')} rejected by the customer"
        + (f": {d['customer_comment']}" if d.get("customer_comment") else "")
    ),
    "ComplaintResolved": lambda d: (
        f"resolved ({words(str(d.get('outcome')))}): {d.get('summary')}"
        + (f"; redress {_money(d, 'redress_amount')}" if d.get("redress_amount") else "")
    ),
    "SummaryResolutionIssued": lambda d: (
        f"summary resolution ({words(str(d.get('outcome')))}): {d.get('summary')}"
    ),
    "FinalResponseIssued": lambda d: (
        f"final response issued ({plain((d.get('elements') or {}).get('decision'))})"
    ),
    "AppealLodged": lambda d: f"appeal lodged: {d.get('grounds')}",
    "AppealDecided": lambda d: (
        f"appeal {d.get('outcome')} at {d.get('decided_at_tier')}: {d.get('reasons')}"
    ),
    "TimeLimitWaiverDecided": lambda d: (
        f"time-limit waiver: the firm {'consents' if d.get('consents') else 'does not consent'}"
        + (f" ({d['note']})" if d.get("note") else "")
    ),
    "ReferredToAdr": lambda d: (
        f"referred to ADR (method {d.get('preferred_method') or 'not stated'}, provider "
        f"{d.get('preferred_provider_id') or 'not stated'})"
        + (f"; override: {d['override_justification']}" if d.get("override_justification") else "")
    ),
    "AdrStatusUpdated": lambda d: (
        f"ADR provider {d.get('provider_id')} reports status {d.get('provider_status')}"
    ),
    "AdrReferralFailed": lambda d: (
        f"ADR referral failed ({words(str(d.get('failure')))}): {d.get('reason')}; "
        f"back to {words(str(d.get('returned_to')))}"
    ),
    "AdrFileCompleted": lambda d: f"ADR provider {d.get('provider_id')} has the complete file",
    "AdrTraderNotified": lambda d: f"ADR provider asked the firm: {plain(d.get('detail'))}",
    "AdrAnswerSent": lambda d: f"the firm answered the ADR provider: {d.get('message')}",
    "AdrDocumentReceived": lambda d: (
        f"ADR provider {d.get('provider_id')} sent a document: {d.get('filename')}"
    ),
    "AdrMessageRecorded": lambda d: (
        f"ADR provider {d.get('provider_id')} wrote ({words(str(d.get('kind')))}): {d.get('body')}"
        if d.get("sender") == "provider"
        else f"the firm wrote to ADR provider {d.get('provider_id')}: {d.get('body')}"
    ),
    "AdrOutcomeRecorded": lambda d: (
        f"ADR outcome {d.get('outcome')}"
        + (" (binding)" if d.get("binding") else "")
        + f": {d.get('summary')}{_award(d)}"
    ),
    "HoldingReplySent": lambda d: f"holding reply: {d.get('reason')}",
    "DeadlineApproaching": lambda d: f"deadline {words(str(d.get('deadline')))} approaching",
    "DeadlineMissed": lambda d: f"deadline {words(str(d.get('deadline')))} missed",
    "ComplaintClosed": lambda d: f"closed: {d.get('reason')}",
    "Reopened": lambda d: f"reopened: {d.get('reason')}",
}


def describe(event: Event) -> str:
    if event.decode_error or event.data is None:
        return f"(unreadable: {event.decode_error})"
    line = LINES.get(event.type)
    if line is None:
        return plain(event.data)
    try:
        return line(event.data)
    except (AttributeError, KeyError, TypeError):  # an altered row may hold anything
        return plain(event.data)
