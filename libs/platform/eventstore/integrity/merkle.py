"""Merkle trees over the head hashes of every aggregate (RFC 6962 shape).

A checkpoint commits to the head of every hash chain with one root: publish or archive the
root, and no chain (not even a whole complaint) can later be removed or rewritten without
the root changing. Leaves and inner nodes are hashed with different prefixes, so a leaf can
never be passed off as a node.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from libs.platform.eventstore.integrity.hashchain import canonical_json

_LEAF = b"\x00"
_NODE = b"\x01"


@dataclass(frozen=True, order=True)
class Leaf:
    """One aggregate's chain head: its id, its version and the hash at that version."""

    originator_id: str
    version: int
    hash: str

    def encode(self) -> bytes:
        return canonical_json([self.originator_id, self.version, self.hash])


def leaf_hash(leaf: Leaf) -> bytes:
    return hashlib.sha256(_LEAF + leaf.encode()).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE + left + right).digest()


def _split(count: int) -> int:
    """The largest power of two smaller than `count` (count > 1)."""
    split = 1
    while split * 2 < count:
        split *= 2
    return split


def _root(hashes: Sequence[bytes]) -> bytes:
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = _split(len(hashes))
    return _node(_root(hashes[:k]), _root(hashes[k:]))


def merkle_root(leaves: Sequence[Leaf]) -> str:
    """The root (hex) over the leaves in originator-id order."""
    return _root([leaf_hash(leaf) for leaf in sorted(leaves)]).hex()


def inclusion_proof(leaves: Sequence[Leaf], index: int) -> list[str]:
    """The sibling hashes (hex, leaf to root) proving `sorted(leaves)[index]` is in the tree."""
    hashes = [leaf_hash(leaf) for leaf in sorted(leaves)]
    proof: list[bytes] = []

    def walk(nodes: Sequence[bytes], position: int) -> None:
        if len(nodes) <= 1:
            return
        k = _split(len(nodes))
        if position < k:
            walk(nodes[:k], position)
            proof.append(_root(nodes[k:]))
        else:
            walk(nodes[k:], position - k)
            proof.append(_root(nodes[:k]))

    walk(hashes, index)
    return [node.hex() for node in proof]


def verify_inclusion(leaf: Leaf, index: int, size: int, proof: Sequence[str], root: str) -> bool:
    """Checks an inclusion proof (RFC 6962 section 2.1.1) without the other leaves."""
    if not 0 <= index < size:
        return False
    node = leaf_hash(leaf)
    siblings = [bytes.fromhex(h) for h in proof]
    # Rebuild the path top-down: which side each sibling sits on depends on the splits.
    sides: list[bool] = []  # True: the sibling is on the right
    position, count = index, size
    while count > 1:
        k = _split(count)
        if position < k:
            sides.append(True)
            count = k
        else:
            sides.append(False)
            position -= k
            count -= k
    if len(sides) != len(siblings):
        return False
    for sibling, sibling_on_right in zip(siblings, reversed(sides), strict=True):
        node = _node(node, sibling) if sibling_on_right else _node(sibling, node)
    return node.hex() == root
