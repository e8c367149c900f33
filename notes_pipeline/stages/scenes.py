"""Run one piece of work per scene, concurrently, retrying each scene on its own.

Scenes are independent: a scene whose provider hiccups is retried alone with backoff, and
the others are neither redone nor held back by it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from notes_pipeline.domain.errors import BadInputError, PipelineError
from notes_pipeline.domain.models import Scene

T = TypeVar("T")


def _attempt(work: Callable[[Scene], T], scene: Scene, attempts: int, backoff_s: float) -> T:
    for attempt in range(1, attempts + 1):
        try:
            return work(scene)
        except BadInputError:
            raise
        except Exception:
            if attempt == attempts:
                raise
            time.sleep(backoff_s * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable")


def run_per_scene(
    work: Callable[[Scene], T],
    scenes: Sequence[Scene],
    *,
    what: str,
    workers: int,
    attempts: int = 3,
    backoff_s: float = 0.2,
    on_done: Callable[[Scene, T], None] | None = None,
    on_failed: Callable[[Scene, BaseException], None] | None = None,
) -> list[T]:
    """Results in scene order; raises one PipelineError naming every scene that still failed."""
    results: dict[int, T] = {}
    failures: dict[int, BaseException] = {}

    def run(scene: Scene) -> None:
        try:
            results[scene.index] = _attempt(work, scene, attempts, backoff_s)
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
        raise error_cls(f"{len(failures)} of {len(scenes)} scenes failed {what} after {attempts} attempts: {detail}")
    return [results[s.index] for s in scenes]
