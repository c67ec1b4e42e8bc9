"""What a customer does with the survey link in their e-mail: look at the survey, and answer
it once (a score from 1 to 5 and an optional comment) before it expires.

The signed link is the customer's only credential: it names the survey and its expiry, so a
link we did not sign, or one naming no survey, is refused (`InvalidSurveyLink`) the same
way. Whether the survey still takes an answer is the survey's to say (`SurveyNotOpen`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from libs.domain.notification import Survey, SurveyNotOpen, SurveyState
from services.notifications.application import NotFound, NotificationsApplication
from services.notifications.clock import Clock
from services.notifications.tokens import InvalidToken, SurveyTokens


class InvalidSurveyLink(Exception):
    """A link we did not sign, or one naming no survey."""


@dataclass(frozen=True)
class ShowSurvey:
    token: str


@dataclass(frozen=True)
class SurveyShown:
    survey_id: UUID
    state: SurveyState
    expires_at: datetime


@dataclass(frozen=True)
class AnswerSurvey:
    token: str
    score: int
    comment: str | None


@dataclass(frozen=True)
class SurveyAnswered:
    survey_id: UUID
    score: int
    comment: str | None
    answered_at: datetime


def show_survey(
    command: ShowSurvey, *, surveys: NotificationsApplication, tokens: SurveyTokens, clock: Clock
) -> SurveyShown:
    survey, now = _survey_behind(command.token, surveys, tokens, clock)
    return SurveyShown(survey.id, survey.state_at(now), survey.expires_at)


def answer_survey(
    command: AnswerSurvey, *, surveys: NotificationsApplication, tokens: SurveyTokens, clock: Clock
) -> SurveyAnswered:
    survey, now = _survey_behind(command.token, surveys, tokens, clock)
    answered = surveys.change(
        survey.id,
        Survey,
        "survey",
        lambda s: s.respond(score=command.score, comment=command.comment, at=now),
    )
    assert answered.answer is not None
    answer = answered.answer
    return SurveyAnswered(answered.id, answer.score, answer.comment, answer.answered_at)


def _survey_behind(
    token: str, surveys: NotificationsApplication, tokens: SurveyTokens, clock: Clock
) -> tuple[Survey, datetime]:
    """The survey the link names, and now; the link expires with the survey it was made for."""
    try:
        survey_id, expires_at = tokens.verify(token)
    except InvalidToken as error:
        raise InvalidSurveyLink(str(error)) from None
    try:
        survey = surveys.survey(survey_id)
    except NotFound:
        raise InvalidSurveyLink("no such survey") from None
    now = clock()
    if now > expires_at:
        raise SurveyNotOpen("expired", "this survey link has expired")
    return survey, now
