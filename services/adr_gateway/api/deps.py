"""Dependencies shared by the gateway's routers, and how the gateway's own refusals look over
HTTP (`REFUSALS`, for the platform's `domain_problems`)."""

from __future__ import annotations

import structlog
from fastapi import Depends, Request

from libs.domain.provider import RequiredFieldRemoved
from libs.domain.referral import NotYourReferral, WebhookIdReused
from libs.domain.values import Role
from libs.platform.http.auth import require_roles
from libs.platform.http.domain_problems import Translation
from libs.platform.http.problems import Problem, invalid_field, not_found, problem_responses
from services.adr_gateway.adapters import InvalidSettings
from services.adr_gateway.application import (
    GatewayApplication,
    KeptChanging,
    ProviderNotFound,
    ReferralNotFound,
)
from services.adr_gateway.bootstrap import GatewayService
from services.adr_gateway.use_cases.providers import UnknownAdapter

log = structlog.get_logger()


async def application(request: Request) -> GatewayApplication:
    return request.app.state.application  # type: ignore[no-any-return]


async def service(request: Request) -> GatewayService:
    return request.app.state.service  # type: ignore[no-any-return]


Admin = Depends(require_roles(Role.ADMIN))
Reader = Depends(require_roles(Role.ADMIN, Role.AUDITOR, Role.SERVICE))
App = Depends(application)
Service = Depends(service)
READ_PROBLEMS = problem_responses(400, 401, 403, 404, 422)
WRITE_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 413, 422)


def _not_yours(error: Exception) -> Problem:
    assert isinstance(error, NotYourReferral)
    return Problem(403, "not-your-referral", "Forbidden", error.message)


def _webhook_id_reused(error: Exception) -> Problem:
    assert isinstance(error, WebhookIdReused)
    log.warning(
        "a provider reused a webhook-id with another body",
        referral=error.reference,
        webhook_id=error.webhook_id,
    )
    return Problem(
        409, "webhook-id-reused", "Webhook id reused", error.message, webhook_id=error.webhook_id
    )


def _no_referral(error: Exception) -> Problem:
    assert isinstance(error, ReferralNotFound)
    return not_found("referral", error.reference)


def _no_provider(error: Exception) -> Problem:
    assert isinstance(error, ProviderNotFound)
    return not_found("provider", error.provider_id)


def _contention(error: Exception) -> Problem:
    return Problem(409, "contention", "Conflict", str(error))


def _unknown_adapter(error: Exception) -> Problem:
    return invalid_field("adapter", "unknown adapter", detail=str(error))


def _invalid_settings(error: Exception) -> Problem:
    assert isinstance(error, InvalidSettings)
    return invalid_field(error.field, str(error))


def _required_removed(error: Exception) -> Problem:
    assert isinstance(error, RequiredFieldRemoved)
    return invalid_field(error.field, error.message, detail=f"{error.field} cannot be removed")


#: The gateway's refusals (beyond the domain's own), as problem documents.
REFUSALS: tuple[Translation, ...] = (
    (NotYourReferral, _not_yours),
    (WebhookIdReused, _webhook_id_reused),
    (ReferralNotFound, _no_referral),
    (ProviderNotFound, _no_provider),
    (KeptChanging, _contention),
    (UnknownAdapter, _unknown_adapter),
    (InvalidSettings, _invalid_settings),
    (RequiredFieldRemoved, _required_removed),
)
