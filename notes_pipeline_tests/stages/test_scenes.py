import threading
import time

import pytest

from notes_pipeline.domain.errors import BadInputError, PipelineError
from notes_pipeline.domain.models import Scene
from notes_pipeline.stages.scenes import run_per_scene

SCENES = [Scene(index=i, heading=f"h{i}", narration=f"n{i}") for i in range(1, 7)]


def test_scenes_run_concurrently_and_results_keep_scene_order():
    in_flight, peak, lock = 0, 0, threading.Lock()

    def work(scene: Scene) -> int:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.05 * (7 - scene.index))  # later scenes finish first
        with lock:
            in_flight -= 1
        return scene.index

    assert run_per_scene(work, SCENES, what="test", workers=3) == [1, 2, 3, 4, 5, 6]
    assert peak == 3


def test_failures_name_every_failed_scene_and_no_scene_is_called_twice():
    """The HTTP policy is the one retry owner of a provider call: a failed scene is not re-called here."""
    calls: dict[int, int] = {}
    done: list[int] = []

    def work(scene: Scene) -> int:
        calls[scene.index] = calls.get(scene.index, 0) + 1
        if scene.index == 2:
            raise BadInputError("no voice for 'xx'")
        if scene.index == 5:
            raise PipelineError("timeout")
        return scene.index

    with pytest.raises(PipelineError) as err:
        run_per_scene(work, SCENES, what="narration", workers=2, on_done=lambda s, r: done.append(r))
    assert "2 of 6 scenes failed narration" in str(err.value)
    assert "scene 2: no voice for 'xx'" in str(err.value) and "scene 5: timeout" in str(err.value)
    assert err.value.retryable and calls == {i: 1 for i in range(1, 7)}
    assert sorted(done) == [1, 3, 4, 6]
