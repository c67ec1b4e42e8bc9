"""A JSON response for routes that return Python values as they are.

FastAPI's own response first converts a value to JSON types in Python; `JSONBody` hands it
to the runtime's one JSON encoding (`runtime/jsonable.py`: decimals as strings, times in
RFC 3339, orjson's walk in C) instead.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from libs.platform.runtime.jsonable import json_bytes


class JSONBody(JSONResponse):
    """A JSON response that accepts Python values (decimals, times, UUIDs) as they are."""

    def render(self, content: Any) -> bytes:
        return json_bytes(content)
