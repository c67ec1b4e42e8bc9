"""The case's outcomes on the case-history page: the final response with each element its
regime requires, and the ADR referral — eligibility, override, the provider's reports, its
outcome and award. Worded for people, as `page_sections` does for the rest."""

from __future__ import annotations

from typing import Any

from libs.domain.deadlines import Regime
from libs.domain.deadlines.regime import ElementRule
from services.complaints.history.human import NONE, money_of, words, yes_no

Rows = list[tuple[str, str]]


def _element_value(value: Any) -> str:
    if isinstance(value, bool):
        return yes_no(value)
    return NONE if value is None or value == "" else words(value)


def final_response_section(
    letter: dict[str, Any] | None, regime: Regime | None, at: Any
) -> dict[str, Any] | None:
    if not letter:
        return None
    given = dict(letter.get("elements") or {})
    rules: tuple[ElementRule, ...] = regime.final_response if regime else ()
    elements = []
    for rule in rules:
        value = given.pop(rule.name, None)
        elements.append(
            {
                "name": words(rule.name),
                "description": rule.description,
                "value": _element_value(value),
                "present": value not in (None, "", False),
                "basis": rule.basis,
            }
        )
    for name, value in given.items():  # given, though this regime does not require it
        elements.append(
            {
                "name": words(name),
                "description": "",
                "value": _element_value(value),
                "present": True,
                "basis": "",
            }
        )
    superseded = letter.get("superseded_by_appeal")
    return {
        "issued": at(letter.get("issued_at")),
        "issued_by": letter.get("issued_by") or NONE,
        "letter": letter.get("letter") or "",
        "elements": elements,
        "superseded": (
            f"set aside by appeal {superseded} on {at(letter.get('superseded_at'))}"
            if superseded
            else ""
        ),
    }


def _failure(failure: dict[str, Any] | None, at: Any) -> str:
    """A failed referral: declined or dead-lettered, when, by which provider, why."""
    if not failure:
        return NONE
    provider = f" ({failure.get('provider_id')})" if failure.get("provider_id") else ""
    return (
        f"{words(failure.get('kind'))}{provider} {at(failure.get('occurred_at'))}: "
        f"{failure.get('reason')}"
    )


def _earlier(earlier: list[dict[str, Any]], at: Any) -> str:
    """The complaint's earlier referrals (each failed), oldest first."""
    if not earlier:
        return NONE
    return "; ".join(f"{e.get('referral_id')}, {_failure(e.get('failure'), at)}" for e in earlier)


def adr_section(adr: dict[str, Any] | None, at: Any) -> dict[str, Any] | None:
    if not adr:
        return None
    eligibility = adr.get("eligibility") or {}
    outcome = adr.get("outcome")
    referral: Rows = [
        ("Referral", adr.get("referral_id") or NONE),
        ("Referred", f"{at(adr.get('referred_at'))} by {adr.get('referred_by')}"),
        ("Requested method", words(adr.get("preferred_method"))),
        ("Requested provider", adr.get("preferred_provider_id") or NONE),
        ("Provider", adr.get("provider_id") or "not yet taken by a provider"),
        ("Last status reported", words(adr.get("provider_status"))),
        ("Complete file since", at(adr.get("file_complete_at"))),
        ("Referral status", words(adr.get("status"))),
        ("Failed", _failure(adr.get("failure"), at)),
        ("Earlier referrals", _earlier(adr.get("earlier") or [], at)),
    ]
    return {
        "referral": referral,
        "eligible": eligibility.get("eligible"),
        "assessed": at(eligibility.get("as_of")),
        "criteria": [
            {"name": words(c.get("name")), "met": bool(c.get("met")), "reason": c.get("reason")}
            for c in eligibility.get("criteria") or []
        ],
        "override": adr.get("override_justification") or "",
        "updates": [
            {
                "when": at(update.get("occurred_at")),
                "status": words(update.get("status")),
                "detail": ", ".join(
                    f"{words(k)}: {at(v) if k.endswith('_at') else v}"
                    for k, v in (update.get("detail") or {}).items()
                ),
            }
            for update in adr.get("updates") or []
        ],
        "trader": [
            (at(r.get("occurred_at")), "the ADR entity asked the firm", _detail(r.get("detail")))
            for r in adr.get("trader_requests") or []
        ]
        + [
            (at(a.get("answered_at")), f"the firm answered ({a.get('answered_by')})", a["message"])
            for a in adr.get("trader_answers") or []
        ],
        "outcome": (
            [
                ("Outcome", words(outcome.get("outcome"))),
                ("Binding", yes_no(outcome.get("binding"))),
                ("Award", _award(outcome.get("award"))),
                ("Summary", outcome.get("summary") or NONE),
                ("Recorded", at(outcome.get("recorded_at"))),
            ]
            if outcome
            else None
        ),
    }


def _detail(detail: Any) -> str:
    if not isinstance(detail, dict):
        return NONE
    return ", ".join(f"{words(k)}: {v}" for k, v in detail.items()) or NONE


def _award(award: Any) -> str:
    """The provider's award as it wrote it: money per currency, anything else alongside."""
    if not isinstance(award, dict) or not award:
        return "none"
    rest = ", ".join(
        f"{words(k)}: {v}" for k, v in award.items() if k not in ("amount", "currency")
    )
    amount = money_of(award) if "amount" in award else ""
    return "; ".join(part for part in (amount, rest) if part) or NONE
