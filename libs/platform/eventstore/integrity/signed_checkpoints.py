"""Checkpoints signed with the deployment key, so that one altered in the database, even
with every hash after it recomputed, no longer verifies.

The signature is a compact JWS (ES256) whose payload is the canonical JSON of the
checkpoint's header: the fields its hash covers, and the hash (docs/proof-formats.md,
"Checkpoints"). The key lives outside every database (`libs.platform.signing.keys`), so
whoever administers the database can delete or alter checkpoints but cannot re-sign them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from libs.platform.eventstore.integrity.chain_writes import CheckpointRecord
from libs.platform.eventstore.integrity.hashchain import canonical_json
from libs.platform.signing.jws import BadSignature, sign_compact, verify_compact
from libs.platform.signing.keys import SigningKey

CheckpointSigner = Callable[[bytes], str]
"""Signs a checkpoint header's bytes; returns the compact JWS."""


def header_bytes(header: dict[str, Any]) -> bytes:
    """The signed payload: the canonical JSON of a checkpoint header."""
    return canonical_json(header)


def signer_for(key: SigningKey) -> CheckpointSigner:
    return lambda payload: sign_compact(payload, key)


def signature_problem(
    seq: int, header: dict[str, Any], jws: str, keys: Sequence[dict[str, Any]]
) -> str | None:
    """Why `jws` does not vouch for `header` (None when it does)."""
    try:
        payload = verify_compact(jws, list(keys))
    except BadSignature as error:
        return f"checkpoint #{seq}'s signature does not verify ({error})"
    if payload != header_bytes(header):
        return f"checkpoint #{seq} was altered after it was signed (its signature covers another)"
    return None


#: How many of the newest checkpoints have their signatures checked (about 0.5 ms each).
#: Each checkpoint's hash covers the one before it, and the log's chain of hashes is checked
#: whole, so the newest signed checkpoint vouches for every earlier one; checking the recent
#: ones too names the first that was altered, without a year's log costing a minute.
RECENT_SIGNATURES = 1000


def signature_problems(
    checkpoints: Sequence[CheckpointRecord], keys: Sequence[dict[str, Any]] | None
) -> tuple[list[str], int]:
    """Problems with the signatures of the checkpoint log, and how many checkpoints predate
    signing. A checkpoint written before checkpoints were signed is unsigned, not invalid;
    one without a signature after a signed one lost it. Signatures (of the newest
    `RECENT_SIGNATURES`) are checked only when the published `keys` are given."""
    problems: list[str] = []
    unsigned = 0
    signed_seen = False
    checked_from = len(checkpoints) - RECENT_SIGNATURES
    for index, record in enumerate(checkpoints):
        if record.jws is None:
            if signed_seen:
                problems.append(
                    f"checkpoint #{record.seq} has no signature, though an earlier one is signed"
                )
            else:
                unsigned += 1
            continue
        signed_seen = True
        if keys is not None and index >= checked_from:
            problem = signature_problem(record.seq, record.header(), record.jws, keys)
            if problem is not None:
                problems.append(problem)
    return problems, unsigned
