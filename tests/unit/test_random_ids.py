"""Random ids: version-4 UUIDs, never repeated, not even by a forked process."""

from __future__ import annotations

import os
import threading

from libs.platform.runtime.ids import random_uuid


def test_ids_are_version_4_uuids_of_the_rfc_variant() -> None:
    for _ in range(300):  # past one read of randomness
        made = random_uuid()
        assert made.version == 4
        assert made.variant == "specified in RFC 4122"


def test_no_id_repeats_across_reads_and_threads() -> None:
    made: list[str] = []
    lock = threading.Lock()

    def draw() -> None:
        ids = [str(random_uuid()) for _ in range(2_000)]
        with lock:
            made.extend(ids)

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(made)) == len(made) == 8_000


def test_a_forked_process_does_not_hand_out_its_parents_next_ids() -> None:
    random_uuid()  # the parent now holds unread randomness
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.write(writing, "".join(str(random_uuid()) for _ in range(10)).encode())
        os._exit(0)
    os.close(writing)
    os.waitpid(child, 0)
    with os.fdopen(reading) as pipe:
        text = pipe.read()
    childs = {text[i : i + 36] for i in range(0, len(text), 36)}
    parents = {str(random_uuid()) for _ in range(300)}
    assert len(childs) == 10
    assert not childs & parents
