"""A bounded queue drained by one daemon thread: how slow receivers are kept off the pipeline's path.

`submit` never blocks and never raises: when the queue is full the item is dropped with a
warning (a receiver that is down must not grow memory without bound or stall a stage).
At interpreter exit every queue gets a short, shared drain window, so the last events of a
step process are still delivered when the receiver is healthy, and a hanging receiver
delays the exit by at most that window.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
EXIT_DRAIN_S = 2.0
_STOP = object()
_live: weakref.WeakSet[BackgroundQueue] = weakref.WeakSet()
_live_lock = threading.Lock()


class BackgroundQueue(Generic[T]):
    """Items are handed to `handle` in batches (up to `max_batch`, gathered for `batch_window_s`).

    `handle` runs on the worker thread only; whatever it raises is logged, never propagated.
    """

    def __init__(
        self,
        name: str,
        handle: Callable[[list[T]], None],
        *,
        maxsize: int = 1000,
        max_batch: int = 1,
        batch_window_s: float = 0.0,
    ) -> None:
        self.name = name
        self._handle = handle
        self._queue: queue.Queue[object] = queue.Queue(maxsize=maxsize)
        self.max_batch = max(1, max_batch)
        self.batch_window_s = batch_window_s
        self.dropped = 0
        self._unfinished = 0
        self._idle = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"{name}-sender", daemon=True)
        self._thread.start()
        with _live_lock:
            _live.add(self)

    def submit(self, item: T) -> bool:
        """Queue the item; False (and a warning) when the queue is full or closed."""
        if self._closed:
            return False
        with self._idle:
            self._unfinished += 1
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self._done(1)
            self.dropped += 1
            log.warning("%s: queue full (%d waiting), an event was dropped", self.name, self._queue.maxsize)
            return False
        return True

    @property
    def pending(self) -> int:
        """Items submitted and not yet handled (queued or in the current batch)."""
        with self._idle:
            return self._unfinished

    def drain(self, timeout_s: float) -> bool:
        """Wait until everything submitted so far was handled; False if the time ran out first."""
        deadline = time.monotonic() + timeout_s
        with self._idle:
            while self._unfinished:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def close(self, timeout_s: float = 0.0) -> bool:
        """Stop accepting items, give the queue `timeout_s` to drain, then stop the worker.

        Items still queued after that are dropped (with one warning saying how many)."""
        if self._closed:
            return True
        drained = self.drain(timeout_s)
        self._closed = True
        discarded = 0
        while True:  # what is still queued will not be sent: the worker stops after its current item
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
            discarded += 1
        if discarded:
            self._done(discarded)
            self.dropped += discarded
            log.warning("%s: %d event(s) not delivered before shutdown were dropped", self.name, discarded)
        try:
            self._queue.put_nowait(_STOP)
        except queue.Full:
            pass  # a submit raced the close: the daemon thread ends with the process
        return drained

    def _done(self, count: int) -> None:
        with self._idle:
            self._unfinished -= count
            if not self._unfinished:
                self._idle.notify_all()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch: list[T] = [first]  # type: ignore[list-item]
            deadline = time.monotonic() + self.batch_window_s
            stop = False
            while len(batch) < self.max_batch:
                try:
                    item = (
                        self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                        if self.batch_window_s
                        else self._queue.get_nowait()
                    )
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)  # type: ignore[arg-type]
            try:
                self._handle(batch)
            except Exception as err:  # noqa: BLE001 - a receiver's failure must never reach the pipeline
                # No traceback: its frames could hold a URL or key; handlers raise redacted errors.
                log.warning("%s: handling %d event(s) failed: %s: %s", self.name, len(batch), type(err).__name__, err)
            finally:
                self._done(len(batch))
            if stop:
                return


def _drain_all_at_exit() -> None:
    deadline = time.monotonic() + EXIT_DRAIN_S
    with _live_lock:
        queues = list(_live)
    for background in queues:
        background.close(max(0.0, deadline - time.monotonic()))


atexit.register(_drain_all_at_exit)
