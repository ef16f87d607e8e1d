"""The outbound guard: private, loopback, link-local and multicast destinations are refused."""

from __future__ import annotations

import ipaddress
import socket

import httpx
import pytest

from ekkyo.security import ssrf
from ekkyo.security.ssrf import BlockedDestination, NetworkPolicy, check_url, guarded_client

DEFAULT = NetworkPolicy()


@pytest.fixture
def dns(monkeypatch):
    """A fake resolver: host name -> list of addresses (anything else fails to resolve)."""
    table: dict[str, list[str]] = {}

    def fake_getaddrinfo(host, port):
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in table[host]
        ]

    monkeypatch.setattr(ssrf, "_getaddrinfo", fake_getaddrinfo)
    return table


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared address space (CGNAT)
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "ff0e::1",  # global-scope multicast is still multicast
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1
        "2002:a00:1::",  # 6to4 wrapping 10.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 wrapping 169.254.169.254
    ],
)
def test_it_refuses_a_non_public_address(address):
    assert DEFAULT.permits(ipaddress.ip_address(address)) is False


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"])
def test_it_allows_a_public_address(address):
    assert DEFAULT.permits(ipaddress.ip_address(address)) is True


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost:9090/api",
        "https://[::1]:8443/",
        "http://[::ffff:7f00:1]/",
        "http://2130706433/",  # decimal 127.0.0.1
        "http://0x7f000001/",  # hex 127.0.0.1
        "http://127.1/",  # short form
        "http://0/",  # 0.0.0.0
        "http://3232235777/",  # decimal 192.168.1.1
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_it_blocks_loopback_and_private_urls_in_any_spelling(url):
    with pytest.raises(BlockedDestination):
        check_url(url, DEFAULT)


def test_it_blocks_a_name_that_resolves_to_a_private_address(dns):
    dns["prometheus.internal.example"] = ["10.0.3.4"]
    with pytest.raises(BlockedDestination, match=r"prometheus\.internal\.example \(10\.0\.3\.4\)"):
        check_url("https://prometheus.internal.example/api/v1/query", DEFAULT)


def test_it_blocks_a_name_when_any_of_its_addresses_is_private(dns):
    dns["mixed.example"] = ["93.184.216.34", "2606:4700::1", "127.0.0.1"]
    with pytest.raises(BlockedDestination):
        check_url("https://mixed.example/", DEFAULT)


def test_it_blocks_a_name_that_resolves_to_an_ipv6_link_local_address(dns):
    dns["v6.example"] = ["fe80::1%eth0"]
    with pytest.raises(BlockedDestination, match="fe80::1"):
        check_url("https://v6.example/", DEFAULT)


def test_it_allows_a_name_whose_addresses_are_all_public(dns):
    dns["hooks.slack.com"] = ["93.184.216.34", "2606:4700::1"]
    addresses = check_url("https://hooks.slack.com/services/T/B/x", DEFAULT)
    assert [str(a) for a in addresses] == ["93.184.216.34", "2606:4700::1"]


def test_it_allows_the_networks_an_admin_listed(dns):
    policy = NetworkPolicy(ssrf.parse_networks(["10.20.0.0/16", "fd00::/8"]))
    dns["prometheus.internal.example"] = ["10.20.1.2"]
    assert check_url("http://prometheus.internal.example:9090/", policy)
    assert check_url("http://[fd00::5]/", policy)
    with pytest.raises(BlockedDestination):
        check_url("http://10.21.0.1/", policy)
    with pytest.raises(BlockedDestination):
        check_url("http://127.0.0.1/", policy)


def test_it_reads_the_allow_list_from_the_environment(monkeypatch):
    monkeypatch.setenv("EKKYO_ALLOWED_PRIVATE_NETWORKS", "192.168.0.0/16")
    assert check_url("http://192.168.5.5/")
    monkeypatch.delenv("EKKYO_ALLOWED_PRIVATE_NETWORKS")
    with pytest.raises(BlockedDestination):
        check_url("http://192.168.5.5/")


def test_it_refuses_junk_in_the_allow_list():
    with pytest.raises(ssrf.NetworkPolicyError, match=r"'10\.0\.0\.0/33' is not a network"):
        ssrf.parse_networks(["10.0.0.0/8", "10.0.0.0/33"])


def test_it_names_the_setting_and_never_the_path_or_query_when_blocking():
    with pytest.raises(BlockedDestination) as caught:
        check_url("http://10.0.0.1/services/T0/B0/s3cr3tPATH?token=qu3ry", DEFAULT)
    message = str(caught.value)
    assert "EKKYO_ALLOWED_PRIVATE_NETWORKS" in message and "10.0.0.1" in message
    assert "s3cr3tPATH" not in message and "qu3ry" not in message


def test_it_calls_only_http_and_https():
    with pytest.raises(httpx.UnsupportedProtocol):
        check_url("file:///etc/passwd", DEFAULT)


# --------------------------------------------------------------------------- the transport


class Recorder:
    """An inner transport that records what reaches the network and answers from a table."""

    def __init__(self, answers=None):
        self.seen: list[httpx.Request] = []
        self.answers = answers or {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        return self.answers.get(request.headers["Host"], httpx.Response(200, text="ok"))


def test_it_connects_to_the_address_it_checked_and_keeps_the_name_for_host_and_tls(dns):
    dns["hooks.example.com"] = ["93.184.216.34"]
    recorder = Recorder()
    with guarded_client(policy=DEFAULT, inner=httpx.MockTransport(recorder)) as client:
        assert client.post("https://hooks.example.com/in/abc").status_code == 200
    (sent,) = recorder.seen
    assert sent.url.host == "93.184.216.34" and sent.url.path == "/in/abc"
    assert sent.headers["Host"] == "hooks.example.com"
    assert sent.extensions["sni_hostname"] == "hooks.example.com"


def test_it_resolves_once_so_a_changing_dns_answer_cannot_swap_in_a_private_address(
    monkeypatch,
):
    # DNS rebinding: public when checked, loopback when the connection would resolve again.
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    def rebinding(host, port):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in next(answers)]

    monkeypatch.setattr(ssrf, "_getaddrinfo", rebinding)
    recorder = Recorder()
    with guarded_client(policy=DEFAULT, inner=httpx.MockTransport(recorder)) as client:
        client.get("http://rebind.example/")
    assert [r.url.host for r in recorder.seen] == ["93.184.216.34"]


def test_it_blocks_a_redirect_to_a_loopback_address(dns):
    dns["public.example"] = ["93.184.216.34"]
    recorder = Recorder(
        {"public.example": httpx.Response(302, headers={"Location": "http://127.0.0.1:8080/x"})}
    )
    with (
        guarded_client(
            policy=DEFAULT, inner=httpx.MockTransport(recorder), follow_redirects=True
        ) as client,
        pytest.raises(BlockedDestination),
    ):
        client.get("http://public.example/")
    assert [r.url.host for r in recorder.seen] == ["93.184.216.34"]


def test_it_blocks_a_redirect_to_a_name_that_resolves_privately(dns):
    dns["public.example"] = ["93.184.216.34"]
    dns["metadata.internal"] = ["169.254.169.254"]
    recorder = Recorder(
        {"public.example": httpx.Response(301, headers={"Location": "http://metadata.internal/"})}
    )
    with (
        guarded_client(
            policy=DEFAULT, inner=httpx.MockTransport(recorder), follow_redirects=True
        ) as client,
        pytest.raises(BlockedDestination),
    ):
        client.get("http://public.example/")
    assert len(recorder.seen) == 1


def test_it_follows_a_redirect_between_public_hosts(dns):
    dns["a.example"] = ["93.184.216.34"]
    dns["b.example"] = ["93.184.216.35"]
    recorder = Recorder(
        {"a.example": httpx.Response(302, headers={"Location": "http://b.example/there"})}
    )
    with guarded_client(
        policy=DEFAULT, inner=httpx.MockTransport(recorder), follow_redirects=True
    ) as client:
        response = client.get("http://a.example/")
    assert response.status_code == 200
    assert [(r.headers["Host"], r.url.host) for r in recorder.seen] == [
        ("a.example", "93.184.216.34"),
        ("b.example", "93.184.216.35"),
    ]


def test_it_tries_the_next_checked_address_when_one_does_not_answer(dns):
    dns["dual.example"] = ["2606:4700::1", "93.184.216.34"]
    tried = []

    def handler(request):
        tried.append(request.url.host)
        if ":" in request.url.host:
            raise httpx.ConnectError("network unreachable")
        return httpx.Response(200)

    with guarded_client(policy=DEFAULT, inner=httpx.MockTransport(handler)) as client:
        assert client.get("https://dual.example/").status_code == 200
    assert tried == ["2606:4700::1", "93.184.216.34"]
