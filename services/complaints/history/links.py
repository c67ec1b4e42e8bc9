"""Short-lived signed links to a case-history page.

A browser cannot send an `Authorization` header when a person clicks a link, so an auditor
(or anyone with read access) can mint a link that carries its own proof: the complaint id
and an expiry, signed with HMAC-SHA256. A link opens one complaint's page, read-only, until
it expires — and the page's own links: other versions and moments of it, and that
complaint's history export (JSON or PDF), which holds what the page shows. It grants
nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

DEFAULT_TTL_SECONDS = 900
MAX_TTL_SECONDS = 86_400


class InvalidLink(ValueError):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class ViewLinks:
    secret: bytes
    clock: Callable[[], float] = time.time

    @classmethod
    def from_setting(cls, secret: str | None) -> ViewLinks:
        # Without a configured secret, links are signed with a per-process key: they work,
        # but not across restarts or between several processes.
        return cls(secret.encode() if secret else secrets.token_bytes(32))

    def sign(self, complaint_id: UUID, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> tuple[str, int]:
        expires = int(self.clock()) + ttl_seconds
        payload = _b64(json.dumps({"c": str(complaint_id), "e": expires}).encode())
        return f"{payload}.{self._mac(payload)}", expires

    def check(self, token: str, complaint_id: UUID) -> None:
        payload, _, mac = token.partition(".")
        if not payload or not mac or not hmac.compare_digest(mac, self._mac(payload)):
            raise InvalidLink("the link's signature is not valid")
        try:
            claims = json.loads(_unb64(payload))
            subject, expires = str(claims["c"]), int(claims["e"])
        except (ValueError, KeyError, TypeError):
            raise InvalidLink("the link is malformed") from None
        if subject != str(complaint_id):
            raise InvalidLink("the link was issued for another complaint")
        if expires < self.clock():
            raise InvalidLink("the link has expired; ask for a new one")

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self.secret, payload.encode(), hashlib.sha256).digest())
