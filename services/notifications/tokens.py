"""Signed survey links: `<survey id>.<expiry>.<signature>`, HMAC-SHA256 over the first two.

The token proves which survey and until when, without a lookup; whether it was already used
(or the survey withdrawn) is the survey aggregate's to say. Nothing secret is stored in it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import Engine, select

from libs.platform.sql.database import upsert
from services.notifications.tables import service_secrets

SECRET_NAME = "survey-link-key"
MAX_TOKEN_LENGTH = 200


class InvalidToken(ValueError):
    """Malformed, or not signed by us."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SurveyTokens:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("a survey-link key needs at least 16 bytes")
        self._key = key

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, b"survey.v1." + payload.encode(), hashlib.sha256).digest())

    def issue(self, survey_id: UUID, expires_at: datetime) -> str:
        payload = f"{survey_id.hex}.{int(expires_at.timestamp())}"
        return f"{payload}.{self._sign(payload)}"

    def verify(self, token: str) -> tuple[UUID, datetime]:
        """The survey and the link's expiry; InvalidToken if forged or malformed."""
        parts = token.split(".") if len(token) <= MAX_TOKEN_LENGTH else []
        if len(parts) != 3:
            raise InvalidToken("malformed survey token")
        survey_hex, expiry, signature = parts
        if not hmac.compare_digest(self._sign(f"{survey_hex}.{expiry}"), signature):
            raise InvalidToken("the survey token's signature does not match")
        try:
            return UUID(hex=survey_hex), datetime.fromtimestamp(int(expiry), UTC)
        except (ValueError, OverflowError, OSError):
            raise InvalidToken("malformed survey token") from None


def survey_key(engine: Engine, configured: str | None) -> bytes:
    """The configured key, or one made once and kept in the database for every replica."""
    if configured:
        return configured.encode()
    with engine.begin() as connection:
        connection.execute(
            upsert(engine)(service_secrets)
            .values(name=SECRET_NAME, value=secrets.token_urlsafe(32))
            .on_conflict_do_nothing()
        )
        value = connection.execute(
            select(service_secrets.c.value).where(service_secrets.c.name == SECRET_NAME)
        ).scalar_one()
    return str(value).encode()
