"""`Idempotency-Key` for every write (draft-ietf-httpapi-idempotency-key-header).

The first request with a key claims it atomically and its response is stored; a retry with
the same key and the same JSON body (compared as JSON: key order and whitespace do not
matter) gets that response again, with another body a 422, and while the first is still
running a 409. What is stored is what the command answered, refusals included (404, 409,
412, a 422 of a rule checked when the command runs); a request refused before it reaches
the command (authentication, 413, 415, a body that breaks the schema, a bad key) claims
nothing, and neither does a server error: the key stays free for the corrected retry.
Keys are scoped to the calling API key and kept for `RETENTION`. Should a process die
between recording its events and storing the response, the claim goes stale and the retry
runs the command again: commands carry the key as their `command_id`, so the domain
recognises the repeat and records nothing twice.

A handler may name fields it shows once and that must never be kept (`run(withheld=…)`: a
secret the service made): the stored response has them null, and a replay says which with
`Idempotent-Withheld`, so a client that lost the first answer knows what it cannot get back.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    delete,
    select,
    update,
)

from libs.platform.http.problems import Problem, problem_response
from libs.platform.sql.database import upsert

RETENTION = timedelta(hours=24)
STALE_AFTER = timedelta(seconds=30)
MAX_KEY_LENGTH = 255
REPLAYED_HEADER = "Idempotent-Replayed"
WITHHELD_HEADER = "Idempotent-Withheld"
#: The draft makes the key a Structured Field string (RFC 8941 §3.3.3: printable ASCII);
#: HTTP strips spaces around a field value (RFC 9110 §5.5), so none begins or ends one.
KEY_PATTERN = f"[!-~]([ -~]{{0,{MAX_KEY_LENGTH - 2}}}[!-~])?"
VALID_KEY = re.compile(KEY_PATTERN)


def idempotency_table(metadata: MetaData) -> Table:
    return Table(
        "idempotency_records",
        metadata,
        Column("scope", String(64), primary_key=True),
        Column("key", String(MAX_KEY_LENGTH), primary_key=True),
        Column("request_hash", String(64), nullable=False),
        Column("status", String(16), nullable=False),
        Column("response_status", Integer),
        Column("response_body", Text),
        Column("response_headers", Text),
        Column("claimed_at", DateTime(timezone=True), nullable=False),
        Column("completed_at", DateTime(timezone=True)),
    )


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: str
    headers: dict[str, str]

    def to_response(self) -> Response:
        headers = {**self.headers, REPLAYED_HEADER: "true"}
        media = headers.pop("content-type", "application/json")
        return Response(self.body, status_code=self.status, headers=headers, media_type=media)


class IdempotencyStore:
    def __init__(self, engine: Engine, table: Table, clock: Callable[[], datetime] | None = None):
        self._engine = engine
        self._table = table
        self._clock = clock or (lambda: datetime.now(UTC))

    def claim(
        self, scope: str, key: str, request_hash: str, legacy_hash: str | None = None
    ) -> StoredResponse | None:
        """Claims the key, or returns the stored response of the request that claimed it.
        `legacy_hash` is the digest of the raw bytes, as claims made before bodies were
        compared as JSON were stored: a retry of one of those still replays."""
        now = self._clock()
        table = self._table
        with self._engine.begin() as connection:
            inserted = connection.execute(
                upsert(self._engine)(table)
                .values(
                    scope=scope,
                    key=key,
                    request_hash=request_hash,
                    status="running",
                    claimed_at=now,
                )
                .on_conflict_do_nothing()
                .returning(table.c.key)
            ).first()
            if inserted is not None:
                return None
            row = connection.execute(
                select(table).where(and_(table.c.scope == scope, table.c.key == key))
            ).one()
        if row.request_hash not in (request_hash, legacy_hash):
            raise Problem(
                422,
                "idempotency-key-reused",
                "Idempotency key reused",
                "this Idempotency-Key was used with a different request body; "
                "use a new key for a new request",
            )
        if row.status == "done":
            return StoredResponse(
                row.response_status, row.response_body, json.loads(row.response_headers)
            )
        if _aware(row.claimed_at) > now - STALE_AFTER:
            raise Problem(
                409,
                "idempotency-key-in-use",
                "Request in progress",
                "a request with this Idempotency-Key is still being processed; retry later",
                headers={"Retry-After": "1"},
            )
        # The first attempt died mid-way: take the claim over (the domain dedupes the command).
        with self._engine.begin() as connection:
            taken = connection.execute(
                update(table)
                .where(
                    and_(
                        table.c.scope == scope,
                        table.c.key == key,
                        table.c.claimed_at == row.claimed_at,
                    )
                )
                .values(claimed_at=now)
            ).rowcount
        if not taken:
            raise Problem(
                409,
                "idempotency-key-in-use",
                "Request in progress",
                "a retry of this request is already running",
                headers={"Retry-After": "1"},
            )
        return None

    def complete(self, scope: str, key: str, response: StoredResponse) -> None:
        table = self._table
        with self._engine.begin() as connection:
            connection.execute(
                update(table)
                .where(and_(table.c.scope == scope, table.c.key == key))
                .values(
                    status="done",
                    response_status=response.status,
                    response_body=response.body,
                    response_headers=json.dumps(response.headers),
                    completed_at=self._clock(),
                )
            )

    def release(self, scope: str, key: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                delete(self._table).where(
                    and_(self._table.c.scope == scope, self._table.c.key == key)
                )
            )

    def purge_expired(self) -> int:
        with self._engine.begin() as connection:
            return connection.execute(
                delete(self._table).where(self._table.c.claimed_at < self._clock() - RETENTION)
            ).rowcount


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_KEPT_HEADERS = ("content-type", "etag", "location")


def _stored(response: JSONResponse, withheld: tuple[str, ...] = ()) -> StoredResponse:
    """What is kept of a response: its body without the `withheld` top-level fields' values
    (null instead, and named in `Idempotent-Withheld`), and the headers a replay needs."""
    headers = {k: v for k, v in response.headers.items() if k.lower() in _KEPT_HEADERS}
    body = bytes(response.body).decode()
    if withheld:
        document = json.loads(body)
        held = [name for name in withheld if isinstance(document, dict) and document.get(name)]
        if held:
            document.update(dict.fromkeys(held))
            body = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
            headers[WITHHELD_HEADER] = ", ".join(held)
    return StoredResponse(response.status_code, body, headers)


@dataclass(frozen=True)
class IdempotentRequest:
    """A write request and its `Idempotency-Key`, if it sent one."""

    store: IdempotencyStore
    key: str | None
    request_hash: str
    request: Request
    legacy_hash: str | None = None

    @property
    def scope(self) -> str:
        principal = getattr(self.request.state, "principal", None)
        return principal.key_id if principal is not None else "anonymous"

    @property
    def command_id(self) -> str | None:
        return f"{self.scope}:{self.key}" if self.key else None

    def run(
        self, produce: Callable[[], JSONResponse], *, withheld: tuple[str, ...] = ()
    ) -> Response:
        """`produce`'s response, or the stored one of an earlier request with the key.
        `withheld`: top-level fields of the JSON body never stored (a replay has them null)."""
        if self.key is None:
            return produce()
        replay = self.store.claim(self.scope, self.key, self.request_hash, self.legacy_hash)
        if replay is not None:
            return replay.to_response()
        try:
            response = produce()
        except Problem as problem:
            response = problem_response(problem, self.request)
        except BaseException:
            self.store.release(self.scope, self.key)
            raise
        self.store.complete(self.scope, self.key, _stored(response, withheld))
        return response


IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description=(
            f"Makes a retry safe: 1 to {MAX_KEY_LENGTH} printable ASCII characters, unique per "
            "operation you mean. The same key and body answer with the first response again "
            "(header `Idempotent-Replayed: true`, errors included) and do nothing twice; the "
            "same key with another body is a 422; a retry while the first is still running "
            "a 409. Keys are scoped to your API key and kept 24 hours."
        ),
        examples=["crm-ticket-4711-open"],
        # Documented, not enforced by FastAPI: the check below answers 400 with its reason.
        json_schema_extra={"maxLength": MAX_KEY_LENGTH, "pattern": f"^{KEY_PATTERN}$"},
    ),
]


async def idempotent_request(
    request: Request, idempotency_key: IdempotencyKeyHeader = None
) -> IdempotentRequest:
    """FastAPI dependency: the key, and a digest of what is being asked."""
    key = idempotency_key
    if key is not None and not VALID_KEY.fullmatch(key):
        raise Problem(
            400,
            "invalid-idempotency-key",
            "Invalid Idempotency-Key",
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters, "
            "not beginning or ending with a space",
        )
    body = await request.body()  # read here, in the event loop, for the handler too
    digest = legacy = ""
    if key is not None:
        asked = request.method.encode() + b" " + request.scope["path"].encode() + b"\n"
        digest = hashlib.sha256(asked + canonical_body(body)).hexdigest()
        legacy = hashlib.sha256(asked + body).hexdigest()
    return IdempotentRequest(request.app.state.idempotency, key, digest, request, legacy)


def canonical_body(body: bytes) -> bytes:
    """What a retry must repeat: the JSON value, not its bytes. Key order, whitespace and how
    a number or a string is written (`42.50`/`42.5`, `"\\u00e9"`/`"é"`) do not make another
    request; a body that is not JSON is compared as it is."""
    try:
        value = json.loads(body, parse_float=Decimal, parse_int=Decimal)
    except (ValueError, RecursionError):
        return b"\x00raw\x00" + body
    return _canonical(value).encode()


def _canonical(value: Any) -> str:
    if isinstance(value, dict):
        members = (f"{json.dumps(k)}:{_canonical(value[k])}" for k in sorted(value))
        return "{" + ",".join(members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_canonical(item) for item in value) + "]"
    if isinstance(value, Decimal):
        # Equal numbers alike, exactly (no float: 16-digit amounts stay apart).
        return "0" if value.is_zero() else format(value.normalize(), "E")
    return json.dumps(value)
