"""What a complaint looks like in the read models: its list row, its deadlines and its
deadline timers.

All three are functions of the complaint's events alone (deadlines are computed as of the
complaint's own latest moment, not the wall clock), so a rebuild reproduces them exactly.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from libs.domain.complaint import Complaint
from libs.domain.deadlines import Deadline, Party, approaching_from
from services.complaints.policy import ComplaintPolicy
from services.complaints.readmodel.queries import as_utc

APPROACHING = "approaching"
MISSED = "missed"

#: A complaint's list row, its timer rows and its deadline rows, as `project` makes them.
Projected = tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]


def latest_moment(complaint: Complaint) -> datetime:
    return max([complaint.modified_on, *complaint.clock_times.values()])


def firm_deadlines(complaint: Complaint, policy: ComplaintPolicy) -> list[Deadline]:
    return [
        d
        for d in policy.deadlines(complaint, latest_moment(complaint), explain=False)
        if d.party is not Party.CUSTOMER
    ]


def running(deadlines: list[Deadline]) -> list[Deadline]:
    """Deadlines whose clock has not stopped."""
    return [d for d in deadlines if d.met_at is None]


def project(complaint: Complaint, policy: ComplaintPolicy) -> Projected:
    """The complaint's list row, timers and deadline rows, from one computation of its
    deadlines."""
    deadlines = policy.deadlines(complaint, latest_moment(complaint), explain=False)
    firms = [d for d in deadlines if d.party is not Party.CUSTOMER]
    return (
        list_row(complaint, firms),
        timer_rows(complaint, firms, policy),
        deadline_rows(complaint, deadlines),
    )


def list_row(complaint: Complaint, deadlines: list[Deadline]) -> dict[str, Any]:
    upcoming = min(running(deadlines), key=lambda d: d.due_at, default=None)
    resolution = complaint.resolution
    closure = complaint.closure or {}
    return {
        "id": str(complaint.id),
        "version": complaint.version,
        "status": complaint.status,
        "tier": complaint.tier,
        "category": complaint.category,
        "channel": complaint.channel,
        "legal_entity": complaint.legal_entity,
        "regime": complaint.regime,
        "regime_variant": complaint.regime_variant,
        "calendar_subdivision": complaint.calendar_subdivision,
        "customer_id": str(complaint.customer.get("id", "")),
        "customer_name": str(complaint.customer.get("name", "")),
        "external_ref": complaint.external_ref,
        "amount_in_dispute": complaint.amount_in_dispute,
        "currency": complaint.currency,
        "flags": complaint.flags,
        "received_at": as_utc(complaint.received_at),
        "updated_at": as_utc(complaint.modified_on),
        "next_deadline": upcoming.clock if upcoming else None,
        "next_deadline_at": as_utc(upcoming.due_at) if upcoming else None,
        # Met late: a fixed fact. Past due and unmet depends on when one asks (see
        # `queries.breached_as_of`, over the deadline rows).
        "breached": any(d.met_at is not None and d.met_at > d.due_at for d in deadlines),
        "outcome": resolution.outcome.value if resolution else None,
        "redress_amount": resolution.redress_amount if resolution else None,
        "redress_currency": resolution.currency if resolution else None,
        "closed_at": as_utc(closure["closed_at"]) if closure.get("closed_at") else None,
    }


def deadline_rows(complaint: Complaint, deadlines: list[Deadline]) -> list[dict[str, Any]]:
    """Every deadline (the customer's windows too: a clock the complaint has), with what
    decides whether it is breached at a given moment: its due time and when it was met.

    A clock with a pause still running would move its due time on as the days pass; no
    event records a pause today (`clock_facts` gives none), so the due time stored holds.
    """
    return [
        {
            "complaint_id": str(complaint.id),
            "clock": deadline.clock,
            "party": deadline.party.value,
            "started_at": as_utc(deadline.started_at),
            "due_at": as_utc(deadline.due_at),
            "met_at": as_utc(deadline.met_at) if deadline.met_at else None,
        }
        for deadline in deadlines
    ]


def timer_rows(
    complaint: Complaint, deadlines: list[Deadline], policy: ComplaintPolicy
) -> list[dict[str, Any]]:
    """A warning and a missed-deadline alert for each firm deadline still running."""
    if complaint.status == "closed":
        return []
    rows = []
    for deadline in running(deadlines):
        base = {
            "complaint_id": str(complaint.id),
            "deadline": deadline.clock,
            "due_at": as_utc(deadline.due_at),
        }
        # Warn from the lead the regime declares for the clock (never before half the clock
        # has run: a two-day deadline is not "approaching" the moment the complaint arrives).
        warn_at = approaching_from(deadline, policy.lead_business_days)
        rows.append({**base, "alert": APPROACHING, "fire_at": as_utc(warn_at)})
        rows.append({**base, "alert": MISSED, "fire_at": as_utc(deadline.due_at)})
    return rows
