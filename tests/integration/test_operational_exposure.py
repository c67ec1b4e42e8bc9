"""What a security reviewer checks on a running service: the credentials that URLs carry
(signed case-history links, survey links) never reach the access log, and `/metrics` is
served only to a scraper holding the metrics token when one is set."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx

from tests.support.processes import redress, running

SIGNED_LINK_TOKEN = "eyJzaWduZWQiOiJsaW5rIn0.c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw"
SURVEY_TOKEN = "c3VydmV5LXRva2VuLXRoYXQtbXVzdC1ub3QtbGVhaw.abcdef"
METRICS_TOKEN = "metrics-scraper-secret"


def access_lines(log: Path, fragment: str) -> list[str]:
    """The access-log events (uvicorn's, as JSON) whose request line contains `fragment`."""
    events = []
    for line in log.read_text().splitlines():
        if not line.startswith("{"):
            continue
        event = json.loads(line)["event"]
        if event.startswith("127.0.0.1:") and fragment in event:
            events.append(event)
    return events


def test_a_signed_case_history_link_is_redacted_from_the_access_log(tmp_path: Path) -> None:
    env = {"REDRESS_DATABASE_URL": f"sqlite:///{tmp_path}/complaints.db"}
    redress("migrate", "complaints", env=env)
    log = tmp_path / "complaints.log"
    with running("complaints", env, log) as service:
        link = f"{service.url}/v1/complaints/{uuid.uuid4()}/history/view"
        answered = httpx.get(link, params={"token": SIGNED_LINK_TOKEN, "version": "2"})
        assert answered.status_code == 401  # a forged link opens nothing
    lines = access_lines(log, "/history/view")
    assert len(lines) == 1, log.read_text()[-3000:]
    assert "token=[redacted]" in lines[0]
    assert "version=2" in lines[0]  # what is no secret stays, for the operator
    assert SIGNED_LINK_TOKEN not in log.read_text()


def test_a_survey_token_is_redacted_from_the_access_log(tmp_path: Path) -> None:
    env = {"REDRESS_DATABASE_URL": f"sqlite:///{tmp_path}/notifications.db"}
    redress("migrate", "notifications", env=env)
    log = tmp_path / "notifications.log"
    with running("notifications", env, log) as service:
        survey = f"{service.url}/v1/followups/{SURVEY_TOKEN}"
        assert httpx.get(survey).status_code == 403  # not a token this service signed
        answered = httpx.post(f"{survey}/response", json={"score": 5})
        assert answered.status_code == 403
    lines = access_lines(log, "/v1/followups/")
    assert [line.split('"')[1] for line in lines] == [
        "GET /v1/followups/[redacted] HTTP/1.1",
        "POST /v1/followups/[redacted]/response HTTP/1.1",
    ]
    assert SURVEY_TOKEN not in log.read_text()


def test_metrics_are_served_only_with_the_metrics_token_when_one_is_set(tmp_path: Path) -> None:
    env = {
        "REDRESS_DATABASE_URL": f"sqlite:///{tmp_path}/complaints.db",
        "REDRESS_METRICS_TOKEN": METRICS_TOKEN,
    }
    redress("migrate", "complaints", env=env)
    with running("complaints", env, tmp_path / "complaints.log") as service:
        metrics = f"{service.url}/metrics"
        anonymous = httpx.get(metrics)
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"] == "application/problem+json"
        assert anonymous.json()["type"] == "urn:redress:problem:metrics-unauthorized"
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        assert "http_requests_total" not in anonymous.text
        wrong = httpx.get(metrics, headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 401
        scraped = httpx.get(metrics, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert scraped.status_code == 200
        assert "http_requests_total" in scraped.text
        # Health stays open: orchestrators probe it without credentials.
        assert httpx.get(f"{service.url}/readyz").status_code == 200


def test_metrics_are_open_when_no_token_is_set(tmp_path: Path) -> None:
    """The documented other choice: no token, and /metrics kept off the public network."""
    env = {"REDRESS_DATABASE_URL": f"sqlite:///{tmp_path}/complaints.db"}
    redress("migrate", "complaints", env=env)
    with running("complaints", env, tmp_path / "complaints.log") as service:
        assert httpx.get(f"{service.url}/metrics").status_code == 200
