"""/v1/events: this service's notification and survey events (CloudEvents 1.0)."""

from __future__ import annotations

from fastapi import Request

from libs.platform.eventstore.feed import EventFeed
from libs.platform.http.feed import feed_router


def notifications_feed(request: Request) -> EventFeed:
    return request.app.state.service.feed  # type: ignore[no-any-return]


router = feed_router(notifications_feed)
