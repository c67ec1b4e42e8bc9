"""/v1/providers: the ADR providers the firm works with (administrators only).

A provider serves one legal entity of the group or all of them (`legal_entity`: null). A key
scoped to one entity sees that entity's providers and the group-wide ones, registers and
changes only its entity's, and gets 404 for another entity's (issue 20)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from libs.domain.provider import Fee as ProviderFee
from libs.domain.provider import Method
from libs.platform.http.auth import Principal
from libs.platform.http.currencies import Currency
from libs.platform.http.domain_problems import domain_problems
from libs.platform.http.idempotency import (
    WITHHELD_HEADER,
    IdempotentRequest,
    idempotent_request,
)
from libs.platform.http.json_body import JSONBody
from libs.platform.http.openapi_contract import response_header, success_headers
from libs.platform.http.query_parameters import KnownQueryParameters
from libs.platform.runtime.jsonable import jsonable
from services.adr_gateway.api.deps import (
    READ_PROBLEMS,
    REFUSALS,
    WRITE_PROBLEMS,
    Admin,
    Service,
    group_wide_provider,
    may_manage_provider,
    other_entity,
    provider_in_scope,
    provider_visible,
)
from services.adr_gateway.bootstrap import GatewayService
from services.adr_gateway.use_cases import providers as use_cases
from services.adr_gateway.use_cases.providers import (
    ChangeProvider,
    ProviderWithRecord,
    RegisterProvider,
)
from services.adr_gateway.webhook_secrets import SECRET_RULE, valid_webhook_secret

router = APIRouter(prefix="/v1/providers", tags=["providers"])
#: Never shown (but see `provider_view`).
SECRET_FIELDS = frozenset({"webhook_secret", "previous_webhook_secret"})

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
Code = Annotated[str, Field(min_length=1, max_length=32)]
EntityId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]


class Fee(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    currency: Currency  # ISO 4217 money, as for the complaints service's amounts


def _check_secret(value: str | None) -> str | None:
    if value is not None and not valid_webhook_secret(value):
        raise ValueError(f"webhook_secret {SECRET_RULE}")
    return value


class NewProvider(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "ombudsman-east",
                    "name": "Ombudsman Services East",
                    "methods": ["mediation", "arbitration"],
                    "categories": ["billing"],
                    "jurisdictions": ["GB"],
                    "languages": ["en", "cy"],
                    "fee": {"amount": "250.00", "currency": "GBP"},
                    "adapter": "email",
                    "adapter_settings": {"to": "referrals@ombudsman-east.example"},
                }
            ]
        },
    )
    id: Slug | None = Field(
        None, description="A short stable id (generated from the name if absent)"
    )
    name: str = Field(min_length=1, max_length=200)
    methods: list[Method] = Field(min_length=1, max_length=4)
    categories: list[Code] = Field(default_factory=list, max_length=50, description="[] = any")
    jurisdictions: list[Code] = Field(default_factory=list, max_length=50, description="[] = any")
    languages: list[Code] = Field(default_factory=lambda: ["en"], max_length=50)
    fee: Fee | None = None
    adapter: str = Field(min_length=1, max_length=64)
    adapter_settings: dict[str, Any] = Field(default_factory=dict)
    webhook_secret: str | None = Field(None, description="Write-only; generated if absent")
    active: bool = True
    legal_entity: EntityId | None = Field(
        None,
        description="The legal entity whose referrals it takes, for good; null: every entity "
        "(group-wide, needs a group-wide key). Absent: the key's entity, or every entity for "
        "a group-wide key",
    )

    _secret = field_validator("webhook_secret")(_check_secret)


class ProviderChanges(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"languages": ["en", "cy", "fr"], "active": False}]},
    )
    name: str | None = Field(None, min_length=1, max_length=200)
    methods: list[Method] | None = Field(None, min_length=1, max_length=4)
    categories: list[Code] | None = Field(None, max_length=50)
    jurisdictions: list[Code] | None = Field(None, max_length=50)
    languages: list[Code] | None = Field(None, max_length=50)
    fee: Fee | None = None
    adapter: str | None = Field(None, min_length=1, max_length=64)
    adapter_settings: dict[str, Any] | None = None
    webhook_secret: str | None = None
    active: bool | None = None

    _secret = field_validator("webhook_secret")(_check_secret)


class ProviderView(BaseModel):
    id: str
    name: str
    methods: list[str]
    categories: list[str]
    jurisdictions: list[str]
    languages: list[str]
    fee: dict[str, str] | None
    adapter: str
    adapter_settings: dict[str, Any]
    active: bool
    legal_entity: str | None = Field(description="null: serves every legal entity")
    has_webhook_secret: bool
    track_record: dict[str, Any]
    registered_at: str
    updated_at: str
    webhook_secret_rotated_at: str | None = Field(
        None,
        description="When the webhook secret was last rotated (the previous one is "
        "accepted for REDRESS_WEBHOOK_SECRET_OVERLAP_SECONDS after)",
    )
    webhook_secret: str | None = Field(
        None,
        description="Shown once, when the gateway generated the secret; null on an "
        "idempotent replay (header Idempotent-Withheld: webhook_secret)",
    )


def provider_view(found: ProviderWithRecord) -> dict[str, Any]:
    """A provider as the API shows it: never its webhook secret, unless the gateway has just
    made it (the only time it is shown)."""
    shown = {k: v for k, v in found.provider.stored().items() if k not in SECRET_FIELDS}
    shown["legal_entity"] = found.provider.legal_entity
    shown["has_webhook_secret"] = found.provider.has_webhook_secret
    shown["track_record"] = found.track_record.as_dict()
    view: dict[str, Any] = jsonable(shown)
    if found.generated_secret is not None:
        view["webhook_secret"] = found.generated_secret
    return view


def _legal_entity(body: NewProvider, principal: Principal) -> str | None:
    """The entity the new provider serves: as asked, within the key's scope."""
    if "legal_entity" not in body.model_fields_set:
        return principal.legal_entity
    if principal.legal_entity is None:
        return body.legal_entity
    if body.legal_entity is None:
        raise group_wide_provider(principal.legal_entity)
    if body.legal_entity != principal.legal_entity:
        raise other_entity(body.legal_entity, principal.legal_entity)
    return body.legal_entity


def _registration(body: NewProvider, principal: Principal) -> RegisterProvider:
    return RegisterProvider(
        provider_id=body.id,
        name=body.name,
        methods=tuple(m.value for m in body.methods),
        categories=tuple(body.categories),
        jurisdictions=tuple(body.jurisdictions),
        languages=tuple(body.languages),
        fee=None if body.fee is None else ProviderFee(body.fee.amount, body.fee.currency),
        adapter=body.adapter,
        adapter_settings=body.adapter_settings,
        webhook_secret=body.webhook_secret,
        active=body.active,
        registered_by=principal.actor,
        legal_entity=_legal_entity(body, principal),
    )


PROVIDER_LOCATION = response_header("Where the provider is read", "/v1/providers/fos-uk")
SECRET_WITHHELD = response_header(
    "On an idempotent replay: the fields of the first answer that were not kept (the webhook "
    "secret the gateway made is shown once; rotate it with PATCH if it was lost)",
    "webhook_secret",
)


@router.post(
    "",
    status_code=201,
    response_model=ProviderView,
    responses={
        **WRITE_PROBLEMS,
        **success_headers(201, **{"Location": PROVIDER_LOCATION, WITHHELD_HEADER: SECRET_WITHHELD}),
    },
    summary="Register a provider",
    operation_id="registerProvider",
)
def register(
    body: NewProvider,
    request: Request,
    principal: Principal = Admin,
    service: GatewayService = Service,
    idempotent: IdempotentRequest = Depends(idempotent_request),
) -> Response:
    def produce() -> JSONResponse:
        with domain_problems(*REFUSALS):
            registered = use_cases.register_provider(
                _registration(body, principal),
                application=service.application,
                check_settings=service.adapter_settings,
                records=service.track_records,
                cipher=service.cipher,
            )
        return JSONBody(
            provider_view(registered),
            status_code=201,
            headers={"Location": f"/v1/providers/{registered.provider.id}"},
        )

    # The secret the gateway made is shown once: never kept for a replay.
    return idempotent.run(produce, withheld=("webhook_secret",))


@router.get(
    "",
    response_model=list[ProviderView],
    responses=READ_PROBLEMS,
    summary="Every provider, with its track record",
)
def list_providers(
    principal: Principal = Admin,
    _known: None = KnownQueryParameters,
    service: GatewayService = Service,
) -> Response:
    providers = use_cases.providers_with_records(
        application=service.application, records=service.track_records
    )
    return JSONBody(
        [provider_view(p) for p in providers if provider_visible(p.provider, principal)]
    )


@router.get(
    "/{provider_id}",
    response_model=ProviderView,
    responses=READ_PROBLEMS,
    summary="One provider, with its track record",
)
def get_provider(
    provider_id: str, principal: Principal = Admin, service: GatewayService = Service
) -> Response:
    with domain_problems(*REFUSALS):
        found = use_cases.provider_with_record(
            provider_id, application=service.application, records=service.track_records
        )
        provider_in_scope(found.provider, principal)
    return JSONBody(provider_view(found))


@router.patch(
    "/{provider_id}",
    response_model=ProviderView,
    responses=WRITE_PROBLEMS,
    summary="Change a provider (rotate its secret, retire it, …)",
)
def change_provider(
    provider_id: str,
    body: ProviderChanges,
    principal: Principal = Admin,
    service: GatewayService = Service,
) -> Response:
    changes = body.model_dump(mode="json", exclude_unset=True)
    with domain_problems(*REFUSALS):
        may_manage_provider(service.application.provider(provider_id), principal)
        changed = use_cases.change_provider(
            ChangeProvider(provider_id, changes, changed_by=principal.actor),
            application=service.application,
            check_settings=service.adapter_settings,
            records=service.track_records,
            cipher=service.cipher,
        )
    return JSONBody(provider_view(changed))
