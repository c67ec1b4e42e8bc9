"""The values the notifications aggregates keep (libs.domain.notification), and the names,
statuses and ids they share.

Each value is small and frozen: a message as it was rendered, one delivery attempt, a
survey's answer or withdrawal, the customer a case file addresses, a follow-up still pending.
They stand where the aggregates once kept plain dicts; snapshots stored in that form are
upcast to them (see the aggregates' `upcast_v1_v2`), and the service's application
registers how each is stored in a new snapshot.

Each reads and writes as the plain record it replaced (`as_record`, `from_record`), which
is how snapshots hold it; and `value["field"]` still reads a field, as that dict was read.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from typing import Any, Self
from uuid import UUID, uuid5

from libs.domain.errors import DomainError

NOTIFICATION_NAMESPACE = UUID("9b3e6f1a-4c2d-4e7b-8a5f-0d1c2b3a4e5f")
MIN_SCORE = 1
MAX_SCORE = 5
MAX_COMMENT_LENGTH = 5_000


def notification_id_for(rule: str, trigger_event_id: str) -> UUID:
    """Stable per (rule, upstream event): a replayed event finds the notification it made."""
    return uuid5(NOTIFICATION_NAMESPACE, f"notification:{rule}:{trigger_event_id}")


def survey_id_for(rule: str, trigger_event_id: str) -> UUID:
    return uuid5(NOTIFICATION_NAMESPACE, f"survey:{rule}:{trigger_event_id}")


def case_file_id_for(complaint_id: str) -> UUID:
    return uuid5(NOTIFICATION_NAMESPACE, f"case:{complaint_id}")


class NotificationStatus(StrEnum):
    SCHEDULED = "scheduled"  # waiting for its time, or for its first attempt
    RETRYING = "retrying"  # attempted, not delivered, will be tried again
    DELIVERED = "delivered"
    FAILED = "failed"  # permanently: the channel refused it, or every retry was used
    CANCELLED = "cancelled"  # no longer wanted (reopened, appealed, too late to matter)


OPEN = (NotificationStatus.SCHEDULED, NotificationStatus.RETRYING)


class AttemptOutcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"  # may succeed later (server down, 4xx SMTP, 5xx HTTP, timeouts)
    PERMANENT = "permanent"  # will not succeed by trying again (address refused, 4xx HTTP)


class SurveyState(StrEnum):
    """What a survey link shows its customer."""

    OPEN = "open"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class SurveyNotOpen(DomainError):
    """The survey cannot take an answer; `reason` says why (answered, expired, withdrawn)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class RecordValue:
    """A frozen dataclass that reads and writes as a plain record of its fields."""

    __slots__ = ()

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Self:
        return cls(**record)

    def as_record(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]

    def __getitem__(self, name: str) -> Any:
        """`value["name"]` is `value.name`, for readers of the dict the value replaced."""
        if name not in {f.name for f in fields(self)}:  # type: ignore[arg-type]
            raise KeyError(name)
        return getattr(self, name)


@dataclass(frozen=True)
class Message(RecordValue):
    """The words of a notification, rendered once: every retry sends exactly these."""

    subject: str
    text: str
    html: str | None
    rendered_at: datetime


@dataclass(frozen=True)
class DeliveryAttempt(RecordValue):
    attempt: int  # 1 for the first
    outcome: AttemptOutcome
    detail: str  # what the channel said
    at: datetime
    next_attempt_at: datetime | None  # when it is tried again; None: not again

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Self:
        return cls(**{**record, "outcome": AttemptOutcome(record["outcome"])})


@dataclass(frozen=True)
class SurveyAnswer(RecordValue):
    score: int
    comment: str | None
    answered_at: datetime


@dataclass(frozen=True)
class Withdrawal(RecordValue):
    """Why a survey stopped taking answers (the complaint was reopened or appealed)."""

    reason: str
    at: datetime


@dataclass(frozen=True)
class Addressee(RecordValue):
    """The customer as a case file knows them: enough to address and greet them."""

    id: str | None = None
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    language: str | None = None

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Self:
        """From the customer of a complaint's feed; fields it does not know are left out."""
        known = {f.name for f in fields(cls)}
        return cls(**{name: value for name, value in record.items() if name in known})


@dataclass(frozen=True)
class PendingFollowup(RecordValue):
    """A message to be sent later, and the upstream events (`complaints.Reopened`, …) that
    make it pointless: they cancel it and withdraw its survey."""

    notification_id: str
    survey_id: str | None
    cancel_on: tuple[str, ...]

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Self:
        return cls(record["notification_id"], record["survey_id"], tuple(record["cancel_on"]))

    def is_cancelled_by(self, upstream_event: str) -> bool:
        return upstream_event in self.cancel_on
