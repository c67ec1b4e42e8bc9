"""The faster decoder reads exactly what the library's own decoder reads."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, UUIDAsHex
from hypothesis import given
from hypothesis import strategies as st

from libs.platform.eventstore.transcoder import FastJSONTranscoder


def with_standard_transcodings(transcoder: JSONTranscoder) -> JSONTranscoder:
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return transcoder


def test_fast_decoding_matches_the_library_decoder() -> None:
    library = with_standard_transcodings(JSONTranscoder())
    fast = with_standard_transcodings(FastJSONTranscoder())
    value = {
        "id": uuid4(),
        "when": datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC),
        "amounts": [Decimal("1.10"), {"nested": Decimal("0.01"), "none": None}],
        "text": "naïve — “quoted”",
        "numbers": [1, 2.5, True, False],
        "tagged_lookalike": {"_type_": "not", "extra": 1},
    }
    stored = library.encode(value)
    assert fast.encode(value) == stored
    assert fast.decode(stored) == library.decode(stored) == value


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.text(max_size=20),
    st.uuids(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.datetimes(timezones=st.just(UTC)),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(
            st.text(max_size=8).filter(lambda k: not k.startswith("_")), children, max_size=5
        ),
    ),
    max_leaves=40,
)


@given(documents)
def test_fast_decoding_matches_the_library_decoder_for_any_document(value: object) -> None:
    library = with_standard_transcodings(JSONTranscoder())
    fast = with_standard_transcodings(FastJSONTranscoder())
    stored = library.encode(value)
    assert fast.decode(stored) == library.decode(stored)
