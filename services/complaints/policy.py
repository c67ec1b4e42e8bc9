"""The rules a complaint is judged by: its deadline regime, the ADR eligibility thresholds,
how early staff are warned. Built once from settings; every question is asked "as of"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from libs.domain.complaint import Complaint
from libs.domain.deadlines import (
    Deadline,
    Party,
    Regime,
    UnknownRegime,
    calendar_for,
    load_regimes,
)
from libs.domain.deadlines_and_eligibility import clock_facts, deadlines_of, eligibility_of
from libs.domain.eligibility import EligibilityAssessment, EligibilityThresholds
from libs.domain.errors import InvalidArgument
from services.complaints.settings import ComplaintsSettings


@dataclass(frozen=True)
class ComplaintPolicy:
    regimes: Mapping[str, Regime]
    thresholds: EligibilityThresholds
    lead_business_days: int

    @classmethod
    def from_settings(cls, settings: ComplaintsSettings) -> ComplaintPolicy:
        extra = [Path(settings.regimes_dir)] if settings.regimes_dir else []
        return cls(
            regimes=load_regimes(*extra),
            thresholds=EligibilityThresholds(
                amount={c: Decimal(v) for c, v in settings.adr_amount_thresholds.items()},
                rejected_offers=settings.adr_rejected_offers,
                days_without_progress=settings.adr_days_without_progress,
            ),
            lead_business_days=settings.deadline_lead_business_days,
        )

    @property
    def regime_names(self) -> tuple[str, ...]:
        return tuple(sorted(self.regimes))

    def regime(self, name: str) -> Regime:
        try:
            return self.regimes[name]
        except KeyError:
            raise UnknownRegime(name, self.regime_names) from None

    def deadlines(
        self, complaint: Complaint, as_of: datetime, *, explain: bool = True
    ) -> list[Deadline]:
        """With `explain=False`, for callers that need only dates and states."""
        return deadlines_of(complaint, self.regime(complaint.regime), as_of, explain=explain)

    def check_calendar(self, complaint: Complaint) -> None:
        """Refuses (InvalidArgument) a complaint whose business calendar cannot be built,
        e.g. an unknown subdivision: its deadlines could never be computed."""
        try:
            calendar_for(self.regime(complaint.regime), clock_facts(complaint))
        except InvalidArgument as error:
            # The only calendar value a request gives is its `calendar_subdivision`: the
            # refusal names that field, as the client wrote it.
            raise InvalidArgument("calendar_subdivision", str(error)) from None

    def staff_deadlines(self, complaint: Complaint, as_of: datetime) -> list[Deadline]:
        """The firm's own deadlines (not the customer's referral windows)."""
        return [
            d
            for d in self.deadlines(complaint, as_of, explain=False)
            if d.party is not Party.CUSTOMER
        ]

    def eligibility(self, complaint: Complaint, as_of: datetime) -> EligibilityAssessment:
        return eligibility_of(complaint, self.regime(complaint.regime), as_of, self.thresholds)

    def summary_resolution_due(self, complaint: Complaint) -> datetime | None:
        """When the regime's early-resolution path closes (None: the regime has none)."""
        regime = self.regime(complaint.regime)
        rule = next((r for r in regime.clocks if r.early_resolution is not None), None)
        if rule is None or rule.early_resolution is None:
            return None
        calendar = calendar_for(regime, clock_facts(complaint))
        received = calendar.local_date(complaint.received_at)
        return calendar.end_of_day(calendar.advance(received, rule.early_resolution.within))
