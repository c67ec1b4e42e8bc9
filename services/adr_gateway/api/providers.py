"""/v1/providers: the ADR providers the firm works with (administrators only)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from eventsourcing.persistence import IntegrityError
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from libs.domain.provider import Method, ProviderRegistry
from libs.platform.http.auth import Principal
from libs.platform.http.idempotency import IdempotentRequest, idempotent_request
from libs.platform.http.problems import Problem, not_found
from libs.platform.runtime.jsonable import jsonable
from services.adr_gateway.adapters import InvalidSettings
from services.adr_gateway.api.deps import (
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    Admin,
    Service,
    domain_problems,
)
from services.adr_gateway.bootstrap import GatewayService
from services.adr_gateway.delivery import track_records
from services.adr_gateway.webhook_secrets import (
    SECRET_RULE,
    new_webhook_secret,
    valid_webhook_secret,
)

router = APIRouter(prefix="/v1/providers", tags=["providers"])
_registry_lock = threading.Lock()

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
Code = Annotated[str, Field(min_length=1, max_length=32)]


class Fee(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


def _check_secret(value: str | None) -> str | None:
    if value is not None and not valid_webhook_secret(value):
        raise ValueError(f"webhook_secret {SECRET_RULE}")
    return value


class NewProvider(BaseModel):
    model_config = ConfigDict(extra="forbid")
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

    _secret = field_validator("webhook_secret")(_check_secret)


class ProviderChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")
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
    has_webhook_secret: bool
    track_record: dict[str, Any]
    registered_at: str
    updated_at: str
    webhook_secret: str | None = Field(
        None, description="Shown once, when the gateway generated the secret"
    )


def provider_view(provider: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in provider.items() if k != "webhook_secret"}
    shown["has_webhook_secret"] = bool(provider.get("webhook_secret"))
    shown["track_record"] = record
    return jsonable(shown)  # type: ignore[no-any-return]


def _record_of(service: GatewayService, provider_id: str) -> dict[str, Any]:
    from libs.domain.provider import TrackRecord

    return track_records(service.engine).get(provider_id, TrackRecord()).as_dict()


def _checked_settings(service: GatewayService, adapter: str, settings: dict[str, Any]) -> Any:
    plugin = service.adapters.get(adapter)
    if plugin is None:
        raise Problem(
            422,
            "validation-error",
            "Invalid request",
            f"unknown adapter '{adapter}' (installed: {', '.join(sorted(service.adapters))})",
            errors=[{"field": "adapter", "message": "unknown adapter"}],
        )
    try:
        return plugin.check_settings(settings, development=service.settings.development)
    except InvalidSettings as error:
        raise Problem(
            422,
            "validation-error",
            "Invalid request",
            str(error),
            errors=[{"field": error.field, "message": str(error)}],
        ) from None


def _change_registry(service: GatewayService, change: Callable[[ProviderRegistry], None]) -> Any:
    with _registry_lock, domain_problems():
        for _ in range(8):
            registry = service.application.registry()
            change(registry)
            try:
                service.application.save(registry)
            except IntegrityError:
                continue  # another replica changed the registry: apply to the fresh one
            return registry
    raise Problem(409, "contention", "Conflict", "the registry kept changing; retry")


@router.post(
    "",
    status_code=201,
    response_model=ProviderView,
    responses=WRITE_PROBLEMS,
    summary="Register a provider",
)
def register(
    body: NewProvider,
    request: Request,
    principal: Principal = Admin,
    service: GatewayService = Service,
    idempotent: IdempotentRequest = Depends(idempotent_request),
) -> Response:
    def produce() -> JSONResponse:
        provider_id = body.id or _slug(body.name)
        settings = _checked_settings(service, body.adapter, body.adapter_settings)
        generated = body.webhook_secret is None
        secret = body.webhook_secret or new_webhook_secret()
        profile = body.model_dump(mode="json", exclude={"id", "webhook_secret"})
        profile.update(adapter_settings=settings, webhook_secret=secret)
        registry = _change_registry(
            service, lambda r: r.register(provider_id, profile, registered_by=principal.actor)
        )
        view = provider_view(registry.provider(provider_id), _record_of(service, provider_id))
        if generated:
            view["webhook_secret"] = secret  # the only time it is ever shown
        return JSONResponse(
            view, status_code=201, headers={"Location": f"/v1/providers/{provider_id}"}
        )

    return idempotent.run(produce)


@router.get(
    "",
    response_model=list[ProviderView],
    responses=READ_PROBLEMS,
    summary="Every provider, with its track record",
)
def list_providers(_: Principal = Admin, service: GatewayService = Service) -> Response:
    records = track_records(service.engine)
    from libs.domain.provider import TrackRecord

    providers = service.application.registry().providers.values()
    return JSONResponse(
        [provider_view(p, records.get(p["id"], TrackRecord()).as_dict()) for p in providers]
    )


@router.get(
    "/{provider_id}",
    response_model=ProviderView,
    responses=READ_PROBLEMS,
    summary="One provider, with its track record",
)
def get_provider(
    provider_id: str, _: Principal = Admin, service: GatewayService = Service
) -> Response:
    provider = service.application.registry().providers.get(provider_id)
    if provider is None:
        raise not_found("provider", provider_id)
    return JSONResponse(provider_view(provider, _record_of(service, provider_id)))


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
    current = service.application.registry().providers.get(provider_id)
    if current is None:
        raise not_found("provider", provider_id)
    changes = body.model_dump(mode="json", exclude_unset=True)
    for field in ("name", "methods", "adapter", "webhook_secret", "active"):
        if field in changes and changes[field] is None:
            raise Problem(
                422,
                "validation-error",
                "Invalid request",
                f"{field} cannot be removed",
                errors=[{"field": field, "message": "cannot be null"}],
            )
    if "adapter" in changes or "adapter_settings" in changes:
        adapter = changes.get("adapter", current["adapter"])
        settings = changes.get("adapter_settings", current.get("adapter_settings") or {})
        changes["adapter_settings"] = _checked_settings(service, adapter, settings or {})
    registry = _change_registry(
        service, lambda r: r.change(provider_id, changes, changed_by=principal.actor)
    )
    return JSONResponse(
        provider_view(registry.provider(provider_id), _record_of(service, provider_id))
    )


def _slug(name: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return (slug or "provider")[:63].rstrip("-") or "provider"
