"""A dependency for routes that only a group-wide key may use.

A key acts for one legal entity of the deployment or for all of them (`Principal.legal_entity`,
None: all). Some routes cannot be narrowed to one entity: the gateway's and the notifications
service's event feeds (`/v1/events`) carry every entity's events in one ordered log that other
services follow. A key scoped to one entity is refused there with 403 `group-wide-only` (issue
20: firms of a group are kept apart). Saying so confirms nothing about any one entity's data.
"""

from __future__ import annotations

from fastapi import Depends, Request

from libs.platform.http.auth import Principal, authenticate
from libs.platform.http.problems import Problem


async def group_wide_only(request: Request) -> Principal:
    """The request's principal, if its key acts for every legal entity (401 without a key,
    403 for a key scoped to one entity)."""
    principal = await authenticate(request)
    if principal.legal_entity is not None:
        raise Problem(
            403,
            "group-wide-only",
            "Group-wide keys only",
            f"this route serves every legal entity at once; the key acts for legal entity "
            f"'{principal.legal_entity}' only (use a group-wide key: an admin, auditor or "
            "service key created without --entity)",
        )
    return principal


GroupWideOnly = Depends(group_wide_only)
