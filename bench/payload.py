"""The request bodies and the stored document shared by every measurement."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import orjson

COMPLAINT: dict[str, Any] = {
    "customer": {"id": "C-1", "name": "Ada Lovelace", "email": "ada@example.com"},
    "channel": "email",
    "category": "billing",
    "description": "I was charged twice for my subscription in March.",
    "amount_in_dispute": {"amount": "42.50", "currency": "GBP"},
    "desired_remedy": "refund of the duplicate charge",
    "regime": "default",
    "external_ref": "CRM-123",
}

INTERACTION: dict[str, Any] = {
    "kind": "message",
    "direction": "inbound",
    "summary": "Customer sent bank statement",
    "body": "See attached statement.",
}

COMPLAINT_JSON = orjson.dumps(COMPLAINT)
INTERACTION_JSON = orjson.dumps(INTERACTION)


def stored_complaint(body: dict[str, Any], complaint_id: UUID | None = None) -> dict[str, Any]:
    """A complaint as a CRUD service would keep it: the request plus what the server adds.

    About 1 KB of JSON, the same document for the raw baseline and the CRUD service.
    """
    now = datetime.now(UTC).isoformat()
    return {
        **body,
        "id": str(complaint_id or uuid4()),
        "status": "received",
        "tier": "frontline",
        "version": 1,
        "flags": {
            "legal": False,
            "regulatory": False,
            "vulnerable_customer": False,
            "public_attention": False,
        },
        "received_at": now,
        "updated_at": now,
        "deadline_at": now,
        "created_by": {"actor": "bench", "role": "crm", "correlation_id": str(uuid4())},
        "ladder": ["frontline", "supervisor", "manager", "internal_mediation"],
        "interactions": [],
        "offers": [],
        "appeals": [],
        "calendar_subdivision": None,
        "resolution": None,
        "final_response_at": None,
    }
