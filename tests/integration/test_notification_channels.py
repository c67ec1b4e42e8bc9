"""The channels against real local servers: SMTP (aiosmtpd, with STARTTLS and AUTH) and an
HTTP endpoint that verifies Standard Webhooks signatures."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from fastapi import FastAPI, Request
from fastapi.responses import Response
from standardwebhooks.webhooks import Webhook

from services.notifications.channels import Outcome, OutgoingMessage
from services.notifications.channels.crm_webhook import CrmWebhookChannel
from services.notifications.channels.email import EmailChannel
from services.notifications.settings import NotificationsSettings
from tests.support.notifications import smtp_server
from tests.support.processes import free_port
from tests.support.servers import serving

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def outgoing(**overrides: Any) -> OutgoingMessage:
    fields: dict[str, Any] = {
        "notification_id": "8e0d3c4a-1111-4222-8333-444455556666",
        "complaint_id": "c-1",
        "complaint_reference": "CRM-1",
        "rule": "acknowledgement",
        "template": "acknowledgement",
        "locale": "en",
        "audience": "customer",
        "recipient": "ada@example.com",
        "subject": "We have received your complaint",
        "text": "Dear Ada,\nthank you.",
        "html": "<p>Dear Ada, thank you.</p>",
        "attempt": 1,
        "scheduled_at": "2025-03-03T09:00:00+00:00",
    }
    fields.update(overrides)
    return OutgoingMessage(**fields)


def email_channel(port: int, **overrides: Any) -> EmailChannel:
    return EmailChannel(NotificationsSettings(smtp_port=port, smtp_timeout_seconds=5, **overrides))


def test_email_arrives_with_text_and_html_and_a_stable_message_id(tmp_path: Path) -> None:
    with smtp_server(tmp_path / "mail") as server:
        channel = email_channel(server.settings.smtp_port)
        assert channel.send(outgoing()).outcome == Outcome.DELIVERED
        [message] = server.messages()
    assert message["to"] == "ada@example.com"
    assert message["subject"] == "We have received your complaint"
    assert (
        message["message_id"]
        == "<8e0d3c4a-1111-4222-8333-444455556666@notifications.redress.invalid>"
    )
    assert "thank you" in message["text"] and "<p>" in message["html"]


def test_an_smtp_server_that_is_down_is_tried_again_later() -> None:
    result = email_channel(free_port()).send(outgoing())
    assert result.outcome == Outcome.RETRY
    assert "SMTP unavailable" in result.detail


def test_a_refused_recipient_is_a_permanent_failure_and_no_address_is_one_too(
    tmp_path: Path,
) -> None:
    class Refuse:
        async def handle_RCPT(
            self, server: Any, session: Any, envelope: Any, address: str, options: Any
        ) -> str:
            return "550 5.1.1 no such mailbox"

    port = free_port()
    controller = Controller(Refuse(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        refused = email_channel(port).send(outgoing())
    finally:
        controller.stop()
    assert refused.outcome == Outcome.PERMANENT and "550" in refused.detail
    assert email_channel(port).send(outgoing(recipient=None)).outcome == Outcome.PERMANENT


@pytest.fixture
def certificate(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    yield cert, key


def test_starttls_and_authentication_are_used_when_configured(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    received: list[bytes] = []

    class Keep:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope.content)
            return "250 OK"

    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            b"notify",
            b"s3cret",
        )
        return AuthResult(success=ok)

    port = free_port()
    controller = Controller(
        Keep(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
        authenticator=authenticate, auth_required=True,
    )  # fmt: skip
    controller.start()
    try:
        secure = {"smtp_starttls": True, "smtp_ca_file": str(cert), "smtp_username": "notify"}
        delivered = email_channel(port, **secure, smtp_password="s3cret").send(outgoing())
        wrong = email_channel(port, **secure, smtp_password="wrong").send(outgoing())
        untrusted = email_channel(
            port, smtp_starttls=True, smtp_username="notify", smtp_password="s3cret"
        ).send(outgoing())
    finally:
        controller.stop()
    assert delivered.outcome == Outcome.DELIVERED, delivered.detail
    assert len(received) == 1
    assert wrong.outcome == Outcome.RETRY  # the operator's to fix: keep the message until then
    assert untrusted.outcome == Outcome.RETRY and "TLS" in untrusted.detail


class Crm:
    """A CRM endpoint answering from a script, recording what it verified."""

    def __init__(self, *answers: int) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hooks")
        async def hooks(request: Request) -> Response:
            body = await request.body()
            headers = dict(request.headers)
            payload = Webhook(SECRET).verify(body, headers)  # raises when forged
            self.requests.append({"headers": headers, "payload": payload})
            status = self.answers.pop(0) if self.answers else 204
            return Response(status_code=status, headers={"Retry-After": "120"})

        return app


def crm_channel(url: str) -> CrmWebhookChannel:
    return CrmWebhookChannel(
        NotificationsSettings(crm_webhook_url=f"{url}/hooks", crm_webhook_secret=SECRET)
    )


def test_the_crm_webhook_is_signed_and_keeps_its_id_across_retries() -> None:
    crm = Crm(503, 204)
    with serving(crm.app()) as url:
        channel = crm_channel(url)
        assert channel.unavailable() is None
        first = channel.send(outgoing())
        second = channel.send(outgoing(attempt=2))
    assert first.outcome == Outcome.RETRY and first.retry_after == 120
    assert second.outcome == Outcome.DELIVERED
    ids = {r["headers"]["webhook-id"] for r in crm.requests}
    assert ids == {"8e0d3c4a-1111-4222-8333-444455556666"}  # the CRM's de-duplication key
    payload = crm.requests[1]["payload"]
    assert payload["type"] == "dev.redress.notifications.notification"
    assert payload["data"]["complaint_reference"] == "CRM-1"
    assert payload["data"]["text"].startswith("Dear Ada")


def test_a_crm_that_rejects_the_request_is_a_permanent_failure() -> None:
    crm = Crm(400)
    with serving(crm.app()) as url:
        result = crm_channel(url).send(outgoing())
    assert result.outcome == Outcome.PERMANENT and result.detail == "HTTP 400"


def test_the_crm_webhook_needs_a_url_and_a_standard_webhooks_secret() -> None:
    assert "URL" in (CrmWebhookChannel(NotificationsSettings()).unavailable() or "")
    bad = NotificationsSettings(crm_webhook_url="https://crm.example", crm_webhook_secret="nope")
    assert "secret" in (CrmWebhookChannel(bad).unavailable() or "").lower()
