"""`redress serve`: one service under uvicorn, in this process or in several worker processes.

A service's request handling runs Python under one interpreter lock, so one process uses
one core. `--workers N` (or `REDRESS_WORKERS`) starts N processes that accept connections
on the same port, each through a socket of its own. Each is a replica of the service, with
everything that keeps replicas correct (docs/operations.md): shared state lives in the
service's database.

What the workers must share that a replica would keep to itself is arranged here, before
they start (and the read-model migrations run here once, not in every worker):
- Prometheus metrics are counted in files under one directory (prometheus_client's
  multiprocess mode), so a scrape that lands on any worker reports all of them;
- a signing secret the service would otherwise make up per process is made up once.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import shutil
import signal
import socket
import tempfile
import threading
import time
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any

import structlog
from starlette.types import ASGIApp

if TYPE_CHECKING:
    from services.registry import ServiceEntry

log = structlog.get_logger()

#: Which service a worker process builds (set by the parent for its workers).
SERVICE_VARIABLE = "REDRESS_SERVING"
#: prometheus_client reads it as it is imported: multiprocess values when set.
METRICS_DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
#: uvicorn's exit code for a worker that failed before serving (a broken app or setting).
STARTUP_FAILURE = 3
#: Time a worker has to finish its requests when stopped (uvicorn's graceful shutdown + 5 s).
GRACE_SECONDS = 15.0


def listening_socket(host: str, port: int, *, shared_port: bool = False) -> socket.socket:
    """A listening socket made with `IPPROTO_TCP` explicitly.

    uvicorn's own (`Config.bind_socket`) leaves the protocol at 0; accepted connections
    inherit it, asyncio then skips `TCP_NODELAY`, and every keep-alive response waits
    ~40 ms for the client's delayed ACK (Kludex/uvicorn#3149). Measured with two workers
    that way: half the requests per second of one.

    `shared_port`: each worker binds a socket of its own to the port (`SO_REUSEPORT`) and
    the kernel spreads new connections over them. Workers sharing one socket instead take
    connections as fast as each can accept, and one worker took all sixteen keep-alive
    connections of a benchmark while the other idled.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def uvicorn_options(settings: Any) -> dict[str, Any]:
    return {
        "log_level": "info",
        "log_config": None,  # uvicorn logs through our JSON handler
        # One JSON line per request, with its correlation id (REDRESS_ACCESS_LOG=false: off).
        "access_log": getattr(settings, "access_log", True),
        "timeout_graceful_shutdown": 10,
    }


def serve(entry: ServiceEntry, settings: Any, host: str, port: int, workers: int) -> None:
    """Serves `entry` on host:port until interrupted."""
    import uvicorn

    if workers <= 1:
        app = entry.create_app(entry.bootstrap(settings))
        uvicorn.run(app, host=host, port=port, **uvicorn_options(settings))
        return
    metrics_directory = tempfile.mkdtemp(prefix=f"redress-{entry.name}-metrics-")
    os.environ[METRICS_DIRECTORY_VARIABLE] = metrics_directory
    os.environ[SERVICE_VARIABLE] = entry.name
    _share_secrets(settings)
    if getattr(settings, "migrate_on_start", False):
        entry.migrate(settings)  # once, here, rather than by every worker as it starts
        os.environ[f"{_prefix(settings)}MIGRATE_ON_START"] = "false"
    try:
        Workers(f"{__name__}:worker_app", host, port, workers, uvicorn_options(settings)).run()
    finally:
        shutil.rmtree(metrics_directory, ignore_errors=True)


def _share_secrets(settings: Any) -> None:
    """Secrets each process would otherwise draw for itself, drawn once for all workers."""
    for name in getattr(settings, "shared_by_workers", ()):
        if getattr(settings, name) is None:
            os.environ[f"{_prefix(settings)}{name.upper()}"] = secrets.token_urlsafe(32)


def _prefix(settings: Any) -> str:
    prefix: str = type(settings).model_config.get("env_prefix", "")
    return prefix


def worker_app() -> ASGIApp:
    """Run by uvicorn in each worker process: builds the service named by the parent."""
    from libs.platform.runtime.logging import configure_logging
    from services.commands.common import settings_for
    from services.registry import SERVICES

    entry = SERVICES[os.environ[SERVICE_VARIABLE]]
    configure_logging(entry.name)
    app: ASGIApp = entry.create_app(entry.bootstrap(settings_for(entry)))
    return app


def _forget_live_gauges(pid: int | None) -> None:
    """A dead worker's "live" gauges (a follower's leader flag) must stop counting."""
    if pid is not None and os.environ.get(METRICS_DIRECTORY_VARIABLE):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def _serve_one_worker(app: str, host: str, port: int, options: dict[str, Any]) -> None:
    """A worker process: its own socket on the shared port, its own copy of the app.

    It leaves the terminal's process group, so Ctrl-C reaches only the supervisor, which
    then asks each worker once (a second signal makes uvicorn skip its graceful shutdown);
    and it stops by itself if the supervisor dies without asking.
    """
    import uvicorn

    os.setpgrp()
    _stop_when_orphaned(os.getppid())
    sock = listening_socket(host, port, shared_port=True)
    config = uvicorn.Config(app, factory=True, host=host, port=port, **options)
    uvicorn.Server(config).run(sockets=[sock])


def _stop_when_orphaned(supervisor: int) -> None:
    def watch() -> None:
        while os.getppid() == supervisor:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="supervisor-watch", daemon=True).start()


class Workers:
    """Keeps `count` worker processes serving `app` (an import path to a factory) on one
    port: restarts one that dies, and on SIGINT or SIGTERM stops them all gracefully.

    uvicorn's own supervisor (`--workers`) hands every worker the same socket, which is
    what spreads connections badly; this one lets each bind its own.
    """

    def __init__(self, app: str, host: str, port: int, count: int, options: dict[str, Any]) -> None:
        self._host, self._port = host, port
        self._arguments = (app, host, port, options)
        self._count = count
        self._stopping = threading.Event()
        self._spawn = multiprocessing.get_context("spawn")
        self._processes: list[BaseProcess] = []

    def run(self) -> None:
        # Refuse an occupied port here, once, rather than in every worker as it starts. The
        # probe does not share the port: another group of workers holding it is refused too.
        try:
            listening_socket(self._host, self._port).close()
        except OSError as error:
            message = f"cannot listen on {self._host}:{self._port}: {error.strerror}"
            raise SystemExit(message) from None
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signal_number, lambda *_: self._stopping.set())
        log.info("starting workers", workers=self._count, pid=os.getpid())
        self._processes = [self._start() for _ in range(self._count)]
        while not self._stopping.wait(0.5):
            self._replace_the_dead()
        self._stop_all()

    def _start(self) -> BaseProcess:
        process = self._spawn.Process(target=_serve_one_worker, args=self._arguments)
        process.start()
        return process

    def _replace_the_dead(self) -> None:
        for index, process in enumerate(self._processes):
            if process.is_alive() or self._stopping.is_set():
                continue
            if process.exitcode == STARTUP_FAILURE:
                log.error("a worker could not start; stopping", pid=process.pid)
                self._stopping.set()
                return
            log.warning("a worker died; starting another", pid=process.pid, code=process.exitcode)
            _forget_live_gauges(process.pid)
            self._processes[index] = self._start()

    def _stop_all(self) -> None:
        for process in self._processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        for process in self._processes:
            process.join(GRACE_SECONDS)
            if process.is_alive():
                process.kill()
                process.join()
        log.info("workers stopped", pid=os.getpid())
