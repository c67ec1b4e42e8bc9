"""A CRM integration as the fault tests and the system benchmark drive it: every write
carries an `Idempotency-Key` and is retried with the same key — on a connection error, a
503, a 429 or a 409 that says "in progress, retry" — until it gets a real answer. That is
the contract that makes a retry safe while a service is being killed and restarted.

Every write the service acknowledged (2xx) is recorded, with its key, so a test can look
for it in the complaint's history afterwards.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.complaints import bearer, new_complaint

RETRYABLE_STATUS = {429, 502, 503, 504}
RETRYABLE_409 = {"idempotency-key-in-use", "contention"}
FINAL_RESPONSE = {
    "letter": "Dear Ada, we have looked into your complaint and do not uphold it. "
    "If you are unhappy you may refer it to an independent ADR provider.",
    "elements": {"decision": "not_upheld", "adr_rights_stated": True},
}


@dataclass(frozen=True)
class Acknowledged:
    complaint_id: str
    operation: str
    key: str
    status: int


class GaveUp(RuntimeError):
    pass


@dataclass
class Crm:
    """One CRM client (one thread). `urls` are complaints replicas, used in turn."""

    urls: list[str]
    key: str
    deadline_seconds: float = 90.0
    timeout: float = 10.0
    acknowledged: list[Acknowledged] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    retries: int = 0
    refused: list[tuple[str, int, str]] = field(default_factory=list)
    turn: int = 0  # which replica the next request goes to

    def __post_init__(self) -> None:
        self._clients = [httpx.Client(base_url=url, timeout=self.timeout) for url in self.urls]

    def close(self) -> None:
        for client in self._clients:
            client.close()

    def _next(self) -> httpx.Client:
        self.turn += 1
        return self._clients[self.turn % len(self._clients)]

    # -- one write, retried until it is answered ------------------------------------------

    def send(
        self,
        operation: str,
        path: str,
        body: dict[str, Any],
        complaint_id: str | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        key = key or f"{operation}-{uuid.uuid4()}"
        # The key doubles as the correlation id, which every event records: so a test can
        # find each acknowledged write in the history.
        headers = bearer(self.key, **{"Idempotency-Key": key, "X-Correlation-ID": key})
        started = time.perf_counter()
        give_up = time.monotonic() + self.deadline_seconds
        while True:
            try:
                response = self._next().post(path, json=body, headers=headers)
            except httpx.TransportError:
                response = None
            if response is not None and not _retryable(response):
                break
            if time.monotonic() > give_up:
                raise GaveUp(f"{operation} {path}: no answer within {self.deadline_seconds}s")
            self.retries += 1
            time.sleep(0.25)
        self.latencies.setdefault(operation, []).append(time.perf_counter() - started)
        if response.is_success:
            identity = complaint_id or str(response.json()["id"])
            self.acknowledged.append(Acknowledged(identity, operation, key, response.status_code))
        else:
            self.refused.append((operation, response.status_code, response.text[:300]))
        return response

    def get(self, path: str) -> httpx.Response:
        give_up = time.monotonic() + self.deadline_seconds
        while True:
            try:
                response = self._next().get(path, headers=bearer(self.key))
                if response.status_code not in RETRYABLE_STATUS:
                    return response
            except httpx.TransportError:
                pass
            if time.monotonic() > give_up:
                raise GaveUp(f"GET {path}: no answer within {self.deadline_seconds}s")
            time.sleep(0.25)

    # -- the journey of a complaint ---------------------------------------------------------

    def open(self) -> str:
        response = self.send("open", "/v1/complaints", new_complaint())
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def command(self, operation: str, complaint_id: str, path: str, body: dict[str, Any]) -> None:
        response = self.send(operation, f"/v1/complaints/{complaint_id}/{path}", body, complaint_id)
        assert response.is_success, f"{operation}: {response.status_code} {response.text}"

    def interact(self, complaint_id: str, n: int = 1) -> None:
        self.command(
            "interact",
            complaint_id,
            "interactions",
            {
                "kind": "call",
                "direction": "inbound",
                "summary": f"Customer called about the duplicate charge ({n})",
            },
        )

    def escalate(self, complaint_id: str) -> None:
        self.command("escalate", complaint_id, "escalations", {"reason": "Customer unhappy"})

    def resolve(self, complaint_id: str) -> None:
        self.command(
            "resolve",
            complaint_id,
            "resolution",
            {"outcome": "not_upheld", "summary": "The second charge was a pre-authorisation."},
        )
        self.command("final_response", complaint_id, "final-response", FINAL_RESPONSE)

    def refer(self, complaint_id: str) -> None:
        self.command(
            "refer",
            complaint_id,
            "adr-referral",
            {"preferred_method": "mediation", "preferred_provider_id": "sandbox"},
        )

    def close_complaint(self, complaint_id: str) -> None:
        self.command("close", complaint_id, "closure", {"reason": "resolved"})

    def referred_journey(self, interactions: int = 2, escalate: bool = False) -> str:
        """Open, interact, (escalate,) resolve with a final response, refer to ADR."""
        complaint_id = self.open()
        for n in range(interactions):
            self.interact(complaint_id, n)
        if escalate:
            self.escalate(complaint_id)
        self.resolve(complaint_id)
        self.refer(complaint_id)
        return complaint_id

    def close_when_concluded(self, complaint_id: str, timeout: float = 60.0) -> None:
        """Waits for the provider's decision to come back, then closes the complaint."""
        give_up = time.monotonic() + timeout
        while True:
            status = self.get(f"/v1/complaints/{complaint_id}").json().get("status")
            if status == "adr_concluded":
                break
            if time.monotonic() > give_up:
                raise GaveUp(f"{complaint_id} still {status} after {timeout}s")
            time.sleep(0.3)
        self.close_complaint(complaint_id)


def _retryable(response: httpx.Response) -> bool:
    if response.status_code in RETRYABLE_STATUS:
        return True
    if response.status_code == 409:
        kind = str(_json(response).get("type", ""))
        return any(kind.endswith(name) for name in RETRYABLE_409)
    return False


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def run_clients(count: int, work: Callable[[int], None]) -> list[BaseException]:
    """Runs `work(index)` in `count` threads; returns what any of them raised."""
    errors: list[BaseException] = []

    def guarded(index: int) -> None:
        try:
            work(index)
        except BaseException as error:  # reported to the test
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
