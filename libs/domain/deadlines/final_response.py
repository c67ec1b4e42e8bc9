"""What a regime says a final response must contain, and what a given letter leaves out.

`check_final_response_elements` is the rule a complaint applies before it issues one: every
element named must be one the regime knows, and every element it requires must be there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from libs.domain.deadlines.regime import ElementKind, ElementRule, Regime
from libs.domain.errors import IncompleteFinalResponse, InvalidArgument


@dataclass(frozen=True)
class MissingElement:
    name: str
    description: str
    requirement: str

    def __str__(self) -> str:
        return f"{self.name}: {self.description} ({self.requirement})"


def find_missing_elements(regime: Regime, provided: Mapping[str, object]) -> list[MissingElement]:
    """The regime's required elements that `provided` (the request's structured fields)
    does not satisfy, in the regime's order."""
    return [
        MissingElement(rule.name, rule.description, _requirement(rule))
        for rule in regime.final_response
        if not _satisfied(rule, provided.get(rule.name))
    ]


def missing_final_response_elements(regime: Regime, provided: Mapping[str, object]) -> list[str]:
    """Each missing element as "name: description (requirement)"; empty when complete."""
    return [str(missing) for missing in find_missing_elements(regime, provided)]


def check_final_response_elements(regime: Regime, elements: Mapping[str, object]) -> None:
    known = {element.name for element in regime.final_response}
    unknown = sorted(set(elements) - known)
    if unknown:
        raise InvalidArgument(
            "elements",
            f"regime '{regime.name}' has no final-response element(s) {', '.join(unknown)} "
            f"(known: {', '.join(sorted(known)) or 'none'})",
        )
    missing = find_missing_elements(regime, elements)
    if missing:
        raise IncompleteFinalResponse(
            regime.name, [(m.name, m.description, m.requirement) for m in missing]
        )


def _satisfied(rule: ElementRule, value: object) -> bool:
    if rule.kind is ElementKind.FLAG:
        return value is True
    if rule.kind is ElementKind.STATED:
        return isinstance(value, bool)
    if rule.kind is ElementKind.CHOICE:
        return isinstance(value, str) and value in rule.options
    return isinstance(value, str) and bool(value.strip())


def _requirement(rule: ElementRule) -> str:
    if rule.kind is ElementKind.FLAG:
        return "must be true"
    if rule.kind is ElementKind.STATED:
        return "must be true or false"
    if rule.kind is ElementKind.CHOICE:
        return f"one of: {', '.join(rule.options)}"
    return "must be given"
