"""The caller's side of a change to a complaint, and the one way a use case makes one.

A use case decides what to do to a complaint; the application runs that decision in the
complaint's turn (a lock per complaint in this process, optimistic concurrency across
processes) and saves what it recorded. The complaint object is then kept for the next
writer, so the caller sees it only inside the turn: `present` makes what the caller needs
of it (an HTTP response, a version, a test's observation) before the turn ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar
from uuid import UUID

from libs.domain.complaint import Complaint
from libs.domain.values import CommandContext
from services.complaints.application import ComplaintsApplication

T = TypeVar("T")


@dataclass(frozen=True)
class Caller(Generic[T]):
    """Who changes the complaint and how they want the result.

    `context` says who, when and which command (recorded on the events, and a retried
    command is recognised by its id); `expected_version` is the version the caller last saw
    (HTTP `If-Match`), or None to decide on the complaint as it now stands; `present` turns
    the changed complaint into the use case's result.
    """

    context: CommandContext
    present: Callable[[Complaint], T]
    expected_version: int | None = None
    #: How the caller wants the result of a command that creates an offer, appeal or
    #: interaction (see `use_cases.created`); without it, `present` of the complaint.
    present_created: Callable[[Complaint, Created], T] | None = None


@dataclass(frozen=True)
class Created:
    """What a command created on a complaint: the collection (`offers`, `appeals`,
    `interactions`) and the new entry's id, as the command's event recorded it."""

    collection: str
    id: str


def change(
    application: ComplaintsApplication,
    complaint_id: UUID,
    caller: Caller[T],
    decide: Callable[[Complaint], None],
) -> T:
    """Runs `decide` on the complaint in the caller's turn; the caller's presentation of
    the result."""
    return application.update(
        complaint_id,
        caller.context,
        decide,
        expected_version=caller.expected_version,
        present=caller.present,
    )


def new_entity_id(
    application: ComplaintsApplication, complaint: Complaint, context: CommandContext
) -> str:
    """The id of an offer, appeal, interaction or referral the command creates: the same
    again when the command is retried."""
    return application.new_entity_id(complaint.id, context.command_id)
