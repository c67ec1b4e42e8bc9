"""What a code generator and /docs need from each service's OpenAPI document: the bearer
scheme on every operation that takes a key (and on none that does not), the headers each
operation reads and sends, operationIds named for the use case, and an example on every
request body that the service's own models accept."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integration.test_openapi_contract import (
    complaints_app,
    gateway_app,
    notifications_app,
)

SERVICES = {
    "complaints": complaints_app,
    "adr_gateway": gateway_app,
    "notifications": notifications_app,
}
CAMEL_CASE = re.compile(r"^[a-z][a-zA-Z0-9]*$")
#: Operations anyone may call: probes, the published key, and the survey's signed links.
PUBLIC = {
    "GET /healthz",
    "GET /readyz",
    "GET /.well-known/redress-signing-keys",
    "GET /v1/followups/{token}",
    "POST /v1/followups/{token}/response",
    "POST /v1/followups/{token}/form",  # the survey page's HTML form: the link authorises
    # A provider signs its webhook (Standard Webhooks) instead of sending a key.
    "POST /v1/providers/{provider_id}/webhooks",
}
#: A read key, or a signed link's `token` instead.
KEY_OR_LINK = {
    "GET /v1/complaints/{complaint_id}/history/export",
    "GET /v1/complaints/{complaint_id}/history/view",
}


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


def header_names(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}


@pytest.fixture(params=sorted(SERVICES))
def app(request: pytest.FixtureRequest, tmp_path: Path) -> FastAPI:
    return SERVICES[request.param](tmp_path)


def test_every_operation_that_takes_a_key_declares_the_bearer_scheme(app: FastAPI) -> None:
    document = app.openapi()
    assert document["components"]["securitySchemes"] == {
        "apiKey": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "rdk_...",
            "description": "An API key from `redress keys create`, sent as "
            "`Authorization: Bearer <key>`",
        }
    }
    for name, operation in operations(document).items():
        if name in PUBLIC:
            assert "security" not in operation, name
        elif name in KEY_OR_LINK:
            assert operation["security"] == [{"apiKey": []}, {}], name
        else:
            assert operation["security"] == [{"apiKey": []}], name


def test_public_operations_answer_without_a_key_and_the_others_do_not(app: FastAPI) -> None:
    """The declaration matches behaviour: each operation said to need a key answers 401
    without one, and a public one does not (those taking a key or a signed link answer 401
    without either: the history page's tests cover the link)."""
    with TestClient(app) as client:
        for name, operation in operations(app.openapi()).items():
            method, path = name.split(" ", 1)
            url = re.sub(r"\{[^}]+\}", "x", path)
            answer = client.request(method, url, json={} if method != "GET" else None)
            if "security" not in operation:
                assert answer.status_code != 401, name
            else:
                assert answer.status_code == 401, name


def test_writes_declare_the_headers_they_read_and_send(app: FastAPI) -> None:
    document = app.openapi()
    for name, operation in operations(document).items():
        reads = header_names(operation)
        assert "X-Correlation-ID" in reads, name
        for status, response in operation["responses"].items():
            sends = response["headers"]
            if status != "413":
                assert "X-Correlation-ID" in sends, (name, status)
            if status in ("409", "429", "503"):
                assert "Retry-After" in sends, (name, status)
            if "Idempotency-Key" in reads:
                assert "Idempotent-Replayed" in sends, (name, status)
        if name.startswith("POST /v1/complaints") or name == "POST /v1/providers":
            assert "Idempotency-Key" in reads, name
        if name.startswith("POST /v1/complaints/{complaint_id}/"):
            assert "If-Match" in reads, name
            success = next(s for s in operation["responses"] if s.startswith("2"))
            assert "ETag" in operation["responses"][success]["headers"], name
    for parameter in (p for o in operations(document).values() for p in o["parameters"]):
        if parameter["in"] == "header":
            assert parameter["schema"]["type"] == "string", parameter  # never null


def test_created_resources_declare_where_they_are(app: FastAPI) -> None:
    for name, operation in operations(app.openapi()).items():
        created = operation["responses"].get("201")
        if created is not None and not name.startswith("POST /v1/followups"):
            assert "Location" in created["headers"], name


def test_operation_ids_name_the_use_case_in_camel_case(app: FastAPI) -> None:
    ids = [operation["operationId"] for operation in operations(app.openapi()).values()]
    assert len(ids) == len(set(ids))
    assert all(CAMEL_CASE.match(i) for i in ids), ids


def test_the_journey_s_operations_keep_their_names(tmp_path: Path) -> None:
    """Generated clients name their methods after these: renaming one breaks them."""
    ids = {
        name: operation["operationId"]
        for name, operation in operations(complaints_app(tmp_path).openapi()).items()
    }
    assert ids["POST /v1/complaints"] == "openComplaint"
    assert ids["POST /v1/complaints/{complaint_id}/interactions"] == "recordInteraction"
    assert ids["POST /v1/complaints/{complaint_id}/escalations"] == "escalateComplaint"
    assert ids["GET /v1/complaints/{complaint_id}/history/export"] == "exportHistory"
    assert ids["GET /v1/complaints"] == "listComplaints"


def test_every_request_body_has_an_example_its_schema_accepts(app: FastAPI) -> None:
    document = app.openapi()
    bodies = 0
    for name, operation in operations(document).items():
        content = operation.get("requestBody", {}).get("content", {})
        for media_type in content.values():
            reference = media_type["schema"].get("$ref")
            if reference is None:  # a schema of its own (introspection: a form or JSON)
                examples = [media_type.get("example")]
                validator = jsonschema_rs.Draft202012Validator(media_type["schema"])
            else:
                schema = document["components"]["schemas"][reference.rsplit("/", 1)[-1]]
                examples = schema.get("examples") or [None]
                validator = jsonschema_rs.Draft202012Validator({"$ref": reference, **document})
            assert None not in examples, f"{name}: no example"
            for example in examples:
                validator.validate(example)
            bodies += 1
    assert bodies >= 1
