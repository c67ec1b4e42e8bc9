"""A plain PDF of a case bundle with fpdf2's core fonts: the referral, the case, the history's
head and every digest of the manifest. `bundles.bundle_pdf` calls it until the case-file
renderer (`libs/casefile`) draws bundles from the same document model as history exports."""

from __future__ import annotations

from typing import Any

import orjson
from fpdf import FPDF


def _text(value: Any) -> str:
    """The core PDF fonts are Latin-1: anything else is shown as '?', never an error."""
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return text.encode("latin-1", "replace").decode("latin-1")


class _Writer:
    def __init__(self) -> None:
        self.pdf = FPDF()
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf.add_page()

    def title(self, text: str) -> None:
        self.pdf.set_font("Helvetica", "B", 16)
        self.pdf.multi_cell(0, 9, _text(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font("Helvetica", size=10)

    def heading(self, title: str) -> None:
        self.pdf.ln(3)
        self.pdf.set_font("Helvetica", "B", 12)
        self.pdf.multi_cell(0, 7, _text(title), new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font("Helvetica", size=10)

    def line(self, label: str, value: Any) -> None:
        if value in (None, "", [], {}):
            return
        self.pdf.multi_cell(0, 5, _text(f"{label}: {_text(value)}"), new_x="LMARGIN", new_y="NEXT")


def render_basic_pdf(bundle: dict[str, Any]) -> bytes:
    out = _Writer()
    referral = bundle.get("referral") or {}
    out.title(f"ADR case bundle - referral {referral.get('reference', '')}")
    out.heading("Referral")
    out.line("Provider", (referral.get("provider") or {}).get("name"))
    out.line("Referred at", referral.get("referred_at"))
    out.line("Requested method", referral.get("requested_method"))
    out.line("Referred by", referral.get("referred_by"))

    summary = bundle.get("summary") or {}
    out.heading("Summary")
    for key in ("id", "category", "status", "description", "desired_remedy", "regime"):
        out.line(key.replace("_", " ").capitalize(), summary.get(key))
    out.line("Amount in dispute", summary.get("amount_in_dispute"))

    parties = bundle.get("parties") or {}
    customer = parties.get("customer") or {}
    out.heading("Parties")
    out.line("Customer", f"{customer.get('name', '')} ({customer.get('id', '')})")
    for key in ("email", "phone", "address"):
        out.line(f"Customer {key}", customer.get(key))
    out.line("Firm", (parties.get("firm") or {}).get("name"))

    out.heading("Timeline")
    for item in bundle.get("timeline", []):
        out.line(
            str(item.get("occurred_at", ""))[:19], f"[{item.get('kind')}] {item.get('summary')}"
        )
    out.heading("Internal escalations and outcome")
    internal = bundle.get("internal_escalations") or {}
    for escalation in internal.get("escalations", []):
        out.line("Escalated", f"{escalation.get('from_tier')} -> {escalation.get('to_tier')}")
    out.line("Resolution", internal.get("resolution"))
    out.heading("Offers")
    for offer in bundle.get("offers", []):
        out.line(str(offer.get("status")), offer.get("description"))
    out.heading("Final response")
    out.line("Letter", (bundle.get("final_response") or {}).get("letter"))
    out.heading("Eligibility")
    out.line("Result", (bundle.get("eligibility") or {}).get("result"))
    out.heading("Documents")
    for document in bundle.get("attached_documents", []):
        out.line(str(document.get("summary") or "document"), document.get("sha256"))

    manifest = bundle.get("manifest") or {}
    head = manifest.get("head") or {}
    events = (bundle.get("case_file") or {}).get("events") or []
    out.heading("History and manifest (sha256)")
    out.line("Events in the case file", str(len(events)))
    out.line("Head version", head.get("version"))
    out.line("Head hash", head.get("hash"))
    checkpoint = manifest.get("checkpoint") or {}
    out.line(
        "Checkpoint",
        checkpoint
        and f"#{checkpoint.get('seq')}, anchoring version {checkpoint.get('anchored_version')} "
        f"(hash {checkpoint.get('anchored_hash')})",
    )
    for name, digest in (manifest.get("parts") or {}).items():
        out.line(name, digest)
    return bytes(out.pdf.output())
