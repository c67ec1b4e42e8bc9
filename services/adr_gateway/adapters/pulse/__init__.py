"""The beckn PULSE (DRoP) adapter: Redress as a beckn application platform (BAP) that finds
ODR providers (`search`), refers cases to them (`select`/`init`/`confirm`) and follows them
(`status`/`on_status`, `update`, `cancel`). See docs/adr-pulse.md."""

from services.adr_gateway.adapters.pulse.adapter import PulseAdapter

__all__ = ["PulseAdapter"]
