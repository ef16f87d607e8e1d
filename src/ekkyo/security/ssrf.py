"""Outbound calls to URLs users configure cannot reach ekkyo's own network (SSRF guard).

A data source URL, a Slack or webhook URL or a PagerDuty endpoint is typed by a user, and
ekkyo calls it from inside the company network.  Without a guard, anyone who may edit one
can make ekkyo call ``http://169.254.169.254/`` (cloud credentials), an admin port on
loopback, or any private service.  :class:`GuardedTransport` (an httpx transport) therefore:

* resolves the host itself and checks **every** address it resolves to: loopback,
  link-local, private, shared (CGNAT), multicast, reserved and unspecified addresses are
  refused, also when wrapped in IPv6 (``::ffff:127.0.0.1``, 6to4, NAT64, Teredo);
* then connects to the address it checked (the host name stays in the ``Host`` header and
  in TLS's SNI and certificate check), so a DNS answer that changes between the check and
  the connection ("DNS rebinding") cannot slip through;
* sees every hop of a redirect, because httpx sends each through the transport.

Decimal, hex and octal IPv4 forms (``http://2130706433/``, ``0x7f000001``) resolve to
the address they mean and are checked as that address.

An SRE admin allows private networks on purpose with ``EKKYO_ALLOWED_PRIVATE_NETWORKS``
(comma-separated CIDRs such as ``10.20.0.0/16,fd00::/8``), read from the environment at
each call so every process (web, worker, CLI) follows the same rule.  No Django here:
``ekkyo.notify`` and ``ekkyo.sources`` use it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

SETTING = "EKKYO_ALLOWED_PRIVATE_NETWORKS"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class BlockedDestination(httpx.ConnectError):
    """A configured URL points at an address the policy refuses.

    A :class:`httpx.ConnectError`, so code that handles failed connections handles this
    too; callers that can say more (a config error, not retryable) catch it first.  The
    message names the host and address, never the URL's path or query (they may be the
    credential, as in a Slack webhook URL).
    """


class NetworkPolicyError(ValueError):
    """``EKKYO_ALLOWED_PRIVATE_NETWORKS`` holds something that is not a network."""


def parse_networks(values: Iterable[str], *, source: str = SETTING) -> tuple[IPNetwork, ...]:
    networks: list[IPNetwork] = []
    for raw in values:
        text = raw.strip()
        if not text:
            continue
        try:
            # Host bits are forgiven ("10.1.2.3/8" means 10.0.0.0/8): the intent is clear.
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise NetworkPolicyError(
                f"{source}: {text!r} is not a network; use CIDRs such as 10.0.0.0/8 or fd00::/8"
            ) from None
    return tuple(networks)


def embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if ip in _NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def is_public(ip: IPAddress) -> bool:
    """True for a globally routable unicast address that wraps no non-public IPv4 one."""
    if not ip.is_global or ip.is_multicast:
        return False
    return all(is_public(inner) for inner in embedded_ipv4(ip))


@dataclass(frozen=True)
class NetworkPolicy:
    """Public addresses are allowed; others only inside ``allowed``."""

    allowed: tuple[IPNetwork, ...] = ()

    def permits(self, ip: IPAddress) -> bool:
        candidates = [ip, *embedded_ipv4(ip)]
        if any(c in net for c in candidates for net in self.allowed if c.version == net.version):
            return True
        return is_public(ip)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> NetworkPolicy:
        raw = (os.environ if environ is None else environ).get(SETTING, "")
        return _policy_for(raw)


_POLICY_CACHE: dict[str, NetworkPolicy] = {}


def _policy_for(raw: str) -> NetworkPolicy:
    policy = _POLICY_CACHE.get(raw)
    if policy is None:
        policy = NetworkPolicy(parse_networks(raw.split(",")))
        _POLICY_CACHE[raw] = policy
    return policy


def _getaddrinfo(host: str, port: int) -> list[Any]:
    # A module attribute so tests can stand in for DNS (monkeypatch this name).
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal resolves to itself), in order."""
    literal = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return [ipaddress.ip_address(literal)]
    except ValueError:
        pass
    try:
        infos = _getaddrinfo(literal, port)
    except (OSError, UnicodeError) as exc:
        raise httpx.ConnectError(f"cannot resolve {literal}: {exc}") from None
    addresses: list[IPAddress] = []
    for info in infos:
        # Drop an IPv6 zone ("fe80::1%eth0"): the address is what the policy judges.
        text = str(info[4][0]).split("%", 1)[0]
        ip = ipaddress.ip_address(text)
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise httpx.ConnectError(f"cannot resolve {literal}: no addresses")
    return addresses


def check_host(host: str, port: int, policy: NetworkPolicy | None = None) -> list[IPAddress]:
    """The addresses of ``host``, all allowed; raises :class:`BlockedDestination` otherwise."""
    policy = policy or NetworkPolicy.from_env()
    addresses = resolve(host, port)
    for ip in addresses:
        if not policy.permits(ip):
            shown = host if str(ip) == host.strip("[]") else f"{host} ({ip})"
            raise BlockedDestination(
                f"{shown} is not a public address, so ekkyo does not call it; "
                f"an SRE admin can allow its network with {SETTING}"
            )
    return addresses


def check_url(url: str | httpx.URL, policy: NetworkPolicy | None = None) -> list[IPAddress]:
    """:func:`check_host` for a URL; only http and https URLs are called at all."""
    parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    if parsed.scheme not in _DEFAULT_PORTS:
        # What httpx itself raises for such a URL, so callers handle it as they did.
        raise httpx.UnsupportedProtocol(
            f"only http and https URLs are called, not {parsed.scheme or 'no scheme'!r}"
        )
    if not parsed.host:
        raise BlockedDestination("the URL has no host")
    return check_host(parsed.host, parsed.port or _DEFAULT_PORTS[parsed.scheme], policy)


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport that checks, then pins, the address of every request.

    ``policy`` defaults to the environment's at each request.  ``inner`` is the transport
    that really sends (tests pass an :class:`httpx.MockTransport`); otherwise an
    :class:`httpx.HTTPTransport` is built with ``verify``, ``cert`` and ``http_kwargs``.
    """

    def __init__(
        self,
        *,
        policy: NetworkPolicy | None = None,
        inner: httpx.BaseTransport | None = None,
        verify: Any = True,
        cert: Any = None,
        **http_kwargs: Any,
    ) -> None:
        self._policy = policy
        self._inner = inner
        self._http_kwargs = {"verify": verify, "cert": cert, **http_kwargs}
        # One connection pool per host name: pools are keyed by the address connected to,
        # and a TLS connection verified for one name must not carry another name's requests.
        self._pools: dict[str, httpx.BaseTransport] = {}

    def _transport_for(self, host: str) -> httpx.BaseTransport:
        if self._inner is not None:
            return self._inner
        pool = self._pools.get(host)
        if pool is None:
            if self._http_kwargs["verify"] is True and self._http_kwargs["cert"] is None:
                # Loading the CA bundle takes ~0.2 s: every host's pool shares one context.
                self._http_kwargs["verify"] = httpx.create_ssl_context()
            pool = self._pools[host] = httpx.HTTPTransport(**self._http_kwargs)
        return pool

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        addresses = check_url(request.url, self._policy)
        host = request.url.host
        transport = self._transport_for(host)
        failure: httpx.ConnectError | None = None
        # Each checked address in turn, as a plain connect would (an IPv6 address that
        # does not answer falls back to IPv4); never an address that was not checked.
        for address in addresses:
            try:
                return transport.handle_request(self._pinned(request, host, str(address)))
            except httpx.ConnectError as exc:
                failure = exc
        assert failure is not None
        raise failure

    @staticmethod
    def _pinned(request: httpx.Request, host: str, address: str) -> httpx.Request:
        extensions = dict(request.extensions)
        if request.url.scheme == "https" and address != host:
            # TLS still presents and verifies the name, not the address we connect to.
            extensions.setdefault("sni_hostname", host)
        # A new request: the caller's keeps its URL, so redirects resolve against the name.
        # Its headers already hold "Host: <name>" (httpx set it from the original URL).
        return httpx.Request(
            request.method,
            request.url.copy_with(host=address),
            headers=request.headers,
            stream=request.stream,
            extensions=extensions,
        )

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()


class GuardedClient(httpx.Client):
    """An :class:`httpx.Client` whose every request goes through a :class:`GuardedTransport`.

    Proxy variables from the environment are ignored (``trust_env=False``): through a
    proxy the guard would check the proxy, not the destination.
    """


def guarded_client(
    *,
    policy: NetworkPolicy | None = None,
    verify: Any = True,
    cert: Any = None,
    inner: httpx.BaseTransport | None = None,
    **client_kwargs: Any,
) -> GuardedClient:
    transport = GuardedTransport(policy=policy, inner=inner, verify=verify, cert=cert)
    return GuardedClient(transport=transport, trust_env=False, **client_kwargs)


def is_guarded(client: httpx.Client) -> bool:
    return isinstance(client, GuardedClient)
