"""Steps on two Celery workers (Redis broker), the bucket on S3 (moto), Postgres over TCP.

Each worker has its own working directory, HOME, DAGSTER_HOME and NOTES_PIPELINE_HOME: all they
share with the launcher is what a second machine would, the broker, the bucket and the database.
Six documents are launched at once; one worker is killed with SIGKILL (its whole process group,
as when a machine dies) while it renders a video. Every video must still be delivered, once.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import psycopg
import pytest

from notes_pipeline_tests.workers.servers import redis_server, redis_server_binary, tcp_postgres

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        redis_server_binary() is None,
        reason="Debian's redis-server is not installed (`make test` installs it: `make redis`); "
        "the Celery worker tests need a real broker",
    ),
]

WORKERS = ("wa", "wb")
CLI = str(Path(sys.executable).with_name("notes-pipeline"))
VISIBILITY_TIMEOUT_S = 40  # > any step here (480p, two scenes); how long a dead worker's task waits to go again


def _notes(i: int) -> str:
    return (
        f"---\nresolution: 480\n---\n# Topic {i}\n\n## First\nThe {i}th idea starts with a short claim.\n\n"
        f"## Second\nThen the {i}th idea ends with a short example.\n"
    )


def _spawn(args: list[str], cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _own_dirs(root: Path, env: dict[str, str]) -> dict[str, str]:
    root.mkdir(parents=True)
    (root / "tmp").mkdir()
    return {
        **env,
        "HOME": str(root),
        "TMPDIR": str(root / "tmp"),
        "DAGSTER_HOME": str(root / ".dagster"),
        "NOTES_PIPELINE_HOME": str(root / "out"),
    }


def _celery_steps(instance) -> list[tuple[str, str, str]]:
    """(run id, step key, worker) of every step a Celery worker took, from the Dagster event log."""
    import dagster as dg

    taken = []
    for run in instance.get_runs():
        for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
            data = entry.dagster_event.engine_event_data
            worker = data.metadata.get("Celery worker") if data else None
            if worker is not None:
                taken.append((run.run_id, entry.step_key, worker.value))
    return taken


def _wait_for_workers(names: list[str], timeout_s: float = 120) -> None:
    from notes_pipeline.workers import celery_app

    app = celery_app()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        answered = {name for reply in app.control.ping(timeout=1.0) for name in reply}
        if set(names) <= answered:
            return
        time.sleep(0.5)
    raise TimeoutError(f"workers {names} did not answer a ping in {timeout_s:.0f} s")


@pytest.mark.timeout(1200)
def test_two_workers_deliver_six_videos_once_even_when_one_is_killed_mid_render(tmp_path, s3_bucket_url, monkeypatch):
    import dagster as dg

    from notes_pipeline.cli.runner import inbox_tick
    from notes_pipeline.defs.resources import BucketResource, pipeline_resources
    from notes_pipeline.instance import open_instance
    from notes_pipeline.store import keys
    from notes_pipeline.store.db import create_database

    root = Path(tempfile.mkdtemp(prefix="np-celery-"))  # outside pytest's 0700 dirs: Postgres runs as its own user
    processes: list[subprocess.Popen] = []
    try:
        with tcp_postgres(root / "pg") as admin_url, redis_server(root / "redis") as broker:
            create_database(admin_url, "notes")
            url = admin_url.rsplit("/", 1)[0] + "/notes"
            shared = {
                "NOTES_PIPELINE_DATABASE_URL": url,
                "NOTES_PIPELINE_BUCKET": s3_bucket_url,
                "NOTES_PIPELINE_EXECUTOR": "celery",
                "NOTES_PIPELINE_CELERY_BROKER": broker,
                "NOTES_PIPELINE_CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_S),
            }
            for name, value in shared.items():
                monkeypatch.setenv(name, value)
            base = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "NOTES_PIPELINE_HOME")}

            launcher = _own_dirs(tmp_path / "launcher", base)
            monkeypatch.setenv("DAGSTER_HOME", launcher["DAGSTER_HOME"])
            monkeypatch.setenv("NOTES_PIPELINE_HOME", launcher["NOTES_PIPELINE_HOME"])
            from notes_pipeline.definitions import pool_names

            instance = open_instance(Path(launcher["DAGSTER_HOME"]), pool_names())

            workers = {}
            for name in WORKERS:
                env = _own_dirs(root / name, base)
                workers[name] = _spawn(
                    [CLI, "worker", "--queues", "render,providers", "--concurrency", "1", "--name", f"{name}@test"],
                    root / name,
                    env,
                    root / f"{name}.log",
                )
                processes.append(workers[name])
            _wait_for_workers([f"{name}@test" for name in WORKERS])

            # Six documents into the S3 inbox, registered by the inbox sensor as in production.
            bucket = BucketResource().get()
            for i in range(1, 7):
                bucket.put_bytes(f"{keys.INBOX_PREFIX}topic-{i}.md", _notes(i).encode())
            result = inbox_tick(instance, pipeline_resources(inbox_settle_s=0))
            doc_ids = sorted(r.partition_key for r in result.run_requests or [])
            assert len(doc_ids) == 6

            runs = [
                _spawn(
                    [sys.executable, "-m", "notes_pipeline_tests.workers.launch_run", doc_id],
                    Path(launcher["HOME"]),
                    launcher,
                    root / f"run-{doc_id}.log",
                )
                for doc_id in doc_ids
            ]
            processes.extend(runs)

            # Kill worker wa (and its pool) as soon as it starts rendering a video.
            killed_in = None
            deadline = time.monotonic() + 600
            while killed_in is None and time.monotonic() < deadline and any(r.poll() is None for r in runs):
                killed_in = next(
                    (
                        run_id
                        for run_id, step, worker in _celery_steps(instance)
                        if worker == "wa@test" and step == "final_video"
                    ),
                    None,
                )
                time.sleep(0.3)
            assert killed_in is not None, "worker wa never took a final_video step"
            os.killpg(workers["wa"].pid, signal.SIGKILL)
            workers["wa"].wait(timeout=30)

            for run, doc_id in zip(runs, doc_ids, strict=True):
                assert run.wait(timeout=900) == 0, (root / f"run-{doc_id}.log").read_text()[-3000:]

            steps = _celery_steps(instance)
            by_worker = defaultdict(set)
            for run_id, step, worker in steps:
                by_worker[worker].add((run_id, step))
            assert set(by_worker) == {"wa@test", "wb@test"}
            # The render wa was killed in was taken again, by wb, and the run still succeeded.
            assert (killed_in, "final_video") in by_worker["wb@test"]
            assert instance.get_run_by_id(killed_in).status == dg.DagsterRunStatus.SUCCESS

            with psycopg.connect(url) as conn:
                made = conn.execute(
                    "SELECT project_id, sequence_number, asset_type, count(*) FROM assets "
                    "WHERE asset_type IN ('audio', 'image', 'video') GROUP BY 1, 2, 3"
                ).fetchall()
            twice = [row for row in made if row[3] != 1]
            assert not twice, f"made more than once: {twice}"
            videos = {row[0] for row in made if row[2] == "video"}
            assert videos == set(doc_ids)
            scenes = defaultdict(set)
            for project, sequence, kind, _ in made:
                if kind in ("audio", "image"):
                    scenes[project].add((sequence, kind))
            assert all(len(scenes[d]) >= 4 for d in doc_ids)  # two scenes at least, each with audio and image

            delivered = [o.key for o in bucket.list(keys.PROJECTS_PREFIX) if o.key.endswith("/video.mp4")]
            assert sorted(k.split("/")[1] for k in delivered) == doc_ids  # one video per document
            instance.dispose()
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(root, ignore_errors=True)
