"""Each regime's referral window, worked on the regime's calendar from the event that starts
it; the firm's recorded decision to waive it; what ends the internal process.

How to read a case: a complaint told in its events (received, resolved, answered…), the
moment we ask (`as_of`), and the `referral_window` criterion the eligibility assessment
gives back with its due date and rule.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from libs.domain.complaint import Complaint
from libs.domain.deadlines import ClockEvent, RegimeError, get_regime, load_regime_file
from libs.domain.deadlines.calendar import Period, Unit
from libs.domain.deadlines_and_eligibility import eligibility_of
from libs.domain.eligibility import Criterion, CriterionResult
from libs.domain.time_limit_waiver import WaiverAlreadyDecided, WaiverNotAvailable
from libs.domain.values import CommandContext, ResolutionOutcome

LETTERS = {
    "uk-fca-disp": {
        "decision": "rejected_with_reasons",
        "ombudsman_leaflet_enclosed": True,
        "ombudsman_website": "https://www.financial-ombudsman.org.uk",
        "may_refer_now_and_within_6_months": True,
        "time_limit_waiver_stated": True,
    },
    "au-rg271": {
        "decision": "not_upheld",
        "reasons_given": True,
        "afca_rights_stated": True,
        "afca_contact_details": "www.afca.org.au, 1800 931 678",
        "afca_time_limit_stated": True,
    },
    "default": {"decision": "not_upheld", "adr_rights_stated": True},
    "eu-adr": {
        "adr_entity_name": "Example ADR",
        "adr_entity_website": "https://adr.example.eu",
        "will_use_adr_entity": True,
        "durable_medium": True,
    },
}


def at(moment: datetime, actor: str = "agent:alice") -> CommandContext:
    return CommandContext(actor, actor.split(":")[0], "corr-1", moment, None)


def answered(regime: str, received: datetime, final_response: datetime) -> Complaint:
    """A complaint received, decided and given its final response on those days."""
    complaint = Complaint.receive(
        at(received),
        complaint_id=uuid4(),
        customer={"id": "C-1", "name": "Ada"},
        channel="email",
        category="billing",
        description="Charged twice",
        regime=regime,
    )
    complaint.resolve(
        at(final_response - timedelta(hours=1)),
        outcome=ResolutionOutcome.NOT_UPHELD,
        summary="No error",
    )
    complaint.issue_final_response(
        at(final_response), letter="Dear Ada", elements=LETTERS[regime], regime=get_regime(regime)
    )
    return complaint


def window(complaint: Complaint, as_of: datetime) -> CriterionResult:
    regime = get_regime(complaint.regime)
    return eligibility_of(complaint, regime, as_of).criterion(Criterion.REFERRAL_WINDOW)


def london(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=ZoneInfo("Europe/London"))


def sydney(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=ZoneInfo("Australia/Sydney"))


# -- the regimes' windows, as data ----------------------------------------------------------


@pytest.mark.parametrize(
    ("regime", "starts_on", "period", "rule", "waivable"),
    [
        (
            "uk-fca-disp",
            ("final_response", "summary_resolution"),
            Period(Unit.MONTHS, 6),
            "DISP 2.8.2R(1)",
            True,
        ),
        (
            "uk-psd",
            ("final_response", "summary_resolution"),
            Period(Unit.MONTHS, 6),
            "DISP 2.8.2R(1)",
            True,
        ),
        ("au-rg271", ("final_response",), Period(Unit.MONTHS, 24), "AFCA Rules B.4.3.1", False),
        (
            "eu-adr",
            ("received",),
            Period(Unit.MONTHS, 12),
            "Directive 2013/11/EU art. 5(4)(e)",
            False,
        ),
        (
            "default",
            ("final_response",),
            Period(Unit.MONTHS, 6),
            "Redress default (no regulator's rule)",
            True,
        ),
    ],
)
def test_each_regime_declares_its_window_with_its_rule(
    regime: str, starts_on: tuple[str, ...], period: Period, rule: str, waivable: bool
) -> None:
    declared = get_regime(regime).referral_window
    assert declared is not None
    assert tuple(event.value for event in declared.starts_on) == starts_on
    assert (declared.period, declared.rule, declared.waivable) == (period, rule, waivable)
    assert rule in declared.basis or regime == "default"  # the default is no rule's
    assert declared.waiver


def test_the_cfpb_process_has_no_referral_window() -> None:
    # The CFPB's 60-day clock is the consumer's feedback on the company's response, not a
    # time limit for going to ADR: there is no ADR stage to be late for.
    assert get_regime("us-cfpb").referral_window is None


def test_the_window_eligibility_uses_is_the_one_the_deadlines_show() -> None:
    # Each regime also shows the window as a customer's deadline (the `referral_window`
    # clock); the two must not drift apart.
    for name in ("uk-fca-disp", "uk-psd", "au-rg271", "default"):
        regime = get_regime(name)
        declared = regime.referral_window
        assert declared is not None
        clock = regime.clock("referral_window")
        assert clock.period == declared.period, name
        assert clock.starts_on in declared.starts_on, name


def test_under_the_fca_a_summary_resolution_ends_the_internal_process() -> None:
    for name in ("uk-fca-disp", "uk-psd"):
        process = get_regime(name).internal_process
        assert process.ends_on == (ClockEvent.FINAL_RESPONSE, ClockEvent.SUMMARY_RESOLUTION)
        assert process.rule == "DISP 2.8.1R(1)"
    for name in ("au-rg271", "eu-adr", "us-cfpb", "default"):
        assert get_regime(name).internal_process.ends_on == (ClockEvent.FINAL_RESPONSE,)


# -- the window on the regime's calendar ----------------------------------------------------


def test_fca_six_months_from_the_final_response_end_on_the_same_day_of_the_month() -> None:
    # Final response Wed 15 Jan 2025: in time to the end of Tue 15 Jul 2025, London time
    # (23:59:59 BST), out of time from Wed 16 Jul.
    complaint = answered("uk-fca-disp", london(2024, 12, 2), london(2025, 1, 15))

    last_day = window(complaint, london(2025, 7, 15, 23))
    day_after = window(complaint, london(2025, 7, 16, 0))

    assert last_day.met and not day_after.met
    due = day_after.facts["due_at"]
    assert isinstance(due, datetime)
    assert due.astimezone(ZoneInfo("Europe/London")).date() == date(2025, 7, 15)
    assert due.astimezone(UTC) == datetime(2025, 7, 15, 22, 59, 59, 999999, tzinfo=UTC)
    assert day_after.facts["rule"] == "DISP 2.8.2R(1)"
    assert day_after.facts["started_by"] == "final_response"
    assert "(DISP 2.8.2R(1))" in day_after.reason


def test_fca_the_31st_plus_six_months_is_the_last_day_of_a_short_month() -> None:
    complaint = answered("uk-fca-disp", london(2025, 7, 1), london(2025, 8, 31))
    due = window(complaint, london(2026, 3, 1)).facts["due_at"]
    assert isinstance(due, datetime)
    assert due.astimezone(ZoneInfo("Europe/London")).date() == date(2026, 2, 28)


def test_afca_two_years_from_the_idr_response_in_sydney_time() -> None:
    # IDR response at 9 am Sydney on 3 Mar 2025 is still 2 Mar in UTC: the window is counted
    # from the Sydney date, and ends at the end of 3 Mar 2027 in Sydney.
    complaint = answered("au-rg271", sydney(2025, 2, 3), sydney(2025, 3, 3, 9))

    in_time = window(complaint, sydney(2027, 3, 3, 23))
    late = window(complaint, sydney(2027, 3, 4, 0))

    assert in_time.met and not late.met
    due = late.facts["due_at"]
    assert isinstance(due, datetime)
    assert due.astimezone(ZoneInfo("Australia/Sydney")).date() == date(2027, 3, 3)
    assert "(AFCA Rules B.4.3.1)" in late.reason
    assert "the firm's consent cannot waive it under this regime" in late.reason


def test_eu_adr_a_year_from_the_complaint_to_the_trader() -> None:
    received = datetime(2025, 3, 10, 10, tzinfo=ZoneInfo("Europe/Brussels"))
    complaint = answered("eu-adr", received, received + timedelta(days=20))
    late = window(complaint, received + timedelta(days=366))
    assert not late.met
    assert late.facts["started_by"] == "received"
    assert "12 months after the receipt of the complaint" in late.reason


def test_the_window_as_it_stood_before_the_final_response_had_not_started() -> None:
    complaint = answered("uk-fca-disp", london(2024, 12, 2), london(2025, 1, 15))
    before = window(complaint, london(2025, 1, 10))
    assert before.met
    assert before.reason.startswith("The referral window has not started")


def test_a_summary_resolution_starts_the_fca_window_and_ends_the_internal_process() -> None:
    complaint = Complaint.receive(
        at(london(2025, 3, 3)),
        complaint_id=uuid4(),
        customer={"id": "C-1", "name": "Ada"},
        channel="email",
        category="billing",
        description="Charged twice",
        regime="uk-fca-disp",
    )
    regime = get_regime("uk-fca-disp")
    complaint.resolve_summarily(
        at(london(2025, 3, 4)),
        outcome=ResolutionOutcome.UPHELD,
        summary="Refunded",
        message="We have refunded the duplicate charge.",
        regime=regime,
        elements={
            "resolved_stated": True,
            "may_refer_to_ombudsman": True,
            "time_limit_waiver_stated": True,
            "ombudsman_website": "https://www.financial-ombudsman.org.uk",
            "further_information_on_website": True,
        },
    )

    assessment = eligibility_of(complaint, regime, london(2025, 3, 5))
    late = eligibility_of(complaint, regime, london(2025, 9, 5))

    exhausted = assessment.criterion(Criterion.INTERNAL_PROCESSES_EXHAUSTED)
    assert assessment.eligible and exhausted.met
    assert "a summary resolution communication has been sent (DISP 2.8.1R(1))" in (exhausted.reason)
    assert not late.eligible
    assert late.criterion(Criterion.REFERRAL_WINDOW).facts["started_by"] == "summary_resolution"


# -- the firm's waiver decision -------------------------------------------------------------


def test_the_firms_consent_is_recorded_with_who_and_when_and_waives_the_window() -> None:
    complaint = answered("uk-fca-disp", london(2024, 12, 2), london(2025, 1, 15))
    decided = london(2025, 8, 1)

    complaint.decide_time_limit_waiver(
        at(decided, "supervisor:sam"),
        consents=True,
        regime=get_regime("uk-fca-disp"),
        note="Ombudsman asked on 31 July",
    )

    event = complaint.collect_events()[-1]
    assert type(event).__name__ == "TimeLimitWaiverDecided"
    assert event.consents is True  # type: ignore[attr-defined]
    assert event.actor == "supervisor:sam"  # type: ignore[attr-defined]
    waiver = complaint.time_limit_waiver
    assert waiver is not None
    assert (waiver.consents, waiver.decided_at, waiver.decided_by) == (
        True,
        decided,
        "supervisor:sam",
    )
    assert window(complaint, london(2025, 8, 2)).met
    # Before the consent was given, the case was out of time.
    assert not window(complaint, london(2025, 7, 20)).met


def test_a_consent_cannot_be_withdrawn_or_repeated() -> None:
    complaint = answered("uk-fca-disp", london(2024, 12, 2), london(2025, 1, 15))
    regime = get_regime("uk-fca-disp")
    complaint.decide_time_limit_waiver(at(london(2025, 8, 1)), consents=True, regime=regime)
    for consents in (False, True):
        with pytest.raises(WaiverAlreadyDecided, match="cannot be withdrawn"):
            complaint.decide_time_limit_waiver(
                at(london(2025, 8, 2)), consents=consents, regime=regime
            )


def test_a_refusal_may_later_become_a_consent_but_not_be_repeated() -> None:
    complaint = answered("uk-fca-disp", london(2024, 12, 2), london(2025, 1, 15))
    regime = get_regime("uk-fca-disp")
    complaint.decide_time_limit_waiver(at(london(2025, 8, 1)), consents=False, regime=regime)
    assert not window(complaint, london(2025, 8, 2)).met

    with pytest.raises(WaiverAlreadyDecided, match="already recorded"):
        complaint.decide_time_limit_waiver(at(london(2025, 8, 2)), consents=False, regime=regime)
    complaint.decide_time_limit_waiver(at(london(2025, 8, 3)), consents=True, regime=regime)
    assert window(complaint, london(2025, 8, 4)).met


@pytest.mark.parametrize(
    ("regime", "message"),
    [
        ("au-rg271", "does not waive the referral window (AFCA Rules B.4.3.1)"),
        ("eu-adr", "does not waive the referral window (Directive 2013/11/EU art. 5(4)(e))"),
        ("us-cfpb", "sets no referral window"),
    ],
)
def test_where_the_window_is_not_the_firms_to_waive_no_decision_is_recorded(
    regime: str, message: str
) -> None:
    complaint = Complaint.receive(
        at(london(2025, 3, 3)),
        complaint_id=uuid4(),
        customer={"id": "C-1", "name": "Ada"},
        channel="email",
        category="billing",
        description="Charged twice",
        regime=regime,
    )
    with pytest.raises(WaiverNotAvailable, match=re.escape(message)):
        complaint.decide_time_limit_waiver(
            at(london(2025, 3, 4)), consents=True, regime=get_regime(regime)
        )
    assert complaint.time_limit_waiver is None
    assert len(complaint.collect_events()) == 1


def test_a_waiver_decision_is_not_progress_on_the_case() -> None:
    complaint = answered("uk-fca-disp", london(2024, 12, 2), london(2025, 1, 15))
    progress = complaint.last_progress_at
    complaint.decide_time_limit_waiver(
        at(london(2025, 8, 1)), consents=False, regime=get_regime("uk-fca-disp")
    )
    assert complaint.last_progress_at == progress


# -- a regime file's window and internal process --------------------------------------------

MINIMAL = """
name = "nz-test"
title = "Test"

[calendar]
timezone = "Pacific/Auckland"

[[clocks]]
name = "final_response"
title = "Final response"
party = "firm"
starts_on = "received"
stops_on = ["final_response"]
unit = "calendar_days"
length = 20
basis = "twenty days"

[referral_window]
title = "Referral to the scheme"
starts_on = ["final_response"]
unit = "months"
length = 3
rule = "Scheme rule 7"
basis = "Scheme rule 7: three months from the final response"
waivable = true
waiver = "the firm may agree to a late referral"

[internal_process]
ends_on = ["final_response", "summary_resolution"]
rule = "Scheme rule 6"
basis = "Scheme rule 6: a summary resolution ends the internal process"
"""


def test_a_regime_file_declares_its_window_and_what_ends_its_internal_process(
    tmp_path: Path,
) -> None:
    path = tmp_path / "nz-test.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    regime = load_regime_file(path)
    assert regime.referral_window is not None
    assert regime.referral_window.period == Period(Unit.MONTHS, 3)
    assert regime.internal_process.rule == "Scheme rule 6"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (("length = 3", "length = 0"), "referral_window.length", "at least 1"),
        (('rule = "Scheme rule 7"\n', ""), "referral_window.rule", "required"),
        (("waivable = true", 'waivable = "yes"'), "referral_window.waivable", "true or false"),
        (
            ('starts_on = ["final_response"]', 'starts_on = ["lunch"]'),
            "referral_window.starts_on",
            "'lunch'",
        ),
        (
            ('ends_on = ["final_response", "summary_resolution"]', 'ends_on = ["closed"]'),
            "internal_process.ends_on",
            "must list final_response",
        ),
        (("waiver = ", "waivers = "), "referral_window.waivers", "unknown field"),
    ],
)
def test_a_bad_window_names_the_file_and_the_field(
    tmp_path: Path, change: tuple[str, str], field: str, message: str
) -> None:
    path = tmp_path / "nz-test.toml"
    path.write_text(MINIMAL.replace(*change), encoding="utf-8")
    with pytest.raises(RegimeError, match=message) as error:
        load_regime_file(path)
    assert str(error.value).startswith(f"nz-test.toml: {field}: ")
