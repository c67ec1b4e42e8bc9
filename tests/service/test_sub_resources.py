"""A complaint's offers, appeals and interactions each have their own GET, and the 201 that
creates one says in `Location` which one it created: each concurrent writer is told its
own, and a replay is told the same again (SQLite and PostgreSQL, over real HTTP)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from libs.domain.values import CommandContext, Role
from services.complaints.app import create_app
from services.complaints.bootstrap import ComplaintsService
from services.complaints.use_cases import commands, handling, offers
from services.complaints.use_cases.caller import Caller, Created
from tests.conftest import build_complaints
from tests.support.complaints import bearer, new_complaint
from tests.support.etags import version_of
from tests.support.servers import serving

WRITERS = 8
RESOLUTION = {"outcome": "upheld", "summary": "Duplicate charge confirmed", "remedy": "Refund"}


@dataclass
class Served:
    service: ComplaintsService
    client: httpx.AsyncClient
    crm: dict[str, str]
    supervisor: dict[str, str]

    async def open(self) -> str:
        opened = await self.client.post("/v1/complaints", json=new_complaint(), headers=self.crm)
        assert opened.status_code == 201, opened.text
        return f"/v1/complaints/{opened.json()['id']}"


@pytest.fixture
async def served(database_url: str) -> AsyncIterator[Served]:
    service = build_complaints(database_url)
    key = service.keyring.issue(role=Role.CRM, name="sub-resources")[1]
    supervisor = service.keyring.issue(role=Role.SUPERVISOR, name="sub-resources-sup")[1]
    with serving(create_app(service)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            yield Served(service, client, bearer(key), bearer(supervisor))


def offer(description: str) -> dict[str, object]:
    return {"description": description, "amount": {"amount": "10.00", "currency": "GBP"}}


def call(summary: str) -> dict[str, str]:
    return {"kind": "call", "direction": "inbound", "summary": summary}


async def test_concurrent_interactions_are_each_told_their_own_in_location(
    served: Served,
) -> None:
    url = await served.open()
    summaries = [f"Call number {n}" for n in range(WRITERS)]
    answers = await asyncio.gather(
        *(
            served.client.post(f"{url}/interactions", json=call(s), headers=served.crm)
            for s in summaries
        )
    )
    assert [a.status_code for a in answers] == [201] * WRITERS, [a.text for a in answers]
    locations = [a.headers["location"] for a in answers]
    assert len(set(locations)) == WRITERS
    for summary, answer, location in zip(summaries, answers, locations, strict=True):
        assert location.startswith(f"{url}/interactions/")
        interaction_id = location.rsplit("/", 1)[1]
        # The body is still the complaint, and lists the new interaction under that id.
        listed = {i["id"]: i["summary"] for i in answer.json()["interactions"]}
        assert listed[interaction_id] == summary
        read = await served.client.get(location, headers=served.crm)
        assert read.status_code == 200, read.text
        assert read.json()["id"] == interaction_id
        assert read.json()["summary"] == summary
    listed_all = await served.client.get(f"{url}/interactions", headers=served.crm)
    assert sorted(i["summary"] for i in listed_all.json()["items"]) == sorted(summaries)


async def test_of_concurrent_offers_the_one_made_is_named_in_location_and_read_back(
    served: Served,
) -> None:
    url = await served.open()
    made: list[tuple[str, str]] = []
    for round_ in range(3):  # one offer awaits an answer at a time: one writer per round wins
        descriptions = [f"Offer {round_}.{n}" for n in range(WRITERS)]
        answers = await asyncio.gather(
            *(
                served.client.post(f"{url}/offers", json=offer(d), headers=served.crm)
                for d in descriptions
            )
        )
        won = [(d, a) for d, a in zip(descriptions, answers, strict=True) if a.status_code == 201]
        assert len(won) == 1, [a.text for a in answers]
        assert sorted(a.status_code for a in answers) == [201] + [409] * (WRITERS - 1)
        description, answer = won[0]
        offer_id = answer.headers["location"].removeprefix(f"{url}/offers/")
        assert "/" not in offer_id
        read = await served.client.get(answer.headers["location"], headers=served.crm)
        assert read.status_code == 200
        assert read.json()["description"] == description
        assert read.json()["amount_money"] == {"amount": "10.00", "currency": "GBP"}
        assert version_of(read.headers["etag"]) == answer.json()["version"]
        made.append((offer_id, description))
        rejected = await served.client.post(
            f"{url}/offers/{offer_id}/response", json={"decision": "rejected"}, headers=served.crm
        )
        assert rejected.status_code == 200, rejected.text
    listed = await served.client.get(f"{url}/offers", headers=served.crm)
    assert [(o["id"], o["description"]) for o in listed.json()["items"]] == made
    assert {o["status"] for o in listed.json()["items"]} == {"rejected"}


async def test_a_replayed_offer_names_the_offer_it_made_not_the_latest(served: Served) -> None:
    url = await served.open()
    first_headers = {**served.crm, "Idempotency-Key": f"offer-{uuid.uuid4()}"}
    first = await served.client.post(f"{url}/offers", json=offer("First"), headers=first_headers)
    assert first.status_code == 201
    first_id = first.headers["location"].rsplit("/", 1)[1]
    await served.client.post(
        f"{url}/offers/{first_id}/response", json={"decision": "rejected"}, headers=served.crm
    )
    second = await served.client.post(f"{url}/offers", json=offer("Second"), headers=served.crm)
    assert second.headers["location"] != first.headers["location"]

    replayed = await served.client.post(f"{url}/offers", json=offer("First"), headers=first_headers)
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.headers["location"] == first.headers["location"]


def test_a_retried_command_names_what_it_created_from_the_event_it_recorded(
    database_url: str,
) -> None:
    """The idempotency store may have forgotten the key (kept 24 hours); the complaint has
    not: the retried command records nothing and is told the offer its event recorded."""
    service = build_complaints(database_url)
    application = service.application
    complaint_id = application.receive_complaint(
        context(f"open-{uuid.uuid4()}"),
        present=lambda complaint: complaint.id,
        **_complaint_details(),
    )

    def make(description: str, command_id: str) -> Created:
        told: Created = offers.make_offer(
            application,
            commands.MakeOffer(complaint_id=complaint_id, description=description),
            Caller(
                context(command_id),
                present=lambda complaint: pytest.fail("a creating command presents what it made"),
                present_created=lambda complaint, created: created,
            ),
        )
        return told

    first = make("First", "offer-1")
    complaint = application.update(
        complaint_id,
        context("answer"),
        lambda c: c.record_offer_response(context("answer"), offer_id=first.id, accepted=False),
    )
    second = make("Second", "offer-2")
    again = make("First", "offer-1")

    assert first.collection == "offers" and again == first
    assert second.id != first.id
    assert list(application.complaint(complaint_id).offers) == [first.id, second.id]
    assert complaint.version < application.complaint(complaint_id).version
    service.stop()


def test_a_key_used_again_for_another_kind_of_write_is_answered_with_the_complaint(
    database_url: str,
) -> None:
    """Once the idempotency store has forgotten a key, the complaint still knows the command
    it named: a make-offer under the key of a recorded interaction does nothing, and is
    told of no offer (it made none)."""
    service = build_complaints(database_url)
    application = service.application
    complaint_id = application.receive_complaint(
        context(f"open-{uuid.uuid4()}"),
        present=lambda complaint: complaint.id,
        **_complaint_details(),
    )
    told: list[object] = []
    caller = Caller(
        context("reused-key"),
        present=lambda complaint: told.append(("complaint", complaint.version)),
        present_created=lambda complaint, created: told.append(created),
    )
    handling.record_interaction(
        application,
        commands.RecordInteraction(
            complaint_id=complaint_id, kind="note", direction="internal", summary="A note"
        ),
        caller,
    )
    offers.make_offer(
        application, commands.MakeOffer(complaint_id=complaint_id, description="Late"), caller
    )
    assert isinstance(told[0], Created) and told[0].collection == "interactions"
    assert told[1] == ("complaint", 2)
    assert application.complaint(complaint_id).offers == {}
    service.stop()


def context(command_id: str) -> CommandContext:
    return CommandContext(
        actor="crm",
        actor_role=Role.CRM.value,
        correlation_id="sub-resources",
        occurred_at=datetime.now(UTC),
        command_id=command_id,
    )


def _complaint_details() -> dict[str, object]:
    body = new_complaint()
    return {
        "customer": body["customer"],
        "channel": body["channel"],
        "category": body["category"],
        "description": body["description"],
    }


async def test_appeals_have_their_own_get_and_location(served: Served) -> None:
    url = await served.open()
    resolved = await served.client.post(f"{url}/resolution", json=RESOLUTION, headers=served.crm)
    assert resolved.status_code in (200, 201), resolved.text
    lodged = await served.client.post(
        f"{url}/appeals", json={"grounds": "Wants compensation too"}, headers=served.crm
    )
    assert lodged.status_code == 201, lodged.text
    appeal_id = lodged.json()["appeals"][0]["id"]
    assert lodged.headers["location"] == f"{url}/appeals/{appeal_id}"
    read = await served.client.get(lodged.headers["location"], headers=served.crm)
    assert read.json()["grounds"] == "Wants compensation too"
    assert read.json()["status"] == "pending"
    listed = await served.client.get(f"{url}/appeals", headers=served.crm)
    assert [a["id"] for a in listed.json()["items"]] == [appeal_id]
    # A read with the tag it gave is not sent again.
    unchanged = await served.client.get(
        lodged.headers["location"],
        headers={**served.crm, "If-None-Match": read.headers["etag"]},
    )
    assert unchanged.status_code == 304


async def test_an_absent_or_another_complaints_sub_resource_is_a_404_naming_it(
    served: Served,
) -> None:
    mine, theirs = await served.open(), await served.open()
    made = await served.client.post(f"{theirs}/offers", json=offer("Theirs"), headers=served.crm)
    their_offer = made.headers["location"].rsplit("/", 1)[1]
    noted = await served.client.post(
        f"{theirs}/interactions", json=call("Theirs"), headers=served.crm
    )
    their_call = noted.headers["location"].rsplit("/", 1)[1]

    for path, kind, entry_id in [
        (f"{mine}/offers/{their_offer}", "offer", their_offer),
        (f"{mine}/interactions/{their_call}", "interaction", their_call),
        (f"{mine}/appeals/no-such-appeal", "appeal", "no-such-appeal"),
    ]:
        missing = await served.client.get(path, headers=served.crm)
        assert missing.status_code == 404, (path, missing.text)
        assert missing.headers["content-type"] == "application/problem+json"
        assert missing.json()["detail"] == f"this complaint has no {kind} with id '{entry_id}'"
    empty = await served.client.get(f"{mine}/offers", headers=served.crm)
    assert empty.status_code == 200 and empty.json() == {"items": []}
    unknown = await served.client.get(f"/v1/complaints/{uuid.uuid4()}/offers", headers=served.crm)
    assert unknown.status_code == 404
    assert "complaint" in unknown.json()["detail"]


async def test_the_adr_referral_has_its_own_get_named_by_location(served: Served) -> None:
    url = await served.open()
    before = await served.client.get(f"{url}/adr-referral", headers=served.crm)
    assert before.status_code == 404
    assert before.json()["detail"].endswith("has not been referred to ADR")
    justification = "The customer is vulnerable and the internal review has stalled for months."
    referred = await served.client.post(
        f"{url}/adr-referral",
        json={"override_justification": justification},
        headers={**served.supervisor, "Idempotency-Key": f"refer-{uuid.uuid4()}"},
    )
    assert referred.status_code == 201, referred.text
    assert referred.headers["location"] == f"{url}/adr-referral"
    read = await served.client.get(referred.headers["location"], headers=served.crm)
    assert read.status_code == 200
    assert read.json()["referral_id"] == referred.json()["adr"]["referral_id"]
    assert read.json()["override_justification"] == justification
