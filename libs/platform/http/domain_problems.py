"""What a domain refusal looks like over HTTP: one mapping for every service."""

from __future__ import annotations

from libs.domain.errors import (
    DomainError,
    IllegalTransition,
    IncompleteFinalResponse,
    InvalidArgument,
    UnknownEntity,
)
from libs.platform.http.problems import Problem


def problem_for(error: DomainError) -> Problem:
    """409 for a status or rule that refuses the command (naming the current status), 422 for
    an unacceptable value (naming the field), 404 for an unknown offer, appeal or referral."""
    if isinstance(error, IllegalTransition):
        return Problem(
            409,
            "illegal-transition",
            "Illegal transition",
            error.message,
            current_status=error.status,
            allowed_from=list(error.allowed_from),
        )
    if isinstance(error, IncompleteFinalResponse):
        return Problem(
            422,
            "final-response-incomplete",
            "Final response incomplete",
            error.message,
            missing=[
                {"element": name, "description": description, "requires": requirement}
                for name, description, requirement in error.missing
            ],
        )
    if isinstance(error, InvalidArgument):
        return Problem(
            422,
            "validation-error",
            "Invalid request",
            error.message,
            errors=[{"field": error.field, "message": error.message}],
        )
    if isinstance(error, UnknownEntity):
        return Problem(404, "not-found", "Not found", error.message)
    return Problem(409, "rule-violated", "Not allowed now", error.message)
