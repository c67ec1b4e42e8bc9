"""What the checkpoint tests share: a database of their own, the deployment key and the
published checkpoint log in the test's folder, complaints with notes, and `redress` run as
an operator runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from libs.domain.values import Role
from libs.platform.eventstore.integrity.chain_writes import CheckpointRecord
from libs.platform.eventstore.integrity.publisher import Publication
from libs.platform.signing.keys import SigningKeyStore
from services.complaints.history.checkpointer import write_signed_checkpoint
from services.complaints.settings import ComplaintsSettings
from tests.conftest import RunningComplaints
from tests.support.complaints import new_complaint
from tests.support.processes import REPO


async def add_notes(complaints: RunningComplaints, complaint_id: str, notes: int) -> None:
    for n in range(notes):
        response = await complaints.client.post(
            f"/v1/complaints/{complaint_id}/interactions",
            json={"kind": "note", "direction": "internal", "summary": f"note {n + 1}"},
            headers=complaints.headers(Role.CRM),
        )
        assert response.status_code == 201, response.text


async def a_complaint_with_notes(complaints: RunningComplaints, notes: int = 2) -> str:
    opened = await complaints.client.post(
        "/v1/complaints", json=new_complaint(), headers=complaints.headers(Role.CRM)
    )
    assert opened.status_code == 201, opened.text
    complaint_id: str = opened.json()["id"]
    await add_notes(complaints, complaint_id, notes)
    return complaint_id


class Deployment:
    """The signing key and the published log of one test, beside its database."""

    def __init__(self, complaints: RunningComplaints, folder: Path, **settings: Any) -> None:
        self.complaints = complaints
        self.keys = SigningKeyStore(folder / "signing")
        self.log = folder / "checkpoints.jsonl"
        self.settings: ComplaintsSettings = complaints.service.settings.model_copy(
            update={"checkpoint_log": str(self.log), **settings}
        )

    def checkpoint(self, force: bool = False) -> tuple[CheckpointRecord | None, Publication]:
        return write_signed_checkpoint(
            self.complaints.service.application, self.settings, force=force, keys=self.keys
        )

    def published_keys(self) -> list[dict[str, Any]]:
        return self.keys.published()

    def redress(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`redress ARGS` in a process of its own, configured as this deployment."""
        return subprocess.run(
            [sys.executable, "-m", "services.cli", *args],
            cwd=REPO,
            env={
                "REDRESS_DATABASE_URL": self.settings.database_url,
                "REDRESS_SIGNING_DIR": str(self.keys.directory),
                "REDRESS_CHECKPOINT_LOG": str(self.log),
                "PATH": "/usr/bin:/bin",
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
