"""Jinja2 templates, one folder per notification and locale, checked before the service starts.

```
templates/<template>/<locale>/subject.txt.j2   the subject line (required)
templates/<template>/<locale>/body.txt.j2      the plain-text part (required)
templates/<template>/<locale>/body.html.j2     the HTML part (optional; autoescaped)
templates/<template>/<locale>/enclosures.txt.j2  files attached, one name a line (optional)
templates/_enclosures/<file>                   the files (see its PROVENANCE.md)
```

A letter that says something "is enclosed" lists it in `enclosures.txt.j2` (the final
response's ombudsman leaflet, DISP 1.6.2R(1)(d)); every file a template can name, under every
regime, must exist at start-up.

Dates and money are written the customer's way with Babel: `{{ complaint.received_at | date }}`
gives "2 March 2026" in `en` and "2 Mawrth 2026" in `cy`, `{{ amount | money(currency) }}`
"£1,234.50"; the locale is the one the message is rendered in (`locale`). A strftime
pattern (`date("%-d %B %Y %H:%M UTC")`, for staff) is used as given.

Undefined variables are errors (`StrictUndefined`), and every template is rendered once at
start-up with a complete stand-in context for each rule that uses it: a variable the rule
does not provide (a typo, a field the event does not have) stops the service with the
template, the rule and the variable named, instead of leaving a blank in a letter.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_date
from babel.numbers import format_currency
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    UndefinedError,
    meta,
    pass_context,
)
from jinja2.runtime import Context
from markupsafe import Markup, escape

from libs.domain.deadlines import known_regime_names
from services.notifications.channels import Attachment
from services.notifications.rules import Rule, Rules, RulesError

SUBJECT = "subject.txt.j2"
TEXT = "body.txt.j2"
HTML = "body.html.j2"
ENCLOSURES = "enclosures.txt.j2"
ENCLOSURES_DIR = "_enclosures"
_GREETING = re.compile(r"^\s*(dear|annwyl|hello|hi)\b", re.IGNORECASE)
REQUIRED_PARTS = (SUBJECT, TEXT)
_LOCALE = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


def opens_with_greeting(letter: Any) -> bool:
    """`{% if not event.letter is greeting %}`: a letter written with its own "Dear …"."""
    return isinstance(letter, str) and bool(_GREETING.match(letter))


def text_as_html(text: Any) -> Markup:
    """`{% filter text_as_html %}{% include "_partials/x.txt.j2" %}{% endfilter %}`: a text
    partial in an HTML part, escaped (an included template's output would otherwise be taken
    as safe HTML, with whatever an event's fields put in it)."""
    return escape(str(text))


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str | None


#: Plain `en` is British English here: the regimes' letters are dated "2 March 2026".
_BABEL_LOCALES = {"en": "en_GB"}


def babel_locale(locale: str | None) -> Locale:
    """The Babel locale of a template locale (`cy`, `en-GB`); British English if unknown."""
    name = (locale or "en").replace("-", "_")
    try:
        return Locale.parse(_BABEL_LOCALES.get(name, name))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en_GB")


@pass_context
def format_date(context: Context, value: Any, style: str | None = None) -> str:
    """`{{ complaint.received_at | date }}` → `2 January 2025` (`2 Ionawr 2025` in `cy`);
    feed times are ISO strings, shown as dates in the complaint's regime's time zone
    (`complaint.timezone`). A strftime `style` (staff messages, which say "UTC") is used as
    given."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TemplateError(f"'date' needs a date or an ISO 8601 string, not {value!r}")
    if style is not None:
        return value.strftime(style)
    zone = (context.get("complaint") or {}).get("timezone")
    if zone and value.tzinfo is not None:
        with suppress(ZoneInfoNotFoundError, ValueError):  # an unknown zone: as given
            value = value.astimezone(ZoneInfo(zone))
    return str(babel_date(value.date(), "d MMMM y", locale=babel_locale(context.get("locale"))))


@pass_context
def format_money(context: Context, amount: Any, currency: str) -> str:
    """`{{ "1234.5" | money("GBP") }}` → `£1,234.50`, as the message's locale writes it."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise TemplateError(f"'money' needs an amount, not {amount!r}") from None
    try:
        return str(format_currency(value, currency, locale=babel_locale(context.get("locale"))))
    except (ValueError, TypeError):  # a currency Babel does not know: as given
        return f"{value} {currency}"


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
        self.env.filters["money"] = format_money
        self.env.tests["greeting"] = opens_with_greeting
        self.env.filters["text_as_html"] = text_as_html

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
        variables = {**variables, "locale": locale}

        def part(name: str) -> str:
            return self.env.get_template(f"{template}/{locale}/{name}").render(variables)

        subject = " ".join(part(SUBJECT).split())  # one line, whatever the template's layout
        has_html = (self.directory / template / locale / HTML).is_file()
        return RenderedMessage(subject, part(TEXT), part(HTML) if has_html else None)

    def enclosures(self, template: str, locale: str, variables: dict[str, Any]) -> list[str]:
        """The file names a message encloses (none without an `enclosures.txt.j2`)."""
        if not (self.directory / template / locale / ENCLOSURES).is_file():
            return []
        text = self.env.get_template(f"{template}/{locale}/{ENCLOSURES}").render(
            {**variables, "locale": locale}
        )
        return [line.strip() for line in text.splitlines() if line.strip()]

    def enclosed(self, template: str, locale: str, variables: dict[str, Any]) -> list[Attachment]:
        """The files a message encloses, read; OSError when one is missing."""
        folder = self.directory / ENCLOSURES_DIR
        return [
            Attachment(name, _content_type(name), (folder / name).read_bytes())
            for name in self.enclosures(template, locale, variables)
        ]

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
            for locale in locales:
                sample = {**sample_for(rule), "locale": locale}
                for name in (SUBJECT, TEXT, HTML, ENCLOSURES):
                    path = f"{rule.template}/{locale}/{name}"
                    if not (self.directory / path).is_file():
                        if name in REQUIRED_PARTS:
                            raise RulesError(f"{where}: template part {path} is missing")
                        continue
                    self._check_part(path, where, sample)
                self._check_enclosures(rule.template, locale, where, sample)

    def _check_enclosures(
        self, template: str, locale: str, where: str, sample: dict[str, Any]
    ) -> None:
        for regime in known_regime_names():
            variables = {**sample, "complaint": {**sample["complaint"], "regime": regime}}
            for name in self.enclosures(template, locale, variables):
                if not (self.directory / ENCLOSURES_DIR / name).is_file():
                    raise RulesError(
                        f"template {template}/{locale}/{ENCLOSURES} ({where}) encloses "
                        f"'{name}' under regime '{regime}', but there is no "
                        f"{self.directory / ENCLOSURES_DIR / name}"
                    )

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


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
