"""The complaint at one version, in the sections the case-history page shows.

Made from the complaint's representation (the API's JSON, as replayed for that version or
moment) and its regime: every value already worded for a person (see `human`), so the
template only lays them out. Nothing here reads storage.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from libs.domain.deadlines import Regime
from services.complaints.history.human import NONE, money, money_of, when, words
from services.complaints.history.page_outcomes import adr_section, final_response_section

Rows = list[tuple[str, str]]

#: A clock's state as the page words it: `pending` is a clock still running.
CLOCK_STATES = {"pending": "running", "met": "met", "breached": "breached"}


def state_sections(state: dict[str, Any], regime: Regime | None, zone: tzinfo) -> dict[str, Any]:
    def at(value: Any) -> str:
        return when(value, zone)

    return {
        "summary": _summary(state, at),
        "customer": _customer(state.get("customer") or {}),
        "regime": _regime(state, regime),
        "clocks": [_clock(deadline, at) for deadline in state.get("deadlines") or []],
        "offers": [_offer(offer, at) for offer in state.get("offers") or []],
        "interactions": [_interaction(item, at) for item in state.get("interactions") or []],
        "escalations": [
            {
                "when": at(item.get("occurred_at")),
                "move": f"{words(item.get('from_tier'))} → {words(item.get('to_tier'))}",
                "by": item.get("actor") or NONE,
                "reason": item.get("reason") or NONE,
            }
            for item in state.get("escalations") or []
        ],
        "resolution": _resolution(state.get("resolution"), at),
        "appeals": [_appeal(appeal, at) for appeal in state.get("appeals") or []],
        "closure": _closure(state, at),
        "final_response": final_response_section(state.get("final_response"), regime, at),
        "adr": adr_section(state.get("adr"), at),
    }


def _summary(state: dict[str, Any], at: Any) -> Rows:
    flags = [words(name) for name, raised in (state.get("flags") or {}).items() if raised]
    return [
        ("Status", words(state.get("status"))),
        ("Tier", words(state.get("tier"))),
        ("Category", words(state.get("category"))),
        ("Channel", words(state.get("channel"))),
        ("Received", at(state.get("received_at"))),
        ("Acknowledged", at(state.get("acknowledged_at"))),
        ("Amount in dispute", money_of(state.get("amount_in_dispute"))),
        ("Desired remedy", state.get("desired_remedy") or NONE),
        ("External reference", state.get("external_ref") or NONE),
        ("Flags", ", ".join(flags) or "none"),
        ("Description", state.get("description") or NONE),
    ]


def _customer(customer: dict[str, Any]) -> Rows:
    return [
        ("Name", customer.get("name") or NONE),
        ("Customer id", customer.get("id") or NONE),
        ("E-mail", customer.get("email") or NONE),
        ("Phone", customer.get("phone") or NONE),
        ("Address", customer.get("address") or NONE),
    ]


def _regime(state: dict[str, Any], regime: Regime | None) -> Rows:
    rows = [("Regime", state.get("regime") or NONE)]
    if regime is not None:
        rows += [
            ("Rules", f"{regime.title} ({regime.source})"),
            ("Time zone", regime.calendar.timezone),
            ("Working days", regime.calendar.describe()),
        ]
    if state.get("regime_variant"):
        rows.append(("Variant", words(state["regime_variant"])))
    if state.get("calendar_subdivision"):
        rows.append(("Calendar subdivision", state["calendar_subdivision"]))
    return rows


def _clock(deadline: dict[str, Any], at: Any) -> dict[str, Any]:
    state = CLOCK_STATES.get(deadline.get("state") or "", words(deadline.get("state")))
    if state == "running" and deadline.get("approaching"):
        state = "running — due soon"
    met = deadline.get("met_at")
    return {
        "name": deadline.get("name") or words(deadline.get("clock")),
        "party": words(deadline.get("party")),
        "state": state,
        "state_class": (deadline.get("state") or "").lower(),
        "started": at(deadline.get("started_at")),
        "due": at(deadline.get("due_at")),
        "stopped": f"{at(met)} by {words(deadline.get('met_by'))}" if met else NONE,
        "basis": deadline.get("basis") or NONE,
    }


def _offer(offer: dict[str, Any], at: Any) -> dict[str, Any]:
    amount = offer.get("amount")
    return {
        "description": offer.get("description") or NONE,
        "amount": money(amount, offer.get("currency")) if amount else "non-monetary",
        "made": at(offer.get("made_at")),
        "made_by": f"{offer.get('made_by') or NONE} ({words(offer.get('tier'))} tier)",
        "status": words(offer.get("status")),
        "responded": at(offer.get("responded_at")),
        "comment": offer.get("customer_comment") or "",
    }


def _interaction(item: dict[str, Any], at: Any) -> dict[str, Any]:
    document = item.get("document") or {}
    return {
        "when": at(item.get("occurred_at")),
        "recorded": at(item.get("recorded_at")),
        "kind": f"{words(item.get('kind'))} ({words(item.get('direction'))})",
        "by": item.get("actor") or NONE,
        "summary": item.get("summary") or NONE,
        "document": (
            f"{document.get('filename') or document.get('media_type') or 'document'}, "
            f"sha256 {document.get('sha256')}"
            if document
            else ""
        ),
    }


def _resolution(resolution: dict[str, Any] | None, at: Any) -> Rows | None:
    if not resolution:
        return None
    rows = [
        ("Outcome", words(resolution.get("outcome"))),
        ("Summary", resolution.get("summary") or NONE),
        ("Remedy", resolution.get("remedy") or NONE),
        ("Redress", money(resolution.get("redress_amount"), resolution.get("currency"))),
        ("Decided", f"{at(resolution.get('resolved_at'))} by {resolution.get('decided_by')}"),
        ("At tier", words(resolution.get("decided_at_tier"))),
    ]
    if resolution.get("summary_resolution"):
        rows.append(("Summary resolution sent", resolution["summary_resolution"]))
    return rows


def _appeal(appeal: dict[str, Any], at: Any) -> Rows:
    rows = [
        ("Grounds", appeal.get("grounds") or NONE),
        ("Lodged", f"{at(appeal.get('lodged_at'))} by {appeal.get('lodged_by')}"),
        ("Against the decision of", f"{words(appeal.get('against_tier'))} tier"),
        ("Status", words(appeal.get("status"))),
    ]
    if appeal.get("outcome"):
        rows += [
            ("Outcome", words(appeal.get("outcome"))),
            ("Decided", f"{at(appeal.get('decided_at'))} by {appeal.get('decided_by')}"),
            ("At tier", words(appeal.get("decided_at_tier"))),
            ("Reasons", appeal.get("reasons") or NONE),
        ]
    return rows


def _closure(state: dict[str, Any], at: Any) -> Rows:
    rows: Rows = []
    closure = state.get("closure")
    if isinstance(closure, dict):
        rows.append(("Closed", f"{at(closure.get('closed_at'))}: {closure.get('reason')}"))
    if state.get("reopen_count"):
        rows.append(("Reopened", f"{state['reopen_count']} time(s)"))
    waiver = state.get("time_limit_waiver")
    if isinstance(waiver, dict):
        rows.append(
            (
                "Time-limit waiver",
                f"{'consents' if waiver.get('consents') else 'does not consent'} — "
                f"{at(waiver.get('decided_at'))} by {waiver.get('decided_by')}"
                + (f": {waiver['note']}" if waiver.get("note") else ""),
            )
        )
    return rows
