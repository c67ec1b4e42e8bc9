"""What a complaint's deadlines say about themselves reads right, through the API (SQLite and
PostgreSQL): `approaching` only within the lead its regime declares, never at creation; a
reopen keeps met deadlines met and starts only what the regime says a reopen starts; an
upheld appeal keeps the final response it sets aside, marked so, beside a deadline that
stays met."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from libs.domain.deadlines import known_regime_names
from libs.domain.values import Role
from tests.conftest import RunningComplaints
from tests.support.clocks import ComplaintClocks, ago, moment


@pytest.mark.parametrize("regime", known_regime_names())
async def test_a_new_complaints_deadlines_are_not_approaching(
    complaints: RunningComplaints, regime: str
) -> None:
    clocks = await ComplaintClocks.open(complaints, ago(seconds=0), regime=regime)
    for deadline in clocks.document["deadlines"]:
        assert deadline["approaching"] is False, deadline["clock"]
        assert moment(deadline["approaching_from"]) > moment(deadline["started_at"])


async def test_a_deadline_approaches_within_the_lead_its_regime_declares(
    complaints: RunningComplaints,
) -> None:
    # default: a final response within 30 days, approaching 5 business days before it is due.
    clocks = await ComplaintClocks.open(complaints, ago(days=28), regime="default")
    final = clocks.deadline("final_response")
    assert final is not None and final["approaching"] is True
    assert "approaching from" in final["explanation"]
    assert "a week to write the final response" in final["explanation"]
    assert moment(final["approaching_from"]) <= datetime.now(UTC) < moment(final["due_at"])
    # The lead is the regime's: five business days before the last business day.
    assert moment(final["due_at"]) - moment(final["approaching_from"]) >= timedelta(days=5)


async def test_a_reopen_keeps_met_deadlines_met_and_disp_starts_no_new_clock(
    complaints: RunningComplaints,
) -> None:
    clocks = await ComplaintClocks.open(complaints, ago(days=3), regime="uk-fca-disp")
    acknowledged, answered = ago(days=2), ago(days=1)
    await clocks.acknowledge(acknowledged)
    await clocks.final_response(answered)
    before = {d["clock"]: d for d in clocks.document["deadlines"]}

    await clocks.reopen(ago(hours=1))

    after = {d["clock"]: d for d in clocks.document["deadlines"]}
    assert clocks.document["status"] == "open"
    # DISP has no rule restarting its clocks on a reopen: the same clocks, still met, with
    # the dates they were met on.
    assert set(after) == set(before) == {"acknowledgement", "final_response", "referral_window"}
    for clock in ("acknowledgement", "final_response"):
        assert (after[clock]["state"], after[clock]["met_at"]) == (
            "met",
            before[clock]["met_at"],
        )
        assert after[clock]["due_at"] == before[clock]["due_at"]
    assert moment(after["final_response"]["met_at"]) == answered
    # The customer's window still runs from the final response they were sent.
    assert after["referral_window"]["started_at"] == before["referral_window"]["started_at"]


async def test_a_reopen_under_the_default_regime_starts_a_new_final_response_clock(
    complaints: RunningComplaints,
) -> None:
    clocks = await ComplaintClocks.open(complaints, ago(days=3), regime="default")
    await clocks.final_response(ago(days=2))
    reopened = ago(days=1)
    await clocks.reopen(reopened)

    assert clocks.deadline("final_response")["state"] == "met"
    again = clocks.deadline("reconsideration")
    assert again is not None and again["state"] == "pending"
    assert moment(again["started_at"]) == reopened
    assert moment(again["due_at"]) - reopened >= timedelta(days=30)

    second = ago(hours=1)
    await clocks.final_response(second)
    again = clocks.deadline("reconsideration")
    assert (again["state"], moment(again["met_at"])) == ("met", second)
    # The customer's window runs from the latest final response.
    assert moment(clocks.deadline("referral_window")["started_at"]) == second


async def test_an_upheld_appeal_keeps_the_final_response_it_sets_aside(
    complaints: RunningComplaints,
) -> None:
    clocks = await ComplaintClocks.open(complaints, ago(days=3), regime="default")
    first = ago(days=2)
    await clocks.final_response(first)
    await clocks.post("/appeals", {"grounds": "The refund was due"}, status=201)
    appeal_id = clocks.document["appeals"][0]["id"]
    decided = ago(days=1)
    await clocks.post(
        f"/appeals/{appeal_id}/decision",
        {
            "outcome": "upheld",
            "decided_at_tier": "supervisor",
            "reasons": "The charge was duplicated",
            "occurred_at": decided.isoformat(),
        },
        role=Role.SUPERVISOR,
    )

    document = clocks.document
    assert (document["status"], document["resolution"]) == ("escalated", None)
    # The letter that was sent stays on record, marked as set aside by the appeal …
    letter = document["final_response"]
    assert moment(letter["issued_at"]) == first
    assert letter["superseded_by_appeal"] == appeal_id
    assert moment(letter["superseded_at"]) == decided
    # … beside the deadline it met; the regime's reopen clock starts at the appeal.
    final = clocks.deadline("final_response")
    assert (final["state"], moment(final["met_at"])) == ("met", first)
    again = clocks.deadline("reconsideration")
    assert again is not None and moment(again["started_at"]) == decided

    # The review ends in a new final response, which stands.
    second = ago(hours=1)
    await clocks.final_response(second)
    letter = clocks.document["final_response"]
    assert (moment(letter["issued_at"]), letter["superseded_by_appeal"]) == (second, None)
    assert clocks.deadline("reconsideration")["state"] == "met"
