"""The configuration reference, generated from the settings classes, and a check that
docs/configuration.md lists every setting with its true default.

    python -m services.config_reference                  # print the reference (Markdown)
    python -m services.config_reference --check docs/configuration.md

Every setting is an environment variable read in one place per service (pydantic-settings):
the settings class of each `redress serve` target. The port is the exception: `redress
serve` and `redress up` read `REDRESS_<SERVICE>_PORT` (services.registry), so that is the
variable documented for the `port` field.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    variable: str
    default: str
    meaning: str


@dataclass(frozen=True)
class Section:
    service: str
    source: str  # the settings class's file, relative to the repository
    settings: tuple[Setting, ...]

    @property
    def variables(self) -> set[str]:
        return {s.variable for s in self.settings}


def render_default(value: Any) -> str:
    if value is None or value is PydanticUndefined:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, Path):
        path = value.resolve()
        return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _default(field: Any) -> Any:
    if field.default_factory is not None:
        return field.default_factory()
    return field.default


def section(service: str, settings_class: type[BaseSettings], port: int | None = None) -> Section:
    """`port`: the service's own default port, where its settings class is shared."""
    prefix = settings_class.model_config.get("env_prefix", "")
    settings = []
    for name, field in settings_class.model_fields.items():
        default = render_default(_default(field))
        if name == "port":
            variable, default = f"REDRESS_{service.upper()}_PORT", str(port or default)
        else:
            variable = prefix + name.upper()
        settings.append(Setting(variable, default, field.description or ""))
    source = Path(inspect.getfile(settings_class)).resolve()
    return Section(service, str(source.relative_to(ROOT)), tuple(settings))


def sections() -> list[Section]:
    """One section per `redress serve` target, in the order `redress up` starts them."""
    from services.registry import SERVICES

    return [
        section(name, entry.settings_class, entry.default_port) for name, entry in SERVICES.items()
    ]


def known_variables() -> set[str]:
    """Every REDRESS_* variable some service reads."""
    return {variable for s in sections() for variable in s.variables}


def _by_source(all_sections: list[Section]) -> dict[str, list[Section]]:
    """Processes of one service share its settings class, and so one section of the docs."""
    grouped: dict[str, list[Section]] = {}
    for s in all_sections:
        grouped.setdefault(s.source, []).append(s)
    return grouped


def render() -> str:
    parts = []
    for source, group in _by_source(sections()).items():
        # One class: a variable that several processes read is one and the same setting.
        settings = {x.variable: x for s in group for x in s.settings}
        rows = "\n".join(
            f"| `{x.variable}` | `{x.default}` | {x.meaning} |".replace(
                "| `(none)` |", "| (none) |"
            )
            for x in settings.values()
        )
        parts.append(
            f"## {', '.join(s.service for s in group)} (`{source}`)\n\n"
            f"| variable | default | meaning |\n|---|---|---|\n{rows}\n"
        )
    return "\n".join(parts)


# -- checking the hand-edited document -------------------------------------------------------

_ROW = re.compile(r"^\|([^|]*REDRESS_[^|]*)\|([^|]*)\|", re.MULTILINE)
_VARIABLE = re.compile(r"`(REDRESS_[A-Z0-9_]+)`")
_LITERALS = re.compile(r"^`[^`]*`(\s*[,/]\s*`[^`]*`)*$")


def documented(text: str) -> dict[str, dict[str, str | None]]:
    """{settings source file: {variable: documented default}} from the Markdown. A row may
    name several variables (`A`, `B`) with as many defaults (`1`, `2`); a default written
    in words ("packaged `rules.toml`", "(random, kept in the database)") is not compared."""
    found: dict[str, dict[str, str | None]] = {}
    for chunk in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        source = re.search(r"`([^`]+\.py)`", chunk.splitlines()[0])
        if source is None:
            continue
        rows: dict[str, str | None] = {}
        for row in _ROW.finditer(chunk):
            variables = _VARIABLE.findall(row.group(1))
            cell = row.group(2).strip()
            literals = re.findall(r"`([^`]*)`", cell) if _LITERALS.match(cell) else []
            if cell == "(none)":
                literals = ["(none)"] * len(variables)
            for index, variable in enumerate(variables):
                rows[variable] = literals[index] if len(literals) == len(variables) else None
        found[source.group(1)] = rows
    return found


def _same_default(documented_value: str | None, actual: str) -> bool:
    if documented_value is None or documented_value == actual:
        return True
    try:
        return bool(json.loads(documented_value) == json.loads(actual))
    except ValueError:
        return False


def problems(text: str) -> list[str]:
    """What docs/configuration.md gets wrong: settings missing, stale or with a wrong default."""
    docs = documented(text)
    found = []
    everything = sections()
    grouped = _by_source(everything)
    for s in everything:
        rows = docs.get(s.source)
        if rows is None:
            found.append(f"no section for {s.service} (a heading naming `{s.source}`)")
            continue
        for setting in s.settings:
            if setting.variable not in rows:
                found.append(f"{s.service}: {setting.variable} is not documented")
            elif not _same_default(rows[setting.variable], setting.default):
                found.append(
                    f"{s.service}: {setting.variable} documented default "
                    f"`{rows[setting.variable]}` but it is `{setting.default}`"
                )
        read = set().union(*(o.variables for o in grouped[s.source]))
        for variable in sorted(set(rows) - read):
            found.append(f"{s.service}: {variable} is documented but no setting reads it")
    return found


def main(argv: list[str]) -> int:
    if argv[:1] == ["--check"]:
        path = Path(argv[1] if len(argv) > 1 else ROOT / "docs" / "configuration.md")
        found = problems(path.read_text())
        for problem in found:
            print(problem)
        return 1 if found else 0
    print(render())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
