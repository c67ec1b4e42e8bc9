"""/v1/followups/{token}: the survey a customer reached through the link in their e-mail.
No API key: the signed token authorises exactly one answer."""

from __future__ import annotations

import html
from contextlib import AbstractContextManager
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from libs.domain.notification import MAX_COMMENT_LENGTH, MAX_SCORE, MIN_SCORE, SurveyNotOpen
from libs.platform.http.domain_problems import domain_problems
from libs.platform.http.json_body import JSONBody
from libs.platform.http.problems import Problem, problem_responses
from libs.platform.runtime.jsonable import rfc3339_utc
from services.notifications.api.deps import Service
from services.notifications.bootstrap import NotificationsService
from services.notifications.use_cases.surveys import (
    AnswerSurvey,
    InvalidSurveyLink,
    ShowSurvey,
    SurveyAnswered,
    answer_survey,
    show_survey,
)

router = APIRouter(prefix="/v1/followups", tags=["follow-up"])
Token = Annotated[str, Path(min_length=10, max_length=200, pattern=r"^[A-Za-z0-9._-]+$")]
PROBLEMS = problem_responses(400, 403, 409, 410, 413, 422)


class SurveyResponse(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"score": 4, "comment": "Quick and fair, thank you"}]},
    )
    score: int = Field(ge=MIN_SCORE, le=MAX_SCORE, description="1 (very unhappy) to 5 (very happy)")
    comment: (
        Annotated[str, StringConstraints(max_length=MAX_COMMENT_LENGTH, strip_whitespace=True)]
        | None
    ) = None


class SurveyRecorded(BaseModel):
    survey_id: str
    score: int
    comment: str | None
    recorded_at: str


class SurveyView(BaseModel):
    survey_id: str
    status: str = Field(description="open | answered | withdrawn | expired")
    expires_at: str
    question: str
    respond_to: str = Field(description="POST the answer here")


QUESTION = "How satisfied are you with how we handled your complaint?"
# Why a survey takes no answer, as HTTP says it.
CLOSED = {
    "answered": (409, "survey-already-answered", "Survey already answered"),
    "expired": (410, "survey-expired", "Survey expired"),
    "withdrawn": (410, "survey-withdrawn", "Survey withdrawn"),
}


def _closed(error: Exception) -> Problem:
    assert isinstance(error, SurveyNotOpen)
    status, kind, title = CLOSED[error.reason]
    return Problem(status, kind, title, error.message)


def _invalid_link(error: Exception) -> Problem:
    return Problem(403, "invalid-survey-token", "Invalid survey link", str(error))


def survey_problems() -> AbstractContextManager[None]:
    """A forged link is 403, a closed survey 409 or 410, a bad score or comment 422."""
    return domain_problems((InvalidSurveyLink, _invalid_link), (SurveyNotOpen, _closed))


@router.get(
    "/{token}",
    response_model=SurveyView,
    responses=PROBLEMS,
    summary="The survey behind a link (an HTML form for browsers, JSON otherwise)",
    operation_id="showFollowup",
)
def show(request: Request, token: Token, service: NotificationsService = Service) -> Response:
    with survey_problems():
        shown = show_survey(
            ShowSurvey(token),
            surveys=service.application,
            tokens=service.tokens,
            clock=service.clock,
        )
    view = SurveyView(
        survey_id=str(shown.survey_id),
        status=shown.state.value,
        expires_at=rfc3339_utc(shown.expires_at),
        question=QUESTION,
        respond_to=f"{request.url.path}/response",
    )
    if "text/html" in request.headers.get("accept", ""):
        return HTMLResponse(_form(view))
    return JSONBody(view.model_dump())


@router.post(
    "/{token}/response",
    status_code=201,
    response_model=SurveyRecorded,
    responses=PROBLEMS,
    summary="Answer the survey: a score from 1 to 5 and an optional comment (once)",
    operation_id="respondToFollowup",
)
async def respond(
    token: Token, body: SurveyResponse, service: NotificationsService = Service
) -> SurveyRecorded:
    command = AnswerSurvey(token, body.score, body.comment or None)
    answered = await run_in_threadpool(_answer, command, service)
    return SurveyRecorded(
        survey_id=str(answered.survey_id),
        score=answered.score,
        comment=answered.comment,
        recorded_at=rfc3339_utc(answered.answered_at),
    )


def _answer(command: AnswerSurvey, service: NotificationsService) -> SurveyAnswered:
    with survey_problems():
        return answer_survey(
            command, surveys=service.application, tokens=service.tokens, clock=service.clock
        )


def _form(view: SurveyView) -> str:
    """A page that works without our front end: radio buttons and a few lines of script."""
    if view.status != "open":
        return f"<!doctype html><title>Survey</title><p>This survey is {view.status}.</p>"
    options = "".join(
        f'<label><input type="radio" name="score" value="{n}" required> {n}</label> '
        for n in range(MIN_SCORE, MAX_SCORE + 1)
    )
    action = html.escape(view.respond_to, quote=True)
    return f"""<!doctype html><html lang="en"><meta charset="utf-8"><title>Survey</title>
<h1>{html.escape(view.question)}</h1>
<form id="survey">{options}<p><textarea name="comment" maxlength="{MAX_COMMENT_LENGTH}"
 rows="5" cols="60" placeholder="Anything you would like to tell us?"></textarea></p>
<button>Send</button></form><p id="result" role="status"></p>
<script>
document.getElementById("survey").addEventListener("submit", async (e) => {{
  e.preventDefault();
  const data = new FormData(e.target);
  const response = await fetch("{action}", {{method: "POST",
    headers: {{"content-type": "application/json"}},
    body: JSON.stringify({{score: Number(data.get("score")),
                          comment: data.get("comment") || null}})}});
  document.getElementById("result").textContent = response.ok
    ? "Thank you: your answer was recorded." : (await response.json()).detail;
}});
</script></html>"""
