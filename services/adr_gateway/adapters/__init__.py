"""Delivery adapters: how a case bundle reaches a provider.

Adapters are plugins, found through the `redress.adr_adapters` entry-point group, so a new
one ships in any installed package: implement `Adapter` (a `name`, `check_settings`, and
`deliver`), and declare it in that package's pyproject.toml:

    [project.entry-points."redress.adr_adapters"]
    fax = "my_package.fax:FaxAdapter"
"""

from services.adr_gateway.adapters.base import (
    Adapter,
    Delivery,
    DeliveryResult,
    InvalidSettings,
    Outcome,
    classify_status,
    load_adapters,
)

__all__ = [
    "Adapter",
    "Delivery",
    "DeliveryResult",
    "InvalidSettings",
    "Outcome",
    "classify_status",
    "load_adapters",
]
