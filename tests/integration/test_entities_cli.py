"""`redress entities create|list`: the operator registers the deployment's legal entities
and lists them, the default one included; what is not an entity is refused, naming why."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.processes import redress, redress_run


def test_register_and_list_legal_entities(tmp_path: Path) -> None:
    env = {
        "REDRESS_DATABASE_URL": f"sqlite:///{tmp_path / 'complaints.db'}",
        "REDRESS_DEFAULT_LEGAL_ENTITY_NAME": "Acme Group Ltd",
    }
    registered = redress(
        "entities", "create", "--id", "acme-uk", "--name", "Acme Bank UK plc",
        "--ref", "fca_frn=123456", "--regime", "uk-fca-disp", env=env,
    )  # fmt: skip
    assert registered.strip() == "registered acme-uk: Acme Bank UK plc"
    listed = json.loads(redress("entities", "list", "--json", env=env))
    assert [(e["id"], e["name"]) for e in listed] == [
        ("default", "Acme Group Ltd"),
        ("acme-uk", "Acme Bank UK plc"),
    ]
    assert listed[1]["regulator_references"] == {"fca_frn": "123456"}
    again = redress_run("entities", "create", "--id", "acme-uk", "--name", "x", env=env)
    assert again.returncode != 0 and "already registered" in again.stderr
    unknown = redress_run(
        "entities", "create", "--id", "acme-us", "--name", "x", "--regime", "nope", env=env
    )
    assert unknown.returncode != 0 and "no regime 'nope'" in unknown.stderr
