"""A complaint's interaction log: every message, call, note and document, oldest first.

The domain only ever appends to it; views and bundles read it. A long-lived complaint is
mostly its log, and a complaint is loaded far more often to take one more command than to
be read in full. So a log restored from storage may begin with records not yet read
(`EarlierRecords`): they are read on first use, and a command that never looks at the
thousand interactions before it does not pay to rebuild them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol, overload

InteractionRecord = dict[str, Any]


class EarlierRecords(Protocol):
    """Records of a log kept elsewhere until they are needed."""

    @property
    def count(self) -> int: ...

    def read(self) -> list[InteractionRecord]: ...


class InteractionLog(Sequence[InteractionRecord]):
    __slots__ = ("_earlier", "_records")

    def __init__(
        self, records: Iterable[InteractionRecord] = (), *, earlier: EarlierRecords | None = None
    ) -> None:
        self._earlier = earlier if earlier is not None and earlier.count else None
        self._records = list(records)

    def append(self, record: InteractionRecord) -> None:
        self._records.append(record)

    @property
    def unread(self) -> EarlierRecords | None:
        """The earlier records not yet read, if any."""
        return self._earlier

    @property
    def appended(self) -> list[InteractionRecord]:
        """The records after the unread ones (all of them, once read)."""
        return self._records

    def _all(self) -> list[InteractionRecord]:
        if self._earlier is not None:
            self._records[:0] = self._earlier.read()
            self._earlier = None
        return self._records

    def __len__(self) -> int:
        earlier = self._earlier.count if self._earlier is not None else 0
        return earlier + len(self._records)

    @overload
    def __getitem__(self, index: int) -> InteractionRecord: ...

    @overload
    def __getitem__(self, index: slice) -> list[InteractionRecord]: ...

    def __getitem__(self, index: int | slice) -> InteractionRecord | list[InteractionRecord]:
        return self._all()[index]

    def __iter__(self) -> Iterator[InteractionRecord]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, InteractionLog | list):
            return len(self) == len(other) and self._all() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like the list it stands for

    def __repr__(self) -> str:
        unread = f", {self._earlier.count} unread" if self._earlier is not None else ""
        return f"InteractionLog({len(self)} records{unread})"
