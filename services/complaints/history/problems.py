"""What the history queries refuse, as problem documents (RFC 9457)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from eventsourcing.domain import EventSourcingError

from libs.platform.http.problems import Problem, invalid_field, not_found
from libs.platform.runtime.jsonable import rfc3339_utc
from services.complaints.application import ComplaintNotFound
from services.complaints.history.queries import (
    BeforeComplaint,
    InvalidCursor,
    UnknownComplaint,
    VersionOutOfRange,
)


def invalid(field: str, message: str) -> Problem:
    return invalid_field(field, message, detail=f"{field}: {message}")


def parse_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise not_found("complaint", raw) from None


@contextmanager
def history_problems() -> Iterator[None]:
    try:
        yield
    except (UnknownComplaint, ComplaintNotFound) as error:
        raise not_found("complaint", str(error.complaint_id)) from None
    except VersionOutOfRange as error:
        raise invalid("query.version", str(error)) from None
    except InvalidCursor as error:
        raise invalid("query.cursor", str(error)) from None
    except BeforeComplaint as error:
        raise Problem(
            404,
            "not-yet-recorded",
            "Not recorded yet",
            str(error),
            first_recorded_at=rfc3339_utc(error.recorded_at),
        ) from None
    except EventSourcingError as error:
        # The stored events no longer replay (a row removed or rewritten): say so, and
        # point at the verification that explains it, rather than failing with a 500.
        raise Problem(
            409,
            "history-damaged",
            "Stored history does not replay",
            f"the stored events cannot be replayed ({type(error).__name__}); "
            "GET …/history/verify names the damaged version",
        ) from None
