"""End to end, as a user runs it: the complaints and notifications services as separate
processes on PostgreSQL, and a real SMTP server. A complaint is closed, a week passes (the
notifications service's clock is moved with REDRESS_CLOCK_OFFSET_SECONDS, a test-only
setting), and the customer gets exactly one survey e-mail, although the service was killed
and restarted between the timer being set and its firing; the answer is recorded and
reported."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from libs.domain.values import Role
from libs.platform.eventstore.application import event_store_env
from services.complaints.application import ComplaintsApplication
from services.notifications.application import NotificationsApplication
from tests.support.adr import eventually, issue_keys
from tests.support.complaints import bearer
from tests.support.databases import fresh_postgres_database
from tests.support.notifications import (
    mail_to,
    open_and_close_complaint,
    smtp_server,
    survey_link,
)
from tests.support.processes import ServiceProcess

pytestmark = pytest.mark.postgres
CUSTOMER = "ada@example.com"
A_WEEK_AND_A_MINUTE = 7 * 24 * 3600 + 60


def test_a_closed_complaint_gets_one_survey_a_week_later_across_a_restart(
    tmp_path: Path,
) -> None:
    with ExitStack() as stack:
        complaints_db = stack.enter_context(fresh_postgres_database("redress_e2e_complaints"))
        notifications_db = stack.enter_context(fresh_postgres_database("redress_e2e_notify"))
        complaint_keys = issue_keys(
            ComplaintsApplication(env=event_store_env(complaints_db, pool_size=2)),
            Role.CRM,
            Role.SERVICE,
        )
        staff_key = issue_keys(
            NotificationsApplication(env=event_store_env(notifications_db, pool_size=2)),
            Role.AUDITOR,
        )[Role.AUDITOR]
        mail = stack.enter_context(smtp_server(tmp_path / "mail"))

        complaints = ServiceProcess(
            "complaints", {"REDRESS_DATABASE_URL": complaints_db}, tmp_path / "complaints.log"
        ).start()
        stack.callback(complaints.stop)
        notifications = ServiceProcess("notifications", {}, tmp_path / "notifications.log")
        notifications.env = {
            "REDRESS_DATABASE_URL": notifications_db,
            "REDRESS_COMPLAINTS_URL": complaints.url,
            "REDRESS_COMPLAINTS_API_KEY": complaint_keys[Role.SERVICE],
            "REDRESS_SMTP_PORT": str(mail.settings.smtp_port),
            "REDRESS_PUBLIC_URL": notifications.url,
            "REDRESS_DISPATCHER_POLL_SECONDS": "0.2",
            "REDRESS_FOLLOWER_WAIT_SECONDS": "1",
        }
        notifications.start()
        stack.callback(notifications.stop)

        def sent(complaint_id: str) -> dict[str, dict[str, Any]]:
            response = httpx.get(
                f"{notifications.url}/v1/notifications",
                params={"complaint_id": complaint_id},
                headers=bearer(staff_key),
            )
            assert response.status_code == 200, response.text
            return {item["rule"]: item for item in response.json()["items"]}

        # The complaint is received (acknowledged at once), resolved and closed.
        complaint_id = open_and_close_complaint(
            complaints.url, complaint_keys[Role.CRM], correlation_id="crm-request-77"
        )
        acknowledgement = eventually(lambda: mail_to(mail, CUSTOMER, "received"), timeout=20)
        assert len(acknowledgement) == 1
        # The CRM's request id travels from the complaint, through the feed, into the mail.
        assert acknowledgement[0]["correlation_id"] == "crm-request-77"
        survey = eventually(lambda: sent(complaint_id).get("satisfaction_survey"), timeout=20)
        assert survey["status"] == "scheduled"
        assert survey["send_at"] > survey["scheduled_at"]  # a week after the closure
        assert mail_to(mail, CUSTOMER, "How did we do") == []

        # Killed while the timer waits; restarted a week later (by its clock).
        notifications.kill()
        notifications.env["REDRESS_CLOCK_OFFSET_SECONDS"] = str(A_WEEK_AND_A_MINUTE)
        notifications.start()

        surveys = eventually(lambda: mail_to(mail, CUSTOMER, "How did we do"), timeout=20)
        eventually(lambda: sent(complaint_id)["satisfaction_survey"]["status"] == "delivered")
        assert len(mail_to(mail, CUSTOMER, "How did we do")) == 1  # exactly one
        assert len(mail_to(mail, CUSTOMER, "received")) == 1  # and no second acknowledgement
        record = sent(complaint_id)
        assert [a["outcome"] for a in record["satisfaction_survey"]["attempts"]] == ["delivered"]
        assert record["check_in"]["status"] == "scheduled"  # 30 days: not yet
        assert surveys[0]["html"] is not None and "Tell us how we did" in surveys[0]["html"]

        # The link in the e-mail works, once.
        link = survey_link(surveys[0])
        assert link.startswith(notifications.url)
        shown = httpx.get(link)
        assert shown.status_code == 200 and shown.json()["status"] == "open"
        answer = {"score": 4, "comment": "Quick refund, thank you."}
        recorded = httpx.post(f"{link}/response", json=answer)
        assert recorded.status_code == 201, recorded.text
        assert recorded.json()["score"] == 4
        again = httpx.post(f"{link}/response", json=answer)
        assert again.status_code == 409
        assert again.headers["content-type"] == "application/problem+json"

        # And it is reported.
        def report() -> dict[str, Any]:
            response = httpx.get(
                f"{notifications.url}/v1/reports/satisfaction", headers=bearer(staff_key)
            )
            assert response.status_code == 200, response.text
            return dict(response.json())

        reported = eventually(lambda: (r := report())["answered"] == 1 and r, timeout=10)
        assert reported["average"] == 4.0
        assert reported["distribution"]["4"] == 1
        assert reported["by_category"]["billing"]["answered"] == 1
        assert reported["by_tier_reached"]["frontline"]["average"] == 4.0
        assert reported["by_adr_used"]["false"]["answered"] == 1
