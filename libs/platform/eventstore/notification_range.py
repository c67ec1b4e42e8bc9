"""The positions a `select_notifications` call asks for, as SQL conditions (both stores)."""

from __future__ import annotations

from typing import Any


def position_conditions(
    column: str,
    placeholder: str,
    start: int | None,
    stop: int | None,
    *,
    inclusive_of_start: bool,
) -> tuple[list[str], list[Any]]:
    """Conditions on `column` (the log position) and their parameters, as the library's
    recorders build them: from `start` (inclusive unless told otherwise) up to `stop`."""
    conditions: list[str] = []
    params: list[Any] = []
    if start is not None:
        conditions.append(f"{column} {'>=' if inclusive_of_start else '>'} {placeholder}")
        params.append(start)
    if stop is not None:
        conditions.append(f"{column} <= {placeholder}")
        params.append(stop)
    return conditions, params
