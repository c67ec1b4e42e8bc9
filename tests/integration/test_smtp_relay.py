"""E-mail a customer and a provider can trust (issue 19, Build 5): both senders — the
notifications' `email` channel and the gateway's `email` adapter — go through one SMTP relay
that speaks STARTTLS, implicit TLS and AUTH, checked here against real aiosmtpd servers with
a self-signed certificate; and neither sends personal data in clear over the network unless
REDRESS_SMTP_ALLOW_PLAINTEXT says so (the loopback catcher in development stays fine)."""

from __future__ import annotations

import ipaddress
import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from libs.platform.runtime.smtp import SendRefused, SmtpRelay
from services.adr_gateway.adapters import Delivery, Outcome
from services.adr_gateway.adapters.email import EmailAdapter
from services.adr_gateway.settings import GatewaySettings
from services.notifications.channels import Outcome as SendOutcome
from services.notifications.channels import OutgoingMessage
from services.notifications.channels.email import EmailChannel
from services.notifications.settings import NotificationsSettings
from tests.support.processes import free_port

USER, PASSWORD = b"gateway", b"s3cret"


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1, made with `cryptography`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Keep:
    """Keeps what it receives, and whether the session was encrypted and authenticated."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            {
                "content": envelope.content,
                # session.ssl after STARTTLS; the transport's own TLS when implicit
                "tls": session.ssl is not None
                or server.transport.get_extra_info("ssl_object") is not None,
                "authenticated": bool(session.authenticated),
            }
        )
        return "250 OK"


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USER, PASSWORD)
    return AuthResult(success=ok)


@contextmanager
def smtp_server(keep: Keep, host: str = "127.0.0.1", **options: Any) -> Iterator[int]:
    port = free_port()
    controller = Controller(keep, hostname=host, port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def delivery(relay: SmtpRelay) -> Delivery:
    return Delivery(
        referral_id="r-1",
        reference="REF-1",
        complaint_id="c-1",
        webhook_id="msg_1",
        provider={"name": "Calm", "adapter_settings": {"to": "cases@calm.example"}},
        bundle=b'{"bundle_version":1}',
        pdf=lambda: b"%PDF-1.7 bundle",
        attempt=1,
        occurred_at="2026-01-01T00:00:00+00:00",
        smtp={"sender": "adr-gateway@redress.invalid"},
        relay=relay,
    )


def outgoing() -> OutgoingMessage:
    return OutgoingMessage(
        notification_id="8e0d3c4a-1111-4222-8333-444455556666",
        complaint_id="c-1",
        complaint_reference="CRM-1",
        rule="acknowledgement",
        template="acknowledgement",
        locale="en",
        audience="customer",
        recipient="ada@example.com",
        subject="We have received your complaint",
        text="Dear Ada,\nthank you.",
        html=None,
        attempt=1,
        scheduled_at="2025-03-03T09:00:00+00:00",
    )


def test_a_bundle_goes_over_starttls_with_authentication(certificate: tuple[Path, Path]) -> None:
    keep = Keep()
    options = {
        "tls_context": server_context(certificate),
        "require_starttls": True,
        "authenticator": authenticate,
        "auth_required": True,
    }
    with smtp_server(keep, **options) as port:
        settings = GatewaySettings(
            smtp_port=port,
            smtp_starttls=True,
            smtp_ca_file=str(certificate[0]),
            smtp_username=USER.decode(),
            smtp_password=PASSWORD.decode(),
        )
        relay = SmtpRelay.from_settings(settings)
        delivered = EmailAdapter().deliver(delivery(relay))
        # aiosmtpd answers a failed AUTH slowly: a short timeout keeps the test short.
        wrong_password = settings.model_copy(
            update={"smtp_password": "no", "smtp_timeout_seconds": 1.0}
        )
        wrong = EmailAdapter().deliver(delivery(SmtpRelay.from_settings(wrong_password)))
        untrusted = EmailAdapter().deliver(
            delivery(SmtpRelay.from_settings(settings.model_copy(update={"smtp_ca_file": None})))
        )

    assert delivered.outcome == Outcome.DELIVERED, delivered.error
    [received] = keep.received
    assert (received["tls"], received["authenticated"]) == (True, True)
    message = message_from_bytes(received["content"], policy=policy.default)
    assert message["To"] == "cases@calm.example"
    assert {part.get_filename() for part in message.iter_attachments()} >= {
        "case-bundle.pdf",
        "case-bundle.json",
    }
    assert wrong.outcome == Outcome.RETRY  # the operator's to fix: kept until then
    assert untrusted.outcome == Outcome.RETRY and "TLS failed" in untrusted.error
    assert len(keep.received) == 1


def test_a_server_that_demands_starttls_gets_nothing_from_a_relay_that_does_not_speak_it(
    certificate: tuple[Path, Path],
) -> None:
    keep = Keep()
    context = server_context(certificate)
    with (
        smtp_server(keep, tls_context=context, require_starttls=True) as port,
        pytest.raises(smtplib.SMTPException),
    ):
        SmtpRelay(port=port).send(EmailChannel(NotificationsSettings()).message(outgoing()))
    assert keep.received == []


def test_implicit_tls_with_authentication(certificate: tuple[Path, Path]) -> None:
    keep = Keep()
    options = {
        "ssl_context": server_context(certificate),
        "authenticator": authenticate,
        "auth_required": True,
        # aiosmtpd counts only STARTTLS as TLS when offering AUTH; here all of it is TLS.
        "auth_require_tls": False,
    }
    with smtp_server(keep, **options) as port:
        channel = EmailChannel(
            NotificationsSettings(
                smtp_port=port,
                smtp_ssl=True,
                smtp_ca_file=str(certificate[0]),
                smtp_username=USER.decode(),
                smtp_password=PASSWORD.decode(),
            )
        )
        result = channel.send(outgoing())

    assert result.outcome == SendOutcome.DELIVERED, result.detail
    assert [(r["tls"], r["authenticated"]) for r in keep.received] == [(True, True)]


def non_loopback_address() -> str:
    """An address of this machine that is not loopback (the one it would route out by)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # UDP: nothing is sent
        address = str(probe.getsockname()[0])
    except OSError:
        pytest.skip("this machine has no non-loopback IPv4 address")
    finally:
        probe.close()
    if ipaddress.ip_address(address).is_loopback:
        pytest.skip("this machine has no non-loopback IPv4 address")
    return address


def test_plaintext_over_the_network_is_refused_on_every_send_unless_allowed() -> None:
    keep = Keep()
    address = non_loopback_address()
    with smtp_server(keep, host=address) as port:
        clear = {"smtp_host": address, "smtp_port": port}
        refused_mail = EmailChannel(NotificationsSettings(**clear)).send(outgoing())
        refused_bundle = EmailAdapter().deliver(
            delivery(SmtpRelay.from_settings(GatewaySettings(**clear)))
        )
        assert keep.received == []  # refused before connecting
        allowed = EmailChannel(NotificationsSettings(**clear, smtp_allow_plaintext=True)).send(
            outgoing()
        )

    assert refused_mail.outcome == SendOutcome.RETRY
    assert f"refusing to send personal data in clear to {address}:{port}" in refused_mail.detail
    assert refused_bundle.outcome == Outcome.RETRY and "in clear" in refused_bundle.error
    assert allowed.outcome == SendOutcome.DELIVERED
    assert [r["tls"] for r in keep.received] == [False]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_plaintext_to_loopback_is_fine(host: str) -> None:
    assert SmtpRelay(host=host).plaintext_refusal() is None


def test_a_relay_configured_both_ways_or_half_authenticated_refuses_to_send() -> None:
    both = SmtpRelay(starttls=True, implicit_tls=True)
    half = SmtpRelay(username="gateway")
    with pytest.raises(SendRefused, match="exclude each other"):
        both.send(EmailChannel(NotificationsSettings()).message(outgoing()))
    assert half.unavailable() == (
        "SMTP authentication needs both REDRESS_SMTP_USERNAME and _PASSWORD"
    )
