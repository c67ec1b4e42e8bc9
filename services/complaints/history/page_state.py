"""Which state the case-history page shows: a version, the last version recorded by a
moment (`as_of`), or the head — and, when the stored events no longer replay that far
(an event deleted), the last version that does, said plainly on the page.

The API's point-in-time read (`GET /v1/complaints/{id}?version=`) refuses damaged history
with a 409; the page is where an auditor looks at that damage, so it still opens: the
timeline marks the gap and the state panel says from which version it is rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from uuid import UUID

import structlog

from libs.domain.deadlines import Regime
from services.complaints.application import ComplaintNotFound
from services.complaints.history.human import BadMoment, moment, parse_as_of
from services.complaints.history.point_in_time import view_at
from services.complaints.history.problems import invalid
from services.complaints.history.queries import (
    BeforeComplaint,
    ComplaintHistory,
    UnknownComplaint,
    VersionOutOfRange,
)
from services.complaints.policy import ComplaintPolicy

log = structlog.get_logger()


@dataclass(frozen=True)
class ShownState:
    """The complaint as the page shows it. `state` is None when not even the first
    versions replay; `note` says why what is shown is not what was asked for."""

    state: dict[str, Any] | None
    version: int
    moment: datetime
    as_of: datetime | None
    note: str = ""


def regime_of(events: list[dict[str, Any]], policy: ComplaintPolicy | None) -> Regime | None:
    """The complaint's regime, as its first event names it (None when unknown here)."""
    if policy is None or not events:
        return None
    name = (events[0].get("data") or {}).get("regime")
    return policy.regimes.get(str(name)) if name else None


def requested_moment(as_of: str | None, version: int | None, zone: tzinfo) -> datetime | None:
    if as_of is None:
        return None
    if version is not None:
        raise invalid("query.as_of", "give either version or as_of, not both")
    try:
        return parse_as_of(as_of, zone).astimezone(UTC)
    except BadMoment as error:
        raise invalid("query.as_of", str(error)) from None


def recorded_by(events: list[dict[str, Any]], at: datetime) -> int:
    """The last stored version recorded at or before `at` (BeforeComplaint if none)."""
    chosen = 0
    first: datetime | None = None
    for event in events:
        recorded = moment(event.get("recorded_at"))
        if recorded is None:  # an unreadable row says nothing about when
            continue
        first = first or recorded
        if recorded <= at:
            chosen = event["version"]
    if not chosen:
        raise BeforeComplaint(at, first or at)
    return chosen


def replayable_prefix(events: list[dict[str, Any]]) -> int:
    """The highest version up to which every version is stored (0: not even the first)."""
    expected = 1
    for event in events:
        if event["version"] != expected:
            break
        expected += 1
    return expected - 1


def shown_state(
    history: ComplaintHistory,
    policy: ComplaintPolicy | None,
    complaint_id: UUID,
    events: list[dict[str, Any]],
    *,
    version: int | None,
    as_of: datetime | None,
) -> ShownState:
    """Raises VersionOutOfRange and BeforeComplaint (the caller's 4xx) for bad requests."""
    target = recorded_by(events, as_of) if as_of is not None else version
    if target is None:
        target = history.head_version(complaint_id)
    try:
        complaint = history.at_version(complaint_id, target)
    except (VersionOutOfRange, UnknownComplaint, ComplaintNotFound):
        raise  # out of range, unknown: answered as a 4xx by `history_problems`
    except Exception as error:  # the stored events no longer replay: say so, never a 500
        log.warning("history page: replay failed", version=target, error=repr(error))
        return _rebuilt_before(history, policy, complaint_id, events, target, as_of)
    # A version that is not stored (deleted) replays to the last one before it.
    note = (
        f"Version {target} is not among the stored events (deleted). Shown instead: version "
        f"{complaint.version}, the last one before it."
        if complaint.version != target
        else ""
    )
    return ShownState(
        view_at(complaint, policy, as_of or complaint.modified_on),
        complaint.version,
        as_of or complaint.modified_on,
        as_of,
        note,
    )


def _rebuilt_before(
    history: ComplaintHistory,
    policy: ComplaintPolicy | None,
    complaint_id: UUID,
    events: list[dict[str, Any]],
    target: int,
    as_of: datetime | None,
) -> ShownState:
    last = min(replayable_prefix(events), target - 1)
    why = (
        f"Version {target} cannot be rebuilt: the stored events no longer replay "
        "(see the verification above and the marked rows of the timeline)."
    )
    if last >= 1:
        try:
            complaint = history.at_version(complaint_id, last)
            at = complaint.modified_on
            return ShownState(
                view_at(complaint, policy, at),
                last,
                at,
                None,
                f"{why} Shown instead: version {last}, the last one that replays.",
            )
        except Exception as error:  # damaged before the gap too: no state to show
            log.warning("history page: replay failed", version=last, error=repr(error))
    return ShownState(None, target, as_of or datetime.now(UTC), as_of, why)
