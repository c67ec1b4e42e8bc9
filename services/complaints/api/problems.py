"""How the complaints service's own refusals look over HTTP.

The domain's refusals have one mapping for every service (`libs.platform.http.
domain_problems`); these are the complaints service's additions: an unknown complaint, a
stale `If-Match`, too many writers, and the refusals of its use cases that say more than
a generic rule violation (the ADR override, ADR eligibility, the time-limit waiver, the
summary-resolution window, an unknown regime).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from libs.domain.adr_override import JustificationTooShort, OverrideNotAllowed
from libs.domain.time_limit_waiver import WaiverAlreadyDecided, WaiverNotAvailable
from libs.platform.http.domain_problems import Translation, domain_problems
from libs.platform.http.problems import Problem, invalid_field, not_found
from libs.platform.runtime.jsonable import rfc3339_utc
from services.complaints.application import ComplaintNotFound, StaleVersion, TooMuchContention
from services.complaints.use_cases.adr import NotEligibleForAdr
from services.complaints.use_cases.decisions import NoSummaryResolution, SummaryResolutionTooLate
from services.complaints.use_cases.intake import UnknownRegimeAsked, UnknownVariant


def _not_found(error: Any) -> Problem:
    return not_found("complaint", error.complaint_id)


def _stale(error: Any) -> Problem:
    return Problem(
        412,
        "stale-version",
        "Precondition failed",
        f"the complaint changed: it is at version {error.actual}, your If-Match said "
        f"{error.expected}; fetch it again and retry",
        current_version=error.actual,
    )


def _contention(error: Any) -> Problem:
    return Problem(
        409, "contention", "Too many concurrent writers", str(error), headers={"Retry-After": "1"}
    )


def _override_not_allowed(error: Any) -> Problem:
    return Problem(403, "forbidden", "Forbidden", error.message)


def _justification_too_short(error: Any) -> Problem:
    return invalid_field(error.field, "too short", detail=error.message)


def _not_eligible(error: Any) -> Problem:
    return Problem(
        409,
        "not-eligible-for-adr",
        "Not eligible for ADR",
        error.message,
        failing_criteria=[{"name": c.name, "reason": c.reason} for c in error.failing],
    )


def _waiver_not_available(error: Any) -> Problem:
    return Problem(
        409,
        "time-limit-not-waivable",
        "The firm cannot waive this regime's time limit",
        error.message,
        regime=error.regime,
    )


def _waiver_already_decided(error: Any) -> Problem:
    current = error.current
    return Problem(
        409,
        "time-limit-waiver-decided",
        "The firm's waiver decision is already recorded",
        error.message,
        time_limit_waiver={
            "consents": current.consents,
            "decided_at": rfc3339_utc(current.decided_at),
            "decided_by": current.decided_by,
        },
    )


def _no_summary_resolution(error: Any) -> Problem:
    return Problem(
        409, "no-summary-resolution", "No summary resolution under this regime", error.message
    )


def _summary_resolution_too_late(error: Any) -> Problem:
    return Problem(
        409,
        "summary-resolution-too-late",
        "Too late for a summary resolution",
        error.message,
        window_closed_at=rfc3339_utc(error.closed_at),
    )


def _unknown_regime(error: Any) -> Problem:
    return Problem(
        422,
        "unknown-regime",
        "Unknown deadline regime",
        error.message,
        errors=[{"field": "regime", "message": "unknown regime"}],
        known_regimes=list(error.known),
    )


def _unknown_variant(error: Any) -> Problem:
    return invalid_field(error.field, "unknown variant", detail=error.message)


TRANSLATIONS: tuple[Translation, ...] = (
    (ComplaintNotFound, _not_found),
    (StaleVersion, _stale),
    (TooMuchContention, _contention),
    (OverrideNotAllowed, _override_not_allowed),
    (JustificationTooShort, _justification_too_short),
    (NotEligibleForAdr, _not_eligible),
    (WaiverNotAvailable, _waiver_not_available),
    (WaiverAlreadyDecided, _waiver_already_decided),
    (NoSummaryResolution, _no_summary_resolution),
    (SummaryResolutionTooLate, _summary_resolution_too_late),
    (UnknownRegimeAsked, _unknown_regime),
    (UnknownVariant, _unknown_variant),
)


@contextmanager
def complaint_problems() -> Iterator[None]:
    """Turns what the domain, the application and the use cases refuse into problem
    documents."""
    with domain_problems(*TRANSLATIONS):
        yield
