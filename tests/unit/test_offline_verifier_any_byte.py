"""Any one byte changed in an event, in a signed PDF or in a bundle's manifest is refused:
the verifier either names what fails or finds the file unreadable. (A change that leaves
the same JSON value, such as one blank for another between tokens, is the same document.)"""

from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from libs.platform.signing.keys import SigningKey, SigningKeyStore
from libs.proof.verify_export import KeyRing, verify_files
from tests.support import proof_files

EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def key() -> SigningKey:
    return SigningKeyStore(tempfile.mkdtemp(prefix="verifier-key-")).load_or_create()


@cache
def ring() -> KeyRing:
    return KeyRing([key().jwk], "published.json")


@cache
def case_file() -> dict[str, Any]:
    return proof_files.case_file(key(), events=4)


@cache
def export_pdf() -> bytes:
    return proof_files.signed_pdf(key(), case_file(), title="History export")


@cache
def bundle_text() -> bytes:
    return json.dumps(proof_files.bundle(key(), case_file()), indent=1).encode()


def verdict(name: str, content: bytes) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_bytes(content)
        return verify_files([str(path)], ring())


def changed(content: bytes, position: int, byte: int) -> bytes:
    replacement = byte if byte != content[position] else (byte + 1) % 256
    return content[:position] + bytes([replacement]) + content[position + 1 :]


def same_value(text: bytes, original: bytes) -> bool:
    try:
        return bool(json.loads(text) == json.loads(original))
    except ValueError:
        return False


def test_the_unchanged_files_verify() -> None:
    text = json.dumps(case_file(), indent=1).encode()
    assert verdict("case-file.json", text)["valid"]
    assert verdict("export.pdf", export_pdf())["valid"]
    assert verdict("bundle.json", bundle_text())["valid"]


@EXAMPLES
@given(st.data(), st.integers(0, 255))
def test_any_byte_changed_in_an_event_is_refused(data: st.DataObject, byte: int) -> None:
    text = json.dumps(case_file(), indent=1).encode()
    start, end = text.index(b'"events"'), text.index(b'"checkpoint"')
    altered = changed(text, data.draw(st.integers(start, end - 1)), byte)
    result = verdict("case-file.json", altered)
    assert not result["valid"] or same_value(altered, text)
    assert result["valid"] or result["files"][0]["failures"]


@EXAMPLES
@given(st.data(), st.integers(0, 255))
def test_any_byte_changed_in_a_signed_pdf_is_refused(data: st.DataObject, byte: int) -> None:
    pdf = export_pdf()
    result = verdict("export.pdf", changed(pdf, data.draw(st.integers(0, len(pdf) - 1)), byte))
    assert not result["valid"] and result["files"][0]["failures"]


@EXAMPLES
@given(st.data(), st.integers(0, 255))
def test_any_byte_changed_in_a_bundle_manifest_is_refused(data: st.DataObject, byte: int) -> None:
    text = bundle_text()
    start = text.index(b'"manifest"')
    altered = changed(text, data.draw(st.integers(start, len(text) - 1)), byte)
    result = verdict("bundle.json", altered)
    assert not result["valid"] or same_value(altered, text)
