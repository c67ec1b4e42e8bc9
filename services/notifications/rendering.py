"""A notification's words: its template rendered with the variables it was scheduled with,
plus, for a survey, a signed link to answer it (made at sending time, so the link's expiry
is the survey's)."""

from __future__ import annotations

from libs.domain.notification import Notification, Survey
from services.notifications.templates import RenderedMessage, TemplateBook
from services.notifications.tokens import SurveyTokens


class MessageRenderer:
    def __init__(self, book: TemplateBook, tokens: SurveyTokens, public_url: str) -> None:
        self._book = book
        self._tokens = tokens
        self._public_url = public_url.rstrip("/")

    def render(self, notification: Notification, survey: Survey | None) -> RenderedMessage:
        """The message; TemplateError or OSError when its template cannot be rendered."""
        variables = dict(notification.variables)
        if survey is not None:
            token = self._tokens.issue(survey.id, survey.expires_at)
            variables["survey"] = {
                "url": f"{self._public_url}/v1/followups/{token}",
                "expires_at": survey.expires_at.isoformat(),
            }
        return self._book.render(notification.template, notification.locale, variables)
