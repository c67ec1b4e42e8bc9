"""How the notifications aggregates' values are written into snapshots.

A snapshot holds an aggregate's state as it is; the values it keeps (a rendered message, a
delivery attempt, a survey's answer, …; see libs.domain.notification_values) are each stored
as the JSON record of their fields under a name of their own, and revived from it. The
names are part of what is stored: rename one and the snapshots that use it stop reading.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import Transcoding

from libs.domain.notification_values import (
    Addressee,
    DeliveryAttempt,
    Message,
    PendingFollowup,
    RecordValue,
    SurveyAnswer,
    Withdrawal,
)


class AsRecord(Transcoding):
    """A value as the plain record of its fields."""

    def __init__(self, value_type: type[RecordValue], name: str) -> None:
        self.type = value_type
        self.name = name

    def encode(self, obj: RecordValue) -> dict[str, Any]:
        return obj.as_record()

    def decode(self, data: dict[str, Any]) -> RecordValue:
        return self.type.from_record(data)


VALUE_TRANSCODINGS = (
    AsRecord(Message, "notification_message"),
    AsRecord(DeliveryAttempt, "delivery_attempt"),
    AsRecord(SurveyAnswer, "survey_answer"),
    AsRecord(Withdrawal, "survey_withdrawal"),
    AsRecord(Addressee, "case_addressee"),
    AsRecord(PendingFollowup, "pending_followup"),
)
