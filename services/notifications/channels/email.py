"""The `email` channel: a multipart (plain text + HTML, and any enclosures as attachments)
message over SMTP.

STARTTLS, implicit TLS and authentication are configurable (`libs.platform.runtime.smtp`,
which refuses to send in clear over the network unless allowed). The Message-ID is the
notification's own id, the same on every attempt, so a mailbox can drop a duplicate sent
after a crash between sending and recording.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from libs.platform.runtime.smtp import SendRefused, SmtpRelay
from services.notifications.channels import Outcome, OutgoingMessage, SendResult

MESSAGE_ID_DOMAIN = "notifications.redress.invalid"


class EmailChannel:
    name = "email"

    def __init__(self, settings: Any) -> None:
        self.relay = SmtpRelay.from_settings(settings)
        self.sender: str = settings.smtp_sender
        self.reply_to: str = settings.firm_contact_email

    def unavailable(self) -> str | None:
        return self.relay.unavailable()

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

    def send(self, outgoing: OutgoingMessage) -> SendResult:
        if not outgoing.recipient or "@" not in outgoing.recipient:
            return SendResult(Outcome.PERMANENT, "no e-mail address for the recipient")
        try:
            self.relay.send(self.message(outgoing))
        except SendRefused as error:
            # In clear over the network: the operator's to fix; keep the message until then.
            return SendResult(Outcome.RETRY, str(error))
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
        return SendResult(Outcome.DELIVERED, f"accepted by {self.relay.host}:{self.relay.port}")
