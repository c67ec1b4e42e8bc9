"""GET /v1/notifications: every notification and its delivery attempts, paged.

A key scoped to one legal entity lists only that entity's notifications (issue 20): another
entity's complaint has none, as an unknown one has none."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from libs.platform.http.auth import Principal
from libs.platform.http.query_parameters import KnownQueryParameters
from libs.platform.runtime.jsonable import utc_text
from services.notifications.api.deps import READ_PROBLEMS, Reader, Service
from services.notifications.bootstrap import NotificationsService
from services.notifications.use_cases import reading

#: A time the read model keeps as text, shown in UTC with Z as every instant is (rows
#: projected before issue 20 hold `+00:00`).
UtcInstantText = Annotated[str, AfterValidator(utc_text)]

router = APIRouter(prefix="/v1/notifications", tags=["notifications"])


class AttemptView(BaseModel):
    attempt: int
    outcome: str = Field(description="delivered | retry | permanent")
    detail: str
    attempted_at: UtcInstantText
    next_attempt_at: UtcInstantText | None


class NotificationView(BaseModel):
    id: str
    complaint_id: str
    rule: str
    template: str
    locale: str
    channel: str
    audience: str = Field(description="customer | staff")
    recipient: str | None
    status: str = Field(description="scheduled | retrying | delivered | failed | cancelled")
    subject: str | None = Field(description="Set once the message has been rendered")
    scheduled_at: UtcInstantText
    send_at: UtcInstantText
    delivered_at: UtcInstantText | None
    closed_reason: str | None = Field(description="Why it failed or was cancelled")
    trigger_event_id: str
    survey_id: str | None
    legal_entity: str = Field(description="The legal entity of the complaint")
    attempts: list[AttemptView]


class NotificationPage(BaseModel):
    items: list[NotificationView]
    next_after: int | None = Field(description="Pass as `after` for the next page; null: done")


Status = Annotated[
    str, StringConstraints(pattern=r"^(scheduled|retrying|delivered|failed|cancelled)$")
]


@router.get(
    "",
    response_model=NotificationPage,
    responses=READ_PROBLEMS,
    summary="Notifications (of one complaint, or all), oldest first, with delivery attempts",
)
def list_notifications(
    complaint_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None,
    status: Status | None = None,
    after: int = Query(0, ge=0, le=2**62, description="The `next_after` of the previous page"),
    limit: int = Query(50, ge=1, le=500),
    principal: Principal = Reader,
    _known: None = KnownQueryParameters,
    service: NotificationsService = Service,
) -> NotificationPage:
    page = reading.list_notifications(
        reading.ListNotifications(complaint_id, status, after, limit, principal.legal_entity),
        engine=service.engine,
    )
    return NotificationPage(
        items=[NotificationView.model_validate(item) for item in page.items],
        next_after=page.next_after,
    )
