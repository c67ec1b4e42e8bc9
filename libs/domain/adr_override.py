"""Who may refer a complaint to external ADR before it is eligible, and what they must write.

A complaint normally goes to an ADR provider only once the firm's own process is exhausted
(`eligibility`: a final response issued, the regime's deadline passed, offers rejected, ...).
Sometimes waiting serves the customer badly — a vulnerable customer, a review stalled for
months — so the firm lets a senior person refer the case anyway. That is an override of the
eligibility criteria, and two rules keep it accountable:

- only a supervisor or an admin may make it: an agent handling the case cannot send it
  outside the firm on their own judgement;
- it needs a written justification of at least a sentence (five words or more), which is
  recorded on the referral for the provider, the ombudsman and the auditors to read.

The rules apply whenever a justification is sent, even for a complaint that turns out to be
eligible: sending one is asking to override.
"""

from __future__ import annotations

from libs.domain.errors import DomainError, InvalidArgument
from libs.domain.values import Role

#: The roles trusted to send an ineligible complaint to ADR.
OVERRIDE_ROLES: frozenset[Role] = frozenset({Role.SUPERVISOR, Role.ADMIN})
#: A justification shorter than this is not a reason anyone could review.
MIN_JUSTIFICATION_WORDS = 5


class OverrideNotAllowed(DomainError):
    """The caller's role may not override the eligibility criteria."""

    def __init__(self, role: str) -> None:
        super().__init__(
            "only a supervisor or an admin may refer an ineligible complaint with an override"
        )
        self.role = role


class JustificationTooShort(InvalidArgument):
    """The override's justification is shorter than a sentence."""

    def __init__(self, words: int) -> None:
        super().__init__(
            "override_justification",
            f"an override needs a justification of at least a sentence "
            f"({MIN_JUSTIFICATION_WORDS} words or more)",
        )
        self.words = words


def may_override(role: str) -> bool:
    return role in OVERRIDE_ROLES


def check_override(role: str, justification: str | None) -> None:
    """Refuses an override that `role` may not make, or that `justification` does not
    justify. Without a justification no override is asked for, and nothing is checked."""
    if justification is None:
        return
    if not may_override(role):
        raise OverrideNotAllowed(role)
    words = len(justification.split())
    if words < MIN_JUSTIFICATION_WORDS:
        raise JustificationTooShort(words)
