"""Per-scene bookkeeping in the product database while a stage runs.

A stage claims a scene's task before it pays a provider (so two workers never make the
same scene), and records what it made (provider, attempts, latency, cache hit) or why it
failed. Stages take a tracker optionally: without one they run exactly the same, which is
how the plain-function tests and benchmarks use them.
"""

from __future__ import annotations

from collections.abc import Sequence

from notes_pipeline.domain.models import Scene
from notes_pipeline.store.state import AssetRecord, SceneBusyError, StateStore, TaskKind

# A claimed task whose worker has not touched it for this long is taken to be abandoned.
STALE_AFTER_S = 15 * 60


class SceneTracker:
    def __init__(self, state: StateStore, project_id: str, kind: TaskKind, *, worker: str,
                 run_id: str | None = None, stale_after_s: float = STALE_AFTER_S) -> None:
        self.state, self.project_id, self.kind = state, project_id, kind
        self.worker, self.run_id, self.stale_after_s = worker, run_id, stale_after_s

    def prepare(self, scene_indexes: Sequence[int]) -> None:
        """Open this stage's tasks for claiming (tasks a live worker holds stay with it)."""
        self.state.prepare_tasks(self.project_id, self.kind, scene_indexes, stale_after_s=self.stale_after_s)

    def claim(self, scene_index: int) -> None:
        if not self.state.claim(self.project_id, scene_index, self.kind, self.worker):
            raise SceneBusyError(
                f"scene {scene_index}'s {self.kind} is being made by another run; "
                "a retry will reuse its result from the cache"
            )

    def succeeded(self, scene_index: int, record: AssetRecord) -> None:
        # A cache hit never claimed the task: claim it now so the finish is ours to write.
        self.state.claim(self.project_id, scene_index, self.kind, self.worker)
        self.state.finish(self.project_id, scene_index, self.kind, self.worker, succeeded=True,
                          input_hash=record.content_hash)
        self.state.record_asset(record.model_copy(update={"run_id": self.run_id}))

    def failed_scene(self, scene: Scene, error: BaseException) -> None:
        """Record a scene that still failed after its retries (the shape run_per_scene calls back with)."""
        self.state.claim(self.project_id, scene.index, self.kind, self.worker)
        self.state.finish(self.project_id, scene.index, self.kind, self.worker, succeeded=False, error=error)
