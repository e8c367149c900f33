"""Throughput and where the time goes from drop to MP4: the default setup, a process per step, 1 and 2 Celery workers.

Each setup is what production runs: `dagster-daemon` (the inbox sensor and the queued run
coordinator of dagster.yaml) on a fresh instance and bucket; N copies of the 10-scene example
(each paragraph made unique, so no scene is reused) are dropped into the inbox at once. From the
Dagster event log of every run: the sensor tick (drop -> run created), the run queue (created ->
launched), the run's start-up (launched -> run worker started), each step's start-up (asked for
-> started: a process per step, or the Celery queue and the worker), each step's own work, and
drop -> MP4 (final_video done). Prints one table row per setup and the step breakdown.

    .venv/bin/python -m benchmarks.throughput [--docs 12] [--setups default,multiprocess,celery-1,celery-2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from notes_pipeline.package_files import examples_dir, workspace_file

EXAMPLE = examples_dir() / "how-solar-panels-work.md"
BIN = Path(sys.executable).parent
MP4_STEP = "final_video"


def documents(n: int, resolution: int | None = None) -> dict[str, str]:
    """n copies of the example whose every paragraph differs, so every scene is new work."""
    text = EXAMPLE.read_text()
    front = f"---\nresolution: {resolution}\n---\n" if resolution else ""
    docs = {}
    for i in range(1, n + 1):
        lines = [
            f"{line} This holds for panel batch {i}." if line and not line.startswith(("#", "-", "---")) else line
            for line in text.splitlines()
        ]
        docs[f"solar-batch-{i:02d}.md"] = front + "\n".join(lines) + "\n"
    return docs


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _event_times(instance, run_id: str) -> list[tuple[float, str, str | None, str]]:
    """(timestamp, event type, step key, message) of a run's Dagster events."""
    rows = []
    for entry in instance.all_logs(run_id):
        if entry.dagster_event is not None:
            rows.append((entry.timestamp, entry.dagster_event.event_type_value, entry.step_key, entry.message or ""))
    return rows


def breakdown(instance, record, dropped_at: float) -> dict:
    """Where one run's time went, from its event log."""
    events = _event_times(instance, record.dagster_run.run_id)

    def first(kind: str, step: str | None = None, text: str = "") -> float | None:
        return next((t for t, k, s, m in events if k == kind and (step is None or s == step) and text in m), None)

    created = record.create_timestamp.timestamp()
    launched, started = first("PIPELINE_STARTING"), first("PIPELINE_START")
    steps = {}
    for key in sorted({s for _, k, s, _ in events if k == "STEP_START" and s}):
        start, end = first("STEP_START", key), first("STEP_SUCCESS", key) or first("STEP_FAILURE", key)
        asked = first("STEP_WORKER_STARTING", key) or first("ENGINE_EVENT", key, "Submitting celery task")
        taken = first("ENGINE_EVENT", key, "in celery worker")
        steps[key] = {
            "own": end - start,
            "startup": start - (taken or asked or start),
            "queue": (taken - asked) if taken and asked else 0.0,
            "end": end,
        }
    mp4 = steps[MP4_STEP]["end"]
    before_mp4 = [s for s in steps.values() if s["end"] <= mp4]
    work = sum(s["own"] for s in before_mp4)
    return {
        "doc": record.dagster_run.tags.get("dagster/partition"),
        "drop_to_mp4": mp4 - dropped_at,
        "sensor": created - dropped_at,
        "run_queue": launched - created,
        "run_startup": started - launched,
        "step_startup": sum(s["startup"] for s in before_mp4),
        "step_queue": sum(s["queue"] for s in before_mp4),
        "step_work": work,
        "mp4_at": mp4,
        "steps": {k: {"own": v["own"], "startup": v["startup"], "queue": v["queue"]} for k, v in steps.items()},
    }


def run_setup(name: str, workers: int, n_docs: int, timeout_s: float, resolution: int | None = None) -> dict:
    import dagster as dg

    root = Path(tempfile.mkdtemp(prefix=f"np-throughput-{name}-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTES_PIPELINE_", "DAGSTER_"))}
    env |= {"DAGSTER_HOME": str(root / ".dagster"), "NOTES_PIPELINE_HOME": str(root / "out")}
    with ExitStack() as stack:
        # The media only: the embedded Postgres in root/.pgdata is stopped when this process exits.
        stack.callback(shutil.rmtree, root / "out", True)
        if name == "multiprocess":
            env["NOTES_PIPELINE_EXECUTOR"] = "multiprocess"
        if workers:
            from notes_pipeline_tests.workers.servers import redis_server

            broker = stack.enter_context(redis_server(root / "redis"))
            env |= {"NOTES_PIPELINE_EXECUTOR": "celery", "NOTES_PIPELINE_CELERY_BROKER": broker}
        os.environ.clear()
        os.environ.update(env)
        from notes_pipeline.definitions import pool_names
        from notes_pipeline.instance import STORAGE_URL_ENV, open_instance
        from notes_pipeline.store.db import DATABASE_URL_ENV, resolve_url

        # One URL for every process (daemon, runs, workers), set before the instance is opened: a worker
        # derives its instance's database from it exactly as this process does.
        env[DATABASE_URL_ENV] = os.environ[DATABASE_URL_ENV] = resolve_url()
        instance = open_instance(root / ".dagster", pool_names())
        env[STORAGE_URL_ENV] = os.environ[STORAGE_URL_ENV]  # what the dagster.yaml written by open_instance names
        processes = [
            _spawn([str(BIN / "dagster-daemon"), "run", "-w", str(workspace_file())], env, root / "daemon.log")
        ]
        for i in range(workers):
            processes.append(
                _spawn(
                    [str(BIN / "notes-pipeline"), "worker", "--concurrency", "1", "--name", f"w{i}@bench"],
                    env,
                    root / f"worker-{i}.log",
                )
            )
        for process in processes:
            stack.callback(_stop, process)
        deadline = time.monotonic() + 120
        while "SENSOR" not in instance.get_daemon_heartbeats():
            if time.monotonic() > deadline:
                log = (root / "daemon.log").read_text()[-3000:]
                raise TimeoutError(f"{name}: the daemon did not start; its log ends:\n{log}")
            time.sleep(1)
        time.sleep(10)  # the sensor's code server loaded and a first (empty) tick done: drops are timed from here

        inbox = root / "out" / "bucket" / "inbox"
        inbox.mkdir(parents=True, exist_ok=True)
        dropped = {}
        load_before = os.getloadavg()[0]
        for file_name, text in documents(n_docs, resolution).items():
            (inbox / file_name).write_text(text)
            dropped[file_name] = time.time()
        deadline = time.monotonic() + timeout_s
        while True:
            records = instance.get_run_records()
            done = [
                r for r in records if r.dagster_run.status in (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE)
            ]
            if len(done) >= n_docs or time.monotonic() > deadline:
                break
            time.sleep(2)
        failed = [r.dagster_run.run_id for r in done if r.dagster_run.status != dg.DagsterRunStatus.SUCCESS]
        by_doc = {}
        for record in records:
            if record.dagster_run.status == dg.DagsterRunStatus.SUCCESS:
                doc = record.dagster_run.tags.get("dagster/partition", "")
                name_of = next(f for f in dropped if doc.startswith(f.removesuffix(".md")))
                by_doc[doc] = breakdown(instance, record, dropped[name_of])
        instance.dispose()
    first_drop = min(dropped.values())
    last_mp4 = max((b["mp4_at"] for b in by_doc.values()), default=first_drop)
    elapsed = last_mp4 - first_drop
    return {
        "setup": name,
        "workers": workers,
        "docs": n_docs,
        "finished": len(by_doc),
        "failed": len(failed),
        "timeout_s": timeout_s,
        "elapsed_s": elapsed,
        "docs_per_hour": len(by_doc) / elapsed * 3600 if by_doc else 0.0,
        "load_before": load_before,
        "runs": list(by_doc.values()),
    }


def summary(result: dict) -> str:
    runs = result["runs"]
    if not runs:
        return (
            f"| {result['setup']} | 0/{result['docs']} in {result['timeout_s']:.0f} s "
            + "| – " * 10
            + f"| {result['load_before']:.1f} |"
        )
    med = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731
    ratio = statistics.median(r["drop_to_mp4"] / r["step_work"] for r in runs)
    return (
        f"| {result['setup']} | {result['finished']}/{result['docs']} | {result['docs_per_hour']:.0f} | "
        f"{result['elapsed_s'] / max(1, result['finished']):.1f} | {med('drop_to_mp4'):.1f} | {med('step_work'):.1f} | "
        f"{ratio:.2f} | {med('sensor'):.1f} | {med('run_queue'):.1f} | {med('run_startup'):.1f} | "
        f"{med('step_queue'):.1f} | {med('step_startup'):.1f} | {result['load_before']:.1f} |"
    )


def step_table(result: dict) -> list[str]:
    keys = sorted({k for r in result["runs"] for k in r["steps"]})
    rows = []
    for key in keys:
        values = [r["steps"][key] for r in result["runs"] if key in r["steps"]]
        rows.append(
            f"| {result['setup']} | {key} | {statistics.median(v['own'] for v in values):.2f} | "
            f"{statistics.median(v['startup'] for v in values):.2f} | "
            f"{statistics.median(v['queue'] for v in values):.2f} |"
        )
    return rows


HEADER = (
    "| setup | videos | docs/hour | wall per doc s | drop→MP4 s (median) | step work s | drop→MP4 ÷ work | "
    "sensor s | run queue s | run start-up s | step queue s | step start-up s | load before |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=12)
    parser.add_argument("--setups", default="default,celery-1,celery-2")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--json", help="also write every run's breakdown here (after each setup)")
    parser.add_argument(
        "--resolution", type=int, help="front matter resolution for the copies (default: the example's)"
    )
    args = parser.parse_args(argv)
    # A SIGTERM (e.g. `timeout`) unwinds like Ctrl-C: the daemon, workers and Redis started here are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results = []
    for setup in args.setups.split(","):
        workers = int(setup.split("-")[1]) if setup.startswith("celery-") else 0
        print(f"{setup}: {args.docs} documents ...", file=sys.stderr, flush=True)
        results.append(run_setup(setup, workers, args.docs, args.timeout, args.resolution))
        print(HEADER + "\n" + summary(results[-1]), flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1))
    print("\n" + HEADER)
    for result in results:
        print(summary(result))
    print("\n| setup | step | own work s | start-up s | Celery queue s |\n|---|---|---|---|---|")
    for result in results:
        print("\n".join(step_table(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
