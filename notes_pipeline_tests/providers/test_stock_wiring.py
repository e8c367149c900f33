"""How stock libraries are configured and queried: keys from the environment, providers.yaml `images.stock`,
the registry's chain, the per-scene visual query the script writer adds, and the SSRF guard on their files."""

import pytest

from notes_pipeline.domain.models import ImageRequest, Scene
from notes_pipeline.domain.style import style_lock
from notes_pipeline.providers.config import SECRET_ENV_VARS, Secrets
from notes_pipeline.providers.http.client import HttpClient
from notes_pipeline.providers.http.download import safe_fetch
from notes_pipeline.providers.http.errors import UnexpectedContentError
from notes_pipeline.providers.http.ssrf import UrlGuard
from notes_pipeline.providers.images.chain import ImageChain
from notes_pipeline.providers.images.prompting import visual_query
from notes_pipeline.providers.llm.gemini_schema import GeminiScene, GeminiScript, to_script
from notes_pipeline.providers.llm.prompts import SYSTEM_INSTRUCTION
from notes_pipeline.providers.registry import ProviderRegistry
from notes_pipeline_tests.providers.stubs import Reply, StubServer
from notes_pipeline_tests.providers.stubs.provider_config import stub_config
from notes_pipeline_tests.providers.stubs.stock import StockSite, mp4_bytes

PEXELS_KEY = "pexels-wire-" + "w" * 20


def request_for(scene: Scene) -> ImageRequest:
    return ImageRequest(
        scene=scene, title="Nature", scene_count=3, language="en", style=style_lock("Nature", "clean", 1280, 720)
    )


def test_keys_come_from_the_environment_and_the_registry_puts_stock_before_the_generators():
    secrets = Secrets.from_env({"PEXELS_API_KEY": PEXELS_KEY, "PIXABAY_API_KEY": "", "TOGETHER_API_KEY": "t"})
    assert SECRET_ENV_VARS["pexels_api_key"] == "PEXELS_API_KEY" and PEXELS_KEY not in repr(secrets)
    registry = ProviderRegistry(stub_config("http://127.0.0.1:9"), secrets)
    assert registry.active("stock") == ["pexels"]
    assert {s.name: s.detail for s in registry.statuses() if s.capability == "stock"} == {
        "pexels": "PEXELS_API_KEY set",
        "pixabay": "needs PIXABAY_API_KEY",
    }
    chain = registry.image_source()
    assert isinstance(chain, ImageChain)
    plain = request_for(Scene(index=1, heading="Forests", narration="x"))
    real = request_for(Scene(index=1, heading="Paris", narration="x", search_query="Eiffel Tower"))
    assert [s.name for s in chain.sources_for(plain)] == ["notes", "pexels", "together", "visuals", "slides"]
    # never an AI picture of a real place
    assert [s.name for s in chain.sources_for(real)] == ["notes", "pexels", "visuals", "slides"]

    config = stub_config("http://127.0.0.1:9").model_dump(mode="json")
    config["images"]["stock"]["enabled"] = False
    from notes_pipeline.providers.config import ProvidersConfig

    off = ProviderRegistry(ProvidersConfig.model_validate(config), secrets)
    assert off.active("stock") == [] and [s.name for s in off.image_source().sources_for(plain)] == [
        "notes",
        "together",
        "visuals",
        "slides",
    ]


def test_the_registry_library_searches_its_endpoint_but_never_fetches_files_from_private_addresses():
    with StubServer() as stub:
        shop = StockSite(stub.url)
        stub.handler = shop.handler(PEXELS_KEY)
        shop.pexels_photos = [shop.pexels_photo(1, file=shop.photo_file("a.png", 1920, 1080))]
        registry = ProviderRegistry(stub_config(stub.url), Secrets.from_values({"pexels_api_key": PEXELS_KEY}))
        result = registry.image_source().render_with_report(
            request_for(Scene(index=1, heading="Forests", narration="x", visual_query="pine forest"))
        )
    # The configured endpoints are trusted config: photos searched, then videos (no photo was usable).
    assert [r.route for r in stub.requests] == ["/v1/search", "/v1/videos/search"]
    assert stub.requests[0].query["query"] == ["pine forest"]
    assert (
        result.provider == "slides" and result.fallbacks == ["pexels"] and result.attempts == 3
    )  # 2 searches, 1 slide
    assert "refused to fetch 127.0.0.1" in result.failures[0] and PEXELS_KEY not in result.failures[0]


def test_safe_fetch_takes_only_the_content_types_asked_for():
    with StubServer() as stub:
        guard = UrlGuard(allow=frozenset({("127.0.0.1", stub.port)}))
        client = HttpClient("clips", url_guard=guard, sleep=lambda s: None)
        stub.script(Reply.redirect(f"{stub.url}/files/clip.mp4"), Reply.raw(mp4_bytes(), "video/mp4"))
        response, hops, attempts = safe_fetch(f"{stub.url}/start", client, accept=("video/",))
        assert response.content == mp4_bytes() and hops == [f"{stub.url}/files/clip.mp4"] and attempts == 2
        assert response.url == f"{stub.url}/files/clip.mp4" and stub.requests[0].header("Accept") == "video/*"
        stub.script(Reply.wrong_type())
        with pytest.raises(UnexpectedContentError, match="expected video/"):
            safe_fetch(f"{stub.url}/page", client, accept=("video/",))
    with pytest.raises(ValueError, match="UrlGuard"):
        safe_fetch("https://example.org/x.mp4", HttpClient("unguarded"), accept=("video/",))


@pytest.mark.parametrize(
    "scene, query",
    [
        (
            Scene(
                index=1,
                heading="Eiffel Tower",
                narration="x",
                search_query="Eiffel Tower at night",
                visual_query="tower",
            ),
            "Eiffel Tower at night",
        ),
        (Scene(index=1, heading="Roots", narration="x", visual_query="  tree   roots  soil "), "tree roots soil"),
        (
            Scene(index=1, heading="Introduction to photosynthesis in green plants", narration="x"),
            "photosynthesis green plants",
        ),
        (
            Scene(index=1, heading="Why it matters", narration="x", bullets=["Coral reefs shelter fish"]),
            "matters coral reefs shelter fish",
        ),
        (Scene(index=1, heading="प्रकाश संश्लेषण", narration="x"), "प्रकाश संश्लेषण"),
    ],
)
def test_visual_query(scene, query):
    assert visual_query(scene) == query


def test_the_script_writer_is_asked_for_a_visual_query_per_scene_and_it_is_kept():
    assert "visual_query" in SYSTEM_INSTRUCTION
    assert "visual_query" in GeminiScene.model_json_schema()["properties"]
    scenes = [
        GeminiScene(
            heading=f"Part {i}",
            narration="Trees hold the soil with their roots.",
            bullets=[],
            image_prompt="a tree",
            visual_query=" tree roots " if i == 1 else None,
        )
        for i in range(1, 4)
    ]
    script = to_script(
        GeminiScript(title="Trees", summary="s", objectives=["o"], scenes=scenes), language="en", writer="gemini"
    )
    assert script.scenes[0].visual_query == "tree roots" and script.scenes[1].visual_query is None
    assert "visual_query" not in script.scenes[1].model_dump_json()  # scripts without one keep their hashes
