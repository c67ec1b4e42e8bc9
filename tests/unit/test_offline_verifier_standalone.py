"""The verifier is one file an auditor can take away: `docs/verify_export.py` is a link to
`libs/proof/verify_export.py`, which imports only the standard library and `cryptography`;
`redress verify-export` runs the same code. Both exit non-zero on any failure, and `--json`
prints nothing but JSON on stdout."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from libs.platform.signing.keys import SigningKey, SigningKeyStore, published_key
from tests.support import proof_files

REPO = Path(__file__).parents[2]
MODULE = REPO / "libs" / "proof" / "verify_export.py"
SCRIPT = REPO / "docs" / "verify_export.py"
ALLOWED = set(sys.stdlib_module_names) | {"__future__", "cryptography"}

# Runs the script with every import outside the standard library and cryptography refused
# (cryptography's own binding, _cffi_backend, is part of cryptography's install), and with
# the repository off sys.path (-I), as on an auditor's machine with only cryptography.
ISOLATED = """
import runpy, sys
from importlib.abc import MetaPathFinder
allowed = set(sys.stdlib_module_names) | {"cryptography", "_cffi_backend", "cffi"}
class Refuse(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in allowed:
            raise ImportError(f"the verifier imported {name}")
        return None
sys.meta_path.insert(0, Refuse())
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_the_verifier_imports_only_the_standard_library_and_cryptography() -> None:
    imported = set()
    for node in ast.walk(ast.parse(MODULE.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "a relative import would tie the script to the package"
            imported.add(str(node.module).split(".")[0])
    assert imported and imported <= ALLOWED, sorted(imported - ALLOWED)


def test_the_script_in_docs_is_the_module_itself_not_a_copy() -> None:
    assert SCRIPT.is_symlink()
    assert SCRIPT.resolve() == MODULE.resolve()


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> SigningKey:
    return SigningKeyStore(tmp_path_factory.mktemp("signing")).load_or_create()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, key: SigningKey) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("export")
    document = proof_files.case_file(key, events=4)
    paths = {
        "case": directory / "case-file.json",
        "pdf": directory / "export.pdf",
        "keys": directory / "redress-signing-keys.json",
        "bad": directory / "altered.json",
    }
    paths["case"].write_text(json.dumps(document))
    paths["pdf"].write_bytes(proof_files.signed_pdf(key, document, title="Export"))
    # What /.well-known/redress-signing-keys serves (and `redress keys signing show --json`).
    paths["keys"].write_text(json.dumps({"keys": [published_key(key.certificate)]}))
    document["events"][1]["data"]["summary"] = "something else"
    paths["bad"].write_text(json.dumps(document))
    return paths


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO)


def standalone(*arguments: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-I", "-c", ISOLATED, str(SCRIPT), *arguments])


def test_the_standalone_script_accepts_an_export_with_only_cryptography(
    files: dict[str, Path],
) -> None:
    done = standalone("--keys", str(files["keys"]), str(files["case"]), str(files["pdf"]))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"keys: the published keys in {files['keys']}"
    assert lines[-1] == "VALID"
    assert any("ok    pdf signature: PAdES signature by key" in line for line in lines)


def test_the_standalone_script_exits_non_zero_and_says_what_failed(
    files: dict[str, Path],
) -> None:
    done = standalone("--keys", str(files["keys"]), str(files["bad"]))
    assert done.returncode == 1
    assert (
        '  FAIL  event v2 data.summary: shown as "something else" but the stored event says '
        '"called the customer"' in done.stdout.splitlines()
    )
    assert done.stdout.splitlines()[-1] == "INVALID: 1 failure"


def test_without_keys_the_script_warns_loudly_about_trust_on_first_use(
    files: dict[str, Path],
) -> None:
    done = standalone(str(files["pdf"]))
    assert done.returncode == 0, done.stdout
    assert done.stdout.startswith("WARNING: no published keys given (--keys)")


def verdict(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(done.stdout)  # the whole of stdout is the JSON
    return result


def test_redress_verify_export_prints_pure_json_and_exits_non_zero_on_failure(
    files: dict[str, Path],
) -> None:
    redress = [sys.executable, "-m", "services.cli", "verify-export", "--json"]
    good = run([*redress, "--keys", str(files["keys"]), str(files["case"]), str(files["pdf"])])
    assert good.returncode == 0, good.stderr
    assert verdict(good)["valid"] is True
    assert [f["kind"] for f in verdict(good)["files"]] == ["case-file", "case-file-pdf"]
    bad = run([*redress, "--keys", str(files["keys"]), str(files["bad"])])
    assert bad.returncode == 1
    assert verdict(bad)["files"][0]["failures"] == [
        {
            "part": "event v2 data.summary",
            "message": 'shown as "something else" but the stored event says "called the customer"',
        }
    ]


def test_the_standalone_json_verdict_is_the_same_as_the_commands(files: dict[str, Path]) -> None:
    arguments = ["--json", "--keys", str(files["keys"]), str(files["bad"])]
    script = standalone(*arguments)
    command = run([sys.executable, "-m", "services.cli", "verify-export", *arguments])
    assert verdict(script) == verdict(command)


def test_a_file_that_is_not_an_export_is_refused_with_a_reason(tmp_path: Path) -> None:
    other = tmp_path / "notes.json"
    other.write_text('{"hello": "world"}')
    done = standalone("--json", str(other))
    assert done.returncode == 1
    assert verdict(done)["files"][0]["failures"] == [
        {
            "part": "file",
            "message": "is neither a case file (no `events`) nor a bundle (no `manifest`)",
        }
    ]


def test_the_published_key_may_be_given_as_its_certificate(
    files: dict[str, Path], key: SigningKey, tmp_path: Path
) -> None:
    certificate = tmp_path / "certificate.pem"
    certificate.write_bytes(key.certificate_pem)
    done = standalone("--keys", str(certificate), str(files["pdf"]))
    assert done.returncode == 0, done.stdout
    assert done.stdout.splitlines()[0] == f"keys: the published keys in {certificate}"


def test_a_keys_file_without_keys_is_a_usage_error(files: dict[str, Path], tmp_path: Path) -> None:
    empty = tmp_path / "keys.json"
    empty.write_text('{"keys": []}')
    done = standalone("--keys", str(empty), str(files["case"]))
    assert done.returncode == 2
    assert f"--keys: {empty} holds no keys" in done.stderr
