"""What the `redress` commands share: naming a service on the command line, reading its
settings with errors an operator can act on, and the progress bar of a long replay (on
stderr, as are log lines: stdout is for a command's result)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
import structlog
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from libs.platform.sql.storage import UnsupportedDatabaseUrl
from services.registry import SERVICES, ServiceEntry


def notices_to_stderr() -> None:
    """Log lines of a command go to stderr, so that stdout carries only its result (pure
    JSON with `--json`). `redress serve` configures its own JSON logs on stdout."""
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))


def service_named(name: str) -> ServiceEntry:
    """The service an operator typed, as `adr-gateway` or `adr_gateway`."""
    key = name.replace("-", "_")
    if key not in SERVICES:
        raise click.BadParameter(f"unknown service '{name}' (known: {', '.join(SERVICES)})")
    return SERVICES[key]


def settings_for(entry: ServiceEntry, **overrides: Any) -> Any:
    """The service's settings, or a one-line error naming the variable that is wrong."""
    try:
        return entry.settings(**overrides)
    except UnsupportedDatabaseUrl as error:
        raise click.ClickException(str(error)) from None
    except ValidationError as error:  # a REDRESS_* variable out of range or of the wrong type
        prefix = entry.settings_class.model_config.get("env_prefix", "")
        problems = "; ".join(
            f"{prefix}{str(problem['loc'][0]).upper()}: {problem['msg']}"
            for problem in error.errors()
        )
        raise click.ClickException(f"invalid setting: {problems}") from None


@contextmanager
def progress(description: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar with the rate in events per second; yields what to report to. It is
    drawn on stderr: stdout carries only a command's result (pure JSON with `--json`)."""
    started = time.perf_counter()
    with Progress(
        TextColumn(description),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task(description, total=None, rate="")

        def report(done: int, total: int) -> None:
            elapsed = max(time.perf_counter() - started, 1e-9)
            bar.update(task, completed=done, total=total, rate=f"{done / elapsed:,.0f} ev/s")

        yield report
