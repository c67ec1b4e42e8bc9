"""Hostile input for the notifications service: schemathesis generates requests from its own
OpenAPI document, valid and invalid, with an admin key; no response may be a 5xx or break
the documented schema. The public survey pages get garbage tokens and must record nothing."""

from __future__ import annotations

from pathlib import Path

import schemathesis

from libs.domain.values import Role
from services.notifications.app import create_app
from services.notifications.bootstrap import bootstrap
from services.notifications.settings import NotificationsSettings
from tests.support.fuzzing import WITHOUT_AUTH_FAILURE_LIMIT, exercise


def test_no_request_breaks_the_notifications_api(tmp_path: Path) -> None:
    service = bootstrap(
        NotificationsSettings(
            database_url=f"sqlite:///{tmp_path / 'notifications.db'}",
            **WITHOUT_AUTH_FAILURE_LIMIT,
        )
    )
    key = service.keyring.issue(role=Role.ADMIN, name="fuzzer")[1]
    app = create_app(service)  # its lifespan never runs: nothing else writes meanwhile
    try:
        before = service.application.recorder.max_notification_id() or 0
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        exercised = exercise(schema, {"Authorization": f"Bearer {key}"}, examples=25)
        assert "POST /v1/followups/{token}/response" in exercised
        assert "GET /v1/notifications" in exercised
        # No generated token is a valid signed survey link: no answer may have been recorded.
        assert (service.application.recorder.max_notification_id() or 0) == before
    finally:
        service.stop()
