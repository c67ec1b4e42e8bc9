"""What a regime says each regulated letter must contain, and what a given letter leaves out.

A letter's contents arrive as `elements`: structured statements of what the letter does ("the
ombudsman's leaflet is enclosed": true; "the final response will be sent by": 2026-03-23).
`check_letter` is the rule a complaint applies before it records an acknowledgement, a holding
reply, a summary resolution or a final response: every element named must be one the regime
knows for that letter, and every element the regime requires of it must be there. A letter
kind the regime does not regulate requires nothing, and accepts no elements.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from libs.domain.deadlines.regime import ElementKind, ElementRule, LetterKind, Regime
from libs.domain.errors import IncompleteFinalResponse, IncompleteLetter, InvalidArgument


@dataclass(frozen=True)
class MissingElement:
    name: str
    description: str
    requirement: str
    basis: str = ""

    def __str__(self) -> str:
        return f"{self.name}: {self.description} ({self.requirement})"


def required_elements(regime: Regime, kind: LetterKind) -> tuple[ElementRule, ...]:
    rule = regime.letter(kind)
    return rule.elements if rule else ()


def find_missing(
    regime: Regime, kind: LetterKind, provided: Mapping[str, object], on: date | None = None
) -> list[MissingElement]:
    """The elements the regime requires of a `kind` letter sent on `on` (None: whatever the
    day) that `provided` does not satisfy, in the regime's order."""
    rule = regime.letter(kind)
    return [
        MissingElement(
            element.name,
            element.description,
            requirement(element),
            element.basis or (rule.basis if rule else ""),
        )
        for element in required_elements(regime, kind)
        if element.required_on(on) and not satisfied(element, provided.get(element.name))
    ]


def check_letter(
    regime: Regime, kind: LetterKind, elements: Mapping[str, object], on: date | None = None
) -> None:
    """Refuses a letter that names an element the regime does not know for it
    (`InvalidArgument`) or lacks one the regime requires (`IncompleteLetter`, or for a final
    response `IncompleteFinalResponse`, as it always was)."""
    known = {element.name for element in required_elements(regime, kind)}
    unknown = sorted(set(elements) - known)
    if unknown:
        raise InvalidArgument(
            "elements",
            f"regime '{regime.name}' has no {kind.value.replace('_', '-')} element(s) "
            f"{', '.join(unknown)} (known: {', '.join(sorted(known)) or 'none'})",
        )
    missing = find_missing(regime, kind, elements, on)
    if not missing:
        return
    if kind is LetterKind.FINAL_RESPONSE:
        raise IncompleteFinalResponse(
            regime.name, [(m.name, m.description, m.requirement) for m in missing]
        )
    letter = regime.letter(kind)
    raise IncompleteLetter(
        regime.name,
        kind.value,
        letter.title if letter else kind.value,
        [(m.name, m.description, m.requirement, m.basis) for m in missing],
    )


def satisfied(rule: ElementRule, value: object) -> bool:
    if rule.kind is ElementKind.FLAG:
        return value is True
    if rule.kind is ElementKind.STATED:
        return isinstance(value, bool)
    if rule.kind is ElementKind.CHOICE:
        return isinstance(value, str) and value in rule.options
    if rule.kind is ElementKind.DATE:
        return isinstance(value, str) and _is_date(value)
    return isinstance(value, str) and bool(value.strip())


def requirement(rule: ElementRule) -> str:
    if rule.kind is ElementKind.FLAG:
        return "must be true"
    if rule.kind is ElementKind.STATED:
        return "must be true or false"
    if rule.kind is ElementKind.CHOICE:
        return f"one of: {', '.join(rule.options)}"
    if rule.kind is ElementKind.DATE:
        return "a date, YYYY-MM-DD"
    return "must be given"


def _is_date(value: str) -> bool:
    # Exactly YYYY-MM-DD: fromisoformat alone would also take "20260323".
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
