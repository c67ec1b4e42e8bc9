"""Reading a complaint's entity tag: its version, then (for a view with deadlines computed
as of now) a digest of them."""

from __future__ import annotations


def version_of(etag: str) -> int:
    """`"3"` or `"3.5f0c…"` → 3."""
    return int(etag.strip('"').partition(".")[0])
