"""Typed dataclasses to JSON values and back, by their annotations.

The case file is a tree of frozen dataclasses whose leaves are JSON values, datetimes
(written as RFC 3339 strings in UTC, ending in `Z`) and free-form mappings (kept as they
are). One generic codec keeps the JSON and the types from drifting apart: a field added to
the model is written and read with no code of its own.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import datetime
from functools import cache
from typing import Any, TypeVar, Union, cast

from libs.platform.runtime.jsonable import rfc3339_utc

T = TypeVar("T")


def to_json(value: Any) -> Any:
    """JSON values: dataclasses as objects (in field order), tuples as arrays, datetimes as
    RFC 3339 strings."""
    if is_dataclass(value) and not isinstance(value, type):
        return {field.name: to_json(getattr(value, field.name)) for field in fields(value)}
    if isinstance(value, datetime):
        return rfc3339_utc(value)  # one format in every response: UTC, with Z
    if isinstance(value, (tuple, list)):
        return [to_json(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_json(kind: Any, value: Any) -> Any:
    """`value` (parsed JSON) read as `kind`; a missing optional field reads as its default.
    ValueError names what does not fit."""
    origin = typing.get_origin(kind)
    if kind is Any:
        return value
    if origin in (Union, types.UnionType):
        options = typing.get_args(kind)
        if value is None and type(None) in options:
            return None
        chosen = [option for option in options if option is not type(None)]
        return from_json(chosen[0], value)
    if value is None:
        raise ValueError(f"expected {kind}, found null")
    if origin is tuple:
        item_kind = typing.get_args(kind)[0]
        return tuple(from_json(item_kind, item) for item in _list(value))
    if origin in (dict, Mapping) or kind in (dict, Mapping):
        if not isinstance(value, dict):
            raise ValueError(f"expected an object, found {type(value).__name__}")
        return dict(value)
    if kind is datetime:
        return datetime.fromisoformat(str(value))
    if isinstance(kind, type) and is_dataclass(kind):
        return _dataclass(kind, value)
    if kind in (str, int, bool) and not isinstance(value, kind):
        raise ValueError(f"expected {kind.__name__}, found {type(value).__name__}")
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"expected an array, found {type(value).__name__}")
    return value


def _dataclass(cls: type[T], value: Any) -> T:
    if not isinstance(value, dict):
        raise ValueError(f"expected a {cls.__name__} object, found {type(value).__name__}")
    hints = _hints(cast(type, cls))
    arguments: dict[str, Any] = {}
    for field in fields(cls):  # type: ignore[arg-type]
        if field.name in value:
            try:
                arguments[field.name] = from_json(hints[field.name], value[field.name])
            except ValueError as error:
                raise ValueError(f"{cls.__name__}.{field.name}: {error}") from None
    return cls(**arguments)
