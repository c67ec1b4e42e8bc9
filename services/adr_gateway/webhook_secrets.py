"""The secrets the gateway shares with providers, to sign and verify webhooks both ways.

Standard Webhooks defines their form: `whsec_` followed by the base64 of the key's bytes.
The gateway makes one (32 bytes) when an administrator registers a provider without one,
and accepts one an administrator brings if it has that form and 24 to 64 bytes of key.

A secret is kept only sealed (`sealed_secret`): the registry's events, its snapshots and
every `Provider` hold the sealed form, and the secret is opened (`secret_of`) where a
webhook is signed or verified, and nowhere else.

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
from libs.platform.runtime.cipher import Cipher, is_sealed
from libs.platform.runtime.secrets import new_secret

WEBHOOK_SECRET_PREFIX = "whsec_"
#: Binds a sealed webhook secret to its use: it opens as nothing else.
PURPOSE = "redress:adr-gateway:webhook-secret"
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


def sealed_secret(secret: str, cipher: Cipher) -> str:
    """The form a webhook secret is stored in: sealed (see `libs.platform.runtime.cipher`)."""
    return cipher.seal(secret, purpose=PURPOSE)


def secret_of(stored: str | None, cipher: Cipher) -> str | None:
    """The secret itself, from its stored form. Events recorded before secrets were sealed
    hold them in clear (`whsec_…`); they are read as they are until the start-up pass
    (`reseal_secrets`) has sealed them. Raises CannotUnseal if no configured key opens it."""
    if stored is None or not is_sealed(stored):
        return stored
    return cipher.open(stored, purpose=PURPOSE)


def webhook_secrets(
    provider: Provider, *, now: datetime, overlap: timedelta, cipher: Cipher
) -> tuple[str, ...]:
    """The secrets (opened) a webhook to or from `provider` may be signed with at `now`: its
    current one, and until `overlap` after the last rotation the one that rotation replaced."""
    current = secret_of(provider.webhook_secret, cipher)
    secrets = (current,) if current else ()
    previous = provider.previous_webhook_secret
    rotated_at = provider.webhook_secret_rotated_at
    if previous and rotated_at is not None and now < rotated_at + overlap:
        opened = secret_of(previous, cipher)
        return (*secrets, opened) if opened else secrets
    return secrets
