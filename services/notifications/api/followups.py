"""/v1/followups/{token}: the survey a customer reached through the link in their e-mail.
No API key: the signed token authorises exactly one answer.

A browser gets a page that works without JavaScript: an ordinary HTML form (a labelled
1 to 5 scale of radio buttons in a fieldset, a labelled comment box) posted to
`/v1/followups/{token}/form` as `application/x-www-form-urlencoded`, answered with a page
(`respondToFollowupForm`); programs post JSON to `/v1/followups/{token}/response`. Scores are
whole numbers only: `"5"` in JSON is refused, and so is `5.0` or `five` in the form."""

from __future__ import annotations

import html
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

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
    score: StrictInt = Field(
        ge=MIN_SCORE,
        le=MAX_SCORE,
        description="1 (very unhappy) to 5 (very happy): a JSON integer, not a string",
    )
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


FORM_BODY_LIMIT = 4 * MAX_COMMENT_LENGTH + 200  # a comment percent-encoded, and the score
SCALE = {
    1: "Very dissatisfied",
    2: "Dissatisfied",
    3: "Neither satisfied nor dissatisfied",
    4: "Satisfied",
    5: "Very satisfied",
}


class SurveyFormAnswer(BaseModel):
    """What the survey page's form posts (`application/x-www-form-urlencoded`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"score": "4", "comment": "Quick and fair, thank you"}]},
    )
    score: Literal["1", "2", "3", "4", "5"] = Field(
        description="The radio button chosen: 1 (very dissatisfied) to 5 (very satisfied)"
    )
    comment: Annotated[str, StringConstraints(max_length=MAX_COMMENT_LENGTH)] | None = None


FORM_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {"$ref": "#/components/schemas/SurveyFormAnswer"}
        }
    },
}


def declare_form_schema(app: FastAPI) -> None:
    """Adds `SurveyFormAnswer` to the app's document (a form body is not a pydantic
    parameter here, so FastAPI would not list it)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        document = build()
        if fresh:
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas["SurveyFormAnswer"] = SurveyFormAnswer.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
        return document

    app.openapi = openapi  # type: ignore[method-assign]


@router.post(
    "/{token}/form",
    response_class=HTMLResponse,
    responses={
        200: {"description": "The answer recorded: a thank-you page"},
        **{status: {"description": "An HTML page saying why"} for status in PROBLEMS},
    },
    summary="Answer the survey from its HTML form (no JavaScript): score 1 to 5, a comment",
    operation_id="respondToFollowupForm",
    openapi_extra={"requestBody": FORM_BODY},
)
async def respond_with_form(
    request: Request, token: Token, service: NotificationsService = Service
) -> HTMLResponse:
    raw = await request.body()
    if len(raw) > FORM_BODY_LIMIT:
        return _page("Your answer is too long", "Please shorten your comment.", 413)
    fields = parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
    score_text = (fields.get("score") or [""])[0].strip()
    comment = (fields.get("comment") or [""])[0].strip() or None
    if not score_text.isdigit() or int(score_text) not in SCALE:
        return _page(
            "Please choose a score",
            f"Choose one of the scores from {MIN_SCORE} to {MAX_SCORE}, then send the form again.",
            422,
        )
    if comment is not None and len(comment) > MAX_COMMENT_LENGTH:
        return _page(
            "Your comment is too long",
            f"Please keep it to {MAX_COMMENT_LENGTH} characters.",
            422,
        )
    try:
        await run_in_threadpool(_answer, AnswerSurvey(token, int(score_text), comment), service)
    except Problem as problem:
        return _page(problem.title, problem.detail or "", problem.status)
    return _page("Thank you", "Your answer was recorded. Thank you for telling us.", 200)


def _answer(command: AnswerSurvey, service: NotificationsService) -> SurveyAnswered:
    with survey_problems():
        return answer_survey(
            command, surveys=service.application, tokens=service.tokens, clock=service.clock
        )


STYLE = """body{font:1.1rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;
padding:0 1rem;color:#1b1b1b}fieldset{border:1px solid #767676;padding:1rem}
legend{font-weight:600;padding:0 .3rem}label{display:block;margin:.4rem 0}
textarea{width:100%;font:inherit}button{font:inherit;padding:.5rem 1.5rem}
:focus-visible{outline:3px solid #1d70b8;outline-offset:2px}"""


def _page(title: str, message: str, status: int) -> HTMLResponse:
    return HTMLResponse(_page_html(title, message), status_code=status)


def _page_html(title: str, message: str) -> str:
    return (
        f'<!doctype html><html lang="en"><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style>"
        f'<main><h1>{html.escape(title)}</h1><p role="status">{html.escape(message)}</p></main>'
        f"</html>"
    )


def _form(view: SurveyView) -> str:
    """An ordinary HTML form: works without JavaScript, by keyboard and with a screen reader
    (a fieldset whose legend is the question, each score a labelled radio button)."""
    if view.status != "open":
        return _page_html("Survey", f"This survey is {view.status}.")
    options = "".join(
        f'<label><input type="radio" name="score" value="{n}" required> '
        f"{n} &ndash; {html.escape(words)}</label>"
        for n, words in SCALE.items()
    )
    action = html.escape(view.respond_to.removesuffix("/response") + "/form", quote=True)
    return f"""<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>How did we do?</title><style>{STYLE}</style>
<main><h1>How did we do?</h1>
<form method="post" action="{action}">
<fieldset aria-describedby="scale-hint"><legend>{html.escape(view.question)}</legend>
<p id="scale-hint">1 means very dissatisfied and 5 very satisfied.</p>
{options}</fieldset>
<p><label for="comment">Anything you would like to tell us? (optional)</label>
<textarea id="comment" name="comment" maxlength="{MAX_COMMENT_LENGTH}" rows="5"></textarea></p>
<p><button type="submit">Send my answer</button></p>
</form>
<p>The link works until {html.escape(view.expires_at[:10])}.</p></main></html>"""
