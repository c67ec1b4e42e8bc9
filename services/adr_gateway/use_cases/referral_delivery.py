"""What the referral worker does to a due referral: prepare it, then deliver it.

Preparing reads the complaint from the complaints service (its API, never its database),
chooses the provider, builds and keeps the case bundle, and records `Prepared`. Delivering
hands the bundle to the provider's adapter once, and records what came of it as the retry
policy says. Both record on the referral as stored: a provider's webhook may have changed it
meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from libs.domain.access import entity_or_default
from libs.domain.provider_ranking import TrackRecord
from libs.domain.referral import Referral
from libs.domain.referral_lifecycle import ReferralStatus
from libs.platform.runtime.cipher import Cipher
from libs.platform.runtime.jsonable import jsonable, rfc3339_utc
from libs.platform.runtime.smtp import SmtpRelay
from libs.platform.signing.keys import SigningKeyStore
from services.adr_gateway.adapters import Adapter, Delivery, DeliveryResult, Outcome
from services.adr_gateway.application import GatewayApplication
from services.adr_gateway.bundles import (
    ComplaintMissing,
    ComplaintsClient,
    ComplaintsUnavailable,
    build_bundle,
    bundle_pdf,
)
from services.adr_gateway.delivery.bundle_store import BundleStore, StoredBundle
from services.adr_gateway.delivery.provider_choice import choose_provider, referral_needs
from services.adr_gateway.delivery.retry_policy import RetryPolicy, record_attempt
from services.adr_gateway.settings import GatewaySettings
from services.adr_gateway.webhook_secrets import secret_of, webhook_secrets

log = structlog.get_logger()


class NotReady(Exception):
    """The referral cannot move on yet (complaints service down, no provider fits)."""


def prepare_referral(
    referral: Referral,
    *,
    application: GatewayApplication,
    complaints: ComplaintsClient | None,
    records: Callable[[], Mapping[str, TrackRecord]],
    bundles: BundleStore,
    settings: GatewaySettings,
) -> Referral:
    """Chooses the provider for a received referral and builds its bundle; returns the
    referral as prepared. Raises NotReady when it has to wait."""
    if complaints is None:
        raise NotReady("no complaints service configured (REDRESS_COMPLAINTS_URL)")
    try:
        case = complaints.read_case(referral.complaint_id)
    except (ComplaintsUnavailable, ComplaintMissing) as error:
        raise NotReady(f"cannot read the complaint: {error}") from None
    registry = application.registry()
    # The complaint's entity, if the feed event that opened the referral did not say it.
    legal_entity = referral.legal_entity or entity_or_default(case.complaint.get("legal_entity"))
    needs = referral_needs(referral, case.complaint, legal_entity)
    choice = choose_provider(registry.providers, needs, records())
    if choice is None:
        raise NotReady("no registered provider fits this case")
    built = build_bundle(
        referral=_referral_part(referral),
        provider=choice.provider.stored(),
        complaint=case.complaint,
        case_file=case.case_file,
        checkpoint=case.checkpoint,
        firm_name=settings.firm_name,
        policy_documents=settings.policy_documents,
        # Read on every bundle: a key rotated by `redress keys signing create --rotate` is
        # used from the next bundle on, without a restart.
        key=SigningKeyStore(settings.signing_dir).load_or_create(),
    )
    bundles.store(
        str(referral.id), built.body, built.sha256, pdf=built.pdf, manifest_jws=built.manifest_jws
    )
    selection = choice.selection()

    def prepare(current: Referral) -> None:
        if current.status == ReferralStatus.RECEIVED:  # not prepared by another worker
            current.record_legal_entity(legal_entity)
            current.prepare(
                provider_id=choice.provider.id, selection=selection, bundle=built.summary()
            )

    prepared, _ = application.change_referral(referral.id, prepare)
    return prepared


def deliver_referral(
    referral: Referral,
    *,
    application: GatewayApplication,
    adapters: Mapping[str, Adapter],
    bundles: BundleStore,
    settings: GatewaySettings,
    cipher: Cipher,
) -> None:
    """One attempt to hand a prepared referral's case to its provider, and its record. The
    adapter is given the provider's secret opened (`cipher`), in memory only."""
    assert referral.provider_id is not None and referral.webhook_id is not None
    provider = application.registry().providers.get(referral.provider_id)
    stored = bundles.stored(str(referral.id))
    adapter = adapters.get(provider.adapter) if provider is not None else None
    if provider is None or adapter is None or stored is None:
        missing = "provider" if provider is None else "adapter" if adapter is None else "bundle"
        result = DeliveryResult(Outcome.PERMANENT, None, f"the {missing} is missing")
    elif not provider.serves(referral.legal_entity):
        # Issue 20: one entity's case never goes to a provider engaged by another entity.
        result = DeliveryResult(
            Outcome.PERMANENT,
            None,
            f"the provider serves legal entity '{provider.legal_entity}' only, "
            f"not '{referral.legal_entity}'",
        )
    else:
        result = adapter.deliver(
            Delivery(
                referral_id=str(referral.id),
                reference=referral.reference,
                complaint_id=referral.complaint_id,
                webhook_id=referral.webhook_id,
                provider={
                    **{
                        name: value
                        for name, value in provider.stored().items()
                        if name != "previous_webhook_secret"
                    },
                    "webhook_secret": secret_of(provider.webhook_secret, cipher),
                },
                bundle=stored.body,
                pdf=lambda: stored_pdf(stored),
                manifest_jws=stored.manifest_jws or "",
                signing_secrets=webhook_secrets(
                    provider,
                    now=datetime.now(UTC),
                    overlap=timedelta(seconds=settings.webhook_secret_overlap_seconds),
                    cipher=cipher,
                ),
                attempt=referral.attempt_count + 1,
                occurred_at=referral.referred_at.isoformat(),
                timeout=settings.delivery_timeout_seconds,
                correlation_id=referral.correlation_id,
                callback_base_url=settings.callback_base_url(),
                callback_id=settings.pulse_bap_id,
                development=settings.development,
                smtp={
                    "host": settings.smtp_host,
                    "port": settings.smtp_port,
                    "sender": settings.smtp_sender,
                },
                relay=SmtpRelay.from_settings(settings),
            )
        )
    policy = RetryPolicy.of(settings.delivery_schedule_seconds, settings.delivery_jitter)
    application.change_referral(
        referral.id,
        lambda current: record_attempt(
            current, policy.verdict(result, current.attempt_count + 1, datetime.now(UTC))
        ),
    )
    log.info(
        "delivery attempt",
        referral=referral.reference,
        correlation_id=referral.correlation_id,
        outcome=result.outcome.value,
        status_code=result.status_code,
        error=result.error,
    )


def seconds_until_due(referral: Referral) -> float:
    """How long before the referral's next delivery attempt is due (0: now)."""
    due = referral.next_attempt_at
    if due is None:
        return 0.0
    return max(0.0, (due - datetime.now(UTC)).total_seconds())


def stored_pdf(stored: StoredBundle) -> bytes:
    """The PDF as built with the bundle (its digest is in the signed manifest); a bundle
    built before PDFs were kept is rendered from its JSON."""
    return stored.pdf if stored.pdf is not None else bundle_pdf(stored.body)


def _referral_part(referral: Referral) -> dict[str, Any]:
    """What the bundle says about the referral itself. `id` is the referral's public id
    (the complaints service's, as in `GET /v1/referrals/{id}`), `gateway_id` the gateway's.
    Made plain JSON here: canonical JSON, which the manifest's digests cover, has no dates."""
    return jsonable(  # type: ignore[no-any-return]
        {
            "id": referral.reference,
            "gateway_id": str(referral.id),
            "reference": referral.reference,
            "complaint_id": referral.complaint_id,
            "referred_by": referral.referred_by,
            "referred_at": rfc3339_utc(referral.referred_at),
            "requested_method": referral.preferred_method,
            "preferred_method": referral.preferred_method,
            "eligibility": referral.eligibility,
            "override_justification": referral.override_justification,
        }
    )
