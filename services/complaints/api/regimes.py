"""/v1/regimes: the deadline regimes this deployment knows, and everything each one says.

A compliance officer (or a CRM building its letters) reads here what the service computes
and checks: each clock (what starts and stops it, how long it runs, on which calendar, what
extends or shortcuts it), each regulated letter and the elements it must contain, with the
rule cited for each, and which text of the rules the regime encodes. The documents are the
regime's dataclasses walked field by field (`regime_document`), so a field added to the
regime model appears here without more code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from libs.domain.deadlines import Regime
from libs.platform.http.json_body import JSONBody
from libs.platform.http.problems import Problem
from libs.platform.runtime.jsonable import rfc3339_utc
from services.complaints.api.deps import READ_PROBLEMS, Principal, Reader
from services.complaints.api.schemas import RegimeDocument, RegimeList
from services.complaints.policy import ComplaintPolicy

router = APIRouter(prefix="/v1/regimes", tags=["regimes"])


def regime_document(regime: Regime) -> dict[str, Any]:
    """The regime as JSON: every dataclass field, recursively; enums as their values, dates
    as ISO dates, mappings as objects, tuples as arrays, anything else as its text."""
    document = _plain(regime)
    assert isinstance(document, dict)
    return document


def regime_summary(regime: Regime) -> dict[str, Any]:
    return {
        "name": regime.name,
        "title": regime.title,
        "source": regime.source,
        "version": regime.version,
        "effective_from": _plain(regime.effective_from),
        "href": f"/v1/regimes/{regime.name}",
    }


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name)) for field in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(_plain(key)): _plain(item) for key, item in value.items()}
    if isinstance(value, tuple | list | set | frozenset):
        return [_plain(item) for item in value]
    if isinstance(value, datetime):
        return rfc3339_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    # Anything else a future field holds (a Decimal, a duration) reads as its text, rather
    # than failing the whole document.
    return str(value)


def _policy(request: Request) -> ComplaintPolicy:
    return request.app.state.policy  # type: ignore[no-any-return]


@router.get(
    "",
    response_model=RegimeList,
    responses=READ_PROBLEMS,
    summary="The deadline regimes a complaint may name",
)
def list_regimes(request: Request, _: Principal = Reader) -> JSONResponse:
    policy = _policy(request)
    items = [regime_summary(policy.regimes[name]) for name in policy.regime_names]
    return JSONBody({"items": items})


@router.get(
    "/{name}",
    response_model=RegimeDocument,
    responses=READ_PROBLEMS,
    summary="One regime: its clocks, calendar, variants, letters and the rules they encode",
)
def get_regime(name: str, request: Request, _: Principal = Reader) -> JSONResponse:
    policy = _policy(request)
    regime = policy.regimes.get(name)
    if regime is None:
        raise Problem(
            404,
            "not-found",
            "Not found",
            f"no regime named '{name}' (known: {', '.join(policy.regime_names)})",
            known_regimes=list(policy.regime_names),
        )
    return JSONBody(regime_document(regime))
