"""The history export as a PDF: a cover, the case's sections, the timeline and the hash
chain, as PDF/A-3b with the case file's JSON attached (`case-file.json`, AFRelationship
/Data), signed (PAdES) with the deployment key."""

from __future__ import annotations

import json

from libs.casefile import pdf_case, pdf_decisions, pdf_record
from libs.casefile.formatting import human_time, words
from libs.casefile.model import CaseFile
from libs.casefile.pdf_base import GREEN, GREY, RED, CaseFilePdf
from libs.platform.signing.keys import SigningKey
from libs.platform.signing.pdf import sign_pdf

ATTACHMENT = "case-file.json"


def case_file_json(case: CaseFile) -> bytes:
    """The attachment: the JSON export, as the endpoint serves it."""
    return json.dumps(case.to_json(), ensure_ascii=False).encode()


def attach(pdf: CaseFilePdf, body: bytes, *, name: str, description: str) -> None:
    pdf.embed_file(
        bytes=body,
        basename=name,
        mime_type="application/json",
        associated_file_relationship="Data",
        desc=description,
        compress=True,
    )


def cover(pdf: CaseFilePdf, case: CaseFile, key: SigningKey, title: str) -> None:
    """What the reader needs first: whose case, who exported it and when, and whether the
    history holds."""
    tz = case.regime.timezone
    pdf.style(size=18, bold=True)
    pdf.write_lines(title, height=11)
    pdf.style(size=10, color=GREY)
    pdf.write_lines(f"Case {case.reference}", height=6)
    pdf.y += 3
    pdf.banner(pdf_record.verdict_line(case), GREEN if case.verification.valid else RED)
    pdf.rows(
        [
            ("Complaint", case.complaint_id),
            ("Customer", case.parties.customer.name),
            ("Firm", case.parties.firm.name),
            ("Status", f"{words(case.summary.status)} (version {case.summary.version})"),
            ("Regime", f"{case.regime.title or case.regime.name} ({case.regime.name})"),
            ("Exported by", f"{case.exported_by.actor} (role {case.exported_by.role})"),
            ("Exported at", human_time(case.exported_at, tz)),
            ("Request correlation id", case.request_correlation_id or "—"),
        ]
    )
    pdf.mono_rows([("Head hash", f"{case.head.hash} (version {case.head.version})")])
    pdf_record.checkpoint(pdf, case)
    pdf.mono_rows([("Signing key (kid)", key.kid)])
    pdf.y += 2
    pdf.para(
        f"This file is PDF/A-3b, signed (PAdES) with the deployment key above; the case file "
        f"as JSON is attached as {ATTACHMENT}, with every event's stored bytes, so that the "
        "hash chain can be checked offline (redress verify-export). Times are shown in "
        f"{tz} with their offset from UTC.",
        size=8,
        color=GREY,
    )


def draw_case(pdf: CaseFilePdf, case: CaseFile) -> None:
    """The case's sections, as both PDFs show them."""
    pdf_case.parties(pdf, case)
    pdf_case.complaint(pdf, case)
    pdf_case.regime_and_clocks(pdf, case)
    pdf_case.interactions(pdf, case)
    pdf_case.escalations_and_offers(pdf, case)
    pdf_decisions.decisions(pdf, case)
    pdf_decisions.final_response(pdf, case)
    pdf_decisions.adr(pdf, case)
    pdf_record.documents(pdf, case)
    pdf_record.timeline(pdf, case)


def _drawn(case: CaseFile, key: SigningKey, *, whole_fonts: bool) -> CaseFilePdf:
    pdf = CaseFilePdf(
        title=f"Case file of complaint {case.complaint_id}",
        reference=case.reference,
        firm=case.parties.firm.name,
        invalid=not case.verification.valid,
        whole_fonts=whole_fonts,
    )
    pdf.add_page()
    cover(pdf, case, key, "Case file")
    pdf_record.verification(pdf, case)
    draw_case(pdf, case)
    pdf_record.hash_annex(pdf, case)
    return pdf


def render_history_pdf(case: CaseFile, key: SigningKey) -> bytes:
    pdf = _drawn(case, key, whole_fonts=False)
    if pdf.lacks_glyphs:  # a script beyond the core fonts: draw it again with the whole
        pdf = _drawn(case, key, whole_fonts=True)
    attach(pdf, case_file_json(case), name=ATTACHMENT, description="The case file (JSON)")
    return sign_pdf(bytes(pdf.output()), key, reason=f"Case file of complaint {case.complaint_id}")
