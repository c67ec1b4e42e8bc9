"""Every list and report of the three services refuses a query parameter it does not know,
naming it, instead of ignoring it and answering as if it had not been asked (SQLite)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from libs.domain.values import Role
from tests.support.in_process import InProcessClient


def complaints(tmp_path: Path) -> tuple[Any, Any]:
    from services.complaints.app import create_app
    from tests.conftest import build_complaints

    service = build_complaints(f"sqlite:///{tmp_path / 'complaints.db'}")
    return service, create_app(service)


def gateway(tmp_path: Path) -> tuple[Any, Any]:
    from services.adr_gateway.app import create_app
    from services.adr_gateway.bootstrap import bootstrap
    from tests.support.gateway import gateway_settings

    service = bootstrap(gateway_settings(f"sqlite:///{tmp_path / 'gateway.db'}"))
    return service, create_app(service)


def notifications(tmp_path: Path) -> tuple[Any, Any]:
    from services.notifications.app import create_app
    from services.notifications.bootstrap import bootstrap
    from services.notifications.settings import NotificationsSettings

    service = bootstrap(NotificationsSettings(database_url=f"sqlite:///{tmp_path / 'n.db'}"))
    return service, create_app(service)


#: Each service and its app, without their lifespans: nothing runs in the background.
SERVICES: dict[str, Callable[[Path], tuple[Any, Any]]] = {
    "complaints": complaints,
    "adr_gateway": gateway,
    "notifications": notifications,
}

#: Each list or report, with the parameters it needs to answer at all.
LISTS_AND_REPORTS = [
    ("complaints", "/v1/complaints", {}),
    (
        "complaints",
        "/v1/reports/regulatory",
        {"from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"},
    ),
    ("complaints", "/v1/events", {}),
    ("complaints", "/v1/audit/checkpoints", {}),
    ("adr_gateway", "/v1/providers", {}),
    ("adr_gateway", "/v1/referrals/REF-1/candidates", {}),
    ("adr_gateway", "/v1/events", {}),
    ("notifications", "/v1/notifications", {}),
    ("notifications", "/v1/reports/satisfaction", {}),
    ("notifications", "/v1/events", {}),
]


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Callable[[str], tuple[InProcessClient, str]]]:
    started: dict[str, tuple[Any, InProcessClient, str]] = {}

    def start(name: str) -> tuple[InProcessClient, str]:
        if name not in started:
            service, app = SERVICES[name](tmp_path)
            key = service.keyring.issue(role=Role.ADMIN, name="admin")[1]
            started[name] = (service, InProcessClient(app), key)
        _, client, key = started[name]
        return client, key

    yield start
    for service, client, _ in started.values():
        client.close()
        service.stop()


@pytest.mark.parametrize(("service", "path", "needed"), LISTS_AND_REPORTS)
def test_a_misspelt_parameter_is_a_422_naming_it(
    running: Callable[[str], tuple[InProcessClient, str]],
    service: str,
    path: str,
    needed: dict[str, str],
) -> None:
    client, key = running(service)
    response = client.request(
        "GET",
        path,
        params={**needed, "limt": "5", "stauts": "open"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "urn:redress:problem:validation-error"
    assert [error["field"] for error in problem["errors"]] == ["query.limt", "query.stauts"]
    assert "limt" in problem["detail"] and "stauts" in problem["detail"]
