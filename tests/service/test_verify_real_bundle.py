"""The offline verifier on a referral bundle as the ADR gateway delivers it: the bundle JSON
and its PDF, fetched from the gateway, checked against the deployment's published keys.

The complaints service and the gateway run in-process on SQLite, served on loopback HTTP
(tests/support/referral_bundles.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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
    system.checkpoint()
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


def test_the_delivered_bundles_manifest_parts_and_pdf_digest_verify(
    delivered: dict[str, Any],
) -> None:
    result = verify_files([str(delivered["json"]), str(delivered["pdf"])], delivered["keys"])
    bundle = result["files"][0]
    assert bundle["kind"] == "bundle"
    checks = checks_of(result)
    for part in ("manifest_jws", "manifest", "parts", "files bundle.pdf"):
        assert checks[part]["status"] == "ok", checks[part]
    assert checks["manifest checkpoint"]["status"] == "ok"  # the anchored event's hash
    assert "case_file" in checks["parts"]["message"]
    # Everything the gateway signs verifies. The case file is the complaints service's
    # export: until it carries the proof fields (format redress.case-file/1), the verifier
    # refuses it for that reason alone; once it does, the whole bundle verifies.
    failing = [f["part"] for f in bundle["failures"]]
    assert failing in ([], ["case_file > proof fields"]), bundle["failures"]
    assert bundle["valid"] == (failing == [])


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
