"""What a domain refusal looks like over HTTP: one mapping for every service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from libs.domain.errors import (
    DomainError,
    IllegalTransition,
    IncompleteFinalResponse,
    IncompleteLetter,
    InvalidArgument,
    UnknownEntity,
)
from libs.platform.http.problems import Problem, invalid_field


def problem_for(error: DomainError) -> Problem:
    """409 for a status or rule that refuses the command (naming the current status), 422 for
    an unacceptable value (naming the field) or a letter missing what its regime requires
    (listing each missing element and its rule), 404 for an unknown offer, appeal or
    referral."""
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
    if isinstance(error, IncompleteLetter):
        return Problem(
            422,
            "letter-incomplete",
            "Letter incomplete",
            error.message,
            letter=error.letter,
            regime=error.regime,
            missing=[
                {"element": name, "description": description, "requires": requirement, "rule": rule}
                for name, description, requirement, rule in error.missing
            ],
            # The same, as every other 422 names its fields.
            errors=[
                {"field": f"elements.{name}", "message": f"{requirement} ({rule})"}
                for name, _, requirement, rule in error.missing
            ],
        )
    if isinstance(error, InvalidArgument):
        return invalid_field(error.field, error.message)
    if isinstance(error, UnknownEntity):
        return Problem(404, "not-found", "Not found", error.message)
    return Problem(409, "rule-violated", "Not allowed now", error.message)


#: How a service shows a refusal of its own (an unknown complaint, a stale version): the
#: exception type and the problem it becomes.
Translation = tuple[type[Exception], Callable[[Exception], Problem]]


@contextmanager
def domain_problems(*translations: Translation) -> Iterator[None]:
    """Turns what the domain refuses, and what `translations` name, into problem documents.
    A translation is tried before the domain's mapping, so a service can say more about an
    error that is also a `DomainError`."""
    try:
        yield
    except Exception as error:
        for kind, problem in translations:
            if isinstance(error, kind):
                raise problem(error) from None
        if isinstance(error, DomainError):
            raise problem_for(error) from None
        raise
