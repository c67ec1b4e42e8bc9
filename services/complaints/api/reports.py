"""/v1/reports/regulatory: complaints opened, closed, how fast, upheld, redress — JSON or CSV."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy import Engine

from libs.platform.http.instants import Instant
from libs.platform.http.problems import Problem, invalid_field
from services.complaints.api.deps import READ_PROBLEMS, Principal, Reader, projector, read_engine
from services.complaints.readmodel.projector import ComplaintListProjector
from services.complaints.readmodel.reports import as_csv, regulatory_report

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get(
    "/regulatory",
    responses={
        **READ_PROBLEMS,
        200: {"content": {"application/json": {}, "text/csv": {}}, "description": "The report"},
    },
    summary="Complaints opened and closed in a period, time to close, upheld, redress paid",
)
def regulatory(
    request: Request,
    start: Annotated[Instant, Query(alias="from", description="Period start (inclusive)")],
    end: Annotated[Instant, Query(alias="to", description="Period end (exclusive)")],
    regime: Annotated[str | None, Query(max_length=32)] = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
    _: Principal = Reader,
    engine: Engine = Depends(read_engine),
    projection: ComplaintListProjector = Depends(projector),
) -> Response:
    if end <= start:
        raise invalid_field("to", "must be after 'from'", detail="'to' must be after 'from'")
    policy = request.app.state.policy
    if regime is not None and regime not in policy.regimes:
        raise Problem(
            422,
            "unknown-regime",
            "Unknown deadline regime",
            f"unknown regime '{regime}'; known regimes: {', '.join(policy.regime_names)}",
            errors=[{"field": "regime", "message": "unknown regime"}],
        )
    projection.catch_up()
    report: dict[str, Any] = regulatory_report(engine, regime=regime, start=start, end=end)
    if format == "csv" or "text/csv" in request.headers.get("accept", ""):
        return PlainTextResponse(as_csv(report), media_type="text/csv")
    return JSONResponse(report)
