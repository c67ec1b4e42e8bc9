"""How the gateway's snapshots store what has a type of its own: a provider is stored in the
form its registration recorded (`Provider.stored()`), so a snapshot reads like the events.
Snapshots taken before providers had a type hold plain dicts; the registry upcasts them."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import Transcoding

from libs.domain.provider import Provider


class ProviderAsStored(Transcoding):
    type = Provider
    name = "adr_provider"

    def encode(self, obj: Provider) -> dict[str, Any]:
        return obj.stored()

    def decode(self, data: dict[str, Any]) -> Provider:
        return Provider.from_stored(data)
