"""safe_download: URLs from search results are fetched only from public addresses, as images."""

import pytest

from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.http.client import HttpClient
from notes_pipeline.providers.http.errors import UnexpectedContentError, UnsafeUrlError
from notes_pipeline.providers.http.ssrf import UrlGuard, is_public_address, resolve_host
from notes_pipeline.providers.images.download import safe_download
from notes_pipeline_tests.providers.stubs import Reply, StubServer, png_bytes


@pytest.fixture
def stub():
    with StubServer(lambda r: Reply.png(320, 200)) as server:
        yield server


def downloader(guard: UrlGuard) -> HttpClient:
    return HttpClient("web-images", HttpConfig(max_attempts=2, read_timeout_s=2), url_guard=guard, sleep=lambda s: None)


def trusting(stub: StubServer, dns: dict[str, list[str]] | None = None) -> UrlGuard:
    """A guard that lets this one stub through (as a stand-in for a public host) and nothing else."""
    table = dns or {}
    return UrlGuard(
        resolve=lambda host, port: table.get(host) or resolve_host(host, port),
        allow=frozenset({("127.0.0.1", stub.port)}),
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/cat.png",
        "http://localhost:{port}/cat.png",
        "http://[::1]:{port}/cat.png",
        "http://[::ffff:127.0.0.1]:{port}/cat.png",
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://10.0.0.8/cat.png",
        "http://192.168.1.1/cat.png",
        "http://172.16.5.4/cat.png",
        "http://100.64.0.1/cat.png",
        "http://0.0.0.0:{port}/cat.png",
        "http://224.0.0.1/cat.png",
        "file:///etc/passwd",
        "gopher://127.0.0.1:{port}/_GET",
        "ftp://example.com/cat.png",
        "http://user:pw@example.com/cat.png",
    ],
    ids=lambda u: u.split("/")[2] or u.split(":")[0],
)
def test_private_addresses_and_other_schemes_are_refused(stub, url):
    with pytest.raises(UnsafeUrlError, match="refused"):
        safe_download(url.format(port=stub.port), downloader(UrlGuard()))
    assert stub.requests == []  # refused before any byte went out


def test_a_hostname_resolving_to_a_private_address_is_refused(stub):
    dns = {"metadata.example.test": ["169.254.169.254"], "mixed.example.test": ["93.184.216.34", "10.1.1.1"]}
    guard = UrlGuard(resolve=lambda host, port: dns[host])
    for host in dns:
        with pytest.raises(UnsafeUrlError, match="non-public address"):
            safe_download(f"http://{host}/cat.png", downloader(guard))


def test_the_guard_connects_to_the_address_it_checked(stub):
    """The resolved, vetted address is the one dialled: the Host header keeps the name."""
    guard = trusting(stub, {"images.example.test": ["127.0.0.1"]})
    got = safe_download(f"http://images.example.test:{stub.port}/cat.png", downloader(guard))
    assert (got.width, got.height, got.content_type) == (320, 200, "image/png")
    assert stub.requests[0].header("Host") == f"images.example.test:{stub.port}"


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.5/x.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:9/x.png",
        "file:///etc/shadow",
    ],
)
def test_every_redirect_hop_is_checked(stub, target):
    stub.script(Reply.redirect(target.format(port=stub.port)))
    with pytest.raises(UnsafeUrlError, match="refused"):
        safe_download(f"{stub.url}/start.png", downloader(trusting(stub)))
    assert len(stub.requests) == 1


def test_redirects_to_allowed_places_are_followed_and_recorded(stub):
    stub.script(Reply.redirect("/cdn/cat.png", status=301))
    got = safe_download(f"{stub.url}/start.png", downloader(trusting(stub)))
    assert got.redirects == [f"{stub.url}/cdn/cat.png"] and got.attempts == 2
    assert [r.route for r in stub.requests] == ["/start.png", "/cdn/cat.png"]


def test_redirect_loops_end(stub):
    stub.handler = lambda r: Reply.redirect("/again")
    with pytest.raises(UnsafeUrlError, match="more than 3 times"):
        safe_download(f"{stub.url}/again", downloader(trusting(stub)))


@pytest.mark.parametrize(
    "reply, why",
    [
        (Reply.wrong_type(), "text/html"),
        (Reply.raw(b"GIF89a not really", "image/gif"), "not a usable image"),
        (Reply.raw(png_bytes(64, 64)[:200], "image/png"), "not a usable image"),
    ],
    ids=["html", "garbage", "cut-png"],
)
def test_only_real_images_are_accepted(stub, reply, why):
    stub.script(reply)
    with pytest.raises(UnexpectedContentError, match=why):
        safe_download(f"{stub.url}/x.png", downloader(trusting(stub)))


def test_pixel_limit_refuses_before_decoding(stub):
    with pytest.raises(UnexpectedContentError, match="over the 10000-pixel limit"):
        safe_download(f"{stub.url}/x.png", downloader(trusting(stub)), max_pixels=10_000)


def test_safe_download_refuses_a_client_without_a_guard(stub):
    with pytest.raises(ValueError, match="UrlGuard"):
        safe_download(f"{stub.url}/x.png", HttpClient("trusted"))


@pytest.mark.parametrize(
    "address, public",
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("169.254.169.254", False),
        ("fd00:ec2::254", False),
        ("::ffff:10.0.0.1", False),
        ("fe80::1", False),
        ("198.18.0.1", False),
        ("240.0.0.1", False),
    ],
)
def test_public_address_rule(address, public):
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    "address, public",
    [
        ("2002:c0a8:101::1", False),  # 6to4 of 192.168.1.1
        ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::1", False),  # 6to4 of the metadata address 169.254.169.254
        ("2002:808:808::1", True),  # 6to4 of 8.8.8.8
        ("2001:0:4136:e378:8000:63bf:3f57:fefe", False),  # Teredo (client 192.168.1.1)
        ("2001:0:808:808:0:f7f7:f7f7:f7f7", False),  # Teredo with public server and client: still a tunnel
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("64:ff9b:1::a00:1", False),  # local-use NAT64 (RFC 8215): whatever it translates to is local
        ("::ffff:127.0.0.1", False),
        ("::ffff:8.8.8.8", True),  # IPv4-mapped
        ("::127.0.0.1", False),
        ("::", False),
        ("::1", False),  # IPv4-compatible (deprecated), unspecified, loopback
    ],
)
def test_ipv6_forms_that_embed_an_ipv4_address_follow_the_ipv4_rules(address, public):
    assert is_public_address(address) is public
