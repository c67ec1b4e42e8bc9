"""Jinja2 templates, one folder per notification and locale, checked before the service starts.

```
templates/<template>/<locale>/subject.txt.j2   the subject line (required)
templates/<template>/<locale>/body.txt.j2      the plain-text part (required)
templates/<template>/<locale>/body.html.j2     the HTML part (optional; autoescaped)
```

Undefined variables are errors (`StrictUndefined`), and every template is rendered once at
start-up with a complete stand-in context for each rule that uses it: a variable the rule
does not provide (a typo, a field the event does not have) stops the service with the
template, the rule and the variable named, instead of leaving a blank in a letter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    UndefinedError,
    meta,
)

from services.notifications.rules import Rule, Rules, RulesError

SUBJECT = "subject.txt.j2"
TEXT = "body.txt.j2"
HTML = "body.html.j2"
REQUIRED_PARTS = (SUBJECT, TEXT)
_LOCALE = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str | None


def format_date(value: Any, style: str = "%-d %B %Y") -> str:
    """`{{ complaint.received_at | date }}` → `2 January 2025` (feed times are ISO strings)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TemplateError(f"'date' needs a date or an ISO 8601 string, not {value!r}")
    return value.strftime(style)


class TemplateBook:
    def __init__(self, directory: Path, default_locale: str) -> None:
        self.directory = directory
        self.default_locale = default_locale
        if not directory.is_dir():
            raise RulesError(f"the templates folder {directory} does not exist")
        self.env = Environment(
            loader=FileSystemLoader(str(directory)),
            undefined=StrictUndefined,
            autoescape=lambda name: bool(name and name.endswith(".html.j2")),
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["date"] = format_date

    def locales(self, template: str) -> list[str]:
        folder = self.directory / template
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_dir() and _LOCALE.match(p.name))

    def resolve_locale(self, template: str, wanted: str | None) -> str:
        """`en-GB` falls back to `en`, then to the default locale."""
        available = {locale.lower(): locale for locale in self.locales(template)}
        candidates = []
        if wanted:
            parts = wanted.split("-")
            candidates = ["-".join(parts[:i]) for i in range(len(parts), 0, -1)]
        for candidate in [*candidates, self.default_locale]:
            if candidate.lower() in available:
                return available[candidate.lower()]
        return self.default_locale

    def render(self, template: str, locale: str, variables: dict[str, Any]) -> RenderedMessage:
        def part(name: str) -> str:
            return self.env.get_template(f"{template}/{locale}/{name}").render(variables)

        subject = " ".join(part(SUBJECT).split())  # one line, whatever the template's layout
        has_html = (self.directory / template / locale / HTML).is_file()
        return RenderedMessage(subject, part(TEXT), part(HTML) if has_html else None)

    # -- the start-up check -------------------------------------------------------------------

    def check(self, rules: Rules, sample_for: Callable[[Rule], dict[str, Any]]) -> None:
        """Raises RulesError naming the first template that cannot be rendered for a rule."""
        for rule in rules.rules:
            locales = self.locales(rule.template)
            where = f"rule '{rule.name}'"
            if not locales:
                raise RulesError(
                    f"{where}: no template '{rule.template}' in {self.directory} "
                    f"(expected {rule.template}/<locale>/{SUBJECT} and {TEXT})"
                )
            if self.default_locale not in locales:
                raise RulesError(
                    f"{where}: template '{rule.template}' has no '{self.default_locale}' "
                    f"version (the default locale; it has: {', '.join(locales)})"
                )
            sample = sample_for(rule)
            for locale in locales:
                for name in (SUBJECT, TEXT, HTML):
                    path = f"{rule.template}/{locale}/{name}"
                    if not (self.directory / path).is_file():
                        if name in REQUIRED_PARTS:
                            raise RulesError(f"{where}: template part {path} is missing")
                        continue
                    self._check_part(path, where, sample)

    def _check_part(self, path: str, where: str, sample: dict[str, Any]) -> None:
        assert self.env.loader is not None
        source = self.env.loader.get_source(self.env, path)[0]
        try:
            used = meta.find_undeclared_variables(self.env.parse(source))
        except TemplateSyntaxError as error:
            raise RulesError(f"template {path} line {error.lineno}: {error.message}") from None
        unknown = sorted(used - set(sample) - set(self.env.globals))
        if unknown:
            raise RulesError(
                f"template {path} uses unknown variable '{unknown[0]}' ({where} provides: "
                f"{', '.join(sorted(sample))})"
            )
        try:
            self.env.get_template(path).render(sample)
        except UndefinedError as error:
            raise RulesError(
                f"template {path} uses an unknown variable ({where}): {error.message}"
            ) from None
        except TemplateError as error:
            raise RulesError(f"template {path} ({where}): {error}") from None
