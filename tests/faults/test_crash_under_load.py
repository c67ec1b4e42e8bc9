"""`kill -9` under load: the whole system runs as real processes on PostgreSQL while a few
CRM clients take complaints through their journey (open, interact, resolve with a final
response, refer to ADR, close). Meanwhile each service in turn — complaints, ADR gateway,
notifications — is killed with SIGKILL and restarted on the same port.

Afterwards nothing acknowledged is lost and nothing is sent twice:
- every write a client saw acknowledged (2xx) is in the complaint's history, once;
- every referral reached the sandbox provider as exactly one case (by `webhook-id`);
- every e-mail the rules call for was sent, once per notification (by Message-ID).

REDRESS_SOAK=1 (`make soak`) runs it longer, with more clients and more kills.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.support.adr import eventually
from tests.support.crm import Acknowledged, Crm, run_clients
from tests.support.system import System, soak, whole_system

pytestmark = pytest.mark.postgres

CLIENTS = 6 if soak() else 3
ROUNDS = 5 if soak() else 1  # each round kills every service once
PAUSE = 1.5  # seconds of load between one kill and the next
THINK = 0.05  # a client's pause between journeys, so the run stays a few dozen complaints
# The e-mails each referred complaint gets, by rule.
CUSTOMER_MAIL = {
    "acknowledgement",
    "final_response_letter",
    "adr_referral_notice",
    "adr_provider_accepted",
}
EVENT_OF = {
    "open": "ComplaintReceived",
    "interact": "InteractionRecorded",
    "resolve": "ComplaintResolved",
    "final_response": "FinalResponseIssued",
    "refer": "ReferredToAdr",
    "close": "ComplaintClosed",
}


def test_killing_each_service_in_turn_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path,
) -> None:
    began = time.monotonic()
    with whole_system(tmp_path, prefix="redress_crash") as system:
        print(f"\nstarted in {time.monotonic() - began:.1f}s")
        clients = [
            Crm([system.complaints[0].url], system.crm_key(i), deadline_seconds=120)
            for i in range(CLIENTS)
        ]
        referred: list[list[str]] = [[] for _ in clients]
        stop = threading.Event()

        def load(index: int) -> None:
            crm = clients[index]
            while not stop.is_set():
                referred[index].append(crm.referred_journey(interactions=2))
                time.sleep(THINK)
            print(f"client {index} stopped at {time.monotonic() - began:.1f}s")
            for complaint_id in referred[index]:
                crm.close_when_concluded(complaint_id, timeout=120)

        killed: list[str] = []

        def chaos() -> None:
            time.sleep(PAUSE)
            for _ in range(ROUNDS):
                for group in (system.complaints, system.gateways, system.notifications):
                    process = group[0]
                    process.kill()
                    killed.append(process.service)
                    time.sleep(0.3)
                    process.start()
                    print(f"{process.service} back at {time.monotonic() - began:.1f}s")
                    time.sleep(PAUSE)
            stop.set()

        chaos_thread = threading.Thread(target=chaos, daemon=True)
        chaos_thread.start()
        errors = run_clients(CLIENTS, load)
        chaos_thread.join()
        print(f"load done at {time.monotonic() - began:.1f}s")
        for crm in clients:
            crm.close()
        assert not errors, errors
        assert killed == ["complaints", "adr-gateway", "notifications"] * ROUNDS

        complaint_ids = [c for ids in referred for c in ids]
        assert len(complaint_ids) >= CLIENTS * 2, "too little load to mean anything"
        assert all(r == [] for crm in clients for r in [crm.refused]), [
            crm.refused for crm in clients
        ]

        print(
            f"\n{len(complaint_ids)} complaints, "
            f"{sum(len(c.acknowledged) for c in clients)} writes acknowledged, "
            f"{sum(c.retries for c in clients)} retries"
        )
        _every_acknowledged_write_is_in_the_history(system, clients)
        _every_referral_reached_the_provider_once(system, complaint_ids)
        _every_email_was_sent_once(system, complaint_ids, notification_kills=ROUNDS)


def _every_acknowledged_write_is_in_the_history(system: System, clients: list[Crm]) -> None:
    """Each write's key is its correlation id, which its events record; and each kind of
    write was recorded as many times as it was acknowledged (a retry adds nothing)."""
    by_complaint: dict[str, list[Acknowledged]] = {}
    for ack in (ack for crm in clients for ack in crm.acknowledged):
        by_complaint.setdefault(ack.complaint_id, []).append(ack)
    for complaint_id, acks in by_complaint.items():
        history = system.history(complaint_id)
        correlated = {event["correlation_id"] for event in history}
        missing = [ack.key for ack in acks if ack.key not in correlated]
        assert not missing, f"{complaint_id}: acknowledged but not in the history: {missing}"
        recorded = Counter(event["type"] for event in history)
        written = Counter(EVENT_OF[ack.operation] for ack in acks)
        for event_type, count in written.items():
            assert recorded[event_type] == count, (complaint_id, event_type, recorded, written)
        assert history[-1]["type"] == "ComplaintClosed", history[-1]


def _every_referral_reached_the_provider_once(system: System, complaint_ids: list[str]) -> None:
    referral_ids = {system.complaint(c)["adr"]["referral_id"] for c in complaint_ids}
    assert len(referral_ids) == len(complaint_ids)
    cases = system.sandbox_cases()
    by_referral = Counter(case["referral_id"] for case in cases)
    assert set(by_referral) == referral_ids
    assert max(by_referral.values()) == 1, [r for r, n in by_referral.items() if n > 1]
    assert len({case["webhook_id"] for case in cases}) == len(cases)
    for case in cases[:5]:
        referral = system.referral(case["referral_id"])
        assert referral["webhook_id"] == case["webhook_id"]
        assert referral["delivery"] == "delivered"


def _every_email_was_sent_once(
    system: System, complaint_ids: list[str], notification_kills: int
) -> None:
    wanted = {(c, rule) for c in complaint_ids for rule in CUSTOMER_MAIL}

    def delivered() -> dict[tuple[str, str], str]:
        notes = system.notifications_sent()
        done = {
            (n["complaint_id"], n["rule"]): n["id"]
            for n in notes
            if n["status"] == "delivered" and (n["complaint_id"], n["rule"]) in wanted
        }
        return done if set(done) == wanted else {}

    notes = eventually(delivered, timeout=300 if soak() else 60, every=1)
    sent = Counter(m.split("@")[0].lstrip("<") for m in system.message_ids())
    missing = [nid for nid in notes.values() if sent[nid] == 0]
    assert not missing, f"delivered but never received: {missing[:5]}"
    # SMTP has no way to ask "did you get this?": should the notifications process die
    # after the server accepted a message but before the attempt was recorded, the lease
    # runs out and the message is sent again — with the same Message-ID, for the receiving
    # system to drop. The dispatcher sends one message at a time, so each kill can leave at
    # most one such repeat; anything beyond that is a real duplicate.
    repeats = {nid: n for nid, n in sent.items() if n > 1}
    assert all(n == 2 for n in repeats.values()), repeats
    assert len(repeats) <= notification_kills, f"sent more than once: {repeats}"
