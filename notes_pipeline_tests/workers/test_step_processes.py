"""NOTES_PIPELINE_EXECUTOR=multiprocess: steps are forked from a server that imported the code once per run.

A spawned step is a child of the run's process and imports Dagster and the definitions again (seconds
each); a forkserver step is a child of the server, which did that import once.
"""

import os

import dagster as dg

from notes_pipeline.workers import job_executor


@dg.op
def parent_pid() -> int:
    return os.getppid()


@dg.op
def parent_pid_again(_first: int) -> int:
    return os.getppid()


def two_step_job() -> dg.JobDefinition:
    """Built on reconstruction too, so each step process gets the executor the environment chose."""

    @dg.job(executor_def=job_executor())
    def two_steps():
        parent_pid_again(parent_pid())

    return two_steps


def test_multiprocess_steps_are_forked_from_one_server_not_spawned_by_the_run(monkeypatch, tmp_path):
    monkeypatch.setenv("NOTES_PIPELINE_EXECUTOR", "multiprocess")
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        with dg.execute_job(dg.reconstructable(two_step_job), instance=instance) as result:
            assert result.success
            first, second = result.output_for_node("parent_pid"), result.output_for_node("parent_pid_again")
    assert first == second != os.getpid()  # both children of the same server, neither of this run process
