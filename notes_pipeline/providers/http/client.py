"""The client loop: one provider's calls with explicit timeouts, a deadline, a size cap, retries with
backoff and jitter, and the provider's circuit breaker.

Every call returns (or its error carries) the attempts made and the latency, which the stages record per
artefact. Secrets given to a client are redacted from its log lines and errors; query strings are never logged.
"""

from __future__ import annotations

import io
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.http.breaker import CircuitBreaker, circuit_breaker
from notes_pipeline.providers.http.errors import (
    ResponseTooLargeError,
    UnexpectedContentError,
    display_url,
    redact,
    register_secrets,
)
from notes_pipeline.providers.http.retry import Clock, Failure, Sleep, status_failure
from notes_pipeline.providers.http.ssrf import GuardedAdapter, UrlGuard

log = logging.getLogger(__name__)

T = TypeVar("T")


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
            raise UnexpectedContentError(
                f"{self.provider}: answered malformed JSON ({type(err).__name__})",
                provider=self.provider,
                status=self.status,
                attempts=self.attempts,
                retryable=False,
            ) from None


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
            adapter: HTTPAdapter = GuardedAdapter(url_guard, max_retries=0, pool_maxsize=pool_size)
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
                log.log(
                    logging.WARNING if last else logging.INFO,
                    "%s: %s attempt %d/%d %s%s",
                    self.provider,
                    self._redact(describe),
                    number,
                    max_attempts,
                    reason,
                    "" if last else f"; retrying in {wait:.2f} s",
                )
                if last:
                    if failure.counts_for_breaker:
                        self.breaker.record_failure()
                    else:
                        self.breaker.release()
                    gave_up = (
                        f" (it asked to wait {failure.retry_after_s:.0f} s, over the "
                        f"{self.config.backoff_max_s:.0f} s cap)"
                        if failure.retryable and number < max_attempts
                        else ""
                    )
                    raise failure.kind(
                        f"{self.provider}: {self._redact(describe)} {reason} after {number} "
                        f"attempt{'s' if number > 1 else ''}{gave_up}",
                        provider=self.provider,
                        status=failure.status,
                        attempts=number,
                        latency_s=self.clock() - started,
                        retryable=failure.retryable,
                    ) from None
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

    def _exchange(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        json: Any,
        data: bytes | None,
        params: Mapping[str, str] | None,
        expect: Sequence[str],
        cap: int,
    ) -> HttpResponse:
        timeout = (self.config.connect_timeout_s, self.config.read_timeout_s)
        deadline = time.monotonic() + self.config.connect_timeout_s + 2 * self.config.read_timeout_s
        try:
            with self.session.request(
                method,
                url,
                headers=dict(headers or {}),
                json=json,
                data=data,
                params=params,
                timeout=timeout,
                stream=True,
                allow_redirects=False,
            ) as answer:
                # A copy that stays case-insensitive: proxies and HTTP/2 gateways send names in lower case.
                status, got = answer.status_code, CaseInsensitiveDict(answer.headers)
                failure = status_failure(status, got)
                if failure is not None:
                    raise failure
                if 300 <= status < 400:
                    return HttpResponse(status, got, b"", url, CallReport(0, 0.0))
                content_type = got.get("Content-Type", "").split(";")[0].strip().lower()
                if expect and not any(content_type.startswith(e) for e in expect):
                    raise Failure(
                        f"answered {content_type or 'no content type'}, expected {' or '.join(expect)}",
                        retryable=False,
                        status=status,
                        kind=UnexpectedContentError,
                    )
                announced = int(got.get("Content-Length") or 0)
                if announced > cap:
                    raise Failure(
                        f"announced {announced} bytes, over the {cap}-byte cap",
                        retryable=False,
                        status=status,
                        counts_for_breaker=False,
                        kind=ResponseTooLargeError,
                    )
                body = io.BytesIO()
                for chunk in answer.iter_content(64 * 1024):
                    body.write(chunk)
                    if body.tell() > cap:
                        raise Failure(
                            f"sent more than the {cap}-byte cap",
                            retryable=False,
                            status=status,
                            counts_for_breaker=False,
                            kind=ResponseTooLargeError,
                        )
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
