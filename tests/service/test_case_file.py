"""The case file an auditor exports and an ombudsman reads: one document, as JSON and as a
signed PDF/A-3b with the JSON attached, for a complaint through every step of its life
(an ADR award included) and for a tampered one; and the ADR bundle's PDF from the same JSON.

Facts are read back the way a reader's software reads them: the JSON parsed, the PDF's text
extracted with pypdf, its attachment, metadata and fonts from its objects, its signature
checked by pyHanko against the published certificate (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from libs.casefile import FORMAT, CaseFile
from libs.casefile.formatting import human_time
from libs.casefile.stored import shown_fields
from libs.domain.values import Role
from libs.platform.eventstore.integrity.audit import chain_recorder, write_checkpoint
from libs.platform.eventstore.integrity.hashchain import GENESIS, event_hash
from libs.platform.signing.keys import SigningKeyStore
from tests.conftest import RunningComplaints
from tests.integration.test_schema_evolution import as_version_1_would_have_stored_it
from tests.support.case_files import AWARD, CUSTOMER, DOCUMENT, complaint_through_every_step
from tests.support.complaints import new_complaint
from tests.support.pdf_facts import PdfFacts, signature_verifies
from tests.support.tamper import StoredRows

pytestmark = pytest.mark.usefixtures("complaints")
EXPORT_CORRELATION = "audit-export-7f3a"


async def export(complaints: RunningComplaints, complaint_id: str, form: str) -> Any:
    response = await complaints.client.get(
        f"/v1/complaints/{complaint_id}/history/export",
        params={"format": form},
        headers=complaints.headers(Role.AUDITOR, **{"X-Correlation-ID": EXPORT_CORRELATION}),
    )
    assert response.status_code == 200, response.text
    return response.json() if form == "json" else response.content


def published(complaints: RunningComplaints) -> list[dict[str, Any]]:
    return SigningKeyStore(complaints.service.settings.signing_dir).published()


def without_moments(document: dict[str, Any]) -> dict[str, Any]:
    """The case file less what is stamped at export time."""
    verification = {k: v for k, v in document["verification"].items() if k != "verified_at"}
    return {**document, "exported_at": None, "verification": verification}


async def test_the_json_case_file_keeps_the_export_and_carries_its_proof(
    complaints: RunningComplaints,
) -> None:
    complaint_id = await complaint_through_every_step(complaints)
    document = await export(complaints, complaint_id, "json")
    # The export's fields as they always were, and the case file's around them.
    assert {"complaint_id", "exported_at", "state", "verification", "events"} <= set(document)
    assert document["format"] == FORMAT
    assert document["exported_by"] == {"actor": "auditor:test-auditor", "role": "auditor"}
    assert document["request_correlation_id"] == EXPORT_CORRELATION
    events = document["events"]
    assert document["head"] == {"version": len(events), "hash": events[-1]["hash"]}
    assert document["state"]["status"] == "adr_concluded"
    previous = GENESIS
    for event in events:
        stored = base64.b64decode(event["stored"]["state"])
        # Each shown field is the generic reading of the stored bytes...
        shown = shown_fields(stored)
        assert event["data"] == shown.data and event["recorded_at"] == shown.recorded_at
        assert (event["occurred_at"], event["actor"], event["actor_role"]) == (
            shown.occurred_at,
            shown.actor,
            shown.actor_role,
        )
        assert event["correlation_id"] == shown.correlation_id
        # ...and the stored bytes re-derive the chain.
        topic = event["stored"]["topic"]
        assert event["hash"] == event_hash(complaint_id, event["version"], topic, stored, previous)
        previous = event["hash"]
    assert CaseFile.from_json(document).to_json() == document


async def test_the_pdf_of_a_complaint_through_every_step_states_every_fact(
    complaints: RunningComplaints,
) -> None:
    complaint_id = await complaint_through_every_step(complaints)
    write_checkpoint(chain_recorder(complaints.service.application.recorder), force=True)
    document = await export(complaints, complaint_id, "json")
    pdf = await export(complaints, complaint_id, "pdf")
    facts = PdfFacts.of(pdf)
    text = facts.text
    case = CaseFile.from_json(document)
    expected = [
        # the cover: whose case, who exported it and when, the verdict and the anchors
        f"Case {complaint_id} ({case.summary.external_ref})",
        "Exported by auditor:test-auditor (role auditor)",
        EXPORT_CORRELATION,
        "VALID: the stored history is unaltered",
        case.head.hash,
        document["checkpoint"]["root"],
        f"#{document['checkpoint']['seq']}",
        # parties
        *CUSTOMER.values(),
        complaints.service.settings.firm_name,
        # regime and every clock with its state
        "UK FCA Dispute Resolution (DISP)",
        "Europe/London",
        *[clock.name for clock in case.clocks],
        "MET",
        # offers with amounts and dates, decisions, the final response and its elements
        "£20.00",
        "£1,234.50",
        "Not enough",
        "Duplicate charge confirmed",
        "The refund came without interest",
        "Interest is not due on a refund made within 8 weeks",
        "Late, but fair",
        "ombudsman leaflet enclosed",
        "may refer now and within 6 months",
        "Issued",
        # eligibility criterion by criterion, the override and its justification, ADR
        "internal processes exhausted",
        "referral window",
        "The customer is vulnerable; the ombudsman should see it now",
        "Requested method mediation",
        "fos-sandbox",
        "The firm should pay £150 for the distress caused",
        "£150.00",
        # documents with digests, flags, the acknowledgement
        DOCUMENT["sha256"],
        "vulnerable customer set",
        "acknowledged by email: We received your complaint (receipt confirmed: yes",
    ]
    for fact in expected:
        assert fact in text, fact
    assert f"Award £{AWARD['amount']}" in text
    # every event: its version and type, both times, who in which role, correlation id
    tz = case.regime.timezone
    for event in case.events:
        assert f"v{event.version} {event.type}" in text
        happened, recorded = human_time(event.occurred_at, tz), human_time(event.recorded_at, tz)
        assert f"happened {happened} · recorded {recorded}" in text, event.version
        who = f"by {event.actor} ({event.actor_role}) · correlation id {event.correlation_id}"
        assert who in text, event.version
    # times to the second with their offset, never with microseconds
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", text)
    # the long body is shown up to its limit, with a pointer to the JSON
    assert "more characters: the whole body is in case-file.json, interactions[0].body" in text
    # page x of y, and the case reference, on every page
    pages = facts.pages
    for number, page in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in page
        assert f"Case {complaint_id}" in page


async def test_the_pdf_is_pdf_a_3b_with_the_json_attached_and_signed(
    complaints: RunningComplaints,
) -> None:
    complaint_id = await complaint_through_every_step(complaints)
    document = await export(complaints, complaint_id, "json")
    pdf = await export(complaints, complaint_id, "pdf")
    facts = PdfFacts.of(pdf)
    attached = json.loads(facts.attachment("case-file.json"))
    assert without_moments(attached) == without_moments(document)
    assert facts.attachment_relationship("case-file.json") == "/Data"
    assert 'pdfaid:part="3"' in facts.xmp and 'pdfaid:conformance="B"' in facts.xmp
    # PDF/A-3 is PDF 1.7: the signature must not raise the catalog's version to 2.0
    assert facts.reader.pdf_header == "%PDF-1.7"
    assert "/Version" not in facts.reader.trailer["/Root"]
    [intent] = facts.output_intents
    assert intent["/S"] == "/GTS_PDFA1" and intent["/OutputConditionIdentifier"] == "sRGB"
    assert "/DestOutputProfile" in intent
    fonts = facts.fonts()
    assert fonts and all(fonts.values()), fonts
    assert signature_verifies(pdf, published(complaints))
    tampered = pdf.replace(b"/AFRelationship /Data", b"/AFRelationship /Date", 1)
    assert not signature_verifies(tampered, published(complaints))


async def test_a_tampered_complaint_is_marked_invalid_and_its_damage_shown_not_stated(
    complaints: RunningComplaints, database_url: str
) -> None:
    complaint_id = await complaint_through_every_step(complaints)
    rows = StoredRows(database_url)
    rows.edit_payload(complaint_id, 3, lambda state: state.update(summary="Customer was happy"))
    rows.delete_event(complaint_id, 6)
    document = await export(complaints, complaint_id, "json")
    assert document["verification"]["valid"] is False
    assert [e["version"] for e in document["events"]][4:6] == [5, 7]
    facts = PdfFacts.of(await export(complaints, complaint_id, "pdf"))
    text = facts.text
    assert "INVALID: the stored history fails verification, first at version 3" in text
    assert "v3 InteractionRecorded — ALTERED" in text
    assert "as stored now, not as recorded: call (inbound): Customer was happy" in text
    assert "v6 MISSING: deleted from the store" in text
    assert "Replayed to version 5" in text  # the events after the gap no longer replay
    assert "ALTERED: recorded by an event whose stored content does not match" in text
    assert all("INVALID HISTORY" in page for page in facts.pages)


async def test_a_script_beyond_the_core_fonts_is_drawn_with_the_whole_fonts(
    complaints: RunningComplaints,
) -> None:
    name = "Անի Մելքոնյան"  # Armenian: in DejaVu Sans, not in its core cut
    body = new_complaint(customer={"id": "C-am-1", "name": name, "email": "ani@example.am"})
    opened = await complaints.client.post(
        "/v1/complaints", json=body, headers=complaints.headers(Role.CRM)
    )
    assert opened.status_code == 201, opened.text
    text = PdfFacts.of(await export(complaints, opened.json()["id"], "pdf")).text
    assert f"Name {name}" in text


async def test_a_breached_deadline_is_shown_with_its_clock_due_time_and_state(
    complaints: RunningComplaints,
) -> None:
    received = datetime.now(UTC) - timedelta(days=20)
    body = new_complaint(regime="uk-fca-disp", occurred_at=received.isoformat())
    opened = await complaints.client.post(
        "/v1/complaints", json=body, headers=complaints.headers(Role.CRM)
    )
    assert opened.status_code == 201, opened.text
    document = await export(complaints, opened.json()["id"], "json")
    [acknowledgement] = [c for c in document["clocks"] if c["clock"] == "acknowledgement"]
    assert acknowledgement["state"] == "breached"
    text = PdfFacts.of(await export(complaints, opened.json()["id"], "pdf")).text
    due = human_time(acknowledgement["due_at"], "Europe/London")
    assert (
        f"Acknowledgement (firm's clock) BREACHED Started {human_time(received, 'Europe/London')}"
        in text
    )
    assert f"Due {due} Met not met Rule DISP 1.6.1R" in text


async def test_an_event_stored_by_an_older_version_is_shown_as_stored_in_the_export(
    complaints: RunningComplaints,
) -> None:
    opened = await complaints.client.post(
        "/v1/complaints", json=new_complaint(), headers=complaints.headers(Role.CRM)
    )
    complaint_id = UUID(opened.json()["id"])
    old = as_version_1_would_have_stored_it(complaints, complaint_id)
    complaints.service.application.recorder.insert_events([old])
    [_, v2] = (await export(complaints, str(complaint_id), "json"))["events"]
    # The export shows what is stored (no `language`: version 1 had none), as anyone
    # re-reading the bytes would; the paged history shows the upcast event.
    assert "language" not in v2["data"] and v2["data"]["summary"] == "old call"
    assert v2["data"] == shown_fields(base64.b64decode(v2["stored"]["state"])).data
    paged = await complaints.client.get(
        f"/v1/complaints/{complaint_id}/history", headers=complaints.headers(Role.AUDITOR)
    )
    assert paged.json()["items"][1]["data"]["language"] is None
