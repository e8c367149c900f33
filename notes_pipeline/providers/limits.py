"""Per-provider concurrency limits, as the fallback chains see them: hold a slot while calling.

The limit is about the provider, not about our steps: Dagster pools bound how many stage
steps run at once, but one step calls a provider for many scenes concurrently, and several
runs (and processes, and machines) share one account's rate limit. A SlotLimiter bounds
the calls in flight across all of them; the implementation lives with the database that
every process shares (`store/slots.py`).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Protocol


class SlotLimiter(Protocol):
    def hold(self, provider: str) -> AbstractContextManager[None]:
        """Wait for a free slot of `provider` and hold it for the block (no limit: returns at once).

        Raises when no slot frees up in time; the chain then treats the provider as failed."""
        ...


def slot(limiter: SlotLimiter | None, provider: str) -> AbstractContextManager[None]:
    """`limiter.hold(provider)`, or nothing to hold when no limiter is configured."""
    return limiter.hold(provider) if limiter is not None else nullcontext()
