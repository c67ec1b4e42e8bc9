"""The offline verifier on case files: it accepts an export as made, and for any byte changed
in an event (its stored state, a shown field, a hash) it says which version and which part.

Inputs are made with the platform's real primitives (tests/support/proof_files.py)."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from libs.platform.eventstore.integrity.hashchain import event_hash
from libs.platform.signing.keys import SigningKey, SigningKeyStore
from libs.proof.verify_export import KeyRing, verify_files
from tests.support import proof_files


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> SigningKey:
    return SigningKeyStore(tmp_path_factory.mktemp("signing")).load_or_create()


@pytest.fixture(scope="module")
def published(key: SigningKey) -> KeyRing:
    return KeyRing([key.jwk], "published.json")


@pytest.fixture(scope="module")
def good(key: SigningKey) -> dict[str, Any]:
    return proof_files.case_file(key, events=6)


def verify(tmp_path: Path, document: Any, ring: KeyRing) -> dict[str, Any]:
    path = tmp_path / "case-file.json"
    path.write_text(json.dumps(document, indent=1))
    result = verify_files([str(path)], ring)
    return result


def failures(result: dict[str, Any]) -> list[str]:
    return [f"{f['part']}: {f['message']}" for f in result["files"][0]["failures"]]


def test_a_case_file_as_exported_verifies(
    tmp_path: Path, good: dict[str, Any], published: KeyRing
) -> None:
    result = verify(tmp_path, good, published)
    assert result["valid"], failures(result)
    checks = {c["part"]: c["message"] for c in result["files"][0]["checks"]}
    assert "6 events" in checks["chain"] and "linked from genesis" in checks["chain"]
    assert checks["head"] == f"version 6, hash {good['head']['hash']}"
    assert "verifies" in checks["checkpoint #7 signature"]
    assert "leaf" in checks["checkpoint #7 inclusion proof"]
    assert result["files"][0]["warnings"] == []


def flip(text: str, index: int) -> str:
    """`text` with the character at `index` replaced by another base64 character."""
    replacement = "B" if text[index] != "B" else "C"
    return text[:index] + replacement + text[index + 1 :]


def test_one_byte_changed_in_a_stored_state_names_the_event(
    tmp_path: Path, good: dict[str, Any], published: KeyRing
) -> None:
    altered = copy.deepcopy(good)
    stored = altered["events"][2]["stored"]
    stored["state"] = flip(stored["state"], 40)
    result = verify(tmp_path, altered, published)
    assert not result["valid"]
    assert failures(result)[0].startswith("event v3 stored: the stored topic or state does not")
    assert "was altered" in failures(result)[0]
    assert not any(f.startswith(("event v2", "event v4")) for f in failures(result))


def test_a_stored_state_that_is_not_base64_is_named(
    tmp_path: Path, good: dict[str, Any], published: KeyRing
) -> None:
    altered = copy.deepcopy(good)
    altered["events"][1]["stored"]["state"] = "%" + altered["events"][1]["stored"]["state"][1:]
    assert failures(verify(tmp_path, altered, published)) == [
        "event v2 stored.state: is not valid base64: the stored state was altered"
    ]


@pytest.mark.parametrize(
    ("version", "field", "value", "part"),
    [
        (3, ["data", "amount"], "125.60", "event v3 data.amount"),
        (4, ["data", "nested", "items", 1], False, "event v4 data.nested.items[1]"),
        (1, ["data", "description"], "Charged once", "event v1 data.description"),
        (2, ["recorded_at"], "2026-03-02T09:31:01+00:00", "event v2 recorded_at"),
        (2, ["occurred_at"], "2026-03-01T08:31:00+00:00", "event v2 occurred_at"),
        (5, ["actor"], "agent:mallory", "event v5 actor"),
        (5, ["actor_role"], "supervisor", "event v5 actor_role"),
        (6, ["correlation_id"], "corr-9", "event v6 correlation_id"),
        (3, ["data", "offer_id"], "00000000-0000-4000-8000-000000000000", "event v3 data.offer_id"),
    ],
)
def test_a_shown_field_that_differs_from_the_stored_event_is_named(
    tmp_path: Path,
    good: dict[str, Any],
    published: KeyRing,
    version: int,
    field: list[Any],
    value: Any,
    part: str,
) -> None:
    altered = copy.deepcopy(good)
    target = altered["events"][version - 1]
    for step in field[:-1]:
        target = target[step]
    target[field[-1]] = value
    found = failures(verify(tmp_path, altered, published))
    assert found == [
        f"{part}: shown as {json.dumps(value)} but the stored event says "
        + found[0].split("the stored event says ")[1]
    ]
    assert json.dumps(value) not in found[0].split("the stored event says ")[1]


def test_a_fact_shown_but_never_stored_is_named(
    tmp_path: Path, good: dict[str, Any], published: KeyRing
) -> None:
    altered = copy.deepcopy(good)
    altered["events"][2]["data"]["award"] = "10000.00"
    del altered["events"][3]["data"]["offer_id"]
    assert failures(verify(tmp_path, altered, published)) == [
        "event v3 data.award (shown, not stored): the shown fields differ from the stored event",
        "event v4 data.offer_id (stored, not shown): the shown fields differ from the stored event",
    ]


def test_the_same_instant_amount_or_id_written_differently_is_not_a_difference(
    tmp_path: Path, good: dict[str, Any], published: KeyRing
) -> None:
    altered = copy.deepcopy(good)
    event = altered["events"][2]
    event["recorded_at"] = event["recorded_at"].replace("+00:00", "Z")
    event["data"]["offer_id"] = event["data"]["offer_id"].replace("-", "")
    assert verify(tmp_path, altered, published)["valid"]


def test_one_byte_changed_in_a_hash_says_the_hash_was_altered(
    tmp_path: Path, good: dict[str, Any], published: KeyRing
) -> None:
    altered = copy.deepcopy(good)
    original = altered["events"][2]["hash"]
    altered["events"][2]["hash"] = ("1" if original[0] != "1" else "2") + original[1:]
    found = failures(verify(tmp_path, altered, published))
    assert found[0].startswith("event v3 hash: the hash shown")
    assert f"the stored content gives {original}, which version 4 links to" in found[0]
    assert found[1].startswith("event v4 prev_hash:") and "the chain is broken here" in found[1]


def test_a_missing_event_is_named_by_its_version(
    tmp_path: Path, good: dict[str, Any], published: KeyRing
) -> None:
    altered = copy.deepcopy(good)
    del altered["events"][3]
    assert failures(verify(tmp_path, altered, published)) == [
        "event v4: version 4 is missing: the events jump from 3 to 5"
    ]


def rewrite(document: dict[str, Any], version: int, state: bytes) -> dict[str, Any]:
    """The case file with one event's state replaced and every hash after it recomputed,
    as someone with the database and the code (but not the signing key) could."""
    altered = copy.deepcopy(document)
    prev = altered["events"][version - 1]["prev_hash"]
    for event in altered["events"][version - 1 :]:
        if event["version"] == version:
            event["stored"]["state"] = base64.b64encode(state).decode()
        stored = base64.b64decode(event["stored"]["state"])
        event["prev_hash"] = prev
        event["hash"] = prev = event_hash(
            altered["complaint_id"], event["version"], event["stored"]["topic"], stored, prev
        )
    altered["head"]["hash"] = prev
    return altered


def test_a_history_rewritten_with_new_hashes_is_caught_by_the_signed_checkpoint(
    tmp_path: Path, good: dict[str, Any], published: KeyRing
) -> None:
    state = json.loads(base64.b64decode(good["events"][1]["stored"]["state"]))
    state["summary"] = "never called"
    altered = rewrite(good, 2, json.dumps(state).encode())
    altered["events"][1]["data"]["summary"] = "never called"
    found = failures(verify(tmp_path, altered, published))
    assert len(found) == 1
    assert found[0].startswith("checkpoint #7 anchor: the checkpoint anchored version 6 with")
    assert "the history up to it was rewritten after it was made" in found[0]


def test_events_removed_after_the_checkpoint_are_caught(
    tmp_path: Path, good: dict[str, Any], published: KeyRing
) -> None:
    altered = copy.deepcopy(good)
    del altered["events"][5]
    altered["head"] = {"version": 5, "hash": altered["events"][4]["hash"]}
    found = failures(verify(tmp_path, altered, published))
    assert found == [
        "checkpoint #7 anchor: the checkpoint anchored version 6, which is not in the file: "
        "events were removed after it was made"
    ]


def test_a_head_that_is_not_the_last_event_is_named(
    tmp_path: Path, good: dict[str, Any], published: KeyRing
) -> None:
    altered = copy.deepcopy(good)
    altered["head"]["version"] = 7
    assert failures(verify(tmp_path, altered, published))[0].startswith(
        "head version: is 7, but the last event is version 6"
    )


def test_a_checkpoint_shown_otherwise_than_signed_is_named(
    tmp_path: Path, good: dict[str, Any], published: KeyRing
) -> None:
    altered = copy.deepcopy(good)
    altered["checkpoint"]["position"] = 99
    found = failures(verify(tmp_path, altered, published))
    assert found == ["checkpoint #7 position: shown as 99, but the signed checkpoint says 1234"]


def test_an_inclusion_proof_that_does_not_reach_the_signed_root_is_named(
    tmp_path: Path, good: dict[str, Any], published: KeyRing
) -> None:
    altered = copy.deepcopy(good)
    path = altered["checkpoint"]["inclusion_proof"]["path"]
    path[0] = path[0][:5] + ("1" if path[0][5] != "1" else "2") + path[0][6:]
    found = failures(verify(tmp_path, altered, published))
    assert len(found) == 1 and found[0].startswith("checkpoint #7 inclusion proof: does not lead")


def test_a_checkpoint_signature_by_an_unpublished_key_is_refused(
    tmp_path: Path, good: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    other = SigningKeyStore(tmp_path_factory.mktemp("other")).load_or_create()
    found = failures(verify(tmp_path, good, KeyRing([other.jwk], "published.json")))
    assert found[0].startswith("checkpoint #7 signature: signed by key")
    assert "which is not among the published keys in published.json" in found[0]


def test_a_checkpoint_signature_altered_by_one_byte_does_not_verify(
    tmp_path: Path, good: dict[str, Any], published: KeyRing
) -> None:
    altered = copy.deepcopy(good)
    token = altered["checkpoint"]["jws"]
    altered["checkpoint"]["jws"] = token[:-10] + flip(token[-10:], 3)
    found = failures(verify(tmp_path, altered, published))
    assert found[0].startswith("checkpoint #7 signature: the signature by key")
    assert "does not verify" in found[0]


def test_without_published_keys_the_keys_in_the_file_are_used_and_said_to_be_unchecked(
    tmp_path: Path, key: SigningKey
) -> None:
    document = proof_files.case_file(key, embed_keys=True)
    result = verify(tmp_path, document, KeyRing(None))
    assert result["valid"] and result["keys"] == "trust-on-first-use"
    warning = result["files"][0]["warnings"][0]
    assert warning["part"] == "checkpoint #7 signature"
    assert f"key {key.kid} came from the file itself (trust on first use)" in warning["message"]


def test_without_any_key_a_signed_checkpoint_is_not_passed_as_valid(
    tmp_path: Path, good: dict[str, Any]
) -> None:
    found = failures(verify(tmp_path, good, KeyRing(None)))
    assert found[0].startswith("checkpoint #7 signature: signed by key")
    assert "pass --keys" in found[0]


def test_an_export_without_proof_fields_says_which_are_absent(
    tmp_path: Path, good: dict[str, Any], published: KeyRing
) -> None:
    # What the history export held before the case-file format: events with hashes only.
    old = {
        "complaint_id": good["complaint_id"],
        "events": [{k: v for k, v in event.items() if k != "stored"} for event in good["events"]],
    }
    found = failures(verify(tmp_path, old, published))
    assert found[0].startswith(
        "proof fields: absent: format, head, checkpoint, events[].stored (every event). "
        "This export "
        "predates the redress.case-file/1 format"
    )
    assert len(found) == 1  # the hashes shown still link, so nothing else is reported
