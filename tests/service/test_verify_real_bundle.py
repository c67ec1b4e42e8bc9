"""The offline verifier on a referral bundle as the ADR gateway delivers it: the bundle JSON
and its signed PDF, fetched from the gateway, verify against the deployment's published keys
(the manifest, every part, the case file and its signed checkpoint, the PDF); one byte
changed in the manifest or in the PDF is named.

The complaints service and the gateway run in-process on SQLite, served on loopback HTTP
(tests/support/referral_bundles.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from libs.platform.eventstore.integrity.audit import chain_recorder, write_checkpoint
from libs.platform.eventstore.integrity.signed_checkpoints import signer_for
from libs.platform.signing.keys import SigningKeyStore
from libs.proof.verify_export import KeyRing, verify_files
from tests.support.referral_bundles import BundleSystem, bundle_system


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A complaint of a few events, checkpointed, referred and delivered: its bundle JSON
    and PDF as the gateway serves them, and the published keys."""
    directory = tmp_path_factory.mktemp("delivered")
    with bundle_system(directory) as system:
        yield served(system, directory)


def served(system: BundleSystem, directory: Path) -> dict[str, Any]:
    complaint_id = system.open_complaint(interactions=3)
    # A checkpoint signed as the complaints service's checkpointer signs it.
    key = SigningKeyStore(system.signing_dir).load_or_create()
    write_checkpoint(
        chain_recorder(system.complaints.application.recorder), force=True, sign=signer_for(key)
    )
    referral_id = system.refer(complaint_id)
    system.delivered(referral_id)
    body = system.gateway(f"/v1/referrals/{referral_id}/bundle")
    pdf = system.gateway(f"/v1/referrals/{referral_id}/bundle", format="pdf")
    assert body.status_code == 200 and pdf.status_code == 200, (body.text, pdf.text)
    (directory / "case-bundle.json").write_bytes(body.content)
    (directory / "case-bundle.pdf").write_bytes(pdf.content)
    return {
        "json": directory / "case-bundle.json",
        "pdf": directory / "case-bundle.pdf",
        "keys": KeyRing(SigningKeyStore(system.signing_dir).published(), "published keys"),
        "bundle": body.json(),
    }


def checks_of(result: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {check["part"]: check for check in result["files"][0]["checks"]}


def test_the_delivered_bundle_and_its_pdf_verify_against_the_published_keys(
    delivered: dict[str, Any],
) -> None:
    result = verify_files([str(delivered["json"]), str(delivered["pdf"])], delivered["keys"])
    assert result["valid"], [file["failures"] for file in result["files"]]
    bundle, pdf = result["files"]
    assert (bundle["kind"], pdf["kind"]) == ("bundle", "case-file-pdf")
    checks = checks_of(result)
    seq = delivered["bundle"]["case_file"]["checkpoint"]["seq"]
    for part in (
        "manifest_jws",
        "manifest",
        "parts",
        "manifest checkpoint",  # the event the signed manifest says was anchored
        "case_file > chain",
        "case_file > head",
        f"case_file > checkpoint #{seq} signature",
        f"case_file > checkpoint #{seq} anchor",
        # The anchor is a leaf under the signed root, not only a claim beside it.
        f"case_file > checkpoint #{seq} inclusion proof",
        "files bundle.pdf",
    ):
        assert checks[part]["status"] == "ok", checks[part]
    assert bundle["warnings"] == []
    assert next(c["part"] for c in pdf["checks"] if c["status"] == "ok") == "pdf signature"


def test_one_byte_changed_in_the_delivered_manifest_is_named(
    delivered: dict[str, Any], tmp_path: Path
) -> None:
    bundle = json.loads(delivered["json"].read_bytes())
    head = bundle["manifest"]["head"]["hash"]
    bundle["manifest"]["head"]["hash"] = ("0" if head[0] != "0" else "1") + head[1:]
    altered = tmp_path / "case-bundle.json"
    altered.write_text(json.dumps(bundle))
    result = verify_files([str(altered)], delivered["keys"])
    failures = [f"{f['part']}: {f['message']}" for f in result["files"][0]["failures"]]
    assert not result["valid"]
    assert failures[0] == (
        "manifest.head.hash: the manifest shown differs from the signed manifest here: "
        f'shown "{bundle["manifest"]["head"]["hash"]}", signed "{head}"'
    )


def test_one_byte_changed_in_the_delivered_pdf_is_named(
    delivered: dict[str, Any], tmp_path: Path
) -> None:
    pdf = delivered["pdf"].read_bytes()
    middle = len(pdf) // 2
    altered = tmp_path / "case-bundle.pdf"
    altered.write_bytes(pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :])
    result = verify_files([str(delivered["json"]), str(altered)], delivered["keys"])
    files_check = checks_of(result)["files bundle.pdf"]
    assert files_check["status"] == "fail"
    assert files_check["message"].startswith("no PDF given has the signed sha256")
    assert not result["files"][1]["valid"]
