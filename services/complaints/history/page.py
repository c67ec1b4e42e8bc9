"""The server-rendered case-history page (Jinja2, autoescaped)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.complaints.history.report import summarise

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        auto_reload=False,
    )


def render_history_page(
    *,
    complaint_id: str,
    events: list[dict[str, Any]],
    state: dict[str, Any],
    version: int,
    head: int,
    verification: dict[str, Any],
    token: str | None,
) -> str:
    def link(to_version: int) -> str:
        query = {"version": to_version, **({"token": token} if token else {})}
        return "?" + urlencode(query)

    return (
        _environment()
        .get_template("history.html.j2")
        .render(
            complaint_id=complaint_id,
            events=[{**event, "summary": summarise(event)} for event in events],
            state=state,
            state_json=json.dumps(state, indent=2, ensure_ascii=False),
            version=version,
            head=head,
            verification=verification,
            token=token,
            link=link,
        )
    )
