"""Clients generated from the services' committed OpenAPI documents with
`openapi-python-client` (offline), as an integrator would make them: tests call the API
through them, never by hand-written HTTP. The `generated` fixture (tests/conftest.py)
imports one per service."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

DOCUMENTS = Path(__file__).parents[1] / "fixtures" / "openapi"
VENV_BIN = Path(sys.executable).parent


def generate(service: str, directory: Path) -> str:
    """Generates `<service>_client` from the committed document; returns the package name."""
    package = f"{service}_client"
    config = directory / f"{service}-generator.yaml"
    config.write_text(f"package_name_override: {package}\nproject_name_override: {package}\n")
    environment = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    generated = subprocess.run(
        [
            str(VENV_BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(DOCUMENTS / f"{service}.json"),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(directory / package),
        ],
        check=True,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    # Every operation and response made it into the client, but the signed manifest's
    # `application/jose` (compact JWS), a media type the generator leaves to the caller.
    output = generated.stdout + generated.stderr
    skipped = [
        line
        for line in output.splitlines()
        if line.startswith("Cannot parse") and "application/jose" not in line
    ]
    assert skipped == [], output
    return package


def generated_clients(tmp_path: Path) -> Iterator[Callable[[str], ModuleType]]:
    """`generated(service)` imports the client generated for that service."""
    sys.path.insert(0, str(tmp_path))
    imported: list[str] = []

    def load(service: str) -> ModuleType:
        package = generate(service, tmp_path)
        imported.append(package)
        return importlib.import_module(package)

    try:
        yield load
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.split(".")[0] in imported]:
            del sys.modules[name]


def module(package: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{name}")
