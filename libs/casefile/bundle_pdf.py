"""The ADR referral bundle as a PDF: what an ombudsman reads as the case file.

Rendered from the bundle JSON the ADR gateway builds (`bundle_version` 2): its `case_file`
is read back into the one `CaseFile` model and drawn by the same code as the history export
(`history_pdf.draw_case`); around it, the referral (provider, date, requested method), the
policy and attached documents with their digests, and the manifest. PDF/A-3b with the case
file's JSON attached as `case-file.json`, signed (PAdES) with the deployment key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from libs.casefile.formatting import human_time, plain
from libs.casefile.history_pdf import ATTACHMENT, attach, draw_case
from libs.casefile.model import CaseFile
from libs.casefile.pdf_base import GREEN, GREY, RED, CaseFilePdf
from libs.casefile.pdf_record import checkpoint, hash_annex, verdict_line, verification
from libs.platform.signing.keys import SigningKey
from libs.platform.signing.pdf import sign_pdf


def _referral(pdf: CaseFilePdf, case: CaseFile, referral: Mapping[str, Any]) -> None:
    tz = case.regime.timezone
    provider = referral.get("provider") or {}
    customer = case.parties.customer
    pdf.style(size=18, bold=True)
    pdf.write_lines("ADR case file", height=11)
    pdf.style(size=10, color=GREY)
    pdf.write_lines(f"Referral {referral.get('reference') or referral.get('id')}", height=6)
    pdf.y += 3
    pdf.banner(verdict_line(case), GREEN if case.verification.valid else RED)
    pdf.subheading("Referral")
    pdf.rows(
        [
            ("Provider", f"{provider.get('name') or '—'} ({provider.get('id') or '—'})"),
            ("Referred", human_time(referral.get("referred_at"), tz)),
            ("Requested method", referral.get("requested_method") or "not stated"),
            ("Referral reference", referral.get("reference") or "—"),
            ("Referral id", referral.get("id") or "—"),
            ("Complaint", case.complaint_id),
            ("Firm", case.parties.firm.name),
        ]
    )
    pdf.subheading("Customer")
    pdf.rows(
        [
            ("Name", customer.name),
            ("E-mail", customer.email or "—"),
            ("Telephone", customer.phone or "—"),
            ("Address", customer.address or "—"),
            ("Customer id", customer.id),
        ]
    )
    pdf.subheading("Proof")
    pdf.mono_rows([("Head hash", f"{case.head.hash} (version {case.head.version})")])
    checkpoint(pdf, case)


def _documents(pdf: CaseFilePdf, title: str, documents: list[Mapping[str, Any]]) -> None:
    pdf.heading(title)
    if not documents:
        pdf.none()
    for document in documents:
        ref = document.get("ref") or document.get("storage_ref") or document.get("url")
        pdf.subheading(str(document.get("title") or document.get("name") or ref or "document"))
        shown = {
            key: value
            for key, value in document.items()
            if key not in ("sha256", "title", "name") and value not in (None, "")
        }
        pdf.rows(
            [(key.replace("_", " ").capitalize(), plain(value)) for key, value in shown.items()]
        )
        pdf.mono_rows([("sha256", document.get("sha256") or "—")])


def _manifest(pdf: CaseFilePdf, manifest: Mapping[str, Any]) -> None:
    pdf.heading("Manifest: the digests of this bundle")
    head = manifest.get("head") or {}
    pdf.rows(
        [
            ("Algorithm", manifest.get("algorithm") or "—"),
            ("Complaint", manifest.get("complaint_id") or "—"),
            ("Head version", head.get("version") or "—"),
        ]
    )
    pdf.mono_rows([("Head hash", head.get("hash") or "—")])
    anchor = manifest.get("checkpoint")
    if isinstance(anchor, Mapping):
        pdf.mono_rows([("Checkpoint", f"#{anchor.get('seq')} root {anchor.get('root')}")])
    else:
        pdf.rows([("Checkpoint", "not yet anchored in a checkpoint")])
    pdf.subheading("Parts")
    parts = manifest.get("parts") or {}
    if not parts:
        pdf.none()
    pdf.mono_rows([(str(name), str(digest)) for name, digest in parts.items()])
    pdf.subheading("Documents")
    documents = manifest.get("documents") or []
    if not documents:
        pdf.none()
    for document in documents:
        pdf.rows([("Document", document.get("ref") or "—")])
        pdf.mono_rows([("sha256", document.get("sha256") or "—")])


def _drawn(bundle: Mapping[str, Any], case: CaseFile, *, whole_fonts: bool) -> CaseFilePdf:
    referral = bundle.get("referral") or {}
    pdf = CaseFilePdf(
        title=f"ADR case file, referral {referral.get('reference') or referral.get('id')}",
        reference=case.reference,
        firm=case.parties.firm.name,
        invalid=not case.verification.valid,
        whole_fonts=whole_fonts,
    )
    pdf.add_page()
    _referral(pdf, case, referral)
    verification(pdf, case)
    draw_case(pdf, case)
    _documents(pdf, "Policy documents", list(bundle.get("policy_documents") or []))
    _documents(pdf, "Attached documents", list(bundle.get("attached_documents") or []))
    _manifest(pdf, bundle.get("manifest") or {})
    hash_annex(pdf, case)
    return pdf


def render_bundle_pdf(bundle: Mapping[str, Any], key: SigningKey | None) -> bytes:
    """The bundle's PDF, signed with `key` (unsigned without one); ValueError when its
    `case_file` is not a case file. Call it off the event loop: the signer (pyHanko) runs
    an event loop of its own."""
    case = CaseFile.from_json(bundle["case_file"])
    pdf = _drawn(bundle, case, whole_fonts=False)
    if pdf.lacks_glyphs:  # a script beyond the core fonts: draw it again with the whole
        pdf = _drawn(bundle, case, whole_fonts=True)
    # The case file exactly as the bundle carries it (its digest is in the manifest).
    body = json.dumps(bundle["case_file"], ensure_ascii=False).encode()
    attach(pdf, body, name=ATTACHMENT, description="The case file (JSON)")
    referral = bundle.get("referral") or {}
    reason = f"ADR case file for referral {referral.get('reference') or referral.get('id')}"
    rendered = bytes(pdf.output())
    return rendered if key is None else sign_pdf(rendered, key, reason=reason)
