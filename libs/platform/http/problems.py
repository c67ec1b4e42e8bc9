"""RFC 9457 problem documents: every error a client sees, in one shape.

Each problem has a stable `type` (a URN a client can switch on), a short `title`, the HTTP
`status`, a `detail` sentence for a human, and extensions such as the offending fields.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

from libs.platform.http.json_body import JSONBody
from libs.platform.sql.outages import is_storage_unavailable, storage_error_types

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:redress:problem:"


class Problem(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions

    def document(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": TYPE_PREFIX + self.kind,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extensions)
        return body


class ProblemDocument(BaseModel):
    """The schema of every error response, for OpenAPI."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    instance = request.url.path if request is not None else None
    return JSONBody(
        problem.document(instance),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=problem.headers,
    )


async def send_problem(send: Send, problem: Problem, instance: str | None = None) -> None:
    """Answers with a problem document from plain ASGI code (middleware, before routing)."""
    body = json.dumps(problem.document(instance)).encode()
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in problem.headers.items()),
    ]
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def not_found(what: str, identifier: str) -> Problem:
    return Problem(404, "not-found", "Not found", f"no {what} with id '{identifier}'")


_STATUS_KINDS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    412: ("precondition-failed", "Precondition failed"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-error", "Invalid request"),
    428: ("precondition-required", "Precondition required"),
    429: ("rate-limited", "Too many requests"),
    503: ("unavailable", "Service unavailable"),
}


def _field_name(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body",)]
    return ".".join(parts) if parts else "body"


def invalid_field(field: str, message: str, detail: str | None = None) -> Problem:
    """The 422 for one field that breaks a rule the schema cannot express; `detail` defaults
    to the message."""
    return Problem(
        422,
        "validation-error",
        "Invalid request",
        detail or message,
        errors=[{"field": field, "message": message}],
    )


MAX_RULES_IN_DETAIL = 5


def validation_problem(errors: list[dict[str, Any]]) -> Problem:
    if any(e.get("type") == "json_invalid" for e in errors):
        return Problem(
            400, "malformed-json", "Malformed JSON", "the request body is not valid JSON"
        )
    fields = [
        {"field": _field_name(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")}
        for e in errors
    ]
    named = ", ".join(sorted({f["field"] for f in fields}))
    # The detail names each field with the rule it broke, so a person reading a log line
    # (without the `errors` list) still sees why.
    rules = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:MAX_RULES_IN_DETAIL])
    more = (
        f"; and {len(fields) - MAX_RULES_IN_DETAIL} more"
        if len(fields) > MAX_RULES_IN_DETAIL
        else ""
    )
    return Problem(
        422,
        "validation-error",
        "Invalid request",
        f"invalid or missing field(s): {named} ({rules}{more})",
        errors=fields,
    )


RETRY_AFTER_SECONDS = 2
NOT_UTF8 = Problem(
    400,
    "malformed-json",
    "Malformed JSON",
    "the request body is not UTF-8; JSON is accepted only in UTF-8 (RFC 8259 section 8.1)",
)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def on_problem(request: Request, problem: Problem) -> JSONResponse:
        return problem_response(problem, request)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, error: RequestValidationError) -> JSONResponse:
        return problem_response(validation_problem(list(error.errors())), request)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if isinstance(error.__cause__, UnicodeDecodeError):
            # FastAPI's "error parsing the body": bytes that are not UTF-8 in a JSON body.
            return problem_response(NOT_UTF8, request)
        kind, title = _STATUS_KINDS.get(error.status_code, ("http-error", "HTTP error"))
        detail = error.detail if isinstance(error.detail, str) else title
        if error.status_code == 404 and detail == "Not Found":
            detail = f"no resource at {request.url.path}"
        headers = dict(error.headers or {})
        return problem_response(Problem(error.status_code, kind, title, detail, headers), request)

    async def on_storage_error(request: Request, error: Exception) -> JSONResponse:
        if not is_storage_unavailable(error):
            raise error  # not an outage: a defect, answered as one below
        return _unavailable(request, error)

    # Registered by type, so an outage is answered like any handled error and the
    # connection stays open; a handler for Exception runs in Starlette's outermost layer,
    # which re-raises after answering and makes the server drop the connection, so the
    # client's next request on it was reset instead of answered.
    for kind in storage_error_types():
        app.add_exception_handler(kind, on_storage_error)  # type: ignore[arg-type]

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
        if is_storage_unavailable(error):
            return _unavailable(request, error)
        # Reached only by a defect or an outage (e.g. the database is down); the client
        # gets a problem document, the operator gets the traceback in the log.
        import structlog

        structlog.get_logger().exception("unhandled error", path=request.url.path)
        return problem_response(
            Problem(500, "internal-error", "Internal error", "an unexpected error occurred"),
            request,
        )


def _unavailable(request: Request, error: Exception) -> JSONResponse:
    import structlog

    circuit = getattr(request.app.state, "storage_circuit", None)
    if circuit is not None:
        circuit.trip()
    structlog.get_logger().warning(
        "storage unavailable", path=request.url.path, error=type(error).__name__
    )
    return problem_response(
        Problem(
            503,
            "unavailable",
            "Service unavailable",
            "the database is not reachable right now; nothing was recorded — retry",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ),
        request,
    )


#: One schema for every problem response (`model=` below puts it in the components): inline
#: copies made generators build a model per operation, and clash on the names.
PROBLEM_SCHEMA_REF = {"$ref": "#/components/schemas/ProblemDocument"}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries declaring which problems a route can answer with."""
    return {
        status: {
            "model": ProblemDocument,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_SCHEMA_REF}},
            "description": _STATUS_KINDS.get(status, ("", "Problem"))[1] or "Problem",
        }
        for status in statuses
    }
