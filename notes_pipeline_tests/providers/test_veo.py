"""Veo through the real google-genai client against a 127.0.0.1 stub of its long-running operation."""

from __future__ import annotations

import io
import logging

import pytest
from PIL import Image

from notes_pipeline.domain.models import ImageRequest, Scene
from notes_pipeline.domain.style import style_lock
from notes_pipeline.media.clips import clip_bytes_info
from notes_pipeline.providers.config import HttpConfig, VeoConfig
from notes_pipeline.providers.http.errors import HttpError, UnexpectedContentError
from notes_pipeline.providers.images.chain import ImageChain
from notes_pipeline.providers.images.prompting import PolicyRefusalError
from notes_pipeline.providers.images.slides import SlideRenderer
from notes_pipeline.providers.images.veo import VeoClips, VeoTimeoutError
from notes_pipeline_tests.media.clip_media import make_clip
from notes_pipeline_tests.providers.stubs import Reply, StubServer
from notes_pipeline_tests.providers.stubs.veo import FETCH, START, VeoWire

KEY = "veo-k3y-" + "5f0c1e7a9b"
FAST = HttpConfig(max_attempts=3, backoff_base_s=0.01, backoff_max_s=5, read_timeout_s=2, connect_timeout_s=1)


class FakeTime:
    """The provider's clock and sleep: polls wait `poll_s` of this time, not of the test's."""

    def __init__(self) -> None:
        self.now, self.slept = 1000.0, []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> bytes:
    return make_clip(tmp_path_factory.mktemp("veo") / "veo.mp4", 1.5, size=(640, 360)).read_bytes()


def request_for(*, width=854, height=480, search_query=None) -> ImageRequest:
    scene = Scene(
        index=2,
        heading="Light becomes current",
        narration="Photons free electrons.",
        bullets=["Photons in", "Electrons out"],
        image_prompt="sunlight falling on a solar cell",
        search_query=search_query,
    )
    return ImageRequest(
        scene=scene, title="Solar", scene_count=3, language="en", style=style_lock("Solar", "clean", width, height)
    )


def veo_for(stub: StubServer, time: FakeTime, **config) -> VeoClips:
    settings = {"base_url": stub.url, "poll_s": 10, "timeout_s": 120, **config}
    return VeoClips(KEY, VeoConfig(**settings), http=FAST, sleep=time.sleep, clock=time.clock)


def test_a_clip_is_started_polled_and_delivered_with_its_poster(video, caplog):
    caplog.set_level(logging.DEBUG)
    time = FakeTime()
    with StubServer(VeoWire(video, pending=2)) as stub:
        result = veo_for(stub, time).render_with_report(request_for())
    start, *polls = stub.requests
    assert START.match(start.route) and start.route.endswith("/veo-3.0-fast-generate-001:predictLongRunning")
    body = start.json()
    assert "sunlight falling on a solar cell" in body["instances"][0]["prompt"]
    assert body["parameters"] | {"seed": 0} == {
        "sampleCount": 1,
        "durationSeconds": 8,
        "aspectRatio": "16:9",
        "resolution": "720p",
        "generateAudio": False,
        "negativePrompt": body["parameters"]["negativePrompt"],
        "seed": 0,
    }
    assert "watermark" in body["parameters"]["negativePrompt"]
    assert start.header("x-goog-api-key") == KEY
    assert len(polls) == 3 and all(FETCH.match(p.route) for p in polls)  # two "not yet", then done
    assert time.slept == [10, 10, 10]
    assert result.clip == video and result.visual_kind == "generated" and result.provider == "veo"
    assert result.attempts == 1 and float(result.source["video_seconds"]) == pytest.approx(1.5, abs=0.05)
    with Image.open(io.BytesIO(result.png)) as poster:
        assert poster.size == (854, 480)
    assert KEY not in caplog.text


def test_a_vertical_video_asks_for_a_vertical_clip(video):
    with StubServer(VeoWire(video, pending=0)) as stub:
        veo_for(stub, FakeTime()).render_with_report(request_for(width=480, height=854))
    assert stub.requests[0].json()["parameters"]["aspectRatio"] == "9:16"


def test_a_429_on_start_is_retried_after_the_wait_it_asks_for(video):
    time = FakeTime()
    with StubServer(VeoWire(video, pending=0)) as stub:
        stub.script(Reply.too_many(retry_after=3))
        result = veo_for(stub, time).render_with_report(request_for())
    assert result.clip == video and result.attempts == 2
    assert time.slept[0] == 3  # the Retry-After, then one poll
    assert [START.match(r.route) is not None for r in stub.requests] == [True, True, False]


def test_a_429_is_sent_max_attempts_times_in_all_the_sdk_adds_no_retries(video):
    time = FakeTime()
    with StubServer(VeoWire(video)) as stub:
        stub.script(*[Reply.too_many(retry_after=2)] * 9)
        with pytest.raises(HttpError, match="429 RESOURCE_EXHAUSTED after 3 attempts"):
            veo_for(stub, time).render_with_report(request_for())
    assert [START.match(r.route) is not None for r in stub.requests] == [True] * 3
    assert time.slept == [2, 2]


def test_a_5xx_while_polling_is_retried_and_counted(video):
    with StubServer(VeoWire(video, pending=1)) as stub:
        wire = stub.handler
        stub.script(wire, Reply.error(503, "backend unavailable"))  # the start, then the first poll fails
        result = veo_for(stub, FakeTime()).render_with_report(request_for())
    assert result.clip == video and result.attempts == 2
    assert len(stub.requests) == 4  # start, failed poll, its retry (not yet), done


def test_a_start_that_keeps_failing_falls_back_in_the_chain(video):
    with StubServer(VeoWire(video)) as stub:
        stub.script(*[Reply.error(500)] * 3)
        chain = ImageChain([veo_for(stub, FakeTime())], last_resort=SlideRenderer())
        result = chain.render_with_report(request_for())
    assert result.provider == "slides" and result.fallbacks == ["veo"] and result.clip is None
    assert result.attempts == 3 + 1 and "answered 500" in result.failures[0]


def test_an_operation_that_never_finishes_hits_the_time_limit_and_falls_back(video):
    time = FakeTime()
    with StubServer(VeoWire(video, pending=None)) as stub:
        veo = veo_for(stub, time, poll_s=10, timeout_s=60)
        with pytest.raises(VeoTimeoutError, match=r"scene 2 was not ready after 60 s"):
            veo.render_with_report(request_for())
        assert len(stub.requests) == 1 + 6 and sum(time.slept) == 60  # polled every 10 s for 60 s, no longer
        result = ImageChain([veo], last_resort=SlideRenderer()).render_with_report(request_for())
    assert result.provider == "slides" and result.fallbacks == ["veo"] and "not ready" in result.failures[0]


@pytest.mark.parametrize(
    ("reply", "finished", "cause"),
    [
        (Reply.malformed_json(), None, "malformed JSON"),
        (
            None,
            lambda video: {
                "done": True,
                "response": {
                    "videos": [{"bytesBase64Encoded": "PGh0bWw+bm90IGEgdmlkZW88L2h0bWw+", "mimeType": "video/mp4"}]
                },
            },
            "video is unusable",
        ),
        (
            None,
            lambda video: {
                "done": True,
                "response": {"raiMediaFilteredCount": 1, "raiMediaFilteredReasons": ["unsafe content"]},
            },
            "safety filters",
        ),
        (
            None,
            lambda video: {"done": True, "error": {"code": 3, "message": "prompt rejected"}},
            "failed: prompt rejected",
        ),
        (None, lambda video: {"done": True, "response": {"videos": [{"gcsUri": "gs://b/v.mp4"}]}}, "without its bytes"),
    ],
)
def test_garbage_answers_are_refused_with_their_cause(video, reply, finished, cause):
    with StubServer(VeoWire(video, pending=0, **({"finished": finished} if finished else {}))) as stub:
        if reply is not None:
            stub.script(reply)
        with pytest.raises(UnexpectedContentError, match=cause) as raised:
            veo_for(stub, FakeTime()).render_with_report(request_for())
    assert KEY not in str(raised.value)
    assert isinstance(raised.value, HttpError) and not raised.value.retryable


def test_scenes_about_real_people_are_refused_without_a_call(video):
    with StubServer(VeoWire(video)) as stub:
        with pytest.raises(PolicyRefusalError):
            veo_for(stub, FakeTime()).render_with_report(request_for(search_query="Nelson Mandela 1994"))
    assert stub.requests == []


def test_a_scene_marked_as_about_real_people_never_reaches_veo_in_the_chain(video):
    from notes_pipeline.providers.images.chain import ImageChain
    from notes_pipeline.providers.images.slides import SlideRenderer

    plain = request_for()
    person = plain.model_copy(update={"scene": plain.scene.model_copy(update={"real_people": True})})
    with StubServer(VeoWire(video)) as stub:
        chain = ImageChain([veo_for(stub, FakeTime())], last_resort=SlideRenderer())
        assert [s.name for s in chain.sources_for(person)] == ["slides"]
        served = chain.render_with_report(person)
    assert served.provider == "slides" and stub.requests == []


def test_the_clip_it_delivers_is_a_playable_video(video):
    with StubServer(VeoWire(video, pending=0)) as stub:
        result = veo_for(stub, FakeTime()).render_with_report(request_for())
    info = clip_bytes_info(result.clip, name="veo")
    assert (info.width, info.height) == (640, 360) and info.duration_s == pytest.approx(1.5, abs=0.05)
