"""GET /v1/reports/satisfaction: what customers said after resolution; a key scoped to one
legal entity reads that entity's surveys only (issue 20)."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, Field

from libs.domain.values import Role
from libs.platform.http.auth import Principal
from libs.platform.http.problems import Problem
from libs.platform.http.query_parameters import KnownQueryParameters
from services.notifications.api.deps import READ_PROBLEMS, Reader, Service
from services.notifications.bootstrap import NotificationsService
from services.notifications.use_cases import reading

router = APIRouter(prefix="/v1/reports", tags=["reports"])


class Satisfaction(BaseModel):
    offered: int = Field(description="Surveys delivered to the customer (or answered)")
    answered: int
    response_rate: float | None
    average: float | None = Field(description="Mean score (1 to 5) of the answers")
    distribution: dict[str, int] = Field(description="Answers per score, '1' to '5'")


class Comment(BaseModel):
    survey_id: str
    complaint_id: str
    category: str
    score: int
    comment: str
    answered_at: str | None


#: Who reads what customers wrote: free text may name people, so not every reader.
SEES_COMMENTS = (Role.SUPERVISOR, Role.ADMIN)


class SatisfactionReport(Satisfaction):
    by_category: dict[str, Satisfaction]
    by_tier_reached: dict[str, Satisfaction]
    by_adr_used: dict[str, Satisfaction] = Field(description="Keyed 'true' / 'false'")
    withdrawn: int = Field(description="Surveys withdrawn (complaint reopened or appealed)")
    waiting_to_be_sent: int = Field(description="Surveys whose time has not come yet")
    comments: list[Comment] | None = Field(
        None,
        description="What customers wrote with their score, newest first: shown to "
        "supervisors and admins only (null for other readers)",
    )


@router.get(
    "/satisfaction",
    response_model=SatisfactionReport,
    responses=READ_PROBLEMS,
    summary="Satisfaction: counts, average, distribution, by category, tier reached and ADR",
    description="Of the surveys offered between `offered_from` and `offered_to` (both "
    "optional); supervisors and admins also see the customers' comments.",
    operation_id="getSatisfactionReport",
)
def satisfaction(
    principal: Principal = Reader,
    _known: None = KnownQueryParameters,
    service: NotificationsService = Service,
    offered_from: AwareDatetime | None = Query(
        None, description="Only surveys offered at or after this instant (RFC 3339, offset)"
    ),
    offered_to: AwareDatetime | None = Query(
        None, description="Only surveys offered before this instant (RFC 3339, offset)"
    ),
) -> SatisfactionReport:
    if offered_from is not None and offered_to is not None and offered_to <= offered_from:
        raise Problem(
            422,
            "validation-error",
            "Invalid request",
            "offered_to must be after offered_from",
        )
    report = reading.satisfaction_report(
        engine=service.engine,
        offered_from=offered_from,
        offered_to=offered_to,
        with_comments=principal.role in SEES_COMMENTS,
        legal_entity=principal.legal_entity,
    )
    return SatisfactionReport.model_validate(report)
