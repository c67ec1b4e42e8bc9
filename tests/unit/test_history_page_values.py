"""How the case-history page words values and reads its `as_of`, and which versions it
shows as missing: the pieces the browser tests see only through whole pages."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from services.complaints.history.human import BadMoment, money, parse_as_of, picker_value, when
from services.complaints.history.page_state import replayable_prefix
from services.complaints.history.page_timeline import describe, missing_versions, timeline

LONDON = ZoneInfo("Europe/London")


def test_times_are_local_to_the_second_with_the_zone_and_its_offset() -> None:
    assert when("2026-07-01T12:00:00.123456+00:00", LONDON) == (
        "Wed 1 Jul 2026 13:00:00 BST (UTC+01:00)"
    )
    assert when("2026-12-01T12:00:00+00:00", LONDON) == "Tue 1 Dec 2026 12:00:00 GMT (UTC+00:00)"
    assert when("2026-12-01T12:00:00+00:00", ZoneInfo("UTC")) == "Tue 1 Dec 2026 12:00:00 UTC"
    assert when("2026-12-01T12:00:00+00:00", ZoneInfo("Asia/Kolkata")).endswith(
        "17:30:00 IST (UTC+05:30)"
    )
    assert when(None, LONDON) == "—"


def test_money_is_formatted_per_currency() -> None:
    assert money("1234.5", "GBP") == "£1,234.50"
    assert money("80", "EUR") == "€80.00"
    assert money("12", "AUD") == "A$12.00"
    assert money("1000", "JPY") == "JP¥1,000"  # no minor unit
    assert money(None, "GBP") == "—"


def test_the_pickers_local_time_is_read_in_the_regimes_zone() -> None:
    assert parse_as_of("2026-07-01T13:00", LONDON) == datetime(2026, 7, 1, 12, tzinfo=UTC)
    assert parse_as_of("2026-12-01T13:00:05", LONDON) == datetime(2026, 12, 1, 13, 0, 5, tzinfo=UTC)
    # RFC 3339 with an offset means what it says, whatever the zone.
    assert parse_as_of("2026-07-01T13:00:00+02:00", LONDON) == datetime(2026, 7, 1, 11, tzinfo=UTC)
    # An hour the clocks go back over happens twice: the first (BST) is meant. (Compared in
    # UTC: Python never finds a time in a repeated hour equal to one in another zone.)
    twice = parse_as_of("2026-10-25T01:30", LONDON).astimezone(UTC)
    assert twice == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert parse_as_of("2026-07-01t13:00z", LONDON) == datetime(2026, 7, 1, 13, tzinfo=UTC)
    moment = datetime(2026, 7, 1, 12, 0, 0, 999_999, tzinfo=UTC)
    assert picker_value(moment, LONDON) == "2026-07-01T13:00:00"


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "2026-02-30T10:00",
        "1066-10-14T09:00",
        "2026-07-01",
        "2026-07-01 10:00",
        " 2026-07-01T10:00",
        "2026-07-01T10:00:00+25:00",
        "0",
        "",
        "2026-07-01T25:00",
    ],
)
def test_anything_else_is_refused_as_no_moment(text: str) -> None:
    with pytest.raises(BadMoment):
        parse_as_of(text, LONDON)


def test_written_versions_no_longer_stored_are_missing() -> None:
    nothing_wrong = {"problems": [], "checkpoint": None}
    assert missing_versions([1, 2, 3], [1, 2, 3], nothing_wrong) == []
    assert missing_versions([1, 3, 4], [1, 2, 3, 4], nothing_wrong) == [2]  # a gap
    assert missing_versions([1, 2], [1, 2, 3, 4], nothing_wrong) == [3, 4]  # a deleted tail
    anchored = {"checkpoint": {"seq": 1, "anchored_version": 5, "anchored_hash": "x"}}
    assert missing_versions([1, 2, 3], [1, 2, 3], anchored) == [4, 5]  # hashes gone too


def test_the_timeline_marks_the_named_rows_and_places_the_gaps() -> None:
    def event(version: int) -> dict[str, object]:
        return {
            "version": version,
            "type": "InteractionRecorded",
            "data": {"kind": "note", "direction": "internal", "summary": f"note {version}"},
            "recorded_at": "2026-12-01T10:00:00+00:00",
            "occurred_at": "2026-12-01T08:00:00+00:00",
            "actor": "crm:test",
            "actor_role": "crm",
        }

    verification = {
        "problems": [
            {"version": 2, "kind": "missing", "reason": "version 2 is missing"},
            {"version": 3, "kind": "altered", "reason": "version 3 was altered"},
        ]
    }
    rows = timeline([event(1), event(3)], verification, [2], LONDON)
    assert [(r["version"], r["missing"], r["marks"]) for r in rows] == [
        (1, False, []),
        (2, True, ["missing"]),
        (3, False, ["altered"]),
    ]
    assert rows[2]["reasons"] == ["version 3 was altered"]
    assert rows[0]["back_dated"] is True
    assert rows[0]["occurred"] == "Tue 1 Dec 2026 08:00:00 GMT (UTC+00:00)"


def test_each_event_is_described_in_words_and_an_odd_payload_by_its_type() -> None:
    offer = {
        "type": "OfferMade",
        "data": {"description": "Refund", "amount": "5", "currency": "EUR"},
    }
    assert describe(offer, LONDON) == "offer made: Refund (€5.00)"
    missed = {
        "type": "DeadlineMissed",
        "data": {"deadline": "final_response", "due_at": "2026-07-01T22:59:59+00:00"},
    }
    assert describe(missed, LONDON) == (
        "deadline missed: final response, due Wed 1 Jul 2026 23:59:59 BST (UTC+01:00)"
    )
    assert describe({"type": "Escalated", "data": None}, LONDON).startswith("escalated")
    assert describe({"type": "SomethingNew", "data": {}}, LONDON) == "SomethingNew"


def test_the_state_replays_only_up_to_the_first_gap() -> None:
    assert replayable_prefix([{"version": v} for v in (1, 2, 3)]) == 3
    assert replayable_prefix([{"version": v} for v in (1, 2, 4)]) == 2
    assert replayable_prefix([{"version": v} for v in (2, 3)]) == 0
