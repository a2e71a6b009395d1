"""Fetching URLs without letting a hostile URL reach the local network.

Every hop (the first URL and each redirect) goes through the same checks:
http or https only, no credentials in the URL, and a host whose every
address is public. The host is resolved once and the connection goes to the
address that was checked, with the original name in the ``Host`` header and
in TLS (SNI and certificate verification), so a DNS answer that changes
between the check and the connection cannot redirect it. Redirects are
followed here, not by httpx, so that each one is checked again.
"""

from __future__ import annotations

import io
import ipaddress
import re
import socket
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from storytrace.config import Settings
from storytrace.errors import FetchError
from storytrace.ingest.decode import decode_bytes, parse_content_type
from storytrace.ingest.feeds import iter_feed
from storytrace.ingest.records import iter_json, iter_jsonl
from storytrace.ingest.sniff import sniff_format
from storytrace.model import Failure, RawDocument

__all__ = [
    "Fetched",
    "address_problem",
    "check_url",
    "fetch",
    "iter_url",
    "parse_ip_literal",
    "redact_url",
    "resolve_checked",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
    }
)
_JSON_TYPES = frozenset({"application/json", "text/json"})
_JSONL_TYPES = frozenset(
    {
        "application/x-ndjson",
        "application/ndjson",
        "application/jsonl",
        "application/x-jsonlines",
        "application/jsonlines",
        "application/json-lines",
    }
)
_TEXT_TYPES = frozenset({"text/plain"})
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@")
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched response body and what the server said it is.

    Args:
        url: the URL asked for.
        final_url: the URL the body came from, after redirects.
        media_type: the lower-cased ``Content-Type`` without parameters
            (``""`` when the server sent none).
        charset: the declared charset, if any.
        body: the body, decompressed when the server compressed it.
    """

    url: str
    final_url: str
    media_type: str
    charset: str | None
    body: bytes


def redact_url(url: str) -> str:
    """The URL with any credentials in it replaced by ``***``.

    Errors name their input, and failures are printed and kept in the
    store; a password in a URL must end up in neither.
    """
    return _USERINFO.sub(r"\1***@", url, count=1)


def check_url(url: str) -> httpx.URL:
    """Check a URL's form (scheme, credentials, host); no network is used.

    Args:
        url: the URL.

    Returns:
        the parsed URL.

    Raises:
        FetchError: not http(s), credentials in it, no host, or unparsable;
            the error names the URL without its credentials.
    """
    shown = redact_url(url)
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as error:
        raise FetchError(shown, f"invalid URL ({error})") from None
    if parsed.scheme not in ("http", "https"):
        raise FetchError(
            shown, f"refused: only http and https URLs are fetched, not {parsed.scheme!r}"
        )
    if parsed.userinfo:
        raise FetchError(shown, "refused: URL carries credentials")
    if not parsed.host:
        raise FetchError(shown, "invalid URL (no host)")
    return parsed


def parse_ip_literal(host: str) -> IPAddress | None:
    """Read a host that is an IP address, in every form a resolver accepts.

    Besides dotted quads this reads the forms that resolvers and browsers
    accept and that are used to slip past naive checks: ``2130706433``,
    ``0x7f.1``, ``0177.0.0.1``, ``127.1``, and IPv6 with or without brackets.

    Args:
        host: the URL's host.

    Returns:
        the address, or ``None`` when the host is a name.

    Raises:
        ValueError: the host looks like an IPv4 number but is not a valid one.
    """
    host = host.strip("[]").rstrip(".")
    if ":" in host:
        return ipaddress.IPv6Address(host)
    parts = host.split(".")
    last = parts[-1].lower()
    # The WHATWG URL rule: a host whose last label is numeric is an IPv4
    # address (or invalid), never a name.
    if not (last.isdigit() or (last.startswith("0x") and _is_hex(last[2:]))):
        return None
    if len(parts) > 4:
        raise ValueError(f"{host!r} is not a valid IPv4 address")
    numbers = [_ipv4_part(part, host) for part in parts]
    if any(number > 255 for number in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise ValueError(f"{host!r} is not a valid IPv4 address")
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def address_problem(ip: IPAddress) -> str | None:
    """Why an address must not be fetched from, or ``None`` when it is public.

    Args:
        ip: the address (IPv6 addresses embedding an IPv4 address, such as
            ``::ffff:127.0.0.1``, are judged by the embedded address too).

    Returns:
        e.g. ``"127.0.0.1 is a loopback address"``, or ``None``.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip.teredo is not None:
            embedded = ip.teredo[1]
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            problem = address_problem(embedded)
            if problem is not None:
                return f"{ip} embeds {problem}"
    for kind, flagged in (
        ("an unspecified", ip.is_unspecified),
        ("a loopback", ip.is_loopback),
        ("a link-local", ip.is_link_local),
        ("a multicast", ip.is_multicast),
        ("a private", ip.is_private),
        ("a reserved", ip.is_reserved),
        ("a non-public", not ip.is_global),
    ):
        if flagged:
            return f"{ip} is {kind} address"
    return None


def resolve_checked(url: httpx.URL, origin: str, settings: Settings) -> list[IPAddress]:
    """Resolve a URL's host once and check every address it has.

    Args:
        url: a URL that passed :func:`check_url`.
        origin: the name to use in errors (the URL first asked for).
        settings: ``allow_private_urls`` lifts the address check.

    Returns:
        the addresses to connect to, in resolver order.

    Raises:
        FetchError: the host does not resolve, or any address is not public.
    """
    try:
        literal = parse_ip_literal(url.host)
    except ValueError as error:
        raise FetchError(origin, f"refused: {error}") from None
    port = url.port or (443 if url.scheme == "https" else 80)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            # The ASCII (IDNA) form: what DNS is asked, whatever the URL said.
            addresses = _resolve(url.raw_host.decode("ascii"), port)
        except OSError as error:
            raise FetchError(origin, f"cannot resolve {url.host} ({error})") from None
    if not addresses:
        raise FetchError(origin, f"cannot resolve {url.host}")
    if not settings.allow_private_urls:
        for address in addresses:
            problem = address_problem(address)
            if problem is not None:
                # Every address is checked: a name answering with one public
                # and one private address could be connected to either.
                via = "" if literal is not None else f"{url.host} -> "
                raise FetchError(origin, f"refused: {via}{problem} (allow_private_urls is off)")
    return addresses


def fetch(url: str, settings: Settings) -> Fetched:
    """Fetch a URL safely (see the module's docstring for the rules).

    Args:
        url: an http or https URL.
        settings: timeout (whole fetch), redirect limit, size cap, user
            agent and whether private addresses may be fetched.

    Returns:
        the body and its declared type.

    Raises:
        FetchError: refused, failed, timed out, too large, too many
            redirects, or an HTTP error status.
    """
    deadline = time.monotonic() + settings.fetch_timeout
    current = check_url(url)
    url = redact_url(url)  # from here on ``url`` only names the input in errors
    with httpx.Client(
        # No proxies or netrc from the environment: a proxy would make the
        # connection go somewhere other than the checked address.
        trust_env=False,
        follow_redirects=False,
        timeout=httpx.Timeout(settings.fetch_timeout),
    ) as client:
        for _ in range(settings.max_redirects + 1):
            response = _send_pinned(client, current, url, settings, deadline)
            try:
                location = response.headers.get("Location")
                if response.status_code in _REDIRECTS and location:
                    try:
                        current = check_url(str(current.join(location)))
                    except FetchError as error:
                        raise FetchError(url, f"redirect to {location}: {error.reason}") from None
                    continue
                if not 200 <= response.status_code < 300:
                    raise FetchError(url, f"HTTP {response.status_code} {response.reason_phrase}")
                body = _read_body(response, url, settings, deadline)
                media_type, charset = parse_content_type(response.headers.get("Content-Type", ""))
                return Fetched(url, str(current), media_type, charset, body)
            finally:
                response.close()
    raise FetchError(url, f"too many redirects (more than {settings.max_redirects})")


def iter_url(url: str, settings: Settings) -> Iterator[RawDocument | Failure]:
    """Fetch a URL and read it by its content type.

    HTML becomes one document, a feed one document per entry, JSON or JSON
    lines one per record, plain text one document; with no content type the
    body is sniffed. Anything else is refused.

    Args:
        url: the URL.
        settings: see :func:`fetch`; field names for JSON.

    Yields:
        documents and per-record failures.

    Raises:
        FetchError: the fetch failed or the content type is not readable.
        InputError: the body could not be decoded or parsed.
    """
    fetched = fetch(url, settings)
    url = redact_url(url)  # fetch refuses credentials; this keeps errors clean anyway
    media_type = fetched.media_type
    if not fetched.body.strip():
        raise FetchError(url, "empty response")
    if not media_type:
        media_type = {
            "html": "text/html",
            "feed": "application/xml",
            "json": "application/json",
            "jsonl": "application/x-ndjson",
            "text": "text/plain",
        }.get(sniff_format(fetched.body[:_CHUNK], url), "")
    if media_type in _HTML_TYPES or media_type in _TEXT_TYPES:
        content = decode_bytes(fetched.body, url, declared=fetched.charset)
        yield RawDocument(
            origin=url,
            content=content,
            content_type="html" if media_type in _HTML_TYPES else "text",
            url=fetched.final_url,
        )
    elif media_type in _FEED_TYPES:
        yield from iter_feed(fetched.body, url, declared=fetched.charset)
    elif media_type in _JSON_TYPES:
        yield from iter_json(fetched.body, url, settings)
    elif media_type in _JSONL_TYPES:
        yield from iter_jsonl(io.BufferedReader(io.BytesIO(fetched.body)), url, settings)
    else:
        raise FetchError(url, f"unsupported content type {media_type!r}")


def _send_pinned(
    client: httpx.Client, target: httpx.URL, origin: str, settings: Settings, deadline: float
) -> httpx.Response:
    """Send a GET for ``target`` to one of its checked addresses."""
    addresses = resolve_checked(target, origin, settings)
    headers = {
        # The URL names the address; the server still needs the name.
        "Host": target.netloc.decode("ascii"),
        "User-Agent": settings.user_agent,
        "Accept": "text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8",
        "Accept-Encoding": "gzip, deflate",
    }
    # TLS checks the certificate against the name, not the address.
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    last_error: httpx.HTTPError | None = None
    for address in addresses:
        remaining = _remaining(deadline, origin, settings)
        request = client.build_request(
            "GET",
            target.copy_with(host=str(address)),
            headers=headers,
            extensions={**extensions, "timeout": httpx.Timeout(remaining).as_dict()},
        )
        try:
            return client.send(request, stream=True)
        except httpx.ConnectError as error:
            last_error = error  # try the host's next checked address
        except httpx.TimeoutException:
            raise _timed_out(origin, settings) from None
        except httpx.HTTPError as error:
            raise FetchError(origin, f"fetch failed ({_describe(error)})") from None
    raise FetchError(origin, f"cannot connect to {target.host} ({_describe(last_error)})")


def _read_body(response: httpx.Response, origin: str, settings: Settings, deadline: float) -> bytes:
    """Read a streamed body under the size cap and the deadline."""
    limit = settings.max_input_bytes
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FetchError(origin, f"larger than {limit} bytes (Content-Length {declared})")
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("identity", "", "gzip", "x-gzip", "deflate"):
        raise FetchError(origin, f"unsupported Content-Encoding {encoding!r}")
    # Decompressed here, not by httpx, so the cap applies while inflating.
    inflater = None if encoding in ("identity", "") else _Inflater(encoding, origin)
    parts: list[bytes] = []
    size = 0
    try:
        # No chunk size: pieces come as the network delivers them, so the
        # deadline below is checked while a slow server drips.
        for chunk in response.iter_raw():
            pieces = inflater.feed(chunk, limit - size + 1) if inflater else [chunk]
            for piece in pieces:
                size += len(piece)
                if size > limit:
                    raise FetchError(origin, f"larger than {limit} bytes")
                parts.append(piece)
            # A server dripping bytes never trips the read timeout.
            _remaining(deadline, origin, settings)
    except httpx.TimeoutException:
        raise _timed_out(origin, settings) from None
    except httpx.HTTPError as error:
        raise FetchError(origin, f"fetch failed ({_describe(error)})") from None
    return b"".join(parts)


class _Inflater:
    """Streamed gzip/deflate decoding that never inflates past a limit."""

    def __init__(self, encoding: str, origin: str) -> None:
        self._origin = origin
        self._deflate = encoding == "deflate"
        # 47 = 32 + 15: accept a gzip or zlib header.
        self._decoder = zlib.decompressobj(47)
        self._started = False

    def feed(self, chunk: bytes, room: int) -> Iterator[bytes]:
        if self._deflate and not self._started and chunk:
            # "deflate" is zlib-wrapped by the standard and raw in practice.
            self._decoder = zlib.decompressobj(15 if (chunk[0] & 0x0F) == 8 else -15)
        self._started = True
        data = chunk
        try:
            while data:
                out = self._decoder.decompress(data, max(room, 1))
                room -= len(out)
                yield out
                data = self._decoder.unconsumed_tail
        except zlib.error as error:
            raise FetchError(self._origin, f"corrupt compressed response ({error})") from None


def _resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses a host name resolves to (one DNS lookup).

    Raises:
        OSError: the name does not resolve (``socket.gaierror``).
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _ipv4_part(part: str, host: str) -> int:
    lowered = part.lower()
    try:
        if lowered.startswith("0x"):
            return int(lowered[2:] or "0", 16)
        if len(part) > 1 and part.startswith("0"):
            return int(part, 8)
        return int(part, 10)
    except ValueError:
        raise ValueError(f"{host!r} is not a valid IPv4 address") from None


def _is_hex(text: str) -> bool:
    return all(char in "0123456789abcdef" for char in text)


def _remaining(deadline: float, origin: str, settings: Settings) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _timed_out(origin, settings)
    return remaining


def _timed_out(origin: str, settings: Settings) -> FetchError:
    return FetchError(origin, f"timed out after {settings.fetch_timeout:g} s")


def _describe(error: BaseException | None) -> str:
    if error is None:
        return "no address"
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
