"""docs/configuration.md lists every setting of every service, with its true default."""

from __future__ import annotations

from pathlib import Path

from services.config_reference import ROOT, documented, problems, render, sections

DOC = ROOT / "docs" / "configuration.md"


def test_the_reference_lists_every_setting_with_its_default() -> None:
    found = problems(DOC.read_text())
    assert not found, (
        "docs/configuration.md is out of date (python -m services.config_reference prints "
        "the generated tables):\n  " + "\n  ".join(found)
    )


def test_every_service_started_by_redress_up_has_a_section() -> None:
    names = {s.service for s in sections()}
    assert {"complaints", "adr_gateway", "notifications", "sandbox_provider"} <= names


def test_the_check_catches_a_missing_setting_and_a_wrong_default(tmp_path: Path) -> None:
    text = DOC.read_text()
    without = "\n".join(
        line for line in text.splitlines() if "`REDRESS_BACKDATE_WINDOW_DAYS`" not in line
    )
    assert "complaints: REDRESS_BACKDATE_WINDOW_DAYS is not documented" in problems(without)
    wrong = text.replace(
        "| `REDRESS_ADR_REJECTED_OFFERS` | `2` |", "| `REDRESS_ADR_REJECTED_OFFERS` | `3` |"
    )
    assert any("REDRESS_ADR_REJECTED_OFFERS" in p for p in problems(wrong))


def test_rows_naming_several_variables_are_understood() -> None:
    rows = documented(
        "## x (`a.py`)\n| variable | default | meaning |\n|---|---|---|\n"
        "| `REDRESS_A`, `REDRESS_B` | `1`, `two` | both |\n"
        "| `REDRESS_C` | packaged `rules.toml` | words, not compared |\n"
        "| `REDRESS_D` | (none) | unset |\n"
    )
    assert rows == {
        "a.py": {"REDRESS_A": "1", "REDRESS_B": "two", "REDRESS_C": None, "REDRESS_D": "(none)"}
    }


def test_the_generated_reference_renders_every_section() -> None:
    text = render()
    for s in sections():
        assert f"`{s.source}`" in text
