"""The warm run launcher: a run worker forked from a server that imported the pipeline, found by its pid tag
for cancelling and for run monitoring's health check, and a server that restarts when the code changes."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.launcher import LaunchRunContext, WorkerStatus

from notes_pipeline.warm_runs import PID_TAG, WarmRunLauncher, WarmServer

LAUNCHER = {"module": "notes_pipeline.warm_runs", "class": "WarmRunLauncher"}


@dg.op(config_schema={"path": str})
def record_pids(context) -> None:
    Path(context.op_config["path"]).write_text(f"{os.getpid()} {os.getppid()}")


@dg.job(executor_def=dg.in_process_executor)
def pid_job():
    record_pids()


@dg.op(config_schema={"seconds": float})
def wait(context) -> None:
    time.sleep(context.op_config["seconds"])


@dg.job
def waiting_job():
    wait()


@pytest.fixture
def instance(tmp_path):
    with dg.instance_for_test(temp_dir=str(tmp_path), overrides={"run_launcher": LAUNCHER}) as instance:
        assert isinstance(instance.run_launcher, WarmRunLauncher)
        yield instance
        instance.run_launcher.dispose()


def _launch(instance, job: dg.JobDefinition, run_config: dict | None = None) -> dg.DagsterRun:
    run = instance.create_run_for_job(
        job_def=job, run_config=run_config, job_code_origin=dg.reconstructable(job).get_python_origin()
    )
    instance.run_launcher.launch_run(LaunchRunContext(dagster_run=run, workspace=None))
    return run


def _wait_for(instance, run_id: str, statuses: set[dg.DagsterRunStatus], timeout_s: float = 90) -> dg.DagsterRun:
    deadline = time.monotonic() + timeout_s
    while (run := instance.get_run_by_id(run_id)).status not in statuses:
        assert time.monotonic() < deadline, f"run still {run.status}"
        time.sleep(0.2)
    return run


def _worker_pid(instance, run_id: str) -> int:
    deadline = time.monotonic() + 60
    while PID_TAG not in (tags := instance.get_run_by_id(run_id).tags):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    return int(tags[PID_TAG])


def test_a_run_executes_in_a_worker_forked_from_the_warm_server(instance, tmp_path):
    pids = tmp_path / "pids.txt"
    config = {"ops": {"record_pids": {"config": {"path": str(pids)}}}}
    first = _wait_for(
        instance, _launch(instance, pid_job, config).run_id, {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE}
    )
    assert first.status == dg.DagsterRunStatus.SUCCESS
    worker = int(first.tags[PID_TAG])
    server = instance.run_launcher._server.pid
    assert pids.read_text() == f"{worker} {server}"  # the step ran in the worker, a child of the warm server
    assert f"Started process for run (pid: {worker})." in [e.message for e in instance.all_logs(first.run_id)]

    # The next run is forked from the same server: no new import of the pipeline.
    second = _wait_for(instance, _launch(instance, pid_job, config).run_id, {dg.DagsterRunStatus.SUCCESS})
    assert int(second.tags[PID_TAG]) != worker and instance.run_launcher._server.pid == server


def test_cancelling_interrupts_the_worker_and_a_killed_worker_fails_the_health_check(instance):
    slow = {"ops": {"wait": {"config": {"seconds": 120.0}}}}
    cancelled = _launch(instance, waiting_job, slow)
    _wait_for(instance, cancelled.run_id, {dg.DagsterRunStatus.STARTED})
    assert instance.run_launcher.terminate(cancelled.run_id)
    assert (
        _wait_for(instance, cancelled.run_id, {dg.DagsterRunStatus.CANCELED}, 60).status == dg.DagsterRunStatus.CANCELED
    )

    killed = _launch(instance, waiting_job, slow)
    started = _wait_for(instance, killed.run_id, {dg.DagsterRunStatus.STARTED})
    assert instance.run_launcher.check_run_worker_health(started).status == WorkerStatus.RUNNING
    os.kill(_worker_pid(instance, killed.run_id), signal.SIGKILL)
    deadline = time.monotonic() + 10
    while (health := instance.run_launcher.check_run_worker_health(started)).status != WorkerStatus.FAILED:
        assert time.monotonic() < deadline, health
        time.sleep(0.1)
    assert "is gone" in health.msg


def test_the_server_restarts_when_the_code_changes(tmp_path):
    package = tmp_path / "package"
    package.mkdir()
    module = package / "module.py"
    module.write_text("x = 1\n")
    server = WarmServer(package)
    try:
        server.warm_up()
        first = server.pid
        server.warm_up()
        assert server.pid == first  # nothing changed: the same warm process
        os.utime(module, (time.time() + 5, time.time() + 5))
        server.warm_up()
        assert server.pid not in (None, first)
    finally:
        server.stop()


def test_the_daemon_looks_at_its_sensors_every_second(tmp_path, monkeypatch):
    from dagster._daemon import sensor

    monkeypatch.setattr(sensor, "MIN_INTERVAL_LOOP_TIME", 5)
    coordinator = {"module": "notes_pipeline.warm_runs", "class": "WarmQueuedRunCoordinator"}
    overrides = {"run_launcher": LAUNCHER, "run_coordinator": coordinator}
    with dg.instance_for_test(temp_dir=str(tmp_path), overrides=overrides) as instance:
        _ = instance.run_coordinator
        assert sensor.MIN_INTERVAL_LOOP_TIME == 5  # only the daemon's own loop is changed
    monkeypatch.setattr("sys.argv", ["/usr/bin/dagster-daemon", "run"])
    (tmp_path / "daemon").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "daemon"), overrides=overrides) as instance:
        _ = instance.run_coordinator
        assert sensor.MIN_INTERVAL_LOOP_TIME == 1
        for thread in threading.enumerate():
            if thread.name == "warm-run-server":  # the launcher readies its server for the first run
                thread.join(timeout=60)
        instance.run_launcher.dispose()
