"""Channels are plugins: entry points in the group `redress.notification_channels`.

An entry point names a factory called with the service's settings; it returns a `Channel`.
To add one (say `sms`), write a class with `name`, `unavailable()` and `send()`, and declare
it in your package's `pyproject.toml`:

```toml
[project.entry-points."redress.notification_channels"]
sms = "my_package.sms:SmsChannel"
```
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from importlib.metadata import entry_points
from typing import Any, Protocol

GROUP = "redress.notification_channels"


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"  # may work later: server down, busy, timed out, 4xx SMTP, 5xx HTTP
    PERMANENT = "permanent"  # will not work by trying again: address refused, 4xx HTTP


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    detail: str = ""
    retry_after: float | None = None  # seconds, when the receiver said so


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (an enclosure the letter mentions, e.g. a leaflet)."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class OutgoingMessage:
    """One attempt at one notification, as a channel sees it."""

    notification_id: str  # the same on every attempt: receivers de-duplicate on it
    complaint_id: str
    complaint_reference: str | None
    rule: str
    template: str
    locale: str
    audience: str
    recipient: str | None
    subject: str
    text: str
    html: str | None
    attempt: int
    scheduled_at: str  # ISO 8601, stable across attempts
    correlation_id: str | None = None  # the request behind the triggering event
    attachments: tuple[Attachment, ...] = ()  # what the letter says is enclosed


class Channel(Protocol):
    name: str

    def unavailable(self) -> str | None:
        """Why this channel cannot send (missing settings), or None when it can."""
        ...

    def send(self, message: OutgoingMessage) -> SendResult: ...


def load_channels(settings: Any) -> dict[str, Channel]:
    """Every installed channel, by name."""
    channels: dict[str, Channel] = {}
    for entry in entry_points(group=GROUP):
        channels[entry.name] = entry.load()(settings)
    return channels
