"""`GET /v1/events`: a service's event feed (`libs.platform.eventstore.feed`) over HTTP, for
the roles that follow it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from libs.domain.values import Role
from libs.platform.eventstore.feed import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_WAIT_SECONDS,
    EventFeed,
    Visible,
)
from libs.platform.http.auth import Principal, require_roles
from libs.platform.http.problems import problem_responses
from libs.platform.http.query_parameters import KnownQueryParameters

CLOUDEVENTS_MEDIA_TYPE = "application/cloudevents-batch+json"
FEED_READERS = (Role.SERVICE, Role.ADMIN, Role.AUDITOR)


class CloudEvent(BaseModel):
    """One feed item: a CloudEvents 1.0 envelope (structured JSON mode) and its position."""

    model_config = ConfigDict(extra="allow")
    specversion: str = "1.0"
    id: str = Field(description="Stable per event: '<aggregate id>/<version>'")
    source: str
    type: str = Field(description="Reverse-DNS event type, e.g. dev.redress.complaints.Escalated")
    subject: str = Field(description="The aggregate the event belongs to")
    time: str
    datacontenttype: str = "application/json"
    position: int = Field(description="The event's position in the service's log")
    data: dict[str, Any]


class FeedPage(BaseModel):
    items: list[CloudEvent]
    next_after: int = Field(description="Ask with after=next_after for what follows")
    head: int = Field(description="The last position in the log when the page was read")


def feed_router(
    feed_of: Callable[[Request], EventFeed],
    *,
    tags: Sequence[str] = ("events",),
    scope: Callable[[Request, Principal], Visible | None] | None = None,
) -> APIRouter:
    """`GET /v1/events` for the feed that `feed_of(request)` returns; `scope`, if given,
    says which aggregates' events the caller may read (None: all)."""

    router = APIRouter(prefix="/v1/events", tags=list(tags))
    reader = Depends(require_roles(*FEED_READERS))

    @router.get(
        "",
        response_model=FeedPage,
        responses=problem_responses(400, 401, 403, 422),
        summary="The ordered, gap-free event feed (CloudEvents 1.0), with long polling",
        operation_id="readEvents",
    )
    async def events(
        request: Request,
        principal: Principal = reader,
        _known: None = KnownQueryParameters,
        # Positions are 64-bit (BIGINT / SQLite INTEGER): beyond that a 422, not a 500.
        after: int = Query(
            0, ge=0, le=2**63 - 2, description="Position already processed (0 = start)"
        ),
        limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Events per page"),
        wait: float = Query(
            0,
            ge=0,
            le=MAX_WAIT_SECONDS,
            description="Seconds to wait for new events when there are none yet",
        ),
    ) -> Response:
        visible = scope(request, principal) if scope is not None else None
        body = await feed_of(request).long_poll(after, limit, wait, visible)
        return Response(body, media_type="application/json")

    return router
