"""One retry owner per provider call: the HTTP policy. Neither the per-scene code nor the asset re-calls.

A narrator that always answers 500 is asked exactly `max_attempts` times per scene over a whole
materialisation; before, the per-scene loop (3x) and the asset RetryPolicy (3x) multiplied that.
"""

from __future__ import annotations

import dagster as dg
import pytest

from notes_pipeline.cli.runner import inbox_tick
from notes_pipeline.defs.media.assets import approved_script, scene_narration, video_script
from notes_pipeline.defs.resources import pipeline_resources
from notes_pipeline.providers.config import CONFIG_ENV_VAR, SECRET_ENV_VARS
from notes_pipeline.providers.http.breaker import reset_circuit_breakers
from notes_pipeline_tests.conftest import drop
from notes_pipeline_tests.providers.stubs import Reply, StubServer
from notes_pipeline_tests.providers.stubs.provider_config import stub_config, write_config

pytestmark = pytest.mark.slow

NOTES = b"""# Rain

## Clouds
Water vapour cools into droplets around dust.

## Falling
Droplets merge until they are too heavy to float.
"""
ATTEMPTS = 3


def test_a_provider_that_always_fails_is_called_attempts_times_per_scene(tmp_path, database_url, monkeypatch):
    for var in SECRET_ENV_VARS.values():
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GOOGLE_TTS_API_KEY", "k3y-tts")
    monkeypatch.setenv("NOTES_PIPELINE_DATABASE_URL", database_url)
    reset_circuit_breakers()
    (tmp_path / "dagster").mkdir()
    with StubServer() as stub, dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        stub.handler = lambda request: Reply.error(500, "backend error")
        config = stub_config(stub.url, max_attempts=ATTEMPTS, breaker_failures=1000, backoff_max_s=0.05)
        # Nothing to fall back to: the scene fails after the policy's tries.
        config = config.model_copy(update={"narration": config.narration.model_copy(update={"chain": ["google"]})})
        monkeypatch.setenv(CONFIG_ENV_VAR, str(write_config(config, tmp_path / "providers.yaml")))
        resources = pipeline_resources(
            bucket_root=str(tmp_path / "bucket"),
            scratch_dir=str(tmp_path / "scratch"),
            database_url=database_url,
            inbox_settle_s=0,
        )
        drop(resources["bucket"].get(), "rain.md", NOTES, mtime_s=1000)
        (request,) = inbox_tick(instance, resources).run_requests
        result = dg.materialize(
            [video_script, approved_script, scene_narration],
            partition_key=request.partition_key,
            instance=instance,
            resources=resources,
            raise_on_error=False,
        )
    reset_circuit_breakers()

    assert not result.success
    scenes = result.output_for_node("video_script").scene_count
    calls = [r for r in stub.requests if r.route == "/v1beta1/text:synthesize"]
    assert scenes >= 2 and len(calls) == ATTEMPTS * scenes
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_key == "scene_narration"
    assert "500" in failure.step_failure_data.user_failure_data.description
