"""The notifications service in-process with a clock the test moves, following a real
complaints service over HTTP and sending to a real local SMTP server."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from libs.domain.values import Role
from services.complaints.app import create_app as create_complaints_app
from services.notifications.app import create_app
from services.notifications.bootstrap import NotificationsService, bootstrap
from services.notifications.mailcatcher import MailCatcher
from services.notifications.settings import NotificationsSettings
from tests.conftest import build_complaints
from tests.support.adr import eventually
from tests.support.complaints import bearer
from tests.support.formats import not_in_utc_z
from tests.support.notifications import (
    mail_to,
    open_and_close_complaint,
    smtp_server,
    survey_link,
)
from tests.support.processes import free_port
from tests.support.servers import serving

CUSTOMER = "ada@example.com"


@dataclass
class Clock:
    """Real time, moved forward by the test (never back)."""

    offset: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@dataclass
class System:
    complaints_url: str
    crm_key: str
    service: NotificationsService
    client: httpx.AsyncClient
    staff: dict[str, str]
    clock: Clock
    mail: MailCatcher | None

    async def notifications(self, complaint_id: str, **params: Any) -> list[dict[str, Any]]:
        response = await self.client.get(
            "/v1/notifications", params={"complaint_id": complaint_id, **params},
            headers=self.staff,
        )  # fmt: skip
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    async def rule(self, complaint_id: str, rule: str) -> dict[str, Any] | None:
        found = [n for n in await self.notifications(complaint_id) if n["rule"] == rule]
        return found[-1] if found else None

    def post(self, complaint_id: str, path: str, body: dict[str, Any]) -> None:
        response = httpx.post(
            f"{self.complaints_url}/v1/complaints/{complaint_id}/{path}",
            json=body,
            headers=bearer(self.crm_key),
        )
        assert response.status_code in (200, 201), response.text


async def until(check: Any, timeout: float = 10.0) -> Any:
    import asyncio

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not reached within {timeout}s")
        await asyncio.sleep(0.05)


@pytest.fixture
def complaints(tmp_path: Path) -> Iterator[tuple[str, dict[Role, str]]]:
    service = build_complaints(f"sqlite:///{tmp_path / 'complaints.db'}")
    keys = {
        r: service.keyring.issue(role=r, name=f"t-{r.value}")[1] for r in (Role.CRM, Role.SERVICE)
    }
    with serving(create_complaints_app(service)) as url:
        yield url, keys


@asynccontextmanager
async def start(
    tmp_path: Path, complaints: tuple[str, dict[Role, str]], smtp_port: int, **settings: Any
) -> AsyncIterator[System]:
    url, keys = complaints
    clock = Clock()
    service = bootstrap(
        NotificationsSettings(
            database_url=f"sqlite:///{tmp_path / 'notifications.db'}",
            complaints_url=url,
            complaints_api_key=keys[Role.SERVICE],
            smtp_port=smtp_port,
            smtp_timeout_seconds=2,
            dispatcher_poll_seconds=0.05,
            follower_wait_seconds=0.5,
            public_url="http://notifications.test",
            **settings,
        ),
        clock=clock,
    )
    app = create_app(service)
    staff = bearer(service.keyring.issue(role=Role.SUPERVISOR, name="staff")[1])
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://notifications.test"
        ) as client,
    ):
        yield System(url, keys[Role.CRM], service, client, staff, clock, None)


@pytest.fixture
async def system(tmp_path: Path, complaints: tuple[str, dict[Role, str]]) -> AsyncIterator[System]:
    with smtp_server(tmp_path / "mail") as mail:
        async with start(tmp_path, complaints, mail.settings.smtp_port) as running:
            running.mail = mail
            yield running


async def test_reopening_cancels_the_pending_survey_and_closing_again_sets_a_new_one(
    system: System,
) -> None:
    complaint_id = open_and_close_complaint(system.complaints_url, system.crm_key)
    first = await until(lambda: system.rule(complaint_id, "satisfaction_survey"))
    system.post(complaint_id, "reopen", {"reason": "The refund never arrived."})
    cancelled = await until(lambda: _with_status(system, complaint_id, first["id"], "cancelled"))
    assert cancelled["closed_reason"] == "cancelled by complaints.Reopened"
    check_in = await system.rule(complaint_id, "check_in")
    assert check_in is not None and check_in["status"] == "cancelled"
    withdrawn = system.service.application.survey(UUID(first["survey_id"]))
    assert withdrawn.withdrawn is not None

    system.post(complaint_id, "resolution", {"outcome": "upheld", "summary": "Refunded.",
                                             "remedy": "Refund"})  # fmt: skip
    system.post(complaint_id, "closure", {"reason": "resolved"})
    second = await until(
        lambda: _with_status(system, complaint_id, None, "scheduled", rule="satisfaction_survey")
    )
    assert second["id"] != first["id"]

    system.clock.advance(days=7, minutes=1)
    assert system.mail is not None
    mails = eventually(lambda: mail_to(system.mail, CUSTOMER, "How did we do"), timeout=10)
    assert len(mails) == 1  # only the survey of the second closure

    # The first survey's link (had it gone out) no longer takes an answer.
    stale = system.service.tokens.issue(withdrawn.id, withdrawn.expires_at)
    refused = await system.client.post(f"/v1/followups/{stale}/response", json={"score": 3})
    assert refused.status_code == 410
    assert refused.json()["type"] == "urn:redress:problem:survey-withdrawn"


async def _with_status(
    system: System, complaint_id: str, notification_id: str | None, status: str,
    rule: str | None = None,
) -> dict[str, Any] | None:  # fmt: skip
    for item in await system.notifications(complaint_id):
        if (
            notification_id in (None, item["id"])
            and item["status"] == status
            and rule in (None, item["rule"])
        ):
            return item
    return None


async def test_a_survey_link_refuses_forgery_expiry_reuse_and_bad_scores(system: System) -> None:
    complaint_id = open_and_close_complaint(system.complaints_url, system.crm_key)
    await until(lambda: system.rule(complaint_id, "satisfaction_survey"))
    system.clock.advance(days=7, minutes=1)
    assert system.mail is not None
    [mail] = eventually(lambda: mail_to(system.mail, CUSTOMER, "How did we do"), timeout=10)
    link = survey_link(mail).removeprefix("http://notifications.test")
    token = link.rsplit("/", 1)[-1]

    async def answer(body: Any, at: str = link) -> httpx.Response:
        return await system.client.post(f"{at}/response", json=body)

    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    refused = await answer({"score": 5}, f"/v1/followups/{forged}")
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert (await answer({"score": 5}, "/v1/followups/not-a-token!")).status_code == 422
    for bad in ({"score": 0}, {"score": 6}, {"score": "great"}, {}, {"score": 3, "extra": 1}):
        response = await answer(bad)
        assert response.status_code == 422, bad
        assert response.json()["type"] == "urn:redress:problem:validation-error"
    malformed = await system.client.post(
        f"{link}/response", content=b"{", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400

    recorded = await answer({"score": 2, "comment": "Slow."})
    assert recorded.status_code == 201
    used = await answer({"score": 5})
    assert used.status_code == 409
    assert used.json()["type"] == "urn:redress:problem:survey-already-answered"

    system.clock.advance(days=31)
    expired = await system.client.get(link)
    assert expired.status_code == 410
    assert expired.json()["type"] == "urn:redress:problem:survey-expired"


async def test_reading_notifications_needs_a_staff_key_and_pages(system: System) -> None:
    complaint_id = open_and_close_complaint(system.complaints_url, system.crm_key)
    await until(lambda: system.rule(complaint_id, "check_in"))
    anonymous = await system.client.get("/v1/notifications")
    assert anonymous.status_code == 401
    first = await system.client.get(
        "/v1/notifications", params={"complaint_id": complaint_id, "limit": 2},
        headers=system.staff,
    )  # fmt: skip
    page = first.json()
    assert [n["rule"] for n in page["items"]] == ["acknowledgement", "satisfaction_survey"]
    rest = await system.client.get(
        "/v1/notifications",
        params={"complaint_id": complaint_id, "after": page["next_after"]},
        headers=system.staff,
    )
    assert [n["rule"] for n in rest.json()["items"]] == ["check_in"]
    assert rest.json()["next_after"] is None
    bad = await system.client.get(
        "/v1/notifications", params={"status": "lost", "limit": 0}, headers=system.staff
    )
    assert bad.status_code == 422


async def test_a_message_the_mail_server_will_not_take_is_retried_then_recorded_as_failed(
    tmp_path: Path, complaints: tuple[str, dict[Role, str]]
) -> None:
    nobody_listens = free_port()
    async with start(
        tmp_path, complaints, nobody_listens, retry_schedule_seconds=[60, 600], retry_jitter=0.0
    ) as system:
        complaint_id = open_and_close_complaint(system.complaints_url, system.crm_key)
        acknowledgement = await until(
            lambda: _with_status(system, complaint_id, None, "retrying", rule="acknowledgement")
        )
        [attempt] = acknowledgement["attempts"]
        assert attempt["outcome"] == "retry" and "SMTP unavailable" in attempt["detail"]
        system.clock.advance(seconds=61)
        await until(lambda: _attempts(system, complaint_id, 2))
        system.clock.advance(seconds=601)
        failed = await until(
            lambda: _with_status(system, complaint_id, None, "failed", rule="acknowledgement")
        )
        assert [a["outcome"] for a in failed["attempts"]] == ["retry", "retry", "retry"]
        assert "gave up after 3 attempts" in failed["closed_reason"]
        gaps = [a["next_attempt_at"] for a in failed["attempts"]]
        assert gaps[2] is None and gaps[0] < gaps[1]


async def _attempts(system: System, complaint_id: str, count: int) -> bool:
    item = await system.rule(complaint_id, "acknowledgement")
    return item is not None and len(item["attempts"]) >= count


async def test_every_instant_the_notifications_service_answers_is_utc_with_z(
    system: System,
) -> None:
    complaint_id = open_and_close_complaint(system.complaints_url, system.crm_key)
    await until(lambda: system.rule(complaint_id, "check_in"))
    auditor = bearer(system.service.keyring.issue(role=Role.AUDITOR, name="formats")[1])
    bodies = []
    for path, params in (
        ("/v1/notifications", {"complaint_id": complaint_id}),
        ("/v1/events", {"after": 0, "limit": 200}),
    ):
        response = await system.client.get(path, params=params, headers=auditor)
        assert response.status_code == 200, response.text
        bodies.append(response.json())
    assert any(item["scheduled_at"] for item in bodies[0]["items"])
    assert [bad for body in bodies for bad in not_in_utc_z(body)] == []


# -- the survey in a browser without JavaScript, and the report by date with comments ------


async def a_survey_link(system: System) -> str:
    complaint_id = open_and_close_complaint(system.complaints_url, system.crm_key)
    await until(lambda: system.rule(complaint_id, "satisfaction_survey"))
    system.clock.advance(days=7, minutes=1)
    assert system.mail is not None
    [mail] = eventually(lambda: mail_to(system.mail, CUSTOMER, "How did we do"), timeout=10)
    return survey_link(mail).removeprefix("http://notifications.test")


async def test_the_survey_page_is_a_labelled_form_that_posts_without_javascript(
    system: System,
) -> None:
    link = await a_survey_link(system)
    page = await system.client.get(link, headers={"accept": "text/html"})
    assert page.status_code == 200
    html = page.text
    assert "<script" not in html
    action = re.search(r'<form method="post" action="([^"]+)">', html)
    assert action is not None and action.group(1) == f"{link}/form"
    assert "<legend>How satisfied are you with how we handled your complaint?</legend>" in html
    for score, words in ((1, "Very dissatisfied"), (5, "Very satisfied")):
        assert f'value="{score}" required> {score} &ndash; {words}</label>' in html
    assert '<label for="comment">' in html and '<textarea id="comment"' in html

    def form(body: str) -> Any:
        return system.client.post(
            action.group(1),
            content=body.encode(),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )

    for bad in ("score=5.0", "score=five", "score=6", "comment=no+score"):
        refused = await form(bad)
        assert refused.status_code == 422, bad
        assert "Please choose a score" in refused.text
    recorded = await form("score=4&comment=Quick+and+fair%2C+thank+you")
    assert recorded.status_code == 200
    assert "Your answer was recorded" in recorded.text
    again = await form("score=1")
    assert again.status_code == 409 and "already" in again.text.lower()


async def test_a_score_must_be_a_json_integer_not_a_string(system: System) -> None:
    link = await a_survey_link(system)
    for bad in ({"score": "5"}, {"score": 5.0}, {"score": True}):
        refused = await system.client.post(f"{link}/response", json=bad)
        assert refused.status_code == 422, bad
    assert (await system.client.post(f"{link}/response", json={"score": 5})).status_code == 201


async def test_the_report_filters_by_offer_date_and_shows_comments_to_supervisors(
    system: System, tmp_path: Path
) -> None:
    link = await a_survey_link(system)
    answered = await system.client.post(
        f"{link}/response", json={"score": 2, "comment": "Took too long."}
    )
    assert answered.status_code == 201
    auditor = bearer(system.service.keyring.issue(role=Role.AUDITOR, name="auditor")[1])

    async def report(headers: dict[str, str], **params: str) -> httpx.Response:
        return await system.client.get("/v1/reports/satisfaction", params=params, headers=headers)

    async def reported() -> dict[str, Any] | None:
        body = (await report(system.staff)).json()
        return body if body["answered"] == 1 else None

    everything = await until(reported)
    assert everything["comments"][0]["comment"] == "Took too long."
    assert everything["comments"][0]["score"] == 2
    assert (await report(auditor)).json()["comments"] is None  # not for every reader

    now = datetime.now(UTC)
    later = (await report(system.staff, offered_from=(now + timedelta(days=1)).isoformat())).json()
    assert later["answered"] == 0 and later["comments"] == []
    window = {
        "offered_from": (now - timedelta(days=1)).isoformat(),
        "offered_to": (now + timedelta(days=1)).isoformat(),
    }
    assert (await report(system.staff, **window)).json()["answered"] == 1
    backwards = await report(
        system.staff, offered_from=window["offered_to"], offered_to=window["offered_from"]
    )
    assert backwards.status_code == 422
    assert "offered_to must be after offered_from" in backwards.json()["detail"]
    naive = await report(system.staff, offered_from="2026-01-01T00:00:00")
    assert naive.status_code == 422
