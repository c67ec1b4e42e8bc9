"""The offline verifier on a real history export of the complaints service: it accepts the
export as served, and refuses one whose complaint was altered in the database or whose
shown amount was changed, naming the event.

The proof fields of the case file (`format`, `head`, `events[].stored`) are added to the
export by issue 18's case-file work; where an export lacks them, this test adds them from
the service's own stored events, exactly as the format says, so that what is held to the
stored state is the service's real reading of its events (times, ids, amounts, actors).
"""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from libs.domain.values import Role
from libs.platform.eventstore.integrity.audit import chain_recorder
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


async def export_of(complaints: RunningComplaints, complaint_id: str) -> dict[str, Any]:
    export = await complaints.client.get(
        f"/v1/complaints/{complaint_id}/history/export",
        params={"format": "json"},
        headers=complaints.headers(Role.AUDITOR),
    )
    assert export.status_code == 200, export.text
    document: dict[str, Any] = export.json()
    return document


async def exported(complaints: RunningComplaints) -> dict[str, Any]:
    return await export_of(complaints, await opened_and_worked(complaints))


def with_proof_fields(complaints: RunningComplaints, document: dict[str, Any]) -> dict[str, Any]:
    """`document` with the case file's proof fields, read from the service's event store
    where the export does not carry them yet."""
    completed = copy.deepcopy(document)
    recorder = chain_recorder(complaints.service.application.recorder)
    stored = {
        event.originator_version: event
        for event in recorder.select_events(UUID(completed["complaint_id"]))
    }
    for event in completed["events"]:
        row = stored[event["version"]]
        event.setdefault(
            "stored", {"topic": row.topic, "state": base64.b64encode(row.state).decode()}
        )
    last = completed["events"][-1]
    completed.setdefault("format", "redress.case-file/1")
    completed.setdefault("head", {"version": last["version"], "hash": last["hash"]})
    completed.setdefault("checkpoint", None)
    return completed


def verify(tmp_path: Path, document: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / "case-file.json"
    path.write_text(json.dumps(document))
    return verify_files([str(path)], KeyRing([], "no keys needed: nothing here is signed"))


def failures(result: dict[str, Any]) -> list[str]:
    return [f"{f['part']}: {f['message']}" for f in result["files"][0]["failures"]]


async def test_a_real_export_verifies_and_its_shown_fields_are_its_stored_events(
    complaints: RunningComplaints, tmp_path: Path
) -> None:
    document = with_proof_fields(complaints, await exported(complaints))
    result = verify(tmp_path, document)
    assert result["valid"], failures(result)
    checks = {c["part"]: c["message"] for c in result["files"][0]["checks"]}
    assert checks["chain"].startswith("5 events: each hash re-derived")
    assert checks["head"] == f"version 5, hash {document['events'][-1]['hash']}"
    # The comparison is not vacuous: the export shows the amount, the back-dated time, ids.
    offer = next(e for e in document["events"] if e["type"] == "OfferMade")
    assert json.dumps(offer["data"]).count("42.50") >= 1
    interaction = next(e for e in document["events"] if e["type"] == "InteractionRecorded")
    assert interaction["occurred_at"] == YESTERDAY != interaction["recorded_at"]


async def test_a_real_export_with_an_amount_changed_is_refused_naming_the_event(
    complaints: RunningComplaints, tmp_path: Path
) -> None:
    document = with_proof_fields(complaints, await exported(complaints))
    offer = next(e for e in document["events"] if e["type"] == "OfferMade")
    text = json.dumps(offer["data"]).replace("42.50", "4250.00")
    offer["data"] = json.loads(text)
    found = failures(verify(tmp_path, document))
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
    found = failures(verify(tmp_path, document))
    assert found == [
        "proof fields: absent: format, head, checkpoint, events[].stored (every event). "
        "This export "
        "predates the redress.case-file/1 format or was stripped: what those fields prove "
        "cannot be checked"
    ]


async def test_a_complaint_altered_in_the_database_exports_a_file_the_verifier_refuses(
    complaints: RunningComplaints, database_url: str, tmp_path: Path
) -> None:
    complaint_id = await opened_and_worked(complaints)
    StoredRows(database_url).edit_payload(
        complaint_id, 3, lambda state: state.update(reason="The customer withdrew")
    )
    document = with_proof_fields(complaints, await export_of(complaints, complaint_id))
    escalation = document["events"][2]
    assert escalation["data"]["reason"] == "The customer withdrew"  # shown as now stored
    found = failures(verify(tmp_path, document))
    assert found == [
        f"event v3 stored: the stored topic or state does not give the hash shown "
        f"({escalation['hash']}): the stored event was altered"
    ]
