"""What every measurement needs: the options of this run, its databases and its report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.report import Report
from bench.stores import Databases


@dataclass
class Context:
    report: Report
    databases: Databases
    seconds: float
    warmup: float
    clients: list[int]
    writers: int
    rebuild_events: int
    load_repeats: int
    client_kind: str = "lean"
    #: Where Redress keeps its complaint list: "separate" (its own process, as `redress up`
    #: and deploy/ run it) or "in-process" (a thread of the API process).
    projection: str = "separate"
    #: uvicorn worker processes serving each HTTP service under test (CRUD and Redress alike).
    workers: int = 1
    #: Processes sharing the rebuild (None: as `redress rebuild-read-models` chooses).
    rebuild_processes: int | None = None

    @property
    def log_dir(self) -> Path:
        return self.databases.temp_dir
