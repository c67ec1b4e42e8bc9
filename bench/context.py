"""What every measurement needs: the options of this run, its databases and its report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.load import LoadSpec, RequestFactory
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

    def load(
        self,
        base_url: str,
        clients: int,
        make_request: RequestFactory,
        headers: dict[str, str],
        *,
        label: str,
        collect_ids: bool = False,
    ) -> LoadSpec:
        """A load of `clients` clients on `base_url` for this run's warm-up and seconds."""
        return LoadSpec(
            base_url,
            clients,
            self.seconds,
            self.warmup,
            make_request=make_request,
            headers=headers,
            collect_ids=collect_ids,
            client_kind=self.client_kind,
            label=label,
        )
