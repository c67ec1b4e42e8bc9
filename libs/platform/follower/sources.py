"""Where a follower reads events from: an upstream feed over HTTP, or a local log."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import orjson

from libs.platform.eventstore.feed import EventFeed


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One CloudEvent of a feed, as a follower sees it."""

    id: str
    type: str
    subject: str
    position: int
    data: dict[str, Any]
    time: str | None = None
    source: str = ""

    @property
    def name(self) -> str:
        """The event's short name: `dev.redress.complaints.ReferredToAdr` → `ReferredToAdr`."""
        return self.type.rsplit(".", 1)[-1]

    @classmethod
    def from_envelope(cls, item: dict[str, Any]) -> FeedEvent:
        return cls(
            id=item["id"],
            type=item["type"],
            subject=item["subject"],
            position=int(item["position"]),
            data=item.get("data") or {},
            time=item.get("time"),
            source=item.get("source", ""),
        )


@dataclass(frozen=True, slots=True)
class Page:
    events: list[FeedEvent]
    after: int  # the position the page was read after
    next_after: int  # the position the page ends at (== after when nothing was new)
    head: int  # the upstream's last position when it answered

    @property
    def is_empty(self) -> bool:
        return self.next_after <= self.after


class UpstreamUnavailable(Exception):
    """The upstream did not answer usefully (down, overloaded, refusing our key)."""


class Source(Protocol):
    name: str

    def read(self, after: int, limit: int, wait: float) -> Page: ...

    def close(self) -> None: ...


def _page(body: dict[str, Any], after: int) -> Page:
    return Page(
        events=[FeedEvent.from_envelope(item) for item in body["items"]],
        after=after,
        next_after=int(body["next_after"]),
        head=int(body["head"]),
    )


class HttpSource:
    """`GET {url}/v1/events` with a service API key; long-polls when asked to wait."""

    def __init__(
        self,
        name: str,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self._timeout = timeout
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )

    def read(self, after: int, limit: int, wait: float) -> Page:
        try:
            response = self._client.get(
                "/v1/events",
                params={"after": after, "limit": limit, "wait": wait},
                # The server holds a long poll for `wait` seconds: allow for it.
                timeout=self._timeout + wait,
            )
        except httpx.HTTPError as error:
            raise UpstreamUnavailable(f"{self.name}: {type(error).__name__}: {error}") from None
        if response.status_code != 200:
            raise UpstreamUnavailable(
                f"{self.name}: GET /v1/events answered {response.status_code}: "
                f"{response.text[:200]}"
            )
        try:
            return _page(orjson.loads(response.content), after)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise UpstreamUnavailable(f"{self.name}: malformed feed page: {error}") from None

    def close(self) -> None:
        self._client.close()


class LocalSource:
    """This service's own log, for projections that follow it (no HTTP in between)."""

    def __init__(self, name: str, feed: EventFeed) -> None:
        self.name = name
        self._feed = feed

    def read(self, after: int, limit: int, wait: float) -> Page:
        deadline = time.monotonic() + wait
        while True:
            generation = self._feed.signal.generation
            body, covered = self._feed.page(after, limit)
            remaining = deadline - time.monotonic()
            if covered or remaining <= 0:
                return _page(body, after)
            # Woken by a save in this process; polling covers saves by other processes.
            self._feed.signal.wait_blocking(generation, min(remaining, 0.5))

    def close(self) -> None:
        pass
