"""Two processes of every service on one PostgreSQL database each, CRM clients spread over
both complaints replicas: they work as one system.

- no lost updates: concurrent writers on one complaint through both replicas all land, and
  a stale `If-Match` is refused (412) whichever replica it reaches;
- an `Idempotency-Key` is honoured across replicas: the same request sent to replica A and
  then B (or to both at once) opens one complaint;
- followers and schedulers lead from one replica at a time: every referral reaches the
  provider once (not even a duplicate for it to drop), every e-mail is sent once.

REDRESS_SOAK=1 (`make soak`) runs more clients and journeys.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.support.adr import eventually
from tests.support.complaints import bearer, new_complaint
from tests.support.crm import Crm, run_clients
from tests.support.system import System, whole_system
from tests.support.system import soak as soaking

pytestmark = pytest.mark.postgres

CLIENTS = 6 if soaking() else 3
JOURNEYS = 10 if soaking() else 3
WRITES_EACH = 25 if soaking() else 8
# acknowledgement, final response, ADR referral notice, provider accepted, ADR outcome
CUSTOMER_MAIL = 5


def test_two_replicas_of_each_service_work_as_one(tmp_path: Path) -> None:
    with whole_system(tmp_path, replicas=2, prefix="redress_replicas") as system:
        urls = [p.url for p in system.complaints]
        _an_idempotency_key_is_honoured_across_replicas(system, urls)
        _concurrent_writers_on_both_replicas_lose_no_update(system, urls)
        _journeys_through_both_replicas_deliver_everything_once(system, urls)


def _an_idempotency_key_is_honoured_across_replicas(system: System, urls: list[str]) -> None:
    key = system.crm_key(0)
    body = new_complaint()
    headers = bearer(key, **{"Idempotency-Key": "open-across-replicas"})
    first = httpx.post(f"{urls[0]}/v1/complaints", json=body, headers=headers, timeout=10)
    again = httpx.post(f"{urls[1]}/v1/complaints", json=body, headers=headers, timeout=10)
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("idempotent-replayed") == "true"
    other = httpx.post(
        f"{urls[1]}/v1/complaints", json=new_complaint(), headers=headers, timeout=10
    )
    assert other.status_code == 422  # the same key with another body

    # The same request on both replicas at the same moment: still one complaint.
    crms = [Crm([url], key) for url in urls]
    body = new_complaint()
    answers: list[httpx.Response] = []
    errors = run_clients(
        2,
        lambda i: answers.append(crms[i].send("open", "/v1/complaints", body, key="open-racing")),
    )
    assert not errors, errors
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    for crm in crms:
        crm.close()

    def listed() -> set[str]:
        response = httpx.get(
            f"{urls[1]}/v1/complaints",
            params={"customer_id": body["customer"]["id"]},
            headers=bearer(key),
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    assert eventually(listed, timeout=10) == {answers[0].json()["id"]}


def _concurrent_writers_on_both_replicas_lose_no_update(system: System, urls: list[str]) -> None:
    opener = Crm(urls, system.crm_key(0))
    complaint_id = opener.open()
    opener.close()
    crms = [Crm(urls, system.crm_key(i)) for i in range(CLIENTS)]

    def write(index: int) -> None:
        for n in range(WRITES_EACH):
            crms[index].interact(complaint_id, n)

    errors = run_clients(CLIENTS, write)
    assert not errors, errors
    acknowledged = sum(1 for crm in crms for ack in crm.acknowledged if ack.operation == "interact")
    assert acknowledged == CLIENTS * WRITES_EACH
    history = system.history(complaint_id)
    assert Counter(e["type"] for e in history)["InteractionRecorded"] == acknowledged
    assert [e["version"] for e in history] == list(range(1, len(history) + 1))

    # Optimistic concurrency across processes: two writers holding the same ETag.
    current = httpx.get(
        f"{urls[0]}/v1/complaints/{complaint_id}", headers=bearer(system.crm_key(0)), timeout=10
    )
    etag = current.headers["etag"]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def stale_writer(index: int) -> None:
        barrier.wait()
        response = httpx.post(
            f"{urls[index]}/v1/complaints/{complaint_id}/interactions",
            json={"kind": "note", "direction": "internal", "summary": f"writer {index}"},
            headers=bearer(system.crm_key(index), **{"If-Match": etag}),
            timeout=10,
        )
        statuses.append(response.status_code)

    assert not run_clients(2, stale_writer)
    assert sorted(statuses) == [201, 412], statuses
    for crm in crms:
        crm.close()


def _journeys_through_both_replicas_deliver_everything_once(
    system: System, urls: list[str]
) -> None:
    crms = [Crm(urls, system.crm_key(i)) for i in range(CLIENTS)]
    referred: list[list[str]] = [[] for _ in crms]

    def journeys(index: int) -> None:
        for _ in range(JOURNEYS):
            referred[index].append(crms[index].referred_journey(interactions=1, escalate=True))
        for complaint_id in referred[index]:
            crms[index].close_when_concluded(complaint_id)

    errors = run_clients(CLIENTS, journeys)
    assert not errors, errors
    for crm in crms:
        crm.close()
    complaint_ids = [c for ids in referred for c in ids]
    referral_ids = {system.complaint(c, replica=1)["adr"]["referral_id"] for c in complaint_ids}
    assert len(referral_ids) == len(complaint_ids)

    cases = system.sandbox_cases()
    assert Counter(c["referral_id"] for c in cases) == Counter(referral_ids)
    # Only one gateway replica delivers each referral: the provider never even saw a repeat.
    assert all(case["deliveries"] == 1 for case in cases), cases

    expected = len(complaint_ids) * CUSTOMER_MAIL
    wanted = set(complaint_ids)

    def customer_mail_delivered() -> list[dict[str, object]]:
        delivered = [
            n
            for n in system.notifications_sent()
            if n["complaint_id"] in wanted and n["status"] == "delivered"
        ]
        return delivered if len(delivered) >= expected else []

    delivered = eventually(customer_mail_delivered, timeout=180 if soaking() else 60, every=1)
    assert len(delivered) == expected
    assert len({(n["complaint_id"], n["rule"]) for n in delivered}) == expected
    sent = Counter(m.split("@")[0].lstrip("<") for m in system.message_ids())
    assert all(sent[str(n["id"])] == 1 for n in delivered), {
        str(n["id"]): sent[str(n["id"])] for n in delivered if sent[str(n["id"])] != 1
    }
