"""GET /v1/regimes/{name} renders a regime by walking its dataclasses, so what the regime
model holds is what the document shows, including fields added to the model later."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta
from decimal import Decimal

from libs.domain.deadlines import Period, Regime, Unit, get_regime
from services.complaints.api.regimes import regime_document


@dataclass(frozen=True)
class RegimeWithMore(Regime):
    approaching_lead: Period | None = None
    grace: timedelta | None = None
    threshold: Decimal | None = None


def test_every_field_of_the_model_is_in_the_document() -> None:
    regime = get_regime("uk-fca-disp")
    document = regime_document(regime)
    assert set(document) == {field.name for field in fields(Regime)}
    assert document["effective_from"] == "2026-06-01"
    assert document["letters"]["holding_reply"]["elements"][0]["kind"] == "flag"
    assert document["clocks"][0]["period"] == {"unit": "business_days", "length": 5}


def test_a_field_added_to_the_model_appears_without_more_code() -> None:
    regime = get_regime("default")
    more = RegimeWithMore(
        **{field.name: getattr(regime, field.name) for field in fields(Regime)},
        approaching_lead=Period(Unit.BUSINESS_DAYS, 3),
        grace=timedelta(hours=1),
        threshold=Decimal("25000.00"),
    )
    document = regime_document(more)
    assert document["approaching_lead"] == {"unit": "business_days", "length": 3}
    assert (document["grace"], document["threshold"]) == ("1:00:00", "25000.00")
