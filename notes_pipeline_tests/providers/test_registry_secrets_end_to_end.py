"""One Dagster materialisation with fake keys in the environment and every provider on a 127.0.0.1 stub.

Proves the wiring end to end (EnvVar-bound secrets → registry → real clients → manifests)
and that no key ends up anywhere we write: not in the logs, the event log, the run's
storage, the bucket (manifests, script, provenance) or a failure message. The stub's own
request log is the positive control: each key did travel to its provider.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import dagster as dg
import pytest

from notes_pipeline.cli.runner import inbox_tick
from notes_pipeline.defs.media.assets import media_assets
from notes_pipeline.defs.media.checks import media_checks
from notes_pipeline.defs.resources import pipeline_resources
from notes_pipeline.domain.models import ImagesManifest, NarrationManifest, ScriptManifest, VideoRender
from notes_pipeline.providers.config import CONFIG_ENV_VAR, SECRET_ENV_VARS
from notes_pipeline.providers.http.breaker import reset_circuit_breakers
from notes_pipeline_tests.conftest import drop
from notes_pipeline_tests.providers.stubs import Recorded, Reply, StubServer
from notes_pipeline_tests.providers.stubs import images as image_stubs
from notes_pipeline_tests.providers.stubs.elevenlabs import elevenlabs_handler
from notes_pipeline_tests.providers.stubs.gemini import GENERATE, gemini_reply, script_json
from notes_pipeline_tests.providers.stubs.google_tts import google_tts_handler
from notes_pipeline_tests.providers.stubs.provider_config import stub_config, write_config

pytestmark = pytest.mark.slow

KEYS = {var: f"k3y-{var.lower().replace('_', '-')}-c0ffee42" for var in SECRET_ENV_VARS.values()}
KEYS.pop("GOOGLE_APPLICATION_CREDENTIALS")  # Google TTS by API key here; the file variant is in test_registry
KEYS.pop("VEO_API_KEY")  # Veo clips have their own wire tests (test_veo.py)
NOTES = b"""---
resolution: 480
---
# Why leaves change colour

## Chlorophyll fades
In autumn, trees stop making chlorophyll. The green pigment breaks down by late October.

## Hidden colours appear
Carotenoids were there all summer. They show yellow and orange once the green is gone.

## New reds are made
Some trees make anthocyanins in autumn. Cold nights and sunny days give the brightest reds.
"""
SCRIPT = script_json(
    "Why leaves change colour",
    [
        ("Chlorophyll fades", "In autumn, trees stop making chlorophyll and the green pigment breaks down."),
        ("Hidden colours", "Carotenoids were there all summer; they show yellow and orange once the green is gone."),
        ("New reds", "Some trees make anthocyanins in autumn, and cold nights give the brightest reds."),
        ("Vermont in October", "The brightest reds appear when cold nights follow sunny autumn days."),
    ],
    search={4: "Vermont autumn leaves October"},
)


def providers_stub(url: str) -> Callable[[Recorded], Reply]:
    tts, voices = google_tts_handler(), elevenlabs_handler()
    cloudflare = image_stubs.cloudflare(KEYS["CLOUDFLARE_API_TOKEN"], KEYS["CLOUDFLARE_ACCOUNT_ID"])
    search = image_stubs.custom_search(
        [image_stubs.search_item(f"{url}/img/vermont.png", title="Vermont in fall")],
        images={"/img/vermont.png": image_stubs.png_bytes(1600, 900)},
    )

    def handle(request: Recorded) -> Reply:
        if GENERATE.match(request.route):
            return gemini_reply(SCRIPT)
        if request.route == "/v1beta1/text:synthesize":
            # Google cannot speak the scene about carotenoids: that clip falls back to ElevenLabs.
            return Reply.error(503, "backend unavailable") if "Carotenoids" in request.body.decode() else tts(request)
        if request.route.startswith("/v1/text-to-speech/"):
            return voices(request)
        if request.route.startswith("/client/v4/"):
            return cloudflare(request)
        return search(request)

    return handle


def test_a_materialisation_with_keys_uses_the_providers_and_writes_no_key_anywhere(tmp_path, monkeypatch, caplog):
    reset_circuit_breakers()
    for var in SECRET_ENV_VARS.values():
        monkeypatch.delenv(var, raising=False)
    for var, value in KEYS.items():
        monkeypatch.setenv(var, value)
    (tmp_path / "dagster").mkdir()
    with StubServer() as stub, dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        stub.handler = providers_stub(stub.url)
        monkeypatch.setenv(CONFIG_ENV_VAR, str(write_config(stub_config(stub.url), tmp_path / "providers.yaml")))
        resources = pipeline_resources(
            bucket_root=str(tmp_path / "bucket"), scratch_dir=str(tmp_path / "scratch"), inbox_settle_s=0
        )
        bucket = resources["bucket"].get()
        drop(bucket, "leaves.md", NOTES, mtime_s=1000)
        (request,) = inbox_tick(instance, resources).run_requests
        with caplog.at_level(logging.DEBUG):
            result = dg.materialize(
                [*media_assets, *media_checks],
                partition_key=request.partition_key,
                instance=instance,
                resources=resources,
                raise_on_error=False,
            )
        assert result.success
        event_log = [dg.serialize_value(e) for e in instance.all_logs(result.run_id)]
        run_record = dg.serialize_value(instance.get_run_by_id(result.run_id))
    reset_circuit_breakers()

    script: ScriptManifest = result.output_for_node("video_script")
    narration: NarrationManifest = result.output_for_node("scene_narration")
    images: ImagesManifest = result.output_for_node("scene_images")
    render: VideoRender = result.output_for_node("final_video")
    assert script.writer == "gemini:gemini-2.5-flash"
    assert [(a.writer, a.step, a.outcome) for a in script.attempts] == [("gemini", "generate", "ok")]
    by_scene = {c.scene_index: c for c in narration.clips}
    assert by_scene[2].provider == "elevenlabs" and by_scene[2].fallbacks == ["google"] and by_scene[2].attempts == 4
    assert all(c.provider == "google" and c.fallbacks == [] for i, c in by_scene.items() if i != 2)
    # The search hit was on 127.0.0.1 (refused): that scene gets an offline diagram or icon instead.
    assert [i.provider for i in images.images] == ["cloudflare"] * 3 + ["visuals"]
    assert render.duration_s == pytest.approx(narration.total_duration_s, abs=0.2)

    # Positive control: each key reached its provider (so not finding it below means something).
    sent = "\n".join(f"{r.path}\n{r.headers}\n{r.body[:4000]!r}" for r in stub.requests)
    for var in (
        "GEMINI_API_KEY",
        "GOOGLE_TTS_API_KEY",
        "ELEVENLABS_API_KEY",
        "CLOUDFLARE_API_TOKEN",
        "CLOUDFLARE_ACCOUNT_ID",
        "GOOGLE_CSE_API_KEY",
        "GOOGLE_CSE_ID",
    ):
        assert KEYS[var] in sent, var

    written = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p.name != "providers.yaml"}
    assert any("bucket" in str(p) for p in written) and any(p.suffix == ".db" for p in written)
    for var, value in KEYS.items():
        assert value not in caplog.text, var
        assert all(value not in text for text in event_log), var
        assert value not in run_record, var
        leaked = [str(p.relative_to(tmp_path)) for p, data in written.items() if value.encode() in data]
        assert not leaked, (var, leaked)
