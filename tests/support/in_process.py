"""A synchronous HTTP client for an ASGI app in this process, without its lifespan.

For tests that drive an app from synchronous code (hypothesis examples) and want nothing in
the background (delivery workers, followers) writing meanwhile. It is httpx's ASGI transport
on an event loop of its own: what Starlette's `TestClient` did, which Starlette now
deprecates.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx


class InProcessClient:
    def __init__(self, app: Any, base_url: str = "http://in-process.test") -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)

    def request(
        self, method: str, url: str, *, content: Any = None, **kwargs: Any
    ) -> httpx.Response:
        if isinstance(content, Iterator):  # a body streamed without a length
            content = _streamed(list(content))
        return self._loop.run_until_complete(
            self._client.request(method, url, content=content, **kwargs)
        )

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()


async def _streamed(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk
