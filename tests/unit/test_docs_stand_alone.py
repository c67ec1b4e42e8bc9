"""The README and docs/ stand alone: a clone has everything they link to, and they state
what a newcomer needs before the first command (the Python version) and where the product
contract lives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "deploy/README.md"]
#: [text](target) in Markdown, the target up to a space or the closing parenthesis.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CONTRACT = ("architecture", "lifecycle", "regimes", "api-conventions", "cli", "configuration")


def local_links(document: Path) -> list[str]:
    return [
        target
        for target in LINK.findall(document.read_text())
        if not target.startswith(("http://", "https://", "mailto:", "#"))
    ]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_link_points_at_a_file_in_the_repository(document: Path) -> None:
    for target in local_links(document):
        resolved = (document.parent / target.split("#", 1)[0]).resolve()
        assert resolved.is_relative_to(REPO), f"{target} leaves the repository"
        assert resolved.exists(), f"{target} does not exist"


def test_the_readme_links_the_whole_contract_in_docs() -> None:
    links = set(local_links(REPO / "README.md"))
    for page in CONTRACT:
        assert f"docs/{page}.md" in links, page
        assert (REPO / "docs" / f"{page}.md").is_file(), page


def test_the_readme_states_the_python_version_the_makefile_uses() -> None:
    makefile = (REPO / "Makefile").read_text()
    version = re.search(r"^PYTHON \?= python(3\.\d+)$", makefile, re.MULTILINE)
    assert version is not None
    assert f"Python {version.group(1)}" in (REPO / "README.md").read_text()


def test_the_readme_explains_the_rules_that_otherwise_surface_as_422s() -> None:
    readme = (REPO / "README.md").read_text()
    assert "REDRESS_BACKDATE_WINDOW_DAYS" in readme
    assert "five words" in readme
    assert re.search(r"REFERRAL_ID=\$\(", readme), "where $REFERRAL_ID comes from"
