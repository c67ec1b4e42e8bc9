"""Entity tags as RFC 9110 compares them (section 8.8.3 and 13.1).

Our tags are strong: a complaint's is its version (`"3"`), a bundle's the sha256 of its bytes.
- `If-None-Match` on a GET uses the **weak** comparison (section 13.1.2): `W/"3"` and `"3"`
  both match `"3"`; a match is answered `304 Not Modified` with the tag and no body.
- `If-Match` on a write uses the **strong** comparison (section 13.1.1): a weak tag never
  matches, so `W/"3"` is a 412, as a stale version is.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from libs.platform.http.problems import Problem

_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*(?:,|$)')


def entity_tags(header: str) -> list[tuple[bool, str]] | None:
    """The tags of an `If-Match`/`If-None-Match` header as (weak, opaque) pairs; None when
    the header does not parse."""
    tags: list[tuple[bool, str]] = []
    position = 0
    text = header.strip()
    while position < len(text):
        match = _TAG.match(text, position)
        if match is None:
            return None
        tags.append((match.group(1) is not None, match.group(2)))
        position = match.end()
    return tags or None


def not_modified(request: Request, etag: str) -> Response | None:
    """A 304 when the GET's `If-None-Match` names `etag` (weak comparison), else None."""
    header = request.headers.get("if-none-match")
    if header is None:
        return None
    if header.strip() == "*":
        return Response(status_code=304, headers={"ETag": etag})
    opaque = etag.removeprefix("W/").strip('"')
    tags = entity_tags(header) or []
    if any(tag == opaque for _weak, tag in tags):
        return Response(status_code=304, headers={"ETag": etag})
    return None


def stale_if_match(detail: str) -> Problem:
    return Problem(412, "stale-version", "Precondition failed", detail)


def strong_if_match(header: str) -> list[str]:
    """The opaque tags an `If-Match` header names. A weak tag cannot match under the strong
    comparison RFC 9110 section 13.1.1 requires: 412. A header that does not parse: 400."""
    tags = entity_tags(header)
    if tags is None:
        raise Problem(
            400,
            "invalid-if-match",
            "Invalid If-Match",
            "If-Match must be an entity tag from an ETag header, e.g. '\"3\"'",
        )
    if any(weak for weak, _tag in tags):
        raise stale_if_match(
            'If-Match is compared strongly (RFC 9110 section 13.1.1): a weak tag (W/"...") '
            'never matches; send the ETag as given, e.g. "3"'
        )
    return [tag for _weak, tag in tags]


#: OpenAPI `responses=` entry for a GET that answers `If-None-Match`.
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {
        "description": "Not Modified: `If-None-Match` named the current `ETag` (no body)",
        "headers": {
            "ETag": {"description": "The current entity tag", "schema": {"type": "string"}}
        },
    }
}
