"""The one HTTP policy every provider call goes through.

- Explicit (connect, read) timeouts and a wall-clock deadline per response, so a server
  that trickles bytes cannot hold a scene forever.
- Retries on 429, 5xx, timeouts, dropped connections and truncated bodies, with
  exponential backoff and jitter; a Retry-After header is honoured up to `backoff_max_s`,
  and a provider asking for a longer pause is given up at once (the next provider in the
  chain is better than waiting). Other 4xx are not retried: the request itself is wrong.
- A circuit breaker per provider, shared by the whole process: after N consecutive failed
  calls the provider is skipped for a cool-down, then one probe call decides.
- Responses are streamed and cut off past a size cap.
- Two kinds of destination, chosen explicitly. Configured provider endpoints are trusted
  config (`HttpClient(..., url_guard=None)`). URLs that came from outside (search
  results, a provider's "download it here") go through `safe_download` with a client
  built with a `UrlGuard`: http(s) only, every address a hostname resolves to must be
  public (no loopback, private, link-local, metadata, multicast or reserved ranges),
  checked at connect time so DNS rebinding cannot slip past, on every redirect hop.
- Secrets given to a client are redacted from every log line and exception it produces;
  query strings are never logged.

Every call returns (or its error carries) the attempts made and the latency, which the
stages record per artefact.
"""

from __future__ import annotations

import email.utils
import io
import ipaddress
import logging
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import requests
from PIL import Image, UnidentifiedImageError
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection as urllib3_connection

from notes_pipeline.domain.errors import BadInputError, PipelineError
from notes_pipeline.providers.config import HttpConfig

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], None]
Clock = Callable[[], float]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# 401/403 mean the key is wrong or revoked: every later call will fail the same way, so
# they count towards opening the circuit. Other 4xx are about one request only.
BREAKER_STATUSES = frozenset({401, 403})
REDACTED = "***"
_registry_lock = threading.Lock()  # guards the process-wide registries below


# ---- errors -----------------------------------------------------------------------------


class HttpError(PipelineError):
    """A provider call that failed after the policy gave up. Carries what the stages record."""

    def __init__(self, cause: str, *, provider: str, status: int | None = None, attempts: int = 0,
                 latency_s: float = 0.0, retryable: bool = True) -> None:
        super().__init__(cause)
        self.provider = provider
        self.status = status
        self.attempts = attempts
        self.latency_s = latency_s
        self.retryable = retryable


class CircuitOpenError(HttpError):
    """The provider failed repeatedly and is being skipped until its cool-down ends; nothing was sent."""


class ResponseTooLargeError(HttpError):
    """The answer was bigger than the size cap; reading stopped at the cap."""


class UnexpectedContentError(HttpError):
    """The answer's content type (or shape) is not what the endpoint documents."""


class UnsafeUrlError(BadInputError):
    """A URL from outside (e.g. a search result) points at a scheme or address we never fetch."""


# ---- secrets ----------------------------------------------------------------------------


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret (longest first, so a key containing another is fully hidden)."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


_registered_secrets: set[str] = set()
_QUERY_KEY = re.compile(r"([?&](?:key|api_key|apikey|token|access_token)=)[^&\s\"']+", re.IGNORECASE)
# Libraries that log request URLs (with paths and queries) at DEBUG/INFO level.
_URL_LOGGERS = ("urllib3.connectionpool", "googleapiclient.discovery", "googleapiclient.http",
                "googleapiclient.model", "httplib2")


class _RedactingFilter(logging.Filter):
    """Rewrites records of URL-logging libraries so keys in paths or queries never reach a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        with _registry_lock:
            secrets = tuple(_registered_secrets)
        message = record.getMessage()
        cleaned = _QUERY_KEY.sub(r"\1" + REDACTED, redact(message, secrets))
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


_filter = _RedactingFilter()


def register_secrets(secrets: Iterable[str]) -> None:
    """Add secrets to the process-wide set redacted from third-party HTTP logging."""
    values = [s for s in secrets if s]
    with _registry_lock:
        _registered_secrets.update(values)
    for name in _URL_LOGGERS:
        target = logging.getLogger(name)
        if _filter not in target.filters:
            target.addFilter(_filter)


def display_url(url: str) -> str:
    """scheme://host/path: the query string is dropped because keys travel there (Google APIs)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


# ---- circuit breaker --------------------------------------------------------------------


class CircuitBreaker:
    """Closed → (N consecutive failures) → open for `cooldown_s` → half-open: one probe call;
    its success closes the circuit, its failure opens it again for a fresh cool-down."""

    def __init__(self, name: str, *, failures: int, cooldown_s: float, clock: Clock = time.monotonic) -> None:
        self.name = name
        self.threshold = failures
        self.cooldown_s = cooldown_s
        self.clock = clock
        self._lock = threading.Lock()
        self._consecutive = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> str:
        with self._lock:
            return self._state()

    def _state(self) -> str:
        if self._opened_at is None:
            return "closed"
        if self.clock() - self._opened_at < self.cooldown_s:
            return "open"
        return "half-open"

    def acquire(self) -> None:
        """Raise CircuitOpenError unless a call may go out now (a half-open circuit lets one probe through)."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return
            if state == "half-open" and not self._probing:
                self._probing = True
                return
            assert self._opened_at is not None
            wait = max(0.0, self.cooldown_s - (self.clock() - self._opened_at))
        why = "a probe call is in flight" if state == "half-open" else f"retrying in {wait:.0f} s"
        raise CircuitOpenError(f"{self.name} is skipped: its circuit is open after {self.threshold} consecutive "
                               f"failures ({why})", provider=self.name, attempts=0)

    def record_success(self) -> None:
        with self._lock:
            self._consecutive = 0
            self._opened_at = None
            self._probing = False

    def record_failure(self) -> None:
        with self._lock:
            self._consecutive += 1
            if self._probing or self._consecutive >= self.threshold:
                if self._opened_at is None or self._probing:
                    log.warning("%s: circuit opened after %d consecutive failures", self.name, self._consecutive)
                self._opened_at = self.clock()
            self._probing = False

    def release(self) -> None:
        """A call ended neither in success nor in a provider failure (e.g. a 400): let the next probe go."""
        with self._lock:
            self._probing = False




_breakers: dict[str, CircuitBreaker] = {}


def circuit_breaker(name: str, config: HttpConfig, *, clock: Clock = time.monotonic) -> CircuitBreaker:
    """The process-wide breaker of a provider: every client of that provider shares it."""
    with _registry_lock:
        breaker = _breakers.get(name)
        if breaker is None:
            breaker = _breakers[name] = CircuitBreaker(
                name, failures=config.breaker_failures, cooldown_s=config.breaker_cooldown_s, clock=clock)
        return breaker


def reset_circuit_breakers() -> None:
    """Forget every breaker (tests, benchmarks): the next client of each provider starts closed."""
    with _registry_lock:
        _breakers.clear()


# ---- the SSRF guard ---------------------------------------------------------------------

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
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local
                                 or ip.is_private or ip.is_unspecified)


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
                    (address, self.port), self.timeout, source_address=self.source_address,
                    socket_options=self.socket_options)
            except TimeoutError as err:
                raise ConnectTimeoutError(self, f"connection to {self.host} timed out") from err
            except OSError as err:
                last = err
        raise NewConnectionError(self, f"failed to connect to {self.host}: {last}")


class _GuardedHTTPSConnection(_GuardedConnection, HTTPSConnection):
    pass


class _GuardedAdapter(HTTPAdapter):
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


# ---- results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CallReport:
    """How a call went: attempts made, seconds waited between them, wall seconds in all."""

    attempts: int
    latency_s: float
    waits_s: tuple[float, ...] = ()


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    content: bytes
    url: str
    report: CallReport
    provider: str = ""

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    @property
    def attempts(self) -> int:
        return self.report.attempts

    @property
    def latency_s(self) -> float:
        return self.report.latency_s

    def json(self) -> Any:
        import json

        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError) as err:
            raise UnexpectedContentError(f"{self.provider}: answered malformed JSON ({type(err).__name__})",
                                         provider=self.provider,
                                         status=self.status, attempts=self.attempts, retryable=False) from None


@dataclass
class Failure(Exception):
    """One failed attempt as the retry loop sees it (raised by an attempt function)."""

    reason: str
    retryable: bool
    status: int | None = None
    retry_after_s: float | None = None
    counts_for_breaker: bool = True
    kind: type[HttpError] = HttpError


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


def status_failure(status: int, headers: Mapping[str, str]) -> Failure | None:
    """The policy's reading of an HTTP status: None for success, else a Failure saying whether to retry."""
    if status < 400:
        return None
    if status in RETRY_STATUSES or status >= 500:
        return Failure(f"answered {status}", retryable=True, status=status,
                       retry_after_s=parse_retry_after(headers.get("Retry-After")))
    return Failure(f"answered {status}", retryable=False, status=status,
                   counts_for_breaker=status in BREAKER_STATUSES)


# ---- the client -------------------------------------------------------------------------


class HttpClient:
    """One provider's HTTP calls under the policy. Thread-safe: scenes share one client.

    provider: the name used for the circuit breaker, logs and errors.
    config: timeouts, attempts, backoff, breaker and size cap (the `http:` section of providers.yaml).
    secrets: values to redact from logs and errors (API keys, tokens, account ids).
    url_guard: None for configured endpoints (trusted config); a UrlGuard for URLs from outside.
    sleep, clock, rng: injectable so tests neither sleep nor depend on chance.
    """

    def __init__(
        self,
        provider: str,
        config: HttpConfig | None = None,
        *,
        secrets: Sequence[str] = (),
        url_guard: UrlGuard | None = None,
        breaker: CircuitBreaker | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        rng: random.Random | None = None,
        pool_size: int = 16,
    ) -> None:
        self.provider = provider
        self.config = config or HttpConfig()
        self.secrets = tuple(s for s in secrets if s)
        register_secrets(self.secrets)
        self.url_guard = url_guard
        self.breaker = breaker or circuit_breaker(provider, self.config, clock=clock)
        self.sleep = sleep
        self.clock = clock
        self.rng = rng or random.Random()
        self.session = requests.Session()
        if url_guard is not None:
            # An environment proxy would make the connection to the proxy, not the checked address.
            self.session.trust_env = False
            adapter: HTTPAdapter = _GuardedAdapter(url_guard, max_retries=0, pool_maxsize=pool_size)
        else:
            adapter = HTTPAdapter(max_retries=0, pool_maxsize=pool_size)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    # -- the retry loop, usable by SDK calls too (e.g. googleapiclient's execute) --------------
    def call(self, describe: str, attempt: Callable[[], T]) -> tuple[T, CallReport]:
        """Run `attempt` under the policy. It returns a value, or raises Failure (classified)
        or anything else (not retried, not counted: e.g. UnsafeUrlError). `describe` is logged."""
        self.breaker.acquire()
        started = self.clock()
        waits: list[float] = []
        max_attempts = self.config.max_attempts
        for number in range(1, max_attempts + 1):
            try:
                value = attempt()
            except Failure as failure:
                reason = self._redact(failure.reason)
                wait = self._wait_before_retry(failure, number)
                last = number == max_attempts or wait is None
                log.log(logging.WARNING if last else logging.INFO, "%s: %s attempt %d/%d %s%s",
                        self.provider, self._redact(describe), number, max_attempts, reason,
                        "" if last else f"; retrying in {wait:.2f} s")
                if last:
                    if failure.counts_for_breaker:
                        self.breaker.record_failure()
                    else:
                        self.breaker.release()
                    gave_up = (f" (it asked to wait {failure.retry_after_s:.0f} s, over the "
                               f"{self.config.backoff_max_s:.0f} s cap)" if failure.retryable and number < max_attempts
                               else "")
                    raise failure.kind(
                        f"{self.provider}: {self._redact(describe)} {reason} after {number} "
                        f"attempt{'s' if number > 1 else ''}{gave_up}",
                        provider=self.provider, status=failure.status, attempts=number,
                        latency_s=self.clock() - started, retryable=failure.retryable) from None
                assert wait is not None
                waits.append(wait)
                self.sleep(wait)
            except BaseException:
                self.breaker.release()
                raise
            else:
                self.breaker.record_success()
                return value, CallReport(number, self.clock() - started, tuple(waits))
        raise AssertionError("unreachable")

    def _wait_before_retry(self, failure: Failure, number: int) -> float | None:
        """Seconds to wait before the next attempt, or None to stop now."""
        if not failure.retryable or number >= self.config.max_attempts:
            return None
        cap = self.config.backoff_max_s
        if failure.retry_after_s is not None:
            return failure.retry_after_s if failure.retry_after_s <= cap else None
        step = min(cap, self.config.backoff_base_s * 2 ** (number - 1))
        return step / 2 + self.rng.uniform(0, step / 2)  # "equal jitter": never zero, never over the step

    # -- plain HTTP ---------------------------------------------------------------------------
    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: bytes | None = None,
        params: Mapping[str, str] | None = None,
        expect: Sequence[str] = (),
        max_bytes: int | None = None,
    ) -> HttpResponse:
        """One call with retries. `expect`: accepted content-type prefixes (e.g. 'image/',
        'application/json'); anything else is an UnexpectedContentError. Redirects are not followed."""
        if self.url_guard is not None:
            self.url_guard.check_url(url)
        cap = max_bytes or self.config.max_response_bytes
        describe = f"{method} {display_url(url)}"

        def attempt() -> HttpResponse:
            return self._exchange(method, url, headers, json, data, params, expect, cap)

        response, report = self.call(describe, attempt)
        return HttpResponse(response.status, response.headers, response.content, response.url, report, self.provider)

    def _exchange(self, method: str, url: str, headers: Mapping[str, str] | None, json: Any, data: bytes | None,
                  params: Mapping[str, str] | None, expect: Sequence[str], cap: int) -> HttpResponse:
        timeout = (self.config.connect_timeout_s, self.config.read_timeout_s)
        deadline = time.monotonic() + self.config.connect_timeout_s + 2 * self.config.read_timeout_s
        try:
            with self.session.request(method, url, headers=dict(headers or {}), json=json, data=data, params=params,
                                      timeout=timeout, stream=True, allow_redirects=False) as answer:
                status, got = answer.status_code, dict(answer.headers)
                failure = status_failure(status, got)
                if failure is not None:
                    raise failure
                if 300 <= status < 400:
                    return HttpResponse(status, got, b"", url, CallReport(0, 0.0))
                content_type = got.get("Content-Type", "").split(";")[0].strip().lower()
                if expect and not any(content_type.startswith(e) for e in expect):
                    raise Failure(f"answered {content_type or 'no content type'}, expected {' or '.join(expect)}",
                                  retryable=False, status=status, kind=UnexpectedContentError)
                announced = int(got.get("Content-Length") or 0)
                if announced > cap:
                    raise Failure(f"announced {announced} bytes, over the {cap}-byte cap", retryable=False,
                                  status=status, counts_for_breaker=False, kind=ResponseTooLargeError)
                body = io.BytesIO()
                for chunk in answer.iter_content(64 * 1024):
                    body.write(chunk)
                    if body.tell() > cap:
                        raise Failure(f"sent more than the {cap}-byte cap", retryable=False, status=status,
                                      counts_for_breaker=False, kind=ResponseTooLargeError)
                    if time.monotonic() > deadline:
                        raise Failure("was still sending at the deadline", retryable=True, status=status)
                return HttpResponse(status, got, body.getvalue(), answer.url, CallReport(0, 0.0))
        except requests.exceptions.Timeout as err:
            raise Failure(f"timed out ({type(err).__name__})", retryable=True) from None
        except requests.exceptions.ChunkedEncodingError:
            raise Failure("sent a truncated body", retryable=True) from None
        except requests.exceptions.ConnectionError as err:
            raise Failure(f"connection failed ({type(err).__name__})", retryable=True) from None
        except requests.exceptions.InvalidURL:
            raise Failure("was given an invalid URL", retryable=False, counts_for_breaker=False) from None

    def _redact(self, text: str) -> str:
        return redact(text, self.secrets)


# ---- downloads of URLs from outside -----------------------------------------------------


@dataclass(frozen=True)
class Download:
    """An image fetched from an untrusted URL, checked by content type and by Pillow."""

    content: bytes
    content_type: str
    url: str
    width: int
    height: int
    redirects: list[str] = field(default_factory=list)
    attempts: int = 0
    latency_s: float = 0.0


def safe_download(url: str, client: HttpClient, *, max_redirects: int = 3, max_pixels: int = 40_000_000,
                  max_bytes: int | None = None) -> Download:
    """Fetch an image from a URL we did not choose, following redirects by hand so each hop
    is checked by the client's UrlGuard. The body must be image/* and decode with Pillow
    within `max_pixels` (decompression bombs are refused before decoding)."""
    started = time.monotonic()
    response, hops, attempts = safe_fetch(url, client, accept=("image/",), max_redirects=max_redirects,
                                          max_bytes=max_bytes)
    width, height = verify_image(response.content, max_pixels=max_pixels, provider=client.provider)
    return Download(response.content, response.content_type, response.url, width, height, hops, attempts,
                    time.monotonic() - started)


def safe_fetch(url: str, client: HttpClient, *, accept: Sequence[str], max_redirects: int = 3,
               max_bytes: int | None = None) -> tuple[HttpResponse, list[str], int]:
    """GET a URL we did not choose, following redirects by hand so each hop is checked by the client's
    UrlGuard; the body's content type must start with one of `accept` (e.g. 'video/').
    Returns (the final answer, the redirect hops, attempts in all)."""
    if client.url_guard is None:
        raise ValueError("safe_fetch needs an HttpClient built with a UrlGuard (untrusted URLs)")
    hops: list[str] = []
    attempts = 0
    current = url
    wanted = ", ".join(a.rstrip("/") + "/*" if a.endswith("/") else a for a in accept)
    for _ in range(max_redirects + 1):
        response = client.request("GET", current, headers={"Accept": wanted}, expect=tuple(accept),
                                  max_bytes=max_bytes)
        attempts += response.attempts
        if 300 <= response.status < 400:
            location = response.headers.get("Location")
            if not location:
                raise UnexpectedContentError(f"{display_url(current)} redirected without a Location",
                                             provider=client.provider, status=response.status, attempts=attempts)
            current = urljoin(current, location)
            hops.append(display_url(current))
            continue
        return replace(response, url=current), hops, attempts
    raise UnsafeUrlError(f"{display_url(url)} redirected more than {max_redirects} times")


def open_image(data: bytes, *, max_pixels: int, provider: str = "") -> Image.Image:
    """The decoded picture, if Pillow can verify and fully decode it; bombs are refused by header size first."""

    def bad(why: str) -> UnexpectedContentError:
        return UnexpectedContentError(f"{provider + ': ' if provider else ''}not a usable image: {why}",
                                      provider=provider, retryable=False)

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise bad(f"{width}x{height} is over the {max_pixels}-pixel limit")
            image.verify()  # structure and checksums, without decoding
        image = Image.open(io.BytesIO(data))
        image.load()  # a truncated or corrupt pixel stream only fails here
        return image
    except UnexpectedContentError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise bad(type(err).__name__) from None


def verify_image(data: bytes, *, max_pixels: int, provider: str = "") -> tuple[int, int]:
    """(width, height) of an image that passes `open_image`."""
    return open_image(data, max_pixels=max_pixels, provider=provider).size
