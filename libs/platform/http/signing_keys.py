"""`GET /.well-known/redress-signing-keys`: the deployment key's public half, served by every
service, without authentication, so that anyone holding a signed export, bundle manifest
or checkpoint can check it (docs/proof-formats.md).

The answer is `{"keys": [...]}`: the current key first, then retired keys whose signatures
must keep verifying; each a JWK (`kid`, `kty`, `crv`, `x`, `y`, `alg`, `use`) with its
certificate (`x5c`) and validity. An empty list means no key was made yet. The keys are
read from the service's `signing_dir` setting (`REDRESS_SIGNING_DIR`) at each request, so
a rotation shows at once.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from libs.platform.signing.keys import SigningKeyStore

PATH = "/.well-known/redress-signing-keys"

router = APIRouter(tags=["signing"])


class PublishedSigningKeys(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keys: list[dict[str, Any]] = Field(
        description="JWKs (RFC 7517) with `kid` (the RFC 7638 thumbprint), `x5c` (the "
        "certificate, base64 DER) and `not_before`/`not_after`; the current key first"
    )


@router.get(
    PATH,
    summary="The deployment's public signing keys (exports, bundle manifests, checkpoints)",
    response_model=PublishedSigningKeys,
    operation_id="getSigningKeys",
)
def published_signing_keys(request: Request) -> dict[str, Any]:
    # The service's own setting where it has one, so the key published is the key it signs
    # with; otherwise REDRESS_SIGNING_DIR or its default.
    directory = getattr(request.app.state.settings, "signing_dir", None)
    return {"keys": SigningKeyStore(directory).published()}
