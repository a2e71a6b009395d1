"""The URL fetcher, against a local server: refusals, pinning, caps, timeouts, types."""

from __future__ import annotations

import gzip
import ipaddress
import time
from http.server import BaseHTTPRequestHandler

import httpx
import pytest
from ingest_helpers import LocalServer, reply, slow, split

from storytrace.config import Settings
from storytrace.errors import FetchError
from storytrace.ingest import iter_documents, web

OPEN = Settings(allow_private_urls=True, fetch_timeout=5.0)
LOOPBACK = [ipaddress.ip_address("127.0.0.1")]


def fetch_all(url: str, settings: Settings = OPEN) -> tuple[list, list]:
    return split(list(iter_documents([url], settings)))


def page(body: bytes, content_type: str | None = "text/html; charset=utf-8", **kw: object):
    def route(handler: BaseHTTPRequestHandler) -> None:
        reply(handler, body, content_type, **kw)  # type: ignore[arg-type]

    return route


def redirect(location: str, status: int = 302):
    def route(handler: BaseHTTPRequestHandler) -> None:
        reply(handler, b"", None, status=status, headers={"Location": location})

    return route


# (a) and (b): loopback is refused by default, fetched when allowed.


def test_loopback_is_refused_by_default(server: LocalServer) -> None:
    server.routes["/page"] = page(b"<p>local</p>")
    docs, failures = fetch_all(server.url("/page"), Settings())
    assert docs == []
    assert [f.reason for f in failures] == [
        "refused: 127.0.0.1 is a loopback address (allow_private_urls is off)"
    ]
    assert server.seen == []  # nothing was sent


def test_allowed_private_fetch_sends_host_and_user_agent(server: LocalServer) -> None:
    seen_agent: list[str] = []

    def route(handler: BaseHTTPRequestHandler) -> None:
        seen_agent.append(handler.headers.get("User-Agent", ""))
        reply(handler, b"<html><body><p>Local page about a fair.</p></body></html>")

    server.routes["/page"] = route
    docs, failures = fetch_all(server.url("/page"))
    assert failures == []
    assert [(d.origin, d.url, d.content_type) for d in docs] == [
        (server.url("/page"), server.url("/page"), "html")
    ]
    assert seen_agent == [Settings().user_agent]


# (c): every hop is checked again, and the connection is pinned.


def test_redirect_to_loopback_from_an_allowed_host_is_refused(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.routes["/start"] = redirect(server.url("/secret"))
    server.routes["/secret"] = page(b"<p>internal</p>")
    monkeypatch.setattr(web, "_resolve", lambda host, port: LOOPBACK)
    real_problem = web.address_problem
    calls: list[object] = []

    def first_hop_is_public(ip: object) -> str | None:
        # The first hop stands for a public site (it is really our server).
        calls.append(ip)
        return None if len(calls) == 1 else real_problem(ip)  # type: ignore[arg-type]

    monkeypatch.setattr(web, "address_problem", first_hop_is_public)
    docs, failures = fetch_all(f"http://news.example:{server.port}/start", Settings())
    assert docs == []
    assert [f.reason for f in failures] == [
        "refused: 127.0.0.1 is a loopback address (allow_private_urls is off)"
    ]
    assert [path for path, _ in server.seen] == ["/start"]
    # Connected to the checked address, with the name in the Host header.
    assert server.seen[0][1] == f"news.example:{server.port}"


def test_redirect_to_a_name_resolving_private_is_refused(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.routes["/start"] = redirect("http://intranet.example/admin")
    answers = {"news.example": LOOPBACK, "intranet.example": [ipaddress.ip_address("10.0.0.7")]}
    monkeypatch.setattr(web, "_resolve", lambda host, port: answers[host])
    monkeypatch.setattr(
        web, "address_problem", lambda ip: None if str(ip) == "127.0.0.1" else "private"
    )
    _, failures = fetch_all(f"http://news.example:{server.port}/start", Settings())
    assert failures[0].reason == "refused: intranet.example -> private (allow_private_urls is off)"


def test_each_hop_resolves_once_and_connects_to_that_answer(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.routes["/a"] = redirect("/b")
    server.routes["/b"] = page(b"<p>done</p>")
    lookups: list[str] = []

    def rebinding(host: str, port: int) -> list:
        # A rebinding DNS server: the first answer is checked and used; a
        # second lookup would get an address that was never checked.
        lookups.append(host)
        if len(lookups) % 2 == 0:
            return [ipaddress.ip_address("10.9.9.9")]
        return LOOPBACK

    monkeypatch.setattr(web, "_resolve", rebinding)
    monkeypatch.setattr(web, "address_problem", lambda ip: None)
    docs, failures = fetch_all(f"http://rebind.example:{server.port}/a", Settings())
    # Hop 1 resolved once (loopback, used); hop 2 resolved once (10.9.9.9,
    # where nothing listens) - so no hop ever did a second lookup.
    assert lookups == ["rebind.example", "rebind.example"]
    assert [path for path, _ in server.seen] == ["/a"]
    assert docs == [] and len(failures) == 1


def test_every_address_of_a_name_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    both = [ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("192.168.1.1")]
    monkeypatch.setattr(web, "_resolve", lambda host, port: both)
    _, failures = fetch_all("http://mixed.example/", Settings())
    assert failures[0].reason == (
        "refused: mixed.example -> 192.168.1.1 is a private address (allow_private_urls is off)"
    )


def test_https_is_pinned_with_sni_and_hostname_verification(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(web, "_resolve", lambda host, port: [ipaddress.ip_address("93.184.215.14")])
    sent: list[httpx.Request] = []
    verify: list[object] = []

    def capture(self: httpx.Client, request: httpx.Request, **kwargs: object) -> httpx.Response:
        sent.append(request)
        verify.append(self._transport._pool._ssl_context.check_hostname)  # type: ignore[attr-defined]
        raise httpx.ConnectError("no network in tests", request=request)

    monkeypatch.setattr(httpx.Client, "send", capture)
    _, failures = fetch_all("https://secure.example/story", Settings())
    request = sent[0]
    assert str(request.url) == "https://93.184.215.14/story"
    assert request.headers["Host"] == "secure.example"
    assert request.extensions["sni_hostname"] == "secure.example"
    assert verify == [True]
    assert failures[0].reason.startswith("cannot connect to secure.example")


def test_too_many_redirects(server: LocalServer) -> None:
    server.routes["/loop"] = redirect("/loop", status=301)
    _, failures = fetch_all(server.url("/loop"), Settings(allow_private_urls=True, max_redirects=2))
    assert [f.reason for f in failures] == ["too many redirects (more than 2)"]
    assert len(server.seen) == 3


def test_redirect_to_another_scheme_is_refused(server: LocalServer) -> None:
    server.routes["/go"] = redirect("file:///etc/passwd")
    _, failures = fetch_all(server.url("/go"))
    assert failures[0].reason == (
        "redirect to file:///etc/passwd: refused: only http and https URLs are fetched, not 'file'"
    )


# (d) size cap.


def test_size_cap_with_content_length(server: LocalServer) -> None:
    server.routes["/big"] = page(b"x" * 5000)
    _, failures = fetch_all(
        server.url("/big"), Settings(allow_private_urls=True, max_input_bytes=1000)
    )
    assert [f.reason for f in failures] == ["larger than 1000 bytes (Content-Length 5000)"]


def test_size_cap_while_streaming(server: LocalServer) -> None:
    def endless(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        try:
            for _ in range(200):
                handler.wfile.write(b"y" * 1000)
        except OSError:
            pass  # the client stopped reading, as it should

    server.routes["/stream"] = endless
    _, failures = fetch_all(
        server.url("/stream"), Settings(allow_private_urls=True, max_input_bytes=3000)
    )
    assert [f.reason for f in failures] == ["larger than 3000 bytes"]


def test_gzip_bomb_response(server: LocalServer) -> None:
    bomb = gzip.compress(b"<p>" + b"A" * 3_000_000)
    server.routes["/bomb"] = page(bomb, headers={"Content-Encoding": "gzip"})
    _, failures = fetch_all(
        server.url("/bomb"), Settings(allow_private_urls=True, max_input_bytes=50_000)
    )
    assert [f.reason for f in failures] == ["larger than 50000 bytes"]


def test_gzip_response_is_decoded(server: LocalServer) -> None:
    body = gzip.compress(b"<p>Compressed story about a new school.</p>")
    server.routes["/gz"] = page(body, headers={"Content-Encoding": "gzip"})
    docs, failures = fetch_all(server.url("/gz"))
    assert failures == []
    assert docs[0].content == "<p>Compressed story about a new school.</p>"


# (e) timeouts.


def test_read_timeout(server: LocalServer) -> None:
    server.routes["/slow"] = slow(2.0)
    started = time.monotonic()
    _, failures = fetch_all(
        server.url("/slow"), Settings(allow_private_urls=True, fetch_timeout=0.3)
    )
    assert [f.reason for f in failures] == ["timed out after 0.3 s"]
    assert time.monotonic() - started < 1.5


def test_whole_fetch_deadline_catches_a_drip_feed(server: LocalServer) -> None:
    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain")
        handler.end_headers()
        try:
            for _ in range(40):
                handler.wfile.write(b"z")
                handler.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass

    server.routes["/drip"] = drip
    settings = Settings(allow_private_urls=True, fetch_timeout=0.5)
    started = time.monotonic()
    _, failures = fetch_all(server.url("/drip"), settings)
    assert [f.reason for f in failures] == ["timed out after 0.5 s"]
    assert time.monotonic() - started < 1.5


# (f) refusals that need no network at all.


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://2130706433/", "127.0.0.1 is a loopback address"),
        ("http://0x7f.1/", "127.0.0.1 is a loopback address"),
        ("http://0x7f000001/", "127.0.0.1 is a loopback address"),
        ("http://127.1/", "127.0.0.1 is a loopback address"),
        ("http://[::1]/", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1 embeds 127.0.0.1 is a loopback address"),
        ("http://0.0.0.0/", "0.0.0.0 is an unspecified address"),
        ("http://[::]/", ":: is an unspecified address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://10.1.2.3/", "10.1.2.3 is a private address"),
        ("http://172.16.0.1/", "172.16.0.1 is a private address"),
        ("http://192.168.0.10:8080/", "192.168.0.10 is a private address"),
        ("http://100.64.0.1/", "100.64.0.1 is a non-public address"),
        ("http://224.0.0.1/", "224.0.0.1 is a multicast address"),
        ("http://240.0.0.1/", "240.0.0.1 is a private address"),
        ("http://[fe80::1]/", "fe80::1 is a link-local address"),
        ("http://[fc00::1]/", "fc00::1 is a private address"),
        ("http://[2002:7f00:1::]/", "2002:7f00:1:: embeds 127.0.0.1 is a loopback address"),
    ],
)
def test_ip_literal_tricks_are_refused_offline(
    url: str, problem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_lookup(*args: object) -> list:
        raise AssertionError("an IP literal must not be looked up")

    monkeypatch.setattr(web, "_resolve", no_lookup)
    with pytest.raises(FetchError) as caught:
        web.fetch(url, Settings())
    assert caught.value.reason == f"refused: {problem} (allow_private_urls is off)"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://files.example/a.txt", "refused: only http and https URLs are fetched, not 'ftp'"),
        ("file:///etc/passwd", "refused: only http and https URLs are fetched, not 'file'"),
        ("gopher://old.example/", "refused: only http and https URLs are fetched, not 'gopher'"),
        ("http://user:secret@news.example/", "refused: URL carries credentials"),
        ("http://1.2.3.4.5/", "refused: '1.2.3.4.5' is not a valid IPv4 address"),
        ("http://256.1.1.1/", "invalid URL (Invalid IPv4 address: '256.1.1.1')"),
        ("http://0177.0.0.1/", "invalid URL (Invalid IPv4 address: '0177.0.0.1')"),
    ],
)
def test_bad_urls_are_refused_offline(url: str, reason: str) -> None:
    _, failures = fetch_all(url, Settings())
    assert [f.reason for f in failures] == [reason]


@pytest.mark.parametrize("host", ["0177.0.0.1", "0x7F.0.0.1", "127.0.1", "017700000001"])
def test_ip_literal_parser_reads_every_form(host: str) -> None:
    assert web.parse_ip_literal(host) == ipaddress.ip_address("127.0.0.1")


def test_public_literals_pass_the_check_offline() -> None:
    url = web.check_url("http://0x08080808/")
    assert web.resolve_checked(url, "u", Settings()) == [ipaddress.ip_address("8.8.8.8")]


def test_ip_literal_parser_leaves_names_alone() -> None:
    assert web.parse_ip_literal("news.example") is None
    assert web.parse_ip_literal("1news.example") is None


def test_localhost_name_is_refused() -> None:
    _, failures = fetch_all("http://localhost:9/", Settings())
    assert failures[0].reason.startswith("refused: localhost -> ")
    assert "loopback" in failures[0].reason


def test_unresolvable_host() -> None:
    _, failures = fetch_all("http://no-such-host.invalid/", Settings())
    assert failures[0].reason.startswith("cannot resolve no-such-host.invalid")


# Content types decide the reader.


def test_content_types(server: LocalServer) -> None:
    server.routes["/feed"] = page(
        b'<rss version="2.0"><channel><title>Courier</title><item><title>A</title>'
        b"<link>https://news.example/a</link><description>Story A.</description></item>"
        b"</channel></rss>",
        "application/rss+xml",
    )
    server.routes["/api"] = page(b'[{"text": "From an API."}, 3]', "application/json")
    server.routes["/lines"] = page(b'{"text": "one"}\n{"text": "two"}\n', "application/x-ndjson")
    server.routes["/plain"] = page(
        "Grüße aus dem Tal.".encode("latin-1"), "text/plain; charset=latin-1"
    )
    server.routes["/bare"] = page(b"<!doctype html><p>No type given.</p>", None)
    server.routes["/pdf"] = page(b"%PDF-1.4", "application/pdf")
    server.routes["/gone"] = page(b"gone", "text/plain", status=404)
    results = {path: fetch_all(server.url(path)) for path in server.routes}

    feed_docs, _ = results["/feed"]
    assert (feed_docs[0].site, feed_docs[0].url, feed_docs[0].origin) == (
        "Courier",
        "https://news.example/a",
        f"{server.url('/feed')}[0]",
    )
    api_docs, api_failures = results["/api"]
    assert api_docs[0].origin == f"{server.url('/api')}[0]"
    assert api_failures[0].reason == "not a JSON object (got number)"
    assert [d.origin for d in results["/lines"][0]] == [
        f"{server.url('/lines')}:1",
        f"{server.url('/lines')}:2",
    ]
    plain = results["/plain"][0][0]
    assert (plain.content, plain.content_type) == ("Grüße aus dem Tal.", "text")
    assert results["/bare"][0][0].content_type == "html"
    assert results["/pdf"][1][0].reason == "unsupported content type 'application/pdf'"
    assert results["/gone"][1][0].reason == "HTTP 404 Not Found"


def test_redirect_final_url_is_recorded(server: LocalServer) -> None:
    server.routes["/old"] = redirect("/new", status=308)
    server.routes["/new"] = page(b"<p>Moved story.</p>")
    docs, _ = fetch_all(server.url("/old"))
    assert (docs[0].origin, docs[0].url) == (server.url("/old"), server.url("/new"))


def test_empty_response(server: LocalServer) -> None:
    server.routes["/empty"] = page(b"")
    _, failures = fetch_all(server.url("/empty"))
    assert [f.reason for f in failures] == ["empty response"]
