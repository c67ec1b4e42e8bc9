"""The case bundle: everything an ADR provider needs, gathered from the complaints service's
API (never its database), with a manifest of sha256 digests; as JSON and as a PDF."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from fpdf import FPDF

BUNDLE_VERSION = 1


class ComplaintsUnavailable(Exception):
    """The complaints service could not be asked (down, or refusing our key)."""


class ComplaintMissing(Exception):
    """The complaints service does not know the complaint (it cannot be bundled)."""


def canonical(value: Any) -> bytes:
    """One byte form per value, so that digests are reproducible by anyone."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ComplaintsClient:
    """Reads complaints over the complaints service's API with a `service` key."""

    def __init__(self, base_url: str, api_key: str, timeout: float = 10.0) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
            follow_redirects=False,
        )

    def _get(self, path: str) -> httpx.Response:
        try:
            return self._client.get(path)
        except httpx.HTTPError as error:
            raise ComplaintsUnavailable(f"GET {path}: {type(error).__name__}") from None

    def complaint(self, complaint_id: str) -> dict[str, Any]:
        response = self._get(f"/v1/complaints/{complaint_id}")
        if response.status_code == 404:
            raise ComplaintMissing(complaint_id)
        if response.status_code != 200:
            raise ComplaintsUnavailable(f"GET complaint answered {response.status_code}")
        return dict(response.json())

    def history(self, complaint_id: str) -> dict[str, Any] | None:
        """The auditor's history (events and head hash), where the service offers it."""
        response = self._get(f"/v1/complaints/{complaint_id}/history")
        if response.status_code in (404, 405):
            return None
        if response.status_code != 200:
            raise ComplaintsUnavailable(f"GET history answered {response.status_code}")
        body = response.json()
        return body if isinstance(body, dict) else {"events": body}

    def close(self) -> None:
        self._client.close()


@dataclass(frozen=True)
class BuiltBundle:
    body: bytes  # canonical JSON
    sha256: str
    manifest: dict[str, Any]
    head_hash: str | None

    def summary(self) -> dict[str, Any]:
        """What the referral records about its bundle: digests, not content."""
        return {
            "sha256": self.sha256,
            "size": len(self.body),
            "head_hash": self.head_hash,
            "parts": self.manifest["parts"],
            "documents": self.manifest["documents"],
        }


def _head_hash(history: dict[str, Any] | None) -> str | None:
    if not history:
        return None
    for key in ("head_hash", "head", "hash"):
        value = history.get(key)
        if isinstance(value, str):
            return value
    return None


def build_bundle(
    *,
    referral: dict[str, Any],
    provider: dict[str, Any],
    complaint: dict[str, Any],
    history: dict[str, Any] | None,
    firm_name: str,
    policy_documents: list[dict[str, str]],
) -> BuiltBundle:
    adr = complaint.get("adr") or {}
    documents = [
        {**i["document"], "interaction_id": i.get("id"), "summary": i.get("summary")}
        for i in complaint.get("interactions", [])
        if i.get("kind") == "document" and i.get("document")
    ]
    parts: dict[str, Any] = {
        "referral": {
            **referral,
            "provider": {"id": provider["id"], "name": provider.get("name")},
        },
        "summary": {
            key: complaint.get(key)
            for key in (
                "id",
                "status",
                "category",
                "channel",
                "description",
                "desired_remedy",
                "amount_in_dispute",
                "regime",
                "external_ref",
                "received_at",
                "flags",
            )
        },
        "parties": {
            "customer": complaint.get("customer"),
            "firm": {"name": firm_name},
        },
        "timeline": sorted(
            complaint.get("interactions", []), key=lambda i: str(i.get("occurred_at", ""))
        ),
        "internal_escalations": {
            "ladder": complaint.get("ladder"),
            "escalations": complaint.get("escalations", []),
            "appeals": complaint.get("appeals", []),
            "resolution": complaint.get("resolution"),
        },
        "offers": complaint.get("offers", []),
        "final_response": complaint.get("final_response"),
        "eligibility": {
            "result": adr.get("eligibility") or referral.get("eligibility"),
            "override_justification": adr.get("override_justification"),
        },
        "policy_documents": policy_documents,
        "attached_documents": documents,
        "history": history,
    }
    head_hash = _head_hash(history)
    manifest = {
        "algorithm": "sha256",
        "complaint_version": complaint.get("version"),
        "head_hash": head_hash,
        "parts": {name: sha256(canonical(value)) for name, value in parts.items()},
        "documents": [
            {"ref": d.get("storage_ref") or d.get("ref"), "sha256": d.get("sha256")}
            for d in documents
        ],
    }
    document = {"bundle_version": BUNDLE_VERSION, **parts, "manifest": manifest}
    body = canonical(document)
    return BuiltBundle(body=body, sha256=sha256(body), manifest=manifest, head_hash=head_hash)


# -- PDF ----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """The core PDF fonts are Latin-1: anything else is shown as '?', never an error."""
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return text.encode("latin-1", "replace").decode("latin-1")


def bundle_pdf(body: bytes) -> bytes:
    bundle = orjson.loads(body)
    pdf = FPDF()
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    referral = bundle.get("referral", {})
    pdf.multi_cell(
        0,
        9,
        _text(f"ADR case bundle - referral {referral.get('reference', '')}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("Helvetica", size=10)

    def heading(title: str) -> None:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, _text(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)

    def line(label: str, value: Any) -> None:
        if value in (None, "", [], {}):
            return
        pdf.multi_cell(
            0,
            5,
            _text(f"{label}: {value if isinstance(value, str) else _text(value)}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )

    summary = bundle.get("summary", {})
    heading("Summary")
    for key in ("id", "category", "status", "description", "desired_remedy", "regime"):
        line(key.replace("_", " ").capitalize(), summary.get(key))
    line("Amount in dispute", summary.get("amount_in_dispute"))
    heading("Parties")
    customer = (bundle.get("parties") or {}).get("customer") or {}
    line("Customer", f"{customer.get('name', '')} ({customer.get('id', '')})")
    line("Firm", ((bundle.get("parties") or {}).get("firm") or {}).get("name"))
    heading("Timeline")
    for item in bundle.get("timeline", []):
        line(str(item.get("occurred_at", ""))[:19], f"[{item.get('kind')}] {item.get('summary')}")
    heading("Internal escalations and outcome")
    internal = bundle.get("internal_escalations", {})
    for escalation in internal.get("escalations", []):
        line("Escalated", f"{escalation.get('from_tier')} -> {escalation.get('to_tier')}")
    line("Resolution", internal.get("resolution"))
    heading("Offers")
    for offer in bundle.get("offers", []):
        line(str(offer.get("status")), offer.get("description"))
    heading("Final response")
    line("Letter", (bundle.get("final_response") or {}).get("letter"))
    heading("Eligibility")
    line("Result", (bundle.get("eligibility") or {}).get("result"))
    heading("Documents")
    for document in bundle.get("attached_documents", []):
        line(str(document.get("summary") or "document"), document.get("sha256"))
    heading("Manifest (sha256)")
    manifest = bundle.get("manifest", {})
    line("Head hash", manifest.get("head_hash"))
    for name, digest in (manifest.get("parts") or {}).items():
        line(name, digest)
    return bytes(pdf.output())
