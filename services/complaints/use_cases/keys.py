"""Key introspection: the complaints service is the deployment's key authority, and tells
the other services (the ADR gateway, notifications) what a key they do not hold may do.

The answer follows RFC 7662 (OAuth 2.0 Token Introspection) section 2.2: `active`, and for
an active key what it grants here (`role`, `legal_entity`, `service`, `key_id`, `name`,
`token_type`, and for a provider's key `provider_id`). An unknown or revoked key is
`{"active": false}` and nothing else, so the answer says no more about a key than whether
it works (RFC 7662 section 2.2). The key is read from the event store, not from a cache: a
revocation is seen at once, and the other services' caches (`REDRESS_KEY_CACHE_SECONDS`)
are the only delay.
"""

from __future__ import annotations

from typing import Any

from libs.platform.http.auth import KeyRing

TOKEN_TYPE = "api_key"


def introspect_key(keyring: KeyRing, token: str) -> dict[str, Any]:
    """What the key authority says of `token` (RFC 7662 section 2.2)."""
    principal = keyring.look_up(token)
    if principal is None:
        return {"active": False}
    answer = {
        "active": True,
        "token_type": TOKEN_TYPE,
        "key_id": principal.key_id,
        "name": principal.name,
        "role": principal.role.value,
        "legal_entity": principal.legal_entity,
        "service": principal.service,
    }
    if principal.provider_id is not None:  # a provider's key (issue 19): which provider
        answer["provider_id"] = principal.provider_id
    return answer
