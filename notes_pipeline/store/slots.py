"""Provider slots as Postgres advisory locks: N per provider, shared by every process on the database.

A call takes one of its provider's N session-level advisory locks (`pg_try_advisory_lock`
over keys (provider, 0..N-1)) and releases it when it returns. Postgres holds the count,
so the limit is the same for threads, runs, processes and machines; a process that dies
loses its session and with it its slots, so a crash never leaks a slot. Waiting is polling
with jitter (a free slot is found within ~0.25 s); the lock key space is our own (two-int
keys under a namespace derived from the provider's name), apart from the migration lock.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from psycopg_pool import ConnectionPool

from notes_pipeline.domain.errors import PipelineError

log = logging.getLogger(__name__)


class ProviderBusyError(PipelineError):
    """Every slot of a provider stayed taken for the whole wait: the chain moves to the next provider."""


def lock_namespace(provider: str) -> int:
    """A stable signed 32-bit key for the provider (the first half of each slot's lock key)."""
    value = zlib.crc32(f"notes_pipeline.provider_slots:{provider}".encode())
    return value - 2**32 if value >= 2**31 else value


class ProviderSlots:
    """A SlotLimiter over the database at `url` (resolved on first use, so offline runs never connect)."""

    def __init__(
        self,
        url: str | Callable[[], str],
        limits: Mapping[str, int],
        *,
        wait_s: float = 300,
        poll_s: tuple[float, float] = (0.02, 0.25),
    ) -> None:
        self.limits = {name: int(limit) for name, limit in limits.items() if limit}
        self.wait_s, self.poll_s = wait_s, poll_s
        self._url = url
        self._pool: ConnectionPool | None = None
        self._lock = threading.Lock()

    def _connections(self) -> ConnectionPool:
        with self._lock:
            if self._pool is None:
                url = self._url() if callable(self._url) else self._url
                # One connection per slot this process can hold, plus a few for waiters' tries.
                size = sum(self.limits.values()) + 4
                self._pool = ConnectionPool(
                    url, min_size=0, max_size=size, open=True, timeout=30, kwargs={"autocommit": True}
                )
            return self._pool

    @contextmanager
    def hold(self, provider: str) -> Iterator[None]:
        limit = self.limits.get(provider)
        if not limit:
            yield
            return
        pool = self._connections()
        namespace = lock_namespace(provider)
        deadline = time.monotonic() + self.wait_s
        while True:
            conn = pool.getconn()
            taken = self._try(conn, namespace, limit)
            if taken is not None:
                break
            pool.putconn(conn)
            if time.monotonic() > deadline:
                raise ProviderBusyError(f"{provider}: all {limit} slots stayed busy for {self.wait_s:.0f} s")
            time.sleep(random.uniform(*self.poll_s))
        try:
            yield
        finally:
            try:
                conn.execute("SELECT pg_advisory_unlock(%s, %s)", (namespace, taken))
            except Exception as err:  # noqa: BLE001 - a lost session released its locks already
                log.warning(
                    "%s: releasing slot %d failed (%s); the session's locks go with it",
                    provider,
                    taken,
                    type(err).__name__,
                )
                conn.close()
            pool.putconn(conn)

    @staticmethod
    def _try(conn, namespace: int, limit: int) -> int | None:
        """The slot this session took, or None when all are taken (tried from a random start)."""
        start = random.randrange(limit)
        for offset in range(limit):
            candidate = (start + offset) % limit
            if conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (namespace, candidate)).fetchone()[0]:
                return candidate
        return None

    def in_use(self, provider: str) -> int:
        """Slots of `provider` held right now by any session on this database (for status and tests)."""
        with self._connections().connection() as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = %s::oid "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND objsubid = 2",
                (lock_namespace(provider) % 2**32,),
            ).fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None


_shared: dict[tuple, ProviderSlots] = {}
_shared_lock = threading.Lock()


def provider_slots(url: str | None, limits: Mapping[str, int], *, wait_s: float = 300) -> ProviderSlots:
    """The process's limiter for this database and these limits (its pool is shared by every stage).

    `url` None or empty: NOTES_PIPELINE_DATABASE_URL, else the embedded database, resolved on first use."""
    from notes_pipeline.store.db import resolve_url

    key = (url or "", tuple(sorted(limits.items())), wait_s)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = ProviderSlots(lambda: resolve_url(url or None), limits, wait_s=wait_s)
        return _shared[key]
