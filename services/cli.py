"""`redress`: the operator's command line (SPEC section 6)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import click
import httpx
from eventsourcing.application import AggregateNotFoundError
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from libs.domain.errors import DomainError
from libs.domain.values import Role
from libs.platform.http.auth import KeyRing
from libs.platform.sql.storage import UnsupportedDatabaseUrl

DEV_KEY_FILE = Path("var/dev-api-key")
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432"


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    default_port: int
    module: str
    #: A process of another service, on that service's database (and its migrations).
    part_of: str | None = None
    #: Whether `redress serve --workers N` may run it as several processes.
    scales_out: bool = True

    def settings(self, **overrides: Any) -> Any:
        return self._load("settings_class")(**overrides)

    def _load(self, what: str) -> Any:
        module = __import__(self.module, fromlist=["ENTRY"])
        return getattr(module.ENTRY, what)

    def bootstrap(self, settings: Any) -> Any:
        return self._load("bootstrap")(settings)

    def migrate(self, settings: Any) -> None:
        self._load("migrate")(settings)

    def create_app(self, service: Any) -> Any:
        return self._load("create_app")(service)

    def application(self, settings: Any) -> Any:
        return self._load("application")(settings)


SERVICES: dict[str, ServiceEntry] = {
    "complaints": ServiceEntry("complaints", 8001, "services.complaints.entry"),
    "complaints_projection": ServiceEntry(
        "complaints_projection",
        8004,
        "services.complaints.projection_process",
        part_of="complaints",
        scales_out=False,
    ),
    "adr_gateway": ServiceEntry("adr_gateway", 8002, "services.adr_gateway.entry"),
    "sandbox_provider": ServiceEntry(
        "sandbox_provider", 8009, "services.adr_gateway.sandbox.entry", scales_out=False
    ),
    # The development mail catcher (SMTP on 1025) before the services that send mail.
    "mail_catcher": ServiceEntry(
        "mail_catcher", 8025, "services.notifications.mailcatcher", scales_out=False
    ),
    "notifications": ServiceEntry("notifications", 8003, "services.notifications.entry"),
}


def _service(name: str) -> ServiceEntry:
    key = name.replace("-", "_")
    if key not in SERVICES:
        raise click.BadParameter(f"unknown service '{name}' (known: {', '.join(SERVICES)})")
    return SERVICES[key]


def _settings_for(entry: ServiceEntry, **overrides: Any) -> Any:
    try:
        return entry.settings(**overrides)
    except UnsupportedDatabaseUrl as error:
        raise click.ClickException(str(error)) from None
    except ValidationError as error:  # a REDRESS_* variable out of range or of the wrong type
        prefix = entry._load("settings_class").model_config.get("env_prefix", "")
        problems = "; ".join(
            f"{prefix}{str(problem['loc'][0]).upper()}: {problem['msg']}"
            for problem in error.errors()
        )
        raise click.ClickException(f"invalid setting: {problems}") from None


@click.group()
def main() -> None:
    """Redress: event-sourced complaint handling, from first contact to external ADR."""


@main.command()
@click.argument("service")
@click.option("--host", default=None, help="Interface to bind (default from REDRESS_HOST)")
@click.option("--port", type=int, default=None, help="Port (default: the service's own)")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes sharing the port (default from REDRESS_WORKERS: 1)",
)
def serve(service: str, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve one service: complaints, complaints-projection, adr-gateway, notifications,
    sandbox-provider, mail-catcher."""
    from libs.platform.runtime.logging import configure_logging
    from services.serving import serve as serve_service

    entry = _service(service)
    settings = _settings_for(entry)
    if workers is None:  # REDRESS_WORKERS is shared by the processes of a service
        workers = getattr(settings, "workers", 1) if entry.scales_out else 1
    if workers > 1 and not entry.scales_out:
        raise click.BadParameter(
            f"{entry.name} runs as one process (it keeps its state in memory or must be "
            "the only one doing its work); --workers applies to complaints, adr-gateway "
            "and notifications",
            param_hint="--workers",
        )
    configure_logging(entry.name)
    serve_service(entry, settings, host or settings.host, port or _port_of(entry), workers)


@main.command()
@click.argument("service", required=False)
def migrate(service: str | None) -> None:
    """Upgrade the read-model tables of one service (or all) to the latest migration."""
    entries = [_service(service)] if service else [e for e in SERVICES.values() if not e.part_of]
    for entry in entries:
        settings = _settings_for(entry, migrate_on_start=False)
        entry.migrate(settings)
        click.echo(f"{entry.name}: read models migrated ({settings.database_url})")


@main.group()
def keys() -> None:
    """Issue and revoke API keys."""


@keys.command("create")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in Role]), help="The key's role"
)
@click.option("--name", default=None, help="Who the key is for (shown as the actor)")
@click.option("--service", "service", default="complaints", help="Which service's key store")
def keys_create(role: str, name: str | None, service: str) -> None:
    """Create a key; its secret is printed once, as the last line."""
    entry = _service(service)
    application = entry.application(_settings_for(entry))
    try:
        key, secret = KeyRing(application).issue(role=Role(role), name=name or role)
    finally:
        application.close()
    click.echo(f"key id: {key.id}  role: {role}  name: {key.name}  service: {entry.name}")
    click.echo(secret)


@keys.command("revoke")
@click.argument("key_id")
@click.option("--service", "service", default="complaints", help="Which service's key store")
def keys_revoke(key_id: str, service: str) -> None:
    """Revoke a key by its id; it stops working within a few seconds."""
    entry = _service(service)
    try:
        identity = UUID(key_id)
    except ValueError:
        raise click.BadParameter(f"'{key_id}' is not a key id (a UUID)") from None
    application = entry.application(_settings_for(entry))
    try:
        KeyRing(application).revoke(identity)
    except AggregateNotFoundError:
        raise click.ClickException(f"no key with id {key_id}") from None
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        application.close()
    click.echo(f"revoked {key_id}")


#: Services whose rebuild can share the replay with helper processes.
SHARED_REBUILDS = ("complaints", "complaints_projection")


def progress_bar(description: str) -> Progress:
    return Progress(
        TextColumn(description),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )


@main.command("rebuild-read-models")
@click.argument("service")
@click.option(
    "--processes",
    type=click.IntRange(min=1, max=64),
    default=None,
    help="Processes that share the replay (complaints only; default: one per core, up to 4)",
)
def rebuild_read_models(service: str, processes: int | None) -> None:
    """Drop a service's read models and replay its whole event log into them."""
    entry = _service(service)
    if processes is not None and entry.name not in SHARED_REBUILDS:
        raise click.BadParameter(
            f"{entry.name} rebuilds in one process", param_hint="'--processes'"
        )
    built = entry.bootstrap(_settings_for(entry))
    started = time.perf_counter()
    try:
        with progress_bar(f"rebuilding {entry.name} read models") as bar:
            task = bar.add_task("rebuild", total=None, rate="")

            def report(done: int, total: int) -> None:
                elapsed = max(time.perf_counter() - started, 1e-9)
                bar.update(task, completed=done, total=total, rate=f"{done / elapsed:,.0f} ev/s")

            if processes is None:
                count = built.rebuild_read_models(report)
            else:
                count = built.rebuild_read_models(report, processes=processes)
    finally:
        built.stop()
    elapsed = time.perf_counter() - started
    click.echo(f"{entry.name}: replayed {count} events in {elapsed:.1f}s")


# -- verify and checkpoint: the auditor's proof that the history is unaltered -------------


@main.command()
@click.argument("complaint_id", required=False)
@click.option("--all", "everything", is_flag=True, help="Verify every stored chain")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON")
def verify(complaint_id: str | None, everything: bool, as_json: bool) -> None:
    """Re-derive the hash chain of one complaint (or --all) and check it against the latest
    checkpoint; exits with status 1 when anything does not verify."""
    import json

    from libs.platform.eventstore.integrity.audit import (
        chain_recorder,
        verify_aggregate,
        verify_all,
    )

    if everything == (complaint_id is not None):
        raise click.UsageError("give either a COMPLAINT_ID or --all")
    entry = _service("complaints")
    application = entry.application(_settings_for(entry))
    try:
        recorder = chain_recorder(application.recorder)
        if complaint_id is not None:
            try:
                identity = UUID(complaint_id)
            except ValueError:
                raise click.BadParameter(f"'{complaint_id}' is not a complaint id") from None
            verdict = verify_aggregate(recorder, identity)
            if verdict.events == 0 and verdict.valid:
                raise click.ClickException(f"no complaint with id {complaint_id}")
            result = verdict.as_dict()
        else:
            started = time.perf_counter()
            with progress_bar("verifying every chain") as bar:
                task = bar.add_task("verify", total=None, rate="")

                def report(done: int, total: int) -> None:
                    elapsed = max(time.perf_counter() - started, 1e-9)
                    bar.update(
                        task, completed=done, total=total, rate=f"{done / elapsed:,.0f} ev/s"
                    )

                result = verify_all(recorder, report).as_dict()
    finally:
        application.close()
    if as_json:
        click.echo(json.dumps(result, indent=2))
    elif complaint_id is not None:
        state = "valid" if result["valid"] else "INVALID"
        click.echo(
            f"{complaint_id}: {state}, {result['events']} events, head {result['head_hash']}"
        )
        if not result["valid"]:
            click.echo(f"  first bad version {result['first_bad_version']}: {result['reason']}")
    else:
        click.echo(
            f"{result['aggregates']} chains ({result['by_type']}), {result['events']} events "
            f"in {result['seconds']:.1f}s: {'valid' if result['valid'] else 'INVALID'}"
        )
        for failure in result["failures"]:
            click.echo(
                f"  {failure['originator_id']}: version {failure['first_bad_version']}: "
                f"{failure['reason']}"
            )
        for problem in result["checkpoint_problems"]:
            click.echo(f"  checkpoint log: {problem}")
    if not result["valid"]:
        sys.exit(1)


@main.command()
@click.option("--force", is_flag=True, help="Write one even if nothing changed since the last")
def checkpoint(force: bool) -> None:
    """Anchor the head of every chain in a Merkle checkpoint (also written periodically)."""
    from libs.platform.eventstore.integrity.audit import chain_recorder, write_checkpoint

    entry = _service("complaints")
    application = entry.application(_settings_for(entry))
    try:
        record = write_checkpoint(chain_recorder(application.recorder), force=force)
    finally:
        application.close()
    if record is None:
        click.echo("nothing recorded since the last checkpoint; none written (use --force)")
        return
    click.echo(
        f"checkpoint #{record.seq}: {record.aggregates} chains up to event {record.position}, "
        f"root {record.root}"
    )


# -- up: the whole system on one machine ---------------------------------------------------

COLOURS = ["cyan", "magenta", "yellow", "green", "blue", "red"]
ANSI = {"cyan": 36, "magenta": 35, "yellow": 33, "green": 32, "blue": 34, "red": 31}


def _database_url(kind: str, service: str) -> str:
    if kind == "postgres":
        _ensure_postgres_database(f"redress_{service}")
        return f"{LOCAL_POSTGRES}/redress_{service}"
    return f"sqlite:///var/{service}.db"


def _ensure_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{LOCAL_POSTGRES}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if exists.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')


def _dev_key(entry: ServiceEntry, settings: Any) -> str:
    """Reuses the development key kept in var/, or issues a new admin key."""
    application = entry.application(settings)
    try:
        keyring = KeyRing(application)
        if DEV_KEY_FILE.exists():
            secret = DEV_KEY_FILE.read_text().strip()
            if keyring.verify(secret) is not None:
                return secret
        _, secret = keyring.issue(role=Role.ADMIN, name="developer")
    finally:
        application.close()
    DEV_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
    DEV_KEY_FILE.write_text(secret + "\n")
    return secret


def _pump(name: str, colour: str, stream: Any) -> None:
    prefix = f"\033[{ANSI[colour]}m{name:>13} |\033[0m "
    for line in iter(stream.readline, ""):
        sys.stdout.write(prefix + line)
        sys.stdout.flush()


@main.command()
@click.option(
    "--database",
    type=click.Choice(["sqlite", "postgres"]),
    default="sqlite",
    help="Embedded SQLite files under ./var (default) or the local PostgreSQL",
)
def up(database: str) -> None:
    """Start every service as its own process, with prefixed logs; Ctrl-C stops them all."""
    processes: list[tuple[str, subprocess.Popen[str]]] = []
    urls: list[str] = []
    key = ""
    databases = {  # the sandbox provider and the mail catcher keep no database
        e.name: _database_url(database, e.name)
        for e in SERVICES.values()
        if e.name not in NO_DATABASE and not e.part_of
    }
    links = _development_links(databases)
    links["notifications"] = _notification_links(databases)
    # The complaint list is kept by its own process (services/complaints/projection_process).
    links.setdefault("complaints", {})["REDRESS_PROJECTION_IN_PROCESS"] = "false"
    for index, entry in enumerate(SERVICES.values()):
        url = databases.get(entry.part_of or entry.name, "")
        env = {**os.environ, "REDRESS_DATABASE_URL": url, **links.get(entry.name, {})}
        settings = _settings_for(entry, database_url=url, migrate_on_start=False)
        if not entry.part_of:
            entry.migrate(settings)
        if entry.name == "complaints":
            key = _dev_key(entry, settings)
        port = _port_of(entry)
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", entry.name, "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        processes.append((entry.name, process))
        colour = COLOURS[index % len(COLOURS)]
        threading.Thread(
            target=_pump, args=(entry.name, colour, process.stdout), daemon=True
        ).start()
        urls.append(f"  {entry.name:<14} http://127.0.0.1:{port}/docs")
    _wait_until_healthy([_port_of(e) for e in SERVICES.values()])
    click.echo("\nRedress is up:\n" + "\n".join(urls))
    click.echo(f"\nDevelopment API key (role admin):\n  {key}\n")
    click.echo(
        f"Mail sent by the services: http://127.0.0.1:{_port_of(SERVICES['mail_catcher'])}/ "
        "(also as files in var/mail/new)\n"
    )
    click.echo(
        "Try:\n  curl -s -H 'Authorization: Bearer "
        f"{key}' http://127.0.0.1:{_port_of(SERVICES['complaints'])}/v1/complaints\n\n"
        "Ctrl-C stops everything."
    )
    _supervise(processes)


def _development_links(databases: dict[str, str]) -> dict[str, dict[str, str]]:
    """Service keys between the services and the sandbox registered as a provider."""
    from services.adr_gateway.devlinks import development_links

    return development_links(databases, {name: _port_of(e) for name, e in SERVICES.items()})


NO_DATABASE = ("sandbox_provider", "mail_catcher")


def _notification_links(databases: dict[str, str]) -> dict[str, str]:
    """Service keys with which notifications reads the complaints and gateway feeds."""
    from services.notifications.devlinks import notification_links

    return notification_links(databases, {name: _port_of(e) for name, e in SERVICES.items()})


def _port_of(entry: ServiceEntry) -> int:
    """`REDRESS_<SERVICE>_PORT` moves a service off its default port."""
    return int(os.environ.get(f"REDRESS_{entry.name.upper()}_PORT", entry.default_port))


def _wait_until_healthy(ports: list[int], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    for port in ports:
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)


def _supervise(processes: list[tuple[str, subprocess.Popen[str]]]) -> None:
    stopping = threading.Event()

    def stop(*_: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping.is_set():
        for name, process in processes:
            if process.poll() is not None:
                click.echo(f"{name} exited with status {process.returncode}; stopping all")
                stopping.set()
        stopping.wait(0.5)
    for _, process in processes:
        if process.poll() is None:
            process.terminate()
    for _, process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


Reporter = Callable[[int, int], None]

if __name__ == "__main__":
    main()
