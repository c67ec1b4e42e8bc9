"""Dependencies shared by the gateway's routers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Depends, Request

from libs.domain.errors import DomainError
from libs.domain.referral import NotYourReferral
from libs.domain.values import Role
from libs.platform.http.auth import require_roles
from libs.platform.http.domain_problems import problem_for
from libs.platform.http.problems import Problem, not_found, problem_responses
from services.adr_gateway.application import GatewayApplication, ReferralNotFound
from services.adr_gateway.bootstrap import GatewayService


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


@contextmanager
def domain_problems() -> Iterator[None]:
    try:
        yield
    except NotYourReferral as error:
        raise Problem(403, "not-your-referral", "Forbidden", error.message) from None
    except DomainError as error:
        raise problem_for(error) from None
    except ReferralNotFound as error:
        raise not_found("referral", error.reference) from None
