"""/v1/events: the gateway's referral events, followed by the complaints service."""

from __future__ import annotations

from fastapi import Request

from libs.platform.eventstore.feed import EventFeed
from libs.platform.http.feed import feed_router


def gateway_feed(request: Request) -> EventFeed:
    return request.app.state.service.feed  # type: ignore[no-any-return]


router = feed_router(gateway_feed)
