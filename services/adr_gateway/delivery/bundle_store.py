"""The case bundles as they were built and sent: their bytes, by referral.

The referral records only the bundle's digests (`Prepared.bundle`); the bytes live here, so
that every attempt and every redelivery sends the same bundle, and an administrator can
read what the provider received.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Engine, select

from libs.platform.sql.database import upsert
from services.adr_gateway.tables import bundles


class BundleStore:
    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._clock = clock

    def store(self, referral_id: str, body: bytes, digest: str) -> None:
        """Keeps the referral's bundle (a bundle built again replaces it)."""
        statement = upsert(self._engine)(bundles).values(
            referral_id=referral_id,
            sha256=digest,
            body=body,
            built_at=self._clock(),
            size=len(body),
        )
        with self._engine.begin() as connection:
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[bundles.c.referral_id],
                    set_={"sha256": digest, "body": body, "size": len(body)},
                )
            )

    def body(self, referral_id: str) -> bytes | None:
        with self._engine.connect() as connection:
            body = connection.execute(
                select(bundles.c.body).where(bundles.c.referral_id == referral_id)
            ).scalar()
        return bytes(body) if body is not None else None
