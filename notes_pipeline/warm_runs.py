"""Runs started from a warm process: a run worker is forked from a server that has already imported Dagster
and the definitions, instead of a fresh Python that spends seconds importing them for every run.

`WarmRunLauncher` is the instance's run launcher (dagster.yaml). It keeps one server process
(`python -m notes_pipeline.warm_runs`), started on the first launch and again whenever it died or the
package's code changed since it started, so an edited pipeline is what the next run executes. The server
is single-threaded, so forking it is safe; each run worker is its own session, outlives the server and
the daemon, and is found again by the pid tag on its run (run monitoring's health check, cancelling).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.launcher import CheckRunHealthResult, LaunchRunContext, RunLauncher, WorkerStatus
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster._serdes import ConfigurableClass, ConfigurableClassData

PID_TAG = "notes_pipeline/run_worker_pid"
PACKAGE = Path(__file__).resolve().parent
# Imported once by the server, before any fork: the costly part of starting a run worker (the instance's
# Postgres storage alone takes 0.66 s to import).
PRELOAD = ("dagster._cli.api", "dagster_postgres", "notes_pipeline.definitions")


def code_mtime(package: Path = PACKAGE) -> float:
    """The newest modification time among the package's Python files (a few ms for the whole package)."""
    return max((p.stat().st_mtime for p in package.rglob("*.py")), default=0.0)


class WarmServer:
    """The daemon's handle on the server process: start, ask for a run, restart when stale or dead."""

    def __init__(self, package: Path = PACKAGE) -> None:
        self._package = package
        self._process: subprocess.Popen | None = None
        self._started_code = 0.0
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None and self._process.poll() is None else None

    def warm_up(self) -> None:
        with self._lock:
            self._ensure_current()

    def _ensure_current(self) -> None:
        if self._process is None or self._process.poll() is not None or code_mtime(self._package) > self._started_code:
            self._restart()

    def start_run(self, run_id: str, instance_ref: str) -> int:
        """Fork a run worker for `run_id`; returns its pid."""
        with self._lock:
            self._ensure_current()
            assert self._process is not None and self._process.stdin and self._process.stdout
            self._process.stdin.write(json.dumps({"run_id": run_id, "instance_ref": instance_ref}) + "\n")
            self._process.stdin.flush()
            answer = self._process.stdout.readline()
        if not answer:
            raise RuntimeError("the warm run server exited before starting the run")
        return int(json.loads(answer)["pid"])

    def _restart(self) -> None:
        self.stop()
        self._started_code = code_mtime(self._package)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "notes_pipeline.warm_runs"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            start_new_session=True,
        )

    def stop(self) -> None:
        """Closing its input ends the server; run workers it started carry on."""
        if self._process is not None and self._process.poll() is None:
            assert self._process.stdin
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None


class WarmRunLauncher(RunLauncher, ConfigurableClass):
    """Launches each run in a run worker forked from the warm server (this machine only)."""

    def __init__(self, inst_data: ConfigurableClassData | None = None) -> None:
        self._inst_data = inst_data
        self._server = WarmServer()
        super().__init__()
        if _in_daemon():  # the process that launches runs: have the server ready before the first one
            threading.Thread(target=self._server.warm_up, name="warm-run-server", daemon=True).start()

    @property
    def inst_data(self) -> ConfigurableClassData | None:
        return self._inst_data

    @classmethod
    def config_type(cls) -> dict:
        return {}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData, config_value: dict[str, Any]) -> WarmRunLauncher:
        return cls(inst_data=inst_data)

    def launch_run(self, context: LaunchRunContext) -> None:
        from dagster._serdes import serialize_value

        run = context.dagster_run
        pid = self._server.start_run(run.run_id, serialize_value(self._instance.get_ref()))
        self._instance.add_run_tags(run.run_id, {PID_TAG: str(pid)})

    def terminate(self, run_id: str) -> bool:
        run = self._instance.get_run_by_id(run_id)
        pid = _pid(run)
        if run is None or run.is_finished or pid is None:
            return False
        self._instance.report_run_canceling(run)
        try:
            os.kill(pid, signal.SIGINT)  # Dagster turns it into an interrupt: the run ends CANCELED
        except ProcessLookupError:
            return False
        return True

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        pid = _pid(run)
        if pid is None:
            return CheckRunHealthResult(WorkerStatus.UNKNOWN, "no run worker pid recorded")
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return CheckRunHealthResult(WorkerStatus.FAILED, f"run worker {pid} is gone")
        except PermissionError:  # the pid now belongs to someone else's process: ours is gone
            return CheckRunHealthResult(WorkerStatus.FAILED, f"run worker {pid} is gone")
        return CheckRunHealthResult(WorkerStatus.RUNNING)

    def dispose(self) -> None:
        self._server.stop()


class WarmQueuedRunCoordinator(QueuedRunCoordinator):
    """Dagster's queued run coordinator, which the daemon builds when it starts: it builds the run launcher
    too, so the warm server is ready before the first run (the launcher is otherwise built at first use),
    and has the daemon look at its sensors every `SENSOR_LOOP_S`."""

    def register_instance(self, instance: dg.DagsterInstance) -> None:
        super().register_instance(instance)
        if _in_daemon():
            _ = instance.run_launcher
            _tighten_sensor_loop()


# Dagster's daemon looks at its sensors every 5 s whatever their minimum interval (a module constant it offers
# no setting for); at 1 s the inbox sensor's own 2 s interval decides how long a dropped note waits.
SENSOR_LOOP_S = 1


def _tighten_sensor_loop() -> None:
    from dagster._daemon import sensor

    if isinstance(getattr(sensor, "MIN_INTERVAL_LOOP_TIME", None), int | float):  # left alone if Dagster renames it
        sensor.MIN_INTERVAL_LOOP_TIME = min(sensor.MIN_INTERVAL_LOOP_TIME, SENSOR_LOOP_S)


def _in_daemon() -> bool:
    """`dagster-daemon run`, or `python -m dagster._daemon run` as `dg dev` starts it."""
    program = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path()
    return program.name == "dagster-daemon" or program.parent.name == "_daemon"


def _pid(run: dg.DagsterRun | None) -> int | None:
    value = run.tags.get(PID_TAG) if run is not None else None
    return int(value) if value and value.isdigit() else None


def _run_worker(run_id: str, instance_ref: str) -> None:
    """In the forked child: what `dagster api execute_run` does, without its start-up."""
    from dagster._cli.api import _execute_run_command_body
    from dagster._serdes import deserialize_value

    os.setsid()  # its own session: it outlives the server and the daemon
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # subprocesses (FFmpeg, steps) are waited for as usual
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # stdout is the server's answer pipe: nothing of the run may write there
    with dg.DagsterInstance.from_ref(deserialize_value(instance_ref)) as instance:
        _execute_run_command_body(run_id, instance, write_stream_fn=lambda _event: None, set_exit_code_on_failure=False)


def serve() -> None:
    """The server: import the pipeline once, then fork one run worker per request line until stdin closes."""
    import importlib

    for module in PRELOAD:
        importlib.import_module(module)
    from notes_pipeline.definitions import defs

    defs.get_repository_def()  # the asset graph resolved once, before any fork
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # finished run workers are reaped by the kernel
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _run_worker(request["run_id"], request["instance_ref"])
            except BaseException:  # noqa: BLE001 - the run's own failure is in its event log; exit non-zero
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        sys.stdout.write(json.dumps({"pid": pid}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
