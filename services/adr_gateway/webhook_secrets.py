"""The secrets the gateway shares with providers, to sign and verify webhooks both ways.

Standard Webhooks defines their form: `whsec_` followed by the base64 of the key's bytes.
The gateway makes one (32 bytes) when an administrator registers a provider without one,
and accepts one an administrator brings if it has that form and 24 to 64 bytes of key.

A provider's secrets are read through `webhook_secrets` only: after a rotation the secret it
replaced stays valid for an overlap (`REDRESS_WEBHOOK_SECRET_OVERLAP_SECONDS`, a day by
default), so that a provider need not switch at the same instant as the firm. Standard
Webhooks allows several signatures in one `webhook-signature` header for this.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta

from libs.domain.provider import Provider
from libs.platform.runtime.secrets import new_secret

WEBHOOK_SECRET_PREFIX = "whsec_"
SECRET_RULE = "must be 'whsec_' followed by base64 of 24 to 64 random bytes"


def new_webhook_secret() -> str:
    return new_secret(WEBHOOK_SECRET_PREFIX, encoding="base64")


def valid_webhook_secret(secret: str) -> bool:
    if not secret.startswith(WEBHOOK_SECRET_PREFIX):
        return False
    try:
        raw = base64.b64decode(secret.removeprefix(WEBHOOK_SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        return False
    return 24 <= len(raw) <= 64


def webhook_secrets(provider: Provider, *, now: datetime, overlap: timedelta) -> tuple[str, ...]:
    """The secrets a webhook to or from `provider` may be signed with at `now`: its current
    one, and until `overlap` after the last rotation the one that rotation replaced."""
    current = (provider.webhook_secret,) if provider.webhook_secret else ()
    previous = provider.previous_webhook_secret
    rotated_at = provider.webhook_secret_rotated_at
    if previous and rotated_at is not None and now < rotated_at + overlap:
        return (*current, previous)
    return current
