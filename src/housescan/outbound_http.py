"""HTTP clients for the calls this service makes (push services, the agents service, image hosts).

They share one TLS context per process: by default httpx builds a context for every client it makes,
loading the CA bundle each time, about 25 ms of CPU on the event loop of this machine per client (it was
a third of a scan's CPU in the embedded deployment, bench/scaleout.py). With the shared context a client
costs under a millisecond.

A URL a user gave (a push subscription's endpoint) is fetched with `public_client`: its host is resolved
once per request (`resolve`), every address it resolves to must be public (`is_public`: a private or
loopback address is refused however it is spelled, `2130706433`, `0x7f000001`, `127.1`, `0177.0.0.1`,
`::ffff:127.0.0.1`, since the resolver reads them all as 127.0.0.1), and the connection goes to that
checked address itself: no second resolution that a DNS name with a short TTL could answer differently
(rebinding). TLS still names and verifies the URL's host (SNI, certificate), no proxy from the
environment is used and no redirect is followed."""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
import typing
from typing import Any

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def client(**options: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(verify=_tls_context(), **options)


class UnsafeDestination(ValueError):
    """A user's URL whose host does not resolve, or resolves to an address that is not public."""


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the system's resolver gives for `host` (numeric spellings included). Tests replace
    this function to point a name at an address of their choosing."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def is_public(address: IPAddress) -> bool:
    """A globally routable unicast address; an IPv6 address that carries an IPv4 one (mapped, 6to4,
    Teredo) is judged by that IPv4 address too."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour, address.teredo[1] if address.teredo else None]
        if any(inner is not None and not is_public(inner) for inner in embedded):
            return False
    return address.is_global and not address.is_multicast


async def checked_addresses(host: str, port: int, *, allow_private: bool = False) -> list[IPAddress]:
    """The addresses to connect to for host:port; raises UnsafeDestination when it does not resolve or
    when any of its addresses is not public (unless `allow_private`: tests with local servers)."""
    try:
        addresses = await resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise UnsafeDestination(f"{host} does not resolve") from exc
    if not addresses:
        raise UnsafeDestination(f"{host} does not resolve")
    if not allow_private:
        refused = [str(address) for address in addresses if not is_public(address)]
        if refused:
            raise UnsafeDestination(f"{host} resolves to {', '.join(refused)}, not a public address")
    return addresses


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections to the address checked for (host, port), never to what a resolver would
    say now; TLS above it is started by httpcore with the URL's host name."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()
        self.pins: dict[tuple[str, int], str] = {}

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        address = self.pins.get((host, port))
        if address is None:
            raise httpcore.ConnectError(f"no checked address for {host}:{port}")
        return await self._inner.connect_tcp(
            address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("no unix sockets for a user's URL")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PublicOnlyTransport(httpx.AsyncBaseTransport):
    """httpx's own transport (its request, response and error handling) over a pool that connects to the
    checked addresses only."""

    def __init__(self, *, allow_private: bool = False, verify: ssl.SSLContext | None = None) -> None:
        self._allow_private = allow_private
        self._backend = _PinnedBackend()
        context = verify or _tls_context()
        self._transport = httpx.AsyncHTTPTransport(verify=context, trust_env=False)
        # httpx takes no network backend: its pool is replaced by the same pool over the pinned backend.
        self._transport._pool = httpcore.AsyncConnectionPool(ssl_context=context, network_backend=self._backend)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme not in ("http", "https"):
            raise UnsafeDestination(f"{request.url.scheme}:// is not fetched")
        host = request.url.host
        port = request.url.port or (443 if request.url.scheme == "https" else 80)
        addresses = await checked_addresses(host, port, allow_private=self._allow_private)
        self._backend.pins[(host, port)] = str(addresses[0])
        return await self._transport.handle_async_request(request)

    async def aclose(self) -> None:
        await self._transport.aclose()


def public_client(
    *, allow_private: bool = False, verify: ssl.SSLContext | None = None, **options: Any
) -> httpx.AsyncClient:
    """A client for URLs users gave: public addresses only, pinned, no redirects, no proxy."""
    transport = PublicOnlyTransport(allow_private=allow_private, verify=verify)
    return httpx.AsyncClient(transport=transport, follow_redirects=False, trust_env=False, **options)
