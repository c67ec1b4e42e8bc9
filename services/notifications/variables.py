"""What a template can use: the same names for every rule, filled from the case file and the
triggering event, plus `survey` for survey rules. The stand-in context used to check
templates at start-up is built by the same code, so the check and the real letters agree.

`template_facts` is what templates may know of a case file, as a plain record: the same
shape as `SAMPLE_TEMPLATE_FACTS`, the stand-in case the start-up check uses."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from libs.domain.deadlines import ClockEvent, Regime, RegimeError, UnknownRegime, get_regime
from libs.domain.notification import CaseFile
from libs.platform.runtime.jsonable import rfc3339_utc
from services.notifications.catalogue import event_fields, sample_value
from services.notifications.rules import Rule
from services.notifications.settings import NotificationsSettings

CUSTOMER_FIELDS = ("id", "name", "email", "phone", "address", "language")
SAMPLE_TEMPLATE_FACTS: dict[str, Any] = {
    "complaint_id": "00000000-0000-0000-0000-000000000000",
    "customer": {"id": "C-1", "name": "Ada Lovelace", "email": "ada@example.com"},
    "category": "billing",
    "regime": "default",
    "reference": "CRM-1",
    "tier": "frontline",
    "status": "open",
    "adr_used": False,
    "received_at": "2025-01-02T09:30:00+00:00",
}


def template_facts(case: CaseFile) -> dict[str, Any]:
    """The facts of `case` that templates draw on, as `variables_for` reads them."""
    return {
        "complaint_id": case.complaint_id,
        "customer": case.customer.as_record(),
        "category": case.category,
        "regime": case.regime,
        "reference": case.reference,
        "tier": case.tier,
        "status": case.status,
        "adr_used": case.adr_used,
        "received_at": rfc3339_utc(case.received_at),  # as every instant is shown
    }


def case_reference(complaint_id: str, reference: str | None) -> str:
    """What the customer quotes: the CRM's reference, else a short one from the complaint's
    id (`RD-1A2B3C4D`), never a bare UUID."""
    if reference:
        return reference
    return f"RD-{complaint_id.replace('-', '')[:8].upper()}"


@cache
def _regime(name: str, directory: str | None) -> Regime | None:
    try:
        return get_regime(name, *([Path(directory)] if directory else []))
    except (UnknownRegime, RegimeError, OSError):
        return None


def response_timeframe(regime_name: str | None, regimes_dir: str | None) -> dict[str, Any] | None:
    """When the customer will hear back, from the regime's data: the firm's clock from
    receipt to the final response (its length and unit, and the longer period a holding
    reply allows where the regime has one), with the rule it comes from. The acknowledgement
    states it: DISP 1.6.1R(1)(b) as amended from 1 June 2026 asks for the response timeframe
    (8 weeks, DISP 1.6.2R; 15 business days or 35 after a holding reply, DISP 1.6.2AR);
    other regimes' own final-response clocks are stated the same way."""
    regime = _regime(regime_name or "default", regimes_dir)
    if regime is None:
        return None
    for clock in regime.clocks:
        if clock.name == "final_response" and clock.starts_on is ClockEvent.RECEIVED:
            extension = clock.extension
            return {
                "length": clock.period.length,
                "unit": clock.period.unit.value,
                "extended_length": extension.to.length if extension else None,
                "extended_unit": extension.to.unit.value if extension else None,
                "basis": clock.basis,
                "regime_title": regime.title,
            }
    return None


def regime_timezone(regime_name: str | None, regimes_dir: str | None) -> str | None:
    """The IANA zone of the regime's calendar: customers' dates are that zone's dates (a
    complaint made at 00:30 in London on 3 June was received on 3 June, not 2 June UTC)."""
    regime = _regime(regime_name or "default", regimes_dir)
    return regime.calendar.timezone if regime is not None else None


def variables_for(
    rule: Rule,
    facts: dict[str, Any],
    event: dict[str, Any],
    settings: NotificationsSettings,
    late_at: datetime | None = None,
) -> dict[str, Any]:
    """Everything a template of `rule` may use (except `survey`, added when rendering, and
    `notification.late`, known only then), from the case's `template_facts` and the
    triggering event."""
    fields = event_fields(rule.on.feed, rule.on.event) or {}
    customer = facts.get("customer") or {}
    return {
        "customer": {name: customer.get(name) for name in CUSTOMER_FIELDS},
        "complaint": {
            "id": facts["complaint_id"],
            "reference": facts.get("reference"),
            "case_reference": case_reference(facts["complaint_id"], facts.get("reference")),
            "response_timeframe": response_timeframe(facts.get("regime"), settings.regimes_dir),
            "timezone": regime_timezone(facts.get("regime"), settings.regimes_dir),
            "category": facts.get("category"),
            "regime": facts.get("regime"),
            "tier": facts.get("tier"),
            "status": facts.get("status"),
            "adr_used": bool(facts.get("adr_used")),
            "received_at": facts.get("received_at"),
        },
        "event": {
            "type": str(rule.on),
            "id": event.get("id"),
            **{name: event.get("data", {}).get(name) for name in fields},
        },
        "firm": {"name": settings.firm_name, "contact_email": settings.firm_contact_email},
        "notification": {
            "rule": rule.name,
            "channel": rule.channel,
            "audience": rule.audience,
            "late_at": rfc3339_utc(late_at) if late_at else None,
        },
    }


def sample_variables(rule: Rule, settings: NotificationsSettings) -> dict[str, Any]:
    fields = event_fields(rule.on.feed, rule.on.event) or {}
    event = {
        "id": "00000000-0000-0000-0000-000000000000/1",
        "data": {name: sample_value(annotation) for name, annotation in fields.items()},
    }
    variables = variables_for(rule, SAMPLE_TEMPLATE_FACTS, event, settings)
    for name, value in variables["customer"].items():
        if value is None:
            variables["customer"][name] = "sample"
    variables["notification"]["late"] = False
    if rule.survey:
        variables["survey"] = {"url": "https://example.invalid/s", "expires_at": "2025-02-01"}
    return variables
