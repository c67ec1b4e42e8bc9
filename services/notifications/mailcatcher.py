"""A local mail catcher for development: an SMTP server (aiosmtpd) that keeps every message
in a maildir under var/mail, and a small HTTP page to read them.

`redress up` starts it: SMTP on 127.0.0.1:1025 (where the notifications service and the ADR
gateway's email adapter send by default), messages at http://127.0.0.1:8025/ and as files in
var/mail/new (any mail client that reads a maildir opens them).
"""

from __future__ import annotations

import logging
import mailbox
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from libs.platform.http.problems import Problem, install_problem_handlers
from services.entry import ServiceParts, no_key_store, no_migrations


class MailCatcherSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REDRESS_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(8025, description="The HTTP page listing the caught messages")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(1025, description="Where the SMTP server listens")
    maildir: Path = Field(Path("var/mail"), description="Where caught messages are kept")


class _Keep:
    """aiosmtpd handler: every message accepted is written to the maildir, as received."""

    def __init__(self, box: mailbox.Maildir) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.box.add(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def _parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def _header(message: EmailMessage, name: str) -> str | None:
    value = message.get(name)
    return str(value).strip() if value is not None else None


def _part(message: EmailMessage, subtype: str) -> str | None:
    body = message.get_body(preferencelist=(subtype,))
    return str(body.get_content()) if body is not None else None


def attachments(message: EmailMessage) -> list[tuple[str, str, bytes]]:
    """Each attachment of a caught message: (file name, content type, bytes)."""
    found = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        found.append(
            (part.get_filename() or "", part.get_content_type(), payload if payload else b"")
        )
    return found


class MailCatcher:
    def __init__(self, settings: MailCatcherSettings | None = None) -> None:
        self.settings = settings or MailCatcherSettings()
        # Maildir(create=True) makes tmp/, new/ and cur/ only when it makes the folder.
        self.settings.maildir.parent.mkdir(parents=True, exist_ok=True)
        for sub in ("tmp", "new", "cur"):
            (self.settings.maildir / sub).mkdir(parents=True, exist_ok=True)
        self.box = mailbox.Maildir(self.settings.maildir, create=True)
        self._controller: Controller | None = None

    @property
    def smtp_address(self) -> tuple[str, int]:
        return self.settings.smtp_host, self.settings.smtp_port

    def start(self) -> None:
        # aiosmtpd logs every connection at INFO; the messages themselves are what matter.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self._controller = Controller(
            _Keep(self.box), hostname=self.settings.smtp_host, port=self.settings.smtp_port
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def raw(self) -> list[tuple[str, bytes]]:
        """Every caught message (key, bytes), oldest first."""
        self.box = mailbox.Maildir(self.settings.maildir, create=True)  # see new arrivals
        keys = sorted(self.box.keys(), key=lambda key: self.box.get_message(key).get_date())
        return [(key, self.box.get_bytes(key)) for key in keys]

    def attachments(self, key: str) -> list[tuple[str, str, bytes]]:
        """The attachments of the caught message `key`: (file name, content type, bytes)."""
        self.box = mailbox.Maildir(self.settings.maildir, create=True)
        return attachments(_parse(self.box.get_bytes(key)))

    def messages(self) -> list[dict[str, Any]]:
        listed = []
        for key, raw in self.raw():
            message = _parse(raw)
            listed.append(
                {
                    "id": key,
                    "from": _header(message, "From"),
                    "to": _header(message, "To"),
                    "subject": _header(message, "Subject"),
                    "date": _header(message, "Date"),
                    "message_id": _header(message, "Message-ID"),
                    "correlation_id": _header(message, "X-Correlation-ID"),
                    "text": _part(message, "plain"),
                    "html": _part(message, "html"),
                    "attachments": [
                        {"filename": name, "content_type": kind, "size": len(data)}
                        for name, kind, data in attachments(message)
                    ],
                }
            )
        return listed


def create_app(catcher: MailCatcher | None = None) -> FastAPI:
    catcher = catcher or MailCatcher()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        catcher.start()
        try:
            yield
        finally:
            catcher.stop()

    app = FastAPI(title="Redress — mail catcher (development)", lifespan=lifespan)
    install_problem_handlers(app)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/messages", summary="Every caught message, oldest first")
    def messages() -> list[dict[str, Any]]:
        return catcher.messages()

    @app.get("/messages/{key}", summary="One caught message")
    def message(key: str) -> dict[str, Any]:
        for item in catcher.messages():
            if item["id"] == key:
                return item
        raise Problem(404, "not-found", "Not found", f"no message '{key}'")

    @app.get("/", response_class=HTMLResponse, summary="The caught messages, to read")
    def index() -> str:
        import html

        rows = "".join(
            f"<details><summary>{html.escape(m['date'] or '')} — to {html.escape(m['to'] or '')}"
            f" — <b>{html.escape(m['subject'] or '')}</b></summary>"
            f"<pre>{html.escape(m['text'] or '')}</pre>"
            + "".join(
                f"<p>Attached: {html.escape(a['filename'])} ({html.escape(a['content_type'])}, "
                f"{a['size']} bytes)</p>"
                for a in m["attachments"]
            )
            + "</details>"
            for m in reversed(catcher.messages())
        )
        where = html.escape(str(catcher.settings.maildir.resolve()))
        return (
            "<!doctype html><meta charset=utf-8><title>Mail catcher</title>"
            f"<h1>Caught mail</h1><p>Also in the maildir {where}</p>{rows or '<p>None yet.</p>'}"
        )

    return app


# How the `redress` command line reaches the mail catcher (no database, no keys).
ENTRY = ServiceParts(
    settings_class=MailCatcherSettings,
    bootstrap=MailCatcher,
    migrate=no_migrations,
    create_app=create_app,
    application=no_key_store("mail catcher"),
)
