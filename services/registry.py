"""The services Redress has, as the `redress` command line and `redress up` know them: each
one's name, default port, and the module whose `ENTRY` (a `services.entry.ServiceParts`)
holds its settings class, composition root, migrations, app factory and key store.

The table names modules rather than importing them: `redress --help` and `redress serve
complaints` should not pay for importing every service, so an entry imports its module the
first time something asks for one of its parts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.entry import ServiceParts


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    default_port: int
    #: The module whose `ENTRY` holds the service's parts.
    module: str
    #: A process of another service, on that service's database (and its migrations).
    part_of: str | None = None
    #: Whether `redress serve --workers N` may run it as several processes.
    scales_out: bool = True
    #: Whether it keeps a database of its own (the sandbox and the mail catcher keep none).
    keeps_database: bool = True

    @property
    def parts(self) -> ServiceParts:
        parts: ServiceParts = import_module(self.module).ENTRY
        return parts

    @property
    def settings_class(self) -> type[Any]:
        return self.parts.settings_class

    @property
    def port(self) -> int:
        """`REDRESS_<SERVICE>_PORT` moves a service off its default port."""
        return int(os.environ.get(f"REDRESS_{self.name.upper()}_PORT", self.default_port))

    def settings(self, **overrides: Any) -> Any:
        return self.settings_class(**overrides)

    def bootstrap(self, settings: Any) -> Any:
        return self.parts.bootstrap(settings)

    def migrate(self, settings: Any) -> None:
        self.parts.migrate(settings)

    def create_app(self, service: Any) -> Any:
        return self.parts.create_app(service)

    def application(self, settings: Any) -> Any:
        return self.parts.application(settings)


#: In the order `redress up` starts them.
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
        "sandbox_provider",
        8009,
        "services.adr_gateway.sandbox.entry",
        scales_out=False,
        keeps_database=False,
    ),
    # A beckn PULSE provider platform (BPP) for online dispute resolution (development only).
    "pulse_sandbox": ServiceEntry(
        "pulse_sandbox",
        8010,
        "services.adr_gateway.pulse_sandbox.entry",
        scales_out=False,
        keeps_database=False,
    ),
    # The development mail catcher (SMTP on 1025) before the services that send mail.
    "mail_catcher": ServiceEntry(
        "mail_catcher",
        8025,
        "services.notifications.mailcatcher",
        scales_out=False,
        keeps_database=False,
    ),
    "notifications": ServiceEntry("notifications", 8003, "services.notifications.entry"),
}
