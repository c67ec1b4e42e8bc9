"""The notifications service under test: a local SMTP server that keeps what it receives,
a complaint's journey through the complaints API, and the links found in e-mails."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from services.notifications.mailcatcher import MailCatcher, MailCatcherSettings
from tests.support.complaints import bearer, new_complaint
from tests.support.processes import free_port

SURVEY_LINK = re.compile(r"https?://\S+/v1/followups/[A-Za-z0-9._-]+")


@contextmanager
def smtp_server(maildir: Path) -> Iterator[MailCatcher]:
    """A real SMTP server (aiosmtpd) on a free loopback port, keeping mail in a maildir."""
    catcher = MailCatcher(MailCatcherSettings(smtp_port=free_port(), maildir=maildir))
    catcher.start()
    try:
        yield catcher
    finally:
        catcher.stop()


def mail_to(catcher: MailCatcher, address: str, subject_part: str = "") -> list[dict[str, Any]]:
    return [
        m
        for m in catcher.messages()
        if address in (m["to"] or "") and subject_part in (m["subject"] or "")
    ]


def survey_link(message: dict[str, Any]) -> str:
    found = SURVEY_LINK.search(message["text"] or "")
    assert found, f"no survey link in: {message['text']}"
    return found.group(0)


def open_and_close_complaint(
    complaints_url: str, crm_key: str, correlation_id: str | None = None, **overrides: Any
) -> str:
    """A complaint opened, resolved in the customer's favour and closed; returns its id."""
    opened = httpx.post(
        f"{complaints_url}/v1/complaints",
        json=new_complaint(**overrides),
        headers=bearer(crm_key, **({"X-Correlation-ID": correlation_id} if correlation_id else {})),
    )
    assert opened.status_code == 201, opened.text
    complaint_id = str(opened.json()["id"])
    for path, body in (
        (
            "resolution",
            {"outcome": "upheld", "summary": "Charged twice by mistake.", "remedy": "Refund"},
        ),
        ("closure", {"reason": "resolved"}),
    ):
        response = httpx.post(
            f"{complaints_url}/v1/complaints/{complaint_id}/{path}",
            json=body,
            headers=bearer(crm_key),
        )
        assert response.status_code in (200, 201), response.text
    return complaint_id
