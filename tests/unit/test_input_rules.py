"""The rules every service applies to what clients send (libs/platform/http): currencies,
free text, date-times and request media types."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import pycountry
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from libs.platform.http.currencies import NOT_MONEY, Currency, currency_codes
from libs.platform.http.free_text import multi_line, single_line
from libs.platform.http.instants import PATTERN, Instant, parse_instant
from libs.platform.http.media_types import refusal

# -- currencies -----------------------------------------------------------------------------


def test_the_currencies_are_iso_4217_less_what_is_not_money() -> None:
    listed = {currency.alpha_3 for currency in pycountry.currencies}
    assert {"GBP", "EUR", "USD", "AUD", "JPY", "CHF", "XOF", "XCD"} <= set(currency_codes())
    assert not NOT_MONEY & set(currency_codes())
    assert set(currency_codes()) == listed - NOT_MONEY


def test_every_code_refused_as_not_money_is_on_the_iso_list() -> None:
    # If ISO withdraws one, this says so, and the exclusion can go.
    listed = {currency.alpha_3 for currency in pycountry.currencies}
    assert listed >= NOT_MONEY


class Priced(BaseModel):
    currency: Currency


@pytest.mark.parametrize("code", ["ABC", "gbp", "GB", "XXX", "XTS", "XAU", "XDR", "USN", 826])
def test_a_code_that_is_not_a_currency_of_money_is_refused(code: object) -> None:
    with pytest.raises(ValidationError):
        Priced.model_validate({"currency": code})


def test_the_schema_lists_the_currencies() -> None:
    schema = Priced.model_json_schema()["properties"]["currency"]
    assert schema["enum"] == list(currency_codes())


# -- free text ------------------------------------------------------------------------------


class Written(BaseModel):
    name: single_line(20)
    note: multi_line(50, min_length=0, trim=False) = ""


@pytest.mark.parametrize("character", [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))])
def test_a_name_holds_no_control_character(character: str) -> None:
    with pytest.raises(ValidationError, match="control character"):
        Written.model_validate({"name": f"Ada{character}Lovelace"})


@pytest.mark.parametrize("character", ["\t", "\n", "\r"])
def test_prose_may_hold_tabs_and_line_breaks(character: str) -> None:
    assert Written(name="Ada", note=f"one{character}two").note == f"one{character}two"


@pytest.mark.parametrize("character", ["\x00", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9f"])
def test_prose_holds_no_other_control_character(character: str) -> None:
    with pytest.raises(ValidationError, match="control character"):
        Written.model_validate({"name": "Ada", "note": f"one{character}two"})


def as_ecma_262(pattern: str) -> str:
    # JSON Schema patterns are ECMA-262, where a final `$` matches only at the very end;
    # Python's also matches before a final line break, which would promise "0\n" as a name.
    return pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern


@given(st.text(max_size=30))
@example("0\n")
def test_the_schema_pattern_says_exactly_what_is_accepted(text: str) -> None:
    for field, value in (("name", text), ("note", text)):
        body = {"name": "Ada", field: value}
        schema = Written.model_json_schema()["properties"][field]
        promised = (
            re.search(as_ecma_262(schema["pattern"]), value) is not None
            and schema.get("minLength", 0) <= len(value) <= schema["maxLength"]
        )
        try:
            Written.model_validate(body)
            accepted = True
        except ValidationError:
            accepted = False
        assert accepted == promised, (field, value)


# -- date-times -----------------------------------------------------------------------------


class Asked(BaseModel):
    at: Instant


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-01T09:30:00Z",
        "2026-03-01t09:30:00z",
        "2026-03-01T09:30:00.5+01:00",
        "2026-03-01T09:30:00.123456789-05:30",
        "1900-01-01T00:00:00+23:59",
        "2999-12-31T23:59:59-23:59",
    ],
)
def test_an_rfc_3339_date_time_is_read_with_its_offset(value: str) -> None:
    moment = Asked.model_validate({"at": value}).at
    assert moment.utcoffset() is not None


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("0.5", "a number is not read as a Unix time"),
        (1767225600, "a date-time is a string"),
        ("2026-03-01", "a date alone is not a moment"),
        ("2026-03-01T09:30:00", "it has no time-zone offset"),
        ("2026-03-01 09:30:00Z", "not in the form"),
        ("2026-03-01T09:30:00Z\n", "not in the form"),
        ("\uff12\uff10\uff12\uff16-03-01T09:30:00Z", "not in the form"),  # full-width digits
        ("2026-02-29T09:30:00Z", "no such date"),
        ("2026-03-01T23:59:60Z", "leap seconds are not accepted"),
        ("0001-01-01T00:00:00+23:59", "the year is out of range"),
        ("9999-12-31T23:59:59-23:59", "the year is out of range"),
        ("1899-12-31T23:59:59Z", "the year is out of range"),
        ("3000-01-01T00:00:00Z", "the year is out of range"),
    ],
)
def test_anything_else_is_refused_saying_why(value: object, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        Asked.model_validate({"at": value})


@given(
    st.datetimes(timezones=st.timezones())
    | st.datetimes().map(lambda moment: moment.replace(tzinfo=UTC)),
    st.integers(-(24 * 60 - 1), 24 * 60 - 1),
)
def test_whatever_is_accepted_converts_to_utc_and_takes_a_clock_without_overflow(
    moment: object, offset_minutes: int
) -> None:
    sign = "+" if offset_minutes >= 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    text = f"{moment:%Y-%m-%dT%H:%M:%S}{sign}{hours:02d}:{minutes:02d}"  # type: ignore[str-format]
    try:
        accepted = parse_instant(text)
    except PydanticCustomError:
        assert not re.match(PATTERN, text)
        return
    assert re.match(PATTERN, text)
    in_utc = accepted.astimezone(UTC)
    assert in_utc + timedelta(days=3 * 366) > in_utc - timedelta(days=3 * 366)


# -- media types ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        'Application/JSON; Charset="UTF-8"',
        "application/merge-patch+json",
    ],
)
def test_json_in_utf_8_is_accepted(content_type: str) -> None:
    assert refusal(content_type) is None


@pytest.mark.parametrize(
    ("content_type", "named"),
    [
        (None, "needs Content-Type"),
        ("application/xml", "'application/xml'"),
        ("text/plain; charset=utf-8", "'text/plain'"),
        ("multipart/form-data; boundary=x", "'multipart/form-data'"),
        ("application/json; charset=latin-1", "charset 'latin-1'"),
        ("application/json; charset=utf-16", "charset 'utf-16'"),
    ],
)
def test_anything_else_is_415_naming_what_was_sent(content_type: str | None, named: str) -> None:
    problem = refusal(content_type)
    assert problem is not None
    assert problem.status == 415
    assert problem.kind == "unsupported-media-type"
    assert named in problem.detail
