"""/v1/legal-entities: the legal entities the deployment handles complaints for.

A group-wide admin registers them; every reader lists them, a key scoped to one entity
seeing only its own (another entity is not found, as its complaints are not).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from libs.domain.legal_entities import KNOWN_REFERENCE_SCHEMES, LegalEntity
from libs.domain.values import Role
from libs.platform.http.auth import require_roles
from libs.platform.http.domain_problems import domain_problems
from libs.platform.http.json_body import JSONBody
from libs.platform.http.openapi_contract import LOCATION, success_headers
from libs.platform.http.problems import Problem, invalid_field, not_found, problem_responses
from libs.platform.http.query_parameters import KnownQueryParameters
from services.complaints.api.deps import READ_PROBLEMS, Principal, Reader
from services.complaints.api.legal_entity_scope import directory
from services.complaints.api.schemas import LegalEntityId, RegimeName, Subdivision

router = APIRouter(prefix="/v1/legal-entities", tags=["legal entities"])

Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Reference = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
SCHEMES = ", ".join(f"{k} ({v})" for k, v in KNOWN_REFERENCE_SCHEMES.items())


class RegisterLegalEntity(BaseModel):
    id: LegalEntityId = Field(description="A short, stable id: lower-case letters, digits, '-'")
    name: Name
    regulator_references: dict[str, Reference] = Field(
        default_factory=dict,
        max_length=16,
        description=f"The entity's references with its regulators, by scheme: {SCHEMES}",
    )
    default_regime: RegimeName = Field(
        "default", description="The regime its complaints follow unless they name one"
    )
    calendar_subdivision: Subdivision | None = Field(
        None, description="The calendar subdivision its complaints' deadlines use by default"
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "acme-uk",
                    "name": "Acme Bank UK plc",
                    "regulator_references": {"fca_frn": "123456"},
                    "default_regime": "uk-fca-disp",
                    "calendar_subdivision": "ENG",
                }
            ]
        },
    )


class LegalEntityView(BaseModel):
    id: str
    name: str
    regulator_references: dict[str, str]
    default_regime: str
    calendar_subdivision: str | None
    registered: bool = Field(
        description="False for the default entity of a deployment that never registered it"
    )


class LegalEntityList(BaseModel):
    items: list[LegalEntityView]


def _view(entity: LegalEntity) -> dict[str, Any]:
    return entity.record()


@router.post(
    "",
    status_code=201,
    response_model=LegalEntityView,
    responses={
        **problem_responses(400, 401, 403, 409, 422),
        **success_headers(201, Location=LOCATION),
    },
    summary="Register a legal entity (group-wide admin)",
    operation_id="registerLegalEntity",
)
async def register(
    body: RegisterLegalEntity,
    request: Request,
    principal: Principal = Depends(require_roles(Role.ADMIN)),
) -> Response:
    if principal.legal_entity is not None:
        raise Problem(
            403,
            "forbidden",
            "Forbidden",
            f"this key acts for the legal entity '{principal.legal_entity}' only; "
            "registering entities needs a group-wide admin key",
        )
    policy = request.app.state.policy
    if body.default_regime not in policy.regimes:
        known = ", ".join(policy.regime_names)
        raise invalid_field("default_regime", f"no regime '{body.default_regime}' (known: {known})")
    with domain_problems():
        entity = await run_in_threadpool(
            lambda: directory(request).register(
                entity_id=body.id,
                name=body.name,
                regulator_references=dict(body.regulator_references),
                default_regime=body.default_regime,
                calendar_subdivision=body.calendar_subdivision,
                registered_by=principal.actor,
            )
        )
    return JSONBody(
        _view(entity), status_code=201, headers={"Location": f"/v1/legal-entities/{entity.id}"}
    )


@router.get(
    "",
    response_model=LegalEntityList,
    responses=READ_PROBLEMS,
    summary="The legal entities this key may see",
    operation_id="listLegalEntities",
)
async def list_entities(
    request: Request, principal: Principal = Reader, _known: None = KnownQueryParameters
) -> Response:
    known = await run_in_threadpool(directory(request).all)
    items = [_view(e) for e in known.values() if principal.may_see(e.id)]
    return JSONBody({"items": sorted(items, key=lambda e: e["id"])})


@router.get(
    "/{entity_id}",
    response_model=LegalEntityView,
    responses=READ_PROBLEMS,
    summary="One legal entity",
    operation_id="getLegalEntity",
)
async def get_entity(entity_id: str, request: Request, principal: Principal = Reader) -> Response:
    entity = await run_in_threadpool(directory(request).get, entity_id)
    if entity is None or not principal.may_see(entity.id):
        raise not_found("legal entity", entity_id)
    return JSONBody(_view(entity))
