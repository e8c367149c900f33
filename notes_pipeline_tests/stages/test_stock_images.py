"""The images stage with stock pictures: clips stored beside the poster, the cache giving both back, and
review candidates kept only where there is something to choose from."""

import pytest

from notes_pipeline.domain.models import RenderOptions, Scene, Script, ScriptManifest
from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.http.breaker import reset_circuit_breakers
from notes_pipeline.providers.http.ssrf import UrlGuard
from notes_pipeline.providers.images.chain import ImageChain
from notes_pipeline.providers.images.pexels import PexelsLibrary
from notes_pipeline.providers.images.slides import SlideRenderer
from notes_pipeline.stages.candidates import NoSuchCandidateError, pick_candidate
from notes_pipeline.stages.images import make_images
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import LocalBucket, put_model
from notes_pipeline_tests.providers.stubs import StubServer
from notes_pipeline_tests.providers.stubs.stock import StockSite, mp4_bytes

KEY = "pexels-stage-" + "s" * 20


def manifest_for(bucket, doc_id: str, *, review: bool) -> ScriptManifest:
    scenes = [Scene(index=i, heading=f"Lava field {i}", narration="Lava cools into rock.") for i in (1, 2, 3)]
    script = Script(title="Lava", summary="s", language="en", scenes=scenes, writer="test")
    put_model(bucket, keys.script(doc_id), script)
    return ScriptManifest(
        doc_id=doc_id,
        script_key=keys.script(doc_id),
        script_hash="0" * 64,
        source_hash="0" * 64,
        language="en",
        scene_count=3,
        word_count=12,
        writer="test",
        options=RenderOptions(resolution=480, review=review),
    )


@pytest.fixture
def clips_only():
    reset_circuit_breakers()
    with StubServer() as stub:
        shop = StockSite(stub.url)
        stub.handler = shop.handler(KEY)
        shop.pexels_videos = [
            shop.pexels_video(1, link=shop.video_file("lava1.mp4", 854, 480)),
            shop.pexels_video(2, link=shop.video_file("lava2.mp4", 1280, 720)),
        ]
        library = PexelsLibrary(
            KEY,
            base_url=stub.url,
            media=("videos",),
            sleep=lambda s: None,
            http=HttpConfig(max_attempts=2, backoff_base_s=0.01),
            download_guard=UrlGuard(allow=frozenset({("127.0.0.1", stub.port)})),
        )
        yield stub, ImageChain(stock=[library], last_resort=SlideRenderer())
    reset_circuit_breakers()


def test_a_clip_is_stored_with_its_poster_and_the_cache_gives_both_back(tmp_path, clips_only):
    stub, chain = clips_only
    bucket = LocalBucket(tmp_path / "bucket")
    first = make_images(bucket, manifest_for(bucket, "lava-a", review=False), chain, workers=1)
    image = first.images[0]
    assert image.clip_key == keys.scene_clip("lava-a", 1) and image.candidates == []
    assert bucket.get_bytes(image.clip_key)[4:8] == b"ftyp" and bucket.get_bytes(image.clip_key) != mp4_bytes(854, 480)
    searched = len(stub.requests)
    # Another document with the same scenes: every picture and clip from the cache, no call.
    other = make_images(bucket, manifest_for(bucket, "lava-b", review=False), chain, workers=1)
    assert len(stub.requests) == searched and all(i.reused for i in other.images)
    assert other.images[0].clip_key == keys.scene_clip("lava-b", 1)
    assert bucket.get_bytes(other.images[0].clip_key) == bucket.get_bytes(image.clip_key)
    with pytest.raises(NoSuchCandidateError, match="has no candidates"):
        put_model(bucket, keys.manifest("lava-a", "scene_images"), first)
        pick_candidate(bucket, "lava-a", 1, 2)


def test_review_keeps_candidates_only_where_there_is_a_choice(tmp_path, clips_only):
    _, chain = clips_only
    bucket = LocalBucket(tmp_path / "bucket")
    with_stock = make_images(bucket, manifest_for(bucket, "lava-c", review=True), chain, workers=1, review_candidates=4)
    assert [len(i.candidates) for i in with_stock.images] == [2, 2, 2]
    assert len({c.image_key for i in with_stock.images for c in i.candidates}) == 2  # equal results kept once
    assert all(c.clip_key and bucket.stat(c.clip_key) for i in with_stock.images for c in i.candidates)
    put_model(bucket, keys.manifest("lava-c", "scene_images"), with_stock)
    assert pick_candidate(bucket, "lava-c", 2, 2) == with_stock.images[1].candidates[1]
    with pytest.raises(NoSuchCandidateError, match="candidates 1-2"):
        pick_candidate(bucket, "lava-c", 2, 3)
    offline = make_images(
        bucket, manifest_for(bucket, "lava-d", review=True), SlideRenderer(), workers=1, review_candidates=4
    )
    assert all(i.candidates == [] for i in offline.images)
    assert bucket.list(keys.project_prefix("lava-d") + "candidates/") == []
