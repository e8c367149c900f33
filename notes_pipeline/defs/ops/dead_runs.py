"""Dagster runs whose worker process died: closed in the product database and reported failed.

Run monitoring in the daemon notices dead run workers it launched; a run executed in-process
by the CLI has no monitor, so the CLI and this sensor look for stages whose process's database
session has ended (stages/abandoned.py), and for unfinished runs tagged with a holder token whose
session has ended (a run killed between two stages has no running stage), and report those runs
failed.
"""

from __future__ import annotations

import dagster as dg

from notes_pipeline.defs.resources import DatabaseResource
from notes_pipeline.stages.abandoned import ABANDONED_REASON, close_abandoned_runs, close_workflows
from notes_pipeline.store.state import StateStore

_UNFINISHED = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]
# The holder token (store/holder.py) of the process that executes a run in-process (cli/runner.py in_process_tags).
HOLDER_TAG = "notes_pipeline/holder"


def fail_dead_runs(instance: dg.DagsterInstance, state: StateStore) -> list[str]:
    """Close the stages of dead run workers and report their unfinished runs failed; returns those runs."""
    dead = {s.run_id for s in close_abandoned_runs(state) if s.run_id}
    between_stages = [
        run.run_id
        for run in instance.get_runs(dg.RunsFilter(statuses=_UNFINISHED))
        if run.tags.get(HOLDER_TAG, "").isdigit()
        and run.run_id not in dead
        and not state.holder_alive(int(run.tags[HOLDER_TAG]))
    ]
    close_workflows(state, between_stages)
    failed = []
    for run_id in sorted(dead | set(between_stages)):
        run = instance.get_run_by_id(run_id)
        if run is not None and run.status in _UNFINISHED:
            instance.report_run_failed(run, f"run {run_id}: {ABANDONED_REASON}")
            failed.append(run_id)
    return failed


@dg.sensor(default_status=dg.DefaultSensorStatus.RUNNING, minimum_interval_seconds=30)
def dead_run_sensor(context: dg.SensorEvaluationContext, database: DatabaseResource) -> dg.SkipReason:
    """Marks failed the runs whose worker process died mid-stage (e.g. a CLI run killed with kill -9)."""
    failed = fail_dead_runs(context.instance, database.state())
    return dg.SkipReason(f"reported failed: {', '.join(failed)}" if failed else "no run worker died mid-stage")
