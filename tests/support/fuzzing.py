"""Schemathesis driven from a plain test: its pytest plugin does not work with pytest 9, so
each operation of the OpenAPI document gets a hypothesis `@given` of its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    negative_data_rejection,
]


def exercise(
    schema: Any,
    headers: dict[str, str],
    *,
    examples: int = 25,
    adjust: Callable[[Any], None] | None = None,
    skip: Callable[[str, str], bool] = lambda method, path: False,
) -> list[str]:
    """Runs every operation of the schema (but those `skip` names) with `examples` generated
    cases each, valid and invalid; returns the operations it exercised."""
    exercised = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if skip(operation.method.upper(), operation.path):
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case: Any) -> None:
            if case.query and "wait" in case.query:
                case.query["wait"] = 0  # a long poll tests patience, not input handling
            if adjust is not None:
                adjust(case)
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()
        exercised.append(f"{operation.method.upper()} {operation.path}")
    return exercised
