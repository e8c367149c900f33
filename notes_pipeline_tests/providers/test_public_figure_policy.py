"""A prompt about a named person: the real Gemini client (stub LLM) marks the scene, and the image
chain then never calls an AI image generator (a real Cloudflare client against its own stub) for it."""

from __future__ import annotations

import json

from notes_pipeline.domain.documents import parse_document
from notes_pipeline.domain.models import ImageRequest
from notes_pipeline.domain.style import style_lock
from notes_pipeline.providers.config import HttpConfig, load_config
from notes_pipeline.providers.images.chain import ImageChain
from notes_pipeline.providers.images.cloudflare import CloudflareImages
from notes_pipeline.providers.images.slides import SlideRenderer
from notes_pipeline.providers.llm.gemini import GeminiScriptWriter
from notes_pipeline_tests.providers.stubs import StubServer
from notes_pipeline_tests.providers.stubs import images as wire
from notes_pipeline_tests.providers.stubs.gemini import gemini_handler

CF_TOKEN, CF_ACCOUNT = "cf-tok-" + "policy1", "acct-" + "9f00"
ANSWER = json.dumps(
    {
        "title": "Marie Curie",
        "summary": "Her life and her discoveries.",
        "objectives": ["Who she was"],
        "scenes": [
            {
                "heading": "A young student in Paris",
                "narration": "Marie Curie moved to Paris to study physics.",
                "bullets": ["Paris, 1891"],
                "image_prompt": "portrait of Marie Curie as a student",
                "search_query": None,
                "real_people": True,
            },
            {
                "heading": "What radioactivity is",
                "narration": "Some atoms give off radiation as they decay.",
                "bullets": ["Unstable nuclei"],
                "image_prompt": "glowing atoms",
                "search_query": None,
                "real_people": False,
            },
            {
                "heading": "Two Nobel prizes",
                "narration": "She won Nobel prizes in physics and in chemistry.",
                "bullets": ["1903 and 1911"],
                "image_prompt": "Marie Curie receiving a medal",
                "search_query": None,
                "real_people": True,
            },
        ],
    }
)


def test_a_prompt_about_a_named_person_never_reaches_an_image_generator() -> None:
    with StubServer(gemini_handler(ANSWER)) as llm, StubServer(wire.cloudflare(CF_TOKEN, CF_ACCOUNT)) as cf:
        config = load_config().script.gemini.model_copy(update={"base_url": llm.url, "timeout_s": 2})
        writer = GeminiScriptWriter(
            config, api_key="test-" + "key", http=HttpConfig(max_attempts=1), sleep=lambda s: None
        )
        document = parse_document(
            "curie-1", "curie.prompt", b"A short video about Marie Curie's life", max_bytes=10_000
        )
        script, _ = writer.write_recorded(document)
        assert [s.real_people for s in script.scenes] == [True, False, True]

        chain = ImageChain(
            [
                CloudflareImages(
                    CF_TOKEN,
                    CF_ACCOUNT,
                    base_url=f"{cf.url}/client/v4",
                    http=HttpConfig(max_attempts=1),
                    sleep=lambda s: None,
                )
            ],
            last_resort=SlideRenderer(),
        )
        style = style_lock(script.title, "clean", 854, 480)
        served = {}
        for scene in script.scenes:
            request = ImageRequest(
                scene=scene, title=script.title, scene_count=len(script.scenes), language="en", style=style
            )
            served[scene.index] = chain.render_with_report(request)

    assert {i: r.provider for i, r in served.items()} == {1: "slides", 2: "cloudflare", 3: "slides"}
    assert all(not r.fallbacks for r in served.values())  # skipped by policy, not failed over
    generator_calls = [r for r in cf.requests if "/ai/run/" in r.route]
    assert len(generator_calls) == 1 and b"glowing atoms" in generator_calls[0].body
