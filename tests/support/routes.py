"""The routes of a FastAPI app, including those of included routers."""

from __future__ import annotations

from typing import Any

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

#: The routes every service app has that hold nothing of any complaint or legal entity.
SERVICE_OWN_ROUTES = {
    ("GET", "/.well-known/redress-signing-keys"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/healthz"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
    ("HEAD", "/openapi.json"),
    ("GET", "/readyz"),
    ("GET", "/redoc"),
}


def _walk(routes: list[Any], prefix: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:  # FastAPI's lazily included router
            context = getattr(route, "include_context", None)
            found += _walk(list(original.routes), prefix + getattr(context, "prefix", ""))
            continue
        for method in getattr(route, "methods", None) or ():
            found.append((method, prefix + route.path))
    return found


def every_route(app: Any) -> list[tuple[str, str]]:
    """Every (method, path) of the app: from the routing table and the OpenAPI document."""
    routes = set(_walk(list(app.routes)))
    for path, operations in app.openapi().get("paths", {}).items():
        routes |= {(m.upper(), path) for m in operations}
    return sorted(routes)


def write_routes(app: Any) -> list[tuple[str, str]]:
    """Every (method, path) that can change something: from the routing table and from the
    OpenAPI document, so neither a hidden route nor a lazily included one is missed."""
    routes = {(m, p) for m, p in _walk(list(app.routes)) if m in WRITE_METHODS}
    for path, operations in app.openapi().get("paths", {}).items():
        routes |= {(m.upper(), path) for m in operations if m.upper() in WRITE_METHODS}
    return sorted(routes)
