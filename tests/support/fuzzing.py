"""Schemathesis driven from a plain test: its pytest plugin does not work with pytest 9, so
each operation of the OpenAPI document gets a hypothesis `@given` of its own.

`exercise` runs a chosen set of checks; `ALL_CHECKS` is every check schemathesis has, the
same as `schemathesis run --checks all`. Among them, `positive_data_acceptance` holds a
service to its document: a request the schema says is valid must not be refused. A service
also keeps rules no JSON Schema can state — a time relative to now, a value that must name
something on record, one field compared with another — and `RulesBeyondTheSchema` names
each of them, so that refusal alone is tolerated and every other 422 of valid data fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    CHECKS as REGISTRY,
)
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.openapi.checks import RejectedPositiveData

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    negative_data_rejection,
]

#: Settings for a fuzzed service: schemathesis's `ignored_auth` check sends an invalid key
#: to every operation, all from one address, and the per-address limit on failed
#: authentication (tests/service/test_rate_limits.py) answers those with 429 where the check
#: expects 401. The limit has its own tests; fuzzed services run without it.
WITHOUT_AUTH_FAILURE_LIMIT: dict[str, Any] = {"auth_failures_per_minute": 0}


#: Problem `type` suffix, or `type:field`, of a refusal (422, or 412 for a precondition) a
#: schema cannot predict -> why.
RulesBeyondTheSchema = Mapping[str, str]


def all_checks(beyond_the_schema: RulesBeyondTheSchema) -> list[Any]:
    """`--checks all`, with `positive_data_acceptance` tolerating only the rules named."""

    def positive_data_acceptance_but_known_rules(ctx: Any, response: Any, case: Any) -> Any:
        try:
            return positive_data_acceptance(ctx, response, case)
        except RejectedPositiveData:
            if (
                response.status_code in (412, 422)
                and _refusals(response) <= beyond_the_schema.keys()
            ):
                return None
            raise

    return [
        positive_data_acceptance_but_known_rules if check is positive_data_acceptance else check
        for check in REGISTRY.get_all()
    ]


def _refusals(response: Any) -> set[str]:
    """What a 422 problem document refused: `type` or `type:field` for each error."""
    try:
        problem = response.json()
    except ValueError:
        return {"<not a problem document>"}
    kind = str(problem.get("type", "")).rsplit(":", 1)[-1]
    fields = [str(error.get("field")) for error in problem.get("errors") or []]
    return {f"{kind}:{field}" for field in fields} if fields else {kind}


def exercise(
    schema: Any,
    headers: dict[str, str],
    *,
    examples: int = 25,
    checks: list[Any] | None = None,
    derandomize: bool = False,
    adjust: Callable[[Any], None] | None = None,
    skip: Callable[[str, str], bool] = lambda method, path: False,
) -> list[str]:
    """Runs every operation of the schema (but those `skip` names) with `examples` generated
    cases each, valid and invalid (with `derandomize`, the same cases on every run); returns
    the operations it exercised."""
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
            derandomize=derandomize,
        )
        def run(case: Any) -> None:
            if case.query and "wait" in case.query:
                case.query["wait"] = 0  # a long poll tests patience, not input handling
            if adjust is not None:
                adjust(case)
            case.call_and_validate(headers=headers, checks=checks or CHECKS)

        run()
        exercised.append(f"{operation.method.upper()} {operation.path}")
    return exercised


__all__ = ["CHECKS", "RulesBeyondTheSchema", "all_checks", "exercise"]
