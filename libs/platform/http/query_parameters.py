"""Refusing query parameters a route does not declare.

A misspelt filter silently ignored is worse than an error: `?regmie=us-cfpb` answered with
every complaint reads as "every complaint is us-cfpb". A list or report route takes this
dependency, and a request naming a parameter the route does not declare gets a 422
`validation-error` naming it, with the parameters the route does accept.

It reads the route's own declaration (its query parameters and those of its dependencies),
so the list of known names cannot drift from the route. Place it after the route's
authentication dependency: a caller without a key learns nothing about the parameters.
It adds nothing to the OpenAPI document.
"""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from libs.platform.http.problems import Problem

#: Where a route keeps its declared names once worked out (routes compare by value, so they
#: cannot key a dictionary).
_CACHE = "_redress_declared_query_parameters"


def declared_query_parameters(route: APIRoute) -> frozenset[str]:
    """The query parameter names `route` and its dependencies declare (aliases as sent)."""
    cached: frozenset[str] | None = getattr(route, _CACHE, None)
    if cached is None:
        names: set[str] = set()
        pending: list[Dependant] = [route.dependant]
        while pending:
            dependant = pending.pop()
            names.update(field.alias for field in dependant.query_params)
            pending.extend(dependant.dependencies)
        cached = frozenset(names)
        setattr(route, _CACHE, cached)
    return cached


def known_query_parameters(request: Request) -> None:
    """Raises a 422 problem naming each query parameter the matched route does not declare."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = declared_query_parameters(route)
    unknown = sorted({name for name in request.query_params if name not in known})
    if not unknown:
        return
    accepted = ", ".join(sorted(known)) or "none"
    raise Problem(
        422,
        "validation-error",
        "Invalid request",
        f"unknown query parameter(s): {', '.join(unknown)}; this resource accepts: {accepted}",
        errors=[
            {"field": f"query.{name}", "message": f"unknown query parameter '{name}'"}
            for name in unknown
        ],
    )


#: For a route's signature, after its authentication: `_known: None = KnownQueryParameters`.
KnownQueryParameters = Depends(known_query_parameters)
