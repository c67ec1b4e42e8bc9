"""Survey answers: the signed link authorises exactly one answer, before it expires."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from libs.domain.errors import InvalidArgument
from libs.domain.notification import Survey, SurveyNotOpen
from libs.platform.http.problems import Problem
from services.notifications.application import NotFound
from services.notifications.bootstrap import NotificationsService
from services.notifications.tokens import InvalidToken

_CLOSED = {
    "answered": (409, "survey-already-answered", "Survey already answered"),
    "expired": (410, "survey-expired", "Survey expired"),
    "withdrawn": (410, "survey-withdrawn", "Survey withdrawn"),
}


def _closed(reason: str, detail: str) -> Problem:
    status, kind, title = _CLOSED[reason]
    return Problem(status, kind, title, detail)


@contextmanager
def _survey_problems() -> Iterator[None]:
    try:
        yield
    except SurveyNotOpen as error:
        raise _closed(error.reason, error.message) from None
    except InvalidArgument as error:
        raise Problem(
            422,
            "validation-error",
            "Invalid request",
            error.message,
            errors=[{"field": error.field, "message": error.message}],
        ) from None


def survey_for(service: NotificationsService, token: str) -> tuple[Survey, datetime]:
    """The survey the token names, and the service's now; 403 for a token we did not sign."""
    try:
        survey_id, expires_at = service.tokens.verify(token)
    except InvalidToken as error:
        raise Problem(403, "invalid-survey-token", "Invalid survey link", str(error)) from None
    try:
        survey = service.application.survey(survey_id)
    except NotFound:
        raise Problem(
            403, "invalid-survey-token", "Invalid survey link", "no such survey"
        ) from None
    now = service.clock()
    if now > expires_at:
        raise _closed("expired", "this survey link has expired")
    return survey, now


def survey_state(survey: Survey, now: datetime) -> str:
    if survey.answer is not None:
        return "answered"
    if survey.withdrawn is not None:
        return "withdrawn"
    return "expired" if now > survey.expires_at else "open"


def respond(service: NotificationsService, token: str, score: int, comment: str | None) -> Survey:
    survey, now = survey_for(service, token)
    with _survey_problems():
        return service.application.change(
            survey.id,
            Survey,
            "survey",
            lambda s: s.respond(score=score, comment=comment, at=now),
        )
