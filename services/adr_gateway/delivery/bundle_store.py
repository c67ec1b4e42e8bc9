"""The case bundles as they were built and sent: their bytes, by referral.

The referral records only the bundle's digests (`Prepared.bundle`); the bytes live here, so
that every attempt and every redelivery sends the same bundle, and an administrator can
read what the provider received. The PDF is kept as rendered, not made again: its digest is
in the signed manifest, and a PDF made again would differ (its creation date, at least).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, select

from libs.platform.sql.database import upsert
from services.adr_gateway.tables import bundles


@dataclass(frozen=True)
class StoredBundle:
    body: bytes  # the bundle's JSON
    sha256: str
    pdf: bytes | None  # None for bundles built before manifests were signed
    manifest_jws: str | None


class BundleStore:
    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._clock = clock

    def store(
        self,
        referral_id: str,
        body: bytes,
        digest: str,
        *,
        pdf: bytes | None = None,
        manifest_jws: str | None = None,
    ) -> None:
        """Keeps the referral's bundle (a bundle built again replaces it)."""
        values = {
            "sha256": digest,
            "body": body,
            "size": len(body),
            "pdf": pdf,
            "manifest_jws": manifest_jws,
        }
        statement = upsert(self._engine)(bundles).values(
            referral_id=referral_id, built_at=self._clock(), **values
        )
        with self._engine.begin() as connection:
            connection.execute(
                statement.on_conflict_do_update(index_elements=[bundles.c.referral_id], set_=values)
            )

    def stored(self, referral_id: str) -> StoredBundle | None:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(
                    bundles.c.body, bundles.c.sha256, bundles.c.pdf, bundles.c.manifest_jws
                ).where(bundles.c.referral_id == referral_id)
            ).first()
        if row is None:
            return None
        return StoredBundle(
            body=bytes(row.body),
            sha256=row.sha256,
            pdf=bytes(row.pdf) if row.pdf is not None else None,
            manifest_jws=row.manifest_jws,
        )

    def body(self, referral_id: str) -> bytes | None:
        with self._engine.connect() as connection:
            body = connection.execute(
                select(bundles.c.body).where(bundles.c.referral_id == referral_id)
            ).scalar()
        return bytes(body) if body is not None else None
