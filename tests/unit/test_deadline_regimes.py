"""Each regime's deadlines, worked by hand from its rule and checked against a wall calendar.

How to read a case: the complaint's facts (when it was received, acknowledged, answered…),
the moment we ask (`as_of`), and the deadlines the regime sets. A deadline falls due at the
end of its due day in the regime's timezone; anything done on that day is on time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from libs.domain.deadlines import (
    ClockEvent,
    ClockFacts,
    Deadline,
    DeadlineState,
    Party,
    PausedInterval,
    RegimeError,
    UnknownRegime,
    approaching_from,
    compute_deadlines,
    get_regime,
    is_approaching,
    known_regime_names,
    load_regime_file,
    load_regimes,
    missing_final_response_elements,
)
from libs.domain.deadlines.final_response import find_missing_elements
from libs.domain.errors import InvalidArgument

PENDING, MET, BREACHED = DeadlineState.PENDING, DeadlineState.MET, DeadlineState.BREACHED


def london(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/London"))


def sydney(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=ZoneInfo("Australia/Sydney"))


def new_york(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=ZoneInfo("America/New_York"))


def brussels(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=ZoneInfo("Europe/Brussels"))


def utc(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def deadlines(regime: str, as_of: datetime, **facts: object) -> dict[str, Deadline]:
    computed = compute_deadlines(get_regime(regime), ClockFacts(**facts), as_of)  # type: ignore[arg-type]
    return {deadline.clock: deadline for deadline in computed}


def due_day(deadline: Deadline) -> date:
    assert deadline.due_at.time() == time.max
    return deadline.calendar.local_date(deadline.due_at)


# -- the packaged regimes -----------------------------------------------------------------


def test_six_regimes_are_packaged() -> None:
    assert known_regime_names() == (
        "au-rg271",
        "default",
        "eu-adr",
        "uk-fca-disp",
        "uk-psd",
        "us-cfpb",
    )


def test_an_unknown_regime_is_refused_listing_the_known_ones() -> None:
    with pytest.raises(UnknownRegime, match=r"unknown regime 'uk-fsa'.*uk-fca-disp") as error:
        get_regime("uk-fsa")
    assert error.value.field == "regime"
    assert "default" in error.value.known


def test_regimes_name_their_holiday_calendars() -> None:
    assert get_regime("uk-fca-disp").calendar.subdivision == "ENG"
    assert get_regime("au-rg271").calendar.subdivision == "NSW"
    assert get_regime("us-cfpb").calendar.country == "US"
    assert get_regime("au-rg271").calendar.timezone == "Australia/Sydney"


# -- uk-fca-disp --------------------------------------------------------------------------
# Received Fri 22 Aug 2025, the Friday before the August bank holiday (Mon 25 Aug, England).


def test_fca_received_before_the_august_bank_holiday() -> None:
    found = deadlines("uk-fca-disp", london(2025, 8, 26), received_at=london(2025, 8, 22))
    # Acknowledgement, "promptly" held to 5 business days: Tue 26, Wed 27, Thu 28, Fri 29,
    # Mon 1 Sep.
    assert due_day(found["acknowledgement"]) == date(2025, 9, 1)
    # Final response: 8 weeks = 56 days after Fri 22 Aug is Fri 17 Oct 2025.
    assert due_day(found["final_response"]) == date(2025, 10, 17)
    assert found["final_response"].state is PENDING
    assert "Late Summer Bank Holiday (Mon 25 Aug 2025)" in found["acknowledgement"].explanation
    assert "DISP 1.6.2R" in found["final_response"].basis
    # No final response yet, so the customer's referral window has not started.
    assert "referral_window" not in found


def test_fca_summary_resolution_by_close_of_the_third_business_day_needs_no_final_response() -> (
    None
):
    # Third business day after Fri 22 Aug: Tue 26 (1), Wed 27 (2), Thu 28 (3). Late on Thu 28
    # is still by its close.
    resolved = london(2025, 8, 28, 21, 30)
    found = deadlines(
        "uk-fca-disp",
        london(2025, 11, 1),
        received_at=london(2025, 8, 22),
        summary_resolution_at=resolved,
    )
    final = found["final_response"]
    assert (final.state, final.met_at, final.met_by) == (
        MET,
        resolved,
        ClockEvent.SUMMARY_RESOLUTION,
    )
    assert "Thu 28 Aug 2025" in final.explanation
    # The summary resolution also told the customer the complaint was received.
    assert found["acknowledgement"].state is MET


def test_fca_summary_resolution_on_the_fourth_business_day_is_too_late() -> None:
    found = deadlines(
        "uk-fca-disp",
        london(2025, 9, 1),
        received_at=london(2025, 8, 22),
        summary_resolution_at=london(2025, 8, 29, 9),
    )
    # The final-response clock still runs to Fri 17 Oct.
    assert found["final_response"].state is PENDING
    assert due_day(found["final_response"]) == date(2025, 10, 17)


def test_fca_in_scotland_the_bank_holiday_does_not_count() -> None:
    # Scotland works on Mon 25 Aug: Mon 25 (1), Tue 26 (2), Wed 27 (3). Thu 28 is too late.
    found = deadlines(
        "uk-fca-disp",
        london(2025, 9, 1),
        received_at=london(2025, 8, 22),
        summary_resolution_at=london(2025, 8, 28, 9),
        subdivision="SCT",
    )
    assert found["final_response"].state is PENDING
    assert found["final_response"].calendar.subdivision == "SCT"


def test_fca_final_response_late_on_the_due_day_is_on_time_and_after_midnight_is_late() -> None:
    on_time = deadlines(
        "uk-fca-disp",
        london(2025, 10, 20),
        received_at=london(2025, 8, 22),
        final_response_at=london(2025, 10, 17, 23, 59),
    )
    assert on_time["final_response"].state is MET
    late_at = london(2025, 10, 18, 0, 30)
    late = deadlines(
        "uk-fca-disp",
        london(2025, 10, 20),
        received_at=london(2025, 8, 22),
        final_response_at=late_at,
    )
    assert late["final_response"].state is BREACHED
    assert late["final_response"].met_at == late_at


def test_fca_no_final_response_by_the_end_of_eight_weeks_is_a_breach() -> None:
    found = deadlines("uk-fca-disp", london(2025, 10, 18, 0, 1), received_at=london(2025, 8, 22))
    assert found["final_response"].state is BREACHED
    assert found["acknowledgement"].state is BREACHED


def test_fca_an_eight_week_holding_response_with_ombudsman_rights_meets_the_deadline() -> None:
    found = deadlines(
        "uk-fca-disp",
        london(2025, 10, 20),
        received_at=london(2025, 8, 22),
        holding_reply_at=london(2025, 10, 16),
    )
    assert (found["final_response"].state, found["final_response"].met_by) == (
        MET,
        ClockEvent.HOLDING_REPLY,
    )


def test_fca_the_final_response_opens_six_months_to_refer_to_the_ombudsman() -> None:
    found = deadlines(
        "uk-fca-disp",
        london(2026, 4, 17, 12),
        received_at=london(2025, 8, 22),
        final_response_at=london(2025, 10, 17),
    )
    window = found["referral_window"]
    # Six months after Fri 17 Oct 2025 is Fri 17 Apr 2026, ending at midnight BST.
    assert due_day(window) == date(2026, 4, 17)
    assert window.due_at.utcoffset() == ZoneInfo("Europe/London").utcoffset(datetime(2026, 4, 17))
    assert (window.party, window.state) == (Party.CUSTOMER, PENDING)
    lapsed = deadlines(
        "uk-fca-disp",
        london(2026, 4, 18),
        received_at=london(2025, 8, 22),
        final_response_at=london(2025, 10, 17),
    )
    assert lapsed["referral_window"].state is BREACHED


def test_fca_christmas_pushes_the_summary_resolution_window() -> None:
    # Received Tue 23 Dec 2025: Wed 24 (1), Thu 25 and Fri 26 holidays, weekend, Mon 29 (2),
    # Tue 30 (3). A summary resolution on Tue 30 Dec is in time.
    found = deadlines(
        "uk-fca-disp",
        london(2026, 1, 5),
        received_at=london(2025, 12, 23),
        summary_resolution_at=london(2025, 12, 30, 16),
    )
    assert found["final_response"].state is MET


def test_fca_easter_2026() -> None:
    # Received Thu 2 Apr 2026: Good Friday and Easter Monday are bank holidays, so the third
    # business day after is Thu 9 Apr (Tue 7, Wed 8, Thu 9); 8 weeks after is Thu 28 May.
    found = deadlines(
        "uk-fca-disp",
        london(2026, 4, 10),
        received_at=london(2026, 4, 2),
        summary_resolution_at=london(2026, 4, 9, 17),
    )
    assert found["final_response"].state is MET
    assert due_day(found["final_response"]) == date(2026, 5, 28)


def test_deadlines_are_recomputed_as_they_stood_at_a_past_moment() -> None:
    # As of 1 Sep 2025 the final response of 10 Oct had not happened yet.
    found = deadlines(
        "uk-fca-disp",
        london(2025, 9, 1),
        received_at=london(2025, 8, 22),
        final_response_at=london(2025, 10, 10),
    )
    assert found["final_response"].state is PENDING
    assert found["final_response"].met_at is None
    assert "referral_window" not in found


# -- uk-psd -------------------------------------------------------------------------------


def test_psd_fifteen_business_days_across_the_august_bank_holiday() -> None:
    # From Fri 22 Aug 2025: Tue 26-Fri 29 (4), 1-5 Sep (9), 8-12 Sep (14), Mon 15 Sep (15).
    found = deadlines("uk-psd", london(2025, 9, 16), received_at=london(2025, 8, 22))
    assert due_day(found["final_response"]) == date(2025, 9, 15)
    assert found["final_response"].state is BREACHED


def test_psd_a_holding_reply_within_fifteen_days_extends_to_thirty_five() -> None:
    # From Mon 15 Sep (15): 16-19 (19), 22-26 (24), 29 Sep-3 Oct (29), 6-10 Oct (34),
    # Mon 13 Oct (35).
    found = deadlines(
        "uk-psd",
        london(2025, 9, 16),
        received_at=london(2025, 8, 22),
        holding_reply_at=london(2025, 9, 12),
    )
    final = found["final_response"]
    assert due_day(final) == date(2025, 10, 13)
    assert final.state is PENDING
    assert "holding reply on Fri 12 Sep 2025 extends it" in final.explanation


def test_psd_a_holding_reply_after_the_fifteenth_business_day_extends_nothing() -> None:
    found = deadlines(
        "uk-psd",
        london(2025, 9, 17),
        received_at=london(2025, 8, 22),
        holding_reply_at=london(2025, 9, 16),
    )
    assert due_day(found["final_response"]) == date(2025, 9, 15)
    assert found["final_response"].state is BREACHED
    assert "came too late" in found["final_response"].explanation


def test_psd_over_christmas_england_and_scotland_differ_on_2_january() -> None:
    # From Mon 15 Dec 2025: 16-19 (4), 22-24 (7), 25-26 holidays, 29-31 (10), 1 Jan holiday,
    # Fri 2 Jan (11), Mon 5-Thu 8 Jan (15). Scotland rests on 2 Jan too: Fri 9 Jan (15).
    england = deadlines("uk-psd", london(2025, 12, 16), received_at=london(2025, 12, 15))
    scotland = deadlines(
        "uk-psd", london(2025, 12, 16), received_at=london(2025, 12, 15), subdivision="SCT"
    )
    assert due_day(england["final_response"]) == date(2026, 1, 8)
    assert due_day(scotland["final_response"]) == date(2026, 1, 9)


# -- eu-adr -------------------------------------------------------------------------------


def test_eu_adr_sets_no_deadline_on_the_traders_own_process() -> None:
    assert deadlines("eu-adr", brussels(2025, 6, 1), received_at=brussels(2025, 4, 1)) == {}


def test_eu_adr_without_the_2025_amendment_the_trader_has_no_time_limit() -> None:
    # Directive 2013/11/EU leaves the period to the ADR entity's rules: no trader clock.
    found = deadlines(
        "eu-adr",
        brussels(2025, 5, 1),
        received_at=brussels(2025, 3, 1),
        adr_request_at=brussels(2025, 4, 28),
    )
    assert "trader_answer" not in found


REPLY_DUTY = "directive-2025-2647"


def test_eu_adr_trader_answers_within_20_working_days_skipping_labour_day() -> None:
    # Request Mon 28 Apr 2025; TARGET closes Thu 1 May: Tue 29 (1), Wed 30 (2), Fri 2 May (3),
    # 5-9 (8), 12-16 (13), 19-23 (18), Mon 26 (19), Tue 27 May (20).
    found = deadlines(
        "eu-adr",
        brussels(2025, 5, 1),
        received_at=brussels(2025, 3, 1),
        adr_request_at=brussels(2025, 4, 28),
        variant=REPLY_DUTY,
    )
    assert due_day(found["trader_answer"]) == date(2025, 5, 27)
    assert found["trader_answer"].party is Party.FIRM
    assert "no answer counts as a refusal" in found["trader_answer"].basis
    # Named before the rule applies: the deadline says so.
    assert "applies from Wed 20 Sep 2028" in found["trader_answer"].explanation


def test_eu_adr_the_2025_variant_states_its_effective_date() -> None:
    variant = get_regime("eu-adr").variant_details[REPLY_DUTY]
    assert variant.effective_from == date(2028, 9, 20)
    assert "2025/2647" in variant.source
    found = deadlines(
        "eu-adr",
        brussels(2028, 10, 2),
        received_at=brussels(2028, 9, 1),
        adr_request_at=brussels(2028, 9, 25),
        variant=REPLY_DUTY,
    )
    assert "applies from" not in found["trader_answer"].explanation


def test_eu_adr_complex_disputes_give_the_trader_30_working_days() -> None:
    # Continuing from Tue 27 May (20): 28-30 (23), 2-6 Jun (28), Mon 9 (29), Tue 10 Jun (30).
    found = deadlines(
        "eu-adr",
        brussels(2025, 5, 1),
        received_at=brussels(2025, 3, 1),
        adr_request_at=brussels(2025, 4, 28),
        variant="complex",
    )
    assert due_day(found["trader_answer"]) == date(2025, 6, 10)
    assert "30 working days" in found["trader_answer"].basis


def test_eu_adr_a_french_trader_counts_french_holidays() -> None:
    # France also rests on Thu 8 May (Victory Day): Tue 29 (1), Wed 30 (2), Fri 2 (3),
    # 5-7 (6), Fri 9 (7), 12-16 (12), 19-23 (17), 26-28 May (20).
    found = deadlines(
        "eu-adr",
        brussels(2025, 5, 1),
        received_at=brussels(2025, 3, 1),
        adr_request_at=brussels(2025, 4, 28),
        country="FR",
        variant=REPLY_DUTY,
    )
    assert due_day(found["trader_answer"]) == date(2025, 5, 28)


def test_eu_adr_the_firms_answer_meets_the_latest_request() -> None:
    # Asked on 28 Apr and again on 2 Jun; answered on 4 Jun. The clock runs from the latest
    # request, and an answer given before a request does not meet it.
    facts = {
        "received_at": brussels(2025, 3, 1),
        "adr_request_at": brussels(2025, 4, 28),
        "variant": REPLY_DUTY,
        "history": {
            ClockEvent.ADR_REQUEST: (brussels(2025, 4, 28), brussels(2025, 6, 2)),
            ClockEvent.ADR_ANSWER: (brussels(2025, 5, 2), brussels(2025, 6, 4)),
        },
    }
    before_second_answer = deadlines("eu-adr", brussels(2025, 6, 3), **facts)["trader_answer"]
    assert before_second_answer.started_at == brussels(2025, 6, 2)
    assert before_second_answer.state is PENDING
    answered = deadlines("eu-adr", brussels(2025, 6, 5), **facts)["trader_answer"]
    assert (answered.state, answered.met_at) == (MET, brussels(2025, 6, 4))


def test_eu_adr_entity_concludes_within_90_days_of_the_complete_file() -> None:
    # Mon 3 Mar 2025 + 90 days = Sun 1 Jun 2025; calendar days do not move off a Sunday.
    found = deadlines(
        "eu-adr",
        brussels(2025, 6, 2),
        received_at=brussels(2025, 1, 10),
        adr_file_complete_at=brussels(2025, 3, 3),
        adr_outcome_at=brussels(2025, 5, 30),
    )
    outcome = found["adr_outcome"]
    assert due_day(outcome) == date(2025, 6, 1)
    assert (outcome.party, outcome.state) == (Party.ADR_ENTITY, MET)


# -- us-cfpb ------------------------------------------------------------------------------


def test_cfpb_fifteen_calendar_days_straight_through_thanksgiving() -> None:
    # Wed 19 Nov 2025 + 15 days = Thu 4 Dec; Thanksgiving (Thu 27 Nov) changes nothing.
    found = deadlines("us-cfpb", new_york(2025, 11, 20), received_at=new_york(2025, 11, 19))
    assert due_day(found["final_response"]) == date(2025, 12, 4)
    assert "acknowledgement" not in found


def test_cfpb_a_deadline_on_a_weekend_stays_there() -> None:
    # Fri 20 Jun 2025 + 15 days = Sat 5 Jul 2025 (Juneteenth and 4 July are irrelevant).
    found = deadlines("us-cfpb", new_york(2025, 6, 21), received_at=new_york(2025, 6, 20))
    assert due_day(found["final_response"]) == date(2025, 7, 5)


def test_cfpb_receipt_is_dated_in_new_york_time() -> None:
    # 03:00 UTC on 20 Nov is 22:00 on Wed 19 Nov in New York (EST).
    found = deadlines(
        "us-cfpb", new_york(2025, 11, 20), received_at=datetime(2025, 11, 20, 3, tzinfo=UTC)
    )
    assert found["final_response"].due_at == datetime.combine(
        date(2025, 12, 4), time.max, tzinfo=ZoneInfo("America/New_York")
    )


def test_cfpb_in_progress_within_15_days_allows_a_final_response_by_day_60() -> None:
    # Wed 19 Nov 2025 + 60 days = Sun 18 Jan 2026.
    found = deadlines(
        "us-cfpb",
        new_york(2025, 12, 20),
        received_at=new_york(2025, 11, 19),
        holding_reply_at=new_york(2025, 11, 29),
    )
    assert due_day(found["final_response"]) == date(2026, 1, 18)
    assert found["final_response"].state is PENDING


def test_cfpb_consumer_feedback_window_of_60_days_after_the_response() -> None:
    # Thu 4 Dec 2025 + 60 days = Mon 2 Feb 2026.
    facts = {"received_at": new_york(2025, 11, 19), "final_response_at": new_york(2025, 12, 4)}
    found = deadlines("us-cfpb", new_york(2026, 2, 2, 18), **facts)
    assert due_day(found["referral_window"]) == date(2026, 2, 2)
    assert found["referral_window"].state is PENDING
    assert deadlines("us-cfpb", new_york(2026, 2, 3), **facts)["referral_window"].state is BREACHED


def test_cfpb_pauses_are_ignored_because_the_regime_allows_none() -> None:
    found = deadlines(
        "us-cfpb",
        new_york(2025, 11, 20),
        received_at=new_york(2025, 11, 19),
        paused=(PausedInterval(new_york(2025, 11, 20), new_york(2025, 11, 30)),),
    )
    assert due_day(found["final_response"]) == date(2025, 12, 4)


# -- au-rg271 -----------------------------------------------------------------------------


def test_au_acknowledgement_within_one_business_day_skips_anzac_day() -> None:
    # Received Thu 24 Apr 2025; Fri 25 Apr is Anzac Day in NSW: due Mon 28 Apr.
    found = deadlines("au-rg271", sydney(2025, 4, 28), received_at=sydney(2025, 4, 24))
    assert due_day(found["acknowledgement"]) == date(2025, 4, 28)


def test_au_easter_thirty_calendar_days_and_the_variants() -> None:
    received = sydney(2025, 4, 17)  # Maundy Thursday
    standard = deadlines("au-rg271", sydney(2025, 4, 18), received_at=received)
    # Acknowledgement: Good Friday and Easter Monday are holidays, so Tue 22 Apr.
    assert due_day(standard["acknowledgement"]) == date(2025, 4, 22)
    # 17 Apr + 30 days = Sat 17 May 2025, counted straight through Easter and Anzac Day.
    assert due_day(standard["final_response"]) == date(2025, 5, 17)
    hardship = deadlines("au-rg271", sydney(2025, 4, 18), received_at=received, variant="hardship")
    assert due_day(hardship["final_response"]) == date(2025, 5, 8)  # 17 Apr + 21
    superannuation = deadlines(
        "au-rg271", sydney(2025, 4, 18), received_at=received, variant="superannuation"
    )
    assert due_day(superannuation["final_response"]) == date(2025, 6, 1)  # 17 Apr + 45


def test_au_closed_within_five_business_days_needs_no_formal_response() -> None:
    # From Thu 17 Apr 2025: Tue 22 (1), Wed 23 (2), Thu 24 (3), Anzac Day, Mon 28 (4),
    # Tue 29 Apr (5).
    closed = sydney(2025, 4, 29, 17)
    found = deadlines(
        "au-rg271", sydney(2025, 6, 1), received_at=sydney(2025, 4, 17), closed_at=closed
    )
    assert (found["final_response"].state, found["final_response"].met_by) == (
        MET,
        ClockEvent.CLOSED,
    )
    late = deadlines(
        "au-rg271",
        sydney(2025, 5, 1),
        received_at=sydney(2025, 4, 17),
        closed_at=sydney(2025, 4, 30),
    )
    assert late["final_response"].state is PENDING


def test_au_receipt_is_dated_in_sydney_time() -> None:
    # 20:00 UTC on 16 Apr is 06:00 on Thu 17 Apr in Sydney (AEST, UTC+10).
    found = deadlines(
        "au-rg271", sydney(2025, 4, 18), received_at=datetime(2025, 4, 16, 20, tzinfo=UTC)
    )
    assert due_day(found["final_response"]) == date(2025, 5, 17)


def test_au_two_years_to_go_to_afca_after_the_response() -> None:
    found = deadlines(
        "au-rg271",
        sydney(2025, 5, 16),
        received_at=sydney(2025, 4, 17),
        final_response_at=sydney(2025, 5, 15),
    )
    assert due_day(found["referral_window"]) == date(2027, 5, 15)
    assert found["final_response"].state is MET


def test_an_unknown_variant_is_refused_listing_the_regimes_variants() -> None:
    with pytest.raises(InvalidArgument, match=r"known: superannuation, hardship"):
        deadlines("au-rg271", sydney(2025, 4, 18), received_at=sydney(2025, 4, 17), variant="pets")


# -- default ------------------------------------------------------------------------------


def test_default_counts_weekends_only_unless_the_complaint_names_a_country() -> None:
    # Fri 22 Aug 2025: Mon 25 (1), Tue 26 (2). In England Mon 25 is a holiday: Wed 27.
    plain = deadlines("default", utc(2025, 8, 23), received_at=utc(2025, 8, 22))
    assert due_day(plain["acknowledgement"]) == date(2025, 8, 26)
    english = deadlines(
        "default", utc(2025, 8, 23), received_at=utc(2025, 8, 22), country="GB", subdivision="ENG"
    )
    assert due_day(english["acknowledgement"]) == date(2025, 8, 27)
    # 22 Aug + 30 days = Sun 21 Sep.
    assert due_day(plain["final_response"]) == date(2025, 9, 21)


def test_default_a_pause_adds_the_days_it_lasted() -> None:
    # Paused Mon 1 Sep 09:00 to Thu 4 Sep 15:00: Mon, Tue, Wed are added back (the restart day
    # is not), so Sun 21 Sep becomes Wed 24 Sep.
    pause = PausedInterval(utc(2025, 9, 1, 9), utc(2025, 9, 4, 15))
    found = deadlines("default", utc(2025, 9, 22), received_at=utc(2025, 8, 22), paused=(pause,))
    assert due_day(found["final_response"]) == date(2025, 9, 24)
    assert found["final_response"].state is PENDING


def test_default_a_clock_still_paused_is_never_breached() -> None:
    # Paused since Mon 15 Sep; as of Mon 29 Sep, 14 days are added: Sun 21 Sep -> Sun 5 Oct.
    pause = PausedInterval(utc(2025, 9, 15))
    found = deadlines("default", utc(2025, 9, 29), received_at=utc(2025, 8, 22), paused=(pause,))
    assert due_day(found["final_response"]) == date(2025, 10, 5)
    assert found["final_response"].state is PENDING
    assert "still paused" in found["final_response"].explanation


def test_a_subdivision_without_a_country_is_refused_for_a_regime_without_one() -> None:
    with pytest.raises(InvalidArgument, match="name a country"):
        deadlines("default", utc(2025, 8, 23), received_at=utc(2025, 8, 22), subdivision="SCT")


# -- approaching ----------------------------------------------------------------------------


def test_a_deadline_approaches_from_the_lead_its_regime_declares() -> None:
    found = deadlines("uk-fca-disp", london(2025, 10, 9), received_at=london(2025, 8, 22))
    final = found["final_response"]  # due Fri 17 Oct 2025
    # uk-fca-disp declares ten business days for the final response: Fri 3 Oct.
    assert approaching_from(final, 5) == datetime.combine(
        date(2025, 10, 3), time.min, tzinfo=ZoneInfo("Europe/London")
    )
    assert "approaching from Fri 3 Oct 2025 (10 business days" in final.explanation
    assert not is_approaching(final, london(2025, 10, 2, 23), 5)
    assert is_approaching(final, london(2025, 10, 3, 9), 5)
    assert is_approaching(final, london(2025, 10, 17, 23), 5)
    assert not is_approaching(final, london(2025, 10, 18, 1), 5)  # breached, not approaching


def test_the_lead_time_skips_holidays() -> None:
    # Due Thu 8 Jan 2026 (uk-psd, from 15 Dec; five business days declared). Back five
    # business days: Wed 7, Tue 6, Mon 5, Fri 2, Wed 31 Dec.
    found = deadlines("uk-psd", london(2025, 12, 16), received_at=london(2025, 12, 15))
    assert approaching_from(found["final_response"], 0).date() == date(2025, 12, 31)


def test_a_share_of_the_clock_approaches_in_its_last_fifth() -> None:
    # us-cfpb: the last 20% of the time from Fri 20 Jun 10:00 to the end of Sat 5 Jul.
    found = deadlines("us-cfpb", new_york(2025, 6, 21), received_at=new_york(2025, 6, 20))
    final = found["final_response"]
    assert approaching_from(final, 0) == final.due_at - (final.due_at - final.started_at) / 5
    assert approaching_from(final, 0).date() == date(2025, 7, 2)


def test_a_clock_that_declares_no_lead_uses_the_services_default_never_before_halfway() -> None:
    # The referral window declares none: five business days before its last business day.
    found = deadlines(
        "uk-fca-disp",
        london(2025, 11, 1),
        received_at=london(2025, 8, 22),
        final_response_at=london(2025, 10, 1),
    )
    window = found["referral_window"]  # six months: Wed 1 Apr 2026
    assert window.approaching_at is None
    assert approaching_from(window, 5).date() == date(2026, 3, 25)
    # A lead longer than the clock stops at its half.
    assert (
        approaching_from(window, 500) == window.started_at + (window.due_at - window.started_at) / 2
    )


def test_a_met_deadline_is_not_approaching() -> None:
    found = deadlines(
        "uk-fca-disp",
        london(2025, 10, 15),
        received_at=london(2025, 8, 22),
        final_response_at=london(2025, 10, 14),
    )
    assert not is_approaching(found["final_response"], london(2025, 10, 15), 5)


RECEIPTS = [  # a Monday morning, a Friday evening, a Saturday, the eve of a holiday
    datetime(2025, 8, 18, 9, tzinfo=UTC),
    datetime(2025, 8, 22, 21, tzinfo=UTC),
    datetime(2025, 8, 23, 12, tzinfo=UTC),
    datetime(2025, 12, 24, 16, tzinfo=UTC),
]


@pytest.mark.parametrize("regime", known_regime_names())
@pytest.mark.parametrize("received", RECEIPTS)
def test_no_deadline_is_approaching_when_its_clock_starts(regime: str, received: datetime) -> None:
    # Every clock started at once, as if everything happened the moment it was received.
    facts = ClockFacts(
        received_at=received,
        final_response_at=received,
        adr_file_complete_at=received,
        adr_request_at=received,
        decision_reopened_at=received,
        variant="complex" if regime == "eu-adr" else None,
    )
    for deadline in compute_deadlines(get_regime(regime), facts, received):
        assert approaching_from(deadline, 5) > deadline.started_at, deadline.clock
        # A brand-new deadline is not approaching, whatever the service's default lead.
        running = replace(deadline, state=PENDING)
        assert not is_approaching(running, received, 5), deadline.clock
        assert not is_approaching(running, received, 1000), deadline.clock


def test_every_firm_clock_of_the_packaged_regimes_declares_its_lead_with_a_reason() -> None:
    for name in known_regime_names():
        for clock in get_regime(name).clocks:
            if clock.party is not Party.CUSTOMER:
                assert clock.approaching is not None, (name, clock.name)
                assert clock.approaching.reason, (name, clock.name)


# -- reopened and appealed decisions ----------------------------------------------------------


def test_a_reopen_keeps_met_deadlines_met_and_starts_nothing_under_disp() -> None:
    # Acknowledged 26 Aug, final response 1 Oct, reopened 10 Oct, a new final response 5 Nov.
    received, reopened = london(2025, 8, 22), london(2025, 10, 10)
    facts = ClockFacts(
        received_at=received,
        acknowledged_at=london(2025, 8, 26),
        final_response_at=london(2025, 10, 1),
        decision_reopened_at=reopened,
        history={ClockEvent.FINAL_RESPONSE: (london(2025, 10, 1), london(2025, 11, 5))},
    )
    found = {
        d.clock: d
        for d in compute_deadlines(get_regime("uk-fca-disp"), facts, london(2025, 10, 20))
    }
    assert found["acknowledgement"].state is MET
    assert (found["final_response"].state, found["final_response"].met_at) == (
        MET,
        london(2025, 10, 1),
    )
    # DISP restarts nothing on a reopen: no new clock.
    assert set(found) == {"acknowledgement", "final_response", "referral_window"}
    later = {
        d.clock: d for d in compute_deadlines(get_regime("uk-fca-disp"), facts, london(2025, 11, 6))
    }
    # The customer's window runs from the latest final response.
    assert later["referral_window"].started_at == london(2025, 11, 5)


def test_the_default_regime_gives_a_reopened_complaint_a_new_final_response_in_30_days() -> None:
    facts = ClockFacts(
        received_at=utc(2025, 8, 22),
        final_response_at=utc(2025, 9, 1),
        decision_reopened_at=utc(2025, 9, 10),
        history={ClockEvent.FINAL_RESPONSE: (utc(2025, 9, 1), utc(2025, 9, 30))},
    )
    regime = get_regime("default")
    pending = {d.clock: d for d in compute_deadlines(regime, facts, utc(2025, 9, 11))}
    assert pending["final_response"].state is MET
    assert due_day(pending["reconsideration"]) == date(2025, 10, 10)  # 10 Sep + 30 days
    assert pending["reconsideration"].state is PENDING
    met = {d.clock: d for d in compute_deadlines(regime, facts, utc(2025, 10, 1))}
    assert (met["reconsideration"].state, met["reconsideration"].met_at) == (MET, utc(2025, 9, 30))


# -- final-response elements ----------------------------------------------------------------

COMPLETE_FCA_LETTER: dict[str, object] = {
    "decision": "rejected_with_reasons",
    "ombudsman_leaflet_enclosed": True,
    "ombudsman_website": "https://www.financial-ombudsman.org.uk",
    "may_refer_now_and_within_6_months": True,
    "time_limit_waiver_stated": True,
}


def test_a_complete_fca_final_response_misses_nothing() -> None:
    assert missing_final_response_elements(get_regime("uk-fca-disp"), COMPLETE_FCA_LETTER) == []


def test_an_empty_fca_final_response_misses_all_five_elements_with_descriptions() -> None:
    missing = missing_final_response_elements(get_regime("uk-fca-disp"), {})
    assert [line.split(":")[0] for line in missing] == [
        "decision",
        "ombudsman_leaflet_enclosed",
        "ombudsman_website",
        "may_refer_now_and_within_6_months",
        "time_limit_waiver_stated",
    ]
    assert "offers redress without accepting it" in missing[0]
    assert "accepted_with_redress, redress_without_acceptance, rejected_with_reasons" in missing[0]


@pytest.mark.parametrize(
    ("element", "value"),
    [
        ("decision", "maybe"),
        ("ombudsman_leaflet_enclosed", False),
        ("ombudsman_website", "   "),
        ("may_refer_now_and_within_6_months", "yes"),
        ("time_limit_waiver_stated", None),
    ],
)
def test_each_fca_element_is_checked(element: str, value: object) -> None:
    letter = {**COMPLETE_FCA_LETTER, element: value}
    missing = find_missing_elements(get_regime("uk-fca-disp"), letter)
    assert [item.name for item in missing] == [element]


def test_a_stated_element_may_say_no() -> None:
    letter = {
        "adr_entity_name": "Consumer Mediation Service",
        "adr_entity_website": "https://example.eu",
        "will_use_adr_entity": False,
        "durable_medium": True,
    }
    assert missing_final_response_elements(get_regime("eu-adr"), letter) == []
    del letter["will_use_adr_entity"]
    assert missing_final_response_elements(get_regime("eu-adr"), letter) == [
        "will_use_adr_entity: whether the trader will use that ADR entity to settle the dispute "
        "(must be true or false)"
    ]


# -- regime files -----------------------------------------------------------------------------

GOOD_REGIME = """
name = "nz-test"
title = "A regime added as a file"

[calendar]
timezone = "Pacific/Auckland"
country = "NZ"

[[clocks]]
name = "final_response"
title = "Final response"
party = "firm"
starts_on = "received"
stops_on = ["final_response"]
unit = "calendar_days"
length = 2
ends_on_business_day = true
basis = "two days, moved to the next working day"
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_new_regime_is_a_new_file(tmp_path: Path) -> None:
    write(tmp_path, "nz-test", GOOD_REGIME)
    regimes = load_regimes(tmp_path)
    assert "nz-test" in regimes and "uk-fca-disp" in regimes
    # Thu 4 Sep 2025 + 2 days = Sat 6 Sep, moved to Mon 8 Sep.
    auckland = ZoneInfo("Pacific/Auckland")
    (deadline,) = compute_deadlines(
        regimes["nz-test"],
        ClockFacts(received_at=datetime(2025, 9, 4, 10, tzinfo=auckland)),
        datetime(2025, 9, 4, 11, tzinfo=auckland),
    )
    assert due_day(deadline) == date(2025, 9, 8)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (('unit = "calendar_days"', 'unit = "fortnights"'), "clocks[0].unit", "'fortnights'"),
        (("length = 2", "length = 0"), "clocks[0].length", "at least 1"),
        (('starts_on = "received"', 'starts_on = "lunch"'), "clocks[0].starts_on", "'lunch'"),
        (('timezone = "Pacific/Auckland"', 'timezone = "Mars/Base"'), "calendar.timezone", "Mars"),
        (('country = "NZ"', 'country = "NZ"\nsubdivision = "XX"'), "calendar.subdivision", "XX"),
        (('party = "firm"', 'party = "firm"\npauseable = true'), "clocks[0].pauseable", "unknown"),
        (('basis = "two', 'bases = "two'), "clocks[0].bases", "unknown field"),
        (
            ('working day"', 'working day"\n[clocks.variants.hardship]\nlength = 3\nbasis = "x"'),
            "clocks[0].variants.hardship",
            "not a variant",
        ),
        (
            ('working day"', 'working day"\n[clocks.approaching]\nlast = "120%"\nreason = "x"'),
            "clocks[0].approaching.last",
            "from 1% to 99%",
        ),
        (
            ('working day"', 'working day"\n[clocks.approaching]\nbusiness_days = 2'),
            "clocks[0].approaching.reason",
            "required",
        ),
        (
            ('working day"', 'working day"\n[clocks.approaching]\nreason = "x"'),
            "clocks[0].approaching.last",
            "either",
        ),
        (
            ('working day"', 'working day"\nonly_for_variants = ["pets"]'),
            "clocks[0].only_for_variants",
            "'pets' is not a variant",
        ),
        (
            (
                'country = "NZ"',
                'country = "NZ"\n[variants.kiwi]\ndescription = "x"\neffective_from = "soon"',
            ),
            "variants.kiwi.effective_from",
            "must be a date",
        ),
    ],
)
def test_a_bad_regime_file_names_the_file_and_the_field(
    tmp_path: Path, change: tuple[str, str], field: str, message: str
) -> None:
    path = write(tmp_path, "nz-test", GOOD_REGIME.replace(*change))
    with pytest.raises(RegimeError, match=message) as error:
        load_regime_file(path)
    assert str(error.value).startswith(f"nz-test.toml: {field}: ")


def test_a_regime_file_must_be_named_after_its_regime(tmp_path: Path) -> None:
    with pytest.raises(RegimeError, match=r"nz-other\.toml: name: 'nz-test' must match"):
        load_regime_file(write(tmp_path, "nz-other", GOOD_REGIME))


def test_a_regime_file_that_is_not_toml_says_so(tmp_path: Path) -> None:
    with pytest.raises(RegimeError, match=r"broken.toml: \(file\): not valid TOML"):
        load_regime_file(write(tmp_path, "broken", "name = "))


@pytest.mark.parametrize(
    "facts",
    [
        {"received_at": london(2025, 8, 22)},
        {"received_at": london(2025, 8, 22), "summary_resolution_at": london(2025, 8, 28, 21)},
        {"received_at": london(2025, 8, 22), "final_response_at": london(2025, 10, 1)},
        {"received_at": london(2025, 8, 22), "holding_reply_at": london(2025, 9, 12)},
    ],
)
def test_deadlines_without_explanations_have_the_same_dates_and_states(
    facts: dict[str, datetime],
) -> None:
    regime, as_of = get_regime("uk-fca-disp"), london(2025, 12, 1)
    explained = compute_deadlines(regime, ClockFacts(**facts), as_of)  # type: ignore[arg-type]
    quick = compute_deadlines(regime, ClockFacts(**facts), as_of, explain=False)  # type: ignore[arg-type]

    assert [replace(d, explanation="") for d in explained] == quick
    assert all(d.explanation for d in explained)
