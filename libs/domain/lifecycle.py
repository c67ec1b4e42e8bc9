"""Which of a complaint's statuses allow which commands.

A command names the statuses it may be taken from; taken from any other, it is refused with
`IllegalTransition`, which lists the statuses that would have allowed it.
"""

from __future__ import annotations

from collections.abc import Iterable

from libs.domain.errors import IllegalTransition
from libs.domain.values import Status

UNDER_REVIEW = (Status.OPEN, Status.ESCALATED)
NEGOTIABLE = (Status.OPEN, Status.ESCALATED, Status.APPEALED)
DECIDED = (Status.RESOLVED, Status.FINAL_RESPONSE_ISSUED)
REOPENABLE = (Status.RESOLVED, Status.FINAL_RESPONSE_ISSUED, Status.CLOSED)
REFERRABLE = (
    Status.OPEN,
    Status.ESCALATED,
    Status.RESOLVED,
    Status.FINAL_RESPONSE_ISSUED,
    Status.APPEALED,
)
IN_ADR = (Status.REFERRED_TO_ADR, Status.ADR_IN_PROGRESS)
#: The closure reason of a customer who withdraws the complaint.
WITHDRAWAL = "withdrawn"


def require_status(action: str, status: str, allowed: Iterable[Status]) -> None:
    allowed_values = tuple(allowed_status.value for allowed_status in allowed)
    if status not in allowed_values:
        raise IllegalTransition(action, status, allowed_values)


def all_but(excluded: Status) -> tuple[Status, ...]:
    return tuple(status for status in Status if status != excluded)


def closable_from(reason: str) -> tuple[Status, ...]:
    """A customer may withdraw at any point before closure; otherwise the case is closed
    once decided, internally or at ADR."""
    if reason == WITHDRAWAL:
        return all_but(Status.CLOSED)
    return (Status.RESOLVED, Status.FINAL_RESPONSE_ISSUED, Status.ADR_CONCLUDED)
