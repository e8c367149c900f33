"""Pexels and Pixabay: our clients against wire-level stubs of both APIs (and their CDNs) on 127.0.0.1."""

import io
import logging
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from notes_pipeline.domain.models import ImageRequest, Scene
from notes_pipeline.domain.style import style_lock
from notes_pipeline.media.probe import probe
from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.http.errors import HttpError
from notes_pipeline.providers.http.ssrf import UrlGuard
from notes_pipeline.providers.images.base import NoPicture
from notes_pipeline.providers.images.chain import ImageChain
from notes_pipeline.providers.images.pexels import PexelsLibrary
from notes_pipeline.providers.images.pixabay import PixabayLibrary
from notes_pipeline.providers.images.stock import NoUsableStockResultError, StockHit, skip_reason
from notes_pipeline_tests.providers.stubs import Reply, StubServer
from notes_pipeline_tests.providers.stubs.stock import StockSite

PEXELS_KEY = "pexels-test-" + "k" * 20
PIXABAY_KEY = "12345-" + "p" * 25
FAST = HttpConfig(
    max_attempts=3,
    backoff_base_s=0.01,
    backoff_max_s=10,
    read_timeout_s=5,
    connect_timeout_s=1,
    breaker_failures=3,
    breaker_cooldown_s=60,
)


def request_for(
    *, heading="Forests and rivers", search_query=None, width=1280, height=720, candidates=1
) -> ImageRequest:
    scene = Scene(
        index=2,
        heading=heading,
        narration="Trees hold the soil.",
        bullets=["Roots hold soil"],
        search_query=search_query,
    )
    return ImageRequest(
        scene=scene,
        title="Nature",
        scene_count=4,
        language="en",
        style=style_lock("Nature", "clean", width, height),
        candidates=candidates,
    )


def library(kind, stub, sleeps=None, **kwargs):
    guard = UrlGuard(allow=frozenset({("127.0.0.1", stub.port)}))
    sleep = sleeps.append if sleeps is not None else (lambda s: None)
    if kind == "pexels":
        return PexelsLibrary(PEXELS_KEY, base_url=stub.url, http=FAST, download_guard=guard, sleep=sleep, **kwargs)
    return PixabayLibrary(PIXABAY_KEY, base_url=stub.url, http=FAST, download_guard=guard, sleep=sleep, **kwargs)


@pytest.fixture
def site():
    with StubServer() as stub:
        shop = StockSite(stub.url)
        stub.handler = shop.handler(PEXELS_KEY)
        yield stub, shop


def frame_size(png: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(png)).size


def test_pexels_photo_search_on_the_wire_skips_watermarked_and_small_results(site, caplog):
    caplog.set_level(logging.DEBUG)
    stub, shop = site
    shop.pexels_photos = [
        shop.pexels_photo(1, alt="forest with watermark", file=shop.photo_file("wm.png", 1920, 1080)),
        shop.pexels_photo(2, width=640, height=360, file=shop.photo_file("small.png", 640, 360)),
        shop.pexels_photo(3, photographer="Ana Lens", file=shop.photo_file("good.png", 1920, 1080)),
    ]
    result = library("pexels", stub).render_with_report(request_for())
    search = stub.requests[0]
    assert (search.method, search.route) == ("GET", "/v1/search")
    assert search.header("Authorization") == PEXELS_KEY
    assert search.query["query"] == ["forests rivers roots hold soil"] and search.query["orientation"] == ["landscape"]
    assert search.query["page"] == ["1"] and search.query["per_page"] == ["15"]
    # Only the good photo was downloaded, at the smaller rendition that still covers a 1280x720 frame.
    assert [r.route for r in stub.requests[1:]] == ["/files/good.png"]
    assert stub.requests[1].query["w"] == ["940"] and stub.requests[1].query["dpr"] == ["2"]
    assert frame_size(result.png) == (1280, 720) and result.clip is None
    assert (result.provider, result.visual_kind, result.licence) == ("pexels", "stock", "Pexels License")
    assert result.attribution == "Photo by Ana Lens on Pexels"
    assert result.source_url == "https://www.pexels.com/photo/3/" and result.attempts == 2
    assert PEXELS_KEY not in caplog.text


def test_pagination_reads_the_next_page_when_the_first_has_nothing_usable(site):
    stub, shop = site
    bad = [shop.pexels_photo(i, alt="premium watermark") for i in range(1, 4)]
    shop.pexels_photos = [*bad, shop.pexels_photo(9, file=shop.photo_file("p2.png", 1920, 1080))]
    result = library("pexels", stub, per_page=3).render_with_report(request_for())
    searches = stub.calls("/v1/search")
    assert [s.query["page"] for s in searches] == [["1"], ["2"]]
    assert result.source["id"] == "9" and result.attempts == 3


def test_pixabay_pagination_follows_total_hits_and_the_key_stays_out_of_logs_and_errors(caplog):
    caplog.set_level(logging.DEBUG)
    with StubServer() as stub:
        shop = StockSite(stub.url)
        stub.handler = shop.handler(PIXABAY_KEY)
        shop.pixabay_photos = [
            shop.pixabay_photo(1, width=800, height=500),
            shop.pixabay_photo(2, premium=True),
            shop.pixabay_photo(3, tags="logo, watermark"),
            shop.pixabay_photo(4, user="Mira", file=shop.photo_file("tree.png", 1280, 853)),
        ]
        result = library("pixabay", stub, per_page=3).render_with_report(request_for())
        searches = stub.calls("/api/")
        assert [s.query["page"] for s in searches] == [["1"], ["2"]]
        first = searches[0].query
        assert first["key"] == [PIXABAY_KEY] and first["q"] == ["forests rivers roots hold soil"]
        assert first["image_type"] == ["photo"] and first["orientation"] == ["horizontal"]
        assert first["safesearch"] == ["true"] and first["per_page"] == ["3"]
        assert result.licence == "Pixabay Content License" and result.attribution == "Photo by Mira on Pixabay"
        assert result.source_url == "https://pixabay.com/photos/tree-4/"
        stub.script(Reply.error(503), Reply.error(503), Reply.error(503))
        with pytest.raises(HttpError, match="answered 503 after 3 attempts") as failed:
            library("pixabay", stub).render(request_for())
    assert PIXABAY_KEY not in str(failed.value) and PIXABAY_KEY not in caplog.text


def test_429_with_retry_after_is_honoured(site):
    stub, shop = site
    shop.pexels_photos = [shop.pexels_photo(3, file=shop.photo_file("good.png", 1920, 1080))]
    stub.script(Reply.too_many(retry_after=3))
    sleeps: list[float] = []
    result = library("pexels", stub, sleeps).render_with_report(request_for())
    assert sleeps == [3.0] and result.attempts == 3  # two search attempts, one download
    stub.script(Reply.too_many(retry_after=60))  # longer than the policy waits: given up at once
    with pytest.raises(HttpError, match="over the 10 s cap"):
        library("pexels", stub).render(request_for())


def test_5xx_falls_through_the_chain_to_the_next_library():
    with StubServer() as broken, StubServer() as working:
        shop = StockSite(working.url)
        working.handler = shop.handler(PIXABAY_KEY)
        shop.pixabay_photos = [shop.pixabay_photo(4, file=shop.photo_file("tree.png", 1280, 853))]
        broken.handler = lambda request: Reply.error(500)
        chain = ImageChain(stock=[library("pexels", broken), library("pixabay", working)])
        result = chain.render_with_report(request_for())
    assert len(broken.requests) == 3 and result.provider == "pixabay"
    assert result.fallbacks == ["pexels"] and "answered 500 after 3 attempts" in result.failures[0]


def test_a_video_result_becomes_muted_clip_bytes_with_a_poster_frame(site):
    stub, shop = site
    shop.video_file("river.mp4")
    shop.pexels_videos = [shop.pexels_video(5, link=f"{stub.url}/redirect/river.mp4", user="Rui Frames")]
    result = library("pexels", stub, media=("videos",)).render_with_report(request_for())
    routes = [r.route for r in stub.requests]
    assert routes == ["/v1/videos/search", "/redirect/river.mp4", "/files/river.mp4"]  # the HD file, not the SD one
    assert result.clip is not None and frame_size(result.png) == (1280, 720)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "clip.mp4")
        path.write_bytes(result.clip)
        info = probe(path)
    assert info.video is not None and info.audio is None and info.video.width == 1280
    poster = Image.open(io.BytesIO(result.png)).convert("L")
    assert max(poster.getextrema()) - min(poster.getextrema()) > 100  # a real decoded frame, not a blank one
    assert result.attribution == "Video by Rui Frames on Pexels" and result.source["media"] == "videos"


def test_pixabay_video_picks_the_smallest_file_covering_the_frame(site):
    stub, shop = site
    stub.handler = shop.handler(PIXABAY_KEY)
    shop.pixabay_videos = [shop.pixabay_video(8, link=shop.video_file("small-8.mp4"))]
    result = library("pixabay", stub, media=("videos",)).render_with_report(request_for())
    assert [r.route for r in stub.requests] == ["/api/videos/", "/files/small-8.mp4"]
    assert result.clip is not None and result.licence == "Pixabay Content License"


def test_photos_first_then_videos_and_review_keeps_alternatives(site):
    stub, shop = site
    shop.pexels_photos = [
        shop.pexels_photo(1, file=shop.photo_file("a.png", 1920, 1080)),
        shop.pexels_photo(2, file=shop.photo_file("b.png", 1920, 1080, pattern="noise")),
    ]
    shop.pexels_videos = [shop.pexels_video(5, link=shop.video_file("river.mp4"))]
    result = library("pexels", stub, media=("photos", "videos")).render_with_report(request_for(candidates=3))
    # The noisy photo fails the quality gate; the video fills the third place.
    assert result.source["id"] == "1" and [a.source["id"] for a in result.alternatives] == ["5"]
    assert result.alternatives[0].clip is not None


def test_nothing_found_is_no_picture_and_nothing_usable_is_an_error(site):
    stub, shop = site
    with pytest.raises(NoPicture):
        library("pexels", stub).render(request_for())
    shop.pexels_photos = [shop.pexels_photo(1, width=300, height=200)]
    with pytest.raises(NoUsableStockResultError, match="too small"):
        library("pexels", stub).render(request_for())
    chain = ImageChain(stock=[library("pexels", stub)])
    assert chain.render_with_report(request_for(search_query="Amazon river")).provider == "slides"


@pytest.mark.parametrize(
    "hit, frame, reason",
    [
        (StockHit("photos", "1", 1920, 1080, "u", "p", "a"), (1280, 720), None),
        (StockHit("photos", "1", 1000, 560, "u", "p", "a"), (1280, 720), None),  # enlarged 1.29x: still fine
        (StockHit("photos", "1", 900, 500, "u", "p", "a"), (1280, 720), "too small"),
        (StockHit("photos", "1", 1280, 720, "u", "p", "a"), (720, 1280), "too small"),  # a 9:16 crop needs height
        (StockHit("photos", "1", 1920, 1080, "u", "p", "a", tags="sign, Watermark"), (1280, 720), "watermarked"),
        (StockHit("photos", "1", 1920, 1080, "u", "p", "a", premium=True), (1280, 720), "premium"),
        (StockHit("videos", "1", 0, 0, "", "p", "a"), (1280, 720), "nothing to download"),
    ],
)
def test_skip_rules(hit, frame, reason):
    got = skip_reason(hit, frame, min_scale=0.75)
    assert (got is None) if reason is None else (reason in got)
