"""Case files, bundles and signed PDFs made with the real primitives, for the verifier.

The formats are docs/proof-formats.md. The stored states are encoded by the event store's
own transcoder (tagged UUIDs, decimals and times), hashed with `event_hash`, anchored with
the Merkle tree of `merkle.py` and signed with the deployment key (`sign_compact`,
`sign_pdf`), so that the verifier is held to what the platform really makes.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, UUIDAsHex
from fpdf import FPDF

from libs.platform.eventstore.integrity.hashchain import GENESIS, canonical_json, event_hash
from libs.platform.eventstore.integrity.merkle import Leaf, inclusion_proof, merkle_root
from libs.platform.runtime.jsonable import jsonable
from libs.platform.signing.jws import sign_compact
from libs.platform.signing.keys import SigningKey
from libs.platform.signing.pdf import sign_pdf

TOPIC = "libs.domain.complaint:Complaint.{}"
ENVELOPE = ("timestamp", "actor", "actor_role", "correlation_id", "occurred_at", "command_id")


def transcoder() -> JSONTranscoder:
    coder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        coder.register(transcoding)
    return coder


def _event_states(count: int, start: datetime) -> list[tuple[str, dict[str, Any]]]:
    """(event type, state as the store keeps it) for a short complaint's life."""
    offer_id = uuid4()
    kinds: list[tuple[str, dict[str, Any]]] = [
        ("ComplaintReceived", {"description": "Charged twice for one order", "channel": "web"}),
        ("InteractionRecorded", {"kind": "note", "summary": "called the customer"}),
        ("OfferMade", {"offer_id": offer_id, "amount": Decimal("125.50"), "currency": "GBP"}),
        ("OfferAccepted", {"offer_id": offer_id, "nested": {"items": [1, True, None]}}),
    ]
    states = []
    for index in range(count):
        kind, data = kinds[index % len(kinds)]
        recorded = start + timedelta(minutes=index)
        states.append(
            (
                kind,
                {
                    **data,
                    "timestamp": recorded,
                    "occurred_at": recorded - timedelta(hours=1),
                    "actor": "agent:alice",
                    "actor_role": "agent",
                    "correlation_id": f"corr-{index}",
                    "command_id": uuid4(),
                },
            )
        )
    return states


def case_file(
    key: SigningKey | None = None,
    *,
    events: int = 6,
    complaint_id: UUID | None = None,
    anchored: int | None = None,
    embed_keys: bool = False,
) -> dict[str, Any]:
    """A case file of `events` events, with a signed checkpoint anchoring version
    `anchored` (default: the last) among other complaints, when `key` is given."""
    identity = str(complaint_id or uuid4())
    coder = transcoder()
    items: list[dict[str, Any]] = []
    prev = GENESIS
    for version, (kind, state) in enumerate(
        _event_states(events, datetime(2026, 3, 2, 9, 30, tzinfo=UTC)), start=1
    ):
        stored = coder.encode(state)
        topic = TOPIC.format(kind)
        digest = event_hash(identity, version, topic, stored, prev)
        shown = jsonable(coder.decode(stored))  # what the history shows: decoded, as JSON
        items.append(
            {
                "version": version,
                "type": kind,
                "topic": topic,
                "recorded_at": shown["timestamp"],
                "occurred_at": shown["occurred_at"],
                "actor": shown["actor"],
                "actor_role": shown["actor_role"],
                "correlation_id": shown["correlation_id"],
                "data": {k: v for k, v in shown.items() if k not in ENVELOPE},
                "stored": {"topic": topic, "state": base64.b64encode(stored).decode("ascii")},
                "hash": digest,
                "prev_hash": prev,
            }
        )
        prev = digest
    document: dict[str, Any] = {
        "format": "redress.case-file/1",
        "complaint_id": identity,
        "exported_at": "2026-03-09T10:00:00+00:00",
        "head": {"version": events, "hash": prev},
        "events": items,
        "checkpoint": None,
    }
    if key is not None:
        document["checkpoint"] = checkpoint(key, identity, items[(anchored or events) - 1])
        if embed_keys:
            document["signing_keys"] = {"keys": [key.jwk]}
    return document


def checkpoint(key: SigningKey, complaint_id: str, event: dict[str, Any]) -> dict[str, Any]:
    """A signed checkpoint over this complaint's head and four others, with the inclusion
    proof of this complaint's leaf."""
    leaf = Leaf(complaint_id, event["version"], event["hash"])
    others = [Leaf(str(uuid4()), 3, hashlib.sha256(bytes([n])).hexdigest()) for n in range(4)]
    leaves = sorted([leaf, *others])
    header = {
        "seq": 7,
        "created_at": "2026-03-09T09:00:00+00:00",
        "position": 1234,
        "aggregates": len(leaves),
        "root": merkle_root(leaves),
        "prev_hash": hashlib.sha256(b"checkpoint 6").hexdigest(),
    }
    header["hash"] = hashlib.sha256(canonical_json(header)).hexdigest()
    index = leaves.index(leaf)
    return {
        **header,
        "jws": sign_compact(canonical_json(header), key),
        "leaf": {"originator_id": complaint_id, "version": leaf.version, "hash": leaf.hash},
        "inclusion_proof": {
            "index": index,
            "size": len(leaves),
            "path": inclusion_proof(leaves, index),
        },
    }


def sha256_of(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def bundle(key: SigningKey, document: dict[str, Any], pdf: bytes | None = None) -> dict[str, Any]:
    """A referral bundle around `document` with its manifest signed (helper B's contract)."""
    referral_id = str(uuid4())
    parts: dict[str, Any] = {
        "bundle_version": 2,
        "referral": {"id": referral_id, "provider": "sandbox", "method": "online"},
        "case_file": document,
        "parties": {"customer": {"name": "Ada Lovelace", "email": "ada@example.com"}},
        "policy_documents": [{"ref": "policy/complaints-v3", "sha256": "ab" * 32}],
        "attached_documents": [],
    }
    manifest = {
        "format": "redress.bundle-manifest/1",
        "algorithm": "sha256",
        "referral_id": referral_id,
        "complaint_id": document["complaint_id"],
        "head": document["head"],
        "checkpoint": _anchor(document["checkpoint"]),
        "parts": {name: sha256_of(value) for name, value in parts.items()},
        "documents": [{"ref": "policy/complaints-v3", "sha256": "ab" * 32}],
        "files": {"bundle.pdf": hashlib.sha256(pdf).hexdigest()} if pdf is not None else {},
    }
    return {
        **parts,
        "manifest": manifest,
        "manifest_jws": sign_compact(canonical_json(manifest), key),
    }


def _anchor(checkpoint: dict[str, Any] | None) -> dict[str, Any] | None:
    """The checkpoint as the gateway's manifest names it (seq and the anchored head)."""
    if checkpoint is None:
        return None
    leaf = checkpoint["leaf"]
    return {
        "seq": checkpoint["seq"],
        "anchored_version": leaf["version"],
        "anchored_hash": leaf["hash"],
    }


def signed_pdf(key: SigningKey, attachment: dict[str, Any] | None, *, title: str) -> bytes:
    """A one-page PDF with `attachment` embedded as case-file.json, signed (PAdES)."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=title)
    if attachment is not None:
        pdf.embed_file(
            basename="case-file.json",
            bytes=json.dumps(attachment, indent=1).encode(),
            desc="The case file",
            mime_type="application/json",
            associated_file_relationship="Source",
            compress=True,  # FlateDecode, as the export PDF stores it
        )
    return sign_pdf(bytes(pdf.output()), key, reason="Redress export")
