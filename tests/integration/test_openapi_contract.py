"""The published OpenAPI documents are the contract CRMs and providers build against: each
service's document equals the one committed in `tests/fixtures/openapi`. A change to the
contract is made on purpose, by writing the new document there in the same commit:

    REDRESS_WRITE_OPENAPI=1 .venv/bin/pytest tests/integration/test_openapi_contract.py
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

FIXTURE = Path(__file__).parents[1] / "fixtures" / "openapi"


def complaints_app(tmp_path: Path) -> FastAPI:
    from services.complaints.app import create_app
    from tests.conftest import build_complaints

    return create_app(build_complaints(f"sqlite:///{tmp_path / 'complaints.db'}"))


def gateway_app(tmp_path: Path) -> FastAPI:
    from services.adr_gateway.app import create_app
    from services.adr_gateway.bootstrap import bootstrap
    from tests.support.gateway import gateway_settings

    return create_app(bootstrap(gateway_settings(f"sqlite:///{tmp_path / 'gateway.db'}")))


def notifications_app(tmp_path: Path) -> FastAPI:
    from services.notifications.app import create_app
    from services.notifications.bootstrap import bootstrap
    from services.notifications.settings import NotificationsSettings

    settings = NotificationsSettings(database_url=f"sqlite:///{tmp_path / 'notifications.db'}")
    return create_app(bootstrap(settings))


def sandbox_app(tmp_path: Path) -> FastAPI:
    from services.adr_gateway.sandbox.app import create_app

    return create_app()


SERVICES: dict[str, Callable[[Path], FastAPI]] = {
    "complaints": complaints_app,
    "adr_gateway": gateway_app,
    "notifications": notifications_app,
    "sandbox_provider": sandbox_app,
}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_the_openapi_document_is_the_published_one(name: str, tmp_path: Path) -> None:
    document: dict[str, Any] = SERVICES[name](tmp_path).openapi()
    published = FIXTURE / f"{name}.json"
    if os.environ.get("REDRESS_WRITE_OPENAPI"):
        FIXTURE.mkdir(parents=True, exist_ok=True)
        published.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    assert document == json.loads(published.read_text())
