"""Scene claims bound to the holder's database session, waits for live claims, attempts counted as made."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from google.auth.credentials import AnonymousCredentials

from notes_pipeline.domain.models import Scene, Script, ScriptManifest, SourceRecord, SpeechAudio
from notes_pipeline.providers.config import HttpConfig, load_config
from notes_pipeline.providers.embeddings.local import LocalEmbedder
from notes_pipeline.providers.llm.local import LocalScriptWriter
from notes_pipeline.providers.tts.espeak import EspeakNarrator
from notes_pipeline.providers.tts.google import GoogleNarrator
from notes_pipeline.stages.narration import narrate_script
from notes_pipeline.stages.project import script_stage
from notes_pipeline.stages.script import load_source_record
from notes_pipeline.stages.tracking import SceneTracker, cached_or_claimed
from notes_pipeline.store.bucket import Bucket, LocalBucket
from notes_pipeline.store.db import Database
from notes_pipeline.store.state import AssetRecord, SceneBusyError, StateStore
from notes_pipeline_tests.providers.stubs import Reply, StubServer
from notes_pipeline_tests.providers.stubs.google_tts import google_tts_handler
from notes_pipeline_tests.stages.counting import register

CLAIM_AND_HANG = (
    "import sys, time\n"
    "from notes_pipeline.store.db import Database\n"
    "from notes_pipeline.store.state import StateStore\n"
    "from notes_pipeline.stages.tracking import SceneTracker\n"
    "tracker = SceneTracker(StateStore(Database(sys.argv[1])), 'doc', 'audio', worker='crashed-run')\n"
    "tracker.prepare([1, 2, 3])\n"
    "tracker.claim(2)\n"
    "print('claimed', flush=True)\n"
    "time.sleep(120)  # a provider call that never returns: the process is killed here\n"
)
NOTES = b"""# Rivers

## Rain
Rain falls on the hills and gathers into small streams that run downhill.

## Stones
Fast water carries stones that slowly cut a deep valley into the rock.

## Plains
Floods spread mud beside the river and build a wide flat plain over time.
"""


@pytest.fixture
def state(database: Database) -> StateStore:
    store = StateStore(database)
    store.register_project(
        SourceRecord(
            doc_id="doc",
            source_key="inbox/doc.md",
            source_name="doc.md",
            content_hash="a" * 64,
            size_bytes=10,
            copy_key=None,
            registered_at="2026-11-23T00:00:00+00:00",
        )
    )
    store.sync_scenes(
        "doc",
        Script(
            title="T",
            summary="S",
            language="en",
            writer="local",
            scenes=[Scene(index=i, heading=f"H{i}", narration=f"Scene {i} narration.") for i in (1, 2, 3)],
        ),
    )
    return store


def _tracker(state: StateStore, worker: str, **kwargs) -> SceneTracker:
    tracker = SceneTracker(state, "doc", "audio", worker=worker, run_id=worker, **kwargs)
    tracker.prepare([1, 2, 3])
    return tracker


def _record(scene: int, attempts: int = 1) -> AssetRecord:
    return AssetRecord(project_id="doc", asset_type="audio", object_key="k", sequence_number=scene, attempts=attempts)


def test_a_killed_holder_loses_its_scene_to_the_next_run_at_once(state: StateStore) -> None:
    child = subprocess.Popen([sys.executable, "-c", CLAIM_AND_HANG, state.db.url], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "claimed"
        with pytest.raises(SceneBusyError):  # alive: waited for (briefly here), never taken
            _tracker(state, "next-run", wait_s=0.5).claim(2)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    killed_at = time.monotonic()
    next_run = _tracker(state, "next-run", wait_s=10)
    assert cached_or_claimed(next_run, 2, lambda: None) is None  # claimed (Postgres may take a moment)
    assert time.monotonic() - killed_at < 5  # seconds, not the minutes of a stale heartbeat
    progress = {p.sequence_number: p for p in state.progress("doc")}
    assert progress[2].audio_status == "running" and progress[2].retry_count == 0


def test_a_live_claim_is_waited_for_then_handed_over(state: StateStore) -> None:
    holder = _tracker(state, "run-a")
    assert holder.claim(1)
    threading.Timer(1.0, holder.succeeded, args=(1, _record(1))).start()
    started = time.monotonic()
    assert _tracker(state, "run-b", wait_s=30).claim(1) is False  # waited, then told to look for the result
    assert 0.9 < time.monotonic() - started < 10
    assert {p.sequence_number: p.audio_status for p in state.progress("doc")}[1] == "done"


def test_a_claim_held_past_the_wait_fails_naming_scene_and_holder(state: StateStore) -> None:
    assert _tracker(state, "run-a").claim(3)
    with pytest.raises(
        SceneBusyError,
        match=r"document 'doc' at stage 'scene_narration': scene 3's audio is still "
        r"being made by run run-a",
    ):
        _tracker(state, "run-b", wait_s=0.6).claim(3)


class SlowCountingNarrator(EspeakNarrator):
    def __init__(self, calls: list[str], delay_s: float) -> None:
        super().__init__()
        self.calls, self.delay_s = calls, delay_s
        self._lock = threading.Lock()

    def synthesize(self, text: str, *, language: str, voice: str | None = None) -> SpeechAudio:
        with self._lock:
            self.calls.append(text)
        time.sleep(self.delay_s)
        return super().synthesize(text, language=language, voice=voice)


def _script(bucket: Bucket, state: StateStore) -> ScriptManifest:
    doc_id = register(bucket, "rivers.md", NOTES)
    state.register_project(load_source_record(bucket, doc_id))
    manifest, _, _ = script_stage(
        bucket, state, doc_id, LocalScriptWriter(), LocalEmbedder(), max_bytes=1_000_000, semantic_threshold=0.98
    )
    return manifest


def test_two_runs_at_once_make_each_scene_once_and_both_succeed(database: Database, tmp_path: Path) -> None:
    bucket, state = LocalBucket(tmp_path / "bucket"), StateStore(database)
    script = _script(bucket, state)
    calls: list[str] = []
    narrator = SlowCountingNarrator(calls, delay_s=0.8)
    results, errors = {}, []

    def run(worker: str) -> None:
        try:
            tracker = SceneTracker(state, script.doc_id, "audio", worker=worker, run_id=worker)
            results[worker] = narrate_script(bucket, script, narrator, workers=2, tracker=tracker)
        except Exception as err:  # noqa: BLE001 - reported by the assertion below
            errors.append(err)

    runs = [threading.Thread(target=run, args=(f"run-{n}",)) for n in (1, 2)]
    for thread in runs:
        thread.start()
        time.sleep(0.2)
    for thread in runs:
        thread.join(timeout=120)
    assert errors == []
    scenes = [c.scene_index for c in results["run-1"].clips]
    assert len(scenes) >= 3 and sorted(calls) == sorted(set(calls)) and len(calls) == len(scenes)
    made_by = {c.scene_index: (c.reused, d.reused) for c, d in zip(results["run-1"].clips, results["run-2"].clips)}
    assert all(one != two for one, two in made_by.values())  # each scene made by one run, reused by the other
    assert {p.audio_status for p in state.progress(script.doc_id)} == {"done"}
    assert {p.retry_count for p in state.progress(script.doc_id)} == {0}


def test_retries_are_the_provider_attempts_actually_made(database: Database, tmp_path: Path) -> None:
    bucket, state = LocalBucket(tmp_path / "bucket"), StateStore(database)
    script = _script(bucket, state)
    with StubServer(google_tts_handler()) as stub:
        config = (
            load_config()
            .narration.settings_for(GoogleNarrator)
            .model_copy(update={"base_url": stub.url, "sample_rate": 16000})
        )
        narrator = GoogleNarrator(
            config,
            credentials=AnonymousCredentials(),
            sleep=lambda s: None,
            http=HttpConfig(max_attempts=3, backoff_base_s=0.01, backoff_max_s=0.01),
        )

        def narrate(worker: str):
            tracker = SceneTracker(state, script.doc_id, "audio", worker=worker, run_id=worker)
            return narrate_script(bucket, script, narrator, workers=1, tracker=tracker)

        stub.script(Reply.error(500))  # the first scene's first call: one 500, then success
        first = narrate("clean-run")
        retries = [p.retry_count for p in state.progress(script.doc_id)]
        assert retries == [1] + [0] * (len(first.clips) - 1)
        assert len(stub.requests) == len(first.clips) + 1

        stub.requests.clear()
        again = narrate("cached-run")  # every clip from the cache: no provider attempt at all
        assert stub.requests == [] and all(c.reused for c in again.clips)
    assert [p.retry_count for p in state.progress(script.doc_id)] == [0] * len(first.clips)
    with database.connection() as conn:
        made = conn.execute(
            "SELECT run_id, attempts, cache_hit FROM assets WHERE project_id = %s AND "
            "asset_type = 'audio' ORDER BY run_id, sequence_number",
            (script.doc_id,),
        ).fetchall()
    assert [(r["attempts"], r["cache_hit"]) for r in made if r["run_id"] == "cached-run"] == [(0, "exact")] * len(
        first.clips
    )
    assert [r["attempts"] for r in made if r["run_id"] == "clean-run"] == [2] + [1] * (len(first.clips) - 1)
