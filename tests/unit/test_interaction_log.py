"""A complaint's interaction log: appended to without reading what came before, and read
from storage at most once, on first use."""

from __future__ import annotations

from libs.domain.interaction_log import InteractionLog, InteractionRecord


class Stored:
    """Earlier records that count how often they are read."""

    def __init__(self, *ids: str) -> None:
        self.records = [{"id": id_} for id_ in ids]
        self.reads = 0

    @property
    def count(self) -> int:
        return len(self.records)

    def read(self) -> list[InteractionRecord]:
        self.reads += 1
        return [dict(record) for record in self.records]


def test_appending_and_counting_do_not_read_the_earlier_records() -> None:
    stored = Stored("a", "b")
    log = InteractionLog(earlier=stored)
    log.append({"id": "c"})
    assert len(log) == 3
    assert log.unread is stored
    assert log.appended == [{"id": "c"}]
    assert stored.reads == 0


def test_reading_puts_the_earlier_records_first_and_reads_them_once() -> None:
    stored = Stored("a", "b")
    log = InteractionLog(earlier=stored)
    log.append({"id": "c"})
    assert [record["id"] for record in log] == ["a", "b", "c"]
    assert log[-1] == {"id": "c"}
    assert log[:2] == [{"id": "a"}, {"id": "b"}]
    assert stored.reads == 1
    assert log.unread is None
    assert log.appended == [{"id": "a"}, {"id": "b"}, {"id": "c"}]


def test_a_log_equals_the_records_it_holds_read_or_not() -> None:
    assert InteractionLog(earlier=Stored("a")) == [{"id": "a"}]
    assert InteractionLog([{"id": "a"}]) == [{"id": "a"}]
    assert InteractionLog(earlier=Stored("a")) == InteractionLog([{"id": "a"}])
    assert InteractionLog(earlier=Stored("a")) != InteractionLog(earlier=Stored("b"))
    assert InteractionLog([{"id": "a"}]) != [{"id": "a"}, {"id": "b"}]
    assert InteractionLog() != ({"id": "a"},)


def test_nothing_stored_earlier_is_nothing_unread() -> None:
    log = InteractionLog(earlier=Stored())
    assert log.unread is None
    assert len(log) == 0
    assert list(log) == []
    assert repr(InteractionLog(earlier=Stored("a"))) == "InteractionLog(1 records, 1 unread)"
