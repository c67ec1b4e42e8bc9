"""The case file: the complaint's sections (`sections`), every event with its proof, the
verification verdict, the checkpoint that anchors the chain, and who exported it.

JSON: `CaseFile.to_json()` is the `redress.case-file/1` document (docs/proof-formats.md),
and `CaseFile.from_json()` reads one back, so that whoever received the JSON (the ADR
gateway, a verifier) renders exactly what was sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from libs.casefile.codec import from_json, to_json
from libs.casefile.sections import (
    Adr,
    Clock,
    Decisions,
    Document,
    Eligibility,
    Escalation,
    FinalResponse,
    Interaction,
    Offer,
    Parties,
    Regime,
    Summary,
)

FORMAT = "redress.case-file/1"
#: Verification problems that mean an event's stored content is not what was recorded.
ALTERED_KINDS = frozenset({"altered", "unrecorded", "relinked"})


@dataclass(frozen=True)
class Stored:
    """What the store holds for an event: its topic and its bytes (base64)."""

    topic: str
    state: str


@dataclass(frozen=True)
class Event:
    """One event. `data`, the times, actor, role and correlation id are the generic reading
    of `stored.state` (see `libs.casefile.stored`); `hash`/`prev_hash` are its chain links."""

    version: int
    type: str
    topic: str
    hash: str | None
    prev_hash: str | None
    recorded_at: str | None
    occurred_at: str | None
    actor: str | None
    actor_role: str | None
    correlation_id: str | None
    data: dict[str, Any] | None
    stored: Stored | None = None
    decode_error: str | None = None


@dataclass(frozen=True)
class Problem:
    version: int
    kind: str
    reason: str


@dataclass(frozen=True)
class Verification:
    """The chain re-derived from the stored events when the file was made."""

    complaint_id: str
    verified_at: datetime
    algorithm: str
    valid: bool
    events: int
    head_version: int
    head_hash: str
    first_bad_version: int | None = None
    reason: str | None = None
    problems: tuple[Problem, ...] = ()
    checkpoint: dict[str, Any] | None = None


@dataclass(frozen=True)
class Head:
    version: int
    hash: str


@dataclass(frozen=True)
class InclusionProof:
    """That this complaint's anchored head is a leaf under the checkpoint's signed root
    (RFC 6962 §2.1.1): the leaf's index among `size` leaves, and the sibling hashes from
    the leaf up. It ties the anchor, which the signature does not cover, to the root."""

    index: int
    size: int
    path: list[str]


@dataclass(frozen=True)
class Checkpoint:
    """The latest checkpoint that anchors this complaint: the Merkle root over every chain
    head, and this complaint's head as that checkpoint recorded it."""

    seq: int
    created_at: datetime
    root: str
    hash: str
    prev_hash: str
    position: int
    aggregates: int
    anchored_version: int
    anchored_hash: str
    #: The deployment key's JWS over the checkpoint's header (docs/proof-formats.md,
    #: "Checkpoints"); None for a checkpoint written before checkpoints were signed.
    jws: str | None = None
    inclusion_proof: InclusionProof | None = None


@dataclass(frozen=True)
class ExportedBy:
    """The API key that asked for the file: its actor name and role."""

    actor: str
    role: str


@dataclass(frozen=True)
class CaseFile:
    format: str
    complaint_id: str
    exported_at: datetime
    exported_by: ExportedBy
    request_correlation_id: str | None
    head: Head
    checkpoint: Checkpoint | None
    verification: Verification
    parties: Parties
    regime: Regime
    summary: Summary
    clocks: tuple[Clock, ...]
    interactions: tuple[Interaction, ...]
    escalations: tuple[Escalation, ...]
    offers: tuple[Offer, ...]
    decisions: Decisions
    final_response: FinalResponse | None
    eligibility: Eligibility | None
    adr: Adr | None
    documents: tuple[Document, ...]
    events: tuple[Event, ...]
    #: The complaint's representation as `GET /v1/complaints/{id}` shows it (kept as the
    #: export always carried it).
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def reference(self) -> str:
        """How every page names the case: the complaint id, and the CRM's reference."""
        ref = self.summary.external_ref
        return f"{self.complaint_id} ({ref})" if ref else self.complaint_id

    def event_marks(self) -> dict[int, str]:
        """Versions the verification found `altered` or `missing` (deleted): the timeline
        shows these as such, not as fact."""
        present = {event.version for event in self.events}
        marks: dict[int, str] = {}
        last = max([self.verification.head_version, *present, 0])
        for problem in self.verification.problems:
            if problem.kind in ALTERED_KINDS and problem.version in present:
                marks[problem.version] = "altered"
            elif problem.version not in present:
                marks[problem.version] = "missing"
                last = max(last, problem.version)
        for version in range(1, last + 1):
            if version not in present:
                marks[version] = "missing"
        return marks

    def to_json(self) -> dict[str, Any]:
        return dict(to_json(self))

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> CaseFile:
        """A case file read back from its JSON; ValueError names what does not fit."""
        if document.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} document (format {document.get('format')!r})")
        return from_json(cls, dict(document))  # type: ignore[no-any-return]
