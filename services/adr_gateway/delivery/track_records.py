"""What each provider did with the cases it received, from the facts the worklist projection
keeps (`referral_facts`): how many it was sent, accepted and declined, its outcomes, and how
long it took to reach one. Ranking weighs them; the providers API shows them."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Engine, select

from libs.domain.provider_ranking import TrackRecord
from services.adr_gateway.tables import referral_facts

SECONDS_PER_DAY = 86400


def track_records(engine: Engine) -> dict[str, TrackRecord]:
    """Each provider's record, by provider id (a provider sent nothing yet has none)."""
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
                    elapsed = fact["outcome_at"] - fact["delivered_at"]
                    days.append(max(0.0, elapsed / SECONDS_PER_DAY))
        records[provider_id] = TrackRecord(
            referrals=sum(1 for f in facts if f["delivered_at"]),
            accepted=sum(1 for f in facts if f["accepted"] is True),
            declined=sum(1 for f in facts if f["accepted"] is False),
            days_to_outcome=tuple(days),
            outcomes=dict(outcomes),
        )
    return records
