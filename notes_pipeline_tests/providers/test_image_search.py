"""Web image search: the real google-api-python-client against a Custom Search stub on 127.0.0.1."""

import io
import json
import logging

import pytest
from PIL import Image

from notes_pipeline.domain.models import ImageRequest, Scene
from notes_pipeline.domain.style import style_lock
from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.http.errors import CircuitOpenError, HttpError
from notes_pipeline.providers.http.ssrf import UrlGuard
from notes_pipeline.providers.images.chain import ImageChain
from notes_pipeline.providers.images.web_search import NoUsableSearchResultError, SearchHit, WebImageSearch, skip_reason
from notes_pipeline_tests.providers.stubs import Reply, StubServer, png_bytes
from notes_pipeline_tests.providers.stubs import images as wire

KEY, CX = "AI" + "zaSyTEST-0123456789abcdef", "cx-engine-42"
FAST = HttpConfig(
    max_attempts=3,
    backoff_base_s=0.01,
    backoff_max_s=10,
    read_timeout_s=2,
    connect_timeout_s=1,
    breaker_failures=3,
    breaker_cooldown_s=60,
)


def request_for(query="Eiffel Tower at night") -> ImageRequest:
    scene = Scene(index=2, heading="Paris", narration="x", search_query=query)
    return ImageRequest(
        scene=scene, title="Cities", scene_count=3, language="en", style=style_lock("Cities", "clean", 1280, 720)
    )


def searcher(stub: StubServer, sleeps=None, **kwargs) -> WebImageSearch:
    guard = UrlGuard(allow=frozenset({("127.0.0.1", stub.port)}))
    return WebImageSearch(
        KEY,
        CX,
        base_url=f"{stub.url}/",
        http=FAST,
        download_guard=guard,
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
        **kwargs,
    )


def items_for(stub: StubServer) -> list[dict]:
    return [
        wire.search_item(f"{stub.url}/img/stock.png", site="www.shutterstock.com", title="Eiffel tower stock photo"),
        wire.search_item(f"{stub.url}/img/small.png", site="blog.example.org", width=300, height=200),
        wire.search_item(f"{stub.url}/img/preview-wm.png", site="photos.example.net"),
        wire.search_item("http://169.254.169.254/latest/meta-data/eiffel.png", site="evil.example"),
        wire.search_item(f"{stub.url}/img/blank.png", site="cdn.example.com"),
        wire.search_item(
            f"{stub.url}/img/eiffel.png",
            site="commons.wikimedia.org",
            title="Eiffel Tower by night",
            page="https://commons.wikimedia.org/wiki/File:Eiffel.png",
            width=1600,
            height=900,
        ),
    ]


PICTURES = {
    "/img/eiffel.png": png_bytes(1600, 900),
    "/img/blank.png": png_bytes(1600, 900, pattern="flat"),
    "/img/stock.png": png_bytes(1600, 900),
    "/img/small.png": png_bytes(300, 200),
    "/img/preview-wm.png": png_bytes(1600, 900),
}


def test_search_request_on_the_wire_and_the_first_good_result_wins(caplog):
    caplog.set_level(logging.DEBUG)
    with StubServer() as stub:
        stub.handler = wire.custom_search(items_for(stub), images=PICTURES)
        result = searcher(stub).render_with_report(request_for())
    search = stub.requests[0]
    assert (search.method, search.route) == ("GET", "/customsearch/v1")
    assert search.query["q"] == ["Eiffel Tower at night"] and search.query["cx"] == [CX]
    assert search.query["searchType"] == ["image"] and search.query["num"] == ["10"]
    assert search.query["key"] == [KEY] and search.query["safe"] == ["active"]
    # Only the blank picture and the good one were fetched: stock, small, preview and metadata URLs never were.
    assert [r.route for r in stub.requests[1:]] == ["/img/blank.png", "/img/eiffel.png"]
    assert Image.open(io.BytesIO(result.png)).size == (1280, 720)
    assert result.provider == "web_search" and result.attempts == 3
    assert result.source_url == "https://commons.wikimedia.org/wiki/File:Eiffel.png"
    assert result.attribution == "Eiffel Tower by night (commons.wikimedia.org)"
    assert result.source["width"] == 1600 and result.source["display_link"] == "commons.wikimedia.org"
    assert KEY not in caplog.text and "key=***" in caplog.text  # the SDK logs its request URL at DEBUG


@pytest.mark.parametrize(
    "hit, reason",
    [
        (SearchHit("https://x.org/a.jpg", "t", "www.gettyimages.co.uk", "", 2000, 1000, "image/jpeg"), "stock"),
        (
            SearchHit("https://media.istockphoto.com/a.jpg", "t", "istockphoto.com", "", 2000, 1000, "image/jpeg"),
            "stock",
        ),
        (SearchHit("https://x.org/a.jpg", "t", "x.org", "https://www.alamy.com/p", 2000, 1000, "image/jpeg"), "stock"),
        (SearchHit("https://x.org/thumbs/a.jpg", "t", "x.org", "", 2000, 1000, "image/jpeg"), "preview"),
        (SearchHit("https://x.org/a.jpg", "Royalty-free image", "x.org", "", 2000, 1000, "image/jpeg"), "preview"),
        (SearchHit("https://x.org/a.svg", "t", "x.org", "", 2000, 1000, "image/svg+xml"), "raster"),
        (SearchHit("https://x.org/a.jpg", "t", "x.org", "", 640, 480, "image/jpeg"), "too small"),
        (SearchHit("https://x.org/a.jpg", "t", "x.org", "", 1920, 1080, "image/jpeg"), None),
    ],
)
def test_skip_rules(hit, reason):
    got = skip_reason(hit, min_width=800, min_height=450)
    assert (got is None) if reason is None else (reason in got)


def test_429_with_retry_after_is_honoured_and_the_key_stays_out_of_errors():
    sleeps: list[float] = []
    with StubServer() as stub:
        stub.handler = wire.custom_search(items_for(stub), images=PICTURES)
        stub.script(Reply.too_many(retry_after=4))
        result = searcher(stub, sleeps).render_with_report(request_for())
        assert sleeps == [4.0] and result.attempts == 4
        stub.script(Reply.error(500), Reply.error(500), Reply.error(500))
        with pytest.raises(HttpError, match="answered 500 after 3 attempts") as failed:
            searcher(stub).render(request_for())
    assert KEY not in str(failed.value) and failed.value.__cause__ is None and failed.value.__suppress_context__


def test_a_429_is_sent_max_attempts_times_in_all_the_client_adds_no_retries():
    sleeps: list[float] = []
    with StubServer() as stub:
        stub.handler = wire.custom_search(items_for(stub), images=PICTURES)
        stub.script(*[Reply.too_many(retry_after=1)] * 9)
        with pytest.raises(HttpError, match="answered 429 after 3 attempts"):
            searcher(stub, sleeps).render(request_for())
    assert len(stub.requests) == 3 and sleeps == [1.0, 1.0]


@pytest.mark.parametrize(
    "reply, why",
    [
        (Reply.malformed_json(), "malformed JSON"),
        (Reply.wrong_type(), "malformed JSON"),
        (Reply.json({"items": "nope"}), "no list of items"),
    ],
)
def test_broken_search_answers_are_clear_errors(reply, why):
    with StubServer() as stub:
        stub.script(reply)
        with pytest.raises(HttpError, match=why):
            searcher(stub).render(request_for())
        assert len(stub.requests) == 1


def test_hanging_and_truncated_searches_are_retried():
    with StubServer() as stub:
        stub.handler = wire.custom_search(items_for(stub), images=PICTURES)
        cut = Reply.truncated(json.dumps({"items": items_for(stub)}).encode(), content_type="application/json")
        stub.script(Reply.hang(3), cut)
        slow = FAST.model_copy(update={"read_timeout_s": 0.3, "connect_timeout_s": 0.2})
        source = WebImageSearch(
            KEY,
            CX,
            base_url=f"{stub.url}/",
            http=slow,
            sleep=lambda s: None,
            download_guard=UrlGuard(allow=frozenset({("127.0.0.1", stub.port)})),
        )
        result = source.render_with_report(request_for())
        assert result.provider == "web_search" and result.attempts == 3 + 2  # 3 searches, 2 downloads


def test_no_usable_result_falls_back_to_a_slide_and_the_circuit_opens_on_outages():
    with StubServer() as stub:
        stub.handler = wire.custom_search([wire.search_item(f"{stub.url}/img/stock.png", site="shutterstock.com")])
        chain = ImageChain(search=searcher(stub))
        result = chain.render_with_report(request_for())
        assert result.provider == "slides" and result.fallbacks == ["web_search"]
        assert "stock-photo site" in result.failures[0]
        with pytest.raises(NoUsableSearchResultError):
            searcher(stub).render(request_for())

        stub.handler = lambda r: Reply.error(503)
        outage = searcher(stub)
        for _ in range(3):
            with pytest.raises(HttpError):
                outage.render(request_for())
        before = len(stub.requests)
        with pytest.raises(CircuitOpenError):
            outage.render(request_for())
        assert len(stub.requests) == before
