"""`redress`: the operator's command line (SPEC section 6).

Only the wiring lives here: the commands are in `services.commands` (one module per job),
`redress up` in `services.devstack`, and the services they act on in `services.registry`.
`redress up` starts each service as `python -m services.cli serve ...`.
"""

from __future__ import annotations

import click

from services.commands.common import notices_to_stderr
from services.commands.entities import entities
from services.commands.integrity import checkpoint, verify
from services.commands.keys import keys
from services.commands.migrate import migrate
from services.commands.rebuild import rebuild_read_models
from services.commands.serve import serve
from services.commands.verify_export import verify_export
from services.devstack.up import up


@click.group()
def main() -> None:
    """Redress: event-sourced complaint handling, from first contact to external ADR."""
    notices_to_stderr()


for command in (serve, migrate, keys, entities, rebuild_read_models, verify, checkpoint, up):
    main.add_command(command)
# The offline verifier needs no service settings: it reads files only.
main.add_command(verify_export)

if __name__ == "__main__":
    main()
