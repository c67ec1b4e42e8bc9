"""Deadline alerts: the scheduler says a firm deadline is close or has passed.

The timer that fires was set when the deadline was computed; by the time it fires the
deadline may have been met (a final response issued) or the complaint closed. The alert is
recorded only if the deadline is still running, as the complaint's events now have it.
"""

from __future__ import annotations

from libs.domain.complaint import Complaint
from libs.domain.values import CommandContext, Status
from services.complaints.application import ComplaintsApplication
from services.complaints.policy import ComplaintPolicy
from services.complaints.readmodel.rows import firm_deadlines, running
from services.complaints.use_cases.commands import RecordDeadlineAlert


def record_deadline_alert(
    application: ComplaintsApplication,
    policy: ComplaintPolicy,
    command: RecordDeadlineAlert,
    context: CommandContext,
) -> bool:
    """Records `DeadlineApproaching` or `DeadlineMissed`; whether it recorded one (not for a
    closed complaint, a deadline met or no longer applicable, or a command already
    handled). ComplaintNotFound when there is no such complaint."""
    recorded = False

    def alert(complaint: Complaint) -> None:
        nonlocal recorded
        if complaint.status == Status.CLOSED:
            return
        still_running = {d.clock for d in running(firm_deadlines(complaint, policy))}
        if command.deadline not in still_running:
            return  # met (or no longer applicable) since the timer was set
        complaint.record_deadline_alert(
            context, deadline=command.deadline, due_at=command.due_at, missed=command.missed
        )
        recorded = True

    application.update(command.complaint_id, context, alert)
    return recorded
