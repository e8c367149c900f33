"""The SSRF guard for URLs that came from outside (search results, a provider's "download it here").

http(s) only; every address a hostname resolves to must be public (no loopback, private, link-local,
metadata, multicast or reserved ranges), checked at connect time so DNS rebinding cannot slip past.
Configured provider endpoints are trusted config and do not go through it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection as urllib3_connection

from notes_pipeline.providers.http.errors import UnsafeUrlError

METADATA_ADDRESSES = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})


def resolve_host(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# IPv6 forms that carry an IPv4 address the packet ends up at (RFC 6052 NAT64, RFC 4291 IPv4-compatible).
NAT64 = ipaddress.ip_network("64:ff9b::/96")
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: translated by the local network
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address reaches through a translation or a tunnel.

    IPv4-mapped, NAT64 and IPv4-compatible addresses are that IPv4 address; 6to4 (2002::/16) and
    Teredo (2001::/32, server and client) tunnel to theirs. Without this, `2002:c0a8:101::` is a
    "global" address that lands on 192.168.1.1."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip in NAT64 or ip in IPV4_COMPATIBLE:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    return list(ip.teredo) if ip.teredo is not None else []


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in LOCAL_NAT64:
            return False
        embedded = embedded_ipv4(ip)
        if not all(_is_public(v4) for v4 in embedded):
            return False
        if ip.ipv4_mapped is not None or ip in NAT64 or ip in IPV4_COMPATIBLE:
            return bool(embedded)  # an IPv4 address in IPv6 notation: judged as that address alone
    return _is_public(ip)


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if ip in METADATA_ADDRESSES:
        return False
    return ip.is_global and not (
        ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local or ip.is_private or ip.is_unspecified
    )


@dataclass(frozen=True)
class UrlGuard:
    """Decides which URLs and addresses an untrusted fetch may reach.

    resolve(host, port) -> IP strings; injectable so tests can model DNS answers.
    allow: exact (ip, port) pairs exempt from the address rule: a local stub in tests, an
    on-premise mirror in production. Everything else must be a public address.
    """

    resolve: Callable[[str, int], list[str]] = resolve_host
    allow: frozenset[tuple[str, int]] = frozenset()
    schemes: frozenset[str] = frozenset({"http", "https"})

    def check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme.lower() not in self.schemes:
            raise UnsafeUrlError(f"refused to fetch a {parts.scheme or 'scheme-less'}: URL (only http/https)")
        if not parts.hostname:
            raise UnsafeUrlError("refused to fetch a URL without a host")
        if "@" in parts.netloc:
            raise UnsafeUrlError("refused to fetch a URL with credentials in it")

    def addresses(self, host: str, port: int) -> list[str]:
        """Every address of `host`, refusing the lot if any one is not public (no partial trust)."""
        try:
            found = self.resolve(host, port)
        except (OSError, UnicodeError) as err:
            raise UnsafeUrlError(f"cannot resolve {host}: {err}") from None
        if not found:
            raise UnsafeUrlError(f"{host} resolves to no address")
        for address in found:
            try:
                public = is_public_address(address)
            except ValueError:
                raise UnsafeUrlError(f"refused to fetch {host}: {address!r} is not an IP address") from None
            if (address, port) not in self.allow and not public:
                raise UnsafeUrlError(f"refused to fetch {host}: it resolves to {address}, a non-public address")
        return found


class _GuardedConnection(HTTPConnection):
    """Connects only to addresses the guard approved, resolving once (no rebinding window)."""

    guard: UrlGuard

    def _new_conn(self) -> socket.socket:
        last: OSError | None = None
        for address in self.guard.addresses(self._dns_host, self.port):
            try:
                return urllib3_connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as err:
                raise ConnectTimeoutError(self, f"connection to {self.host} timed out") from err
            except OSError as err:
                last = err
        raise NewConnectionError(self, f"failed to connect to {self.host}: {last}")


class _GuardedHTTPSConnection(_GuardedConnection, HTTPSConnection):
    pass


class GuardedAdapter(HTTPAdapter):
    """Mounts connections that only reach addresses the guard approved (the SSRF check at connect time)."""

    def __init__(self, guard: UrlGuard, **kwargs: Any) -> None:
        self._guard = guard
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        plain = type("GuardedHTTPConnection", (_GuardedConnection,), {"guard": self._guard})
        tls = type("GuardedHTTPSConnection", (_GuardedHTTPSConnection,), {"guard": self._guard})
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": tls}),
        }
