"""/v1/reports/regulatory: complaints opened, closed, how fast (in the bands of the regime's
own complaints return), upheld, redress, and deadlines breached per clock — JSON or CSV."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy import Engine

from libs.platform.http.instants import Instant
from libs.platform.http.json_body import JSONBody
from libs.platform.http.problems import invalid_field
from libs.platform.http.query_parameters import KnownQueryParameters
from services.complaints.api.deps import READ_PROBLEMS, Principal, Reader, projector, read_engine
from services.complaints.api.legal_entity_scope import LegalEntityFilter
from services.complaints.api.list_filters import check_regime_filter
from services.complaints.readmodel.projector import ComplaintListProjector
from services.complaints.readmodel.reports import as_csv, regulatory_report

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get(
    "/regulatory",
    responses={
        **READ_PROBLEMS,
        200: {"content": {"application/json": {}, "text/csv": {}}, "description": "The report"},
    },
    summary="Complaints opened and closed in a period, time to close, upheld, redress paid, "
    "deadlines breached",
    operation_id="getRegulatoryReport",
)
def regulatory(
    request: Request,
    start: Annotated[Instant, Query(alias="from", description="Period start (inclusive)")],
    end: Annotated[Instant, Query(alias="to", description="Period end (exclusive)")],
    regime: Annotated[str | None, Query(max_length=32)] = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
    legal_entity: LegalEntityFilter = None,
    principal: Principal = Reader,
    _known: None = KnownQueryParameters,
    engine: Engine = Depends(read_engine),
    projection: ComplaintListProjector = Depends(projector),
) -> Response:
    if end <= start:
        raise invalid_field("to", "must be after 'from'", detail="'to' must be after 'from'")
    policy = request.app.state.policy
    check_regime_filter(policy, regime)
    projection.catch_up()
    # FCA PS25/19: the complaints return is made per legal entity. A key scoped to one
    # entity reports on it alone; asking for another's gives empty figures.
    report: dict[str, Any] = regulatory_report(
        engine,
        policy,
        regime=regime,
        start=start,
        end=end,
        legal_entity=legal_entity or principal.legal_entity,
        within=principal.legal_entity,
    )
    if format == "csv" or "text/csv" in request.headers.get("accept", ""):
        return PlainTextResponse(as_csv(report), media_type="text/csv")
    return JSONBody(report)
