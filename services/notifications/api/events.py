"""/v1/events: this service's notification and survey events (CloudEvents 1.0).

One ordered log of every legal entity's notifications: group-wide keys only
(`group_wide_only`)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from libs.platform.eventstore.feed import EventFeed
from libs.platform.http.feed import feed_router
from libs.platform.http.group_wide import GroupWideOnly


def notifications_feed(request: Request) -> EventFeed:
    return request.app.state.service.feed  # type: ignore[no-any-return]


router = APIRouter(dependencies=[GroupWideOnly])
router.include_router(feed_router(notifications_feed))
