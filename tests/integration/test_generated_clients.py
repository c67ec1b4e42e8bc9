"""A CRM integrator's route in: generate a Python client from a service's committed OpenAPI
document with `openapi-python-client` (offline), then walk a journey through the generated
client against the real service on a free port — no hand-written HTTP.

The generated method names come from the operationIds (`open_complaint` from
`openComplaint`), the header arguments from the declared parameters (`idempotency_key`,
`if_match`), and `AuthenticatedClient` sends the bearer key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from libs.domain.values import Role
from tests.support.etags import version_of
from tests.support.generated_clients import module
from tests.support.servers import serving


def test_a_crm_opens_records_and_reads_a_complaint_through_a_generated_client(
    generated: Any, tmp_path: Path
) -> None:
    from services.complaints.app import create_app
    from tests.conftest import build_complaints

    client_package = generated("complaints")
    service = build_complaints(f"sqlite:///{tmp_path / 'complaints.db'}")
    key = service.keyring.issue(role=Role.CRM, name="generated-client")[1]
    open_complaint = module(client_package, "api.complaints.open_complaint")
    get_complaint = module(client_package, "api.complaints.get_complaint")
    list_complaints = module(client_package, "api.complaints.list_complaints")
    record_interaction = module(client_package, "api.interactions.record_interaction")
    escalate = module(client_package, "api.escalations.escalate_complaint")
    make_offer = module(client_package, "api.offers.make_offer")
    get_offer = module(client_package, "api.offers.get_offer")
    list_offers = module(client_package, "api.offers.list_offers")
    get_interaction = module(client_package, "api.interactions.get_interaction")
    models = module(client_package, "models")

    with serving(create_app(service)) as url:
        api = client_package.AuthenticatedClient(base_url=url, token=key)
        # The request body's published example is a complaint the service accepts.
        example = models.OpenComplaint.to_dict(
            models.OpenComplaint.from_dict(
                {
                    "customer": {"id": "C-1001", "name": "Ada Lovelace"},
                    "channel": "email",
                    "category": "billing",
                    "description": "I was charged twice for my March subscription.",
                    "amount_in_dispute": {"amount": "42.50", "currency": "GBP"},
                    "regime": "uk-fca-disp",
                    "external_ref": "CRM-123",
                }
            )
        )
        opened = open_complaint.sync_detailed(
            client=api,
            body=models.OpenComplaint.from_dict(example),
            idempotency_key="crm-ticket-1",
            x_correlation_id="crm-journey-1",
        )
        assert opened.status_code == 201
        complaint = opened.parsed
        assert isinstance(complaint, models.ComplaintView)
        assert opened.headers["location"] == f"/v1/complaints/{complaint.id}"
        assert version_of(opened.headers["etag"]) == complaint.version
        assert opened.headers["x-correlation-id"] == "crm-journey-1"

        again = open_complaint.sync_detailed(
            client=api, body=models.OpenComplaint.from_dict(example), idempotency_key="crm-ticket-1"
        )
        assert again.headers["idempotent-replayed"] == "true"
        assert again.parsed.id == complaint.id

        recorded_call = record_interaction.sync_detailed(
            client=api,
            complaint_id=complaint.id,
            body=models.RecordInteraction.from_dict(
                {"kind": "call", "direction": "inbound", "summary": "Customer rang, upset"}
            ),
            if_match=opened.headers["etag"],  # the tag as given
        )
        recorded = recorded_call.parsed
        assert isinstance(recorded, models.ComplaintView)
        stale = escalate.sync_detailed(
            client=api,
            complaint_id=complaint.id,
            body=models.Escalate.from_dict({"reason": "Asked for a supervisor"}),
            if_match=f'"{complaint.version}"',  # before the call was recorded
        )
        assert stale.status_code == 412
        assert isinstance(stale.parsed, models.ProblemDocument)

        read = get_complaint.sync_detailed(client=api, complaint_id=complaint.id)
        assert read.status_code == 200
        assert read.parsed.version == recorded.version
        assert [i["summary"] for i in read.parsed.to_dict()["interactions"]] == [
            "Customer rang, upset"
        ]
        listed = list_complaints.sync(client=api, customer_id="C-1001")
        assert [item["id"] for item in listed.to_dict()["items"]] == [complaint.id]

        # What a POST creates is read back by the id its Location ends with.
        offered = make_offer.sync_detailed(
            client=api,
            complaint_id=complaint.id,
            body=models.MakeOffer.from_dict(
                {"description": "Refund", "amount": {"amount": "42.50", "currency": "GBP"}}
            ),
            idempotency_key="crm-ticket-1-offer",
        )
        assert offered.status_code == 201
        assert isinstance(offered.parsed, models.ComplaintView)
        prefix = f"/v1/complaints/{complaint.id}/offers/"
        assert offered.headers["location"].startswith(prefix)
        offer_id = offered.headers["location"].removeprefix(prefix)
        offer = get_offer.sync(client=api, complaint_id=complaint.id, offer_id=offer_id)
        assert isinstance(offer, models.OfferView)
        assert (offer.id, offer.description, offer.status) == (offer_id, "Refund", "pending")
        assert offer.amount_money.to_dict() == {"amount": "42.50", "currency": "GBP"}
        offers = list_offers.sync(client=api, complaint_id=complaint.id)
        assert [o.id for o in offers.items] == [offer_id]
        call_id = recorded_call.headers["location"].rsplit("/", 1)[1]
        call = get_interaction.sync(client=api, complaint_id=complaint.id, interaction_id=call_id)
        assert isinstance(call, models.InteractionView)
        assert call.summary == "Customer rang, upset"
    service.stop()


def test_an_admin_lists_providers_through_a_generated_gateway_client(
    generated: Any, tmp_path: Path
) -> None:
    from services.adr_gateway.app import create_app
    from services.adr_gateway.bootstrap import bootstrap
    from tests.support.gateway import gateway_settings

    client_package = generated("adr_gateway")
    service = bootstrap(gateway_settings(f"sqlite:///{tmp_path / 'gateway.db'}"))
    key = service.keyring.issue(role=Role.ADMIN, name="generated-client")[1]
    register = module(client_package, "api.providers.register_provider")
    list_providers = module(client_package, "api.providers.list_providers")
    models = module(client_package, "models")

    with serving(create_app(service)) as url:
        api = client_package.AuthenticatedClient(base_url=url, token=key)
        registered = register.sync_detailed(
            client=api,
            body=models.NewProvider.from_dict(
                {
                    "id": "ombudsman-east",
                    "name": "Ombudsman Services East",
                    "methods": ["mediation"],
                    "adapter": "email",
                    "adapter_settings": {"to": "referrals@ombudsman-east.example"},
                }
            ),
            idempotency_key="register-ombudsman-east",
        )
        assert registered.status_code == 201
        assert registered.headers["location"] == "/v1/providers/ombudsman-east"
        providers = list_providers.sync(client=api)
        assert [provider.id for provider in providers] == ["ombudsman-east"]


def test_staff_list_notifications_through_a_generated_notifications_client(
    generated: Any, tmp_path: Path
) -> None:
    from services.notifications.app import create_app
    from services.notifications.bootstrap import bootstrap
    from services.notifications.settings import NotificationsSettings

    client_package = generated("notifications")
    settings = NotificationsSettings(database_url=f"sqlite:///{tmp_path / 'notifications.db'}")
    service = bootstrap(settings)
    key = service.keyring.issue(role=Role.AGENT, name="generated-client")[1]
    list_notifications = module(client_package, "api.notifications.list_notifications")

    with serving(create_app(service)) as url:
        api = client_package.AuthenticatedClient(base_url=url, token=key)
        answered = list_notifications.sync_detailed(client=api)
        assert answered.status_code == 200
        assert answered.parsed.to_dict()["items"] == []
        anonymous = list_notifications.sync_detailed(client=client_package.Client(base_url=url))
        assert anonymous.status_code == 401
