"""Every service publishes the deployment's signing keys at
`/.well-known/redress-signing-keys`, without authentication: what a holder of a signed
export, bundle manifest or checkpoint needs to check it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from libs.platform.signing.jws import sign_compact, verify_compact
from libs.platform.signing.keys import SigningKeyStore
from services.complaints.app import create_app as complaints_app
from services.complaints.bootstrap import bootstrap as complaints_bootstrap
from services.complaints.settings import ComplaintsSettings
from services.notifications.app import create_app as notifications_app
from services.notifications.bootstrap import bootstrap as notifications_bootstrap
from services.notifications.settings import NotificationsSettings
from tests.support.gateway import gateway_settings, running_gateway, sqlite_url

PATH = "/.well-known/redress-signing-keys"


@asynccontextmanager
async def client_of(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s.test") as c,
    ):
        yield c


@asynccontextmanager
async def complaints(folder: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = ComplaintsSettings(
        database_url=f"sqlite:///{folder / 'complaints.db'}", scheduler_enabled=False
    )
    async with client_of(complaints_app(complaints_bootstrap(settings))) as client:
        yield client


@asynccontextmanager
async def gateway(folder: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with running_gateway(gateway_settings(sqlite_url(folder))) as running:
        yield running.client


@asynccontextmanager
async def notifications(folder: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = NotificationsSettings(
        database_url=f"sqlite:///{folder / 'notifications.db'}",
        _env_file=None,  # type: ignore[call-arg]
    )
    async with client_of(notifications_app(notifications_bootstrap(settings))) as client:
        yield client


SERVICES: dict[str, Callable[[Path], AbstractAsyncContextManager[httpx.AsyncClient]]] = {
    "complaints": complaints,
    "adr_gateway": gateway,
    "notifications": notifications,
}


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_every_service_publishes_the_signing_keys_without_authentication(
    service: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SigningKeyStore(tmp_path / "signing")
    monkeypatch.setenv("REDRESS_SIGNING_DIR", str(store.directory))
    async with SERVICES[service](tmp_path) as client:
        before = await client.get(PATH)
        assert before.status_code == 200 and before.json() == {"keys": []}  # none made yet

        key = store.load_or_create()
        first = await client.get(PATH)
        assert first.status_code == 200, first.text
        assert first.headers["content-type"].startswith("application/json")
        [published] = first.json()["keys"]
        assert published["kid"] == key.kid and published["alg"] == "ES256"
        # What the endpoint publishes checks what the key signs.
        assert verify_compact(sign_compact(b"{}", key), first.json()["keys"]) == b"{}"

        store.rotate()  # the old key stays published, after the new one
        rotated = (await client.get(PATH)).json()["keys"]
        assert [k["kid"] for k in rotated][1:] == [key.kid] and rotated[0]["kid"] != key.kid


async def test_a_service_publishes_the_key_of_its_own_signing_setting(tmp_path: Path) -> None:
    # Set in code rather than by REDRESS_SIGNING_DIR: what it signs with is what it publishes.
    store = SigningKeyStore(tmp_path / "elsewhere")
    key = store.load_or_create()
    settings = ComplaintsSettings(
        database_url=f"sqlite:///{tmp_path / 'complaints.db'}",
        scheduler_enabled=False,
        signing_dir=str(store.directory),
    )
    async with client_of(complaints_app(complaints_bootstrap(settings))) as client:
        published = (await client.get(PATH)).json()["keys"]
    assert [k["kid"] for k in published] == [key.kid]
