"""The e-mails a customer receives, read as she reads them: the complaints and notifications
services as separate processes on PostgreSQL, and the real SMTP catcher `redress up` starts.
Each e-mail is parsed from what the catcher received and checked for the facts it must
carry: one greeting, the case's reference in the subject, the response timeframe the
regime asks the acknowledgement to state (DISP 1.6.1R as amended from 1 June 2026), the
ombudsman's leaflet that the final response says is enclosed (DISP 1.6.2R(1)(d)) actually
attached, and Welsh wording and dates for a customer who asked for Welsh. The survey is
answered in Chromium with JavaScript off, by keyboard alone. A delivered
acknowledgement is recorded on the complaint, so its deadline is met, not missed."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from libs.domain.values import Role
from libs.platform.eventstore.application import event_store_env
from services.complaints.application import ComplaintsApplication
from services.notifications.mailcatcher import MailCatcher
from tests.support.adr import eventually, issue_keys
from tests.support.browser import CHROMIUM, chromium, horizontal_overflow, page_at
from tests.support.complaints import bearer, new_complaint
from tests.support.crm import Crm
from tests.support.databases import fresh_postgres_database
from tests.support.notifications import mail_to, smtp_server, survey_link
from tests.support.processes import ServiceProcess
from tests.support.system import whole_system

pytestmark = pytest.mark.postgres

WELSH_MONTHS = [
    "Ionawr",
    "Chwefror",
    "Mawrth",
    "Ebrill",
    "Mai",
    "Mehefin",
    "Gorffennaf",
    "Awst",
    "Medi",
    "Hydref",
    "Tachwedd",
    "Rhagfyr",
]
FCA_FINAL_RESPONSE = {
    "letter": "Dear Mrs Okafor,\n\nWe have looked into your complaint about the duplicate "
    "charge and we uphold it. We have refunded £42.50 to your account.",
    "elements": {
        "decision": "accepted_with_redress",
        "ombudsman_leaflet_enclosed": True,
        "ombudsman_website": "https://www.financial-ombudsman.org.uk",
        "may_refer_now_and_within_6_months": True,
        "time_limit_waiver_stated": True,
    },
}


@dataclass
class Services:
    complaints: ServiceProcess
    mail: MailCatcher
    crm_key: str

    def open(self, **overrides: Any) -> dict[str, Any]:
        response = httpx.post(
            f"{self.complaints.url}/v1/complaints",
            json=new_complaint(**overrides),
            headers=bearer(self.crm_key),
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def post(self, complaint_id: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(
            f"{self.complaints.url}/v1/complaints/{complaint_id}/{path}",
            json=body,
            headers=bearer(self.crm_key),
        )
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    def complaint(self, complaint_id: str) -> dict[str, Any]:
        response = httpx.get(
            f"{self.complaints.url}/v1/complaints/{complaint_id}", headers=bearer(self.crm_key)
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def one_mail(self, address: str, subject_part: str) -> dict[str, Any]:
        found = eventually(lambda: mail_to(self.mail, address, subject_part), timeout=30)
        assert len(found) == 1, [m["subject"] for m in found]
        return dict(found[0])


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    tmp_path: Path = tmp_path_factory.mktemp("customer-emails")
    with ExitStack() as stack:
        complaints_db = stack.enter_context(fresh_postgres_database("redress_e2e_mail_c"))
        notifications_db = stack.enter_context(fresh_postgres_database("redress_e2e_mail_n"))
        keys = issue_keys(
            ComplaintsApplication(env=event_store_env(complaints_db, pool_size=2)),
            Role.CRM,
            Role.SERVICE,
        )
        mail = stack.enter_context(smtp_server(tmp_path / "mail"))
        complaints = ServiceProcess(
            "complaints", {"REDRESS_DATABASE_URL": complaints_db}, tmp_path / "complaints.log"
        ).start()
        stack.callback(complaints.stop)
        notifications = ServiceProcess("notifications", {}, tmp_path / "notifications.log")
        notifications.env = {
            "REDRESS_DATABASE_URL": notifications_db,
            "REDRESS_COMPLAINTS_URL": complaints.url,
            # One service key: the feed is read with it, and acknowledgements recorded.
            "REDRESS_COMPLAINTS_API_KEY": keys[Role.SERVICE],
            "REDRESS_SMTP_PORT": str(mail.settings.smtp_port),
            "REDRESS_PUBLIC_URL": notifications.url,
            "REDRESS_DISPATCHER_POLL_SECONDS": "0.2",
            "REDRESS_FOLLOWER_WAIT_SECONDS": "1",
        }
        notifications.start()
        stack.callback(notifications.stop)
        yield Services(complaints, mail, keys[Role.CRM])


def words(text: str) -> str:
    """The text as read, whatever its line breaks."""
    return " ".join(text.split())


def greetings(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.startswith(("Dear ", "Annwyl ")))


def test_the_acknowledgement_states_the_timeframe_and_is_recorded_so_its_deadline_is_met(
    services: Services,
) -> None:
    customer = {"id": "C-OK1", "name": "Margaret Okafor", "email": "margaret@example.com"}
    complaint = services.open(customer=customer, regime="uk-fca-disp", external_ref="CRM-5521")

    ack = services.one_mail("margaret@example.com", "received")
    print(f"\n--- {ack['subject']}\n{ack['text']}")
    assert ack["subject"] == "We have received your complaint (CRM-5521)"
    assert greetings(ack["text"]) == 1
    # DISP 1.6.1R(1)(b)(ii), from 1 June 2026: the 8-week response timeframe is stated.
    assert "final response within 8 weeks of receiving" in words(ack["text"])
    assert "Financial Ombudsman Service" in words(ack["text"])
    assert "later than it should" not in ack["text"]  # sent at once: not late

    # Recorded on the complaint by the notifications service's own key: the deadline is met.
    def acknowledged() -> dict[str, Any] | None:
        seen = services.complaint(complaint["id"])
        return seen if seen.get("acknowledged_at") else None

    recorded = eventually(acknowledged, timeout=30)
    clock = next(d for d in recorded["deadlines"] if d["clock"] == "acknowledgement")
    assert clock["state"] == "met"


def test_the_final_response_has_one_greeting_and_the_leaflet_it_says_is_enclosed(
    services: Services,
) -> None:
    customer = {"id": "C-OK2", "name": "Margaret Okafor", "email": "okafor@example.com"}
    complaint = services.open(customer=customer, regime="uk-fca-disp", external_ref="CRM-7731")
    services.post(
        complaint["id"],
        "resolution",
        {"outcome": "upheld", "summary": "Charged twice", "remedy": "Refund"},
    )
    services.post(complaint["id"], "final-response", FCA_FINAL_RESPONSE)

    letter = services.one_mail("okafor@example.com", "final response")
    print(f"\n--- {letter['subject']}\n{letter['text']}")
    assert letter["subject"] == "Our final response to your complaint (CRM-7731)"
    assert greetings(letter["text"]) == 1
    assert letter["text"].lstrip().startswith("Dear Mrs Okafor,")
    assert "leaflet is enclosed" in words(letter["text"])
    assert [a["filename"] for a in letter["attachments"]] == ["fos-leaflet.pdf"]
    ((name, kind, data),) = services.mail.attachments(letter["id"])
    assert (name, kind) == ("fos-leaflet.pdf", "application/pdf")
    leaflet = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Financial Ombudsman Service" in leaflet
    assert "www.financial-ombudsman.org.uk" in leaflet


def test_a_customer_who_asked_for_welsh_is_written_to_in_welsh_even_late(
    services: Services,
) -> None:
    """Received ten days ago (the CRM records it now): the acknowledgement is past its
    rule's `late_after` (3 days), and is sent all the same, saying it is late."""
    received = (datetime.now(UTC) - timedelta(days=10)).replace(hour=10, minute=0)
    customer = {
        "id": "C-CY1",
        "name": "Siân Roberts",
        "email": "sian@example.com",
        "language": "cy",
    }
    complaint = services.open(
        customer=customer,
        regime="uk-fca-disp",
        external_ref="CRM-8810",
        occurred_at=received.isoformat(),
    )
    assert services.complaint(complaint["id"])["customer"]["language"] == "cy"

    ack = services.one_mail("sian@example.com", "Rydym wedi cael eich cwyn")
    print(f"\n--- {ack['subject']}\n{ack['text']}")
    assert ack["subject"] == "Rydym wedi cael eich cwyn (CRM-8810)"
    assert ack["text"].startswith("Annwyl Siân Roberts,")
    assert greetings(ack["text"]) == 1
    # The date as Welsh writes it (Babel, cy), e.g. "3 Awst 2026".
    welsh_date = f"{received.day} {WELSH_MONTHS[received.month - 1]} {received.year}"
    assert welsh_date in words(ack["text"])
    assert "o fewn 8 wythnos" in words(ack["text"])
    assert "hwyrach nag y dylai" in words(ack["text"])  # late, and says so; not cancelled


def test_the_survey_is_answered_in_a_browser_without_javascript_by_keyboard_alone(
    services: Services,
) -> None:
    """Closed eight days ago (recorded now, back-dated), so the survey e-mail is due at once.
    Its link opens in Chromium with JavaScript off; the customer tabs to the scale, picks
    4 with the arrow keys, types a comment and sends the form with Enter."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed")
    ago = datetime.now(UTC)
    customer = {"id": "C-SV1", "name": "Grace Hopper", "email": "grace@example.com"}
    complaint = services.open(customer=customer, occurred_at=(ago - timedelta(days=10)).isoformat())
    services.post(
        complaint["id"],
        "resolution",
        {
            "outcome": "upheld",
            "summary": "Charged twice",
            "remedy": "Refund",
            "occurred_at": (ago - timedelta(days=9)).isoformat(),
        },
    )
    services.post(
        complaint["id"],
        "closure",
        {"reason": "resolved", "occurred_at": (ago - timedelta(days=8)).isoformat()},
    )
    invitation = services.one_mail("grace@example.com", "How did we do")
    satisfied = "4 \N{EN DASH} Satisfied"  # the label of the radio button, as read out
    link = survey_link(invitation)

    with chromium() as browser, page_at(browser, 390, java_script_enabled=False) as page:
        page.goto(link)
        assert page.title() == "How did we do?"
        assert page.get_by_role("radio", name=satisfied).count() == 1
        page.keyboard.press("Tab")  # to the scale: the first radio
        for _ in range(3):
            page.keyboard.press("ArrowDown")  # 1 → 4
        assert page.get_by_role("radio", name=satisfied).is_checked()
        page.keyboard.press("Tab")  # to the comment
        page.keyboard.type("Sorted out quickly.")
        page.get_by_role("button", name="Send my answer").focus()
        with page.expect_navigation():  # the form posts, and the answer is a new page
            page.keyboard.press("Enter")
        assert page.get_by_role("heading").inner_text() == "Thank you"
        assert horizontal_overflow(page) == 0


def test_every_e_mail_of_a_referred_journey_greets_once_and_quotes_the_case_reference(
    tmp_path: Path,
) -> None:
    """The whole system (complaints, ADR gateway, sandbox provider, notifications): a
    complaint is answered, referred, accepted and decided with an award. The customer gets
    five e-mails; each greets her once, names the case by the CRM's reference (never a
    UUID), and the last one gives her award in pounds."""
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-")
    with whole_system(tmp_path / "system", prefix="redress_mail_journey") as system:
        crm = Crm([system.complaints[0].url], system.crm_key(0))
        complaint_id = crm.referred_journey(interactions=1)
        crm.close_when_concluded(complaint_id)
        crm.close()
        complaint = httpx.get(
            f"{system.complaints[0].url}/v1/complaints/{complaint_id}",
            headers=bearer(system.crm_key(0)),
        ).json()
        reference = complaint["external_ref"]

        def hers() -> list[dict[str, Any]]:
            found = [m for m in system.mail.messages() if reference in (m["subject"] or "")]
            return found if len(found) >= 5 else []

        mails = {m["subject"].split(" (")[0]: m for m in eventually(hers, timeout=60)}
        for subject, mail in mails.items():
            print(f"\n--- {mail['subject']}\n{mail['text']}")
            assert mail["subject"].endswith(f"({reference})"), subject
            assert greetings(mail["text"]) == 1, subject
            assert not uuid.search(mail["subject"] + mail["text"]), subject
        assert set(mails) == {
            "We have received your complaint",
            "Our final response to your complaint",
            "Your complaint has been referred to an independent dispute resolution body",
            "The ADR provider has accepted your case",
            "The outcome of the independent review of your complaint",
        }
        outcome = mails["The outcome of the independent review of your complaint"]
        assert "Amount awarded to you: £42.50." in outcome["text"]
