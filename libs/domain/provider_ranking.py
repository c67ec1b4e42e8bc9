"""How a provider is chosen for a case: a pure policy, which explains every place it gives.

It needs what the referral needs of a provider (`ReferralNeeds`: the complaint's category,
jurisdiction and language, the method and provider the firm asked for), the providers, and
their track records. Providers that cannot take the case are excluded, with the reasons;
the rest are scored on the firm's request, their acceptance rate, their speed and their fee.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from libs.domain.provider import Provider

JURISDICTION_OF_REGIME = {
    "uk-fca-disp": "GB",
    "uk-psd": "GB",
    "eu-adr": "EU",
    "us-cfpb": "US",
    "au-rg271": "AU",
}


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
class ReferralNeeds:
    """What a referral needs of a provider: what providers are ranked against. A prepared
    referral records it (`selection["case"]`, with these field names)."""

    category: str
    jurisdiction: str | None
    language: str
    method: str | None = None
    preferred_provider_id: str | None = None
    #: The referral's legal entity: only providers serving it (or every entity) fit.
    legal_entity: str | None = None

    @classmethod
    def of(
        cls,
        *,
        category: str,
        regime: str,
        language: str | None,
        method: str | None,
        preferred_provider_id: str | None,
        legal_entity: str | None = None,
    ) -> ReferralNeeds:
        return cls(
            category=category,
            jurisdiction=JURISDICTION_OF_REGIME.get(regime),
            language=(language or "en").lower(),
            method=method,
            preferred_provider_id=preferred_provider_id,
            legal_entity=legal_entity,
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


def _covers(values: tuple[str, ...] | None, wanted: str | None) -> bool:
    """An empty list (or none, or '*') means the provider takes any."""
    return wanted is None or not values or "*" in values or wanted in values


def assess(provider: Provider, needs: ReferralNeeds, record: TrackRecord) -> Candidate:
    """Whether one provider fits the referral, its score, and why."""
    reasons: list[str] = []
    misfits: list[str] = []
    if not provider.active:
        misfits.append("is not active")
    # Issue 20: a firm's case goes only to a provider engaged for its legal entity (or for
    # the whole group), never to one another entity of the group engaged.
    if not provider.serves(needs.legal_entity):
        misfits.append(f"serves legal entity '{provider.legal_entity}' only")
    methods = provider.methods
    if needs.method is not None:
        if needs.method in methods:
            reasons.append(f"offers {needs.method}")
        else:
            misfits.append(f"does not offer {needs.method} (offers {', '.join(methods) or 'none'})")
    if _covers(provider.categories, needs.category):
        reasons.append(f"handles {needs.category} complaints")
    else:
        misfits.append(f"does not handle {needs.category} complaints")
    if _covers(provider.jurisdictions, needs.jurisdiction):
        if needs.jurisdiction:
            reasons.append(f"covers {needs.jurisdiction}")
    else:
        misfits.append(f"does not cover {needs.jurisdiction}")
    if _covers(provider.languages, needs.language):
        reasons.append(f"works in '{needs.language}'")
    else:
        misfits.append(f"does not work in '{needs.language}'")

    score = 0.0
    if needs.preferred_provider_id == provider.id:
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
    if provider.fee is not None:
        score -= min(10.0, float(provider.fee.amount) / 100)
        reasons.append(f"fee {provider.fee.amount} {provider.fee.currency}".rstrip())
    else:
        reasons.append("no fee to the firm")
    return Candidate(
        provider_id=provider.id,
        name=provider.name or provider.id,
        fits=not misfits,
        score=score if not misfits else 0.0,
        reasons=tuple(misfits or reasons),
    )


def rank(
    providers: Iterable[Provider | Mapping[str, Any]],
    needs: ReferralNeeds,
    records: Mapping[str, TrackRecord],
) -> list[Candidate]:
    """Fitting providers first, best score first; ties by name so the order is stable. A
    provider may also be given in its stored form (a mapping)."""
    typed = [p if isinstance(p, Provider) else Provider.from_stored(p) for p in providers]
    assessed = [assess(p, needs, records.get(p.id, TrackRecord())) for p in typed]
    return sorted(assessed, key=lambda c: (not c.fits, -c.score, c.name, c.provider_id))
