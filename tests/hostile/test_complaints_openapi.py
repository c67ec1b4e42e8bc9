"""Hostile input: schemathesis generates requests from the complaints service's own OpenAPI
document, valid and invalid, with a real API key, and holds every answer to all of its
checks (`--checks all`): no 5xx, no schema-violating request accepted, no schema-valid
request refused but by a rule the schema cannot state (named below), every response as the
document says. The cases are the same on every run."""

from __future__ import annotations

from pathlib import Path

import schemathesis

from libs.domain.values import Role
from services.complaints.app import create_app
from tests.conftest import build_complaints
from tests.support.fuzzing import (
    WITHOUT_AUTH_FAILURE_LIMIT,
    RulesBeyondTheSchema,
    all_checks,
    exercise,
)

EXAMPLES_PER_OPERATION = 25

#: Refusals of schema-valid requests that are right, and why no JSON Schema can say them.
BEYOND_THE_SCHEMA: RulesBeyondTheSchema = {
    "unknown-regime:regime": "regimes are data (regimes/*.toml), not a list in the schema",
    "validation-error:regime": "the list's regime filter names a regime the service has",
    "validation-error:regime_variant": "a variant must be one its regime declares",
    "validation-error:deadline": "a clock some regime declares (regimes are data)",
    "validation-error:calendar_subdivision": "one of the regime's country's subdivisions",
    "validation-error:occurred_at": "within the back-dating window before now, not after now",
    "validation-error:cursor": "a cursor must be one this service issued",
    "validation-error:query.cursor": "a cursor must be one this service issued",
    "validation-error:to": "the report's `to` must be after its `from`",
    "validation-error:override_justification": "a justification of at least 5 words",
    "idempotency-key-reused": "an Idempotency-Key names one request: another body is refused",
    "validation-error:legal_entity": "a legal entity the deployment has (entities are data: "
    "POST /v1/legal-entities)",
    "legal-entity-required:legal_entity": "once the fuzzer registered a second entity, a "
    "group-wide key must name one (state, not shape)",
    "validation-error:default_regime": "an entity's default regime is one the service has",
    "stale-version": "If-Match must name the complaint's current version (state, not shape)",
}


def test_no_request_breaks_the_complaints_api(tmp_path: Path) -> None:
    service = build_complaints(
        f"sqlite:///{tmp_path / 'complaints.db'}", **WITHOUT_AUTH_FAILURE_LIMIT
    )
    key = service.keyring.issue(role=Role.ADMIN, name="fuzzer")[1]
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(service))
    exercised = exercise(
        schema,
        {"Authorization": f"Bearer {key}"},
        examples=EXAMPLES_PER_OPERATION,
        checks=all_checks(BEYOND_THE_SCHEMA),
        derandomize=True,
    )
    assert "POST /v1/complaints" in exercised
    service.stop()
