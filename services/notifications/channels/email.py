"""The `email` channel: a multipart (plain text + HTML, and any enclosures as attachments)
message over SMTP.

STARTTLS, implicit TLS and authentication are configurable. The Message-ID is the
notification's own id, the same on every attempt, so a mailbox can drop a duplicate sent
after a crash between sending and recording.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from services.notifications.channels import Outcome, OutgoingMessage, SendResult

MESSAGE_ID_DOMAIN = "notifications.redress.invalid"


class EmailChannel:
    name = "email"

    def __init__(self, settings: Any) -> None:
        self.host: str = settings.smtp_host
        self.port: int = settings.smtp_port
        self.starttls: bool = settings.smtp_starttls
        self.implicit_tls: bool = settings.smtp_ssl
        self.username: str | None = settings.smtp_username
        self.password: str | None = settings.smtp_password
        self.ca_file: str | None = settings.smtp_ca_file
        self.sender: str = settings.smtp_sender
        self.reply_to: str = settings.firm_contact_email
        self.timeout: float = settings.smtp_timeout_seconds

    def unavailable(self) -> str | None:
        if self.starttls and self.implicit_tls:
            return "REDRESS_SMTP_STARTTLS and REDRESS_SMTP_SSL exclude each other"
        if (self.username is None) != (self.password is None):
            return "SMTP authentication needs both REDRESS_SMTP_USERNAME and _PASSWORD"
        return None

    def message(self, outgoing: OutgoingMessage) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = outgoing.recipient or ""
        message["Reply-To"] = self.reply_to
        message["Subject"] = outgoing.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = f"<{outgoing.notification_id}@{MESSAGE_ID_DOMAIN}>"
        if outgoing.correlation_id:
            message["X-Correlation-ID"] = outgoing.correlation_id
        message["X-Redress-Notification"] = outgoing.notification_id
        message["X-Redress-Complaint"] = outgoing.complaint_id
        message["X-Redress-Rule"] = outgoing.rule
        message.set_content(outgoing.text)
        if outgoing.html is not None:
            message.add_alternative(outgoing.html, subtype="html")
        for attachment in outgoing.attachments:
            maintype, _, subtype = attachment.content_type.partition("/")
            message.add_attachment(
                attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
            )
        return message

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._tls_context()
            )
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.starttls:
            client.starttls(context=self._tls_context())
        return client

    def send(self, outgoing: OutgoingMessage) -> SendResult:
        if not outgoing.recipient or "@" not in outgoing.recipient:
            return SendResult(Outcome.PERMANENT, "no e-mail address for the recipient")
        try:
            with self._connect() as client:
                if self.username is not None and self.password is not None:
                    client.login(self.username, self.password)
                client.send_message(self.message(outgoing))
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            transient = all(400 <= code < 500 for code in codes)
            return SendResult(
                Outcome.RETRY if transient else Outcome.PERMANENT,
                f"recipient refused (SMTP {', '.join(map(str, codes))})",
            )
        except smtplib.SMTPAuthenticationError as error:
            # Wrong credentials are the operator's to fix; keep the message until they do.
            return SendResult(Outcome.RETRY, f"SMTP authentication failed ({error.smtp_code})")
        except smtplib.SMTPResponseException as error:
            outcome = Outcome.PERMANENT if 500 <= error.smtp_code < 600 else Outcome.RETRY
            return SendResult(outcome, f"SMTP {error.smtp_code}")
        except smtplib.SMTPNotSupportedError as error:
            return SendResult(Outcome.RETRY, f"SMTP server lacks a feature: {error}")
        except (ssl.SSLError, ssl.CertificateError) as error:
            return SendResult(Outcome.RETRY, f"TLS failed: {type(error).__name__}")
        except (TimeoutError, OSError, smtplib.SMTPException) as error:
            return SendResult(Outcome.RETRY, f"SMTP unavailable: {type(error).__name__}")
        return SendResult(Outcome.DELIVERED, f"accepted by {self.host}:{self.port}")
