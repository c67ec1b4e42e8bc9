"""What the OpenAPI documents say beyond paths and bodies, so a code generator can use them:
operationIds named for the use case, the headers each operation reads, and the headers its
responses carry. (The bearer scheme is declared by `auth.BEARER`, the request headers by the
dependencies that read them: `Idempotency-Key` in `idempotency.py`, `If-Match` where the
complaints service reads it, `X-Correlation-ID` here, read by the middleware on every
request.)

The response headers follow from what the operation does, so they are added to the finished
document by rule rather than route by route: a rule that holds for every route cannot be
forgotten on a new one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, Header
from fastapi.routing import APIRoute

CORRELATION_HEADER = "X-Correlation-ID"
MAX_CORRELATION_ID_LENGTH = 128


def operation_id(route: APIRoute) -> str:
    """The operationId of a route without an explicit one: its handler's name in camelCase
    (`record_interaction` -> `recordInteraction`). Generated clients name their methods
    after it; routes whose handler name does not name the use case set `operation_id`."""
    head, *rest = route.name.split("_")
    return head + "".join(word.capitalize() for word in rest)


async def correlation_id_header(
    correlation_id: Annotated[
        str | None,
        Header(
            alias=CORRELATION_HEADER,
            description=(
                "Your identifier for this request, 1 to 128 printable characters; echoed "
                "back, logged, and recorded on every event the request produces. Without "
                "one (or with one that is not 1 to 128 printable characters) the service "
                "makes one."
            ),
            examples=["crm-ticket-4711"],
        ),
    ] = None,
) -> None:
    """Declares the header in the document; `CorrelationIdMiddleware` reads it (before the
    route, so that even a refusal carries it)."""


def response_header(description: str, example: str | None = None, **schema: Any) -> dict[str, Any]:
    declared: dict[str, Any] = {"description": description, "schema": {"type": "string", **schema}}
    if example is not None:
        declared["example"] = example
    return declared


#: The response headers most operations send, declared once in `components.headers`.
SHARED_HEADERS: dict[str, dict[str, Any]] = {
    CORRELATION_HEADER: response_header(
        "The request's correlation id: the one sent, or the one the service made",
        "crm-ticket-4711",
    ),
    "Idempotent-Replayed": response_header(
        "`true` when this is the stored answer to an earlier request with the same "
        "Idempotency-Key and body (nothing was done again)",
        "true",
        enum=["true"],
    ),
    "Retry-After": response_header(
        "Seconds to wait before trying again, when waiting may help", "1", pattern="^[0-9]+$"
    ),
    "ETag": response_header(
        "The complaint's version, a strong entity tag, to send back as If-Match", '"3"'
    ),
    "Location": response_header("Where the created complaint is read", "/v1/complaints/{id}"),
}


def shared(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


ETAG = shared("ETag")
LOCATION = shared("Location")
RETRY_STATUSES = ("409", "429", "503")


def _header_parameters(operation: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in operation.get("parameters", []) if p.get("in") == "header"]


def _never_null(parameter: dict[str, Any]) -> None:
    """A header is absent or a string, never JSON null: `str | None` in Python says
    "optional", which `required: false` already says."""
    schema = parameter["schema"]
    choices = [c for c in schema.pop("anyOf", []) if c.get("type") != "null"]
    if len(choices) == 1:
        schema.update(choices[0])
    elif choices:
        schema["anyOf"] = choices


def declare_headers(document: dict[str, Any]) -> None:
    """Adds, to every operation, the response headers it sends:

    - `X-Correlation-ID` on every response the correlation middleware sees (all but 413);
    - `Idempotent-Replayed` on every response of an operation that reads `Idempotency-Key`
      (errors are replayed too);
    - `Retry-After` on 409, 429 and 503 (a key still in use, too many writers, too many
      exports at once, the database away);
    - `ETag` on the success responses of operations that read `If-Match` (they answer with
      the complaint), and `Location` on their 201s.

    Operations that send `ETag` or `Location` without reading `If-Match` declare them on
    their route (`responses=`)."""
    document.setdefault("components", {})["headers"] = copy.deepcopy(SHARED_HEADERS)
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            parameters = _header_parameters(operation)
            for parameter in parameters:
                _never_null(parameter)
            reads = {p["name"].lower() for p in parameters}
            for status, response in operation.get("responses", {}).items():
                headers = response.setdefault("headers", {})
                if status != "413":  # refused by `BodySizeLimit`, outside the middleware
                    headers.setdefault(CORRELATION_HEADER, shared(CORRELATION_HEADER))
                if "idempotency-key" in reads:
                    headers.setdefault("Idempotent-Replayed", shared("Idempotent-Replayed"))
                if status in RETRY_STATUSES:
                    headers.setdefault("Retry-After", shared("Retry-After"))
                if "if-match" in reads and status.startswith("2"):
                    headers.setdefault("ETag", ETAG)
                    if status == "201":
                        headers.setdefault("Location", LOCATION)


def success_headers(status: int, **headers: dict[str, str]) -> dict[int | str, dict[str, Any]]:
    """A `responses=` entry declaring the headers a route's success answer carries."""
    return {status: {"headers": dict(headers)}}


def document_headers(app: FastAPI) -> None:
    """Completes the app's document with the response headers (once, when first built)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        document = build()
        if fresh:
            declare_headers(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
