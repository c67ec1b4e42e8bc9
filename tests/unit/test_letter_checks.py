"""Each regime says what each regulated letter must contain, citing the rule; a letter that
leaves something out is refused with the list, and nothing is recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest

from libs.domain.complaint import Complaint
from libs.domain.deadlines import (
    ElementKind,
    LetterKind,
    RegimeError,
    check_letter,
    get_regime,
    known_regime_names,
    parse_regime,
)
from libs.domain.deadlines.letters import find_missing
from libs.domain.errors import IncompleteFinalResponse, IncompleteLetter, InvalidArgument
from libs.domain.values import CommandContext

BEFORE_THE_AMENDMENT = date(2026, 5, 31)
FROM_THE_AMENDMENT = date(2026, 6, 1)


def names(missing: list[Any]) -> list[str]:
    return [m.name for m in missing]


@pytest.mark.parametrize("name", known_regime_names())
def test_every_letter_and_every_element_cites_its_rule(name: str) -> None:
    regime = get_regime(name)
    assert LetterKind.FINAL_RESPONSE in regime.letters
    for letter in regime.letters.values():
        assert letter.basis.strip(), f"{name}: the {letter.kind} letter cites no rule"
        for element in letter.elements:
            assert (element.basis or letter.basis).strip()


def test_the_final_response_is_still_listed_where_it_was() -> None:
    regime = get_regime("uk-fca-disp")
    assert regime.final_response == regime.letters[LetterKind.FINAL_RESPONSE].elements
    assert [e.name for e in regime.final_response][:2] == ["decision", "ombudsman_leaflet_enclosed"]


def test_a_payment_services_holding_reply_gives_the_reasons_and_the_date() -> None:
    regime = get_regime("uk-psd")
    with pytest.raises(IncompleteLetter) as refused:
        check_letter(regime, LetterKind.HOLDING_REPLY, {"delay_reasons_given": True})
    assert refused.value.letter == "holding_reply"
    assert [(m[0], m[3]) for m in refused.value.missing] == [
        ("final_response_by", "DISP 1.6.2AR(2)(a)")
    ]
    assert "holding reply must also contain: final_response_by" in refused.value.message
    check_letter(
        regime,
        LetterKind.HOLDING_REPLY,
        {"delay_reasons_given": True, "final_response_by": "2026-03-23"},
    )


@pytest.mark.parametrize("value", ["23/03/2026", "20260323", "2026-02-30", "", True, "soon"])
def test_a_date_element_is_a_calendar_date_written_yyyy_mm_dd(value: object) -> None:
    missing = find_missing(
        get_regime("uk-psd"),
        LetterKind.HOLDING_REPLY,
        {"delay_reasons_given": True, "final_response_by": value},
    )
    assert names(missing) == ["final_response_by"]


def test_the_eight_week_holding_response_follows_disp_1_6_2r_2() -> None:
    missing = find_missing(get_regime("uk-fca-disp"), LetterKind.HOLDING_REPLY, {})
    assert names(missing) == [
        "delay_explained",
        "final_response_expected",
        "may_refer_now",
        "ombudsman_leaflet_enclosed",
    ]
    assert [m.basis for m in missing] == [
        "DISP 1.6.2R(2)(a)",
        "DISP 1.6.2R(2)(a)",
        "DISP 1.6.2R(2)(b)",
        "DISP 1.6.2R(2)(c)",
    ]


def test_a_summary_resolution_communication_follows_disp_1_5_4r() -> None:
    missing = find_missing(get_regime("uk-fca-disp"), LetterKind.SUMMARY_RESOLUTION, {})
    assert [m.basis for m in missing] == [f"DISP 1.5.4R({n})" for n in range(1, 6)]


def test_the_acknowledgement_states_the_timeframes_from_1_june_2026() -> None:
    regime = get_regime("uk-fca-disp")
    reassured = {"receipt_confirmed": True}
    assert find_missing(regime, LetterKind.ACKNOWLEDGEMENT, reassured, BEFORE_THE_AMENDMENT) == []
    missing = find_missing(regime, LetterKind.ACKNOWLEDGEMENT, reassured, FROM_THE_AMENDMENT)
    assert names(missing) == ["response_timeframes_stated"]
    assert missing[0].basis.startswith("DISP 1.6.1R(1)(b)(ii)")


def test_an_element_the_regime_does_not_know_for_that_letter_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="no holding-reply element") as refused:
        check_letter(get_regime("uk-psd"), LetterKind.HOLDING_REPLY, {"ombudsman_website": "x"})
    assert refused.value.field == "elements"


def test_a_letter_the_regime_does_not_regulate_needs_nothing() -> None:
    for kind in (LetterKind.ACKNOWLEDGEMENT, LetterKind.HOLDING_REPLY):
        check_letter(get_regime("default"), kind, {})
    check_letter(get_regime("eu-adr"), LetterKind.SUMMARY_RESOLUTION, {})


def test_an_incomplete_final_response_is_refused_as_it_always_was() -> None:
    with pytest.raises(IncompleteFinalResponse) as refused:
        check_letter(get_regime("default"), LetterKind.FINAL_RESPONSE, {"decision": "upheld"})
    assert refused.value.missing == [
        (
            "adr_rights_stated",
            "how and by when the customer may take the complaint to external ADR",
            "must be true",
        )
    ]


def test_other_regimes_check_what_their_rules_ask() -> None:
    afca = find_missing(get_regime("au-rg271"), LetterKind.HOLDING_REPLY, {})
    assert names(afca) == ["delay_reasons_given", "afca_rights_stated", "afca_contact_details"]
    cfpb = find_missing(
        get_regime("us-cfpb"), LetterKind.HOLDING_REPLY, {"interim_explanation": " "}
    )
    assert names(cfpb) == ["interim_explanation"]


# -- the complaint records only a letter that passes ----------------------------------------


def at(moment: datetime) -> CommandContext:
    return CommandContext("agent:a", "agent", "corr", moment)


def received(regime: str) -> Complaint:
    complaint = Complaint.receive(
        at(datetime(2026, 6, 2, 9, tzinfo=UTC)),
        complaint_id=uuid4(),
        customer={"id": "C-1", "name": "Ada"},
        channel="email",
        category="payments",
        description="A payment never arrived",
        regime=regime,
    )
    complaint.collect_events()
    return complaint


def test_a_holding_reply_that_fails_its_check_is_not_recorded() -> None:
    complaint = received("uk-psd")
    with pytest.raises(IncompleteLetter):
        complaint.send_holding_reply(
            at(datetime(2026, 6, 3, 9, tzinfo=UTC)),
            reason="card scheme",
            message="We need more time",
            regime=get_regime("uk-psd"),
        )
    assert complaint.collect_events() == []
    assert complaint.holding_replies == []
    assert "holding_reply" not in complaint.clock_times


def test_a_letter_that_passes_is_recorded_with_its_elements() -> None:
    complaint = received("uk-fca-disp")
    elements = {"receipt_confirmed": True, "response_timeframes_stated": True}
    complaint.acknowledge(
        at(datetime(2026, 6, 2, 10, tzinfo=UTC)),
        message="We have your complaint",
        channel="email",
        regime=get_regime("uk-fca-disp"),
        elements=elements,
    )
    (event,) = complaint.collect_events()
    assert isinstance(event, Complaint.ComplaintAcknowledged)
    assert event.elements == elements


# -- regime files ---------------------------------------------------------------------------

MINIMAL: dict[str, Any] = {
    "name": "test",
    "title": "Test",
    "calendar": {"timezone": "UTC"},
    "clocks": [
        {
            "name": "final_response",
            "title": "Final response",
            "party": "firm",
            "starts_on": "received",
            "stops_on": ["final_response"],
            "unit": "calendar_days",
            "length": 30,
            "basis": "a rule",
        }
    ],
}
ELEMENT = {"name": "reasons", "kind": "flag", "description": "the reasons", "basis": "r. 1"}


def test_a_regime_file_lists_its_letters_and_its_version() -> None:
    regime = parse_regime(
        {
            **MINIMAL,
            "version": "2026-06-01",
            "effective_from": date(2026, 6, 1),
            "letters": {
                "holding_reply": {"title": "Holding reply", "basis": "r. 2", "elements": [ELEMENT]}
            },
        },
        source="test.toml",
    )
    assert (regime.version, regime.effective_from) == ("2026-06-01", date(2026, 6, 1))
    letter = regime.letters[LetterKind.HOLDING_REPLY]
    assert (letter.title, letter.elements[0].kind) == ("Holding reply", ElementKind.FLAG)
    assert regime.final_response == ()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"letters": {"postcard": {"title": "x", "basis": "y"}}}, "letters.postcard"),
        ({"letters": {"holding_reply": {"title": "x"}}}, "letters.holding_reply.basis"),
        ({"effective_from": "2026-06-01"}, "effective_from"),
        (
            {
                "final_response": [ELEMENT],
                "letters": {"final_response": {"title": "x", "basis": "y", "elements": [ELEMENT]}},
            },
            "final_response",
        ),
        (
            {"letters": {"holding_reply": {"title": "x", "basis": "y", "elements": [ELEMENT] * 2}}},
            "letters.holding_reply.elements",
        ),
    ],
)
def test_a_regime_file_with_a_bad_letter_section_names_the_field(
    extra: dict[str, Any], field: str
) -> None:
    with pytest.raises(RegimeError) as refused:
        parse_regime({**MINIMAL, **extra}, source="test.toml")
    assert refused.value.field == field
