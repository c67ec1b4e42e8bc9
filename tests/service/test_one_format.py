"""One format in every response (issue 20, Build 6): every instant is RFC 3339 in UTC ending
in `Z` — except a field named `*_local`, which says it is a local reading — and money is
`{amount, currency}` with a string amount wherever a sum is shown.

A journey through the complaints service (the README's, plus a complaint under a regime
whose zone is not UTC, a point-in-time read, the history, its verification and link, the
list, the report, the regimes and the event feed) and through the ADR gateway (providers,
a referral, its bundle, the feed); every JSON body is walked, every string that reads as a
date-time checked.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

from libs.domain.values import Role
from tests.conftest import RunningComplaints
from tests.support.complaints import new_complaint
from tests.support.formats import not_in_utc_z
from tests.support.gateway import gateway_settings, running_gateway, sqlite_url

FINAL_RESPONSE_UK = {
    "letter": "Dear Ms Lovelace, ...",
    "elements": {
        "decision": "accepted_with_redress",
        "ombudsman_leaflet_enclosed": True,
        "ombudsman_website": "https://www.financial-ombudsman.org.uk",
        "may_refer_now_and_within_6_months": True,
        "time_limit_waiver_stated": True,
    },
}


class Recorder:
    """Every JSON body a client got, by request, to walk at the end."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers
        self.bodies: list[tuple[str, Any]] = []

    async def call(self, method: str, url: str, expect: int = 200, **kwargs: Any) -> Any:
        response = await self.client.request(method, url, headers=self.headers, **kwargs)
        assert response.status_code == expect, f"{method} {url}: {response.text}"
        if "json" in response.headers.get("content-type", ""):
            self.bodies.append((f"{method} {url}", response.json()))
            return response.json()
        return None

    def offenders(self) -> list[str]:
        return [f"{request}: {bad}" for request, body in self.bodies for bad in not_in_utc_z(body)]


def test_the_walk_finds_offsets_and_spares_local_fields() -> None:
    body = {
        "a": "2026-03-01T09:30:00Z",
        "b": [{"due_at": "2026-03-01T09:30:00+00:00"}],
        "due_local": "2026-03-01T23:59:59+11:00",
        "c": {"at": "2026-03-01T10:30:00.5+01:00"},
        "d": "not a time",
        "e": "2026-03-01",
    }
    assert not_in_utc_z(body) == [
        "$.b[0].due_at = 2026-03-01T09:30:00+00:00",
        "$.c.at = 2026-03-01T10:30:00.5+01:00",
    ]


async def test_every_instant_in_the_complaints_journey_is_utc_with_z(
    complaints: RunningComplaints,
) -> None:
    api = Recorder(complaints.client, complaints.headers(Role.ADMIN))
    sydney = timezone(timedelta(hours=11))
    opened = await api.call(
        "POST",
        "/v1/complaints",
        201,
        json=new_complaint(regime="uk-fca-disp", customer={"id": "C-fmt", "name": "Ada"}),
    )
    c = f"/v1/complaints/{opened['id']}"
    an_hour_ago_in_sydney = (datetime.now(UTC) - timedelta(hours=1)).astimezone(sydney)
    await api.call(
        "POST",
        f"{c}/interactions",
        201,
        json={
            "kind": "call",
            "direction": "inbound",
            "summary": "Customer rang",
            "occurred_at": an_hour_ago_in_sydney.isoformat(),  # sent with +11:00
        },
    )
    await api.call(
        "POST",
        f"{c}/acknowledgement",
        json={
            "message": "We have your complaint",
            "channel": "email",
            "elements": {"receipt_confirmed": True, "response_timeframes_stated": True},
        },
    )
    await api.call("POST", f"{c}/escalations", 201, json={"reason": "Asked for a supervisor"})
    offered = await api.call(
        "POST",
        f"{c}/offers",
        201,
        json={"description": "Refund", "amount": {"amount": "42.50", "currency": "GBP"}},
    )
    offer = offered["offers"][-1]
    assert offer["amount_money"] == {"amount": "42.50", "currency": "GBP"}
    assert (offer["amount"], offer["currency"]) == ("42.50", "GBP")  # kept, deprecated
    await api.call("POST", f"{c}/offers/{offer['id']}/response", json={"decision": "accepted"})
    resolved = await api.call(
        "POST",
        f"{c}/resolution",
        json={
            "outcome": "upheld",
            "summary": "Duplicate charge confirmed",
            "redress": {"amount": "42.50", "currency": "GBP"},
        },
    )
    assert resolved["resolution"]["redress"] == {"amount": "42.50", "currency": "GBP"}
    assert resolved["amount_in_dispute"] == {"amount": "42.50", "currency": "GBP"}
    await api.call("POST", f"{c}/final-response", json=FINAL_RESPONSE_UK)
    await api.call("GET", f"{c}/adr-eligibility")
    await api.call("POST", f"{c}/closure", json={"reason": "Resolved"})
    await api.call("POST", f"{c}/reopen", json={"reason": "New evidence"})

    current = await api.call("GET", c)
    assert current["deadlines"], "a reopened complaint under uk-fca-disp has clocks"
    await api.call("GET", c, params={"version": 2})
    await api.call("GET", c, params={"as_of": datetime.now(UTC).isoformat()})
    await api.call("GET", f"{c}/history")
    await api.call("GET", f"{c}/history/verify")
    await api.call("GET", f"{c}/history/view-link")
    await api.call("GET", f"{c}/history/export")
    await api.call("GET", "/v1/complaints", params={"customer_id": "C-fmt"})
    week_ago = (datetime.now(UTC) - timedelta(days=7)).astimezone(sydney).isoformat()
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    await api.call("GET", "/v1/reports/regulatory", params={"from": week_ago, "to": tomorrow})
    await api.call("GET", "/v1/regimes")
    await api.call("GET", "/v1/regimes/uk-fca-disp")
    await api.call("GET", "/v1/events", params={"after": 0, "limit": 100})

    assert api.offenders() == []
    assert len(api.bodies) >= 20


async def test_a_deadline_is_due_in_utc_and_read_locally_in_its_regimes_zone(
    complaints: RunningComplaints,
) -> None:
    opened = (
        await complaints.client.post(
            "/v1/complaints", json=new_complaint(regime="au-rg271"), headers=complaints.headers()
        )
    ).json()
    for deadline in opened["deadlines"]:
        due_at = datetime.fromisoformat(deadline["due_at"])
        due_local = datetime.fromisoformat(deadline["due_local"])
        assert deadline["due_at"].endswith("Z")
        assert deadline["timezone"] == "Australia/Sydney"
        assert due_local == due_at  # the same instant, read on the regime's clock
        assert due_local.utcoffset() in (timedelta(hours=10), timedelta(hours=11))
        assert due_local.strftime("%H:%M") == "23:59"  # the end of the due day, locally


async def test_every_instant_the_gateway_answers_is_utc_with_z(tmp_path: Path) -> None:
    async with running_gateway(gateway_settings(sqlite_url(tmp_path))) as gateway:
        api = Recorder(gateway.client, gateway.headers())
        registered = await api.call(
            "POST",
            "/v1/providers",
            201,
            json={
                "name": "Provider fmt",
                "methods": ["mediation"],
                "adapter": "webhook",
                "adapter_settings": {"url": "http://127.0.0.1:9/cases"},
                "webhook_secret": "whsec_" + "A" * 43 + "=",
                "fee": {"amount": "150.00", "currency": "GBP"},
            },
        )
        assert registered["fee"] == {"amount": "150.00", "currency": "GBP"}
        await api.call("GET", "/v1/providers")
        await api.call("GET", f"/v1/providers/{registered['id']}")
        referral = gateway.prepared_referral(registered["id"])
        await api.call("GET", f"/v1/referrals/{referral.reference}")
        await api.call("GET", "/v1/events", params={"after": 0, "limit": 100})
        assert api.offenders() == []
        assert len(api.bodies) >= 5
