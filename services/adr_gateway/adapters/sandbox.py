"""The `sandbox` adapter: the webhook adapter aimed at the local sandbox provider.

It exists so that a development set-up names what it talks to; it is refused outside
development mode, where only real (https, public) providers are allowed."""

from __future__ import annotations

from typing import Any

from services.adr_gateway.adapters.base import InvalidSettings
from services.adr_gateway.adapters.webhook import WebhookAdapter


class SandboxAdapter(WebhookAdapter):
    name = "sandbox"

    def check_settings(self, settings: dict[str, Any], *, development: bool) -> dict[str, Any]:
        if not development:
            raise InvalidSettings(
                "adapter", "the sandbox adapter is only available in development mode"
            )
        return super().check_settings(settings, development=development)
