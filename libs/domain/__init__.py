"""The pure domain of complaint handling: no framework, no database."""
