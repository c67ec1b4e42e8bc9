"""End to end, as a user runs it: a referral that comes to nothing is not the end of the
case. A provider declines, or the gateway gives up delivering the case; the complaint
records the failure (`adr.status` is `failed`, `adr.failure` says why), returns to where it
was before the referral, staff are told, and the case is referred again, to another
provider, which decides it. Complaints, ADR gateway, sandbox providers and notifications run
as separate processes on PostgreSQL, with a real SMTP server."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from libs.domain.values import Role
from libs.platform.eventstore.application import event_store_env
from services.notifications.application import NotificationsApplication
from tests.support.adr import SANDBOX_SECRET, RoundTrip, eventually, issue_keys, round_trip
from tests.support.complaints import bearer
from tests.support.databases import fresh_postgres_database
from tests.support.notifications import mail_to, smtp_server
from tests.support.processes import ServiceProcess, free_port

pytestmark = pytest.mark.postgres
STAFF = "complaints-team@redress.invalid"


def failed(system: RoundTrip, complaint_id: str) -> dict[str, Any]:
    return eventually(  # type: ignore[no-any-return]
        lambda: (c := system.complaint(complaint_id))["adr"]["status"] == "failed" and c,
        timeout=30,
    )


def refer_again(system: RoundTrip, complaint_id: str, provider_id: str) -> Any:
    return httpx.post(
        f"{system.complaints.url}/v1/complaints/{complaint_id}/adr-referral",
        json={
            "preferred_method": "mediation",
            "preferred_provider_id": provider_id,
            "override_justification": "The first provider could not take the case; the "
            "customer still wants an independent mediator to hear it.",
        },
        headers=bearer(system.complaint_keys[Role.SUPERVISOR]),
    )


def concluded_by(system: RoundTrip, complaint_id: str) -> dict[str, Any]:
    return eventually(  # type: ignore[no-any-return]
        lambda: (c := system.complaint(complaint_id))["status"] == "adr_concluded" and c,
        timeout=30,
    )


def test_a_declined_case_is_referred_again_to_another_provider_which_decides_it(
    tmp_path: Path,
) -> None:
    with round_trip(tmp_path) as system, ExitStack() as stack:
        declining = ServiceProcess(
            "sandbox-provider",
            {
                "REDRESS_SANDBOX_GATEWAY_URL": system.gateway.url,
                "REDRESS_SANDBOX_PROVIDER_ID": "declines",
                "REDRESS_SANDBOX_SCRIPT": "decline",
                "REDRESS_SANDBOX_STEP_SECONDS": "0.2",
            },
            tmp_path / "declining.log",
        ).start()
        stack.callback(declining.stop)
        system.register_sandbox()
        system.register_sandbox(
            id="declines",
            name="A provider that declines",
            adapter_settings={"url": f"{declining.url}/cases"},
        )
        complaint_id, first_referral = system.refer_new_complaint(provider_id="declines")

        declined = failed(system, complaint_id)

        assert declined["status"] == "open"  # where it was before the referral
        assert declined["adr"]["failure"]["kind"] == "declined"
        assert declined["adr"]["failure"]["reason"] == "outside our remit"
        assert declined["adr"]["failure"]["provider_id"] == "declines"

        again = refer_again(system, complaint_id, "sandbox")
        assert again.status_code == 201, again.text
        concluded = concluded_by(system, complaint_id)

        assert concluded["adr"]["status"] == "concluded"
        assert concluded["adr"]["provider_id"] == "sandbox"
        assert concluded["adr"]["provider_status"] == "decided"
        assert concluded["adr"]["outcome"]["outcome"] == "upheld"
        (earlier,) = concluded["adr"]["earlier"]
        assert earlier["referral_id"] == first_referral
        assert (earlier["status"], earlier["failure"]["kind"]) == ("failed", "declined")
        history = httpx.get(
            f"{system.complaints.url}/v1/complaints/{complaint_id}/history",
            headers=bearer(system.complaint_keys[Role.AUDITOR]),
        ).json()
        types = [item["type"] for item in history["items"]]
        assert types.count("ReferredToAdr") == 2
        assert "AdrReferralFailed" in types
        page = httpx.get(
            f"{system.complaints.url}/v1/complaints/{complaint_id}/history/view",
            headers=bearer(system.complaint_keys[Role.AUDITOR]),
        )
        assert page.status_code == 200, page.text
        # The timeline tells the failure; the ADR section, the earlier referral.
        assert "ADR referral failed (declined, provider declines): outside our remit" in page.text
        assert first_referral in page.text


def test_a_dead_letter_surfaces_on_the_complaint_and_staff_are_told(tmp_path: Path) -> None:
    nobody_listens = f"http://127.0.0.1:{free_port()}/cases"
    fast = {"REDRESS_DELIVERY_SCHEDULE_SECONDS": "[0.2, 0.2]", "REDRESS_DELIVERY_JITTER": "0"}
    with round_trip(tmp_path, gateway_env=fast) as system, ExitStack() as stack:
        notifications_db = stack.enter_context(fresh_postgres_database("redress_e2e_notify"))
        staff_key = issue_keys(
            NotificationsApplication(env=event_store_env(notifications_db, pool_size=2)),
            Role.AUDITOR,
        )[Role.AUDITOR]
        mail = stack.enter_context(smtp_server(tmp_path / "mail"))
        notifications = ServiceProcess("notifications", {}, tmp_path / "notifications.log")
        notifications.env = {
            "REDRESS_DATABASE_URL": notifications_db,
            "REDRESS_COMPLAINTS_URL": system.complaints.url,
            "REDRESS_COMPLAINTS_API_KEY": system.complaint_keys[Role.SERVICE],
            "REDRESS_SMTP_PORT": str(mail.settings.smtp_port),
            "REDRESS_PUBLIC_URL": notifications.url,
            "REDRESS_DISPATCHER_POLL_SECONDS": "0.2",
            "REDRESS_FOLLOWER_WAIT_SECONDS": "1",
        }
        notifications.start()
        stack.callback(notifications.stop)
        system.register_sandbox()
        system.register_sandbox(
            id="unreachable",
            name="A provider whose endpoint is down",
            adapter="webhook",
            adapter_settings={"url": nobody_listens},
            webhook_secret=SANDBOX_SECRET,
        )
        complaint_id, referral_id = system.refer_new_complaint(provider_id="unreachable")

        dead = failed(system, complaint_id)

        assert dead["status"] == "open"
        assert dead["adr"]["failure"]["kind"] == "dead_lettered"
        assert "gave up" in dead["adr"]["failure"]["reason"]
        assert dead["adr"]["failure"]["provider_id"] == "unreachable"
        referral = system.referral(referral_id)
        assert referral["delivery"] == "dead_lettered"
        assert [a["round"] for a in referral["attempt_history"]] == [1, 1, 1]

        (alert,) = eventually(lambda: mail_to(mail, STAFF, "ADR referral failed"), timeout=30)
        assert "could not be delivered" in alert["text"]
        assert "unreachable" in alert["text"]
        staff_view = httpx.get(
            f"{notifications.url}/v1/notifications",
            params={"complaint_id": complaint_id},
            headers=bearer(staff_key),
        ).json()
        assert "adr_referral_failed" in [item["rule"] for item in staff_view["items"]]

        again = refer_again(system, complaint_id, "sandbox")
        assert again.status_code == 201, again.text
        assert concluded_by(system, complaint_id)["adr"]["earlier"][0]["failure"]["kind"] == (
            "dead_lettered"
        )
