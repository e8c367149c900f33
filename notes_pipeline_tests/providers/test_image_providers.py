"""Cloudflare Workers AI, Together and Hugging Face over HTTP, against stubs of their wire formats."""

import base64
import io
import logging

import pytest
from PIL import Image

from notes_pipeline.domain.image_quality import LowQualityImageError
from notes_pipeline.domain.models import ImageRequest, Scene
from notes_pipeline.domain.style import style_lock
from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.http.errors import HttpError, ResponseTooLargeError, UnexpectedContentError
from notes_pipeline.providers.http.ssrf import UrlGuard
from notes_pipeline.providers.images.cloudflare import CloudflareImages
from notes_pipeline.providers.images.huggingface import HuggingFaceImages
from notes_pipeline.providers.images.prompting import PolicyRefusalError, provider_seed
from notes_pipeline.providers.images.together import TogetherImages
from notes_pipeline_tests.providers.stubs import Reply, StubServer, png_bytes
from notes_pipeline_tests.providers.stubs import images as wire

TOKEN, ACCOUNT = "cf-token-8c1e5b77aa", "acct0f3e9d2c"
FAST = HttpConfig(max_attempts=3, backoff_base_s=0.01, backoff_max_s=5, read_timeout_s=2, connect_timeout_s=1)


def request_for(index=1, *, width=1280, height=720, search_query=None, image_prompt="A solar panel on a roof"):
    scene = Scene(
        index=index,
        heading="Panels",
        narration="x",
        bullets=["Light in", "Current out"],
        image_prompt=image_prompt,
        search_query=search_query,
    )
    return ImageRequest(
        scene=scene,
        title="How solar panels work",
        scene_count=3,
        language="en",
        style=style_lock("How solar panels work|clean", "clean", width, height),
    )


def size_of(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        return image.size


def cloudflare(stub, model="@cf/black-forest-labs/flux-1-schnell", sleeps=None):
    return CloudflareImages(
        TOKEN,
        ACCOUNT,
        model=model,
        base_url=f"{stub.url}/client/v4",
        http=FAST,
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
    )


@pytest.mark.parametrize(
    "answer, model",
    [("json", "@cf/black-forest-labs/flux-1-schnell"), ("png", "@cf/stabilityai/stable-diffusion-xl-base-1.0")],
)
def test_cloudflare_reads_both_answer_shapes_and_fills_the_frame(answer, model):
    with StubServer(wire.cloudflare(TOKEN, ACCOUNT, answer=answer)) as stub:
        result = cloudflare(stub, model).render_with_report(request_for(width=1080, height=1920))
    assert size_of(result.png) == (1080, 1920)  # a 16:9 picture cover-cropped into a 9:16 frame
    assert (result.provider, result.attempts) == ("cloudflare", 1)
    sent = stub.requests[0]
    assert sent.route == f"/client/v4/accounts/{ACCOUNT}/ai/run/{model}"
    assert sent.header("Authorization") == f"Bearer {TOKEN}"
    body = sent.json()
    assert body["seed"] == provider_seed(request_for().style) and "A solar panel on a roof" in body["prompt"]
    assert ("width" in body) == (answer == "png")  # FLUX takes no size; SDXL does


def test_the_style_lock_is_in_every_prompt_and_seed():
    with StubServer(wire.together("tg-key")) as stub:
        source = TogetherImages("tg-key", base_url=f"{stub.url}/v1", http=FAST)
        for index, prompt in [(1, "A solar cell"), (2, "An inverter"), (3, "A city at dusk")]:
            source.render(request_for(index, image_prompt=prompt))
    bodies = [r.json() for r in stub.requests]
    assert len({b["seed"] for b in bodies}) == 1
    styles = {b["prompt"].split("Style:")[1] for b in bodies}
    assert len(styles) == 1 and "no watermark" in styles.pop()
    assert [b["prompt"].split(".")[0] for b in bodies] == ["A solar cell", "An inverter", "A city at dusk"]
    assert bodies[0]["response_format"] == "base64" and bodies[0]["width"] % 64 == 0
    assert stub.requests[0].route == "/v1/images/generations"


def test_together_url_answers_are_downloaded_through_the_guard():
    with StubServer() as stub:
        stub.handler = lambda r: (
            wire.together("tg-key", image_url=f"{stub.url}/files/out.png")(r)
            if r.route.startswith("/v1/")
            else Reply.png(1024, 576)
        )
        guarded = TogetherImages(
            "tg-key",
            base_url=f"{stub.url}/v1",
            http=FAST,
            download_guard=UrlGuard(allow=frozenset({("127.0.0.1", stub.port)})),
        )
        result = guarded.render_with_report(request_for())
        assert size_of(result.png) == (1280, 720) and result.attempts == 2
        # The same answer with the default guard: a loopback URL from a response is refused.
        with pytest.raises(Exception, match="non-public address"):
            TogetherImages("tg-key", base_url=f"{stub.url}/v1", http=FAST).render(request_for())


def test_huggingface_posts_inputs_and_parameters():
    with StubServer(wire.huggingface("hf_tok")) as stub:
        source = HuggingFaceImages(
            "hf_tok", model="black-forest-labs/FLUX.1-schnell", base_url=f"{stub.url}/hf-inference/models", http=FAST
        )
        png = source.render(request_for(width=1080, height=1080))
    assert size_of(png) == (1080, 1080)
    sent = stub.requests[0]
    assert sent.route == "/hf-inference/models/black-forest-labs/FLUX.1-schnell"
    assert sent.header("Accept") == "image/png" and sent.json()["parameters"]["width"] == 1024
    assert "A solar panel" in sent.json()["inputs"]


def test_transient_faults_are_retried_with_retry_after():
    sleeps: list[float] = []
    with StubServer(wire.cloudflare(TOKEN, ACCOUNT)) as stub:
        stub.script(
            Reply.too_many(retry_after=3),
            Reply.truncated(),
        )
        result = cloudflare(stub, sleeps=sleeps).render_with_report(request_for())
    assert result.attempts == 3 and sleeps[0] == 3.0 and len(stub.requests) == 3


@pytest.mark.parametrize(
    "reply, error, why",
    [
        (Reply.malformed_json(), UnexpectedContentError, "malformed JSON"),
        (Reply.json({"result": {"image": "%%% not base64 %%%"}, "success": True}), UnexpectedContentError, "base64"),
        (Reply.json({"result": {}, "success": True}), UnexpectedContentError, "no base64 image"),
        (Reply.json({"success": False, "errors": [{"message": "NSFW"}]}), UnexpectedContentError, "reported failure"),
        (Reply.wrong_type(), UnexpectedContentError, "text/html"),
        (Reply.raw(b"\x89PNG\r\n\x1a\n" + b"garbage" * 50, "image/png"), UnexpectedContentError, "not a usable image"),
        (Reply.oversized(25_000_000), ResponseTooLargeError, "cap"),
        (Reply.raw(png_bytes(1024, 576, pattern="flat", colour=(0, 0, 0)), "image/png"), LowQualityImageError, "black"),
        (Reply.raw(png_bytes(1024, 576, pattern="noise"), "image/png"), LowQualityImageError, "noise"),
        (Reply.raw(png_bytes(128, 128), "image/png"), LowQualityImageError, "too small"),
    ],
    ids=[
        "malformed",
        "bad-base64",
        "no-image",
        "api-failure",
        "html",
        "corrupt-png",
        "oversized",
        "black",
        "static",
        "tiny",
    ],
)
def test_bad_answers_are_clear_errors_without_retries(reply, error, why):
    with StubServer() as stub:
        stub.script(reply)
        with pytest.raises(error, match=why):
            cloudflare(stub).render(request_for())
    assert len(stub.requests) == 1


def test_ai_sources_refuse_scenes_about_real_people_without_calling():
    with StubServer(wire.huggingface("hf_tok")) as stub:
        source = HuggingFaceImages("hf_tok", base_url=f"{stub.url}/hf-inference/models", http=FAST)
        with pytest.raises(PolicyRefusalError, match="real people"):
            source.render(request_for(search_query="Marie Curie in her laboratory"))
    assert stub.requests == []


def test_tokens_stay_out_of_logs_and_errors(caplog):
    caplog.set_level(logging.DEBUG)
    with StubServer() as stub:
        stub.script(Reply.error(500), Reply.error(502), Reply.error(503), Reply.error(401))
        with pytest.raises(HttpError) as failed:
            cloudflare(stub).render(request_for())
        with pytest.raises(HttpError) as refused:
            cloudflare(stub).render(request_for())
    assert refused.value.status == 401
    assert stub.requests[0].header("Authorization") == f"Bearer {TOKEN}"
    text = " ".join([caplog.text, str(failed.value), str(refused.value), repr(failed.value.args)])
    assert "/accounts/***/ai/run" in text
    for secret in (TOKEN, ACCOUNT, base64.b64encode(TOKEN.encode()).decode()):
        assert secret not in text
