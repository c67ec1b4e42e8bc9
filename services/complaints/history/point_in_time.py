"""`GET /v1/complaints/{id}?version=N|as_of=T`: the complaint as it stood then.

Built by replaying the events (never from the read model), and shown in the same
representation as the current state, with its deadlines computed as of that moment: the
time asked for, or for a version the time that version was recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from libs.domain.complaint import Complaint
from services.complaints.api.representation import complaint_view, deadline_view
from services.complaints.application import ComplaintsApplication
from services.complaints.history.problems import history_problems, invalid
from services.complaints.history.queries import ComplaintHistory
from services.complaints.policy import ComplaintPolicy


def complaint_at(
    application: ComplaintsApplication,
    complaint_id: UUID,
    *,
    version: int | None,
    as_of: datetime | None,
) -> tuple[Complaint, datetime]:
    """The complaint replayed to a version, or to the last event recorded by a time, and
    the moment it describes."""
    if version is not None and as_of is not None:
        raise invalid("query.as_of", "give either version or as_of, not both")
    history = ComplaintHistory(application)
    with history_problems():
        if as_of is not None:
            moment = as_of.astimezone(UTC)
            return history.as_of(complaint_id, moment), moment
        if version is None:
            version = history.head_version(complaint_id)
        complaint = history.at_version(complaint_id, version)
        return complaint, complaint.modified_on


def view_at(
    complaint: Complaint, policy: ComplaintPolicy | None, moment: datetime
) -> dict[str, Any]:
    if policy is None:
        return complaint_view(complaint)
    deadlines = [
        deadline_view(d, moment, policy.lead_business_days)
        for d in policy.deadlines(complaint, moment)
    ]
    return complaint_view(complaint, deadlines)
