"""The server-rendered case-history page (Jinja2, autoescaped, no script).

One complaint: the verification verdict, the full state at the version or moment asked
for (in sections, worded for people), a version stepper and an `as_of` picker, links to
the JSON and PDF exports, and the timeline with the altered and missing events marked.
Every link keeps the signed-link token the page was opened with, so a page opened from a
link (no API key in the browser) can step, pick a time and export as well.
"""

from __future__ import annotations

from datetime import UTC
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape

from libs.domain.deadlines import Regime
from services.complaints.history.human import picker_value, when
from services.complaints.history.page_sections import state_sections
from services.complaints.history.page_state import ShownState
from services.complaints.history.page_timeline import missing_versions, timeline

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_history_page(
    *,
    complaint_id: str,
    events: list[dict[str, Any]],
    recorded_versions: list[int],
    shown: ShownState,
    regime: Regime | None,
    head: int,
    verification: dict[str, Any],
    token: str | None,
) -> str:
    zone = regime.calendar.zone if regime else UTC
    signed = {"token": token} if token else {}

    def link(to_version: int) -> str:
        return "?" + urlencode({"version": to_version, **signed})

    def export(form: str) -> str:
        # A sibling of this page (…/history/export): relative, so a path prefix in front
        # of the service (a proxy) is kept.
        return "export?" + urlencode({"format": form, **signed})

    missing = missing_versions((e["version"] for e in events), recorded_versions, verification)
    rows = timeline(events, verification, missing, zone)
    recorded = next((r["recorded"] for r in rows if r["version"] == shown.version), "")
    return (
        _environment()
        .get_template("history.html.j2")
        .render(
            complaint_id=complaint_id,
            rows=rows,
            altered=[r["version"] for r in rows if r["marks"] and not r["missing"]],
            missing=missing,
            shown=shown,
            sections=state_sections(shown.state, regime, zone) if shown.state else None,
            shown_at=when(shown.moment, zone),
            version_recorded=recorded,
            as_of_label=when(shown.as_of, zone) if shown.as_of else "",
            picker=picker_value(shown.moment, zone),
            zone_name=regime.calendar.timezone if regime else "UTC",
            head=head,
            verification=verification,
            checked_at=when(verification.get("verified_at"), zone),
            token=token,
            link=link,
            exports={"json": export("json"), "pdf": export("pdf")},
        )
    )
