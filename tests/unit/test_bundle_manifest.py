"""The bundle's manifest and its canonical JSON, as docs/proof-formats.md describes them."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from libs.platform.eventstore.integrity.hashchain import canonical_json
from libs.platform.signing.jws import verify_compact
from libs.platform.signing.keys import SigningKey, SigningKeyStore
from services.adr_gateway.bundle_manifest import canonical_parts, joined
from services.adr_gateway.bundles import build_bundle
from services.adr_gateway.complaints_client import head_of

DOC = Path(__file__).parents[2] / "docs" / "proof-formats.md"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> SigningKey:
    return SigningKeyStore(tmp_path_factory.mktemp("signing")).load_or_create()


def test_the_worked_example_of_canonical_json_is_true() -> None:
    section = DOC.read_text().split("### A worked example", 1)[1]
    value_text, canonical_text = re.findall(r"```(?:json|text)\n(.*?)\n```", section, re.S)[:2]
    stated_digest = re.search(r"SHA-256 is\s+`([0-9a-f]{64})`", section)
    stated_length = re.search(r"(\d+) bytes of UTF-8", section)
    assert stated_digest and stated_length

    canonical = canonical_json(json.loads(value_text))

    assert canonical == canonical_text.encode()
    assert len(canonical) == int(stated_length.group(1))
    assert hashlib.sha256(canonical).hexdigest() == stated_digest.group(1)


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_a_bundle_joined_from_its_parts_is_the_canonical_json_of_the_whole(
    document: dict[str, Any],
) -> None:
    assert joined(canonical_parts(document)) == canonical_json(document)


def case_file(events: int, **extra: Any) -> dict[str, Any]:
    hashes = [hashlib.sha256(str(v).encode()).hexdigest() for v in range(events + 1)]
    return {
        "complaint_id": "c-1",
        "exported_at": "2026-12-06T10:00:00+00:00",
        "state": {"id": "c-1"},
        "verification": {"valid": True, "checkpoint": None},
        "events": [
            {
                "version": v,
                "type": "InteractionRecorded",
                "hash": hashes[v],
                "prev_hash": hashes[v - 1],
            }
            for v in range(1, events + 1)
        ],
        **extra,
    }


def test_the_head_is_the_last_events_version_and_hash_in_either_export_shape() -> None:
    today = case_file(3)
    tomorrow = case_file(3, format="redress.case-file/1", head={"version": 3, "hash": "x"})

    assert head_of(today) == {"version": 3, "hash": today["events"][-1]["hash"]}
    assert head_of(tomorrow) == head_of(today)
    assert head_of({"events": []}) is None


def stand_in_pdf(body: bytes, key: SigningKey | None) -> bytes:
    # What is rendered is the service tests' concern; here only the order of the steps.
    return b"%PDF-1.7 stand-in for " + hashlib.sha256(body).hexdigest().encode()


def built(key: SigningKey, render: Any = stand_in_pdf, events: int = 3) -> Any:
    return build_bundle(
        referral={"id": "r-1", "reference": "r-1", "complaint_id": "c-1", "eligibility": {}},
        provider={"id": "p-1", "name": "Mediators Ltd"},
        complaint={"id": "c-1", "version": events, "customer": {"name": "Ada"}},
        case_file=case_file(events),
        checkpoint={"seq": 1, "anchored_version": 2, "anchored_hash": "h"},
        firm_name="Firm",
        policy_documents=[],
        key=key,
        render_pdf=render,
    )


def test_the_pdf_is_rendered_before_the_manifest_names_files_and_is_signed(
    key: SigningKey,
) -> None:
    seen: list[dict[str, Any]] = []

    def render(body: bytes, signing_key: SigningKey | None) -> bytes:
        seen.append(orjson.loads(body))
        return stand_in_pdf(body, signing_key)

    bundle = built(key, render)
    document = orjson.loads(bundle.body)

    assert "manifest_jws" not in seen[0] and "files" not in seen[0]["manifest"]
    assert seen[0]["manifest"]["parts"] == document["manifest"]["parts"]
    assert document["manifest"]["files"] == {"bundle.pdf": hashlib.sha256(bundle.pdf).hexdigest()}
    signed = verify_compact(document["manifest_jws"], [key.jwk])
    assert signed == canonical_json(document["manifest"])
    assert document["manifest"]["head"] == {
        "version": 3,
        "hash": case_file(3)["events"][-1]["hash"],
    }
    assert document["manifest"]["checkpoint"]["anchored_version"] == 2


def test_the_bundle_summary_the_referral_records_holds_the_head_and_the_pdfs_digest(
    key: SigningKey,
) -> None:
    bundle = built(key)
    summary = bundle.summary()

    assert summary["head_hash"] == case_file(3)["events"][-1]["hash"]
    assert summary["head"]["version"] == 3
    assert summary["files"]["bundle.pdf"] == hashlib.sha256(bundle.pdf).hexdigest()
    assert summary["sha256"] == hashlib.sha256(bundle.body).hexdigest()
