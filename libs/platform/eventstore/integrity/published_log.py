"""The checkpoint log written outside the database: an append-only JSON-lines file that
operators ship elsewhere (`REDRESS_CHECKPOINT_LOG`), one line per checkpoint.

Whoever administers the database can delete its newest checkpoint rows; they cannot take
back a line already shipped. `redress verify --all --against <file or line>` holds the
database to what was published (docs/proof-formats.md, "Checkpoints").

Lines (canonical JSON, each ending in a newline, fsync'd before the write returns):

- `{"format": "redress.checkpoint/1", "checkpoint": <header>, "jws": <compact JWS or
  null>, "timestamp": {"tsa": <url>, "token": <base64 DER>} or null}` — one per
  checkpoint, with `"timestamp_error"` when the time-stamping authority failed;
- `{"format": "redress.checkpoint-timestamp/1", "seq", "hash", "timestamp"}` — a token
  obtained later for a checkpoint whose line has none (the TSA was unreachable then).

Several processes may append to one file: each append holds an exclusive `flock`.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from libs.platform.eventstore.integrity.chain_writes import CheckpointRecord
from libs.platform.eventstore.integrity.hashchain import canonical_json

CHECKPOINT_FORMAT = "redress.checkpoint/1"
TIMESTAMP_FORMAT = "redress.checkpoint-timestamp/1"
#: How much of the file's end is read to find its newest lines (doubled until found).
TAIL_BYTES = 256 * 1024


class MalformedPublishedLog(ValueError):
    """A line of a published checkpoint log is not one Redress writes."""


@dataclass(frozen=True)
class PublishedCheckpoint:
    """One checkpoint as published: its header, JWS and any time-stamp token."""

    header: dict[str, Any]
    jws: str | None
    timestamp: dict[str, str] | None = None
    timestamp_error: str | None = None

    @property
    def seq(self) -> int:
        return int(self.header["seq"])

    @property
    def hash(self) -> str:
        return str(self.header["hash"])

    def line(self) -> dict[str, Any]:
        line: dict[str, Any] = {
            "format": CHECKPOINT_FORMAT,
            "checkpoint": self.header,
            "jws": self.jws,
            "timestamp": self.timestamp,
        }
        if self.timestamp_error is not None:
            line["timestamp_error"] = self.timestamp_error
        return line


def timestamp_entry(tsa_url: str, token: bytes) -> dict[str, str]:
    return {"tsa": tsa_url, "token": base64.b64encode(token).decode("ascii")}


def published(record: CheckpointRecord, **timestamp: Any) -> PublishedCheckpoint:
    return PublishedCheckpoint(record.header(), record.jws, **timestamp)


def parse_lines(lines: Sequence[str], torn: list[int] | None = None) -> list[PublishedCheckpoint]:
    """The checkpoints in a published log (later time-stamp lines joined to theirs). A line
    that is not JSON was cut short by a crash while it was written (it was never reported
    written, and the next append starts a fresh line): skipped, its number added to `torn`.
    A JSON line that is not one of Redress's is refused."""
    found: list[PublishedCheckpoint] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except json.JSONDecodeError:
            if torn is not None:
                torn.append(number)
            continue
        kind = line.get("format") if isinstance(line, dict) else None
        if kind == CHECKPOINT_FORMAT and isinstance(line.get("checkpoint"), dict):
            found.append(
                PublishedCheckpoint(
                    line["checkpoint"],
                    line.get("jws"),
                    line.get("timestamp"),
                    line.get("timestamp_error"),
                )
            )
        elif kind == TIMESTAMP_FORMAT:
            for index in range(len(found) - 1, -1, -1):
                if found[index].seq == line.get("seq") and found[index].hash == line.get("hash"):
                    found[index] = PublishedCheckpoint(
                        found[index].header, found[index].jws, line.get("timestamp")
                    )
                    break
        else:
            raise MalformedPublishedLog(f"line {number} is not a Redress checkpoint line")
    return found


def read_published(source: str, torn: list[int] | None = None) -> list[PublishedCheckpoint]:
    """A published log's checkpoints, from a file's path or from one line of it (the
    numbers of torn lines, skipped, added to `torn`)."""
    if source.lstrip().startswith("{"):
        found = parse_lines([source], torn)
        if not found:
            raise MalformedPublishedLog("the line given is not a Redress checkpoint line")
        return found
    return parse_lines(Path(source).read_text(encoding="utf-8").splitlines(), torn)


class CheckpointLogFile:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    @contextmanager
    def locked(self) -> Iterator[LockedLog]:
        """The file, held exclusively (made, with its folder, on first use)."""
        created = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+b") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            try:
                if created:
                    _fsync_directory(self.path.parent)
                yield LockedLog(file)
            finally:
                fcntl.flock(file, fcntl.LOCK_UN)

    def read(self) -> list[PublishedCheckpoint]:
        if not self.path.exists():
            return []
        return parse_lines(self.path.read_text(encoding="utf-8").splitlines())


class LockedLog:
    def __init__(self, file: IO[bytes]) -> None:
        self._file = file

    def newest(self) -> PublishedCheckpoint | None:
        """The newest checkpoint in the file, read from its end."""
        size = os.fstat(self._file.fileno()).st_size
        window = TAIL_BYTES
        while True:
            start = max(0, size - window)
            self._file.seek(start)
            lines = self._file.read().decode("utf-8", errors="replace").split("\n")
            if start > 0:
                lines = lines[1:]  # the first may be cut
            if lines and lines[-1].strip() and size > 0:
                # A line without its newline was cut short by a crash: not published.
                lines = lines[:-1]
            found = parse_lines(lines)
            if found or start == 0:
                return found[-1] if found else None
            window *= 2

    def append(self, lines: Sequence[dict[str, Any]]) -> None:
        if not lines:
            return
        size = os.fstat(self._file.fileno()).st_size
        prefix = b""
        if size:
            self._file.seek(size - 1)
            if self._file.read(1) != b"\n":
                prefix = b"\n"  # after a torn line, start a fresh one
        self._file.write(prefix + b"".join(canonical_json(line) + b"\n" for line in lines))
        self._file.flush()
        os.fsync(self._file.fileno())


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
