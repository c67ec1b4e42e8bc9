"""The SSRF guard (OWASP API7) sees through disguised addresses: an IPv6 address carrying an
IPv4 one is judged by the IPv4 address it reaches, and a host written as a number is refused
when a provider is registered, not only when a case is delivered."""

from __future__ import annotations

import ipaddress

import pytest

from services.adr_gateway.ssrf import (
    UnsafeUrl,
    check_url,
    check_url_shape,
    embedded_ipv4,
    numeric_ipv4,
)


@pytest.mark.parametrize(
    ("address", "reaches"),
    [
        ("64:ff9b::a9fe:a9fe", "169.254.169.254"),  # NAT64 (RFC 6052)
        ("2002:7f00:1::", "127.0.0.1"),  # 6to4 (RFC 3056)
        ("::127.0.0.1", "127.0.0.1"),  # IPv4-compatible (deprecated)
        ("::ffff:10.0.0.8", "10.0.0.8"),  # IPv4-mapped
        ("::ffff:0:192.168.1.1", "192.168.1.1"),  # IPv4-translated (RFC 2765)
    ],
)
def test_an_ipv6_address_carrying_a_private_ipv4_one_is_refused(address: str, reaches: str) -> None:
    assert embedded_ipv4(ipaddress.IPv6Address(address)) == ipaddress.IPv4Address(reaches)
    with pytest.raises(UnsafeUrl, match=f"which reaches {reaches}"):
        check_url_shape(f"https://[{address}]/cases", allow_loopback_http=False)
    # ... and the same when a name resolves to it at delivery.
    with pytest.raises(UnsafeUrl, match=f"which reaches {reaches}"):
        check_url(
            "https://provider.example/cases",
            allow_loopback_http=False,
            resolver=lambda host, port: [address],
        )


@pytest.mark.parametrize(
    "address",
    ["64:ff9b::808:808", "2002:808:808::", "::ffff:8.8.8.8", "2606:4700:4700::1111"],
)
def test_an_ipv6_address_reaching_a_public_one_is_allowed(address: str) -> None:
    assert check_url_shape(f"https://[{address}]/cases", allow_loopback_http=False)[1] == address


def test_the_local_use_nat64_prefix_is_never_public() -> None:
    with pytest.raises(UnsafeUrl, match="non-public"):
        check_url_shape("https://[64:ff9b:1::808:808]/", allow_loopback_http=False)


def test_loopback_and_unspecified_are_not_read_as_ipv4_compatible() -> None:
    assert embedded_ipv4(ipaddress.IPv6Address("::1")) is None
    assert embedded_ipv4(ipaddress.IPv6Address("::")) is None


@pytest.mark.parametrize(
    ("host", "means"),
    [
        ("2852039166", "169.254.169.254"),  # one decimal number
        ("0xa9fea9fe", "169.254.169.254"),  # hexadecimal
        ("0251.0376.0251.0376", "169.254.169.254"),  # octal
        ("0xa9.0xfe.43518", "169.254.169.254"),  # mixed, the last part filling two bytes
        ("127.1", "127.0.0.1"),  # short form
        ("10.1", "10.0.0.1"),
        ("134744072", "8.8.8.8"),  # public, but still a disguise
        ("127.0.0.1.", "127.0.0.1"),  # a trailing dot
    ],
)
def test_a_host_written_as_a_number_is_refused_at_registration(host: str, means: str) -> None:
    assert numeric_ipv4(host) == ipaddress.IPv4Address(means)
    for development in (False, True):
        with pytest.raises(UnsafeUrl, match=f"is the IPv4 address {means} written as a number"):
            scheme = "http" if development else "https"
            check_url_shape(f"{scheme}://{host}/cases", allow_loopback_http=development)


@pytest.mark.parametrize(
    "host",
    ["provider.example", "0xcafe.example", "08.1.1.1", "4294967296", "1.2.3.256", "a.b", "١٢٣"],
)
def test_names_and_numbers_no_resolver_reads_as_an_address_are_names(host: str) -> None:
    assert numeric_ipv4(host) is None
