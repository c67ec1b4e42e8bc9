"""What the domain says when it refuses a command.

Each error carries a message meant for the person who sent the command; the service layer
turns the kind of error into an HTTP status without inspecting the message.
"""

from __future__ import annotations


class DomainError(Exception):
    """A command the complaint refuses. Nothing is recorded."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IllegalTransition(DomainError):
    """The command is not allowed in the current status of what it is about: a complaint
    unless `entity` names something else (e.g. "referral 'R-1'", "notification 'n-1'")."""

    def __init__(
        self,
        action: str,
        status: str,
        allowed_from: tuple[str, ...],
        *,
        entity: str = "a complaint",
        state: str = "status",
    ) -> None:
        allowed = ", ".join(allowed_from)
        super().__init__(
            f"cannot {action} {entity} whose {state} is '{status}' (allowed from: {allowed})"
        )
        self.action = action
        self.status = status
        self.allowed_from = allowed_from
        #: What the refusal is about, and which of its states refused it.
        self.entity = entity
        self.state = state


class RuleViolated(DomainError):
    """The status allows the command, but a business rule does not (e.g. top tier reached)."""


class InvalidArgument(DomainError):
    """A value is well-formed but not acceptable for this complaint (e.g. an unknown tier)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class UnknownEntity(DomainError):
    """The command names an offer, appeal or interaction the complaint does not have."""

    def __init__(self, kind: str, entity_id: str) -> None:
        super().__init__(f"this complaint has no {kind} with id '{entity_id}'")
        self.kind = kind
        self.entity_id = entity_id


class IncompleteFinalResponse(DomainError):
    """The letter lacks what the complaint's regime requires a final response to contain."""

    def __init__(self, regime: str, missing: list[tuple[str, str, str]]) -> None:
        listed = "; ".join(
            f"{name}: {description} ({requirement})" for name, description, requirement in missing
        )
        super().__init__(f"under {regime} the final response must also contain: {listed}")
        self.regime = regime
        self.missing = missing


class IncompleteLetter(DomainError):
    """A letter (an acknowledgement, a holding reply, a summary resolution) lacks what the
    complaint's regime requires a letter of its kind to contain. `missing` lists each element
    as (name, description, requirement, the rule that asks for it)."""

    def __init__(
        self, regime: str, letter: str, title: str, missing: list[tuple[str, str, str, str]]
    ) -> None:
        listed = "; ".join(
            f"{name}: {what} ({requirement})" for name, what, requirement, _ in missing
        )
        words = letter.replace("_", " ")
        super().__init__(f"under {regime} the {words} must also contain: {listed}")
        self.regime = regime
        self.letter = letter
        self.title = title
        self.missing = missing
