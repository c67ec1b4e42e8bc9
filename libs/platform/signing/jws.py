"""JSON Web Signatures (RFC 7515) with the deployment key: ES256, compact serialisation.

The signed payload is carried in the token itself (not detached), so a bundle's manifest can
be read from its `.jws` file alone; `jwcrypto` does the signing and checking.
"""

from __future__ import annotations

import json
from typing import Any

from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from libs.platform.signing.keys import SigningKey


class BadSignature(ValueError):
    """The token is malformed, names an unknown key, or its signature does not verify."""


def sign_compact(payload: bytes, key: SigningKey) -> str:
    token = jws.JWS(payload)
    token.add_signature(
        jwk.JWK.from_pem(key.private_pem),
        alg="ES256",
        protected=json.dumps({"alg": "ES256", "kid": key.kid, "typ": "JOSE"}),
    )
    return str(token.serialize(compact=True))


def verify_compact(token: str, keys: list[dict[str, Any]]) -> bytes:
    """The payload, if `token` is signed by one of the published `keys` (JWKs with `kid`)."""
    try:
        parsed = jws.JWS()
        parsed.deserialize(token)
        kid = parsed.jose_header.get("kid")
    except (JWException, ValueError) as error:
        raise BadSignature(f"not a compact JWS: {error}") from None
    matching = [key for key in keys if key.get("kid") == kid]
    if not matching:
        raise BadSignature(f"signed by key '{kid}', which is not published")
    public = {name: matching[0][name] for name in ("kty", "crv", "x", "y")}
    try:
        parsed.verify(jwk.JWK(**public), alg="ES256")
    except JWException:
        raise BadSignature("the signature does not verify") from None
    return bytes(parsed.payload)
