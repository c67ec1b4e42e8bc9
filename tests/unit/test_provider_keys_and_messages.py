"""An ADR provider's key and its conversation with the firm (issue 19), in the domain: a
provider's key names its provider and works on the gateway only; a referral keeps the
messages between the provider and the firm; keys and referrals stored before read the same."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from libs.domain.access import PROVIDER_SERVICE, ApiKey
from libs.domain.errors import InvalidArgument, RuleViolated
from libs.domain.referral import Referral


def test_a_provider_key_names_its_provider_and_works_on_the_gateway_only() -> None:
    key = ApiKey.issue(
        secret="rdk_x", name="fos", role="provider", issued_by="cli", provider_id="fos"
    )
    assert (key.provider_id, key.service) == ("fos", PROVIDER_SERVICE)
    assert key.acts_for is None  # scoped by its provider, not by a legal entity
    with pytest.raises(RuleViolated, match="must name its provider"):
        ApiKey.issue(secret="rdk_y", name="fos", role="provider", issued_by="cli")
    with pytest.raises(RuleViolated, match="only on adr_gateway"):
        ApiKey.issue(
            secret="rdk_z",
            name="fos",
            role="provider",
            issued_by="cli",
            provider_id="fos",
            service="complaints",
        )
    with pytest.raises(RuleViolated, match="only a key of the 'provider' role"):
        ApiKey.issue(secret="rdk_w", name="crm", role="crm", issued_by="cli", provider_id="fos")


def test_keys_issued_before_name_no_provider() -> None:
    state: dict[str, Any] = {"name": "crm", "role": "crm"}
    ApiKey.Issued.upcast_v2_v3(state)
    ApiKey.upcast_v2_v3(snapshot := dict(state))
    assert state["provider_id"] is None and snapshot["provider_id"] is None


def given_to(provider_id: str | None) -> Referral:
    referral = Referral.open(
        reference=str(uuid4()),
        complaint_id=str(uuid4()),
        eligibility={"eligible": True},
        referred_by="supervisor:test",
        referred_at=datetime.now(UTC),
        upstream_event_id="test",
        legal_entity="default",
    )
    if provider_id is not None:
        referral.prepare(provider_id=provider_id, selection={}, bundle={"sha256": "0" * 64})
    return referral


def test_the_provider_asks_and_the_firm_answers_its_message() -> None:
    referral = given_to("fos")
    referral.post_message(
        message_id="m1",
        sender="provider",
        kind="request_for_information",
        body="The call recording, please.",
        author="provider:fos",
    )
    referral.post_message(
        message_id="m2",
        sender="firm",
        kind="message",
        body="Attached.",
        author="supervisor:jo",
        in_reply_to="m1",
    )
    assert [(m["id"], m["from"], m["in_reply_to"]) for m in referral.messages] == [
        ("m1", "provider", None),
        ("m2", "firm", "m1"),
    ]
    event = referral.collect_events()[-1]
    assert isinstance(event, Referral.MessagePosted)
    assert (event.reference, event.complaint_id) == (referral.reference, referral.complaint_id)


def test_what_a_message_may_not_be() -> None:
    with pytest.raises(RuleViolated, match="not been given to a provider"):
        given_to(None).post_message(
            message_id="m", sender="provider", kind="message", body="hi", author="x"
        )
    referral = given_to("fos")
    with pytest.raises(InvalidArgument, match="kind"):
        referral.post_message(
            message_id="m", sender="provider", kind="gossip", body="x", author="x"
        )
    with pytest.raises(InvalidArgument, match="body"):
        referral.post_message(
            message_id="m", sender="provider", kind="message", body=" ", author="x"
        )
    with pytest.raises(InvalidArgument, match="no message 'm0' to answer"):
        referral.post_message(
            message_id="m", sender="firm", kind="message", body="x", author="x", in_reply_to="m0"
        )


def test_referral_snapshots_taken_before_had_no_messages() -> None:
    state: dict[str, Any] = {"webhook_ids": {}}
    Referral.upcast_v3_v4(state)
    assert state["messages"] == []
