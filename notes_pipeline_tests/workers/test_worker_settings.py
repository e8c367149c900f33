"""The executor setting, the queue of each step, and the worker's command line (no broker needed)."""

import pytest

from notes_pipeline.cli import main
from notes_pipeline.defs.media.assets import final_video, scene_images, scene_narration, video_script
from notes_pipeline.defs.media.checks import media_checks
from notes_pipeline.workers import (
    BROKER_ENV,
    WorkerSettingsError,
    celery_app,
    celery_config_source,
    executor_choice,
    job_executor,
    parse_queues,
    worker_argv,
)

QUEUE = "dagster-celery/queue"


def test_the_default_is_the_single_machine_executor_and_a_typo_is_refused(monkeypatch):
    monkeypatch.delenv("NOTES_PIPELINE_EXECUTOR", raising=False)
    assert executor_choice() == "in_process" and job_executor().name == "in_process"
    monkeypatch.setenv("NOTES_PIPELINE_EXECUTOR", "multiprocess")
    assert job_executor().name == "multiprocess"  # its steps' processes: test_step_processes.py
    monkeypatch.setenv("NOTES_PIPELINE_EXECUTOR", "celerey")
    with pytest.raises(WorkerSettingsError, match="NOTES_PIPELINE_EXECUTOR='celerey'"):
        executor_choice()


def test_celery_executor_names_the_broker_variable_and_never_holds_its_url(monkeypatch):
    secret_url = "redis://:hunter2@redis.internal:6379/0"
    monkeypatch.setenv("NOTES_PIPELINE_EXECUTOR", "celery")
    monkeypatch.setenv(BROKER_ENV, secret_url)
    executor = job_executor()
    assert executor.name == "celery"
    configured = executor.config_schema._config_fn({})  # what every run's executor config becomes
    assert configured["broker"] == configured["backend"] == {"env": BROKER_ENV}
    assert "hunter2" not in repr(configured)
    assert celery_app().conf.broker_url == secret_url  # the worker reads the same variable


def test_late_acknowledgement_lets_a_dead_workers_step_be_delivered_again(monkeypatch):
    monkeypatch.setenv("NOTES_PIPELINE_CELERY_VISIBILITY_TIMEOUT", "40")
    config = celery_config_source()
    assert config["task_acks_late"] and config["task_reject_on_worker_lost"]
    assert config["broker_transport_options"]["visibility_timeout"] == 40
    assert config["worker_prefetch_multiplier"] == 1


def test_render_steps_go_to_render_and_provider_bound_steps_to_providers():
    assert final_video.op.tags[QUEUE] == "render"
    assert {a.op.tags[QUEUE] for a in (video_script, scene_narration, scene_images)} == {"providers"}
    check_queues = {c.node_def.name: c.node_def.tags[QUEUE] for c in media_checks}
    assert check_queues == {
        "scene_narration_clips_match_their_audio": "providers",
        "scene_images_images_fill_the_frame": "providers",
        "final_video_video_matches_narration": "render",
    }


def test_worker_queues_and_command_line():
    assert parse_queues("render") == ["render"]
    assert parse_queues(" render , providers ") == ["render", "providers"]
    argv = worker_argv(["render"], 3, "r1@host")
    assert argv[:7] == ["worker", "--queues", "render", "--concurrency", "3", "--hostname", "r1@host"]
    with pytest.raises(WorkerSettingsError, match="render, providers"):
        parse_queues("gpu")


def test_the_worker_command_refuses_an_unknown_queue_in_one_line():
    with pytest.raises(SystemExit) as refused:
        main(["worker", "--queues", "render,gpu"])
    assert str(refused.value.code).startswith("worker: --queues 'render,gpu'")
