"""Scene claims under heartbeats: a live worker keeps its scene through a long call, a dead one loses it."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from notes_pipeline.domain.models import Scene, Script, SourceRecord
from notes_pipeline.stages.tracking import SceneTracker
from notes_pipeline.store.db import Database
from notes_pipeline.store.state import AssetRecord, SceneBusyError, StateStore

STALE_S = 1.0
CLAIM_AND_DIE = ("import sys, time\n"
                 "from notes_pipeline.store.db import Database\n"
                 "from notes_pipeline.store.state import StateStore\n"
                 "from notes_pipeline.stages.tracking import SceneTracker\n"
                 "tracker = SceneTracker(StateStore(Database(sys.argv[1])), 'doc', 'audio', worker='crashed-run',\n"
                 "                       stale_after_s=float(sys.argv[2]))\n"
                 "tracker.prepare([1, 2, 3])\n"
                 "tracker.claim(2)\n"
                 "print('claimed', flush=True)\n"
                 "time.sleep(120)  # a provider call that never returns: the process is killed here\n")


@pytest.fixture
def state(database: Database) -> StateStore:
    store = StateStore(database)
    store.register_project(SourceRecord(doc_id="doc", source_key="inbox/doc.md", source_name="doc.md",
                                        content_hash="a" * 64, size_bytes=10, copy_key=None,
                                        registered_at="2026-11-23T00:00:00+00:00"))
    store.sync_scenes("doc", Script(title="T", summary="S", language="en", writer="local", scenes=[
        Scene(index=i, heading=f"H{i}", narration=f"Scene {i} narration.") for i in (1, 2, 3)]))
    return store


def _tracker(state: StateStore, worker: str) -> SceneTracker:
    tracker = SceneTracker(state, "doc", "audio", worker=worker, run_id=worker, stale_after_s=STALE_S)
    tracker.prepare([1, 2, 3])
    return tracker


def _heartbeat_at(state: StateStore, scene: int):
    with state.db.connection() as conn:
        return conn.execute("SELECT heartbeat_at FROM scene_tasks WHERE project_id = 'doc' AND kind = 'audio' "
                            "AND sequence_number = %s", (scene,)).fetchone()["heartbeat_at"]


def test_a_long_call_keeps_its_scene_and_the_heartbeat_stops_with_the_last_scene(state: StateStore) -> None:
    slow = _tracker(state, "run-slow")
    slow.claim(1)
    first_beat = _heartbeat_at(state, 1)
    time.sleep(3 * STALE_S)  # the provider call takes three stale periods
    assert _heartbeat_at(state, 1) > first_beat and slow._heartbeat.beats >= 4
    other = _tracker(state, "run-other")  # prepare runs again: the live claim must survive it
    with pytest.raises(SceneBusyError):
        other.claim(1)
    slow.succeeded(1, AssetRecord(project_id="doc", asset_type="audio", object_key="k", sequence_number=1))
    deadline = time.monotonic() + 2
    while slow._heartbeat._thread is not None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert slow._heartbeat._thread is None  # ended at once, not one interval later


def test_a_worker_that_stopped_heart_beating_loses_its_scene_to_the_next_run(state: StateStore) -> None:
    child = subprocess.Popen([sys.executable, "-c", CLAIM_AND_DIE, state.db.url, str(STALE_S)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "claimed"
        time.sleep(2 * STALE_S)  # alive and beating: still its scene
        with pytest.raises(SceneBusyError):
            _tracker(state, "next-run").claim(2)
    finally:
        child.kill()
        child.wait(timeout=10)
    time.sleep(STALE_S + 0.5)  # no beat since the kill for longer than the stale period
    _tracker(state, "next-run").claim(2)
    progress = {p.sequence_number: p for p in state.progress("doc")}
    assert progress[2].audio_status == "running" and progress[2].retry_count == 1


def test_a_retry_of_the_same_workflow_takes_its_scene_over_at_once(state: StateStore) -> None:
    crashed = _tracker(state, "workflow-1")
    crashed.claim(3)  # and never finishes it
    retry = _tracker(state, "workflow-1")  # the retried run claims in the workflow's name
    retry.claim(3)
    retry.succeeded(3, AssetRecord(project_id="doc", asset_type="audio", object_key="k", sequence_number=3))
    assert {p.sequence_number: p.audio_status for p in state.progress("doc")}[3] == "done"
