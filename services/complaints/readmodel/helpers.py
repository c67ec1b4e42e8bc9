"""Rebuild helpers: forked processes that fold a share of the complaints in the log.

A rebuild is CPU-bound in one interpreter: decoding and folding the events is three
quarters of it, and the interpreter lock keeps that on one core. Complaints are
independent of each other, so the log can be shared out by complaint: the rebuilding
process reads every page, keeps one share for itself, and sends each helper its share.
At each flush a helper answers with the list rows and deadline timers of the complaints
it folded since the last one, and the rebuilding process writes them with its own, in the
same transaction as the position, exactly as it writes its own share.

Helpers are forked, so they start in milliseconds with the projector (its policy and
mapper) already in memory. A fork copies only the calling thread; the helper never
touches the connections it inherits (they belong to the parent), and loads a complaint,
when it must, through an application of its own.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Notification

from services.complaints.policy import ComplaintPolicy
from services.complaints.readmodel.rows import Projected, project


class Folder(Protocol):
    """What a helper needs of the projector it was forked from (`ComplaintListProjector`)."""

    @property
    def application(self) -> Any: ...

    @property
    def policy(self) -> ComplaintPolicy: ...

    @property
    def born(self) -> set[UUID]:
        """Complaints first folded since the last flush."""
        ...

    def fold(self, notifications: Sequence[Notification]) -> dict[UUID, Any]: ...

    def take_unprojectable(self) -> dict[UUID, str]: ...

    def adopt_for_helper(self, application: Any) -> None: ...

    def forget_folded(self) -> None: ...


#: A notification as sent to a helper: plain values pickle several times faster than the
#: library's frozen dataclass with its UUID.
_Wire = tuple[int, int, int, str, bytes]

#: Helpers pay off only on a log long enough to outweigh forking and shipping pages.
PARALLEL_FROM_EVENTS = 20_000
MAX_PROCESSES = 4
_STOP_SECONDS = 5.0


def default_processes() -> int:
    """Processes for a rebuild (the rebuilding one included): one per core, up to
    `MAX_PROCESSES`, where helpers can be forked safely (Linux); otherwise one."""
    if sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_PROCESSES))


@dataclass
class HelpersShare:
    """What the helpers folded since the last flush."""

    projected: dict[UUID, Projected] = field(default_factory=dict)
    #: Complaints first seen since the last flush (no timers stored for them yet).
    born: set[UUID] = field(default_factory=set)
    #: Complaints that could not be folded, with the reason.
    unprojectable: dict[UUID, str] = field(default_factory=dict)


class RebuildHelpers:
    """`count` forked helpers, used as a context manager around one rebuild.

    Pages go to a helper through a `multiprocessing.Queue`, whose feeder thread writes
    them while this process goes on folding; answers come back through a pipe, read only
    at a flush. A helper that fails keeps reading and answers the next flush with its
    traceback; one that dies is found by the end of its pipe.
    """

    def __init__(self, projector: Folder, count: int) -> None:
        context = multiprocessing.get_context("fork")
        #: Complaints are dealt out by id over `slots`: this process takes one slot, each
        #: helper two, since this process also reads the pages and writes every row.
        self.slots = 2 * count + 1
        self._inboxes: list[Any] = []
        self._replies: list[Connection] = []
        self._processes: list[Any] = []
        for _ in range(count):
            inbox = context.Queue()
            reply, reply_to = context.Pipe(duplex=False)
            process = context.Process(
                target=_serve,
                args=(projector, inbox, reply_to),
                name="rebuild-helper",
                daemon=True,
            )
            process.start()
            reply_to.close()
            self._inboxes.append(inbox)
            self._replies.append(reply)
            self._processes.append(process)

    def __enter__(self) -> RebuildHelpers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def share_out(self, notifications: Sequence[Notification]) -> list[Notification]:
        """Sends each helper the events of its complaints; returns this process's share."""
        slots = self.slots
        mine: list[Notification] = []
        theirs: list[list[_Wire]] = [[] for _ in self._inboxes]
        for notification in notifications:
            slot = notification.originator_id.int % slots
            if slot == 0:
                mine.append(notification)
            else:
                theirs[(slot - 1) >> 1].append(
                    (
                        notification.id,
                        notification.originator_id.int,
                        notification.originator_version,
                        notification.topic,
                        notification.state,
                    )
                )
        for inbox, share in zip(self._inboxes, theirs, strict=True):
            if share:
                inbox.put(("fold", share))
        return mine

    def collect(self) -> HelpersShare:
        """The rows and timers of what every helper folded since the last collection."""
        for inbox in self._inboxes:
            inbox.put(("project", None))
        collected = HelpersShare()
        for reply, process in zip(self._replies, self._processes, strict=True):
            try:
                answer = reply.recv()
            except EOFError:
                raise RuntimeError(
                    f"a rebuild helper process stopped (exit code {process.exitcode})"
                ) from None
            if answer[0] == "error":
                raise RuntimeError(f"a rebuild helper failed:\n{answer[1]}")
            _, share = answer
            collected.projected.update(share.projected)
            collected.born |= share.born
            collected.unprojectable.update(share.unprojectable)
        return collected

    def forget(self) -> None:
        """Drops what the helpers folded (another process moved the position)."""
        for inbox in self._inboxes:
            inbox.put(("forget", None))

    def close(self) -> None:
        for inbox in self._inboxes:
            inbox.put(None)
        for process in self._processes:
            process.join(_STOP_SECONDS)
            if process.is_alive():
                process.terminate()
                process.join(_STOP_SECONDS)
        for inbox in self._inboxes:
            inbox.close()
            inbox.cancel_join_thread()  # a helper that died leaves its pipe unread
        for reply in self._replies:
            reply.close()


class _OwnConnections:
    """The projector's application as a helper sees it: the parent's mapper (pure code),
    and, only if a complaint must be loaded, an application with connections of its own."""

    def __init__(self, inherited: Any) -> None:
        self.mapper = inherited.mapper
        self._env = dict(inherited.env)
        self._type = type(inherited)
        self._own: Any = None

    def complaint(self, complaint_id: UUID, version: int | None = None) -> Any:
        if self._own is None:
            self._own = self._type(env=self._env)
        return self._own.complaint(complaint_id, version=version)

    def close(self) -> None:
        if self._own is not None:
            self._own.close()


def _serve(projector: Folder, inbox: Any, reply: Connection) -> None:
    """A helper's life: fold what it is sent; answer each flush with rows and timers."""
    # Ctrl-C reaches the whole process group; the rebuilding process stops its helpers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    application = _OwnConnections(projector.application)
    projector.adopt_for_helper(application)
    touched: dict[UUID, Any] = {}
    ids: dict[int, UUID] = {}
    failure: str | None = None
    while (message := inbox.get()) is not None:
        kind, payload = message
        try:
            if kind == "fold" and failure is None:
                touched.update(projector.fold(_received(payload, ids)))
            elif kind == "forget":
                projector.forget_folded()
                touched, ids, failure = {}, {}, None
            elif kind == "project":
                if failure is not None:
                    reply.send(("error", failure))
                    continue
                share = HelpersShare(
                    projected={cid: project(c, projector.policy) for cid, c in touched.items()},
                    born=set(projector.born),
                    unprojectable=projector.take_unprojectable(),
                )
                projector.born.clear()
                touched = {}
                reply.send(("share", share))
        except Exception:
            failure = traceback.format_exc()
            if kind == "project":
                reply.send(("error", failure))
    application.close()


class _Received:
    """A notification as folding reads it. The library's frozen dataclass costs a third of
    a helper's time to build, event by event; the fold reads only these attributes."""

    __slots__ = ("id", "originator_id", "originator_version", "state", "topic")

    def __init__(
        self, position: int, originator_id: UUID, version: int, topic: str, state: bytes
    ) -> None:
        self.id = position
        self.originator_id = originator_id
        self.originator_version = version
        self.topic = topic
        self.state = state


def _received(wire: list[_Wire], ids: dict[int, UUID]) -> list[Notification]:
    """The wire's events, each complaint's id made once (`ids` lasts the helper's life)."""
    events: list[Any] = []
    for position, originator, version, topic, state in wire:
        complaint_id = ids.get(originator)
        if complaint_id is None:
            complaint_id = ids[originator] = UUID(int=originator)
        events.append(_Received(position, complaint_id, version, topic, state))
    return events
