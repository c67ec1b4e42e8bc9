"""Object-level authorisation by legal entity: the one place the complaints API decides
what a key scoped to one entity may see.

A key acts for one legal entity or for all of them (`Principal.legal_entity`, None:
group-wide). Every route under `/v1/complaints/{complaint_id}` is guarded by
`complaint_in_scope`, included once for all the routers in `app.py`, so a route added
later is guarded too (tests/service/test_legal_entity_matrix.py walks `app.routes`).
Another entity's complaint, and everything under it, is answered exactly as a complaint
that does not exist: 404, never 403, which would confirm that it exists (OWASP API
Security Top 10 2023, API1: broken object-level authorisation).

What is not one complaint is filtered instead: the list and the reports read only the
key's entity (`visible_entity`), and the event feed publishes only its complaints' events
(`feed_scope`).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from libs.platform.eventstore.feed import Visible
from libs.platform.http.auth import Principal, authenticate
from libs.platform.http.problems import Problem, invalid_field, not_found
from services.complaints.legal_entities import LegalEntityDirectory


def directory(request: Request) -> LegalEntityDirectory:
    return request.app.state.legal_entities  # type: ignore[no-any-return]


async def complaint_in_scope(request: Request) -> None:
    """404 for a complaint of an entity the caller's key does not act for.

    Runs before the route's own dependencies (a router-level dependency), so nothing is
    parsed, claimed or written for a complaint the caller may not see. Without a key it
    lets the route decide (the case-history page also opens with a signed link)."""
    raw = request.path_params.get("complaint_id")
    if raw is None or not request.headers.get("authorization"):
        return
    principal = await authenticate(request)
    if principal.legal_entity is None:
        return
    try:
        complaint_id = UUID(raw)
    except ValueError:
        return  # the route answers that no such complaint exists
    entities = directory(request)
    # Remembered nearly always (a complaint's entity never changes): a worker thread only
    # for the first look at a complaint.
    entity = entities.remembered(complaint_id) or await run_in_threadpool(
        entities.entity_of, complaint_id
    )
    if entity is not None and not principal.may_see(entity):
        raise not_found("complaint", raw)


ComplaintInScope = Depends(complaint_in_scope)

#: The `legal_entity` query parameter of lists and reports.
LegalEntityFilter = Annotated[
    str | None,
    Query(
        max_length=64,
        description="Only this legal entity's complaints (a key scoped to one entity sees "
        "only its own whatever it asks)",
    ),
]


def visible_entity(principal: Principal, asked: str | None) -> str | None:
    """The entity a list or report is limited to: the one asked for, within the key's own
    (a scoped key asking for another entity is answered as if it had none: empty)."""
    if principal.legal_entity is None:
        return asked
    return principal.legal_entity


def hides_everything(principal: Principal, asked: str | None) -> bool:
    """A scoped key asked for another entity's complaints: the answer is empty."""
    return principal.legal_entity is not None and asked not in (None, principal.legal_entity)


def entity_for_new_complaint(
    principal: Principal, named: str | None, entities: LegalEntityDirectory
) -> str:
    """The entity a complaint opened by this key belongs to.

    A scoped key opens complaints for its own entity (naming another is refused). A
    group-wide key names one, or, in a deployment with a single entity, gets that one."""
    known = entities.all()
    if principal.legal_entity is not None:
        if named is not None and named != principal.legal_entity:
            raise invalid_field(
                "legal_entity",
                f"this key acts for the legal entity '{principal.legal_entity}' only",
            )
        return principal.legal_entity
    if named is None:
        if len(known) == 1:
            return next(iter(known))
        message = (
            "this key acts for every legal entity and the deployment has "
            f"{len(known)}: say which the complaint belongs to in 'legal_entity' "
            f"(one of: {', '.join(sorted(known))})"
        )
        raise Problem(
            422,
            "legal-entity-required",
            "Legal entity required",
            message,
            errors=[{"field": "legal_entity", "message": message}],
        )
    if named not in known:
        raise invalid_field(
            "legal_entity",
            f"no legal entity '{named}' (one of: {', '.join(sorted(known))}); "
            "register it with POST /v1/legal-entities or `redress entities create`",
        )
    return named


def feed_scope(request: Request, principal: Principal) -> Visible | None:
    """Which aggregates' events a key may read from the feed: None, every one (a
    group-wide key); else only its entity's complaints."""
    if principal.legal_entity is None:
        return None
    entities = directory(request)

    def visible(originator_id: UUID | str) -> bool:
        identity = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
        entity = entities.entity_of(identity)
        return entity is not None and principal.may_see(entity)

    return visible
