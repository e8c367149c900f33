"""Steps on Celery workers (dagster-celery, Redis broker): the executor setting and the worker process.

The default is the single-machine setup: every step in the run's own process (a run worker forked
warm, notes_pipeline/warm_runs.py). NOTES_PIPELINE_EXECUTOR=multiprocess gives each step a process of
its own; NOTES_PIPELINE_EXECUTOR=celery gives every job the
celery executor: each step becomes a task on the `render` or `providers` queue (defs/queues.py)
and runs in whichever `notes-pipeline worker` takes it. A worker shares nothing local with the
machine that launched the run: media go through the bucket (NOTES_PIPELINE_BUCKET, S3/R2/MinIO),
state through Postgres (NOTES_PIPELINE_DATABASE_URL over TCP), scratch is its own
(NOTES_PIPELINE_HOME). Executor and workers build their Celery settings from the same function,
so they always agree on broker, queues and delivery.

Delivery is at-least-once: a task is acknowledged only when its step has finished, so a worker
killed mid-step (kill -9, lost machine) leaves the task unacknowledged and Redis hands it to another
worker once the visibility timeout passes. Re-running a step is safe: scenes are claimed in the
database and a render is content-addressed and locked, so nothing is made or delivered twice.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from typing import Any

from notes_pipeline.defs.queues import PROVIDERS_QUEUE, QUEUES

EXECUTOR_ENV = "NOTES_PIPELINE_EXECUTOR"
BROKER_ENV = "NOTES_PIPELINE_CELERY_BROKER"
VISIBILITY_TIMEOUT_ENV = "NOTES_PIPELINE_CELERY_VISIBILITY_TIMEOUT"
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
# Longer than any one step (a long 1080p render is minutes): a shorter one would hand a running task out twice.
DEFAULT_VISIBILITY_TIMEOUT_S = 1800
# in_process (default): every step of a run in the run's own process, one after another, with no process
# start-up per step (seconds each). multiprocess: a process per step, forked from a server that imported the
# definitions once per run, so narration and pictures overlap. celery: steps on `notes-pipeline worker`s.
EXECUTORS = ("in_process", "multiprocess", "celery")


class WorkerSettingsError(ValueError):
    """NOTES_PIPELINE_EXECUTOR or a Celery setting is not one this project understands."""


def executor_choice() -> str:
    choice = os.environ.get(EXECUTOR_ENV, "").strip().lower() or EXECUTORS[0]
    if choice not in EXECUTORS:
        raise WorkerSettingsError(f"{EXECUTOR_ENV}={choice!r}: expected one of {', '.join(EXECUTORS)}")
    return choice


def broker_url() -> str:
    return os.environ.get(BROKER_ENV) or DEFAULT_BROKER


def celery_config_source() -> dict[str, Any]:
    """Celery settings both sides use: late acknowledgement so a dead worker's task is delivered again."""
    visibility = int(os.environ.get(VISIBILITY_TIMEOUT_ENV) or DEFAULT_VISIBILITY_TIMEOUT_S)
    return {
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": PROVIDERS_QUEUE,  # untagged steps (reports, gc) go where cheap workers listen
        # Redis looks for tasks past their visibility timeout every `unacked_restore_interval` seconds only
        # on every `unacked_restore_throttle`-th look (default 10 x 10 s): look every time, at most 10 s apart.
        "broker_transport_options": {
            "visibility_timeout": visibility,
            "max_retries": 3,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
            "unacked_restore_interval": min(10, max(1, visibility // 4)),
            "unacked_restore_throttle": 1,
        },
        "result_backend_transport_options": {"visibility_timeout": visibility},
        "broker_connection_retry_on_startup": True,
    }


def job_executor():  # -> dg.ExecutorDefinition
    """The executor every job uses: in-process by default, else the multiprocess or the Redis-backed celery one.

    Multiprocess steps start by forking a server that has imported the definitions once per run
    (`forkserver`), not as fresh Pythons that each import Dagster, dbt and the pipeline again.

    The broker URL may hold a password, so the executor config names the environment variable
    (set to the default when unset) instead of holding the URL: it never reaches the run config.
    """
    import dagster as dg

    choice = executor_choice()
    if choice == "in_process":
        return dg.in_process_executor
    if choice != "celery":
        return dg.multiprocess_executor.configured({"start_method": {"forkserver": {}}}, name="multiprocess")
    from dagster_celery import celery_executor

    os.environ.setdefault(BROKER_ENV, DEFAULT_BROKER)
    return celery_executor.configured(
        {"broker": {"env": BROKER_ENV}, "backend": {"env": BROKER_ENV}, "config_source": celery_config_source()},
        name="celery",
    )


def celery_app():  # -> celery.Celery with dagster-celery's step task registered
    """The Celery app a worker runs: dagster-celery's, with the settings the executor sends with."""
    from dagster_celery.config import DEFAULT_CONFIG, dict_wrapper
    from dagster_celery.make_app import make_app
    from dagster_celery.tasks import create_task

    url = broker_url()
    app = make_app(
        {
            "broker": url,
            "backend": url,
            "include": [],
            "config_source": dict_wrapper(dict(DEFAULT_CONFIG, **celery_config_source())),
        }
    )
    create_task(app)
    return app


def parse_queues(text: str) -> list[str]:
    queues = [q.strip() for q in text.split(",") if q.strip()]
    unknown = sorted(set(queues) - set(QUEUES))
    if not queues or unknown:
        raise WorkerSettingsError(f"--queues {text!r}: expected a comma-separated subset of {', '.join(QUEUES)}")
    return queues


def worker_argv(queues: Sequence[str], concurrency: int, name: str | None = None) -> list[str]:
    """celery's `worker` command line: fair scheduling (no task waits behind a long one it was prefetched with)."""
    node = name or f"notes-{'-'.join(queues)}-{os.getpid()}@{socket.gethostname()}"
    return [
        "worker",
        "--queues",
        ",".join(queues),
        "--concurrency",
        str(concurrency),
        "--hostname",
        node,
        "--loglevel",
        "INFO",
        "-O",
        "fair",
        "--without-gossip",
        "--without-mingle",
    ]


def start_worker(queues: Sequence[str], concurrency: int, name: str | None = None) -> None:
    """Run a worker in this process until it is stopped (SIGTERM finishes the current steps first)."""
    os.environ[EXECUTOR_ENV] = "celery"  # the job the tasks reconstruct is the celery one, as launched
    celery_app().worker_main(worker_argv(queues, concurrency, name))


def video_job():  # -> dg.JobDefinition
    """The notes_video job, resolved: a module-level function `dg.reconstructable` can point a run at."""
    from notes_pipeline.definitions import defs

    return defs.resolve_job_def("notes_video")
