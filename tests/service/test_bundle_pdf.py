"""The ADR bundle's PDF, from the case file JSON the complaints service serves: what an
ombudsman reads as the case file (the referral, the customer's contact details, the case,
documents with digests, the manifest), signed (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json

import pytest

from libs.casefile.bundle_pdf import render_bundle_pdf
from libs.platform.signing.keys import SigningKeyStore
from tests.conftest import RunningComplaints
from tests.service.test_case_file import export, published
from tests.support.case_files import CUSTOMER, DOCUMENT, complaint_through_every_step
from tests.support.pdf_facts import PdfFacts, signature_verifies

pytestmark = pytest.mark.usefixtures("complaints")


async def test_the_bundle_pdf_is_the_case_file_an_ombudsman_reads(
    complaints: RunningComplaints,
) -> None:
    complaint_id = await complaint_through_every_step(complaints)
    case_file = await export(complaints, complaint_id, "json")
    referral = {
        "id": "ref-1",
        "reference": "ADR-2026-0042",
        "complaint_id": complaint_id,
        "provider": {"id": "fos-sandbox", "name": "Financial Ombudsman Service"},
        "referred_at": case_file["adr"]["referred_at"],
        "requested_method": "mediation",
    }
    documents = [{"ref": DOCUMENT["storage_ref"], "sha256": DOCUMENT["sha256"]}]
    bundle = {
        "bundle_version": 2,
        "referral": referral,
        "case_file": case_file,
        "policy_documents": [],
        "attached_documents": [{**documents[0], "summary": "Bank statement for March"}],
        "manifest": {
            "algorithm": "sha256",
            "complaint_id": complaint_id,
            "head": case_file["head"],
            "checkpoint": None,
            "parts": {"case_file": "c" * 64, "referral": "d" * 64},
            "documents": documents,
        },
    }
    key = SigningKeyStore(complaints.service.settings.signing_dir).load_or_create()
    # Off the event loop, as the gateway must call it: pyHanko's signer runs a loop of its own.
    pdf = await asyncio.to_thread(render_bundle_pdf, bundle, key)
    facts = PdfFacts.of(pdf)
    text = facts.text
    for fact in (
        "ADR case file",
        "Referral ADR-2026-0042",
        "Provider Financial Ombudsman Service (fos-sandbox)",
        "Requested method mediation",
        *CUSTOMER.values(),
        "Policy documents none",
        "Bank statement for March",
        DOCUMENT["sha256"],
        "c" * 64,
        case_file["head"]["hash"],
        "The firm should pay £150 for the distress caused",
    ):
        assert fact in text, fact
    assert "Referred 6" in text or "Referred 7" in text
    pages = facts.pages
    for number, page in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in page
    assert json.loads(facts.attachment("case-file.json")) == case_file
    assert signature_verifies(pdf, published(complaints))
