"""Optimistic concurrency: a command that finds its aggregate saved by another writer first
decides again on what is stored, a bounded number of times, and then says it gave up."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from eventsourcing.persistence import IntegrityError

from libs.platform.eventstore.concurrency import DEFAULT_ATTEMPTS, TryAgain, retry_on_conflict


class TooBusy(Exception):
    """What the caller raises when it gives up."""


def attempts_that(*outcomes: Exception | str) -> tuple[Callable[[], str], list[int]]:
    """An attempt that raises or returns each outcome in turn, and the count of its calls."""
    calls: list[int] = []

    def attempt() -> str:
        outcome = outcomes[len(calls)]
        calls.append(len(calls))
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return attempt, calls


def test_an_attempt_that_saves_is_run_once_and_its_result_returned() -> None:
    attempt, calls = attempts_that("saved")
    assert retry_on_conflict(attempt, gave_up=TooBusy) == "saved"
    assert len(calls) == 1


def test_a_conflicting_save_is_decided_again_until_one_succeeds() -> None:
    attempt, calls = attempts_that(IntegrityError("taken"), IntegrityError("taken"), "saved")
    assert retry_on_conflict(attempt, gave_up=TooBusy) == "saved"
    assert len(calls) == 3


def test_an_attempt_may_ask_to_be_tried_again_itself() -> None:
    attempt, calls = attempts_that(TryAgain(), "saved")
    assert retry_on_conflict(attempt, gave_up=TooBusy) == "saved"
    assert len(calls) == 2


def test_after_the_last_allowed_attempt_it_raises_what_gave_up_makes() -> None:
    attempt, calls = attempts_that(*[IntegrityError("taken")] * 3, "never reached")
    with pytest.raises(TooBusy):
        retry_on_conflict(attempt, gave_up=TooBusy, attempts=3)
    assert len(calls) == 3


def test_by_default_it_tries_eight_times() -> None:
    assert DEFAULT_ATTEMPTS == 8
    attempt, calls = attempts_that(*[TryAgain()] * DEFAULT_ATTEMPTS)
    with pytest.raises(TooBusy):
        retry_on_conflict(attempt, gave_up=TooBusy)
    assert len(calls) == DEFAULT_ATTEMPTS


def test_any_other_failure_is_not_retried() -> None:
    attempt, calls = attempts_that(ValueError("not a conflict"), "saved")
    with pytest.raises(ValueError, match="not a conflict"):
        retry_on_conflict(attempt, gave_up=TooBusy)
    assert len(calls) == 1
