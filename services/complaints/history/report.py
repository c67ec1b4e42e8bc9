"""What an event did, in one line, for the case-history page.

The export's renderings (JSON and PDF) are the case file's (`libs.casefile`); the page
shares its one-line descriptions of events.
"""

from __future__ import annotations

from typing import Any

from libs.casefile.codec import from_json
from libs.casefile.event_text import describe
from libs.casefile.model import Event


def summarise(event: dict[str, Any]) -> str:
    """One line saying what an event did, for the timeline."""
    return describe(from_json(Event, event))
