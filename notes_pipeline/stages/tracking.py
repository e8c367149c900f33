"""Per-scene bookkeeping in the product database while a stage runs.

A stage claims a scene's task before it pays a provider (so two workers never make the
same scene), and records what it made (provider, attempts, latency, cache hit) or why it
failed. Stages take a tracker optionally: without one they run exactly the same, which is
how the plain-function tests and benchmarks use them.

While a worker holds claims, a heartbeat thread touches them every quarter of the stale
period (at most every minute), so a long provider call keeps its scene; a worker that dies
stops beating, and after `stale_after_s` its scenes are claimable by the next run
(`prepare`). The thread ends as soon as the last claimed scene is finished.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from notes_pipeline.domain.models import Scene
from notes_pipeline.providers.audit.base import WorkflowEvents
from notes_pipeline.store.state import AssetRecord, SceneBusyError, StateStore, TaskKind

log = logging.getLogger(__name__)

# A claimed task whose worker has not touched it for this long is taken to be abandoned.
STALE_AFTER_S = 5 * 60
# The stage each kind of scene task belongs to, as events name it.
TASK_STAGES: dict[str, str] = {"audio": "scene_narration", "image": "scene_images"}


class SceneTracker:
    def __init__(self, state: StateStore, project_id: str, kind: TaskKind, *, worker: str,
                 run_id: str | None = None, stale_after_s: float = STALE_AFTER_S,
                 events: WorkflowEvents | None = None) -> None:
        self.state, self.project_id, self.kind = state, project_id, kind
        self.worker, self.run_id, self.stale_after_s = worker, run_id, stale_after_s
        self.events = events
        self._heartbeat = _Heartbeat(self, interval_s=max(0.2, min(60.0, stale_after_s / 4)))

    def prepare(self, scene_indexes: Sequence[int]) -> None:
        """Open this stage's tasks for claiming (tasks a live worker holds stay with it)."""
        self.state.prepare_tasks(self.project_id, self.kind, scene_indexes, stale_after_s=self.stale_after_s)

    def claim(self, scene_index: int) -> None:
        if not self.state.claim(self.project_id, scene_index, self.kind, self.worker):
            raise SceneBusyError(
                f"scene {scene_index}'s {self.kind} is being made by another run; "
                "a retry will reuse its result from the cache"
            )
        self._heartbeat.hold(scene_index)

    def succeeded(self, scene_index: int, record: AssetRecord) -> None:
        # A cache hit never claimed the task: claim it now so the finish is ours to write.
        try:
            self.state.claim(self.project_id, scene_index, self.kind, self.worker)
            self.state.finish(self.project_id, scene_index, self.kind, self.worker, succeeded=True,
                              input_hash=record.content_hash)
            self.state.record_asset(record.model_copy(update={"run_id": self.run_id}))
        finally:
            self._heartbeat.release(scene_index)
        if self.events is not None:
            self.events.scene_finished(TASK_STAGES[self.kind], scene_index, task=self.kind, provider=record.provider,
                                       cache_hit=record.cache_hit, attempts=record.attempts,
                                       latency_ms=record.provider_latency_ms)

    def failed_scene(self, scene: Scene, error: BaseException) -> None:
        """Record a scene that still failed after its retries (the shape run_per_scene calls back with)."""
        try:
            self.state.claim(self.project_id, scene.index, self.kind, self.worker)
            self.state.finish(self.project_id, scene.index, self.kind, self.worker, succeeded=False, error=error)
        finally:
            self._heartbeat.release(scene.index)
        if self.events is not None:
            self.events.scene_finished(TASK_STAGES[self.kind], scene.index, error=error, task=self.kind)


class _Heartbeat:
    """One daemon thread per tracker, alive exactly while its worker holds claimed scenes."""

    def __init__(self, tracker: SceneTracker, *, interval_s: float) -> None:
        self.tracker, self.interval_s = tracker, interval_s
        self._lock = threading.Lock()
        self._held: set[int] = set()
        self._released = threading.Event()
        self._thread: threading.Thread | None = None
        self.beats = 0

    def hold(self, scene_index: int) -> None:
        with self._lock:
            self._held.add(scene_index)
            if self._thread is None:
                self._released.clear()
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name=f"heartbeat-{self.tracker.kind}-{self.tracker.project_id}")
                self._thread.start()

    def release(self, scene_index: int) -> None:
        with self._lock:
            self._held.discard(scene_index)
            if not self._held:
                self._released.set()  # wakes the thread at once, so it ends with the stage's last scene

    def _run(self) -> None:
        tracker = self.tracker
        while True:
            self._released.wait(self.interval_s)
            with self._lock:
                if not self._held:
                    self._thread = None
                    return
                self._released.clear()
            try:
                tracker.state.heartbeat(tracker.project_id, tracker.kind, tracker.worker)
            except Exception as err:  # noqa: BLE001 - a missed beat is retried next interval
                log.debug("heartbeat of %s %s failed: %s", tracker.project_id, tracker.kind, err)
                continue
            self.beats += 1
