"""GET /v1/reports/satisfaction: what customers said after resolution; a key scoped to one
legal entity reads that entity's surveys only (issue 20)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from libs.platform.http.auth import Principal
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


class SatisfactionReport(Satisfaction):
    by_category: dict[str, Satisfaction]
    by_tier_reached: dict[str, Satisfaction]
    by_adr_used: dict[str, Satisfaction] = Field(description="Keyed 'true' / 'false'")
    withdrawn: int = Field(description="Surveys withdrawn (complaint reopened or appealed)")
    waiting_to_be_sent: int = Field(description="Surveys whose time has not come yet")


@router.get(
    "/satisfaction",
    response_model=SatisfactionReport,
    responses=READ_PROBLEMS,
    summary="Satisfaction: counts, average, distribution, by category, tier reached and ADR",
    operation_id="getSatisfactionReport",
)
def satisfaction(
    principal: Principal = Reader,
    _known: None = KnownQueryParameters,
    service: NotificationsService = Service,
) -> SatisfactionReport:
    report = reading.satisfaction_report(engine=service.engine, legal_entity=principal.legal_entity)
    return SatisfactionReport.model_validate(report)
