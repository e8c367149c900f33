"""Run one piece of work per scene, concurrently, each scene failing on its own.

Scenes are independent: a scene whose provider fails is reported alone, and the others are
neither redone nor held back by it. Nothing here calls a scene's work twice: the HTTP policy
(providers/http/) is the one retry owner of a provider call, and the provider chains degrade
a scene (fallback provider, slide) before its work ever fails.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from notes_pipeline.domain.errors import BadInputError, PipelineError
from notes_pipeline.domain.models import Scene

T = TypeVar("T")


def run_per_scene(
    work: Callable[[Scene], T],
    scenes: Sequence[Scene],
    *,
    what: str,
    workers: int,
    on_done: Callable[[Scene, T], None] | None = None,
    on_failed: Callable[[Scene, BaseException], None] | None = None,
) -> list[T]:
    """Results in scene order; raises one PipelineError naming every scene that failed."""
    results: dict[int, T] = {}
    failures: dict[int, BaseException] = {}

    def run(scene: Scene) -> None:
        try:
            results[scene.index] = work(scene)
        except Exception as err:  # noqa: BLE001 - collected and reported per scene below
            failures[scene.index] = err
            if on_failed is not None:
                on_failed(scene, err)
            return
        if on_done is not None:
            on_done(scene, results[scene.index])

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(scenes))), thread_name_prefix=what) as pool:
        list(pool.map(run, scenes))

    if failures:
        detail = "; ".join(f"scene {i}: {failures[i]}" for i in sorted(failures))
        error_cls = BadInputError if all(isinstance(e, BadInputError) for e in failures.values()) else PipelineError
        raise error_cls(f"{len(failures)} of {len(scenes)} scenes failed {what}: {detail}")
    return [results[s.index] for s in scenes]
