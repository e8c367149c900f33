"""kill -9 of the run worker in the middle of narration, then Dagster's re-execution from failure.

The worker is a real process running the real job on a real instance (DAGSTER_HOME in a
temp folder, runs and events in the test's Postgres). The test plays the parts of the
daemons: run monitoring (the dead run is marked failed), the failure sensor (it records
the crash), and run retries (a re-execution from failure, tagged with its root run).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import psycopg
import pytest

from notes_pipeline.cli.runner import inbox_tick
from notes_pipeline.defs.ops.dead_runs import fail_dead_runs
from notes_pipeline.defs.ops.sensors import record_run_failure
from notes_pipeline.defs.resources import pipeline_resources
from notes_pipeline.domain.models import VideoRender
from notes_pipeline.instance import STORAGE_URL_ENV, prepare_instance
from notes_pipeline.media.probe import probe
from notes_pipeline.stages.abandoned import ABANDONED_REASON
from notes_pipeline.store import keys
from notes_pipeline.store.audit import AuditLog
from notes_pipeline.store.bucket import Bucket, load_model
from notes_pipeline.store.db import Database
from notes_pipeline.store.state import StateStore
from notes_pipeline_tests.conftest import drop
from notes_pipeline_tests.ops.crash_worker import text_key

pytestmark = pytest.mark.slow

NOTES = b"""---
resolution: 480
---
# How a river shapes its valley

## Rain gathers
Rain falls on the hills and gathers into streams.

## Water cuts
Fast water carries stones that cut into the rock.

## Floods build plains
Floods spread mud beside the river and build a plain.
"""
DELAY_S = 1.0


def _rows(url: str, sql: str, *params: object) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def _worker(env: dict[str, str], *args: str) -> subprocess.Popen:
    # Its own session, so the kill takes the whole worker (as a lost container would).
    return subprocess.Popen(
        [sys.executable, "-m", "notes_pipeline_tests.ops.crash_worker", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _calls(log: Path) -> list[tuple[int, str, str]]:
    if not log.is_file():
        return []
    return [(int(pid), kind, key) for pid, kind, key in (line.split() for line in log.read_text().splitlines())]


@dataclass
class CrashSetup:
    """A registered document, the worker's environment and where its effects are seen."""

    doc_id: str
    env: dict[str, str]
    home: Path
    bucket: Bucket
    scratch: Path
    calls_log: Path
    resources: dict[str, Any]


@pytest.fixture
def crash(tmp_path: Path, database: Database, monkeypatch: pytest.MonkeyPatch) -> CrashSetup:
    home, bucket_root, scratch, calls_log = (
        tmp_path / "home",
        tmp_path / "bucket",
        tmp_path / "scratch",
        tmp_path / "calls.log",
    )
    monkeypatch.setenv("NOTES_PIPELINE_DATABASE_URL", database.url)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.delenv(STORAGE_URL_ENV, raising=False)
    prepare_instance(home)
    env = {
        **os.environ,
        "CRASH_BUCKET": str(bucket_root),
        "CRASH_SCRATCH": str(scratch),
        "CRASH_CALLS_LOG": str(calls_log),
        "CRASH_NARRATION_DELAY_S": str(DELAY_S),
    }
    resources = pipeline_resources(bucket_root=str(bucket_root), database_url=database.url, inbox_settle_s=0)
    bucket = resources["bucket"].get()
    drop(bucket, "river.md", NOTES, mtime_s=1000)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        (request,) = inbox_tick(instance, resources).run_requests
    return CrashSetup(request.partition_key, env, home, bucket, scratch, calls_log, resources)


DONE_SQL = (
    "SELECT s.narration FROM scene_tasks t JOIN scenes s USING (project_id, sequence_number) "
    "WHERE t.project_id = %s AND t.kind = 'audio' AND t.status = 'done'"
)


def _kill_mid_narration(crash: CrashSetup, database_url: str) -> tuple[subprocess.Popen, set[str], int]:
    """Start the first run and kill -9 it once some scenes are narrated; (worker, scenes done, scene count)."""
    first = _worker(crash.env, "run", crash.doc_id)
    deadline = time.monotonic() + 180
    while len(_rows(database_url, DONE_SQL, crash.doc_id)) < 2:
        assert first.poll() is None, first.communicate()[0]
        assert time.monotonic() < deadline, "narration never got going"
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    done_at_kill = {text_key(n) for (n,) in _rows(database_url, DONE_SQL, crash.doc_id)}
    scene_count = _rows(database_url, "SELECT count(*) FROM scenes WHERE project_id = %s", crash.doc_id)[0][0]
    assert 2 <= len(done_at_kill) < scene_count  # killed in the middle of narration
    return first, done_at_kill, scene_count


def _no_scene_paid_twice(
    calls_log: Path, first_pid: int, second_pid: int, done_at_kill: set[str], scene_count: int
) -> None:
    calls = _calls(calls_log)
    audio_first = [k for pid, kind, k in calls if pid == first_pid and kind == "audio"]
    audio_second = [k for pid, kind, k in calls if pid == second_pid and kind == "audio"]
    assert done_at_kill <= set(audio_first)
    assert not done_at_kill & set(audio_second), "a scene narrated before the kill was paid for again"
    assert max(Counter(audio_first).values()) == 1 and max(Counter(audio_second).values()) == 1
    assert len(set(audio_first) | set(audio_second)) == scene_count
    images = Counter(k for _, kind, k in calls if kind == "image")
    assert len(images) == scene_count and max(images.values()) == 1


def test_a_run_killed_mid_narration_is_closed_and_an_immediate_new_run_finishes_the_video(
    crash: CrashSetup, database: Database
) -> None:
    first, done_at_kill, scene_count = _kill_mid_narration(crash, database.url)
    doc_id = crash.doc_id
    with dg.DagsterInstance.from_config(str(crash.home)) as instance:
        (killed,) = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": doc_id}))
        assert killed.status == dg.DagsterRunStatus.STARTED  # nobody told Dagster: the process just vanished

        # ---- the next process that looks closes the dead run everywhere, once --------------------------------
        assert fail_dead_runs(instance, StateStore(database)) == [killed.run_id]
        assert fail_dead_runs(instance, StateStore(database)) == []
        assert instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.FAILURE
        stages = _rows(
            database.url, "SELECT stage, status, error FROM stage_runs WHERE run_id = %s ORDER BY id", killed.run_id
        )
        assert [(stage, status) for stage, status, _ in stages][-1] == ("scene_narration", "failed")
        assert all(status != "running" for _, status, _ in stages) and ABANDONED_REASON in stages[-1][2]
        workflow = AuditLog(database).workflow(killed.run_id)
        assert workflow is not None and workflow.status == "failed"
        assert workflow.stages["scene_narration"].status == "failed"

        # ---- a brand-new run (not a retry of the workflow), started at once, finishes the video ------------
        started = time.monotonic()
        second = _worker(crash.env, "run", doc_id)
        output, _ = second.communicate(timeout=400)
        assert second.returncode == 0, output
        assert time.monotonic() - started < 300
    _no_scene_paid_twice(crash.calls_log, first.pid, second.pid, done_at_kill, scene_count)
    render = load_model(crash.bucket, keys.manifest(doc_id, "final_video"), VideoRender)
    assert render is not None and crash.bucket.stat(render.video_key)
    assert _rows(
        database.url, "SELECT count(*) FROM scene_tasks WHERE project_id = %s AND status <> 'done'", doc_id
    ) == [(0,)]


def test_a_run_killed_mid_narration_completes_on_retry_without_paying_twice(
    crash: CrashSetup, database: Database
) -> None:
    database_url, doc_id, bucket, scratch = database.url, crash.doc_id, crash.bucket, crash.scratch
    env, resources, calls_log = crash.env, crash.resources, crash.calls_log
    with dg.DagsterInstance.from_config(str(crash.home)) as instance:
        first, done_at_kill, scene_count = _kill_mid_narration(crash, database_url)

        # ---- run monitoring notices the dead worker; the failure sensor records it -----------------------
        (killed,) = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": doc_id}))
        assert killed.status == dg.DagsterRunStatus.STARTED  # nobody told Dagster: the process just vanished
        instance.report_run_failed(killed, "the run worker stopped unexpectedly (killed)")
        (failure,) = instance.get_records_for_run(killed.run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records
        with dg.build_run_status_sensor_context(
            sensor_name="record_run_failure",
            dagster_instance=instance,
            dagster_run=instance.get_run_by_id(killed.run_id),
            dagster_event=failure.event_log_entry.dagster_event,
            resources=resources,
        ) as built:
            record_run_failure(built.for_run_failure())
        assert _rows(database_url, "SELECT status FROM projects WHERE id = %s", doc_id) == [("failed",)]
        crashed = AuditLog(database).workflow(killed.run_id)
        assert crashed is not None and crashed.status == "failed"
        assert crashed.stages["scene_narration"].status == "failed"  # the stage the crash cut short

        # ---- the crash-only retry: re-execution from failure --------------------------------------------
        second = _worker(env, "reexecute", killed.run_id)
        output, _ = second.communicate(timeout=400)
        assert second.returncode == 0, output
        retry = next(r for r in instance.get_runs() if r.run_id != killed.run_id)
        assert retry.status == dg.DagsterRunStatus.SUCCESS
        assert retry.root_run_id == killed.run_id

    # ---- finished scenes were reused: no provider call repeated for them --------------------------------
    _no_scene_paid_twice(calls_log, first.pid, second.pid, done_at_kill, scene_count)

    # ---- no scene made twice, one video, nothing left in scratch ----------------------------------------
    made = _rows(
        database_url,
        "SELECT asset_type, sequence_number, count(*) FROM assets WHERE project_id = %s "
        "AND cache_hit = 'none' AND asset_type IN ('audio', 'image', 'video') GROUP BY 1, 2",
        doc_id,
    )
    assert Counter(kind for kind, _, n in made if n == 1) == {"audio": scene_count, "image": scene_count, "video": 1}
    assert all(n == 1 for _, _, n in made)
    render = load_model(bucket, keys.manifest(doc_id, "final_video"), VideoRender)
    assert render is not None
    video = probe(bucket.local_path(render.video_key))
    assert video.video is not None and video.audio is not None and abs(video.duration_s - render.duration_s) < 0.2
    assert not scratch.exists() or list(scratch.iterdir()) == []

    # ---- one workflow across both runs in the audit trail ------------------------------------------------
    workflow = AuditLog(database).workflow(killed.run_id)
    assert workflow is not None
    assert (workflow.status, workflow.run_ids) == ("succeeded", [killed.run_id, retry.run_id])
    assert workflow.stages["scene_narration"].attempts == 2 and workflow.retries >= 1
    assert workflow.stages["video_script"].attempts == 1  # reused from the killed run, not run again
    assert _rows(database_url, "SELECT status FROM projects WHERE id = %s", doc_id) == [("done",)]
