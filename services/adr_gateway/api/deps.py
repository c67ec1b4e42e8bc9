"""Dependencies shared by the gateway's routers, and how the gateway's own refusals look over
HTTP (`REFUSALS`, for the platform's `domain_problems`)."""

from __future__ import annotations

import structlog
from fastapi import Depends, Request

from libs.domain.provider import Provider, RequiredFieldRemoved
from libs.domain.referral import NotYourReferral, Referral, WebhookIdReused
from libs.domain.values import Role
from libs.platform.http.auth import Principal, require_roles
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


# -- legal entities (issue 20): another entity's referral or provider is not found -------


def referral_in_scope(referral: Referral, principal: Principal) -> Referral:
    """The referral, if the key may see it: one acting for its complaint's legal entity, or
    a group-wide one (a referral whose entity is not known yet: group-wide keys only).
    Otherwise 404, never a 403 that would confirm it exists."""
    if principal.legal_entity is not None and referral.legal_entity != principal.legal_entity:
        raise ReferralNotFound(referral.reference)
    return referral


def provider_visible(provider: Provider, principal: Principal) -> bool:
    """A key sees the providers of its entity and the group-wide ones (which serve it)."""
    return principal.legal_entity is None or provider.serves(principal.legal_entity)


def provider_in_scope(provider: Provider, principal: Principal) -> Provider:
    if not provider_visible(provider, principal):
        raise ProviderNotFound(provider.id)
    return provider


def may_manage_provider(provider: Provider, principal: Principal) -> Provider:
    """A provider the key may change: its entity's; a group-wide provider needs a group-wide
    key (403, since a scoped key sees group-wide providers anyway)."""
    provider_in_scope(provider, principal)
    if provider.legal_entity is None and principal.legal_entity is not None:
        raise group_wide_provider(principal.legal_entity)
    return provider


def group_wide_provider(legal_entity: str) -> Problem:
    return Problem(
        403,
        "group-wide-provider",
        "Group-wide keys only",
        "a provider serving every legal entity of the group is registered and changed with a "
        f"group-wide key; this key acts for legal entity '{legal_entity}' only",
    )


def other_entity(asked: str, legal_entity: str) -> Problem:
    return Problem(
        403,
        "legal-entity-out-of-scope",
        "Another legal entity",
        f"this key acts for legal entity '{legal_entity}' only, not '{asked}'",
    )


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
