"""What a regime says a final response must contain, and what a given letter leaves out.

The final response is one of the regulated letters (see `letters`, which checks them all);
these names are the final response's, as callers have long used them.
"""

from __future__ import annotations

from collections.abc import Mapping

from libs.domain.deadlines.letters import MissingElement, check_letter, find_missing
from libs.domain.deadlines.regime import LetterKind, Regime

__all__ = [
    "MissingElement",
    "check_final_response_elements",
    "find_missing_elements",
    "missing_final_response_elements",
]


def find_missing_elements(regime: Regime, provided: Mapping[str, object]) -> list[MissingElement]:
    """The regime's required final-response elements that `provided` (the request's
    structured fields) does not satisfy, in the regime's order."""
    return find_missing(regime, LetterKind.FINAL_RESPONSE, provided)


def missing_final_response_elements(regime: Regime, provided: Mapping[str, object]) -> list[str]:
    """Each missing element as "name: description (requirement)"; empty when complete."""
    return [str(missing) for missing in find_missing_elements(regime, provided)]


def check_final_response_elements(regime: Regime, elements: Mapping[str, object]) -> None:
    check_letter(regime, LetterKind.FINAL_RESPONSE, elements)
