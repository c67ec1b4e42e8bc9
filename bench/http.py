"""Two HTTP/1.1 keep-alive clients for the load generator, one connection per client task.

`lean` speaks HTTP/1.1 over asyncio streams directly (~0.05 ms of CPU per request);
`httpx` uses httpx.AsyncClient (~1 ms of CPU per request). On a 2-core machine the load
generator shares the CPU with the server under test, so the lean client is the default.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

import httpx


class HttpError(Exception):
    pass


class Connection(Protocol):
    async def request(self, method: str, path: str, body: bytes) -> tuple[int, bytes]: ...

    async def close(self) -> None: ...


class LeanConnection:
    """A persistent HTTP/1.1 connection; reconnects when the server closes it."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self._host, self._port = host, port
        self._head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        assert self._reader is not None
        head = (
            f"{method} {path} HTTP/1.1\r\nhost: {self._host}:{self._port}\r\n{self._head}"
            f"content-length: {len(body)}\r\n\r\n"
        )
        try:
            self._writer.write(head.encode() + body)
            await self._writer.drain()
            return await self._read_response(self._reader)
        except (OSError, asyncio.IncompleteReadError, HttpError) as error:
            await self.close()
            raise HttpError(f"{type(error).__name__}: {error}") from error

    async def _read_response(self, reader: asyncio.StreamReader) -> tuple[int, bytes]:
        lines = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked, close = -1, False, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = value.strip().lower() == b"close"
        if chunked:
            body = await self._read_chunked(reader)
        elif length >= 0:
            body = await reader.readexactly(length)
        else:
            raise HttpError(f"response {status} has neither content-length nor chunks")
        if close:
            await self.close()
        return status, body

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class HttpxConnection:
    """One request at a time through a shared httpx.AsyncClient (keep-alive pool)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def request(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        try:
            response = await self._client.request(method, path, content=body)
        except httpx.HTTPError as error:
            raise HttpError(f"{type(error).__name__}: {error}") from error
        return response.status_code, response.content

    async def close(self) -> None:
        return None
