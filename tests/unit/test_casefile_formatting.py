"""How the case file's PDFs write times, money and long text, and the generic reading of a
stored event that its JSON promises (docs/proof-formats.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from libs.casefile import CaseFile
from libs.casefile.codec import from_json
from libs.casefile.formatting import BODY_LIMIT, clipped, human_time, money
from libs.casefile.sections import Customer, Money
from libs.casefile.stored import shown_fields, untagged


@pytest.mark.parametrize(
    ("moment", "zone", "shown"),
    [
        ("2026-12-06T09:18:55.700909+00:00", "Europe/London", "6 Dec 2026 09:18:55 GMT (+00:00)"),
        ("2027-06-06T22:59:59.999999+00:00", "Europe/London", "6 Jun 2027 23:59:59 BST (+01:00)"),
        ("2026-12-06T09:18:55+00:00", "Australia/Sydney", "6 Dec 2026 20:18:55 AEDT (+11:00)"),
        ("2026-03-01T12:00:00-05:00", "America/New_York", "1 Mar 2026 12:00:00 EST (-05:00)"),
        ("2026-03-01T12:00:00+00:00", "Europe/Brussels", "1 Mar 2026 13:00:00 CET (+01:00)"),
    ],
)
def test_times_are_shown_in_the_regimes_zone_to_the_second_with_the_offset(
    moment: str, zone: str, shown: str
) -> None:
    assert human_time(moment, zone) == shown
    assert human_time(datetime.fromisoformat(moment), zone) == shown


def test_no_time_is_a_dash_and_an_unreadable_one_is_shown_as_given() -> None:
    assert human_time(None, "Europe/London") == "—"
    assert human_time("soon", "Europe/London") == "soon"
    assert human_time(datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), "Nowhere/Else") == (
        "2 Jan 2026 03:04:05 UTC (+00:00)"
    )


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("1234.50", "GBP", "£1,234.50"),
        ("20", "EUR", "€20.00"),
        ("5.00", "USD", "US$5.00"),
        ("1234.5", "AUD", "A$1,234.50"),
        ("1235", "JPY", "JP¥1,235"),
        ("0.125", "KWD", "KWD0.125"),
    ],
)
def test_money_is_formatted_per_currency(amount: str, currency: str, shown: str) -> None:
    assert money(Money(amount, currency)) == shown


def test_money_that_cannot_be_read_is_shown_as_given() -> None:
    assert money(None) == "—"
    assert money(Money("lots", "GBP")) == "lots GBP"


def test_long_text_is_clipped_at_the_limit_with_a_pointer_to_the_whole() -> None:
    body = "x" * (BODY_LIMIT + 500)
    shown = clipped(body, BODY_LIMIT, "see the JSON")
    assert shown.startswith("x" * BODY_LIMIT + "…")
    assert shown.endswith("[500 more characters: see the JSON]")
    assert clipped("short", BODY_LIMIT, "see the JSON") == "short"


def test_the_stored_state_reads_as_json_with_tagged_values_as_their_data() -> None:
    stored = {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2026-12-06T09:18:55.701070+00:00"},
        "occurred_at": {"_type_": "datetime_iso", "_data_": "2026-12-06T08:00:00+01:00"},
        "actor": "crm:test-crm",
        "actor_role": "crm",
        "correlation_id": "corr-1",
        "command_id": None,
        "class_version": 2,
        "originator_topic": "libs.domain.complaint:Complaint",
        "amount": {"_type_": "decimal_str", "_data_": "42.50"},
        "ids": [{"_type_": "uuid_hex", "_data_": "0f" * 16}],
        "summary": "Customer rang",
    }
    shown = shown_fields(json.dumps(stored).encode())
    # Times read as the same instant in UTC with Z (issue 20: one format in every response).
    assert shown.recorded_at == "2026-12-06T09:18:55.701070Z"
    assert shown.occurred_at == "2026-12-06T07:00:00Z"
    assert (shown.actor, shown.actor_role, shown.correlation_id) == (
        "crm:test-crm",
        "crm",
        "corr-1",
    )
    assert shown.data == {"amount": "42.50", "ids": ["0f" * 16], "summary": "Customer rang"}
    assert untagged({"_type_": "x", "_data_": {"_type_": "y", "_data_": 1}}) == 1
    with pytest.raises(ValueError):
        shown_fields(b"[1, 2]")


def test_a_document_that_is_not_a_case_file_is_refused_naming_what_does_not_fit() -> None:
    with pytest.raises(ValueError, match=r"not a redress\.case-file/1 document"):
        CaseFile.from_json({"format": "something/else"})
    with pytest.raises(ValueError, match=r"Customer\.name"):
        from_json(Customer, {"id": "C-1", "name": 42})
    assert from_json(Customer, {"id": "C-1", "name": "Ada", "extra": 1}) == Customer("C-1", "Ada")
