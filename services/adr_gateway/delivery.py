"""The referral worker: prepares referrals (provider, bundle) and delivers them reliably.

`referral_work` says which referral is due; a worker leases it (compare-and-set on the
lease, so two workers never hold the same referral), re-reads the referral aggregate (the
truth), acts, records the result as referral events, and lets the worklist projection catch
up before giving the lease back. Delivery is at-least-once: a crash after the provider got
the case but before `Delivered` was recorded sends it again, with the same `webhook-id`,
which the provider uses to drop the duplicate.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from eventsourcing.persistence import IntegrityError
from sqlalchemy import Engine, or_, select, update

from libs.domain.provider import CaseFacts, TrackRecord, rank
from libs.domain.referral import DeliveryStatus, Referral, ReferralStatus
from libs.platform.sql.database import upsert
from services.adr_gateway.adapters import Adapter, Delivery, DeliveryResult, Outcome
from services.adr_gateway.application import GatewayApplication
from services.adr_gateway.bundles import (
    ComplaintMissing,
    ComplaintsClient,
    ComplaintsUnavailable,
    build_bundle,
    bundle_pdf,
)
from services.adr_gateway.settings import GatewaySettings
from services.adr_gateway.tables import bundles, referral_facts, referral_work
from services.adr_gateway.worklist import release

log = structlog.get_logger()
NOT_READY_RETRY_SECONDS = 30.0
MAX_SAVE_RETRIES = 8


class NotReady(Exception):
    """The referral cannot move on yet (complaints service down, no provider fits)."""


def track_records(engine: Engine) -> dict[str, TrackRecord]:
    """Each provider's record, from the facts the worklist projection keeps."""
    rows = defaultdict(list)
    with engine.connect() as connection:
        for row in connection.execute(select(referral_facts)).mappings():
            if row["provider_id"]:
                rows[row["provider_id"]].append(row)
    records: dict[str, TrackRecord] = {}
    for provider_id, facts in rows.items():
        outcomes: dict[str, int] = defaultdict(int)
        days: list[float] = []
        for fact in facts:
            if fact["outcome"]:
                outcomes[fact["outcome"]] += 1
                if fact["delivered_at"] and fact["outcome_at"]:
                    days.append(max(0.0, (fact["outcome_at"] - fact["delivered_at"]) / 86400))
        records[provider_id] = TrackRecord(
            referrals=sum(1 for f in facts if f["delivered_at"]),
            accepted=sum(1 for f in facts if f["accepted"] is True),
            declined=sum(1 for f in facts if f["accepted"] is False),
            days_to_outcome=tuple(days),
            outcomes=dict(outcomes),
        )
    return records


def case_facts(referral: Referral, complaint: dict[str, Any]) -> CaseFacts:
    customer = complaint.get("customer") or {}
    return CaseFacts.of(
        category=str(complaint.get("category", "other")),
        regime=str(complaint.get("regime", "default")),
        language=customer.get("language"),
        method=referral.preferred_method,
        preferred_provider_id=referral.preferred_provider_id,
    )


class ReferralWorker:
    def __init__(
        self,
        application: GatewayApplication,
        engine: Engine,
        adapters: dict[str, Adapter],
        complaints: ComplaintsClient | None,
        settings: GatewaySettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._application = application
        self._engine = engine
        self._adapters = adapters
        self._complaints = complaints
        self._settings = settings
        self._clock = clock
        self.owner = f"{uuid.uuid4().hex[:12]}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(settings.delivery_workers, thread_name_prefix="deliver")
        self._in_flight: set[str] = set()
        self._flight_lock = threading.Lock()
        self.last_error: str | None = None

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="referral-worker", daemon=True)
        self._thread.start()

    def wake(self, *_: object) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=True, cancel_futures=True)

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        """Claims due referrals as workers free up; a slow provider holds one worker, not
        the whole batch."""
        while not self._stop.is_set():
            try:
                with self._flight_lock:
                    free = self._settings.delivery_workers - len(self._in_flight)
                claimed = self._claim_due(limit=free) if free > 0 else []
                self.last_error = None
            except Exception as error:  # the database may be down: keep trying
                self.last_error = f"{type(error).__name__}: {error}"[:500]
                log.warning("referral worker failed", error=self.last_error)
                claimed = []
            for referral_id in claimed:
                with self._flight_lock:
                    self._in_flight.add(referral_id)
                self._pool.submit(self._work_in_background, referral_id)
            if not claimed:
                self._wake.wait(self._settings.worker_poll_seconds)
                self._wake.clear()

    def _work_in_background(self, referral_id: str) -> None:
        try:
            self.work_on(referral_id)
        finally:
            with self._flight_lock:
                self._in_flight.discard(referral_id)
            self._wake.set()

    def run_once(self) -> int:
        """Works on every referral due now, and waits for them; returns how many."""
        claimed = self._claim_due(limit=self._settings.delivery_workers * 4)
        futures = [self._pool.submit(self.work_on, referral_id) for referral_id in claimed]
        for future in futures:
            future.result()
        return len(claimed)

    # -- leasing ----------------------------------------------------------------------------

    def _claim_due(self, limit: int) -> list[str]:
        now = self._clock()
        free = or_(referral_work.c.lease_until.is_(None), referral_work.c.lease_until < now)
        with self._engine.connect() as connection:
            due = [
                row[0]
                for row in connection.execute(
                    select(referral_work.c.referral_id)
                    .where(referral_work.c.stage.in_(("prepare", "deliver")))
                    .where(referral_work.c.due_at <= now)
                    .where(free)
                    .order_by(referral_work.c.due_at)
                    .limit(limit)
                )
            ]
        claimed = []
        for referral_id in due:
            with self._engine.begin() as connection:
                won = connection.execute(
                    update(referral_work)
                    .where(referral_work.c.referral_id == referral_id)
                    .where(free)
                    .values(lease_owner=self.owner, lease_until=now + self._settings.lease_seconds)
                ).rowcount
            if won:
                claimed.append(referral_id)
        return claimed

    def _postpone(self, referral_id: str, seconds: float, error: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                update(referral_work)
                .where(referral_work.c.referral_id == referral_id)
                .values(due_at=self._clock() + seconds, last_error=error[:500])
            )

    # -- the work ---------------------------------------------------------------------------

    def work_on(self, referral_id: str) -> None:
        try:
            referral = self._application.referral(uuid.UUID(referral_id))
            if referral.status == ReferralStatus.RECEIVED:
                try:
                    referral = self.prepare(referral)
                except NotReady as reason:
                    self._postpone(referral_id, NOT_READY_RETRY_SECONDS, str(reason))
                    return
            if referral.delivery == DeliveryStatus.PENDING:
                self.deliver(referral)
        except Exception as error:
            log.exception("working on a referral failed", referral_id=referral_id)
            self._postpone(referral_id, NOT_READY_RETRY_SECONDS, f"{type(error).__name__}")
        finally:
            self._release(referral_id)

    def _release(self, referral_id: str) -> None:
        """Gives the lease back, leaving the schedule as the referral now stands (the
        worklist projection would write the same when it reaches these events; rows only
        move forward in version, so neither undoes the other)."""
        try:
            referral = self._application.referral(uuid.UUID(referral_id))
        except Exception:
            release(self._engine, referral_id, self.owner)
            return
        if referral.delivery in (DeliveryStatus.DELIVERED, DeliveryStatus.DEAD_LETTERED):
            stage, due = "done", self._clock()
        elif referral.status == ReferralStatus.RECEIVED:
            stage, due = "prepare", None
        else:
            next_at = referral.next_attempt_at
            stage, due = "deliver", next_at.timestamp() if next_at else self._clock()
        values: dict[str, Any] = {"lease_owner": None, "lease_until": None, "stage": stage}
        if due is not None:
            values["due_at"] = due
            values["version"] = referral.version
        with self._engine.begin() as connection:
            moved = connection.execute(
                update(referral_work)
                .where(referral_work.c.referral_id == referral_id)
                .where(referral_work.c.lease_owner == self.owner)
                .where(referral_work.c.version <= referral.version)
                .values(**values)
            ).rowcount
        if not moved:
            release(self._engine, referral_id, self.owner)

    def prepare(self, referral: Referral) -> Referral:
        if self._complaints is None:
            raise NotReady("no complaints service configured (REDRESS_COMPLAINTS_URL)")
        try:
            complaint = self._complaints.complaint(referral.complaint_id)
            history = self._complaints.history(referral.complaint_id)
        except (ComplaintsUnavailable, ComplaintMissing) as error:
            raise NotReady(f"cannot read the complaint: {error}") from None
        registry = self._application.registry()
        facts = case_facts(referral, complaint)
        ranking = rank(list(registry.providers.values()), facts, track_records(self._engine))
        requested = registry.providers.get(referral.preferred_provider_id or "")
        if requested is not None and requested.get("active", True):
            provider, how = requested, "requested by the firm"
        else:
            fitting = [c for c in ranking if c.fits]
            if not fitting:
                raise NotReady("no registered provider fits this case")
            provider, how = registry.providers[fitting[0].provider_id], "best ranked"
        built = build_bundle(
            referral=_referral_part(referral),
            provider=provider,
            complaint=complaint,
            history=history,
            firm_name=self._settings.firm_name,
            policy_documents=self._settings.policy_documents,
        )
        self._store_bundle(str(referral.id), built.body, built.sha256)
        selection = {
            "how": how,
            "case": asdict(facts),
            "ranking": [c.as_dict() for c in ranking[:10]],
        }
        return self._save(
            referral.id,
            lambda r: (
                r.prepare(
                    provider_id=str(provider["id"]), selection=selection, bundle=built.summary()
                )
                if r.status == ReferralStatus.RECEIVED
                else None
            ),
        )

    def _store_bundle(self, referral_id: str, body: bytes, digest: str) -> None:
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

    def bundle_body(self, referral_id: str) -> bytes | None:
        with self._engine.connect() as connection:
            body = connection.execute(
                select(bundles.c.body).where(bundles.c.referral_id == referral_id)
            ).scalar()
        return bytes(body) if body is not None else None

    def deliver(self, referral: Referral) -> None:
        now = datetime.now(UTC)
        if referral.next_attempt_at is not None and referral.next_attempt_at > now:
            wait = (referral.next_attempt_at - now).total_seconds()
            self._postpone(str(referral.id), wait, "waiting for the next attempt")
            return
        assert referral.provider_id is not None and referral.webhook_id is not None
        provider = self._application.registry().providers.get(referral.provider_id)
        body = self.bundle_body(str(referral.id))
        adapter = self._adapters.get(str((provider or {}).get("adapter")))
        if provider is None or adapter is None or body is None:
            missing = "provider" if provider is None else "adapter" if adapter is None else "bundle"
            result = DeliveryResult(Outcome.PERMANENT, None, f"the {missing} is missing")
        else:
            result = adapter.deliver(
                Delivery(
                    referral_id=str(referral.id),
                    reference=referral.reference,
                    complaint_id=referral.complaint_id,
                    webhook_id=referral.webhook_id,
                    provider=provider,
                    bundle=body,
                    pdf=lambda: bundle_pdf(body),
                    attempt=referral.attempt_count + 1,
                    occurred_at=referral.referred_at.isoformat(),
                    timeout=self._settings.delivery_timeout_seconds,
                    correlation_id=referral.correlation_id,
                    development=self._settings.development,
                    smtp={
                        "host": self._settings.smtp_host,
                        "port": self._settings.smtp_port,
                        "sender": self._settings.smtp_sender,
                    },
                )
            )
        self._save(referral.id, lambda r: self._record(r, result))
        log.info(
            "delivery attempt",
            referral=referral.reference,
            correlation_id=referral.correlation_id,
            outcome=result.outcome.value,
            status_code=result.status_code,
            error=result.error,
        )

    def _record(self, referral: Referral, result: DeliveryResult) -> None:
        if referral.delivery != DeliveryStatus.PENDING:
            return
        schedule = self._settings.delivery_schedule_seconds
        attempt = referral.attempt_count + 1
        if result.outcome == Outcome.DELIVERED:
            referral.record_delivered(status_code=result.status_code)
        elif result.outcome == Outcome.GONE:
            referral.dead_letter_delivery(
                status_code=result.status_code, reason="the provider answered 410 Gone"
            )
        elif result.outcome == Outcome.PERMANENT:
            referral.dead_letter_delivery(status_code=result.status_code, reason=result.error)
        elif attempt > len(schedule):
            referral.dead_letter_delivery(
                status_code=result.status_code,
                reason=f"gave up after {attempt} attempts; last: {result.error}",
            )
        else:
            delay = schedule[attempt - 1]
            jitter = self._settings.delivery_jitter
            delay *= random.uniform(1 - jitter, 1 + jitter)
            delay = max(delay, result.retry_after or 0.0)
            referral.record_failed_attempt(
                status_code=result.status_code,
                error=result.error,
                next_attempt_at=datetime.now(UTC) + timedelta(seconds=delay),
            )

    def _save(self, referral_id: uuid.UUID, change: Callable[[Referral], object]) -> Referral:
        """Applies `change` to the current referral; a provider's webhook may have changed it
        meanwhile, so a conflict is retried on fresh state."""
        for _ in range(MAX_SAVE_RETRIES):
            referral = self._application.referral(referral_id)
            change(referral)
            try:
                self._application.save(referral)
            except IntegrityError:
                continue
            return referral
        raise IntegrityError(f"referral {referral_id} kept changing")


def _referral_part(referral: Referral) -> dict[str, Any]:
    return {
        "reference": referral.reference,
        "complaint_id": referral.complaint_id,
        "referred_by": referral.referred_by,
        "referred_at": referral.referred_at.isoformat(),
        "preferred_method": referral.preferred_method,
        "eligibility": referral.eligibility,
        "override_justification": referral.override_justification,
    }
