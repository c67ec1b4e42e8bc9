"""The whole system as real processes on PostgreSQL, wired as `redress up` wires it: the
complaints service, the ADR gateway and the notifications service (each on a fresh database
of its own, `replicas` processes each), the sandbox ADR provider registered with the
gateway, and a mail catcher (a real SMTP server in this process, keeping a maildir).

Used by the fault tests (tests/faults) and the system benchmark (bench/system.py). Every
port is a free one; every database is dropped afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from libs.domain.values import Role
from libs.platform.eventstore.application import event_store_env
from services.adr_gateway.application import GatewayApplication
from services.complaints.application import ComplaintsApplication
from services.devstack.links import register_sandbox
from services.notifications.application import NotificationsApplication
from services.notifications.mailcatcher import MailCatcher
from services.registry import SERVICES
from tests.support.adr import issue_keys
from tests.support.complaints import bearer
from tests.support.databases import fresh_postgres_database
from tests.support.notifications import smtp_server
from tests.support.processes import ServiceProcess

SANDBOX_ID = "sandbox"

# Short timers so that a test sees retries, leases and polls within seconds.
FAST: dict[str, dict[str, str]] = {
    "complaints": {
        "REDRESS_RATE_LIMIT_PER_SECOND": "0",
        "REDRESS_PROJECTION_POLL_SECONDS": "0.2",
    },
    "adr_gateway": {
        "REDRESS_DEVELOPMENT": "true",
        "REDRESS_LEASE_SECONDS": "3",
        "REDRESS_WORKER_POLL_SECONDS": "0.2",
        "REDRESS_FOLLOWER_WAIT_SECONDS": "1",
        "REDRESS_DELIVERY_TIMEOUT_SECONDS": "5",
        "REDRESS_DELIVERY_SCHEDULE_SECONDS": "[0.5, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]",
        "REDRESS_DELIVERY_JITTER": "0.1",
    },
    "notifications": {
        "REDRESS_DISPATCHER_POLL_SECONDS": "0.2",
        "REDRESS_FOLLOWER_WAIT_SECONDS": "1",
        "REDRESS_LEASE_SECONDS": "5",
        "REDRESS_RETRY_SCHEDULE_SECONDS": "[1, 2, 2, 2, 2, 2, 2]",
        "REDRESS_RETRY_JITTER": "0.1",
    },
    "sandbox_provider": {"REDRESS_SANDBOX_STEP_SECONDS": "0.2"},
}
# Several processes share one PostgreSQL server (and other tests run beside them).
SMALL_POOLS = {"REDRESS_DB_POOL_SIZE": "4", "REDRESS_WORKER_THREADS": "16"}


@dataclass
class System:
    complaints: list[ServiceProcess]
    gateways: list[ServiceProcess]
    notifications: list[ServiceProcess]
    sandbox: ServiceProcess
    mail: MailCatcher
    databases: dict[str, str]
    complaint_keys: dict[Role, str]
    gateway_keys: dict[Role, str]
    notification_keys: dict[Role, str]
    logs: Path
    extra_crm_keys: list[str] = field(default_factory=list)

    # -- the processes ----------------------------------------------------------------------

    @property
    def processes(self) -> list[ServiceProcess]:
        return [*self.complaints, *self.gateways, *self.notifications, self.sandbox]

    def crm_key(self, index: int = 0) -> str:
        """A `crm` key of its own for the index-th client (idempotency keys are per key)."""
        while len(self.extra_crm_keys) <= index:
            application = ComplaintsApplication(
                env=event_store_env(self.databases["complaints"], pool_size=1)
            )
            self.extra_crm_keys.append(issue_keys(application, Role.CRM)[Role.CRM])
        return self.extra_crm_keys[index]

    # -- what the system did ------------------------------------------------------------------

    def complaint(self, complaint_id: str, replica: int = 0) -> dict[str, Any]:
        response = httpx.get(
            f"{self.complaints[replica].url}/v1/complaints/{complaint_id}",
            headers=bearer(self.complaint_keys[Role.AUDITOR]),
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def history(self, complaint_id: str) -> list[dict[str, Any]]:
        """Every event of the complaint, in order (all pages)."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params = {"limit": "1000", **({"cursor": cursor} if cursor else {})}
            response = httpx.get(
                f"{self.complaints[0].url}/v1/complaints/{complaint_id}/history",
                params=params,
                headers=bearer(self.complaint_keys[Role.AUDITOR]),
                timeout=30,
            )
            assert response.status_code == 200, response.text
            page = response.json()
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    def referral(self, referral_id: str) -> dict[str, Any]:
        response = httpx.get(
            f"{self.gateways[0].url}/v1/referrals/{referral_id}",
            headers=bearer(self.gateway_keys[Role.ADMIN]),
            timeout=10,
        )
        return dict(response.json()) if response.status_code == 200 else {}

    def sandbox_cases(self) -> list[dict[str, Any]]:
        return list(httpx.get(f"{self.sandbox.url}/cases", timeout=10).json()["cases"])

    def notifications_sent(self) -> list[dict[str, Any]]:
        """Every notification the notifications service knows of (all pages)."""
        items: list[dict[str, Any]] = []
        after = 0
        while True:
            response = httpx.get(
                f"{self.notifications[0].url}/v1/notifications",
                params={"after": after, "limit": 500},
                headers=bearer(self.notification_keys[Role.AUDITOR]),
                timeout=30,
            )
            assert response.status_code == 200, response.text
            page = response.json()
            items.extend(page["items"])
            if page["next_after"] is None:
                return items
            after = page["next_after"]

    def message_ids(self) -> list[str]:
        """The Message-ID of every e-mail the mail catcher received (repeats kept)."""
        return [m["message_id"] or "" for m in self.mail.messages()]


def _migrate(service: str, database_url: str) -> None:
    entry = SERVICES[service]
    entry.migrate(entry.settings(database_url=database_url, migrate_on_start=False))


def _register_sandbox(gateway_db: str, sandbox_url: str) -> None:
    """The sandbox provider in the gateway's registry, as `redress up` registers it (its
    secret sealed with the keys the gateway processes will read)."""
    gateway = GatewayApplication(env=event_store_env(gateway_db, pool_size=1))
    try:
        register_sandbox(gateway, f"{sandbox_url}/cases")
    finally:
        gateway.close()


def _processes(service: str, count: int, logs: Path) -> list[ServiceProcess]:
    made = []
    for index in range(count):
        process = ServiceProcess(service, {}, logs / f"{service}-{index}.log")
        made.append(process)
    return made


@contextmanager
def whole_system(
    logs: Path,
    *,
    replicas: int = 1,
    env: dict[str, dict[str, str]] | None = None,
    prefix: str = "redress_sys",
) -> Iterator[System]:
    """Starts everything and stops it afterwards. `env` adds settings per service name
    (complaints, adr_gateway, notifications, sandbox_provider)."""
    env = env or {}
    logs.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        databases = {
            name: stack.enter_context(fresh_postgres_database(f"{prefix}_{short}"))
            for name, short in (
                ("complaints", "cmp"),
                ("adr_gateway", "gw"),
                ("notifications", "ntf"),
            )
        }
        for name, url in databases.items():
            _migrate(name, url)
        complaint_keys = issue_keys(
            ComplaintsApplication(env=event_store_env(databases["complaints"], pool_size=1)),
            Role.CRM,
            Role.SUPERVISOR,
            Role.AUDITOR,
            Role.SERVICE,
        )
        gateway_keys = issue_keys(
            GatewayApplication(env=event_store_env(databases["adr_gateway"], pool_size=1)),
            Role.ADMIN,
            Role.SERVICE,
        )
        notification_keys = issue_keys(
            NotificationsApplication(env=event_store_env(databases["notifications"], pool_size=1)),
            Role.AUDITOR,
        )
        mail = stack.enter_context(smtp_server(logs / "mail"))

        complaints = _processes("complaints", replicas, logs)
        gateways = _processes("adr-gateway", replicas, logs)
        notifications = _processes("notifications", replicas, logs)
        sandbox = ServiceProcess("sandbox-provider", {}, logs / "sandbox.log")
        _register_sandbox(databases["adr_gateway"], sandbox.url)

        common = {"REDRESS_MIGRATE_ON_START": "false", **SMALL_POOLS}
        for index, process in enumerate(complaints):
            gateway = gateways[index % replicas]
            process.env = {
                **common,
                "REDRESS_DATABASE_URL": databases["complaints"],
                "REDRESS_ADR_GATEWAY_URL": gateway.url,
                "REDRESS_ADR_GATEWAY_API_KEY": gateway_keys[Role.SERVICE],
                **FAST["complaints"],
                **env.get("complaints", {}),
            }
        for index, process in enumerate(gateways):
            process.env = {
                **common,
                "REDRESS_DATABASE_URL": databases["adr_gateway"],
                "REDRESS_COMPLAINTS_URL": complaints[index % replicas].url,
                "REDRESS_COMPLAINTS_API_KEY": complaint_keys[Role.SERVICE],
                **FAST["adr_gateway"],
                **env.get("adr_gateway", {}),
            }
        for index, process in enumerate(notifications):
            process.env = {
                **common,
                "REDRESS_DATABASE_URL": databases["notifications"],
                "REDRESS_COMPLAINTS_URL": complaints[index % replicas].url,
                "REDRESS_COMPLAINTS_API_KEY": complaint_keys[Role.SERVICE],
                "REDRESS_ADR_GATEWAY_URL": gateways[index % replicas].url,
                "REDRESS_ADR_GATEWAY_API_KEY": gateway_keys[Role.SERVICE],
                "REDRESS_SMTP_PORT": str(mail.settings.smtp_port),
                "REDRESS_PUBLIC_URL": process.url,
                **FAST["notifications"],
                **env.get("notifications", {}),
            }
        sandbox.env = {
            "REDRESS_SANDBOX_GATEWAY_URL": gateways[0].url,
            **FAST["sandbox_provider"],
            **env.get("sandbox_provider", {}),
        }
        system = System(
            complaints,
            gateways,
            notifications,
            sandbox,
            mail,
            databases,
            complaint_keys,
            gateway_keys,
            notification_keys,
            logs,
        )
        for process in system.processes:
            stack.callback(process.stop)
        _start_all(system.processes)
        yield system


def _start_all(processes: list[ServiceProcess]) -> None:
    """Starts the processes side by side (each takes a few seconds to import and boot)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(processes)) as pool:
        for future in [pool.submit(p.start) for p in processes]:
            future.result()


def rss_peak_kib(pid: int) -> int:
    """The process's peak resident set size (VmHWM) in KiB, from /proc."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def soak() -> bool:
    """`make soak` sets REDRESS_SOAK=1: the same scenarios, longer and with more clients."""
    return os.environ.get("REDRESS_SOAK", "") not in ("", "0", "false")
