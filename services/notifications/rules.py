"""Rules as configuration: which upstream event (or which delay after it) sends which
template to whom over which channel, and which later events cancel it.

```toml
[[rules]]
name = "satisfaction_survey"
on = "complaints.ComplaintClosed"     # <feed>.<event>
after = "7d"                          # optional delay: s, m, h, d, w
template = "satisfaction_survey"      # templates/<template>/<locale>/...
to = "customer"                       # customer | staff
channel = "email"                     # a plugin of redress.notification_channels
survey = true                         # attach a signed survey link (customers only)
cancel_on = ["complaints.Reopened", "complaints.AppealLodged"]
unless = { reason = "withdrawn" }     # skip when a field has one of these values
when = { }                            # send only when every field matches
expires_after = "3d"                  # not worth sending once this late (cancelled)
late_after = "1d"                     # still sent after this, but the message says it is late
```

An acknowledgement (a rule on `complaints.ComplaintReceived` to the customer) is never
cancelled for being late: the regime's acknowledgement is owed until it is sent (DISP 1.6.1R:
"prompt", and a late one is better than none), so such a rule takes `late_after`, and one
still naming `expires_after` is refused. A delivered acknowledgement is recorded on the
complaint (services.notifications.recording), which stops its deadline.

Every mistake is reported with the rule's name and field; the service refuses to start.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from services.notifications.catalogue import FEEDS, event_fields, events_of

AUDIENCES = ("customer", "staff")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_KEYS = {
    "name",
    "on",
    "after",
    "template",
    "to",
    "channel",
    "survey",
    "cancel_on",
    "when",
    "unless",
    "expires_after",
    "late_after",
}
#: The upstream event whose customer message is the regime's acknowledgement.
ACKNOWLEDGED_EVENT = "complaints.ComplaintReceived"


class RulesError(ValueError):
    """The rules (or their templates) cannot be used; the message names what and where."""


def parse_duration(text: str, where: str) -> timedelta:
    match = _DURATION.match(str(text))
    if not match:
        raise RulesError(f"{where}: '{text}' is not a duration (e.g. 30s, 15m, 12h, 7d, 2w)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class EventName:
    feed: str
    event: str

    def __str__(self) -> str:
        return f"{self.feed}.{self.event}"

    @classmethod
    def parse(cls, text: Any, where: str) -> EventName:
        feed, _, event = str(text).partition(".")
        if feed not in FEEDS:
            raise RulesError(
                f"{where}: '{text}' names no known feed (use one of: "
                f"{', '.join(f'{f}.<Event>' for f in FEEDS)})"
            )
        if event_fields(feed, event) is None:
            raise RulesError(
                f"{where}: the {feed} feed has no event '{event}' "
                f"(known: {', '.join(events_of(feed))})"
            )
        return cls(feed, event)


@dataclass(frozen=True)
class Rule:
    name: str
    on: EventName
    template: str
    audience: str
    channel: str
    after: timedelta = timedelta(0)
    survey: bool = False
    cancel_on: tuple[str, ...] = ()
    when: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    unless: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    expires_after: timedelta | None = None
    late_after: timedelta | None = None

    @property
    def is_acknowledgement(self) -> bool:
        """The customer's acknowledgement of a complaint: sent however late, and recorded
        on the complaint once delivered."""
        return str(self.on) == ACKNOWLEDGED_EVENT and self.audience == "customer"

    @property
    def is_followup(self) -> bool:
        """A message sent later, which later events may make pointless."""
        return bool(self.cancel_on)

    def applies_to(self, data: dict[str, Any]) -> bool:
        if any(data.get(name) not in values for name, values in self.when.items()):
            return False
        return not any(data.get(name) in values for name, values in self.unless.items())


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...]

    @cached_property
    def _by_event(self) -> dict[EventName, list[Rule]]:
        """The rules each upstream event triggers, in the file's order, found once."""
        by_event: dict[EventName, list[Rule]] = defaultdict(list)
        for rule in self.rules:
            by_event[rule.on].append(rule)
        return dict(by_event)

    def triggered_by(self, feed: str, event: str, data: dict[str, Any]) -> list[Rule]:
        """The rules `feed.event` triggers, given what its `data` says."""
        return [r for r in self._by_event.get(EventName(feed, event), []) if r.applies_to(data)]

    @property
    def templates(self) -> set[str]:
        return {rule.template for rule in self.rules}

    @property
    def channels(self) -> set[str]:
        return {rule.channel for rule in self.rules}


def _matches(value: Any, where: str, fields: dict[str, str]) -> dict[str, tuple[Any, ...]]:
    if not isinstance(value, dict):
        raise RulesError(f"{where}: expected a table of field = value(s)")
    checked: dict[str, tuple[Any, ...]] = {}
    for name, wanted in value.items():
        if name not in fields:
            raise RulesError(
                f"{where}.{name}: the event has no field '{name}' "
                f"(fields: {', '.join(sorted(fields))})"
            )
        checked[name] = tuple(wanted) if isinstance(wanted, list) else (wanted,)
    return checked


def _rule(raw: Any, index: int, channels: set[str]) -> Rule:
    if not isinstance(raw, dict):
        raise RulesError(f"rules[{index}]: expected a table")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise RulesError(
            f"rules[{index}].name: a rule needs a name of lower-case letters, digits and _"
        )
    where = f"rule '{name}'"
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise RulesError(f"{where}: unknown key '{unknown[0]}' (known: {', '.join(sorted(_KEYS))})")
    for required in ("on", "template", "to", "channel"):
        if required not in raw:
            raise RulesError(f"{where}: '{required}' is required")
    on = EventName.parse(raw["on"], f"{where}.on")
    fields = event_fields(on.feed, on.event) or {}
    complaint_field = FEEDS[on.feed].complaint_field
    if complaint_field is not None and complaint_field not in fields:
        raise RulesError(
            f"{where}.on: {on} does not say which complaint it is about (no '{complaint_field}')"
        )
    audience = raw["to"]
    if audience not in AUDIENCES:
        raise RulesError(f"{where}.to: '{audience}' is not one of {', '.join(AUDIENCES)}")
    channel = raw["channel"]
    if channel not in channels:
        raise RulesError(
            f"{where}.channel: no channel '{channel}' is installed "
            f"(installed: {', '.join(sorted(channels)) or 'none'})"
        )
    template = raw["template"]
    if not isinstance(template, str) or not _NAME.match(template):
        raise RulesError(f"{where}.template: '{template}' is not a template name")
    survey = raw.get("survey", False)
    if not isinstance(survey, bool):
        raise RulesError(f"{where}.survey: true or false")
    if survey and audience != "customer":
        raise RulesError(f"{where}.survey: only customers are sent surveys")
    cancel_on = raw.get("cancel_on", [])
    if not isinstance(cancel_on, list):
        raise RulesError(f"{where}.cancel_on: expected a list of <feed>.<event>")
    cancellers = tuple(
        str(EventName.parse(item, f"{where}.cancel_on[{i}]")) for i, item in enumerate(cancel_on)
    )
    if "expires_after" in raw and str(on) == ACKNOWLEDGED_EVENT and audience == "customer":
        raise RulesError(
            f"{where}.expires_after: an acknowledgement is never too late to send (DISP "
            "1.6.1R: the complaint stays unacknowledged until it is); use late_after to say "
            "when it counts as late instead"
        )
    return Rule(
        name=name,
        on=on,
        template=template,
        audience=audience,
        channel=channel,
        after=parse_duration(raw["after"], f"{where}.after") if "after" in raw else timedelta(0),
        survey=survey,
        cancel_on=cancellers,
        when=_matches(raw.get("when", {}), f"{where}.when", fields),
        unless=_matches(raw.get("unless", {}), f"{where}.unless", fields),
        expires_after=(
            parse_duration(raw["expires_after"], f"{where}.expires_after")
            if "expires_after" in raw
            else None
        ),
        late_after=(
            parse_duration(raw["late_after"], f"{where}.late_after")
            if "late_after" in raw
            else None
        ),
    )


def parse_rules(text: str, channels: set[str], source: str = "rules") -> Rules:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"{source}: not valid TOML: {error}") from None
    unknown = sorted(set(document) - {"rules"})
    if unknown:
        raise RulesError(f"{source}: unknown top-level key '{unknown[0]}' (expected [[rules]])")
    raw_rules = document.get("rules", [])
    if not isinstance(raw_rules, list):
        raise RulesError(f"{source}: 'rules' must be an array of tables ([[rules]])")
    rules = tuple(_rule(raw, i, channels) for i, raw in enumerate(raw_rules))
    names = [rule.name for rule in rules]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise RulesError(f"{source}: rule '{duplicates[0]}' is defined twice")
    return Rules(rules)


def load_rules(path: Path, channels: set[str]) -> Rules:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RulesError(f"cannot read the rules file {path}: {error.strerror}") from None
    return parse_rules(text, channels, source=str(path))
