"""How a test checks the one format of responses: every instant in UTC with `Z`, except a
field named `*_local`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(:\d\d)?")


def date_times(value: Any, path: str = "$") -> Iterator[tuple[str, str]]:
    """Every (path, string) in a JSON value that reads as a date-time."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from date_times(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from date_times(item, f"{path}[{index}]")
    elif isinstance(value, str) and DATE_TIME.match(value):
        yield path, value


def not_in_utc_z(body: Any) -> list[str]:
    return [
        f"{path} = {text}"
        for path, text in date_times(body)
        if not path.rsplit(".", 1)[-1].split("[")[0].endswith("_local") and not text.endswith("Z")
    ]
