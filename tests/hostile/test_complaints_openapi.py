"""Hostile input: schemathesis generates requests from the complaints service's own OpenAPI
document, valid and invalid, with a real API key; no response may be a 5xx or break the
documented schema."""

from __future__ import annotations

from pathlib import Path

import schemathesis

from libs.domain.values import Role
from services.complaints.app import create_app
from tests.conftest import build_complaints
from tests.support.fuzzing import exercise

EXAMPLES_PER_OPERATION = 25


def test_no_request_breaks_the_complaints_api(tmp_path: Path) -> None:
    service = build_complaints(f"sqlite:///{tmp_path / 'complaints.db'}")
    key = service.keyring.issue(role=Role.ADMIN, name="fuzzer")[1]
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(service))
    exercised = exercise(
        schema, {"Authorization": f"Bearer {key}"}, examples=EXAMPLES_PER_OPERATION
    )
    assert "POST /v1/complaints" in exercised
    service.stop()
