"""Every clock of every regime starts when its start event is recorded and is met when its
stop event is recorded, driven through the complaints API alone (SQLite and PostgreSQL).

The ADR clocks of `eu-adr` start on what the ADR entity reports through the gateway: they
are driven through a whole referral round trip in test_eu_adr_round_trip.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from libs.domain.deadlines import get_regime
from tests.conftest import RunningComplaints
from tests.support.clocks import ComplaintClocks, ago, moment

Step = Callable[[ComplaintClocks, datetime], Awaitable[None]]


@dataclass(frozen=True)
class ClockCase:
    regime: str
    clock: str
    #: What starts it (None: the complaint's receipt) and what stops it, and by which event.
    start: Step | None
    stop: Step
    met_by: str

    def __str__(self) -> str:
        return f"{self.regime}:{self.clock}:{self.met_by}"


ack, fr = ComplaintClocks.acknowledge, ComplaintClocks.final_response
refer, reopen = ComplaintClocks.refer_to_adr, ComplaintClocks.reopen
CASES = [
    ClockCase("uk-fca-disp", "acknowledgement", None, ack, "acknowledged"),
    ClockCase(
        "uk-fca-disp",
        "acknowledgement",
        None,
        ComplaintClocks.summary_resolution,
        "summary_resolution",
    ),
    ClockCase("uk-fca-disp", "final_response", None, fr, "final_response"),
    ClockCase(
        "uk-fca-disp", "final_response", None, ComplaintClocks.holding_reply, "holding_reply"
    ),
    ClockCase(
        "uk-fca-disp",
        "final_response",
        None,
        ComplaintClocks.summary_resolution,
        "summary_resolution",
    ),
    ClockCase("uk-fca-disp", "referral_window", fr, refer, "referred_to_adr"),
    ClockCase("uk-psd", "acknowledgement", None, ack, "acknowledged"),
    ClockCase("uk-psd", "final_response", None, fr, "final_response"),
    ClockCase("uk-psd", "referral_window", fr, refer, "referred_to_adr"),
    ClockCase("us-cfpb", "final_response", None, fr, "final_response"),
    ClockCase("au-rg271", "acknowledgement", None, ack, "acknowledged"),
    ClockCase("au-rg271", "final_response", None, fr, "final_response"),
    ClockCase("au-rg271", "referral_window", fr, refer, "referred_to_adr"),
    ClockCase("default", "acknowledgement", None, ack, "acknowledged"),
    ClockCase("default", "final_response", None, fr, "final_response"),
    ClockCase("default", "referral_window", fr, refer, "referred_to_adr"),
]


async def resolve_then_close(clocks: ComplaintClocks, at: datetime) -> None:
    await clocks.resolve(at - timedelta(seconds=1))
    await clocks.close(at)


async def final_response_then_reopen(clocks: ComplaintClocks, at: datetime) -> None:
    await clocks.final_response(at - timedelta(seconds=1))
    await clocks.reopen(at)


CASES += [
    # RG 271: a complaint closed within five business days needs no IDR response.
    ClockCase("au-rg271", "final_response", None, resolve_then_close, "closed"),
    ClockCase("au-rg271", "acknowledgement", None, resolve_then_close, "closed"),
    ClockCase("default", "reconsideration", final_response_then_reopen, fr, "final_response"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_a_clock_starts_on_its_start_event_and_is_met_by_its_stop_event(
    complaints: RunningComplaints, case: ClockCase
) -> None:
    received, started, stopped = ago(hours=3), ago(hours=2), ago(hours=1)
    clocks = await ComplaintClocks.open(complaints, received, regime=case.regime)
    if case.start is None:
        started = received
    else:
        assert clocks.deadline(case.clock) is None, "not before its start event"
        await case.start(clocks, started)

    deadline = clocks.deadline(case.clock)
    assert deadline is not None, f"{case.clock} did not start"
    assert moment(deadline["started_at"]) == started
    assert (deadline["state"], deadline["met_at"]) == ("pending", None)
    assert deadline["basis"] == get_regime(case.regime).clock(case.clock).basis

    await case.stop(clocks, stopped)
    await clocks.refresh()
    deadline = clocks.deadline(case.clock)
    assert deadline is not None
    assert (deadline["state"], deadline["met_by"]) == ("met", case.met_by)
    assert moment(deadline["met_at"]) == stopped


def test_every_clock_of_every_regime_has_a_case_here_or_in_the_round_trip() -> None:
    from libs.domain.deadlines import load_regimes

    covered = {(case.regime, case.clock) for case in CASES}
    covered |= {("eu-adr", "trader_answer"), ("eu-adr", "adr_outcome")}  # the round trip
    covered |= {("us-cfpb", "referral_window")}  # no stop event: see below
    every = {(r.name, c.name) for r in load_regimes().values() for c in r.clocks}
    assert every <= covered, every - covered


async def test_a_holding_reply_under_psd_extends_the_final_response_to_35_business_days(
    complaints: RunningComplaints,
) -> None:
    clocks = await ComplaintClocks.open(complaints, ago(hours=3), regime="uk-psd")
    first_due = moment(clocks.deadline("final_response")["due_at"])
    await clocks.holding_reply(ago(hours=1))
    extended = clocks.deadline("final_response")
    assert extended is not None and extended["state"] == "pending"
    assert moment(extended["due_at"]) > first_due
    await clocks.final_response(ago(minutes=30))
    assert clocks.deadline("final_response")["state"] == "met"


async def test_cfpb_in_progress_extends_the_response_and_feedback_runs_from_the_response(
    complaints: RunningComplaints,
) -> None:
    clocks = await ComplaintClocks.open(complaints, ago(hours=3), regime="us-cfpb")
    assert clocks.deadline("referral_window") is None
    await clocks.holding_reply(ago(hours=2))
    due = moment(clocks.deadline("final_response")["due_at"])
    received = moment(clocks.document["received_at"])
    assert timedelta(days=60) <= due - received < timedelta(days=61)
    responded = ago(hours=1)
    await clocks.final_response(responded)
    # The consumer's feedback window: Redress records no feedback, so it has no stop event
    # and simply runs its 60 days from the response (see docs/deadlines.md).
    window = clocks.deadline("referral_window")
    assert window is not None and window["party"] == "customer"
    assert moment(window["started_at"]) == responded
    assert window["state"] == "pending"


async def test_the_firms_answer_to_an_adr_entity_needs_a_referral_and_a_message(
    complaints: RunningComplaints,
) -> None:
    clocks = await ComplaintClocks.open(complaints, ago(hours=1), regime="eu-adr")
    refused = await complaints.client.post(
        f"/v1/complaints/{clocks.id}/adr-answer",
        json={"message": "We will take part."},
        headers=complaints.headers(),
    )
    assert refused.status_code == 409
    assert refused.json()["current_status"] == "open"
    for body in ({"message": ""}, {"message": "Yes", "participates": "yes"}, {}):
        invalid = await complaints.client.post(
            f"/v1/complaints/{clocks.id}/adr-answer", json=body, headers=complaints.headers()
        )
        assert invalid.status_code == 422, body
    assert (await clocks.refresh())["version"] == clocks.document["version"] == 1
