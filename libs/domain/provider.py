"""The ADR providers a firm works with, and how to choose one for a case.

The registry is one aggregate: providers are few, are changed rarely, by administrators, and
are read together whenever a case is matched. `rank` is a pure policy: it needs the case's
facts, the providers and their track records, and explains every place it gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from statistics import median
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from libs.domain.errors import InvalidArgument, RuleViolated, UnknownEntity

REGISTRY_ID = UUID("1f0c5b7e-8a2d-4c3e-b6f1-9d4e2a7c0b13")
MUTABLE_FIELDS = frozenset(
    {
        "name",
        "methods",
        "categories",
        "jurisdictions",
        "languages",
        "fee",
        "adapter",
        "adapter_settings",
        "webhook_secret",
        "active",
    }
)

JURISDICTION_OF_REGIME = {
    "uk-fca-disp": "GB",
    "uk-psd": "GB",
    "eu-adr": "EU",
    "us-cfpb": "US",
    "au-rg271": "AU",
}


class Method(StrEnum):
    MEDIATION = "mediation"
    ARBITRATION = "arbitration"
    CONCILIATION = "conciliation"
    OMBUDSMAN = "ombudsman"


class ProviderRegistry(Aggregate):
    class Started(Aggregate.Created):
        pass

    def __init__(self) -> None:
        self.providers: dict[str, dict[str, Any]] = {}

    @classmethod
    def start(cls) -> ProviderRegistry:
        return cls._create(cls.Started, id=REGISTRY_ID)

    class ProviderRegistered(Aggregate.Event):
        provider_id: str
        profile: dict[str, Any]
        registered_by: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ProviderRegistry)
            aggregate.providers[self.provider_id] = {
                **self.profile,
                "id": self.provider_id,
                "registered_at": self.timestamp,
                "updated_at": self.timestamp,
            }

    class ProviderChanged(Aggregate.Event):
        provider_id: str
        changes: dict[str, Any]
        changed_by: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ProviderRegistry)
            provider = aggregate.providers[self.provider_id]
            provider.update(self.changes)
            provider["updated_at"] = self.timestamp

    def provider(self, provider_id: str) -> dict[str, Any]:
        try:
            return self.providers[provider_id]
        except KeyError:
            raise UnknownEntity("provider", provider_id) from None

    def register(self, provider_id: str, profile: dict[str, Any], *, registered_by: str) -> None:
        if provider_id in self.providers:
            raise RuleViolated(f"a provider with id '{provider_id}' is already registered")
        unknown = set(profile) - MUTABLE_FIELDS
        if unknown:
            raise InvalidArgument(sorted(unknown)[0], "not a field of a provider")
        self.trigger_event(
            self.ProviderRegistered,
            provider_id=provider_id,
            profile=dict(profile),
            registered_by=registered_by,
        )

    def change(self, provider_id: str, changes: dict[str, Any], *, changed_by: str) -> None:
        self.provider(provider_id)
        unknown = set(changes) - MUTABLE_FIELDS
        if unknown:
            raise InvalidArgument(sorted(unknown)[0], "not a field of a provider")
        if changes:
            self.trigger_event(
                self.ProviderChanged,
                provider_id=provider_id,
                changes=dict(changes),
                changed_by=changed_by,
            )


# -- track record and ranking ---------------------------------------------------------------


@dataclass(frozen=True)
class TrackRecord:
    """What the provider did with the cases it received."""

    referrals: int = 0
    accepted: int = 0
    declined: int = 0
    days_to_outcome: tuple[float, ...] = ()
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def answered(self) -> int:
        return self.accepted + self.declined

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted / self.answered if self.answered else None

    @property
    def median_days_to_outcome(self) -> float | None:
        return float(median(self.days_to_outcome)) if self.days_to_outcome else None

    def as_dict(self) -> dict[str, Any]:
        rate = self.acceptance_rate
        days = self.median_days_to_outcome
        return {
            "referrals": self.referrals,
            "accepted": self.accepted,
            "declined": self.declined,
            "acceptance_rate": None if rate is None else round(rate, 3),
            "median_days_to_outcome": None if days is None else round(days, 1),
            "outcomes": dict(self.outcomes),
        }


@dataclass(frozen=True)
class CaseFacts:
    category: str
    jurisdiction: str | None
    language: str
    method: str | None = None
    preferred_provider_id: str | None = None

    @classmethod
    def of(
        cls,
        *,
        category: str,
        regime: str,
        language: str | None,
        method: str | None,
        preferred_provider_id: str | None,
    ) -> CaseFacts:
        return cls(
            category=category,
            jurisdiction=JURISDICTION_OF_REGIME.get(regime),
            language=(language or "en").lower(),
            method=method,
            preferred_provider_id=preferred_provider_id,
        )


@dataclass(frozen=True)
class Candidate:
    provider_id: str
    name: str
    fits: bool
    score: float
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "provider_id": self.provider_id,
            "name": self.name,
            "fits": self.fits,
            "score": round(self.score, 2),
            "reasons": list(self.reasons),
        }


def _covers(values: list[str], wanted: str | None) -> bool:
    """An empty list (or '*') means the provider takes any."""
    return wanted is None or not values or "*" in values or wanted in values


def _fee_amount(fee: dict[str, Any] | None) -> Decimal | None:
    if not fee:
        return None
    return Decimal(str(fee.get("amount", "0")))


def assess(provider: dict[str, Any], case: CaseFacts, record: TrackRecord) -> Candidate:
    """Whether one provider fits the case, its score, and why."""
    reasons: list[str] = []
    misfits: list[str] = []
    if not provider.get("active", True):
        misfits.append("is not active")
    methods = list(provider.get("methods") or [])
    if case.method is not None:
        if case.method in methods:
            reasons.append(f"offers {case.method}")
        else:
            misfits.append(f"does not offer {case.method} (offers {', '.join(methods) or 'none'})")
    if _covers(list(provider.get("categories") or []), case.category):
        reasons.append(f"handles {case.category} complaints")
    else:
        misfits.append(f"does not handle {case.category} complaints")
    if _covers(list(provider.get("jurisdictions") or []), case.jurisdiction):
        if case.jurisdiction:
            reasons.append(f"covers {case.jurisdiction}")
    else:
        misfits.append(f"does not cover {case.jurisdiction}")
    if _covers(list(provider.get("languages") or []), case.language):
        reasons.append(f"works in '{case.language}'")
    else:
        misfits.append(f"does not work in '{case.language}'")

    score = 0.0
    if case.preferred_provider_id == provider["id"]:
        score += 100
        reasons.insert(0, "requested by the firm")
    rate = record.acceptance_rate
    if rate is not None:
        score += 30 * rate
        reasons.append(f"accepted {rate:.0%} of {record.answered} answered referrals")
    else:
        score += 15  # no record yet: neither rewarded nor punished
        reasons.append("no track record yet")
    days = record.median_days_to_outcome
    if days is not None:
        score += max(0.0, 20 - days / 9)  # 0 days → 20 points, 180 days → 0
        reasons.append(f"median {days:.0f} days to an outcome")
    fee = _fee_amount(provider.get("fee"))
    if fee is not None:
        score -= min(10.0, float(fee) / 100)
        reasons.append(f"fee {fee} {provider['fee'].get('currency', '')}".rstrip())
    else:
        reasons.append("no fee to the firm")
    return Candidate(
        provider_id=provider["id"],
        name=str(provider.get("name", provider["id"])),
        fits=not misfits,
        score=score if not misfits else 0.0,
        reasons=tuple(misfits or reasons),
    )


def rank(
    providers: list[dict[str, Any]], case: CaseFacts, records: dict[str, TrackRecord]
) -> list[Candidate]:
    """Fitting providers first, best score first; ties by name so the order is stable."""
    assessed = [assess(p, case, records.get(p["id"], TrackRecord())) for p in providers]
    return sorted(assessed, key=lambda c: (not c.fits, -c.score, c.name, c.provider_id))
