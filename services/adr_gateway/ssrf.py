"""Provider URLs are checked before every connection (OWASP API7, server-side request forgery).

Only https, except http to loopback when the gateway runs in development mode. The host is
resolved and every address must be global (no private, loopback, link-local or metadata
addresses); the connection then goes to the address that was checked, so a name that
re-resolves between the check and the connection (DNS rebinding) cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

Resolver = Callable[[str, int], list[str]]


class UnsafeUrl(ValueError):
    pass


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UnsafeUrl(f"'{host}' does not resolve ({error.strerror})") from None
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True)
class Target:
    """Where to connect: the checked address, and the name to present (Host, TLS SNI)."""

    url: str  # the URL with the host replaced by the checked address
    host: str
    host_header: str
    address: str
    scheme: str


def check_url_shape(url: str, *, allow_loopback_http: bool) -> tuple[str, str, int]:
    """Scheme, host and port, without resolving (used when a provider is registered)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise UnsafeUrl("the URL must be https://")
    if parts.username or parts.password:
        raise UnsafeUrl("the URL must not carry credentials")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("the URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeUrl("the URL's port is not a number") from None
    if parts.scheme == "http" and not allow_loopback_http:
        raise UnsafeUrl("the URL must be https:// (http:// only to loopback in development)")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        _check_addresses([str(literal)], parts.scheme, allow_loopback_http)
    return parts.scheme, host, port


def _check_addresses(addresses: list[str], scheme: str, allow_loopback_http: bool) -> None:
    parsed = [ipaddress.ip_address(a) for a in addresses]
    if allow_loopback_http and all(a.is_loopback for a in parsed):
        return
    for address in parsed:
        if not address.is_global:
            raise UnsafeUrl(f"the URL resolves to a non-public address ({address})")
    if scheme == "http":
        raise UnsafeUrl("http:// is only allowed to loopback, in development")


def check_url(url: str, *, allow_loopback_http: bool, resolver: Resolver = resolve) -> Target:
    scheme, host, port = check_url_shape(url, allow_loopback_http=allow_loopback_http)
    addresses = resolver(host, port)
    if not addresses:
        raise UnsafeUrl(f"'{host}' has no address")
    _check_addresses(addresses, scheme, allow_loopback_http)
    address = addresses[0]
    parts = urlsplit(url)
    netloc_host = f"[{address}]" if ":" in address else address
    default_port = 443 if scheme == "https" else 80
    netloc = netloc_host if port == default_port else f"{netloc_host}:{port}"
    host_header = host if port == default_port else f"{host}:{port}"
    return Target(
        url=urlunsplit((scheme, netloc, parts.path or "/", parts.query, "")),
        host=host,
        host_header=host_header,
        address=address,
        scheme=scheme,
    )
