"""RFC 3161 time-stamp tokens from a time-stamping authority (TSA), over HTTP.

A token is the TSA's signed statement that a digest existed at a time; it is kept beside
what it stamps (a checkpoint, in the published checkpoint log) and checked with any RFC
3161 tool (`openssl ts -verify -digest <hex> -token_in -in token.der -CAfile tsa-ca.pem`).
pyHanko's `HTTPTimeStamper` makes the request (with a nonce, which it checks) and reads
the reply; the token is kept as DER.
"""

from __future__ import annotations

import asyncio
import hashlib
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

DEFAULT_TIMEOUT_SECONDS = 10


class TimestampUnavailable(RuntimeError):
    """The TSA could not be reached, or refused or botched the request."""


@dataclass(frozen=True)
class TimestampImprint:
    """What a token vouches for: the digest (hex), its algorithm, and the TSA's time."""

    algorithm: str
    digest: str
    time: datetime


def request_timestamp(url: str, data: bytes, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> bytes:
    """A DER time-stamp token over SHA-256 of `data`, from the TSA at `url`. It blocks: it
    runs its own event loop (on a thread of its own when the caller's thread has one)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyHanko's import warns about DSA's deprecation
        import aiohttp
        from pyhanko.sign.timestamps import HTTPTimeStamper

    digest = hashlib.sha256(data).digest()

    async def ask() -> bytes:
        async with aiohttp.ClientSession() as session:
            stamper = HTTPTimeStamper(url, timeout=int(timeout), session=session)
            token = await stamper.async_timestamp(digest, "sha256")
            return bytes(token.dump())

    def run() -> bytes:
        return asyncio.run(ask())

    try:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return run()
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(run).result()
    except Exception as error:  # network, HTTP status, a refused or malformed reply
        raise TimestampUnavailable(f"{type(error).__name__}: {error}".strip()) from None


def token_imprint(token: bytes) -> TimestampImprint:
    """The message imprint and time inside a DER token (not its signature: check that with
    the TSA's certificate)."""
    from asn1crypto import cms, tsp

    try:
        content = cms.ContentInfo.load(token)
        encapsulated = content["content"]["encap_content_info"]
        info = encapsulated["content"].parsed
        if not isinstance(info, tsp.TSTInfo):
            info = tsp.TSTInfo.load(encapsulated["content"].native)
        imprint = info["message_imprint"]
        return TimestampImprint(
            algorithm=imprint["hash_algorithm"]["algorithm"].native,
            digest=bytes(imprint["hashed_message"].native).hex(),
            time=info["gen_time"].native,
        )
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(f"not an RFC 3161 time-stamp token: {error}") from None
