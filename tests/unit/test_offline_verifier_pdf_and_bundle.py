"""The offline verifier on signed export PDFs and referral bundles: it accepts them as
made, and for one byte changed in the PDF, in the manifest or in a part it says what."""

from __future__ import annotations

import copy
import hashlib
import json
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from fpdf import FPDF
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from libs.platform.signing.keys import SigningKey, SigningKeyStore
from libs.platform.signing.pdf import sign_pdf
from libs.proof.verify_export import KeyRing, PdfFile, verify_files
from tests.support import proof_files


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> SigningKey:
    return SigningKeyStore(tmp_path_factory.mktemp("signing")).load_or_create()


@pytest.fixture(scope="module")
def published(key: SigningKey) -> KeyRing:
    return KeyRing([key.jwk], "published.json")


@pytest.fixture(scope="module")
def case_file(key: SigningKey) -> dict[str, Any]:
    return proof_files.case_file(key, events=5)


@pytest.fixture(scope="module")
def export_pdf(key: SigningKey, case_file: dict[str, Any]) -> bytes:
    return proof_files.signed_pdf(key, case_file, title="History export")


@pytest.fixture(scope="module")
def bundle_pdf(key: SigningKey) -> bytes:
    return proof_files.signed_pdf(key, None, title="Referral bundle")


@pytest.fixture(scope="module")
def bundle(key: SigningKey, case_file: dict[str, Any], bundle_pdf: bytes) -> dict[str, Any]:
    return proof_files.bundle(key, case_file, bundle_pdf)


def write(tmp_path: Path, name: str, content: bytes | dict[str, Any]) -> str:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    return str(path)


def failures(result: dict[str, Any], index: int = 0) -> list[str]:
    return [f"{f['part']}: {f['message']}" for f in result["files"][index]["failures"]]


# -- the export PDF -----------------------------------------------------------------------------


def one_byte_changed(pdf: bytes) -> bytes:
    """The page made 0.01 pt wider: one byte, in the signed part, that any reader shows."""
    altered = pdf.replace(b"/MediaBox [0 0 595.28", b"/MediaBox [0 0 595.29", 1)
    assert sum(a != b for a, b in zip(pdf, altered, strict=True)) == 1
    return altered


def test_a_signed_export_pdf_and_its_attached_case_file_verify(
    tmp_path: Path, export_pdf: bytes, published: KeyRing
) -> None:
    result = verify_files([write(tmp_path, "export.pdf", export_pdf)], published)
    assert result["valid"], failures(result)
    file = result["files"][0]
    assert file["kind"] == "case-file-pdf" and file["about"]["events"] == 5
    parts = [check["part"] for check in file["checks"]]
    assert parts[0] == "pdf signature" and "case-file.json > chain" in parts
    assert "case-file.json > checkpoint #7 inclusion proof" in parts


def test_the_attachment_read_without_a_pdf_library_is_the_one_pypdf_reads(
    export_pdf: bytes, case_file: dict[str, Any]
) -> None:
    ours = PdfFile(export_pdf).attachments()
    theirs = {name: data[0] for name, data in PdfReader(BytesIO(export_pdf)).attachments.items()}
    assert ours == theirs and json.loads(ours["case-file.json"]) == case_file
    assert b"/FlateDecode" in export_pdf and b'"events"' not in export_pdf  # really compressed


def test_one_byte_changed_in_the_signed_pdf_breaks_its_signature(
    tmp_path: Path, export_pdf: bytes, published: KeyRing
) -> None:
    altered = one_byte_changed(export_pdf)
    found = failures(verify_files([write(tmp_path, "export.pdf", altered)], published))
    assert found[0].startswith("pdf signature: the signed digest does not match the file's")
    assert "the PDF was altered after signing" in found[0]


def test_bytes_appended_after_signing_are_reported(
    tmp_path: Path, export_pdf: bytes, published: KeyRing
) -> None:
    altered = export_pdf + b"\n% an incremental update\n"
    found = failures(verify_files([write(tmp_path, "export.pdf", altered)], published))
    assert found == [
        f"pdf byte range: the signature covers the file up to byte {len(export_pdf)} of "
        f"{len(altered)}: {len(altered) - len(export_pdf)} bytes were added after signing"
    ]


def pyhanko_accepts(pdf: bytes, key: SigningKey) -> bool:
    """pyHanko's full validator, trusting the deployment certificate: intact, valid,
    trusted and covering the entire file."""
    root = asn1_x509.Certificate.load(key.certificate.public_bytes(Encoding.DER))
    signature = PdfFileReader(BytesIO(pdf)).embedded_signatures[0]
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[root]))
    return bool(
        status.intact
        and status.valid
        and status.trusted
        and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    )


@pytest.mark.parametrize(
    "variant",
    ["as signed", "one byte changed", "bytes appended"],
)
def test_the_verdict_on_a_pdf_signature_agrees_with_pyhankos_validator(
    tmp_path: Path, export_pdf: bytes, key: SigningKey, published: KeyRing, variant: str
) -> None:
    pdf = {
        "as signed": export_pdf,
        "one byte changed": one_byte_changed(export_pdf),
        "bytes appended": export_pdf + b"\n% appended\n",
    }[variant]
    ours = verify_files([write(tmp_path, "export.pdf", pdf)], published)["valid"]
    assert ours == pyhanko_accepts(pdf, key) == (variant == "as signed")


def test_a_pdf_signed_with_an_unpublished_key_is_refused(
    tmp_path: Path, export_pdf: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other = SigningKeyStore(tmp_path_factory.mktemp("other")).load_or_create()
    result = verify_files(
        [write(tmp_path, "export.pdf", export_pdf)], KeyRing([other.jwk], "keys.json")
    )
    found = failures(result)
    assert found[0].startswith("pdf signature: signed by key")
    assert "which is not among the published keys in keys.json" in found[0]


def test_without_published_keys_the_pdfs_certificate_is_trusted_on_first_use_and_said_so(
    tmp_path: Path, export_pdf: bytes, key: SigningKey
) -> None:
    result = verify_files([write(tmp_path, "export.pdf", export_pdf)], KeyRing(None))
    assert result["valid"] and result["keys"] == "trust-on-first-use"
    warnings = result["files"][0]["warnings"]
    assert warnings[0] == {
        "part": "pdf signature",
        "message": f"key {key.kid} came from the PDF itself (trust on first use): compare it "
        "with the key the firm publishes",
    }


def test_a_case_file_altered_before_the_pdf_was_signed_is_still_refused(
    tmp_path: Path, key: SigningKey, case_file: dict[str, Any], published: KeyRing
) -> None:
    altered = copy.deepcopy(case_file)
    altered["events"][1]["actor"] = "agent:mallory"
    pdf = proof_files.signed_pdf(key, altered, title="History export")
    found = failures(verify_files([write(tmp_path, "export.pdf", pdf)], published))
    assert len(found) == 1
    assert found[0].startswith(
        'case-file.json > event v2 actor: shown as "agent:mallory" but the stored event says '
        '"agent:alice"'
    )


def test_two_different_case_files_attached_to_one_pdf_are_refused(
    tmp_path: Path, key: SigningKey, case_file: dict[str, Any], published: KeyRing
) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.embed_file(basename="case-file.json", bytes=json.dumps(case_file).encode())
    other = {**case_file, "exported_at": "2026-03-10T10:00:00+00:00"}
    pdf.embed_file(basename="case-filf.json", bytes=json.dumps(other).encode())
    # fpdf2 refuses a second file of the same name: the name is changed in the bytes.
    twice = bytes(pdf.output()).replace(b"case-filf.json", b"case-file.json")
    signed = sign_pdf(twice, key, reason="Redress export")
    found = failures(verify_files([write(tmp_path, "export.pdf", signed)], published))
    assert found == [
        "attachments: the attached files cannot be read: two different files are attached as "
        "case-file.json"
    ]


def test_a_pdf_without_a_signature_is_refused(tmp_path: Path, published: KeyRing) -> None:
    pdf = FPDF()
    pdf.add_page()
    found = failures(verify_files([write(tmp_path, "plain.pdf", bytes(pdf.output()))], published))
    assert found[0].startswith("pdf signature: the PDF has no signature")


# -- the bundle ---------------------------------------------------------------------------------


def verify_bundle(
    tmp_path: Path, bundle: dict[str, Any], pdf: bytes | None, ring: KeyRing
) -> dict[str, Any]:
    files = [write(tmp_path, "bundle.json", bundle)]
    if pdf is not None:
        files.append(write(tmp_path, "bundle.pdf", pdf))
    return verify_files(files, ring)


def test_a_bundle_and_its_pdf_verify(
    tmp_path: Path, bundle: dict[str, Any], bundle_pdf: bytes, published: KeyRing
) -> None:
    result = verify_bundle(tmp_path, bundle, bundle_pdf, published)
    assert result["valid"], failures(result)
    checks = {c["part"]: c["message"] for c in result["files"][0]["checks"]}
    assert checks["manifest_jws"].startswith("ES256 signature by key")
    assert checks["manifest"] == "the manifest shown is the signed one"
    assert "case_file, parties, policy_documents, referral" in checks["parts"]
    assert "case_file > chain" in checks and "case_file > checkpoint #7 anchor" in checks
    assert checks["files bundle.pdf"].endswith("bundle.pdf has the sha256 the manifest signed")
    assert result["files"][1]["kind"] == "pdf" and result["files"][1]["valid"]


def test_one_byte_changed_in_the_manifest_names_the_field(
    tmp_path: Path, bundle: dict[str, Any], published: KeyRing
) -> None:
    altered = copy.deepcopy(bundle)
    digest = altered["manifest"]["parts"]["parties"]
    altered["manifest"]["parts"]["parties"] = ("0" if digest[0] != "0" else "1") + digest[1:]
    found = failures(verify_bundle(tmp_path, altered, None, published))
    assert found == [
        "manifest.parts.parties: the manifest shown differs from the signed manifest here: "
        f'shown "{altered["manifest"]["parts"]["parties"]}", signed "{digest}"'
    ]


def test_one_byte_changed_in_the_manifest_signature_is_refused(
    tmp_path: Path, bundle: dict[str, Any], published: KeyRing
) -> None:
    altered = copy.deepcopy(bundle)
    token = altered["manifest_jws"]
    position = len(token) - 20
    altered["manifest_jws"] = token[:position] + ("A" if token[position] != "A" else "B")
    altered["manifest_jws"] += token[position + 1 :]
    found = failures(verify_bundle(tmp_path, altered, None, published))
    assert found[0].startswith("manifest_jws: the signature by key")
    assert "does not verify" in found[0]


def test_a_part_changed_after_signing_is_named(
    tmp_path: Path, bundle: dict[str, Any], published: KeyRing
) -> None:
    altered = copy.deepcopy(bundle)
    altered["parties"]["customer"]["email"] = "ada@example.org"
    found = failures(verify_bundle(tmp_path, altered, None, published))
    assert len(found) == 1 and found[0].startswith("part parties: its sha256")
    assert "it was altered after signing" in found[0]


def test_an_event_changed_in_the_bundles_case_file_is_named_twice(
    tmp_path: Path, bundle: dict[str, Any], published: KeyRing
) -> None:
    altered = copy.deepcopy(bundle)
    altered["case_file"]["events"][2]["data"]["amount"] = "1125.50"
    found = failures(verify_bundle(tmp_path, altered, None, published))
    assert found[0].startswith("part case_file: its sha256")
    assert found[1] == (
        'case_file > event v3 data.amount: shown as "1125.50" but the stored event says "125.50"'
    )


def test_a_part_added_outside_the_manifest_is_named(
    tmp_path: Path, bundle: dict[str, Any], published: KeyRing
) -> None:
    altered = {**bundle, "late_evidence": {"note": "added after signing"}}
    assert failures(verify_bundle(tmp_path, altered, None, published)) == [
        "part late_evidence: is not covered by the signed manifest"
    ]


def test_a_pdf_that_is_not_the_bundles_is_named_by_digest(
    tmp_path: Path, bundle: dict[str, Any], bundle_pdf: bytes, published: KeyRing
) -> None:
    altered = one_byte_changed(bundle_pdf)
    result = verify_bundle(tmp_path, bundle, altered, published)
    expected = hashlib.sha256(bundle_pdf).hexdigest()
    assert failures(result)[0].startswith(
        f"files bundle.pdf: no PDF given has the signed sha256 {expected}"
    )
    assert failures(result, 1)[0].startswith("pdf signature: the signed digest does not match")


def test_a_bundle_without_its_pdf_says_the_pdf_was_not_checked(
    tmp_path: Path, bundle: dict[str, Any], published: KeyRing
) -> None:
    result = verify_bundle(tmp_path, bundle, None, published)
    assert result["valid"]
    assert result["files"][0]["warnings"] == [
        {
            "part": "files bundle.pdf",
            "message": "the bundle's bundle.pdf was not given: pass it as another FILE to "
            "check its digest and signature",
        }
    ]
