"""End to end, as an ADR provider uses it (issue 19): with a key of its own, made by an
operator with `redress keys create --role provider --provider ID`, the provider lists the
referral given to it, pulls the bundle, fetches a document through an expiring link, asks
the firm for information (which reaches the complaint and staff), and reads the firm's
answer, and uploads its decision letter, which the complaint lists; another provider's key
finds nothing. Complaints, ADR gateway, sandbox provider and notifications run as separate
processes on PostgreSQL, with a real SMTP server."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from libs.domain.values import Role
from tests.support.adr import RoundTrip, eventually, round_trip
from tests.support.complaints import bearer
from tests.support.databases import fresh_postgres_database
from tests.support.notifications import mail_to, smtp_server
from tests.support.processes import ServiceProcess, redress

pytestmark = pytest.mark.postgres
STAFF = "complaints-team@redress.invalid"


def provider_key(system: RoundTrip, provider_id: str) -> str:
    """`redress keys create --role provider --provider ID`, as an operator runs it."""
    env = {"REDRESS_DATABASE_URL": system.complaints.env["REDRESS_DATABASE_URL"]}
    printed = redress("keys", "create", "--role", "provider", "--provider", provider_id, env=env)
    assert "service: adr_gateway" in printed and f"provider: {provider_id}" in printed
    return printed.strip().splitlines()[-1]


@contextmanager
def notifications_for(system: RoundTrip, logs: Path) -> Iterator[Any]:
    """The notifications service following the complaints service, sending to a catcher."""
    with ExitStack() as stack:
        database = stack.enter_context(fresh_postgres_database("redress_e2e_notify"))
        mail = stack.enter_context(smtp_server(logs / "mail"))
        notifications = ServiceProcess("notifications", {}, logs / "notifications.log")
        notifications.env = {
            "REDRESS_DATABASE_URL": database,
            "REDRESS_COMPLAINTS_URL": system.complaints.url,
            "REDRESS_COMPLAINTS_API_KEY": system.complaint_keys[Role.SERVICE],
            "REDRESS_SMTP_PORT": str(mail.settings.smtp_port),
            "REDRESS_PUBLIC_URL": notifications.url,
            "REDRESS_DISPATCHER_POLL_SECONDS": "0.2",
            "REDRESS_FOLLOWER_WAIT_SECONDS": "1",
        }
        notifications.start()
        stack.callback(notifications.stop)
        yield mail


def test_a_provider_works_its_case_with_its_own_key(tmp_path: Path) -> None:
    with round_trip(tmp_path) as system, notifications_for(system, tmp_path) as mail:
        system.register_sandbox()
        complaint_id, referral_id = system.refer_new_complaint()
        eventually(lambda: system.referral(referral_id)["delivery"] == "delivered", timeout=30)
        gateway = f"{system.gateway.url}/v1/provider/referrals"
        ours = bearer(provider_key(system, "sandbox"))
        theirs = bearer(provider_key(system, "another-provider"))

        # The referral given to it, and only that.
        listed = eventually(
            lambda: (r := httpx.get(gateway, headers=ours).json()["referrals"]) and r, timeout=20
        )
        assert [r["id"] for r in listed] == [referral_id]
        assert httpx.get(gateway, headers=theirs).json()["referrals"] == []
        for path in ("", "/bundle", "/documents", "/messages"):
            other = httpx.get(f"{gateway}/{referral_id}{path}", headers=theirs)
            assert other.status_code == 404, (path, other.text)
        # A provider's key is for the gateway only.
        elsewhere = httpx.get(f"{system.complaints.url}/v1/complaints/{complaint_id}", headers=ours)
        assert elsewhere.status_code == 403

        # The bundle, as it was built and sent.
        bundle = httpx.get(f"{gateway}/{referral_id}/bundle", headers=ours)
        assert bundle.status_code == 200
        assert bundle.json()["summary"]["id"] == complaint_id
        assert bundle.headers["etag"] == f'"{system.referral(referral_id)["bundle"]["sha256"]}"'

        # A document, through the link listed for it.
        documents = httpx.get(f"{gateway}/{referral_id}/documents", headers=ours).json()
        pdf = next(d for d in documents["documents"] if d["name"] == "bundle.pdf")
        fetched = httpx.get(f"{system.gateway.url}{pdf['url']}", headers=ours)
        assert fetched.status_code == 200
        assert fetched.content.startswith(b"%PDF")
        assert len(fetched.content) == pdf["size"]
        leaked = httpx.get(f"{system.gateway.url}{pdf['url']}", headers=theirs)
        assert leaked.status_code == 404  # another provider's key: nothing there

        # A request for information reaches the complaint and staff.
        asked = httpx.post(
            f"{gateway}/{referral_id}/messages",
            json={"kind": "request_for_information", "body": "Please send the call recording."},
            headers={**ours, "Idempotency-Key": "rfi-1"},
        )
        assert asked.status_code == 201, asked.text
        question = asked.json()
        on_complaint = eventually(
            lambda: [
                i
                for i in system.complaint(complaint_id)["interactions"]
                if i["id"] == question["id"]
            ],
            timeout=30,
        )
        assert on_complaint[0]["direction"] == "inbound"
        assert on_complaint[0]["body"] == "Please send the call recording."
        (alert,) = eventually(lambda: mail_to(mail, STAFF, "ADR provider sandbox"), timeout=30)
        assert "Please send the call recording." in alert["text"]
        assert question["id"] in alert["text"]

        # The firm answers (a supervisor's key from the complaints service works here too).
        answered = httpx.post(
            f"{system.gateway.url}/v1/referrals/{referral_id}/messages",
            json={"in_reply_to": question["id"], "body": "Attached to the complaint as doc 7."},
            headers={
                **bearer(system.complaint_keys[Role.SUPERVISOR]),
                "Idempotency-Key": "answer-1",
            },
        )
        assert answered.status_code == 201, answered.text

        # The provider reads the answer with its own key.
        conversation = httpx.get(f"{gateway}/{referral_id}/messages", headers=ours).json()
        answer = conversation["messages"][-1]
        assert (answer["from"], answer["in_reply_to"]) == ("firm", question["id"])
        assert answer["body"] == "Attached to the complaint as doc 7."
        outbound = eventually(
            lambda: [
                i for i in system.complaint(complaint_id)["interactions"] if i["id"] == answer["id"]
            ],
            timeout=30,
        )
        assert outbound[0]["direction"] == "outbound"

        # The decision letter, uploaded with its digest, listed in the referral and the
        # complaint, and read back by the firm as it was sent.
        letter = b"%PDF-1.7\n% The provider's decision letter\n%%EOF\n"
        uploaded = httpx.post(
            f"{gateway}/{referral_id}/documents",
            params={"filename": "decision-letter.pdf"},
            content=letter,
            headers={**ours, "Content-Type": "application/pdf", "Idempotency-Key": "letter-1"},
        )
        assert uploaded.status_code == 201, uploaded.text
        document = uploaded.json()
        assert document["sha256"] == hashlib.sha256(letter).hexdigest()
        assert [d["id"] for d in system.referral(referral_id)["documents"]] == [document["id"]]
        listed = eventually(
            lambda: [
                i
                for i in system.complaint(complaint_id)["interactions"]
                if i["id"] == document["id"]
            ],
            timeout=30,
        )
        assert listed[0]["kind"] == "document"
        assert listed[0]["document"]["sha256"] == document["sha256"]
        firm_copy = httpx.get(
            f"{system.gateway.url}/v1/referrals/{referral_id}/documents/{document['id']}",
            headers=bearer(system.complaint_keys[Role.SUPERVISOR]),
        )
        assert firm_copy.content == letter
