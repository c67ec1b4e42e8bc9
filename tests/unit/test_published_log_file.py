"""The published checkpoint log as a file: appended whole lines, read from its end, and a
line cut short by a crash neither hides the checkpoints around it nor glues onto the next."""

from __future__ import annotations

from pathlib import Path

import pytest

from libs.platform.eventstore.integrity import published_log
from libs.platform.eventstore.integrity.published_log import (
    CheckpointLogFile,
    MalformedPublishedLog,
    PublishedCheckpoint,
    read_published,
)


def checkpoint(seq: int) -> PublishedCheckpoint:
    header = {"seq": seq, "hash": f"{seq:064x}", "prev_hash": f"{seq - 1:064x}"}
    return PublishedCheckpoint(header, jws=f"jws-{seq}")


def test_the_newest_checkpoint_is_found_from_the_end_of_a_long_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(published_log, "TAIL_BYTES", 64)  # several widenings of the window
    log = CheckpointLogFile(tmp_path / "log" / "checkpoints.jsonl")
    with log.locked() as file:
        assert file.newest() is None
        file.append([checkpoint(seq).line() for seq in range(1, 40)])
    with log.locked() as file:
        newest = file.newest()
    assert newest is not None and newest.seq == 39
    assert [c.seq for c in log.read()] == list(range(1, 40))


def test_a_torn_line_is_skipped_and_the_next_append_starts_a_fresh_line(tmp_path: Path) -> None:
    path = tmp_path / "checkpoints.jsonl"
    log = CheckpointLogFile(path)
    with log.locked() as file:
        file.append([checkpoint(1).line()])
    with path.open("ab") as raw:
        raw.write(b'{"checkpoint":{"seq":2,"ha')  # the process died mid-write
    with log.locked() as file:
        assert file.newest() == checkpoint(1)
        file.append([checkpoint(2).line()])

    assert len(path.read_text().splitlines()) == 3
    torn: list[int] = []
    assert [c.seq for c in read_published(str(path), torn)] == [1, 2]
    assert torn == [2]


def test_a_line_that_is_not_a_checkpoint_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "checkpoints.jsonl"
    path.write_text('{"format": "something-else/1"}\n')
    with pytest.raises(MalformedPublishedLog, match="line 1 is not a Redress checkpoint"):
        read_published(str(path))
    with pytest.raises(MalformedPublishedLog):
        read_published('{"not": "a checkpoint"')  # one line, cut short
