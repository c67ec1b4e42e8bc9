"""Sending e-mail through an SMTP relay: STARTTLS, implicit TLS and AUTH, and no personal
data in clear over the network.

Both services that send e-mail (notifications to customers and staff, the ADR gateway's
`email` adapter with case bundles to providers) read the same `REDRESS_SMTP_*` settings
(`SmtpSettings`) and send through `SmtpRelay`. A message is refused, on every send, when it
would cross the network in clear — neither STARTTLS nor implicit TLS, to a host that is not
this machine's loopback — unless `REDRESS_SMTP_ALLOW_PLAINTEXT=true` says so: what these
e-mails carry is personal data, which must be kept secure in transit (UK GDPR / GDPR
Art. 5(1)(f) and Art. 32(1)(a)). The development mail catcher on 127.0.0.1 needs no TLS.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from pydantic import BaseModel, Field

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


class SmtpSettings(BaseModel):
    """The relay's settings, shared by the settings classes of the services that send mail
    (each adds its own `smtp_sender`)."""

    smtp_host: str = Field("127.0.0.1", description="The SMTP server (relay)")
    smtp_port: int = Field(1025, description="Its port (1025: the development mail catcher)")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS")
    smtp_ssl: bool = Field(False, description="Implicit TLS (SMTPS, usually port 465)")
    smtp_username: str | None = Field(None, description="SMTP AUTH user (with the password)")
    smtp_password: str | None = Field(None, description="SMTP AUTH password (with the user)")
    smtp_ca_file: str | None = Field(
        None, description="CA bundle to verify the SMTP server's certificate (default: system)"
    )
    smtp_timeout_seconds: float = Field(15.0, gt=0, le=120, description="Per SMTP connection")
    smtp_allow_plaintext: bool = Field(
        False,
        description="Send without TLS to a server that is not on loopback (refused otherwise: "
        "e-mails carry personal data)",
    )


class SendRefused(smtplib.SMTPException):
    """The relay's settings forbid this send (in clear over the network, or unusable)."""


def is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class SmtpRelay:
    host: str = "127.0.0.1"
    port: int = 1025
    starttls: bool = False
    implicit_tls: bool = False
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None
    timeout: float = 15.0
    allow_plaintext: bool = False

    @classmethod
    def from_settings(cls, settings: Any, *, timeout: float | None = None) -> SmtpRelay:
        """From a settings object with the `SmtpSettings` fields."""
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            starttls=settings.smtp_starttls,
            implicit_tls=settings.smtp_ssl,
            username=settings.smtp_username,
            password=settings.smtp_password,
            ca_file=settings.smtp_ca_file,
            timeout=timeout if timeout is not None else settings.smtp_timeout_seconds,
            allow_plaintext=settings.smtp_allow_plaintext,
        )

    @property
    def encrypted(self) -> bool:
        return self.starttls or self.implicit_tls

    def unavailable(self) -> str | None:
        """Why the settings cannot work at all, or None."""
        if self.starttls and self.implicit_tls:
            return "REDRESS_SMTP_STARTTLS and REDRESS_SMTP_SSL exclude each other"
        if (self.username is None) != (self.password is None):
            return "SMTP authentication needs both REDRESS_SMTP_USERNAME and _PASSWORD"
        return None

    def plaintext_refusal(self) -> str | None:
        """Why a message may not be sent this way (in clear over the network), or None."""
        if self.encrypted or self.allow_plaintext or is_loopback(self.host):
            return None
        return (
            f"refusing to send personal data in clear to {self.host}:{self.port}: set "
            "REDRESS_SMTP_STARTTLS or REDRESS_SMTP_SSL (or REDRESS_SMTP_ALLOW_PLAINTEXT=true)"
        )

    def send(self, message: EmailMessage) -> None:
        """Sends `message`; raises SendRefused, or what smtplib, ssl and the socket raise."""
        refusal = self.unavailable() or self.plaintext_refusal()
        if refusal is not None:
            raise SendRefused(refusal)
        with self._connect() as client:
            if self.username is not None and self.password is not None:
                client.login(self.username, self.password)
            client.send_message(message)

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._tls_context()
            )
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.starttls:
            try:
                client.starttls(context=self._tls_context())
            except BaseException:
                client.close()
                raise
        return client
