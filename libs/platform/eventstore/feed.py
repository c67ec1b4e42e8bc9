"""A service's event feed: its notification log as CloudEvents 1.0, in order, without gaps.

Downstream services follow `GET /v1/events?after=N&limit=M&wait=S`. Each page holds the
events after position N (the notification id) that belong to the feed, and `next_after`,
the position to ask from next. Events outside the feed (e.g. API keys) are skipped but still
advance `next_after`, so a follower never re-reads them. The PostgreSQL recorder commits
notification ids in order (it locks the table on every write), so a position, once seen,
is never filled in later: reading after it misses nothing.

`wait` makes the request a long poll: with nothing new, it returns as soon as this process
saves something (`FeedSignal.notify`, hooked to the application's `after_save`) or, since
other processes write to the same log, at the next poll of the database.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID

import orjson
from anyio import to_thread
from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from eventsourcing.utils import resolve_topic

from libs.platform.runtime.jsonable import jsonable, utc_text

MAX_LIMIT = 5000
DEFAULT_LIMIT = 500
MAX_WAIT_SECONDS = 30.0
POLL_SECONDS = 0.25

#: Whether the events of the aggregate with this id may be read (see `EventFeed.page`).
Visible = Callable[[UUID | str], bool]


class FeedSignal:
    """Wakes long-polling requests (on any event loop) when this process saves events."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = set()
        self._threaded = threading.Condition()
        self.generation = 0

    def notify(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
            self._waiters.clear()
        for loop, future in waiters:
            loop.call_soon_threadsafe(_resolve, future)
        with self._threaded:
            self.generation += 1
            self._threaded.notify_all()

    async def wait(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        entry = (loop, future)
        with self._lock:
            self._waiters.add(entry)
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters.discard(entry)

    def wait_blocking(self, generation: int, timeout: float) -> None:
        """For threads: returns when `generation` has moved on or after `timeout`."""
        with self._threaded:
            self._threaded.wait_for(lambda: self.generation != generation, timeout)


@lru_cache(maxsize=1024)
def _class_version(topic: str) -> int:
    return int(getattr(resolve_topic(topic), "class_version", 1))


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


@dataclass(frozen=True)
class FeedSpec:
    """Which events a feed publishes and how they are named."""

    source: str  # e.g. "/redress/complaints"
    type_prefix: str  # e.g. "dev.redress.complaints."
    topic_prefixes: tuple[str, ...]  # e.g. ("libs.domain.complaint:Complaint.",)


class EventFeed:
    def __init__(self, application: Application[Any], spec: FeedSpec) -> None:
        self.application = application
        self.spec = spec
        self.signal = FeedSignal()

    def head(self) -> int:
        return int(self.application.recorder.max_notification_id() or 0)

    def page(
        self, after: int, limit: int, visible: Visible | None = None
    ) -> tuple[dict[str, Any], int]:
        """The page after `after`, and how many notifications it covered (0 = nothing new).
        With `visible`, only the events of aggregates it admits (a reader scoped to one
        legal entity); the others are skipped as events outside the feed are."""
        head = self.head()
        notifications = self.application.recorder.select_notifications(start=after + 1, limit=limit)
        next_after = notifications[-1].id if notifications else after
        published = [n for n in notifications if self._published(n)]
        if visible is not None:
            published = [n for n in published if visible(n.originator_id)]
        page = {
            "items": [self.envelope(n) for n in published],
            "next_after": next_after,
            "head": max(head, next_after),
        }
        return page, len(notifications)

    def page_json(
        self, after: int, limit: int, visible: Visible | None = None
    ) -> tuple[bytes, int]:
        page, covered = self.page(after, limit, visible)
        return orjson.dumps(page), covered

    def _published(self, notification: Notification) -> bool:
        return notification.topic.startswith(self.spec.topic_prefixes)

    def envelope(self, notification: Notification) -> dict[str, Any]:
        data = self._data(notification)
        return {
            "specversion": "1.0",
            "id": f"{notification.originator_id}/{notification.originator_version}",
            "source": self.spec.source,
            "type": self.spec.type_prefix + notification.topic.rsplit(".", 1)[-1],
            "subject": str(notification.originator_id),
            "time": data.get("timestamp"),
            "datacontenttype": "application/json",
            "position": notification.id,
            "data": data,
        }

    def _data(self, notification: Notification) -> dict[str, Any]:
        """The event's fields as JSON. The stored JSON is turned into plain JSON directly
        (the library's tagged UUIDs, decimals and times become strings), which is several
        times faster than building the event object; encrypted, compressed or upcast events
        take the library's way."""
        mapper = self.application.mapper
        fields: dict[str, Any] | None = None
        if mapper.cipher is None and mapper.compressor is None:
            state = orjson.loads(notification.state)
            if "class_version" not in state and _class_version(notification.topic) == 1:
                fields = self._plain(state)
        if fields is None:
            fields = jsonable(dict(mapper.to_domain_event(notification).__dict__))
        fields["originator_id"] = str(notification.originator_id)
        fields["originator_version"] = notification.originator_version
        return fields

    def _plain(self, value: Any) -> Any:
        plain = self._plain
        if type(value) is list:
            return [plain(item) if type(item) in (dict, list) else item for item in value]
        if type(value) is not dict:
            return value
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            kind, data = value["_type_"], value["_data_"]
            if kind == "decimal_str":
                return data  # the same text `jsonable` would give
            if kind == "datetime_iso":
                return utc_text(data)  # as `jsonable` gives it: in UTC, with Z
            if kind == "uuid_hex":
                return str(UUID(hex=data))
            transcoder: Any = self.application.mapper.transcoder
            return jsonable(transcoder.names[kind].decode(plain(data)))
        return {
            key: plain(item) if type(item) in (dict, list) else item for key, item in value.items()
        }

    async def long_poll(
        self, after: int, limit: int, wait: float, visible: Visible | None = None
    ) -> bytes:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(wait, MAX_WAIT_SECONDS)
        while True:
            body, covered = await to_thread.run_sync(self.page_json, after, limit, visible)
            remaining = deadline - loop.time()
            if covered or remaining <= 0:
                return body
            await self.signal.wait(min(remaining, POLL_SECONDS))
