"""What the complaint list and the regulatory report say about deadlines, as a compliance
officer reads them (SQLite and PostgreSQL, a fresh database each, so counts are exact).

Events are dated back (`occurred_at`) to put complaints where the rules bite: this service
lets a CRM date an event up to `backdate_window_days` back, 120 here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from libs.domain.deadlines import BusinessCalendar
from libs.domain.values import Role
from services.complaints.app import create_app
from services.complaints.bootstrap import bootstrap
from services.complaints.settings import ComplaintsSettings
from tests.conftest import RunningComplaints
from tests.support.complaints import new_complaint
from tests.support.databases import fresh_postgres_database

LONDON = ZoneInfo("Europe/London")
ENGLAND = BusinessCalendar("Europe/London", country="GB", subdivision="ENG")
DEFAULT_LETTER = {"decision": "upheld", "adr_rights_stated": True}


@contextmanager
def fresh_database(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'complaints.db'}"
    else:
        with fresh_postgres_database() as url:
            yield url


@pytest.fixture(params=["sqlite", "postgres"])
async def complaints(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[RunningComplaints]:
    """The complaints service on a database of its own, dating events up to 120 days back."""
    with fresh_database(request.param, tmp_path) as url:
        settings = ComplaintsSettings(
            database_url=url, scheduler_enabled=False, backdate_window_days=120
        )
        service = bootstrap(settings)
        app = create_app(service)
        keys = {
            role: service.keyring.issue(role=role, name=f"t-{role.value}")[1]
            for role in Role
            if role is not Role.PROVIDER  # a provider key names its provider
        }
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://complaints.test"
            ) as client,
        ):
            yield RunningComplaints(service, client, keys)
        service.stop()


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


async def opened(complaints: RunningComplaints, **details: Any) -> dict[str, Any]:
    response = await complaints.client.post(
        "/v1/complaints", json=new_complaint(**details), headers=complaints.headers()
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def record(
    complaints: RunningComplaints, complaint: dict[str, Any], path: str, body: dict[str, Any]
) -> dict[str, Any]:
    response = await complaints.client.post(
        f"/v1/complaints/{complaint['id']}{path}", json=body, headers=complaints.headers()
    )
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


async def listed(complaints: RunningComplaints, **params: Any) -> dict[str, dict[str, Any]]:
    response = await complaints.client.get(
        "/v1/complaints", params={"limit": 200, **params}, headers=complaints.headers()
    )
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["items"]}


async def report(complaints: RunningComplaints, **params: Any) -> dict[str, Any]:
    response = await complaints.client.get(
        "/v1/reports/regulatory", params=params, headers=complaints.headers(Role.AUDITOR)
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


# -- the list -----------------------------------------------------------------------------


async def test_a_complaint_past_due_and_unmet_is_listed_as_breached_and_says_which_clock(
    complaints: RunningComplaints,
) -> None:
    # Received 20 days ago, never acknowledged: the 2-business-day acknowledgement is past
    # due; the 30-day final response is still running.
    late = await opened(complaints, occurred_at=ago(days=20))

    breached = await listed(complaints, breached="true")

    assert list(breached) == [late["id"]]
    assert breached[late["id"]]["breached"] is True
    assert breached[late["id"]]["breached_deadlines"] == ["acknowledgement"]


async def test_a_deadline_met_late_is_breached_for_good(complaints: RunningComplaints) -> None:
    complaint = await opened(complaints, occurred_at=ago(days=20))
    await record(
        complaints,
        complaint,
        "/acknowledgement",
        {"message": "We have your complaint", "channel": "email", "occurred_at": ago(days=10)},
    )

    item = (await listed(complaints))[complaint["id"]]

    assert item["breached"] is True
    assert item["breached_deadlines"] == ["acknowledgement"]
    assert item["next_deadline"] == "final_response"


async def test_breached_true_and_false_split_the_list_in_two_with_nothing_left_over(
    complaints: RunningComplaints,
) -> None:
    fresh = await opened(complaints)
    late = await opened(complaints, occurred_at=ago(days=20))
    # No clock of eu-adr has started: a complaint with no deadline running at all.
    no_deadlines = await opened(complaints, regime="eu-adr")
    answered = await opened(complaints)
    await record(
        complaints, answered, "/resolution", {"outcome": "not_upheld", "summary": "No error"}
    )
    await record(
        complaints,
        answered,
        "/final-response",
        {"letter": "Our final response", "elements": DEFAULT_LETTER},
    )

    everything = await listed(complaints)
    yes = await listed(complaints, breached="true")
    no = await listed(complaints, breached="false")

    assert set(everything) == {fresh["id"], late["id"], no_deadlines["id"], answered["id"]}
    assert set(yes) | set(no) == set(everything) and not set(yes) & set(no)
    assert set(yes) == {late["id"]}
    assert all(item["breached"] for item in yes.values())
    assert not any(item["breached"] or item["breached_deadlines"] for item in no.values())


async def test_the_list_filters_by_regime_variant_flag_and_clock(
    complaints: RunningComplaints,
) -> None:
    cfpb = await opened(complaints, regime="us-cfpb")
    plain = await opened(complaints)
    hardship = await opened(complaints, regime="au-rg271", regime_variant="hardship")
    australian = await opened(complaints, regime="au-rg271")
    await record(complaints, plain, "/flags", {"vulnerable_customer": True})
    await record(complaints, australian, "/flags", {"vulnerable_customer": True, "legal": True})

    assert set(await listed(complaints, regime="us-cfpb")) == {cfpb["id"]}
    assert set(await listed(complaints, regime="au-rg271")) == {hardship["id"], australian["id"]}
    assert set(await listed(complaints, regime_variant="hardship")) == {hardship["id"]}
    assert (await listed(complaints, regime="us-cfpb"))[cfpb["id"]]["regime"] == "us-cfpb"
    assert set(await listed(complaints, flag="vulnerable_customer")) == {
        plain["id"],
        australian["id"],
    }
    assert set(await listed(complaints, flag=["vulnerable_customer", "legal"])) == {
        australian["id"]
    }
    # us-cfpb has no acknowledgement clock.
    assert set(await listed(complaints, deadline="acknowledgement")) == {
        plain["id"],
        hardship["id"],
        australian["id"],
    }
    assert await listed(complaints, deadline="referral_window") == {}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"regime": "mars-2099"}, "regime"),
        ({"regime": "au-rg271", "regime_variant": "lunar"}, "regime_variant"),
        ({"regime_variant": "lunar"}, "regime_variant"),
        ({"deadline": "tea_break"}, "deadline"),
        ({"flag": "grumpy"}, "query.flag.0"),
    ],
)
async def test_a_filter_naming_what_no_regime_knows_is_refused(
    complaints: RunningComplaints, params: dict[str, str], field: str
) -> None:
    response = await complaints.client.get(
        "/v1/complaints", params=params, headers=complaints.headers()
    )
    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/complaints", {"regmie": "us-cfpb"}),
        (
            "/v1/reports/regulatory",
            {"from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z", "regmie": "x"},
        ),
        ("/v1/events", {"after": "0", "regmie": "x"}),
        ("/v1/audit/checkpoints", {"regmie": "x"}),
    ],
)
async def test_a_misspelt_query_parameter_is_refused_naming_it(
    complaints: RunningComplaints, path: str, params: dict[str, str]
) -> None:
    response = await complaints.client.get(
        path, params=params, headers=complaints.headers(Role.ADMIN)
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "urn:redress:problem:validation-error"
    assert problem["errors"] == [
        {"field": "query.regmie", "message": "unknown query parameter 'regmie'"}
    ]
    assert "regmie" in problem["detail"]


async def test_an_unknown_parameter_on_a_complaints_history_is_refused(
    complaints: RunningComplaints,
) -> None:
    complaint = await opened(complaints)
    response = await complaints.client.get(
        f"/v1/complaints/{complaint['id']}/history",
        params={"limt": "5"},
        headers=complaints.headers(),
    )
    assert response.status_code == 422
    assert "limt" in response.json()["detail"]


async def test_without_a_key_the_answer_is_401_whatever_the_parameters(
    complaints: RunningComplaints,
) -> None:
    response = await complaints.client.get("/v1/complaints", params={"regmie": "x"})
    assert response.status_code == 401


# -- the regulatory report ----------------------------------------------------------------


def london(day: date, hour: int) -> str:
    return datetime.combine(day, time(hour), tzinfo=LONDON).isoformat()


def business_day_near(days_back: int) -> date:
    day = (datetime.now(UTC) - timedelta(days=days_back)).astimezone(LONDON).date()
    return ENGLAND.on_or_before(day)


async def closed_on(
    complaints: RunningComplaints, regime: str, received: str, closed: str
) -> dict[str, Any]:
    complaint = await opened(complaints, regime=regime, occurred_at=received)
    await record(
        complaints,
        complaint,
        "/resolution",
        {"outcome": "not_upheld", "summary": "No error found", "occurred_at": closed},
    )
    return await record(
        complaints, complaint, "/closure", {"reason": "Resolved", "occurred_at": closed}
    )


async def test_uk_closures_are_counted_in_the_fca_complaints_return_bands(
    complaints: RunningComplaints,
) -> None:
    received = business_day_near(days_back=80)
    third_business_day = ENGLAND.add_business_days(received, 3)
    eight_weeks = received + timedelta(weeks=8)
    closures = [
        (third_business_day, 17),  # by close of business on the 3rd business day
        (ENGLAND.add_business_days(received, 4), 9),  # the day after
        (eight_weeks, 22),  # the last day of the 8 weeks
        (eight_weeks + timedelta(days=1), 8),  # the first day after them
    ]
    for regime in ("uk-fca-disp", "uk-psd"):
        for day, hour in closures:
            await closed_on(complaints, regime, london(received, 10), london(day, hour))

    period = {"from": ago(days=100), "to": ago(days=-1)}
    fca = await report(complaints, regime="uk-fca-disp", **period)

    assert fca["closure_buckets"]["scheme"] == "fca-complaints-return"
    assert "DISP 1.10.2R" in fca["closure_buckets"]["rule"]
    assert fca["totals"]["closed"] == 4
    assert fca["totals"]["closed_by_bucket"] == {
        "closed_within_3_business_days": 1,
        "closed_after_3_business_days_within_8_weeks": 2,
        "closed_after_8_weeks": 1,
    }
    # The original bands are still there.
    assert fca["totals"]["closed_within_4_weeks"] == 2
    assert fca["totals"]["closed_4_to_8_weeks"] == 1
    assert fca["totals"]["closed_after_8_weeks"] == 1
    psd = await report(complaints, regime="uk-psd", **period)
    assert psd["totals"]["closed_by_bucket"] == fca["totals"]["closed_by_bucket"]

    everyone = await report(complaints, **period)
    assert everyone["closure_buckets"] is None
    assert everyone["totals"]["closed_by_bucket"] is None
    assert everyone["by_regime"]["uk-psd"]["closed_by_bucket"] == fca["totals"]["closed_by_bucket"]

    csv_text = (
        await complaints.client.get(
            "/v1/reports/regulatory",
            params={"regime": "uk-fca-disp", "format": "csv", **period},
            headers=complaints.headers(Role.AUDITOR),
        )
    ).text
    header, *rows = csv_text.splitlines()
    assert header.endswith(
        "redress_paid,closed_within_3_business_days,"
        "closed_after_3_business_days_within_8_weeks,closed_after_8_weeks,breaches"
    )
    assert rows[-1].startswith("all,") and ",1,2,1," in rows[-1]


async def test_the_report_counts_the_deadlines_breached_in_the_period_clock_by_clock(
    complaints: RunningComplaints,
) -> None:
    # Received 70 days ago and never answered: its acknowledgement (5 business days) and its
    # final response (8 weeks) both fell due in the period, and neither was met.
    await opened(complaints, regime="uk-fca-disp", occurred_at=ago(days=70))
    # Acknowledged, but late.
    late = await opened(complaints, occurred_at=ago(days=20))
    await record(
        complaints,
        late,
        "/acknowledgement",
        {"message": "We have your complaint", "channel": "email", "occurred_at": ago(days=10)},
    )
    # On time: no breach.
    on_time = await opened(complaints, occurred_at=ago(days=3))
    await record(
        complaints,
        on_time,
        "/acknowledgement",
        {"message": "We have your complaint", "channel": "email", "occurred_at": ago(days=3)},
    )

    period = {"from": ago(days=100), "to": ago(days=-1)}
    fca = await report(complaints, regime="uk-fca-disp", **period)
    everyone = await report(complaints, **period)
    before_any_fell_due = await report(complaints, **{"from": ago(days=100), "to": ago(days=69)})

    assert fca["totals"]["breaches_by_clock"] == {
        "acknowledgement": {"breached": 1, "met_late": 0, "unmet": 1},
        "final_response": {"breached": 1, "met_late": 0, "unmet": 1},
    }
    assert everyone["by_regime"]["default"]["breaches_by_clock"] == {
        "acknowledgement": {"breached": 1, "met_late": 1, "unmet": 0}
    }
    assert everyone["totals"]["breaches_by_clock"]["acknowledgement"]["breached"] == 2
    assert everyone["by_category"]["billing"]["breaches_by_clock"]["final_response"] == {
        "breached": 1,
        "met_late": 0,
        "unmet": 1,
    }
    assert before_any_fell_due["totals"]["breaches_by_clock"] == {}
