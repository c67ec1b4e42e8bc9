"""beckn PULSE messages: the `context` every call carries, and the check of every message
we send or receive against the schema kept beside this module (`schemas/`, written from the
PULSE specification's text; see schemas/PROVENANCE.md).

A PULSE call is `{"context": {...}, "message": {...}}`; its synchronous answer is an Ack
(`{"message": {"ack": {"status": "ACK"}}}`), and the real answer comes later as the matching
`on_*` call to the caller's `bap_uri` (beckn core 1.1.0, "request-callback").
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

DOMAIN = "online-dispute-resolution:0.1.0"
CORE_VERSION = "1.1.0"
SCHEMA_PATH = Path(__file__).parent / "schemas" / "odr-0.1.0.schema.json"
#: What the BAP (the gateway) sends, and what the BPP (the provider's platform) calls back.
REQUESTS = ("search", "select", "init", "confirm", "status", "update", "cancel")
CALLBACKS = tuple(f"on_{action}" for action in REQUESTS)
#: A fixed namespace for message ids derived from a referral (stable across retries).
MESSAGE_NAMESPACE = uuid.UUID("6f1d3c2a-53a4-4c36-9f0e-6a1b8f0c2d11")


class InvalidMessage(ValueError):
    """A message that does not have the shape the specification gives it."""

    def __init__(self, action: str, errors: list[dict[str, str]]) -> None:
        first = errors[0] if errors else {"field": "", "message": "invalid"}
        super().__init__(f"not a valid '{action}' message: {first['field']}: {first['message']}")
        self.action = action
        self.errors = errors


@cache
def _schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    return loaded


@cache
def _validator(definition: str) -> Draft202012Validator:
    schema = _schema()
    if definition not in schema["$defs"]:
        raise KeyError(definition)
    return Draft202012Validator({**schema, "$ref": f"#/$defs/{definition}"})


def validate(action: str, document: Any) -> None:
    """Raises InvalidMessage unless `document` is a valid `action` call (or, for `ack`, a
    valid synchronous answer); the errors name each field by its JSON path."""
    try:
        validator = _validator("Ack" if action == "ack" else action)
    except KeyError:
        raise InvalidMessage(
            action, [{"field": "context.action", "message": f"unknown action '{action}'"}]
        ) from None
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        raise InvalidMessage(
            action,
            [
                {
                    "field": ".".join(str(p) for p in e.absolute_path) or "(body)",
                    "message": e.message[:300],
                }
                for e in errors[:20]
            ],
        )


@dataclass(frozen=True)
class Parties:
    """Who talks: the BAP (this gateway) and, once discovered, the BPP."""

    bap_id: str
    bap_uri: str
    bpp_id: str | None = None
    bpp_uri: str | None = None


def message_id(transaction_id: str, step: str) -> str:
    """The id of one step of a transaction, the same on every retry of that step."""
    return str(uuid.uuid5(MESSAGE_NAMESPACE, f"{transaction_id}:{step}"))


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def context(
    action: str,
    *,
    transaction_id: str,
    parties: Parties,
    message: str | None = None,
    at: str | None = None,
) -> dict[str, Any]:
    found = {
        "domain": DOMAIN,
        "action": action,
        "version": CORE_VERSION,
        "bap_id": parties.bap_id,
        "bap_uri": parties.bap_uri,
        "transaction_id": transaction_id,
        "message_id": message or str(uuid.uuid4()),
        "timestamp": at or now(),
        "ttl": "PT30S",
    }
    if parties.bpp_id is not None:
        found["bpp_id"] = parties.bpp_id
    if parties.bpp_uri is not None:
        found["bpp_uri"] = parties.bpp_uri
    return found


def call(
    action: str,
    message: Mapping[str, Any],
    *,
    transaction_id: str,
    parties: Parties,
    message_id: str | None = None,
) -> dict[str, Any]:
    """A complete call, checked against the schema before it leaves."""
    document = {
        "context": context(
            action, transaction_id=transaction_id, parties=parties, message=message_id
        ),
        "message": dict(message),
    }
    validate(action, document)
    return document


def ack() -> dict[str, Any]:
    return {"message": {"ack": {"status": "ACK"}}}


def nack(code: str, text: str) -> dict[str, Any]:
    return {"message": {"ack": {"status": "NACK"}}, "error": {"code": code, "message": text}}
