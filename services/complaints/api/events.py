"""/v1/events: the complaints service's event feed, followed by downstream services."""

from __future__ import annotations

import threading

from fastapi import Request

from libs.platform.eventstore.feed import EventFeed, FeedSpec
from libs.platform.http.feed import feed_router
from services.complaints.api.legal_entity_scope import feed_scope
from services.complaints.application import COMPLAINT_TOPIC_PREFIX

SPEC = FeedSpec(
    source="/redress/complaints",
    type_prefix="dev.redress.complaints.",
    topic_prefixes=(COMPLAINT_TOPIC_PREFIX,),
)
_creating = threading.Lock()


def complaints_feed(request: Request) -> EventFeed:
    """The app's feed, made on first use and woken by every save of this process."""
    state = request.app.state
    feed: EventFeed | None = getattr(state, "event_feed", None)
    if feed is None:
        with _creating:
            feed = getattr(state, "event_feed", None)
            if feed is None:
                feed = EventFeed(state.application, SPEC)
                state.application.after_save.append(feed.signal.notify)
                state.event_feed = feed
    return feed


#: A key scoped to one legal entity reads only its complaints' events.
router = feed_router(complaints_feed, scope=feed_scope)
