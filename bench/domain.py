"""Commands against the lead's ComplaintsApplication, shaped like the HTTP API's."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from bench.payload import COMPLAINT, INTERACTION
from libs.domain.values import CommandContext
from libs.platform.runtime.ids import random_uuid


def command_context() -> CommandContext:
    # Called once per append in the timed loops of (d): its imports are at the top.
    return CommandContext(
        actor="bench",
        actor_role="crm",
        correlation_id=random_uuid().hex,  # as the API's correlation-id middleware makes it
        occurred_at=datetime.now(UTC),
    )


def complaint_details() -> dict[str, Any]:
    """The keyword arguments `POST /v1/complaints` passes for the benchmark's body."""
    amount = COMPLAINT["amount_in_dispute"]
    return {
        "customer": COMPLAINT["customer"],
        "channel": COMPLAINT["channel"],
        "category": COMPLAINT["category"],
        "description": COMPLAINT["description"],
        "amount_in_dispute": Decimal(amount["amount"]),
        "currency": amount["currency"],
        "desired_remedy": COMPLAINT["desired_remedy"],
        "regime": COMPLAINT["regime"],
        "external_ref": COMPLAINT["external_ref"],
        "flags": {
            "legal": False,
            "regulatory": False,
            "vulnerable_customer": False,
            "public_attention": False,
        },
    }


def new_complaint() -> Any:
    """A received complaint, not yet saved."""
    from libs.domain.complaint import Complaint

    return Complaint.receive(command_context(), complaint_id=uuid4(), **complaint_details())


def record_interaction(complaint: Any) -> None:
    complaint.record_interaction(
        command_context(),
        interaction_id=str(uuid4()),
        kind=INTERACTION["kind"],
        direction=INTERACTION["direction"],
        summary=INTERACTION["summary"],
        body=INTERACTION["body"],
    )
