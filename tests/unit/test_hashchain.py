"""The hash chain and the Merkle tree, as pure functions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from libs.platform.eventstore.integrity.hashchain import (
    GENESIS,
    canonical_event,
    canonical_json,
    event_hash,
    link_events,
    verify_chain,
)
from libs.platform.eventstore.integrity.merkle import (
    Leaf,
    inclusion_proof,
    merkle_root,
    verify_inclusion,
)


@dataclass(frozen=True)
class Row:
    originator_id: str
    originator_version: int
    topic: str
    state: bytes


@given(
    topic=st.text(min_size=1, max_size=60),
    state=st.binary(max_size=300),
    version=st.integers(min_value=1, max_value=10**9),
)
def test_the_fast_hash_is_sha256_of_the_canonical_json(
    topic: str, state: bytes, version: int
) -> None:
    originator_id = str(uuid4())
    document = canonical_json(canonical_event(originator_id, version, topic, state, GENESIS))
    assert event_hash(originator_id, version, topic, state, GENESIS) == (
        hashlib.sha256(document).hexdigest()
    )


def chain(count: int) -> tuple[list[Row], dict[int, tuple[str, str]]]:
    originator_id = str(uuid4())
    rows = [
        Row(originator_id, v, "m:Agg.Event", f'{{"n":{v}}}'.encode()) for v in range(1, count + 1)
    ]
    links = link_events(rows, {})
    return rows, {link.originator_version: (link.hash, link.prev_hash) for link in links}


def test_a_batch_links_each_event_to_the_one_before_it() -> None:
    rows, recorded = chain(3)
    assert recorded[1][1] == GENESIS
    assert recorded[2][1] == recorded[1][0] and recorded[3][1] == recorded[2][0]
    assert verify_chain(rows[0].originator_id, rows, recorded).valid


def test_verification_pins_each_kind_of_damage_to_its_version() -> None:
    rows, recorded = chain(5)
    oid = rows[0].originator_id
    edited = [*rows[:2], Row(oid, 3, rows[2].topic, b'{"n":333}'), *rows[3:]]
    verdict = verify_chain(oid, edited, recorded)
    assert (verdict.first_bad_version, [p["version"] for p in verdict.problems]) == (3, [3])

    gap = rows[:1] + rows[2:]
    assert verify_chain(oid, gap, recorded).first_bad_version == 2

    swapped = [
        rows[0],
        Row(oid, 2, rows[3].topic, rows[3].state),
        rows[2],
        Row(oid, 4, rows[1].topic, rows[1].state),
        rows[4],
    ]
    verdict = verify_chain(oid, swapped, recorded)
    assert verdict.first_bad_version == 2 and "swapped" in (verdict.reason or "")

    inserted = verify_chain(oid, rows, {v: h for v, h in recorded.items() if v != 5})
    assert inserted.first_bad_version == 5 and "no recorded hash" in (inserted.reason or "")


def test_every_leaf_has_an_inclusion_proof_that_checks_against_the_root() -> None:
    for size in range(1, 18):
        leaves = [Leaf(str(uuid4()), n + 1, f"{n:064x}") for n in range(size)]
        root = merkle_root(leaves)
        ordered = sorted(leaves)
        for index, leaf in enumerate(ordered):
            proof = inclusion_proof(leaves, index)
            assert verify_inclusion(leaf, index, size, proof, root)
            other = Leaf(leaf.originator_id, leaf.version, "f" * 64)
            assert not verify_inclusion(other, index, size, proof, root)


def test_removing_a_leaf_changes_the_root() -> None:
    leaves = [Leaf(str(uuid4()), 1, f"{n:064x}") for n in range(5)]
    assert merkle_root(leaves) != merkle_root(leaves[1:])
