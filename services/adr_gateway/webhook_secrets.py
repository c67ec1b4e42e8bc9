"""The secrets the gateway shares with providers, to sign and verify webhooks both ways.

Standard Webhooks defines their form: `whsec_` followed by the base64 of the key's bytes.
The gateway makes one (32 bytes) when an administrator registers a provider without one,
and accepts one an administrator brings if it has that form and 24 to 64 bytes of key.
"""

from __future__ import annotations

import base64
import binascii

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
