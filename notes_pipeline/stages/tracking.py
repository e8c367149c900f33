"""Per-scene bookkeeping in the product database while a stage runs.

A stage claims a scene's task before it pays a provider (so two workers never make the
same scene), and records what it made (provider, attempts, latency, cache hit) or why it
failed. Stages take a tracker optionally: without one they run exactly the same, which is
how the plain-function tests and benchmarks use them.

A claim is bound to the claiming process's database session (store/holder.py): when the
process dies, Postgres ends its session and the scene is free for the next run at once. A
run that finds a scene claimed by a live run waits for it (bounded, with progress logged)
and then takes that run's result from the cache. Attempts count provider calls actually
made: a cache hit is none, a claim is none, a failed call and its retries are counted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from notes_pipeline.domain.models import Scene
from notes_pipeline.providers.audit.base import WorkflowEvents
from notes_pipeline.store.state import AssetRecord, SceneBusyError, StateStore, TaskKind

log = logging.getLogger(__name__)

# How long a run waits for another live run to finish a scene before giving up on it.
WAIT_FOR_HOLDER_S = 15 * 60
_POLL_S = 0.25
_PROGRESS_EVERY_S = 10.0
# The stage each kind of scene task belongs to, as events name it.
TASK_STAGES: dict[str, str] = {"audio": "scene_narration", "image": "scene_images"}

T = TypeVar("T")


class SceneTracker:
    def __init__(
        self,
        state: StateStore,
        project_id: str,
        kind: TaskKind,
        *,
        worker: str,
        run_id: str | None = None,
        wait_s: float = WAIT_FOR_HOLDER_S,
        events: WorkflowEvents | None = None,
    ) -> None:
        self.state, self.project_id, self.kind = state, project_id, kind
        self.worker, self.run_id, self.wait_s = worker, run_id, wait_s
        self.events = events
        self._failed_attempts: dict[int, int] = {}
        self._lock = threading.Lock()

    def prepare(self, scene_indexes: Sequence[int]) -> None:
        """Open this stage's tasks for claiming (tasks a live process is making stay with it)."""
        self.state.prepare_tasks(self.project_id, self.kind, scene_indexes)

    def claim(self, scene_index: int) -> bool:
        """True once this run holds the scene. When a live run holds it, wait until that run lets go
        and return False: the caller then looks for that run's result before claiming again."""
        if self.state.claim(self.project_id, scene_index, self.kind, self.worker):
            return True
        self._wait_for_holder(scene_index)
        return False

    def _wait_for_holder(self, scene_index: int) -> None:
        started = last_said = time.monotonic()
        what = f"scene {scene_index}'s {self.kind}"
        while True:
            holder = self.state.task_holder(self.project_id, scene_index, self.kind)
            if holder is None or holder.status != "running" or not holder.holder_alive:
                return
            waited = time.monotonic() - started
            if waited >= self.wait_s:
                raise SceneBusyError(
                    f"{what} is still being made by run {holder.worker} after {waited:.0f}s of waiting; "
                    "run again once that run has ended",
                    doc_id=self.project_id,
                    stage=TASK_STAGES[self.kind],
                )
            if time.monotonic() - last_said >= _PROGRESS_EVERY_S:
                log.info(
                    "%s %s is being made by run %s: waiting for it (%.0fs so far)",
                    self.project_id,
                    what,
                    holder.worker,
                    waited,
                )
                last_said = time.monotonic()
            time.sleep(_POLL_S)

    def attempt_failed(self, scene_index: int, error: BaseException) -> None:
        """Count the provider calls of a failed attempt (an error may say how many it made)."""
        with self._lock:
            self._failed_attempts[scene_index] = self._failed_attempts.get(scene_index, 0) + int(
                getattr(error, "attempts", 1)
            )

    def _spent(self, scene_index: int) -> int:
        with self._lock:
            return self._failed_attempts.pop(scene_index, 0)

    def succeeded(self, scene_index: int, record: AssetRecord) -> None:
        attempts = self._spent(scene_index) + (record.attempts if record.cache_hit == "none" else 0)
        # A cache hit never claimed the task: claim it now so the finish is ours to write.
        self.state.claim(self.project_id, scene_index, self.kind, self.worker)
        self.state.finish(
            self.project_id,
            scene_index,
            self.kind,
            self.worker,
            succeeded=True,
            attempts=attempts,
            input_hash=record.content_hash,
        )
        self.state.record_asset(record.model_copy(update={"run_id": self.run_id, "attempts": attempts}))
        if self.events is not None:
            self.events.scene_finished(
                TASK_STAGES[self.kind],
                scene_index,
                task=self.kind,
                provider=record.provider,
                cache_hit=record.cache_hit,
                attempts=attempts,
                latency_ms=record.provider_latency_ms,
            )

    def failed_scene(self, scene: Scene, error: BaseException) -> None:
        """Record a scene that still failed after its retries (the shape run_per_scene calls back with)."""
        self.state.claim(self.project_id, scene.index, self.kind, self.worker)
        self.state.finish(
            self.project_id,
            scene.index,
            self.kind,
            self.worker,
            succeeded=False,
            attempts=self._spent(scene.index),
            error=error,
        )
        if self.events is not None:
            self.events.scene_finished(TASK_STAGES[self.kind], scene.index, error=error, task=self.kind)


def cached_or_claimed(tracker: SceneTracker | None, scene_index: int, cached: Callable[[], T | None]) -> T | None:
    """The scene's cached result, or None once this run may make it (holding its claim, with a tracker).

    A scene another live run is making is waited for, then taken from the cache when that run made it."""
    hit = cached()
    while hit is None and tracker is not None and not tracker.claim(scene_index):
        hit = cached()
    return hit


@contextmanager
def provider_attempt(tracker: SceneTracker | None, scene_index: int) -> Iterator[None]:
    """Around one provider call: a failure's calls are counted (a success reports its own)."""
    try:
        yield
    except Exception as err:
        if tracker is not None:
            tracker.attempt_failed(scene_index, err)
        raise
