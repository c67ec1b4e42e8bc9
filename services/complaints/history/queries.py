"""Queries over a complaint's stored history. Pure reads: nothing here writes.

Everything is built from the events (not the read model): the history is the stored
events decoded, a past state is the events replayed up to a version, and verification
re-derives the hash chain from the stored rows.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from libs.casefile.stored import ENVELOPE_KEYS, shown_fields
from libs.domain.complaint import Complaint
from libs.platform.eventstore.integrity.audit import chain_recorder, verify_aggregate
from libs.platform.eventstore.integrity.hashchain import ChainVerdict
from libs.platform.eventstore.integrity.recorders import HashChainRecorder
from libs.platform.runtime.jsonable import jsonable, rfc3339_utc
from services.complaints.application import COMPLAINT_TOPIC_PREFIX, ComplaintsApplication

MAX_PAGE = 1000
# RFC 3339 section 5.6: a full date, "T" (or a space), a time, and an offset: no naive times.


class UnknownComplaint(LookupError):
    def __init__(self, complaint_id: UUID) -> None:
        super().__init__(f"no complaint with id '{complaint_id}'")
        self.complaint_id = complaint_id


class VersionOutOfRange(ValueError):
    def __init__(self, version: int, head: int) -> None:
        super().__init__(f"version must be between 1 and {head} (the current version)")
        self.version = version
        self.head = head


class BeforeComplaint(LookupError):
    def __init__(self, as_of: datetime, recorded_at: datetime) -> None:
        super().__init__(
            f"the complaint did not exist at {as_of.isoformat()}: it was first recorded at "
            f"{recorded_at.isoformat()}"
        )
        self.recorded_at = recorded_at


class InvalidCursor(ValueError):
    pass


def encode_cursor(version: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{version}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "v1" or not number.isdigit():
            raise ValueError(text)
        return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursor("the cursor is not one this service issued") from None


@dataclass(frozen=True)
class HistoryPage:
    items: list[dict[str, Any]]
    next_cursor: str | None
    head_version: int


class ComplaintHistory:
    """The auditor's questions about one complaint's history, answered from the events."""

    def __init__(self, application: ComplaintsApplication) -> None:
        self.application = application

    @property
    def recorder(self) -> HashChainRecorder:
        return chain_recorder(self.application.recorder)

    # -- what is stored ------------------------------------------------------------------

    def head_version(self, complaint_id: UUID) -> int:
        """The complaint's current version; UnknownComplaint for anything else (an API
        key's id included: its events are not a complaint's history)."""
        first = self.recorder.select_events(complaint_id, limit=1)
        if not first or not first[0].topic.startswith(COMPLAINT_TOPIC_PREFIX):
            raise UnknownComplaint(complaint_id)
        last = self.recorder.select_events(complaint_id, desc=True, limit=1)
        return int(last[0].originator_version)

    def page(self, complaint_id: UUID, *, limit: int, cursor: str | None) -> HistoryPage:
        after = decode_cursor(cursor) if cursor else 0
        head = self.head_version(complaint_id)
        stored = self.recorder.select_events(complaint_id, gt=after, limit=limit)
        hashes = self.recorder.select_chain(
            complaint_id, gt=after, lte=stored[-1].originator_version if stored else after
        )
        items = [self.describe(event, hashes.get(event.originator_version)) for event in stored]
        more = bool(stored) and stored[-1].originator_version < head
        return HistoryPage(
            items, encode_cursor(stored[-1].originator_version) if more else None, head
        )

    def all_events(self, complaint_id: UUID, *, with_stored: bool = False) -> list[dict[str, Any]]:
        self.head_version(complaint_id)
        stored = self.recorder.select_events(complaint_id)
        hashes = self.recorder.select_chain(complaint_id)
        return [
            self.describe(event, hashes.get(event.originator_version), with_stored=with_stored)
            for event in stored
        ]

    def describe(
        self, stored: StoredEvent, chain: tuple[str, str] | None, *, with_stored: bool = False
    ) -> dict[str, Any]:
        """One event as an auditor reads it: envelope, data and chain hash.

        `with_stored` (the case file) adds the stored topic and bytes (base64), and shows the
        fields as the generic reading of those bytes (`shown_fields`, the rule
        docs/proof-formats.md states), which anyone can re-derive offline; without it, they
        are the decoded domain event's (an upcast's added fields included)."""
        item: dict[str, Any] = {
            "version": stored.originator_version,
            "type": stored.topic.rpartition(".")[2],
            "topic": stored.topic,
            "hash": chain[0] if chain else None,
            "prev_hash": chain[1] if chain else None,
        }
        try:
            item.update(self._shown(stored, generic=with_stored))
        except Exception as error:  # a damaged row must still be listed, not fail the page
            item.update(
                recorded_at=None,
                occurred_at=None,
                actor=None,
                actor_role=None,
                correlation_id=None,
                data=None,
                decode_error=f"{type(error).__name__}: {error}",
            )
        if with_stored:
            item["stored"] = {
                "topic": stored.topic,
                "state": base64.b64encode(stored.state).decode("ascii"),
            }
        return item

    def _shown(self, stored: StoredEvent, *, generic: bool) -> dict[str, Any]:
        if generic:
            shown = shown_fields(stored.state)
            return {
                "recorded_at": shown.recorded_at,
                "occurred_at": shown.occurred_at,
                "actor": shown.actor,
                "actor_role": shown.actor_role,
                "correlation_id": shown.correlation_id,
                "data": shown.data,
            }
        event = self.application.mapper.to_domain_event(stored)
        fields = vars(event)
        return {
            "recorded_at": jsonable(event.timestamp),
            "occurred_at": jsonable(fields.get("occurred_at")),
            "actor": fields.get("actor"),
            "actor_role": fields.get("actor_role"),
            "correlation_id": fields.get("correlation_id"),
            "data": jsonable({k: v for k, v in fields.items() if k not in ENVELOPE_KEYS}),
        }

    # -- the past --------------------------------------------------------------------------

    def at_version(self, complaint_id: UUID, version: int) -> Complaint:
        head = self.head_version(complaint_id)
        if not 1 <= version <= head:
            raise VersionOutOfRange(version, head)
        return self.application.complaint(complaint_id, version=version)

    def as_of(self, complaint_id: UUID, moment: datetime) -> Complaint:
        """The complaint as recorded at `moment`: the last event recorded at or before it.

        Recording times grow with the version (each event is made from the state before
        it), so a binary search decodes a handful of events, not all of them.
        """
        self.head_version(complaint_id)
        stored = self.recorder.select_events(complaint_id)
        mapper = self.application.mapper

        def recorded_at(index: int) -> datetime:
            return mapper.to_domain_event(stored[index]).timestamp

        low, high = 0, len(stored)
        while low < high:
            middle = (low + high) // 2
            if recorded_at(middle) <= moment:
                low = middle + 1
            else:
                high = middle
        if low == 0:
            raise BeforeComplaint(moment, recorded_at(0))
        return self.application.complaint(complaint_id, version=stored[low - 1].originator_version)

    # -- proof -----------------------------------------------------------------------------

    def verify(self, complaint_id: UUID) -> dict[str, Any]:
        """Re-derives the complaint's chain. A complaint deleted outright is still
        reported (as invalid) when a checkpoint remembers it."""
        recorder = self.recorder
        first = recorder.select_events(complaint_id, limit=1)
        anchored = recorder.latest_anchor(complaint_id)
        if first and not first[0].topic.startswith(COMPLAINT_TOPIC_PREFIX):
            raise UnknownComplaint(complaint_id)
        if not first and anchored is None and not recorder.select_chain(complaint_id):
            raise UnknownComplaint(complaint_id)
        verdict = verify_aggregate(recorder, complaint_id)
        return verification_document(complaint_id, verdict, anchored)


def verification_document(
    complaint_id: UUID, verdict: ChainVerdict, anchored: tuple[int, int, str] | None
) -> dict[str, Any]:
    return {
        "complaint_id": str(complaint_id),
        "verified_at": rfc3339_utc(datetime.now(UTC)),
        "algorithm": "sha256 over canonical JSON of the stored event and the previous hash",
        **verdict.as_dict(),
        "checkpoint": (
            {"seq": anchored[0], "anchored_version": anchored[1], "anchored_hash": anchored[2]}
            if anchored
            else None
        ),
    }
