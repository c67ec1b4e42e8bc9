"""Builders for complaint requests, so tests say only what matters to them."""

from __future__ import annotations

import uuid
from typing import Any


def new_complaint(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer": {
            "id": f"C-{uuid.uuid4().hex[:8]}",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
        },
        "channel": "email",
        "category": "billing",
        "description": "I was charged twice for my March subscription.",
        "amount_in_dispute": {"amount": "42.50", "currency": "GBP"},
        "desired_remedy": "Refund of the duplicate charge",
        "regime": "default",
        "external_ref": f"CRM-{uuid.uuid4().hex[:6]}",
    }
    body.update(overrides)
    return body


def bearer(secret: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **extra}
