"""Commands that create an offer, appeal or interaction, and tell the caller which.

The id of what was created is read from the event the command recorded, never from the
complaint's latest entry: under concurrency another writer's offer or interaction may be
the latest by the time the caller is answered, and a retried command (one already handled)
records nothing new, so its id is read back from the event it recorded the first time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from libs.domain.complaint import Complaint
from services.complaints.application import ComplaintsApplication
from services.complaints.use_cases.caller import Caller, Created, change, new_entity_id

T = TypeVar("T")


def create(
    application: ComplaintsApplication,
    complaint_id: UUID,
    caller: Caller[T],
    *,
    collection: str,
    recorded_as: type[Complaint.Event],
    id_field: str,
    decide: Callable[[Complaint, str], None],
) -> T:
    """Runs `decide(complaint, new_id)` in the caller's turn, and presents the complaint
    with what it created: the `id_field` of the `recorded_as` event the command recorded."""
    context = caller.context
    recorded: dict[str, str | None] = {}

    def decide_and_note(complaint: Complaint) -> None:
        decide(complaint, new_entity_id(application, complaint, context))
        # Runs again from scratch when another writer got there first: the note is this
        # attempt's, the one that is saved.
        recorded["id"] = _id_in(complaint.pending_events, recorded_as, id_field)

    def present(complaint: Complaint) -> T:
        entity_id = recorded.get("id") or _recorded_earlier(
            application, complaint, context.command_id, recorded_as, id_field
        )
        if caller.present_created is None or entity_id is None:
            return caller.present(complaint)
        return caller.present_created(complaint, Created(collection, entity_id))

    return change(
        application,
        complaint_id,
        Caller(context, present, caller.expected_version),
        decide_and_note,
    )


def _id_in(events: Any, recorded_as: type[Complaint.Event], id_field: str) -> str | None:
    for event in events:
        if isinstance(event, recorded_as):
            return str(getattr(event, id_field))
    return None


#: How far back a handled command's events are looked for: a command records a few events.
EVENTS_PER_COMMAND = 16


def _recorded_earlier(
    application: ComplaintsApplication,
    complaint: Complaint,
    command_id: str | None,
    recorded_as: type[Complaint.Event],
    id_field: str,
) -> str | None:
    """The id a command already handled created, from the events it recorded (the last of
    them is at `complaint.command_ids[command_id]`). None when it created no such thing:
    its key, forgotten by the idempotency store after 24 hours, was used again for another
    kind of write; the caller is then answered with the complaint, as before."""
    if command_id is None or command_id not in complaint.command_ids:
        return None
    events = application.events_of_command(
        complaint.id, command_id, complaint.command_ids[command_id], EVENTS_PER_COMMAND
    )
    return _id_in(events, recorded_as, id_field)
