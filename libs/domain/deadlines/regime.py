"""Deadline regimes as data: one TOML file per regime, read into frozen dataclasses.

A regime names its holiday calendar, its clocks (what starts and stops each, how long it
runs, what extends, pauses or shortcuts it); for each regulated letter (acknowledgement,
holding reply, summary resolution, final response), what that letter must contain and the rule
that says so; and, for external ADR, its referral window (how long the customer has to go to
the ombudsman or ADR entity, and whether the firm's consent waives it) and what ends the
firm's internal process. A new regime is a new file in `regimes/`; nothing here branches on
a regime's name.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from libs.domain.deadlines.calendar import BusinessCalendar, Period, Unit, validate_calendar
from libs.domain.errors import InvalidArgument

PACKAGED_REGIMES = Path(__file__).with_name("regimes")


class ClockEvent(StrEnum):
    """Moments in a complaint's life that start, stop, extend or shortcut a clock."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    SUMMARY_RESOLUTION = "summary_resolution"
    HOLDING_REPLY = "holding_reply"
    FINAL_RESPONSE = "final_response"
    CLOSED = "closed"
    REFERRED_TO_ADR = "referred_to_adr"
    ADR_FILE_COMPLETE = "adr_file_complete"
    ADR_REQUEST = "adr_request"
    ADR_ANSWER = "adr_answer"
    ADR_OUTCOME = "adr_outcome"
    #: The firm's decision is open again: a reopen, or an upheld internal appeal.
    DECISION_REOPENED = "decision_reopened"


class Party(StrEnum):
    """Whose deadline it is: a firm's obligation, an ADR entity's, or a customer's window."""

    FIRM = "firm"
    ADR_ENTITY = "adr_entity"
    CUSTOMER = "customer"


class LetterKind(StrEnum):
    """The communications a regime may regulate, each sent by its own command."""

    ACKNOWLEDGEMENT = "acknowledgement"
    HOLDING_REPLY = "holding_reply"
    SUMMARY_RESOLUTION = "summary_resolution"
    FINAL_RESPONSE = "final_response"


class ElementKind(StrEnum):
    FLAG = "flag"  # must be true: the letter does it
    STATED = "stated"  # must be true or false: the letter says which
    CHOICE = "choice"  # one of the listed options
    TEXT = "text"  # a non-blank string
    DATE = "date"  # a calendar date, YYYY-MM-DD (e.g. the date the final response will be sent)


@dataclass(frozen=True)
class EarlyResolution:
    """If `event` happens within `within` of the clock's start, the clock is met by it."""

    event: ClockEvent
    within: Period
    basis: str


@dataclass(frozen=True)
class Extension:
    """If `event` happens before the clock falls due, the clock runs to `to` instead."""

    event: ClockEvent
    to: Period
    basis: str


@dataclass(frozen=True)
class VariantRule:
    period: Period
    basis: str


@dataclass(frozen=True)
class Approaching:
    """From when a running clock is `approaching`: the last `last_percent` of its time, or
    from the start of the business day `business_days` before its last business day (but
    never before half the clock has run, so that a short clock does not approach the moment
    it starts). `reason` says why this lead suits this clock."""

    reason: str
    last_percent: int | None = None
    business_days: int | None = None

    def describe(self) -> str:
        if self.last_percent is not None:
            return f"the last {self.last_percent}% of the clock's time"
        days = self.business_days
        return f"{days} business day{'' if days == 1 else 's'} before its last business day"


@dataclass(frozen=True)
class RegimeVariant:
    """A variant a complaint may name (`regime_variant`). `effective_from` is the day the
    rule it stands for applies from; a complaint may name it earlier (national law or the
    ADR entity's rules may already ask the same), and its deadlines then say so."""

    name: str
    description: str
    effective_from: date | None = None
    source: str = ""


@dataclass(frozen=True)
class ClockRule:
    name: str
    title: str
    party: Party
    starts_on: ClockEvent
    stops_on: tuple[ClockEvent, ...]
    period: Period
    basis: str
    pausable: bool = False
    ends_on_business_day: bool = False
    early_resolution: EarlyResolution | None = None
    extension: Extension | None = None
    variants: Mapping[str, VariantRule] = field(default_factory=lambda: MappingProxyType({}))
    #: When the clock counts as approaching (None: the service's default lead).
    approaching: Approaching | None = None
    #: The clock runs only for complaints under one of these variants (empty: always).
    only_for_variants: tuple[str, ...] = ()

    def runs_for(self, variant: str | None) -> bool:
        return not self.only_for_variants or variant in self.only_for_variants

    def for_variant(self, variant: str | None) -> tuple[Period, str]:
        rule = self.variants.get(variant) if variant else None
        return (rule.period, rule.basis) if rule else (self.period, self.basis)


@dataclass(frozen=True)
class ElementRule:
    """One thing a letter must contain. `basis` cites the rule that asks for it (the letter's
    own basis when empty); `effective_from` is the first day a letter must contain it, for an
    element a rule added on a known date (None: always)."""

    name: str
    description: str
    kind: ElementKind
    options: tuple[str, ...] = ()
    basis: str = ""
    effective_from: date | None = None

    def required_on(self, day: date | None) -> bool:
        return self.effective_from is None or day is None or day >= self.effective_from


@dataclass(frozen=True)
class LetterRule:
    """What the regime says one kind of letter must contain, and the rule that says so."""

    kind: LetterKind
    title: str
    basis: str
    elements: tuple[ElementRule, ...] = ()


@dataclass(frozen=True)
class ReferralWindow:
    """How long the customer has to take the complaint to the regime's ombudsman or ADR
    entity, from the first of `starts_on`; past it the case is out of time unless
    `waivable` and the firm has recorded its consent to waive the limit.

    `rule` is the short citation shown with the eligibility criterion ("DISP 2.8.2R(1)");
    `basis` says what the rule says; `waiver` says how (or that) the limit can be waived.
    """

    title: str
    starts_on: tuple[ClockEvent, ...]
    period: Period
    rule: str
    basis: str
    waivable: bool
    waiver: str


#: The events that can end a firm's internal process for external ADR.
INTERNAL_PROCESS_ENDINGS = (ClockEvent.FINAL_RESPONSE, ClockEvent.SUMMARY_RESOLUTION)


@dataclass(frozen=True)
class InternalProcess:
    """What ends the firm's internal process, opening the way to external ADR: always the
    final response; where the regime says so, a summary resolution communication too."""

    ends_on: tuple[ClockEvent, ...] = (ClockEvent.FINAL_RESPONSE,)
    rule: str = ""
    basis: str = ""


@dataclass(frozen=True)
class Regime:
    name: str
    title: str
    source: str
    calendar: BusinessCalendar
    clocks: tuple[ClockRule, ...]
    variants: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: The regulated letters, by kind; a kind the regime does not name requires nothing.
    letters: Mapping[LetterKind, LetterRule] = field(default_factory=lambda: MappingProxyType({}))
    #: Which text of the rules this file encodes (e.g. the date of the last amendment), and
    #: the day from which that text applies.
    version: str = ""
    effective_from: date | None = None
    #: None: the regime sets no time limit for going to external ADR (see docs/eligibility.md).
    referral_window: ReferralWindow | None = None
    internal_process: InternalProcess = InternalProcess()
    #: Each variant's description, the rule's effective date and source, by name.
    variant_details: Mapping[str, RegimeVariant] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def clock(self, name: str) -> ClockRule:
        for rule in self.clocks:
            if rule.name == name:
                return rule
        raise KeyError(name)

    def letter(self, kind: LetterKind) -> LetterRule | None:
        return self.letters.get(kind)

    @property
    def final_response(self) -> tuple[ElementRule, ...]:
        """What a final response must contain (the letter checked longest, named here)."""
        rule = self.letter(LetterKind.FINAL_RESPONSE)
        return rule.elements if rule else ()


class RegimeError(ValueError):
    """A regime file that cannot be used, naming the file and the field at fault."""

    def __init__(self, source: str, field_name: str, message: str) -> None:
        super().__init__(f"{source}: {field_name}: {message}")
        self.source = source
        self.field = field_name


class UnknownRegime(InvalidArgument):
    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.known = tuple(sorted(known))
        super().__init__("regime", f"unknown regime '{name}' (known: {', '.join(self.known)})")


# -- loading ------------------------------------------------------------------------------


def load_regime_file(path: Path) -> Regime:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise RegimeError(path.name, "(file)", f"not valid TOML: {error}") from None
    regime = parse_regime(data, source=path.name)
    if regime.name != path.stem:
        raise RegimeError(path.name, "name", f"'{regime.name}' must match the file name")
    return regime


def load_regimes(*directories: Path) -> Mapping[str, Regime]:
    """Every packaged regime by name; files in `directories` add regimes or replace them."""
    regimes = dict(_packaged_regimes())
    for directory in directories:
        regimes.update(_load_directory(directory))
    return MappingProxyType(regimes)


def known_regime_names(*directories: Path) -> tuple[str, ...]:
    return tuple(sorted(load_regimes(*directories)))


def get_regime(name: str, *directories: Path) -> Regime:
    regimes = load_regimes(*directories)
    if name not in regimes:
        raise UnknownRegime(name, regimes)
    return regimes[name]


@lru_cache(maxsize=1)
def _packaged_regimes() -> Mapping[str, Regime]:
    return MappingProxyType(_load_directory(PACKAGED_REGIMES))


def _load_directory(directory: Path) -> dict[str, Regime]:
    regimes = (load_regime_file(path) for path in sorted(directory.glob("*.toml")))
    return {regime.name: regime for regime in regimes}


# -- parsing ------------------------------------------------------------------------------

_REGIME_KEYS = {
    "name",
    "title",
    "source",
    "calendar",
    "variants",
    "clocks",
    "final_response",
    "referral_window",
    "internal_process",
}
_CALENDAR_KEYS = {"timezone", "country", "subdivision", "financial"}
_CLOCK_KEYS = {
    "name",
    "title",
    "party",
    "starts_on",
    "stops_on",
    "unit",
    "length",
    "basis",
    "pausable",
    "ends_on_business_day",
    "early_resolution",
    "extension",
    "variants",
    "approaching",
    "only_for_variants",
}
_VARIANT_KEYS = {"description", "effective_from", "source"}
_APPROACHING_KEYS = {"last", "business_days", "reason"}
_ELEMENT_KEYS = {"name", "description", "kind", "options", "basis", "effective_from"}
_LETTER_KEYS = {"title", "basis", "elements"}
#: The letters, and which text of the rules the file encodes (version, effective_from).
_REGIME_KEYS |= {"letters", "version", "effective_from"}
_REFERRAL_WINDOW_KEYS = {
    "title",
    "starts_on",
    "unit",
    "length",
    "rule",
    "basis",
    "waivable",
    "waiver",
}
_INTERNAL_PROCESS_KEYS = {"ends_on", "rule", "basis"}

_E = TypeVar("_E", bound=StrEnum)


def parse_regime(data: Mapping[str, object], *, source: str) -> Regime:
    """Validates a decoded regime document; `source` names it in errors."""
    top = _Fields(source, "", data, _REGIME_KEYS)
    calendar = _parse_calendar(top.required_table("calendar", _CALENDAR_KEYS))
    variant_details = _parse_variants(top)
    variants = {name: variant.description for name, variant in variant_details.items()}
    clocks = tuple(_parse_clock(fields, variants) for fields in top.tables("clocks", _CLOCK_KEYS))
    if not clocks:
        raise top.error("clocks", "a regime needs at least one clock")
    _require_unique(top, "clocks", [clock.name for clock in clocks])
    window = top.table("referral_window", _REFERRAL_WINDOW_KEYS)
    process = top.table("internal_process", _INTERNAL_PROCESS_KEYS)
    return Regime(
        name=top.text("name"),
        title=top.text("title"),
        source=top.text("source", default=""),
        calendar=calendar,
        clocks=clocks,
        variants=MappingProxyType(variants),
        letters=MappingProxyType(_parse_letters(top)),
        version=top.text("version", default=""),
        effective_from=top.optional_date("effective_from"),
        referral_window=_parse_referral_window(window) if window else None,
        internal_process=_parse_internal_process(process) if process else InternalProcess(),
        variant_details=MappingProxyType(variant_details),
    )


def _parse_calendar(fields: _Fields) -> BusinessCalendar:
    values = {key: fields.optional_text(key) for key in ("country", "subdivision", "financial")}
    try:
        return validate_calendar(fields.text("timezone"), **values)
    except InvalidArgument as error:
        raise fields.error(error.field, error.message) from None


def _parse_variants(top: _Fields) -> dict[str, RegimeVariant]:
    """`name = "description"`, or a table: `description`, `effective_from` (a date) and the
    `source` of the rule the variant stands for."""
    raw = top.data.get("variants", {})
    if not isinstance(raw, Mapping):
        raise top.error("variants", "must map each variant name to a description or a table")
    variants: dict[str, RegimeVariant] = {}
    for name, value in raw.items():
        if isinstance(value, str):
            variants[str(name)] = RegimeVariant(str(name), value)
            continue
        if not isinstance(value, Mapping):
            raise top.error(f"variants.{name}", "must be a description or a table")
        table = top.required_table(f"variants.{name}", _VARIANT_KEYS, at=("variants", name))
        effective = table.data.get("effective_from")
        if effective is not None and (
            isinstance(effective, datetime) or not isinstance(effective, date)
        ):
            raise table.error("effective_from", "must be a date, e.g. 2028-09-20")
        variants[str(name)] = RegimeVariant(
            str(name),
            table.text("description"),
            effective_from=effective,
            source=table.text("source", default=""),
        )
    return variants


def _parse_approaching(fields: _Fields | None) -> Approaching | None:
    if fields is None:
        return None
    reason = fields.text("reason")
    if ("last" in fields.data) == ("business_days" in fields.data):
        raise fields.error("last", "give either 'last' (e.g. \"20%\") or 'business_days'")
    if "business_days" in fields.data:
        days = fields.data["business_days"]
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise fields.error("business_days", "a whole number of business days, 0 or more")
        return Approaching(reason, business_days=days)
    last = fields.text("last").strip()
    percent = last.removesuffix("%").strip()
    if not last.endswith("%") or not percent.isdigit() or not 1 <= int(percent) <= 99:
        raise fields.error("last", 'a share of the clock\'s time from 1% to 99%, e.g. "20%"')
    return Approaching(reason, last_percent=int(percent))


def _parse_clock(fields: _Fields, declared_variants: Mapping[str, str]) -> ClockRule:
    period = fields.period()
    early = fields.table("early_resolution", {"event", "unit", "length", "basis"})
    extension = fields.table("extension", {"event", "unit", "length", "basis"})
    variant_tables = fields.data.get("variants", {})
    if not isinstance(variant_tables, Mapping):
        raise fields.error("variants", "must be a table of variant name to {unit, length, basis}")
    variants: dict[str, VariantRule] = {}
    for name in variant_tables:
        if name not in declared_variants:
            known = ", ".join(declared_variants) or "none declared"
            raise fields.error(f"variants.{name}", f"not a variant of this regime ({known})")
        table = fields.required_table(
            f"variants.{name}", {"unit", "length", "basis"}, at=("variants", name)
        )
        variants[str(name)] = VariantRule(
            period=table.period(default_unit=period.unit), basis=table.text("basis")
        )
    only_for = fields.texts("only_for_variants") if "only_for_variants" in fields.data else ()
    for name in only_for:
        if name not in declared_variants:
            known = ", ".join(declared_variants) or "none declared"
            raise fields.error("only_for_variants", f"'{name}' is not a variant ({known})")
    return ClockRule(
        name=fields.text("name"),
        title=fields.text("title"),
        party=fields.choice("party", Party),
        starts_on=fields.choice("starts_on", ClockEvent),
        stops_on=fields.choices("stops_on", ClockEvent) if "stops_on" in fields.data else (),
        period=period,
        basis=fields.text("basis"),
        pausable=fields.boolean("pausable", default=False),
        ends_on_business_day=fields.boolean("ends_on_business_day", default=False),
        early_resolution=(
            EarlyResolution(early.choice("event", ClockEvent), early.period(), early.text("basis"))
            if early
            else None
        ),
        extension=(
            Extension(
                extension.choice("event", ClockEvent), extension.period(), extension.text("basis")
            )
            if extension
            else None
        ),
        variants=MappingProxyType(variants),
        approaching=_parse_approaching(fields.table("approaching", _APPROACHING_KEYS)),
        only_for_variants=only_for,
    )


def _parse_letters(top: _Fields) -> dict[LetterKind, LetterRule]:
    """`[letters.<kind>]` tables, each with its `[[letters.<kind>.elements]]`. A final
    response's elements may instead be top-level `[[final_response]]` tables, as regime files
    listed them before other letters were checked."""
    raw = top.data.get("letters", {})
    if not isinstance(raw, Mapping):
        raise top.error("letters", "must be a table of letter kind to {title, basis, elements}")
    letters: dict[LetterKind, LetterRule] = {}
    for name in raw:
        kind = top.member(f"letters.{name}", str(name), LetterKind)
        table = top.required_table(f"letters.{name}", _LETTER_KEYS, at=("letters", name))
        elements = _parse_elements(table, "elements")
        letters[kind] = LetterRule(kind, table.text("title"), table.text("basis"), elements)
    if "final_response" in top.data:
        legacy = _parse_elements(top, "final_response")
        existing = letters.get(LetterKind.FINAL_RESPONSE)
        if existing is not None and existing.elements:
            raise top.error(
                "final_response", "list the elements in [letters.final_response] or here, not both"
            )
        letters[LetterKind.FINAL_RESPONSE] = (
            LetterRule(existing.kind, existing.title, existing.basis, legacy)
            if existing
            else LetterRule(LetterKind.FINAL_RESPONSE, "Final response", "", legacy)
        )
    return letters


def _parse_elements(fields: _Fields, key: str) -> tuple[ElementRule, ...]:
    elements = tuple(_parse_element(f) for f in fields.tables(key, _ELEMENT_KEYS))
    _require_unique(fields, key, [element.name for element in elements])
    return elements


def _parse_element(fields: _Fields) -> ElementRule:
    kind = fields.choice("kind", ElementKind)
    options = fields.texts("options") if "options" in fields.data else ()
    if (kind is ElementKind.CHOICE) != bool(options):
        raise fields.error("options", "a 'choice' element, and only it, lists its options")
    return ElementRule(
        fields.text("name"),
        fields.text("description"),
        kind,
        options,
        basis=fields.text("basis", default=""),
        effective_from=fields.optional_date("effective_from"),
    )


def _parse_referral_window(fields: _Fields) -> ReferralWindow:
    return ReferralWindow(
        title=fields.text("title"),
        starts_on=fields.choices("starts_on", ClockEvent),
        period=fields.period(),
        rule=fields.text("rule"),
        basis=fields.text("basis"),
        waivable=fields.boolean("waivable", default=False),
        waiver=fields.text("waiver"),
    )


def _parse_internal_process(fields: _Fields) -> InternalProcess:
    ends_on = fields.choices("ends_on", ClockEvent)
    unusable = [event.value for event in ends_on if event not in INTERNAL_PROCESS_ENDINGS]
    if unusable or ClockEvent.FINAL_RESPONSE not in ends_on:
        allowed = ", ".join(event.value for event in INTERNAL_PROCESS_ENDINGS)
        listed = ", ".join(event.value for event in ends_on)
        raise fields.error(
            "ends_on", f"must list final_response, and may add only: {allowed} (got: {listed})"
        )
    return InternalProcess(ends_on=ends_on, rule=fields.text("rule"), basis=fields.text("basis"))


def _require_unique(top: _Fields, key: str, names: list[str]) -> None:
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise top.error(key, f"names repeated: {', '.join(repeated)}")


class _Fields:
    """One table of a regime file, with errors that say where in the file they are."""

    def __init__(
        self, source: str, prefix: str, data: Mapping[str, object], allowed: set[str]
    ) -> None:
        self.source = source
        self.prefix = prefix
        self.data = data
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise self.error(unknown[0], f"unknown field (allowed: {', '.join(sorted(allowed))})")

    def error(self, key: str, message: str) -> RegimeError:
        return RegimeError(self.source, f"{self.prefix}.{key}" if self.prefix else key, message)

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise self.error(key, "required, a non-empty string")
        return value

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if key in self.data else None

    def optional_date(self, key: str) -> date | None:
        """A TOML local date (`effective_from = 2026-06-01`), not a date-time."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, date) or isinstance(value, datetime):
            raise self.error(key, "must be a date, e.g. 2026-06-01 (unquoted)")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.error(key, "required, a non-empty list of strings")
        return tuple(value)

    def boolean(self, key: str, *, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, "must be true or false")
        return value

    def positive_integer(self, key: str) -> int:
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.error(key, "required, a whole number of at least 1")
        return value

    def choice(self, key: str, enum: type[_E]) -> _E:
        return self._member(key, self.text(key), enum)

    def choices(self, key: str, enum: type[_E]) -> tuple[_E, ...]:
        return tuple(self._member(key, value, enum) for value in self.texts(key))

    def period(self, default_unit: Unit | None = None) -> Period:
        unit = (
            self.choice("unit", Unit) if "unit" in self.data or not default_unit else default_unit
        )
        return Period(unit, self.positive_integer("length"))

    def table(self, key: str, allowed: set[str]) -> _Fields | None:
        return self.required_table(key, allowed) if key in self.data else None

    def required_table(self, key: str, allowed: set[str], *, at: tuple[str, ...] = ()) -> _Fields:
        value: object = self.data
        for part in at or (key,):
            value = value.get(part) if isinstance(value, Mapping) else None
        if not isinstance(value, Mapping):
            raise self.error(key, "required, a table")
        return _Fields(self.source, self._path(key), value, allowed)

    def tables(self, key: str, allowed: set[str]) -> list[_Fields]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
            raise self.error(key, "must be an array of tables ([[" + key + "]])")
        return [
            _Fields(self.source, f"{self._path(key)}[{index}]", item, allowed)
            for index, item in enumerate(value)
        ]

    def member(self, key: str, value: str, enum: type[_E]) -> _E:
        return self._member(key, value, enum)

    def _member(self, key: str, value: str, enum: type[_E]) -> _E:
        try:
            return enum(value)
        except ValueError:
            known = ", ".join(member.value for member in enum)
            raise self.error(key, f"'{value}' is not one of: {known}") from None

    def _path(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key
