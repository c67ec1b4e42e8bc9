"""A notification's words: its template rendered with the variables it was scheduled with,
plus, for a survey, a signed link to answer it (made at sending time, so the link's expiry
is the survey's), and, for a message that may be late (an acknowledgement past its rule's
`late_after`), whether it is: the words then say so."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from libs.domain.notification import Notification, Survey
from services.notifications.templates import RenderedMessage, TemplateBook
from services.notifications.tokens import SurveyTokens


def is_late(variables: dict[str, Any], now: datetime) -> bool:
    """Whether a message scheduled with `variables` is late at `now` (its `late_at` passed)."""
    late_at = (variables.get("notification") or {}).get("late_at")
    return isinstance(late_at, str) and now > datetime.fromisoformat(late_at)


class MessageRenderer:
    def __init__(self, book: TemplateBook, tokens: SurveyTokens, public_url: str) -> None:
        self._book = book
        self._tokens = tokens
        self._public_url = public_url.rstrip("/")

    def render(
        self, notification: Notification, survey: Survey | None, now: datetime | None = None
    ) -> RenderedMessage:
        """The message; TemplateError or OSError when its template cannot be rendered."""
        variables = dict(notification.variables)
        variables["notification"] = {
            **(variables.get("notification") or {}),
            "late": now is not None and is_late(variables, now),
        }
        if survey is not None:
            token = self._tokens.issue(survey.id, survey.expires_at)
            variables["survey"] = {
                "url": f"{self._public_url}/v1/followups/{token}",
                "expires_at": survey.expires_at.isoformat(),
            }
        return self._book.render(notification.template, notification.locale, variables)
