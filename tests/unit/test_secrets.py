"""The two kinds of secret the services hand out keep their forms: API keys (`rdk_`, URL-safe
base64 without padding) and webhook secrets (`whsec_`, standard base64, as Standard Webhooks
defines them), both 32 random bytes from one function."""

from __future__ import annotations

import base64
import re

from libs.platform.http.auth import KEY_PREFIX
from libs.platform.runtime.secrets import new_secret
from services.adr_gateway.webhook_secrets import new_webhook_secret, valid_webhook_secret


def test_an_api_key_is_its_prefix_and_32_bytes_of_url_safe_base64() -> None:
    key = new_secret(KEY_PREFIX)
    assert re.fullmatch(r"rdk_[A-Za-z0-9_-]{43}", key)
    assert len(base64.urlsafe_b64decode(key.removeprefix("rdk_") + "=")) == 32


def test_a_webhook_secret_is_whsec_and_32_bytes_of_padded_base64() -> None:
    secret = new_webhook_secret()
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", secret)
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert valid_webhook_secret(secret)


def test_secrets_are_never_repeated() -> None:
    assert len({new_secret("x_") for _ in range(100)}) == 100


def test_a_webhook_secret_must_have_its_prefix_and_enough_key() -> None:
    short = "whsec_" + base64.b64encode(b"k" * 16).decode()
    assert not valid_webhook_secret(short)
    assert not valid_webhook_secret("rdk_" + base64.b64encode(b"k" * 32).decode())
    assert not valid_webhook_secret("whsec_not base64!")
