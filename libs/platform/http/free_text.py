"""Free text in requests: which characters the words people send may hold.

Every free-text field of a request is one of two kinds, built here by one rule:
- single-line text (names, ids, references, codes): no control character at all;
- multi-line text (descriptions, summaries, letters, notes, addresses): TAB, LF and CR — the
  only control characters a person types — and no other.

"Control character" is Unicode's general category Cc: the C0 controls U+0000 to U+001F, DEL
U+007F and the C1 controls U+0080 to U+009F. No keyboard produces the others; they arrive as
bytes decoded with the wrong charset (C1 is where Windows-1252 punctuation lands when read
as Latin-1), as terminal escapes (ESC, U+001B) that would act on an operator's console
reading a log, or as NUL (U+0000), which PostgreSQL's text cannot hold at all and which
C-based tools read as the end of the string. Unpaired surrogates never reach this rule:
they are not Unicode scalar values, and the JSON parser refuses them first.

The characters are checked as sent, before surrounding whitespace is trimmed, and so is the
maximum length: what the OpenAPI document says about a field (`pattern`, `maxLength`) is
exactly what is refused, so a client can check a value before sending it.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

LINE_BREAKS_AND_TAB = frozenset("\t\n\r")

# The same classes as JSON Schema regular expressions (ECMA-262, also valid for Python's
# `re`), for the OpenAPI document.
ALL_CONTROLS = r"\u0000-\u001F\u007F-\u009F"
_CONTROLS_BUT_TAB_LF_CR = r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F"

SINGLE_LINE_RULE = "single-line text: no control characters (Unicode Cc)"
MULTI_LINE_RULE = "text: no control characters (Unicode Cc) other than TAB, LF and CR"


def _first_control(value: str, *, multi_line: bool) -> tuple[int, str] | None:
    for position, character in enumerate(value):
        if unicodedata.category(character) != "Cc":
            continue
        if multi_line and character in LINE_BREAKS_AND_TAB:
            continue
        return position, character
    return None


def without_controls(max_length: int, *, multi_line: bool) -> BeforeValidator:
    """The check alone, on the text as sent (put it last in `Annotated`, so it runs first),
    for a type that states its own schema."""
    rule = MULTI_LINE_RULE if multi_line else SINGLE_LINE_RULE

    def check(value: Any) -> Any:
        if not isinstance(value, str):
            return value  # the string type that follows refuses it, saying so
        if len(value) > max_length:
            raise PydanticCustomError(
                "string_too_long",
                "String should have at most {max_length} characters",
                {"max_length": max_length},
            )
        found = _first_control(value, multi_line=multi_line)
        if found is not None:
            position, character = found
            raise PydanticCustomError(
                "control_character",
                "control character U+{code} at position {position} is not allowed in {rule}",
                {"code": f"{ord(character):04X}", "position": position, "rule": rule},
            )
        return value

    return BeforeValidator(check)


def _schema(max_length: int, min_length: int, *, multi_line: bool, trimmed: bool) -> Any:
    forbidden = _CONTROLS_BUT_TAB_LF_CR if multi_line else ALL_CONTROLS
    if trimmed and min_length > 0:
        # Whitespace is trimmed before the minimum length is checked: at least one
        # character must be neither whitespace nor forbidden.
        pattern = rf"^[^{forbidden}]*[^\s{forbidden}][^{forbidden}]*$"
    else:
        pattern = rf"^[^{forbidden}]*$"
    schema: dict[str, Any] = {"type": "string", "maxLength": max_length, "pattern": pattern}
    if min_length:
        schema["minLength"] = min_length
    return WithJsonSchema(schema)


def _text(max_length: int, min_length: int, *, multi_line: bool, trim: bool) -> Any:
    return Annotated[
        str,
        StringConstraints(min_length=min_length, strip_whitespace=trim),
        _schema(max_length, min_length, multi_line=multi_line, trimmed=trim),
        # Last, so it runs first: on the text as sent.
        without_controls(max_length, multi_line=multi_line),
    ]


def single_line(max_length: int, *, min_length: int = 1, trim: bool = True) -> Any:
    """A name, id, reference or code: no control characters. `trim` strips surrounding
    whitespace before `min_length` is checked."""
    return _text(max_length, min_length, multi_line=False, trim=trim)


def multi_line(max_length: int, *, min_length: int = 1, trim: bool = True) -> Any:
    """Prose a person writes: TAB, LF and CR allowed, no other control character."""
    return _text(max_length, min_length, multi_line=True, trim=trim)
