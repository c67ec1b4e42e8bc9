"""The offline verifier on the complaints service's real exports: the case file JSON and
the signed PDF as served, with a signed checkpoint, verify against the published keys; an
export whose complaint was altered in the database, or whose shown amount was changed, is
refused naming the event; an export stripped of its proof fields is refused naming them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from libs.domain.values import Role
from libs.platform.eventstore.integrity.audit import chain_recorder, write_checkpoint
from libs.platform.eventstore.integrity.signed_checkpoints import signer_for
from libs.platform.signing.keys import SigningKeyStore
from libs.proof.verify_export import KeyRing, verify_files
from tests.conftest import RunningComplaints
from tests.support.complaints import new_complaint
from tests.support.tamper import StoredRows

pytestmark = pytest.mark.usefixtures("complaints")
YESTERDAY = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0).isoformat()


async def opened_and_worked(complaints: RunningComplaints) -> str:
    """A complaint with an interaction (back-dated), an escalation (version 3), an offer
    with an amount and its acceptance."""
    client, agent = complaints.client, complaints.headers(Role.AGENT)
    opened = await client.post("/v1/complaints", json=new_complaint(), headers=agent)
    url = f"/v1/complaints/{opened.json()['id']}"
    steps = [
        (
            "/interactions",
            {
                "kind": "call",
                "direction": "inbound",
                "summary": "Customer rang",
                "occurred_at": YESTERDAY,
            },
        ),
        ("/escalations", {"reason": "Customer asked for a supervisor"}),
        ("/offers", {"description": "Refund", "amount": {"amount": "42.50", "currency": "GBP"}}),
    ]
    for path, body in steps:
        response = await client.post(url + path, json=body, headers=agent)
        assert response.status_code == 201, (path, response.text)
    offer_id = response.json()["offers"][0]["id"]
    response = await client.post(
        f"{url}/offers/{offer_id}/response", json={"decision": "accepted"}, headers=agent
    )
    assert response.status_code == 200, response.text
    return str(opened.json()["id"])


async def export_of(complaints: RunningComplaints, complaint_id: str, form: str = "json") -> bytes:
    export = await complaints.client.get(
        f"/v1/complaints/{complaint_id}/history/export",
        params={"format": form},
        headers=complaints.headers(Role.AUDITOR),
    )
    assert export.status_code == 200, export.text
    return export.content


async def exported(complaints: RunningComplaints) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        await export_of(complaints, await opened_and_worked(complaints))
    )
    return document


def signing_keys(complaints: RunningComplaints) -> SigningKeyStore:
    return SigningKeyStore(complaints.service.settings.signing_dir)


def verify(complaints: RunningComplaints, tmp_path: Path, document: dict[str, Any]) -> Any:
    path = tmp_path / "case-file.json"
    path.write_text(json.dumps(document))
    published = signing_keys(complaints).published()
    return verify_files([str(path)], KeyRing(published, "the published keys"))


def failures(result: dict[str, Any]) -> list[str]:
    return [f"{f['part']}: {f['message']}" for f in result["files"][0]["failures"]]


async def test_the_exports_as_served_verify_with_their_signed_checkpoint(
    complaints: RunningComplaints, tmp_path: Path
) -> None:
    complaint_id = await opened_and_worked(complaints)
    store = signing_keys(complaints)
    write_checkpoint(
        chain_recorder(complaints.service.application.recorder),
        force=True,
        sign=signer_for(store.load_or_create()),
    )
    case_file = tmp_path / "case-file.json"
    case_file.write_bytes(await export_of(complaints, complaint_id))
    pdf = tmp_path / "case-file.pdf"
    pdf.write_bytes(await export_of(complaints, complaint_id, "pdf"))

    result = verify_files([str(case_file), str(pdf)], KeyRing(store.published(), "published"))
    assert result["valid"], [file["failures"] for file in result["files"]]
    document = json.loads(case_file.read_bytes())
    assert document["format"] == "redress.case-file/1" and document["head"]["version"] == 5
    json_checks, pdf_checks = ({c["part"]: c for c in f["checks"]} for f in result["files"])
    seq = document["checkpoint"]["seq"]
    assert json_checks[f"checkpoint #{seq} signature"]["status"] == "ok"
    assert json_checks[f"checkpoint #{seq} anchor"]["message"].startswith("version 5 has the hash")
    assert pdf_checks["pdf signature"]["status"] == "ok"
    assert pdf_checks["case-file.json > chain"]["message"].startswith("5 events: each hash")
    # The comparison is not vacuous: the export shows the amount, the back-dated time, ids.
    offer = next(e for e in document["events"] if e["type"] == "OfferMade")
    assert "42.50" in json.dumps(offer["data"])
    interaction = next(e for e in document["events"] if e["type"] == "InteractionRecorded")
    assert interaction["occurred_at"] != interaction["recorded_at"]
    # Shown in UTC with Z, as every instant is: the same instant as the one sent.
    assert interaction["occurred_at"].endswith("Z")
    assert datetime.fromisoformat(interaction["occurred_at"]) == datetime.fromisoformat(YESTERDAY)


async def test_a_real_export_with_an_amount_changed_is_refused_naming_the_event(
    complaints: RunningComplaints, tmp_path: Path
) -> None:
    document = await exported(complaints)
    offer = next(e for e in document["events"] if e["type"] == "OfferMade")
    text = json.dumps(offer["data"]).replace("42.50", "4250.00")
    offer["data"] = json.loads(text)
    found = failures(verify(complaints, tmp_path, document))
    assert found and all(f.startswith(f"event v{offer['version']} data.") for f in found)
    assert '"4250.00" but the stored event says "42.50"' in found[0]


async def test_a_real_export_without_the_proof_fields_is_refused_naming_them(
    complaints: RunningComplaints, tmp_path: Path
) -> None:
    document = await exported(complaints)
    for name in ("format", "head", "checkpoint"):
        document.pop(name, None)
    for event in document["events"]:
        event.pop("stored", None)
    found = failures(verify(complaints, tmp_path, document))
    assert found == [
        "proof fields: absent: format, head, checkpoint, events[].stored (every event). This "
        "export predates the redress.case-file/1 format or was stripped: what those fields "
        "prove cannot be checked"
    ]


async def test_a_complaint_altered_in_the_database_exports_a_file_the_verifier_refuses(
    complaints: RunningComplaints, database_url: str, tmp_path: Path
) -> None:
    complaint_id = await opened_and_worked(complaints)
    StoredRows(database_url).edit_payload(
        complaint_id, 3, lambda state: state.update(reason="The customer withdrew")
    )
    document = json.loads(await export_of(complaints, complaint_id))
    escalation = document["events"][2]
    assert escalation["data"]["reason"] == "The customer withdrew"  # shown as now stored
    found = failures(verify(complaints, tmp_path, document))
    assert found == [
        f"event v3 stored: the stored topic or state does not give the hash shown "
        f"({escalation['hash']}): the stored event was altered"
    ]
