"""The upstream events a rule may name, and the fields each carries in its feed.

Taken from the domain's own event classes, so a rule or template that names an event or a
field the upstream does not publish is refused when the service starts, not discovered as
a blank in a letter weeks later.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from eventsourcing.domain import Aggregate

from libs.domain.complaint import Complaint
from libs.domain.referral import Referral

# Fields every feed item's data has, whatever the event (added by libs.platform.eventstore.feed).
ENVELOPE_FIELDS = {"originator_id": "str", "originator_version": "int", "timestamp": "datetime"}


@dataclass(frozen=True)
class Feed:
    name: str  # as rules name it: "complaints", "adr_gateway"
    aggregate: type[Aggregate]
    # How an event of this feed names its complaint: the subject, or a data field.
    complaint_field: str | None


FEEDS = {
    "complaints": Feed("complaints", Complaint, None),
    "adr_gateway": Feed("adr_gateway", Referral, "complaint_id"),
}


def _is_event_class(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, Aggregate.Event)


@cache
def event_fields(feed: str, event: str) -> dict[str, str] | None:
    """`{field: annotation}` of `feed.event`, or None when the feed has no such event."""
    known = FEEDS.get(feed)
    if known is None:
        return None
    cls = getattr(known.aggregate, event, None)
    if not _is_event_class(cls):
        return None
    fields: dict[str, str] = dict(ENVELOPE_FIELDS)
    for klass in reversed(cls.__mro__):
        for name, annotation in getattr(klass, "__annotations__", {}).items():
            text = str(annotation)
            if "ClassVar" in text or name.startswith("_"):
                continue
            fields[name] = text
    return fields


def events_of(feed: str) -> list[str]:
    known = FEEDS.get(feed)
    if known is None:
        return []
    return sorted(
        name
        for name in dir(known.aggregate)
        if _is_event_class(getattr(known.aggregate, name)) and name not in ("Event", "Created")
    )


def sample_value(annotation: str) -> Any:
    """A stand-in value of a field's type, for trying templates out at start-up."""
    if "datetime" in annotation:
        return "2025-01-02T09:30:00+00:00"
    if "Decimal" in annotation:
        return "10.00"
    if annotation.startswith("bool"):
        return True
    if annotation.startswith("int"):
        return 1
    if annotation.startswith("dict"):
        return {}
    if annotation.startswith("list"):
        return []
    return "sample"
