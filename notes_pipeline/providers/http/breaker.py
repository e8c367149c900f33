"""A circuit breaker per provider, shared by the whole process: after N consecutive failed calls the
provider is skipped for a cool-down (the next provider in the chain answers), then one probe call decides."""

from __future__ import annotations

import logging
import threading
import time

from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.http.errors import CircuitOpenError
from notes_pipeline.providers.http.retry import Clock

log = logging.getLogger(__name__)


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
        raise CircuitOpenError(
            f"{self.name} is skipped: its circuit is open after {self.threshold} consecutive failures ({why})",
            provider=self.name,
            attempts=0,
        )

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


_breakers_lock = threading.Lock()
_breakers: dict[str, CircuitBreaker] = {}


def circuit_breaker(name: str, config: HttpConfig, *, clock: Clock = time.monotonic) -> CircuitBreaker:
    """The process-wide breaker of a provider: every client of that provider shares it."""
    with _breakers_lock:
        breaker = _breakers.get(name)
        if breaker is None:
            breaker = _breakers[name] = CircuitBreaker(
                name, failures=config.breaker_failures, cooldown_s=config.breaker_cooldown_s, clock=clock
            )
        return breaker


def reset_circuit_breakers() -> None:
    """Forget every breaker (tests, benchmarks): the next client of each provider starts closed."""
    with _breakers_lock:
        _breakers.clear()
