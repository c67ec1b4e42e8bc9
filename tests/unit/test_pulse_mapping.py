"""beckn PULSE callbacks as Redress referral updates, and the schema every message is checked
against (services/adr_gateway/adapters/pulse)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from libs.domain.referral_lifecycle import ProviderEventType
from services.adr_gateway.adapters.base import InvalidSettings
from services.adr_gateway.adapters.pulse import PulseAdapter
from services.adr_gateway.adapters.pulse.mapping import (
    OUTCOME_TAGS,
    occurred_at,
    tag_group,
    update_from,
)
from services.adr_gateway.adapters.pulse.messages import (
    InvalidMessage,
    Parties,
    call,
    message_id,
    validate,
)

REFERRAL = "5b0f3f5e-6d0c-4a55-9f53-0c7e3a1d2b44"
PARTIES = Parties(
    bap_id="redress-adr-gateway",
    bap_uri="https://gateway.example/v1/pulse/providers/odr",
    bpp_id="bpp.example",
    bpp_uri="https://bpp.example",
)


def callback(action: str, state: str | None = None, **order: Any) -> dict[str, Any]:
    if state is not None:
        order.setdefault("fulfillments", []).append(
            {
                "agent": {"person": {"name": "Ann Arbiter"}},
                "state": {
                    "descriptor": {"code": state},
                    "updated_at": "2026-03-01T10:00:00Z",
                },
            }
        )
    document = call(action, {"order": order}, transaction_id=REFERRAL, parties=PARTIES)
    return document


def test_on_confirm_is_the_acceptance_with_the_providers_order_id_and_officer() -> None:
    update = update_from("on_confirm", callback("on_confirm", "arbitration-confirmed", id="O-1"))
    assert update is not None
    assert update.event_type == ProviderEventType.ACCEPTED
    assert update.data == {"case_officer": "Ann Arbiter", "provider_reference": "O-1"}


def test_an_order_cancelled_on_confirmation_is_a_decline() -> None:
    update = update_from("on_confirm", callback("on_confirm", id="O-1", status="CANCELLED"))
    assert update is not None and update.event_type == ProviderEventType.DECLINED


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("dispute-hearing-in-progress", ProviderEventType.SESSION_SCHEDULED),
        ("arbitration-in-progress", ProviderEventType.SESSION_SCHEDULED),
        ("settlement-proposed", ProviderEventType.SETTLEMENT_PROPOSED),
        ("dispute-declined", ProviderEventType.DECLINED),
        ("dispute-cancelled", ProviderEventType.CLOSED),
        ("arbitration-confirmed", ProviderEventType.ACCEPTED),
    ],
)
def test_fulfillment_states_map_onto_the_referral_lifecycle(
    state: str, expected: ProviderEventType
) -> None:
    update = update_from("on_status", callback("on_status", state, id="O-1"))
    assert update is not None and update.event_type == expected


def test_complaint_resolved_carries_the_decision_in_its_outcome_tags() -> None:
    tags = tag_group(
        OUTCOME_TAGS,
        {
            "outcome": "partially_upheld",
            "binding": "false",
            "award-amount": "10.00",
            "award-currency": "EUR",
            "summary": "Half the fee back.",
        },
    )
    update = update_from("on_status", callback("on_status", "complaint-resolved", tags=[tags]))
    assert update is not None
    assert update.event_type == ProviderEventType.DECISION_ISSUED
    assert update.data == {
        "outcome": "partially_upheld",
        "binding": False,
        "summary": "Half the fee back.",
        "award": {"amount": "10.00", "currency": "EUR"},
    }


def test_answers_that_change_nothing_map_to_nothing() -> None:
    assert update_from("on_select", callback("on_select", id="O-1")) is None
    assert update_from("on_init", callback("on_init", id="O-1")) is None
    assert update_from("on_status", callback("on_status", "some-state-we-do-not-know")) is None


def test_on_cancel_closes_the_referral() -> None:
    update = update_from("on_cancel", callback("on_cancel", id="O-1", status="CANCELLED"))
    assert update is not None and update.event_type == ProviderEventType.CLOSED


def test_the_update_happened_when_the_state_says_or_else_when_the_message_was_sent() -> None:
    assert occurred_at(callback("on_status", "complaint-resolved")) == datetime(
        2026, 3, 1, 10, tzinfo=UTC
    )
    plain = callback("on_select", id="O-1")
    assert occurred_at(plain).isoformat()[:4] == plain["context"]["timestamp"][:4]


def test_every_context_carries_the_domain_ids_and_a_timestamp() -> None:
    document = call("status", {"order_id": "O-1"}, transaction_id=REFERRAL, parties=PARTIES)
    context = document["context"]
    assert context["domain"] == "online-dispute-resolution:0.1.0"
    assert context["version"] == "1.1.0"
    assert context["transaction_id"] == REFERRAL
    assert {"bap_id", "bap_uri", "bpp_id", "bpp_uri", "message_id", "timestamp"} <= set(context)


def test_message_ids_of_a_referrals_steps_are_stable_and_distinct() -> None:
    assert message_id(REFERRAL, "select") == message_id(REFERRAL, "select")
    assert message_id(REFERRAL, "select") != message_id(REFERRAL, "confirm")


def test_messages_outside_the_specification_are_refused_naming_the_field() -> None:
    document = callback("on_status", "complaint-resolved")
    wrong_domain = {**document, "context": {**document["context"], "domain": "retail:1.1.0"}}
    with pytest.raises(InvalidMessage) as refused:
        validate("on_status", wrong_domain)
    assert refused.value.errors[0]["field"] == "context.domain"
    without_bpp = {**document, "context": {**document["context"]}}
    del without_bpp["context"]["bpp_id"]
    with pytest.raises(InvalidMessage):
        validate("on_status", without_bpp)
    with pytest.raises(InvalidMessage) as no_order:
        confirm = {"context": {**document["context"], "action": "confirm"}, "message": {}}
        validate("confirm", confirm)
    assert "'order' is a required property" in str(no_order.value)
    with pytest.raises(InvalidMessage):
        validate("rating", document)  # not an action Redress speaks
    with pytest.raises(InvalidMessage):
        call("search", {"intent": {}}, transaction_id="not-a-uuid", parties=PARTIES)


def test_a_search_may_go_out_before_the_bpp_is_known() -> None:
    document = call(
        "search",
        {"intent": {"category": {"descriptor": {"code": "mediation-service"}}}},
        transaction_id=REFERRAL,
        parties=Parties(bap_id="redress", bap_uri="https://gateway.example/v1/pulse/discovery"),
    )
    assert "bpp_id" not in document["context"]


def test_the_adapter_needs_the_bpp_and_the_service_from_its_catalogue() -> None:
    adapter = PulseAdapter()
    settings = {
        "bpp_id": "bpp.example",
        "bpp_uri": "https://bpp.example",
        "provider": "ODR001",
        "item": "MED-1",
    }
    assert adapter.check_settings(settings, development=False) == settings
    with pytest.raises(InvalidSettings) as missing:
        adapter.check_settings({**settings, "item": ""}, development=False)
    assert missing.value.field == "adapter_settings.item"
    with pytest.raises(InvalidSettings) as unsafe:
        adapter.check_settings({**settings, "bpp_uri": "http://127.0.0.1:9"}, development=False)
    assert unsafe.value.field == "adapter_settings.bpp_uri"
    with pytest.raises(InvalidSettings):
        adapter.check_settings({**settings, "url": "https://x.example"}, development=False)
