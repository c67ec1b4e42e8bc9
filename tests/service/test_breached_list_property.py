"""A property of the complaint list, for any complaints and any history of their clocks:
`breached=true` and `breached=false` split the list in two, with nothing left over and
nothing in both; every item's `breached` agrees with the half it is in, and with the
complaint's own deadlines (any of the firm's or the ADR entity's `breached` as of now).

Complaints are opened and answered through the API at random moments of the last 29 days
(the back-dating window), under every regime.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from libs.domain.values import Role
from services.complaints.app import create_app
from tests.conftest import build_complaints
from tests.support.complaints import new_complaint
from tests.support.in_process import InProcessClient

REGIMES = ("default", "uk-fca-disp", "uk-psd", "us-cfpb", "au-rg271", "eu-adr")
HOURS_BACK = 29 * 24  # inside the 30-day back-dating window
DEFAULT_LETTER = {"decision": "not_upheld", "adr_rights_stated": True}
#: A deadline falling due this close to the moment of asking may tip between the list's
#: answer and the complaint's: its complaint is left out of the comparison.
TOO_CLOSE = timedelta(seconds=30)

complaint_histories = st.lists(
    st.fixed_dictionaries(
        {
            "regime": st.sampled_from(REGIMES),
            "received_hours_ago": st.integers(0, HOURS_BACK),
            # Hours after receipt; None: it never happened.
            "acknowledged_after": st.none() | st.integers(0, HOURS_BACK),
            "answered_after": st.none() | st.integers(0, HOURS_BACK),
            "closed": st.booleans(),
        }
    ),
    min_size=1,
    max_size=6,
)


class Api:
    def __init__(self, client: InProcessClient, key: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"}

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        response = self.client.post(path, json=body, headers=self.headers)
        # A step the rules refuse (e.g. a letter a regime wants more in) is simply not taken.
        assert response.status_code < 500, response.text
        return dict(response.json()) if response.status_code < 300 else None

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        response = self.client.request("GET", path, params=params, headers=self.headers)
        assert response.status_code == 200, response.text
        return dict(response.json())


def live(api: Api, customer: dict[str, str], history: dict[str, Any], now: datetime) -> str | None:
    """Opens one complaint and takes the steps of its history that have happened by now."""
    received = now - timedelta(hours=history["received_hours_ago"])
    complaint = api.post(
        "/v1/complaints",
        new_complaint(
            customer=customer, regime=history["regime"], occurred_at=received.isoformat()
        ),
    )
    assert complaint is not None
    url = f"/v1/complaints/{complaint['id']}"

    def when(hours: int | None) -> str | None:
        moment = received + timedelta(hours=hours) if hours is not None else None
        return moment.isoformat() if moment is not None and moment < now else None

    if at := when(history["acknowledged_after"]):
        api.post(
            f"{url}/acknowledgement", {"message": "Received", "channel": "email", "occurred_at": at}
        )
    if at := when(history["answered_after"]):
        api.post(f"{url}/resolution", {"outcome": "not_upheld", "summary": "No", "occurred_at": at})
        letter = DEFAULT_LETTER if history["regime"] == "default" else {}
        api.post(
            f"{url}/final-response", {"letter": "Final", "elements": letter, "occurred_at": at}
        )
        if history["closed"]:
            api.post(f"{url}/closure", {"reason": "Done", "occurred_at": at})
    return str(complaint["id"])


def breached_by_its_own_deadlines(
    api: Api, complaint_id: str, asked_at: datetime
) -> set[str] | None:
    """The clocks the complaint itself shows as breached (None: one is too close to call)."""
    deadlines = api.get(f"/v1/complaints/{complaint_id}")["deadlines"]
    if any(abs(datetime.fromisoformat(d["due_at"]) - asked_at) < TOO_CLOSE for d in deadlines):
        return None
    return {d["clock"] for d in deadlines if d["state"] == "breached" and d["party"] != "customer"}


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_breached_true_and_false_partition_the_list_for_any_complaints(
    database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'complaints.db'}"
        if database == "sqlite"
        else str(request.getfixturevalue("postgres_url"))
    )
    service = build_complaints(url)
    key = service.keyring.issue(role=Role.AGENT, name="property")[1]
    client = InProcessClient(create_app(service))
    api = Api(client, key)
    try:

        @settings(
            max_examples=25 if database == "sqlite" else 10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(histories=complaint_histories)
        def partition(histories: list[dict[str, Any]]) -> None:
            # Each example lists only its own customer's complaints.
            customer = {"id": f"P-{uuid.uuid4().hex[:10]}", "name": "Grace Hopper"}
            now = datetime.now(UTC)
            ids = {live(api, customer, history, now) for history in histories}

            def listed(**params: Any) -> dict[str, dict[str, Any]]:
                page = api.get("/v1/complaints", customer_id=customer["id"], limit=200, **params)
                return {item["id"]: item for item in page["items"]}

            everything = listed()
            yes, no = listed(breached="true"), listed(breached="false")
            asked_at = datetime.now(UTC)

            assert set(everything) == ids
            assert set(yes) | set(no) == ids
            assert not set(yes) & set(no)
            assert all(item["breached"] and item["breached_deadlines"] for item in yes.values())
            assert not any(item["breached"] or item["breached_deadlines"] for item in no.values())
            for complaint_id, item in everything.items():
                own = breached_by_its_own_deadlines(api, complaint_id, asked_at)
                if own is not None:
                    assert set(item["breached_deadlines"]) == own, (item, own)
                    assert item["breached"] is bool(own)

        partition()
    finally:
        client.close()
        service.stop()
