"""The operator's `redress` commands, one module per job: serving a service, migrating its
read models, issuing and revoking API keys, rebuilding read models, and proving the history
unaltered. `services.cli` gathers them into the command line; `redress up` lives apart, in
`services.devstack`, since it is for a developer's machine rather than an operator's."""
