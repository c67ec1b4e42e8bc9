"""What a regime says a final response must contain, and what a given letter leaves out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from libs.domain.deadlines.regime import ElementKind, ElementRule, Regime


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
