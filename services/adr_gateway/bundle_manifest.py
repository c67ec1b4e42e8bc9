"""The bundle's manifest: a sha256 digest of every part, the complaint's head and the
checkpoint that anchors it, signed with the deployment key (JWS, ES256), so that a provider
can check the bundle without trusting the firm (docs/proof-formats.md, "The referral
bundle")."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from libs.platform.eventstore.integrity.hashchain import canonical_json
from libs.platform.signing.jws import sign_compact
from libs.platform.signing.keys import SigningKey

MANIFEST_FORMAT = "redress.bundle-manifest/1"
#: The parts a digest does not cover: the manifest itself, and its signature.
UNDIGESTED = ("manifest", "manifest_jws")
#: The name of the PDF rendering in `manifest.files`.
PDF_FILE = "bundle.pdf"


def canonical(value: Any) -> bytes:
    """The canonical JSON of docs/proof-formats.md, the same bytes the event hash chain
    hashes: sorted keys, no insignificant whitespace, UTF-8."""
    return canonical_json(value)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_parts(document: Mapping[str, Any]) -> dict[str, bytes]:
    """The canonical JSON of each top-level part, made once: a long case file is the bulk
    of a bundle, and its bytes serve both its digest and the bundle's body."""
    return {name: canonical(value) for name, value in document.items()}


def joined(parts: Mapping[str, bytes]) -> bytes:
    """The canonical JSON of an object from the canonical JSON of its members: the same
    bytes as `canonical` of the object (members sorted, joined by `,`, no whitespace)."""
    members = (canonical(name) + b":" + parts[name] for name in sorted(parts))
    return b"{" + b",".join(members) + b"}"


def part_digests(parts: Mapping[str, bytes]) -> dict[str, str]:
    """sha256 of the canonical JSON of every top-level part but the manifest and its
    signature (`bundle_version` included: a reader cannot be shown another version)."""
    return {name: sha256(data) for name, data in parts.items() if name not in UNDIGESTED}


def unsigned_manifest(
    document: Mapping[str, Any],
    parts: Mapping[str, bytes],
    *,
    referral_id: str,
    complaint_id: str,
    head: dict[str, Any] | None,
    checkpoint: dict[str, Any] | None,
) -> dict[str, Any]:
    """The manifest before the PDF is rendered: everything but `files`."""
    documents = document.get("attached_documents") or []
    return {
        "format": MANIFEST_FORMAT,
        "algorithm": "sha256",
        "referral_id": referral_id,
        "complaint_id": complaint_id,
        "head": head,
        "checkpoint": checkpoint,
        "parts": part_digests(parts),
        "documents": [
            {"ref": d.get("storage_ref") or d.get("ref"), "sha256": d.get("sha256")}
            for d in documents
        ],
        # Bundle version 1's names, kept for providers that read them.
        "head_hash": head["hash"] if head else None,
        "complaint_version": head["version"] if head else None,
    }


def with_files(manifest: dict[str, Any], pdf: bytes) -> dict[str, Any]:
    return {**manifest, "files": {PDF_FILE: sha256(pdf)}}


def sign_manifest(manifest: dict[str, Any], key: SigningKey) -> str:
    """A compact JWS (ES256, `kid` in its header) whose payload is the manifest's canonical
    JSON: whoever holds the published key can read the manifest from the token alone."""
    return sign_compact(canonical(manifest), key)
