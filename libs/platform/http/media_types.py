"""Request bodies of JSON endpoints: JSON, in UTF-8, or a 415.

An endpoint that reads a JSON body takes a body only as
`application/json` (or a `+json` type), with no charset or `charset=utf-8`: RFC 8259 §8.1
says JSON exchanged between systems MUST be UTF-8, and a body sent as
`charset=latin-1` was read as UTF-8 all the same — its accents garbled, or refused as
malformed. Anything else (XML, a form, text, no Content-Type at all) is answered 415
`unsupported-media-type`, naming what was sent, before the body is read or anything is
recorded; it used to reach validation and come back as a 422 about a missing body.

The check follows the OpenAPI document: an operation that documents a request body only as
JSON is held to it (and documents the 415); operations without a body, and a provider's signed
webhook (marked `x-signed-body`: it reads its raw bytes, verifies the signature over them,
and only then parses them) are left alone. A body that says it is JSON but begins like
UTF-16 or UTF-32 (a NUL among its first bytes, or their byte-order marks) is refused the
same way: Python's JSON parser would otherwise detect the encoding and read it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from libs.platform.http.problems import PROBLEM_MEDIA_TYPE, Problem, ProblemDocument, send_problem

JSON = "application/json"
#: An OpenAPI extension marking an operation that reads its body's raw bytes and verifies a
#: signature over them before anything else (a provider's webhook): its documented JSON body
#: is not held to this check, so an unsigned request is refused for its signature (401).
SIGNED_BODY = "x-signed-body"
ACCEPTED = f"{JSON}; charset=utf-8"
_UTF16_32_MARKS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


def unsupported(detail: str, sent: str | None) -> Problem:
    return Problem(
        415,
        "unsupported-media-type",
        "Unsupported media type",
        detail,
        content_type=sent,
        accepted=[ACCEPTED],
        errors=[{"field": "header.content-type", "message": detail}],
    )


def refusal(content_type: str | None) -> Problem | None:
    """Why a body sent with this Content-Type is refused, or None if it is JSON in UTF-8."""
    if content_type is None or not content_type.strip():
        return unsupported(f"a request body needs Content-Type: {ACCEPTED}", None)
    media_type, *parameters = (part.strip() for part in content_type.split(";"))
    media_type = media_type.lower()
    if not _is_json(media_type):
        return unsupported(
            f"the body is sent as '{media_type}'; this endpoint takes {ACCEPTED}", content_type
        )
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        charset = value.strip().strip('"')
        if name.strip().lower() == "charset" and charset.lower() != "utf-8":
            return unsupported(
                f"the body is sent in charset '{charset}'; JSON is accepted only in UTF-8 "
                "(RFC 8259 section 8.1)",
                content_type,
            )
    return None


def _has_body(headers: dict[bytes, bytes]) -> bool:
    length = headers.get(b"content-length")
    if length is not None:
        return length.strip() not in (b"", b"0")
    return b"transfer-encoding" in headers


def _json_operations(document: dict[str, Any]) -> list[tuple[str, re.Pattern[str]]]:
    """(method, path pattern) of every operation whose documented request body is JSON."""
    found = []
    for template, operations in document.get("paths", {}).items():
        pattern = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$")
        for method, operation in operations.items():
            if _takes_only_json(operation):
                found.append((method.upper(), pattern))
    return found


def _takes_only_json(operation: dict[str, Any]) -> bool:
    """Whether the operation documents a request body, and only as JSON (one that also
    takes a form, as RFC 7662 introspection does, reads its body itself)."""
    if operation.get(SIGNED_BODY):
        return False  # it verifies the raw bytes first (a provider's webhook)
    content = (operation.get("requestBody") or {}).get("content", {})
    return bool(content) and all(_is_json(media_type) for media_type in content)


def _is_json(media_type: str) -> bool:
    return media_type == JSON or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class JsonBodiesOnly:
    """Answers 415 when a route that reads a JSON body is sent anything else."""

    def __init__(self, app: ASGIApp, document: Callable[[], dict[str, Any]]) -> None:
        self.app = app
        self.document = document
        self.operations: list[tuple[str, re.Pattern[str]]] | None = None

    def _json_route(self, scope: Scope) -> bool:
        # Read from the OpenAPI document, once all routes are there: the endpoints the
        # contract says take JSON are exactly the ones held to it.
        if self.operations is None:
            self.operations = _json_operations(self.document())
        method, path = scope["method"], scope["path"]
        return any(method == m and pattern.match(path) for m, pattern in self.operations)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if not _has_body(headers) or not self._json_route(scope):
            await self.app(scope, receive, send)
            return
        raw = headers.get(b"content-type")
        content_type = raw.decode("latin-1") if raw is not None else None
        problem = refusal(content_type)
        if problem is None:
            # The first bytes tell UTF-16 and UTF-32 from UTF-8: read them now, and hand
            # the message on to the route as if unread.
            first = await receive()
            body = first.get("body", b"") if first["type"] == "http.request" else b""
            if body.startswith(_UTF16_32_MARKS) or b"\x00" in body[:4]:
                problem = unsupported(
                    "the body is not UTF-8 (it reads as UTF-16 or UTF-32); JSON is accepted "
                    "only in UTF-8 (RFC 8259 section 8.1)",
                    content_type,
                )
            else:
                await self.app(scope, _replaying(first, receive), send)
                return
        await send_problem(send, problem, scope.get("path"))


def _replaying(first: Message, receive: Receive) -> Receive:
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return first
        return await receive()

    return replay


UNSUPPORTED_MEDIA_TYPE = {
    "description": "Unsupported media type",
    "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDocument"}}},
}


def accept_json_bodies_only(app: FastAPI) -> None:
    """Installs the check, and documents the 415 on every operation it guards (including
    those added after this call: both read the finished OpenAPI document)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        document = build()
        if fresh:
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas.setdefault(
                "ProblemDocument",
                ProblemDocument.model_json_schema(ref_template="#/components/schemas/{model}"),
            )
            for operations in document.get("paths", {}).values():
                for operation in operations.values():
                    if _takes_only_json(operation):
                        operation["responses"].setdefault("415", UNSUPPORTED_MEDIA_TYPE)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(JsonBodiesOnly, document=app.openapi)
