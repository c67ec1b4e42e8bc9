"""Provider URLs are checked before every connection (OWASP API7, server-side request forgery).

Only https, except http to loopback when the gateway runs in development mode. The host is
resolved and every address must be global (no private, loopback, link-local or metadata
addresses); the connection then goes to the address that was checked, so a name that
re-resolves between the check and the connection (DNS rebinding) cannot redirect it.

Two disguises are seen through, at registration as at delivery:
- an IPv6 address that carries an IPv4 one (IPv4-mapped `::ffff:a.b.c.d`, IPv4-translated
  `::ffff:0:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`)
  is checked as the IPv4 address it reaches, since a translator on the path delivers it
  there (`64:ff9b::a9fe:a9fe` is the metadata service); the local-use NAT64 prefix
  `64:ff9b:1::/48` (RFC 8215) is never public;
- a host written as a number in the forms `inet_aton` reads (`2852039166`, `0xa9fea9fe`,
  `0251.0376.0251.0376`, `127.1`) is an IPv4 address to the resolver: it is refused, naming
  the address it means, whatever that is (write an address as four decimal numbers).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Prefixes whose last 32 bits are an IPv4 address that a translator delivers to.
_LOW_32_BITS = (
    ipaddress.IPv6Network("::ffff:0:0/96"),  # IPv4-mapped (RFC 4291 section 2.5.5.2)
    ipaddress.IPv6Network("::ffff:0:0:0/96"),  # IPv4-translated (RFC 2765)
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible, deprecated (RFC 4291 section 2.5.5.1)
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64 well-known prefix (RFC 6052)
)
#: Never public, whatever it embeds: NAT64 for one network's own use (RFC 8215).
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


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


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (see the module's docstring), if any. `::` and
    `::1` are themselves, not IPv4-compatible addresses."""
    if address.sixtofour is not None:  # 2002::/16 (RFC 3056)
        return address.sixtofour
    if int(address) <= 1:
        return None
    for network in _LOW_32_BITS:
        if address in network:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host written as `inet_aton` numbers means: one to four parts, each
    decimal, octal (a leading 0) or hexadecimal (0x), the last filling the remaining bytes
    (`2852039166`, `0xa9.0xfe.43518`, `127.1`). None if the host is not such a number."""
    parts = host.removesuffix(".").split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = []
    for part in parts:
        try:
            if part.lower().startswith("0x"):
                value = int(part[2:] or "0", 16)
            elif part.startswith("0") and len(part) > 1:
                value = int(part, 8)
            else:
                value = int(part, 10) if part.isascii() and part.isdigit() else -1
        except ValueError:
            return None
        if value < 0:
            return None
        values.append(value)
    *leading, last = values
    if any(v > 0xFF for v in leading) or last >= 1 << (8 * (4 - len(leading))):
        return None
    number = last
    for index, value in enumerate(leading):
        number |= value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


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
    if literal is None and (meant := numeric_ipv4(host)) is not None:
        raise UnsafeUrl(
            f"the URL's host '{host}' is the IPv4 address {meant} written as a number; "
            "write an address as four decimal numbers"
        )
    if literal is not None:
        _check_addresses([str(literal)], parts.scheme, allow_loopback_http)
    return parts.scheme, host, port


def _reached(address: IPAddress) -> IPAddress:
    """The address a connection to `address` reaches: the IPv4 one an IPv6 one carries."""
    if isinstance(address, ipaddress.IPv6Address):
        return embedded_ipv4(address) or address
    return address


def _check_addresses(addresses: list[str], scheme: str, allow_loopback_http: bool) -> None:
    parsed = [ipaddress.ip_address(a) for a in addresses]
    if allow_loopback_http and all(a.is_loopback for a in parsed):
        return
    for address in parsed:
        reached = _reached(address)
        if not reached.is_global or address in _LOCAL_NAT64:
            shown = address if reached == address else f"{address}, which reaches {reached}"
            raise UnsafeUrl(f"the URL resolves to a non-public address ({shown})")
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
