"""The image chain over three real HTTP providers on 127.0.0.1: order, fallbacks, breaker, policy."""

import io
import json
import logging

import pytest
from PIL import Image

from notes_pipeline.domain.models import ImageRequest, RenderOptions, Scene, Script, ScriptManifest
from notes_pipeline.domain.style import style_lock
from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.images.chain import ImageChain
from notes_pipeline.providers.images.cloudflare import CloudflareImages
from notes_pipeline.providers.images.huggingface import HuggingFaceImages
from notes_pipeline.providers.images.slides import SlideRenderer
from notes_pipeline.providers.images.together import TogetherImages
from notes_pipeline.stages.images import make_images
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import LocalBucket, put_model
from notes_pipeline_tests.providers.stubs import Reply, StubServer, png_bytes
from notes_pipeline_tests.providers.stubs import images as wire

CF_TOKEN, CF_ACCOUNT, TG_KEY, HF_TOKEN = "cf-tok-1a2b3c4d5e", "acct-77f0e1", "tg-key-9e8d7c6b", "hf_tok_5a4b3c2d"
SECRETS = (CF_TOKEN, CF_ACCOUNT, TG_KEY, HF_TOKEN)
FAST = HttpConfig(
    max_attempts=2,
    backoff_base_s=0.01,
    backoff_max_s=5,
    read_timeout_s=1,
    connect_timeout_s=1,
    breaker_failures=2,
    breaker_cooldown_s=60,
)


@pytest.fixture
def stubs():
    with (
        StubServer(wire.cloudflare(CF_TOKEN, CF_ACCOUNT)) as cf,
        StubServer(wire.together(TG_KEY)) as tg,
        StubServer(wire.huggingface(HF_TOKEN)) as hf,
    ):
        yield cf, tg, hf


def chain_for(stubs, http: HttpConfig = FAST) -> ImageChain:
    cf, tg, hf = stubs
    no_sleep = lambda s: None  # noqa: E731
    return ImageChain(
        [
            CloudflareImages(CF_TOKEN, CF_ACCOUNT, base_url=f"{cf.url}/client/v4", http=http, sleep=no_sleep),
            TogetherImages(TG_KEY, base_url=f"{tg.url}/v1", http=http, sleep=no_sleep),
            HuggingFaceImages(HF_TOKEN, base_url=f"{hf.url}/hf-inference/models", http=http, sleep=no_sleep),
        ],
        last_resort=SlideRenderer(),
    )


def request_for(index=1, search_query=None) -> ImageRequest:
    scene = Scene(
        index=index,
        heading="Panels on a roof",
        narration="x",
        bullets=["Light in"],
        image_prompt=None if search_query else "A solar panel",
        search_query=search_query,
    )
    return ImageRequest(
        scene=scene, title="Solar", scene_count=3, language="en", style=style_lock("Solar", "clean", 854, 480)
    )


def test_the_first_provider_serves_when_healthy(stubs):
    cf, tg, hf = stubs
    result = chain_for(stubs).render_with_report(request_for())
    assert (result.provider, result.fallbacks, result.attempts) == ("cloudflare", [], 1)
    assert (len(cf.requests), len(tg.requests), len(hf.requests)) == (1, 0, 0)


def test_failures_fall_through_in_order(stubs):
    cf, tg, hf = stubs
    cf.script(Reply.error(500), Reply.error(503))  # retried once, then given up
    tg.script(Reply.malformed_json())  # not retried: a broken answer
    result = chain_for(stubs).render_with_report(request_for())
    assert result.provider == "huggingface" and result.fallbacks == ["cloudflare", "together"]
    assert result.attempts == 2 + 1 + 1
    assert "503" in result.failures[0] and "malformed JSON" in result.failures[1]
    assert Image.open(io.BytesIO(result.png)).size == (854, 480)


def test_a_picture_failing_the_quality_gate_goes_to_the_next_provider(stubs):
    cf, tg, hf = stubs
    cf.script(Reply.raw(png_bytes(1024, 576, pattern="flat", colour=(0, 0, 0)), "image/png"))
    tg.script(
        Reply.json(
            {"data": [{"b64_json": __import__("base64").b64encode(png_bytes(1024, 576, pattern="noise")).decode()}]}
        )
    )
    result = chain_for(stubs).render_with_report(request_for())
    assert result.provider == "huggingface"
    assert "blank" in result.failures[0] and "noise" in result.failures[1]


def test_when_every_provider_fails_the_slide_still_comes(stubs):
    cf, tg, hf = stubs
    for stub in stubs:
        stub.handler = lambda r: Reply.hang(5)
    result = chain_for(stubs, FAST.model_copy(update={"read_timeout_s": 0.2})).render_with_report(request_for())
    assert result.provider == "slides" and result.fallbacks == ["cloudflare", "together", "huggingface"]
    assert result.attempts == 2 * 3 + 1
    assert Image.open(io.BytesIO(result.png)).size == (854, 480)


def test_an_open_circuit_skips_the_provider_without_calling_it(stubs):
    cf, tg, hf = stubs
    cf.handler = lambda r: Reply.error(500)
    chain = chain_for(stubs)
    for index in (1, 2):  # two failed calls open cloudflare's circuit (breaker_failures=2)
        assert chain.render_with_report(request_for(index)).provider == "together"
    assert len(cf.requests) == 4
    third = chain.render_with_report(request_for(3))
    assert third.provider == "together" and third.fallbacks == ["cloudflare"]
    assert "circuit is open" in third.failures[0] and len(cf.requests) == 4  # not called at all
    assert third.attempts == 1  # the skipped provider cost no call


def test_scenes_about_real_people_never_reach_an_ai_provider(stubs):
    cf, tg, hf = stubs
    result = chain_for(stubs).render_with_report(request_for(search_query="Nelson Mandela 1994 inauguration"))
    assert result.provider == "slides" and result.fallbacks == []  # no search source configured: straight to slides
    assert cf.requests == tg.requests == hf.requests == []


def _script_manifest(bucket, scenes: list[Scene]) -> ScriptManifest:
    script = Script(title="Solar", summary="s", language="en", scenes=scenes, writer="test")
    put_model(bucket, keys.script("doc-1"), script)
    return ScriptManifest(
        doc_id="doc-1",
        script_key=keys.script("doc-1"),
        script_hash="0" * 64,
        source_hash="0" * 64,
        language="en",
        scene_count=len(scenes),
        word_count=3,
        writer="test",
        options=RenderOptions(resolution=480),
    )


def test_the_images_stage_records_provider_attempts_and_fallbacks(stubs, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    cf, tg, hf = stubs
    cf.script(Reply.error(500), Reply.error(500))  # the first scene to arrive falls back to together
    bucket = LocalBucket(tmp_path / "bucket")
    scenes = [
        Scene(index=i, heading=f"Part {i}", narration="Words here.", image_prompt=f"Picture {i}") for i in (1, 2, 3)
    ]
    scenes.append(Scene(index=4, heading="Mandela", narration="Words.", search_query="Nelson Mandela"))
    manifest = make_images(bucket, _script_manifest(bucket, scenes), chain_for(stubs), workers=1)
    images = {i.scene_index: i for i in manifest.images}
    assert (images[1].provider, images[1].fallbacks, images[1].attempts) == ("together", ["cloudflare"], 3)
    assert [(images[i].provider, images[i].attempts) for i in (2, 3)] == [("cloudflare", 1), ("cloudflare", 1)]
    assert images[4].provider == "slides" and images[4].source_url is None
    for image in manifest.images:
        assert Image.open(bucket.local_path(image.image_key)).size == (854, 480)
    stored = manifest.model_dump_json() + json.dumps([r.json() for s in stubs for r in s.requests])
    for secret in SECRETS:
        assert secret not in stored and secret not in caplog.text


class _Named:
    """A real ImageSource of its own: answers with a plain picture, or has nothing for the scene."""

    def __init__(self, name: str, has_picture: bool) -> None:
        self.name, self.has_picture, self.calls = name, has_picture, 0

    def identity(self) -> str:
        return self.name

    def render(self, request: ImageRequest) -> bytes:
        from notes_pipeline.providers.images.base import NoPicture

        self.calls += 1
        if not self.has_picture:
            raise NoPicture(f"{self.name} has nothing for scene {request.scene.index}")
        return png_bytes(request.style.width, request.style.height)


def test_leading_then_stock_and_generators_then_trailing_and_a_source_with_nothing_is_passed_over_quietly():
    notes, stock, gen, diagram = (
        _Named("notes", False),
        _Named("stock", False),
        _Named("gen", False),
        _Named("diagram", True),
    )
    chain = ImageChain([gen], stock=[stock], leading=[notes], trailing=[diagram], last_resort=SlideRenderer())
    assert [s.name for s in chain.sources_for(request_for())] == ["notes", "stock", "gen", "diagram", "slides"]
    assert [s.name for s in chain.sources_for(request_for(search_query="Ada Lovelace"))] == [
        "notes",
        "stock",
        "diagram",
        "slides",
    ]  # never a generator for a real subject
    result = chain.render_with_report(request_for())
    assert (result.provider, result.fallbacks, result.failures) == ("diagram", [], [])
    assert (notes.calls, stock.calls, gen.calls, diagram.calls) == (1, 1, 1, 1)
