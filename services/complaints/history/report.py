"""The case-history report: what a regulator or ADR provider reads, as JSON and as PDF.

Both are built from the same pieces: the complaint as it stands, every event in order with
its chain hash, and the verification result. The PDF is laid out for people (parties,
timeline, interactions, escalations, offers, decisions, then the hash chain as an annex).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def export_document(
    state: dict[str, Any], events: list[dict[str, Any]], verification: dict[str, Any]
) -> dict[str, Any]:
    return {
        "complaint_id": state["id"],
        "exported_at": datetime.now(UTC).isoformat(),
        "state": state,
        "verification": verification,
        "events": events,
    }


def summarise(event: dict[str, Any]) -> str:
    """One line saying what an event did, for the timeline."""
    data = event.get("data") or {}
    kind = event["type"]
    if event.get("decode_error"):
        return f"(unreadable: {event['decode_error']})"
    lines = {
        "ComplaintReceived": lambda: (
            f"received via {data.get('channel')}: "
            f"{data.get('category')} — {data.get('description', '')}"
        ),
        "InteractionRecorded": lambda: (
            f"{data.get('kind')} ({data.get('direction')}): {data.get('summary')}"
        ),
        "Escalated": lambda: (
            f"{data.get('from_tier')} → {data.get('to_tier')}: {data.get('reason')}"
        ),
        "OfferMade": lambda: (
            f"offer: {data.get('description')}"
            + (f" ({data.get('amount')} {data.get('currency')})" if data.get("amount") else "")
        ),
        "OfferAccepted": lambda: f"offer {data.get('offer_id')} accepted",
        "OfferRejected": lambda: f"offer {data.get('offer_id')} rejected",
        "ComplaintResolved": lambda: f"resolved ({data.get('outcome')}): {data.get('summary')}",
        "FinalResponseIssued": lambda: "final response issued",
        "AppealLodged": lambda: f"appeal lodged: {data.get('grounds')}",
        "AppealDecided": lambda: (
            f"appeal {data.get('outcome')} at {data.get('decided_at_tier')}: {data.get('reasons')}"
        ),
        "ReferredToAdr": lambda: "referred to ADR",
        "AdrStatusUpdated": lambda: f"ADR status: {data.get('provider_status')}",
        "AdrFileCompleted": lambda: "ADR entity has the complete complaint file",
        "AdrTraderNotified": lambda: "ADR entity asked the firm for its answer",
        "AdrAnswerSent": lambda: f"firm answered the ADR entity: {data.get('message')}",
        "AdrOutcomeRecorded": lambda: f"ADR outcome: {data.get('outcome')} — {data.get('summary')}",
        "ComplaintClosed": lambda: f"closed: {data.get('reason')}",
        "Reopened": lambda: f"reopened: {data.get('reason')}",
    }
    describe = lines.get(kind)
    return describe() if describe else kind


class _Report(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.report_title = title
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)
        if (FONT_DIR / "DejaVuSans.ttf").exists():
            self.add_font("body", "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.add_font("body", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
            self.add_font("mono", "", str(FONT_DIR / "DejaVuSansMono.ttf"))
            self.unicode = True
        else:  # the core fonts cover Latin-1 only
            self.unicode = False

    def font(self, style: str = "", size: float = 9, mono: bool = False) -> None:
        family = (
            ("mono" if mono else "body") if self.unicode else ("Courier" if mono else "Helvetica")
        )
        self.set_font(family, "" if mono else style, size)

    def text_(self, value: Any) -> str:
        text = "" if value is None else str(value)
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def header(self) -> None:
        self.font("B", 8)
        self.set_text_color(110)
        self.cell(0, 5, self.text_(self.report_title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)

    def footer(self) -> None:
        self.set_y(-12)
        self.font("", 8)
        self.set_text_color(110)
        self.cell(0, 5, f"page {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0)

    def heading(self, text: str) -> None:
        self.ln(3)
        self.font("B", 12)
        self.cell(0, 7, self.text_(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.font()

    def para(self, text: Any, size: float = 9, style: str = "", mono: bool = False) -> None:
        self.font(style, size, mono)
        self.multi_cell(0, 4.6, self.text_(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.font()

    def pairs(self, rows: list[tuple[str, Any]]) -> None:
        for label, value in rows:
            self.font("B")
            self.cell(45, 4.6, self.text_(label))
            self.font()
            self.multi_cell(0, 4.6, self.text_(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _money(value: dict[str, str] | None) -> str:
    return f"{value['amount']} {value['currency']}" if value else "—"


def history_pdf(
    state: dict[str, Any], events: list[dict[str, Any]], verification: dict[str, Any]
) -> bytes:
    pdf = _Report(f"Redress — case history of complaint {state['id']}")
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.font("B", 16)
    pdf.cell(0, 10, "Case history report", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.para(f"Generated {datetime.now(UTC).isoformat(timespec='seconds')} from the event store.")

    pdf.heading("Verification")
    verdict = (
        "VALID — the stored history is unaltered"
        if verification["valid"]
        else (
            f"INVALID — first failure at version {verification['first_bad_version']}: "
            f"{verification['reason']}"
        )
    )
    pdf.pairs(
        [
            ("Result", verdict),
            ("Events", verification["events"]),
            ("Head version", verification["head_version"]),
            ("Head hash", verification["head_hash"]),
            (
                "Checkpoint",
                f"#{verification['checkpoint']['seq']} anchors version "
                f"{verification['checkpoint']['anchored_version']}"
                if verification.get("checkpoint")
                else "not yet anchored in a checkpoint",
            ),
        ]
    )

    pdf.heading("Complaint")
    pdf.pairs(
        [
            ("Status", state["status"]),
            ("Tier", state["tier"]),
            ("Category", state["category"]),
            ("Channel", state["channel"]),
            ("Regime", state["regime"]),
            ("Received", state["received_at"]),
            ("Amount in dispute", _money(state["amount_in_dispute"])),
            ("Desired remedy", state["desired_remedy"]),
            ("External reference", state["external_ref"]),
            ("Description", state["description"]),
        ]
    )

    pdf.heading("Parties")
    customer = state["customer"]
    pdf.pairs([("Customer", ", ".join(str(v) for v in customer.values() if v))])
    staff = sorted({(e["actor"], e["actor_role"]) for e in events if e.get("actor")})
    pdf.pairs([("Staff and systems", "; ".join(f"{actor} ({role})" for actor, role in staff))])

    pdf.heading("Timeline")
    for event in events:
        pdf.font("B")
        pdf.multi_cell(
            0,
            4.6,
            pdf.text_(
                f"v{event['version']}  {event['recorded_at']}  {event['type']}  "
                f"by {event.get('actor')}"
            ),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.para(summarise(event))

    pdf.heading("Interactions")
    if not state["interactions"]:
        pdf.para("none")
    for item in state["interactions"]:
        pdf.pairs(
            [
                ("When", f"{item['occurred_at']} ({item['kind']}, {item['direction']})"),
                ("By", item["actor"]),
                ("Summary", item["summary"]),
                ("Body", item.get("body") or "—"),
                ("Language", item.get("language") or "—"),
                (
                    "Document",
                    f"{item['document'].get('media_type')} sha256 {item['document'].get('sha256')}"
                    if item.get("document")
                    else "—",
                ),
            ]
        )
        pdf.ln(1)

    pdf.heading("Escalations")
    if not state["escalations"]:
        pdf.para("none")
    for item in state["escalations"]:
        pdf.para(
            f"{item['occurred_at']}: {item['from_tier']} → {item['to_tier']} by "
            f"{item['actor']}: {item['reason']}"
        )

    pdf.heading("Offers")
    if not state["offers"]:
        pdf.para("none")
    for offer in state["offers"]:
        amount = offer["amount"]
        worth = f"{amount} {offer['currency']}" if amount else "non-monetary"
        pdf.para(f"{offer['made_at']}: {offer['description']} ({worth}) — {offer['status']}")

    pdf.heading("Decisions")
    decisions: list[tuple[str, Any]] = []
    if state["resolution"]:
        r = state["resolution"]
        decisions.append(
            ("Resolution", f"{r['outcome']} at {r['decided_at_tier']}: {r['summary']}")
        )
    if state["final_response"]:
        decisions.append(("Final response", state["final_response"]["letter"]))
    for appeal in state["appeals"]:
        decisions.append(
            ("Appeal", f"{appeal['grounds']} — {appeal['status']} {appeal['outcome'] or ''}")
        )
    if state["adr"]:
        decisions.append(
            (
                "ADR",
                f"referral {state['adr']['referral_id']}, "
                f"status {state['adr'].get('provider_status')}",
            )
        )
    if state["closure"]:
        decisions.append(("Closure", state["closure"]["reason"]))
    pdf.pairs(decisions or [("", "none yet")])

    pdf.heading("Annex: hash chain")
    pdf.para(verification["algorithm"], size=8)
    for event in events:
        pdf.para(
            f"v{event['version']:<5} {event['hash'] or '(no recorded hash)'}", size=7, mono=True
        )
    return bytes(pdf.output())
