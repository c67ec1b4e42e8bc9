"""Secrets handed out once: a recognisable prefix and 32 random bytes, encoded as text.

Every service issues API keys (`rdk_…`) and the ADR gateway issues the webhook secrets it
shares with providers (`whsec_…`); both are made here. The prefix says what a secret is
when one turns up in a log or a paste. The encoding is the one each kind's readers expect:
API keys are URL-safe base64 without padding (they travel in headers and shell variables);
webhook secrets are standard, padded base64, as Standard Webhooks defines them.
"""

from __future__ import annotations

import base64
import secrets
from typing import Literal

#: 256 bits: beyond guessing, and what both API keys and Standard Webhooks secrets use.
SECRET_BYTES = 32

Encoding = Literal["base64url", "base64"]


def new_secret(prefix: str, *, encoding: Encoding = "base64url") -> str:
    """`prefix` followed by `SECRET_BYTES` random bytes in `encoding`: "base64url" is
    URL-safe base64 without padding, "base64" the standard alphabet with its padding."""
    raw = secrets.token_bytes(SECRET_BYTES)
    if encoding == "base64":
        return prefix + base64.b64encode(raw).decode()
    return prefix + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
