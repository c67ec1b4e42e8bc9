"""Referring a complaint to ADR before it is eligible: who may, and what they must write."""

from __future__ import annotations

import pytest

from libs.domain.adr_override import (
    MIN_JUSTIFICATION_WORDS,
    JustificationTooShort,
    OverrideNotAllowed,
    check_override,
    may_override,
)
from libs.domain.values import Role

A_SENTENCE = "The customer is vulnerable and the review has stalled for months."


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_a_supervisor_or_an_admin_may_override_with_a_sentence_of_justification(
    role: Role,
) -> None:
    assert may_override(role)
    check_override(role, A_SENTENCE)


@pytest.mark.parametrize("role", [Role.AGENT, Role.CRM, Role.AUDITOR, Role.SERVICE])
def test_no_other_role_may_override_however_well_it_argues(role: Role) -> None:
    assert not may_override(role)
    with pytest.raises(OverrideNotAllowed, match="only a supervisor or an admin"):
        check_override(role, A_SENTENCE)


def test_the_role_is_asked_before_the_justification() -> None:
    with pytest.raises(OverrideNotAllowed):
        check_override(Role.AGENT, "because")


def test_a_justification_of_fewer_than_five_words_is_refused() -> None:
    assert MIN_JUSTIFICATION_WORDS == 5
    with pytest.raises(JustificationTooShort) as refused:
        check_override(Role.SUPERVISOR, "customer asked for it")
    assert refused.value.field == "override_justification"
    assert refused.value.words == 4
    assert refused.value.message == (
        "an override needs a justification of at least a sentence (5 words or more)"
    )


def test_five_words_are_enough_and_extra_whitespace_does_not_count() -> None:
    check_override(Role.SUPERVISOR, "  the customer   asked \n for mediation  ")


def test_without_a_justification_no_override_is_asked_and_nothing_is_checked() -> None:
    check_override(Role.AGENT, None)


def test_the_role_may_be_given_as_its_recorded_name() -> None:
    # Command contexts record the role as text.
    check_override("supervisor", A_SENTENCE)
    with pytest.raises(OverrideNotAllowed):
        check_override("agent", A_SENTENCE)
