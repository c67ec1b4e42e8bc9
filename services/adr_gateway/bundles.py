"""The case bundle: everything an ADR provider needs, gathered from the complaints service's
API (never its database): the referral, the complaint's summary and parties, its whole
history as the case file (the history export, exactly as served), documents by digest, and a
manifest of sha256 digests with the complaint's head and checkpoint, signed with the
deployment key. As JSON (`body`) and as a PDF rendered from the same document.

The order matters (docs/proof-formats.md, "The referral bundle"): the PDF is rendered from
the bundle before its manifest names files or is signed, then the PDF's digest goes into
`manifest.files`, then the manifest is signed and the token added as `manifest_jws`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from libs.casefile.bundle_pdf import render_bundle_pdf
from libs.platform.signing.keys import SigningKey
from services.adr_gateway.bundle_manifest import (
    canonical,
    canonical_parts,
    joined,
    sha256,
    sign_manifest,
    unsigned_manifest,
    with_files,
)
from services.adr_gateway.bundle_render import render_basic_pdf
from services.adr_gateway.complaints_client import (
    ComplaintMissing,
    ComplaintsClient,
    ComplaintsUnavailable,
    head_of,
)

BUNDLE_VERSION = 2

__all__ = [
    "BUNDLE_VERSION",
    "BuiltBundle",
    "ComplaintMissing",
    "ComplaintsClient",
    "ComplaintsUnavailable",
    "build_bundle",
    "bundle_pdf",
    "canonical",
    "sha256",
]


@dataclass(frozen=True)
class BuiltBundle:
    body: bytes  # canonical JSON of the whole bundle, manifest and manifest_jws included
    sha256: str
    manifest: dict[str, Any]
    manifest_jws: str
    pdf: bytes  # the PDF rendering whose digest is manifest.files["bundle.pdf"]

    @property
    def head(self) -> dict[str, Any] | None:
        head: dict[str, Any] | None = self.manifest["head"]
        return head

    @property
    def head_hash(self) -> str | None:
        return self.head["hash"] if self.head else None

    def summary(self) -> dict[str, Any]:
        """What the referral records about its bundle: digests, not content."""
        return {
            "sha256": self.sha256,
            "size": len(self.body),
            "head_hash": self.head_hash,
            "head": self.head,
            "checkpoint": self.manifest["checkpoint"],
            "parts": self.manifest["parts"],
            "documents": self.manifest["documents"],
            "files": self.manifest["files"],
        }


def _attached_documents(complaint: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {**i["document"], "interaction_id": i.get("id"), "summary": i.get("summary")}
        for i in complaint.get("interactions", [])
        if i.get("kind") == "document" and i.get("document")
    ]


def bundle_parts(
    *,
    referral: dict[str, Any],
    provider: dict[str, Any],
    complaint: dict[str, Any],
    case_file: dict[str, Any],
    firm_name: str,
    policy_documents: list[dict[str, str]],
) -> dict[str, Any]:
    """Every part of the bundle but its manifest, in the order a reader meets them."""
    adr = complaint.get("adr") or {}
    return {
        "bundle_version": BUNDLE_VERSION,
        "referral": {**referral, "provider": {"id": provider["id"], "name": provider.get("name")}},
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
        # The customer as the complaint records them: name, email, phone and address.
        "parties": {"customer": complaint.get("customer"), "firm": {"name": firm_name}},
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
        "attached_documents": _attached_documents(complaint),
        # The whole history, every event with its chain hash, as the complaints service
        # served it: the provider re-derives the chain and the head from it.
        "case_file": case_file,
    }


def build_bundle(
    *,
    referral: dict[str, Any],
    provider: dict[str, Any],
    complaint: dict[str, Any],
    case_file: dict[str, Any],
    checkpoint: dict[str, Any] | None,
    firm_name: str,
    policy_documents: list[dict[str, str]],
    key: SigningKey,
    render_pdf: Callable[[bytes, SigningKey | None], bytes] | None = None,
) -> BuiltBundle:
    parts = bundle_parts(
        referral=referral,
        provider=provider,
        complaint=complaint,
        case_file=case_file,
        firm_name=firm_name,
        policy_documents=policy_documents,
    )
    encoded = canonical_parts(parts)
    manifest = unsigned_manifest(
        parts,
        encoded,
        referral_id=str(referral.get("id") or referral.get("reference")),
        complaint_id=str(referral.get("complaint_id") or complaint.get("id")),
        head=head_of(case_file),
        checkpoint=checkpoint,
    )
    # 1. The PDF, from the bundle as it stands before the manifest names files or is signed.
    pdf = (render_pdf or bundle_pdf)(joined({**encoded, "manifest": canonical(manifest)}), key)
    # 2. Its digest in the manifest; 3. the manifest signed.
    manifest = with_files(manifest, pdf)
    token = sign_manifest(manifest, key)
    body = joined({**encoded, "manifest": canonical(manifest), "manifest_jws": canonical(token)})
    return BuiltBundle(
        body=body, sha256=sha256(body), manifest=manifest, manifest_jws=token, pdf=pdf
    )


# -- PDF ----------------------------------------------------------------------------------


def bundle_pdf(body: bytes, key: SigningKey | None = None) -> bytes:
    """The bundle as a PDF, from its JSON (the manifest without `files`, or a whole bundle
    as stored), rendered by the case file's own renderer and signed with `key` (PAdES).
    Bundles stored before bundles were signed have no key to hand: their PDF is unsigned;
    those of bundle version 1 hold no case file and keep their first, plain layout."""
    bundle = orjson.loads(body)
    if "case_file" not in bundle:
        return render_basic_pdf(bundle)
    return render_bundle_pdf(bundle, key)
