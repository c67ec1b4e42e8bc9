"""/docs (Swagger UI) and /redoc render with no network but the service itself: their
scripts and styles come from the service (the `fastapi-offline` package ships them), not
from a CDN. Debian's headless Chromium, every request to anywhere else aborted and recorded;
screenshots go under the test's tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.integration.test_openapi_contract import (
    complaints_app,
    gateway_app,
    notifications_app,
)
from tests.support.browser import chromium, page_at, screenshot
from tests.support.servers import serving

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

#: A service, and one path its documents must show.
SERVICES = {
    "complaints": (complaints_app, "/v1/complaints/{complaint_id}/interactions"),
    "adr_gateway": (gateway_app, "/v1/providers"),
    "notifications": (notifications_app, "/v1/notifications"),
}


REDOC_CREDIT_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@contextmanager
def offline_page(base_url: str) -> Iterator[tuple[Page, list[str]]]:
    """A page that may load only from `base_url`; the list collects what it tried elsewhere."""
    elsewhere: list[str] = []

    def only_the_service(route: Route) -> None:
        if route.request.url.startswith(base_url + "/"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    with chromium() as browser, page_at(browser, 1280) as page:
        page.route("**/*", only_the_service)
        yield page, elsewhere


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_swagger_ui_renders_the_operations_offline(name: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    make_app, path = SERVICES[name]
    with serving(make_app(tmp_path)) as url, offline_page(url) as (page, elsewhere):
        page.goto(f"{url}/docs")
        operations = page.locator(".opblock")
        expect(operations.first).to_be_visible(timeout=20_000)
        expect(page.locator(f'.opblock-summary-path[data-path="{path}"]').first).to_be_visible()
        # The bearer scheme gives /docs its Authorize button.
        expect(page.locator("button.authorize")).to_be_visible()
        shown = operations.count()
        screenshot(page, tmp_path, f"{name}-docs")
    assert shown >= 5
    assert elsewhere == []


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_redoc_renders_the_operations_offline(name: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    make_app, path = SERVICES[name]
    with serving(make_app(tmp_path)) as url, offline_page(url) as (page, elsewhere):
        page.goto(f"{url}/redoc")
        expect(page.get_by_text(path, exact=True).first).to_be_attached(timeout=20_000)
        expect(page.locator("h1").first).to_be_visible()
        screenshot(page, tmp_path, f"{name}-redoc")
    # ReDoc's sidebar credit ("API docs by Redocly") is an <img> from its CDN, hard-coded in
    # redoc.standalone.js: offline it is a broken image under the menu, nothing more.
    assert set(elsewhere) <= {REDOC_CREDIT_LOGO}


def test_swagger_ui_sends_the_key_given_to_authorize(tmp_path: Path) -> None:
    """Authorize, then "Try it out": the request carries the bearer key and is answered."""
    from playwright.sync_api import expect

    from libs.domain.values import Role
    from services.complaints.app import create_app
    from tests.conftest import build_complaints

    service = build_complaints(f"sqlite:///{tmp_path / 'complaints.db'}")
    key = service.keyring.issue(role=Role.AUDITOR, name="docs-reader")[1]
    with serving(create_app(service)) as url, offline_page(url) as (page, elsewhere):
        page.goto(f"{url}/docs")
        page.locator("button.authorize").click()
        page.locator(".modal-ux input[type=text]").fill(key)
        page.locator(".modal-ux button.authorize").click()
        page.locator(".modal-ux button.btn-done").click()
        regimes = page.locator("#operations-regimes-listRegimes")
        regimes.locator(".opblock-summary").click()
        regimes.get_by_role("button", name="Try it out").click()
        with page.expect_response(f"{url}/v1/regimes") as answer:
            regimes.get_by_role("button", name="Execute").click()
        expect(
            regimes.locator(".live-responses-table tbody td.response-col_status").first
        ).to_have_text("200")
        screenshot(page, tmp_path, "complaints-docs-authorized")
        sent = answer.value.request.all_headers()
        assert answer.value.status == 200
    assert sent["authorization"] == f"Bearer {key}"
    assert elsewhere == []
