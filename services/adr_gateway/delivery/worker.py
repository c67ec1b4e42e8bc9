"""The referral worker: a background loop that leases due referrals and works on each in a
pool of threads, so that a slow provider holds one thread, not the whole batch.

For each referral it runs the use case that is due (`use_cases.referral_delivery`: prepare
it, or deliver it), postpones it when it cannot move on yet, and gives its lease back with
the schedule as the referral now stands.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import structlog
from sqlalchemy import Engine

from libs.domain.referral_lifecycle import DeliveryStatus, ReferralStatus
from libs.platform.runtime.cipher import Cipher
from libs.platform.runtime.loop import BackgroundLoop
from services.adr_gateway.adapters import Adapter
from services.adr_gateway.application import GatewayApplication
from services.adr_gateway.bundles import ComplaintsClient
from services.adr_gateway.delivery.bundle_store import BundleStore
from services.adr_gateway.delivery.leases import Leases
from services.adr_gateway.delivery.track_records import track_records
from services.adr_gateway.settings import GatewaySettings
from services.adr_gateway.use_cases.referral_delivery import (
    NotReady,
    deliver_referral,
    prepare_referral,
    seconds_until_due,
)

log = structlog.get_logger()
NOT_READY_RETRY_SECONDS = 30.0


class ReferralWorker:
    def __init__(
        self,
        application: GatewayApplication,
        engine: Engine,
        adapters: dict[str, Adapter],
        complaints: ComplaintsClient | None,
        settings: GatewaySettings,
        bundles: BundleStore,
        cipher: Cipher,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._application = application
        self._engine = engine
        self._adapters = adapters
        self._complaints = complaints
        self._settings = settings
        self._bundles = bundles
        self._cipher = cipher
        self.owner = f"{uuid.uuid4().hex[:12]}"
        self._leases = Leases(engine, self.owner, settings.lease_seconds, clock)
        self._pool = ThreadPoolExecutor(settings.delivery_workers, thread_name_prefix="deliver")
        self._in_flight: set[str] = set()
        self._flight_lock = threading.Lock()
        self._loop = BackgroundLoop(
            "referral-worker", self._hand_out_due, interval=settings.worker_poll_seconds
        )

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._loop.start()

    def wake(self, *_: object) -> None:
        self._loop.wake()

    def stop(self) -> None:
        self._loop.stop()
        self._pool.shutdown(wait=True, cancel_futures=True)

    @property
    def is_running(self) -> bool:
        return self._loop.is_running

    @property
    def last_error(self) -> str | None:
        return self._loop.last_error

    def _hand_out_due(self) -> float | None:
        """Claims due referrals as threads free up: at once again if it claimed any,
        otherwise after the poll interval (or when woken)."""
        with self._flight_lock:
            free = self._settings.delivery_workers - len(self._in_flight)
        claimed = self._leases.claim_due(limit=free) if free > 0 else []
        for referral_id in claimed:
            with self._flight_lock:
                self._in_flight.add(referral_id)
            self._pool.submit(self._work_in_background, referral_id)
        return 0 if claimed else None

    def _work_in_background(self, referral_id: str) -> None:
        try:
            self.work_on(referral_id)
        finally:
            with self._flight_lock:
                self._in_flight.discard(referral_id)
            self.wake()

    def run_once(self) -> int:
        """Works on every referral due now, and waits for them; returns how many."""
        claimed = self._leases.claim_due(limit=self._settings.delivery_workers * 4)
        futures = [self._pool.submit(self.work_on, referral_id) for referral_id in claimed]
        for future in futures:
            future.result()
        return len(claimed)

    # -- the work ---------------------------------------------------------------------------

    def work_on(self, referral_id: str) -> None:
        try:
            referral = self._application.referral(uuid.UUID(referral_id))
            if referral.status == ReferralStatus.RECEIVED:
                try:
                    referral = prepare_referral(
                        referral,
                        application=self._application,
                        complaints=self._complaints,
                        records=lambda: track_records(self._engine),
                        bundles=self._bundles,
                        settings=self._settings,
                    )
                except NotReady as reason:
                    self._leases.postpone(referral_id, NOT_READY_RETRY_SECONDS, str(reason))
                    return
            if referral.delivery == DeliveryStatus.PENDING:
                wait = seconds_until_due(referral)
                if wait > 0:
                    self._leases.postpone(referral_id, wait, "waiting for the next attempt")
                    return
                deliver_referral(
                    referral,
                    application=self._application,
                    adapters=self._adapters,
                    bundles=self._bundles,
                    settings=self._settings,
                    cipher=self._cipher,
                )
        except Exception as error:
            log.exception("working on a referral failed", referral_id=referral_id)
            self._leases.postpone(referral_id, NOT_READY_RETRY_SECONDS, f"{type(error).__name__}")
        finally:
            self._release(referral_id)

    def _release(self, referral_id: str) -> None:
        try:
            referral = self._application.referral(uuid.UUID(referral_id))
        except Exception:
            self._leases.give_back(referral_id)
            return
        self._leases.release(referral_id, referral)
