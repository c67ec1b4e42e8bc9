"""The `email` adapter: the case as an email with the bundle attached as PDF and JSON, and
the bundle's signed manifest (a compact JWS) as a third attachment, through the SMTP relay
(`libs.platform.runtime.smtp`: STARTTLS, implicit TLS, AUTH; never in clear over the network
unless allowed)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from libs.platform.runtime.smtp import SendRefused, SmtpRelay
from services.adr_gateway.adapters.base import Delivery, DeliveryResult, InvalidSettings, Outcome


class EmailAdapter:
    name = "email"

    def check_settings(self, settings: dict[str, Any], *, development: bool) -> dict[str, Any]:
        to = settings.get("to")
        if not isinstance(to, str) or "@" not in to or any(c in to for c in "\r\n,;"):
            raise InvalidSettings("adapter_settings.to", "one email address is required")
        unknown = set(settings) - {"to"}
        if unknown:
            raise InvalidSettings(f"adapter_settings.{sorted(unknown)[0]}", "unknown setting")
        return {"to": to}

    def message(self, delivery: Delivery) -> EmailMessage:
        smtp = delivery.smtp
        message = EmailMessage()
        message["From"] = smtp.get("sender", "adr-gateway@redress.invalid")
        message["To"] = delivery.provider["adapter_settings"]["to"]
        message["Subject"] = f"ADR referral {delivery.reference}"
        # The same id on every attempt lets the provider's mailbox drop duplicates.
        message["Message-ID"] = make_msgid(idstring=delivery.webhook_id, domain="redress.invalid")
        message["X-Webhook-Id"] = delivery.webhook_id
        if delivery.correlation_id:
            message["X-Correlation-ID"] = delivery.correlation_id
        message.set_content(
            f"A complaint has been referred to {delivery.provider.get('name', 'you')}.\n"
            f"Referral: {delivery.reference}\nComplaint: {delivery.complaint_id}\n\n"
            "The case bundle is attached as a PDF (to read) and as JSON (to import).\n"
            + (
                "case-bundle.manifest.jws is the bundle's manifest signed with our published "
                "key: it lists the sha256 of every part, of the PDF and of the history's head.\n"
                if delivery.manifest_jws
                else ""
            )
        )
        message.add_attachment(
            delivery.pdf(), maintype="application", subtype="pdf", filename="case-bundle.pdf"
        )
        message.add_attachment(
            delivery.bundle, maintype="application", subtype="json", filename="case-bundle.json"
        )
        if delivery.manifest_jws:
            # RFC 7515 section 9.2.1: application/jose is the compact serialisation's type.
            message.add_attachment(
                delivery.manifest_jws.encode("ascii"),
                maintype="application",
                subtype="jose",
                filename="case-bundle.manifest.jws",
            )
        return message

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        smtp = delivery.smtp
        relay = delivery.relay or SmtpRelay(
            str(smtp.get("host", "127.0.0.1")), int(smtp.get("port", 25)), timeout=delivery.timeout
        )
        try:
            relay.send(self.message(delivery))
        except SendRefused as error:
            # A bundle is personal data: never in clear over the network unless allowed. The
            # operator's to fix (REDRESS_SMTP_*): tried again, as for a relay that is down.
            return DeliveryResult(Outcome.RETRY, None, str(error))
        except smtplib.SMTPAuthenticationError as error:
            return DeliveryResult(
                Outcome.RETRY, None, f"SMTP authentication failed ({error.smtp_code})"
            )
        except smtplib.SMTPRecipientsRefused as error:
            return DeliveryResult(Outcome.PERMANENT, None, f"recipient refused: {error}")
        except smtplib.SMTPResponseException as error:
            outcome = Outcome.PERMANENT if 500 <= error.smtp_code < 600 else Outcome.RETRY
            return DeliveryResult(outcome, None, f"SMTP {error.smtp_code}")
        except (ssl.SSLError, ssl.CertificateError) as error:
            return DeliveryResult(Outcome.RETRY, None, f"TLS failed: {type(error).__name__}")
        except (TimeoutError, OSError, smtplib.SMTPException) as error:
            return DeliveryResult(Outcome.RETRY, None, f"SMTP unavailable: {type(error).__name__}")
        return DeliveryResult(Outcome.DELIVERED, None)
